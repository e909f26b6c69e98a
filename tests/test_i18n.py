"""The page's message catalogue: every message marked in the code has a Chinese translation
with the same placeholders, and the catalogue holds nothing the code no longer says."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from babel.messages.extract import extract_from_file
from babel.messages.pofile import read_po

import vcskill
from vcskill.web.i18n import catalog_text, translate

WEB = Path(vcskill.__file__).parent / "web"
PLACEHOLDER = re.compile(r"\{([a-z_]+)\}")


def _marked() -> dict[str, str]:
    """Every message marked with N_ in vcskill/web, and where."""
    found: dict[str, str] = {}
    for source in sorted(WEB.glob("*.py")):
        for lineno, message, _comments, _context in extract_from_file(
                "python", str(source), keywords={"N_": None}):
            found.setdefault(str(message), f"{source.name}:{lineno}")
    return found


def _catalog() -> dict[str, tuple[str, set[str]]]:
    catalog = read_po(io.StringIO(catalog_text("zh_CN")))
    return {str(m.id): (str(m.string), set(m.flags)) for m in catalog if m.id}


def test_the_code_marks_its_messages() -> None:
    assert len(_marked()) > 100  # the extraction sees the tables, not nothing


def test_every_marked_message_has_a_chinese_translation() -> None:
    catalog = _catalog()
    missing = [f"{where}: {message!r}" for message, where in _marked().items()
               if not catalog.get(message, ("", set()))[0]]
    assert missing == []


def test_a_translation_keeps_the_placeholders_and_is_never_fuzzy() -> None:
    for message, (translation, flags) in _catalog().items():
        assert "fuzzy" not in flags, message
        assert set(PLACEHOLDER.findall(translation)) == set(PLACEHOLDER.findall(message)), message
        if PLACEHOLDER.search(message):
            assert "python-brace-format" in flags, message


def test_the_catalogue_holds_only_what_the_code_says() -> None:
    assert sorted(set(_catalog()) - set(_marked())) == []


@pytest.mark.parametrize(("lang", "expected"), [("zh", "职业技能等级证书核验"),
                                                ("en", "Skill Certificate Verification")])
def test_translate(lang: str, expected: str) -> None:
    assert translate(lang, "Skill Certificate Verification") == expected
    assert translate(lang, "") == ""  # never the catalogue's header
    assert translate(lang, "a sentence no catalogue holds") == "a sentence no catalogue holds"
