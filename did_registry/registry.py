"""Load a signed registry snapshot, check it the way TUF checks metadata, and answer queries.

:meth:`Registry.load` is the only way to obtain a :class:`Registry`; it checks, in this order,
and stops at the first failure with its own code (design research security.md §1, §6.D):

a. **Endless data** (TUF §5.3.3, §5.4.1): at most ``RegistryLimits.max_bytes`` (1 MiB)
   before parsing, then strict JSON (:func:`vcskill.linkeddata.jsonparse.parse_json`: no duplicate
   members, no NaN, bounded depth). ``REGISTRY_MALFORMED``.
b. **Root chain** (TUF §5.3.4–§5.3.5, §6.1): the chain is linked to the caller's
   ``trusted_root`` (it must appear in ``roots`` unchanged); each later root has exactly the
   next version and is signed by the threshold of the previous root *and* by its own; at most
   ``max_root_rotations`` rotations. ``REGISTRY_ROOT_ROTATION``; a document whose newest root
   is older than the trusted one is ``REGISTRY_ROLLBACK``.
c. **Arbitrary installation** (TUF §5.4.2, §5.5.3): the snapshot is signed by the threshold
   of the final root, counting distinct keys once (§4.2.1) — ``REGISTRY_SIGNATURE_THRESHOLD``;
   it names the final root's version (an older one is ``REGISTRY_ROLLBACK``).
d. **Rollback and equivocation** (TUF §5.4.3.1): against the caller's persisted
   :class:`SnapshotState`, a lower version is ``REGISTRY_ROLLBACK``; the same version with
   other bytes is ``REGISTRY_EQUIVOCATION`` (evidence of key misuse); the same bytes are fine.
   After a root rotation that retired a key, the saved version is dropped (fast-forward
   recovery, TUF §5.3.11).
e. **Freeze** (TUF §5.3.10, §5.4.4): past ``expires`` at the injected ``now`` is
   ``REGISTRY_EXPIRED``, unless ``allow_expired`` — then :attr:`RegistryInfo.expired` says so.
f. **Mix-and-match** (TUF §5.5.2): every part's SHA-256 is the one the snapshot lists, and
   exactly the listed parts are present (``REGISTRY_MIX_AND_MATCH``); part ``CN`` is signed by
   the final root's threshold, part ``J`` by delegation ``J``'s (``REGISTRY_SIGNATURE_THRESHOLD``),
   and a part lists only issuers of its own jurisdiction (``REGISTRY_DELEGATION_VIOLATION``).
g. **Collisions** (security.md D10): no issuer DID twice, no public key registered to two
   issuers, no issuer key that is also a root or delegation key. ``REGISTRY_MALFORMED``.

The queries then implement :class:`~vcskill.verifying.trust.TrustRegistry`. Every interval is
half-open, ``[from, until)``. Authorisation is judged at issue time (architecture.md, "The
registry"): a later removal does not affect a credential issued while approved; one issued during a
suspension, after a removal or before the first approval is not authorised.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from typing import TYPE_CHECKING, Any, Final

from did_registry.errors import RegistryError
from did_registry.model import (
    NATIONAL,
    IssuerEntry,
    IssuerKey,
    IssuerStatus,
    Part,
    RecognitionRule,
    Root,
    Snapshot,
    format_datetime,
)
from did_registry.signing import Envelope, Role, check_threshold, digest, parse_signatures
from vcskill.errors import Code, Error, InternalError, UsageError
from vcskill.keys.did import public_key_from_did_key, split_verification_method
from vcskill.keys.resolver import ResolvedKey
from vcskill.limits import DEFAULT_LIMITS
from vcskill.linkeddata.jsonparse import parse_json
from vcskill.model.skills import parse_level
from vcskill.verifying.trust import (
    Authorization,
    IssuerFacts,
    RegistryInfo,
    Standing,
    TrustRegistry,
)

__all__ = [
    "DOCUMENT_FORMAT", "DOCUMENT_TYPE", "Registry", "RegistryLimits", "SnapshotState",
    "parse_document",
]

DOCUMENT_TYPE: Final = "vcskill-registry"
DOCUMENT_FORMAT: Final = 1


@dataclass(frozen=True, slots=True)
class RegistryLimits:
    """Caps checked while loading (TUF §5.3.3 "endless data", §5.3.4 rotation cap)."""

    max_bytes: int = 1024 * 1024
    max_root_rotations: int = 256
    max_parts: int = 64


DEFAULT_REGISTRY_LIMITS: Final = RegistryLimits()


@dataclass(frozen=True, slots=True)
class SnapshotState:
    """What a client persists between loads to refuse rollback and equivocation: the
    version of the last trusted snapshot, the SHA-256 of its signed JCS bytes, and the root
    version it was signed under (0 if unknown), for fast-forward recovery."""

    version: int
    digest: str
    root_version: int = 0

    def to_json(self) -> dict[str, Any]:
        return {"version": self.version, "digest": self.digest,
                "root_version": self.root_version}

    @classmethod
    def from_json(cls, value: Any) -> SnapshotState:
        def integer(name: str, default: int | None = None) -> int:
            item = value.get(name, default)
            if isinstance(item, bool) or not isinstance(item, int) or item < 0:
                raise RegistryError(f"the saved registry state's {name!r} must be a "
                                    "non-negative integer")
            return item

        if not isinstance(value, dict) or not isinstance(value.get("digest"), str):
            raise RegistryError("the saved registry state must be an object with "
                                "'version', 'digest' and 'root_version'")
        return cls(integer("version"), value["digest"], integer("root_version", 0))


def _fail(message: str, code: Code) -> RegistryError:
    return RegistryError(message, code=code)


def _require_aware(moment: datetime, name: str) -> None:
    if not isinstance(moment, datetime) or moment.tzinfo is None or moment.utcoffset() is None:
        raise UsageError(f"{name} must be a datetime with a time zone")


class Registry:
    """A verified registry snapshot; build one with :meth:`load`."""

    def __init__(self, *, root: Root, snapshot: Snapshot, parts: Mapping[str, Part],
                 info: RegistryInfo, state: SnapshotState) -> None:
        """Index already-verified data. Use :meth:`load`; this does no signature checks."""
        self._root = root
        self._snapshot = snapshot
        self._parts = dict(parts)
        self._info = info
        self._state = state
        self._issuers: dict[str, IssuerEntry] = {}
        self._key_owner: dict[bytes, IssuerEntry] = {}
        registry_keys = {k.raw for k in root.public_keys()}
        for delegation in snapshot.delegations:
            registry_keys.update(k.raw for k in delegation.public_keys())
        for part in self._parts.values():
            for entry in part.issuers:
                if entry.did in self._issuers:
                    raise _fail(f"registry lists the issuer {entry.did} twice",
                                Code.REGISTRY_MALFORMED)
                self._issuers[entry.did] = entry
                for key in entry.keys:
                    raw = key.public_key.raw
                    owner = self._key_owner.get(raw)
                    if owner is not None:
                        raise _fail(
                            f"registry lists the key {key.public_key_multibase} for both "
                            f"{owner.did} and {entry.did}", Code.REGISTRY_MALFORMED,
                        )
                    if raw in registry_keys:
                        raise _fail(
                            f"issuer {entry.did} lists the key {key.public_key_multibase}, "
                            "which is a registry signing key; issuer keys are never registry "
                            "keys", Code.REGISTRY_MALFORMED,
                        )
                    self._key_owner[raw] = entry

    # -- loading -------------------------------------------------------------------------

    @classmethod
    def load(cls, data: bytes, *, trusted_root: Root, now: datetime,
             previous: SnapshotState | None = None, allow_expired: bool = False,
             source: str = "", limits: RegistryLimits = DEFAULT_REGISTRY_LIMITS) -> Registry:
        """Verify a registry document (see the module docstring) and return it.

        Raises :class:`~did_registry.errors.RegistryError` with a ``REGISTRY_*`` code.
        """
        _require_aware(now, "now")
        if not isinstance(trusted_root, Root):
            raise UsageError("trusted_root must be a did_registry.Root")
        document = parse_document(data, limits)
        chain = _verify_root_chain(document["roots"], trusted_root, limits)
        root = chain[-1]

        snapshot_envelope = Envelope.from_json(document["snapshot"], "snapshot")
        check_threshold(snapshot_envelope.signed, Role.SNAPSHOT, snapshot_envelope.signatures,
                        root.keys, root.threshold, what="the registry snapshot")
        snapshot = Snapshot.from_json(snapshot_envelope.signed)
        if snapshot.root_version < root.version:
            raise _fail(f"the registry snapshot was signed under root v{snapshot.root_version}, "
                        f"older than the document's root v{root.version}", Code.REGISTRY_ROLLBACK)
        if snapshot.root_version > root.version:
            raise _fail(f"the registry snapshot names root v{snapshot.root_version}, but the "
                        f"document's roots end at v{root.version}", Code.REGISTRY_ROOT_ROTATION)

        state = SnapshotState(snapshot.version, digest(snapshot_envelope.signed), root.version)
        _check_previous(state, previous, chain)

        expired = now > snapshot.expires
        if expired and not allow_expired:
            raise _fail(
                f"the registry snapshot v{snapshot.version} expired at "
                f"{format_datetime(snapshot.expires)} (checked at {format_datetime(now)}); get "
                "a newer one", Code.REGISTRY_EXPIRED,
            )

        parts = _verify_parts(document["parts"], snapshot, root, limits)
        info = RegistryInfo(version=snapshot.version, issued=snapshot.issued,
                            expires=snapshot.expires, root_name=root.name,
                            root_version=root.version, expired=expired, source=source)
        return cls(root=root, snapshot=snapshot, parts=parts, info=info, state=state)

    # -- what was loaded -----------------------------------------------------------------

    @property
    def info(self) -> RegistryInfo:
        return self._info

    @property
    def state(self) -> SnapshotState:
        """Persist this (atomically) and pass it as ``previous`` to the next load."""
        return self._state

    @property
    def root(self) -> Root:
        return self._root

    @property
    def snapshot(self) -> Snapshot:
        return self._snapshot

    @property
    def issuers(self) -> tuple[IssuerEntry, ...]:
        return tuple(self._issuers.values())

    @property
    def recognition(self) -> tuple[RecognitionRule, ...]:
        return tuple(rule for part in self._parts.values() for rule in part.recognition)

    def entry(self, did: str) -> IssuerEntry | None:
        return self._issuers.get(did)

    def regulator(self, jurisdiction: str) -> str:
        """The name of the regulator supervising ``jurisdiction``."""
        if jurisdiction == NATIONAL:
            return self._root.name
        delegation = self._snapshot.delegation(jurisdiction)
        return delegation.name if delegation is not None else self._root.name

    # -- TrustRegistry -------------------------------------------------------------------

    def resolve_key(self, verification_method: str, *, at: datetime) -> ResolvedKey:
        """The registered key the method names, if it was valid at ``at``.

        ``<did>#<publicKeyMultibase>`` names a key of the issuer ``<did>``; a did:key method
        names its own key, accepted when that key is registered to an issuer (the issuer is
        then the controller). Raises ``ISSUER_UNKNOWN``, ``UNKNOWN_KEY`` or
        ``ISSUER_KEY_COMPROMISED``.
        """
        _require_aware(at, "at")
        entry: IssuerEntry | None
        key: IssuerKey | None
        if isinstance(verification_method, str) and verification_method.startswith("did:key:"):
            public = public_key_from_did_key(verification_method)
            entry = self._issuers.get(public.did_key()) or self._key_owner.get(public.raw)
            if entry is None:
                raise Error(f"{public.did_key()[:40]}… is not a key of any issuer in the "
                            "registry", code=Code.ISSUER_UNKNOWN)
            key = next((k for k in entry.keys if k.public_key.raw == public.raw), None)
        else:
            controller, fragment = split_verification_method(verification_method)
            entry = self._issuers.get(controller)
            if entry is None:
                raise Error(f"{controller} is not in the trusted issuer registry (version "
                            f"{self._info.version})", code=Code.ISSUER_UNKNOWN)
            key = next((k for k in entry.keys if k.public_key_multibase == fragment), None)
        if key is None:
            raise Error(f"{verification_method} is not one of the keys the registry lists for "
                        f"{entry.did}", code=Code.UNKNOWN_KEY)
        if key.compromised is not None:
            raise Error(
                f"the key {key.public_key_multibase} of {entry.did} was reported compromised "
                f"on {format_datetime(key.compromised)}: nothing it signed is accepted, "
                "whatever date the credential gives", code=Code.ISSUER_KEY_COMPROMISED,
            )
        if not key.valid_at(at):
            raise Error(
                f"the key {key.public_key_multibase} of {entry.did} is registered for "
                f"{key.window()}, which does not include {format_datetime(at)}",
                code=Code.UNKNOWN_KEY,
            )
        return ResolvedKey(verification_method, entry.did, key.public_key, "registry")

    def issuer(self, did: str, *, issued: datetime, now: datetime) -> IssuerFacts | None:
        _require_aware(issued, "issued")
        _require_aware(now, "now")
        entry = self._issuers.get(did)
        if entry is None:
            return None
        at_issue, reason_at_issue = standing_at(entry, issued)
        current, reason_now = standing_at(entry, now)
        return IssuerFacts(
            did=entry.did, name=entry.name, uscc=entry.uscc, category=entry.category.value,
            jurisdiction=entry.jurisdiction, regulator=self.regulator(entry.jurisdiction),
            standing_at_issue=at_issue, standing_now=current,
            reason_at_issue=reason_at_issue, reason_now=reason_now,
        )

    def authorization(self, did: str, *, occupation: str, edition: str, level: str,
                      at: datetime) -> Authorization:
        _require_aware(at, "at")
        entry = self._issuers.get(did)
        when = format_datetime(at)
        if entry is None:
            return Authorization(False, f"{did} is not in the trusted issuer registry")
        standing, reason = standing_at(entry, at)
        if standing is not Standing.APPROVED:
            why = f" ({reason})" if reason else ""
            return Authorization(False, f"{entry.name} was {standing.value}{why} at {when}")
        try:
            level_code = parse_level(level).code
        except Error:
            return Authorization(False, f"{level!r} is not a skill level")
        in_force = [s for s in entry.scope if s.covers(at)]
        for scope in in_force:
            if (scope.code, scope.edition) == (occupation, edition) and \
                    level_code in scope.level_codes:
                return Authorization(True, f"in scope {scope.describe()}")
        wanted = f"{occupation}@{edition} {level_code}"
        if not in_force:
            return Authorization(False, f"{entry.name} had no approved scope at {when}, so "
                                        f"not {wanted}")
        scopes = "; ".join(s.describe() for s in in_force)
        return Authorization(False, f"{wanted} is outside the scope of {entry.name} at {when} "
                                    f"({scopes})")


# -- the steps of load -------------------------------------------------------------------

def parse_document(data: bytes, limits: RegistryLimits = DEFAULT_REGISTRY_LIMITS
                   ) -> dict[str, Any]:
    """Step a of :meth:`Registry.load`: size cap, strict JSON, type and format (no trust)."""
    if not isinstance(data, bytes | bytearray | memoryview):
        raise UsageError("a registry document is read as bytes")
    if len(data) > limits.max_bytes:
        raise _fail(f"the registry document is {len(data):,} bytes, over the limit of "
                    f"{limits.max_bytes:,}", Code.REGISTRY_MALFORMED)
    try:
        value = parse_json(bytes(data), what="registry",
                           limits=replace(DEFAULT_LIMITS, max_credential_bytes=limits.max_bytes))
    except Error as exc:
        raise _fail(str(exc), Code.REGISTRY_MALFORMED) from None
    if not isinstance(value, dict):
        raise _fail("the registry document must be a JSON object", Code.REGISTRY_MALFORMED)
    if value.get("type") != DOCUMENT_TYPE:
        raise _fail(f"the document's type is {value.get('type')!r}, not {DOCUMENT_TYPE!r}",
                    Code.REGISTRY_MALFORMED)
    if value.get("format") != DOCUMENT_FORMAT:
        raise _fail(f"registry format {value.get('format')!r} is not supported (this toolkit "
                    f"reads format {DOCUMENT_FORMAT})", Code.REGISTRY_MALFORMED)
    for name, kind in (("roots", list), ("snapshot", dict), ("parts", list)):
        if not isinstance(value.get(name), kind):
            raise _fail(f"the registry document needs '{name}' "
                        f"({'an array' if kind is list else 'an object'})",
                        Code.REGISTRY_MALFORMED)
    return value


def _verify_root_chain(raw_roots: list[Any], trusted: Root,
                       limits: RegistryLimits) -> list[Root]:
    """Walk from the trusted root to the newest (TUF §5.3.4-§5.3.5); return that chain."""
    if not raw_roots:
        raise _fail("the registry document has no roots", Code.REGISTRY_MALFORMED)
    if len(raw_roots) > limits.max_root_rotations + 1:
        raise _fail(f"the registry document has {len(raw_roots)} roots; at most "
                    f"{limits.max_root_rotations} rotations are followed",
                    Code.REGISTRY_ROOT_ROTATION)
    envelopes = [Envelope.from_json(r, f"roots[{i}]") for i, r in enumerate(raw_roots)]
    roots = [Root.from_json(e.signed, f"roots[{i}].signed") for i, e in enumerate(envelopes)]
    start = next((i for i, r in enumerate(roots) if r.version == trusted.version), None)
    if start is None:
        if trusted.version > roots[-1].version:
            raise _fail(f"the registry's newest root is v{roots[-1].version}, older than the "
                        f"trusted root v{trusted.version}", Code.REGISTRY_ROLLBACK)
        raise _fail(f"the registry's roots start at v{roots[0].version} and cannot be linked "
                    f"to the trusted root v{trusted.version}", Code.REGISTRY_ROOT_ROTATION)
    if roots[start] != trusted:
        raise _fail(f"the registry's root v{trusted.version} differs from the trusted root "
                    f"v{trusted.version} (keys, threshold or name)", Code.REGISTRY_ROOT_ROTATION)
    if len(roots) - 1 - start > limits.max_root_rotations:  # pragma: no cover - capped above
        raise _fail("too many root rotations", Code.REGISTRY_ROOT_ROTATION)
    for envelope in envelopes[:start + 1]:  # trusted already: only their shape is checked
        parse_signatures(envelope.signatures)
    for index in range(start + 1, len(roots)):
        old, new, envelope = roots[index - 1], roots[index], envelopes[index]
        if new.version != old.version + 1:
            raise _fail(f"root v{old.version} is followed by v{new.version}; each rotation "
                        "adds exactly one version (TUF §5.3.5)", Code.REGISTRY_ROOT_ROTATION)
        for signer, role_name in ((old, "previous"), (new, "new")):
            check_threshold(envelope.signed, Role.ROOT, envelope.signatures, signer.keys,
                            signer.threshold,
                            what=f"root v{new.version} (by the {role_name} root "
                                 f"v{signer.version}'s keys)",
                            code=Code.REGISTRY_ROOT_ROTATION)
    return roots[start:]


def _check_previous(state: SnapshotState, previous: SnapshotState | None,
                    chain: list[Root]) -> None:
    """TUF §5.4.3.1: never go back; the same version must be the same bytes.

    Fast-forward recovery (TUF §5.3.11): an attacker holding a root key that has since been
    rotated out could have pushed the saved version far ahead, so that every honest snapshot
    looks like a rollback. When the root has moved on since the saved state and a key of the
    root that state was trusted under is no longer a root key, the saved version is dropped.
    """
    if previous is None:
        return
    if 0 < previous.root_version < state.root_version:
        before = next((r for r in chain if r.version == previous.root_version), None)
        if before is None or not set(before.keys) <= set(chain[-1].keys):
            return
    if state.version < previous.version:
        raise _fail(f"the registry snapshot is v{state.version}, older than v"
                    f"{previous.version} already trusted (rollback)", Code.REGISTRY_ROLLBACK)
    if state.version == previous.version and state.digest != previous.digest:
        raise _fail(f"the registry snapshot v{state.version} differs from the v"
                    f"{previous.version} already trusted: two different snapshots were signed "
                    "with one version number (equivocation; report it to the regulator)",
                    Code.REGISTRY_EQUIVOCATION)


def _verify_parts(raw_parts: list[Any], snapshot: Snapshot, root: Root,
                  limits: RegistryLimits) -> dict[str, Part]:
    if len(raw_parts) > limits.max_parts:
        raise _fail(f"the registry has {len(raw_parts)} parts; at most {limits.max_parts}",
                    Code.REGISTRY_MALFORMED)
    envelopes: dict[str, Envelope] = {}
    for index, raw in enumerate(raw_parts):
        envelope = Envelope.from_json(raw, f"parts[{index}]")
        jurisdiction = envelope.signed.get("jurisdiction")
        if not isinstance(jurisdiction, str):
            raise _fail(f"registry parts[{index}] names no jurisdiction",
                        Code.REGISTRY_MALFORMED)
        if jurisdiction in envelopes:
            raise _fail(f"the registry has two parts for {jurisdiction}", Code.REGISTRY_MALFORMED)
        expected = snapshot.parts.get(jurisdiction)
        if expected is None:
            raise _fail(f"the registry part {jurisdiction} is not listed in snapshot "
                        f"v{snapshot.version}", Code.REGISTRY_MIX_AND_MATCH)
        if digest(envelope.signed) != expected:
            raise _fail(f"the registry part {jurisdiction} is not the one snapshot "
                        f"v{snapshot.version} lists (its SHA-256 differs): parts of different "
                        "snapshots were mixed", Code.REGISTRY_MIX_AND_MATCH)
        envelopes[jurisdiction] = envelope
    missing = sorted(set(snapshot.parts) - set(envelopes))
    if missing:
        raise _fail(f"the registry lacks the part(s) {', '.join(missing)} that snapshot "
                    f"v{snapshot.version} lists", Code.REGISTRY_MIX_AND_MATCH)

    parts: dict[str, Part] = {}
    for jurisdiction, envelope in envelopes.items():
        if jurisdiction == NATIONAL:
            keys, threshold, signer = root.keys, root.threshold, f"the root v{root.version}"
        else:
            delegation = snapshot.delegation(jurisdiction)
            if delegation is None:  # Snapshot checks every listed part is delegated
                raise InternalError(f"part {jurisdiction!r} has no delegation")
            keys, threshold = delegation.keys, delegation.threshold
            signer = f"the delegate {delegation.name}"
        check_threshold(envelope.signed, Role.PART, envelope.signatures, keys, threshold,
                        what=f"the registry part {jurisdiction} (to be signed by {signer})")
        part = Part.from_json(envelope.signed, f"part {jurisdiction}")
        for entry in part.issuers:
            if entry.jurisdiction != jurisdiction:
                raise _fail(
                    f"the registry part {jurisdiction} lists {entry.did} of jurisdiction "
                    f"{entry.jurisdiction}: a regulator may only approve issuers in its own "
                    "jurisdiction", Code.REGISTRY_DELEGATION_VIOLATION,
                )
        parts[jurisdiction] = part
    return parts


if TYPE_CHECKING:
    def _conforms(registry: Registry) -> TrustRegistry:  # mypy checks the protocol here
        return registry


def standing_at(entry: IssuerEntry, moment: datetime) -> tuple[Standing, str | None]:
    """The issuer's standing at ``moment`` from its status history, and the reason given.

    A status covers ``[from, until)``. No status covering a moment before the first approval
    means not yet approved; a moment after it that no status covers means no longer approved
    (reported as removed).
    """
    for status in entry.status:
        if status.covers(moment):
            return Standing(status.status.value), status.reason
    approvals = [s.start for s in entry.status if s.status is IssuerStatus.APPROVED]
    if not approvals or moment < min(approvals):
        return Standing.NOT_YET_APPROVED, None
    return Standing.REMOVED, f"no approval is recorded for {format_datetime(moment)}"
