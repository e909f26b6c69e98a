"""The verifier's registry-bound checks (issuer, authorization, keys at issue time), driven through
the :class:`~vcskill.verifying.trust.TrustRegistry` interface with a small in-memory registry.

did_registry's signed snapshots implement the same interface; their own tests cover how a
snapshot is verified. Here: what the verifier concludes from the registry's answers.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

from tests.world import World
from vcskill.errors import Code, Error
from vcskill.issuing.request import IssueRequest, issue_one
from vcskill.keys.did import split_verification_method
from vcskill.keys.keyfile import KeyFile, write_key_file
from vcskill.keys.keypair import PrivateKey, PublicKey
from vcskill.keys.resolver import ResolvedKey
from vcskill.model.skills import parse_level_range
from vcskill.verifying.report import CheckId, Outcome
from vcskill.verifying.trust import Authorization, IssuerFacts, RegistryInfo, Standing
from vcskill.verifying.verifier import Verifier

CST = timezone(timedelta(hours=8))
T0 = datetime(2024, 1, 1, tzinfo=CST)  # approved
SUSPENDED_FROM = datetime(2026, 3, 1, tzinfo=CST)
SUSPENDED_UNTIL = datetime(2026, 5, 1, tzinfo=CST)
REMOVED_FROM = datetime(2026, 9, 1, tzinfo=CST)
NOW = datetime(2026, 11, 25, tzinfo=CST)
NAME = "示范市职业技能鉴定指导中心"


@dataclass
class Entry:
    did: str
    name: str
    keys: list[tuple[str, datetime, datetime | None]]
    statuses: list[tuple[Standing, datetime, datetime | None, str]]
    scopes: list[tuple[str, str, tuple[str, ...], datetime, datetime | None]]


def _covers(start: datetime, end: datetime | None, at: datetime) -> bool:
    return start <= at and (end is None or at < end)


@dataclass
class MemoryRegistry:
    """A registry that answers from plain lists: the verifier's side of the contract."""

    entries: dict[str, Entry] = field(default_factory=dict)

    @property
    def info(self) -> RegistryInfo:
        return RegistryInfo(version=7, issued=NOW - timedelta(days=1),
                            expires=NOW + timedelta(days=6), root_name="国家职业技能鉴定根",
                            root_version=1, source="memory")

    def resolve_key(self, verification_method: str, *, at: datetime) -> ResolvedKey:
        controller, fragment = split_verification_method(verification_method)
        entry = self.entries.get(controller)
        if entry is None:
            raise Error(f"{controller} is not listed", code=Code.ISSUER_UNKNOWN)
        for multibase, start, end in entry.keys:
            if multibase == fragment:
                if not _covers(start, end, at):
                    raise Error(f"key {multibase} was not valid at {at}", code=Code.UNKNOWN_KEY)
                return ResolvedKey(verification_method, controller,
                                   PublicKey.from_multibase(multibase), "registry")
        raise Error(f"{fragment} is not a registered key of {controller}",
                    code=Code.UNKNOWN_KEY)

    def _standing(self, entry: Entry, at: datetime) -> tuple[Standing, str | None]:
        found = (Standing.NOT_YET_APPROVED, None)
        for status, start, end, reason in entry.statuses:
            if _covers(start, end, at):
                found = (status, reason)
        return found

    def issuer(self, did: str, *, issued: datetime, now: datetime) -> IssuerFacts | None:
        entry = self.entries.get(did)
        if entry is None:
            return None
        then, why_then = self._standing(entry, issued)
        today, why_now = self._standing(entry, now)
        return IssuerFacts(did=did, name=entry.name, uscc="12110000400000003A",
                           category="social-training-evaluation-organisation",
                           jurisdiction="11", regulator="北京市人力资源和社会保障局",
                           standing_at_issue=then, standing_now=today,
                           reason_at_issue=why_then, reason_now=why_now)

    def authorization(self, did: str, *, occupation: str, edition: str, level: str,
                      at: datetime) -> Authorization:
        entry = self.entries[did]
        for code, ed, levels, start, end in entry.scopes:
            if (code, ed) == (occupation, edition) and level in levels and _covers(start, end, at):
                return Authorization(True, f"in scope {code} {levels[0]}-{levels[-1]}")
        return Authorization(False, f"{occupation} {level} is not in the issuer's scope at {at}")


@pytest.fixture(scope="module")
def key(tmp_path_factory: pytest.TempPathFactory) -> KeyFile:
    return write_key_file(tmp_path_factory.mktemp("k") / "issuer.key", PrivateKey.generate(),
                          passphrase=None, issuer_name=NAME, uscc="12110000400000003A",
                          did_web="skills.example.gov.cn")


def registry_for(key: KeyFile, **changes: Any) -> MemoryRegistry:
    levels = tuple(level.code for level in parse_level_range("L5-L3"))
    entry = Entry(
        did=key.metadata.controller, name=NAME,
        keys=[(key.metadata.public_key_multibase, T0, None)],
        statuses=[(Standing.APPROVED, T0, SUSPENDED_FROM, "filed"),
                  (Standing.SUSPENDED, SUSPENDED_FROM, SUSPENDED_UNTIL, "over-issuing"),
                  (Standing.APPROVED, SUSPENDED_UNTIL, REMOVED_FROM, "reinstated"),
                  (Standing.REMOVED, REMOVED_FROM, None, "left the catalogue")],
        scopes=[("6-31-01-03", "2022", levels, T0, None)],
    )
    for name, value in changes.items():
        setattr(entry, name, value)
    return MemoryRegistry({entry.did: entry})


def credential(key: KeyFile, issued: datetime, *, level: str = "L3",
               fmt: str = "eddsa-rdfc-2022", occupation: str = "6-31-01-03",
               **changes: Any) -> Any:
    # national layout: the year and level digits must agree with the credential
    number = f"S000011000001{issued.year % 100:02d}{level[1]}000001"
    request = IssueRequest(holder_name="张三", occupation=occupation, level=level,
                           certificate_number=number, valid_from=issued, proof_format=fmt,
                           **changes)
    return issue_one(key, request).signed


def verdict(report: Any) -> tuple[Outcome, CheckId | None, Code | None]:
    first = report.first_failure
    return report.outcome, (first.id if first else None), (first.code if first else None)


@pytest.mark.parametrize("fmt", ["eddsa-rdfc-2022", "eddsa-jcs-2022", "vc-jwt"])
def test_an_approved_issuer_in_scope_verifies(key: KeyFile, fmt: str) -> None:
    report = Verifier(registry=registry_for(key)).check(
        credential(key, datetime(2025, 6, 30, tzinfo=CST), fmt=fmt), at=NOW)
    assert verdict(report) == (Outcome.VERIFIED, None, None), report.to_json()
    as_json = report.to_json()
    assert as_json["registry"]["version"] == 7
    assert as_json["issuer"]["standing_at_issue"] == "approved"
    assert as_json["issuer"]["standing_now"] == "removed"
    authorization = report.check(CheckId.AUTHORIZATION)
    assert authorization is not None and "does not affect" in authorization.detail


def test_a_credential_issued_during_a_suspension_is_not_authorised(key: KeyFile) -> None:
    issued = datetime(2026, 4, 1, tzinfo=CST)
    report = Verifier(registry=registry_for(key)).check(credential(key, issued), at=NOW)
    assert verdict(report) == (Outcome.INVALID, CheckId.AUTHORIZATION,
                               Code.ISSUER_NOT_AUTHORIZED)
    assert "suspended (over-issuing)" in report.to_json()["checks"][5]["detail"]


def test_a_credential_issued_after_the_suspension_ended_verifies(key: KeyFile) -> None:
    report = Verifier(registry=registry_for(key)).check(
        credential(key, datetime(2026, 6, 1, tzinfo=CST)), at=NOW)
    assert report.outcome is Outcome.VERIFIED


def test_a_credential_dated_after_removal_is_not_authorised(key: KeyFile) -> None:
    report = Verifier(registry=registry_for(key)).check(
        credential(key, datetime(2026, 10, 1, tzinfo=CST)), at=NOW)
    assert verdict(report) == (Outcome.INVALID, CheckId.AUTHORIZATION,
                               Code.ISSUER_NOT_AUTHORIZED)


def test_a_credential_dated_before_approval_is_not_authorised(key: KeyFile) -> None:
    report = Verifier(registry=registry_for(key)).check(
        credential(key, datetime(2023, 6, 1, tzinfo=CST)), at=NOW)
    outcome, check, code = verdict(report)
    # the key was not valid yet either: the proof step already refuses it
    assert (outcome, check, code) == (Outcome.INVALID, CheckId.PROOF, Code.UNKNOWN_KEY)


def test_a_level_outside_the_scope_is_not_authorised(key: KeyFile) -> None:
    report = Verifier(registry=registry_for(key)).check(
        credential(key, datetime(2025, 6, 30, tzinfo=CST), level="L2"), at=NOW)
    assert verdict(report) == (Outcome.INVALID, CheckId.AUTHORIZATION,
                               Code.ISSUER_NOT_AUTHORIZED)


def test_an_occupation_outside_the_scope_is_not_authorised(key: KeyFile) -> None:
    report = Verifier(registry=registry_for(key)).check(
        credential(key, datetime(2025, 6, 30, tzinfo=CST), occupation="6-18-02-04"), at=NOW)
    assert verdict(report) == (Outcome.INVALID, CheckId.AUTHORIZATION,
                               Code.ISSUER_NOT_AUTHORIZED)


def test_a_key_outside_its_validity_window_is_refused(key: KeyFile) -> None:
    registry = registry_for(key, keys=[(key.metadata.public_key_multibase, T0,
                                         datetime(2025, 1, 1, tzinfo=CST))])
    report = Verifier(registry=registry).check(
        credential(key, datetime(2025, 6, 30, tzinfo=CST)), at=NOW)
    assert verdict(report) == (Outcome.INVALID, CheckId.PROOF, Code.UNKNOWN_KEY)


def test_a_key_the_registry_does_not_list_for_the_issuer_is_refused(
    key: KeyFile, tmp_path: Path
) -> None:
    # Someone holding another key writes credentials naming the same did:web issuer.
    impostor = write_key_file(tmp_path / "impostor.key", PrivateKey.generate(),
                              passphrase=None, issuer_name=NAME,
                              did_web="skills.example.gov.cn")
    report = Verifier(registry=registry_for(key)).check(
        credential(impostor, datetime(2025, 6, 30, tzinfo=CST)), at=NOW)
    assert verdict(report) == (Outcome.INVALID, CheckId.PROOF, Code.UNKNOWN_KEY)


def test_an_issuer_the_registry_does_not_list_is_not_recognised(tmp_path: Path) -> None:
    # A genuine signature by a did:key nobody approved: the proof passes, the issuer fails.
    stranger = write_key_file(tmp_path / "s.key", PrivateKey.generate(), passphrase=None,
                              issuer_name="某某培训学校")
    report = Verifier(registry=MemoryRegistry()).check(
        credential(stranger, datetime(2025, 6, 30, tzinfo=CST)), at=NOW)
    assert verdict(report) == (Outcome.INVALID, CheckId.ISSUER, Code.ISSUER_UNKNOWN)
    proof = report.check(CheckId.PROOF)
    assert proof is not None and proof.passed


def test_an_issuer_name_other_than_the_filed_name_is_refused(key: KeyFile) -> None:
    report = Verifier(registry=registry_for(key)).check(
        credential(key, datetime(2025, 6, 30, tzinfo=CST), issuer_name="国家级示范鉴定中心"),
        at=NOW)
    assert verdict(report) == (Outcome.INVALID, CheckId.ISSUER, Code.ISSUER_NAME_MISMATCH)


# -- Verifier.from_cache: the common case without a did_registry import ------------------


def test_a_verifier_from_a_sync_cache_judges_as_the_command_line_does(world: World) -> None:
    verifier = Verifier.from_cache(world.cache)
    good = verifier.check(world.credential("credential-1-eddsa-rdfc-2022.json"))
    assert good.outcome is Outcome.VERIFIED, good.to_json()
    # The status lists the sync mirrored are used without being named: a revocation shows.
    revoked = verifier.check(world.credential("centre-revoked.json"))
    assert revoked.outcome is Outcome.INVALID
    assert Code.CREDENTIAL_REVOKED in {c.code for c in revoked.checks}


def test_a_verifier_from_an_empty_folder_says_nothing_was_synced(tmp_path: Path) -> None:
    with pytest.raises(Error) as raised:
        Verifier.from_cache(tmp_path / "never-synced")
    assert raised.value.code is Code.REGISTRY_MISSING


def test_a_trust_root_outside_the_cached_chain_is_refused(world: World) -> None:
    with pytest.raises(Error) as raised:
        Verifier.from_cache(world.cache, trust_root="sha256:" + "0" * 64)
    assert raised.value.code is Code.REGISTRY_ROOT_ROTATION
    assert "does not descend from the root you trust" in str(raised.value)
