"""Bitstring Status List v1.0 building blocks: the bitstring codec, status entries, status list
credentials and the sources they come from (security.md table E; the verifier's use of them is
in test_verifier_status.py).

Vectors: ``tests/vectors/vc-bitstring-status-list/`` (the REC's examples; see its README).
"""

from __future__ import annotations

import base64
import gzip
import json
import os
import struct
import time
import tracemalloc
import zlib
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.conftest import VECTORS, load_json
from vcskill.errors import Code, Error
from vcskill.status.statuslist import (
    DEFAULT_MAX_BITSTRING_BYTES,
    MIN_ENTRIES,
    Bitstring,
    DirectoryStatusSource,
    MemoryStatusSource,
    StatusEntry,
    StatusPurpose,
    build_status_list_credential,
    cleared_bits,
    decode_bitstring,
    encode_bitstring,
    get_bit,
    parse_status_entries,
    parse_status_list_credential,
    status_entry,
)

STATUS_VECTORS = VECTORS / "vc-bitstring-status-list"
REC_ENCODED = "uH4sIAAAAAAAAA-3BMQEAAADCoPVPbQwfoAAAAAAAAAAAAAAAAAAAAIC3AYbSVKsAQAAA"
LIST_URL = "https://skills.example.cn/status/1-revocation.json"
ISSUER = "did:web:skills.example.cn"
T = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)


# -- helpers ----------------------------------------------------------------------------------


def reference_encode(raw: bytes) -> str:
    """The spec's algorithm with nothing but the standard library: GZIP, base64url, no '='."""
    return "u" + base64.urlsafe_b64encode(gzip.compress(raw)).decode().rstrip("=")


def reference_decode(encoded: str) -> bytes:
    assert encoded.startswith("u")
    body = encoded[1:]
    return gzip.decompress(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))


def gzip_bomb(mebibytes: int) -> bytes:
    """A valid GZIP member inflating to ``mebibytes`` MiB of zeros, built without inflating
    anything: after a full flush DEFLATE output no longer depends on what came before, so
    one compressed MiB of zeros is repeated. About 1 KiB per MiB (DEFLATE's ~1:1032 ceiling
    means no single GZIP layer can be much smaller)."""
    mib = bytes(1 << 20)
    compressor = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    head = compressor.compress(mib) + compressor.flush(zlib.Z_FULL_FLUSH)
    block = compressor.compress(mib) + compressor.flush(zlib.Z_FULL_FLUSH)
    final = zlib.compressobj(9, zlib.DEFLATED, -zlib.MAX_WBITS).flush()  # empty last block
    crc = 0
    for _ in range(mebibytes):
        crc = zlib.crc32(mib, crc)
    trailer = struct.pack("<II", crc, (mebibytes << 20) & 0xFFFFFFFF)
    return head + block * (mebibytes - 1) + final + trailer


def entry(**changes: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "id": f"{LIST_URL}#94567",
        "type": "BitstringStatusListEntry",
        "statusPurpose": "revocation",
        "statusListIndex": "94567",
        "statusListCredential": LIST_URL,
    }
    base.update(changes)
    return {k: v for k, v in base.items() if v is not None}


def list_document(bits: Bitstring | None = None, **changes: Any) -> dict[str, Any]:
    doc = build_status_list_credential(
        list_url=LIST_URL, issuer=ISSUER, purpose=StatusPurpose.REVOCATION,
        bits=bits or Bitstring(), valid_from=T, valid_until=T + timedelta(days=7))
    doc.update(changes)
    return doc


def code_of(call: Any) -> Code:
    with pytest.raises(Error) as caught:
        call()
    return caught.value.code


# -- official vectors and interoperability ----------------------------------------------------


def test_official_vectors_decode_to_131072_zero_bits() -> None:
    found = []
    for path in sorted(STATUS_VECTORS.glob("*.json")):
        subject = load_json(path).get("credentialSubject", {})
        if "encodedList" in subject:
            found.append(path.name)
            bits = decode_bitstring(subject["encodedList"])
            assert len(bits) * 8 == MIN_ENTRIES == 131_072
            assert not any(bits)
    assert len(found) == 4  # two unsigned, two signed list credentials


def test_the_rec_example_string_decodes_with_our_decoder_and_the_reference() -> None:
    assert decode_bitstring(REC_ENCODED) == reference_decode(REC_ENCODED) == bytes(16_384)
    assert Bitstring.from_encoded(REC_ENCODED) == Bitstring(MIN_ENTRIES)


def test_our_encoding_of_an_all_zero_list_decodes_with_the_reference() -> None:
    ours = Bitstring(MIN_ENTRIES).encode()
    assert ours.startswith("u") and "=" not in ours
    assert reference_decode(ours) == bytes(16_384)
    assert decode_bitstring(ours) == bytes(16_384)
    # the same GZIP member as the REC's but for the XFL byte (we compress at level 9)
    assert len(ours) == len(REC_ENCODED)


def test_the_reference_encoding_decodes_with_ours() -> None:
    raw = bytes(range(256)) * 64
    assert decode_bitstring(reference_encode(raw)) == raw


def test_our_encoding_is_reproducible() -> None:
    bits = Bitstring()
    bits.set(12_345)
    assert bits.encode() == bits.encode() == encode_bitstring(bits.to_bytes())


@settings(max_examples=60, deadline=None)
@given(st.sets(st.integers(min_value=0, max_value=MIN_ENTRIES - 1), max_size=200))
def test_any_set_of_indexes_round_trips(indexes: set[int]) -> None:
    bits = Bitstring()
    for index in indexes:
        bits.set(index)
    decoded = Bitstring.from_encoded(bits.encode())
    assert decoded == bits
    assert {i for i in indexes if decoded.get(i)} == indexes
    assert decoded.count() == len(indexes)


# -- E1: decompression bomb -------------------------------------------------------------------


def test_the_bomb_builder_makes_a_valid_gzip_of_exactly_that_many_zeros() -> None:
    assert gzip.decompress(gzip_bomb(3)) == bytes(3 << 20)


def test_e1_gzip_bomb_refused_fast_with_bounded_memory() -> None:
    bomb = gzip_bomb(1100)  # ~1.1 MB that inflates to 1.1 GiB
    assert len(bomb) < 1_200_000
    encoded = "u" + base64.urlsafe_b64encode(bomb).decode().rstrip("=")
    tracemalloc.start()
    started = time.perf_counter()
    try:
        with pytest.raises(Error) as caught:
            decode_bitstring(encoded)
        elapsed = time.perf_counter() - started
        _current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert caught.value.code is Code.STATUS_VERIFICATION_ERROR
    assert "decompression bomb" in str(caught.value)
    assert elapsed < 1.0
    # the input, its decoded copy, and the capped output (briefly twice, while zlib's
    # output blocks are joined): tens of MiB, nowhere near the GiB the bomb holds
    assert peak < 2 * DEFAULT_MAX_BITSTRING_BYTES + 4 * len(encoded) + (8 << 20)


def test_e1_the_cap_is_the_callers() -> None:
    encoded = reference_encode(bytes(1 << 20))
    assert len(decode_bitstring(encoded, max_bytes=1 << 20)) == 1 << 20
    assert code_of(lambda: decode_bitstring(encoded, max_bytes=(1 << 20) - 1)) is \
        Code.STATUS_VERIFICATION_ERROR


# -- E2: short lists --------------------------------------------------------------------------


def test_e2_short_list_is_a_length_error() -> None:
    doc = list_document()
    doc["credentialSubject"]["encodedList"] = reference_encode(bytes(MIN_ENTRIES // 8 - 1))
    assert code_of(lambda: parse_status_list_credential(doc)) is Code.STATUS_LIST_LENGTH_ERROR


def test_e2_a_list_of_exactly_the_minimum_is_accepted() -> None:
    parsed = parse_status_list_credential(list_document())
    assert parsed.length == MIN_ENTRIES


def test_e2_the_builder_pads_a_small_bitstring_to_the_minimum() -> None:
    small = Bitstring(16)
    small.set(3)
    parsed = parse_status_list_credential(list_document(small))
    assert parsed.length == MIN_ENTRIES
    assert [i for i in range(16) if parsed.get(i)] == [3]


# -- E3: indexes ------------------------------------------------------------------------------


@pytest.mark.parametrize("index", ["-1", "0x10", "1e3", " 5", "5 ", "+5", "٣", "５", "",
                                   "1" * 13, "5\n", 5, 5.0, None])
def test_e3_each_bad_index_is_malformed(index: Any) -> None:
    doc = {"credentialStatus": entry(statusListIndex=index)}
    assert code_of(lambda: parse_status_entries(doc)) is Code.MALFORMED_VALUE_ERROR


def test_e3_leading_zeros_and_twelve_digits_parse() -> None:
    parsed = parse_status_entries({"credentialStatus": [entry(statusListIndex="007"),
                                                        entry(statusListIndex="9" * 12)]})
    assert [e.index for e in parsed] == [7, 999_999_999_999]


def test_e3_an_index_at_or_past_the_end_is_a_range_error() -> None:
    parsed = parse_status_list_credential(list_document())
    assert parsed.get(MIN_ENTRIES - 1) is False
    for index in (MIN_ENTRIES, MIN_ENTRIES + 1, -1):
        assert code_of(lambda i=index: parsed.get(i)) is Code.RANGE_ERROR
    assert code_of(lambda: get_bit(b"\x00", 8)) is Code.RANGE_ERROR


# -- E7: bit order ----------------------------------------------------------------------------


@pytest.mark.parametrize(("index", "raw_prefix"), [
    (0, b"\x80\x00"), (7, b"\x01\x00"), (8, b"\x00\x80"),
])
def test_e7_bit_order_vectors(index: int, raw_prefix: bytes) -> None:
    # our writer puts the bit where the spec says: index 0 is the left-most bit of byte 0
    bits = Bitstring()
    bits.set(index)
    assert bits.to_bytes()[:2] == raw_prefix and not any(bits.to_bytes()[2:])
    # and a list made by the reference encoder from raw bytes reads back that index only
    raw = raw_prefix + bytes(MIN_ENTRIES // 8 - 2)
    decoded = Bitstring.from_encoded(reference_encode(raw))
    assert [i for i in range(16) if decoded.get(i)] == [index]
    assert decoded.count() == 1


def test_bits_can_be_cleared_again() -> None:
    bits = Bitstring(24)
    bits.set(9)
    bits.set(9, False)
    assert bits.count() == 0 and bits.size == len(bits) == 24
    for bad in (-1, 24, True):
        assert code_of(lambda i=bad: bits.set(i)) is Code.RANGE_ERROR


# -- E8: encodings ----------------------------------------------------------------------------


@pytest.mark.parametrize(("name", "encoded"), [
    ("base58 multibase", "z" + "1" * 40),
    ("base64 multibase (m)", "m" + base64.b64encode(gzip.compress(bytes(16_384))).decode()),
    ("no multibase prefix", reference_encode(bytes(16_384))[1:]),
    ("padded base64url", REC_ENCODED + "=="),  # 70 characters: base64 pads them with "=="
    ("standard base64 alphabet", "u" + base64.b64encode(b"\xfb\xff" + bytes(30)).decode()),
    ("zlib, not gzip", "u" + base64.urlsafe_b64encode(zlib.compress(bytes(16_384))).decode()
     .rstrip("=")),
    ("raw bytes, not gzip", "u" + base64.urlsafe_b64encode(bytes(16_384)).decode().rstrip("=")),
    ("truncated gzip", reference_encode(bytes(16_384))[:-8]),
    ("gzip then junk", "u" + base64.urlsafe_b64encode(gzip.compress(bytes(16_384)) + b"junk")
     .decode().rstrip("=")),
    ("two gzip members", "u" + base64.urlsafe_b64encode(gzip.compress(bytes(8192)) * 2)
     .decode().rstrip("=")),
    ("empty", "u"),
    ("not a string", None),
])
def test_e8_bad_encodings_are_refused(name: str, encoded: Any) -> None:
    assert code_of(lambda: decode_bitstring(encoded)) is Code.STATUS_VERIFICATION_ERROR


def test_e8_non_canonical_base64url_is_refused() -> None:
    good = reference_encode(bytes(16_384))
    last = good[-1]
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    # a second spelling of the same bytes: the unused low bits of the last character set
    twin = good[:-1] + alphabet[alphabet.index(last) + 1]
    assert code_of(lambda: decode_bitstring(twin)) is Code.STATUS_VERIFICATION_ERROR


# -- status entries ---------------------------------------------------------------------------


def test_status_entries_parse_from_the_rec_examples() -> None:
    doc = load_json(STATUS_VECTORS / "example-credential-with-revocation-and-suspension-"
                    "entries.json")
    parsed = parse_status_entries(doc)
    assert parsed == (
        StatusEntry("https://example.com/credentials/status/3#94567", "revocation", 94567,
                    "https://example.com/credentials/status/3"),
        StatusEntry("https://example.com/credentials/status/4#23452", "suspension", 23452,
                    "https://example.com/credentials/status/4"),
    )
    assert all(e.unsupported_reason is None for e in parsed)
    single = parse_status_entries(load_json(STATUS_VECTORS / "example-revocable-credential.json"))
    assert [e.index for e in single] == [94567]
    assert parse_status_entries({}) == ()


def test_status_entry_builds_what_the_parser_reads() -> None:
    built = status_entry(LIST_URL, 42, StatusPurpose.SUSPENSION)
    assert built == {"id": f"{LIST_URL}#42", "type": "BitstringStatusListEntry",
                     "statusPurpose": "suspension", "statusListIndex": "42",
                     "statusListCredential": LIST_URL}
    assert parse_status_entries({"credentialStatus": built}) == (
        StatusEntry(f"{LIST_URL}#42", "suspension", 42, LIST_URL),)
    assert code_of(lambda: status_entry(LIST_URL, -1, StatusPurpose.REVOCATION)) is \
        Code.RANGE_ERROR
    assert code_of(lambda: status_entry("not a url", 1, StatusPurpose.REVOCATION)) is \
        Code.MALFORMED_VALUE_ERROR


@pytest.mark.parametrize(("name", "bad"), [
    ("another status type", entry(type="StatusList2021Entry")),
    ("no purpose", entry(statusPurpose=None)),
    ("purpose not a string", entry(statusPurpose=["revocation"])),
    ("list not a URL", entry(statusListCredential="status list 3")),
    ("no list", entry(statusListCredential=None)),
    ("entry id is the list URL", entry(id=LIST_URL)),
    ("entry id not a URL", entry(id="entry 1")),
    ("statusReference not strings", entry(statusReference=[1])),
    ("not an object", "revocation"),
])
def test_malformed_status_entries_are_refused(name: str, bad: Any) -> None:
    doc = {"credentialStatus": [entry(), bad]}
    assert code_of(lambda: parse_status_entries(doc)) is Code.MALFORMED_VALUE_ERROR


def test_credential_status_of_another_shape_is_refused() -> None:
    for bad in ("revocation", 1, True):
        assert code_of(lambda b=bad: parse_status_entries({"credentialStatus": b})) is \
            Code.MALFORMED_VALUE_ERROR


def test_message_and_refresh_purposes_parse_and_are_unsupported() -> None:
    parsed = parse_status_entries({"credentialStatus": [
        entry(statusPurpose="refresh"), entry(statusPurpose="message"),
        entry(statusPurpose="urn:example:custom")]})
    assert [e.status_purpose for e in parsed] == [StatusPurpose.REFRESH,
                                                  StatusPurpose.MESSAGE, None]
    assert all("not supported" in (e.unsupported_reason or "") for e in parsed)


def messages(count: int) -> list[dict[str, str]]:
    return [{"status": f"0x{i:x}", "message": f"state {i}"} for i in range(count)]


def test_e9_status_size_2_with_3_messages_is_refused() -> None:
    doc = {"credentialStatus": entry(statusSize=2, statusMessage=messages(3))}
    with pytest.raises(Error) as caught:
        parse_status_entries(doc)
    assert caught.value.code is Code.MALFORMED_VALUE_ERROR
    assert "needs exactly 4" in str(caught.value)


def test_e9_status_size_2_with_4_messages_parses_and_is_unsupported() -> None:
    (parsed,) = parse_status_entries(
        {"credentialStatus": entry(statusSize=2, statusMessage=messages(4))})
    assert parsed.size == 2
    assert "statusSize 2 is not supported" in (parsed.unsupported_reason or "")


@pytest.mark.parametrize("size", [0, -1, "1", True, 1.0, 2**70])
def test_e9_status_sizes_that_are_not_positive_integers_are_refused(size: Any) -> None:
    doc = {"credentialStatus": entry(statusSize=size, statusMessage=messages(4))}
    assert code_of(lambda: parse_status_entries(doc)) is Code.MALFORMED_VALUE_ERROR


def test_status_size_2_without_messages_is_refused() -> None:
    doc = {"credentialStatus": entry(statusSize=2)}
    assert code_of(lambda: parse_status_entries(doc)) is Code.MALFORMED_VALUE_ERROR


# -- status list credentials ------------------------------------------------------------------


def test_the_built_list_credential_has_the_spec_shape() -> None:
    bits = Bitstring()
    bits.set(94_567)
    doc = build_status_list_credential(
        list_url=LIST_URL, issuer={"id": ISSUER, "name": "示范中心"},
        purpose=StatusPurpose.REVOCATION, bits=bits,
        valid_from=datetime(2026, 11, 25, 17, 0, tzinfo=T.tzinfo),
        valid_until=datetime(2026, 12, 2, 17, 0, 0, 123, tzinfo=T.tzinfo))
    assert doc["@context"] == ["https://www.w3.org/ns/credentials/v2"]
    assert doc["id"] == LIST_URL
    assert doc["type"] == ["VerifiableCredential", "BitstringStatusListCredential"]
    assert doc["validFrom"] == "2026-11-25T17:00:00Z"
    assert doc["validUntil"] == "2026-12-02T17:00:00Z"
    subject = doc["credentialSubject"]
    assert subject["id"] == LIST_URL + "#list"
    assert subject["type"] == "BitstringStatusList"
    assert subject["statusPurpose"] == "revocation"
    parsed = parse_status_list_credential(doc)
    assert parsed.id == LIST_URL and parsed.issuer == ISSUER
    assert parsed.purposes == ("revocation",)
    assert parsed.get(94_567) and not parsed.get(94_566)
    assert parsed.valid_from == datetime(2026, 11, 25, 17, 0, tzinfo=UTC)


def test_the_builder_refuses_what_verifiers_would() -> None:
    def build(**changes: Any) -> Any:
        fields: dict[str, Any] = {
            "list_url": LIST_URL, "issuer": ISSUER, "purpose": StatusPurpose.REVOCATION,
            "bits": Bitstring(), "valid_from": T, "valid_until": T + timedelta(days=1)}
        fields.update(changes)
        return lambda: build_status_list_credential(**fields)

    for bad in (build(list_url="status"), build(issuer="someone"),
                build(valid_until=T), build(valid_from=T.replace(tzinfo=None))):
        assert code_of(bad) is Code.MALFORMED_VALUE_ERROR


@pytest.mark.parametrize(("name", "edit"), [
    ("no list type", lambda d: d.update(type=["VerifiableCredential"])),
    ("type not an array", lambda d: d.update(type="BitstringStatusListCredential")),
    ("no id", lambda d: d.pop("id")),
    ("no issuer", lambda d: d.pop("issuer")),
    ("subject array", lambda d: d.update(credentialSubject=[d["credentialSubject"]])),
    ("subject type", lambda d: d["credentialSubject"].update(type="StatusList2021")),
    ("no purpose", lambda d: d["credentialSubject"].pop("statusPurpose")),
    ("purpose number", lambda d: d["credentialSubject"].update(statusPurpose=[1])),
    ("no encodedList", lambda d: d["credentialSubject"].pop("encodedList")),
    ("bad validUntil", lambda d: d.update(validUntil="next week")),
])
def test_malformed_list_credentials_are_refused(name: str, edit: Any) -> None:
    doc = list_document()
    edit(doc)
    assert code_of(lambda: parse_status_list_credential(doc)) is Code.STATUS_VERIFICATION_ERROR


def test_a_list_for_two_purposes_and_without_dates_parses() -> None:
    doc = list_document()
    doc["credentialSubject"]["statusPurpose"] = ["revocation", "suspension"]
    del doc["validFrom"], doc["validUntil"]
    parsed = parse_status_list_credential(doc)
    assert parsed.purposes == ("revocation", "suspension")
    assert parsed.valid_from is None and parsed.valid_until is None


# -- sources ----------------------------------------------------------------------------------


def write(path: Path, doc: Any) -> None:
    path.write_text(json.dumps(doc), encoding="utf-8")


def test_memory_source_returns_bytes_by_url() -> None:
    source = MemoryStatusSource({LIST_URL: '{"id": 1}', "https://x.example/2": b"{}"})
    assert source.get(LIST_URL) == b'{"id": 1}'
    assert source.get("https://x.example/2") == b"{}"
    assert source.get("https://x.example/3") is None


def test_directory_source_indexes_by_id_and_ignores_unrelated_files(tmp_path: Path) -> None:
    doc = list_document()
    write(tmp_path / "1-revocation.json", doc)
    write(tmp_path / "array.json", [doc])
    write(tmp_path / "no-id.json", {"type": "x"})
    (tmp_path / "broken.json").write_text('{"id": "https://a.example/', encoding="utf-8")
    (tmp_path / "notes.txt").write_text("hello", encoding="utf-8")
    (tmp_path / "huge.json").write_bytes(b" " * (300 * 1024) + b"{}")
    (tmp_path / "sub").mkdir()
    write(tmp_path / "sub" / "other.json", list_document(id="https://a.example/other"))
    os.symlink("/dev/zero", tmp_path / "zero.json")
    os.mkfifo(tmp_path / "fifo.json")
    source = DirectoryStatusSource(tmp_path)
    assert json.loads(source.get(LIST_URL) or b"null") == doc
    assert source.get("https://a.example/other") is None
    assert set(source.skipped) == {"array.json", "no-id.json", "broken.json", "huge.json",
                                   "zero.json", "fifo.json"}


def test_directory_source_prefers_the_newest_copy_of_a_list(tmp_path: Path) -> None:
    older = list_document(validFrom="2026-11-01T00:00:00Z")
    newer = list_document(validFrom="2026-11-02T08:00:00+08:00")  # later as an instant too
    write(tmp_path / "b-old.json", older)
    write(tmp_path / "a-new.json", newer)
    assert json.loads(DirectoryStatusSource(tmp_path).get(LIST_URL) or b"null") == newer


def test_directory_source_of_a_missing_directory_has_no_lists(tmp_path: Path) -> None:
    assert DirectoryStatusSource(tmp_path / "absent").get(LIST_URL) is None


def test_directory_source_refuses_too_many_files(tmp_path: Path) -> None:
    for i in range(4):
        write(tmp_path / f"{i}.json", {})
    source = DirectoryStatusSource(tmp_path, max_files=3)
    assert code_of(lambda: source.get(LIST_URL)) is Code.STATUS_RETRIEVAL_ERROR


def test_cleared_bits_names_each_revocation_a_newer_list_would_undo() -> None:
    assert cleared_bits(b"\x81\x00", b"\x81\x00") == []
    assert cleared_bits(b"\x81\x00", b"\x01\x00") == [0]
    assert cleared_bits(b"\x81\x40", b"\x00\x00") == [0, 7, 9]
    assert cleared_bits(b"\x00\x01", b"\x00") == [15]  # a set bit past the end of new
    assert cleared_bits(b"\x00", b"\x00\x01") == []  # setting bits clears none
