"""Where a verifier gets a verification method's public key, offline.

A did:key carries its own public key, so it resolves with no network and no registry. Any
other DID (did:web) resolves only through a trust registry snapshot (issue #4) or a DID
document the caller passes in: the verify path never fetches.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from vcskill.errors import Code, Error
from vcskill.keys.did import public_key_from_did_key, split_verification_method
from vcskill.keys.keypair import PublicKey


@dataclass(frozen=True, slots=True)
class ResolvedKey:
    verification_method: str
    controller: str
    public_key: PublicKey
    source: str  # "did:key", "did-document" or "registry"


class KeyResolver(Protocol):
    def resolve(self, verification_method: str) -> ResolvedKey:
        """Return the key, or raise :class:`vcskill.errors.Error`: KEY_SOURCE_MISSING when no
        trusted source for it was given (undecided), UNKNOWN_KEY or INVALID_* when the
        source refutes it."""
        ...


class OfflineResolver:
    """did:key always; did:web only from DID documents handed to the constructor."""

    def __init__(self, did_documents: Mapping[str, Mapping[str, Any]] | None = None) -> None:
        self._documents = dict(did_documents or {})

    def resolve(self, verification_method: str) -> ResolvedKey:
        if not isinstance(verification_method, str) or not verification_method:
            raise Error(
                "proof.verificationMethod must be a DID URL",
                code=Code.INVALID_VERIFICATION_METHOD_URL,
            )
        if verification_method.startswith("did:key:"):
            key = public_key_from_did_key(verification_method)
            return ResolvedKey(verification_method, key.did_key(), key, "did:key")
        controller, _fragment = split_verification_method(verification_method)
        document = self._documents.get(controller)
        if document is None:
            raise Error(
                f"no trusted key source for {verification_method}: keys of {controller} come "
                "only from a trusted issuer registry and are never fetched while verifying",
                code=Code.KEY_SOURCE_MISSING,
            )
        return resolve_from_did_document(verification_method, controller, document)


def resolve_from_did_document(
    verification_method: str, controller: str, document: Mapping[str, Any]
) -> ResolvedKey:
    """CID 1.0 §3.3 "Retrieve Verification Method": the document's id is the controller,
    the method's id and controller match exactly, and it is listed for assertionMethod."""
    if document.get("id") != controller:
        raise Error(
            f"DID document id {document.get('id')!r} is not {controller}",
            code=Code.INVALID_CONTROLLED_IDENTIFIER_DOCUMENT,
        )
    methods = document.get("verificationMethod") or []
    found = next(
        (m for m in methods if isinstance(m, Mapping) and m.get("id") == verification_method),
        None,
    )
    if found is None or found.get("controller") != controller:
        raise Error(
            f"{verification_method} is not a verification method of {controller}",
            code=Code.INVALID_VERIFICATION_METHOD,
        )
    listed = document.get("assertionMethod") or []
    if not any(
        entry == verification_method
        or (isinstance(entry, Mapping) and entry.get("id") == verification_method)
        for entry in listed
    ):
        raise Error(
            f"{verification_method} is not listed for assertionMethod",
            code=Code.INVALID_VERIFICATION_METHOD,
        )
    multibase = found.get("publicKeyMultibase")
    if isinstance(multibase, str):
        key = PublicKey.from_multibase(multibase)
    elif isinstance(found.get("publicKeyJwk"), Mapping):
        key = PublicKey.from_jwk(found["publicKeyJwk"])
    else:
        raise Error(
            f"{verification_method} has neither publicKeyMultibase nor publicKeyJwk",
            code=Code.INVALID_VERIFICATION_METHOD,
        )
    return ResolvedKey(verification_method, controller, key, "did-document")
