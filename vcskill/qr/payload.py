"""The text a vcskill QR code carries: a whole signed credential, compressed.

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

Drawing the code and reading it from a photo is :mod:`vcskill.qr.image`.
"""

from __future__ import annotations

import json
import re
import zlib
from collections.abc import Mapping
from typing import Any, Final

from vcskill.errors import Code, Error, UsageError
from vcskill.keys.multibase import b64url_decode, b64url_encode
from vcskill.limits import DEFAULT_LIMITS, Limits

__all__ = [
    "DICTIONARY_V1",
    "PREFIX",
    "decode_payload",
    "encode_payload",
    "looks_like_payload",
]

PREFIX: Final = "VCS1:"
"""The payload prefix: format version 1. Upper case and in the QR alphanumeric set."""

_KIND_JSON: Final = 0x01
_KIND_JWT: Final = 0x02
_PAYLOAD_FAMILY: Final = re.compile(r"VCS([0-9]{1,6}):")


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
    from vcskill.linkeddata.jsonparse import parse_json
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
    if len(parts) != 3:
        raise UsageError("the JWT is not three base64url parts separated by dots")
    try:
        header, payload, signature = (b64url_decode(part, what="a JWT part") for part in parts)
    except Error as exc:
        raise UsageError(f"{exc}; it cannot be carried in a QR code byte for byte") from None
    if max(len(header), len(payload)) > 0xFFFF:
        raise UsageError("the JWT is too large for a QR code")
    return (bytes([_KIND_JWT]) + len(header).to_bytes(2, "big") + header
            + len(payload).to_bytes(2, "big") + payload + signature)


def _jwt_token(header: bytes, payload: bytes, signature: bytes) -> str:
    return ".".join(b64url_encode(part) for part in (header, payload, signature))


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
