"""The offline verifier: parse → contexts → data model → proof → issuer → authorisation →
validity → status → policy, each step one :class:`~vcskill.report.Check` in the report.

``Verifier.check()`` never raises on hostile input: every failure becomes a check with a
specific code. ``Verifier.verify()`` raises :class:`~vcskill.errors.VerificationError` unless
every check passed. Nothing here touches the network: contexts are the bundled, hash-pinned
ones, keys come from did:key or a trust registry, and the clock is injected (``at=``).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from vcskill.contexts import ContextStore
from vcskill.credential import (
    SKILL_CONTEXTS,
    SKILL_CREDENTIAL_TYPE,
    SkillCredential,
    credential_types,
)
from vcskill.datamodel import parse_datetime_stamp, validate_credential
from vcskill.errors import Code, Error, VerificationError
from vcskill.jsonld import to_nquads
from vcskill.jsonparse import parse_json
from vcskill.limits import DEFAULT_LIMITS, Limits
from vcskill.proofs.dataintegrity import Cryptosuite, verify_proof_set
from vcskill.proofs.jose import FORMAT as JWT_FORMAT
from vcskill.proofs.jose import decode_jwt, looks_like_jwt, verify_jwt
from vcskill.report import (
    INDETERMINATE_CODES,
    Check,
    CheckId,
    CredentialSummary,
    VerificationReport,
)
from vcskill.resolver import KeyResolver, OfflineResolver, ResolvedKey
from vcskill.skills import SkillLevel, parse_level, parse_occupation_code
from vcskill.trust import IssuerFacts, Standing, TrustRegistry


@dataclass(frozen=True, slots=True)
class Policy:
    """What the relying party requires beyond a valid credential."""

    require_occupation: str | None = None
    min_level: SkillLevel | None = None

    @property
    def active(self) -> bool:
        return self.require_occupation is not None or self.min_level is not None


@dataclass(slots=True)
class _State:
    """Scratch space of one verification run."""

    document: dict[str, Any] | None = None
    jwt: str | None = None
    format: str | None = None
    skill: SkillCredential | None = None
    nquads: str | None = None
    issued: datetime | None = None  # validFrom: the moment authorisation is judged at
    issuer_facts: IssuerFacts | None = None
    warnings: list[str] = field(default_factory=list)


class Verifier:
    """Verify credentials offline against an explicit trust root.

    ``registry`` is the explicit trust root: a verified registry snapshot (see
    :mod:`vcskill.trust`). Without one, ``issuer`` and ``authorization`` are NOT_EVALUATED, so
    even a perfect credential is *indeterminate*, never "verified".
    """

    def __init__(
        self,
        *,
        registry: TrustRegistry | None = None,
        resolver: KeyResolver | None = None,
        contexts: ContextStore | None = None,
        limits: Limits = DEFAULT_LIMITS,
        allow_expired_registry: bool = False,
    ) -> None:
        self.registry = registry
        # A registry past its expiry may be stale (a suspension published since is unseen:
        # TUF's freeze attack), so by default it cannot decide; the caller may accept it.
        self.allow_expired_registry = allow_expired_registry
        self.resolver: KeyResolver = resolver or OfflineResolver()
        self.contexts = contexts or ContextStore.bundled()
        self.limits = limits

    # -- public API -------------------------------------------------------------------
    def check(
        self,
        credential: bytes | str | Mapping[str, Any],
        *,
        at: datetime | None = None,
        policy: Policy | None = None,
    ) -> VerificationReport:
        """Run every check and return the report. Never raises on bad input."""
        now = at or datetime.now(UTC)
        state = _State()
        checks: list[Check] = []
        steps = [
            (CheckId.PARSE, lambda: self._parse(credential, state)),
            (CheckId.CONTEXT, lambda: self._context(state)),
            (CheckId.DATA_MODEL, lambda: self._data_model(state)),
            (CheckId.PROOF, lambda: self._proof(state, now)),
            (CheckId.ISSUER, lambda: self._issuer(state, now)),
            (CheckId.AUTHORIZATION, lambda: self._authorization(state, now)),
            (CheckId.VALIDITY, lambda: self._validity(state, now)),
            (CheckId.STATUS, lambda: self._status(state)),
        ]
        if policy is not None and policy.active:
            steps.append((CheckId.POLICY, lambda: self._policy(state, policy)))
        failed = False
        for check_id, step in steps:
            if failed:
                checks.append(Check.not_evaluated(check_id, "not run: an earlier check failed"))
                continue
            result = _run(check_id, step)
            checks.append(result)
            failed = not result.passed and not result.indeterminate
        return VerificationReport(
            checks=tuple(checks),
            credential=_summary(state),
            registry=self._registry_summary(now),
            issuer=state.issuer_facts,
            warnings=tuple(state.warnings),
        )

    def verify(
        self,
        credential: bytes | str | Mapping[str, Any],
        *,
        at: datetime | None = None,
        policy: Policy | None = None,
    ) -> VerificationReport:
        """Like :meth:`check`, but raise :class:`VerificationError` unless all passed."""
        report = self.check(credential, at=at, policy=policy)
        if not report.verified:
            first = report.first_failure
            code = first.code if first is not None else Code.PROOF_VERIFICATION_ERROR
            detail = f"{first.id}: {first.detail}" if first is not None else "not verified"
            raise VerificationError(
                f"credential is {report.outcome}: {detail}", code=code, report=report
            )
        return report

    # -- the steps ----------------------------------------------------------------------
    def _parse(self, credential: bytes | str | Mapping[str, Any], state: _State) -> Check:
        if isinstance(credential, Mapping):
            # Re-encode so a library caller's dict meets the same limits as a file.
            try:
                credential = json.dumps(credential, ensure_ascii=False, allow_nan=True)
            except (TypeError, ValueError) as exc:
                return Check.failed(CheckId.PARSE, Code.PARSING_ERROR,
                                    f"The credential is not JSON data: {exc}.")
        text = credential
        if isinstance(text, bytes) and len(text) <= self.limits.max_credential_bytes * 2:
            try:
                decoded = text.decode("utf-8")
                if looks_like_jwt(decoded):
                    text = decoded
            except UnicodeDecodeError:
                pass
        if isinstance(text, str) and looks_like_jwt(text):
            parts = decode_jwt(text, limits=self.limits)
            state.jwt, state.format = text.strip(), JWT_FORMAT
            state.document = dict(parts.credential)
            return Check.ok(CheckId.PARSE, "compact JWS (vc+jwt) with a JSON credential payload")
        document = parse_json(credential, limits=self.limits)
        if not isinstance(document, dict):
            return Check.failed(CheckId.PARSE, Code.PARSING_ERROR,
                                "The credential must be a JSON object.")
        state.document = document
        state.format = _proof_format(document)
        return Check.ok(CheckId.PARSE, "JSON credential")

    def _context(self, state: _State) -> Check:
        doc = _require_document(state)
        contexts = doc.get("@context")
        if not isinstance(contexts, list) or not contexts:
            return Check.failed(CheckId.CONTEXT, Code.CONTEXT_VALIDATION_ERROR,
                                "@context must be a non-empty array")
        for entry in contexts:
            if not isinstance(entry, str):
                return Check.failed(
                    CheckId.CONTEXT, Code.CONTEXT_VALIDATION_ERROR,
                    "inline @context objects are not accepted: only bundled, hash-pinned "
                    "context URLs are (VC Data Integrity §4.6 'Context Validation')",
                )
            if not self.contexts.is_known(entry):
                return Check.failed(CheckId.CONTEXT, Code.UNKNOWN_CONTEXT,
                                    f"context {entry} is not bundled; it is never fetched")
        nested = _nested_context_path(doc)
        if nested is not None:
            return Check.failed(CheckId.CONTEXT, Code.CONTEXT_VALIDATION_ERROR,
                                f"a nested @context at {nested} is not accepted")
        if SKILL_CREDENTIAL_TYPE in credential_types(doc) and tuple(contexts) != SKILL_CONTEXTS:
            return Check.failed(
                CheckId.CONTEXT, Code.CONTEXT_VALIDATION_ERROR,
                "a skill credential's @context must be exactly " + ", ".join(SKILL_CONTEXTS),
            )
        # Safe-mode JSON-LD over the whole document: any term or type no context defines is
        # an error (DI §"Securing Data Losslessly"). The N-Quads are reused by the proof.
        unsecured = {k: v for k, v in doc.items() if k != "proof"}
        state.nquads = to_nquads(unsecured, contexts=self.contexts, limits=self.limits)
        return Check.ok(CheckId.CONTEXT,
                        f"{len(contexts)} bundled contexts; every term and type is defined")

    def _data_model(self, state: _State) -> Check:
        doc = _require_document(state)
        validate_credential(doc)
        if SKILL_CREDENTIAL_TYPE in credential_types(doc):
            skill = SkillCredential.from_json(doc)
            problems = skill.consistency_problems()
            if problems:
                return Check.failed(CheckId.DATA_MODEL, Code.MALFORMED_VALUE_ERROR,
                                    "; ".join(problems))
            state.skill = skill
            if not skill.credential_status:
                state.warnings.append(
                    "the credential has no credentialStatus: it cannot be revoked"
                )
            return Check.ok(CheckId.DATA_MODEL,
                            "VC Data Model 2.0 and skill-credential rules hold")
        return Check.ok(CheckId.DATA_MODEL, "VC Data Model 2.0 rules hold")

    def _proof(self, state: _State, now: datetime) -> Check:
        doc = _require_document(state)
        issuer_id = _issuer_id(doc)
        state.issued = _issue_time(doc, now)
        resolver: KeyResolver = self.resolver
        if self.registry is not None:
            # The key must be one the registry lists for the issuer, valid when it issued;
            # a key named only by the credential is never enough (security.md §1).
            resolver = _RegistryResolver(self.registry, state.issued, self.resolver)
        if state.jwt is not None:
            # verify_jwt also holds the signing key's controller to the issuer
            _payload, controller = verify_jwt(state.jwt, resolver=resolver,
                                              limits=self.limits)
            return Check.ok(CheckId.PROOF, f"vc+jwt signature by {controller} verified")
        results = verify_proof_set(doc, resolver=resolver, contexts=self.contexts,
                                   limits=self.limits, document_nquads=state.nquads)
        # A refuted proof outweighs one whose key could not be looked up.
        bad = sorted((r for r in results if not r.verified),
                     key=lambda r: r.code in INDETERMINATE_CODES)
        if bad:
            first = bad[0]
            return Check.failed(CheckId.PROOF, first.code or Code.PROOF_VERIFICATION_ERROR,
                                first.detail)
        # Proof-set policy: every proof must verify, and one of them must be the issuer's.
        if not any(r.controller == issuer_id for r in results):
            signers = ", ".join(sorted({str(r.controller) for r in results}))
            return Check.failed(
                CheckId.PROOF, Code.ISSUER_KEY_MISMATCH,
                f"no proof is by a key of the issuer {issuer_id} (signed by {signers})",
            )
        suites = ", ".join(sorted({r.cryptosuite for r in results}))
        return Check.ok(CheckId.PROOF,
                        f"{len(results)} proof(s) verified ({suites}); issuer key matches")

    def _registry_expired(self, now: datetime) -> bool:
        return self.registry is not None and now > self.registry.info.expires

    def _registry_summary(self, now: datetime) -> dict[str, Any] | None:
        if self.registry is None:
            return None
        info = self.registry.info
        summary = dict(info.to_json())
        # Judged at the verification time (``at``), not when the snapshot was loaded.
        summary["expired"] = self._registry_expired(now)
        summary["age_days"] = round((now - info.issued).total_seconds() / 86400, 1)
        return summary

    def _issuer(self, state: _State, now: datetime) -> Check:
        if self.registry is None:
            return Check.not_evaluated(
                CheckId.ISSUER,
                "no trust registry given: whether the issuer is a recognised institution was "
                "not checked",
            )
        info = self.registry.info
        if self._registry_expired(now):
            expired = (f"the trusted issuer registry v{info.version} expired at "
                       f"{info.expires.isoformat()}")
            if not self.allow_expired_registry:
                return Check.failed(
                    CheckId.ISSUER, Code.REGISTRY_EXPIRED,
                    f"{expired}: a suspension or removal published since may be missing, so "
                    "the issuer's standing cannot be decided; sync a newer registry (or accept "
                    "the stale one explicitly with --allow-expired-registry)",
                )
            state.warnings.append(f"{expired}; it was used anyway, as asked: a suspension "
                                  "or removal published since would be missing")
        doc = _require_document(state)
        issuer_id = _issuer_id(doc)
        issued = state.issued or _issue_time(doc, now)
        facts = self.registry.issuer(issuer_id, issued=issued, now=now) if issuer_id else None
        if facts is None:
            return Check.failed(
                CheckId.ISSUER, Code.ISSUER_UNKNOWN,
                f"{issuer_id} is not in the trusted issuer registry (version "
                f"{self.registry.info.version}): not a recognised institution",
            )
        state.issuer_facts = facts
        # The printed organisation name must be the filed name (domain.md §4.9).
        issuer = doc.get("issuer")
        claimed_name = issuer.get("name") if isinstance(issuer, Mapping) else None
        claimed_uscc = issuer.get("uscc") if isinstance(issuer, Mapping) else None
        if claimed_name is not None and claimed_name != facts.name:
            return Check.failed(
                CheckId.ISSUER, Code.ISSUER_NAME_MISMATCH,
                f"the credential names its issuer {claimed_name!r}, but the registry files "
                f"{issuer_id} as {facts.name!r}",
            )
        if claimed_uscc is not None and facts.uscc is not None and claimed_uscc != facts.uscc:
            return Check.failed(
                CheckId.ISSUER, Code.ISSUER_NAME_MISMATCH,
                f"the credential gives the credit code {claimed_uscc}, but the registry files "
                f"{facts.uscc}",
            )
        return Check.ok(
            CheckId.ISSUER,
            f"{facts.name} ({facts.category}, {facts.jurisdiction}), supervised by "
            f"{facts.regulator}; {facts.standing_at_issue} at issue, {facts.standing_now} now",
        )

    def _authorization(self, state: _State, now: datetime) -> Check:
        if self.registry is None:
            return Check.not_evaluated(
                CheckId.AUTHORIZATION,
                "no trust registry given: the issuer's approval for this occupation and level "
                "was not checked",
            )
        facts, issued = state.issuer_facts, state.issued
        if self._registry_expired(now) and not self.allow_expired_registry:
            return Check.not_evaluated(CheckId.AUTHORIZATION,
                                       "not run: the trusted issuer registry has expired")
        if facts is None or issued is None:  # pragma: no cover - the issuer step sets them
            return Check.not_evaluated(CheckId.AUTHORIZATION, "the issuer was not identified")
        when = issued.isoformat()
        if facts.standing_at_issue is not Standing.APPROVED:
            # Authorisation is judged at issue time: what an issuer signs while suspended,
            # removed or before its approval is never valid (architecture.md, "The registry").
            reason = f" ({facts.reason_at_issue})" if facts.reason_at_issue else ""
            return Check.failed(
                CheckId.AUTHORIZATION, Code.ISSUER_NOT_AUTHORIZED,
                f"the issuer was {facts.standing_at_issue}{reason} when it issued this "
                f"credential ({when})",
            )
        skill = state.skill
        if skill is None:
            return Check.ok(CheckId.AUTHORIZATION,
                            f"the issuer was approved when it issued ({when})")
        verdict = self.registry.authorization(
            facts.did, occupation=skill.occupation.code, edition=skill.occupation.edition,
            level=skill.level.code, at=issued,
        )
        if not verdict.authorized:
            return Check.failed(CheckId.AUTHORIZATION, Code.ISSUER_NOT_AUTHORIZED,
                                verdict.detail)
        later = ""
        if facts.standing_now is not Standing.APPROVED:
            later = (f"; it is {facts.standing_now} now, which does not affect credentials "
                     "issued while it was approved")
        return Check.ok(CheckId.AUTHORIZATION, f"{verdict.detail}{later}")

    def _validity(self, state: _State, now: datetime) -> Check:
        doc = _require_document(state)
        skew = timedelta(seconds=self.limits.clock_skew_seconds)
        valid_from = doc.get("validFrom")
        if isinstance(valid_from, str) and parse_datetime_stamp(valid_from) > now + skew:
            return Check.failed(CheckId.VALIDITY, Code.NOT_YET_VALID,
                                f"valid only from {valid_from}")
        # RFC 7519 §4.1.4/§4.1.5: a vc+jwt may also carry exp and nbf (NumericDate seconds).
        if state.jwt is not None:
            for claim, code, late in (("nbf", Code.NOT_YET_VALID, False),
                                      ("exp", Code.EXPIRED, True)):
                value = doc.get(claim)
                if value is None:
                    continue
                try:
                    if isinstance(value, bool) or not isinstance(value, int | float):
                        raise TypeError(value)
                    moment = datetime.fromtimestamp(value, UTC)
                except (TypeError, ValueError, OverflowError, OSError):
                    return Check.failed(CheckId.VALIDITY, Code.MALFORMED_VALUE_ERROR,
                                        f"the JWT {claim} claim must be a date in seconds")
                if (now - skew > moment) if late else (now + skew < moment):
                    return Check.failed(CheckId.VALIDITY, code,
                                        f"the JWT {claim} claim is {moment.isoformat()}")
        valid_until = doc.get("validUntil")
        if isinstance(valid_until, str) and parse_datetime_stamp(valid_until) < now - skew:
            return Check.failed(CheckId.VALIDITY, Code.EXPIRED, f"expired at {valid_until}")
        if state.skill is not None:
            return Check.ok(CheckId.VALIDITY,
                            f"valid from {valid_from}; skill certificates do not expire")
        return Check.ok(CheckId.VALIDITY, "within its validity period")

    def _status(self, state: _State) -> Check:
        doc = _require_document(state)
        if doc.get("credentialStatus") is None:
            return Check.ok(CheckId.STATUS, "no status entry: the credential cannot be revoked")
        return Check.failed(
            CheckId.STATUS, Code.STATUS_RETRIEVAL_ERROR,
            "the credential has a status entry but no status list was available, so "
            "revocation could not be checked",
        )

    def _policy(self, state: _State, policy: Policy) -> Check:
        skill = state.skill
        if skill is None:
            return Check.failed(CheckId.POLICY, Code.MALFORMED_VALUE_ERROR,
                                "the policy applies to skill credentials only")
        if policy.require_occupation:
            # CODE or CODE@EDITION, as `issue --occupation` takes it; codes moved between
            # editions of the classification, so the edition is part of the requirement.
            wanted = parse_occupation_code(policy.require_occupation)
            held = (skill.occupation.code, skill.occupation.edition)
            if held != wanted:
                return Check.failed(
                    CheckId.POLICY, Code.RANGE_ERROR,
                    f"occupation is {held[0]} ({held[1]} edition), required {wanted[0]} "
                    f"({wanted[1]} edition)",
                )
        if policy.min_level is not None:
            need, have = policy.min_level, skill.level
            if need.ladder.value == "1+x" or have.ladder.value == "1+x":
                same_ladder = need.ladder == have.ladder
            else:
                same_ladder = True  # five- and eight-level share one rank scale
            if not same_ladder or have.rank < need.rank:
                return Check.failed(
                    CheckId.POLICY, Code.RANGE_ERROR,
                    f"level is {have.code} ({have.name_zh}), required at least {need.code}",
                )
        return Check.ok(CheckId.POLICY, "meets the required occupation and level")


def _run(check_id: CheckId, step: Any) -> Check:
    """Run one step; any error, expected or not, becomes a failed check (never a raise)."""
    try:
        result: Check = step()
        return result
    except Error as exc:
        return Check.failed(check_id, exc.code, str(exc))
    except RecursionError:
        return Check.failed(check_id, Code.PARSING_ERROR, "the input is nested too deeply")
    except MemoryError:
        return Check.failed(check_id, Code.PARSING_ERROR, "the input is too large")
    except Exception as exc:  # a bug or a library edge case must not become a traceback
        return Check.failed(check_id, Code.MALFORMED_VALUE_ERROR,
                            f"unexpected {type(exc).__name__} while checking: {exc}")


class _RegistryResolver:
    """Keys from the registry, as of issue time. An issuer the registry does not list falls
    back to the offline resolver, so the report can still say whether the signature itself
    is genuine; the issuer check then refuses it."""

    def __init__(self, registry: TrustRegistry, at: datetime, fallback: KeyResolver) -> None:
        self._registry, self._at, self._fallback = registry, at, fallback

    def resolve(self, verification_method: str) -> ResolvedKey:
        try:
            return self._registry.resolve_key(verification_method, at=self._at)
        except Error as exc:
            if exc.code is not Code.ISSUER_UNKNOWN:
                raise
        return self._fallback.resolve(verification_method)


def _issue_time(doc: Mapping[str, Any], now: datetime) -> datetime:
    """validFrom (the issue date of a skill certificate); without one, the time judged."""
    valid_from = doc.get("validFrom")
    return parse_datetime_stamp(valid_from) if isinstance(valid_from, str) else now


def _require_document(state: _State) -> dict[str, Any]:
    if state.document is None:  # pragma: no cover - steps run in order
        raise Error("no parsed credential", code=Code.PARSING_ERROR)
    return state.document


def _issuer_id(doc: Mapping[str, Any]) -> str | None:
    issuer = doc.get("issuer")
    if isinstance(issuer, Mapping):
        value = issuer.get("id")
        return value if isinstance(value, str) else None
    return issuer if isinstance(issuer, str) else None


def _proof_format(doc: Mapping[str, Any]) -> str | None:
    proof = doc.get("proof")
    first = proof[0] if isinstance(proof, list) and proof else proof
    if isinstance(first, Mapping):
        suite = first.get("cryptosuite")
        return suite if isinstance(suite, str) else None
    return None


def _nested_context_path(doc: Mapping[str, Any]) -> str | None:
    """Where a ``@context`` appears below the top level (DI §2.4.1 forbids it), else None.

    The proof's own ``@context`` (kept by the jcs suites) must equal the document's.
    """
    stack: list[tuple[str, Any]] = [
        (key, value) for key, value in doc.items() if key not in ("@context",)
    ]
    while stack:
        path, value = stack.pop()
        if isinstance(value, Mapping):
            for key, child in value.items():
                if key == "@context":
                    is_proof = path == "proof" or path.startswith("proof[")
                    if not (is_proof and child == doc.get("@context")):
                        return f"{path}.@context"
                    continue
                stack.append((f"{path}.{key}", child))
        elif isinstance(value, list):
            stack.extend((f"{path}[{i}]", child) for i, child in enumerate(value))
    return None


def _summary(state: _State) -> CredentialSummary:
    doc = state.document
    if doc is None:
        return CredentialSummary()
    skill = state.skill
    if skill is None and SKILL_CREDENTIAL_TYPE in credential_types(doc):
        try:
            skill = SkillCredential.from_json(doc)
        except Error:
            skill = None
    issuer = doc.get("issuer")
    issuer_name = issuer.get("name") if isinstance(issuer, Mapping) else None
    cred_id = doc.get("id")
    valid_from = doc.get("validFrom")
    fmt = state.format or (Cryptosuite.EDDSA_RDFC_2022.value if doc.get("proof") else None)
    if skill is None:
        subject = doc.get("credentialSubject")
        name = subject.get("name") if isinstance(subject, Mapping) else None
        return CredentialSummary(
            id=cred_id if isinstance(cred_id, str) else None,
            issuer=_issuer_id(doc),
            issuer_name=issuer_name if isinstance(issuer_name, str) else None,
            subject_name=name if isinstance(name, str) else None,
            valid_from=valid_from if isinstance(valid_from, str) else None,
            format=fmt,
        )
    return CredentialSummary(
        id=skill.id,
        issuer=skill.issuer.id,
        issuer_name=skill.issuer.name,
        subject_name=skill.holder.name,
        occupation=skill.occupation.code,
        occupation_name=skill.occupation.name_zh,
        level=skill.level.code,
        level_name=skill.level.label,
        certificate_number=skill.certificate_number,
        valid_from=valid_from if isinstance(valid_from, str) else None,
        format=fmt,
    )


def parse_policy(require_occupation: str | None, min_level: str | None) -> Policy:
    return Policy(
        require_occupation=require_occupation,
        min_level=parse_level(min_level) if min_level else None,
    )
