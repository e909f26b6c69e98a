"""Build and sign registry documents (the regulator's side; tests and, later, the CLI).

The steps a regulator takes, each a function:

1. :func:`make_root` and :func:`sign_root` — the first root, self-signed; it ships with the
   verifier as the trusted root.
2. :func:`rotate_root` — root N+1 signed by the threshold of root N and of root N+1 (TUF §6.1).
3. :func:`make_delegation` — hand a jurisdiction to a regional regulator's keys.
4. :class:`~did_registry.model.Part` values with the issuers of each jurisdiction, signed by
   :func:`sign_part` with the root keys (``CN``) or the delegate's keys.
5. :func:`publish` — the snapshot over all parts, signed by the root keys, and the whole
   document as bytes (:func:`assemble` returns it as a ``dict`` first, for tools and tests
   that need to look inside).

Nothing here checks trust: load the result with :meth:`did_registry.Registry.load` to verify.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from did_registry.errors import RegistryError
from did_registry.model import (
    NATIONAL,
    Delegation,
    IssuerEntry,
    IssuerKey,
    Part,
    RecognitionRule,
    Root,
    Snapshot,
)
from did_registry.registry import DOCUMENT_FORMAT, DOCUMENT_TYPE
from did_registry.signing import Envelope, Role, digest, sign
from vcskill.errors import Code
from vcskill.keys.keypair import PrivateKey, PublicKey

__all__ = [
    "Draft",
    "assemble",
    "encode",
    "issuer_key",
    "make_delegation",
    "make_root",
    "publish",
    "rotate_root",
    "sign_part",
    "sign_root",
]

Envelopes = Sequence[Mapping[str, Any]]


def _multibase(keys: Sequence[PrivateKey | PublicKey]) -> tuple[str, ...]:
    return tuple((k.public_key if isinstance(k, PrivateKey) else k).multibase() for k in keys)


def make_root(name: str, keys: Sequence[PrivateKey | PublicKey], threshold: int, *,
              version: int = 1, extra: Mapping[str, Any] | None = None) -> Root:
    """A root of ``keys`` (their public halves) with an M-of-N ``threshold``."""
    return Root(version=version, name=name, keys=_multibase(keys), threshold=threshold,
                extra=dict(extra or {}))


def make_delegation(jurisdiction: str, name: str, keys: Sequence[PrivateKey | PublicKey],
                    threshold: int) -> Delegation:
    return Delegation(jurisdiction=jurisdiction, name=name, keys=_multibase(keys),
                      threshold=threshold)


def issuer_key(key: PrivateKey | PublicKey, valid_from: datetime,
               valid_until: datetime | None = None) -> IssuerKey:
    public = key.public_key if isinstance(key, PrivateKey) else key
    return IssuerKey(public.multibase(), valid_from, valid_until)


def sign_root(root: Root, keys: Sequence[PrivateKey]) -> dict[str, Any]:
    """The root's envelope, signed by ``keys`` (for v1: its own keys)."""
    signed = root.to_json()
    return {"signed": signed, "signatures": sign(signed, Role.ROOT, keys)}


def rotate_root(old_root_doc: Mapping[str, Any], new_root: Root,
                old_keys: Sequence[PrivateKey], new_keys: Sequence[PrivateKey]
                ) -> dict[str, Any]:
    """Root N+1's envelope, signed by ``old_keys`` (of root N) and ``new_keys`` (of N+1).

    A key in both sets signs once. Raises ``REGISTRY_ROOT_ROTATION`` if ``new_root`` is not
    version N+1; the thresholds themselves are checked when the document is loaded.
    """
    old = Root.from_json(Envelope.from_json(dict(old_root_doc), "old root").signed)
    if new_root.version != old.version + 1:
        raise RegistryError(f"root v{old.version} can only be followed by v{old.version + 1}, "
                            f"not v{new_root.version}", code=Code.REGISTRY_ROOT_ROTATION)
    signers: dict[bytes, PrivateKey] = {}
    for key in (*old_keys, *new_keys):
        signers.setdefault(key.public_key.raw, key)
    return sign_root(new_root, list(signers.values()))


def sign_part(part: Part, keys: Sequence[PrivateKey]) -> dict[str, Any]:
    signed = part.to_json()
    return {"signed": signed, "signatures": sign(signed, Role.PART, keys)}


def assemble(*, roots: Envelopes, root_keys: Sequence[PrivateKey], version: int,
             issued: datetime, expires: datetime, delegations: Sequence[Delegation] = (),
             parts: Sequence[Part] = (),
             delegate_keys: Mapping[str, Sequence[PrivateKey]] | None = None,
             snapshot_extra: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """The registry document as a JSON object.

    ``roots`` are the root envelopes, oldest first; ``root_keys`` sign the snapshot and the
    ``CN`` part, ``delegate_keys[J]`` the part of jurisdiction ``J``.
    """
    if not roots:
        raise RegistryError("a registry document needs at least one root")
    final_root = Root.from_json(roots[-1]["signed"])
    delegate_keys = delegate_keys or {}
    part_docs: list[dict[str, Any]] = []
    for part in parts:
        if part.jurisdiction == NATIONAL:
            signers = root_keys
        elif part.jurisdiction in delegate_keys:
            signers = delegate_keys[part.jurisdiction]
        else:
            raise RegistryError(f"no signing keys given for the part {part.jurisdiction}")
        part_docs.append(sign_part(part, signers))
    snapshot = Snapshot(
        version=version, issued=issued, expires=expires, root_version=final_root.version,
        delegations=tuple(delegations),
        parts={doc["signed"]["jurisdiction"]: digest(doc["signed"]) for doc in part_docs},
        extra=dict(snapshot_extra or {}),
    )
    signed = snapshot.to_json()
    return {
        "type": DOCUMENT_TYPE,
        "format": DOCUMENT_FORMAT,
        "roots": [dict(r) for r in roots],
        "snapshot": {"signed": signed, "signatures": sign(signed, Role.SNAPSHOT, root_keys)},
        "parts": part_docs,
    }


def encode(document: Mapping[str, Any]) -> bytes:
    """The document as UTF-8 JSON text (readable; signatures do not depend on the layout)."""
    return (json.dumps(document, ensure_ascii=False, indent=1) + "\n").encode("utf-8")


def publish(*, roots: Envelopes, root_keys: Sequence[PrivateKey], version: int,
            issued: datetime, expires: datetime, delegations: Sequence[Delegation] = (),
            parts: Sequence[Part] = (),
            delegate_keys: Mapping[str, Sequence[PrivateKey]] | None = None) -> bytes:
    """Sign and serialise a registry document (see :func:`assemble`)."""
    return encode(assemble(roots=roots, root_keys=root_keys, version=version, issued=issued,
                           expires=expires, delegations=delegations, parts=parts,
                           delegate_keys=delegate_keys))


@dataclass
class Draft:
    """The content of the next publication, gathered step by step (the CLI's working copy).

    ``roots`` are the root envelopes so far (oldest first); issuers and recognition rules
    go into the part of their jurisdiction. :meth:`publish` signs it all.
    """

    roots: list[dict[str, Any]]
    delegations: dict[str, Delegation] = field(default_factory=dict)
    issuers: dict[str, list[IssuerEntry]] = field(default_factory=dict)
    recognition: dict[str, list[RecognitionRule]] = field(default_factory=dict)

    def add_delegation(self, delegation: Delegation) -> None:
        """Add or replace the delegation of ``delegation.jurisdiction``."""
        self.delegations[delegation.jurisdiction] = delegation

    def add_issuer(self, entry: IssuerEntry) -> None:
        """Add or replace an issuer (by DID) in the part of its jurisdiction."""
        if entry.jurisdiction != NATIONAL and entry.jurisdiction not in self.delegations:
            raise RegistryError(f"jurisdiction {entry.jurisdiction} is not delegated; add its "
                                "delegation first", code=Code.REGISTRY_DELEGATION_VIOLATION)
        for entries in self.issuers.values():
            entries[:] = [e for e in entries if e.did != entry.did]
        self.issuers.setdefault(entry.jurisdiction, []).append(entry)

    def add_recognition(self, rule: RecognitionRule, jurisdiction: str = NATIONAL) -> None:
        self.recognition.setdefault(jurisdiction, []).append(rule)

    def parts(self) -> list[Part]:
        names = sorted(set(self.issuers) | set(self.recognition))
        return [Part(j, tuple(self.issuers.get(j, ())), tuple(self.recognition.get(j, ())))
                for j in names]

    def publish(self, *, root_keys: Sequence[PrivateKey], version: int, issued: datetime,
                expires: datetime,
                delegate_keys: Mapping[str, Sequence[PrivateKey]] | None = None) -> bytes:
        return publish(roots=self.roots, root_keys=root_keys, version=version, issued=issued,
                       expires=expires, delegations=list(self.delegations.values()),
                       parts=self.parts(), delegate_keys=delegate_keys)
