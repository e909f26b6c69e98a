"""did:key and did:web: parsing, DID documents, verification method URLs."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.conftest import VECTORS, load_json
from vcskill.errors import Code, Error, UsageError
from vcskill.keys.did import (
    DID_CONTEXT,
    MULTIKEY_CONTEXT,
    DidWeb,
    did_key_document,
    did_web_document,
    did_web_from_spec,
    did_web_to_url,
    parse_did_web,
    public_key_from_did_key,
    split_verification_method,
)
from vcskill.keys.keypair import KeyAlgorithm, PrivateKey, PublicKey
from vcskill.keys.multibase import Multicodec, encode_base58btc_multibase, encode_multikey

ED25519_DID_KEYS: dict[str, Any] = load_json(VECTORS / "did-key/ed25519-x25519.json")
NIST_DID_KEYS: dict[str, Any] = load_json(VECTORS / "did-key/nist-curves.json")
SUPPORTED_DID_KEYS = sorted(
    [*ED25519_DID_KEYS, *(d for d in NIST_DID_KEYS if not d.startswith("did:key:z2J9"))]
)
ED_MB = "z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2"  # vc-di-eddsa keyPair.json


# -- split_verification_method ---------------------------------------------------------

@pytest.mark.parametrize(
    ("vm", "controller", "fragment"),
    [
        (f"did:key:{ED_MB}#{ED_MB}", f"did:key:{ED_MB}", ED_MB),
        ("did:web:example.com#key-1", "did:web:example.com", "key-1"),
        ("did:web:example.com%3A8443:issuers:a#z6Mk", "did:web:example.com%3A8443:issuers:a",
         "z6Mk"),
        ("did:example:123#key-0", "did:example:123", "key-0"),
    ],
)
def test_split_verification_method(vm: str, controller: str, fragment: str) -> None:
    assert split_verification_method(vm) == (controller, fragment)


@pytest.mark.parametrize(
    "vm",
    [
        f"did:key:{ED_MB}",  # no fragment (the BSL REC examples do this)
        "did:web:example.com#",
        "#key-1",
        "https://example.com/issuer#key-1",
        "did:web:example.com/path#key-1",
        "did:web:example.com?x=1#key-1",
        "did:web:#key",
        "did:Web:example.com#key",
        "did:web:example.com#a#b",
        "did:web:example.com#key 1",
        "did:web:example.com:#key",
        "",
        None,
        42,
    ],
)
def test_split_verification_method_rejects(vm: Any) -> None:
    with pytest.raises(Error) as info:
        split_verification_method(vm)
    assert info.value.code is Code.INVALID_VERIFICATION_METHOD_URL


# -- did:key ---------------------------------------------------------------------------

@pytest.mark.parametrize("did", SUPPORTED_DID_KEYS)
def test_did_key_vectors_resolve(did: str) -> None:
    entries = ED25519_DID_KEYS | NIST_DID_KEYS
    vector_document = entries[did]["didDocument"]
    key = public_key_from_did_key(did)
    assert key.did_key() == did
    vm_id = f"{did}#{did.removeprefix('did:key:')}"
    assert public_key_from_did_key(vm_id) == key
    assert key.verification_method_id() == vm_id
    document = did_key_document(did)
    # The 2022 vectors use legacy method types; the ids and relationships must agree.
    assert document["id"] == vector_document["id"] == did
    for relationship in ("assertionMethod", "authentication", "capabilityInvocation",
                         "capabilityDelegation"):
        assert document[relationship] == vector_document[relationship] == [vm_id]
    assert document["verificationMethod"][0]["id"] == \
        vector_document["verificationMethod"][0]["id"] == vm_id


def test_did_key_document_is_the_multikey_form() -> None:
    did = f"did:key:{ED_MB}"
    vm_id = f"{did}#{ED_MB}"
    assert did_key_document(did) == {
        "@context": [DID_CONTEXT, MULTIKEY_CONTEXT],
        "id": did,
        "verificationMethod": [
            {"id": vm_id, "type": "Multikey", "controller": did, "publicKeyMultibase": ED_MB}
        ],
        "authentication": [vm_id],
        "assertionMethod": [vm_id],
        "capabilityInvocation": [vm_id],
        "capabilityDelegation": [vm_id],
    }
    # the shape the DI assertion suite's default key uses
    path = "test-suite-fixtures/data-integrity-test-suite-assertion/vc-generator/defaultKey.json"
    default_key = load_json(VECTORS / path)
    method = did_key_document(default_key["controller"])["verificationMethod"][0]
    for name in ("id", "type", "controller", "publicKeyMultibase"):
        assert method[name] == default_key[name]
    with pytest.raises(Error):
        did_key_document(vm_id)


def test_did_key_for_every_vector_verification_method() -> None:
    for path in sorted(VECTORS.glob("vc-di-*/**/signed*.json")):
        text = path.read_text(encoding="utf-8")
        for vm in {v for v in _find(json.loads(text), "verificationMethod")}:
            controller, fragment = split_verification_method(vm)
            key = public_key_from_did_key(vm)
            assert key.did_key() == controller and key.multibase() == fragment


def _find(value: Any, name: str) -> list[str]:
    if isinstance(value, dict):
        found = [value[name]] if isinstance(value.get(name), str) else []
        return found + [x for v in value.values() for x in _find(v, name)]
    if isinstance(value, list):
        return [x for v in value for x in _find(v, name)]
    return []


@pytest.mark.parametrize(
    ("value", "code", "message"),
    [
        (f"did:key:{ED_MB}#key-1", Code.INVALID_VERIFICATION_METHOD_URL, "must repeat the key"),
        (f"did:key:{ED_MB}#", Code.INVALID_VERIFICATION_METHOD_URL, "must repeat the key"),
        (f"did:web:example.com#{ED_MB}", Code.INVALID_VERIFICATION_METHOD_URL, "not a did:key"),
        ("did:key:", Code.INVALID_VERIFICATION_METHOD_URL, "'z' base58btc"),
        (f"did:key:u{ED_MB[1:]}", Code.INVALID_VERIFICATION_METHOD_URL, "'z' base58btc"),
        (f"did:key:{ED_MB}/path", Code.INVALID_VERIFICATION_METHOD_URL, "'z' base58btc"),
        (f"did:key:{ED_MB}?q", Code.INVALID_VERIFICATION_METHOD_URL, "'z' base58btc"),
        (f"did:key:1:{ED_MB}", Code.INVALID_VERIFICATION_METHOD_URL, "'z' base58btc"),
        (f"did:key:{ED_MB[:-1]}0", Code.INVALID_VERIFICATION_METHOD, "invalid base58btc"),
        ("did:key:" + encode_base58btc_multibase(b"\xed\x01" + b"\x01" * 31),
         Code.INVALID_VERIFICATION_METHOD, "must have 32"),
        ("did:key:z2J9gaYxrKVpdoG9A4gRnmpnRCcxU6agDtFVVBVdn1JedouoZN7SzcyREXXzWgt3gGiwpoHq7K68"
         "X4m32D8HgzG8wv3sY5j7", Code.INVALID_VERIFICATION_METHOD, "p521-pub"),
        ("did:key:z6LShs9GGnqk85isEBzzshkuVWrVKsRp24GnDuHk8QWkARMW",
         Code.INVALID_VERIFICATION_METHOD, "x25519-pub"),
        (None, Code.INVALID_VERIFICATION_METHOD_URL, "not a did:key"),
    ],
)
def test_did_key_rejects(value: Any, code: Code, message: str) -> None:
    with pytest.raises(Error, match=message) as info:
        public_key_from_did_key(value)
    assert info.value.code is code


def test_did_key_with_a_secret_key_is_rejected() -> None:
    secret = encode_multikey(Multicodec.ED25519_PRIV, b"\x01" * 32)
    with pytest.raises(Error, match="SECRET key") as info:
        public_key_from_did_key(f"did:key:{secret}")
    assert info.value.code is Code.INVALID_VERIFICATION_METHOD
    assert secret not in str(info.value)


# -- did:web ---------------------------------------------------------------------------

@pytest.mark.parametrize(
    ("spec", "did", "url"),
    [
        ("example.com", "did:web:example.com", "https://example.com/.well-known/did.json"),
        ("example.com:8443/issuers/a", "did:web:example.com%3A8443:issuers:a",
         "https://example.com:8443/issuers/a/did.json"),
        ("w3c-ccg.github.io/user/alice", "did:web:w3c-ccg.github.io:user:alice",
         "https://w3c-ccg.github.io/user/alice/did.json"),
        ("localhost:8080", "did:web:localhost%3A8080", "https://localhost:8080/.well-known/did.json"),
        ("192.168.1.10", "did:web:192.168.1.10", "https://192.168.1.10/.well-known/did.json"),
        ("xn--fiqs8s.example",
         "did:web:xn--fiqs8s.example", "https://xn--fiqs8s.example/.well-known/did.json"),
        ("a.example/v1.0/Issuer_A", "did:web:a.example:v1.0:Issuer_A",
         "https://a.example/v1.0/Issuer_A/did.json"),
    ],
)
def test_did_web_from_spec_and_url(spec: str, did: str, url: str) -> None:
    assert did_web_from_spec(spec) == did
    assert did_web_to_url(did) == url
    assert parse_did_web(did).did == did


@pytest.mark.parametrize(
    "spec",
    [
        "", "https://example.com", "Example.com", "user@example.com", "example.com/",
        "example.com//a", "example.com/a/../b", "example.com/./b", "example.com:0",
        "example.com:65536", "example.com:08443", "example.com:http", "example.com:",
        "[::1]", "example.com/a?b", "example.com#x", "exa mple.com", "example.com/a%2Fb",
        "-example.com", "example-.com", "example..com", ".example.com", "example.com.",
        "256.1.1.1", "1.2.3", "01.2.3.4", "例子.com", "a" * 64 + ".com", "example.com\\a",
        "example.com/a:b",
    ],
)
def test_did_web_from_spec_rejects(spec: str) -> None:
    with pytest.raises(UsageError) as info:
        did_web_from_spec(spec)
    assert info.value.code is Code.USAGE_ERROR


@pytest.mark.parametrize(
    ("did", "url"),
    [
        ("did:web:example.com%3a8443", "https://example.com:8443/.well-known/did.json"),
        ("did:web:example.com:user:alice", "https://example.com/user/alice/did.json"),
    ],
)
def test_did_web_to_url(did: str, url: str) -> None:
    assert did_web_to_url(did) == url


@pytest.mark.parametrize(
    "did",
    [
        "did:web:", "did:key:z6Mk", "did:web:example.com#key-1", "did:web:example.com/a",
        "did:web:example.com%2Fa", "did:web:example.com%3A", "did:web:example.com%3Ax",
        "did:web:example.com::a", "did:web:example.com:a:", "did:web:EXAMPLE.com",
        "did:web:example.com:..", "did:web:user@example.com", "did:web:example.com?x",
        "did:web:example.com%3A80%3A81", "did:web:exa mple.com", None,
    ],
)
def test_parse_did_web_rejects(did: Any) -> None:
    with pytest.raises(Error) as info:
        parse_did_web(did)
    assert info.value.code is Code.MALFORMED_VALUE_ERROR


_labels = st.from_regex(r"[a-z][a-z0-9]{0,10}", fullmatch=True)
_segments = st.from_regex(r"[A-Za-z0-9_-][A-Za-z0-9._-]{0,10}", fullmatch=True).filter(
    lambda s: s not in (".", "..")
)


@given(
    st.lists(_labels, min_size=1, max_size=4),
    st.one_of(st.none(), st.integers(min_value=1, max_value=65535)),
    st.lists(_segments, max_size=4),
)
def test_did_web_round_trip(labels: list[str], port: int | None, path: list[str]) -> None:
    host = ".".join(labels)
    authority = host if port is None else f"{host}:{port}"
    spec = authority + "".join(f"/{s}" for s in path)
    did = did_web_from_spec(spec)
    parsed = parse_did_web(did)
    assert parsed == DidWeb(host, port, tuple(path))
    expected_path = "/".join(path) if path else ".well-known"
    assert did_web_to_url(did) == f"https://{authority}/{expected_path}/did.json"
    assert split_verification_method(f"{did}#key-1") == (did, "key-1")


def test_did_web_document() -> None:
    did = "did:web:example.com%3A8443:issuers:a"
    keys = [PrivateKey.generate(KeyAlgorithm.ED25519).public_key,
            PrivateKey.generate(KeyAlgorithm.P256).public_key]
    document = did_web_document(did, keys)
    ids = [f"{did}#{k.multibase()}" for k in keys]
    assert document == {
        "@context": [DID_CONTEXT, MULTIKEY_CONTEXT],
        "id": did,
        "verificationMethod": [
            {"id": i, "type": "Multikey", "controller": did, "publicKeyMultibase": k.multibase()}
            for i, k in zip(ids, keys, strict=True)
        ],
        "assertionMethod": ids,
    }
    for vm, key in zip(ids, keys, strict=True):
        controller, fragment = split_verification_method(vm)
        assert controller == did
        found = next(m for m in document["verificationMethod"] if m["id"] == vm)
        assert PublicKey.from_multibase(found["publicKeyMultibase"]) == key
        assert fragment == key.multibase()


def test_did_web_document_is_accepted_by_the_resolver() -> None:
    from vcskill.keys.resolver import resolve_from_did_document

    did = "did:web:example.com"
    key = PrivateKey.generate(KeyAlgorithm.P256).public_key
    vm = f"{did}#{key.multibase()}"
    resolved = resolve_from_did_document(vm, did, did_web_document(did, [key]))
    assert resolved.public_key == key and resolved.controller == did


def test_did_web_document_rejects() -> None:
    key = PrivateKey.generate().public_key
    with pytest.raises(UsageError, match="at least one"):
        did_web_document("did:web:example.com", [])
    with pytest.raises(UsageError, match="twice"):
        did_web_document("did:web:example.com", [key, key])
    with pytest.raises(Error):
        did_web_document("did:web:example.com#key-1", [key])
    with pytest.raises(Error):
        did_web_document(key.did_key(), [key])
