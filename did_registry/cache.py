"""The verifier's offline copy of the registry, filled by :func:`did_registry.sync.sync`.

Layout of the cache directory::

    trusted-root.json     the pinned root (its ``signed`` JSON): the caller's trusted root at the
                          first sync, then the newest root a verified document reached
                          (TUF §5.3.4–§5.3.5: the trusted root moves forward, never back)
    registry.json         the last verified registry document, byte for byte
    state.json            {"format", "snapshot": SnapshotState, "registry_sha256", "url",
                          "etag", "fetched_at"}: rollback and equivocation state (TUF §5.4.3.1)
                          and what the conditional request of the next sync needs
    did/<sha256(DID)>.json  did:web DID documents fetched at the last sync (unsigned, informative)
    did/index.json        {"format", "fetched_at", "documents": {DID: {"url", "file"}}}
    status/<sha256(URL)>.json  the issuers' status list credentials, verified at sync time
    .lock                 held by a sync, so two syncs never interleave their writes

Every file is written atomically (:func:`vcskill.common.files.write_bytes_atomic`). The three
registry files cannot be replaced at once; :meth:`Cache.save_registry` orders the writes so
that a process killed at any moment leaves a cache that loads either the old registry or the
new one, and :meth:`Cache.load_registry` reads them in the reverse order, so a verifier reading
while a sync writes also sees one of those states.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import datetime
from pathlib import Path
from typing import Any, Final

from did_registry.errors import RegistryError
from did_registry.model import Root, format_datetime
from did_registry.registry import DEFAULT_REGISTRY_LIMITS, Registry, RegistryLimits, SnapshotState
from vcskill.common.files import exclusive_lock, read_up_to, write_bytes_atomic
from vcskill.errors import Code, Error
from vcskill.limits import DEFAULT_LIMITS
from vcskill.linkeddata.jsonparse import parse_json
from vcskill.model.datamodel import parse_datetime_stamp

__all__ = ["Cache", "CachedDidDocument", "FetchInfo"]

TRUSTED_ROOT: Final = "trusted-root.json"
REGISTRY: Final = "registry.json"
STATE: Final = "state.json"
DID_DIRECTORY: Final = "did"
DID_INDEX: Final = "index.json"
STATUS_DIRECTORY: Final = "status"
MAX_STATUS_LIST: Final = 1024 * 1024
STATE_FORMAT: Final = 1
MAX_SMALL_FILE: Final = 64 * 1024  # trusted-root.json, state.json, one DID document
MAX_DID_INDEX: Final = 16 * 1024 * 1024

_DID_FILE = re.compile(r"[0-9a-f]{64}\.json")


@dataclass(frozen=True, slots=True)
class FetchInfo:
    """Where and when the cached registry was fetched, and its HTTP ETag (for If-None-Match)."""

    url: str
    etag: str | None
    fetched_at: datetime
    registry_sha256: str


@dataclass(frozen=True, slots=True)
class CachedDidDocument:
    """A did:web DID document as fetched (``data`` are the response bytes)."""

    did: str
    url: str
    data: bytes


def did_file_name(did: str) -> str:
    """``<sha256 of the DID>.json``: a file name that any DID maps to safely."""
    return hashlib.sha256(did.encode("utf-8")).hexdigest() + ".json"


def _json_bytes(value: Any) -> bytes:
    return (json.dumps(value, ensure_ascii=False, indent=2) + "\n").encode("utf-8")


class Cache:
    """A cache directory (see the module docstring); nothing is read until asked."""

    def __init__(self, directory: Path) -> None:
        self._directory = Path(directory)

    @property
    def directory(self) -> Path:
        return self._directory

    def _path(self, name: str) -> Path:
        return self._directory / name

    def _corrupt(self, message: str) -> RegistryError:
        return RegistryError(
            f"the registry cache {self._directory} is damaged: {message}; if you trust the "
            f"registry's source, delete {self._directory} and run `vcskill sync URL --cache "
            f"{self._directory} --trust-root ROOT` again", code=Code.REGISTRY_CACHE_CORRUPT,
        )

    def _read(self, name: str, limit: int) -> bytes | None:
        """The file's bytes (at most ``limit + 1`` are read), or None if it does not exist."""
        try:
            return read_up_to(self._path(name), limit)
        except FileNotFoundError:
            return None
        except OSError as exc:
            raise self._corrupt(f"{name} cannot be read ({exc.strerror})") from None

    def _parse(self, name: str, data: bytes) -> Any:
        limits = replace(DEFAULT_LIMITS, max_credential_bytes=max(len(data), 1))
        try:
            return parse_json(data, what=name, limits=limits)
        except Error as exc:
            raise self._corrupt(str(exc)) from None

    # -- reading -------------------------------------------------------------------------

    def has_registry(self) -> bool:
        return self._path(REGISTRY).is_file()

    def trusted_root(self) -> Root | None:
        """The pinned root, or None before the first sync."""
        data = self._read(TRUSTED_ROOT, MAX_SMALL_FILE)
        if data is None:
            return None
        if len(data) > MAX_SMALL_FILE:
            raise self._corrupt(f"{TRUSTED_ROOT} is larger than {MAX_SMALL_FILE:,} bytes")
        value = self._parse(TRUSTED_ROOT, data)
        try:
            return Root.from_json(value, TRUSTED_ROOT)
        except RegistryError as exc:
            raise self._corrupt(str(exc)) from None

    def _read_state(self) -> tuple[SnapshotState, FetchInfo | None] | None:
        # A missing or damaged state.json next to a registry.json must not quietly turn off
        # rollback protection (TUF §5.4.3.1): refuse. With no registry.json there is nothing
        # to protect yet, and a damaged state is ignored.
        data = self._read(STATE, MAX_SMALL_FILE)
        if data is None:
            if self.has_registry():
                raise self._corrupt(f"{STATE} is missing, so rollback protection cannot be "
                                    "checked")
            return None
        try:
            if len(data) > MAX_SMALL_FILE:
                raise self._corrupt(f"{STATE} is larger than {MAX_SMALL_FILE:,} bytes")
            value = self._parse(STATE, data)
            if not isinstance(value, dict) or value.get("format") != STATE_FORMAT:
                raise self._corrupt(f"{STATE} is not a format {STATE_FORMAT} state file")
            try:
                snapshot = SnapshotState.from_json(value.get("snapshot"))
            except RegistryError as exc:
                raise self._corrupt(f"{STATE}: {exc}") from None
        except RegistryError:
            if self.has_registry():
                raise
            return None
        return snapshot, _fetch_info(value)

    def state(self) -> SnapshotState | None:
        """The saved rollback state, or None when nothing was trusted yet.

        Raises ``REGISTRY_CACHE_CORRUPT`` when state.json is missing or damaged while a
        registry.json is cached.
        """
        saved = self._read_state()
        return saved[0] if saved is not None else None

    def fetch_info(self) -> FetchInfo | None:
        """URL, ETag and time of the last successful fetch, if recorded."""
        saved = self._read_state()
        return saved[1] if saved is not None else None

    def registry_bytes(self, limits: RegistryLimits = DEFAULT_REGISTRY_LIMITS) -> bytes | None:
        """The cached document as stored (unverified), or None."""
        return self._read(REGISTRY, limits.max_bytes)

    def load_registry(self, *, now: datetime, allow_expired: bool = False,
                      limits: RegistryLimits = DEFAULT_REGISTRY_LIMITS) -> Registry:
        """Verify the cached document again, offline, with the pinned root and saved state.

        Raises ``REGISTRY_MISSING`` when nothing was synced yet, ``REGISTRY_CACHE_CORRUPT``
        when the cache is damaged, and whatever :meth:`Registry.load` raises (for example
        ``REGISTRY_EXPIRED`` once the snapshot is past its ``expires``).
        """
        # Read in the reverse order of save_registry's writes (root, state, document): a
        # reader racing a sync then sees a combination that a crash could leave, all of
        # which load.
        root = self.trusted_root()
        state = self.state()
        data = self.registry_bytes(limits)
        if data is None:
            raise RegistryError(
                f"the cache {self._directory} has no registry yet; run `vcskill sync URL "
                f"--cache {self._directory}` first", code=Code.REGISTRY_MISSING,
            )
        if root is None:
            root = self.trusted_root()  # a first sync may have just finished
        if root is None:
            raise self._corrupt(f"{REGISTRY} is there but {TRUSTED_ROOT} is not")
        return Registry.load(data, trusted_root=root, now=now, previous=state,
                             allow_expired=allow_expired, limits=limits,
                             source=str(self._path(REGISTRY)))

    def did_documents(self) -> dict[str, dict[str, Any]]:
        """The did:web DID documents fetched at the last sync, by DID (for
        :class:`vcskill.keys.resolver.OfflineResolver`). Each is checked to be a JSON object whose
        ``id`` is its DID; ``REGISTRY_CACHE_CORRUPT`` otherwise."""
        index_name = f"{DID_DIRECTORY}/{DID_INDEX}"
        data = self._read(index_name, MAX_DID_INDEX)
        if data is None:
            return {}
        if len(data) > MAX_DID_INDEX:
            raise self._corrupt(f"{index_name} is larger than {MAX_DID_INDEX:,} bytes")
        index = self._parse(index_name, data)
        listed = index.get("documents") if isinstance(index, dict) else None
        if not isinstance(listed, dict):
            raise self._corrupt(f"{index_name} has no 'documents' object")
        documents: dict[str, dict[str, Any]] = {}
        for did in listed:
            name = f"{DID_DIRECTORY}/{did_file_name(did)}"
            raw = self._read(name, MAX_SMALL_FILE)
            if raw is None:
                raise self._corrupt(f"{name}, the DID document of {did}, is missing")
            if len(raw) > MAX_SMALL_FILE:
                raise self._corrupt(f"{name} is larger than {MAX_SMALL_FILE:,} bytes")
            document = self._parse(name, raw)
            if not isinstance(document, dict) or document.get("id") != did:
                raise self._corrupt(f"{name} is not the DID document of {did}")
            documents[did] = document
        return documents

    # -- writing (used by did_registry.sync) ---------------------------------------------

    @contextmanager
    def lock(self) -> Iterator[None]:
        """Hold the cache's exclusive lock (``.lock``) while syncing."""
        with exclusive_lock(self._path(".lock")):
            yield

    def save_registry(self, data: bytes, registry: Registry, *, url: str, etag: str | None,
                      fetched_at: datetime) -> None:
        """Store a document that :meth:`Registry.load` has just accepted as ``registry``
        (checked against this cache's pinned root, or the caller's on the first sync, and
        against :meth:`state`). Call it holding :meth:`lock`."""
        self._directory.mkdir(parents=True, exist_ok=True)
        state = _json_bytes({
            "format": STATE_FORMAT,
            "snapshot": registry.state.to_json(),
            "registry_sha256": hashlib.sha256(data).hexdigest(),
            "url": url,
            "etag": etag,
            "fetched_at": format_datetime(fetched_at),
        })
        root = _json_bytes(registry.root.to_json())
        if not self.has_registry():
            # Nothing loadable yet: pin the newest root (the chain from the caller's root
            # reached it), then the state, then the document. Until registry.json appears
            # the cache loads nothing (the old state); when it appears, all it needs is there.
            write_bytes_atomic(self._path(TRUSTED_ROOT), root)
            write_bytes_atomic(self._path(STATE), state)
            write_bytes_atomic(self._path(REGISTRY), data)
            return
        # An old registry is loadable. 1. The new document: with the old root and the old
        # state it verifies, exactly as sync just checked. 2. Its state: the new document
        # with the old root and the new state verifies too (same digest). 3. The newest root.
        # Each step is one atomic rename, so every crash leaves one of these combinations.
        if self._read(REGISTRY, len(data)) != data:
            write_bytes_atomic(self._path(REGISTRY), data)
        write_bytes_atomic(self._path(STATE), state)
        if self._read(TRUSTED_ROOT, MAX_SMALL_FILE) != root:
            write_bytes_atomic(self._path(TRUSTED_ROOT), root)

    @property
    def status_directory(self) -> Path:
        """Mirrored status list credentials, one file each (``verify --cache`` reads them)."""
        return self._path(STATUS_DIRECTORY)

    def status_list(self, url: str) -> bytes | None:
        """The cached status list credential published at ``url``, if any."""
        path = self.status_directory / status_file_name(url)
        if not path.is_file():
            return None
        return read_up_to(path, MAX_STATUS_LIST)

    def save_status_list(self, url: str, data: bytes) -> None:
        """Cache a verified status list credential (atomically)."""
        self.status_directory.mkdir(parents=True, exist_ok=True)
        write_bytes_atomic(self.status_directory / status_file_name(url), data)

    def save_did_documents(self, documents: Sequence[CachedDidDocument], *,
                           fetched_at: datetime) -> None:
        """Replace the cached DID documents with ``documents``. Files first, then the index,
        then the files no longer listed: a crash leaves an index whose files exist."""
        directory = self._path(DID_DIRECTORY)
        directory.mkdir(parents=True, exist_ok=True)
        listed: dict[str, Mapping[str, str]] = {}
        for document in documents:
            name = did_file_name(document.did)
            write_bytes_atomic(directory / name, document.data)
            listed[document.did] = {"url": document.url, "file": name}
        write_bytes_atomic(directory / DID_INDEX, _json_bytes({
            "format": 1, "fetched_at": format_datetime(fetched_at),
            "documents": dict(sorted(listed.items())),
        }))
        keep = {did_file_name(did) for did in listed}
        for path in directory.iterdir():
            if _DID_FILE.fullmatch(path.name) and path.name not in keep:
                path.unlink(missing_ok=True)


def status_file_name(url: str) -> str:
    return hashlib.sha256(url.encode("utf-8")).hexdigest() + ".json"


def _fetch_info(value: Mapping[str, Any]) -> FetchInfo | None:
    """The fetch record of state.json; None if any part is unusable (it only saves a
    download: the next sync then fetches unconditionally)."""
    url, etag, sha = value.get("url"), value.get("etag"), value.get("registry_sha256")
    moment = value.get("fetched_at")
    if not isinstance(url, str) or not isinstance(sha, str) or not isinstance(moment, str) \
            or not (etag is None or isinstance(etag, str)):
        return None
    try:
        fetched_at = parse_datetime_stamp(moment, field="fetched_at")
    except Error:
        return None
    return FetchInfo(url=url, etag=etag, fetched_at=fetched_at, registry_sha256=sha)
