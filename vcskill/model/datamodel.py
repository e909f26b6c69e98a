"""The VC Data Model 2.0 rules that can be checked on the JSON itself.

These are the structural MUSTs of the W3C Recommendation (VCDM 2.0, 15 May 2025) that the
official ``vc-data-model-2.0-test-suite`` exercises: where ``@context``, ``type``, ``issuer``,
``credentialSubject`` and the other properties must appear and what shape their values take.
What a term *means* (undefined terms and types, protected-term redefinition, ``@vocab: null``,
a term mapped to something that is not a URL) needs JSON-LD processing and is checked by
:mod:`vcskill.linkeddata.jsonld`; whether a proof verifies is checked by the proof modules.

Every failure raises :class:`~vcskill.errors.DataModelError` with code
``MALFORMED_VALUE_ERROR`` (or ``RANGE_ERROR`` when ``validUntil`` precedes ``validFrom``) and a
one-sentence message naming the property, the rule and the section of the specification.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
import unicodedata
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta, timezone
from typing import Any
from urllib.parse import urlsplit

from vcskill.errors import Code, DataModelError

__all__ = [
    "BASE_CONTEXT",
    "is_url",
    "parse_datetime_stamp",
    "validate_credential",
    "validate_presentation",
]

BASE_CONTEXT = "https://www.w3.org/ns/credentials/v2"
"""The base context that must come first in every ``@context`` (VCDM 2.0 §4.3)."""

_V1_CONTEXT = "https://www.w3.org/2018/credentials/v1"
_VC_TYPES = frozenset(
    {"VerifiableCredential", "https://www.w3.org/2018/credentials#VerifiableCredential"}
)
_VP_TYPES = frozenset(
    {"VerifiablePresentation", "https://www.w3.org/2018/credentials#VerifiablePresentation"}
)
_ENVELOPED_VC = "EnvelopedVerifiableCredential"
_SPEC = "VC Data Model 2.0"

# --- URLs (VCDM 2.0 §4.4: "a single URL") ---------------------------------------------------

# An absolute IRI (RFC 3987): a scheme, a colon and at least one character drawn from the
# unreserved, reserved and percent-encoded ASCII sets or non-ASCII ucschar/iprivate.
_ABSOLUTE_IRI = re.compile(
    r"[A-Za-z][A-Za-z0-9+.\-]*:"
    r"(?:[A-Za-z0-9\-._~:/?#\[\]@!$&'()*+,;=]|%[0-9A-Fa-f]{2}"
    r"|[\u00a0-\ud7ff\ue000-\ufdcf\ufdf0-\uffef\U00010000-\U0010fffd])+"
)
_WHITESPACE = re.compile(r"\s")
# DID 1.0 §3.1 (did-syntax) and §3.2 (DID URL): method name, then a method-specific id that
# ends with an idchar, then an optional path, query or fragment.
_DID_URL = re.compile(
    r"did:[a-z0-9]+:(?:(?:[A-Za-z0-9._\-]|%[0-9A-Fa-f]{2})*:)*"
    r"(?:[A-Za-z0-9._\-]|%[0-9A-Fa-f]{2})+(?:[/?#].*)?",
    re.DOTALL,
)
_HIERARCHICAL_SCHEMES = frozenset({"http", "https", "ws", "wss", "ftp"})


def is_url(value: object) -> bool:
    """Whether ``value`` is a string holding one absolute URL (or IRI) with no whitespace.

    DIDs and ``urn:`` names count (VCDM 2.0 §4.4 lists both); ``http(s)`` URLs need a host.
    """
    if not isinstance(value, str) or not _ABSOLUTE_IRI.fullmatch(value):
        return False
    if _WHITESPACE.search(value):  # NBSP and ideographic spaces are in ucschar
        return False
    if not value.isascii() and any(unicodedata.category(c) == "Cf" for c in value):
        return False  # invisible format characters, bidi overrides among them (RFC 3987 §4.1)
    scheme = value.split(":", 1)[0].lower()
    if scheme == "did":
        return _DID_URL.fullmatch(value) is not None
    if scheme in _HIERARCHICAL_SCHEMES:
        try:
            parts = urlsplit(value)
            _ = parts.port  # raises ValueError for a port that is not a number
        except ValueError:
            return False
        return value[len(scheme) + 1 :].startswith("//") and bool(parts.hostname)
    return True


# --- Date and time (VCDM 2.0 §4.9 and §5.8) ----------------------------------------------------

# The XML Schema 1.1 dateTimeStamp expression that VCDM 2.0 §5.8 "Representing Time" reproduces
# (whitespace removed), with groups added so the parts can be read back.
_DATE_TIME_STAMP = re.compile(
    r"(-?(?:[1-9][0-9]{3,}|0[0-9]{3}))-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])"
    r"T(?:([01][0-9]|2[0-3]):([0-5][0-9]):([0-5][0-9])(?:\.([0-9]+))?|(24:00:00(?:\.0+)?))"
    r"(Z|[+-](?:(?:0[0-9]|1[0-3]):[0-5][0-9]|14:00))",
    re.ASCII,
)
# The same shape without a time zone: only used to explain the most common mistake.
_DATE_TIME_NO_ZONE = re.compile(
    r"-?[0-9]{4,}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(?:\.[0-9]+)?", re.ASCII
)


def parse_datetime_stamp(value: str, *, field: str = "The date-time value") -> datetime:
    """Parse an XML Schema ``dateTimeStamp`` (time zone required) into an aware UTC datetime.

    Fractional seconds beyond microseconds are truncated; ``24:00:00`` is the next midnight.
    ``field`` names the value in error messages (for example ``"credential.validFrom"``).

    Raises:
        DataModelError: ``MALFORMED_VALUE_ERROR`` if ``value`` is not a dateTimeStamp or not a
            real calendar date; ``RANGE_ERROR`` if it lies outside years 1 to 9999 (UTC).
    """
    if not isinstance(value, str):
        raise DataModelError(
            f"{field} must be a dateTimeStamp string, not {_describe(value)} ({_SPEC} §4.9)."
        )
    match = _DATE_TIME_STAMP.fullmatch(value)
    if match is None:
        if _DATE_TIME_NO_ZONE.fullmatch(value):
            raise DataModelError(
                f"{field} has no time zone; a dateTimeStamp needs Z or an offset such as "
                f"+08:00, as in {value}Z ({_SPEC} §4.9, §5.8)."
            )
        raise DataModelError(
            f"{field} must be an XML Schema dateTimeStamp with a time zone, such as "
            f"2024-05-01T08:00:00Z, not {_describe(value)} ({_SPEC} §4.9, §5.8)."
        )
    year_text, month, day, hour, minute, second, fraction, midnight, zone = match.groups()
    year = int(year_text)
    if not 1 <= year <= 9999:
        raise DataModelError(
            f"{field} has the year {year_text}, outside the years 0001 to 9999 "
            f"that can be compared ({_SPEC} §4.9).",
            code=Code.RANGE_ERROR,
        )
    if zone == "Z":
        tz = UTC
    else:
        sign = -1 if zone[0] == "-" else 1
        tz = timezone(sign * timedelta(hours=int(zone[1:3]), minutes=int(zone[4:6])))
    try:
        if midnight:
            moment = datetime(year, int(month), int(day), tzinfo=tz) + timedelta(days=1)
        else:
            micros = int((fraction or "0")[:6].ljust(6, "0"))
            moment = datetime(
                year, int(month), int(day), int(hour), int(minute), int(second), micros, tz
            )
    except ValueError:
        raise DataModelError(
            f"{field} names a day that does not exist ({_describe(value)}) ({_SPEC} §4.9)."
        ) from None
    except OverflowError:
        raise DataModelError(
            f"{field} lies outside the years 0001 to 9999 ({_SPEC} §4.9).",
            code=Code.RANGE_ERROR,
        ) from None
    try:
        return moment.astimezone(UTC)
    except OverflowError:
        raise DataModelError(
            f"{field} lies outside the years 0001 to 9999 once converted to UTC ({_SPEC} §4.9).",
            code=Code.RANGE_ERROR,
        ) from None


# --- Credentials -------------------------------------------------------------------------------


def validate_credential(doc: Mapping[str, Any]) -> None:
    """Check a verifiable credential against the VCDM 2.0 rules that need no JSON-LD.

    Raises:
        DataModelError: naming the first property that breaks a rule.
    """
    _validate_credential(doc, "credential")


def _validate_credential(doc: object, path: str) -> None:
    if not isinstance(doc, Mapping):
        raise DataModelError(f"{path} must be a JSON object, not {_describe(doc)}.")
    _check_context(doc, path)
    _check_optional_id(doc, path)
    types = _check_type(doc, path, "§4.5")
    if not _VC_TYPES & set(types):
        raise DataModelError(
            f"{path}.type must include VerifiableCredential; it has {_show_list(types)} "
            f"({_SPEC} §4.5)."
        )
    _check_issuer(doc, path)
    _check_subjects(doc, path)
    _check_validity(doc, path)
    for name in ("name", "description"):
        _check_language_property(doc, path, name)
    # Objects that MUST state their type (§4.5 table), with the section defining each.
    for prop, section in (
        ("credentialStatus", "§4.10"),
        ("credentialSchema", "§4.11"),
        ("refreshService", "§5.4"),
        ("termsOfUse", "§5.5"),
        ("evidence", "§5.6"),
    ):
        for entry_path, entry in _objects(doc, prop, path, section):
            _check_type(entry, entry_path, section)
            if prop == "credentialSchema":  # §4.11: "an id property that MUST be a URL"
                _check_required_url(entry, entry_path, "id", section)
            else:
                _check_optional_id(entry, entry_path, section)
    _check_related_resources(doc, path)
    _check_proofs(doc, path)


def _check_context(doc: Mapping[str, Any], path: str, *, allow_string: bool = False) -> None:
    """§4.3: an ordered set whose first item is the base context; then URLs or objects."""
    where = f"{path}.@context"
    rule = f"an array whose first item is {BASE_CONTEXT} ({_SPEC} §4.3)"
    if "@context" not in doc:
        raise DataModelError(f"{path} has no @context; it must have {rule}.")
    context = doc["@context"]
    if allow_string and context == BASE_CONTEXT:
        return
    if not isinstance(context, list):
        raise DataModelError(f"{where} must be {rule}, not {_describe(context)}.")
    if not context:
        raise DataModelError(f"{where} is empty; it must be {rule}.")
    if context[0] != BASE_CONTEXT:
        if BASE_CONTEXT in context:
            raise DataModelError(f"{where} must list {BASE_CONTEXT} first ({_SPEC} §4.3).")
        if context[0] == _V1_CONTEXT:
            raise DataModelError(
                f"{where} starts with the VC Data Model 1.1 context; only version 2.0 "
                f"credentials are supported, which start with {BASE_CONTEXT} ({_SPEC} §4.3)."
            )
        raise DataModelError(f"{where} must start with {BASE_CONTEXT} ({_SPEC} §4.3).")
    for index, item in enumerate(context[1:], start=1):
        if isinstance(item, Mapping) or is_url(item):
            continue
        raise DataModelError(
            f"{where}[{index}] must be a URL or a context object, not {_describe(item)} "
            f"({_SPEC} §4.3)."
        )


def _check_optional_id(doc: Mapping[str, Any], path: str, section: str = "§4.4") -> None:
    """§4.4: ``id`` is optional, but if present it is a single URL."""
    if "id" in doc:
        _check_url(doc["id"], f"{path}.id", section)


def _check_required_url(doc: Mapping[str, Any], path: str, prop: str, section: str) -> None:
    if prop not in doc:
        raise DataModelError(f"{path} has no {prop}; it must have one, a URL ({_SPEC} {section}).")
    _check_url(doc[prop], f"{path}.{prop}", section)


def _check_url(value: object, where: str, section: str) -> None:
    if is_url(value):
        return
    if isinstance(value, list):
        raise DataModelError(f"{where} must be a single URL, not an array ({_SPEC} {section}).")
    raise DataModelError(f"{where} must be a URL, not {_describe(value)} ({_SPEC} {section}).")


def _check_type(doc: Mapping[str, Any], path: str, section: str) -> list[str]:
    """§4.5: ``type`` is present and holds one or more strings (terms or absolute URLs)."""
    if "type" not in doc:
        sections = section if section == "§4.5" else f"{section}, §4.5"
        raise DataModelError(f"{path} has no type; it must state one ({_SPEC} {sections}).")
    value = doc["type"]
    values = value if isinstance(value, list) else [value]
    if not values:
        raise DataModelError(f"{path}.type is an empty array; it must name a type ({_SPEC} §4.5).")
    for item in values:
        if not isinstance(item, str) or not item:
            raise DataModelError(
                f"{path}.type must be a string or an array of strings, and holds "
                f"{_describe(item)} ({_SPEC} §4.5)."
            )
    return values


def _check_issuer(doc: Mapping[str, Any], path: str) -> None:
    """§4.7: a URL, or an object whose ``id`` is a URL (names checked as in §4.6)."""
    where = f"{path}.issuer"
    if "issuer" not in doc:
        raise DataModelError(
            f"{path} has no issuer; every credential must have one ({_SPEC} §4.7)."
        )
    issuer = doc["issuer"]
    if isinstance(issuer, Mapping):
        if "id" not in issuer:
            raise DataModelError(
                f"{where} is an object without an id; its id must be a URL ({_SPEC} §4.7)."
            )
        _check_url(issuer["id"], f"{where}.id", "§4.7")
        for name in ("name", "description"):
            _check_language_property(issuer, where, name)
        return
    if not is_url(issuer):
        raise DataModelError(
            f"{where} must be a URL or an object whose id is a URL, not {_describe(issuer)} "
            f"({_SPEC} §4.7)."
        )


def _check_subjects(doc: Mapping[str, Any], path: str) -> None:
    """§4.8: one or more objects, each with at least one claim; ``id`` a single URL (§4.4)."""
    if "credentialSubject" not in doc:
        raise DataModelError(
            f"{path} has no credentialSubject; every credential must have one ({_SPEC} §4.8)."
        )
    for subject_path, subject in _objects(doc, "credentialSubject", path, "§4.8"):
        if not subject:
            raise DataModelError(
                f"{subject_path} is an empty object; each subject must carry at least one "
                f"claim ({_SPEC} §4.8)."
            )
        _check_optional_id(subject, subject_path)


def _check_validity(doc: Mapping[str, Any], path: str) -> None:
    """§4.9: dateTimeStamp values, and validFrom not after validUntil."""
    moments: dict[str, datetime] = {}
    for prop in ("validFrom", "validUntil"):
        if prop in doc:
            moments[prop] = parse_datetime_stamp(doc[prop], field=f"{path}.{prop}")
    if len(moments) == 2 and moments["validUntil"] < moments["validFrom"]:
        raise DataModelError(
            f"{path}.validUntil ({doc['validUntil']}) is earlier than validFrom "
            f"({doc['validFrom']}); it must be the same or later ({_SPEC} §4.9).",
            code=Code.RANGE_ERROR,
        )


def _check_language_property(doc: Mapping[str, Any], path: str, prop: str) -> None:
    """§4.6 and §11.1: a string, a language value object, or an array of these."""
    if prop not in doc:
        return
    value = doc[prop]
    where = f"{path}.{prop}"
    items = value if isinstance(value, list) else [value]
    if not items:
        raise DataModelError(f"{where} is an empty array ({_SPEC} §4.6).")
    for index, item in enumerate(items):
        item_where = f"{where}[{index}]" if isinstance(value, list) else where
        if isinstance(item, str):
            continue
        if not isinstance(item, Mapping):
            raise DataModelError(
                f"{item_where} must be a string or a language value object, not "
                f"{_describe(item)} ({_SPEC} §4.6)."
            )
        extra = sorted(set(item) - {"@value", "@language", "@direction"})
        if extra:
            raise DataModelError(
                f"{item_where} is a language value object with the extra key "
                f"{_show_list(extra)}; only @value, @language and @direction are allowed "
                f"({_SPEC} §11.1)."
            )
        if not isinstance(item.get("@value"), str):
            raise DataModelError(
                f"{item_where} is a language value object whose @value must be a string "
                f"({_SPEC} §11.1)."
            )
        if "@language" in item and not isinstance(item["@language"], str):
            raise DataModelError(
                f"{item_where}.@language must be a language tag string such as zh-CN "
                f"({_SPEC} §11.1)."
            )
        if "@direction" in item and item["@direction"] not in ("ltr", "rtl"):
            raise DataModelError(
                f'{item_where}.@direction must be "ltr" or "rtl", not '
                f"{_describe(item['@direction'])} ({_SPEC} §11.1)."
            )


# --- Related resources (VCDM 2.0 §5.3) --------------------------------------------------------

_SRI_DIGEST_BYTES = {"sha256": 32, "sha384": 48, "sha512": 64}
# SRI §3.5 hash-expression: hash-algo "-" base64-value, with an optional "?" option list.
_SRI_EXPRESSION = re.compile(r"(sha256|sha384|sha512)-([A-Za-z0-9+/]+={0,2})(?:\?[!-~]*)?")
_MULTIBASE = {
    "z": re.compile(r"[1-9A-HJ-NP-Za-km-z]+"),  # base58btc
    "u": re.compile(r"[A-Za-z0-9_\-]+"),  # base64url
    "U": re.compile(r"[A-Za-z0-9_\-]+={0,2}"),  # base64urlpad
    "m": re.compile(r"[A-Za-z0-9+/]+"),  # base64
    "M": re.compile(r"[A-Za-z0-9+/]+={0,2}"),  # base64pad
    "f": re.compile(r"(?:[0-9a-f]{2})+"),  # base16
    "F": re.compile(r"(?:[0-9A-F]{2})+"),  # base16upper
    "b": re.compile(r"[a-z2-7]+"),  # base32
    "B": re.compile(r"[A-Z2-7]+"),  # base32upper
}
_MEDIA_TYPE = re.compile(r"[A-Za-z0-9][A-Za-z0-9!#$&^_.+\-]*/[A-Za-z0-9][A-Za-z0-9!#$&^_.+\-]*")


def _check_related_resources(doc: Mapping[str, Any], path: str) -> None:
    """§5.3: objects with a unique URL ``id`` and at least one well-formed digest.

    Only the form of a digest is checked here; comparing it with the resource needs the
    resource, which whoever dereferences the ``id`` has to fetch (or hold, for contexts).
    """
    seen: dict[str, str] = {}
    for entry_path, entry in _objects(doc, "relatedResource", path, "§5.3"):
        _check_required_url(entry, entry_path, "id", "§5.3")
        resource_id = entry["id"]
        if resource_id in seen:
            raise DataModelError(
                f"{entry_path}.id repeats the id of {seen[resource_id]}; each related "
                f"resource must have a unique id ({_SPEC} §5.3)."
            )
        seen[resource_id] = entry_path
        if "digestSRI" not in entry and "digestMultibase" not in entry:
            raise DataModelError(
                f"{entry_path} has neither digestSRI nor digestMultibase; it needs at least "
                f"one ({_SPEC} §5.3)."
            )
        if "digestSRI" in entry:
            for item_path, item in _strings(entry["digestSRI"], f"{entry_path}.digestSRI"):
                if not _is_sri(item):
                    raise DataModelError(
                        f"{item_path} must be an SRI hash expression such as "
                        f"sha384-<base64 digest>, not {_describe(item)} ({_SPEC} §5.3)."
                    )
        if "digestMultibase" in entry:
            for item_path, item in _strings(
                entry["digestMultibase"], f"{entry_path}.digestMultibase"
            ):
                pattern = _MULTIBASE.get(item[:1])
                if pattern is None or not pattern.fullmatch(item[1:]):
                    raise DataModelError(
                        f"{item_path} must be a multibase-encoded digest, such as one starting "
                        f"with u (base64url) or z (base58btc), not {_describe(item)} "
                        f"({_SPEC} §5.3)."
                    )
        media_type = entry.get("mediaType")
        if "mediaType" in entry and not (
            isinstance(media_type, str) and _MEDIA_TYPE.fullmatch(media_type)
        ):
            raise DataModelError(
                f"{entry_path}.mediaType must be a media type such as application/ld+json, "
                f"not {_describe(media_type)} ({_SPEC} §5.3)."
            )


def _is_sri(value: str) -> bool:
    """An SRI ``integrity`` value: hash expressions separated by whitespace (SRI §3.5)."""
    expressions = value.split()
    if not expressions:
        return False
    for expression in expressions:
        match = _SRI_EXPRESSION.fullmatch(expression)
        if match is None:
            return False
        try:
            digest = base64.b64decode(match.group(2), validate=True)
        except (binascii.Error, ValueError):
            return False
        if len(digest) != _SRI_DIGEST_BYTES[match.group(1)]:
            return False
    return True


def _strings(value: object, where: str) -> list[tuple[str, str]]:
    """A string or a non-empty array of strings, each with its path."""
    items = value if isinstance(value, list) else [value]
    if not items:
        raise DataModelError(f"{where} is an empty array ({_SPEC} §5.3).")
    result: list[tuple[str, str]] = []
    for index, item in enumerate(items):
        item_where = f"{where}[{index}]" if isinstance(value, list) else where
        if not isinstance(item, str):
            raise DataModelError(f"{item_where} must be a string, not {_describe(item)}.")
        result.append((item_where, item))
    return result


# --- Proofs (VCDM 2.0 §4.12; VC Data Integrity 1.0 §2.1) --------------------------------------


def _check_proofs(doc: Mapping[str, Any], path: str) -> None:
    """An embedded ``proof`` is an object or an array of objects, each with a string type."""
    for proof_path, proof in _objects(doc, "proof", path, "§4.12"):
        if "type" not in proof:
            raise DataModelError(
                f"{proof_path} has no type; every proof must state one, such as "
                f"DataIntegrityProof (VC Data Integrity 1.0 §2.1)."
            )
        proof_type = proof["type"]
        if not isinstance(proof_type, str) or not proof_type:
            raise DataModelError(
                f"{proof_path}.type must be a string such as DataIntegrityProof, not "
                f"{_describe(proof_type)} (VC Data Integrity 1.0 §2.1)."
            )


# --- Presentations (VCDM 2.0 §4.13) -----------------------------------------------------------


def validate_presentation(doc: Mapping[str, Any]) -> None:
    """Check a verifiable presentation and the credentials embedded in it.

    Enveloped credentials (§4.13.1) are checked for their envelope only: the ``data:`` URL
    content belongs to the securing mechanism that opens it.

    Raises:
        DataModelError: naming the first property that breaks a rule.
    """
    path = "presentation"
    if not isinstance(doc, Mapping):
        raise DataModelError(f"{path} must be a JSON object, not {_describe(doc)}.")
    _check_context(doc, path)
    _check_optional_id(doc, path)
    types = _check_type(doc, path, "§4.13")
    if not _VP_TYPES & set(types):
        raise DataModelError(
            f"{path}.type must include VerifiablePresentation; it has {_show_list(types)} "
            f"({_SPEC} §4.13)."
        )
    if "holder" in doc:
        holder = doc["holder"]
        if isinstance(holder, Mapping):
            _check_required_url(holder, f"{path}.holder", "id", "§4.13")
        elif not is_url(holder):
            raise DataModelError(
                f"{path}.holder must be a URL or an object whose id is a URL, not "
                f"{_describe(holder)} ({_SPEC} §4.13)."
            )
    for entry_path, entry in _objects(doc, "verifiableCredential", path, "§4.13"):
        entry_types = _check_type(entry, entry_path, "§4.13")
        if _ENVELOPED_VC in entry_types:
            _check_enveloped_credential(entry, entry_path, entry_types)
        else:
            _validate_credential(entry, entry_path)
    for entry_path, entry in _objects(doc, "termsOfUse", path, "§5.5"):
        _check_type(entry, entry_path, "§5.5")
        _check_optional_id(entry, entry_path, "§5.5")
    _check_proofs(doc, path)


def _check_enveloped_credential(entry: Mapping[str, Any], path: str, types: list[str]) -> None:
    """§4.13.1: base context, type exactly EnvelopedVerifiableCredential, a ``data:`` URL id."""
    _check_context(entry, path, allow_string=True)
    if types != [_ENVELOPED_VC]:
        raise DataModelError(
            f"{path}.type must be exactly {_ENVELOPED_VC}, not {_show_list(types)} "
            f"({_SPEC} §4.13.1)."
        )
    value = entry.get("id")
    if not (
        is_url(value) and isinstance(value, str) and value[:5].lower() == "data:" and "," in value
    ):
        raise DataModelError(
            f"{path}.id must be a data: URL holding the secured credential, not "
            f"{_describe(value)} ({_SPEC} §4.13.1)."
        )


# --- Helpers ----------------------------------------------------------------------------------


def _objects(
    doc: Mapping[str, Any], prop: str, path: str, section: str
) -> list[tuple[str, Mapping[str, Any]]]:
    """The value of an optional property that holds one object or a non-empty array of them."""
    if prop not in doc:
        return []
    value = doc[prop]
    where = f"{path}.{prop}"
    if isinstance(value, Mapping):
        return [(where, value)]
    if not isinstance(value, list):
        raise DataModelError(
            f"{where} must be an object or an array of objects, not {_describe(value)} "
            f"({_SPEC} {section})."
        )
    if not value:
        raise DataModelError(
            f"{where} is an empty array; it must hold one or more objects ({_SPEC} {section})."
        )
    result: list[tuple[str, Mapping[str, Any]]] = []
    for index, item in enumerate(value):
        if not isinstance(item, Mapping):
            raise DataModelError(
                f"{where}[{index}] must be an object, not {_describe(item)} ({_SPEC} {section})."
            )
        result.append((f"{where}[{index}]", item))
    return result


def _describe(value: object) -> str:
    """A short, printable description of a JSON value for an error message."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return f"the number {value!r}"
    if isinstance(value, str):
        return f"the string {_quote(value)}"
    if isinstance(value, list):
        return "an array"
    if isinstance(value, Mapping):
        return "an object"
    return f"a {type(value).__name__}"


def _quote(text: str) -> str:
    shown = json.dumps(text[:60], ensure_ascii=False)
    if len(text) > 60:
        shown = shown[:-1] + '..."'
    return shown.encode("utf-8", "backslashreplace").decode("utf-8")


def _show_list(values: list[str]) -> str:
    return ", ".join(_quote(v) for v in values[:5]) + (", ..." if len(values) > 5 else "")
