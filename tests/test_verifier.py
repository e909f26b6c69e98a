"""The offline verifier: genuine credentials in every format, the attacks of issue #3, hostile
input, and a property test of issue → verify.

Each attack test is named after the attack and asserts the check that catches it and its
stable code, so a regression that lets an attack through, or reports it vaguely, fails here.
"""

from __future__ import annotations

import copy
import dataclasses
import json
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from vcskill.errors import Code, DataModelError, VerificationError
from vcskill.issuing.request import IssueRequest, issue_one
from vcskill.issuing.signing import ProofFormat, sign_credential
from vcskill.keys.keyfile import KeyFile, write_key_file
from vcskill.keys.keypair import KeyAlgorithm, PrivateKey
from vcskill.keys.resolver import OfflineResolver
from vcskill.linkeddata.contexts import ContextStore
from vcskill.model.credential import SKILL_CONTEXTS, SkillCredential
from vcskill.model.skills import LEVELS
from vcskill.proofs.dataintegrity import Cryptosuite, add_proof
from vcskill.verifying.report import CHECK_ORDER, CheckId, Outcome, VerificationReport
from vcskill.verifying.verifier import Policy, Verifier, parse_policy

CST = timezone(timedelta(hours=8))
ISSUED = datetime(2026, 6, 30, 9, 0, tzinfo=CST)
LATER = datetime(2026, 11, 25, tzinfo=CST)
DI_FORMATS = ("eddsa-rdfc-2022", "eddsa-jcs-2022", "ecdsa-rdfc-2019")
ALL_FORMATS = (*DI_FORMATS, "vc-jwt")
EXAMPLES_CONTEXT = "https://www.w3.org/ns/credentials/examples/v2"


# -- fixtures ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def keys(tmp_path_factory: pytest.TempPathFactory) -> dict[str, KeyFile]:
    folder = tmp_path_factory.mktemp("keys")

    def make(name: str, algorithm: KeyAlgorithm, issuer: str) -> KeyFile:
        return write_key_file(folder / name, PrivateKey.generate(algorithm), passphrase=None,
                              issuer_name=issuer, uscc="12110000400000003A")

    return {
        "ed25519": make("ed.key", KeyAlgorithm.ED25519, "示范市职业技能鉴定指导中心"),
        "p256": make("p256.key", KeyAlgorithm.P256, "示范市职业技能鉴定指导中心"),
        "other": make("other.key", KeyAlgorithm.ED25519, "另一家评价机构"),
    }


@pytest.fixture(scope="module")
def verifier() -> Verifier:
    return Verifier()


def key_for(fmt: str, keys: dict[str, KeyFile]) -> KeyFile:
    return keys["p256"] if fmt == "ecdsa-rdfc-2019" else keys["ed25519"]


def request(fmt: str, **changes: Any) -> IssueRequest:
    fields: dict[str, Any] = {
        "holder_name": "张三", "occupation": "6-31-01-03", "level": "L3",
        "id_number": "370102199001011234", "certificate_number": "S000011000001263000001",
        "valid_from": ISSUED, "assessment_id": "2026-BJ-0630", "proof_format": fmt,
    }
    fields.update(changes)
    return IssueRequest(**fields)


def issue(fmt: str, keys: dict[str, KeyFile], **changes: Any) -> Any:
    """The signed credential: a dict for Data Integrity, the compact JWS for vc-jwt."""
    return issue_one(key_for(fmt, keys), request(fmt, **changes)).signed


@pytest.fixture(scope="module")
def signed(keys: dict[str, KeyFile]) -> dict[str, Any]:
    return {fmt: issue(fmt, keys) for fmt in ALL_FORMATS}




def failing(report: VerificationReport) -> tuple[CheckId, Code | None]:
    first = report.first_failure
    assert first is not None, "expected a failure"
    return first.id, first.code


def assert_invalid(report: VerificationReport, check: CheckId, code: Code) -> None:
    assert report.outcome is Outcome.INVALID, report.to_json()
    assert failing(report) == (check, code), report.to_json()
    # the checks after the deciding one did not run, and say so
    ids = [c.id for c in report.checks]
    for later in report.checks[ids.index(check) + 1:]:
        assert later.code is Code.NOT_EVALUATED


def tampered(doc: dict[str, Any], edit: Callable[[dict[str, Any]], None]) -> dict[str, Any]:
    copied = copy.deepcopy(doc)
    edit(copied)
    return copied


# -- genuine credentials -------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ALL_FORMATS)
def test_a_genuine_credential_is_indeterminate_until_a_registry_exists(
    fmt: str, signed: dict[str, Any], verifier: Verifier, no_network: None
) -> None:
    report = verifier.check(signed[fmt], at=LATER)
    assert report.outcome is Outcome.INDETERMINATE
    by_id = {c.id: c for c in report.checks}
    for passed in (CheckId.PARSE, CheckId.CONTEXT, CheckId.DATA_MODEL, CheckId.PROOF,
                   CheckId.VALIDITY, CheckId.STATUS):
        assert by_id[passed].passed, by_id[passed]
    for undecided in (CheckId.ISSUER, CheckId.AUTHORIZATION):
        assert by_id[undecided].code is Code.NOT_EVALUATED
        assert not by_id[undecided].passed
    assert report.credential.subject_name == "张三"
    assert report.credential.level == "L3"
    assert report.credential.occupation == "6-31-01-03"
    assert "cannot be revoked" in " ".join(report.warnings)


def test_the_report_lists_every_check_in_contract_order(
    signed: dict[str, Any], verifier: Verifier
) -> None:
    report = verifier.check(signed["eddsa-rdfc-2022"], at=LATER)
    as_json = json.loads(json.dumps(report.to_json()))
    assert [c["id"] for c in as_json["checks"]] == [str(c) for c in CHECK_ORDER[:-1]]
    assert set(as_json) == {"verified", "outcome", "kind", "checks", "credential", "registry",
                            "issuer", "warnings", "status_lists"}
    assert as_json["registry"] is None and as_json["issuer"] is None
    assert as_json["verified"] is False and as_json["outcome"] == "indeterminate"
    assert all(set(c) == {"id", "passed", "code", "detail"} for c in as_json["checks"])
    # the full identity number never appears in the report
    assert "370102199001011234" not in json.dumps(as_json, ensure_ascii=False)


def test_verify_raises_unless_verified_and_carries_the_report(
    signed: dict[str, Any], verifier: Verifier
) -> None:
    with pytest.raises(VerificationError) as caught:
        verifier.verify(signed["eddsa-rdfc-2022"], at=LATER)
    assert caught.value.code is Code.NOT_EVALUATED
    assert isinstance(caught.value.report, VerificationReport)


def test_bytes_text_and_dict_inputs_give_the_same_verdict(
    signed: dict[str, Any], verifier: Verifier
) -> None:
    doc = signed["eddsa-rdfc-2022"]
    text = json.dumps(doc, ensure_ascii=False)
    reports = [verifier.check(x, at=LATER) for x in (doc, text, text.encode("utf-8"))]
    assert {r.outcome for r in reports} == {Outcome.INDETERMINATE}
    jwt = signed["vc-jwt"]
    assert verifier.check(jwt.encode("ascii"), at=LATER).outcome is Outcome.INDETERMINATE


def test_the_full_identity_number_is_never_in_the_credential(signed: dict[str, Any]) -> None:
    text = json.dumps(signed["eddsa-rdfc-2022"], ensure_ascii=False)
    assert "370102199001011234" not in text
    assert "3701**********1234" in text


# -- attacks: changed, added, moved --------------------------------------------------------


def _subject(doc: dict[str, Any]) -> dict[str, Any]:
    subject: dict[str, Any] = doc["credentialSubject"]
    return subject


SIGNED_VALUE_EDITS: dict[str, Callable[[dict[str, Any]], None]] = {
    "holder-name": lambda d: _subject(d).update(name="李四"),
    "certificate-serial": lambda d: _subject(d).update(
        certificateNumber="S000011000001263000002"),
    "valid-from": lambda d: d.update(validFrom="2026-01-02T09:00:00+08:00"),
    "issuer-name": lambda d: d["issuer"].update(name="某某职业培训学校"),
    "id-digest-salt": lambda d: _subject(d)["identifier"][0].update(salt="00" * 16),
    "credential-id": lambda d: d.update(id="urn:uuid:00000000-0000-4000-8000-000000000000"),
}


@pytest.mark.parametrize("fmt", DI_FORMATS)
@pytest.mark.parametrize("what", sorted(SIGNED_VALUE_EDITS))
def test_changing_a_signed_value_fails_the_proof(
    fmt: str, what: str, signed: dict[str, Any], verifier: Verifier
) -> None:
    forged = tampered(signed[fmt], SIGNED_VALUE_EDITS[what])
    assert_invalid(verifier.check(forged, at=LATER), CheckId.PROOF,
                   Code.PROOF_VERIFICATION_ERROR)


def consistent_forgery(doc: dict[str, Any], **changes: Any) -> dict[str, Any]:
    """``doc`` with facts changed through the model, so every derived field (achievement id,
    names, description, the certificate number's level digit) agrees: only the signature
    can catch it. The original proof is kept."""
    model = SkillCredential.from_json(doc)
    forged = dataclasses.replace(model, **changes).to_json()
    assert forged != {k: v for k, v in doc.items() if k != "proof"}
    return dict(forged, proof=doc["proof"])


@pytest.mark.parametrize("fmt", DI_FORMATS)
@pytest.mark.parametrize("what", ["level-raised", "occupation-changed"])
def test_a_consistent_forgery_of_level_or_occupation_fails_the_proof(
    fmt: str, what: str, signed: dict[str, Any], verifier: Verifier
) -> None:
    original = SkillCredential.from_json(signed[fmt])
    if what == "level-raised":
        forged = consistent_forgery(signed[fmt], level=LEVELS["L1"],
                                    certificate_number="S000011000001261000001")
    else:
        occupation = dataclasses.replace(original.occupation, code="4-10-01-05",
                                         name_zh="养老护理员")
        forged = consistent_forgery(signed[fmt], occupation=occupation)
    assert_invalid(verifier.check(forged, at=LATER), CheckId.PROOF,
                   Code.PROOF_VERIFICATION_ERROR)


@pytest.mark.parametrize("what", ["achievement-name", "level-name", "level-code-only"])
def test_display_text_that_contradicts_the_codes_is_refused(
    what: str, signed: dict[str, Any], verifier: Verifier
) -> None:
    # An Open Badges wallet shows the names; our report shows the codes. They must agree,
    # even when the issuer itself signed the contradiction.
    def edit(d: dict[str, Any]) -> None:
        achievement = _subject(d)["achievement"]
        if what == "achievement-name":
            achievement["name"][0]["@value"] = "电工 一级/高级技师"
        elif what == "level-name":
            achievement["skillLevel"]["name"][0]["@value"] = "一级/高级技师"
        else:
            achievement["skillLevel"].update(levelCode="L1", rank=6)
            _subject(d)["certificateNumber"] = "S000011000001261000001"

    forged = tampered(signed["eddsa-rdfc-2022"], edit)
    assert_invalid(verifier.check(forged, at=LATER), CheckId.DATA_MODEL,
                   Code.MALFORMED_VALUE_ERROR)


def test_changing_a_vc_jwt_payload_fails_the_proof(
    signed: dict[str, Any], verifier: Verifier
) -> None:
    import base64

    header, payload, signature = signed["vc-jwt"].split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    claims["credentialSubject"]["name"] = "李四"
    forged_payload = base64.urlsafe_b64encode(
        json.dumps(claims, ensure_ascii=False).encode("utf-8")).rstrip(b"=").decode("ascii")
    report = verifier.check(f"{header}.{forged_payload}.{signature}", at=LATER)
    assert_invalid(report, CheckId.PROOF, Code.PROOF_VERIFICATION_ERROR)


@pytest.mark.parametrize("fmt", DI_FORMATS)
def test_adding_an_unsigned_defined_property_fails_the_proof(
    fmt: str, signed: dict[str, Any], verifier: Verifier
) -> None:
    # `description` is defined by the VC 2.0 context, so only the signature can catch it.
    forged = tampered(signed[fmt], lambda d: d.update(description="国家认可 / state approved"))
    assert_invalid(verifier.check(forged, at=LATER), CheckId.PROOF,
                   Code.PROOF_VERIFICATION_ERROR)


@pytest.mark.parametrize("fmt", DI_FORMATS)
def test_adding_an_undefined_property_fails_the_context_check(
    fmt: str, signed: dict[str, Any], verifier: Verifier
) -> None:
    # An rdfc signature would not cover a term no context defines (it drops out of the
    # N-Quads), so safe-mode JSON-LD must refuse it before any signature is looked at.
    forged = tampered(signed[fmt], lambda d: _subject(d).update(nationalApproval="yes"))
    assert_invalid(verifier.check(forged, at=LATER), CheckId.CONTEXT,
                   Code.DATA_LOSS_DETECTION_ERROR)


@pytest.mark.parametrize("fmt", DI_FORMATS)
def test_adding_an_undefined_type_fails_the_context_check(
    fmt: str, signed: dict[str, Any], verifier: Verifier
) -> None:
    forged = tampered(signed[fmt], lambda d: d["type"].append("StateApprovedCredential"))
    assert_invalid(verifier.check(forged, at=LATER), CheckId.CONTEXT,
                   Code.DATA_LOSS_DETECTION_ERROR)


CONTEXT_EDITS: dict[str, tuple[Callable[[dict[str, Any]], None], Code]] = {
    "reordered": (lambda d: d["@context"].reverse(), Code.CONTEXT_VALIDATION_ERROR),
    # without its context the type SkillLevelCredential is no term at all
    "skill-context-removed": (lambda d: d["@context"].pop(), Code.DATA_LOSS_DETECTION_ERROR),
    "bundled-context-added": (
        lambda d: d["@context"].append("https://w3id.org/security/data-integrity/v2"),
        Code.CONTEXT_VALIDATION_ERROR),
    "unknown-context-added": (
        lambda d: d["@context"].append("https://evil.example/context.jsonld"),
        Code.UNKNOWN_CONTEXT),
    "test-only-context-added": (lambda d: d["@context"].append(EXAMPLES_CONTEXT),
                                Code.UNKNOWN_CONTEXT),
    "inline-context-added": (
        lambda d: d["@context"].append({"approvedBy": "https://evil.example/approvedBy"}),
        Code.CONTEXT_VALIDATION_ERROR),
    "nested-context-added": (
        lambda d: _subject(d).update({"@context": {"@vocab": "https://evil.example/#"}}),
        Code.CONTEXT_VALIDATION_ERROR),
    "skill-context-swapped-for-vocab": (
        lambda d: d["@context"].__setitem__(2, "https://www.w3.org/ns/credentials/undefined-"
                                               "terms/v2"),
        Code.UNKNOWN_CONTEXT),
}


@pytest.mark.parametrize("fmt", DI_FORMATS)
@pytest.mark.parametrize("what", sorted(CONTEXT_EDITS))
def test_changing_the_context_list_fails_the_context_check(
    fmt: str, what: str, signed: dict[str, Any], verifier: Verifier, no_network: None
) -> None:
    edit, code = CONTEXT_EDITS[what]
    forged = tampered(signed[fmt], edit)
    assert_invalid(verifier.check(forged, at=LATER), CheckId.CONTEXT, code)


@pytest.mark.parametrize("fmt", DI_FORMATS)
def test_moving_a_proof_to_another_credential_fails_the_proof(
    fmt: str, keys: dict[str, KeyFile], signed: dict[str, Any], verifier: Verifier
) -> None:
    # Same issuer, same key, another holder: a proof is bound to the document it signed.
    other = issue(fmt, keys, holder_name="王五", certificate_number="S000011000001263000099")
    assert verifier.check(other, at=LATER).outcome is Outcome.INDETERMINATE
    moved = dict(other, proof=signed[fmt]["proof"])
    assert_invalid(verifier.check(moved, at=LATER), CheckId.PROOF,
                   Code.PROOF_VERIFICATION_ERROR)


def test_a_valid_proof_by_another_key_is_not_the_issuers(
    keys: dict[str, KeyFile], signed: dict[str, Any], verifier: Verifier
) -> None:
    # Someone else signs the issuer's exact document: the signature is genuine, but the
    # signer is not the issuer (VC DI §4.3: the verification method's controller).
    unsigned = {k: v for k, v in signed["eddsa-rdfc-2022"].items() if k != "proof"}
    other = keys["other"]
    resigned = add_proof(unsigned, other.private_key,
                         verification_method=other.metadata.verification_method,
                         cryptosuite=Cryptosuite.EDDSA_RDFC_2022, created=ISSUED,
                         contexts=ContextStore.bundled())
    assert_invalid(verifier.check(resigned, at=LATER), CheckId.PROOF,
                   Code.ISSUER_KEY_MISMATCH)


def test_an_issuer_cannot_sign_for_another_issuer(keys: dict[str, KeyFile]) -> None:
    other = keys["other"]
    with pytest.raises(Exception) as caught:
        issue_one(other, request("eddsa-rdfc-2022",
                                 issuer_did=keys["ed25519"].metadata.controller))
    assert getattr(caught.value, "code", None) is Code.ISSUER_KEY_MISMATCH


PROOF_EDITS: dict[str, tuple[Callable[[dict[str, Any]], None], Code]] = {
    "proof-removed": (lambda d: d.pop("proof"), Code.MISSING_PROOF),
    "purpose-changed": (lambda d: d["proof"].update(proofPurpose="authentication"),
                        Code.MISMATCHED_PROOF_PURPOSE_ERROR),
    "cryptosuite-unknown": (lambda d: d["proof"].update(cryptosuite="eddsa-2099"),
                            Code.UNSUPPORTED_CRYPTOSUITE),
    "cryptosuite-swapped-to-jcs": (lambda d: d["proof"].update(cryptosuite="eddsa-jcs-2022"),
                                   Code.PROOF_VERIFICATION_ERROR),
    "proof-value-bitflip": (
        lambda d: d["proof"].update(proofValue=d["proof"]["proofValue"][:-2] + (
            "A" if d["proof"]["proofValue"][-2] != "A" else "B") + d["proof"]["proofValue"][-1]),
        Code.PROOF_VERIFICATION_ERROR),
    "created-changed": (lambda d: d["proof"].update(created="2026-06-30T01:00:01Z"),
                        Code.PROOF_VERIFICATION_ERROR),
}


@pytest.mark.parametrize("what", sorted(PROOF_EDITS))
def test_tampering_with_the_proof_fails_with_a_specific_code(
    what: str, signed: dict[str, Any], verifier: Verifier
) -> None:
    edit, code = PROOF_EDITS[what]
    forged = tampered(signed["eddsa-rdfc-2022"], edit)
    assert_invalid(verifier.check(forged, at=LATER), CheckId.PROOF, code)


def test_an_empty_proof_set_breaks_the_data_model(
    signed: dict[str, Any], verifier: Verifier
) -> None:
    forged = tampered(signed["eddsa-rdfc-2022"], lambda d: d.update(proof=[]))
    assert_invalid(verifier.check(forged, at=LATER), CheckId.DATA_MODEL,
                   Code.MALFORMED_VALUE_ERROR)


def test_a_vc_jwt_with_alg_none_is_refused(signed: dict[str, Any], verifier: Verifier) -> None:
    import base64

    def b64(data: bytes) -> str:
        return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")

    payload = signed["vc-jwt"].split(".")[1]
    kid = json.loads(base64.urlsafe_b64decode(signed["vc-jwt"].split(".")[0] + "=="))["kid"]
    header = b64(json.dumps({"alg": "none", "typ": "vc+jwt", "kid": kid}).encode())
    report = verifier.check(f"{header}.{payload}.", at=LATER)
    assert_invalid(report, CheckId.PROOF, Code.PROOF_VERIFICATION_ERROR)
    assert report.first_failure is not None and "unsecured" in report.first_failure.detail


def test_an_unsigned_copy_of_the_jwt_payload_has_no_proof(
    signed: dict[str, Any], verifier: Verifier
) -> None:
    from vcskill.proofs.jose import decode_jwt

    payload = dict(decode_jwt(signed["vc-jwt"]).credential)
    assert_invalid(verifier.check(payload, at=LATER), CheckId.PROOF, Code.MISSING_PROOF)


# -- data model and validity -----------------------------------------------------------------


def test_a_valid_until_is_refused_because_certificates_do_not_expire(
    keys: dict[str, KeyFile], signed: dict[str, Any], verifier: Verifier
) -> None:
    forged = tampered(signed["eddsa-rdfc-2022"],
                      lambda d: d.update(validUntil="2027-06-30T00:00:00Z"))
    report = verifier.check(forged, at=LATER)
    assert failing(report)[0] is CheckId.DATA_MODEL
    assert "do not expire" in (report.first_failure.detail if report.first_failure else "")


def test_a_credential_before_its_valid_from_is_not_yet_valid(
    signed: dict[str, Any], verifier: Verifier
) -> None:
    report = verifier.check(signed["eddsa-rdfc-2022"], at=ISSUED - timedelta(days=1))
    assert report.outcome is Outcome.INVALID
    assert failing(report) == (CheckId.VALIDITY, Code.NOT_YET_VALID)


@pytest.mark.parametrize(("claims", "code"), [
    ({"exp": 1}, Code.EXPIRED),
    ({"nbf": 4_102_444_800}, Code.NOT_YET_VALID),  # 2100-01-01
    ({"exp": "tomorrow"}, Code.MALFORMED_VALUE_ERROR),
    ({"exp": 99_999_999_999_999_999}, Code.MALFORMED_VALUE_ERROR),  # past year 9999
])
def test_the_jwt_time_claims_are_honoured(
    claims: dict[str, Any], code: Code, keys: dict[str, KeyFile], verifier: Verifier
) -> None:
    from vcskill.proofs.jose import sign_jwt

    key = keys["ed25519"]
    unsigned = issue_one(key, request("eddsa-jcs-2022")).credential.to_json()
    token = sign_jwt({**unsigned, **claims}, key.private_key,
                     kid=key.metadata.verification_method)
    report = verifier.check(token, at=LATER)
    assert report.outcome is Outcome.INVALID
    assert failing(report) == (CheckId.VALIDITY, code), report.to_json()


def test_a_certificate_number_that_contradicts_the_level_is_refused_at_issue(
    keys: dict[str, KeyFile],
) -> None:
    with pytest.raises(DataModelError) as caught:
        issue("eddsa-rdfc-2022", keys, certificate_number="S000011000001261000001")
    assert "level digit" in str(caught.value)


def test_a_control_character_is_refused_at_signing(keys: dict[str, KeyFile]) -> None:
    # RDFC-1.0 escapes it, older stacks do not: signing it would make credentials that
    # other verifiers hash differently.
    with pytest.raises(DataModelError) as caught:
        issue("eddsa-rdfc-2022", keys, holder_name="张\u0008三")
    assert "control character" in str(caught.value)


def test_sign_credential_refuses_a_document_the_verifier_would_refuse(
    keys: dict[str, KeyFile], signed: dict[str, Any]
) -> None:
    unsigned = {k: v for k, v in signed["eddsa-rdfc-2022"].items() if k != "proof"}
    unsigned["credentialSubject"] = dict(unsigned["credentialSubject"], undefinedTerm=1)
    key = keys["ed25519"]
    with pytest.raises(Exception) as caught:
        sign_credential(unsigned, key.private_key,
                        verification_method=key.metadata.verification_method,
                        proof_format=ProofFormat.EDDSA_RDFC_2022)
    assert getattr(caught.value, "code", None) is Code.DATA_LOSS_DETECTION_ERROR


# -- policy ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("occupation", "min_level", "expected"),
    [
        ("6-31-01-03", "L3", None),
        ("6-31-01-03", "L4", None),
        (None, "L2", Code.RANGE_ERROR),
        ("6-18-02-04", None, Code.RANGE_ERROR),
        (None, "X-JUNIOR", Code.RANGE_ERROR),  # 1+X and the national ladder do not compare
    ],
)
def test_the_policy_check(
    occupation: str | None, min_level: str | None, expected: Code | None,
    signed: dict[str, Any], verifier: Verifier,
) -> None:
    report = verifier.check(signed["eddsa-rdfc-2022"], at=LATER,
                            policy=parse_policy(occupation, min_level))
    policy = report.check(CheckId.POLICY)
    assert policy is not None
    assert policy.code is expected
    assert policy.passed is (expected is None)


@pytest.mark.parametrize(("required", "passes"), [
    ("6-31-01-03@2022", True), ("6-31-01-03@2015", False), ("6-31-01-03", True),
])
def test_the_required_occupation_includes_its_edition(
    required: str, passes: bool, signed: dict[str, Any], verifier: Verifier
) -> None:
    report = verifier.check(signed["eddsa-rdfc-2022"], at=LATER,
                            policy=parse_policy(required, None))
    policy = report.check(CheckId.POLICY)
    assert policy is not None and policy.passed is passes, policy


def test_no_policy_check_without_a_policy(signed: dict[str, Any], verifier: Verifier) -> None:
    report = verifier.check(signed["eddsa-rdfc-2022"], at=LATER, policy=Policy())
    assert report.check(CheckId.POLICY) is None


# -- hostile input ---------------------------------------------------------------------------


MALFORMED: dict[str, bytes] = {
    "empty": b"",
    "whitespace": b" \n\t ",
    "not-json": b"this is not a credential",
    "truncated": b'{"@context": ["https://www.w3.org/ns/credentials/v2"',
    "nested-100000-deep": b"[" * 100_000 + b"]" * 100_000,
    "objects-30000-deep": b'{"a":' * 30_000 + b"1" + b"}" * 30_000,
    "duplicate-keys": b'{"id": "urn:a", "id": "urn:b"}',
    "nan": b'{"rank": NaN}',
    "infinity": b'{"rank": -Infinity}',
    "huge-integer": b'{"rank": ' + b"9" * 5000 + b"}",
    "huge-exponent": b'{"rank": 1e999999}',
    "array": b"[1, 2, 3]",
    "string": b'"a credential"',
    "invalid-utf8": b'{"name": "\xff\xfe"}',
    "utf16": '{"name": "x"}'.encode("utf-16"),
    "lone-surrogate": b'{"name": "\\ud800"}',
    "nul-byte": b'{"name": "a\x00b"}',
    "over-size-limit": b'{"name": "' + b"a" * 600_000 + b'"}',
    "jwt-garbage": b"eyJhbGciOiJub25lIn0.eyJ.",
    "jwt-short-signature": b"eyJhbGciOiJub25lIiwidHlwIjoidmMrand0In0.e30.x",
}


@pytest.mark.parametrize("name", sorted(MALFORMED))
def test_malformed_input_fails_the_parse_check_and_never_raises(
    name: str, verifier: Verifier, no_network: None
) -> None:
    report = verifier.check(MALFORMED[name], at=LATER)
    assert report.outcome is Outcome.INVALID
    first = report.first_failure
    assert first is not None
    assert (first.id, first.code) == (CheckId.PARSE, Code.PARSING_ERROR), report.to_json()
    assert first.detail and "\n" not in first.detail
    assert "Traceback" not in first.detail


def test_a_poison_graph_in_a_credential_ends_with_the_canonicalisation_limit(
    signed: dict[str, Any], verifier: Verifier
) -> None:
    # A clique of blank nodes (RDFC-1.0 §7 "Dataset Poisoning", W3C test074c) hidden in a
    # credential in compact form (vcskill's skillLevel term links node to node), so that it
    # passes the context step and reaches canonicalisation: it must end at once with a
    # specific error.
    clique = [{"id": f"_:b{i}", "skillLevel": [{"id": f"_:b{j}"} for j in range(10) if j != i]}
              for i in range(10)]
    forged = tampered(signed["eddsa-rdfc-2022"],
                      lambda d: _subject(d).update({"skillLevel": clique}))
    report = verifier.check(forged, at=LATER)
    assert report.outcome is Outcome.INVALID
    assert failing(report) == (CheckId.PROOF, Code.CANONICALIZATION_LIMIT), report.to_json()


def test_a_poison_graph_spelled_with_iris_is_refused_before_canonicalisation(
    signed: dict[str, Any], verifier: Verifier
) -> None:
    # the same clique under an absolute-IRI property, with @id keys: not the compact form
    clique = [
        {"@id": f"_:b{i}",
         "https://schema.org/knows": [{"@id": f"_:b{j}"} for j in range(10) if j != i]}
        for i in range(10)
    ]
    forged = tampered(signed["eddsa-rdfc-2022"],
                      lambda d: _subject(d).update({"https://schema.org/knows": clique}))
    report = verifier.check(forged, at=LATER)
    assert failing(report) == (CheckId.CONTEXT, Code.JSONLD_NOT_COMPACT), report.to_json()


# -- property: issue then verify ---------------------------------------------------------------

NAMES = st.text(
    alphabet=st.characters(blacklist_categories=("Cc", "Cs")), min_size=1, max_size=40
).filter(lambda s: s.strip() != "")


@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(name=NAMES, level=st.sampled_from(sorted(LEVELS)),
       fmt=st.sampled_from(ALL_FORMATS))
def test_issue_then_verify_round_trips_any_name_and_level(
    name: str, level: str, fmt: str, keys: dict[str, KeyFile], verifier: Verifier
) -> None:
    result = issue_one(key_for(fmt, keys),
                       request(fmt, holder_name=name, level=level, certificate_number=None))
    report = verifier.check(result.serialized.encode("utf-8"), at=LATER)
    assert report.outcome is Outcome.INDETERMINATE, report.to_json()
    assert report.check(CheckId.PROOF) is not None
    assert report.credential.subject_name == name
    assert report.credential.level == level
    if isinstance(result.signed, dict):
        parsed = SkillCredential.from_json(result.signed)
        assert parsed.holder.name == name
        assert {k: v for k, v in parsed.to_json().items()} == {
            k: v for k, v in result.signed.items() if k != "proof"}


def test_the_skill_contexts_are_exactly_the_bundled_three() -> None:
    store = ContextStore.bundled()
    assert all(store.is_known(url) for url in SKILL_CONTEXTS)
    assert not store.is_known(EXAMPLES_CONTEXT)


# -- did:web issuers: keys only from a trusted source, never fetched ---------------------------


@pytest.fixture(scope="module")
def web_issuer(tmp_path_factory: pytest.TempPathFactory) -> tuple[KeyFile, dict[str, Any]]:
    path = tmp_path_factory.mktemp("web") / "web.key"
    key = write_key_file(path, PrivateKey.generate(), passphrase=None,
                         issuer_name="某技师学院", did_web="skills.example.edu.cn")
    document = json.loads(Path(f"{path}.did.json").read_text(encoding="utf-8"))
    return key, document


def test_a_did_web_credential_without_a_key_source_is_undecided_not_invalid(
    web_issuer: tuple[KeyFile, dict[str, Any]], verifier: Verifier, no_network: None
) -> None:
    key, _document = web_issuer
    doc = issue_one(key, request("eddsa-rdfc-2022")).signed
    report = verifier.check(doc, at=LATER)
    assert report.outcome is Outcome.INDETERMINATE
    assert failing(report) == (CheckId.PROOF, Code.KEY_SOURCE_MISSING)
    # the checks after it still ran: "could not decide" does not stop the others
    validity = report.check(CheckId.VALIDITY)
    assert validity is not None and validity.passed


def test_a_did_web_credential_verifies_with_its_did_document(
    web_issuer: tuple[KeyFile, dict[str, Any]],
) -> None:
    key, document = web_issuer
    doc = issue_one(key, request("eddsa-rdfc-2022")).signed
    resolver = OfflineResolver({document["id"]: document})
    report = Verifier(resolver=resolver).check(doc, at=LATER)
    proof = report.check(CheckId.PROOF)
    assert proof is not None and proof.passed, report.to_json()


def test_a_did_web_document_with_another_key_refutes_the_proof(
    web_issuer: tuple[KeyFile, dict[str, Any]],
) -> None:
    key, document = web_issuer
    doc = issue_one(key, request("eddsa-rdfc-2022")).signed
    stranger = PrivateKey.generate().public_key.multibase()
    swapped = copy.deepcopy(document)
    swapped["verificationMethod"][0]["publicKeyMultibase"] = stranger
    report = Verifier(resolver=OfflineResolver({document["id"]: swapped})).check(doc, at=LATER)
    assert_invalid(report, CheckId.PROOF, Code.PROOF_VERIFICATION_ERROR)


def test_a_refuted_proof_outweighs_an_unresolvable_one_in_a_proof_set(
    web_issuer: tuple[KeyFile, dict[str, Any]], signed: dict[str, Any], verifier: Verifier
) -> None:
    # proof 1: the genuine did:key proof, then broken; proof 2: by a did:web key we cannot
    # look up. The set is invalid, not merely undecided.
    key, _document = web_issuer
    unsigned = {k: v for k, v in signed["eddsa-rdfc-2022"].items() if k != "proof"}
    broken = dict(signed["eddsa-rdfc-2022"]["proof"], created="2020-01-01T00:00:00Z")
    web_proof = add_proof(unsigned, key.private_key,
                          verification_method=key.metadata.verification_method,
                          created=ISSUED, contexts=ContextStore.bundled())["proof"]
    forged = dict(unsigned, proof=[web_proof, broken])
    assert_invalid(verifier.check(forged, at=LATER), CheckId.PROOF,
                   Code.PROOF_VERIFICATION_ERROR)
