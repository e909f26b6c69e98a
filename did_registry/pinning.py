"""Which root a verifier trusts: a root file or a fingerprint, never the document's own say.

A registry document carries its roots, but a root proves nothing about itself: anyone can
write a document whose root signs their own forged issuer list. The verifier must already
hold the regulator's root (TUF §5.2: "the client MUST have a trusted root shipped out of
band"), as a file or as the SHA-256 fingerprint of its signed JSON, published by the
regulator somewhere the verifier trusts (a government notice, the toolkit's release notes).
docs/adr/0005-trusted-root.md records the choice.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, Final

from did_registry.errors import RegistryError
from did_registry.model import Root
from did_registry.registry import parse_document
from did_registry.signing import Envelope, digest
from vcskill.common.files import read_up_to
from vcskill.errors import Code, UsageError
from vcskill.linkeddata.jsonparse import parse_json

__all__ = ["FINGERPRINT_PREFIX", "TrustAnchor", "parse_trust_anchor", "root_fingerprint"]

FINGERPRINT_PREFIX: Final = "sha256:"
_FINGERPRINT = re.compile(r"(?:sha256:)?([0-9a-f]{64})")
_MAX_ROOT_FILE: Final = 64 * 1024


def root_fingerprint(root: Root | Mapping[str, Any]) -> str:
    """``sha256:<hex>`` of the root's JCS bytes (the ``signed`` member of its envelope)."""
    signed = root.to_json() if isinstance(root, Root) else root
    return FINGERPRINT_PREFIX + digest(signed)


class TrustAnchor:
    """A trusted root, given whole or as a fingerprint to find among a document's roots."""

    def __init__(self, *, root: Root | None = None, fingerprint: str | None = None) -> None:
        if (root is None) == (fingerprint is None):
            raise UsageError("a trust anchor is a root or a fingerprint, not both")
        self._root = root
        self.fingerprint = root_fingerprint(root) if root is not None else str(fingerprint)

    @property
    def root(self) -> Root | None:
        """The root itself, or None when only its fingerprint is known."""
        return self._root

    def root_in(self, roots: Sequence[Any]) -> Root:
        """The trusted root, found in a document's ``roots`` envelopes (by fingerprint).
        ``REGISTRY_ROOT_ROTATION`` if no root there has it: the document does not descend
        from the trusted root."""
        for envelope in roots:
            signed = envelope.get("signed") if isinstance(envelope, Mapping) else None
            if isinstance(signed, Mapping) and root_fingerprint(signed) == self.fingerprint:
                return Root.from_json(signed)
        raise RegistryError(
            f"no root in the registry has the trusted fingerprint {self.fingerprint}: this "
            "registry does not descend from the root you trust", code=Code.REGISTRY_ROOT_ROTATION,
        )

    def root_for(self, document: bytes) -> Root:
        """The trusted root for one registry document (see :meth:`root_in`)."""
        return self.root_in(parse_document(document)["roots"])


def parse_trust_anchor(spec: str) -> TrustAnchor:
    """``--trust-root``: a root file (an envelope from ``registry init``, or a bare root) or
    a fingerprint, ``sha256:<64 hex>``."""
    text = spec.strip().lower()
    match = _FINGERPRINT.fullmatch(text)
    if match and not Path(spec).exists():
        return TrustAnchor(fingerprint=FINGERPRINT_PREFIX + match.group(1))
    path = Path(spec)
    if not path.is_file():
        raise UsageError(f"--trust-root {spec!r} is neither a root file nor a fingerprint "
                         "(sha256: followed by 64 hex digits)")
    data = read_up_to(path, _MAX_ROOT_FILE)
    if len(data) > _MAX_ROOT_FILE:
        raise UsageError(f"--trust-root {spec}: larger than a root file can be")
    value = parse_json(data, what=str(path))
    if isinstance(value, dict) and "signed" in value:
        value = Envelope.from_json(value, str(path)).signed
    return TrustAnchor(root=Root.from_json(value, str(path)))
