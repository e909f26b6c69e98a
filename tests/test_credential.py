"""The skill credential model: typed, frozen, lossless round trip, no full identity number."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from vcskill.errors import DataModelError
from vcskill.model.credential import SKILL_CONTEXTS, Issuer, SkillCredential, new_skill_credential
from vcskill.model.skills import LEVELS, Occupation, parse_level

CST = timezone(timedelta(hours=8))


def make(**overrides: Any) -> SkillCredential:
    args: dict[str, Any] = dict(
        issuer=Issuer("did:key:z6MkExample", "示范市职业技能鉴定指导中心", "12110000400000003A"),
        holder_name="张三",
        occupation=Occupation("6-31-01-03", "2022", "电工"),
        level=parse_level("L3"),
        certificate_number="S000011000001263000001",
        valid_from=datetime(2026, 6, 30, 9, tzinfo=CST),
        id_number="370102199001011234",
    )
    args.update(overrides)
    return new_skill_credential(**args)


def test_document_shape_is_vc2_and_open_badges_3() -> None:
    doc = make().to_json()
    assert doc["@context"] == list(SKILL_CONTEXTS)
    assert doc["type"] == ["VerifiableCredential", "OpenBadgeCredential", "SkillLevelCredential"]
    assert doc["issuer"]["type"] == ["Profile"]
    subject = doc["credentialSubject"]
    assert subject["type"] == ["AchievementSubject"]
    assert subject["achievement"]["type"] == ["Achievement"]
    assert "criteria" in subject["achievement"]
    assert "validUntil" not in doc
    assert doc["validFrom"] == "2026-06-30T09:00:00+08:00"


def test_the_full_identity_number_never_appears() -> None:
    text = json.dumps(make().to_json(), ensure_ascii=False)
    assert "370102199001011234" not in text
    assert "3701**********1234" in text


def test_round_trip_is_lossless_even_with_unknown_fields() -> None:
    doc = make().to_json()
    doc["description"] = "extra"
    doc["credentialSubject"]["achievement"]["skillLevel"]["name"] = "三级"
    doc["credentialSubject"]["achievement"]["alignment"] = [{"type": ["Alignment"]}]
    parsed = SkillCredential.from_json(doc)
    assert parsed.to_json() == doc
    assert SkillCredential.from_json(parsed.to_json()) == parsed


def test_validuntil_is_refused_because_certificates_do_not_expire() -> None:
    doc = make().to_json()
    doc["validUntil"] = "2030-01-01T00:00:00Z"
    with pytest.raises(DataModelError, match="do not expire"):
        SkillCredential.from_json(doc)


def test_level_must_sit_on_its_ladder() -> None:
    doc = make().to_json()
    doc["credentialSubject"]["achievement"]["skillLevel"]["rank"] = 6
    with pytest.raises(DataModelError, match="rank 4"):
        SkillCredential.from_json(doc)


def test_identity_may_only_appear_hashed() -> None:
    doc = make().to_json()
    doc["credentialSubject"]["identifier"][0]["hashed"] = False
    with pytest.raises(DataModelError, match="hashed"):
        SkillCredential.from_json(doc)


def test_inconsistent_certificate_number_is_refused_at_issue() -> None:
    with pytest.raises(DataModelError, match="level digit"):
        make(certificate_number="S000011000001261000001")


def test_issuer_uscc_is_checked() -> None:
    with pytest.raises(DataModelError, match="check character"):
        Issuer("did:key:z6Mk", "某中心", "12110000400000003B")


names = st.text(
    alphabet=st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), min_size=1,
    max_size=40,
).filter(lambda s: s.strip() != "")


@settings(max_examples=60, deadline=None)
@given(name=names, level=st.sampled_from(sorted(LEVELS)),
       when=st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2099, 1, 1),
                         timezones=st.just(UTC)))
def test_model_round_trips_for_any_name_level_and_date(name: str, level: str,
                                                       when: datetime) -> None:
    lvl = LEVELS[level]
    digit = lvl.certificate_digit or "0"
    credential = make(holder_name=name, level=lvl, valid_from=when.replace(microsecond=0),
                      certificate_number=f"S0000{11}000001{when.year % 100:02d}{digit}000001")
    doc = credential.to_json()
    assert SkillCredential.from_json(json.loads(json.dumps(doc))) == credential
