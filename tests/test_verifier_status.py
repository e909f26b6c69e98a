"""The verifier's status step: Bitstring Status List v1.0 "Validate Algorithm" offline, with the
attacks of security.md table E (E1-E9) each in a test named after it.

The issuer is a did:web with an Ed25519 and a P-256 key; without a registry its DID document
is handed to the resolver, so the issuer and authorization checks are NOT_EVALUATED and a
credential at best *indeterminate*: these tests read the status check itself. The registry
tests use the in-memory registry of test_verifier_registry.py and reach *verified*.
"""

from __future__ import annotations

import copy
import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

import vcskill.verifying.verifier as verifier_module
from tests.conftest import VECTORS, load_json
from tests.test_statuslist import gzip_bomb, reference_encode
from tests.test_verifier_registry import registry_for
from vcskill.errors import Code, VerificationError
from vcskill.issuing.request import IssueRequest, issue_one
from vcskill.issuing.signing import ProofFormat, sign_credential
from vcskill.keys.did import did_web_document
from vcskill.keys.keyfile import KeyFile, write_key_file
from vcskill.keys.keypair import KeyAlgorithm, PrivateKey
from vcskill.keys.multibase import b64url_encode
from vcskill.keys.resolver import OfflineResolver
from vcskill.linkeddata.contexts import ContextStore
from vcskill.proofs.dataintegrity import Cryptosuite, add_proof, verify_proof_set
from vcskill.status.statuslist import (
    MIN_ENTRIES,
    Bitstring,
    DirectoryStatusSource,
    MemoryStatusSource,
    StatusPurpose,
    build_status_list_credential,
    status_entry,
)
from vcskill.verifying.report import CheckId, Outcome, StatusListSummary, VerificationReport
from vcskill.verifying.verifier import Verifier

CST = timezone(timedelta(hours=8))
ISSUED = datetime(2026, 6, 30, 9, 0, tzinfo=CST)
NOW = datetime(2026, 11, 25, 12, 0, tzinfo=CST)
PUBLISHED = NOW - timedelta(hours=3)
UNTIL = NOW + timedelta(days=7)
NAME = "示范市职业技能鉴定指导中心"
WEB = "skills.example.gov.cn"  # the did:web of test_verifier_registry's registry
BASE = f"https://{WEB}/status"
REVOCATION_URL = f"{BASE}/1-revocation.json"
SUSPENSION_URL = f"{BASE}/1-suspension.json"
INDEX = 94_567
REVOCATION, SUSPENSION = StatusPurpose.REVOCATION, StatusPurpose.SUSPENSION
ALL_FORMATS = ("eddsa-rdfc-2022", "eddsa-jcs-2022", "ecdsa-rdfc-2019", "vc-jwt")


# -- the world --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Issuer:
    ed: KeyFile
    p256: KeyFile

    @property
    def did(self) -> str:
        return self.ed.metadata.controller

    def key_for(self, fmt: str) -> KeyFile:
        return self.p256 if fmt == "ecdsa-rdfc-2019" else self.ed

    @property
    def resolver(self) -> OfflineResolver:
        keys = [self.ed.private_key.public_key, self.p256.private_key.public_key]
        return OfflineResolver({self.did: did_web_document(self.did, keys)})


@pytest.fixture(scope="module")
def issuer(tmp_path_factory: pytest.TempPathFactory) -> Issuer:
    folder = tmp_path_factory.mktemp("issuer")

    def make(name: str, algorithm: KeyAlgorithm) -> KeyFile:
        return write_key_file(folder / name, PrivateKey.generate(algorithm), passphrase=None,
                              issuer_name=NAME, uscc="12110000400000003A", did_web=WEB)

    return Issuer(make("ed.key", KeyAlgorithm.ED25519), make("p256.key", KeyAlgorithm.P256))


@pytest.fixture(scope="module")
def stranger(tmp_path_factory: pytest.TempPathFactory) -> KeyFile:
    """Another institution (a did:key nobody registered)."""
    return write_key_file(tmp_path_factory.mktemp("stranger") / "s.key", PrivateKey.generate(),
                          passphrase=None, issuer_name="另一家评价机构")


def sign(doc: dict[str, Any], key: KeyFile, fmt: str = "eddsa-rdfc-2022",
         contexts: ContextStore | None = None) -> Any:
    return sign_credential(doc, key.private_key, proof_format=ProofFormat(fmt),
                           verification_method=key.metadata.verification_method,
                           contexts=contexts)


def as_bytes(signed: Any) -> bytes:
    return signed.encode() if isinstance(signed, str) else json.dumps(signed).encode()


def entries(index: int = INDEX) -> list[dict[str, Any]]:
    return [status_entry(REVOCATION_URL, index, REVOCATION),
            status_entry(SUSPENSION_URL, index, SUSPENSION)]


def credential(issuer: Issuer, *, index: int = INDEX, status: Any = None,
               fmt: str = "eddsa-rdfc-2022") -> Any:
    """A signed skill credential with ``credentialStatus`` (both purposes at ``index``)."""
    key = issuer.key_for(fmt)
    issued = issue_one(key, IssueRequest(
        holder_name="张三", occupation="6-31-01-03", level="L3", valid_from=ISSUED,
        certificate_number="S000011000001263000001", proof_format=fmt))
    doc = issued.credential.to_json()
    doc["credentialStatus"] = entries(index) if status is None else status
    return sign(doc, key, fmt)


def status_list(key: KeyFile, url: str = REVOCATION_URL, purpose: StatusPurpose = REVOCATION,
                revoked: tuple[int, ...] = (), *, fmt: str = "eddsa-rdfc-2022",
                valid_from: datetime = PUBLISHED, valid_until: datetime = UNTIL,
                edit: Callable[[dict[str, Any]], None] | None = None,
                signed: bool = True) -> bytes:
    """A status list credential's bytes, signed by ``key`` unless ``signed`` is False."""
    bits = Bitstring()
    for index in revoked:
        bits.set(index)
    doc = build_status_list_credential(list_url=url, issuer=key.metadata.controller,
                                       purpose=purpose, bits=bits, valid_from=valid_from,
                                       valid_until=valid_until)
    if edit is not None:
        edit(doc)
    return as_bytes(sign(doc, key, fmt) if signed else doc)


def both_lists(issuer: Issuer, *, revoked: tuple[int, ...] = (),
               suspended: tuple[int, ...] = ()) -> dict[str, bytes]:
    return {REVOCATION_URL: status_list(issuer.ed, REVOCATION_URL, REVOCATION, revoked),
            SUSPENSION_URL: status_list(issuer.ed, SUSPENSION_URL, SUSPENSION, suspended)}


def verifier(issuer: Issuer, lists: dict[str, bytes] | None, **options: Any) -> Verifier:
    source = MemoryStatusSource(lists) if lists is not None else None
    return Verifier(resolver=issuer.resolver, status_lists=source, **options)


def status_of(report: VerificationReport) -> tuple[bool, Code | None, str]:
    check = report.check(CheckId.STATUS)
    assert check is not None
    return check.passed, check.code, check.detail


def assert_status(report: VerificationReport, code: Code, outcome: Outcome,
                  *words: str) -> None:
    passed, found, detail = status_of(report)
    assert (passed, found) == (False, code), report.to_json()
    assert report.outcome is outcome, report.to_json()
    for word in words:
        assert word in detail, detail


# -- the answers ------------------------------------------------------------------------------


def test_not_revoked_passes_and_the_detail_names_each_list_and_its_age(issuer: Issuer) -> None:
    report = verifier(issuer, both_lists(issuer)).check(credential(issuer), at=NOW)
    passed, code, detail = status_of(report)
    assert passed and code is None, detail
    assert f"not revoked: {REVOCATION_URL}, entry {INDEX}" in detail
    assert f"not suspended: {SUSPENSION_URL}" in detail
    assert "published 3 h ago, valid until 2026-12-02T04:00:00Z" in detail
    # only the registry checks are undecided
    assert report.outcome is Outcome.INDETERMINATE
    assert {c.id for c in report.checks if not c.passed} == {CheckId.ISSUER,
                                                             CheckId.AUTHORIZATION}
    assert report.status_lists == (
        StatusListSummary(REVOCATION_URL, "revocation", "2026-11-25T01:00:00Z",
                          "2026-12-02T04:00:00Z", 10_800, True),
        StatusListSummary(SUSPENSION_URL, "suspension", "2026-11-25T01:00:00Z",
                          "2026-12-02T04:00:00Z", 10_800, True),
    )
    as_json = json.loads(json.dumps(report.to_json()))
    assert as_json["status_lists"][0] == {
        "url": REVOCATION_URL, "purpose": "revocation", "valid_from": "2026-11-25T01:00:00Z",
        "valid_until": "2026-12-02T04:00:00Z", "age_seconds": 10_800, "verified": True}


def test_with_a_registry_a_credential_on_fresh_clear_lists_is_verified(issuer: Issuer) -> None:
    v = Verifier(registry=registry_for(issuer.ed),
                 status_lists=MemoryStatusSource(both_lists(issuer)))
    report = v.check(credential(issuer), at=NOW)
    assert report.outcome is Outcome.VERIFIED, report.to_json()
    assert v.verify(credential(issuer), at=NOW).verified


@pytest.mark.parametrize("fmt", ALL_FORMATS)
def test_revoked_is_invalid_credential_revoked(issuer: Issuer, fmt: str) -> None:
    v = verifier(issuer, both_lists(issuer, revoked=(INDEX,)))
    report = v.check(credential(issuer, fmt=fmt), at=NOW)
    assert_status(report, Code.CREDENTIAL_REVOKED, Outcome.INVALID,
                  f"REVOKED: entry {INDEX} is set in the revocation list {REVOCATION_URL}")
    assert report.first_failure is not None
    assert report.first_failure.code is Code.CREDENTIAL_REVOKED
    with pytest.raises(VerificationError) as caught:
        v.verify(credential(issuer, fmt=fmt), at=NOW)
    assert caught.value.code is Code.CREDENTIAL_REVOKED


def test_suspended_is_invalid_credential_suspended(issuer: Issuer) -> None:
    report = verifier(issuer, both_lists(issuer, suspended=(INDEX,))).check(
        credential(issuer), at=NOW)
    assert_status(report, Code.CREDENTIAL_SUSPENDED, Outcome.INVALID, "SUSPENDED",
                  SUSPENSION_URL, "not revoked")


def test_a_neighbouring_bit_does_not_revoke(issuer: Issuer) -> None:
    lists = both_lists(issuer, revoked=(INDEX - 1, INDEX + 1), suspended=(INDEX + 8,))
    report = verifier(issuer, lists).check(credential(issuer), at=NOW)
    assert status_of(report)[0], report.to_json()


@pytest.mark.parametrize("fmt", ALL_FORMATS)
def test_a_list_in_every_proof_format_is_verified(issuer: Issuer, fmt: str) -> None:
    key = issuer.key_for(fmt)
    revoked = {REVOCATION_URL: status_list(key, revoked=(INDEX,), fmt=fmt),
               SUSPENSION_URL: status_list(key, SUSPENSION_URL, SUSPENSION, fmt=fmt)}
    report = verifier(issuer, revoked).check(credential(issuer), at=NOW)
    assert_status(report, Code.CREDENTIAL_REVOKED, Outcome.INVALID)
    clear = {**revoked, REVOCATION_URL: status_list(key, fmt=fmt)}
    assert status_of(verifier(issuer, clear).check(credential(issuer), at=NOW))[0]


def test_revoked_wins_over_an_undecided_list(issuer: Issuer) -> None:
    only_revocation = {REVOCATION_URL: status_list(issuer.ed, revoked=(INDEX,))}
    report = verifier(issuer, only_revocation).check(credential(issuer), at=NOW)
    assert_status(report, Code.CREDENTIAL_REVOKED, Outcome.INVALID, "REVOKED",
                  f"the suspension list {SUSPENSION_URL} is not among")


def test_suspended_wins_over_a_missing_revocation_list(issuer: Issuer) -> None:
    only_suspension = {SUSPENSION_URL: status_list(issuer.ed, SUSPENSION_URL, SUSPENSION,
                                                   revoked=(INDEX,))}
    report = verifier(issuer, only_suspension).check(credential(issuer), at=NOW)
    assert_status(report, Code.CREDENTIAL_SUSPENDED, Outcome.INVALID)


# -- E6: no list ------------------------------------------------------------------------------


def test_e6_no_list_supplied_is_indeterminate(issuer: Issuer) -> None:
    report = verifier(issuer, None).check(credential(issuer), at=NOW)
    assert_status(report, Code.STATUS_RETRIEVAL_ERROR, Outcome.INDETERMINATE,
                  "no status lists were given", "whether the credential is revoked is unknown")
    assert [s.verified for s in report.status_lists] == [False, False]


def test_e6_a_list_missing_from_the_source_is_indeterminate(issuer: Issuer) -> None:
    report = verifier(issuer, {}).check(credential(issuer), at=NOW)
    assert_status(report, Code.STATUS_RETRIEVAL_ERROR, Outcome.INDETERMINATE,
                  f"the revocation list {REVOCATION_URL} is not among the status lists given")


# -- E5: lists that are not the issuer's, or not current --------------------------------------


def test_e5_unsigned_list(issuer: Issuer) -> None:
    lists = {**both_lists(issuer), REVOCATION_URL: status_list(issuer.ed, signed=False)}
    report = verifier(issuer, lists).check(credential(issuer), at=NOW)
    assert_status(report, Code.STATUS_VERIFICATION_ERROR, Outcome.INDETERMINATE,
                  "is not genuine", "MISSING_PROOF")
    assert report.status_lists[0].verified is False
    assert report.status_lists[0].valid_until == "2026-12-02T04:00:00Z"


def test_e5_list_signed_by_another_issuer(issuer: Issuer, stranger: KeyFile) -> None:
    lists = {**both_lists(issuer), REVOCATION_URL: status_list(stranger)}
    report = verifier(issuer, lists).check(credential(issuer), at=NOW)
    assert_status(report, Code.STATUS_VERIFICATION_ERROR, Outcome.INDETERMINATE,
                  f"is issued by {stranger.metadata.controller}, not by the credential's issuer")


def test_e5_list_naming_the_issuer_but_signed_by_another_key(
    issuer: Issuer, stranger: KeyFile
) -> None:
    bits = Bitstring()
    bits.set(INDEX)
    doc = build_status_list_credential(list_url=REVOCATION_URL, issuer=issuer.did,
                                       purpose=REVOCATION, bits=bits, valid_from=PUBLISHED,
                                       valid_until=UNTIL)
    forged = add_proof(doc, stranger.private_key, cryptosuite=Cryptosuite.EDDSA_RDFC_2022,
                       verification_method=stranger.metadata.verification_method,
                       created=PUBLISHED, contexts=ContextStore.bundled())
    lists = {**both_lists(issuer), REVOCATION_URL: as_bytes(forged)}
    report = verifier(issuer, lists).check(credential(issuer), at=NOW)
    assert_status(report, Code.STATUS_VERIFICATION_ERROR, Outcome.INDETERMINATE,
                  "ISSUER_KEY_MISMATCH")


def test_e5_list_signed_by_an_unregistered_key(issuer: Issuer, tmp_path: Path) -> None:
    # someone with another key publishes a list in the issuer's name
    impostor = write_key_file(tmp_path / "impostor.key", PrivateKey.generate(),
                              passphrase=None, issuer_name=NAME, did_web=WEB)
    lists = {**both_lists(issuer), REVOCATION_URL: status_list(impostor, revoked=(INDEX,))}
    v = Verifier(registry=registry_for(issuer.ed), status_lists=MemoryStatusSource(lists))
    report = v.check(credential(issuer), at=NOW)
    assert_status(report, Code.STATUS_VERIFICATION_ERROR, Outcome.INDETERMINATE,
                  "UNKNOWN_KEY")
    # every other check passed: the impostor's list only leaves the answer open
    assert [c.id for c in report.checks if not c.passed] == [CheckId.STATUS]


def test_e5_list_signed_by_a_key_registered_only_later(issuer: Issuer) -> None:
    # the registry judges the list's key at the list's validFrom
    later = NOW + timedelta(days=1)
    registry = registry_for(issuer.ed, keys=[(issuer.ed.metadata.public_key_multibase,
                                              datetime(2024, 1, 1, tzinfo=CST), None)])
    early_list = status_list(issuer.ed, valid_from=datetime(2023, 1, 1, tzinfo=CST),
                             valid_until=later)
    v = Verifier(registry=registry, status_lists=MemoryStatusSource(
        {**both_lists(issuer), REVOCATION_URL: early_list}))
    assert_status(v.check(credential(issuer), at=NOW), Code.STATUS_VERIFICATION_ERROR,
                  Outcome.INDETERMINATE, "UNKNOWN_KEY")


def test_e5_stale_list_past_valid_until(issuer: Issuer) -> None:
    old = status_list(issuer.ed, valid_from=NOW - timedelta(days=9),
                      valid_until=NOW - timedelta(days=2))
    report = verifier(issuer, {**both_lists(issuer), REVOCATION_URL: old}).check(
        credential(issuer), at=NOW)
    assert_status(report, Code.STATUS_RETRIEVAL_ERROR, Outcome.INDETERMINATE,
                  "is stale: it was valid until 2026-11-23T04:00:00Z (2 days ago)")
    assert report.status_lists[0].verified is True  # genuine, just old
    assert report.status_lists[0].age_seconds == 9 * 86_400


def test_e5_list_with_no_valid_until_is_stale(issuer: Issuer) -> None:
    forever = status_list(issuer.ed, edit=lambda d: d.pop("validUntil"))
    report = verifier(issuer, {**both_lists(issuer), REVOCATION_URL: forever}).check(
        credential(issuer), at=NOW)
    assert_status(report, Code.STATUS_RETRIEVAL_ERROR, Outcome.INDETERMINATE,
                  "has no validUntil", "stale", "requires status lists to state their validity")


def test_a_list_with_no_valid_from_is_stale(issuer: Issuer) -> None:
    undated = status_list(issuer.ed, edit=lambda d: d.pop("validFrom"))
    report = verifier(issuer, {**both_lists(issuer), REVOCATION_URL: undated}).check(
        credential(issuer), at=NOW)
    assert_status(report, Code.STATUS_RETRIEVAL_ERROR, Outcome.INDETERMINATE,
                  "has no validFrom", "stale")


def test_a_list_not_yet_valid_is_treated_as_stale(issuer: Issuer) -> None:
    future = status_list(issuer.ed, valid_from=NOW + timedelta(hours=2))
    report = verifier(issuer, {**both_lists(issuer), REVOCATION_URL: future}).check(
        credential(issuer), at=NOW)
    assert_status(report, Code.STATUS_RETRIEVAL_ERROR, Outcome.INDETERMINATE,
                  "is not valid until", "stale")


def test_a_list_within_the_clock_skew_is_current(issuer: Issuer) -> None:
    almost = status_list(issuer.ed, valid_from=NOW + timedelta(seconds=60),
                         valid_until=NOW + timedelta(days=1))
    report = verifier(issuer, {**both_lists(issuer), REVOCATION_URL: almost}).check(
        credential(issuer), at=NOW)
    assert status_of(report)[0], report.to_json()


def test_a_revocation_bit_in_a_stale_list_still_revokes(issuer: Issuer) -> None:
    # revocation is permanent: an old list that says so is still the issuer's word
    old = status_list(issuer.ed, revoked=(INDEX,), valid_from=NOW - timedelta(days=30),
                      valid_until=NOW - timedelta(days=23))
    report = verifier(issuer, {**both_lists(issuer), REVOCATION_URL: old}).check(
        credential(issuer), at=NOW)
    assert_status(report, Code.CREDENTIAL_REVOKED, Outcome.INVALID, "published 30 days ago")


def test_a_revocation_bit_in_a_list_dated_later_is_undecided(issuer: Issuer) -> None:
    # judged as of an earlier moment, a list published afterwards cannot say it was revoked
    later = status_list(issuer.ed, revoked=(INDEX,), valid_from=NOW + timedelta(days=1),
                        valid_until=NOW + timedelta(days=8))
    report = verifier(issuer, {**both_lists(issuer), REVOCATION_URL: later}).check(
        credential(issuer), at=NOW)
    assert_status(report, Code.STATUS_RETRIEVAL_ERROR, Outcome.INDETERMINATE,
                  "is not valid until 2026-11-26T04:00:00Z", "stale")


def test_a_suspension_bit_in_a_stale_list_is_undecided(issuer: Issuer) -> None:
    # a suspension may have been lifted since
    old = status_list(issuer.ed, SUSPENSION_URL, SUSPENSION, revoked=(INDEX,),
                      valid_from=NOW - timedelta(days=30), valid_until=NOW - timedelta(days=23))
    report = verifier(issuer, {**both_lists(issuer), SUSPENSION_URL: old}).check(
        credential(issuer), at=NOW)
    assert_status(report, Code.STATUS_RETRIEVAL_ERROR, Outcome.INDETERMINATE, "stale")


# -- E4, E2, E3: purpose, length, index -------------------------------------------------------


def test_e4_wrong_purpose(issuer: Issuer) -> None:
    # the suspension list served where the revocation list belongs
    wrong = status_list(issuer.ed, REVOCATION_URL, SUSPENSION)
    report = verifier(issuer, {**both_lists(issuer), REVOCATION_URL: wrong}).check(
        credential(issuer), at=NOW)
    assert_status(report, Code.STATUS_VERIFICATION_ERROR, Outcome.INDETERMINATE,
                  "is for suspension, but the entry asks about revocation")


def test_a_list_given_under_another_url_is_refused(issuer: Issuer) -> None:
    other = status_list(issuer.ed, f"{BASE}/2-revocation.json")
    report = verifier(issuer, {**both_lists(issuer), REVOCATION_URL: other}).check(
        credential(issuer), at=NOW)
    assert_status(report, Code.STATUS_VERIFICATION_ERROR, Outcome.INDETERMINATE,
                  "is another list")


def test_e2_short_list(issuer: Issuer) -> None:
    def shorten(doc: dict[str, Any]) -> None:
        doc["credentialSubject"]["encodedList"] = reference_encode(bytes(MIN_ENTRIES // 8 // 2))

    short = status_list(issuer.ed, edit=shorten)
    report = verifier(issuer, {**both_lists(issuer), REVOCATION_URL: short}).check(
        credential(issuer, index=5), at=NOW)
    assert_status(report, Code.STATUS_LIST_LENGTH_ERROR, Outcome.INDETERMINATE,
                  "65536 entries; at least 131072")


def test_e3_index_past_the_end_is_a_range_error(issuer: Issuer) -> None:
    report = verifier(issuer, both_lists(issuer)).check(
        credential(issuer, index=MIN_ENTRIES), at=NOW)
    assert_status(report, Code.RANGE_ERROR, Outcome.INVALID,
                  f"status index {MIN_ENTRIES} is outside the revocation list")


@pytest.mark.parametrize("index", ["-1", "0x10", "1e3", " 5", "٣"])
def test_e3_each_bad_index_makes_the_credential_malformed(issuer: Issuer, index: str) -> None:
    bad = entries()
    bad[0]["statusListIndex"] = index
    report = verifier(issuer, both_lists(issuer)).check(
        credential(issuer, status=bad), at=NOW)
    assert_status(report, Code.MALFORMED_VALUE_ERROR, Outcome.INVALID, "statusListIndex")


# -- E1, E8, E7: the bitstring inside a genuine list ------------------------------------------


def test_e1_gzip_bomb_in_a_signed_list_is_refused(issuer: Issuer) -> None:
    bomb = gzip_bomb(40)  # ~41 KB: it fits in a list credential, and inflates to 40 MiB
    encoded = "u" + b64url_encode(bomb)

    def arm(doc: dict[str, Any]) -> None:
        doc["credentialSubject"]["encodedList"] = encoded

    armed = status_list(issuer.ed, edit=arm)
    v = verifier(issuer, {**both_lists(issuer), REVOCATION_URL: armed})
    started = time.perf_counter()
    report = v.check(credential(issuer), at=NOW)
    assert time.perf_counter() - started < 1.0
    assert_status(report, Code.STATUS_VERIFICATION_ERROR, Outcome.INDETERMINATE,
                  "decompression bomb")


@pytest.mark.parametrize(("name", "encoded"), [
    ("non-u multibase", "z" + "1" * 60),
    ("padded base64", reference_encode(bytes(MIN_ENTRIES // 8)) + "=="),
    ("non-gzip bytes", "u" + b64url_encode(bytes(MIN_ENTRIES // 8))),
])
def test_e8_bad_encodings_in_a_signed_list(issuer: Issuer, name: str, encoded: str) -> None:
    def spoil(doc: dict[str, Any]) -> None:
        doc["credentialSubject"]["encodedList"] = encoded

    spoiled = status_list(issuer.ed, edit=spoil)
    report = verifier(issuer, {**both_lists(issuer), REVOCATION_URL: spoiled}).check(
        credential(issuer), at=NOW)
    assert_status(report, Code.STATUS_VERIFICATION_ERROR, Outcome.INDETERMINATE, "encodedList")


@pytest.fixture(scope="module")
def probes(issuer: Issuer) -> dict[int, Any]:
    return {index: credential(issuer, index=index) for index in (0, 1, 6, 7, 8, 9, 15)}


@pytest.mark.parametrize("set_index", [0, 7, 8])
def test_e7_bit_order_vectors(issuer: Issuer, probes: dict[int, Any], set_index: int) -> None:
    # only ``set_index`` is set: exactly that credential reads revoked
    lists = both_lists(issuer, revoked=(set_index,))
    v = verifier(issuer, lists)
    revoked = {index for index, doc in probes.items()
               if status_of(v.check(doc, at=NOW))[1] is Code.CREDENTIAL_REVOKED}
    assert revoked == {set_index}


# -- E9 and unsupported entries ---------------------------------------------------------------


def test_e9_status_size_2_refused(issuer: Issuer) -> None:
    messages = [{"status": f"0x{i}", "message": m}
                for i, m in enumerate(("valid", "pending", "expired"))]
    three = entries()
    three[0].update(statusSize=2, statusMessage=messages)
    report = verifier(issuer, both_lists(issuer)).check(
        credential(issuer, status=three), at=NOW)
    assert_status(report, Code.MALFORMED_VALUE_ERROR, Outcome.INVALID, "needs exactly 4")
    four = entries()
    four[0].update(statusSize=2, statusMessage=[*messages, {"status": "0x3",
                                                           "message": "other"}])
    report = verifier(issuer, both_lists(issuer)).check(credential(issuer, status=four), at=NOW)
    assert_status(report, Code.STATUS_VERIFICATION_ERROR, Outcome.INDETERMINATE,
                  "statusSize 2 is not supported")


def test_a_refresh_entry_is_unsupported_and_undecided(issuer: Issuer) -> None:
    status = [*entries(), status_entry(f"{BASE}/1-refresh.json", INDEX, StatusPurpose.REFRESH)]
    report = verifier(issuer, both_lists(issuer)).check(
        credential(issuer, status=status), at=NOW)
    assert_status(report, Code.STATUS_VERIFICATION_ERROR, Outcome.INDETERMINATE,
                  "statusPurpose 'refresh' is not supported", "not revoked")


# -- damaged lists ----------------------------------------------------------------------------


def test_tampered_list_bit_flipped_after_signing(issuer: Issuer) -> None:
    genuine = json.loads(status_list(issuer.ed))
    tampered = copy.deepcopy(genuine)
    bits = Bitstring.from_encoded(tampered["credentialSubject"]["encodedList"])
    bits.set(INDEX)
    tampered["credentialSubject"]["encodedList"] = bits.encode()
    lists = {**both_lists(issuer), REVOCATION_URL: json.dumps(tampered).encode()}
    report = verifier(issuer, lists).check(credential(issuer), at=NOW)
    # the evidence is forged: neither "revoked" nor "not revoked"
    assert_status(report, Code.STATUS_VERIFICATION_ERROR, Outcome.INDETERMINATE,
                  "is not genuine", "PROOF_VERIFICATION_ERROR")


def test_truncated_list_file(issuer: Issuer, tmp_path: Path) -> None:
    lists = both_lists(issuer)
    truncated = lists[REVOCATION_URL][: len(lists[REVOCATION_URL]) // 2]
    # in a directory, a truncated file is not a list at all
    (tmp_path / "1-revocation.json").write_bytes(truncated)
    (tmp_path / "1-suspension.json").write_bytes(lists[SUSPENSION_URL])
    source = DirectoryStatusSource(tmp_path)
    report = Verifier(resolver=issuer.resolver, status_lists=source).check(
        credential(issuer), at=NOW)
    assert_status(report, Code.STATUS_RETRIEVAL_ERROR, Outcome.INDETERMINATE, "not among")
    assert source.skipped == ("1-revocation.json",)
    # handed over directly, it does not parse
    report = verifier(issuer, {**lists, REVOCATION_URL: truncated}).check(
        credential(issuer), at=NOW)
    assert_status(report, Code.STATUS_VERIFICATION_ERROR, Outcome.INDETERMINATE,
                  "PARSING_ERROR")


def test_a_status_directory_with_unrelated_files(issuer: Issuer, tmp_path: Path) -> None:
    for url, data in both_lists(issuer, revoked=(INDEX,)).items():
        (tmp_path / url.rsplit("/", 1)[1]).write_bytes(data)
    (tmp_path / "registry.json").write_text('{"version": 3}', encoding="utf-8")
    (tmp_path / "README.txt").write_text("status lists", encoding="utf-8")
    report = Verifier(resolver=issuer.resolver, status_lists=DirectoryStatusSource(tmp_path)
                      ).check(credential(issuer), at=NOW)
    assert_status(report, Code.CREDENTIAL_REVOKED, Outcome.INVALID)


# -- one verification per list ----------------------------------------------------------------


def test_a_list_shared_by_100_credentials_is_verified_once(
    issuer: Issuer, monkeypatch: pytest.MonkeyPatch
) -> None:
    verified_lists: list[str] = []

    def counting(document: Any, **kwargs: Any) -> Any:
        if "BitstringStatusListCredential" in document.get("type", []):
            verified_lists.append(document["id"])
        return verify_proof_set(document, **kwargs)

    monkeypatch.setattr(verifier_module, "verify_proof_set", counting)
    credentials = [credential(issuer, index=1000 + i) for i in range(100)]
    v = verifier(issuer, both_lists(issuer, revoked=(1042,)))
    reports = [v.check(doc, at=NOW) for doc in credentials]
    assert sorted(verified_lists) == [REVOCATION_URL, SUSPENSION_URL]
    codes = [status_of(r)[1] for r in reports]
    assert codes.count(Code.CREDENTIAL_REVOKED) == 1 and codes[42] is Code.CREDENTIAL_REVOKED
    assert codes.count(None) == 99


def test_the_list_cache_is_bounded(issuer: Issuer, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(verifier_module, "_STATUS_CACHE_ENTRIES", 2)
    v = verifier(issuer, None)
    for hours in (1, 2, 3):
        v.status_lists = MemoryStatusSource({
            **both_lists(issuer),
            REVOCATION_URL: status_list(issuer.ed, valid_from=NOW - timedelta(hours=hours))})
        assert status_of(v.check(credential(issuer), at=NOW))[0]
    assert len(v._status_cache) == 2


# -- the Recommendation's signed vectors ------------------------------------------------------


@pytest.mark.parametrize("suite", ["eddsa-rdfc-2022", "ecdsa-rdfc-2019"])
def test_the_rec_signed_status_list_vectors(suite: str) -> None:
    """What our verifier says of the REC's signed lists (issuer did:example:12345, signed by
    a bare did:key with no fragment, see the vectors README): the signature is genuine, but
    not by a key of the list's issuer, so a credential relying on it stays undecided."""
    path = VECTORS / "vc-bitstring-status-list" / f"signed-status-list-credential.{suite}.json"
    vector = load_json(path)
    contexts = ContextStore.bundled(allow_test_contexts=True)  # the vector uses examples/v2
    # 1. the signature verifies with the key decoded from the bare did:key
    (result,) = verify_proof_set(vector, resolver=OfflineResolver(), contexts=contexts)
    assert result.verified and result.controller == vector["proof"]["verificationMethod"]
    assert "#" not in result.verification_method
    # 2. a credential of did:example:12345 (a key we hold, in a DID document we pass) on it
    key = PrivateKey.generate()
    did = "did:example:12345"
    document = {"id": did, "verificationMethod": [
        {"id": f"{did}#key-1", "type": "Multikey", "controller": did,
         "publicKeyMultibase": key.public_key.multibase()}], "assertionMethod": [f"{did}#key-1"]}
    revocable = load_json(VECTORS / "vc-bitstring-status-list" /
                          "example-revocable-credential.json")
    signed = sign_credential(revocable, key, verification_method=f"{did}#key-1",
                             contexts=contexts, created=datetime(2025, 1, 1, tzinfo=CST))
    list_url = revocable["credentialStatus"]["statusListCredential"]
    v = Verifier(contexts=contexts, resolver=OfflineResolver({did: document}),
                 status_lists=MemoryStatusSource({list_url: path.read_bytes()}),
                 accept="any")  # the REC's example credential is not a skill credential
    report = v.check(signed, at=datetime(2025, 5, 1, tzinfo=CST))
    assert_status(report, Code.STATUS_VERIFICATION_ERROR, Outcome.INDETERMINATE,
                  "ISSUER_KEY_MISMATCH", f"no proof is by a key of the issuer {did}")
    # 3. with the production contexts the list is refused before its proof: examples/v2
    production = Verifier(resolver=OfflineResolver({did: document}),
                          status_lists=MemoryStatusSource({list_url: path.read_bytes()}))
    v_list = production._check_status_list(path.read_bytes(), datetime(2025, 5, 1,
                                                                        tzinfo=CST))
    assert v_list.status_list is None and "UNKNOWN_CONTEXT" in v_list.detail
