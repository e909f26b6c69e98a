"""The frozen, hash-pinned store of JSON-LD contexts the verifier will ever use.

VC Data Integrity 1.0, "Validating Contexts" (and VCDM 2.0, "Contexts" and "Base Context") ask
that context URLs be treated as already retrieved, from local copies whose cryptographic
hashes match known-good values. So: every context we accept ships inside the
package, ``contexts/manifest.json`` pins each file by the sha256 of its exact bytes, every hash
is checked when a store is built, and a URL that is not in the manifest is refused. Nothing in
this module opens a socket; the only files it reads are the manifest and the files it lists.

Contexts marked ``test_only`` (the examples and undefined-terms ``@vocab`` catch-alls, and the
citizenship vocabulary of the official vectors) are refused unless the store is built with
``allow_test_contexts=True``.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
import re
from collections.abc import Callable, Mapping
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any, Final

from cachetools import LRUCache
from pyld.context_resolver import ContextResolver
from pyld.jsonld import KEYWORDS

from vcskill.errors import Code, ConfigurationError, ContextError

__all__ = ["ContextStore"]

MANIFEST_NAME: Final = "manifest.json"
_MANIFEST_FORMAT: Final = 1
_REQUIRED_KEYS: Final = frozenset({"url", "file", "sha256", "test_only"})
_OPTIONAL_KEYS: Final = frozenset({"rec_sha256", "note"})
_SHA256_HEX = re.compile(r"[0-9a-f]{64}")
_KEYWORD_FORM = re.compile(r"@[A-Za-z]+")
_FILE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")
# Resolved (processed) contexts kept per store. Bundled contexts plus the inline contexts of
# the credentials in flight; pyld's own global cache holds 100.
_RESOLVED_CACHE_SIZE: Final = 256

# Inline (mostly type-scoped) context objects already resolved, by identity. pyld keys its
# cache of them by their JCS serialisation, which it recomputes on every call (a fifth of the
# time of a warm to_nquads).
_INLINE_MEMO_SIZE: Final = 128

DocumentLoader = Callable[[str, Any], dict[str, Any]]


class ContextStore:
    """An immutable set of bundled JSON-LD contexts, each checked against its pinned sha256.

    Build one with :meth:`bundled` (cached; the usual case) or :meth:`from_directory` (a folder
    holding a ``manifest.json``, for tests). Construction reads and hashes every listed file and
    raises :class:`~vcskill.errors.ConfigurationError` (``CONTEXT_INTEGRITY_ERROR``) on the first
    file that is missing or whose bytes differ from the manifest.
    """

    __slots__ = (
        "_allow_test",
        "_cache",
        "_inline",
        "_loader",
        "_tagged_loader",
        "_test_only",
        "_texts",
    )

    _allow_test: bool
    _texts: Mapping[str, str]
    _test_only: frozenset[str]
    _cache: LRUCache[str, Any]
    _inline: LRUCache[int, tuple[object, Any]]
    _loader: DocumentLoader
    _tagged_loader: DocumentLoader

    def __init__(
        self,
        directory: str | os.PathLike[str] | Traversable,
        *,
        allow_test_contexts: bool = False,
    ) -> None:
        root = Path(directory) if isinstance(directory, (str, os.PathLike)) else directory
        texts, test_only = _load_verified(root)
        self._init(texts, test_only, allow_test_contexts)

    def _init(self, texts: Mapping[str, str], test_only: frozenset[str], allow_test: bool) -> None:
        served = {u: t for u, t in texts.items() if allow_test or u not in test_only}
        set_ = object.__setattr__
        set_(self, "_allow_test", allow_test)
        set_(self, "_texts", served)
        set_(self, "_test_only", test_only if not allow_test else frozenset())
        # pyld caches resolved contexts by URL. Its default cache is one global LRU shared by
        # every loader in the process, so a context served by one store (a test-only one, say)
        # would be reused by another. Each store therefore keeps its own cache.
        set_(self, "_cache", LRUCache(maxsize=_RESOLVED_CACHE_SIZE))
        set_(self, "_inline", LRUCache(maxsize=_INLINE_MEMO_SIZE))
        set_(self, "_loader", self._make_loader(tag=False))
        set_(self, "_tagged_loader", self._make_loader(tag=True))

    # -- construction ------------------------------------------------------------------------

    @classmethod
    def bundled(cls, *, allow_test_contexts: bool = False) -> ContextStore:
        """The contexts shipped in ``vcskill/contexts``, built and hash-checked once per process."""
        return _bundled_store(bool(allow_test_contexts))

    @classmethod
    def from_directory(
        cls, path: str | os.PathLike[str], *, allow_test_contexts: bool = False
    ) -> ContextStore:
        """A store of the contexts listed in ``path/manifest.json``."""
        return cls(path, allow_test_contexts=allow_test_contexts)

    # -- queries -----------------------------------------------------------------------------

    @property
    def allows_test_contexts(self) -> bool:
        return self._allow_test

    def is_known(self, url: str) -> bool:
        """True if ``url`` is served by this store (exact string match, no normalisation)."""
        return isinstance(url, str) and url in self._texts

    def urls(self) -> frozenset[str]:
        """The URLs this store serves."""
        return frozenset(self._texts)

    def get(self, url: str) -> dict[str, Any]:
        """A fresh parsed copy of the context document at ``url``; unknown → ``ContextError``."""
        text = self._texts.get(url) if isinstance(url, str) else None
        if text is None:
            raise ContextError(self._refusal(url), code=Code.UNKNOWN_CONTEXT)
        document: dict[str, Any] = json.loads(text)
        return document

    def document_loader(self) -> DocumentLoader:
        """A pyld ``documentLoader`` that serves only this store's URLs and never does I/O.

        Anything else raises :class:`~vcskill.errors.ContextError` (``UNKNOWN_CONTEXT``); pyld
        wraps that in its own ``JsonLdError``. :mod:`vcskill.linkeddata.jsonld` does not need
        this: it uses the store directly, with a per-store cache.
        """
        return self._loader

    # -- pyld plumbing (used by vcskill.linkeddata.jsonld) -----------------------------------------

    def _make_loader(self, *, tag: bool) -> DocumentLoader:
        texts = self._texts
        refusal = self._refusal

        def load(url: str, options: Any = None) -> dict[str, Any]:
            text = texts.get(url) if isinstance(url, str) else None
            if text is None:
                raise ContextError(refusal(url), code=Code.UNKNOWN_CONTEXT)
            # A fresh object every time: pyld edits remote context documents in place.
            remote: dict[str, Any] = {
                "contentType": "application/ld+json",
                "contextUrl": None,
                "documentUrl": url,
                "document": json.loads(text),
            }
            if tag:
                # pyld keeps a resolved context across operations only when tagged 'static'.
                remote["tag"] = "static"
            return remote

        return load

    def _new_resolver(self) -> ContextResolver:
        """A pyld context resolver for one operation, backed by this store's own cache."""
        return _StoreResolver(self)

    def _refusal(self, url: object) -> str:
        if isinstance(url, str) and url in self._test_only:
            return (
                f"JSON-LD context {url!r} is bundled for tests only and is refused here; "
                "remote contexts are never fetched"
            )
        shown = repr(url) if isinstance(url, str) else f"of type {type(url).__name__}"
        return (
            f"JSON-LD context {shown} is not bundled with vcskill and is refused; "
            "remote contexts are never fetched"
        )

    # -- immutability --------------------------------------------------------------------------

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError("ContextStore is immutable")

    def __delattr__(self, name: str) -> None:
        raise AttributeError("ContextStore is immutable")

    def __repr__(self) -> str:
        mode = "test contexts allowed" if self._allow_test else "test contexts refused"
        return f"<ContextStore {len(self._texts)} contexts, {mode}>"


class _StoreResolver(ContextResolver):  # type: ignore[misc]  # pyld is untyped
    """pyld's ContextResolver, tightened for a :class:`ContextStore`.

    * A string context must be a URL the store serves, compared as the exact string the
      document holds. pyld would first resolve it as an IRI (removing dot segments) and look
      up its cache with it, where a string equal to the JCS form of an earlier inline context
      would hit that inline context.
    * ``@import`` is refused: pyld 3.3.0 merges the importing context into the *cached*
      imported document and caches the result as that document's processed form, so one
      credential could change how the next one's contexts are read.
    """

    def __init__(self, store: ContextStore) -> None:
        super().__init__(store._cache, store._tagged_loader)
        self._store = store

    def resolve(self, active_ctx: Any, context: Any, base: Any, cycles: Any = None) -> Any:
        memo = self._store._inline
        single = isinstance(context, Mapping) and "@context" not in context
        if single:
            # The memo holds the object itself, so its id cannot be reused while it is there;
            # context objects are not modified once pyld has them (@import, which would, is
            # refused below).
            hit = memo.get(id(context))
            if hit is not None and hit[0] is context:
                return [hit[1]]
        local = context
        if isinstance(local, Mapping) and "@context" in local:
            local = local["@context"]
        for ctx in local if isinstance(local, list) else [local]:
            if isinstance(ctx, str) and not self._store.is_known(ctx):
                raise ContextError(self._store._refusal(ctx), code=Code.UNKNOWN_CONTEXT)
            if isinstance(ctx, Mapping):
                _check_inline(ctx)
        resolved = super().resolve(active_ctx, context, base, cycles)
        if single and len(resolved) == 1:
            memo[id(context)] = (context, resolved[0])
        return resolved


def _check_inline(ctx: Mapping[Any, Any]) -> None:
    """Refuse what pyld would only warn about, and ``@import``."""
    if "@import" in ctx:
        raise ContextError(
            f"the @context uses @import ({ctx['@import']!r}), which vcskill refuses",
            code=Code.JSONLD_ERROR,
        )
    # JSON-LD 1.1 "Keywords": "@" followed by letters is reserved. pyld warns and ignores such
    # a term or mapping; jsonld.js's safe mode refuses it, and so do we.
    for term, definition in ctx.items():
        if _is_reserved(term):
            raise ContextError(
                f"the @context defines the reserved term {term!r}", code=Code.JSONLD_ERROR
            )
        targets = (
            [definition]
            if isinstance(definition, str)
            else [definition.get("@id"), definition.get("@reverse")]
            if isinstance(definition, Mapping)
            else []
        )
        for target in targets:
            if _is_reserved(target):
                raise ContextError(
                    f"the @context maps {term!r} to the reserved value {target!r}",
                    code=Code.JSONLD_ERROR,
                )


def _is_reserved(value: object) -> bool:
    return (
        isinstance(value, str)
        and value not in KEYWORDS
        and _KEYWORD_FORM.fullmatch(value) is not None
    )


# -- loading and checking ----------------------------------------------------------------------


def _integrity(message: str) -> ConfigurationError:
    return ConfigurationError(message, code=Code.CONTEXT_INTEGRITY_ERROR)


def _load_verified(root: Traversable) -> tuple[dict[str, str], frozenset[str]]:
    """Read the manifest under ``root``, check every file's sha256, return URL → text."""
    manifest_file = root.joinpath(MANIFEST_NAME)
    try:
        manifest = json.loads(manifest_file.read_bytes())
    except FileNotFoundError as exc:
        raise _integrity(f"context manifest {MANIFEST_NAME} is missing in {root}") from exc
    except (OSError, ValueError) as exc:
        raise ConfigurationError(f"context manifest {manifest_file} is unreadable: {exc}") from exc
    entries = _parse_manifest(manifest)

    texts: dict[str, str] = {}
    test_only: set[str] = set()
    for entry in entries:
        name = entry["file"]
        try:
            data = root.joinpath(name).read_bytes()
        except OSError as exc:
            raise _integrity(f"bundled context file {name} is missing or unreadable") from exc
        digest = hashlib.sha256(data).hexdigest()
        if digest != entry["sha256"]:
            raise _integrity(
                f"bundled context file {name} does not match its pinned sha256 "
                f"(manifest {entry['sha256']}, file {digest}); reinstall vcskill"
            )
        try:
            text = data.decode("utf-8")
            parsed = json.loads(text)
        except ValueError as exc:
            raise _integrity(f"bundled context file {name} is not UTF-8 JSON") from exc
        if not isinstance(parsed, dict) or "@context" not in parsed:
            raise _integrity(f"bundled context file {name} is not a JSON-LD context document")
        texts[entry["url"]] = text
        if entry["test_only"]:
            test_only.add(entry["url"])
    return texts, frozenset(test_only)


def _parse_manifest(manifest: object) -> list[dict[str, Any]]:
    """Validate the manifest strictly: a typo such as ``testOnly`` must not go unnoticed."""

    def bad(why: str) -> ConfigurationError:
        return ConfigurationError(f"context manifest {MANIFEST_NAME} is invalid: {why}")

    if not isinstance(manifest, dict) or set(manifest) - {"format", "comment", "contexts"}:
        raise bad("expected an object with 'format', 'contexts' and an optional 'comment'")
    if manifest.get("format") != _MANIFEST_FORMAT:
        raise bad(f"'format' must be {_MANIFEST_FORMAT}")
    contexts = manifest.get("contexts")
    if not isinstance(contexts, list) or not contexts:
        raise bad("'contexts' must be a non-empty list")
    seen_urls: set[str] = set()
    seen_files: set[str] = set()
    for i, entry in enumerate(contexts):
        if not isinstance(entry, dict):
            raise bad(f"entry {i} is not an object")
        keys = set(entry)
        if not keys >= _REQUIRED_KEYS or keys - _REQUIRED_KEYS - _OPTIONAL_KEYS:
            raise bad(
                f"entry {i} must have exactly {sorted(_REQUIRED_KEYS)} "
                f"plus optionally {sorted(_OPTIONAL_KEYS)}; it has {sorted(keys)}"
            )
        url, name, sha = entry["url"], entry["file"], entry["sha256"]
        if not isinstance(url, str) or not url or url in seen_urls:
            raise bad(f"entry {i}: 'url' must be a unique non-empty string")
        if not isinstance(name, str) or not _FILE_NAME.fullmatch(name) or name in seen_files:
            raise bad(f"entry {i}: 'file' must be a unique plain file name, got {name!r}")
        if name == MANIFEST_NAME:
            raise bad(f"entry {i}: 'file' cannot be the manifest itself")
        if not isinstance(sha, str) or not _SHA256_HEX.fullmatch(sha):
            raise bad(f"entry {i}: 'sha256' must be 64 lower-case hex digits")
        if not isinstance(entry["test_only"], bool):
            raise bad(f"entry {i}: 'test_only' must be true or false")
        rec = entry.get("rec_sha256")
        if rec is not None and rec != sha:
            # Our files are byte-exact copies of the REC's, so the printed value must match.
            raise _integrity(f"entry {i} ({name}): sha256 differs from the REC-printed value")
        if "note" in entry and not isinstance(entry["note"], str):
            raise bad(f"entry {i}: 'note' must be a string")
        seen_urls.add(url)
        seen_files.add(name)
    return contexts


@functools.cache
def _bundled_texts() -> tuple[dict[str, str], frozenset[str]]:
    return _load_verified(resources.files("vcskill").joinpath("contexts"))


@functools.cache
def _bundled_store(allow_test: bool) -> ContextStore:
    texts, test_only = _bundled_texts()
    store = ContextStore.__new__(ContextStore)
    store._init(texts, test_only, allow_test)
    return store
