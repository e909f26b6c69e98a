"""The verification report: every check with its id, verdict, code and detail.

The JSON form is the contract of ``vcskill verify --json`` (``docs/cli.md``): check ids come
in a fixed order, a check that did not run is listed with ``passed: false`` and code
``NOT_EVALUATED``, and ``outcome`` is ``verified``, ``invalid`` or ``indeterminate``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from vcskill.errors import Code
from vcskill.verifying.trust import IssuerFacts


class CheckId(StrEnum):
    PARSE = "parse"
    CONTEXT = "context"
    DATA_MODEL = "data_model"
    PROOF = "proof"
    ISSUER = "issuer"
    AUTHORIZATION = "authorization"
    VALIDITY = "validity"
    STATUS = "status"
    POLICY = "policy"


CHECK_ORDER: tuple[CheckId, ...] = tuple(CheckId)


class Outcome(StrEnum):
    VERIFIED = "verified"
    INVALID = "invalid"  # CLI exit 1
    INDETERMINATE = "indeterminate"  # CLI exit 3: could not decide


# Codes that mean "could not decide" rather than "this credential is bad".
# The three status-list codes blame the evidence, not the credential (ADR 0004): the list is
# missing or stale (STATUS_RETRIEVAL_ERROR), not genuine or not well-formed
# (STATUS_VERIFICATION_ERROR), or too short to protect privacy (STATUS_LIST_LENGTH_ERROR).
# None of them ever reads as "not revoked".
INDETERMINATE_CODES = frozenset(
    {Code.NOT_EVALUATED, Code.STATUS_RETRIEVAL_ERROR, Code.REGISTRY_ERROR,
     Code.KEY_SOURCE_MISSING, Code.REGISTRY_EXPIRED,
     Code.STATUS_VERIFICATION_ERROR, Code.STATUS_LIST_LENGTH_ERROR}
)


@dataclass(frozen=True, slots=True)
class Check:
    id: CheckId
    passed: bool
    code: Code | None = None
    detail: str = ""

    @classmethod
    def ok(cls, id: CheckId, detail: str) -> Check:
        return cls(id, True, None, detail)

    @classmethod
    def failed(cls, id: CheckId, code: Code, detail: str) -> Check:
        return cls(id, False, code, detail)

    @classmethod
    def not_evaluated(cls, id: CheckId, detail: str) -> Check:
        return cls(id, False, Code.NOT_EVALUATED, detail)

    @property
    def indeterminate(self) -> bool:
        return not self.passed and self.code in INDETERMINATE_CODES

    def to_json(self) -> dict[str, Any]:
        return {
            "id": str(self.id),
            "passed": self.passed,
            "code": None if self.code is None else str(self.code),
            "detail": self.detail,
        }


@dataclass(frozen=True, slots=True)
class CredentialSummary:
    """What a person wants to read off a credential; filled even when checks fail, so a
    report can say *what* failed to verify. Never holds the full identity number."""

    id: str | None = None
    issuer: str | None = None
    issuer_name: str | None = None
    subject_name: str | None = None
    occupation: str | None = None
    occupation_name: str | None = None
    level: str | None = None
    level_name: str | None = None
    certificate_number: str | None = None
    valid_from: str | None = None
    format: str | None = None  # the proof format, e.g. eddsa-rdfc-2022 or vc+jwt
    # Once its proof verified: "sha256:..." of the signed content without the signature
    # bytes, the same for every valid signature over it (ADR 0008); count and look
    # credentials up by this, never by the signature.
    digest: str | None = None

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "issuer": self.issuer,
            "issuer_name": self.issuer_name,
            "subject_name": self.subject_name,
            "occupation": self.occupation,
            "occupation_name": self.occupation_name,
            "level": self.level,
            "level_name": self.level_name,
            "certificate_number": self.certificate_number,
            "valid_from": self.valid_from,
            "format": self.format,
            "digest": self.digest,
        }


@dataclass(frozen=True, slots=True)
class StatusListSummary:
    """One status list the status check consulted (one per status entry of the credential):
    what an employer needs to judge how current the "not revoked" answer is."""

    url: str
    purpose: str
    valid_from: str | None = None  # XML dateTimeStamp in UTC ("2026-11-25T01:00:00Z")
    valid_until: str | None = None
    age_seconds: int | None = None  # how long before the verification time it was published
    verified: bool = False  # genuine: signed by the credential's issuer with a trusted key

    def to_json(self) -> dict[str, Any]:
        return {
            "url": self.url,
            "purpose": self.purpose,
            "valid_from": self.valid_from,
            "valid_until": self.valid_until,
            "age_seconds": self.age_seconds,
            "verified": self.verified,
        }


@dataclass(frozen=True, slots=True)
class VerificationReport:
    checks: tuple[Check, ...]
    # What the input is, from its expanded types (a vcskill.linkeddata.signedform.DocumentKind
    # value: skill-credential, status-list-credential, credential, presentation, other), or None
    # when that could not be told (not JSON, or refused before its types were read).
    kind: str | None = None
    credential: CredentialSummary = field(default_factory=CredentialSummary)
    registry: Mapping[str, Any] | None = None
    issuer: IssuerFacts | None = None  # what the registry says of the issuer, when it knows it
    warnings: tuple[str, ...] = ()
    status_lists: tuple[StatusListSummary, ...] = ()  # the lists the status check consulted

    @property
    def outcome(self) -> Outcome:
        if any(not c.passed and not c.indeterminate for c in self.checks):
            return Outcome.INVALID
        if any(c.indeterminate for c in self.checks):
            return Outcome.INDETERMINATE
        return Outcome.VERIFIED

    @property
    def verified(self) -> bool:
        return self.outcome is Outcome.VERIFIED

    def check(self, id: CheckId) -> Check | None:
        return next((c for c in self.checks if c.id == id), None)

    @property
    def first_failure(self) -> Check | None:
        """The check that decided the outcome: the first hard failure, else the first
        undecided one."""
        hard = (c for c in self.checks if not c.passed and not c.indeterminate)
        soft = (c for c in self.checks if c.indeterminate)
        return next(hard, None) or next(soft, None)

    @property
    def refusal(self) -> Check | None:
        """The check that found the input is not a credential this verifier judges (not JSON,
        not a credential, or a credential of a kind not accepted), else None. Such input is
        malformed for the CLI (exit 2), not an invalid credential."""
        parse = self.check(CheckId.PARSE)
        if parse is not None and not parse.passed:
            return parse
        context = self.check(CheckId.CONTEXT)
        if context is not None and context.code in (Code.NOT_A_CREDENTIAL,
                                                    Code.UNEXPECTED_CREDENTIAL_TYPE):
            return context
        return None

    def to_json(self) -> dict[str, Any]:
        return {
            "verified": self.verified,
            "outcome": str(self.outcome),
            "kind": self.kind,
            "checks": [c.to_json() for c in self.checks],
            "credential": self.credential.to_json(),
            "registry": dict(self.registry) if self.registry is not None else None,
            "issuer": _issuer_json(self.issuer),
            "warnings": list(self.warnings),
            "status_lists": [s.to_json() for s in self.status_lists],
        }


def _issuer_json(facts: IssuerFacts | None) -> dict[str, Any] | None:
    if facts is None:
        return None
    return {
        "did": facts.did,
        "name": facts.name,
        "uscc": facts.uscc,
        "category": facts.category,
        "jurisdiction": facts.jurisdiction,
        "regulator": facts.regulator,
        "standing_at_issue": str(facts.standing_at_issue),
        "standing_now": str(facts.standing_now),
        "reason_at_issue": facts.reason_at_issue,
        "reason_now": facts.reason_now,
    }
