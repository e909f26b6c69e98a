"""Signed envelopes: ``{"signed": {...}, "signatures": [{"keyid", "sig"}, ...]}``.

What is signed is the RFC 8785 (JCS) serialisation of ``signed``, prefixed with a
domain-separation string naming the role::

    b"vcskill-registry/v1 " + role + b"\\n" + JCS(signed)

with ``role`` one of ``root``, ``snapshot`` and ``part``. A signature made for one role
therefore never verifies as another's, even over identical bytes. ``keyid`` is the signer's
``publicKeyMultibase`` and ``sig`` the raw signature (Ed25519, or ECDSA P-256 ``r ‖ s``) in
base64url without padding.

Counting towards a threshold follows TUF §4.2.1 ("a client MUST NOT count more than one
verified SIGNATURE from that KEYID towards the THRESHOLD", repeated at §5.3.4, §5.4.2,
§5.5.3), made stricter as design research security.md §6.D (D2) asks: what is counted is
distinct **public keys** by their bytes, not distinct ``keyid`` strings; a list that repeats
a ``keyid`` is malformed; a signature by a key the role does not name (an issuer's key, say)
counts for nothing; a signature that does not verify counts for nothing.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Final

import rfc8785

from did_registry.errors import RegistryError
from vcskill.errors import Code, Error
from vcskill.keys.keypair import PrivateKey, PublicKey
from vcskill.keys.multibase import b64url_decode, b64url_encode

__all__ = [
    "DOMAIN",
    "Envelope",
    "Role",
    "canonical_bytes",
    "check_threshold",
    "count_valid",
    "digest",
    "parse_signatures",
    "sign",
    "signing_input",
]

DOMAIN: Final = b"vcskill-registry/v1 "
MAX_SIGNATURES: Final = 64


class Role(StrEnum):
    """What a signature vouches for; part of the signed bytes (domain separation)."""

    ROOT = "root"
    SNAPSHOT = "snapshot"
    PART = "part"


def canonical_bytes(signed: Any) -> bytes:
    """RFC 8785 JCS bytes of a JSON value; REGISTRY_MALFORMED if it has none (e.g. 2**60)."""
    try:
        return rfc8785.dumps(signed)
    except (rfc8785.CanonicalizationError, TypeError, ValueError) as exc:
        raise RegistryError(f"registry value cannot be canonicalised (RFC 8785): {exc}"
                            ) from None


def digest(signed: Any) -> str:
    """Lower-case hex SHA-256 of the JCS bytes of ``signed``."""
    return hashlib.sha256(canonical_bytes(signed)).hexdigest()


def signing_input(signed: Any, role: Role | str) -> bytes:
    """The bytes a signature covers: domain string, role, newline, JCS(signed)."""
    return DOMAIN + Role(role).value.encode("ascii") + b"\n" + canonical_bytes(signed)


def sign(signed: Any, role: Role | str, keys: Iterable[PrivateKey]) -> list[dict[str, str]]:
    """One signature per key, in order, as ``{"keyid": <multibase>, "sig": <base64url>}``."""
    message = signing_input(signed, role)
    return [{"keyid": key.public_key.multibase(), "sig": b64url_encode(key.sign(message))}
            for key in keys]


@dataclass(frozen=True)
class Envelope:
    """A ``signed`` object and its signatures, as read from the document (not yet checked)."""

    signed: dict[str, Any]
    signatures: tuple[Mapping[str, Any], ...]

    @classmethod
    def from_json(cls, value: Any, where: str) -> Envelope:
        if not isinstance(value, dict):
            raise RegistryError(f"registry {where} must be an object with 'signed' and "
                                "'signatures'")
        unknown = sorted(set(value) - {"signed", "signatures"})
        if unknown:
            raise RegistryError(f"registry {where} has the unknown member {unknown[0]!r}; "
                                "an envelope holds only 'signed' and 'signatures'")
        signed, signatures = value.get("signed"), value.get("signatures")
        if not isinstance(signed, dict):
            raise RegistryError(f"registry {where}.signed must be an object")
        if not isinstance(signatures, list):
            raise RegistryError(f"registry {where}.signatures must be an array")
        return cls(signed, tuple(signatures))

    def to_json(self) -> dict[str, Any]:
        return {"signed": self.signed, "signatures": [dict(s) for s in self.signatures]}


def count_valid(signed: Any, role: Role | str, signatures: Sequence[Any],
                allowed_keys: Iterable[PublicKey | str]) -> int:
    """How many distinct allowed public keys made a valid signature over ``signed``.

    Raises :class:`RegistryError` ``REGISTRY_MALFORMED`` when a signature entry is not a
    ``{"keyid": str, "sig": str}`` object, when a ``keyid`` appears twice, or when there are
    more than :data:`MAX_SIGNATURES` signatures. Everything else that is wrong with a
    signature (unknown key, bad encoding, does not verify) only means it does not count.
    """
    entries = parse_signatures(signatures)
    allowed: dict[bytes, PublicKey] = {}
    for item in allowed_keys:
        public = PublicKey.from_multibase(item) if isinstance(item, str) else item
        allowed[public.raw] = public
    message = signing_input(signed, role)
    verified: set[bytes] = set()
    for keyid, sig in entries:
        try:
            claimed = PublicKey.from_multibase(keyid)
            raw_signature = b64url_decode(sig)
        except Error:
            continue
        key = allowed.get(claimed.raw)
        if key is None or key != claimed or key.raw in verified:
            continue
        if key.verify(raw_signature, message):
            verified.add(key.raw)
    return len(verified)


def parse_signatures(signatures: Sequence[Any]) -> list[tuple[str, str]]:
    """The ``(keyid, sig)`` pairs of a signature list, checked for shape only.

    Raises ``REGISTRY_MALFORMED`` for a non-list, too many entries, an entry that is not
    ``{"keyid": str, "sig": str}``, or a repeated ``keyid``.
    """
    if not isinstance(signatures, Sequence) or isinstance(signatures, str | bytes):
        raise RegistryError("registry signatures must be an array")
    if len(signatures) > MAX_SIGNATURES:
        raise RegistryError(f"registry envelope has {len(signatures)} signatures; at most "
                            f"{MAX_SIGNATURES} are allowed")
    keyids: set[str] = set()
    entries: list[tuple[str, str]] = []
    for index, entry in enumerate(signatures):
        if not isinstance(entry, Mapping) or set(entry) != {"keyid", "sig"} or not isinstance(
            entry["keyid"], str
        ) or not isinstance(entry["sig"], str):
            raise RegistryError(f"registry signature [{index}] must be an object with exactly "
                                "the string members 'keyid' and 'sig'")
        keyid = entry["keyid"]
        if keyid in keyids:
            raise RegistryError(
                f"registry signatures list the keyid {keyid[:60]} twice (TUF §4.2.1: a keyid "
                "is unique within an envelope)"
            )
        keyids.add(keyid)
        entries.append((keyid, entry["sig"]))
    return entries


def check_threshold(signed: Any, role: Role | str, signatures: Sequence[Any],
                    allowed_keys: Sequence[PublicKey | str], threshold: int, *, what: str,
                    code: Code = Code.REGISTRY_SIGNATURE_THRESHOLD) -> None:
    """Raise ``code`` unless at least ``threshold`` distinct allowed keys signed."""
    count = count_valid(signed, role, signatures, allowed_keys)
    if count < threshold:
        raise RegistryError(
            f"{what} carries valid signatures by {count} of its {len(allowed_keys)} key(s), "
            f"but {threshold} are required; it is not trusted", code=code,
        )
