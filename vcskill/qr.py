"""QR codes that carry a whole signed skill credential, and reading them back from photos.

A payload (ADR 0006) is upper-case text in the QR alphanumeric set, so the code is encoded in
alphanumeric mode (5.5 bits a character)::

    VCS1:<base45( raw DEFLATE( kind byte + body ), preset dictionary DICTIONARY_V1 )>

* ``VCS1:`` names the format version. The version fixes everything after it: the kinds, the
  layout of each body and the preset dictionary. A new dictionary is a new version.
* base45 is RFC 9285 (the EU Digital COVID Certificate's ``HC1:`` alphabet); the decoder
  accepts exactly one spelling of each byte string.
* the kind byte says what the credential is, and the verifier gets it back exactly as issued:

  - ``0x01`` a Data Integrity credential, as its compact JSON serialisation (UTF-8). The
    proofs do not depend on whitespace or member order: ``eddsa-rdfc-2022`` and
    ``ecdsa-rdfc-2019`` sign the canonical RDF dataset, ``eddsa-jcs-2022`` the JCS form.
  - ``0x02`` a vc+jwt compact JWS, as its three decoded parts: a 2-byte big-endian length
    and the protected header, a 2-byte length and the payload, then the signature. Base64url
    re-encoding gives back the very token, which the encoder checks before it commits.

Decoding is bounded before any work is done (design research security.md table F): the
length cap first, then the exact prefix and version, strict base45, and an inflate capped at
``Limits.max_qr_inflated_bytes`` that refuses more output, a truncated stream or trailing
data. There is no nested compression, and a QR code holding anything else (a URL, another
scheme's payload) is refused and never fetched.

Images: :func:`read_qr_image` accepts PNG and JPEG only (by content), refuses oversized
images before decoding them, and reads the code with zxing-cpp, looking again at a
sharpened and then a denoised copy when a poor photo needs it.
"""

from __future__ import annotations

import base64
import io
import json
import re
import warnings
import zlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

from vcskill.errors import Code, Error, UsageError
from vcskill.limits import DEFAULT_LIMITS, Limits

if TYPE_CHECKING:
    from PIL.Image import Image as PilImage

__all__ = [
    "DICTIONARY_V1",
    "MAX_IMAGE_BYTES",
    "MAX_IMAGE_PIXELS",
    "PREFIX",
    "QrImage",
    "QrInfo",
    "credential_from_image",
    "decode_payload",
    "encode_payload",
    "looks_like_image",
    "looks_like_payload",
    "make_qr",
    "read_qr_image",
    "write_qr",
]

PREFIX: Final = "VCS1:"
"""The payload prefix: format version 1. Upper case and in the QR alphanumeric set."""

MAX_IMAGE_BYTES: Final = 32 * 1024 * 1024
"""Largest image file :func:`read_qr_image` reads (a 50 MP JPEG photo is about 20 MB)."""

MAX_IMAGE_PIXELS: Final = 50_000_000
"""Largest image, in pixels, that is decoded at all: 48 and 50 MP phone photos pass; the
header is checked before any pixel is decoded (a PNG header may promise 10^10 pixels)."""

_KIND_JSON: Final = 0x01
_KIND_JWT: Final = 0x02
_ERROR_LEVELS: Final = ("L", "M", "Q", "H")
_IMAGE_SUFFIXES: Final = (".png", ".svg")
_DEFAULT_SCALE: Final = {".png": 8, ".svg": 4}  # pixels (PNG) or user units (SVG) a module
_BORDER: Final = 4  # modules of quiet zone, as ISO/IEC 18004 requires
_JPEG_DRAFT_PIXELS: Final = 25_000_000  # larger JPEGs (48 MP photos) decode at half scale
_PAYLOAD_FAMILY: Final = re.compile(r"VCS([0-9]{1,6}):")
_PNG_MAGIC: Final = b"\x89PNG\r\n\x1a\n"
_JPEG_MAGIC: Final = b"\xff\xd8\xff"

# -- the preset dictionary of version 1 ----------------------------------------------------
#
# DEFLATE starts every payload with an empty window; a preset dictionary (zlib's FDICT, RFC 1950
# §2.2, here with raw DEFLATE so no dictionary id is sent) fills it with text our credentials
# share, so the encoder refers to it instead of spelling it out: the contexts, type and member
# names, the fixed bilingual phrases, the status entries and the proof members. It is the compact
# JSON of a real eddsa-rdfc-2022 skill credential with a status entry pair, its personal and
# random values removed, preceded by the other level names, common issuer name endings and the
# vc+jwt header. The most frequent text comes last (DEFLATE's nearer distances cost fewer bits).
# It shrinks a typical credential's payload from about 1,900 to about 700 characters (ADR 0006).
# NEVER EDIT IT: codes already printed decode only with these exact bytes; a better dictionary
# needs a new prefix (VCS2:) and a new constant, keeping this one for reading.
_V1_LEVELS = (
    '"学徒工","Apprentice"'
    '"五级/初级工","Level 5 / Junior Worker"'
    '"四级/中级工","Level 4 / Intermediate Worker"'
    '"二级/技师","Level 2 / Technician"'
    '"一级/高级技师","Level 1 / Senior Technician"'
    '"特级技师","Principal Technician"'
    '"首席技师","Chief Technician"'
    '"初级","Junior""中级","Intermediate""高级","Senior"'
    '"eight-level""one-plus-x"'
)
_V1_ISSUERS = (
    "职业技能鉴定指导中心职业技能鉴定中心职业技能等级认定中心职业培训学校技工学校技师学院"
    "职业技术学院有限公司有限责任公司集团人力资源和社会保障局"
    '"did:web:","did:key:z6Mk","did:key:zDna"'
)
_V1_JWT = (
    '{"alg": "ES256", "kid": "did:key:zDna'
    '{"alg": "EdDSA", "kid": "did:key:z6Mk'
    '", "typ": "vc+jwt", "cty": "vc"}'
)
_V1_CREDENTIAL = (
    '{"@context":["https://www.w3.org/ns/credentials/v2",'
    '"https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",'
    '"https://w3id.org/vcskill/v1"],"id":"urn:uuid:",'
    '"type":["VerifiableCredential","OpenBadgeCredential","SkillLevelCredential"],'
    '"name":[{"@value":"职业技能等级证书","@language":"zh"},'
    '{"@value":"Vocational Skill Level Certificate","@language":"en"}],'
    '"issuer":{"id":"did:key:z6Mk","type":["Profile"],"name":"","uscc":""},'
    '"validFrom":"2026-01-01T00:00:00+08:00","validUntil":"",'
    '"credentialSubject":{"id":"did:key:z6Mk","type":["AchievementSubject"],"name":"",'
    '"identifier":[{"type":"IdentityObject","identityType":"nationalIdentityNumber",'
    '"hashed":true,"identityHash":"sha256$","salt":""}],'
    '"idNumberMasked":"**********","certificateNumber":"S0000","assessmentId":"",'
    '"achievement":{"id":"urn:vcskill:achievement:2022:","type":["Achievement"],'
    '"achievementType":"ext:VocationalSkillLevelCertificate",'
    '"name":[{"@value":"电工 三级/高级工","@language":"zh"},'
    '{"@value":" Level 3 / Senior Worker","@language":"en"}],'
    '"description":"职业技能等级证书：（，2022年版大典），三级/高级工。",'
    '"criteria":{"narrative":"通过职业技能等级认定考核。Passed the vocational skill level '
    'assessment for this occupation and level."},'
    '"occupation":{"type":"Occupation","occupationCode":"","classificationEdition":"2022",'
    '"name":"","workType":""},'
    '"skillLevel":{"type":"SkillLevel","levelCode":"L","ladder":"five-level","rank":4,'
    '"name":[{"@value":"三级/高级工","@language":"zh"},'
    '{"@value":"Level 3 / Senior Worker","@language":"en"}]},"assessmentStandard":""}},'
    '"credentialStatus":[{"id":"https:///status/1-revocation.json#",'
    '"type":"BitstringStatusListEntry","statusPurpose":"revocation","statusListIndex":"",'
    '"statusListCredential":"https:///status/1-revocation.json"},'
    '{"id":"https:///status/1-suspension.json#","type":"BitstringStatusListEntry",'
    '"statusPurpose":"suspension","statusListIndex":"",'
    '"statusListCredential":"https:///status/1-suspension.json"}],'
    '"proof":{"type":"DataIntegrityProof","cryptosuite":"ecdsa-rdfc-2019",'
    '"cryptosuite":"eddsa-jcs-2022","cryptosuite":"eddsa-rdfc-2022",'
    '"created":"2026-01-01T00:00:00Z","verificationMethod":"did:key:z6Mk",'
    '"proofPurpose":"assertionMethod","proofValue":"z"}}'
)
DICTIONARY_V1: Final[bytes] = (_V1_LEVELS + _V1_ISSUERS + _V1_JWT + _V1_CREDENTIAL).encode()
"""The preset DEFLATE dictionary of ``VCS1:`` (2,952 bytes; its SHA-256 is pinned in the
tests)."""


# -- errors ---------------------------------------------------------------------------------


def _qr_error(message: str) -> Error:
    return Error(message, code=Code.QR_DECODE_ERROR)


def _image_error(message: str) -> Error:
    return Error(message, code=Code.IMAGE_ERROR)


# -- base45 (RFC 9285) ----------------------------------------------------------------------

_B45_ALPHABET: Final = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:"
_B45_VALUE: Final = {c: i for i, c in enumerate(_B45_ALPHABET)}


def _b45encode(data: bytes) -> str:
    """RFC 9285 §4: each 2 bytes as 3 characters, a final odd byte as 2, least significant
    digit first."""
    out: list[str] = []
    for i in range(0, len(data) - 1, 2):
        rest, c = divmod(data[i] * 256 + data[i + 1], 45)
        e, d = divmod(rest, 45)
        out += (_B45_ALPHABET[c], _B45_ALPHABET[d], _B45_ALPHABET[e])
    if len(data) % 2:
        d, c = divmod(data[-1], 45)
        out += (_B45_ALPHABET[c], _B45_ALPHABET[d])
    return "".join(out)


def _b45decode(text: str) -> bytes:
    """Strict RFC 9285 §4.2 decoding: only the 45 characters, no length of 3n+1, no group
    above 65535 (or a final pair above 255), so every byte string has one spelling."""
    values: list[int] = []
    for position, char in enumerate(text):
        value = _B45_VALUE.get(char)
        if value is None:
            raise _qr_error(f"the QR payload is not valid base45: {char!r} at character "
                            f"{position + len(PREFIX) + 1} is not in the base45 alphabet")
        values.append(value)
    if len(values) % 3 == 1:
        raise _qr_error("the QR payload is not valid base45: its length leaves one character "
                        "over (a trailing or a missing character)")
    out = bytearray()
    for i in range(0, len(values) - 2, 3):
        n = values[i] + values[i + 1] * 45 + values[i + 2] * 2025
        if n > 0xFFFF:
            raise _qr_error(f"the QR payload is not valid base45: the group at character "
                            f"{i + len(PREFIX) + 1} stands for {n}, above 65535")
        out += n.to_bytes(2, "big")
    if len(values) % 3 == 2:
        n = values[-2] + values[-1] * 45
        if n > 0xFF:
            raise _qr_error(f"the QR payload is not valid base45: its last two characters "
                            f"stand for {n}, above 255")
        out.append(n)
    return bytes(out)


# -- payloads -------------------------------------------------------------------------------


def looks_like_payload(text: str) -> bool:
    """True if ``text`` starts like a vcskill QR payload of any version (``VCS<n>:``).

    For routing only (``vcskill verify`` given a text file): :func:`decode_payload` still
    decides whether it is a payload it can read.
    """
    return _PAYLOAD_FAMILY.match(text) is not None


def looks_like_image(data: bytes) -> bool:
    """True if ``data`` starts like a PNG or a JPEG file (the formats :func:`read_qr_image`
    reads), judged by content, never by a file name."""
    return data.startswith((_PNG_MAGIC, _JPEG_MAGIC))


def encode_payload(
    credential: bytes | str | Mapping[str, Any], *, limits: Limits = DEFAULT_LIMITS
) -> str:
    """The QR payload text for a signed credential, in any proof format.

    ``credential`` is a Data Integrity credential (a mapping, or its JSON as text or bytes)
    or a vc+jwt compact JWS (text or bytes). The credential is not verified here.

    Raises:
        InputError: text or bytes that are neither a compact JWS nor strict JSON.
        UsageError: JSON that is not an object, a JWS that cannot be carried byte for byte,
            or a payload that would not fit one QR code (or the decoder's limits).
    """
    body = _body(credential, limits)
    if len(body) > limits.max_qr_inflated_bytes:
        raise UsageError(f"the credential is {len(body):,} bytes; a QR payload may hold at "
                         f"most {limits.max_qr_inflated_bytes:,}")
    packer = zlib.compressobj(9, zlib.DEFLATED, -15, 9, zlib.Z_DEFAULT_STRATEGY,
                              zdict=DICTIONARY_V1)
    payload = PREFIX + _b45encode(packer.compress(body) + packer.flush())
    if len(payload) > limits.max_qr_payload_bytes:
        raise UsageError(f"the credential needs a {len(payload):,}-character QR payload; one "
                         f"QR code holds at most {limits.max_qr_payload_bytes:,}")
    return payload


def _body(credential: bytes | str | Mapping[str, Any], limits: Limits) -> bytes:
    """The kind byte and body of ``credential`` (see the module docstring)."""
    from vcskill.jsonparse import parse_json
    from vcskill.proofs.jose import looks_like_jwt

    if isinstance(credential, Mapping):
        document: Any = credential
    else:
        text = credential.decode("utf-8", "replace") if isinstance(credential, bytes) \
            else credential
        if looks_like_jwt(text):
            return _jwt_body(text.strip())
        document = parse_json(credential, limits=limits)
        if not isinstance(document, dict):
            raise UsageError("a credential is a JSON object or a compact JWS (vc+jwt)")
    try:
        compact = json.dumps(document, ensure_ascii=False, separators=(",", ":"),
                             allow_nan=False)
    except (TypeError, ValueError) as exc:
        raise UsageError(f"the credential cannot be written as JSON: {exc}") from None
    return bytes([_KIND_JSON]) + compact.encode("utf-8")


def _jwt_body(token: str) -> bytes:
    parts = token.split(".")
    try:
        header, payload, signature = (base64.urlsafe_b64decode(p + "=" * (-len(p) % 4))
                                      for p in parts)
    except ValueError:
        raise UsageError("the JWT is not three base64url parts separated by dots") from None
    if _jwt_token(header, payload, signature) != token:
        raise UsageError("the JWT is not in canonical base64url (unpadded, zero spare bits); "
                         "it cannot be carried in a QR code byte for byte")
    if max(len(header), len(payload)) > 0xFFFF:
        raise UsageError("the JWT is too large for a QR code")
    return (bytes([_KIND_JWT]) + len(header).to_bytes(2, "big") + header
            + len(payload).to_bytes(2, "big") + payload + signature)


def _jwt_token(header: bytes, payload: bytes, signature: bytes) -> str:
    return ".".join(base64.urlsafe_b64encode(part).rstrip(b"=").decode("ascii")
                    for part in (header, payload, signature))


def decode_payload(text: str, *, limits: Limits = DEFAULT_LIMITS) -> bytes:
    """The credential a QR payload carries, exactly as :meth:`Verifier.check` takes it: the
    compact JSON (UTF-8) of a Data Integrity credential, or the vc+jwt compact JWS (ASCII).

    A trailing line break (a text file's) is ignored; nothing else is. Bounded: the length
    is checked before anything else, and inflating stops at ``limits.max_qr_inflated_bytes``.

    Raises:
        Error: ``QR_DECODE_ERROR``, one sentence saying what is wrong.
    """
    text = text.rstrip("\r\n")
    # F1: the size cap before any other work.
    if len(text) > limits.max_qr_payload_bytes:
        raise _qr_error(f"the QR payload is {len(text):,} characters long; the limit is "
                        f"{limits.max_qr_payload_bytes:,}")
    if not text.startswith(PREFIX):
        raise _qr_error(_not_ours(text))
    packed = _b45decode(text[len(PREFIX):])
    body = _inflate(packed, limits)
    return _credential(body)


def _not_ours(text: str) -> str:
    """Why ``text`` is not a payload we read, in one sentence (F1, F6)."""
    if not text:
        return "the QR code is empty"
    family = _PAYLOAD_FAMILY.match(text)
    if family is not None:
        return (f"the QR code holds a vcskill payload of version {int(family.group(1))}; this "
                f"vcskill reads version 1 ({PREFIX}) only")
    shown = text[:40].encode("ascii", "backslashreplace").decode("ascii")
    shown += "..." if len(text) > 40 else ""
    if re.match(r"[A-Za-z][A-Za-z0-9+.-]*://", text):
        return (f"the QR code holds a link ({shown!r}), not a vcskill credential; links are "
                "never followed")
    return f"the QR code does not hold a vcskill credential: it starts {shown!r}"


def _inflate(packed: bytes, limits: Limits) -> bytes:
    """F2: inflate at most ``max_qr_inflated_bytes``; refuse more, truncation, trailing data."""
    cap = limits.max_qr_inflated_bytes
    inflater = zlib.decompressobj(-15, zdict=DICTIONARY_V1)
    try:
        body = inflater.decompress(packed, cap + 1)
    except zlib.error:
        raise _qr_error("the QR payload is damaged: its compressed data is invalid") from None
    if len(body) > cap:
        raise _qr_error(f"the QR payload would inflate past {cap:,} bytes and was refused")
    if not inflater.eof:
        raise _qr_error("the QR payload is damaged: its compressed data is cut short")
    if inflater.unused_data or inflater.unconsumed_tail:
        raise _qr_error("the QR payload has data after the end of its compressed stream")
    return body


def _credential(body: bytes) -> bytes:
    """The credential of a kind byte and body; never another compressed layer."""
    if not body:
        raise _qr_error("the QR payload is empty")
    kind, rest = body[0], body[1:]
    if kind == _KIND_JSON:
        if not rest.startswith(b"{"):
            raise _qr_error("the QR payload's credential is not a JSON object")
        try:
            rest.decode("utf-8")
        except UnicodeDecodeError:
            raise _qr_error("the QR payload's credential is not UTF-8 text") from None
        return rest
    if kind == _KIND_JWT:
        header, at = _part(rest, 0, "header")
        payload, at = _part(rest, at, "payload")
        return _jwt_token(header, payload, rest[at:]).encode("ascii")
    raise _qr_error(f"the QR payload holds content of unknown kind 0x{kind:02x}")


def _part(data: bytes, at: int, name: str) -> tuple[bytes, int]:
    if len(data) < at + 2:
        raise _qr_error(f"the QR payload's JWT {name} is cut short")
    end = at + 2 + int.from_bytes(data[at:at + 2], "big")
    if end > len(data) or end == at + 2:
        raise _qr_error(f"the QR payload's JWT {name} is cut short or empty")
    return data[at + 2:end], end


# -- making QR codes ------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class QrInfo:
    """What :func:`write_qr` wrote: the QR version (1-40) and error correction level used
    (``"L"``, ``"M"``, ``"Q"`` or ``"H"``), the payload length and the file."""

    version: int
    error: str
    payload_chars: int
    out: Path


@dataclass(frozen=True, slots=True)
class QrImage:
    """A QR code symbol for one payload, in alphanumeric mode, ready to render."""

    payload: str
    version: int
    error: str
    _code: Any = field(repr=False, compare=False)  # segno.QRCode

    @property
    def size(self) -> int:
        """Modules a side, without the quiet zone (17 + 4 x version)."""
        return 17 + 4 * self.version

    @property
    def matrix(self) -> tuple[tuple[bool, ...], ...]:
        """The modules, row by row, True for dark; without the quiet zone."""
        return tuple(tuple(bool(m) for m in row) for row in self._code.matrix)

    def to_png(self, *, scale: int = _DEFAULT_SCALE[".png"]) -> bytes:
        """A black-on-white PNG, ``scale`` pixels a module, with a 4-module quiet zone."""
        return self._render("png", scale)

    def to_svg(self, *, scale: int = _DEFAULT_SCALE[".svg"]) -> bytes:
        """An SVG (one path on a white background), ``scale`` units a module, with a
        4-module quiet zone."""
        return self._render("svg", scale)

    def _render(self, kind: str, scale: int) -> bytes:
        if isinstance(scale, bool) or not isinstance(scale, int) or not 1 <= scale <= 100:
            raise UsageError(f"the QR scale must be a whole number from 1 to 100, not {scale!r}")
        out = io.BytesIO()
        self._code.save(out, kind=kind, scale=scale, border=_BORDER, dark="#000",
                        light="#fff")
        return out.getvalue()

    def save(self, out: Path, *, scale: int | None = None) -> None:
        """Write a PNG or an SVG, chosen by the suffix of ``out``, atomically."""
        from vcskill.fileio import write_bytes_atomic

        suffix = _image_suffix(out)
        scale = _DEFAULT_SCALE[suffix] if scale is None else scale
        data = self.to_png(scale=scale) if suffix == ".png" else self.to_svg(scale=scale)
        write_bytes_atomic(out, data)


def _image_suffix(out: Path) -> str:
    suffix = Path(out).suffix.lower()
    if suffix not in _IMAGE_SUFFIXES:
        raise UsageError(f"cannot write a QR code to {str(out)!r}: name a .png or .svg file")
    return suffix


def make_qr(payload: str, *, error: str = "m") -> QrImage:
    """The smallest QR code (not Micro QR) that holds ``payload`` in alphanumeric mode.

    ``error`` is the least error correction level wanted (``l``, ``m``, ``q`` or ``h``); the
    level is raised for free when the same version has room for a higher one, so
    :attr:`QrImage.error` says what was used.

    Raises:
        UsageError: an unknown level, a payload outside the alphanumeric set, or too long.
    """
    import segno

    level = error.upper() if isinstance(error, str) else ""
    if level not in _ERROR_LEVELS:
        raise UsageError(f"unknown QR error correction level {error!r}: use L, M, Q or H")
    if any(c not in _B45_VALUE for c in payload):
        raise UsageError("a QR payload must be in the QR alphanumeric set (0-9, A-Z, space "
                         "and $%*+-./:); make it with encode_payload()")
    try:
        code = segno.make_qr(payload, error=level, mode="alphanumeric", boost_error=True)
    except segno.DataOverflowError:
        raise UsageError(f"a {len(payload):,}-character payload does not fit a QR code at "
                         f"error correction level {level}") from None
    return QrImage(payload, int(code.version), str(code.error), code)


def write_qr(
    credential: bytes | str | Mapping[str, Any],
    out: Path,
    *,
    error: str = "m",
    scale: int | None = None,
) -> QrInfo:
    """Encode ``credential`` (any proof format) and write its QR code to ``out``: a PNG or
    an SVG by the suffix, ``scale`` pixels (PNG, default 8) or units (SVG, default 4) a
    module, with a 4-module quiet zone.

    Raises:
        UsageError: ``out`` is not a .png or .svg file, or see :func:`make_qr`.
    """
    out = Path(out)
    _image_suffix(out)  # refuse a bad name before any work
    image = make_qr(encode_payload(credential), error=error)
    image.save(out, scale=scale)
    return QrInfo(image.version, image.error, len(image.payload), out)


# -- reading QR codes from images -----------------------------------------------------------


def read_qr_image(data: bytes, *, limits: Limits = DEFAULT_LIMITS) -> str:
    """The vcskill payload text of the QR code in a PNG or JPEG image (a scan or a photo).

    Tolerates rotation, blur, perspective, low contrast and JPEG artefacts: zxing-cpp looks
    in every orientation, at reduced scales and inverted; if that finds nothing it looks
    again at a contrast-stretched, sharpened copy, then at a denoised one. When an image
    holds several codes, the first with the vcskill prefix is taken.

    Raises:
        Error: ``IMAGE_ERROR`` when the file is not a PNG or JPEG, too large, damaged or
            holds no QR code; ``QR_DECODE_ERROR`` when its QR codes hold something else
            (a link is never followed).
    """
    gray = _open_image(data)
    texts: list[str] = []
    for look in _LOOKS:
        texts += _scan(gray, look)
        if any(t.startswith(PREFIX) for t in texts):
            break
    for text in texts:
        if text.startswith(PREFIX):
            if len(text) > limits.max_qr_payload_bytes:
                raise _qr_error(f"the QR payload is {len(text):,} characters long; the "
                                f"limit is {limits.max_qr_payload_bytes:,}")
            return text
    if not texts:
        raise _image_error("no QR code was found in the image; photograph it straight on, "
                           "sharp and filling much of the picture")
    raise _qr_error(_not_ours(texts[0]))


def credential_from_image(data: bytes, *, limits: Limits = DEFAULT_LIMITS) -> bytes:
    """The credential carried by the QR code in a PNG or JPEG image, ready for
    :meth:`Verifier.check`: ``decode_payload(read_qr_image(data))``."""
    return decode_payload(read_qr_image(data, limits=limits), limits=limits)


def _open_image(data: bytes) -> PilImage:
    """Grayscale pixels of a PNG or JPEG, refusing anything else or anything too large
    before its pixels are decoded (security.md F5)."""
    from PIL import Image, UnidentifiedImageError

    if len(data) > MAX_IMAGE_BYTES:
        raise _image_error(f"the image is {len(data):,} bytes; the limit is "
                           f"{MAX_IMAGE_BYTES:,}")
    if not looks_like_image(data):
        raise _image_error("the image is not a PNG or JPEG file")
    with warnings.catch_warnings():
        # Pillow warns, then raises, on its own (larger) limit; either way we refuse.
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            image: PilImage = Image.open(io.BytesIO(data), formats=["PNG", "JPEG"])
            width, height = image.size
            if width * height > MAX_IMAGE_PIXELS:
                raise _image_error(f"the image is {width:,} x {height:,} pixels; the limit "
                                   f"is {MAX_IMAGE_PIXELS:,} pixels (about 50 megapixels)")
            if image.format == "JPEG" and width * height > _JPEG_DRAFT_PIXELS:
                image.draft("L", (width // 2, height // 2))  # DCT scaling: cheap and bounded
            if "A" in image.getbands() or "transparency" in image.info:
                image = image.convert("RGBA")
                backdrop = Image.new("RGBA", image.size, "white")
                image = Image.alpha_composite(backdrop, image)
            return image.convert("L")
        except (Image.DecompressionBombError, Image.DecompressionBombWarning):
            raise _image_error(f"the image declares more than {MAX_IMAGE_PIXELS:,} pixels "
                               "and was refused") from None
        except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError):
            raise _image_error("the image is damaged or not a PNG or JPEG file") from None


# How to look at an image, in turn, until a vcskill code is found (zxing-cpp's local
# binarizer throughout; its global one read nothing the local one missed). Each later look
# reads photos the first misses, measured on the cases of tests/test_qr.py: "sharpened"
# (contrast stretched with 1 % clipped at each end, then an unsharp mask) a Gaussian blur of
# half a module; "denoised" (a 3 x 3 median) the sensor noise of a dim photo.
_LOOKS: Final = ("as-is", "sharpened", "denoised")


def _scan(gray: PilImage, look: str) -> list[str]:
    """The texts of the QR codes zxing-cpp finds in ``gray`` seen as ``look`` says, in its
    order."""
    import zxingcpp
    from PIL import ImageFilter, ImageOps

    if look == "sharpened":
        gray = ImageOps.autocontrast(gray, cutoff=1).filter(
            ImageFilter.UnsharpMask(radius=4, percent=200, threshold=0))
    elif look == "denoised":
        gray = gray.filter(ImageFilter.MedianFilter(3))
    found = zxingcpp.read_barcodes(
        gray, formats=zxingcpp.BarcodeFormats(zxingcpp.BarcodeFormat.QRCode), try_rotate=True,
        try_downscale=True, try_invert=True, text_mode=zxingcpp.TextMode.Plain,
        binarizer=zxingcpp.Binarizer.LocalAverage)
    return [barcode.text for barcode in found if barcode.valid]
