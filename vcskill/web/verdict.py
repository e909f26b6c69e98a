"""One verification as the page and the API show it: green, red or amber, and the sentence
that says why."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from vcskill.verifying.report import Check, Outcome, VerificationReport
from vcskill.web.config import Lang, Verdict
from vcskill.web.trust import TrustState
from vcskill.web.words import CHECK_LABELS, CODE_SENTENCES, pick, word


@dataclass(frozen=True, slots=True)
class Result:
    """One verification, as the page and the API show it."""

    report: VerificationReport
    trust: TrustState
    at: datetime

    @property
    def verdict(self) -> Verdict:
        outcome = self.report.outcome
        if outcome is Outcome.INVALID:
            return "red"
        if outcome is Outcome.VERIFIED and self.trust.problem is None:
            return "green"
        return "amber"

    def deciding(self) -> Check | None:
        return self.report.first_failure

    def sentence(self, lang: Lang) -> str:
        verdict = self.verdict
        if verdict == "green":
            key = "green_sentence" if self.report.status_lists else "green_no_status"
            return word(lang, key)
        check = self.deciding()
        if verdict == "amber" and self.trust.problem is not None:
            problem = self.trust.problem
            known = CODE_SENTENCES.get(problem.code)
            return pick(lang, known) if known else problem.message
        if check is None:  # pragma: no cover - an amber or red report has a deciding check
            return word(lang, verdict)
        known = CODE_SENTENCES.get(str(check.code)) if check.code else None
        if known is not None:
            return pick(lang, known)
        label = pick(lang, CHECK_LABELS.get(check.id, check.id))
        return word(lang, "check_failed", label=label)

    def which(self, lang: Lang) -> str:
        """Which check decided ("" when verified), in words for the person at the desk; its
        code is for integrators (:meth:`code`)."""
        if self.verdict == "green":
            return ""
        if self.verdict == "amber" and self.trust.problem is not None:
            return word(lang, "registry")
        check = self.deciding()
        if check is None:  # pragma: no cover - an amber or red report has a deciding check
            return ""
        label = pick(lang, CHECK_LABELS.get(check.id, check.id))
        return f"{word(lang, 'check')}{label}"

    def code(self) -> str:
        """The code of what decided ("" when verified)."""
        if self.verdict == "green":
            return ""
        if self.verdict == "amber" and self.trust.problem is not None:
            return self.trust.problem.code
        check = self.deciding()
        return str(check.code) if check is not None and check.code else ""

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {"verdict": self.verdict}
        data["summary"] = {"zh": self.sentence("zh"), "en": self.sentence("en")}
        data.update(self.report.to_json())
        registry = data.get("registry")
        if isinstance(registry, dict) and registry.get("source"):
            registry["source"] = Path(str(registry["source"])).name  # no server paths
        problem = self.trust.problem
        data["trust"] = {
            "problem": None if problem is None else {"code": problem.code,
                                                     "message": problem.message},
            "synced_at": self.trust.synced_at.isoformat() if self.trust.synced_at else None,
        }
        data["verified_at"] = self.at.isoformat()
        return data
