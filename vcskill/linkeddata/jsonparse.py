"""Strict, bounded JSON parsing for everything that comes from outside.

Python's :func:`json.loads` is lenient where a verifier must not be: it accepts ``NaN`` and
``Infinity``, lets the last duplicate member win, builds integers of any size (and raises a bare
``ValueError`` past 4,300 digits), decodes lone surrogates and recurses once per nesting level.
:func:`parse_json` closes each of these gaps (design research, security.md §6.A) and
always fails with one :class:`~vcskill.errors.InputError` (code ``PARSING_ERROR``) whose message
is a single sentence. Every step is linear in the size of the input, which is capped first.

The checks, in order:

1. size (``Limits.max_credential_bytes``), emptiness, byte order mark, UTF-8 validity;
2. nesting depth (``Limits.max_json_depth``), measured by a non-recursive scan *before* the
   decoder runs, so ``[[[[…`` cannot reach the interpreter's recursion limit;
3. decoding, with hooks that reject ``NaN``/``Infinity``, non-finite floats such as ``1e400``,
   integers longer than ``Limits.max_integer_digits`` (checked on the digit string, before any
   conversion) and duplicate member names;
4. a walk over the decoded strings (member names included) that rejects lone surrogates and
   strings longer than ``Limits.max_string_length``.

Escaped control characters (``"\b"``, ``"\u0001"``) are valid JSON and are accepted: our
RDFC-1.0 canonicaliser escapes them as the spec requires, so credentials signed by
conformant peers verify. The issuer side refuses to *emit* them
(:func:`control_character_path`), because older stacks (pyld, rdf-canonize 3) hash such text
differently (security.md §2.4).
"""

from __future__ import annotations

import json
import math
import re
from typing import Any

from vcskill.errors import InputError
from vcskill.limits import DEFAULT_LIMITS, Limits

__all__ = ["control_character_path", "parse_json"]

_BOM = b"\xef\xbb\xbf"
_JSON_WHITESPACE = " \t\n\r"

# One token of the depth scan: a complete string (possessive, so no backtracking), an opening
# or closing bracket, or a lone quote, which means an unterminated string or a raw control
# character inside one; the decoder then reports that error at that very place.
_DEPTH_TOKEN = re.compile(r'"(?:[^"\\\x00-\x1f]++|\\.)*+"|[\[{]|[\]}]|"')

# C0 controls except TAB, LF and CR, plus DEL: pyld 3.3 writes these unescaped into N-Quads,
# RDFC-1.0 escapes them, so signatures over them do not interoperate with older stacks.
_FORBIDDEN_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_ANY_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def parse_json(
    data: bytes | str, *, limits: Limits = DEFAULT_LIMITS, what: str = "credential",
    max_values: int | None = None,
) -> Any:
    """Parse one JSON text strictly and within ``limits``; ``what`` names it in errors.

    The top-level value may be of any JSON type; callers check its shape. ``max_values``
    caps the JSON values (objects, arrays, strings, numbers, booleans, nulls) it may hold:
    a credential's JSON-LD work grows with them (``Limits.max_json_values``); a registry,
    whose size is bounded otherwise, passes none.

    Raises:
        InputError: with code ``PARSING_ERROR`` for any input that is not accepted.
    """
    text = _decode(data, limits, what)
    start = len(text) - len(text.lstrip(_JSON_WHITESPACE))
    if start == len(text):
        raise InputError(f"The {what} is empty.")
    _check_depth(text, start, limits, what)
    value, end = _decode_value(text, start, limits, what)
    if text[end:].strip(_JSON_WHITESPACE):
        line, column = _position(text, len(text) - len(text[end:].lstrip(_JSON_WHITESPACE)))
        raise InputError(
            f"The {what} has extra characters after the JSON value (line {line}, column {column})."
        )
    _check_strings(value, limits, what, max_values)
    return value


def _decode(data: bytes | str, limits: Limits, what: str) -> str:
    """Return the text of ``data`` after the size, BOM and encoding checks."""
    limit = limits.max_credential_bytes
    if isinstance(data, str):
        if len(data) > limit:  # every character takes at least one byte
            raise InputError(_too_large(what, None, limit))
        try:
            size = len(data.encode("utf-8"))
        except UnicodeEncodeError:
            raise InputError(
                f"The {what} contains a lone UTF-16 surrogate, which is not valid Unicode text."
            ) from None
        if size > limit:
            raise InputError(_too_large(what, size, limit))
        if data.startswith("\ufeff"):
            raise InputError(f"The {what} starts with a byte order mark; remove it.")
        if not data:
            raise InputError(f"The {what} is empty.")
        return data
    if not isinstance(data, (bytes, bytearray, memoryview)):
        raise InputError(f"The {what} must be given as bytes or text, not {type(data).__name__}.")
    raw = bytes(data)
    if len(raw) > limit:
        raise InputError(_too_large(what, len(raw), limit))
    if not raw:
        raise InputError(f"The {what} is empty.")
    if raw.startswith(_BOM):
        # RFC 8259 §8.1: a JSON text has no BOM. It comes from re-saving the file in an editor
        # (Notepad's "UTF-8 with BOM"), never from an issuer, so say how to undo it.
        raise InputError(f"The {what} starts with a UTF-8 byte order mark, added by an editor "
                         "that re-saved it; remove it (save as UTF-8 without BOM), or use the "
                         "file as the issuer sent it.")
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise InputError(f"The {what} is encoded as UTF-16; JSON must be UTF-8.")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InputError(
            f"The {what} is not valid UTF-8 (byte 0x{raw[exc.start]:02x} at offset {exc.start})."
        ) from None


def _too_large(what: str, size: int | None, limit: int) -> str:
    if size is None:
        return f"The {what} is larger than the limit of {limit:,} bytes."
    return f"The {what} is {size:,} bytes, over the limit of {limit:,} bytes."


def _check_depth(text: str, start: int, limits: Limits, what: str) -> None:
    """Reject nesting deeper than the limit, without recursion and in one linear pass."""
    limit = limits.max_json_depth
    if text.count("[") + text.count("{") <= limit:
        return
    depth = 0
    for match in _DEPTH_TOKEN.finditer(text, start):
        token = match.group()
        first = token[0]
        if first in "[{":
            depth += 1
            if depth > limit:
                line, column = _position(text, match.start())
                raise InputError(
                    f"The {what} nests arrays and objects more than {limit} levels deep "
                    f"(line {line}, column {column})."
                )
        elif first in "]}":
            depth -= 1
        elif len(token) == 1:
            # Unterminated string or raw control character: the decoder stops here with a
            # precise message, before reaching anything deeper that this scan has not seen.
            return


def _decode_value(text: str, start: int, limits: Limits, what: str) -> tuple[Any, int]:
    """Run the standard decoder with strict hooks; map every failure to InputError."""
    max_digits = limits.max_integer_digits

    def parse_int(token: str) -> int:
        digits = len(token) - token.startswith("-")
        if digits > max_digits:
            raise InputError(
                f"The {what} contains an integer with {digits:,} digits; "
                f"at most {max_digits} are allowed."
            )
        return int(token)

    def parse_float(token: str) -> float:
        number = float(token)
        if not math.isfinite(number):
            shown = token if len(token) <= 40 else token[:37] + "..."
            raise InputError(f"The {what} contains the number {shown}, which is too large.")
        return number

    def parse_constant(token: str) -> Any:
        raise InputError(f"The {what} contains {token}, which is not a JSON number.")

    def object_pairs_hook(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
        result = dict(pairs)
        if len(result) != len(pairs):
            seen: set[str] = set()
            for name, _ in pairs:
                if name in seen:
                    raise InputError(
                        f"The {what} has the member name {_show(name)} twice in one object."
                    )
                seen.add(name)
        return result

    decoder = json.JSONDecoder(
        parse_int=parse_int,
        parse_float=parse_float,
        parse_constant=parse_constant,
        object_pairs_hook=object_pairs_hook,
        strict=True,
    )
    try:
        value, end = decoder.raw_decode(text, start)
    except json.JSONDecodeError as exc:
        problem = exc.msg[:1].lower() + exc.msg[1:].removesuffix(" at")
        raise InputError(
            f"The {what} is not valid JSON: {problem} at line {exc.lineno}, column {exc.colno}."
        ) from None
    except (ValueError, RecursionError) as exc:  # defensive: never let a raw error escape
        raise InputError(
            f"The {what} could not be parsed as JSON ({type(exc).__name__})."
        ) from None
    return value, end


def _check_strings(value: Any, limits: Limits, what: str, max_values: int | None) -> None:
    """Check every string and member name of the decoded value, iteratively, and count
    the values against ``max_values``."""
    limit = limits.max_string_length
    count = 1
    # Entries: (node, path of the node as a tuple of keys/indexes)
    stack: list[tuple[Any, tuple[str | int, ...]]] = [(value, ())]
    while stack:
        node, path = stack.pop()
        if isinstance(node, str):
            _check_string(node, path, False, limit, what)
        elif isinstance(node, dict):
            count += len(node)
            for key, item in node.items():
                _check_string(key, (*path, key), True, limit, what)
                if isinstance(item, (str, dict, list)):
                    stack.append((item, (*path, key)))
        elif isinstance(node, list):
            count += len(node)
            for index, item in enumerate(node):
                if isinstance(item, (str, dict, list)):
                    stack.append((item, (*path, index)))
        if max_values is not None and count > max_values:
            raise InputError(
                f"The {what} holds more than {max_values:,} JSON values; a credential needs "
                "far fewer (Limits.max_json_values)."
            )


def _check_string(
    text: str, path: tuple[str | int, ...], is_name: bool, limit: int, what: str
) -> None:
    kind = "member name" if is_name else "string"
    where = f"at {_pointer(path)}" if path else "at the top level"
    if len(text) > limit:
        raise InputError(
            f"The {what} has a {kind} of {len(text):,} characters {where}; the limit is {limit:,}."
        )
    if text.isascii():
        return
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as exc:
        code = ord(text[exc.start])
        raise InputError(
            f"The {what} has a {kind} with a lone UTF-16 surrogate (\\u{code:04x}) {where}, "
            "which is not valid Unicode text."
        ) from None


def control_character_path(value: Any) -> str | None:
    """The JSON Pointer of the first string or member name holding a C0 control character
    other than tab, line feed and carriage return (or DEL), else None."""
    stack: list[tuple[Any, tuple[str | int, ...]]] = [(value, ())]
    while stack:
        node, path = stack.pop()
        if isinstance(node, str):
            if _FORBIDDEN_CONTROL.search(node):
                return _pointer(path) if path else "/"
        elif isinstance(node, dict):
            for key, item in node.items():
                if _FORBIDDEN_CONTROL.search(key):
                    return _pointer((*path, key))
                stack.append((item, (*path, key)))
        elif isinstance(node, list):
            stack.extend((item, (*path, i)) for i, item in enumerate(node))
    return None


def _pointer(path: tuple[str | int, ...]) -> str:
    """Render a path as a JSON Pointer (RFC 6901), made safe and short for messages."""
    parts = [str(p).replace("~", "~0").replace("/", "~1") for p in path]
    pointer = _printable("/" + "/".join(parts))
    return pointer if len(pointer) <= 80 else pointer[:77] + "..."


def _show(name: str) -> str:
    """Quote a member name for a message: escaped controls and surrogates, at most 60 chars."""
    shown = _printable(json.dumps(name[:60], ensure_ascii=False))
    return shown if len(name) <= 60 else shown[:-1] + '..."'


def _printable(text: str) -> str:
    """Escape control characters and lone surrogates so a message is always printable."""
    text = _ANY_CONTROL.sub(lambda m: f"\\u{ord(m.group()):04x}", text)
    return text.encode("utf-8", "backslashreplace").decode("utf-8")


def _position(text: str, index: int) -> tuple[int, int]:
    """Line and column (both from 1) of ``index`` in ``text``."""
    line = text.count("\n", 0, index) + 1
    column = index - (text.rfind("\n", 0, index) + 1) + 1
    return line, column
