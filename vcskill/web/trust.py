"""The verifier the page uses, built from the trust sources and built again when their files
change (a new sync, a new status list), so a running server never judges with stale data
without saying so."""

from __future__ import annotations

import os
import threading
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from vcskill.errors import Code, Error, InternalError
from vcskill.linkeddata.contexts import ContextStore
from vcskill.status.statuslist import DirectoryStatusSource, StatusListSource
from vcskill.verifying.verifier import Verifier
from vcskill.web.config import TrustConfig


@dataclass(frozen=True, slots=True)
class Problem:
    """Why no registry is in use (the verdict can then never be green)."""

    code: str
    message: str


@dataclass(frozen=True, slots=True)
class TrustState:
    verifier: Verifier
    problem: Problem | None = None
    synced_at: datetime | None = None  # when the cache's registry was fetched
    registry_version: int | None = None
    registry_expires: datetime | None = None


def _stat(path: Path) -> tuple[int, int, int] | None:
    try:
        info = path.stat()
    except OSError:
        return None
    return (info.st_mtime_ns, info.st_size, info.st_ino)


def _dir_stamp(directory: Path | None) -> tuple[Any, ...]:
    if directory is None:
        return ()
    try:
        names = sorted(entry.name for entry in os.scandir(directory))
    except OSError:
        return ("absent",)
    return tuple((name, _stat(directory / name)) for name in names[:2000])


class TrustSource:
    """Builds the :class:`Verifier` from a :class:`TrustConfig`, and builds it again when
    the cache, the registry file or the status directory changes (a sync while serving)."""

    def __init__(self, config: TrustConfig, *, contexts: ContextStore | None = None) -> None:
        config.validate()
        self.config = config
        self._contexts = contexts or ContextStore.bundled()
        self._lock = threading.Lock()
        self._stamp: tuple[Any, ...] | None = None
        self._state: TrustState | None = None

    @property
    def contexts(self) -> ContextStore:
        """The context store every verifier and signature of this server uses."""
        return self._contexts

    def _status_dir(self) -> Path | None:
        from did_registry.sources import status_directory

        return status_directory(self.config.status_dir, self.config.cache)

    def _stamp_now(self) -> tuple[Any, ...]:
        config = self.config
        files: list[Path] = []
        if config.cache is not None:
            files = [config.cache / name for name in
                     ("registry.json", "state.json", "trusted-root.json", "did/index.json")]
        elif config.registry is not None:
            files = [config.registry]
        return (tuple(_stat(f) for f in files), _dir_stamp(self._status_dir()))

    def current(self, now: datetime) -> TrustState:
        stamp = self._stamp_now()
        with self._lock:
            if self._state is None or stamp != self._stamp:
                self._state = self._load(now)
                self._stamp = stamp
            return self._state

    def _status_lists(self) -> StatusListSource | None:
        directory = self._status_dir()
        if directory is not None and directory.is_dir():
            return DirectoryStatusSource(directory)
        return None

    def _verifier(self, **trust: Any) -> Verifier:
        return Verifier(contexts=self._contexts, status_lists=self._status_lists(),
                        allow_expired_registry=self.config.allow_expired_registry, **trust)

    def _load(self, now: datetime) -> TrustState:
        config = self.config
        if config.cache is None and config.registry is None:
            return TrustState(self._verifier(), Problem(
                str(Code.REGISTRY_MISSING),
                "no trusted issuer registry is configured: start the server with --cache "
                "DIR after `vcskill sync`"))
        try:
            if config.cache is not None:
                return self._load_cache(config.cache, now)
            if config.registry is None:
                raise InternalError("the server has neither a cache nor a registry file")
            return self._load_file(config.registry, now)
        except Error as exc:
            return TrustState(self._verifier(), Problem(str(exc.code), str(exc)))
        except OSError as exc:
            return TrustState(self._verifier(), Problem(
                str(Code.IO_ERROR), f"the registry cannot be read: {exc.strerror or exc}"))

    def _load_cache(self, directory: Path, now: datetime) -> TrustState:
        from did_registry.sources import load_cache
        from vcskill.keys.resolver import OfflineResolver

        registry, store = load_cache(directory, now=now, trust_root=self.config.trust_root)
        fetched = store.fetch_info()
        verifier = self._verifier(registry=registry,
                                  resolver=OfflineResolver(store.did_documents()))
        return TrustState(verifier, None, fetched.fetched_at if fetched else None,
                          registry.info.version, registry.info.expires)

    def _load_file(self, path: Path, now: datetime) -> TrustState:
        from did_registry.sources import load_registry_file

        if self.config.trust_root is None:  # ServerConfig.validate() requires one
            raise InternalError("a registry file is configured without a trust root")
        registry = load_registry_file(path, self.config.trust_root, now=now)
        return TrustState(self._verifier(registry=registry), None, None,
                          registry.info.version, registry.info.expires)
