"""``vcskill sync``: fetch the registry and the issuers' did:web documents into a :class:`Cache`.

:func:`sync` is the only part of the toolkit that goes to the network for the registry; the
verify path then reads the cache offline. The steps:

1. **Trust anchor.** The cache's pinned root; on the first sync the caller's ``trusted_root``
   (TUF §5.2: a trusted root shipped out of band). If both are given and differ: a given root
   older than the pinned one is ignored (the cache moved past it through a verified chain);
   one of the same version must be the same root; a newer one must appear, unchanged, in the
   chain the document verifies from the pinned root. Anything else is refused.
2. **Fetch** (TUF §5.3.3, §5.4.1 "endless data"): https only (plain http only to a loopback
   host, with ``allow_loopback``); explicit connect/read timeouts and an overall deadline;
   the body is streamed and reading stops past ``RegistryLimits.max_bytes``; redirects are
   followed by hand, at most 3, and only within the same scheme, host and port; only 200 and
   304 are accepted. ``If-None-Match`` carries the saved ETag; 304 means "unchanged", and the
   cached copy is then verified again at ``now`` (so an expired one is still refused).
3. **Verify** with :meth:`Registry.load` against the anchor and the saved state *before*
   anything is replaced: rollback, equivocation, expiry and bad root rotations propagate with
   their own codes and leave the cache as it was.
4. **Store** (:meth:`Cache.save_registry`, crash safe) and advance the pinned root to the
   newest verified one (TUF §5.3.4–§5.3.5).
5. **did:web documents** of the registry's did:web issuers, from the issuers' own hosts, at
   sync time only (never while verifying). The host must resolve only to public addresses
   (no private, loopback, link-local, multicast, reserved or unspecified ones; loopback only
   with ``allow_loopback``), and the connection goes to the address that was checked (see
   :func:`_pinned_get`). A document must be strict JSON of at most 64 KiB whose ``id`` is the
   DID. The registry is authoritative: a document that is missing, unreachable, or whose keys
   differ from the registry's is a warning in :class:`SyncResult`, never a failure, and one
   listing a key the registry does not list for that issuer is not cached.

Network failures raise :class:`~did_registry.errors.RegistryError` ``REGISTRY_FETCH_FAILED``
naming the URL and the reason.
"""

from __future__ import annotations

import hashlib
import ipaddress
import re
import socket
import time
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from contextlib import suppress
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any, Final

import httpx

from did_registry.cache import Cache, CachedDidDocument
from did_registry.errors import RegistryError
from did_registry.model import IssuerEntry, Root, format_datetime
from did_registry.pinning import TrustAnchor
from did_registry.registry import (
    DEFAULT_REGISTRY_LIMITS,
    Registry,
    RegistryLimits,
    parse_document,
)
from did_registry.site import current_keys
from vcskill.errors import Code, Error, InternalError, UsageError
from vcskill.keys.did import DidWeb, parse_did_web
from vcskill.keys.keypair import PublicKey
from vcskill.keys.resolver import resolve_from_did_document
from vcskill.limits import DEFAULT_LIMITS
from vcskill.linkeddata.jsonparse import parse_json
from vcskill.status.statuslist import cleared_bits

__all__ = ["DEFAULT_SYNC_LIMITS", "SyncLimits", "SyncResult", "fetch_did_document", "sync"]

_REDIRECTS: Final = frozenset({301, 302, 303, 307, 308})
_MAX_ETAG: Final = 256
_LOOPBACK_NAMES: Final = frozenset({"localhost"})


@dataclass(frozen=True, slots=True)
class SyncLimits:
    """Caps and timeouts of one sync (seconds and bytes)."""

    registry: RegistryLimits = DEFAULT_REGISTRY_LIMITS
    max_did_document_bytes: int = 64 * 1024
    connect_timeout: float = 5.0
    read_timeout: float = 10.0
    download_deadline: float = 60.0  # one download, all redirects and a slow drip included
    max_redirects: int = 3
    max_did_documents: int = 10_000  # fetched per sync; more are skipped with a warning
    did_workers: int = 8  # DID documents fetched in parallel
    max_status_lists: int = 1024  # per issuer
    max_status_list_bytes: int = 1024 * 1024  # one status list credential


DEFAULT_SYNC_LIMITS: Final = SyncLimits()


@dataclass(frozen=True, slots=True)
class SyncResult:
    """What a sync did. ``changed``: the cached document's bytes were replaced."""

    url: str
    version: int
    previous_version: int | None
    changed: bool
    root_version: int
    expires: datetime
    did_documents: int
    warnings: tuple[str, ...] = ()
    status_lists: int = 0

    def summary(self) -> str:
        if not self.changed:
            what = f"registry v{self.version} unchanged"
        elif self.previous_version is None:
            what = f"registry v{self.version} cached"
        else:
            what = f"registry v{self.previous_version} → v{self.version}"
        warnings = f"; {len(self.warnings)} warning(s)" if self.warnings else ""
        return (f"{what} (root v{self.root_version}, expires {format_datetime(self.expires)}); "
                f"{self.did_documents} DID document(s) and {self.status_lists} status "
                f"list(s) cached{warnings}")


def _fail(url: str, reason: str) -> RegistryError:
    return RegistryError(f"could not fetch {url}: {reason}", code=Code.REGISTRY_FETCH_FAILED)


class _ConnectFailed(RegistryError):
    """No connection could be made (the next address of the host may still answer)."""

    default_code = Code.REGISTRY_FETCH_FAILED


def _require_aware(moment: datetime) -> None:
    if not isinstance(moment, datetime) or moment.utcoffset() is None:
        raise UsageError("now must be a datetime with a time zone")


# -- the registry ------------------------------------------------------------------------

def sync(url: str, cache: Cache, *, now: datetime,
         trusted_root: Root | TrustAnchor | None = None,
         client: httpx.Client | None = None, allow_loopback: bool = False,
         limits: SyncLimits = DEFAULT_SYNC_LIMITS) -> SyncResult:
    """Fetch, verify and cache the registry at ``url`` and its issuers' did:web documents.

    ``url`` is the site's base URL (the directory holding ``registry.json``) or the URL of
    the document itself (ending in ``.json``). ``client`` replaces the default one (timeouts,
    no redirects, no proxy settings from the environment); pass one for proxies, custom CAs
    or a test transport. See the module docstring for every check. ``trusted_root`` may be
    a :class:`~did_registry.pinning.TrustAnchor` that knows only a fingerprint: the root with
    that fingerprint is then taken from the fetched document's chain (ADR 0005).
    """
    _require_aware(now)
    registry_url = _registry_url(url, allow_loopback)
    own_client = client is None
    http = client if client is not None else httpx.Client(trust_env=False)
    try:
        with cache.lock():
            return _sync_locked(registry_url, cache, now, trusted_root, http, allow_loopback,
                                limits)
    finally:
        if own_client:
            http.close()


def _sync_locked(url: httpx.URL, cache: Cache, now: datetime,
                 trusted: Root | TrustAnchor | None, http: httpx.Client, allow_loopback: bool,
                 limits: SyncLimits) -> SyncResult:
    pinned = cache.trusted_root()
    fingerprint_only = trusted if isinstance(trusted, TrustAnchor) and trusted.root is None \
        else None
    given = trusted.root if isinstance(trusted, TrustAnchor) else trusted
    if pinned is None and given is None and fingerprint_only is None:
        raise RegistryError(
            f"the cache {cache.directory} trusts no registry root yet; on the first sync pass "
            "the regulator's root with --trust-root FILE|sha256:HEX (printed by `vcskill "
            "registry init` and `registry show`)",
            code=Code.REGISTRY_MISSING,
        )
    warnings = _compare_given_root(given, pinned)
    previous = cache.state()  # refuses a damaged state next to a cached registry
    cached = cache.registry_bytes(limits.registry)
    info = cache.fetch_info()
    if cached is not None and pinned is not None:
        # After a crash between the two writes, registry.json can be newer than state.json;
        # its own verified state is then the one to hold the next document against.
        # A copy that does not load is ignored: the saved state still guards against rollback.
        with suppress(Error):
            previous = Registry.load(cached, trusted_root=pinned, now=now, previous=previous,
                                     allow_expired=True, limits=limits.registry).state
    etag = None
    if cached is not None and info is not None and info.url == str(url) and \
            info.registry_sha256 == hashlib.sha256(cached).hexdigest():
        etag = info.etag

    fetched = _get(http, url, max_bytes=limits.registry.max_bytes, limits=limits, etag=etag)
    data = cached if fetched.not_modified and cached is not None else fetched.content
    if fingerprint_only is not None:
        given = fingerprint_only.root_in(parse_document(data, limits.registry)["roots"])
        warnings = _compare_given_root(given, pinned)
    anchor = pinned if pinned is not None else given
    if anchor is None:  # sync_registry requires a pinned root or a fingerprint
        raise InternalError("sync has no root to trust")
    registry = Registry.load(data, trusted_root=anchor, now=now, previous=previous,
                             limits=limits.registry, source=str(url))
    if given is not None and pinned is not None and given.version > pinned.version:
        _check_newer_given_root(given, pinned, data, limits.registry)
    cache.save_registry(data, registry, url=str(url), etag=fetched.etag, fetched_at=now)

    documents, did_warnings = _did_documents(registry, http, now, allow_loopback, limits)
    cache.save_did_documents(documents, fetched_at=now)
    mirrored, status_warnings = _status_lists(registry, cache, http, now, allow_loopback,
                                              limits)
    return SyncResult(
        url=str(url), version=registry.info.version,
        previous_version=previous.version if previous is not None else None,
        changed=data != cached, root_version=registry.root.version,
        expires=registry.info.expires, did_documents=len(documents),
        warnings=(*warnings, *did_warnings, *status_warnings), status_lists=mirrored,
    )


def _compare_given_root(given: Root | None, pinned: Root | None) -> tuple[str, ...]:
    """Step 1 before fetching: an older given root is a warning, another root of the pinned
    one's version is refused. A newer one waits for the document."""
    if given is None or pinned is None or given == pinned:
        return ()
    if given.version < pinned.version:
        return (f"the cache already trusts root v{pinned.version}; the given root "
                f"v{given.version} is older and was not used",)
    if given.version == pinned.version:
        raise RegistryError(
            f"the given trusted root v{given.version} differs from the root v{pinned.version} "
            "this cache trusts (keys, threshold or name); use another cache directory for "
            "another registry", code=Code.REGISTRY_ROOT_ROTATION,
        )
    return ()


def _check_newer_given_root(given: Root, pinned: Root, data: bytes,
                            limits: RegistryLimits) -> None:
    """Step 1 after verifying: a given root newer than the pinned one must be the root of its
    version in the document, whose roots after the pinned one are verified by now."""
    value = parse_json(data, what="registry", limits=replace(
        DEFAULT_LIMITS, max_credential_bytes=limits.max_bytes))
    roots = [Root.from_json(envelope["signed"]) for envelope in value["roots"]]
    match = next((r for r in roots if r.version == given.version), None)
    if match is None:
        raise RegistryError(
            f"the registry's newest root is v{roots[-1].version}, older than the given trusted "
            f"root v{given.version}", code=Code.REGISTRY_ROLLBACK,
        )
    if match != given:
        raise RegistryError(
            f"the given trusted root v{given.version} is not the root v{given.version} that "
            f"the registry's chain from the cached root v{pinned.version} reaches",
            code=Code.REGISTRY_ROOT_ROTATION,
        )


def _is_loopback_host(host: str) -> bool:
    if host.lower() in _LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _registry_url(url: str, allow_loopback: bool) -> httpx.URL:
    """The document's URL: ``url`` itself if it ends in ``.json``, else ``url/registry.json``."""
    if not isinstance(url, str) or not url:
        raise UsageError("the registry URL must be a non-empty string")
    try:
        parsed = httpx.URL(url)
    except httpx.InvalidURL as exc:
        raise UsageError(f"{url!r} is not a URL: {exc}") from None
    _check_scheme(parsed, allow_loopback, str(parsed))
    if parsed.userinfo:
        raise UsageError(f"{url}: do not put credentials in the registry URL; pass an "
                         "httpx client that authenticates instead")
    if parsed.fragment:
        raise UsageError(f"{url}: a registry URL has no '#fragment'")
    if not parsed.path.endswith(".json"):
        parsed = parsed.copy_with(path=parsed.path.rstrip("/") + "/registry.json")
    return parsed


def _check_scheme(url: httpx.URL, allow_loopback: bool, shown: str) -> None:
    if url.scheme == "https":
        return
    if url.scheme == "http" and allow_loopback and _is_loopback_host(url.host):
        return
    if url.scheme == "http":
        raise _fail(shown, "plain http is refused; use https (http is allowed only to a "
                           "loopback host, with --allow-loopback)")
    raise _fail(shown, f"the scheme {url.scheme!r} is not supported; use https")


@dataclass(frozen=True, slots=True)
class _Fetched:
    content: bytes
    etag: str | None
    not_modified: bool


def _origin(url: httpx.URL) -> tuple[str, str, int]:
    default = 443 if url.scheme == "https" else 80
    return url.scheme, url.host.lower(), url.port or default


def _get(http: httpx.Client, url: httpx.URL, *, max_bytes: int, limits: SyncLimits,
         etag: str | None = None, address: str | None = None) -> _Fetched:
    """GET ``url`` under the rules of step 2; with ``address``, connect to that IP address
    (already checked) and name the host in the Host header and TLS SNI."""
    deadline = time.monotonic() + limits.download_deadline
    timeout = httpx.Timeout(connect=limits.connect_timeout, read=limits.read_timeout,
                            write=limits.read_timeout, pool=limits.connect_timeout)
    current = url
    for _hop in range(limits.max_redirects + 1):
        shown = str(current)
        if time.monotonic() > deadline:
            raise _fail(shown, f"the download took longer than {limits.download_deadline:g} s")
        headers = {"Accept": "application/json", "Accept-Encoding": "identity"}
        if etag is not None:
            headers["If-None-Match"] = etag
        target, extensions = current, {}
        if address is not None:
            # Connect to the checked address, not to whatever the name resolves to next
            # (DNS rebinding). "Connection: close": a pooled connection to this address,
            # authenticated for another host name, must never carry this request.
            target = current.copy_with(host=address)
            headers["Host"] = current.netloc.decode("ascii")
            headers["Connection"] = "close"
            extensions["sni_hostname"] = current.host
        try:
            with http.stream("GET", target, headers=headers, timeout=timeout,
                             follow_redirects=False, extensions=extensions) as response:
                status = response.status_code
                if status in _REDIRECTS:
                    location = response.headers.get("Location")
                    if not location:
                        raise _fail(shown, f"HTTP {status} without a Location")
                    try:
                        following = current.join(location)
                    except httpx.InvalidURL:
                        raise _fail(shown, f"HTTP {status} to a malformed Location") from None
                    if _origin(following) != _origin(current):
                        raise _fail(shown, f"redirected off-host to {following}; redirects "
                                           "are followed only within the same scheme, host "
                                           "and port")
                    current = following
                    continue
                if status == 304 and etag is not None:
                    return _Fetched(b"", etag, True)
                if status != 200:
                    raise _fail(shown, f"HTTP {status}")
                encoding = response.headers.get("Content-Encoding", "identity").strip().lower()
                if encoding not in ("", "identity"):
                    raise _fail(shown, f"the response is {encoding}-encoded, though an "
                                       "unencoded one was asked for")
                declared = response.headers.get("Content-Length", "")
                if declared.isdigit() and int(declared) > max_bytes:
                    raise _fail(shown, f"too large: {int(declared):,} bytes announced, at most "
                                       f"{max_bytes:,} are read")
                body = bytearray()
                # identity encoding (checked above): these are the bytes on the wire
                for chunk in response.iter_bytes():
                    body += chunk
                    if len(body) > max_bytes:  # stop reading: the rest is never downloaded
                        raise _fail(shown, f"too large: more than {max_bytes:,} bytes")
                    if time.monotonic() > deadline:
                        raise _fail(shown, f"the download took longer than "
                                           f"{limits.download_deadline:g} s")
                return _Fetched(bytes(body), _usable_etag(response.headers.get("ETag")), False)
        except (httpx.ConnectError, httpx.ConnectTimeout) as exc:
            raise _ConnectFailed(f"could not fetch {shown}: no connection "
                                 f"({type(exc).__name__}: {exc})") from None
        except httpx.TimeoutException as exc:
            raise _fail(shown, f"timed out ({type(exc).__name__})") from None
        except (httpx.HTTPError, httpx.InvalidURL, httpx.StreamError) as exc:
            raise _fail(shown, f"{type(exc).__name__}: {exc}") from None
    raise _fail(str(url), f"more than {limits.max_redirects} redirects")


def _usable_etag(value: str | None) -> str | None:
    """An ETag worth saving: short, printable ASCII (it goes back into a header)."""
    if value is None or len(value) > _MAX_ETAG or not value.isascii() or \
            not value.isprintable():
        return None
    return value


# -- did:web documents -------------------------------------------------------------------

def _address_problem(address: ipaddress.IPv4Address | ipaddress.IPv6Address,
                     allow_loopback: bool) -> str | None:
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    if address.is_loopback:
        return None if allow_loopback else "a loopback"
    for name, problem in (("unspecified", "an unspecified"), ("link_local", "a link-local"),
                          ("multicast", "a multicast"), ("private", "a private"),
                          ("reserved", "a reserved")):
        if getattr(address, f"is_{name}"):
            return problem
    return None if address.is_global else "a non-public"


def _checked_addresses(web: DidWeb, url: str, allow_loopback: bool) -> list[str]:
    """Resolve the host once; every address must be public (step 5)."""
    return _public_addresses(web.host, web.port or 443, url, allow_loopback)


def _public_addresses(host: str, port: int, url: str, allow_loopback: bool) -> list[str]:
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError) as exc:
        raise _fail(url, f"the host {host} does not resolve ({exc})") from None
    addresses: list[str] = []
    for info in infos:
        text = str(info[4][0]).split("%", 1)[0]  # drop an IPv6 zone
        try:
            address = ipaddress.ip_address(text)
        except ValueError:
            raise _fail(url, f"the host {host} resolves to {text!r}") from None
        problem = _address_problem(address, allow_loopback)
        if problem is not None:
            raise _fail(url, f"the host {host} resolves to {address}, {problem} address; "
                             "DID documents and status lists are fetched only from public "
                             "addresses")
        if text not in addresses:
            addresses.append(text)
    if not addresses:
        raise _fail(url, f"the host {host} has no address")
    return addresses


def _pinned_get(http: httpx.Client, web: DidWeb, allow_loopback: bool,
                limits: SyncLimits) -> tuple[str, bytes]:
    """Fetch a did:web document: resolve, check every address, connect to a checked one.

    Residual risk: a caller-supplied client that sends requests through a proxy lets the
    proxy resolve the name again (DNS rebinding is then the proxy's to stop).
    """
    url = httpx.URL(web.url)
    addresses = _checked_addresses(web, web.url, allow_loopback)
    if allow_loopback and all(ipaddress.ip_address(a).is_loopback for a in addresses):
        url = url.copy_with(scheme="http")  # a local test or development host
    for address in addresses[:-1]:
        try:
            return str(url), _get(http, url, max_bytes=limits.max_did_document_bytes,
                                  limits=limits, address=address).content
        except _ConnectFailed:
            continue  # try the host's next checked address
    return str(url), _get(http, url, max_bytes=limits.max_did_document_bytes, limits=limits,
                          address=addresses[-1]).content


def fetch_did_document(did: str, *, client: httpx.Client, allow_loopback: bool = False,
                       limits: SyncLimits = DEFAULT_SYNC_LIMITS) -> dict[str, Any]:
    """The did:web DID document of ``did``, fetched under the rules of step 5 and checked to
    be a strict-JSON object whose ``id`` is ``did``. Raises ``REGISTRY_FETCH_FAILED``."""
    return _fetch_did_document(did, client, allow_loopback, limits)[1]


def _fetch_did_document(did: str, http: httpx.Client, allow_loopback: bool,
                        limits: SyncLimits) -> tuple[str, dict[str, Any], bytes]:
    try:
        web = parse_did_web(did)
    except Error as exc:
        raise _fail(did, str(exc)) from None
    url, data = _pinned_get(http, web, allow_loopback, limits)
    try:
        document = parse_json(data, what=f"DID document of {did}", limits=replace(
            DEFAULT_LIMITS, max_credential_bytes=limits.max_did_document_bytes))
    except Error as exc:
        raise _fail(url, str(exc)) from None
    if not isinstance(document, dict):
        raise _fail(url, "the DID document is not a JSON object")
    if document.get("id") != did:
        raise _fail(url, f"the DID document's id is {str(document.get('id'))[:80]!r}, not {did}")
    return url, document, data


def _assertion_keys(did: str, document: Mapping[str, Any]) -> dict[bytes, str]:
    """The keys the document lists for assertionMethod (raw bytes → multibase)."""
    listed = document.get("assertionMethod")
    if not isinstance(listed, list):
        return {}
    keys: dict[bytes, str] = {}
    for item in listed:
        method = item if isinstance(item, str) else (
            item.get("id") if isinstance(item, Mapping) else None)
        if not isinstance(method, str):
            raise Error("an assertionMethod entry is neither a URL nor a method object")
        key: PublicKey = resolve_from_did_document(method, did, document).public_key
        keys[key.raw] = key.multibase()
    return keys


def _compare(entry: IssuerEntry, url: str, document: Mapping[str, Any],
             now: datetime) -> tuple[bool, list[str]]:
    """Whether to cache the document, and the warnings (the registry is authoritative)."""
    try:
        listed = _assertion_keys(entry.did, document)
    except Error as exc:
        return False, [f"{entry.did}: the DID document at {url} is not usable ({exc}); not "
                       "cached"]
    registered = {k.public_key.raw for k in entry.keys}
    compromised = {k.public_key.raw for k in entry.keys if k.compromised is not None}
    warnings: list[str] = []
    foreign = [mb for raw, mb in listed.items() if raw not in registered]
    if foreign:
        return False, [f"{entry.did}: the DID document at {url} lists the key(s) "
                       f"{', '.join(foreign)}, which the registry does not list for this "
                       "issuer; not cached (the registry is authoritative)"]
    leaked = [mb for raw, mb in listed.items() if raw in compromised]
    if leaked:
        return False, [f"{entry.did}: the DID document at {url} lists the key(s) "
                       f"{', '.join(leaked)}, which the registry records as compromised; "
                       "not cached"]
    missing = [k.public_key_multibase for k in current_keys(entry, now)
               if k.public_key.raw not in listed]
    if missing:
        warnings.append(f"{entry.did}: the DID document at {url} does not list the registered "
                        f"key(s) {', '.join(missing)} for assertionMethod")
    return True, warnings


def _did_documents(registry: Registry, http: httpx.Client, now: datetime,
                   allow_loopback: bool, limits: SyncLimits
                   ) -> tuple[list[CachedDidDocument], list[str]]:
    entries = [e for e in registry.issuers if e.did.startswith("did:web:")]
    warnings: list[str] = []
    if len(entries) > limits.max_did_documents:
        warnings.append(f"the registry lists {len(entries):,} did:web issuers; only the first "
                        f"{limits.max_did_documents:,} DID documents were fetched")
        entries = entries[:limits.max_did_documents]
    if not entries:
        return [], warnings

    def fetch(entry: IssuerEntry) -> tuple[CachedDidDocument | None, list[str]]:
        try:
            url, document, data = _fetch_did_document(entry.did, http, allow_loopback, limits)
        except Error as exc:
            return None, [f"{entry.did}: no DID document ({exc})"]
        keep, notes = _compare(entry, url, document, now)
        return (CachedDidDocument(entry.did, url, data) if keep else None), notes

    workers = max(1, min(limits.did_workers, len(entries)))
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="did-web") as pool:
        results = list(pool.map(fetch, entries))
    documents = [doc for doc, _ in results if doc is not None]
    for _, notes in results:
        warnings.extend(notes)
    return documents, warnings


# -- status lists -------------------------------------------------------------------------

_LIST_NAME: Final = re.compile(r"[0-9]{1,9}-(revocation|suspension)\.json")


def _public_get(http: httpx.Client, url_text: str, allow_loopback: bool, limits: SyncLimits,
                max_bytes: int) -> bytes:
    """GET from a host that resolves to public addresses only (as for did:web), connecting
    to a checked address."""
    try:
        url = httpx.URL(url_text)
    except httpx.InvalidURL:
        raise _fail(url_text, "not a URL") from None
    _check_scheme(url, allow_loopback, url_text)
    addresses = _public_addresses(url.host, url.port or (443 if url.scheme == "https" else 80),
                                  url_text, allow_loopback)
    for address in addresses[:-1]:
        try:
            return _get(http, url, max_bytes=max_bytes, limits=limits, address=address).content
        except _ConnectFailed:
            continue
    return _get(http, url, max_bytes=max_bytes, limits=limits, address=addresses[-1]).content


def _status_lists(registry: Registry, cache: Cache, http: httpx.Client, now: datetime,
                  allow_loopback: bool, limits: SyncLimits) -> tuple[int, list[str]]:
    """Mirror the status lists of every issuer that has a ``statusUrl``: its ``index.json``
    names the lists (``N-revocation.json``, ``N-suspension.json``); each list must verify
    (signed by the issuer with a key the registry lists, well formed) before it is cached,
    and a list older than the cached copy never replaces it (no rollback of revocations)."""
    from vcskill.verifying.verifier import Verifier

    verifier = Verifier(registry=registry)
    mirrored, warnings = 0, []
    for entry in registry.issuers:
        if entry.status_url is None:
            continue
        base = entry.status_url.rstrip("/")
        try:
            index = parse_json(_public_get(http, f"{base}/index.json", allow_loopback, limits,
                                           limits.max_did_document_bytes),
                               what=f"status list index of {entry.did}")
            names = index.get("lists") if isinstance(index, dict) else None
            if not isinstance(names, list) or len(names) > limits.max_status_lists or \
                    not all(isinstance(n, str) and _LIST_NAME.fullmatch(n) for n in names):
                raise RegistryError("the index must be {\"lists\": [\"1-revocation.json\", "
                                    "...]} with at most "
                                    f"{limits.max_status_lists} list names")
        except Error as exc:
            warnings.append(f"{entry.did}: no status lists from {base}/index.json ({exc})")
            continue
        for name in names:
            url = f"{base}/{name}"
            try:
                data = _public_get(http, url, allow_loopback, limits,
                                   limits.max_status_list_bytes)
                listed = verifier.check_status_list(data, at=now)
                if listed.id != url or listed.issuer != entry.did:
                    raise RegistryError(f"it is the list {listed.id} of {listed.issuer}")
                cached = cache.status_list(url)
                if cached is not None:
                    older = verifier.check_status_list(cached, at=now)
                    if listed.valid_from and older.valid_from and \
                            listed.valid_from < older.valid_from:
                        raise RegistryError("it is older than the cached copy, which is kept")
                    if "revocation" in listed.purposes and (
                            len(listed.bits) < len(older.bits)
                            or cleared_bits(older.bits, listed.bits)):
                        # Revocation is permanent (Bitstring Status List §2.1): a newer list
                        # that un-revokes is misuse of the issuer's key, or a restored backup.
                        raise RegistryError("it clears revocation bits set in the cached "
                                            "copy, which is kept (revocation is permanent)")
                cache.save_status_list(url, data)
                mirrored += 1
            except Error as exc:
                warnings.append(f"{entry.did}: status list {url} not cached ({exc})")
    return mirrored, warnings

