"""Bitstring Status List v1.0: status entries, status list credentials, and their bitstrings.

Revocation and suspension follow the W3C Recommendation "Bitstring Status List v1.0"
(https://www.w3.org/TR/vc-bitstring-status-list/). A credential carries one
``BitstringStatusListEntry`` per purpose, naming a list credential and an index in it; the list
credential, signed by the same issuer, carries the GZIP-compressed bitstring. Bit ``index`` of
the bitstring is the credential's status: index 0 is the left-most (most significant) bit of
the first byte (§"Bitstring Encoding").

Everything here is pure (no clock, no network, no file system) except
:class:`DirectoryStatusSource`, which reads status list credentials from a local directory
when asked. The verifier's status step (:mod:`vcskill.verifying.verifier`) uses these parsers;
issuers use :func:`status_entry`, :class:`Bitstring` and :func:`build_status_list_credential`.

Hostile input ends in a bounded time and memory with a coded :class:`~vcskill.errors.Error`:
the spec sets no size cap on the expanded bitstring, so :func:`decode_bitstring` stops a
decompression bomb at ``max_bytes`` (``Limits.max_status_list_bytes``, 16 MiB as spruceid/ssi).
"""

from __future__ import annotations

import os
import re
import stat
import zlib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import Any, Final, Protocol

from vcskill.common.files import read_up_to
from vcskill.errors import Code, Error
from vcskill.keys.multibase import b64url_decode, b64url_encode
from vcskill.limits import DEFAULT_LIMITS, Limits
from vcskill.linkeddata.jsonparse import parse_json
from vcskill.model.credential import format_datetime
from vcskill.model.datamodel import is_url, parse_datetime_stamp

__all__ = [
    "DEFAULT_MAX_BITSTRING_BYTES",
    "MIN_ENTRIES",
    "STATUS_LIST_CREDENTIAL_TYPE",
    "STATUS_LIST_ENTRY_TYPE",
    "STATUS_LIST_TYPE",
    "Bitstring",
    "DirectoryStatusSource",
    "MemoryStatusSource",
    "StatusEntry",
    "StatusListCredential",
    "StatusListSource",
    "StatusPurpose",
    "build_status_list_credential",
    "decode_bitstring",
    "encode_bitstring",
    "get_bit",
    "parse_status_entries",
    "parse_status_list_credential",
    "status_entry",
    "status_list_candidates",
]

# §"Validate Algorithm": minimumNumberOfEntries (16 KiB of bits), for herd privacy.
MIN_ENTRIES: Final = 131_072
DEFAULT_MAX_BITSTRING_BYTES: Final = DEFAULT_LIMITS.max_status_list_bytes
STATUS_LIST_ENTRY_TYPE: Final = "BitstringStatusListEntry"
STATUS_LIST_CREDENTIAL_TYPE: Final = "BitstringStatusListCredential"
STATUS_LIST_TYPE: Final = "BitstringStatusList"
_VC2_CONTEXT: Final = "https://www.w3.org/ns/credentials/v2"
_GZIP_MAGIC: Final = b"\x1f\x8b"
# An index is at most 12 decimal digits: far past any list a verifier accepts (16 MiB of bits
# is 134,217,728 entries), and short enough that int() of it is trivially cheap.
_MAX_INDEX_DIGITS: Final = 12
_INDEX_RE: Final = re.compile(r"[0-9]+", re.ASCII)
# statusSize > 1 needs 2**statusSize messages (§"BitstringStatusListEntry"); beyond this no
# credential within our size limits could list them, so we refuse without computing 2**n.
_MAX_STATUS_SIZE: Final = 16


class StatusPurpose(StrEnum):
    """The purposes the spec defines (§"BitstringStatusListEntry", statusPurpose).

    Only ``revocation`` (permanent) and ``suspension`` (reversible) are supported by this
    toolkit; ``refresh`` and ``message`` parse, and the verifier reports them as unsupported.
    Any other string is allowed by the spec and is unsupported too.
    """

    REVOCATION = "revocation"
    SUSPENSION = "suspension"
    REFRESH = "refresh"
    MESSAGE = "message"

    @property
    def supported(self) -> bool:
        return self in (StatusPurpose.REVOCATION, StatusPurpose.SUSPENSION)


def _status_error(message: str) -> Error:
    return Error(message, code=Code.STATUS_VERIFICATION_ERROR)


def _malformed(message: str) -> Error:
    return Error(message, code=Code.MALFORMED_VALUE_ERROR)


# -- the bitstring ----------------------------------------------------------------------------


def encode_bitstring(bits: bytes | bytearray) -> str:
    """GZIP ``bits`` (mtime 0, so the output is reproducible), then multibase base64url
    without padding: ``u`` + base64url (§"Bitstring Generation Algorithm")."""
    compressor = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    compressed = compressor.compress(bytes(bits)) + compressor.flush()
    return "u" + b64url_encode(compressed)


def decode_bitstring(encoded: str, *, max_bytes: int = DEFAULT_MAX_BITSTRING_BYTES) -> bytes:
    """Expand an ``encodedList`` (§"Bitstring Expansion Algorithm"), strictly and boundedly.

    Only multibase ``u`` (base64url, no padding, canonical) and a single complete GZIP member
    with nothing after it are accepted. Decompression stops as soon as the output would pass
    ``max_bytes``, so a bomb costs at most ``max_bytes`` of memory and the time to inflate it.

    Raises:
        Error: ``STATUS_VERIFICATION_ERROR`` naming what is wrong.
    """
    if not isinstance(encoded, str):
        raise _status_error("encodedList must be a string")
    if not encoded.startswith("u"):
        raise _status_error(
            f"encodedList starts with {encoded[:1]!r}: it must be multibase 'u' (base64url "
            "without padding)"
        )
    # GZIP adds ~18 bytes and never expands incompressible data by more than ~0.1%, so a
    # genuine list is never much longer than max_bytes once decoded from base64.
    if len(encoded) - 1 > (max_bytes + max_bytes // 64 + 1024) * 4 // 3:
        raise _status_error(f"encodedList is longer than any list of up to {max_bytes} bytes")
    try:
        compressed = b64url_decode(encoded[1:])
    except Error:
        raise _status_error(
            "encodedList is not base64url without padding after its 'u' prefix (no '=', '+' "
            "or '/', canonical final bits)"
        ) from None
    if not compressed.startswith(_GZIP_MAGIC):
        raise _status_error("encodedList is not GZIP data (bad magic number)")
    decompressor = zlib.decompressobj(wbits=16 + zlib.MAX_WBITS)  # GZIP only, no zlib/raw
    try:
        bits = decompressor.decompress(compressed, max_bytes + 1)
    except zlib.error as exc:
        raise _status_error(f"encodedList is not valid GZIP data: {exc}") from None
    if len(bits) > max_bytes or decompressor.unconsumed_tail:
        raise _status_error(
            f"encodedList expands to more than {max_bytes} bytes; refused (a status list this "
            "large is not accepted: decompression bomb)"
        )
    if not decompressor.eof:
        raise _status_error("encodedList is truncated: the GZIP stream does not end")
    if decompressor.unused_data:
        raise _status_error("encodedList has data after the end of its GZIP stream")
    return bits


def get_bit(bits: bytes | bytearray, index: int) -> bool:
    """Bit ``index`` of ``bits``; index 0 is the most significant bit of byte 0.

    Raises:
        Error: ``RANGE_ERROR`` when ``index`` is outside the bitstring.
    """
    if isinstance(index, bool) or not isinstance(index, int) or not 0 <= index < len(bits) * 8:
        raise Error(f"status list index {index} is outside the list of {len(bits) * 8} entries",
                    code=Code.RANGE_ERROR)
    return bool(bits[index >> 3] & (0x80 >> (index & 7)))


def cleared_bits(old: bytes | bytearray, new: bytes | bytearray) -> list[int]:
    """The indexes of the bits set in ``old`` and clear in ``new``; a set bit past the end
    of a shorter ``new`` counts as cleared. Revocation is permanent (Bitstring Status List
    §2.1): where one revocation list replaces another, callers refuse a new list that
    clears any, or is shorter (its indexes would no longer be the same credentials')."""
    padded = bytes(new[:len(old)]).ljust(len(old), b"\0")
    return [8 * n + bit for n, (o, b) in enumerate(zip(old, padded, strict=True))
            if o & ~b for bit in range(8) if (o & ~b) & (0x80 >> bit)]


class Bitstring:
    """A mutable status bitstring of ``size`` entries (one bit each), all 0 when created."""

    __slots__ = ("_bits", "_size")

    def __init__(self, size: int = MIN_ENTRIES) -> None:
        if isinstance(size, bool) or not isinstance(size, int) or size < 1:
            raise Error(f"a bitstring needs a positive size, not {size!r}",
                        code=Code.RANGE_ERROR)
        self._size = size
        self._bits = bytearray((size + 7) // 8)

    @classmethod
    def from_bytes(cls, data: bytes | bytearray) -> Bitstring:
        if not data:
            raise Error("a bitstring cannot be empty", code=Code.RANGE_ERROR)
        bitstring = cls(len(data) * 8)
        bitstring._bits[:] = data
        return bitstring

    @classmethod
    def from_encoded(cls, encoded: str, *,
                     max_bytes: int = DEFAULT_MAX_BITSTRING_BYTES) -> Bitstring:
        """Expand an ``encodedList`` (see :func:`decode_bitstring`)."""
        return cls.from_bytes(decode_bitstring(encoded, max_bytes=max_bytes))

    @property
    def size(self) -> int:
        return self._size

    def __len__(self) -> int:
        return self._size

    def _check(self, index: int) -> None:
        if isinstance(index, bool) or not isinstance(index, int) or not 0 <= index < self._size:
            raise Error(f"index {index} is outside the bitstring of {self._size} entries",
                        code=Code.RANGE_ERROR)

    def get(self, index: int) -> bool:
        self._check(index)
        return get_bit(self._bits, index)

    def set(self, index: int, value: bool = True) -> None:
        self._check(index)
        mask = 0x80 >> (index & 7)
        if value:
            self._bits[index >> 3] |= mask
        else:
            self._bits[index >> 3] &= ~mask & 0xFF

    def count(self) -> int:
        """How many bits are set."""
        return sum(byte.bit_count() for byte in self._bits)

    def to_bytes(self) -> bytes:
        return bytes(self._bits)

    def encode(self) -> str:
        """The ``encodedList`` of exactly these bits (see :func:`encode_bitstring`)."""
        return encode_bitstring(self._bits)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Bitstring):
            return NotImplemented
        return self._size == other._size and self._bits == other._bits

    __hash__ = None  # type: ignore[assignment]  # mutable

    def __repr__(self) -> str:
        return f"Bitstring(size={self._size}, set={self.count()})"


# -- status entries (in the credential) -------------------------------------------------------


@dataclass(frozen=True, slots=True)
class StatusEntry:
    """One ``BitstringStatusListEntry`` of a credential."""

    id: str | None
    purpose: str  # a StatusPurpose value, or any other string the spec allows
    index: int
    list_url: str
    size: int = 1  # statusSize: bits per entry

    @property
    def status_purpose(self) -> StatusPurpose | None:
        try:
            return StatusPurpose(self.purpose)
        except ValueError:
            return None

    @property
    def unsupported_reason(self) -> str | None:
        """Why this verifier cannot evaluate the entry, or None when it can."""
        purpose = self.status_purpose
        if purpose is None or not purpose.supported:
            return (f"statusPurpose {self.purpose!r} is not supported (only revocation and "
                    "suspension are)")
        if self.size != 1:
            return f"statusSize {self.size} is not supported (only 1 bit per entry is)"
        return None


def status_entry(list_url: str, index: int, purpose: StatusPurpose, *,
                 entry_id: str | None = None) -> dict[str, Any]:
    """A ``BitstringStatusListEntry`` for ``credentialStatus``; its id is
    ``<list_url>#<index>`` unless ``entry_id`` is given (it must not be the list's URL)."""
    if not is_url(list_url):
        raise _malformed(f"the status list URL {list_url!r} is not a URL")
    if isinstance(index, bool) or not isinstance(index, int) or index < 0:
        raise Error(f"a status list index must be an integer >= 0, not {index!r}",
                    code=Code.RANGE_ERROR)
    entry_id = entry_id or f"{list_url}#{index}"
    if entry_id == list_url:
        raise _malformed("a status entry's id must not be the status list's URL")
    return {
        "id": entry_id,
        "type": STATUS_LIST_ENTRY_TYPE,
        "statusPurpose": StatusPurpose(purpose).value,
        "statusListIndex": str(index),
        "statusListCredential": list_url,
    }


def parse_status_entries(credential: Mapping[str, Any]) -> tuple[StatusEntry, ...]:
    """Every status entry of ``credential``, checked strictly against the spec.

    An entry with an unsupported purpose or ``statusSize`` > 1 parses (see
    :attr:`StatusEntry.unsupported_reason`); the caller decides what that means.

    Raises:
        Error: ``MALFORMED_VALUE_ERROR`` naming the first malformed entry.
    """
    status = credential.get("credentialStatus")
    if status is None:
        return ()
    if isinstance(status, Mapping):
        items: list[tuple[str, Any]] = [("credentialStatus", status)]
    elif isinstance(status, list):
        items = [(f"credentialStatus[{i}]", item) for i, item in enumerate(status)]
    else:
        raise _malformed("credentialStatus must be an object or an array of objects")
    return tuple(_parse_entry(item, where) for where, item in items)


def _parse_entry(item: Any, where: str) -> StatusEntry:
    if not isinstance(item, Mapping):
        raise _malformed(f"{where} must be an object")
    types = item.get("type")
    type_list = types if isinstance(types, list) else [types]
    if STATUS_LIST_ENTRY_TYPE not in type_list:
        raise _malformed(f"{where}.type must be {STATUS_LIST_ENTRY_TYPE} (Bitstring Status "
                         f"List v1.0 is the only status mechanism supported), not {types!r}")
    purpose = item.get("statusPurpose")
    if not isinstance(purpose, str) or not purpose:
        raise _malformed(f"{where}.statusPurpose must be a non-empty string")
    raw_index = item.get("statusListIndex")
    if not isinstance(raw_index, str):
        raise _malformed(f"{where}.statusListIndex must be a string of decimal digits, not "
                         f"{type(raw_index).__name__}")
    if not _INDEX_RE.fullmatch(raw_index):
        raise _malformed(f"{where}.statusListIndex {raw_index!r} must be decimal digits 0-9 "
                         "only (no sign, space, exponent, hex or non-ASCII digits)")
    if len(raw_index) > _MAX_INDEX_DIGITS:
        raise _malformed(f"{where}.statusListIndex has {len(raw_index)} digits; at most "
                         f"{_MAX_INDEX_DIGITS} are accepted")
    list_url = item.get("statusListCredential")
    if not isinstance(list_url, str) or not is_url(list_url):
        raise _malformed(f"{where}.statusListCredential must be a URL")
    entry_id = item.get("id")
    if entry_id is not None:
        if not is_url(entry_id):
            raise _malformed(f"{where}.id must be a URL")
        if entry_id == list_url:
            raise _malformed(f"{where}.id must not be the status list's URL (§"
                             "\"BitstringStatusListEntry\")")
    size = item.get("statusSize", 1)
    if isinstance(size, bool) or not isinstance(size, int) or size < 1:
        raise _malformed(f"{where}.statusSize must be an integer >= 1, not {size!r}")
    if size > 1:
        _check_messages(item.get("statusMessage"), size, where)
    reference = item.get("statusReference")
    if reference is not None and not (
        isinstance(reference, str)
        or (isinstance(reference, list) and all(isinstance(r, str) for r in reference))
    ):
        raise _malformed(f"{where}.statusReference must be a URL or an array of URLs")
    return StatusEntry(id=entry_id, purpose=purpose, index=int(raw_index), list_url=list_url,
                       size=size)


def _check_messages(messages: Any, size: int, where: str) -> None:
    """statusSize > 1: statusMessage MUST list one {status, message} per possible value."""
    if size > _MAX_STATUS_SIZE:
        raise _malformed(f"{where}.statusSize {size} is too large (at most {_MAX_STATUS_SIZE})")
    if not isinstance(messages, list):
        raise _malformed(f"{where}.statusSize is {size}, so {where}.statusMessage must list "
                         f"its {2 ** size} status values")
    if len(messages) != 2 ** size:
        raise _malformed(f"{where}.statusMessage has {len(messages)} entries; statusSize "
                         f"{size} needs exactly {2 ** size}")
    for message in messages:
        if not (isinstance(message, Mapping) and isinstance(message.get("status"), str)
                and isinstance(message.get("message"), str)):
            raise _malformed(f"every {where}.statusMessage entry needs status and message "
                             "strings")


# -- status list credentials ------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class StatusListCredential:
    """The facts of a ``BitstringStatusListCredential`` after its shape was checked.

    Whether it is genuine (its proof, its issuer) is the verifier's business.
    """

    id: str
    issuer: str
    purposes: tuple[str, ...]
    bits: bytes
    valid_from: datetime | None = None
    valid_until: datetime | None = None

    @property
    def length(self) -> int:
        """Entries in the list (one bit each)."""
        return len(self.bits) * 8

    def get(self, index: int) -> bool:
        """The status bit of ``index``; raises ``RANGE_ERROR`` outside the list."""
        return get_bit(self.bits, index)


def build_status_list_credential(
    *,
    list_url: str,
    issuer: str | Mapping[str, Any],
    purpose: StatusPurpose,
    bits: Bitstring,
    valid_from: datetime,
    valid_until: datetime,
) -> dict[str, Any]:
    """An unsigned ``BitstringStatusListCredential`` (§"BitstringStatusListCredential"),
    ready for :func:`vcskill.issuing.signing.sign_credential`.

    Only the VC 2.0 context, which defines every term used. A list shorter than
    :data:`MIN_ENTRIES` is padded with 0 bits to that length (the spec's minimum; verifiers
    refuse shorter lists); the indexes of ``bits`` keep their meaning.
    """
    if not is_url(list_url):
        raise _malformed(f"the status list URL {list_url!r} is not a URL")
    issuer_id = issuer.get("id") if isinstance(issuer, Mapping) else issuer
    if not is_url(issuer_id):
        raise _malformed("the status list's issuer must be a URL (or an object with one as id)")
    for name, moment in (("valid_from", valid_from), ("valid_until", valid_until)):
        if not isinstance(moment, datetime) or moment.utcoffset() is None:
            raise _malformed(f"{name} must be a datetime with a time zone")
    if valid_until <= valid_from:
        raise _malformed("a status list's validUntil must be after its validFrom")
    data = bits.to_bytes()
    if len(data) * 8 < MIN_ENTRIES:
        data += bytes(MIN_ENTRIES // 8 - len(data))
    return {
        "@context": [_VC2_CONTEXT],
        "id": list_url,
        "type": ["VerifiableCredential", STATUS_LIST_CREDENTIAL_TYPE],
        "issuer": dict(issuer) if isinstance(issuer, Mapping) else issuer,
        "validFrom": format_datetime(valid_from.astimezone(UTC)),
        "validUntil": format_datetime(valid_until.astimezone(UTC)),
        "credentialSubject": {
            "id": f"{list_url}#list",
            "type": STATUS_LIST_TYPE,
            "statusPurpose": StatusPurpose(purpose).value,
            "encodedList": encode_bitstring(data),
        },
    }


def parse_status_list_credential(
    doc: Mapping[str, Any], *, max_bytes: int = DEFAULT_MAX_BITSTRING_BYTES
) -> StatusListCredential:
    """Check the shape of a status list credential and expand its bitstring.

    Raises:
        Error: ``STATUS_VERIFICATION_ERROR`` when it is not a well-formed status list
            credential (or the bitstring is refused, see :func:`decode_bitstring`);
            ``STATUS_LIST_LENGTH_ERROR`` when it has fewer than :data:`MIN_ENTRIES` entries.
    """
    if not isinstance(doc, Mapping):
        raise _status_error("the status list credential is not a JSON object")
    types = doc.get("type")
    if not (isinstance(types, list) and "VerifiableCredential" in types
            and STATUS_LIST_CREDENTIAL_TYPE in types):
        raise _status_error("the status list credential's type must be an array with "
                            f"VerifiableCredential and {STATUS_LIST_CREDENTIAL_TYPE}")
    list_id = doc.get("id")
    if not isinstance(list_id, str) or not is_url(list_id):
        raise _status_error("the status list credential has no id URL")
    issuer = doc.get("issuer")
    issuer_id = issuer.get("id") if isinstance(issuer, Mapping) else issuer
    if not isinstance(issuer_id, str) or not is_url(issuer_id):
        raise _status_error("the status list credential has no issuer URL")
    subject = doc.get("credentialSubject")
    if not isinstance(subject, Mapping):
        raise _status_error("the status list credential's credentialSubject must be one object")
    if subject.get("type") != STATUS_LIST_TYPE:
        raise _status_error(f"credentialSubject.type must be {STATUS_LIST_TYPE}, not "
                            f"{subject.get('type')!r}")
    raw_purposes = subject.get("statusPurpose")
    listed = raw_purposes if isinstance(raw_purposes, list) else [raw_purposes]
    purposes = [p for p in listed if isinstance(p, str) and p]
    if not purposes or len(purposes) != len(listed):
        raise _status_error("credentialSubject.statusPurpose must be a string or an array of "
                            "strings")
    valid_from = _moment(doc, "validFrom")
    valid_until = _moment(doc, "validUntil")
    encoded = subject.get("encodedList")
    if not isinstance(encoded, str):
        raise _status_error("credentialSubject.encodedList must be a string")
    bits = decode_bitstring(encoded, max_bytes=max_bytes)
    if len(bits) * 8 < MIN_ENTRIES:
        raise Error(f"the status list has {len(bits) * 8} entries; at least {MIN_ENTRIES} are "
                    "required (§\"Validate Algorithm\", minimumNumberOfEntries)",
                    code=Code.STATUS_LIST_LENGTH_ERROR)
    return StatusListCredential(id=list_id, issuer=issuer_id, purposes=tuple(purposes),
                                bits=bits, valid_from=valid_from, valid_until=valid_until)


def _moment(doc: Mapping[str, Any], name: str) -> datetime | None:
    value = doc.get(name)
    if value is None:
        return None
    try:
        return parse_datetime_stamp(value, field=f"the status list's {name}")
    except Error as exc:
        raise _status_error(str(exc)) from None


# -- where status list credentials come from --------------------------------------------------


class StatusListSource(Protocol):
    """Status list credentials the verifier may use, by URL. Never fetched over the network
    while verifying: a source answers from what it already holds.

    A source that can hold several copies for one URL (a folder the holder or anyone else
    may have written into) should also offer ``candidates(url)``: every copy, so that the
    verifier can choose the newest *genuine* one. With ``get`` alone, an unsigned file
    could stand in front of the issuer's real list.
    """

    def get(self, url: str) -> bytes | None:
        """The list credential whose id is ``url`` (JSON or vc+jwt bytes), or None."""
        ...


def status_list_candidates(source: StatusListSource, url: str) -> tuple[bytes, ...]:
    """Every copy ``source`` holds for ``url``: its ``candidates(url)`` when it has that
    method, else the one copy ``get(url)`` returns."""
    many = getattr(source, "candidates", None)
    if callable(many):
        return tuple(many(url))
    one = source.get(url)
    return (one,) if one is not None else ()


class MemoryStatusSource:
    """Status list credentials held in memory: ``{list URL: bytes or text}``."""

    def __init__(self, lists: Mapping[str, bytes | str]) -> None:
        self._lists = {url: data.encode("utf-8") if isinstance(data, str) else bytes(data)
                       for url, data in lists.items()}

    def get(self, url: str) -> bytes | None:
        return self._lists.get(url)

    def __repr__(self) -> str:
        return f"MemoryStatusSource({len(self._lists)} lists)"


class DirectoryStatusSource:
    """Every ``*.json`` file of one directory (not its subdirectories), indexed by the
    credential ``id`` inside it: ``verify --status-dir DIR`` and a sync cache's ``status/``.

    The directory is read on the first lookup and not again. Files that are not a JSON
    object with a string ``id``, not regular files, or larger than ``limits.
    max_credential_bytes`` are skipped (see :attr:`skipped`); more than ``max_files`` JSON
    files is refused. Several files may claim one id: :meth:`candidates` returns them all,
    the one claiming the latest ``validFrom`` first, and the verifier uses the newest one
    whose signature it verifies. Nothing read here is trusted: an unsigned file with a
    later date never hides a genuine list.
    """

    def __init__(self, directory: Path, *, limits: Limits = DEFAULT_LIMITS,
                 max_files: int = 1_000) -> None:
        self.directory = Path(directory)
        self.limits = limits
        self.max_files = max_files
        self._index: dict[str, list[tuple[str, bytes]]] | None = None
        self.skipped: tuple[str, ...] = ()

    def __repr__(self) -> str:
        return f"DirectoryStatusSource({str(self.directory)!r})"

    def get(self, url: str) -> bytes | None:
        """The copy for ``url`` that claims the latest ``validFrom`` (not checked here)."""
        found = self.candidates(url)
        return found[0] if found else None

    def candidates(self, url: str) -> tuple[bytes, ...]:
        """Every file claiming the id ``url``, the latest claimed ``validFrom`` first."""
        if self._index is None:
            self._index = self._scan()
        return tuple(data for _valid_from, data in self._index.get(url, ()))

    def _scan(self) -> dict[str, list[tuple[str, bytes]]]:
        index: dict[str, list[tuple[str, bytes]]] = {}
        skipped: list[str] = []
        try:
            names = sorted(entry.name for entry in os.scandir(self.directory)
                           if entry.name.endswith(".json"))
        except FileNotFoundError:
            return index
        except OSError as exc:
            raise Error(f"cannot read the status list directory {self.directory}: {exc}",
                        code=Code.STATUS_RETRIEVAL_ERROR) from None
        if len(names) > self.max_files:
            raise Error(f"the status list directory {self.directory} has {len(names)} JSON "
                        f"files; at most {self.max_files} are read",
                        code=Code.STATUS_RETRIEVAL_ERROR)
        for name in names:
            found = self._read(self.directory / name)
            if found is None:
                skipped.append(name)
                continue
            list_id, valid_from, data = found
            index.setdefault(list_id, []).append((valid_from, data))
        for copies in index.values():
            copies.sort(key=lambda copy: copy[0], reverse=True)  # stable: by name on ties
        self.skipped = tuple(skipped)
        return index

    def _read(self, path: Path) -> tuple[str, str, bytes] | None:
        try:
            info = path.stat()  # follows symlinks: a link to /dev/zero is not a regular file
            if not stat.S_ISREG(info.st_mode) or info.st_size > self.limits.max_credential_bytes:
                return None
            data = read_up_to(path, self.limits.max_credential_bytes)
        except OSError:
            return None
        if len(data) > self.limits.max_credential_bytes:
            return None
        try:
            doc = parse_json(data, limits=self.limits, what="status list credential")
        except Error:
            return None
        if not isinstance(doc, dict) or not isinstance(doc.get("id"), str):
            return None
        valid_from = doc.get("validFrom")
        if isinstance(valid_from, str):
            try:  # compare as instants, not as text
                valid_from = parse_datetime_stamp(valid_from).isoformat()
            except Error:
                valid_from = ""
        return doc["id"], valid_from if isinstance(valid_from, str) else "", data
