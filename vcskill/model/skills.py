"""The vocabulary of Chinese vocational skill certificates: levels, occupations, codes.

Facts and their sources are in ``docs/credential.md`` (from the project's domain research):
the five-level ladder (五级/初级工 … 一级/高级技师), the "new eight-level" system that adds
学徒工, 特级技师 and 首席技师, the separate 1+X ladder (初级/中级/高级, MoE), occupation codes
of the national occupational classification (职业分类大典, ``D-DD-DD-DD`` with an edition),
the unified social credit code (GB 32100-2015) and certificate numbers.
"""

from __future__ import annotations

import hashlib
import re
import secrets
import unicodedata
from dataclasses import dataclass
from datetime import timedelta, timezone
from enum import StrEnum

from vcskill.errors import Code, DataModelError

# Certificates are dated in China Standard Time (UTC+8, no daylight saving).
CHINA_STANDARD_TIME = timezone(timedelta(hours=8), "CST")


class Ladder(StrEnum):
    """Which level system a level belongs to.

    L5…L1 belong to both the five-level and the eight-level systems; they are tagged
    ``five-level`` because that is what every certificate issued since the 1990s uses.
    """

    FIVE_LEVEL = "five-level"
    EIGHT_LEVEL = "eight-level"
    ONE_PLUS_X = "1+x"


@dataclass(frozen=True, slots=True)
class SkillLevel:
    """A level on its ladder. ``rank`` ascends (higher is more senior); the Chinese level
    numbers descend (一级 is the highest), so never compare the numbers themselves."""

    code: str
    ladder: Ladder
    rank: int
    name_zh: str
    name_en: str
    # The digit a 22-character certificate number carries for this level (positions 16).
    certificate_digit: str | None = None

    @property
    def label(self) -> str:
        return f"{self.name_zh} ({self.name_en})"


_HRSS_LEVELS = (
    SkillLevel("APPRENTICE", Ladder.EIGHT_LEVEL, 1, "学徒工", "Apprentice"),
    SkillLevel("L5", Ladder.FIVE_LEVEL, 2, "五级/初级工", "Level 5 / Junior Worker", "5"),
    SkillLevel("L4", Ladder.FIVE_LEVEL, 3, "四级/中级工", "Level 4 / Intermediate Worker", "4"),
    SkillLevel("L3", Ladder.FIVE_LEVEL, 4, "三级/高级工", "Level 3 / Senior Worker", "3"),
    SkillLevel("L2", Ladder.FIVE_LEVEL, 5, "二级/技师", "Level 2 / Technician", "2"),
    SkillLevel("L1", Ladder.FIVE_LEVEL, 6, "一级/高级技师", "Level 1 / Senior Technician", "1"),
    SkillLevel("PRINCIPAL", Ladder.EIGHT_LEVEL, 7, "特级技师", "Principal Technician"),
    SkillLevel("CHIEF", Ladder.EIGHT_LEVEL, 8, "首席技师", "Chief Technician"),
)
_ONE_PLUS_X_LEVELS = (
    SkillLevel("X-JUNIOR", Ladder.ONE_PLUS_X, 1, "初级", "Junior"),
    SkillLevel("X-INTERMEDIATE", Ladder.ONE_PLUS_X, 2, "中级", "Intermediate"),
    SkillLevel("X-SENIOR", Ladder.ONE_PLUS_X, 3, "高级", "Senior"),
)
LEVELS: dict[str, SkillLevel] = {lvl.code: lvl for lvl in _HRSS_LEVELS + _ONE_PLUS_X_LEVELS}

# Other spellings people type on the command line or in spreadsheets.
_LEVEL_ALIASES: dict[str, str] = {
    **{str(n): f"L{n}" for n in range(1, 6)},
    **{f"LEVEL{n}": f"L{n}" for n in range(1, 6)},
    "五级": "L5", "初级工": "L5", "四级": "L4", "中级工": "L4", "三级": "L3", "高级工": "L3",
    "二级": "L2", "技师": "L2", "一级": "L1", "高级技师": "L1",
    "学徒工": "APPRENTICE", "特级技师": "PRINCIPAL", "首席技师": "CHIEF",
    "初级": "X-JUNIOR", "中级": "X-INTERMEDIATE", "高级": "X-SENIOR",
    "1X-JUNIOR": "X-JUNIOR", "1X-INTERMEDIATE": "X-INTERMEDIATE", "1X-SENIOR": "X-SENIOR",
}
for _lvl in _HRSS_LEVELS:
    _LEVEL_ALIASES[_lvl.name_zh] = _lvl.code


def parse_level(text: str) -> SkillLevel:
    """Read a level as people write it: ``L3``, ``3``, ``三级``, ``高级工``, ``X-SENIOR``…"""
    key = unicodedata.normalize("NFKC", text).strip().upper().replace(" ", "")
    code = key if key in LEVELS else _LEVEL_ALIASES.get(key) or _LEVEL_ALIASES.get(text.strip())
    if code is None:
        known = ", ".join(LEVELS)
        raise DataModelError(f"unknown skill level {text!r}; use one of {known}")
    return LEVELS[code]


def parse_level_range(text: str) -> tuple[SkillLevel, ...]:
    """``L5-L3`` → (L5, L4, L3); ``L2`` → (L2,); ranges stay on one ladder."""
    if "-" in text and not text.upper().startswith("X-"):
        low_text, high_text = text.split("-", 1)
        low, high = parse_level(low_text), parse_level(high_text)
        ladder_levels: tuple[SkillLevel, ...]
        if low.ladder == Ladder.ONE_PLUS_X or high.ladder == Ladder.ONE_PLUS_X:
            ladder_levels = _ONE_PLUS_X_LEVELS
        else:
            ladder_levels = _HRSS_LEVELS
        lo, hi = sorted((low.rank, high.rank))
        return tuple(lvl for lvl in ladder_levels if lo <= lvl.rank <= hi)
    return (parse_level(text),)


# Occupation codes: major (1 digit) - middle (2) - minor (2) - detailed (2), e.g. 6-31-01-03.
OCCUPATION_CODE = re.compile(r"^[1-8]-\d{2}-\d{2}-\d{2}$")
CLASSIFICATION_EDITIONS = ("1999", "2015", "2022")
CLASSIFICATION_NAMES = {
    "1999": "中华人民共和国职业分类大典（1999年版）",
    "2015": "中华人民共和国职业分类大典（2015年版）",
    "2022": "中华人民共和国职业分类大典（2022年版）",
}


@dataclass(frozen=True, slots=True)
class Occupation:
    """An occupation of the national classification. Codes change between editions, so a
    code is meaningless without its edition."""

    code: str
    edition: str
    name_zh: str
    work_type: str | None = None  # 工种 / 职业方向, printed as "--" when absent

    def __post_init__(self) -> None:
        if not OCCUPATION_CODE.match(self.code):
            raise DataModelError(
                f"occupation code {self.code!r} is not of the form D-DD-DD-DD (e.g. 6-31-01-03)"
            )
        if self.edition not in CLASSIFICATION_EDITIONS:
            raise DataModelError(
                f"classification edition {self.edition!r} is not one of "
                + ", ".join(CLASSIFICATION_EDITIONS)
            )
        if not self.name_zh.strip():
            raise DataModelError("occupation name is empty")


def parse_occupation_code(text: str, *, default_edition: str = "2022") -> tuple[str, str]:
    """``6-31-01-03`` or ``6-31-01-03@2015`` → (code, edition)."""
    code, _, edition = text.strip().partition("@")
    edition = edition or default_edition
    Occupation(code, edition, "-")  # validates both
    return code, edition


# A few occupations from the domain research, so the CLI can fill in names. Anything else
# must be named explicitly (--occupation-name).
KNOWN_OCCUPATIONS: dict[tuple[str, str], str] = {
    ("6-31-01-03", "2022"): "电工",
    ("6-18-02-04", "2022"): "焊工",
    ("6-18-01-01", "2022"): "车工",
    ("6-18-01-05", "2022"): "镗工",
    ("6-20-03-03", "2022"): "焊接材料制造工",
    ("6-30-99-00", "2015"): "工业机器人系统操作员",
    ("6-04-02-02", "2015"): "缫丝工",
    ("4-03-02-01", "2022"): "中式烹调师",
    ("4-01-02-07", "2022"): "互联网营销师",
    ("4-10-01-05", "2022"): "养老护理员",
}

# Their English names, for display beside the Chinese one (the page, the certificate): a
# translation for the reader, never part of what is signed or judged.
OCCUPATION_NAMES_EN: dict[tuple[str, str], str] = {
    ("6-31-01-03", "2022"): "Electrician",
    ("6-18-02-04", "2022"): "Welder",
    ("6-18-01-01", "2022"): "Lathe Operator",
    ("6-18-01-05", "2022"): "Boring Machine Operator",
    ("6-20-03-03", "2022"): "Welding Consumables Maker",
    ("6-30-99-00", "2015"): "Industrial Robot System Operator",
    ("6-04-02-02", "2015"): "Silk Reeler",
    ("4-03-02-01", "2022"): "Chinese Cuisine Cook",
    ("4-01-02-07", "2022"): "Internet Marketing Specialist",
    ("4-10-01-05", "2022"): "Elderly Care Worker",
}


def english_occupation_name(code: str | None, name_zh: str | None,
                            edition: str | None = None) -> str | None:
    """The English name of a known occupation, only when the Chinese name given is the one
    listed for its code (a credential that pairs 6-31-01-03 with another name gets none).
    Without ``edition``, any edition's entry for the code and name will do."""
    for (known_code, known_edition), known_zh in KNOWN_OCCUPATIONS.items():
        if known_code == code and known_zh == name_zh and edition in (None, known_edition):
            return OCCUPATION_NAMES_EN.get((known_code, known_edition))
    return None


# Unified social credit code (统一社会信用代码), GB 32100-2015: 18 characters from a 31-symbol
# alphabet (no I, O, S, V, Z); the last is a check character with weights 3^(i-1) mod 31.
USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_USCC_WEIGHTS = [pow(3, i, 31) for i in range(17)]


def uscc_check_character(first17: str) -> str:
    total = sum(USCC_ALPHABET.index(c) * w for c, w in zip(first17, _USCC_WEIGHTS, strict=True))
    return USCC_ALPHABET[(31 - total % 31) % 31]


def validate_uscc(code: str) -> str:
    """Return the code if it is a well-formed USCC with a correct check character."""
    if len(code) != 18 or any(c not in USCC_ALPHABET for c in code):
        raise DataModelError(
            f"unified social credit code {code!r} must be 18 characters from {USCC_ALPHABET}"
        )
    expected = uscc_check_character(code[:17])
    if code[17] != expected:
        raise DataModelError(
            f"unified social credit code {code!r} has check character {code[17]!r}; "
            f"GB 32100 gives {expected!r}"
        )
    return code


# Certificate numbers (证书编号): the national 22-character form (S/Y + 21 digits, level digit at
# position 16, issue year at 14-15); the 特级技师 form (2 letters + 20 digits); the legacy
# 16-digit qualification certificate numbers.
CERTIFICATE_NUMBER_FORMS = {
    "national": re.compile(r"^[SY]\d{21}$"),
    "principal": re.compile(r"^[A-Z]{2}\d{20}$"),
    "legacy": re.compile(r"^\d{16}$"),
}


def certificate_number_problems(number: str, level: SkillLevel, year: int) -> list[str]:
    """Inconsistencies between a certificate number and the facts it encodes.

    An unknown form is a problem; for the national form the level digit and the year must
    agree with the credential. Returns an empty list when all is well.
    """
    if CERTIFICATE_NUMBER_FORMS["national"].match(number):
        problems = []
        if level.certificate_digit is not None and number[15] != level.certificate_digit:
            problems.append(
                f"certificate number {number} carries level digit {number[15]}, "
                f"but the level is {level.code} (digit {level.certificate_digit})"
            )
        if number[13:15] != f"{year % 100:02d}":
            problems.append(
                f"certificate number {number} carries year digits {number[13:15]}, "
                f"but it was issued in {year}"
            )
        return problems
    if any(form.match(number) for form in CERTIFICATE_NUMBER_FORMS.values()):
        return []
    return [
        f"certificate number {number!r} is neither the national 22-character form "
        "(S or Y and 21 digits), the 特级技师 form, nor a 16-digit legacy number"
    ]


# Identity numbers never appear in full: a mask for people and a salted digest for matching.
def normalise_id_number(id_number: str) -> str:
    normalised = unicodedata.normalize("NFKC", id_number).strip().upper().replace(" ", "")
    if not 6 <= len(normalised) <= 32 or not normalised.isalnum() or not normalised.isascii():
        raise DataModelError(
            "identity document number must be 6 to 32 ASCII letters or digits"
        )
    return normalised


def mask_id_number(id_number: str) -> str:
    """``370102199001011234`` → ``3701**********1234`` (first four and last four kept)."""
    n = normalise_id_number(id_number)
    keep = 4 if len(n) > 10 else 2
    return n[:keep] + "*" * (len(n) - 2 * keep) + n[-keep:]


def new_salt() -> str:
    return secrets.token_hex(16)


def id_number_digest(id_number: str, salt: str) -> str:
    """Open Badges 3.0 ``identityHash``: ``sha256$`` + hex(SHA-256(normalised id ‖ salt))."""
    data = (normalise_id_number(id_number) + salt).encode("utf-8")
    return "sha256$" + hashlib.sha256(data).hexdigest()


def check_id_number(id_number: str, *, digest: str, salt: str) -> bool:
    """Does a full identity number an employer holds match the credential's digest?"""
    try:
        return secrets.compare_digest(id_number_digest(id_number, salt), digest)
    except DataModelError:
        return False


def require(condition: bool, message: str, code: Code = Code.MALFORMED_VALUE_ERROR) -> None:
    if not condition:
        raise DataModelError(message, code=code)
