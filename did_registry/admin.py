"""The regulator's operations behind ``vcskill registry ...``: each edits the working
directory (:mod:`did_registry.workdir`) or signs and publishes it.

Nothing here prints; the CLI shows the returned values. Every change is made under the
directory's lock and saved atomically.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from did_registry.build import make_delegation, make_root, rotate_root, sign_root
from did_registry.errors import RegistryError
from did_registry.model import (
    NATIONAL,
    Delegation,
    IssuerCategory,
    IssuerEntry,
    IssuerKey,
    IssuerStatus,
    Root,
    ScopeEntry,
    StatusEntry,
    format_datetime,
)
from did_registry.pinning import TrustAnchor, root_fingerprint
from did_registry.registry import Registry, standing_at
from did_registry.workdir import Published, WorkDir, locked, paint_status
from vcskill.common.files import write_bytes_atomic
from vcskill.errors import Code, Error, InternalError, UsageError
from vcskill.keys.did import public_key_from_did_key
from vcskill.keys.keypair import PrivateKey, PublicKey

__all__ = [
    "PublishResult",
    "add_issuer",
    "add_key",
    "compromise_key",
    "default_threshold",
    "delegate",
    "describe",
    "end_key",
    "end_scope",
    "init",
    "parse_public_key_arg",
    "parse_scope_arg",
    "publish",
    "rotate",
    "set_scope",
    "set_status",
    "set_status_url",
]

DEFAULT_EXPIRY = timedelta(days=30)


def default_threshold(count: int) -> int:
    """A majority of the keys: one of one, two of two, two of three, three of five."""
    return count // 2 + 1


def parse_public_key_arg(text: str) -> PublicKey:
    """``--public-key``: a ``publicKeyMultibase`` (``z6Mk…``, ``zDna…``) or a ``did:key``."""
    text = text.strip()
    try:
        if text.startswith("did:key:"):
            return public_key_from_did_key(text)
        return PublicKey.from_multibase(text)
    except Error as exc:
        raise UsageError(f"--public-key {text!r} is not a public key: {exc}") from None


def parse_scope_arg(text: str, start: datetime, end: datetime | None = None) -> ScopeEntry:
    """``--scope OCCUPATION:LEVELS``, e.g. ``6-31-01-03:L5-L3`` or ``6-30-99-00@2015:L4``."""
    occupation, colon, levels = text.rpartition(":")
    if not colon or not occupation or not levels:
        raise UsageError(f"--scope {text!r} must be OCCUPATION:LEVELS, e.g. 6-31-01-03:L5-L3")
    try:
        return ScopeEntry(occupation.strip(), levels.strip(), start, end)
    except RegistryError as exc:
        raise UsageError(f"--scope {text!r}: {exc}") from None


def _threshold(count: int, threshold: int | None, what: str) -> int:
    chosen = default_threshold(count) if threshold is None else threshold
    if not 1 <= chosen <= count:
        raise UsageError(f"{what} threshold {chosen} must be between 1 and the number of "
                         f"keys ({count})")
    return chosen


# -- the root ------------------------------------------------------------------------------

def init(directory: Path, keys: Sequence[PrivateKey], *, name: str,
         threshold: int | None = None, force: bool = False) -> WorkDir:
    """Start a registry: root v1 of ``keys`` with an M-of-N threshold, signed by all of them."""
    if not keys:
        raise UsageError("give at least one --root-key")
    root = make_root(name, keys, _threshold(len(keys), threshold, "root"))
    with locked(directory):
        return WorkDir.create(directory, sign_root(root, keys), force=force)


def rotate(directory: Path, *, old_keys: Sequence[PrivateKey], new_keys: Sequence[PrivateKey],
           threshold: int | None = None, name: str | None = None) -> Root:
    """Root N+1 of ``new_keys``, signed by root N's threshold (``old_keys``) and its own
    (TUF §6.1). Both thresholds are checked here, before anything is written."""
    if not new_keys:
        raise UsageError("give at least one --new-key")
    with locked(directory):
        work = WorkDir.open(directory)
        old = work.root
        new_root = make_root(name or old.name, new_keys,
                             _threshold(len(new_keys), threshold, "new root"),
                             version=old.version + 1)
        _require_threshold(old, old_keys, f"root v{old.version}")
        _require_threshold(new_root, new_keys, f"the new root v{new_root.version}")
        envelope = rotate_root(work.draft.roots[-1], new_root, old_keys, new_keys)
        work.draft.roots.append(envelope)
        work.save()
        return new_root


def _require_threshold(role: Root | Delegation, keys: Sequence[PrivateKey], what: str) -> None:
    mine = {PublicKey.from_multibase(k).raw for k in role.keys}
    have = {k.public_key.raw for k in keys} & mine
    if len(have) < role.threshold:
        raise RegistryError(
            f"{what} needs {role.threshold} of its {len(role.keys)} keys to sign; "
            f"{len(have)} of the keys given belong to it", code=Code.REGISTRY_SIGNATURE_THRESHOLD)


# -- delegations and issuers ---------------------------------------------------------------

def delegate(directory: Path, *, jurisdiction: str, name: str, keys: Sequence[PublicKey],
             threshold: int | None = None) -> Delegation:
    """Delegate ``jurisdiction`` (a province code such as ``37``, or ``MOE-1X``)."""
    if not keys:
        raise UsageError("give the delegate's --key or --public-key")
    delegation = make_delegation(jurisdiction, name, keys,
                                 _threshold(len(keys), threshold, "delegation"))
    with locked(directory):
        work = WorkDir.open(directory)
        work.draft.add_delegation(delegation)
        work.save()
    return delegation


def add_issuer(directory: Path, *, did: str, name: str, category: str,
               keys: Sequence[PublicKey], scopes: Sequence[str], approved_from: datetime,
               uscc: str | None = None, jurisdiction: str = NATIONAL,
               key_valid_from: datetime | None = None, other_names: Sequence[str] = (),
               reason: str | None = None, status_url: str | None = None) -> IssuerEntry:
    """List a newly approved issuer: its keys (valid from ``key_valid_from``, by default the
    approval date), ``approved`` from ``approved_from``, and its scope from then on."""
    if not keys:
        raise UsageError("give the issuer's --public-key")
    if not scopes:
        raise UsageError("give at least one --scope OCCUPATION:LEVELS")
    if did.startswith("did:key:"):
        # A did:key is its key: listing another one would be a key the DID cannot use.
        own = public_key_from_did_key(did)
        if any(k.raw != own.raw for k in keys):
            raise UsageError(f"{did} is a did:key: its only key is {own.multibase()}; list "
                             "exactly that one (or give the issuer a did:web)")
    try:
        category = IssuerCategory(category).value
    except ValueError:
        allowed = ", ".join(c.value for c in IssuerCategory)
        raise UsageError(f"--category {category!r} is not one of {allowed}") from None
    entry = IssuerEntry(
        did=did, name=name, category=IssuerCategory(category), jurisdiction=jurisdiction,
        keys=tuple(IssuerKey(k.multibase(), key_valid_from or approved_from) for k in keys),
        status=(StatusEntry(IssuerStatus.APPROVED, approved_from, None, reason),),
        scope=tuple(parse_scope_arg(s, approved_from) for s in scopes),
        names=tuple(other_names), uscc=uscc, status_url=status_url,
    )
    with locked(directory):
        work = WorkDir.open(directory)
        work.check_jurisdiction(jurisdiction)
        if work.has_issuer(did):
            raise UsageError(f"{did} is already listed; change it with `registry "
                             "issuer-status`, `issuer-scope` or `issuer-key`")
        work.draft.add_issuer(entry)
        work.save()
    return entry


def set_status_url(directory: Path, *, did: str, status_url: str | None) -> IssuerEntry:
    """Record (or, with None, remove) where the issuer publishes its status lists."""
    return _update_issuer(directory, did,
                          lambda entry: _replace_entry(entry, status_url=status_url))


def _update_issuer(directory: Path, did: str,
                   change: Callable[[IssuerEntry], IssuerEntry]) -> IssuerEntry:
    with locked(directory):
        work = WorkDir.open(directory)
        entry = change(work.issuer(did))
        work.draft.add_issuer(entry)
        work.save()
    return entry


def set_status(directory: Path, *, did: str, status: str, start: datetime,
               end: datetime | None = None, reason: str) -> IssuerEntry:
    """Record ``status`` over ``[start, end)``; what was in force outside it stays."""
    try:
        new = StatusEntry(IssuerStatus(status), start, end, reason)
    except ValueError:
        allowed = ", ".join(s.value for s in IssuerStatus)
        raise UsageError(f"--status {status!r} is not one of {allowed}") from None

    def change(entry: IssuerEntry) -> IssuerEntry:
        return _replace_entry(entry, status=paint_status(entry.status, new))

    return _update_issuer(directory, did, change)


def set_scope(directory: Path, *, did: str, scope: str, start: datetime,
              end: datetime | None = None) -> IssuerEntry:
    """Add the scope ``OCCUPATION:LEVELS`` over ``[start, end)``."""
    new = parse_scope_arg(scope, start, end)

    def change(entry: IssuerEntry) -> IssuerEntry:
        return _replace_entry(entry, scope=(*entry.scope, new))

    return _update_issuer(directory, did, change)


def end_scope(directory: Path, *, did: str, occupation: str, at: datetime) -> IssuerEntry:
    """End, at ``at``, every scope for ``occupation`` (``CODE`` or ``CODE@EDITION``) still in
    force then: the issuer may no longer certify it from that moment."""

    def change(entry: IssuerEntry) -> IssuerEntry:
        probe = parse_scope_arg(f"{occupation}:L5", at)
        scopes, ended = [], 0
        for old in entry.scope:
            same = (old.code, old.edition) == (probe.code, probe.edition)
            if same and old.start <= at and (old.end is None or old.end > at):
                old = replace(old, end=max(at, old.start))
                ended += 1
            scopes.append(old)
        if not ended:
            raise UsageError(f"{did} has no scope for {occupation} in force at "
                             f"{format_datetime(at)}")
        return _replace_entry(entry, scope=tuple(scopes))

    return _update_issuer(directory, did, change)


def add_key(directory: Path, *, did: str, key: PublicKey, valid_from: datetime,
            retire_others_at: bool = False) -> IssuerEntry:
    """Register another key for an issuer from ``valid_from``; with ``retire_others_at``
    the issuer's open-ended keys stop being valid at that moment (a key rotation)."""

    def change(entry: IssuerEntry) -> IssuerEntry:
        keys = []
        for old in entry.keys:
            if retire_others_at and (old.valid_until is None or old.valid_until > valid_from):
                old = replace(old, valid_until=max(valid_from, old.valid_from))
            keys.append(old)
        keys.append(IssuerKey(key.multibase(), valid_from))
        return _replace_entry(entry, keys=tuple(keys))

    return _update_issuer(directory, did, change)


def end_key(directory: Path, *, did: str, key: PublicKey, until: datetime) -> IssuerEntry:
    """Retire ``key``: credentials issued from ``until`` on with it are refused; earlier ones
    keep verifying (design research security.md D8)."""
    return _change_key(directory, did, key,
                       lambda old: replace(old, valid_until=max(until, old.valid_from)))


def compromise_key(directory: Path, *, did: str, key: PublicKey, reported: datetime
                   ) -> IssuerEntry:
    """Mark ``key`` compromised: nothing it signed verifies any more, whatever its date, since
    a thief can backdate (security.md D7). The issuer re-issues the genuine ones."""
    return _change_key(directory, did, key, lambda old: replace(old, compromised=reported))


def _change_key(directory: Path, did: str, key: PublicKey,
                update: Callable[[IssuerKey], IssuerKey]) -> IssuerEntry:
    def change(entry: IssuerEntry) -> IssuerEntry:
        if not any(k.public_key.raw == key.raw for k in entry.keys):
            raise UsageError(f"{key.multibase()} is not one of {did}'s keys")
        return _replace_entry(entry, keys=tuple(
            update(k) if k.public_key.raw == key.raw else k for k in entry.keys))

    return _update_issuer(directory, did, change)


def _replace_entry(entry: IssuerEntry, **changes: Any) -> IssuerEntry:
    return replace(entry, **changes)


# -- publishing ----------------------------------------------------------------------------

@dataclass(frozen=True)
class PublishResult:
    version: int
    issued: datetime
    expires: datetime
    out: Path
    fingerprint: str  # of root v1, the verifiers' trust anchor
    root_version: int
    issuers: int
    document: bytes


def publish(directory: Path, *, keys: Sequence[PrivateKey], out: Path, now: datetime,
            expires_in: timedelta = DEFAULT_EXPIRY) -> PublishResult:
    """Sign the draft as the next version and write it to ``out`` atomically.

    ``keys`` are sorted by role: the current root's keys sign the snapshot and the ``CN``
    part; a delegate's keys sign its jurisdiction's part. The result is loaded back with the
    verifier's own checks before it is written, so a registry that would not verify is never
    published.
    """
    if expires_in <= timedelta(0):
        raise UsageError("--expires-in must be at least one day")
    with locked(directory):
        work = WorkDir.open(directory)
        root = work.root
        root_keys = _keys_of(root.keys, keys)
        _require_threshold(root, root_keys, f"the root v{root.version}")
        delegate_keys: dict[str, list[PrivateKey]] = {}
        for part in work.draft.parts():
            if part.jurisdiction == NATIONAL:
                continue
            delegation = work.delegation(part.jurisdiction)
            if delegation is None:  # add_issuer refuses undelegated jurisdictions
                raise InternalError(f"part {part.jurisdiction!r} has no delegation")
            signers = _keys_of(delegation.keys, keys)
            _require_threshold(delegation, signers, f"the part {part.jurisdiction} "
                               f"({delegation.name})")
            delegate_keys[part.jurisdiction] = signers
        used = {k.public_key.raw for k in root_keys}
        used.update(k.public_key.raw for ks in delegate_keys.values() for k in ks)
        for key in keys:
            if key.public_key.raw not in used:
                raise UsageError(f"the key {key.public_key.multibase()} signs nothing in this "
                                 "registry (it is neither a current root key nor the key of a "
                                 "delegate with issuers)")
        version = (work.published.version if work.published else 0) + 1
        issued = now.replace(microsecond=0)
        expires = issued + expires_in
        document = work.draft.publish(root_keys=root_keys, version=version, issued=issued,
                                      expires=expires, delegate_keys=delegate_keys)
        # The verifier's own checks, from root v1 as a fresh verifier would start.
        loaded = Registry.load(document, trusted_root=work.first_root, now=issued)
        write_bytes_atomic(out, document)
        work.published = Published(version=version, issued=issued, path=str(out))
        work.save()
        return PublishResult(version=version, issued=issued, expires=expires, out=out,
                             fingerprint=work.fingerprint, root_version=root.version,
                             issuers=len(loaded.issuers), document=document)


def _keys_of(allowed: Sequence[str], keys: Sequence[PrivateKey]) -> list[PrivateKey]:
    mine = {PublicKey.from_multibase(k).raw for k in allowed}
    return [k for k in keys if k.public_key.raw in mine]


# -- showing -------------------------------------------------------------------------------

def describe(document: bytes, *, now: datetime, anchor: TrustAnchor | None = None,
             source: str = "") -> dict[str, Any]:
    """A JSON-ready summary of a registry document for ``registry show``.

    With ``anchor`` the document is verified from that root; without one it is checked only
    for self-consistency from its own first root (``trusted`` is then false).
    """
    if anchor is not None:
        trusted_root = anchor.root_for(document)
    else:
        from did_registry.registry import parse_document

        first = parse_document(document)["roots"][:1]
        if not first or not isinstance(first[0], dict):
            raise RegistryError("the registry has no root", code=Code.REGISTRY_MALFORMED)
        trusted_root = Root.from_json(first[0].get("signed"), "roots[0].signed")
    registry = Registry.load(document, trusted_root=trusted_root, now=now, allow_expired=True,
                             source=source)
    info = registry.info
    delegations = {d.jurisdiction: d for d in registry.snapshot.delegations}
    issuers = []
    for entry in sorted(registry.issuers, key=lambda e: (e.jurisdiction, e.did)):
        standing, reason = standing_at(entry, now)
        issuers.append({
            "did": entry.did, "name": entry.name, "uscc": entry.uscc,
            "category": entry.category.value, "jurisdiction": entry.jurisdiction,
            "regulator": registry.regulator(entry.jurisdiction),
            "standing_now": str(standing), "reason_now": reason,
            "status": [s.to_json() for s in entry.status],
            "scope": [s.to_json() for s in entry.scope],
            "keys": [k.to_json() for k in entry.keys],
        })
    return {
        "source": source,
        "trusted": anchor is not None,
        "trust_anchor": anchor.fingerprint if anchor is not None else None,
        "version": info.version,
        "issued": format_datetime(info.issued),
        "expires": format_datetime(info.expires),
        "expired": info.expired,
        "root": {"name": registry.root.name, "version": registry.root.version,
                 "threshold": registry.root.threshold, "keys": list(registry.root.keys),
                 "fingerprint": root_fingerprint(registry.root)},
        "root_v1_fingerprint": root_fingerprint(trusted_root) if trusted_root.version == 1
        else None,
        "delegations": [{"jurisdiction": j, "name": d.name, "threshold": d.threshold,
                         "keys": list(d.keys)} for j, d in sorted(delegations.items())],
        "issuers": issuers,
        "recognition": [r.to_json() for r in registry.recognition],
    }
