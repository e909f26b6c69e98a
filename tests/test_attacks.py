"""What an attacker tried (issue #10), each refused through the CLI, the library and the
page's API with a named code; each test is named after the attack.

The world is the demo's (tests/world.py): a registry, the centre's ledger with one
credential revoked, a school suspended in February 2026, status lists.
"""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from tests.test_serve import Running, Start, start
from tests.world import World
from vcskill.cli import main
from vcskill.errors import Code, Error
from vcskill.keys.resolver import OfflineResolver
from vcskill.status.statuslist import DirectoryStatusSource
from vcskill.verifying.report import CheckId, Outcome, VerificationReport
from vcskill.verifying.verifier import Verifier

__all__ = ["start"]  # a fixture used here

AT = datetime.now(UTC)
CRED = "https://www.w3.org/2018/credentials#"
REVOKED = "centre-revoked.json"


# -- helpers -----------------------------------------------------------------------------------


def verifier(world: World, status: Path | None = None) -> Verifier:
    from did_registry.sources import load_cache

    registry, store = load_cache(world.cache, now=AT, trust_root=None)
    return Verifier(registry=registry, resolver=OfflineResolver(store.did_documents()),
                    status_lists=DirectoryStatusSource(status or world.status))


def cli(world: World, path: Path, *extra: str, status: Path | None = None) -> Result:
    return CliRunner().invoke(main, ["verify", str(path), "--cache", str(world.cache),
                                     "--status-dir", str(status or world.status), *extra])


def doc(world: World, name: str) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(world.credential(name))
    return loaded


def write(tmp_path: Path, name: str, value: Any) -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(value, ensure_ascii=False), encoding="utf-8")
    return path


def deciding(report: VerificationReport) -> tuple[CheckId, Code] | None:
    first = report.first_failure
    return (first.id, first.code) if first is not None and first.code is not None else None


def refused_everywhere(world: World, served: Running, path: Path, check: CheckId, code: Code,
                       *, exit_code: int) -> None:
    """The same refusal from the library, the CLI (exit code and [CODE] or the JSON report)
    and the page's API."""
    data = path.read_bytes()
    report = verifier(world).check(data, at=AT)
    assert deciding(report) == (check, code), report.to_json()
    assert report.outcome is not Outcome.VERIFIED
    result = cli(world, path, "--json")
    assert result.exit_code == exit_code, (result.stdout, result.stderr)
    if exit_code == 2:
        assert f"[{code}]" in result.stderr, result.stderr
    else:
        checks = {c["id"]: c for c in json.loads(result.stdout)["checks"]}
        assert checks[str(check)]["code"] == str(code)
    answer = served.api({"credential": data.decode("utf-8")})
    if exit_code == 2:
        assert answer.status == 422, answer.body
        assert answer.json()["error"]["code"] == str(code)
    else:
        body = answer.json()
        assert answer.status == 200 and body["verdict"] == "red", body
        assert {c["id"]: c["code"] for c in body["checks"]}[str(check)] == str(code)


@pytest.fixture
def served(world: World, start: Start) -> Running:
    return start(cache=world.cache)


# -- 1. re-spelling the signed JSON-LD ---------------------------------------------------------


def test_a_holder_cannot_unrevoke_by_writing_credentialstatus_as_its_iri(
        world: World, served: Running, tmp_path: Path) -> None:
    forged = doc(world, REVOKED)
    forged[CRED + "credentialStatus"] = forged.pop("credentialStatus")
    refused_everywhere(world, served, write(tmp_path, "unrevoked.json", forged),
                       CheckId.CONTEXT, Code.JSONLD_NOT_COMPACT, exit_code=1)


def test_renaming_one_of_two_status_entries_does_not_hide_the_revocation(
        world: World, served: Running, tmp_path: Path) -> None:
    forged = doc(world, REVOKED)
    revocation, suspension = forged.pop("credentialStatus")
    forged["credentialStatus"] = suspension
    forged[CRED + "credentialStatus"] = revocation
    refused_everywhere(world, served, write(tmp_path, "half.json", forged),
                       CheckId.CONTEXT, Code.JSONLD_NOT_COMPACT, exit_code=1)


def test_the_qr_code_of_a_respelled_credential_is_refused(
        world: World, tmp_path: Path) -> None:
    from vcskill.qr.payload import encode_payload

    forged = doc(world, REVOKED)
    forged[CRED + "credentialStatus"] = forged.pop("credentialStatus")
    payload = tmp_path / "unrevoked.qr.txt"
    payload.write_text(encode_payload(json.dumps(forged).encode("utf-8")), encoding="ascii")
    result = cli(world, payload, "--json")
    assert result.exit_code == 1
    checks = {c["id"]: c for c in json.loads(result.stdout)["checks"]}
    assert checks["context"]["code"] == "JSONLD_NOT_COMPACT"


def test_the_skill_type_written_as_its_iri_does_not_skip_the_scope_check(
        world: World, served: Running, tmp_path: Path) -> None:
    forged = doc(world, "school-out-of-scope.json")  # L1 from a school approved up to L3
    forged["type"] = [t if t != "SkillLevelCredential" else
                      "https://w3id.org/vcskill/vocab#SkillLevelCredential"
                      for t in forged["type"]]
    refused_everywhere(world, served, write(tmp_path, "typed.json", forged),
                       CheckId.CONTEXT, Code.JSONLD_NOT_COMPACT, exit_code=1)


def test_validfrom_as_a_typed_value_object_does_not_move_the_issue_date(
        world: World, served: Running, tmp_path: Path) -> None:
    forged = doc(world, "school-during-suspension.json")
    forged["type"] = [t if t != "SkillLevelCredential" else
                      "https://w3id.org/vcskill/vocab#SkillLevelCredential"
                      for t in forged["type"]]
    forged[CRED + "validFrom"] = {"@value": forged.pop("validFrom"),
                                  "@type": "http://www.w3.org/2001/XMLSchema#dateTime"}
    refused_everywhere(world, served, write(tmp_path, "dated.json", forged),
                       CheckId.CONTEXT, Code.JSONLD_NOT_COMPACT, exit_code=1)


# -- 2. saying what kind of thing it is -------------------------------------------------------


def test_a_status_list_is_not_a_certificate(world: World, served: Running) -> None:
    lists = world.status / "1-revocation.json"
    refused_everywhere(world, served, lists, CheckId.CONTEXT,
                       Code.UNEXPECTED_CREDENTIAL_TYPE, exit_code=2)
    page = served.form({"payload": lists.read_text(encoding="utf-8")})
    assert page.status == 422 and 'data-verdict="unreadable"' in page.text
    assert "状态列表" in page.text  # the page says what it is, in the page's language


@pytest.mark.parametrize("what", ["hello", "registry"])
def test_json_that_is_not_a_credential_is_exit_2(world: World, served: Running,
                                                 tmp_path: Path, what: str) -> None:
    path = write(tmp_path, "hello.json", {"hello": "world"}) if what == "hello" \
        else world.registry
    refused_everywhere(world, served, path, CheckId.PARSE, Code.NOT_A_CREDENTIAL, exit_code=2)


def test_a_presentation_is_named_and_refused(world: World, tmp_path: Path) -> None:
    presentation = {"@context": ["https://www.w3.org/ns/credentials/v2"],
                    "type": ["VerifiablePresentation"],
                    "verifiableCredential": [doc(world, "credential-1-eddsa-rdfc-2022.json")]}
    report = verifier(world).check(json.dumps(presentation), at=AT)
    assert deciding(report) == (CheckId.CONTEXT, Code.NOT_A_CREDENTIAL)
    assert "presentation" in (report.first_failure.detail if report.first_failure else "")
    result = cli(world, write(tmp_path, "vp.json", presentation))
    assert result.exit_code == 2 and "[NOT_A_CREDENTIAL]" in result.stderr


def test_generic_verification_is_asked_for_explicitly(world: World, served: Running) -> None:
    """A status list is a genuine credential of its issuer: with accept="any" (the CLI's
    --any-credential, the API's "accept": "any") it is judged, not refused."""
    lists = world.status / "1-revocation.json"
    report = verifier(world).check(lists.read_bytes(), at=AT, accept="any")
    assert report.kind == "status-list-credential" and report.verified, report.to_json()
    assert cli(world, lists, "--any-credential").exit_code == 0
    answer = served.api({"credential": lists.read_text(encoding="utf-8"), "accept": "any"})
    assert answer.status == 200 and answer.json()["verdict"] == "green"


def test_a_peer_s_skilllevelcredential_of_another_vocabulary_is_not_ours(
        world: World) -> None:
    """The bare type name is not the type: in the examples context's vocabulary
    "SkillLevelCredential" is another IRI, so this is another credential (issue #12)."""
    from vcskill.linkeddata.contexts import ContextStore
    from vcskill.linkeddata.signedform import DocumentKind, read_signed_form

    peer = {"@context": ["https://www.w3.org/ns/credentials/v2",
                         "https://www.w3.org/ns/credentials/examples/v2"],
            "type": ["VerifiableCredential", "SkillLevelCredential"],
            "issuer": "did:example:peer", "credentialSubject": {"level": "3"}}
    form = read_signed_form(peer, contexts=ContextStore.bundled(allow_test_contexts=True))
    assert form.kind is DocumentKind.CREDENTIAL
    assert "https://www.w3.org/ns/credentials/examples#SkillLevelCredential" in form.types


# -- 3. the rest of what an attacker tried ----------------------------------------------------


def test_an_unsigned_list_in_the_status_dir_does_not_hide_the_revocation(
        world: World, served: Running, tmp_path: Path) -> None:
    folder = tmp_path / "status"
    folder.mkdir()
    for path in world.status.glob("*.json"):
        (folder / path.name).write_bytes(path.read_bytes())
    fake = json.loads((world.status / "1-revocation.json").read_text(encoding="utf-8"))
    del fake["proof"]
    fake["validFrom"], fake["validUntil"] = "2099-01-01T00:00:00Z", "2099-12-31T00:00:00Z"
    write(folder, "zz-newer.json", fake)
    report = verifier(world, folder).check(world.credential(REVOKED), at=AT)
    assert deciding(report) == (CheckId.STATUS, Code.CREDENTIAL_REVOKED), report.to_json()
    result = cli(world, world.dir / REVOKED, status=folder)
    assert result.exit_code == 1 and "REVOKED" in result.stdout


def test_a_credential_of_thousands_of_language_strings_is_refused_at_once(
        world: World) -> None:
    forged = doc(world, "credential-1-eddsa-rdfc-2022.json")
    forged["credentialSubject"]["achievement"]["name"] = [
        {"@value": f"名称{i}", "@language": "zh"} for i in range(1_750)]
    data = json.dumps(forged, ensure_ascii=False).encode("utf-8")
    assert 60_000 < len(data) < 256 * 1024  # within the byte limit
    report = verifier(world).check(data, at=AT)
    assert deciding(report) == (CheckId.PARSE, Code.PARSING_ERROR)
    assert "1,000 JSON values" in (report.first_failure.detail if report.first_failure else "")


def test_the_node_map_is_linear_in_the_values_of_one_property(world: World) -> None:
    """Below the cap, 900 values of one property: pyld's node map compared each with every
    one before it (400,000 comparisons); vcskill's compares none of these by scanning."""
    from pyld.jsonld import JsonLdProcessor

    from vcskill.linkeddata.contexts import ContextStore
    from vcskill.linkeddata.jsonld import to_nquads

    forged = doc(world, "credential-1-eddsa-rdfc-2022.json")
    del forged["proof"]
    forged["credentialSubject"]["achievement"]["name"] = [
        {"@value": f"名称{i}", "@language": "zh"} for i in range(300)]
    compared = 0
    original = JsonLdProcessor.compare_values

    def counting(v1: Any, v2: Any) -> bool:
        nonlocal compared
        compared += 1
        return bool(original(v1, v2))

    JsonLdProcessor.compare_values = staticmethod(counting)  # type: ignore[method-assign]
    try:
        nquads = to_nquads(forged, contexts=ContextStore.bundled())
    finally:
        JsonLdProcessor.compare_values = staticmethod(original)  # type: ignore[method-assign]
    assert nquads.count("@zh") >= 300
    assert compared == 0


def test_a_malleated_ecdsa_signature_never_counts_twice(world: World, tmp_path: Path) -> None:
    """ECDSA's (r, s) and (r, n - s) both verify (ADR 0008): the copy is the same credential,
    by digest, in the batch summary, and in the issuer's ledger."""
    from vcskill.keys.multibase import decode_base58btc_multibase, encode_base58btc_multibase

    original = doc(world, "credential-3-ecdsa-rdfc-2019.json")
    signature = decode_base58btc_multibase(original["proof"]["proofValue"])
    order = 0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551  # P-256 n
    r, s = signature[:32], int.from_bytes(signature[32:], "big")
    twin = json.loads(json.dumps(original))
    twin["proof"]["proofValue"] = encode_base58btc_multibase(r + (order - s).to_bytes(32, "big"))
    assert twin["proof"]["proofValue"] != original["proof"]["proofValue"]
    check = verifier(world)
    first = check.check(json.dumps(original), at=AT)
    second = check.check(json.dumps(twin), at=AT)
    assert first.verified and second.verified  # the spec does not ask for low-S
    assert first.credential.digest and first.credential.digest == second.credential.digest
    batch = tmp_path / "batch"
    batch.mkdir()
    write(batch, "a.json", original)
    write(batch, "b.json", twin)
    result = CliRunner().invoke(main, ["verify", "--batch", str(batch), "--cache",
                                       str(world.cache), "--json"])
    summary = json.loads(result.stdout.strip().splitlines()[-1])["summary"]
    assert (summary["verified"], summary["distinct_verified"]) == (2, 1), result.stdout
    # the ledger knows a credential by its id, whatever its signature bytes
    from vcskill.cli.issuing import credential_key

    assert credential_key(str(batch / "a.json")) == credential_key(str(batch / "b.json"))


def test_a_closed_stdout_keeps_the_verdict_s_exit_code(world: World) -> None:
    for name, expected in ((REVOKED, 1), ("credential-1-eddsa-rdfc-2022.json", 0)):
        process = subprocess.Popen(
            [sys.executable, "-m", "vcskill.cli", "verify", str(world.dir / name), "--cache",
             str(world.cache), "--status-dir", str(world.status)],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        assert process.stdout is not None and process.stderr is not None
        process.stdout.close()  # `| head -0`: the reader is gone before anything is written
        with process.stderr:
            error = process.stderr.read()
        assert process.wait(timeout=60) == expected, error
        assert b"Traceback" not in error


@pytest.mark.parametrize(("name", "never"), [
    ("unregistered-issuer.json", "确由该机构签名"),  # not signed by any listed institution
    ("school-during-suspension.json", "已不再有效"),  # never valid, not "no longer"
])
def test_the_page_words_each_red_verdict_truthfully(world: World, served: Running,
                                                    name: str, never: str) -> None:
    page = served.form({"payload": world.credential(name).decode("utf-8")})
    assert page.status == 200 and 'data-verdict="red"' in page.text
    assert never not in page.text
    english = served.form({"payload": world.credential(name).decode("utf-8"), "lang": "en"})
    assert "no longer valid" not in english.text
    revoked = served.form({"payload": world.credential(REVOKED).decode("utf-8"), "lang": "en"})
    assert "Genuinely signed by this institution, but no longer valid" in revoked.text


def test_the_issuer_never_signs_what_its_verifier_refuses(world: World) -> None:
    from vcskill.issuing.signing import sign_credential
    from vcskill.keys.keyfile import read_key_file
    from vcskill.model.credential import SkillCredential

    key = read_key_file(world.dir / "issuers" / "school.key", passphrase=None)
    unsigned = SkillCredential.from_json(doc(world, "school-before-suspension.json")).to_json()
    vm = key.metadata.verification_method
    inline = {**unsigned, "@context": [*unsigned["@context"], {"extra": "https://e.example/x"}]}
    respelled = dict(unsigned)
    respelled[CRED + "validFrom"] = {"@value": respelled.pop("validFrom"),
                                     "@type": "http://www.w3.org/2001/XMLSchema#dateTime"}
    for bad, code in ((inline, Code.CONTEXT_VALIDATION_ERROR),
                      (respelled, Code.JSONLD_NOT_COMPACT)):
        for fmt in ("eddsa-rdfc-2022", "eddsa-jcs-2022", "vc-jwt"):
            with pytest.raises(Error) as info:
                sign_credential(bad, key.private_key, verification_method=vm,
                                proof_format=fmt)  # type: ignore[arg-type]
            assert info.value.code is code, (fmt, info.value)


def test_the_demo_refuses_a_folder_an_earlier_demo_wrote(world: World) -> None:
    result = CliRunner().invoke(main, ["demo", "--workdir", str(world.dir)])
    assert result.exit_code == 2, result.output
    assert "[USAGE_ERROR]" in result.stderr and "not empty" in result.stderr
