"""Multibase, multicodec varints and Multikey headers, written out by hand.

* base58btc (multibase prefix ``z``) and base64url without padding (prefix ``u``), from the
  Multibase draft (draft-multiformats-multibase);
* unsigned varints (multiformats ``unsigned-varint``: little-endian base-128, minimal form,
  at most 9 bytes);
* Multikey values (Controlled Identifiers 1.0 §2.2.2 "Multikey"): ``z`` + base58btc of the
  multicodec varint header followed by the raw key bytes.

Every failure is a :class:`vcskill.errors.Error` with one sentence naming the problem.
"""

from __future__ import annotations

import base64
import re
from dataclasses import dataclass
from enum import IntEnum

from vcskill.errors import Code, Error

BASE58_ALPHABET = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"
_BASE58_INDEX = {ch: i for i, ch in enumerate(BASE58_ALPHABET)}
_BASE64URL_RE = re.compile(r"[A-Za-z0-9_-]*")

# base58 decoding is quadratic in the input length; proof values and keys are < 200
# characters, so anything far longer is hostile or a mistake.
MAX_BASE58_LENGTH = 8 * 1024


# -- base58btc ---------------------------------------------------------------------------

def b58encode(data: bytes) -> str:
    """Bitcoin base58 of ``data`` (leading zero bytes become ``1``)."""
    zeros = len(data) - len(data.lstrip(b"\x00"))
    number = int.from_bytes(data, "big")
    digits: list[str] = []
    while number:
        number, rem = divmod(number, 58)
        digits.append(BASE58_ALPHABET[rem])
    return "1" * zeros + "".join(reversed(digits))


def b58decode(text: str, *, max_length: int = MAX_BASE58_LENGTH) -> bytes:
    """Decode Bitcoin base58; reject characters outside the alphabet (0, O, I, l, ...)."""
    if not isinstance(text, str):
        raise Error(f"base58 value must be a string, not {type(text).__name__}",
                    code=Code.MALFORMED_VALUE_ERROR)
    if len(text) > max_length:
        raise Error(f"base58 value is too long ({len(text)} characters; at most {max_length})",
                    code=Code.MALFORMED_VALUE_ERROR)
    number = 0
    for position, ch in enumerate(text):
        digit = _BASE58_INDEX.get(ch)
        if digit is None:
            raise Error(
                f"invalid base58btc character {ch!r} at position {position}"
                " (the alphabet has no 0, O, I or l)",
                code=Code.MALFORMED_VALUE_ERROR,
            )
        number = number * 58 + digit
    zeros = len(text) - len(text.lstrip("1"))
    body = number.to_bytes((number.bit_length() + 7) // 8, "big") if number else b""
    return b"\x00" * zeros + body


def encode_base58btc_multibase(data: bytes) -> str:
    """``z`` + base58btc(data)."""
    return "z" + b58encode(data)


def decode_base58btc_multibase(value: str) -> bytes:
    """Decode a ``z``-prefixed base58btc multibase string."""
    if not isinstance(value, str) or not value.startswith("z"):
        raise Error("value is not base58btc multibase: it must start with 'z'",
                    code=Code.MALFORMED_VALUE_ERROR)
    if len(value) == 1:
        raise Error("base58btc multibase value is empty", code=Code.MALFORMED_VALUE_ERROR)
    return b58decode(value[1:])


# -- base64url ---------------------------------------------------------------------------

def b64url_encode(data: bytes) -> str:
    """base64url without padding (RFC 4648 §5, as JOSE uses it)."""
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64url_decode(text: str, *, what: str = "the value") -> bytes:
    """Strict base64url without padding: no ``=``, no ``+``/``/``, no stray bits, so every
    byte string has exactly one spelling. ``what`` names the value in the error.

    Raises:
        Error: ``MALFORMED_VALUE_ERROR``.
    """
    # A length of 4n+1 is not base64url at all (RFC 4648 §5).
    if not isinstance(text, str) or not _BASE64URL_RE.fullmatch(text) or len(text) % 4 == 1:
        raise Error(f"{what} is not base64url without padding", code=Code.MALFORMED_VALUE_ERROR)
    data = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    # The last character can carry bits that decoding throws away (RFC 4648 §3.5): set them
    # and the text changes but not the bytes, so one signature would have two spellings.
    if b64url_encode(data) != text:
        raise Error(f"{what} is not in canonical base64url (RFC 4648 §3.5: its last character "
                    "sets bits that the encoding leaves zero)", code=Code.MALFORMED_VALUE_ERROR)
    return data


def encode_base64url_multibase(data: bytes) -> str:
    """``u`` + base64url-no-pad(data)."""
    return "u" + b64url_encode(data)


def decode_base64url_multibase(value: str) -> bytes:
    """Decode a ``u``-prefixed base64url (no padding) multibase string."""
    if not isinstance(value, str) or not value.startswith("u"):
        raise Error("value is not base64url multibase: it must start with 'u'",
                    code=Code.MALFORMED_VALUE_ERROR)
    return b64url_decode(value[1:])


def decode_multibase(value: str) -> bytes:
    """Decode either supported multibase encoding (``z`` or ``u``)."""
    if isinstance(value, str) and value.startswith("u"):
        return decode_base64url_multibase(value)
    if isinstance(value, str) and value.startswith("z"):
        return decode_base58btc_multibase(value)
    prefix = value[:1] if isinstance(value, str) else ""
    raise Error(f"unsupported multibase prefix {prefix!r}: only 'z' (base58btc) and 'u' "
                "(base64url) are supported", code=Code.MALFORMED_VALUE_ERROR)


# -- unsigned varint ---------------------------------------------------------------------

def encode_varint(number: int) -> bytes:
    """Multiformats unsigned varint of ``number`` (0 <= number < 2**63)."""
    if number < 0 or number >= 1 << 63:
        raise ValueError("varint out of range")
    out = bytearray()
    while True:
        byte = number & 0x7F
        number >>= 7
        if number:
            out.append(byte | 0x80)
        else:
            out.append(byte)
            return bytes(out)


def decode_varint(data: bytes) -> tuple[int, int]:
    """Return ``(value, bytes used)``; reject truncated, over-long and non-minimal forms."""
    value = 0
    for i, byte in enumerate(data[:9]):
        value |= (byte & 0x7F) << (7 * i)
        if not byte & 0x80:
            if byte == 0 and i > 0:
                raise Error("multicodec varint is not in minimal form",
                            code=Code.MALFORMED_VALUE_ERROR)
            return value, i + 1
    raise Error("multicodec varint is truncated or longer than 9 bytes",
                code=Code.MALFORMED_VALUE_ERROR)


# -- Multikey ----------------------------------------------------------------------------

class Multicodec(IntEnum):
    """Multicodec codes of the keys we handle (the multicodec table, "key" tag)."""

    ED25519_PUB = 0xED  # varint 0xed01
    P256_PUB = 0x1200  # varint 0x8024
    P384_PUB = 0x1201  # varint 0x8124
    ED25519_PRIV = 0x1300  # varint 0x8026
    P256_PRIV = 0x1306  # varint 0x8626
    P384_PRIV = 0x1307  # varint 0x8726


# Raw key lengths per CID 1.0 §2.2.2: Ed25519 public 32 bytes; ECDSA public keys in SEC1
# compressed form. An Ed25519 secret is the 32-byte seed; the W3C test-suite keys carry
# seed ‖ public key (64 bytes), which callers check.
KEY_LENGTHS: dict[Multicodec, tuple[int, ...]] = {
    Multicodec.ED25519_PUB: (32,),
    Multicodec.P256_PUB: (33,),
    Multicodec.P384_PUB: (49,),
    Multicodec.ED25519_PRIV: (32, 64),
    Multicodec.P256_PRIV: (32,),
    Multicodec.P384_PRIV: (48,),
}

PUBLIC_CODECS = frozenset({Multicodec.ED25519_PUB, Multicodec.P256_PUB, Multicodec.P384_PUB})
SECRET_CODECS = frozenset({Multicodec.ED25519_PRIV, Multicodec.P256_PRIV, Multicodec.P384_PRIV})

# Names of key codecs, so an error can say what an unsupported key is.
_CODEC_NAMES = {
    0xE7: "secp256k1-pub",
    0xEA: "bls12_381-g1-pub",
    0xEB: "bls12_381-g2-pub",
    0xEC: "x25519-pub",
    0xED: "ed25519-pub",
    0xEE: "bls12_381-g1g2-pub",
    0x1202: "p521-pub",
    0x1203: "ed448-pub",
    0x1204: "x448-pub",
    0x1205: "rsa-pub",
    0x1206: "sm2-pub",
    0x1300: "ed25519-priv",
    0x1301: "secp256k1-priv",
    0x1302: "x25519-priv",
    0x1303: "sm2-priv",
    0x1305: "rsa-priv",
    0x1306: "p256-priv",
    0x1307: "p384-priv",
    0x1308: "p521-priv",
}

SUPPORTED_KEY_TYPES = "Ed25519, P-256 and P-384"


@dataclass(frozen=True, slots=True)
class Multikey:
    """A decoded Multikey: its multicodec and the raw key bytes after the header."""

    codec: Multicodec
    raw: bytes


def codec_name(code: int) -> str:
    return _CODEC_NAMES.get(code, f"multicodec 0x{code:x}")


def encode_multikey(codec: Multicodec, raw: bytes) -> str:
    """``z`` + base58btc(varint(codec) ‖ raw), checking the raw length."""
    if len(raw) not in KEY_LENGTHS[codec]:
        raise Error(f"a {codec_name(codec)} key has {_lengths(codec)} bytes, not {len(raw)}",
                    code=Code.INVALID_VERIFICATION_METHOD)
    return encode_base58btc_multibase(encode_varint(codec) + raw)


def decode_multikey(
    value: str,
    *,
    allowed: frozenset[Multicodec] = PUBLIC_CODECS,
    code: Code = Code.INVALID_VERIFICATION_METHOD,
    what: str = "publicKeyMultibase",
) -> Multikey:
    """Decode a Multikey value whose header is one of ``allowed``; check the key length.

    CID 1.0 §2.2.2: the value MUST be base58btc (``z``); the header names the key type.
    """
    if not isinstance(value, str):
        raise Error(f"{what} must be a string", code=code)
    if not value.startswith("z"):
        raise Error(f"{what} must be base58btc multibase starting with 'z'", code=code)
    try:
        data = decode_base58btc_multibase(value)
        number, used = decode_varint(data)
    except Error as exc:
        raise Error(f"{what} is not a valid Multikey: {exc}", code=code) from exc
    try:
        codec = Multicodec(number)
    except ValueError:
        codec = None
    if codec is None or codec not in allowed:
        if codec in PUBLIC_CODECS and allowed == SECRET_CODECS:
            problem = "is a public key, not a secret key"
        elif codec in SECRET_CODECS and allowed == PUBLIC_CODECS:
            problem = "is a SECRET key, not a public key: never publish it"
        else:
            problem = (f"is a {codec_name(number)} key, which is not supported"
                       f" (supported: {SUPPORTED_KEY_TYPES})")
        raise Error(f"{what} {problem}", code=code)
    raw = data[used:]
    if len(raw) not in KEY_LENGTHS[codec]:
        raise Error(
            f"{what} holds a {codec_name(codec)} key of {len(raw)} bytes;"
            f" it must have {_lengths(codec)}",
            code=code,
        )
    return Multikey(codec, raw)


def _lengths(codec: Multicodec) -> str:
    return " or ".join(str(n) for n in KEY_LENGTHS[codec])
