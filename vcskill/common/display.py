"""Credential text made safe to show: on a terminal, in a web page, on a printed page.

A credential's strings come from its issuer, or from whoever altered it. Characters that can
move a terminal's cursor, reorder or hide text (bidi overrides, zero-width characters), or
that are not characters at all (surrogates, private use, unassigned code points) are shown
as visible escapes instead of being obeyed (VCDM 2.0 §"Code Injection").
"""

from __future__ import annotations

import unicodedata
from typing import Final

__all__ = ["UNSAFE_CATEGORIES", "escape_char", "is_unsafe", "visible"]

# Controls (C0, DEL, C1), format characters, line and paragraph separators, surrogates,
# private use and unassigned code points.
UNSAFE_CATEGORIES: Final = frozenset({"Cc", "Cf", "Zl", "Zp", "Cs", "Co", "Cn"})


def is_unsafe(ch: str) -> bool:
    return unicodedata.category(ch) in UNSAFE_CATEGORIES


def escape_char(ch: str, *, json_compatible: bool = False) -> str:
    """``\\uXXXX``; above U+FFFF ``\\UXXXXXXXX``, or with ``json_compatible`` a surrogate
    pair of ``\\u`` escapes, so that escaped JSON is still the same JSON data."""
    code = ord(ch)
    if code <= 0xFFFF:
        return f"\\u{code:04x}"
    if not json_compatible:
        return f"\\U{code:08x}"
    code -= 0x10000
    return f"\\u{0xD800 + (code >> 10):04x}\\u{0xDC00 + (code & 0x3FF):04x}"


def visible(value: object, *, json_compatible: bool = False) -> str:
    """``value`` as text with every unsafe character escaped (see :func:`escape_char`)."""
    text = "" if value is None else str(value)
    return "".join(escape_char(ch, json_compatible=json_compatible) if is_unsafe(ch) else ch
                   for ch in text)
