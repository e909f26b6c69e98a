"""The frozen context store: pinned hashes, refusals, and no network, ever."""

from __future__ import annotations

import hashlib
import json
import shutil
import socket
from pathlib import Path
from typing import Any

import pytest
from pyld import jsonld as pyld_jsonld

from tests.conftest import VECTORS, load_json
from vcskill.errors import Code, ConfigurationError, ContextError
from vcskill.linkeddata.contexts import ContextStore
from vcskill.linkeddata.jsonld import to_nquads

BUNDLED = Path(__file__).parents[1] / "vcskill" / "contexts"
MANIFEST = load_json(BUNDLED / "manifest.json")
V2 = "https://www.w3.org/ns/credentials/v2"
EXAMPLES = "https://www.w3.org/ns/credentials/examples/v2"
UNDEFINED_TERMS = "https://www.w3.org/ns/credentials/undefined-terms/v2"
CITIZENSHIP = "https://w3id.org/citizenship/v4rc1"
SKILL_V1 = "https://w3id.org/vcskill/v1"
TEST_ONLY = {EXAMPLES, UNDEFINED_TERMS, CITIZENSHIP}

# sha256 values printed in the 2025 Recommendations (VCDM 2.0, VC Data Integrity 1.0 and
# Bitstring Status List 1.0), copied here independently of the manifest.
REC_SHA256 = {
    V2: "59955ced6697d61e03f2b2556febe5308ab16842846f5b586d7f1f7adec92734",
    "https://w3id.org/security/data-integrity/v2": (
        "67f21e6e33a6c14e5ccfd2fc7865f7474fb71a04af7e94136cb399dfac8ae8f4"
    ),
    "https://w3id.org/security/multikey/v1": (
        "ba2c182de2d92f7e47184bcca8fcf0beaee6d3986c527bf664c195bbc7c58597"
    ),
    "https://w3id.org/security/jwk/v1": (
        "0f14b62f6071aafe00df265770ea0c7508e118247d79b7d861a406d2aa00bece"
    ),
    "https://www.w3.org/ns/credentials/status/v1": (
        "fda5add353231e6a6884a46b12e6c75464281900cb348284d9c360f62381d9f7"
    ),
}

CREDENTIAL = {
    "@context": [V2],
    "type": ["VerifiableCredential"],
    "issuer": "did:example:issuer",
    "credentialSubject": {"id": "did:example:subject"},
}


def entries() -> list[dict[str, Any]]:
    result: list[dict[str, Any]] = MANIFEST["contexts"]
    return result


def tampered_copy(tmp_path: Path, edit: Any) -> Path:
    """A copy of the bundled folder with ``edit(folder)`` applied."""
    folder = tmp_path / "contexts"
    shutil.copytree(BUNDLED, folder)
    edit(folder)
    return folder


def write_manifest(folder: Path, manifest: Any) -> None:
    (folder / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")


# --- the pinned bytes -------------------------------------------------------------------------


@pytest.mark.parametrize("entry", entries(), ids=lambda e: e["file"])
def test_every_bundled_file_matches_its_manifest_hash(entry: dict[str, Any]) -> None:
    data = (BUNDLED / entry["file"]).read_bytes()
    assert hashlib.sha256(data).hexdigest() == entry["sha256"]


def test_rec_printed_hashes_match_the_files_and_the_manifest() -> None:
    by_url = {e["url"]: e for e in entries()}
    for url, printed in REC_SHA256.items():
        entry = by_url[url]
        assert entry["rec_sha256"] == printed
        assert hashlib.sha256((BUNDLED / entry["file"]).read_bytes()).hexdigest() == printed
    assert {e["url"] for e in entries() if "rec_sha256" in e} == set(REC_SHA256)


def test_manifest_agrees_with_the_vector_index() -> None:
    # Every third-party context is a byte copy of the vector folder's; ours is the one extra.
    index = load_json(VECTORS / "contexts" / "index.json")
    pinned = {c["url"]: (c["file"], c["sha256"]) for c in index["contexts"]}
    ours = {e["url"]: (e["file"], e["sha256"]) for e in entries() if e["url"] != SKILL_V1}
    assert ours == pinned
    assert {e["url"] for e in entries()} - set(pinned) == {SKILL_V1}


def test_test_only_flags() -> None:
    assert {e["url"] for e in entries() if e["test_only"]} == TEST_ONLY


# --- construction -----------------------------------------------------------------------------


def test_bundled_stores_are_built_once() -> None:
    assert ContextStore.bundled() is ContextStore.bundled()
    assert ContextStore.bundled(allow_test_contexts=True) is ContextStore.bundled(
        allow_test_contexts=True
    )
    assert ContextStore.bundled() is not ContextStore.bundled(allow_test_contexts=True)


def test_from_directory_serves_the_same_documents() -> None:
    store = ContextStore.from_directory(BUNDLED)
    assert store.urls() == ContextStore.bundled().urls()
    assert store.get(V2) == ContextStore.bundled().get(V2)


def test_a_tampered_context_stops_the_store(tmp_path: Path) -> None:
    def edit(folder: Path) -> None:
        path = folder / "credentials-v2.jsonld"
        path.write_bytes(
            path.read_bytes().replace(b"VerifiableCredential", b"VerifiableCredentia1")
        )

    with pytest.raises(ConfigurationError) as caught:
        ContextStore.from_directory(tampered_copy(tmp_path, edit))
    assert caught.value.code is Code.CONTEXT_INTEGRITY_ERROR
    assert "credentials-v2.jsonld" in str(caught.value)


def test_a_whitespace_change_is_tampering_too(tmp_path: Path) -> None:
    def edit(folder: Path) -> None:
        path = folder / "multikey-v1.jsonld"
        path.write_bytes(path.read_bytes() + b"\n")

    with pytest.raises(ConfigurationError) as caught:
        ContextStore.from_directory(tampered_copy(tmp_path, edit))
    assert caught.value.code is Code.CONTEXT_INTEGRITY_ERROR
    assert "multikey-v1.jsonld" in str(caught.value)


def test_a_missing_context_file_stops_the_store(tmp_path: Path) -> None:
    folder = tampered_copy(tmp_path, lambda f: (f / "cid-v1.jsonld").unlink())
    with pytest.raises(ConfigurationError) as caught:
        ContextStore.from_directory(folder)
    assert caught.value.code is Code.CONTEXT_INTEGRITY_ERROR
    assert "cid-v1.jsonld" in str(caught.value)


def test_a_missing_manifest_stops_the_store(tmp_path: Path) -> None:
    folder = tampered_copy(tmp_path, lambda f: (f / "manifest.json").unlink())
    with pytest.raises(ConfigurationError) as caught:
        ContextStore.from_directory(folder)
    assert caught.value.code is Code.CONTEXT_INTEGRITY_ERROR


def test_a_rec_hash_that_differs_from_the_pinned_one_stops_the_store(tmp_path: Path) -> None:
    manifest = json.loads(json.dumps(MANIFEST))
    manifest["contexts"][0]["rec_sha256"] = "0" * 64
    folder = tampered_copy(tmp_path, lambda f: write_manifest(f, manifest))
    with pytest.raises(ConfigurationError) as caught:
        ContextStore.from_directory(folder)
    assert caught.value.code is Code.CONTEXT_INTEGRITY_ERROR


@pytest.mark.parametrize(
    "change",
    [
        pytest.param(lambda m: m["contexts"][7].update(testOnly=True), id="unknown-key"),
        pytest.param(lambda m: m["contexts"][7].pop("test_only"), id="missing-test_only"),
        pytest.param(lambda m: m["contexts"][0].update(test_only="no"), id="test_only-not-bool"),
        pytest.param(lambda m: m["contexts"][0].update(file="../x.jsonld"), id="path-in-file"),
        pytest.param(lambda m: m["contexts"][0].update(sha256="ABC"), id="bad-sha256"),
        pytest.param(lambda m: m["contexts"].append(m["contexts"][0]), id="duplicate-url"),
        pytest.param(lambda m: m.update(format=2), id="unknown-format"),
        pytest.param(lambda m: m.update(extra=1), id="unknown-top-level-key"),
    ],
)
def test_a_malformed_manifest_is_a_configuration_error(tmp_path: Path, change: Any) -> None:
    manifest = json.loads(json.dumps(MANIFEST))
    change(manifest)
    folder = tampered_copy(tmp_path, lambda f: write_manifest(f, manifest))
    with pytest.raises(ConfigurationError) as caught:
        ContextStore.from_directory(folder)
    assert caught.value.code is Code.CONFIGURATION_ERROR
    assert "manifest" in str(caught.value)


def test_a_store_is_immutable() -> None:
    store = ContextStore.bundled()
    with pytest.raises(AttributeError):
        store._texts = {}  # type: ignore[misc]
    with pytest.raises(AttributeError):
        del store._texts


def test_get_returns_a_fresh_copy() -> None:
    store = ContextStore.bundled()
    store.get(V2)["@context"]["VerifiableCredential"] = "https://evil.example/#VC"
    assert store.get(V2)["@context"]["VerifiableCredential"] != "https://evil.example/#VC"


# --- what is served, what is refused ----------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "https://example.com/contexts/v1",
        V2 + "/",
        "http://www.w3.org/ns/credentials/v2",
        "HTTPS://www.w3.org/ns/credentials/v2",
        "https://www.w3.org/ns/credentials/x/../v2",
        " " + V2,
        "",
    ],
)
def test_unknown_urls_are_refused(url: str) -> None:
    store = ContextStore.bundled(allow_test_contexts=True)
    assert not store.is_known(url)
    with pytest.raises(ContextError) as caught:
        store.get(url)
    assert caught.value.code is Code.UNKNOWN_CONTEXT
    assert repr(url) in str(caught.value)
    assert "not bundled" in str(caught.value)
    assert "never fetched" in str(caught.value)
    with pytest.raises(ContextError) as caught:
        store.document_loader()(url, {})
    assert caught.value.code is Code.UNKNOWN_CONTEXT


@pytest.mark.parametrize("url", sorted(TEST_ONLY))
def test_test_only_contexts_are_refused_unless_allowed(url: str) -> None:
    production = ContextStore.bundled()
    assert not production.is_known(url)
    assert url not in production.urls()
    with pytest.raises(ContextError) as caught:
        production.get(url)
    assert caught.value.code is Code.UNKNOWN_CONTEXT
    assert "for tests only" in str(caught.value)
    with pytest.raises(ContextError):
        production.document_loader()(url, {})

    testing = ContextStore.bundled(allow_test_contexts=True)
    assert testing.is_known(url)
    assert "@context" in testing.get(url)


def test_production_store_serves_every_other_context() -> None:
    expected = {e["url"] for e in entries()} - TEST_ONLY
    assert ContextStore.bundled().urls() == expected
    assert not ContextStore.bundled().allows_test_contexts


def test_document_loader_returns_pyld_remote_documents() -> None:
    loader = ContextStore.bundled().document_loader()
    remote = loader(V2, {})
    assert remote["contentType"] == "application/ld+json"
    assert remote["contextUrl"] is None
    assert remote["documentUrl"] == V2
    assert remote["document"] == ContextStore.bundled().get(V2)
    remote["document"]["@context"].clear()  # pyld edits what it is given; the store must not care
    assert loader(V2, {})["document"] == ContextStore.bundled().get(V2)


def test_document_loader_works_with_plain_pyld() -> None:
    options = {"documentLoader": ContextStore.bundled().document_loader(), "base": None}
    expanded = pyld_jsonld.expand(CREDENTIAL, options)
    assert expanded[0]["@type"] == ["https://www.w3.org/2018/credentials#VerifiableCredential"]


def test_test_only_contexts_do_not_leak_between_stores() -> None:
    """pyld's default cache is per process; each store keeps its own."""
    doc = {**CREDENTIAL, "@context": [V2, EXAMPLES]}
    to_nquads(doc, contexts=ContextStore.bundled(allow_test_contexts=True))
    with pytest.raises(ContextError) as caught:
        to_nquads(doc, contexts=ContextStore.bundled())
    assert caught.value.code is Code.UNKNOWN_CONTEXT


# --- no network -------------------------------------------------------------------------------


@pytest.fixture
def no_network(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every way out of the process through a socket raises, and is recorded."""
    attempts: list[str] = []

    def refuse(name: str) -> Any:
        def blocked(*args: Any, **kwargs: Any) -> Any:
            attempts.append(name)
            raise AssertionError(f"network access attempted: {name}{args!r}")

        return blocked

    monkeypatch.setattr(socket.socket, "connect", refuse("socket.connect"))
    monkeypatch.setattr(socket.socket, "connect_ex", refuse("socket.connect_ex"))
    monkeypatch.setattr(socket, "create_connection", refuse("socket.create_connection"))
    monkeypatch.setattr(socket, "getaddrinfo", refuse("socket.getaddrinfo"))
    return attempts


@pytest.mark.parametrize(
    "context",
    [
        "https://example.com/contexts/unknown/v1",
        "https://w3id.org/security/suites/ed25519-2020/v1",  # real, popular, not bundled
        "http://127.0.0.1:9/context.jsonld",
    ],
)
def test_unknown_remote_context_is_refused_without_network(
    no_network: list[str], context: str
) -> None:
    doc = {**CREDENTIAL, "@context": [V2, context]}
    with pytest.raises(ContextError) as caught:
        to_nquads(doc, contexts=ContextStore.bundled(allow_test_contexts=True))
    assert caught.value.code is Code.UNKNOWN_CONTEXT
    assert context in str(caught.value)
    assert no_network == []


def test_plain_pyld_with_our_loader_does_not_touch_the_network(no_network: list[str]) -> None:
    doc = {**CREDENTIAL, "@context": [V2, "https://example.com/unknown"]}
    options = {"documentLoader": ContextStore.bundled().document_loader(), "base": None}
    with pytest.raises(pyld_jsonld.JsonLdError) as caught:
        pyld_jsonld.expand(doc, options)
    cause: BaseException | None = caught.value
    while cause is not None and not isinstance(cause, ContextError):
        cause = cause.__cause__
    assert isinstance(cause, ContextError)
    assert cause.code is Code.UNKNOWN_CONTEXT
    assert no_network == []
