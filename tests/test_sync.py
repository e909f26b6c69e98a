"""sync and Cache: fetching the registry over HTTP, verifying it, and keeping it offline.

A real HTTP server on 127.0.0.1 serves a site written by write_site; a route table lets a
test serve something else at a path (an older or tampered registry, a redirect, a slow or
endless body). DID documents are served from the same server: a request's Host header picks
the ``did-web/<host>_<port>/`` directory of the site, as the issuer's own server would.
"""

from __future__ import annotations

import hashlib
import json
import threading
import time
from collections.abc import Callable
from dataclasses import replace
from datetime import timedelta
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any

import httpx
import pytest

import did_registry.cache as cache_module
from did_registry.cache import Cache
from did_registry.errors import RegistryError
from did_registry.registry import RegistryLimits
from did_registry.site import write_site
from did_registry.sync import SyncLimits, SyncResult, fetch_did_document, sync
from tests.loopback import Server, send
from tests.test_site import EXPIRES, NOW, Publisher
from vcskill.errors import Code
from vcskill.keys.did import did_web_document
from vcskill.keys.keypair import PrivateKey
from vcskill.keys.resolver import OfflineResolver

Route = Callable[[BaseHTTPRequestHandler], None]


@pytest.fixture
def pub(server: Server) -> Publisher:
    """A regulator whose two did:web issuers live on the test server."""
    pub = Publisher()
    pub.add_issuer(f"did:web:{server.host}", keys=2)
    pub.add_issuer(f"did:web:{server.host}:issuers:b")
    pub.add_issuer("did:key:" + PrivateKey.generate().public_key.multibase())
    return pub


@pytest.fixture
def cache(tmp_path: Path) -> Cache:
    return Cache(tmp_path / "cache")


def publish(pub: Publisher, server: Server, **changes: Any) -> bytes:
    document = pub.publish(**changes)
    write_site(document, server.site, trusted_root=pub.trusted_root, now=NOW)
    return document


def run(server: Server, cache: Cache, pub: Publisher | None = None, *,
        url: str | None = None, **kwargs: Any) -> SyncResult:
    kwargs.setdefault("now", NOW)
    kwargs.setdefault("allow_loopback", True)
    if pub is not None:
        kwargs.setdefault("trusted_root", pub.trusted_root)
    return sync(url or server.url, cache, **kwargs)


def fails(code: Code, call: Callable[[], object], match: str | None = None) -> RegistryError:
    with pytest.raises(RegistryError, match=match) as info:
        call()
    assert info.value.code is code, f"{info.value.code}: {info.value}"
    return info.value


def snapshot_of(cache: Cache) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in cache.directory.iterdir()
            if p.is_file() and p.name != ".lock"}


# -- the first sync and offline use ------------------------------------------------------

def test_the_first_sync_needs_a_trusted_root(server: Server, pub: Publisher,
                                             cache: Cache) -> None:
    publish(pub, server)
    fails(Code.REGISTRY_MISSING, lambda: run(server, cache), match="--trust-root")
    assert server.requests == []  # refused before fetching anything
    fails(Code.REGISTRY_MISSING, lambda: cache.load_registry(now=NOW),
          match=r"vcskill sync URL --cache")


def test_a_good_first_sync_then_offline_use(server: Server, pub: Publisher,
                                            cache: Cache) -> None:
    document = publish(pub, server)
    result = run(server, cache, pub)
    assert (result.version, result.previous_version, result.changed, result.root_version,
            result.expires, result.did_documents, result.warnings) == (
        1, None, True, 1, EXPIRES, 2, ())
    assert result.summary() == ("registry v1 cached (root v1, expires 2026-12-31T00:00:00Z); "
                                "2 DID document(s) and 0 status list(s) cached")
    assert result.url == server.url + "registry.json"

    assert (cache.directory / "registry.json").read_bytes() == document
    assert cache.trusted_root() == pub.trusted_root
    state = json.loads((cache.directory / "state.json").read_text())
    assert state["url"] == result.url and state["etag"].startswith('"')
    assert state["registry_sha256"] == hashlib.sha256(document).hexdigest()

    server.stop()  # offline from here on
    registry = cache.load_registry(now=NOW)
    assert registry.info.version == 1 and registry.state == cache.state()
    assert {e.did for e in registry.issuers} == set(pub.issuers)


@pytest.mark.parametrize("form", ["{}", "{}/", "{}registry.json"])
def test_the_url_is_the_site_or_the_document(server: Server, pub: Publisher, cache: Cache,
                                              form: str) -> None:
    publish(pub, server)
    base = server.url.rstrip("/")
    url = form.format(base if form == "{}" else base + "/")
    assert run(server, cache, pub, url=url).url == server.url + "registry.json"


def test_the_did_web_documents_are_fetched_and_kept(server: Server, pub: Publisher,
                                                    cache: Cache) -> None:
    publish(pub, server)
    run(server, cache, pub)
    first, second = f"did:web:{server.host}", f"did:web:{server.host}:issuers:b"
    assert server.count("/.well-known/did.json") == 1
    assert server.count("/issuers/b/did.json") == 1
    documents = cache.did_documents()
    assert set(documents) == {first, second}
    key = pub.issuer_keys[second][0].public_key
    resolved = OfflineResolver(documents).resolve(f"{second}#{key.multibase()}")
    assert resolved.public_key == key
    index = json.loads((cache.directory / "did" / "index.json").read_text())
    assert index["documents"][first]["url"] == f"http://127.0.0.1:{server.port}/.well-known/did.json"

    # an issuer that leaves the registry leaves the cache too
    del pub.issuers[second]
    publish(pub, server, version=2)
    run(server, cache, pub)
    assert set(cache.did_documents()) == {first}
    assert len(list((cache.directory / "did").glob("*.json"))) == 2  # one + index


# -- conditional requests and updates ----------------------------------------------------

def test_an_unchanged_registry_is_a_304(server: Server, pub: Publisher, cache: Cache) -> None:
    publish(pub, server)
    run(server, cache, pub)
    etag = cache.fetch_info()
    assert etag is not None and etag.etag
    result = run(server, cache)
    assert not result.changed and result.version == 1
    assert result.summary().startswith("registry v1 unchanged")
    _, headers = [r for r in server.requests if r[0] == "/registry.json"][-1]
    assert headers["If-None-Match"] == etag.etag
    assert cache.fetch_info() == etag  # same etag and fetch time

    # 304 still re-checks the cached copy at the new time: an expired one is refused
    later = EXPIRES + timedelta(days=1)
    fails(Code.REGISTRY_EXPIRED, lambda: run(server, cache, now=later))


def test_a_newer_version_replaces_the_cached_one(server: Server, pub: Publisher,
                                                 cache: Cache) -> None:
    publish(pub, server)
    run(server, cache, pub)
    newer = publish(pub, server, version=2)
    result = run(server, cache)
    assert result.changed and (result.previous_version, result.version) == (1, 2)
    assert result.summary().startswith("registry v1 → v2")
    assert (cache.directory / "registry.json").read_bytes() == newer
    assert cache.load_registry(now=NOW).info.version == 2
    state = cache.state()
    assert state is not None and state.version == 2


@pytest.mark.parametrize("attack", ["rollback", "equivocation", "expired"])
def test_a_refused_registry_leaves_the_cache_as_it_was(server: Server, pub: Publisher,
                                                       cache: Cache, attack: str) -> None:
    older = publish(pub, server)
    publish(pub, server, version=2)
    run(server, cache, pub)
    before = snapshot_of(cache)
    if attack == "rollback":
        server.serve("/registry.json", older)
        code = Code.REGISTRY_ROLLBACK
    elif attack == "equivocation":
        server.serve("/registry.json", pub.publish(version=2, issued=NOW))
        code = Code.REGISTRY_EQUIVOCATION
    else:
        server.serve("/registry.json", pub.publish(version=3, expires=NOW - timedelta(days=1),
                                                   issued=NOW - timedelta(days=2)))
        code = Code.REGISTRY_EXPIRED
    fails(code, lambda: run(server, cache))
    assert snapshot_of(cache) == before
    assert cache.load_registry(now=NOW).info.version == 2


def test_an_expired_first_registry_is_refused(server: Server, pub: Publisher,
                                              cache: Cache) -> None:
    publish(pub, server)
    fails(Code.REGISTRY_EXPIRED, lambda: run(server, cache, pub,
                                             now=EXPIRES + timedelta(seconds=1)))
    assert not (cache.directory / "registry.json").exists()


# -- root rotation -----------------------------------------------------------------------

def test_a_good_root_rotation_advances_the_pinned_root(server: Server, pub: Publisher,
                                                       cache: Cache) -> None:
    publish(pub, server)
    run(server, cache, pub)
    new_root = pub.rotate([pub.root_keys[1], PrivateKey.generate()], 2)
    publish(pub, server, version=2)
    result = run(server, cache, pub)  # the old root given again is fine: the cache wins
    assert result.root_version == 2 and cache.trusted_root() == new_root
    assert cache.load_registry(now=NOW).root == new_root
    # and the registry may now drop the old root from its chain
    pub.roots = pub.roots[1:]
    server.serve("/registry.json", pub.publish(version=3))
    result = run(server, cache)
    assert (result.version, result.root_version) == (3, 2)
    assert any("older" in w for w in run(server, cache, pub).warnings)


def test_a_root_change_without_the_old_threshold_is_refused(server: Server, pub: Publisher,
                                                            cache: Cache) -> None:
    publish(pub, server)
    run(server, cache, pub)
    before = snapshot_of(cache)
    new_keys = [PrivateKey.generate(), PrivateKey.generate()]
    pub.rotate(new_keys, 2, old_signers=pub.root_keys[:1])  # 1 of the 2 old keys
    server.serve("/registry.json", pub.publish(version=2))
    fails(Code.REGISTRY_ROOT_ROTATION, lambda: run(server, cache))
    assert snapshot_of(cache) == before and cache.trusted_root() == pub.trusted_root


def test_a_given_root_must_agree_with_the_pinned_one(server: Server, pub: Publisher,
                                                     cache: Cache) -> None:
    publish(pub, server)
    run(server, cache, pub)
    stranger = Publisher()
    asked = len(server.requests)
    fails(Code.REGISTRY_ROOT_ROTATION, lambda: run(server, cache, stranger),
          match="another cache directory")
    assert len(server.requests) == asked  # refused before fetching
    # a newer root the chain does not reach is refused; one it reaches is accepted
    rotated = Publisher(root_keys=pub.root_keys)
    elsewhere = rotated.rotate([PrivateKey.generate()], 1)
    fails(Code.REGISTRY_ROLLBACK, lambda: run(server, cache, trusted_root=elsewhere))
    new_root = pub.rotate([PrivateKey.generate()], 1)
    publish(pub, server, version=2)
    fails(Code.REGISTRY_ROOT_ROTATION, lambda: run(server, cache, trusted_root=elsewhere))
    assert run(server, cache, trusted_root=new_root).root_version == 2


# -- the network -------------------------------------------------------------------------

def test_an_oversized_response_is_cut_off(server: Server, pub: Publisher,
                                          cache: Cache) -> None:
    publish(pub, server)
    total = 64 * 1024 * 1024
    sent: list[int] = [0]
    done = threading.Event()

    def endless(handler: BaseHTTPRequestHandler) -> None:
        handler.send_response(200)
        handler.end_headers()  # no Content-Length: the body runs until the connection ends
        chunk = b" " * 65536
        try:
            while sent[0] < total:
                handler.wfile.write(chunk)
                sent[0] += len(chunk)
        except OSError:
            pass
        finally:
            done.set()

    server.routes["/registry.json"] = endless
    limits = SyncLimits(registry=RegistryLimits(max_bytes=200_000))
    fails(Code.REGISTRY_FETCH_FAILED, lambda: run(server, cache, pub, limits=limits),
          match="too large: more than 200,000 bytes")
    assert done.wait(5)
    assert sent[0] < total  # it stopped reading long before the end

    def announced(handler: BaseHTTPRequestHandler) -> None:
        handler.send_response(200)
        handler.send_header("Content-Length", "9" * 9)
        handler.end_headers()
        handler.wfile.write(b"{")

    server.routes["/registry.json"] = announced
    fails(Code.REGISTRY_FETCH_FAILED, lambda: run(server, cache, pub),
          match="999,999,999 bytes announced")


def test_a_slow_server_times_out(server: Server, pub: Publisher, cache: Cache) -> None:
    def slow(handler: BaseHTTPRequestHandler) -> None:
        server.released.wait(2)

    server.routes["/registry.json"] = slow
    limits = SyncLimits(read_timeout=0.2)
    started = time.monotonic()
    fails(Code.REGISTRY_FETCH_FAILED, lambda: run(server, cache, pub, limits=limits),
          match="timed out")
    assert time.monotonic() - started < 1.5

    def drip(handler: BaseHTTPRequestHandler) -> None:
        handler.send_response(200)
        handler.end_headers()
        for _ in range(20):
            if server.released.wait(0.05):
                return
            handler.wfile.write(b" ")
            handler.wfile.flush()

    server.routes["/registry.json"] = drip
    limits = SyncLimits(download_deadline=0.2)
    fails(Code.REGISTRY_FETCH_FAILED, lambda: run(server, cache, pub, limits=limits),
          match="took longer than 0.2 s")


def test_redirects_stay_on_the_host(server: Server, pub: Publisher, cache: Cache) -> None:
    publish(pub, server)

    def redirect(to: str) -> Route:
        return lambda h: send(h, 302, b"", {"Location": to})

    server.routes["/old/registry.json"] = redirect("/registry.json")
    assert run(server, cache, pub, url=server.url + "old/").version == 1

    for to in ("https://registry.example/registry.json", f"http://localhost:{server.port}/x",
               f"http://127.0.0.1:{server.port + 1}/registry.json"):
        server.routes["/moved/registry.json"] = redirect(to)
        fails(Code.REGISTRY_FETCH_FAILED, lambda: run(server, cache, url=server.url + "moved/"),
              match="redirected off-host")

    for n in range(5):
        server.routes[f"/loop{n}/registry.json"] = redirect(f"/loop{n + 1}/registry.json")
    fails(Code.REGISTRY_FETCH_FAILED, lambda: run(server, cache, url=server.url + "loop0/"),
          match="more than 3 redirects")


@pytest.mark.parametrize(("status", "reason"), [(404, "HTTP 404"), (500, "HTTP 500"),
                                                (204, "HTTP 204"), (304, "HTTP 304")])
def test_only_200_and_304_are_accepted(server: Server, pub: Publisher, cache: Cache,
                                       status: int, reason: str) -> None:
    server.routes["/registry.json"] = lambda h: send(h, status, b"")
    error = fails(Code.REGISTRY_FETCH_FAILED, lambda: run(server, cache, pub), match=reason)
    assert server.url + "registry.json" in str(error)


def test_plain_http_only_to_loopback_and_only_when_allowed(server: Server, pub: Publisher,
                                                           cache: Cache) -> None:
    publish(pub, server)
    fails(Code.REGISTRY_FETCH_FAILED, lambda: run(server, cache, pub, allow_loopback=False),
          match="plain http is refused")
    fails(Code.REGISTRY_FETCH_FAILED,
          lambda: run(server, cache, pub, url="http://registry.example/"),
          match="plain http is refused")
    assert server.requests == []
    with pytest.raises(Exception, match="credentials"):
        run(server, cache, pub, url=f"http://u:p@127.0.0.1:{server.port}/")


def test_connection_refused(pub: Publisher, cache: Cache, server: Server) -> None:
    port = server.port
    server.stop()
    fails(Code.REGISTRY_FETCH_FAILED,
          lambda: run(server, cache, pub, url=f"http://127.0.0.1:{port}/"),
          match="no connection")


# -- did:web documents: where they may come from, and what they may say --------------------

def mock_client(document: bytes, did_documents: dict[str, bytes] | None = None
                ) -> tuple[httpx.Client, list[httpx.Request]]:
    seen: list[httpx.Request] = []

    def handle(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        if request.url.path == "/registry.json":
            return httpx.Response(200, content=document)
        body = (did_documents or {}).get(request.headers["Host"])
        return httpx.Response(200, content=body) if body else httpx.Response(404)

    return httpx.Client(transport=httpx.MockTransport(handle)), seen


@pytest.mark.parametrize(("did", "reason"), [
    ("did:web:10.0.0.1", "10.0.0.1, a private address"),
    ("did:web:127.0.0.1", "127.0.0.1, a loopback address"),
    ("did:web:169.254.169.254", "169.254.169.254, a link-local address"),
    ("did:web:0.0.0.0", "0.0.0.0, an unspecified address"),
    ("did:web:224.0.0.1", "224.0.0.1, a multicast address"),
    ("did:web:localhost", "a loopback address"),
])
def test_did_web_hosts_must_be_public(cache: Cache, did: str, reason: str) -> None:
    pub = Publisher()
    pub.add_issuer(did)
    client, seen = mock_client(pub.publish())
    result = sync("https://registry.example/", cache, now=NOW, trusted_root=pub.trusted_root,
                  client=client)
    assert result.version == 1 and result.did_documents == 0
    (warning,) = result.warnings
    assert warning.startswith(f"{did}: no DID document") and reason in warning
    assert [r.url.host for r in seen] == ["registry.example"]  # never connected to it


def test_a_private_did_host_is_refused_even_with_allow_loopback(
        server: Server, pub: Publisher, cache: Cache) -> None:
    pub.add_issuer("did:web:10.0.0.1")
    publish(pub, server)
    result = run(server, cache, pub)
    assert result.did_documents == 2  # the two on the loopback server
    (warning,) = result.warnings
    assert warning.startswith("did:web:10.0.0.1: no DID document (could not fetch "
                              "https://10.0.0.1/.well-known/did.json: the host 10.0.0.1 "
                              "resolves to 10.0.0.1, a private address")


def test_the_did_request_goes_to_the_checked_address(cache: Cache,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    pub = Publisher()
    did = "did:web:issuer.example:u:alice"
    key, = pub.add_issuer(did)
    monkeypatch.setattr("socket.getaddrinfo", lambda host, port, **kw: [
        (2, 1, 6, "", ("93.184.216.34", port))] if host == "issuer.example" else [])
    body = json.dumps(did_web_document(did, [key.public_key])).encode()
    client, seen = mock_client(pub.publish(), {"issuer.example": body})
    result = sync("https://registry.example/", cache, now=NOW, trusted_root=pub.trusted_root,
                  client=client)
    assert result.did_documents == 1 and result.warnings == ()
    request = seen[-1]
    assert str(request.url) == "https://93.184.216.34/u/alice/did.json"
    assert request.headers["Host"] == "issuer.example"
    assert request.extensions["sni_hostname"] == "issuer.example"
    assert fetch_did_document(did, client=client)["id"] == did


def test_a_mismatching_did_document_is_a_warning(server: Server, pub: Publisher,
                                                 cache: Cache) -> None:
    first, second = f"did:web:{server.host}", f"did:web:{server.host}:issuers:b"
    publish(pub, server)
    # the first lists only one of its two registered keys; the second adds a stranger's key
    one = pub.issuer_keys[first][0].public_key
    server.serve("/.well-known/did.json", json.dumps(did_web_document(first, [one])).encode())
    stranger = PrivateKey.generate().public_key
    server.serve("/issuers/b/did.json", json.dumps(did_web_document(
        second, [pub.issuer_keys[second][0].public_key, stranger])).encode())
    result = run(server, cache, pub)
    assert result.version == 1 and result.did_documents == 1
    missing, foreign = sorted(result.warnings, key=lambda w: "does not list" not in w)
    assert first in missing and pub.issuer_keys[first][1].public_key.multibase() in missing
    assert second in foreign and stranger.multibase() in foreign and "not cached" in foreign
    assert set(cache.did_documents()) == {first}


@pytest.mark.parametrize(("body", "reason"), [
    (b"not json", "not JSON|PARSING|JSON"),
    (b'{"id": "did:web:someone.else"}', "id is"),
    (b"[]", "not a JSON object"),
    (b'{"id": 1, "id": 2}', "duplicate|twice|more than once"),
])
def test_a_bad_did_document_is_a_warning(server: Server, pub: Publisher, cache: Cache,
                                         body: bytes, reason: str) -> None:
    publish(pub, server)
    server.serve("/.well-known/did.json", body)
    result = run(server, cache, pub)
    assert result.did_documents == 1
    (warning,) = result.warnings
    assert f"did:web:{server.host}: no DID document" in warning


def test_an_oversized_did_document_is_a_warning(server: Server, pub: Publisher,
                                                cache: Cache) -> None:
    publish(pub, server)
    server.serve("/issuers/b/did.json", b" " * (64 * 1024 + 1))
    result = run(server, cache, pub)
    (warning,) = result.warnings
    assert "too large" in warning and result.did_documents == 1


def test_a_missing_did_document_is_a_warning(server: Server, pub: Publisher,
                                             cache: Cache) -> None:
    publish(pub, server)
    (server.site / "did-web" / f"127.0.0.1_{server.port}" / ".well-known" / "did.json").unlink()
    result = run(server, cache, pub)
    assert result.version == 1 and result.did_documents == 1
    (warning,) = result.warnings
    assert "HTTP 404" in warning


# -- the cache: crashes and damage ---------------------------------------------------------

class Crash(Exception):
    pass


def crash_at(monkeypatch: pytest.MonkeyPatch, name: str) -> None:
    """Make the write of ``name`` (a cache file) die, as a killed process would."""
    real = cache_module.write_bytes_atomic

    def write(path: Path, data: bytes, **kwargs: Any) -> None:
        if Path(path).name == name:
            raise Crash(name)
        real(path, data, **kwargs)

    monkeypatch.setattr(cache_module, "write_bytes_atomic", write)


@pytest.mark.parametrize("name", ["registry.json", "state.json", "trusted-root.json"])
def test_a_crash_during_an_update_leaves_a_loadable_cache(
        server: Server, pub: Publisher, cache: Cache, monkeypatch: pytest.MonkeyPatch,
        name: str) -> None:
    older = publish(pub, server)
    run(server, cache, pub)
    pub.rotate([pub.root_keys[0], PrivateKey.generate()], 2)  # every file changes
    publish(pub, server, version=2)
    crash_at(monkeypatch, name)
    with pytest.raises(Crash):
        run(server, cache)
    monkeypatch.undo()
    version = cache.load_registry(now=NOW).info.version
    assert version == (1 if name == "registry.json" else 2)
    if version == 2:  # the rollback state follows the registry even if state.json lags
        server.serve("/registry.json", older)
        fails(Code.REGISTRY_ROLLBACK, lambda: run(server, cache))
        del server.routes["/registry.json"]
    result = run(server, cache)
    assert (result.version, result.root_version) == (2, 2)
    assert cache.trusted_root() == cache.load_registry(now=NOW).root


@pytest.mark.parametrize("name", ["trusted-root.json", "state.json", "registry.json"])
def test_a_crash_during_the_first_sync_leaves_an_empty_or_full_cache(
        server: Server, pub: Publisher, cache: Cache, monkeypatch: pytest.MonkeyPatch,
        name: str) -> None:
    publish(pub, server)
    crash_at(monkeypatch, name)
    with pytest.raises(Crash):
        run(server, cache, pub)
    monkeypatch.undo()
    fails(Code.REGISTRY_MISSING, lambda: cache.load_registry(now=NOW))
    assert run(server, cache, pub).version == 1
    assert cache.load_registry(now=NOW).info.version == 1


def test_a_damaged_state_does_not_turn_off_rollback_protection(
        server: Server, pub: Publisher, cache: Cache) -> None:
    publish(pub, server)
    run(server, cache, pub)
    state = cache.directory / "state.json"
    for damage in (b"{not json", b'{"format": 1, "snapshot": {"version": -1}}', None):
        if damage is None:
            state.unlink()
        else:
            state.write_bytes(damage)
        fails(Code.REGISTRY_CACHE_CORRUPT, lambda: cache.load_registry(now=NOW),
              match="rollback|state.json")
        fails(Code.REGISTRY_CACHE_CORRUPT, lambda: run(server, cache))
    # with no registry cached either, there is nothing to protect: a fresh start
    (cache.directory / "registry.json").unlink()
    state.write_bytes(b"garbage")
    assert cache.state() is None
    assert run(server, cache).version == 1


def test_other_cache_damage_is_named(server: Server, pub: Publisher, cache: Cache) -> None:
    publish(pub, server)
    run(server, cache, pub)
    (cache.directory / "trusted-root.json").write_text('{"version": 1}')
    fails(Code.REGISTRY_CACHE_CORRUPT, lambda: cache.load_registry(now=NOW),
          match="trusted-root.json")
    (cache.directory / "trusted-root.json").unlink()
    fails(Code.REGISTRY_CACHE_CORRUPT, lambda: cache.load_registry(now=NOW))

    did_file = next(p for p in (cache.directory / "did").iterdir() if p.name != "index.json")
    did_file.write_text('{"id": "did:web:elsewhere.example"}')
    fails(Code.REGISTRY_CACHE_CORRUPT, cache.did_documents, match="not the DID document")


def test_a_registry_file_swapped_for_an_older_one_is_refused(
        server: Server, pub: Publisher, cache: Cache) -> None:
    older = publish(pub, server)
    run(server, cache, pub)
    publish(pub, server, version=2)
    run(server, cache)
    (cache.directory / "registry.json").write_bytes(older)
    fails(Code.REGISTRY_ROLLBACK, lambda: cache.load_registry(now=NOW))
    assert run(server, cache).version == 2  # a sync repairs it
    assert cache.load_registry(now=NOW).info.version == 2


def test_the_cached_registry_can_be_read_expired_when_asked(
        server: Server, pub: Publisher, cache: Cache) -> None:
    publish(pub, server)
    run(server, cache, pub)
    later = EXPIRES + timedelta(days=1)
    fails(Code.REGISTRY_EXPIRED, lambda: cache.load_registry(now=later))
    assert cache.load_registry(now=later, allow_expired=True).info.expired


def test_a_did_document_with_a_compromised_key_is_not_cached(server: Server, pub: Publisher,
                                                             cache: Cache) -> None:
    did = f"did:web:{server.host}"
    entry = pub.issuers[did]
    leaked = replace(entry.keys[0], compromised=NOW - timedelta(days=1))
    pub.issuers[did] = replace(entry, keys=(leaked, entry.keys[1]))
    publish(pub, server)
    keys = [k.public_key for k in pub.issuer_keys[did]]
    server.serve("/.well-known/did.json", json.dumps(did_web_document(did, keys)).encode())
    result = run(server, cache, pub)
    (warning,) = result.warnings
    assert "compromised" in warning and leaked.public_key_multibase in warning
    assert did not in cache.did_documents()
