"""Data Integrity and vc+jwt proofs, checked byte for byte against the official W3C vectors.

* ``vc-di-eddsa`` / ``vc-di-ecdsa``: every step of eddsa-rdfc-2022, eddsa-jcs-2022,
  ecdsa-rdfc-2019 (P-256, P-384) and ecdsa-jcs-2019 (P-256, P-384), ``unsigned`` and
  ``employ`` inputs: canonical forms, hashes, signature, proofValue, the signed document.
  Ed25519 and RFC 6979 ECDSA are deterministic, so re-signing reproduces the files exactly.
* ``vc-di-eddsa/proof-set-chain``: proof sets and chains re-sign and verify.
* ``test-suite-fixtures/data-integrity-test-suite-assertion``: the ``previousProof`` fixtures
  verify or fail as their names say.
* vc+jwt (VC-JOSE-COSE): round trips, and every header / payload trick a verifier must refuse.

Every verification method in these vectors is a did:key, so the offline resolver resolves
them all; no test needs a registry or a hand-made key table.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import VECTORS, load_json
from vcskill.errors import Code, Error, ProofError
from vcskill.keys.keypair import PrivateKey
from vcskill.keys.multibase import decode_base58btc_multibase, encode_base58btc_multibase
from vcskill.keys.resolver import OfflineResolver
from vcskill.limits import DEFAULT_LIMITS
from vcskill.linkeddata.contexts import ContextStore
from vcskill.proofs.dataintegrity import (
    Cryptosuite,
    ProofCheck,
    _canonical_form,
    add_proof,
    hash_data,
    verify_proof_set,
)
from vcskill.proofs.jose import decode_jwt, sign_jwt, verify_jwt

# The vectors use the examples/v2 and citizenship/v4rc1 contexts, which are test-only.
CONTEXTS = ContextStore.bundled(allow_test_contexts=True)
RESOLVER = OfflineResolver()
EDDSA = VECTORS / "vc-di-eddsa"
ECDSA = VECTORS / "vc-di-ecdsa"
CHAIN = EDDSA / "proof-set-chain"
DI_ASSERTION = (
    VECTORS / "test-suite-fixtures" / "data-integrity-test-suite-assertion" / "inputs"
    / "eddsa-rdfc-2022"
)
KEY_PAIRS = {
    "ed25519": EDDSA / "keyPair.json",
    "p256": ECDSA / "p256KeyPair.json",
    "p384": ECDSA / "p384KeyPair.json",
}


# -- helpers ---------------------------------------------------------------------------

def _secret(pair: Mapping[str, str]) -> str:
    # The EdDSA files say privateKeyMultibase, the ECDSA ones secretKeyMultibase.
    return pair.get("privateKeyMultibase") or pair["secretKeyMultibase"]


def _vector_key(which: str) -> PrivateKey:
    return PrivateKey.from_multibase(_secret(load_json(KEY_PAIRS[which])))


def _created(proof_config: Mapping[str, Any]) -> datetime:
    return datetime.fromisoformat(proof_config["created"])


def _as_file(document: Any) -> str:
    """The vectors' signed files are ``JSON.stringify(doc, null, 2)``: same text, same order."""
    return json.dumps(document, indent=2, ensure_ascii=False)


@dataclass(frozen=True)
class Vector:
    """One step-by-step vector folder; files are named ``<step><suffix>.<ext>``."""

    folder: Path
    suffix: str
    key_name: str
    unsigned_path: Path

    def text(self, step: str) -> str:
        return (self.folder / f"{step}{self.suffix}.txt").read_text(encoding="utf-8")

    @property
    def key(self) -> PrivateKey:
        return _vector_key(self.key_name)

    @property
    def unsigned(self) -> dict[str, Any]:
        data: dict[str, Any] = load_json(self.unsigned_path)
        return data

    @property
    def proof_config(self) -> dict[str, Any]:
        data: dict[str, Any] = load_json(self.folder / f"proofConfig{self.suffix}.json")
        return data

    @property
    def suite(self) -> Cryptosuite:
        return Cryptosuite(self.proof_config["cryptosuite"])

    @property
    def signed_text(self) -> str:
        return (self.folder / f"signed{self.suffix}.json").read_text(encoding="utf-8")

    @property
    def signed(self) -> dict[str, Any]:
        data: dict[str, Any] = json.loads(self.signed_text)
        return data

    def hash_data(self) -> bytes:
        return hash_data(self.unsigned, self.proof_config, self.suite,
                         self.key.public_key.hash_name, contexts=CONTEXTS)


# Which key and which input document go with which folder: the vc-di-* READMEs.
VECTORS_BY_ID = {
    "eddsa-rdfc-2022": Vector(EDDSA / "eddsa-rdfc-2022", "DataInt", "ed25519",
                              EDDSA / "unsigned.json"),
    "eddsa-rdfc-2022/employ": Vector(EDDSA / "eddsa-rdfc-2022" / "employ", "DataInt", "ed25519",
                                     EDDSA / "employmentAuth.json"),
    "eddsa-jcs-2022": Vector(EDDSA / "eddsa-jcs-2022", "JCS", "ed25519", EDDSA / "unsigned.json"),
    "ecdsa-rdfc-2019-p256": Vector(ECDSA / "ecdsa-rdfc-2019-p256", "ECDSAP256", "p256",
                                   ECDSA / "unsigned.json"),
    "ecdsa-rdfc-2019-p256/employ": Vector(ECDSA / "ecdsa-rdfc-2019-p256" / "employ", "ECDSAP256",
                                          "p256", ECDSA / "employmentAuth.json"),
    "ecdsa-rdfc-2019-p384": Vector(ECDSA / "ecdsa-rdfc-2019-p384", "ECDSAP384", "p384",
                                   ECDSA / "unsigned.json"),
    # Has blank nodes: reproduces only with SHA-384 inside RDFC-1.0 too (vc-di-ecdsa README).
    "ecdsa-rdfc-2019-p384/employ": Vector(ECDSA / "ecdsa-rdfc-2019-p384" / "employ", "ECDSAP384",
                                          "p384", ECDSA / "employmentAuth.json"),
    "ecdsa-jcs-2019-p256": Vector(ECDSA / "ecdsa-jcs-2019-p256", "JCSECDSAP256", "p256",
                                  ECDSA / "unsigned.json"),
    "ecdsa-jcs-2019-p384": Vector(ECDSA / "ecdsa-jcs-2019-p384", "JCSECDSAP384", "p384",
                                  ECDSA / "unsigned.json"),
}
VECTOR_PARAMS = [pytest.param(v, id=name) for name, v in VECTORS_BY_ID.items()]


def _proofs(document: Mapping[str, Any]) -> list[dict[str, Any]]:
    proof = document["proof"]
    return list(proof) if isinstance(proof, list) else [proof]


def _outcomes(checks: list[ProofCheck]) -> list[tuple[bool, Code | None]]:
    return [(c.verified, c.code) for c in checks]


def _verify(document: Mapping[str, Any]) -> list[ProofCheck]:
    return verify_proof_set(document, resolver=RESOLVER, contexts=CONTEXTS)


def _chain_key(verification_method: str) -> PrivateKey:
    """The key of ``multiKeyPairs.json`` whose did:key is ``verification_method``."""
    for pair in load_json(CHAIN / "multiKeyPairs.json").values():
        if verification_method.endswith("#" + pair["publicKeyMultibase"]):
            return PrivateKey.from_multibase(_secret(pair))
    raise AssertionError(f"no key pair for {verification_method}")


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _jws(header: Mapping[str, Any], payload: Mapping[str, Any], sign: Any) -> str:
    """A compact JWS (RFC 7515 §7.1) built by hand, so any header or alg can be forged.

    ``sign`` maps the signing input to signature bytes. For our keys ``PrivateKey.sign`` is
    exactly the JWS signature: raw Ed25519, or ECDSA ``r ‖ s`` over SHA-256/384 (RFC 7518 §3.4).
    """
    signing_input = _b64url(json.dumps(header).encode()) + "." + _b64url(
        json.dumps(payload, ensure_ascii=False).encode()
    )
    return f"{signing_input}.{_b64url(sign(signing_input.encode('ascii')))}"


def _jwt_header(key: PrivateKey, **changes: Any) -> dict[str, Any]:
    header = {"alg": key.public_key.jose_algorithm, "kid": key.public_key.verification_method_id(),
              "typ": "vc+jwt", "cty": "vc"}
    header.update(changes)
    return {k: v for k, v in header.items() if v is not None}


def _jwt_credential(issuer_key: PrivateKey) -> dict[str, Any]:
    credential: dict[str, Any] = load_json(EDDSA / "unsigned.json")
    credential["issuer"] = issuer_key.public_key.did_key()
    return credential


def _refusal(token: str) -> Error:
    with pytest.raises(Error) as caught:
        verify_jwt(token, resolver=RESOLVER)
    return caught.value


JWT_KEYS = [pytest.param("ed25519", "EdDSA", id="Ed25519-EdDSA"),
            pytest.param("p256", "ES256", id="P-256-ES256"),
            pytest.param("p384", "ES384", id="P-384-ES384")]


# -- every step of every vector reproduces ---------------------------------------------

@pytest.mark.parametrize("vector", VECTOR_PARAMS)
def test_vector_key_is_the_verification_method(vector: Vector) -> None:
    pair = load_json(KEY_PAIRS[vector.key_name])
    mb = pair["publicKeyMultibase"]
    assert vector.key.public_key.multibase() == mb
    assert vector.proof_config["verificationMethod"] == f"did:key:{mb}#{mb}"


@pytest.mark.parametrize("vector", VECTOR_PARAMS)
def test_canonical_document(vector: Vector) -> None:
    # The cryptosuite's transformation step: RDFC-1.0 N-Quads, or JCS (RFC 8785).
    canonical = _canonical_form(vector.unsigned, vector.suite, vector.key.public_key.hash_name,
                                CONTEXTS, DEFAULT_LIMITS)
    assert canonical.decode("utf-8") == vector.text("canonDoc")


@pytest.mark.parametrize("vector", VECTOR_PARAMS)
def test_canonical_proof_config(vector: Vector) -> None:
    # The proof config is canonicalised with the document's @context (EdDSA and ECDSA
    # Cryptosuites, "Proof Configuration"), as proofConfig*.json shows.
    canonical = _canonical_form(vector.proof_config, vector.suite,
                                vector.key.public_key.hash_name, CONTEXTS, DEFAULT_LIMITS)
    assert canonical.decode("utf-8") == vector.text("proofCanon")


@pytest.mark.parametrize("vector", VECTOR_PARAMS)
def test_proof_hash(vector: Vector) -> None:
    data = vector.hash_data()
    assert data[: len(data) // 2].hex() == vector.text("proofHash")


@pytest.mark.parametrize("vector", VECTOR_PARAMS)
def test_document_hash(vector: Vector) -> None:
    data = vector.hash_data()
    assert data[len(data) // 2:].hex() == vector.text("docHash")


@pytest.mark.parametrize("vector", VECTOR_PARAMS)
def test_combined_hash(vector: Vector) -> None:
    # proofHash ‖ docHash, proof config first (EdDSA/ECDSA Cryptosuites, "Hashing"):
    # 64 bytes, or 96 with P-384, whose suite hashes with SHA-384.
    data = vector.hash_data()
    assert len(data) == (96 if vector.key_name == "p384" else 64)
    assert data.hex() == vector.text("combinedHash")


@pytest.mark.parametrize("vector", VECTOR_PARAMS)
def test_signature_hex(vector: Vector) -> None:
    # Ed25519 and RFC 6979 ECDSA are deterministic, so our signature is the vector's.
    assert vector.key.sign(vector.hash_data()).hex() == vector.text("sigHex")


@pytest.mark.parametrize("vector", VECTOR_PARAMS)
def test_proof_value_base58btc(vector: Vector) -> None:
    signature = bytes.fromhex(vector.text("sigHex"))
    assert encode_base58btc_multibase(signature) == vector.text("sigBTC58")
    assert decode_base58btc_multibase(vector.text("sigBTC58")) == signature
    assert _proofs(vector.signed)[0]["proofValue"] == vector.text("sigBTC58")


@pytest.mark.parametrize("vector", VECTOR_PARAMS)
def test_add_proof_reproduces_signed_document(vector: Vector) -> None:
    # Byte for byte, key order included: the jcs proof keeps its @context, rdfc drops it.
    config = vector.proof_config
    signed = add_proof(vector.unsigned, vector.key,
                       verification_method=config["verificationMethod"],
                       cryptosuite=vector.suite, created=_created(config), contexts=CONTEXTS)
    assert _as_file(signed) == vector.signed_text


# -- every signed vector verifies, and a changed value does not ------------------------

@pytest.mark.parametrize("vector", VECTOR_PARAMS)
def test_signed_vector_verifies(vector: Vector) -> None:
    config = vector.proof_config
    checks = _verify(vector.signed)
    assert [(c.verified, c.code, c.verification_method, c.controller, c.cryptosuite, c.created)
            for c in checks] == [(True, None, config["verificationMethod"],
                                  config["verificationMethod"].split("#")[0],
                                  config["cryptosuite"], config["created"])]


def _change_document(signed: dict[str, Any]) -> None:
    signed["name"] += "."


def _change_created(signed: dict[str, Any]) -> None:
    signed["proof"]["created"] = "2023-02-24T23:36:39Z"  # still a valid dateTimeStamp


def _change_signature(signed: dict[str, Any]) -> None:
    signature = bytearray(decode_base58btc_multibase(signed["proof"]["proofValue"]))
    signature[-1] ^= 0x01
    signed["proof"]["proofValue"] = encode_base58btc_multibase(bytes(signature))


@pytest.mark.parametrize("change", [_change_document, _change_created, _change_signature],
                         ids=["document-name", "proof-created", "signature-bit"])
@pytest.mark.parametrize("vector", VECTOR_PARAMS)
def test_changed_signed_value_fails(vector: Vector, change: Any) -> None:
    signed = vector.signed
    change(signed)
    [check] = _verify(signed)
    assert (check.verified, check.code) == (False, Code.PROOF_VERIFICATION_ERROR)
    assert "does not match" in check.detail


# -- proof sets and chains -------------------------------------------------------------

# (input document, proof config, expected output): each step adds one proof (DI 1.0
# "Add Proof Set/Chain").
CHAIN_STEPS = [
    pytest.param("unsigned", "proofSetConfig1", "signedProofSet1", id="proofSet1"),
    pytest.param("signedProofSet1", "proofSetConfig2", "signedProofSet2", id="proofSet2"),
    pytest.param("signedProofSet2", "proofChainConfig1", "signedProofChain1", id="proofChain1"),
    pytest.param("signedProofChain1", "proofChainConfig2", "signedProofChain2", id="proofChain2"),
]


@pytest.mark.parametrize(("source", "config_name", "expected"), CHAIN_STEPS)
def test_add_proof_reproduces_proof_set_and_chain(source: str, config_name: str,
                                                  expected: str) -> None:
    config = load_json(CHAIN / f"{config_name}.json")
    secured = add_proof(
        load_json(CHAIN / f"{source}.json"),
        _chain_key(config["verificationMethod"]),
        verification_method=config["verificationMethod"],
        cryptosuite=Cryptosuite(config["cryptosuite"]),
        created=_created(config),
        proof_id=config.get("id"),
        previous_proof=config.get("previousProof"),
        contexts=CONTEXTS,
    )
    assert _as_file(secured) == (CHAIN / f"{expected}.json").read_text(encoding="utf-8")
    signed_config = config_name.replace("Config", "ConfigSigned")
    assert _proofs(secured)[-1] == load_json(CHAIN / f"{signed_config}.json")


@pytest.mark.parametrize("n", [1, 2])
def test_chained_proof_signs_the_document_with_only_the_named_proofs(n: int) -> None:
    # DI 1.0 "Add Proof Set/Chain": the chained proof covers the unsecured document plus the
    # proofs previousProof names, and no others (proofChainTempDoc<n>.json).
    config = load_json(CHAIN / f"proofChainConfig{n}.json")
    temp = load_json(CHAIN / f"proofChainTempDoc{n}.json")
    before = load_json(CHAIN / ("signedProofSet2.json" if n == 1 else "signedProofChain1.json"))
    named = config["previousProof"]
    named = [named] if isinstance(named, str) else named
    assert temp == {**before, "proof": [p for p in _proofs(before) if p.get("id") in named]}
    data = hash_data(temp, {**config, "@context": temp["@context"]}, Cryptosuite.EDDSA_RDFC_2022,
                     "sha256", contexts=CONTEXTS)
    signature = _chain_key(config["verificationMethod"]).sign(data)
    signed = load_json(CHAIN / f"proofChainConfigSigned{n}.json")
    assert encode_base58btc_multibase(signature) == signed["proofValue"]


@pytest.mark.parametrize("name", ["signedProofSet1", "signedProofSet2", "signedProofChain1",
                                  "signedProofChain2"])
def test_proof_sets_and_chains_verify(name: str) -> None:
    document = load_json(CHAIN / f"{name}.json")
    checks = _verify(document)
    assert _outcomes(checks) == [(True, None)] * len(_proofs(document))
    assert [c.verification_method for c in checks] == [
        p["verificationMethod"] for p in _proofs(document)
    ]


def test_proof_set_order_does_not_matter() -> None:
    document = load_json(CHAIN / "signedProofChain2.json")
    document["proof"].reverse()
    assert _outcomes(_verify(document)) == [(True, None)] * 4


def test_chain_is_not_transitive() -> None:
    # Drop the first proof of signedProofChain2. The proof that names it fails; the last proof
    # names only the middle one, so it still verifies (DI 1.0 "Verify Proof Sets and Chains").
    document = load_json(CHAIN / "signedProofChain2.json")
    del document["proof"][0]
    checks = _verify(document)
    assert _outcomes(checks) == [(True, None), (False, Code.PROOF_VERIFICATION_ERROR),
                                 (True, None)]
    assert "urn:uuid:26329423-bec9-4b2e-88cb-a7c7d9dc4544" in checks[1].detail
    assert "not in the proof set" in checks[1].detail


def test_changed_earlier_proof_breaks_the_chain() -> None:
    # The chained proof signs the earlier proofs themselves, proofValue included.
    document = load_json(CHAIN / "signedProofChain1.json")
    document["proof"][0]["proofValue"] = document["proof"][1]["proofValue"]
    checks = _verify(document)
    assert _outcomes(checks) == [(False, Code.PROOF_VERIFICATION_ERROR), (True, None),
                                 (False, Code.PROOF_VERIFICATION_ERROR)]
    assert all("does not match" in checks[i].detail for i in (0, 2))


# The DI assertion suite's previousProof fixtures: two proofs each, the second chained.
# "Fail" means the credential must be rejected; the chained proof fails in every one, and
# in some the first proof fails too, for a reason of its own (noted).
PVE = Code.PROOF_VERIFICATION_ERROR
DI_ASSERTION_EXPECTED: dict[str, list[tuple[bool, Code | None]]] = {
    "1.1-previousProofArrayMissingFail": [(True, None), (False, PVE)],
    "1.1-previousProofArrayOk": [(True, None), (True, None)],
    # Its @context has no data-integrity/v2: the proof's own terms are undefined.
    "1.1-previousProofMissingFail": [(False, Code.DATA_LOSS_DETECTION_ERROR), (False, PVE)],
    # The first proof's id "456321" is a relative IRI, which safe mode refuses.
    "1.1-previousProofNotStringFail": [(False, Code.DATA_LOSS_DETECTION_ERROR), (False, PVE)],
    "1.1-previousProofStringMissingFail": [(True, None), (False, PVE)],
    "1.1-previousProofStringOk": [(True, None), (True, None)],
    "2.0-previousProofArrayMissingFail": [(True, None), (False, PVE)],
    "2.0-previousProofArrayOk": [(True, None), (True, None)],
    "2.0-previousProofMissingFail": [(True, None), (False, PVE)],
    "2.0-previousProofNotStringFail": [(False, Code.DATA_LOSS_DETECTION_ERROR), (False, PVE)],
    "2.0-previousProofStringMissingFail": [(True, None), (False, PVE)],
    "2.0-previousProofStringOk": [(True, None), (True, None)],
}


def test_every_di_assertion_fixture_is_listed() -> None:
    names = {p.name.removesuffix("-SimpleSigned2.json") for p in DI_ASSERTION.glob("*.json")}
    assert names == set(DI_ASSERTION_EXPECTED)


@pytest.mark.parametrize("name", sorted(DI_ASSERTION_EXPECTED))
def test_di_assertion_previous_proof_fixture(name: str) -> None:
    checks = _verify(load_json(DI_ASSERTION / f"{name}-SimpleSigned2.json"))
    assert _outcomes(checks) == DI_ASSERTION_EXPECTED[name]
    assert all(c.verified for c in checks) == name.endswith("Ok")
    chained = checks[1].detail
    if "NotString" in name:
        assert chained == "previousProof must be a string or an array of strings"
    elif "Missing" in name:
        assert chained.endswith("which is not in the proof set")


# -- key / cryptosuite mismatch --------------------------------------------------------

@pytest.mark.parametrize(("suite", "key_name"), [
    (Cryptosuite.EDDSA_RDFC_2022, "p256"),
    (Cryptosuite.EDDSA_JCS_2022, "p384"),
    (Cryptosuite.ECDSA_RDFC_2019, "ed25519"),
    (Cryptosuite.ECDSA_JCS_2019, "ed25519"),
])
def test_add_proof_refuses_a_key_of_another_family(suite: Cryptosuite, key_name: str) -> None:
    key = _vector_key(key_name)
    with pytest.raises(ProofError) as caught:
        add_proof(load_json(EDDSA / "unsigned.json"), key,
                  verification_method=key.public_key.verification_method_id(),
                  cryptosuite=suite, contexts=CONTEXTS)
    assert caught.value.code is Code.PROOF_GENERATION_ERROR
    assert str(caught.value).endswith(f"keys, and this key is {key_name}")


@pytest.mark.parametrize(("vector_id", "claimed", "key_name"), [
    ("ecdsa-rdfc-2019-p256", Cryptosuite.EDDSA_RDFC_2022, "p256"),
    ("ecdsa-jcs-2019-p384", Cryptosuite.EDDSA_JCS_2022, "p384"),
    ("eddsa-rdfc-2022", Cryptosuite.ECDSA_RDFC_2019, "ed25519"),
    ("eddsa-jcs-2022", Cryptosuite.ECDSA_JCS_2019, "ed25519"),
])
def test_verify_refuses_a_key_of_another_family(vector_id: str, claimed: Cryptosuite,
                                                key_name: str) -> None:
    signed = VECTORS_BY_ID[vector_id].signed
    signed["proof"]["cryptosuite"] = str(claimed)
    [check] = _verify(signed)
    assert (check.verified, check.code) == (False, Code.PROOF_VERIFICATION_ERROR)
    assert check.detail == f"{claimed} cannot be verified with a {key_name} key"


# -- vc+jwt ----------------------------------------------------------------------------

@pytest.mark.parametrize(("key_name", "alg"), JWT_KEYS)
def test_jwt_round_trip(key_name: str, alg: str) -> None:
    key = _vector_key(key_name)
    credential = _jwt_credential(key)
    token = sign_jwt(credential, key, kid=key.public_key.verification_method_id())
    parts = decode_jwt(token)
    assert parts.header == {"alg": alg, "kid": key.public_key.verification_method_id(),
                            "typ": "vc+jwt", "cty": "vc"}
    assert parts.credential == credential
    assert verify_jwt(token, resolver=RESOLVER) == (credential, key.public_key.did_key())


@pytest.mark.parametrize(("key_name", "alg"), JWT_KEYS)
def test_hand_made_jws_verifies(key_name: str, alg: str) -> None:
    # The control for the refusals below: _jws with the normal header is accepted, so each
    # refusal is caused by the one thing that test changes.
    key = _vector_key(key_name)
    credential = _jwt_credential(key)
    token = _jws(_jwt_header(key), credential, key.sign)
    assert decode_jwt(token).header["alg"] == alg
    assert verify_jwt(token, resolver=RESOLVER) == (credential, key.public_key.did_key())


def test_sign_jwt_refuses_a_credential_with_a_proof() -> None:
    key = _vector_key("ed25519")
    with pytest.raises(ProofError) as caught:
        sign_jwt(VECTORS_BY_ID["eddsa-rdfc-2022"].signed, key,
                 kid=key.public_key.verification_method_id())
    assert caught.value.code is Code.PROOF_GENERATION_ERROR


def test_jwt_unsecured_alg_none_is_refused() -> None:
    # RFC 7519 §6: an unsecured JWT has an empty signature part; it parses, and is refused by
    # name before any key is looked up.
    key = _vector_key("ed25519")
    token = _jws(_jwt_header(key, alg="none"), _jwt_credential(key), lambda _: b"")
    assert token.endswith(".")
    error = _refusal(token)
    assert error.code is Code.PROOF_VERIFICATION_ERROR
    assert "unsecured" in str(error)


def test_jwt_with_an_empty_signature_is_refused_whatever_its_alg() -> None:
    key = _vector_key("ed25519")
    token = _jws(_jwt_header(key), _jwt_credential(key), lambda _: b"")
    error = _refusal(token)
    assert error.code is Code.PROOF_VERIFICATION_ERROR
    assert "unsecured" in str(error)


@pytest.mark.parametrize("signature", ["x", "xxxxx", "x="])
def test_jwt_malformed_signature_part_is_a_parse_error(signature: str) -> None:
    # 4n+1 characters cannot be base64url (RFC 4648 §5): an InputError, not binascii.Error.
    with pytest.raises(Error) as caught:
        decode_jwt(f"{_b64url(json.dumps({'alg': 'none'}).encode())}.e30.{signature}")
    assert caught.value.code is Code.PARSING_ERROR
    assert str(caught.value) == "the JWT is not three base64url parts separated by dots"


@pytest.mark.parametrize("key_name", ["ed25519", "p256"])
def test_jwt_alg_none_with_a_signature_is_refused(key_name: str) -> None:
    key = _vector_key(key_name)
    token = _jws(_jwt_header(key, alg="none"), _jwt_credential(key), key.sign)
    error = _refusal(token)
    assert error.code is Code.PROOF_VERIFICATION_ERROR
    assert "unsecured" in str(error)


@pytest.mark.parametrize("key_name", ["ed25519", "p256"])
def test_jwt_hmac_with_the_public_key_as_secret_is_refused(key_name: str) -> None:
    # The algorithm-confusion attack (RFC 8725 §2.1, §3.1): HS256 keyed with the public key,
    # which anyone has. The alg is pinned by the key, never taken from the header.
    key = _vector_key(key_name)
    secret = key.public_key.raw
    token = _jws(_jwt_header(key, alg="HS256"), _jwt_credential(key),
                 lambda data: hmac.new(secret, data, hashlib.sha256).digest())
    error = _refusal(token)
    assert error.code is Code.PROOF_VERIFICATION_ERROR
    assert str(error).startswith("JWT alg is 'HS256' but the key")


@pytest.mark.parametrize(("key_name", "alg", "expected"), [
    ("ed25519", "ES256", "EdDSA"),
    ("p256", "ES384", "ES256"),
    ("p256", "EdDSA", "ES256"),
    ("p384", "ES256", "ES384"),
])
def test_jwt_alg_other_than_the_keys_is_refused(key_name: str, alg: str, expected: str) -> None:
    key = _vector_key(key_name)
    kid = key.public_key.verification_method_id()
    token = _jws(_jwt_header(key, alg=alg), _jwt_credential(key), key.sign)
    error = _refusal(token)
    assert error.code is Code.PROOF_VERIFICATION_ERROR
    assert str(error) == f"JWT alg is {alg!r} but the key {kid} only signs with {expected}"


@pytest.mark.parametrize(("name", "value"), [
    ("jku", "https://attacker.example/jwks.json"),
    ("jwk", None),  # filled in: the signer's own public JWK, the classic embedded-key trick
    ("x5u", "https://attacker.example/cert.pem"),
    ("x5c", ["MIIBszCCAVmgAwIBAgIUY2VydA=="]),
])
def test_jwt_key_source_header_is_refused(name: str, value: Any) -> None:
    # RFC 7515 §4.1.2, 4.1.3, 4.1.5, 4.1.6: keys named or carried by the token itself.
    key = _vector_key("p256")
    header = _jwt_header(key, **{name: value if value is not None else key.public_key.to_jwk()})
    error = _refusal(_jws(header, _jwt_credential(key), key.sign))
    assert error.code is Code.PROOF_VERIFICATION_ERROR
    assert str(error).startswith(f"JWT header {name!r} names a key source")


@pytest.mark.parametrize("claim", ["vc", "vp"])
def test_jwt_payload_with_a_vc_claim_is_refused(claim: str) -> None:
    # VC-JOSE-COSE: the payload is the credential itself, not the VC 1.1 JWT "vc" wrapper.
    key = _vector_key("ed25519")
    credential = _jwt_credential(key)
    payload = {"iss": credential["issuer"], claim: credential}
    error = _refusal(_jws(_jwt_header(key), payload, key.sign))
    assert error.code is Code.MALFORMED_PROOF_ERROR
    assert "'vc' claim" in str(error)


@pytest.mark.parametrize("typ", ["JWT", "vc+ld+jwt", "vp+jwt", None])
def test_jwt_wrong_typ_is_refused(typ: str | None) -> None:
    key = _vector_key("ed25519")
    error = _refusal(_jws(_jwt_header(key, typ=typ), _jwt_credential(key), key.sign))
    assert error.code is Code.MALFORMED_PROOF_ERROR
    assert str(error) == f"JWT typ is {typ!r}, expected 'vc+jwt'"


def test_jwt_tampered_payload_is_refused() -> None:
    key = _vector_key("p256")
    credential = _jwt_credential(key)
    header, _payload, signature = sign_jwt(credential, key,
                                           kid=key.public_key.verification_method_id()).split(".")
    credential["name"] = "Forged Credential"
    forged = f"{header}.{_b64url(json.dumps(credential).encode())}.{signature}"
    error = _refusal(forged)
    assert error.code is Code.PROOF_VERIFICATION_ERROR
    assert "does not match" in str(error)


def test_jwt_tampered_signature_is_refused() -> None:
    key = _vector_key("ed25519")
    token = _jws(_jwt_header(key), _jwt_credential(key),
                 lambda data: bytes([key.sign(data)[0] ^ 1]) + key.sign(data)[1:])
    error = _refusal(token)
    assert error.code is Code.PROOF_VERIFICATION_ERROR
    assert "does not match" in str(error)


def test_jwt_signed_by_another_issuers_key_is_refused() -> None:
    # A valid signature by key B over a credential naming A as issuer: the kid's controller
    # must be the issuer, or anyone could issue in A's name.
    issuer, other = _vector_key("ed25519"), _vector_key("p256")
    token = sign_jwt(_jwt_credential(issuer), other, kid=other.public_key.verification_method_id())
    error = _refusal(token)
    assert error.code is Code.ISSUER_KEY_MISMATCH
    assert str(error) == (f"signed by a key of {other.public_key.did_key()}, "
                          f"but the issuer is {issuer.public_key.did_key()}")


def test_jwt_kid_swapped_to_another_issuer_is_refused() -> None:
    # The issuer's genuine token with only its header rewritten to another key's kid: the
    # protected header is part of the signing input (RFC 7515 §5.2), so the signature breaks.
    issuer = _vector_key("ed25519")
    other = _chain_key(load_json(CHAIN / "proofSetConfig1.json")["verificationMethod"])
    assert other.public_key != issuer.public_key
    token = sign_jwt(_jwt_credential(issuer), issuer,
                     kid=issuer.public_key.verification_method_id())
    _header, payload, signature = token.split(".")
    forged_header = _b64url(json.dumps(
        _jwt_header(other, kid=other.public_key.verification_method_id())).encode())
    error = _refusal(f"{forged_header}.{payload}.{signature}")
    assert error.code is Code.PROOF_VERIFICATION_ERROR
    assert str(error) == (f"the EdDSA signature by {other.public_key.verification_method_id()} "
                          "does not match the credential")


def test_jwt_iss_other_than_issuer_is_refused() -> None:
    key = _vector_key("ed25519")
    credential = {**_jwt_credential(key), "iss": "did:example:someone-else"}
    error = _refusal(_jws(_jwt_header(key), credential, key.sign))
    assert error.code is Code.ISSUER_KEY_MISMATCH
    assert str(error).startswith("JWT iss 'did:example:someone-else'")
