"""Where a verifier's trusted registry comes from: a registry file checked from a pinned root
(ADR 0005), or a sync cache checked again offline. ``verify``, ``verify --batch`` and
``serve`` all load it here, so they judge the same files the same way."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from did_registry.cache import STATUS_DIRECTORY, Cache
from did_registry.pinning import parse_trust_anchor
from did_registry.registry import DEFAULT_REGISTRY_LIMITS, Registry
from vcskill.common.files import read_up_to
from vcskill.errors import InputError, InternalError

__all__ = ["load_cache", "load_registry_file", "read_registry_file", "status_directory"]


def read_registry_file(path: Path) -> bytes:
    """The bytes of a registry file, read no further than one past the size limit (so that
    :meth:`Registry.load` refuses an oversized file without it being read whole)."""
    if not path.is_file():
        raise InputError(f"{path} is not a readable file")
    return read_up_to(path, DEFAULT_REGISTRY_LIMITS.max_bytes)


def load_registry_file(path: Path, trust_root: str, *, now: datetime) -> Registry:
    """A registry file, verified from the root ``trust_root`` names (a file or a
    fingerprint); an expired one loads, and the verifier judges its expiry at its ``now``."""
    document = read_registry_file(path)
    anchor = parse_trust_anchor(trust_root)
    return Registry.load(document, trusted_root=anchor.root_for(document), now=now,
                         allow_expired=True, source=str(path))


def load_cache(directory: Path, *, now: datetime, trust_root: str | None = None
               ) -> tuple[Registry, Cache]:
    """The registry a sync cached, verified again from the cache's pinned root and saved
    state. A ``trust_root`` given as well (say, from VCSKILL_TRUST_ROOT) must be in the
    cached registry's chain: the cache's own pin decides."""
    store = Cache(directory)
    registry = store.load_registry(now=now, allow_expired=True)
    if trust_root is not None:
        cached = store.registry_bytes()
        if cached is None:  # load_registry has just read it
            raise InternalError(f"the registry in cache {directory} vanished while loading")
        parse_trust_anchor(trust_root).root_for(cached)
    return registry, store


def status_directory(status_dir: Path | None, cache: Path | None) -> Path | None:
    """The status lists to use: ``status_dir``, else the ones a sync mirrored into ``cache``."""
    if status_dir is not None:
        return status_dir
    return cache / STATUS_DIRECTORY if cache is not None else None
