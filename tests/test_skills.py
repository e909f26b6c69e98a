"""The domain vocabulary: levels, occupations, USCC, certificate numbers, identity digests."""

from __future__ import annotations

import pytest

from vcskill.errors import DataModelError
from vcskill.model.skills import (
    LEVELS,
    Ladder,
    Occupation,
    certificate_number_problems,
    check_id_number,
    id_number_digest,
    mask_id_number,
    parse_level,
    parse_level_range,
    parse_occupation_code,
    validate_uscc,
)


@pytest.mark.parametrize(
    "text, code",
    [("L3", "L3"), ("l3", "L3"), ("3", "L3"), ("三级", "L3"), ("高级工", "L3"),
     ("三级/高级工", "L3"), ("一级/高级技师", "L1"), ("特级技师", "PRINCIPAL"),
     ("X-SENIOR", "X-SENIOR"), ("高级", "X-SENIOR"), ("ＬＥＶＥＬ２", "L2")],
)
def test_levels_parse_as_people_write_them(text: str, code: str) -> None:
    assert parse_level(text).code == code


def test_unknown_level_is_a_clear_error() -> None:
    with pytest.raises(DataModelError, match="unknown skill level 'L9'"):
        parse_level("L9")


def test_ranks_ascend_while_chinese_numbers_descend() -> None:
    assert LEVELS["L1"].rank > LEVELS["L5"].rank
    assert [lvl.code for lvl in parse_level_range("L5-L3")] == ["L5", "L4", "L3"]
    assert [lvl.code for lvl in parse_level_range("L3-L5")] == ["L5", "L4", "L3"]
    assert LEVELS["X-JUNIOR"].ladder == Ladder.ONE_PLUS_X


def test_occupation_code_needs_its_edition_and_format() -> None:
    assert parse_occupation_code("6-31-01-03") == ("6-31-01-03", "2022")
    assert parse_occupation_code("6-30-99-00@2015") == ("6-30-99-00", "2015")
    with pytest.raises(DataModelError, match="not of the form"):
        Occupation("6-31-1-03", "2022", "电工")
    with pytest.raises(DataModelError, match="edition"):
        Occupation("6-31-01-03", "2020", "电工")


@pytest.mark.parametrize("code", ["91110000101623741K", "91350100M000100Y43", "911101066976941872"])
def test_real_uscc_codes_pass_the_gb32100_check(code: str) -> None:
    assert validate_uscc(code) == code


@pytest.mark.parametrize("code, message", [
    ("91110000101623741J", "check character"),
    ("9111000010162374", "18 characters"),
    ("91110000101623741I", "18 characters"),  # I is not in the alphabet
])
def test_bad_uscc_codes_are_refused(code: str, message: str) -> None:
    with pytest.raises(DataModelError, match=message):
        validate_uscc(code)


def test_certificate_number_must_agree_with_level_and_year() -> None:
    level = LEVELS["L3"]
    assert certificate_number_problems("S000011000001263000001", level, 2026) == []
    problems = certificate_number_problems("S000011000001261000001", level, 2025)
    assert any("level digit 1" in p for p in problems)
    assert any("year digits 26" in p for p in problems)
    assert certificate_number_problems("AB12345678901234567890", LEVELS["PRINCIPAL"], 2026) == []
    assert certificate_number_problems("1234", level, 2026)


def test_identity_number_is_masked_and_matched_only_by_digest() -> None:
    assert mask_id_number("370102199001011234") == "3701**********1234"
    assert mask_id_number("37010219900101123x") == "3701**********123X"
    digest = id_number_digest("370102199001011234", "salt")
    assert digest.startswith("sha256$") and "370102199001011234" not in digest
    assert check_id_number("370102 199001011234", digest=digest, salt="salt")
    assert not check_id_number("370102199001011235", digest=digest, salt="salt")
    assert not check_id_number("", digest=digest, salt="salt")


def test_one_table_names_the_occupations_in_english_for_page_and_certificate() -> None:
    """Issue #11: 互联网营销师 was "Internet Marketer" on the page and "Internet Marketing
    Specialist" on the certificate, from two tables. There is one now, in the vocabulary."""
    from pathlib import Path

    import vcskill
    from vcskill.model.skills import english_occupation_name

    assert english_occupation_name("4-01-02-07", "互联网营销师") == \
        "Internet Marketing Specialist"
    assert english_occupation_name("4-01-02-07", "互联网营销师", "2022") == \
        "Internet Marketing Specialist"
    assert english_occupation_name("4-01-02-07", "互联网营销师", "2015") is None
    # a credential pairing a known code with another name gets no translation at all
    assert english_occupation_name("6-31-01-03", "焊工") is None
    package = Path(vcskill.__file__).parent
    holders = [p.relative_to(package).as_posix() for p in package.rglob("*.py")
               if "Elderly Care Worker" in p.read_text(encoding="utf-8")]
    assert holders == ["model/skills.py"]
