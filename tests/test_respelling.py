"""What the verifier judges is what was signed (issue #10, ADR 0007).

JSON-LD writes one signed RDF dataset in many JSON shapes (tests/respelling.py makes them).
Whatever a credential is re-spelled into, vcskill's verdict is the original's, with the same
facts, or a refusal with a named code: never another verdict with other facts. The property
runs over credentials in every proof format, valid, revoked, issued while suspended and out
of scope, and over a status list credential.
"""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.respelling import KINDS, Edit, Respeller, signed_rdf
from tests.world import World
from vcskill.errors import Code
from vcskill.keys.resolver import OfflineResolver
from vcskill.linkeddata.contexts import ContextStore
from vcskill.proofs.dataintegrity import verify_proof_set
from vcskill.status.statuslist import DirectoryStatusSource
from vcskill.verifying.report import CheckId, Outcome, VerificationReport
from vcskill.verifying.verifier import Verifier

CONTEXTS = ContextStore.bundled()
AT = datetime.now(UTC)

# demo file -> what its verdict turns on
ORIGINALS = {
    "credential-1-eddsa-rdfc-2022.json": "verified, eddsa-rdfc-2022",
    "credential-2-eddsa-jcs-2022.json": "verified, eddsa-jcs-2022",
    "credential-3-ecdsa-rdfc-2019.json": "verified, ecdsa-rdfc-2019",
    "credential-4-vc-jwt.jwt": "verified, vc+jwt",
    "centre-revoked.json": "revoked: its status entries",
    "school-during-suspension.json": "issued while suspended: its validFrom",
    "school-out-of-scope.json": "out of scope: its type, occupation and level",
}
RDFC = ("credential-1-eddsa-rdfc-2022.json", "credential-3-ecdsa-rdfc-2019.json",
        "centre-revoked.json", "school-during-suspension.json", "school-out-of-scope.json")
# A refusal: the input is refused before or by its proof, with one of these codes.
REFUSALS = frozenset({
    Code.JSONLD_NOT_COMPACT, Code.PROOF_VERIFICATION_ERROR, Code.MALFORMED_VALUE_ERROR,
    Code.MALFORMED_PROOF_ERROR, Code.PARSING_ERROR, Code.NOT_A_CREDENTIAL,
    Code.UNEXPECTED_CREDENTIAL_TYPE, Code.DATA_LOSS_DETECTION_ERROR,
    Code.CONTEXT_VALIDATION_ERROR, Code.JSONLD_ERROR, Code.MISSING_PROOF,
})
REFUSING_CHECKS = frozenset({CheckId.PARSE, CheckId.CONTEXT, CheckId.DATA_MODEL, CheckId.PROOF})


def verifier_for(world: World) -> Verifier:
    from did_registry.sources import load_cache

    registry, store = load_cache(world.cache, now=AT, trust_root=None)
    return Verifier(registry=registry, resolver=OfflineResolver(store.did_documents()),
                    status_lists=DirectoryStatusSource(world.status))


def read(world: World, name: str) -> tuple[dict[str, Any], str | None]:
    """The document (a vc+jwt's payload) and, for a vc+jwt, its header and signature."""
    raw = world.credential(name).decode("utf-8").strip()
    if name.endswith(".jwt"):
        header, payload, signature = raw.split(".")
        padded = payload + "=" * (-len(payload) % 4)
        return json.loads(base64.urlsafe_b64decode(padded)), f"{header}.{{}}.{signature}"
    return json.loads(raw), None


def encode(document: dict[str, Any], jwt: str | None) -> bytes:
    text = json.dumps(document, ensure_ascii=False, separators=(",", ":"))  # as sign_jwt
    if jwt is None:
        return text.encode("utf-8")
    payload = base64.urlsafe_b64encode(text.encode("utf-8")).rstrip(b"=").decode("ascii")
    return jwt.format(payload).encode("ascii")  # the issuer's signature, not re-made


def verdict(report: VerificationReport) -> tuple[Any, ...]:
    """The outcome, every check's result, and the facts read."""
    return (report.outcome, report.kind,
            tuple((c.id, c.passed, c.code) for c in report.checks),
            report.credential.to_json())


def assert_same_or_refused(report: VerificationReport, original: VerificationReport) -> None:
    if verdict(report) == verdict(original):
        return
    failure = report.first_failure
    assert report.outcome is Outcome.INVALID and failure is not None, (
        "a re-spelling changed the verdict", verdict(original), verdict(report))
    # status entries are read by the status step: a malformed one is refused there
    where = failure.id in REFUSING_CHECKS or (
        failure.id is CheckId.STATUS and failure.code is Code.MALFORMED_VALUE_ERROR)
    assert where and failure.code in REFUSALS, report.to_json()


@pytest.fixture(scope="module")
def judged(world: World) -> dict[str, Any]:
    verifier = verifier_for(world)
    out: dict[str, Any] = {"verifier": verifier}
    for name in ORIGINALS:
        document, jwt = read(world, name)
        out[name] = (Respeller(document, CONTEXTS), jwt,
                     verifier.check(encode(document, jwt), at=AT))
    return out


def test_the_originals_have_the_verdicts_the_property_is_about(judged: dict[str, Any]) -> None:
    outcomes = {name: judged[name][2].first_failure for name in ORIGINALS}
    assert all(outcomes[n] is None for n in ORIGINALS if n.startswith("credential-"))
    assert outcomes["centre-revoked.json"].code is Code.CREDENTIAL_REVOKED
    assert outcomes["school-during-suspension.json"].code is Code.ISSUER_NOT_AUTHORIZED
    assert outcomes["school-out-of-scope.json"].code is Code.ISSUER_NOT_AUTHORIZED


@pytest.mark.parametrize("name", RDFC)
@pytest.mark.parametrize("kind", [k for k in KINDS if k != "compact-iri-key"])
def test_each_edit_keeps_what_is_signed(judged: dict[str, Any], name: str, kind: str) -> None:
    """The edits are real re-spellings: a verifier that checks only the signature of the RDF
    accepts every one of them (so the refusals below are what protects the verdict)."""
    respeller, _jwt, _report = judged[name]
    edits = [e for e in respeller.edits if e.kind == kind]
    assert edits, f"no {kind} edit applies to {name}"
    original = signed_rdf(respeller.document, CONTEXTS)
    for edit in edits:
        variant = respeller.apply([edit])
        assert json.dumps(variant) != json.dumps(respeller.document), edit  # order counts
        assert signed_rdf(variant, CONTEXTS) == original, edit


def test_the_skill_contexts_leave_no_compact_iri_to_write(judged: dict[str, Any]) -> None:
    """None of the three skill contexts defines a prefix term, so no key of a skill
    credential can be written as a compact IRI that expands (a key with a colon is refused
    anyway, as an IRI)."""
    for name in RDFC:
        respeller, _jwt, _report = judged[name]
        assert not [e for e in respeller.edits if e.kind == "compact-iri-key"]


@pytest.mark.parametrize("edit", [
    Edit("iri-key", (), "credentialStatus"),  # the un-revocation of issue #10
    Edit("value-object", ("credentialStatus", 0, "statusListIndex")),
])
def test_the_signature_still_matches_a_respelled_revoked_credential(
        judged: dict[str, Any], edit: Edit) -> None:
    respeller, _jwt, _report = judged["centre-revoked.json"]
    variant = respeller.apply([edit])
    # the proof alone, with the key the registry lists, still verifies: only the form is
    # wrong, and that is what the context step refuses
    from vcskill.verifying.verifier import _RegistryResolver

    resolver = _RegistryResolver(judged["verifier"].registry, AT, judged["verifier"].resolver)
    (result,) = verify_proof_set(variant, resolver=resolver, contexts=CONTEXTS)
    assert result.verified, result
    report = judged["verifier"].check(encode(variant, None), at=AT)
    assert report.first_failure is not None
    assert (report.first_failure.id, report.first_failure.code) == (
        CheckId.CONTEXT, Code.JSONLD_NOT_COMPACT)


@st.composite
def respellings(draw: st.DrawFn, respeller: Respeller) -> list[Edit]:
    count = draw(st.integers(min_value=1, max_value=4))
    return draw(st.lists(st.sampled_from(respeller.edits), min_size=count, max_size=count,
                         unique=True))


@pytest.mark.parametrize("name", sorted(ORIGINALS))
@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_a_respelled_credential_keeps_its_verdict_or_is_refused(
        judged: dict[str, Any], name: str, data: st.DataObject) -> None:
    respeller, jwt, original = judged[name]
    edits = data.draw(respellings(respeller))
    variant = respeller.apply(edits)
    report = judged["verifier"].check(encode(variant, jwt), at=AT)
    assert_same_or_refused(report, original)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_a_respelled_status_list_never_changes_a_credential_s_status(
        world: World, judged: dict[str, Any], tmp_path_factory: pytest.TempPathFactory,
        data: st.DataObject) -> None:
    """The revocation list itself re-spelled (a holder rewriting it to clear the bit's
    meaning): the credential stays revoked, or its status becomes undecided; never valid."""
    lists = sorted(world.status.glob("1-revocation.json"))
    document = json.loads(lists[0].read_text(encoding="utf-8"))
    respeller = Respeller(document, CONTEXTS)
    variant = respeller.apply(data.draw(respellings(respeller)))
    folder = tmp_path_factory.mktemp("lists")
    for path in world.status.glob("1-*.json"):
        (folder / path.name).write_bytes(path.read_bytes())
    (folder / "1-revocation.json").write_text(json.dumps(variant), encoding="utf-8")
    verifier = Verifier(registry=judged["verifier"].registry,
                        resolver=judged["verifier"].resolver,
                        status_lists=DirectoryStatusSource(folder))
    report = verifier.check(world.credential("centre-revoked.json"), at=AT)
    status = report.check(CheckId.STATUS)
    assert status is not None and not status.passed
    assert status.code in (Code.CREDENTIAL_REVOKED, Code.STATUS_VERIFICATION_ERROR,
                           Code.STATUS_RETRIEVAL_ERROR), report.to_json()
    assert report.outcome is not Outcome.VERIFIED


@pytest.mark.parametrize("name", sorted(ORIGINALS))
def test_spellings_the_readers_share_keep_the_verdict_and_the_facts(
        judged: dict[str, Any], name: str) -> None:
    """Key order, and a proof written as an array of one: the same verdict, the same facts
    (the content digest included)."""
    respeller, jwt, original = judged[name]
    same = [e for e in respeller.edits if e.kind == "reorder"]
    same += [e for e in respeller.edits if e.kind == "array" and e.path == ("proof",)]
    report = judged["verifier"].check(encode(respeller.apply(same), jwt), at=AT)
    if jwt is not None:  # the payload's bytes are what a vc+jwt signs: refused
        assert report.first_failure is not None
        assert report.first_failure.code is Code.PROOF_VERIFICATION_ERROR
        return
    assert verdict(report) == verdict(original)


@pytest.mark.parametrize("name", ["credential-1-eddsa-rdfc-2022.json",
                                  "credential-3-ecdsa-rdfc-2019.json"])
@pytest.mark.parametrize("repeat", ["a type", "a value object", "a node reference"])
def test_a_value_written_twice_is_refused_though_its_signature_matches(
        judged: dict[str, Any], name: str, repeat: str) -> None:
    # RDF keeps one triple for a repeated value, so the rdfc signature still matches; the JSON
    # says more than was signed (found by tests/test_fuzz.py: a type array with a repeat)
    document = json.loads(json.dumps(judged[name][0].document))
    if repeat == "a type":
        document["type"].insert(1, document["type"][1])
    elif repeat == "a value object":
        names = document["name"]
        document["name"] = [*names, names[0]]
    else:
        document["credentialStatus"] = [*document["credentialStatus"],
                                        document["credentialStatus"][0]]
    report = judged["verifier"].check(encode(document, None), at=AT)
    failure = report.first_failure
    assert report.outcome is Outcome.INVALID and failure is not None
    expected = (CheckId.CONTEXT, Code.JSONLD_NOT_COMPACT)
    assert (failure.id, failure.code) == expected, report.to_json()
    assert "twice" in (failure.detail or "")
