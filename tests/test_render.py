"""The page's templates print every value escaped and neutralised, whatever the template."""

from __future__ import annotations

import pytest
from jinja2 import UndefinedError

from vcskill.web.markup import Html
from vcskill.web.render import render


def test_a_value_is_escaped_and_its_invisible_characters_shown() -> None:
    out = render("trust_strip.html", amber=False, text='<img src=x onerror=1>\u202e"&')
    assert "<img" not in out and "\u202e" not in out
    assert "&lt;img src=x onerror=1&gt;\\u202e&quot;&amp;" in out


def test_markup_built_in_python_is_printed_as_it_is() -> None:
    out = render("trust_strip.html", amber=True, text=Html("<b>ok</b>"))
    assert "<p><b>ok</b></p>" in out and 'class="trust amber"' in out


def test_a_missing_value_is_an_error_not_an_empty_string() -> None:
    with pytest.raises(UndefinedError):
        render("trust_strip.html", amber=False)
