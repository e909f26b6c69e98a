"""The trusted issuer registry: regulators publish who may certify what (issue #4).

A registry is one signed JSON document (``docs/registry-format.md``): a chain of national
roots (keys and an M-of-N threshold), a snapshot signed by the root that lists the
delegations to regional regulators and the hash of every part, and one part per
jurisdiction listing its issuers, signed by that jurisdiction's regulator. It is checked the
way TUF checks metadata (design research security.md §1): threshold signatures, rollback,
equivocation, freeze, mix-and-match and root rotation.

* :mod:`did_registry.model` — the typed values and their JSON form;
* :mod:`did_registry.signing` — signatures with domain separation, threshold counting;
* :mod:`did_registry.registry` — :class:`Registry`: load and verify, then answer the
  verifier's questions (:class:`vcskill.trust.TrustRegistry`);
* :mod:`did_registry.build` — the regulator's side: make roots, rotate them, sign, publish.

``did_registry`` builds on ``vcskill``; ``vcskill`` never imports it.
"""

from __future__ import annotations

from did_registry.build import (
    Draft,
    assemble,
    encode,
    issuer_key,
    make_delegation,
    make_root,
    publish,
    rotate_root,
    sign_part,
    sign_root,
)
from did_registry.errors import RegistryError
from did_registry.model import (
    NATIONAL,
    Delegation,
    IssuerCategory,
    IssuerEntry,
    IssuerKey,
    IssuerStatus,
    Part,
    RecognitionRule,
    Root,
    ScopeEntry,
    Snapshot,
    StatusEntry,
)
from did_registry.registry import Registry, RegistryLimits, SnapshotState, standing_at
from did_registry.signing import Role, count_valid, sign

__all__ = [
    "NATIONAL",
    "Delegation",
    "Draft",
    "IssuerCategory",
    "IssuerEntry",
    "IssuerKey",
    "IssuerStatus",
    "Part",
    "RecognitionRule",
    "Registry",
    "RegistryError",
    "RegistryLimits",
    "Role",
    "Root",
    "ScopeEntry",
    "Snapshot",
    "SnapshotState",
    "StatusEntry",
    "assemble",
    "count_valid",
    "encode",
    "issuer_key",
    "make_delegation",
    "make_root",
    "publish",
    "rotate_root",
    "sign",
    "sign_part",
    "sign_root",
    "standing_at",
]
