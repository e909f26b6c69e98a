"""The W3C VC API on the page's server: /credentials/verify with the official vectors and the
W3C suites' own fixtures, and /credentials/issue, closed unless given a key and a token."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import VECTORS, load_json
from tests.test_serve import GENUINE, REVOKED, Running, Start, served, start
from tests.world import World
from vcskill.keys.keyfile import write_key_file
from vcskill.keys.keypair import PrivateKey
from vcskill.web.vcapi import IssuerEndpoint

__all__ = ["served", "start"]  # fixtures used here

EDDSA = VECTORS / "vc-di-eddsa"
DI_SUITE = (VECTORS / "test-suite-fixtures" / "data-integrity-test-suite-assertion" / "inputs"
            / "eddsa-rdfc-2022")
TOKEN = "t0ken-for-the-tests-only-0123456789abcdef"


def post(served: Running, path: str, value: Any, token: str | None = None) -> tuple[int, Any]:
    headers = {"Content-Type": "application/json"}
    if token is not None:
        headers["Authorization"] = f"Bearer {token}"
    answer = served.request("POST", path, json.dumps(value).encode(), headers)
    return answer.status, answer.json()


@pytest.fixture
def bare(start: Start) -> Running:
    """The W3C suites' setting: no registry (they test credentials, not registries), and the
    examples contexts their credentials use."""
    return start(allow_test_contexts=True)


def test_the_official_vectors_are_signed_by_a_key_that_is_not_their_issuers(
        bare: Running) -> None:
    """Every signed vector of VC-DI-EdDSA names https://vc.example/issuers/5678 as its issuer
    and is signed by a did:key: the signature holds, but vcskill requires the proof to be by
    a key of the issuer (a credential cannot borrow another's name), so each is refused with
    that reason, never as a broken signature."""
    for signed_file in ("eddsa-rdfc-2022/signedDataInt.json", "eddsa-jcs-2022/signedJCS.json"):
        status, result = post(bare, "/credentials/verify", {
            "verifiableCredential": load_json(EDDSA / signed_file), "options": {"unknown": 1}})
        assert status == 400
        assert [(e["id"], e["code"]) for e in result["errors"]] == [
            ("proof", "ISSUER_KEY_MISMATCH")], signed_file
        assert result["warnings"] == []


def test_a_changed_vector_is_400_naming_the_proof(bare: Running) -> None:
    signed = copy.deepcopy(load_json(EDDSA / "eddsa-rdfc-2022" / "signedDataInt.json"))
    signed["credentialSubject"]["alumniOf"] = "Another University"
    status, result = post(bare, "/credentials/verify", {"verifiableCredential": signed})
    assert status == 400 and result["outcome"] == "invalid"
    assert result["errors"][0]["code"] == "PROOF_VERIFICATION_ERROR"


def test_the_examples_contexts_are_refused_unless_asked_for(start: Start) -> None:
    served = start()
    status, result = post(served, "/credentials/verify", {
        "verifiableCredential": load_json(EDDSA / "eddsa-rdfc-2022" / "signedDataInt.json")})
    assert status == 400 and result["errors"][0]["code"] == "UNKNOWN_CONTEXT"


@pytest.mark.parametrize("name", sorted(p.name for p in DI_SUITE.glob("2.0-*.json")))
def test_the_data_integrity_suites_proof_chains_are_refused_for_their_inline_context(
        bare: Running, name: str) -> None:
    """The suite's previousProof fixtures define their terms in an inline @context, which
    vcskill never accepts (only bundled, pinned contexts: VC Data Integrity §4.6): the Ok
    ones are refused at the context check, as the Fail ones are, never at the proof."""
    status, result = post(bare, "/credentials/verify",
                          {"verifiableCredential": load_json(DI_SUITE / name)})
    assert status == 400
    assert result["errors"][0]["code"] == "CONTEXT_VALIDATION_ERROR", result["errors"]


def test_with_a_registry_an_unregistered_issuer_is_400(start: Start, world: World) -> None:
    served = start(cache=world.cache)
    status, result = post(served, "/credentials/verify", {
        "verifiableCredential": json.loads(world.credential("unregistered-issuer.json"))})
    assert status == 400 and result["warnings"] == []
    assert "issuer" in {e["id"] for e in result["errors"]}
    genuine = json.loads(world.credential(GENUINE))
    status, result = post(served, "/credentials/verify", {"verifiableCredential": genuine})
    assert status == 200 and result["outcome"] == "verified", result["errors"]
    revoked = json.loads(world.credential(REVOKED))
    status, result = post(served, "/credentials/verify", {"verifiableCredential": revoked})
    assert status == 400 and result["errors"][0]["code"] == "CREDENTIAL_REVOKED"


def test_a_vc_jwt_and_malformed_requests(served: Running, world: World) -> None:
    jwt = world.credential("credential-4-vc-jwt.jwt").decode().strip()
    status, result = post(served, "/credentials/verify", {"verifiableCredential": jwt})
    assert status == 200, result["errors"]
    for body in ({}, {"verifiableCredential": 7}, []):
        status, result = post(served, "/credentials/verify", body)
        assert status == 400 and result["errors"][0]["code"] == "PARSING_ERROR"
    plain = served.request("POST", "/credentials/verify", b"x", {"Content-Type": "text/plain"})
    assert plain.status == 415


# -- issuing ------------------------------------------------------------------------------------


def test_issuing_is_closed_by_default(served: Running) -> None:
    status, result = post(served, "/credentials/issue", {"credential": {}}, token=TOKEN)
    assert status == 404 and "--issuer-key" in result["errors"][0]["message"]


@pytest.fixture
def issuing(start: Start, tmp_path: Path) -> tuple[Running, str]:
    key = write_key_file(tmp_path / "issuer.key", PrivateKey.generate(), passphrase=None,
                         issuer_name="示范市职业技能鉴定指导中心")
    return (start(issuer=IssuerEndpoint(key, TOKEN), allow_test_contexts=True),
            key.metadata.controller)


def test_issuing_needs_the_token(issuing: tuple[Running, str]) -> None:
    served, _did = issuing
    unsigned = load_json(EDDSA / "unsigned.json")
    for token in (None, "", "wrong-" + TOKEN, TOKEN[:-1]):
        answer = served.request("POST", "/credentials/issue",
                                json.dumps({"credential": unsigned}).encode(),
                                {"Content-Type": "application/json",
                                 **({"Authorization": f"Bearer {token}"} if token is not None
                                    else {})})
        assert answer.status == 401, token
        assert answer.header("WWW-Authenticate") == 'Bearer realm="vcskill"'


def test_an_issued_credential_verifies(issuing: tuple[Running, str]) -> None:
    served, did = issuing
    unsigned = {key: value for key, value in load_json(EDDSA / "unsigned.json").items()
                if key != "issuer"}
    status, result = post(served, "/credentials/issue",
                          {"credential": unsigned, "options": {"unknown": True}}, token=TOKEN)
    assert status == 201, result
    signed = result["verifiableCredential"]
    assert signed["issuer"] == did and signed["proof"]["cryptosuite"] == "eddsa-rdfc-2022"
    status, verdict = post(served, "/credentials/verify", {"verifiableCredential": signed})
    assert status == 200, verdict["errors"]
    assert "proof" in verdict["checks"]
    # Given no registry, the issuer is not judged, and the answer says so.
    assert {w["id"] for w in verdict["warnings"]} == {"issuer", "authorization"}
    # It signs as its own DID only.
    status, refused = post(served, "/credentials/issue",
                           {"credential": {**unsigned, "issuer": "did:example:else"}},
                           token=TOKEN)
    assert status == 400 and did in refused["errors"][0]["message"]


def test_a_short_token_is_refused_at_start(tmp_path: Path) -> None:
    from vcskill.errors import UsageError

    key = write_key_file(tmp_path / "k.key", PrivateKey.generate(), passphrase=None,
                         issuer_name="x")
    with pytest.raises(UsageError, match="at least 32"):
        IssuerEndpoint(key, "short")


def test_an_issuer_key_without_a_token_does_not_start(tmp_path: Path) -> None:
    from vcskill.errors import UsageError
    from vcskill.web.server import issuer_endpoint

    write_key_file(tmp_path / "k.key", PrivateKey.generate(), passphrase=None, issuer_name="x")
    assert issuer_endpoint(None) is None
    with pytest.raises(UsageError, match="VCSKILL_ISSUE_TOKEN"):
        issuer_endpoint(tmp_path / "k.key", environ={})
    endpoint = issuer_endpoint(tmp_path / "k.key", environ={"VCSKILL_ISSUE_TOKEN": TOKEN})
    assert endpoint is not None and endpoint.token == TOKEN
