"""Multibase, Multikey, signing keys and key files, checked against the official vectors."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.conftest import VECTORS, load_json
from vcskill.errors import Code, Error, KeyFileError, UsageError
from vcskill.keys.keyfile import (
    KeyFile,
    did_document_path,
    metadata_path,
    passphrase_from_env,
    read_key_file,
    write_key_file,
)
from vcskill.keys.keypair import KeyAlgorithm, PrivateKey, PublicKey
from vcskill.keys.multibase import (
    SECRET_CODECS,
    Multicodec,
    b58decode,
    b58encode,
    b64url_decode,
    b64url_encode,
    decode_base58btc_multibase,
    decode_base64url_multibase,
    decode_multibase,
    decode_multikey,
    decode_varint,
    encode_base58btc_multibase,
    encode_base64url_multibase,
    encode_multikey,
    encode_varint,
)

P256_ORDER = 0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551
P384_ORDER = int(
    "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFC7634D81F4372DDF581A0DB248B0A77AECEC196ACCC52973",
    16,
)
PASSPHRASE = "correct horse 电池 staple".encode()


def _key_pair(name: str) -> dict[str, str]:
    data: dict[str, str] = load_json(VECTORS / name)
    return data


def _secret(pair: dict[str, str]) -> str:
    return pair.get("privateKeyMultibase") or pair["secretKeyMultibase"]


KEY_PAIRS = {
    "eddsa": "vc-di-eddsa/keyPair.json",
    "p256": "vc-di-ecdsa/p256KeyPair.json",
    "p384": "vc-di-ecdsa/p384KeyPair.json",
}


def _vector_key(which: str) -> PrivateKey:
    return PrivateKey.from_multibase(_secret(_key_pair(KEY_PAIRS[which])))


# -- base58btc / base64url / varint --------------------------------------------------

# Bitcoin's well-known base58 encode/decode examples.
BASE58_EXAMPLES = [
    ("", ""),
    ("61", "2g"),
    ("626262", "a3gV"),
    ("636363", "aPEr"),
    ("73696d706c792061206c6f6e6720737472696e67", "2cFupjhnEsSn59qHXstmK2ffpLv2"),
    ("00eb15231dfceb60925886b67d065299925915aeb172c06647", "1NS17iag9jJgTHD1VXjvLCEnZuQ3rJDE9L"),
    ("516b6fcd0f", "ABnLTmg"),
    ("572e4794", "3EFU7m"),
    ("ecac89cad93923c02321", "EJDM8drfXA6uyA"),
    ("10c8511e", "Rt5zm"),
    ("00000000000000000000", "1111111111"),
]


@pytest.mark.parametrize(("hex_data", "text"), BASE58_EXAMPLES)
def test_base58_known_values(hex_data: str, text: str) -> None:
    assert b58encode(bytes.fromhex(hex_data)) == text
    assert b58decode(text) == bytes.fromhex(hex_data)


@pytest.mark.parametrize("bad", ["0", "O", "I", "l", "abc+", "z z", "é", "6Mk\n"])
def test_base58_rejects_characters_outside_the_alphabet(bad: str) -> None:
    with pytest.raises(Error) as info:
        b58decode(bad)
    assert info.value.code is Code.MALFORMED_VALUE_ERROR
    assert "invalid base58btc character" in str(info.value)


def test_base58_rejects_overlong_input_quickly() -> None:
    with pytest.raises(Error, match="too long"):
        b58decode("2" * 100_000)


@given(st.binary(max_size=200))
def test_base58_round_trip(data: bytes) -> None:
    assert b58decode(b58encode(data)) == data
    if data:  # an empty multibase value ("z") is refused on purpose
        assert decode_base58btc_multibase(encode_base58btc_multibase(data)) == data
        assert decode_multibase(encode_base58btc_multibase(data)) == data


@given(st.binary(max_size=200))
def test_base64url_round_trip(data: bytes) -> None:
    text = b64url_encode(data)
    assert "=" not in text
    assert b64url_decode(text) == data
    assert decode_base64url_multibase(encode_base64url_multibase(data)) == data
    assert decode_multibase("u" + text) == data


@pytest.mark.parametrize("bad", ["AA==", "A", "ab+/", "ab.c", "AB", "AAB"])
def test_base64url_is_strict(bad: str) -> None:
    # padding, impossible length, standard alphabet, junk, non-zero spare bits
    with pytest.raises(Error):
        b64url_decode(bad)


def test_multibase_prefixes() -> None:
    with pytest.raises(Error, match="must start with 'z'"):
        decode_base58btc_multibase("u6Mk")
    with pytest.raises(Error, match="empty"):
        decode_base58btc_multibase("z")
    with pytest.raises(Error, match="must start with 'u'"):
        decode_base64url_multibase("zAA")
    with pytest.raises(Error, match="unsupported multibase prefix 'm'"):
        decode_multibase("mAAAA")


@pytest.mark.parametrize(
    ("number", "encoded"),
    [(0, "00"), (1, "01"), (127, "7f"), (128, "8001"), (0xED, "ed01"), (0x1200, "8024"),
     (0x1201, "8124"), (0x1300, "8026"), (0x1306, "8626"), (0x1307, "8726")],
)
def test_varint_known_values(number: int, encoded: str) -> None:
    assert encode_varint(number) == bytes.fromhex(encoded)
    assert decode_varint(bytes.fromhex(encoded) + b"rest") == (number, len(encoded) // 2)


@given(st.integers(min_value=0, max_value=2**63 - 1))
def test_varint_round_trip(number: int) -> None:
    data = encode_varint(number)
    assert decode_varint(data) == (number, len(data))


@pytest.mark.parametrize("bad", ["", "80", "ff", "8000", "ed81", "ffffffffffffffffff01"])
def test_varint_rejects_truncated_and_non_minimal(bad: str) -> None:
    with pytest.raises(Error):
        decode_varint(bytes.fromhex(bad))


# -- Multikey headers (CID 1.0 §2.2.2) ------------------------------------------------

def test_multikey_wrong_length_is_rejected() -> None:
    too_short = encode_base58btc_multibase(bytes.fromhex("8024") + b"\x02" * 32)
    with pytest.raises(Error) as info:
        decode_multikey(too_short)
    assert info.value.code is Code.INVALID_VERIFICATION_METHOD
    assert "32 bytes" in str(info.value) and "33" in str(info.value)
    with pytest.raises(Error, match="has 32 bytes"):
        encode_multikey(Multicodec.ED25519_PUB, b"\x00" * 31)


def test_multikey_unknown_header_is_rejected() -> None:
    value = encode_base58btc_multibase(bytes.fromhex("e701") + b"\x02" * 33)  # secp256k1
    with pytest.raises(Error, match="secp256k1-pub key, which is not supported") as info:
        PublicKey.from_multibase(value)
    assert info.value.code is Code.INVALID_VERIFICATION_METHOD
    with pytest.raises(Error, match="multicodec 0x7f"):
        PublicKey.from_multibase(encode_base58btc_multibase(b"\x7f" + b"\x00" * 32))


def test_secret_key_is_never_taken_for_a_public_key() -> None:
    secret = _secret(_key_pair(KEY_PAIRS["eddsa"]))
    with pytest.raises(Error, match="SECRET key") as info:
        PublicKey.from_multibase(secret)
    assert secret not in str(info.value)
    with pytest.raises(KeyFileError, match="public key, not a secret key"):
        PrivateKey.from_multibase(_key_pair(KEY_PAIRS["eddsa"])["publicKeyMultibase"])
    assert decode_multikey(secret, allowed=SECRET_CODECS).codec is Multicodec.ED25519_PRIV


@pytest.mark.parametrize("bad", [42, "", "6MkrJVnaZkeFzdQy", "z", "z0OIl", "uAAAA"])
def test_public_key_from_bad_multibase(bad: Any) -> None:
    with pytest.raises(Error) as info:
        PublicKey.from_multibase(bad)
    assert info.value.code is Code.INVALID_VERIFICATION_METHOD


# -- CID 1.0 Multikey / JsonWebKey examples --------------------------------------------

def _cid(name: str) -> dict[str, Any]:
    data: dict[str, Any] = load_json(VECTORS / "cid-multikey" / name)
    return data


@pytest.mark.parametrize(
    ("name", "algorithm"),
    [
        ("cid.an-ed25519-public-key-encoded-as-a-multikey.json", KeyAlgorithm.ED25519),
        ("cid.multikey-encoding-of-a-ed25519-public-key.json", KeyAlgorithm.ED25519),
        ("cid.a-p-256-public-key-encoded-as-a-multikey.json", KeyAlgorithm.P256),
        ("cid.a-p-384-public-key-encoded-as-a-multikey.json", KeyAlgorithm.P384),
        ("vc-di-ecdsa.an-p-256-public-key-encoded-as-a-multikey.json", KeyAlgorithm.P256),
        ("vc-di-eddsa.an-ed25519-public-key-encoded-as-a-multikey.json", KeyAlgorithm.ED25519),
    ],
)
def test_cid_multikey_examples(name: str, algorithm: KeyAlgorithm) -> None:
    value = _cid(name)["publicKeyMultibase"]
    key = PublicKey.from_multibase(value)
    assert key.algorithm is algorithm
    assert key.multibase() == value
    assert len(key.raw) == {"ed25519": 32, "p256": 33, "p384": 49}[algorithm]
    assert PublicKey.from_jwk(key.to_jwk()) == key


def test_cid_controller_documents_hold_valid_multikeys() -> None:
    doc = _cid("cid.controlled-identifier-document-in-json-ld-format-using-multikey.json")
    assert PublicKey.from_multibase(doc["authentication"][0]["publicKeyMultibase"])
    doc = _cid("vc-di-eddsa.an-ed25519-public-key-encoded-as-a-multikey-in-a-controller-"
               "document.json")
    assert PublicKey.from_multibase(doc["verificationMethod"][0]["publicKeyMultibase"])
    doc = _cid("cid.controlled-identifier-document-in-json-format-using-jsonwebkey.json")
    key = PublicKey.from_jwk(doc["verificationMethod"][0]["publicKeyJwk"])  # kid/alg ignored
    assert key.algorithm is KeyAlgorithm.P256 and key.jose_algorithm == "ES256"


def test_cid_ed25519_jwk_example() -> None:
    jwk = _cid("cid.an-ed25519-public-key-encoded-as-a-jsonwebkey.json")["publicKeyJwk"]
    key = PublicKey.from_jwk(jwk)
    assert key.algorithm is KeyAlgorithm.ED25519
    assert key.to_jwk() == jwk


@pytest.mark.parametrize(
    "name",
    [
        # The spec's P-256 / P-384 JsonWebKey examples are placeholders, not curve points:
        # P-256 "x" is base64url of ASCII text with non-zero spare bits; P-384 is off-curve.
        "cid.a-p-256-public-key-encoded-as-a-jsonwebkey.json",
        "cid.a-p-384-public-key-encoded-as-a-jsonwebkey.json",
        "cid.a-bls12-381-g2-group-public-key-encoded-as-a-jsonwebkey.json",
    ],
)
def test_cid_invalid_or_unsupported_jwk_examples_are_rejected(name: str) -> None:
    with pytest.raises(Error) as info:
        PublicKey.from_jwk(_cid(name)["publicKeyJwk"])
    assert info.value.code is Code.INVALID_VERIFICATION_METHOD


@pytest.mark.parametrize(
    ("name", "codec_name"),
    [
        ("cid.a-bls12-381-g2-group-public-key-encoded-as-a-multikey.json", "bls12_381-g2-pub"),
        ("cid.an-sm2-public-key-encoded-as-a-multikey.json", "sm2-pub"),
    ],
)
def test_cid_unsupported_multikeys_are_rejected_cleanly(name: str, codec_name: str) -> None:
    with pytest.raises(Error) as info:
        PublicKey.from_multibase(_cid(name)["publicKeyMultibase"])
    assert info.value.code is Code.INVALID_VERIFICATION_METHOD
    assert f"{codec_name} key, which is not supported" in str(info.value)


# -- JWK parsing -------------------------------------------------------------------------

def test_public_jwk_with_private_member_is_rejected() -> None:
    jwk = _vector_key("p256").to_jwk()
    assert "d" in jwk
    with pytest.raises(Error, match="private member 'd'") as info:
        PublicKey.from_jwk(jwk)
    assert jwk["d"] not in str(info.value)


@pytest.mark.parametrize(
    "jwk",
    [
        {"kty": "OKP", "crv": "Ed25519"},
        {"kty": "OKP", "crv": "Ed25519", "x": "AAAA"},
        {"kty": "EC", "crv": "Ed25519", "x": "A" * 43},
        {"kty": "OKP", "crv": "X25519", "x": "A" * 43},
        {"kty": "EC", "crv": "P-256", "x": "A" * 43},
        {"kty": "EC", "crv": "P-256", "x": "A" * 43, "y": "A" * 43},
        {"kty": "EC", "crv": "P-521", "x": "A" * 88, "y": "A" * 88},
        {"kty": "RSA", "n": "AQAB", "e": "AQAB"},
        {"kty": "EC", "crv": "P-256", "x": 1, "y": 2},
    ],
)
def test_bad_public_jwks(jwk: dict[str, Any]) -> None:
    with pytest.raises(Error) as info:
        PublicKey.from_jwk(jwk)
    assert info.value.code is Code.INVALID_VERIFICATION_METHOD


def test_jwk_not_an_object() -> None:
    with pytest.raises(Error):
        PublicKey.from_jwk(["kty", "EC"])  # type: ignore[arg-type]


# -- PublicKey invariants ----------------------------------------------------------------

def test_public_key_rejects_uncompressed_and_off_curve_points() -> None:
    key = _vector_key("p256").public_key
    uncompressed = key.crypto_key.public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
    )
    with pytest.raises(Error, match="compressed point"):
        PublicKey(KeyAlgorithm.P256, uncompressed)
    with pytest.raises(Error, match="compressed point"):
        PublicKey(KeyAlgorithm.P256, b"\x04" + key.raw[1:])
    with pytest.raises(Error, match="not a point on the curve"):
        PublicKey(KeyAlgorithm.P256, b"\x02" + b"\xff" * 32)
    with pytest.raises(Error, match="32 bytes"):
        PublicKey(KeyAlgorithm.ED25519, b"\x00" * 33)
    with pytest.raises(Error, match="unsupported key algorithm"):
        PublicKey("rsa", b"")  # type: ignore[arg-type]
    assert PublicKey("p256", key.raw) == key  # type: ignore[arg-type]


def test_public_key_properties() -> None:
    expected = {"eddsa": ("EdDSA", "sha256"), "p256": ("ES256", "sha256"),
                "p384": ("ES384", "sha384")}
    for which, (alg, hash_name) in expected.items():
        key = _vector_key(which).public_key
        assert key.jose_algorithm == alg
        assert key.hash_name == hash_name
        mb = key.multibase()
        assert key.did_key() == f"did:key:{mb}"
        assert key.verification_method_id() == f"did:key:{mb}#{mb}"
        assert repr(key) == f"PublicKey({key.algorithm.value}, {mb})"
        assert hash(key) == hash(PublicKey.from_multibase(mb))


def test_from_cryptography_rejects_other_curves() -> None:
    other = ec.generate_private_key(ec.SECP256K1()).public_key()
    with pytest.raises(Error, match="unsupported curve secp256k1") as info:
        PublicKey.from_cryptography(other)
    assert info.value.code is Code.KEY_TYPE_ERROR
    with pytest.raises(Error) as info:
        PrivateKey(ec.generate_private_key(ec.SECP521R1()))
    assert info.value.code is Code.KEY_TYPE_ERROR


_ed_keys = st.binary(min_size=32, max_size=32).map(
    lambda seed: PrivateKey(ed25519.Ed25519PrivateKey.from_private_bytes(seed))
)
_p256_keys = st.integers(min_value=1, max_value=P256_ORDER - 1).map(
    lambda d: PrivateKey(ec.derive_private_key(d, ec.SECP256R1()))
)
_p384_keys = st.integers(min_value=1, max_value=P384_ORDER - 1).map(
    lambda d: PrivateKey(ec.derive_private_key(d, ec.SECP384R1()))
)
_any_key = st.one_of(_ed_keys, _p256_keys, _p384_keys)


@settings(max_examples=60, deadline=None)
@given(_any_key)
def test_public_key_multibase_and_jwk_round_trip(key: PrivateKey) -> None:
    public = key.public_key
    assert PublicKey.from_multibase(public.multibase()) == public
    assert PublicKey.from_jwk(public.to_jwk()) == public
    assert public.multibase().startswith({"ed25519": "z6Mk", "p256": "zDna",
                                          "p384": "z82L"}[public.algorithm])
    private_jwk = key.to_jwk()
    assert PrivateKey.from_jwk(private_jwk).public_key == public


# -- key pairs from the cryptosuite vectors -----------------------------------------------

@pytest.mark.parametrize("which", sorted(KEY_PAIRS))
def test_vector_key_pairs_load(which: str) -> None:
    pair = _key_pair(KEY_PAIRS[which])
    key = PrivateKey.from_multibase(_secret(pair))
    assert key.public_key.multibase() == pair["publicKeyMultibase"]
    assert key.algorithm is {"eddsa": KeyAlgorithm.ED25519, "p256": KeyAlgorithm.P256,
                             "p384": KeyAlgorithm.P384}[which]


def test_proof_set_key_pairs_load() -> None:
    pairs = load_json(VECTORS / "vc-di-eddsa/proof-set-chain/multiKeyPairs.json")
    for pair in pairs.values():
        assert PrivateKey.from_multibase(pair["privateKeyMultibase"]).public_key.multibase() \
            == pair["publicKeyMultibase"]


def test_test_suite_64_byte_ed25519_secret() -> None:
    path = "test-suite-fixtures/data-integrity-test-suite-assertion/vc-generator/defaultKey.json"
    data = load_json(VECTORS / path)
    assert len(decode_multikey(data["secretKeyMultibase"], allowed=SECRET_CODECS).raw) == 64
    key = PrivateKey.from_multibase(data["secretKeyMultibase"])
    assert key.public_key.multibase() == data["publicKeyMultibase"]
    assert key.public_key.verification_method_id() == data["id"]


def test_64_byte_ed25519_secret_with_wrong_public_half() -> None:
    seed = b"\x01" * 32
    other = PrivateKey(ed25519.Ed25519PrivateKey.from_private_bytes(b"\x02" * 32))
    value = encode_multikey(Multicodec.ED25519_PRIV, seed + other.public_key.raw)
    with pytest.raises(KeyFileError, match="public half does not match"):
        PrivateKey.from_multibase(value)


@pytest.mark.parametrize("scalar", [0, P256_ORDER, 2**256 - 1])
def test_p256_secret_out_of_range(scalar: int) -> None:
    value = encode_multikey(Multicodec.P256_PRIV, scalar.to_bytes(32, "big"))
    with pytest.raises(KeyFileError, match="out of range"):
        PrivateKey.from_multibase(value)


# -- signatures: the official vectors ---------------------------------------------------

def _signature_vectors() -> list[tuple[str, Path, Path]]:
    cases = []
    for combined in sorted(VECTORS.glob("vc-di-*/**/combinedHash*.txt")):
        suffix = combined.name.removeprefix("combinedHash")
        which = "eddsa" if "eddsa" in str(combined) else (
            "p384" if "P384" in suffix else "p256"
        )
        cases.append((which, combined, combined.with_name("sigHex" + suffix)))
    return cases


SIGNATURE_VECTORS = _signature_vectors()


def test_all_signature_vectors_found() -> None:
    # eddsa rdfc / rdfc-employ / jcs; ecdsa {p256, p384} x {rdfc, rdfc-employ, jcs}
    assert len(SIGNATURE_VECTORS) == 9
    assert all(sig.exists() for _, _, sig in SIGNATURE_VECTORS)


@pytest.mark.parametrize(
    ("which", "combined", "sig_hex"),
    SIGNATURE_VECTORS,
    ids=[str(c.relative_to(VECTORS).parent) for _, c, _ in SIGNATURE_VECTORS],
)
def test_signature_vectors_reproduce_exactly(which: str, combined: Path, sig_hex: Path) -> None:
    key = _vector_key(which)
    message = bytes.fromhex(combined.read_text().strip())
    expected = bytes.fromhex(sig_hex.read_text().strip())
    signature = key.sign(message)
    assert signature == expected  # Ed25519, and RFC 6979 deterministic ECDSA
    assert key.sign(message) == signature
    sig_btc58 = sig_hex.with_name(sig_hex.name.replace("sigHex", "sigBTC58"))
    assert encode_base58btc_multibase(signature) == sig_btc58.read_text().strip()
    public = PublicKey.from_multibase(key.public_key.multibase())
    assert public.verify(expected, message)
    assert not public.verify(expected, message + b"\x00")
    tampered = bytearray(expected)
    tampered[-1] ^= 1
    assert not public.verify(bytes(tampered), message)


def test_ed25519_rdfc_vector_named_in_brief() -> None:
    folder = VECTORS / "vc-di-eddsa/eddsa-rdfc-2022"
    message = bytes.fromhex((folder / "combinedHashDataInt.txt").read_text().strip())
    assert _vector_key("eddsa").sign(message).hex() == \
        (folder / "sigHexDataInt.txt").read_text().strip()


def test_p256_rdfc_vector_named_in_brief() -> None:
    folder = VECTORS / "vc-di-ecdsa/ecdsa-rdfc-2019-p256"
    message = bytes.fromhex((folder / "combinedHashECDSAP256.txt").read_text().strip())
    assert _vector_key("p256").sign(message).hex() == \
        (folder / "sigHexECDSAP256.txt").read_text().strip()


@pytest.mark.parametrize("which", sorted(KEY_PAIRS))
def test_verify_never_raises_on_bad_signatures(which: str) -> None:
    key = _vector_key(which)
    public = key.public_key
    message = b"message"
    good = key.sign(message)
    size = len(good) // 2
    order = {"eddsa": 0, "p256": P256_ORDER, "p384": P384_ORDER}[which]
    bad: list[Any] = [b"", b"\x00", good[:-1], good + b"\x00", b"\x00" * len(good),
                      b"\xff" * len(good), "not bytes", None, 12]
    if order:
        r_too_big = order.to_bytes(size, "big") + good[size:]
        bad += [r_too_big, good[:size] + b"\x00" * size]
    for signature in bad:
        assert public.verify(signature, message) is False
    assert public.verify(good, message) is True
    assert public.verify(bytearray(good), bytearray(message)) is True  # type: ignore[arg-type]
    assert public.verify(good, "message") is False  # type: ignore[arg-type]


def test_ecdsa_signature_is_fixed_length_p1363() -> None:
    for which, size in (("p256", 64), ("p384", 96)):
        key = _vector_key(which)
        for i in range(20):
            assert len(key.sign(bytes([i]))) == size


def test_generated_keys_sign_and_verify() -> None:
    for algorithm in KeyAlgorithm:
        key = PrivateKey.generate(algorithm)
        assert key.algorithm is algorithm
        signature = key.sign(b"hello")
        assert key.public_key.verify(signature, b"hello")
        other = PrivateKey.generate(algorithm)
        assert not other.public_key.verify(signature, b"hello")
    assert PrivateKey.generate().algorithm is KeyAlgorithm.ED25519


def test_private_key_never_shows_secret() -> None:
    key = _vector_key("p256")
    d = key.to_jwk()["d"]
    assert d not in repr(key) and d not in str(key)
    assert key.public_key.multibase() in repr(key)


def test_private_jwk_works_with_jwcrypto() -> None:
    from jwcrypto import jwk, jws

    for which in sorted(KEY_PAIRS):
        key = _vector_key(which)
        token = jws.JWS(b"payload")
        token.add_signature(jwk.JWK(**key.to_jwk()), alg=key.public_key.jose_algorithm,
                            protected={"alg": key.public_key.jose_algorithm})
        compact = token.serialize(compact=True)
        header, payload, signature = compact.split(".")
        signing_input = f"{header}.{payload}".encode()
        assert key.public_key.verify(b64url_decode(signature), signing_input)
        # and jwcrypto accepts our signature with our public JWK
        ours = b64url_encode(key.sign(signing_input))
        check = jws.JWS()
        check.deserialize(f"{header}.{payload}.{ours}")
        check.verify(jwk.JWK(**key.public_key.to_jwk()),
                     alg=key.public_key.jose_algorithm)


def test_private_jwk_with_mismatched_public_part() -> None:
    jwk = _vector_key("p256").to_jwk()
    jwk["x"] = _vector_key("p256").public_key.to_jwk()["y"]
    with pytest.raises(KeyFileError, match="do not match"):
        PrivateKey.from_jwk(jwk)
    with pytest.raises(KeyFileError, match="bad private JWK"):
        PrivateKey.from_jwk({"kty": "EC", "crv": "P-256"})


# -- did:key vectors (key derivation) ---------------------------------------------------

ED25519_DID_KEYS = load_json(VECTORS / "did-key/ed25519-x25519.json")
NIST_DID_KEYS = load_json(VECTORS / "did-key/nist-curves.json")


@pytest.mark.parametrize("did", sorted(ED25519_DID_KEYS))
def test_did_key_ed25519_seeds(did: str) -> None:
    entry = ED25519_DID_KEYS[did]
    key = PrivateKey(ed25519.Ed25519PrivateKey.from_private_bytes(bytes.fromhex(entry["seed"])))
    assert key.public_key.did_key() == did
    pair = entry["verificationKeyPair"]
    if "publicKeyBase58" in pair:
        assert b58decode(pair["publicKeyBase58"]) == key.public_key.raw
    else:
        assert key.public_key.to_jwk() == pair["publicKeyJwk"]
        assert PrivateKey.from_jwk(pair["privateKeyJwk"]).public_key == key.public_key
        assert key.to_jwk() == pair["privateKeyJwk"]


@pytest.mark.parametrize("did", sorted(NIST_DID_KEYS))
def test_did_key_nist_curves(did: str) -> None:
    method = NIST_DID_KEYS[did]["verificationMethod"]
    multibase = did.removeprefix("did:key:")
    if multibase.startswith("z2J9"):  # P-521: not supported, rejected cleanly
        with pytest.raises(Error, match="p521-pub key, which is not supported"):
            PublicKey.from_multibase(multibase)
        with pytest.raises(KeyFileError, match="P-521"):
            PrivateKey.from_jwk(method["privateKeyJwk"])
        return
    key = PublicKey.from_multibase(multibase)
    if "publicKeyJwk" in method:
        assert key.to_jwk() == method["publicKeyJwk"]
        assert PublicKey.from_jwk(method["publicKeyJwk"]) == key
        private = PrivateKey.from_jwk(method["privateKeyJwk"])
        assert private.public_key == key
        assert private.to_jwk() == method["privateKeyJwk"]
    else:  # the legacy P256Key2021 entry: raw compressed point and scalar in base58
        assert b58decode(method["publicKeyBase58"]) == key.raw
        scalar = int.from_bytes(b58decode(method["privateKeyBase58"]), "big")
        private = PrivateKey(ec.derive_private_key(scalar, ec.SECP256R1()))
        assert private.public_key == key


# -- key files -------------------------------------------------------------------------

@pytest.fixture(autouse=True)
def _no_env_passphrase(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("VCSKILL_PASSPHRASE", raising=False)


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.mark.parametrize("algorithm", list(KeyAlgorithm))
@pytest.mark.parametrize("passphrase", [None, PASSPHRASE])
def test_key_file_round_trip(tmp_path: Path, algorithm: KeyAlgorithm,
                             passphrase: bytes | None) -> None:
    key = PrivateKey.generate(algorithm)
    path = tmp_path / "issuer.key"
    written = write_key_file(path, key, passphrase=passphrase, issuer_name="某职业技能评价中心",
                             uscc="91110000MA01ABCD2X")
    assert isinstance(written, KeyFile)
    assert _mode(path) == 0o600
    pem = path.read_bytes()
    label = b"ENCRYPTED PRIVATE KEY" if passphrase else b"PRIVATE KEY"
    assert pem.startswith(b"-----BEGIN " + label + b"-----")
    loaded = read_key_file(path, passphrase=passphrase)
    assert loaded.encrypted is (passphrase is not None)
    assert loaded.private_key.public_key == key.public_key
    assert loaded.private_key.to_jwk() == key.to_jwk()
    assert loaded.metadata == written.metadata
    meta = loaded.metadata
    assert meta.controller == key.public_key.did_key()
    assert meta.verification_method == key.public_key.verification_method_id()
    assert meta.issuer_name == "某职业技能评价中心"
    assert meta.uscc == "91110000MA01ABCD2X"
    assert meta.created is not None and meta.created.endswith("Z")
    sidecar = json.loads(metadata_path(path).read_text(encoding="utf-8"))
    assert sidecar["did"] == meta.controller
    assert sidecar["verificationMethod"] == meta.verification_method
    assert sidecar["publicKeyMultibase"] == key.public_key.multibase()
    assert sidecar["algorithm"] == algorithm.value
    assert key.to_jwk()["d"] not in metadata_path(path).read_text(encoding="utf-8")
    assert not did_document_path(path).exists()
    # the same signature comes out of the loaded key
    assert loaded.private_key.sign(b"x") == key.sign(b"x")  # deterministic for all three


def test_key_file_is_0600_even_with_open_umask(tmp_path: Path) -> None:
    old = os.umask(0)
    try:
        path = tmp_path / "k.pem"
        write_key_file(path, PrivateKey.generate(), passphrase=None)
    finally:
        os.umask(old)
    assert _mode(path) == 0o600
    assert _mode(metadata_path(path)) == 0o644
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")] == []


def test_wrong_and_missing_passphrase(tmp_path: Path) -> None:
    path = tmp_path / "k.pem"
    write_key_file(path, PrivateKey.generate(KeyAlgorithm.P256), passphrase=PASSPHRASE)
    with pytest.raises(KeyFileError) as info:
        read_key_file(path, passphrase=b"wrong")
    assert info.value.code is Code.WRONG_PASSPHRASE
    assert "wrong passphrase" in str(info.value)
    with pytest.raises(KeyFileError) as info:
        read_key_file(path, passphrase=None)
    assert info.value.code is Code.WRONG_PASSPHRASE
    assert "is encrypted: set VCSKILL_PASSPHRASE" in str(info.value)


def test_unencrypted_key_read_with_a_passphrase(tmp_path: Path) -> None:
    path = tmp_path / "k.pem"
    key = PrivateKey.generate()
    write_key_file(path, key, passphrase=None)
    loaded = read_key_file(path, passphrase=b"set anyway")
    assert loaded.public_key == key.public_key and not loaded.encrypted


def test_empty_passphrase_is_refused(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="passphrase is empty"):
        write_key_file(tmp_path / "k.pem", PrivateKey.generate(), passphrase=b"")
    assert not (tmp_path / "k.pem").exists()


def _write_private(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    path.chmod(0o600)
    return path


def test_damaged_key_files(tmp_path: Path) -> None:
    key = PrivateKey.generate()
    pem = key.to_pem()
    lines = pem.split(b"\n")
    damaged = b"\n".join([lines[0], lines[1][:10] + b"!!!!" + lines[1][14:], *lines[2:]])
    cases = {
        "empty": b"",
        "text": b"hello world\n",
        "damaged": damaged,
        "truncated": pem[: len(pem) // 2],
        "binary": os.urandom(300),
        "two-blocks": pem + pem,
    }
    for name, data in cases.items():
        path = _write_private(tmp_path / name, data)
        with pytest.raises(KeyFileError) as info:
            read_key_file(path, passphrase=None)
        assert info.value.code is Code.KEY_FILE_ERROR, name
        assert str(path) in str(info.value)


def test_damaged_encrypted_key_file(tmp_path: Path) -> None:
    pem = PrivateKey.generate().to_pem(PASSPHRASE)
    lines = pem.split(b"\n")
    lines[2] = lines[2][:20]  # cut the ASN.1 structure
    path = _write_private(tmp_path / "k.pem", b"\n".join(lines))
    with pytest.raises(KeyFileError) as info:
        read_key_file(path, passphrase=PASSPHRASE)
    assert info.value.code in (Code.KEY_FILE_ERROR, Code.WRONG_PASSPHRASE)


def test_rsa_key_files_are_refused(tmp_path: Path) -> None:
    rsa_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    for fmt, name in ((serialization.PrivateFormat.PKCS8, "pkcs8"),
                      (serialization.PrivateFormat.TraditionalOpenSSL, "pkcs1")):
        data = rsa_key.private_bytes(serialization.Encoding.PEM, fmt,
                                     serialization.NoEncryption())
        path = _write_private(tmp_path / name, data)
        with pytest.raises(KeyFileError) as info:
            read_key_file(path, passphrase=None)
        assert info.value.code is Code.KEY_TYPE_ERROR
        assert "RSA" in str(info.value) and "Ed25519, P-256 and P-384" in str(info.value)


def test_other_key_formats_are_refused(tmp_path: Path) -> None:
    secp256k1 = ec.generate_private_key(ec.SECP256K1()).private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption())
    path = _write_private(tmp_path / "k1", secp256k1)
    with pytest.raises(KeyFileError, match="secp256k1") as info:
        read_key_file(path, passphrase=None)
    assert info.value.code is Code.KEY_TYPE_ERROR

    sec1 = ec.generate_private_key(ec.SECP256R1()).private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.TraditionalOpenSSL,
        serialization.NoEncryption())
    path = _write_private(tmp_path / "sec1", sec1)
    with pytest.raises(KeyFileError, match="not PKCS#8") as info:
        read_key_file(path, passphrase=None)
    assert info.value.code is Code.KEY_FILE_ERROR

    public = PrivateKey.generate().public_key.crypto_key.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    path = _write_private(tmp_path / "pub", public)
    with pytest.raises(KeyFileError, match="public key, not a private key"):
        read_key_file(path, passphrase=None)


@pytest.mark.skipif(os.name != "posix", reason="POSIX permissions")
@pytest.mark.parametrize("mode", [0o644, 0o640, 0o604, 0o620, 0o666])
def test_key_file_open_to_others_is_refused(tmp_path: Path, mode: int) -> None:
    path = tmp_path / "my key.pem"
    write_key_file(path, PrivateKey.generate(), passphrase=None)
    path.chmod(mode)
    with pytest.raises(KeyFileError) as info:
        read_key_file(path, passphrase=None)
    assert info.value.code is Code.KEY_FILE_ERROR
    assert f"chmod 600 '{path}'" in str(info.value)
    path.chmod(0o400)
    assert read_key_file(path, passphrase=None)


def test_no_overwrite_without_force(tmp_path: Path) -> None:
    path = tmp_path / "k.pem"
    first = write_key_file(path, PrivateKey.generate(), passphrase=None, issuer_name="A")
    before = path.read_bytes()
    with pytest.raises(UsageError, match="already exists; pass --force"):
        write_key_file(path, PrivateKey.generate(), passphrase=None, issuer_name="B")
    assert path.read_bytes() == before
    assert read_key_file(path, passphrase=None).metadata == first.metadata
    second = write_key_file(path, PrivateKey.generate(), passphrase=None, force=True)
    loaded = read_key_file(path, passphrase=None)
    assert loaded.public_key == second.public_key != first.public_key
    assert loaded.metadata.issuer_name is None
    assert _mode(path) == 0o600


def test_dangling_symlink_is_not_overwritten(tmp_path: Path) -> None:
    path = tmp_path / "k.pem"
    path.symlink_to(tmp_path / "elsewhere")
    with pytest.raises(UsageError):
        write_key_file(path, PrivateKey.generate(), passphrase=None)


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")
def test_fifo_is_refused_without_hanging(tmp_path: Path) -> None:
    path = tmp_path / "fifo"
    os.mkfifo(path, 0o600)
    with pytest.raises(KeyFileError, match="not a regular file"):
        read_key_file(path, passphrase=None)


@pytest.mark.skipif(not os.path.exists("/dev/zero"), reason="needs /dev/zero")
def test_device_and_directory_are_refused(tmp_path: Path) -> None:
    with pytest.raises(KeyFileError, match="not a regular file"):
        read_key_file("/dev/zero", passphrase=None)
    with pytest.raises(KeyFileError, match="not a regular file"):
        read_key_file(tmp_path, passphrase=None)


def test_big_and_missing_files(tmp_path: Path) -> None:
    path = _write_private(tmp_path / "big", b"-----BEGIN PRIVATE KEY-----\n" + b"A" * 70_000)
    with pytest.raises(KeyFileError, match="too big"):
        read_key_file(path, passphrase=None)
    with pytest.raises(KeyFileError, match="does not exist") as info:
        read_key_file(tmp_path / "nope.pem", passphrase=None)
    assert info.value.code is Code.KEY_FILE_ERROR


def test_missing_sidecar_derives_did_key(tmp_path: Path) -> None:
    path = tmp_path / "k.pem"
    key = PrivateKey.generate(KeyAlgorithm.P256)
    write_key_file(path, key, passphrase=None, issuer_name="A", did_web="example.com")
    metadata_path(path).unlink()
    meta = read_key_file(path, passphrase=None).metadata
    assert meta.controller == key.public_key.did_key()
    assert meta.verification_method == key.public_key.verification_method_id()
    assert meta.issuer_name is None and meta.did_web is None and meta.created is None
    assert meta.algorithm is KeyAlgorithm.P256


def test_bare_pem_from_openssl_style_file_loads(tmp_path: Path) -> None:
    key = PrivateKey.generate()
    path = _write_private(tmp_path / "k.pem", b"\n" + key.to_pem() + b"\n\n")
    assert read_key_file(path, passphrase=None).public_key == key.public_key


def test_sidecar_of_another_key_is_refused(tmp_path: Path) -> None:
    a, b = tmp_path / "a.pem", tmp_path / "b.pem"
    write_key_file(a, PrivateKey.generate(), passphrase=None)
    write_key_file(b, PrivateKey.generate(), passphrase=None)
    metadata_path(a).write_bytes(metadata_path(b).read_bytes())
    with pytest.raises(KeyFileError, match="belongs to a different key") as info:
        read_key_file(a, passphrase=None)
    assert info.value.code is Code.KEY_FILE_ERROR


@pytest.mark.parametrize(
    "change",
    [
        {"did": "did:key:z6MkpTHR8VNsBxYAAWHut2Geadd9jSwuBV8xRoAnwWsdvktH"},
        {"verificationMethod": "did:web:example.com#key-1"},
        {"didWeb": "did:web:EXAMPLE.com"},
        {"algorithm": "p256"},
        {"issuerName": 5},
    ],
)
def test_inconsistent_sidecar_is_refused(tmp_path: Path, change: dict[str, Any]) -> None:
    path = tmp_path / "k.pem"
    write_key_file(path, PrivateKey.generate(), passphrase=None)
    sidecar = json.loads(metadata_path(path).read_text())
    sidecar.update(change)
    metadata_path(path).write_text(json.dumps(sidecar))
    with pytest.raises(KeyFileError):
        read_key_file(path, passphrase=None)


@pytest.mark.parametrize("content", [b"{not json", b"[1, 2]", b"\xff\xfe"])
def test_unreadable_sidecar_is_refused(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "k.pem"
    write_key_file(path, PrivateKey.generate(), passphrase=None)
    metadata_path(path).write_bytes(content)
    with pytest.raises(KeyFileError, match="key metadata file"):
        read_key_file(path, passphrase=None)


def test_did_web_key_file(tmp_path: Path) -> None:
    path = tmp_path / "issuer.key"
    key = PrivateKey.generate(KeyAlgorithm.P256)
    written = write_key_file(path, key, passphrase=PASSPHRASE,
                             did_web="example.com:8443/issuers/a")
    did = "did:web:example.com%3A8443:issuers:a"
    mb = key.public_key.multibase()
    meta = read_key_file(path, passphrase=PASSPHRASE).metadata
    assert meta == written.metadata
    assert meta.controller == did and meta.did_web == did
    assert meta.verification_method == f"{did}#{mb}"
    assert meta.did_key == key.public_key.did_key()
    document = json.loads(did_document_path(path).read_text())
    assert document["id"] == did
    assert document["verificationMethod"] == [
        {"id": f"{did}#{mb}", "type": "Multikey", "controller": did, "publicKeyMultibase": mb}
    ]
    assert document["assertionMethod"] == [f"{did}#{mb}"]
    assert _mode(did_document_path(path)) == 0o644
    # a did:web DID is accepted as is; force-replacing with a did:key key drops the document
    again = write_key_file(path, key, passphrase=None, did_web=did, force=True)
    assert again.metadata.controller == did
    write_key_file(path, key, passphrase=None, force=True)
    assert not did_document_path(path).exists()


@pytest.mark.parametrize("spec", ["https://example.com", "Example.com", "example.com/../x",
                                  "did:web:bad host"])
def test_bad_did_web_writes_nothing(tmp_path: Path, spec: str) -> None:
    path = tmp_path / "k.pem"
    with pytest.raises(Error):
        write_key_file(path, PrivateKey.generate(), passphrase=None, did_web=spec)
    assert list(tmp_path.iterdir()) == []


def test_write_into_missing_directory(tmp_path: Path) -> None:
    with pytest.raises(KeyFileError) as info:
        write_key_file(tmp_path / "no" / "k.pem", PrivateKey.generate(), passphrase=None)
    assert info.value.code is Code.IO_ERROR


def test_passphrase_from_env(monkeypatch: pytest.MonkeyPatch) -> None:
    assert passphrase_from_env() is None
    monkeypatch.setenv("VCSKILL_PASSPHRASE", "")
    assert passphrase_from_env() is None
    monkeypatch.setenv("VCSKILL_PASSPHRASE", "秘密 pass")
    assert passphrase_from_env() == "秘密 pass".encode()
    assert passphrase_from_env({"VCSKILL_PASSPHRASE": "x"}) == b"x"
    assert passphrase_from_env({}) is None


def test_from_pem_round_trip() -> None:
    for algorithm in KeyAlgorithm:
        key = PrivateKey.generate(algorithm)
        for passphrase in (None, PASSPHRASE):
            loaded = PrivateKey.from_pem(key.to_pem(passphrase), passphrase)
            assert loaded.public_key == key.public_key
    with pytest.raises(KeyFileError, match="the key is not a PEM"):
        PrivateKey.from_pem(b"junk")


def test_every_wrong_passphrase_is_reported_as_one(tmp_path: Path) -> None:
    # About 1 in 256 wrong passphrases decrypts to valid padding and fails later, in the
    # ASN.1 parse; the user must still hear "wrong passphrase", not "damaged" only.
    path = tmp_path / "enc.key"
    write_key_file(path, PrivateKey.generate(), passphrase=b"right")
    codes = set()
    for attempt in range(2000):  # P(no padding accident in 2000) < 0.0005
        with pytest.raises(KeyFileError) as caught:
            read_key_file(path, passphrase=f"wrong-{attempt}".encode())
        codes.add(caught.value.code)
    assert codes == {Code.WRONG_PASSPHRASE}
