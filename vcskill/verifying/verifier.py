"""The offline verifier: parse → contexts → data model → proof → issuer → authorisation →
validity → status → policy, each step one :class:`~vcskill.verifying.report.Check` in the report.

``Verifier.check()`` never raises on hostile input: every failure becomes a check with a
specific code. ``Verifier.verify()`` raises :class:`~vcskill.errors.VerificationError` unless
every check passed. Nothing here touches the network: contexts are the bundled, hash-pinned
ones, keys come from did:key or a trust registry, and the clock is injected (``at=``).
"""

from __future__ import annotations

import hashlib
import json
import os
import threading
from collections import OrderedDict
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from pathlib import Path
from typing import Any

from vcskill.errors import Code, Error, VerificationError
from vcskill.keys.resolver import KeyResolver, OfflineResolver, ResolvedKey
from vcskill.limits import DEFAULT_LIMITS, Limits
from vcskill.linkeddata.contexts import ContextStore
from vcskill.linkeddata.jsonparse import parse_json
from vcskill.linkeddata.signedform import (
    DocumentKind,
    check_context_list,
    content_digest,
    describe_json,
    read_signed_form,
)
from vcskill.model.credential import (
    SKILL_CONTEXTS,
    SKILL_CREDENTIAL_TYPE,
    SkillCredential,
    credential_types,
    format_datetime,
)
from vcskill.model.datamodel import parse_datetime_stamp, validate_credential
from vcskill.model.skills import SkillLevel, parse_level, parse_occupation_code
from vcskill.proofs.dataintegrity import Cryptosuite, verify_proof_set
from vcskill.proofs.jose import FORMAT as JWT_FORMAT
from vcskill.proofs.jose import decode_jwt, looks_like_jwt, verify_jwt
from vcskill.status.statuslist import (
    StatusEntry,
    StatusListCredential,
    StatusListSource,
    StatusPurpose,
    parse_status_entries,
    parse_status_list_credential,
    status_list_candidates,
)
from vcskill.verifying.report import (
    INDETERMINATE_CODES,
    Check,
    CheckId,
    CredentialSummary,
    StatusListSummary,
    VerificationReport,
)
from vcskill.verifying.trust import IssuerFacts, Standing, TrustRegistry


class Accept(StrEnum):
    """Which credentials a :class:`Verifier` judges. Anything else is refused before its
    proof is read, with ``UNEXPECTED_CREDENTIAL_TYPE`` (a credential of another kind) or
    ``NOT_A_CREDENTIAL`` (a presentation, a registry file, other JSON): the CLI's exit 2.

    The kind comes from the expanded, signed types (ADR 0007), so a type that is merely
    *spelled* ``SkillLevelCredential`` in another vocabulary is not a skill credential.
    """

    SKILL_CREDENTIALS = "skill"  # vocational skill level credentials only (the default)
    ANY_CREDENTIAL = "any"  # any VC Data Model 2.0 credential, status lists included

    @property
    def kinds(self) -> frozenset[DocumentKind]:
        if self is Accept.ANY_CREDENTIAL:
            return frozenset(k for k in DocumentKind if k.is_credential)
        return frozenset({DocumentKind.SKILL_CREDENTIAL})


_STATUS_LIST_KINDS: frozenset[DocumentKind] = frozenset({DocumentKind.STATUS_LIST_CREDENTIAL})


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
    kind: DocumentKind | None = None  # from the expanded types, once the context step ran
    jwt: str | None = None
    format: str | None = None
    skill: SkillCredential | None = None
    nquads: str | None = None
    issued: datetime | None = None  # validFrom: the moment authorisation is judged at
    issuer_facts: IssuerFacts | None = None
    digest: str | None = None  # of the signed content, once the proof verified (ADR 0008)
    # the "expires" of each verified proof that has one, judged by the validity step
    proof_expiries: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    status_lists: list[StatusListSummary] = field(default_factory=list)


class Verifier:
    """Verify credentials offline against an explicit trust root.

    ``registry`` is the explicit trust root: a verified registry snapshot (see
    :mod:`~vcskill.verifying.trust`). Without one, ``issuer`` and ``authorization`` are
    NOT_EVALUATED, so even a perfect credential is *indeterminate*, never "verified".

    ``status_lists`` supplies the issuers' signed status list credentials (Bitstring Status
    List 1.0), e.g. a :class:`~vcskill.status.statuslist.DirectoryStatusSource`; they are never
    fetched. Without it, a credential with a status entry is *indeterminate*: "never 'not
    revoked'". Each list is verified once per content (memoised by the SHA-256 of its bytes).

    ``accept`` says which credentials are judged at all (:class:`Accept`): skill credentials
    only, unless generic VC verification is asked for. ``check(..., accept=...)`` overrides it
    for one call.
    """

    def __init__(
        self,
        *,
        registry: TrustRegistry | None = None,
        resolver: KeyResolver | None = None,
        contexts: ContextStore | None = None,
        limits: Limits = DEFAULT_LIMITS,
        allow_expired_registry: bool = False,
        status_lists: StatusListSource | None = None,
        accept: Accept | str = Accept.SKILL_CREDENTIALS,
    ) -> None:
        self.registry = registry
        self.accept = Accept(accept)
        # A registry past its expiry may be stale (a suspension published since is unseen:
        # TUF's freeze attack), so by default it cannot decide; the caller may accept it.
        self.allow_expired_registry = allow_expired_registry
        self.resolver: KeyResolver = resolver or OfflineResolver()
        self.contexts = contexts or ContextStore.bundled()
        self.limits = limits
        self.status_lists = status_lists
        # Verified status lists by the SHA-256 of their bytes: a batch of credentials on one
        # list costs one list verification. Bounded in entries and in bytes held.
        self._status_cache: OrderedDict[bytes, _CheckedList] = OrderedDict()
        self._status_cache_lock = threading.Lock()

    @classmethod
    def from_cache(
        cls,
        directory: str | os.PathLike[str],
        *,
        now: datetime | None = None,
        trust_root: str | None = None,
        status_lists: StatusListSource | None = None,
        contexts: ContextStore | None = None,
        limits: Limits = DEFAULT_LIMITS,
        allow_expired_registry: bool = False,
        accept: Accept | str = Accept.SKILL_CREDENTIALS,
    ) -> Verifier:
        """A Verifier over what ``vcskill sync`` keeps in ``directory``, read offline: the
        registry, verified again from the cache's pinned root and rollback state as of ``now``
        (default: the current time); the did:web issuers' DID documents; and the issuers'
        status lists it mirrored (``status_lists`` replaces them).

        ``trust_root`` (a root file or a ``sha256:`` fingerprint), when given, must be in
        the cached registry's chain; the cache's own pin decides. The other options are
        those of the constructor.

        Raises:
            Error: ``REGISTRY_MISSING`` when nothing was synced into ``directory`` yet;
                ``REGISTRY_CACHE_CORRUPT`` or another ``REGISTRY_*`` code when the cache does
                not verify.
        """
        # The one door from the library up to did_registry (docs/architecture.md): the sync
        # cache is its format. Imported on call, so a verifier without a cache never loads it.
        from did_registry.sources import load_cache, status_directory
        from vcskill.status.statuslist import DirectoryStatusSource

        folder = Path(directory)
        registry, store = load_cache(folder, now=now or datetime.now(UTC), trust_root=trust_root)
        if status_lists is None:
            mirrored = status_directory(None, folder)
            if mirrored is not None and mirrored.is_dir():
                status_lists = DirectoryStatusSource(mirrored)
        return cls(registry=registry, resolver=OfflineResolver(store.did_documents()),
                   contexts=contexts, limits=limits, allow_expired_registry=allow_expired_registry,
                   status_lists=status_lists, accept=accept)

    # -- public API -------------------------------------------------------------------
    def check(
        self,
        credential: bytes | str | Mapping[str, Any],
        *,
        at: datetime | None = None,
        policy: Policy | None = None,
        accept: Accept | str | None = None,
    ) -> VerificationReport:
        """Run every check and return the report. Never raises on bad input."""
        now = at or datetime.now(UTC)
        kinds = Accept(accept).kinds if accept is not None else self.accept.kinds
        state = _State()
        checks: list[Check] = []
        steps = [
            (CheckId.PARSE, lambda: self._parse(credential, state)),
            (CheckId.CONTEXT, lambda: self._context(state, kinds)),
            (CheckId.DATA_MODEL, lambda: self._data_model(state)),
            (CheckId.PROOF, lambda: self._proof(state, now)),
            (CheckId.ISSUER, lambda: self._issuer(state, now)),
            (CheckId.AUTHORIZATION, lambda: self._authorization(state, now)),
            (CheckId.VALIDITY, lambda: self._validity(state, now)),
            (CheckId.STATUS, lambda: self._status(state, now)),
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
            kind=str(state.kind) if state.kind is not None else None,
            credential=_summary(state),
            registry=self._registry_summary(now),
            issuer=state.issuer_facts,
            warnings=tuple(state.warnings),
            status_lists=tuple(state.status_lists),
        )

    def verify(
        self,
        credential: bytes | str | Mapping[str, Any],
        *,
        at: datetime | None = None,
        policy: Policy | None = None,
        accept: Accept | str | None = None,
    ) -> VerificationReport:
        """Like :meth:`check`, but raise :class:`VerificationError` unless all passed."""
        report = self.check(credential, at=at, policy=policy, accept=accept)
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
            if "@context" not in state.document:
                return Check.failed(CheckId.PARSE, Code.NOT_A_CREDENTIAL,
                                    "the vc+jwt payload is "
                                    + describe_json(state.document))
            return Check.ok(CheckId.PARSE, "compact JWS (vc+jwt) with a JSON credential payload")
        document = parse_json(credential, limits=self.limits,
                              max_values=self.limits.max_json_values)
        if not isinstance(document, dict):
            return Check.failed(CheckId.PARSE, Code.PARSING_ERROR,
                                "The credential must be a JSON object.")
        state.document = document
        state.format = _proof_format(document)
        proof = document.get("proof", {})
        if not (isinstance(proof, Mapping) or (isinstance(proof, list) and all(
                isinstance(p, Mapping) for p in proof))):
            # VC Data Integrity 1.0 §4.3 "Verify Proof" step 1
            return Check.failed(CheckId.PARSE, Code.PARSING_ERROR,
                                "proof must be an object, or an array of objects (VC Data "
                                "Integrity 1.0 §4.3)")
        if "@context" not in document:
            # Not JSON-LD, so not a credential at all: named, not judged (CLI exit 2).
            return Check.failed(CheckId.PARSE, Code.NOT_A_CREDENTIAL,
                                f"this is {describe_json(document)}")
        return Check.ok(CheckId.PARSE, "JSON credential")

    def _context(self, state: _State, accepted: frozenset[DocumentKind]) -> Check:
        doc = _require_document(state)
        if "VerifiablePresentation" in credential_types(doc):
            # Named before its embedded credentials' own @context is looked at. Reading the
            # bare type is safe here: it can only refuse, never accept.
            state.kind = DocumentKind.PRESENTATION
            return Check.failed(CheckId.CONTEXT, Code.NOT_A_CREDENTIAL,
                                f"this is {DocumentKind.PRESENTATION.describe()}: vcskill "
                                "verifies the credentials themselves (presentations are not "
                                "supported yet)")
        check_context_list(doc, self.contexts)
        contexts = doc["@context"]
        # Safe-mode JSON-LD over the credential without its proofs (any term or type no
        # context defines is an error: DI §"Securing Data Losslessly"), the proof that the
        # JSON is exactly its compact form (so reading it by key reads what was signed: ADR
        # 0007), and what kind of document its expanded types say it is. Each proof is
        # proven compact the same way, as a document of its own, by the proof step.
        body = {k: v for k, v in doc.items() if k != "proof"}
        signed = read_signed_form(body, contexts=self.contexts, limits=self.limits,
                                  name="credential")
        state.kind = signed.kind
        if signed.kind not in accepted:
            return self._refuse_kind(signed.kind, signed.types, accepted)
        if signed.kind is DocumentKind.SKILL_CREDENTIAL and tuple(contexts) != SKILL_CONTEXTS:
            return Check.failed(
                CheckId.CONTEXT, Code.CONTEXT_VALIDATION_ERROR,
                "a skill credential's @context must be exactly " + ", ".join(SKILL_CONTEXTS),
            )
        # The N-Quads of the document without its proofs, reused by the proof step.
        state.nquads = signed.expanded.nquads()
        return Check.ok(CheckId.CONTEXT,
                        f"{len(contexts)} bundled contexts; every term and type is defined "
                        f"and written in compact form ({signed.kind.describe()})")

    @staticmethod
    def _refuse_kind(kind: DocumentKind, types: frozenset[str],
                     accepted: frozenset[DocumentKind]) -> Check:
        shown = ", ".join(sorted(types)) or "none"
        if not kind.is_credential:
            return Check.failed(CheckId.CONTEXT, Code.NOT_A_CREDENTIAL,
                                f"this is {kind.describe()} (its types: {shown})")
        wanted = (" or ".join(sorted(k.describe() for k in accepted))
                  if accepted != Accept.ANY_CREDENTIAL.kinds else "a credential")
        hint = ("; to verify any VC Data Model 2.0 credential, ask for it explicitly "
                "(vcskill verify --any-credential, Verifier(accept='any'))"
                if accepted == Accept.SKILL_CREDENTIALS.kinds else "")
        return Check.failed(CheckId.CONTEXT, Code.UNEXPECTED_CREDENTIAL_TYPE,
                            f"this is {kind.describe()} (its types: {shown}); only {wanted} "
                            f"is accepted here{hint}")

    def _data_model(self, state: _State) -> Check:
        doc = _require_document(state)
        validate_credential(doc)
        if state.kind is DocumentKind.SKILL_CREDENTIAL:
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
        state.issued = _issue_time(doc, now)
        resolver: KeyResolver = self.resolver
        if self.registry is not None:
            # The key must be one the registry lists for the issuer, valid when it issued;
            # a key named only by the credential is never enough (security.md §1).
            resolver = _RegistryResolver(self.registry, state.issued, self.resolver)
        verdict = self._signed_by_issuer(state, resolver, CheckId.PROOF, record_expiry=True)
        if verdict.passed:
            # a vc+jwt: what its signature covers, the header and payload segments
            state.digest = (content_digest(doc) if state.jwt is None else "sha256:" + hashlib
                            .sha256(state.jwt.rsplit(".", 1)[0].encode("ascii")).hexdigest())
        return verdict

    def _signed_by_issuer(self, state: _State, resolver: KeyResolver, check_id: CheckId,
                          *, record_expiry: bool = False) -> Check:
        """Every proof verifies with ``resolver``'s keys and one is by the issuer's key
        (VC-DI §4.5 proof sets; the binding of VC-DI §5.9). Shared by the credential's own
        proof and its status lists' proofs."""
        doc = _require_document(state)
        issuer_id = _issuer_id(doc)
        if state.jwt is not None:
            # verify_jwt also holds the signing key's controller to the issuer
            _payload, controller = verify_jwt(state.jwt, resolver=resolver,
                                              limits=self.limits)
            return Check.ok(check_id, f"vc+jwt signature by {controller} verified")
        results = verify_proof_set(doc, resolver=resolver, contexts=self.contexts,
                                   limits=self.limits, document_nquads=state.nquads)
        # A refuted proof outweighs one whose key could not be looked up.
        bad = sorted((r for r in results if not r.verified),
                     key=lambda r: r.code in INDETERMINATE_CODES)
        if bad:
            first = bad[0]
            return Check.failed(check_id, first.code or Code.PROOF_VERIFICATION_ERROR,
                                first.detail)
        # Proof-set policy: every proof must verify, and one of them must be the issuer's.
        if not any(r.controller == issuer_id for r in results):
            signers = ", ".join(sorted({str(r.controller) for r in results}))
            return Check.failed(
                check_id, Code.ISSUER_KEY_MISMATCH,
                f"no proof is by a key of the issuer {issuer_id} (signed by {signers})",
            )
        if record_expiry:
            state.proof_expiries = [r.expires for r in results if r.expires is not None]
        suites = ", ".join(sorted({r.cryptosuite for r in results}))
        return Check.ok(check_id,
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
        # A proof past its own "expires" proves nothing (VC Data Integrity 1.0 §2.1). Its
        # "created" is not judged against the clock (as the JS reference's default): the
        # issue date judged is validFrom, and whoever holds the key chooses both.
        for expires in state.proof_expiries:
            if parse_datetime_stamp(expires) < now - skew:
                return Check.failed(CheckId.VALIDITY, Code.EXPIRED,
                                    f"the proof expired at {expires}")
        if state.skill is not None:
            return Check.ok(CheckId.VALIDITY,
                            f"valid from {valid_from}; skill certificates do not expire")
        return Check.ok(CheckId.VALIDITY, "within its validity period")

    def _status(self, state: _State, now: datetime) -> Check:
        """Bitstring Status List 1.0 §"Validate Algorithm", for every status entry.

        A set bit in a genuine list decides (invalid); otherwise any entry that could not be
        checked leaves the outcome undecided (missing, stale, unsigned or foreign list).
        """
        doc = _require_document(state)
        entries = parse_status_entries(doc)  # malformed entries: MALFORMED_VALUE_ERROR
        if len(entries) > self.limits.max_status_entries:
            return Check.failed(CheckId.STATUS, Code.MALFORMED_VALUE_ERROR,
                                f"the credential has {len(entries)} status entries; at most "
                                f"{self.limits.max_status_entries} are checked "
                                "(Limits.max_status_entries)")
        if not entries:
            return Check.ok(CheckId.STATUS, "no status entry: the credential cannot be revoked")
        issuer_id = _issuer_id(doc)
        verdicts = [self._status_entry(entry, issuer_id, now, state) for entry in entries]
        # A set revocation bit outweighs a list that could not be checked (ADR 0004).
        verdicts.sort(key=lambda v: _status_rank(v[0]))
        code, _detail = verdicts[0]
        detail = "; ".join(d for _c, d in verdicts)
        if code is None:
            return Check.ok(CheckId.STATUS, detail)
        return Check.failed(CheckId.STATUS, code, detail)

    def _status_entry(self, entry: StatusEntry, issuer_id: str | None, now: datetime,
                      state: _State) -> tuple[Code | None, str]:
        """One entry's verdict: (None, detail) when its bit is clear in a fresh, genuine list."""
        url, purpose = entry.list_url, entry.purpose
        where = f"{purpose} list {url}"
        summary = StatusListSummary(url=url, purpose=purpose)
        state.status_lists.append(summary)
        unsupported = entry.unsupported_reason
        if unsupported is not None:
            return (Code.STATUS_VERIFICATION_ERROR,
                    f"{unsupported}: entry {entry.index} of {url} was not checked")
        if self.status_lists is None:
            return (Code.STATUS_RETRIEVAL_ERROR,
                    f"no status lists were given, so the {where} was not consulted: whether "
                    f"the credential is {_PAST.get(purpose, purpose)} is unknown")
        try:
            copies = status_list_candidates(self.status_lists, url)
        except (Error, OSError) as exc:
            return Code.STATUS_RETRIEVAL_ERROR, f"the {where} could not be read: {exc}"
        if not copies:
            return (Code.STATUS_RETRIEVAL_ERROR,
                    f"the {where} is not among the status lists given ({self.status_lists!r}); "
                    f"whether the credential is {_PAST.get(purpose, purpose)} is unknown")
        # Every copy is checked; the newest genuine one of this issuer speaks. A copy that is
        # not genuine (unsigned, altered, another signer) never stands in front of one that is.
        checked_copies = [self._checked_status_list(data, now) for data in copies]
        genuine = [c for c in checked_copies if c.status_list is not None
                   and c.status_list.id == url and c.status_list.issuer == issuer_id]
        genuine.sort(key=_newest_first)
        checked = genuine[0] if genuine else checked_copies[0]
        if purpose == StatusPurpose.REVOCATION:
            # Revocation is permanent: any genuine list published by now that sets the bit
            # decides, even when a newer copy (a rollback by whoever wrote the folder) does not.
            revoking = next((c for c in genuine if _revokes(c, entry.index, now,
                                                            self.limits)), None)
            checked = revoking or checked
        summary = StatusListSummary(
            url=url, purpose=purpose,
            valid_from=_format_moment(checked.valid_from),
            valid_until=_format_moment(checked.valid_until),
            age_seconds=(max(0, int((now - checked.valid_from).total_seconds()))
                         if checked.valid_from is not None else None),
        )
        state.status_lists[-1] = summary
        listed = checked.status_list
        if listed is None:
            return checked.code or Code.STATUS_VERIFICATION_ERROR, f"the {where} {checked.detail}"
        if listed.id != url:
            return (Code.STATUS_VERIFICATION_ERROR,
                    f"the list given for {url} is another list, {listed.id}")
        if listed.issuer != issuer_id:
            return (Code.STATUS_VERIFICATION_ERROR,
                    f"the {where} is issued by {listed.issuer}, not by the credential's issuer "
                    f"{issuer_id}: only the issuer's own status list is accepted")
        state.status_lists[-1] = replace(summary, verified=True)
        if purpose not in listed.purposes:
            return (Code.STATUS_VERIFICATION_ERROR,
                    f"the list {url} is for {', '.join(listed.purposes)}, but the entry asks "
                    f"about {purpose}")
        if entry.index >= listed.length:
            return (Code.RANGE_ERROR,
                    f"the credential's status index {entry.index} is outside the {where} of "
                    f"{listed.length} entries")
        is_set = listed.get(entry.index)
        age = _list_age(listed, now)
        skew = timedelta(seconds=self.limits.clock_skew_seconds)
        published = listed.valid_from is not None and listed.valid_from <= now + skew
        if is_set and purpose == StatusPurpose.REVOCATION and published:
            # Revocation is permanent: a list published by then says so even when stale (not
            # one dated later: the credential may not have been revoked yet at ``now``).
            return (Code.CREDENTIAL_REVOKED,
                    f"REVOKED: entry {entry.index} is set in the revocation list {url} ({age})")
        stale = self._status_list_staleness(listed, now)
        if stale is not None:
            return Code.STATUS_RETRIEVAL_ERROR, f"the {where} {stale}"
        if is_set:
            return (Code.CREDENTIAL_SUSPENDED,
                    f"SUSPENDED: entry {entry.index} is set in the suspension list {url} ({age})")
        return None, f"not {_PAST.get(purpose, purpose)}: {url}, entry {entry.index} ({age})"

    def check_status_list(self, data: bytes, *, at: datetime | None = None
                          ) -> StatusListCredential:
        """Verify one status list credential on its own, as the status step does (genuine,
        signed by its issuer with a key the registry lists at its validFrom, well formed,
        long enough); freshness is not judged here. Raises :class:`Error` with the code."""
        checked = self._checked_status_list(data, at or datetime.now(UTC))
        if checked.status_list is None:
            raise Error(f"the status list {checked.detail}",
                        code=checked.code or Code.STATUS_VERIFICATION_ERROR)
        return checked.status_list

    def _status_list_staleness(self, listed: StatusListCredential, now: datetime) -> str | None:
        """Why the list cannot speak for ``now``, or None when it is current."""
        skew = timedelta(seconds=self.limits.clock_skew_seconds)
        if listed.valid_from is None or listed.valid_until is None:
            missing = "validFrom" if listed.valid_from is None else "validUntil"
            return (f"has no {missing}, so how current it is cannot be judged: it is treated "
                    "as stale (vcskill requires status lists to state their validity period)")
        if listed.valid_from > now + skew:
            return (f"is not valid until {format_datetime(listed.valid_from)}: treated as "
                    "stale (is the clock right?)")
        if now - skew > listed.valid_until:
            return (f"is stale: it was valid until {format_datetime(listed.valid_until)} "
                    f"({_ago(now - listed.valid_until)} ago); get a newer copy (vcskill sync)")
        return None

    def _checked_status_list(self, data: bytes, now: datetime) -> _CheckedList:
        """The verdict on a status list credential's bytes, memoised by their SHA-256."""
        digest = hashlib.sha256(data).digest()
        with self._status_cache_lock:
            cached = self._status_cache.get(digest)
            if cached is not None:
                self._status_cache.move_to_end(digest)
                return cached
        checked = self._check_status_list(data, now)
        with self._status_cache_lock:
            self._status_cache[digest] = checked
            held = sum(c.cost for c in self._status_cache.values())
            while len(self._status_cache) > 1 and (
                len(self._status_cache) > _STATUS_CACHE_ENTRIES or held > _STATUS_CACHE_BYTES
            ):
                _key, evicted = self._status_cache.popitem(last=False)
                held -= evicted.cost
        return checked

    def _check_status_list(self, data: bytes, now: datetime) -> _CheckedList:
        """Verify a status list credential with the credential pipeline (parse, context, data
        model, proof), then check its shape and expand its bitstring."""
        state = _State()
        found: list[StatusListCredential] = []

        def shape() -> Check:
            found.append(parse_status_list_credential(
                _require_document(state), max_bytes=self.limits.max_status_list_bytes))
            return Check.ok(CheckId.STATUS, "")

        steps = (
            ("is not a credential we accept", lambda: self._parse(data, state)),
            ("is not a credential we accept",
             lambda: self._context(state, _STATUS_LIST_KINDS)),
            ("is not a credential we accept", lambda: self._data_model(state)),
            ("is not genuine: its proof does not verify", lambda: self._list_proof(state, now)),
            ("", shape),
        )
        for problem, step in steps:
            result = _run(CheckId.STATUS, step)
            if result.passed:
                continue
            valid_from, valid_until = _list_moments(state.document)
            code: Code = Code.STATUS_VERIFICATION_ERROR
            if result.code is Code.STATUS_LIST_LENGTH_ERROR:
                code, detail = result.code, f"is too short: {result.detail}"
            elif not problem:
                detail = f"is refused: {result.detail}"
            else:
                detail = f"{problem} ({result.code}: {result.detail})"
            return _CheckedList(None, code, detail, valid_from, valid_until, len(data))
        listed = found[0]
        return _CheckedList(listed, None, "", listed.valid_from, listed.valid_until,
                            len(data) + len(listed.bits))

    def _list_proof(self, state: _State, now: datetime) -> Check:
        """The status list's proof, by a key of its issuer: with a registry, only a key the
        registry lists for the issuer at the list's validFrom (no fallback); without one, the
        verifier's resolver (did:key, or DID documents given to it)."""
        doc = _require_document(state)
        resolver: KeyResolver = self.resolver
        if self.registry is not None:
            resolver = _RegistryKeys(self.registry, _issue_time(doc, now))
        return self._signed_by_issuer(state, resolver, CheckId.STATUS)

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


class _RegistryKeys:
    """Keys from the registry only, as of one moment: the status list's validFrom."""

    def __init__(self, registry: TrustRegistry, at: datetime) -> None:
        self._registry, self._at = registry, at

    def resolve(self, verification_method: str) -> ResolvedKey:
        return self._registry.resolve_key(verification_method, at=self._at)


# -- the status step's helpers ---------------------------------------------------------

_STATUS_CACHE_ENTRIES = 64
_STATUS_CACHE_BYTES = 64 * 1024 * 1024
_PAST = {"revocation": "revoked", "suspension": "suspended"}
_PAST.update({p.value: p.value for p in StatusPurpose if p.value not in _PAST})


@dataclass(frozen=True, slots=True)
class _CheckedList:
    """The verdict on one status list credential (its bytes): the list, or why it was
    refused; its validity period is kept even when refused, for the report."""

    status_list: StatusListCredential | None
    code: Code | None
    detail: str
    valid_from: datetime | None
    valid_until: datetime | None
    cost: int  # bytes held by the cache


def _newest_first(checked: _CheckedList) -> tuple[int, float]:
    moment = checked.valid_from
    return (0, -moment.timestamp()) if moment is not None else (1, 0.0)


def _revokes(checked: _CheckedList, index: int, now: datetime, limits: Limits) -> bool:
    """A genuine revocation list, published by ``now``, with ``index`` set."""
    listed = checked.status_list
    if listed is None or StatusPurpose.REVOCATION.value not in listed.purposes:
        return False
    published = listed.valid_from is not None and (
        listed.valid_from <= now + timedelta(seconds=limits.clock_skew_seconds))
    return published and index < listed.length and listed.get(index)


def _status_rank(code: Code | None) -> int:
    """Which entry's verdict decides: a set bit, then a wrong entry, then undecided, then ok."""
    if code is Code.CREDENTIAL_REVOKED:
        return 0
    if code is Code.CREDENTIAL_SUSPENDED:
        return 1
    if code is None:
        return 4
    return 3 if code in INDETERMINATE_CODES else 2


def _list_moments(doc: Mapping[str, Any] | None) -> tuple[datetime | None, datetime | None]:
    """validFrom and validUntil of a (possibly refused) list, where readable."""
    moments: list[datetime | None] = []
    for name in ("validFrom", "validUntil"):
        value = doc.get(name) if doc is not None else None
        try:
            moments.append(parse_datetime_stamp(value) if isinstance(value, str) else None)
        except Error:
            moments.append(None)
    return moments[0], moments[1]


def _format_moment(moment: datetime | None) -> str | None:
    return format_datetime(moment.astimezone(UTC)) if moment is not None else None


def _ago(delta: timedelta) -> str:
    seconds = max(0, int(delta.total_seconds()))
    if seconds < 90:
        return f"{seconds} s"
    if seconds < 90 * 60:
        return f"{round(seconds / 60)} min"
    if seconds < 48 * 3600:
        return f"{round(seconds / 3600)} h"
    return f"{round(seconds / 86400)} days"


def _list_age(listed: StatusListCredential, now: datetime) -> str:
    published = (f"published {_ago(now - listed.valid_from)} ago"
                 if listed.valid_from is not None else "no publication date")
    until = (f"valid until {format_datetime(listed.valid_until.astimezone(UTC))}"
             if listed.valid_until is not None else "no validUntil")
    return f"{published}, {until}"


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


def _summary(state: _State) -> CredentialSummary:
    doc = state.document
    if doc is None:
        return CredentialSummary()
    skill = state.skill
    # What a refused document claims is shown only as a claim; a document whose kind is
    # known to be another is not read as a skill credential at all.
    if skill is None and state.kind is None and SKILL_CREDENTIAL_TYPE in credential_types(doc):
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
            digest=state.digest,
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
        digest=state.digest,
    )


def parse_policy(require_occupation: str | None, min_level: str | None) -> Policy:
    return Policy(
        require_occupation=require_occupation,
        min_level=parse_level(min_level) if min_level else None,
    )
