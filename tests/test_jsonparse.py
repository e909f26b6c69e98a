"""Strict, bounded JSON parsing (security.md §6.A rows A1-A6)."""

from __future__ import annotations

import contextlib
import json
import math
import time
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from vcskill.errors import Code, InputError
from vcskill.limits import DEFAULT_LIMITS, Limits
from vcskill.linkeddata.jsonparse import control_character_path, parse_json


def reject(data: bytes | str, *, limits: Limits = DEFAULT_LIMITS, what: str = "credential") -> str:
    """Parse ``data``, expect an InputError, check its shape and return its message."""
    with pytest.raises(InputError) as info:
        parse_json(data, limits=limits, what=what)
    error = info.value
    assert error.code is Code.PARSING_ERROR
    message = str(error)
    # One sentence for a person: no traceback, no chained raw exception, no newline.
    assert message.endswith(".") and "\n" not in message and "Traceback" not in message
    assert error.__cause__ is None
    assert error.__context__ is None or error.__suppress_context__
    message.encode("utf-8")  # always printable, even when the input held lone surrogates
    return message


# --- Each rejection, with its message ---------------------------------------------------------

REJECTIONS: list[tuple[str, bytes | str, str]] = [
    ("empty bytes", b"", "The credential is empty."),
    ("empty text", "", "The credential is empty."),
    ("whitespace only", b" \n\t ", "The credential is empty."),
    ("UTF-8 BOM", b'\xef\xbb\xbf{"a": 1}', "starts with a UTF-8 byte order mark"),
    ("BOM in text", '\ufeff{"a": 1}', "starts with a byte order mark"),
    ("UTF-16", '{"a": 1}'.encode("utf-16"), "encoded as UTF-16"),
    ("invalid UTF-8 byte", b'{"a": "\xff"}', "not valid UTF-8 (byte 0xff at offset 7)"),
    ("truncated UTF-8", b'{"a": "\xe4\xb8"}', "not valid UTF-8"),
    ("overlong UTF-8", b'{"a": "\xc0\xaf"}', "not valid UTF-8"),
    ("UTF-8 encoded surrogate", b'{"a": "\xed\xa0\x80"}', "not valid UTF-8"),
    ("trailing value", b'{"a": 1} {"b": 2}', "extra characters after the JSON value"),
    ("trailing garbage", b'{"a": 1}x', "(line 1, column 9)"),
    ("trailing NUL", b'{"a": 1}\x00', "extra characters after the JSON value"),
    ("duplicate member", b'{"issuer": "a", "issuer": "b"}', 'member name "issuer" twice'),
    ("NaN", b'{"a": NaN}', "contains NaN, which is not a JSON number"),
    ("Infinity", b"[Infinity]", "contains Infinity, which is not a JSON number"),
    ("-Infinity", b"[-Infinity]", "contains -Infinity, which is not a JSON number"),
    ("1e400", b'{"a": 1e400}', "the number 1e400, which is too large"),
    ("-1e400", b"[-1e400]", "the number -1e400, which is too large"),
    ("19-digit integer", b"[1234567890123456789]", "an integer with 19 digits; at most 18"),
    ("negative 19 digits", b"[-1234567890123456789]", "an integer with 19 digits"),
    ("lone high surrogate", b'{"a": "\\ud800"}', "lone UTF-16 surrogate (\\ud800) at /a"),
    ("lone low surrogate", b'["x", "\\udc00"]', "lone UTF-16 surrogate (\\udc00) at /1"),
    ("reversed pair", b'["\\udc00\\ud800"]', "lone UTF-16 surrogate"),
    ("surrogate in key", b'{"\\ud800": 1}', "member name with a lone UTF-16 surrogate"),
    ("raw surrogate in text", '{"a": "\ud800"}', "contains a lone UTF-16 surrogate"),
    ("raw control in string", b'["a\x01"]', "not valid JSON: invalid control character"),
    ("unterminated string", b'{"a": "b', "not valid JSON: unterminated string"),
    ("trailing comma", b"[1, 2,]", "not valid JSON"),
    ("single quotes", b"{'a': 1}", "not valid JSON: expecting property name"),
    ("leading zero", b"[01]", "not valid JSON"),
    ("bad escape", b'["\\x41"]', "not valid JSON: invalid \\escape"),
    ("comment", b'{"a": 1 /* no */}', "not valid JSON"),
    ("form feed is no whitespace", b'\x0c{"a": 1}', "not valid JSON"),
]


@pytest.mark.parametrize(
    ("data", "expected"), [(d, e) for _, d, e in REJECTIONS], ids=[n for n, _, _ in REJECTIONS]
)
def test_rejections_name_the_problem(data: bytes | str, expected: str) -> None:
    assert expected in reject(data)


def test_messages_name_what_was_parsed() -> None:
    assert reject(b"", what="status list credential") == "The status list credential is empty."
    assert reject(b"[NaN]", what="JWT payload").startswith("The JWT payload contains NaN")


def test_size_limit_is_checked_first() -> None:
    limits = Limits(max_credential_bytes=100)
    message = reject(b"[" + b"1," * 60 + b"1]", limits=limits)
    assert message == "The credential is 123 bytes, over the limit of 100 bytes."
    # A str is measured in UTF-8 bytes: 39 Chinese characters and two quotes are 119 bytes.
    assert "119 bytes" in reject(json.dumps("技" * 39, ensure_ascii=False), limits=limits)
    assert "larger than the limit of 100 bytes" in reject("x" * 101, limits=limits)
    assert parse_json(b"[" + b"1," * 48 + b"1]", limits=limits) == [1] * 49


def test_default_size_limit_stops_huge_input_before_parsing() -> None:
    huge = b"[" + b"1," * DEFAULT_LIMITS.max_credential_bytes + b"1]"
    assert "over the limit of 262,144 bytes" in reject(huge)


def test_string_length_limit_covers_values_and_member_names() -> None:
    limits = Limits(max_string_length=10)
    assert parse_json('{"abcdefghij": "0123456789"}', limits=limits)
    message = reject('{"a": ["x", "01234567890"]}', limits=limits)
    assert message == ("The credential has a string of 11 characters at /a/1; the limit is 10.")
    assert "member name of 11 characters" in reject('{"abcdefghijk": 1}', limits=limits)
    # Characters, not bytes: ten Chinese characters are within a limit of ten.
    assert parse_json(json.dumps("技" * 10), limits=limits) == "技" * 10


def test_default_string_limit() -> None:
    long_string = json.dumps("a" * (DEFAULT_LIMITS.max_string_length + 1))
    assert "the limit is 65,536" in reject(long_string)


# --- Depth: measured without recursion, before json runs --------------------------------------


@pytest.mark.parametrize("opener", [b"[", b'{"a":'])
def test_100000_deep_nesting_is_rejected_without_recursion(opener: bytes) -> None:
    closer = b"]" if opener == b"[" else b"}"
    data = opener * 100_000 + closer * 100_000
    started = time.perf_counter()
    message = reject(data, limits=Limits(max_credential_bytes=len(data)))
    assert "nests arrays and objects more than 64 levels deep" in message
    assert time.perf_counter() - started < 1.0


def test_unclosed_deep_nesting_is_rejected() -> None:
    assert "more than 64 levels deep (line 1, column 65)" in reject(b"[" * 100_000)


def test_depth_limit_is_inclusive() -> None:
    assert parse_json(b"[" * 64 + b"]" * 64) is not None
    assert "more than 64 levels" in reject(b"[" * 65 + b"]" * 65)
    assert parse_json(b"[" * 5 + b"]" * 5, limits=Limits(max_json_depth=5)) == [[[[[]]]]]
    assert "more than 4 levels" in reject(b"[" * 5 + b"]" * 5, limits=Limits(max_json_depth=4))


def test_brackets_inside_strings_do_not_count() -> None:
    text = json.dumps({"a": "[" * 1000 + '{"\\' + "]" * 5, "b": ["{[" * 500]})
    assert parse_json(text) == json.loads(text)


def test_deep_nesting_after_an_unterminated_string_is_still_an_error() -> None:
    message = reject(b'["abc' + b"[" * 100_000)
    assert "unterminated string" in message


# --- Numbers ----------------------------------------------------------------------------------


def test_5000_digit_integer_is_rejected_before_conversion() -> None:
    message = reject(b'{"n": ' + b"7" * 5_000 + b"}")
    assert (
        message == "The credential contains an integer with 5,000 digits; at most 18 are allowed."
    )


def test_100000_digit_integer_is_rejected_quickly() -> None:
    started = time.perf_counter()
    assert "100,000 digits" in reject(b"[" + b"9" * 100_000 + b"]")
    assert time.perf_counter() - started < 1.0


def test_integer_digit_limit_is_inclusive_and_configurable() -> None:
    assert parse_json(b"[999999999999999999, -999999999999999999]") == [
        999_999_999_999_999_999,
        -999_999_999_999_999_999,
    ]
    assert "3 digits; at most 2" in reject(b"[100]", limits=Limits(max_integer_digits=2))


def test_finite_floats_are_accepted() -> None:
    value = parse_json(b"[1.5, -0.0, 1e308, 1e-400, 12345678901234567890.5, 2E+3]")
    assert value == [1.5, -0.0, 1e308, 0.0, 12345678901234567890.5, 2000.0]
    assert all(math.isfinite(v) for v in value)


# --- Duplicates, at any depth -----------------------------------------------------------------


def test_duplicate_member_names_at_depth() -> None:
    data = b'{"a": [1, {"b": {"proofValue": "z1", "c": 2, "proofValue": "z2"}}]}'
    assert reject(data) == 'The credential has the member name "proofValue" twice in one object.'


def test_duplicate_names_after_escape_decoding() -> None:
    # "\u0061" is "a": the duplicate is found on the decoded names.
    assert 'member name "a" twice' in reject(b'{"a": 1, "\\u0061": 2}')


def test_same_name_in_different_objects_is_fine() -> None:
    assert parse_json(b'[{"id": 1}, {"id": 2, "x": {"id": 3}}]') == [
        {"id": 1},
        {"id": 2, "x": {"id": 3}},
    ]


def test_duplicate_chinese_name_is_quoted_readably() -> None:
    assert '"姓名" twice' in reject('{"姓名": "张三", "姓名": "李四"}'.encode())


# --- Accepted input ---------------------------------------------------------------------------


def test_accepts_unicode_names_chinese_text_and_escapes() -> None:
    text = (
        '{"姓名": "张三", "职业": "电工（四级/中级工）", "emoji": "\\ud83d\\ude00 😀",'
        ' "escapes": "\\"\\\\\\/\\n\\r\\t\\u00e9", "Ωμέγα": ["ü", "\\u4e2d\\u6587"]}'
    )
    expected = {
        "姓名": "张三",
        "职业": "电工（四级/中级工）",
        "emoji": "😀 😀",
        "escapes": '"\\/\n\r\té',
        "Ωμέγα": ["ü", "中文"],
    }
    assert parse_json(text) == expected
    assert parse_json(text.encode("utf-8")) == expected
    assert parse_json(bytearray(text.encode("utf-8"))) == expected  # type: ignore[arg-type]


def test_top_level_need_not_be_an_object() -> None:
    assert parse_json(b"  [1, true, null]\r\n") == [1, True, None]
    assert parse_json(b'"just a string"') == "just a string"
    assert parse_json(b"42") == 42
    assert parse_json(b"null") is None


def test_official_fixture_parses_like_json_loads(vectors: Any) -> None:
    for path in sorted((vectors / "test-suite-fixtures").rglob("*.json"))[:200]:
        raw = path.read_bytes()
        assert parse_json(raw, limits=Limits(max_credential_bytes=4 * 1024 * 1024)) == json.loads(
            raw
        ), path.name


def test_wrong_input_type_is_an_input_error() -> None:
    with pytest.raises(InputError, match="must be given as bytes or text, not dict"):
        parse_json({"a": 1})  # type: ignore[arg-type]


# --- Bounded time on hostile input ------------------------------------------------------------

HOSTILE: list[tuple[str, bytes]] = [
    ("many strings", b"[" + b'"a",' * 60_000 + b'"a"]'),
    ("long string of brackets", b'["' + b"[{" * 120_000 + b'"]'),
    ("many quotes escaped", b'["' + b'\\"' * 120_000 + b'"]'),
    ("many short arrays", b"[" + b"[]," * 80_000 + b"[]]"),
    ("many objects", b"[" + b'{"a":1},' * 30_000 + b"{}]"),
    ("unterminated with backslashes", b'["' + b"\\\\" * 120_000),
    ("long float", b"[1." + b"1" * 250_000 + b"]"),
    ("many surrogate escapes", b'["' + b"\\ud83d\\ude00" * 20_000 + b'"]'),
]


@pytest.mark.parametrize("data", [d for _, d in HOSTILE], ids=[n for n, _ in HOSTILE])
def test_hostile_input_ends_quickly(data: bytes) -> None:
    started = time.perf_counter()
    with contextlib.suppress(InputError):
        parse_json(data)
    assert time.perf_counter() - started < 2.0


# --- Properties -------------------------------------------------------------------------------

_FORBIDDEN = [chr(c) for c in range(0x20) if c not in (0x09, 0x0A, 0x0D)] + ["\x7f"]
_text = st.text(
    alphabet=st.characters(blacklist_categories=["Cs"], blacklist_characters=_FORBIDDEN),
    max_size=40,
)
_json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(10**18) + 1, max_value=10**18 - 1)
    | st.floats(allow_nan=False, allow_infinity=False)
    | _text,
    lambda children: st.lists(children, max_size=5) | st.dictionaries(_text, children, max_size=5),
    max_leaves=30,
)


@settings(max_examples=300, deadline=None)
@given(_json_values, st.booleans())
def test_agrees_with_json_loads_within_the_limits(value: Any, ascii_only: bool) -> None:
    text = json.dumps(value, ensure_ascii=ascii_only)
    assert parse_json(text) == json.loads(text)
    assert parse_json(text.encode("utf-8")) == json.loads(text)


@settings(max_examples=500, deadline=None)
@given(st.binary(max_size=2_000))
def test_arbitrary_bytes_raise_only_input_errors(data: bytes) -> None:
    try:
        parse_json(data)
    except InputError as error:
        assert error.code is Code.PARSING_ERROR


@settings(max_examples=300, deadline=None)
@given(
    st.text(alphabet=st.sampled_from('[]{}",:\\ u0123456789abcdefd8NaInfty-.eE\x01'), max_size=200)
)
def test_json_like_text_raises_only_input_errors(text: str) -> None:
    try:
        parse_json(text)
    except InputError as error:
        assert error.code is Code.PARSING_ERROR


@pytest.mark.parametrize("data, expected", [
    (b'{"a": "x\\u0001"}', {"a": "x\u0001"}),
    (b'["\\b", "\\f", "\x7f"]', ["\b", "\f", "\x7f"]),
    (b'{"a\\u0000": 1}', {"a\u0000": 1}),
])
def test_escaped_control_characters_are_valid_json_and_accepted(
    data: bytes, expected: object
) -> None:
    # RDFC-1.0 defines how to escape them (rdf-canon test060); conformant peers sign them.
    assert parse_json(data) == expected


def test_control_character_path_finds_what_an_issuer_must_not_emit() -> None:
    assert control_character_path({"a": ["ok", "tab\tok\n"]}) is None
    assert control_character_path({"a": ["ok", "x\by"]}) == "/a/1"
    assert control_character_path({"k\x7f": 1}) == "/k\\u007f"


def test_max_values_counts_every_json_value_and_refuses_one_over() -> None:
    # The top-level object, its two members, the list's items: 1 + 2 + 997 = 1,000 values.
    at_limit = json.dumps({"a": list(range(997)), "b": {}})
    assert parse_json(at_limit, max_values=1_000)["a"][-1] == 996
    over = json.dumps({"a": list(range(998)), "b": {}})
    with pytest.raises(InputError, match="more than 1,000 JSON values"):
        parse_json(over, max_values=1_000)
    assert len(parse_json(over)["a"]) == 998  # no cap unless asked, as for a registry


def test_a_jwt_payload_of_too_many_values_is_refused_before_json_ld() -> None:
    import base64

    from vcskill.proofs.jose import decode_jwt

    def part(value: Any) -> str:
        return base64.urlsafe_b64encode(json.dumps(value).encode()).rstrip(b"=").decode()

    token = f"{part({'alg': 'EdDSA'})}.{part({'@context': [], 'x': list(range(1_000))})}.c2ln"
    with pytest.raises(InputError, match="JWT payload holds more than 1,000 JSON values"):
        decode_jwt(token)
