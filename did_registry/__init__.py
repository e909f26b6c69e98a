"""The trusted issuer registry: regulators publish who may certify what (issue #4).

A registry is one signed JSON document (``docs/registry-format.md``): a chain of national
roots (keys and an M-of-N threshold), a snapshot signed by the root that lists the
delegations to regional regulators and the hash of every part, and one part per
jurisdiction listing its issuers, signed by that jurisdiction's regulator. It is checked the
way TUF checks metadata (design research security.md §1): threshold signatures, rollback,
equivocation, freeze, mix-and-match and root rotation.

What an integrator needs is here: load a registry file from a pinned root
(:func:`load_registry_file`, :func:`parse_trust_anchor`) or a sync cache (:func:`load_cache`,
:class:`Cache`), and read what it says (:class:`Registry`, :class:`IssuerEntry`). For the
common case, ``vcskill.Verifier.from_cache(directory)`` needs no import from here at all.
The regulator's side (building and signing snapshots) is the ``vcskill registry`` command,
over :mod:`did_registry.admin` and :mod:`did_registry.build`.

* :mod:`did_registry.model` — the typed values and their JSON form;
* :mod:`did_registry.signing` — signatures with domain separation, threshold counting;
* :mod:`did_registry.registry` — :class:`Registry`: load and verify, then answer the
  verifier's questions (:class:`vcskill.verifying.trust.TrustRegistry`);
* :mod:`did_registry.pinning` — the verifier's trusted root, a file or a fingerprint;
* :mod:`did_registry.sources`, :mod:`did_registry.cache`, :mod:`did_registry.sync` — where a
  verifier's registry comes from, and the offline copy ``vcskill sync`` keeps;
* :mod:`did_registry.build`, :mod:`did_registry.admin`, :mod:`did_registry.workdir` — the
  regulator's side: make roots, rotate them, sign, publish.

``did_registry`` builds on ``vcskill``'s library layers (docs/architecture.md, "Layout").
"""

from __future__ import annotations

from did_registry.cache import Cache
from did_registry.errors import RegistryError
from did_registry.model import NATIONAL, IssuerCategory, IssuerEntry, IssuerStatus
from did_registry.pinning import TrustAnchor, parse_trust_anchor
from did_registry.registry import Registry, RegistryLimits, SnapshotState
from did_registry.sources import load_cache, load_registry_file

__all__ = [
    "NATIONAL",
    "Cache",
    "IssuerCategory",
    "IssuerEntry",
    "IssuerStatus",
    "Registry",
    "RegistryError",
    "RegistryLimits",
    "SnapshotState",
    "TrustAnchor",
    "load_cache",
    "load_registry_file",
    "parse_trust_anchor",
]
