"""The registry's data: typed, frozen, validated values with a JSON form.

Each class reads its JSON form with ``from_json`` (checking every field it knows and raising
:class:`~did_registry.errors.RegistryError` ``REGISTRY_MALFORMED`` naming the path of the
first bad value) and writes it back with ``to_json``. Members a class does not know are kept,
uninterpreted, in ``extra`` and written back unchanged (python-tuf ADR 0008; design research
security.md §6.D, D12): a newer publisher's additions survive an older tool, and an unknown
member can never grant anything. Signatures are always checked over the document's own bytes
(see :mod:`did_registry.signing`), never over a re-serialisation, so ``to_json`` may normalise:
date-times are written in UTC with ``Z``, and an absent ``until`` is written as ``null``.

The values (``docs/registry-format.md`` has the full format and an example):

* :class:`Root` — the national regulator's keys and signature threshold (M of N), versioned;
  each new version is signed by the old and the new threshold (TUF §5.3.4).
* :class:`Delegation` — a jurisdiction (a province such as ``37``, or ``MOE-1X`` for the
  Ministry of Education's 1+X catalogue) handed to a regional regulator's keys. ``CN`` is the
  national root's own jurisdiction and is never delegated.
* :class:`IssuerEntry` — one certificate issuer: DID, filed name, unified social credit code,
  category, jurisdiction, keys with validity windows, status history and scope history.
* :class:`RecognitionRule` — "certificate X is deemed level N" (domain research §4.6), data
  only: it is shown as deemed, never as issued.
* :class:`Snapshot` — the signed index: version, issue and expiry times, the root version it
  was signed under, the delegations, and the SHA-256 of every part.
* :class:`Part` — the issuers and recognition rules of one jurisdiction.

Time intervals are half-open, ``[from, until)``; ``until: null`` means "still in force".
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any, ClassVar, Final, TypeVar

from did_registry.errors import RegistryError
from vcskill.errors import Code, Error
from vcskill.keys.keypair import KeyAlgorithm, PublicKey
from vcskill.model.datamodel import parse_datetime_stamp
from vcskill.model.skills import (
    LEVELS,
    Ladder,
    parse_level,
    parse_level_range,
    parse_occupation_code,
    validate_uscc,
)

__all__ = [
    "NATIONAL",
    "Delegation",
    "IssuerCategory",
    "IssuerEntry",
    "IssuerKey",
    "IssuerStatus",
    "Part",
    "RecognitionRule",
    "Root",
    "ScopeEntry",
    "Snapshot",
    "StatusEntry",
    "format_datetime",
    "parse_public_key",
]

NATIONAL: Final = "CN"
"""The national root's jurisdiction: its part is signed by the root keys themselves."""

ROLE_KEY_ALGORITHMS: Final = frozenset({KeyAlgorithm.ED25519, KeyAlgorithm.P256})
MAX_ROLE_KEYS: Final = 32
MAX_LIST_ITEMS: Final = 10_000

_JURISDICTION = re.compile(r"[A-Z0-9]+(?:-[A-Z0-9]+)*")
_DID = re.compile(r"did:[a-z0-9]+:[A-Za-z0-9._%:-]+")
_SHA256_HEX = re.compile(r"[0-9a-f]{64}")

T = TypeVar("T")


class IssuerCategory(StrEnum):
    """The kinds of body that may issue skill level certificates (domain research §4.5)."""

    EMPLOYER = "employer"
    SOCIAL_TRAINING_EVALUATION_ORGANISATION = "social-training-evaluation-organisation"
    TECHNICAL_COLLEGE = "technical-college"
    ONE_PLUS_X_ORGANISATION = "one-plus-x-organisation"


class IssuerStatus(StrEnum):
    """A status the regulator records; :class:`~vcskill.verifying.trust.Standing` adds
    "not yet approved"."""

    APPROVED = "approved"
    SUSPENDED = "suspended"
    REMOVED = "removed"


# -- JSON reading helpers ----------------------------------------------------------------

def _malformed(where: str, message: str, code: Code = Code.REGISTRY_MALFORMED) -> RegistryError:
    return RegistryError(f"registry {where}: {message}", code=code)


def _describe(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, list):
        return "an array"
    return "an object" if isinstance(value, dict) else type(value).__name__


def _object(value: Any, where: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise _malformed(where, f"must be a JSON object, not {_describe(value)}")
    return value


def _required(obj: Mapping[str, Any], name: str, where: str) -> Any:
    if name not in obj:
        raise _malformed(where, f"the member {name!r} is missing")
    return obj[name]


def _string(value: Any, where: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise _malformed(where, f"must be a non-empty string, not {_describe(value)}")
    return value


def _optional_string(value: Any, where: str) -> str | None:
    return None if value is None else _string(value, where)


def _integer(value: Any, where: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise _malformed(where, f"must be an integer, not {_describe(value)}")
    return value


def _array(value: Any, where: str, limit: int = MAX_LIST_ITEMS) -> list[Any]:
    if not isinstance(value, list):
        raise _malformed(where, f"must be an array, not {_describe(value)}")
    if len(value) > limit:
        raise _malformed(where, f"has {len(value):,} items; at most {limit:,} are allowed")
    return value


def _items(value: Any, where: str, parse: Callable[[Any, str], T],
           limit: int = MAX_LIST_ITEMS) -> tuple[T, ...]:
    items = _array(value, where, limit)
    return tuple(parse(item, f"{where}[{i}]") for i, item in enumerate(items))


def _datetime(value: Any, where: str) -> datetime:
    try:
        return parse_datetime_stamp(value, field=f"registry {where}")
    except Error as exc:
        raise RegistryError(str(exc), code=Code.REGISTRY_MALFORMED) from None


def _optional_datetime(value: Any, where: str) -> datetime | None:
    return None if value is None else _datetime(value, where)


def _extra(obj: Mapping[str, Any], known: frozenset[str]) -> dict[str, Any]:
    return {name: value for name, value in obj.items() if name not in known}


def _with_extra(known: dict[str, Any], extra: Mapping[str, Any]) -> dict[str, Any]:
    out = dict(extra)
    out.update(known)
    return out


def _reraise_at(where: str, build: Callable[[], T]) -> T:
    """Run a constructor whose own checks raise RegistryError, naming ``where`` in errors."""
    try:
        return build()
    except RegistryError as exc:
        if exc.message.startswith("registry "):
            raise
        raise RegistryError(f"registry {where}: {exc.message}", code=exc.code) from None


def format_datetime(moment: datetime) -> str:
    """``2026-01-01T00:00:00Z``: the registry's one spelling of a date-time (UTC)."""
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def _check_aware(moment: datetime, what: str) -> None:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise RegistryError(f"{what} must carry a time zone")


def _check_interval(start: datetime, end: datetime | None, what: str) -> None:
    _check_aware(start, f"{what} 'from'")
    if end is not None:
        _check_aware(end, f"{what} 'until'")
        if end <= start:
            raise RegistryError(
                f"{what} ends ({format_datetime(end)}) before it starts ({format_datetime(start)})"
            )


def _check_jurisdiction(code: str) -> None:
    if not isinstance(code, str) or len(code) > 32 or not _JURISDICTION.fullmatch(code):
        raise RegistryError(
            f"jurisdiction {code!r} must be upper-case letters and digits, optionally joined by "
            "'-' (e.g. '37', 'MOE-1X', 'CN')"
        )


def _role_keys(keys: Sequence[str], threshold: int, what: str) -> tuple[str, ...]:
    """Check a role's key list and threshold: Ed25519 or P-256, distinct by key bytes."""
    if isinstance(keys, str) or not isinstance(keys, Sequence):
        raise RegistryError(f"{what} keys must be a list of publicKeyMultibase strings")
    keys = tuple(keys)
    if not keys:
        raise RegistryError(f"{what} has no keys")
    if len(keys) > MAX_ROLE_KEYS:
        raise RegistryError(f"{what} has {len(keys)} keys; at most {MAX_ROLE_KEYS} are allowed")
    seen: set[bytes] = set()
    for text in keys:
        key = parse_public_key(text, f"{what} key", ROLE_KEY_ALGORITHMS)
        if key.raw in seen:
            raise RegistryError(f"{what} lists the key {text} twice")
        seen.add(key.raw)
    if isinstance(threshold, bool) or not isinstance(threshold, int):
        raise RegistryError(f"{what} threshold must be an integer")
    if not 1 <= threshold <= len(keys):
        raise RegistryError(
            f"{what} threshold {threshold} must be between 1 and its {len(keys)} key(s)"
        )
    return keys


def parse_public_key(text: Any, what: str,
                     algorithms: frozenset[KeyAlgorithm] | None = None) -> PublicKey:
    """A ``publicKeyMultibase`` in its one canonical spelling, of an allowed algorithm."""
    if not isinstance(text, str):
        raise RegistryError(f"{what} must be a publicKeyMultibase string")
    try:
        key = PublicKey.from_multibase(text)
    except Error as exc:
        raise RegistryError(f"{what} {text[:60]!r} is not a public key: {exc}") from None
    if key.multibase() != text:
        raise RegistryError(f"{what} {text[:60]!r} is not in canonical form")
    if algorithms is not None and key.algorithm not in algorithms:
        allowed = ", ".join(sorted(a.value for a in algorithms))
        raise RegistryError(f"{what} {text[:60]} is {key.algorithm.value}; use one of {allowed}")
    return key


# -- roles -------------------------------------------------------------------------------

@dataclass(frozen=True)
class Root:
    """The national regulator's root of trust (TUF §2.1.1): keys and an M-of-N threshold."""

    version: int
    name: str
    keys: tuple[str, ...]
    threshold: int
    extra: dict[str, Any] = field(default_factory=dict)

    _KNOWN: ClassVar[frozenset[str]] = frozenset({"version", "name", "keys", "threshold"})

    def __post_init__(self) -> None:
        if isinstance(self.version, bool) or not isinstance(self.version, int) or \
                self.version < 1:
            raise RegistryError(f"root version {self.version!r} must be an integer ≥ 1")
        if not isinstance(self.name, str) or not self.name.strip():
            raise RegistryError("root name must be a non-empty string")
        object.__setattr__(self, "keys", _role_keys(self.keys, self.threshold,
                                                    f"root v{self.version}"))

    def public_keys(self) -> tuple[PublicKey, ...]:
        return tuple(PublicKey.from_multibase(k) for k in self.keys)

    @classmethod
    def from_json(cls, value: Any, where: str = "root") -> Root:
        obj = _object(value, where)
        return _reraise_at(where, lambda: cls(
            version=_integer(_required(obj, "version", where), f"{where}.version"),
            name=_string(_required(obj, "name", where), f"{where}.name"),
            keys=tuple(_array(_required(obj, "keys", where), f"{where}.keys", MAX_ROLE_KEYS)),
            threshold=_integer(_required(obj, "threshold", where), f"{where}.threshold"),
            extra=_extra(obj, cls._KNOWN),
        ))

    def to_json(self) -> dict[str, Any]:
        return _with_extra({"version": self.version, "name": self.name,
                            "keys": list(self.keys), "threshold": self.threshold}, self.extra)


@dataclass(frozen=True)
class Delegation:
    """A jurisdiction delegated by the root to a regional regulator's keys (TUF §2.3)."""

    jurisdiction: str
    name: str
    keys: tuple[str, ...]
    threshold: int
    extra: dict[str, Any] = field(default_factory=dict)

    _KNOWN: ClassVar[frozenset[str]] = frozenset({"jurisdiction", "name", "keys", "threshold"})

    def __post_init__(self) -> None:
        _check_jurisdiction(self.jurisdiction)
        if self.jurisdiction == NATIONAL:
            raise RegistryError(
                f"jurisdiction {NATIONAL!r} is the national root's own and cannot be delegated"
            )
        if not isinstance(self.name, str) or not self.name.strip():
            raise RegistryError("delegation name must be a non-empty string")
        object.__setattr__(self, "keys", _role_keys(self.keys, self.threshold,
                                                    f"delegation {self.jurisdiction}"))

    def public_keys(self) -> tuple[PublicKey, ...]:
        return tuple(PublicKey.from_multibase(k) for k in self.keys)

    @classmethod
    def from_json(cls, value: Any, where: str = "delegation") -> Delegation:
        obj = _object(value, where)
        return _reraise_at(where, lambda: cls(
            jurisdiction=_string(_required(obj, "jurisdiction", where),
                                 f"{where}.jurisdiction"),
            name=_string(_required(obj, "name", where), f"{where}.name"),
            keys=tuple(_array(_required(obj, "keys", where), f"{where}.keys", MAX_ROLE_KEYS)),
            threshold=_integer(_required(obj, "threshold", where), f"{where}.threshold"),
            extra=_extra(obj, cls._KNOWN),
        ))

    def to_json(self) -> dict[str, Any]:
        return _with_extra({"jurisdiction": self.jurisdiction, "name": self.name,
                            "keys": list(self.keys), "threshold": self.threshold}, self.extra)


# -- issuers -----------------------------------------------------------------------------

@dataclass(frozen=True)
class IssuerKey:
    """One of an issuer's keys and the window ``[validFrom, validUntil)`` it may sign in."""

    public_key_multibase: str
    valid_from: datetime
    valid_until: datetime | None = None
    extra: dict[str, Any] = field(default_factory=dict)
    # Set when the private key leaked: then nothing it signed is accepted, whatever the
    # credential's date says, since a thief can backdate (design research security.md D7).
    # A key merely retired ends with ``valid_until`` instead (D8).
    compromised: datetime | None = None

    _KNOWN: ClassVar[frozenset[str]] = frozenset({
        "publicKeyMultibase", "validFrom", "validUntil", "compromised",
    })

    def __post_init__(self) -> None:
        parse_public_key(self.public_key_multibase, "issuer key")
        _check_interval(self.valid_from, self.valid_until,
                        f"the window of key {self.public_key_multibase}")
        if self.compromised is not None:
            _check_aware(self.compromised, f"the compromise date of {self.public_key_multibase}")

    @property
    def public_key(self) -> PublicKey:
        return PublicKey.from_multibase(self.public_key_multibase)

    def valid_at(self, moment: datetime) -> bool:
        return self.valid_from <= moment and (self.valid_until is None
                                              or moment < self.valid_until)

    def window(self) -> str:
        end = format_datetime(self.valid_until) if self.valid_until else "no end"
        return f"[{format_datetime(self.valid_from)}, {end})"

    @classmethod
    def from_json(cls, value: Any, where: str = "key") -> IssuerKey:
        obj = _object(value, where)
        return _reraise_at(where, lambda: cls(
            public_key_multibase=_string(_required(obj, "publicKeyMultibase", where),
                                         f"{where}.publicKeyMultibase"),
            valid_from=_datetime(_required(obj, "validFrom", where), f"{where}.validFrom"),
            valid_until=_optional_datetime(obj.get("validUntil"), f"{where}.validUntil"),
            compromised=_optional_datetime(obj.get("compromised"), f"{where}.compromised"),
            extra=_extra(obj, cls._KNOWN),
        ))

    def to_json(self) -> dict[str, Any]:
        out = {
            "publicKeyMultibase": self.public_key_multibase,
            "validFrom": format_datetime(self.valid_from),
            "validUntil": format_datetime(self.valid_until) if self.valid_until else None,
        }
        if self.compromised is not None:
            out["compromised"] = format_datetime(self.compromised)
        return _with_extra(out, self.extra)


@dataclass(frozen=True)
class StatusEntry:
    """The regulator's status for an issuer over ``[from, until)``, and why."""

    status: IssuerStatus
    start: datetime  # "from"
    end: datetime | None = None  # "until"
    reason: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    _KNOWN: ClassVar[frozenset[str]] = frozenset({"status", "from", "until", "reason"})

    def __post_init__(self) -> None:
        try:
            object.__setattr__(self, "status", IssuerStatus(self.status))
        except ValueError:
            allowed = ", ".join(s.value for s in IssuerStatus)
            raise RegistryError(f"status {self.status!r} must be one of {allowed}") from None
        _check_interval(self.start, self.end, f"the {self.status} status")
        if self.reason is not None and not isinstance(self.reason, str):
            raise RegistryError("a status reason must be a string")

    def covers(self, moment: datetime) -> bool:
        return self.start <= moment and (self.end is None or moment < self.end)

    @classmethod
    def from_json(cls, value: Any, where: str = "status") -> StatusEntry:
        obj = _object(value, where)
        return _reraise_at(where, lambda: cls(
            status=IssuerStatus(_enum(_required(obj, "status", where), IssuerStatus,
                                      f"{where}.status")),
            start=_datetime(_required(obj, "from", where), f"{where}.from"),
            end=_optional_datetime(obj.get("until"), f"{where}.until"),
            reason=_optional_string(obj.get("reason"), f"{where}.reason"),
            extra=_extra(obj, cls._KNOWN),
        ))

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "status": self.status.value,
            "from": format_datetime(self.start),
            "until": format_datetime(self.end) if self.end else None,
        }
        if self.reason is not None:
            out["reason"] = self.reason
        return _with_extra(out, self.extra)


@dataclass(frozen=True)
class ScopeEntry:
    """Occupations and levels an issuer may certify over ``[from, until)``.

    ``occupation`` is ``CODE`` or ``CODE@EDITION``; without an edition it means the 2022
    classification. ``levels`` is a level or a range on one ladder, such as ``L5-L3``.
    """

    occupation: str
    levels: str
    start: datetime  # "from"
    end: datetime | None = None  # "until"
    extra: dict[str, Any] = field(default_factory=dict)
    code: str = field(init=False)
    edition: str = field(init=False)
    level_codes: tuple[str, ...] = field(init=False)

    _KNOWN: ClassVar[frozenset[str]] = frozenset({"occupation", "levels", "from", "until"})

    def __post_init__(self) -> None:
        if not isinstance(self.occupation, str) or not isinstance(self.levels, str):
            raise RegistryError("a scope's occupation and levels must be strings")
        try:
            code, edition = parse_occupation_code(self.occupation)
            level_codes = _level_codes(self.levels)
        except Error as exc:
            raise RegistryError(f"scope {self.occupation} {self.levels}: {exc}") from None
        object.__setattr__(self, "code", code)
        object.__setattr__(self, "edition", edition)
        object.__setattr__(self, "level_codes", level_codes)
        _check_interval(self.start, self.end, f"the scope {self.occupation} {self.levels}")

    def covers(self, moment: datetime) -> bool:
        return self.start <= moment and (self.end is None or moment < self.end)

    def describe(self) -> str:
        end = f" until {format_datetime(self.end)}" if self.end else ""
        return f"{self.code}@{self.edition} {self.levels} since {format_datetime(self.start)}{end}"

    @classmethod
    def from_json(cls, value: Any, where: str = "scope") -> ScopeEntry:
        obj = _object(value, where)
        return _reraise_at(where, lambda: cls(
            occupation=_string(_required(obj, "occupation", where), f"{where}.occupation"),
            levels=_string(_required(obj, "levels", where), f"{where}.levels"),
            start=_datetime(_required(obj, "from", where), f"{where}.from"),
            end=_optional_datetime(obj.get("until"), f"{where}.until"),
            extra=_extra(obj, cls._KNOWN),
        ))

    def to_json(self) -> dict[str, Any]:
        return _with_extra({
            "occupation": self.occupation,
            "levels": self.levels,
            "from": format_datetime(self.start),
            "until": format_datetime(self.end) if self.end else None,
        }, self.extra)


def _level_codes(text: str) -> tuple[str, ...]:
    """``L5-L3`` → (L5, L4, L3); also ``X-JUNIOR-X-SENIOR`` on the 1+X ladder, which
    :func:`vcskill.model.skills.parse_level_range` reads as one (unknown) level."""
    try:
        return tuple(level.code for level in parse_level_range(text))
    except Error:
        for index, char in enumerate(text):
            if char != "-":
                continue
            try:
                low, high = parse_level(text[:index]), parse_level(text[index + 1:])
            except Error:
                continue
            if low.ladder is Ladder.ONE_PLUS_X and high.ladder is Ladder.ONE_PLUS_X:
                lo, hi = sorted((low.rank, high.rank))
                return tuple(level.code for level in LEVELS.values()
                             if level.ladder is Ladder.ONE_PLUS_X and lo <= level.rank <= hi)
        raise


def _enum(value: Any, enum: type[StrEnum], where: str) -> str:
    allowed = [member.value for member in enum]
    if value not in allowed:
        raise _malformed(where, f"{value!r} is not one of {', '.join(allowed)}")
    return str(value)


_LOOPBACK_HTTP: Final = ("http://127.0.0.1:", "http://127.0.0.1/", "http://localhost:",
                         "http://localhost/")


@dataclass(frozen=True)
class IssuerEntry:
    """One certificate issuer as its regulator files it."""

    did: str
    name: str
    category: IssuerCategory
    jurisdiction: str
    keys: tuple[IssuerKey, ...]
    status: tuple[StatusEntry, ...]
    scope: tuple[ScopeEntry, ...] = ()
    names: tuple[str, ...] = ()
    uscc: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)
    # Where the issuer publishes its status lists (``vcskill status publish``), so that
    # ``vcskill sync`` can mirror them; the lists are signed, this only says where to look.
    status_url: str | None = None

    _KNOWN: ClassVar[frozenset[str]] = frozenset({
        "did", "name", "names", "uscc", "category", "jurisdiction", "keys", "status", "scope",
        "statusUrl",
    })

    def __post_init__(self) -> None:
        if not isinstance(self.did, str) or not _DID.fullmatch(self.did):
            raise RegistryError(f"issuer DID {self.did!r} is not a DID (did:<method>:<id>)")
        if not isinstance(self.name, str) or not self.name.strip():
            raise RegistryError(f"issuer {self.did} has no filed name")
        try:
            object.__setattr__(self, "category", IssuerCategory(self.category))
        except ValueError:
            allowed = ", ".join(c.value for c in IssuerCategory)
            raise RegistryError(
                f"issuer {self.did} category {self.category!r} is not one of {allowed}"
            ) from None
        _check_jurisdiction(self.jurisdiction)
        if self.uscc is not None:
            try:
                validate_uscc(self.uscc)
            except Error as exc:
                raise RegistryError(f"issuer {self.did}: {exc}") from None
        for name in self.names:
            if not isinstance(name, str) or not name.strip():
                raise RegistryError(f"issuer {self.did} has an empty other name")
        seen: set[bytes] = set()
        for key in self.keys:
            raw = key.public_key.raw
            if raw in seen:
                raise RegistryError(
                    f"issuer {self.did} lists the key {key.public_key_multibase} twice"
                )
            seen.add(raw)
        if self.status_url is not None and (
                not isinstance(self.status_url, str) or len(self.status_url) > 2048
                or not self.status_url.startswith(("https://", *_LOOPBACK_HTTP))
                or any(c.isspace() for c in self.status_url)):
            raise RegistryError(f"issuer {self.did}: statusUrl {self.status_url!r} must be an "
                                "https:// URL (http:// only to 127.0.0.1 or localhost, for "
                                "tests)")
        if not self.status:
            raise RegistryError(f"issuer {self.did} has no status history")
        ordered = sorted(self.status, key=lambda s: s.start)
        for before, after in itertools.pairwise(ordered):
            if before.end is None or before.end > after.start:
                raise RegistryError(
                    f"issuer {self.did} has overlapping statuses: {before.status} from "
                    f"{format_datetime(before.start)} and {after.status} from "
                    f"{format_datetime(after.start)}"
                )

    @classmethod
    def from_json(cls, value: Any, where: str = "issuer") -> IssuerEntry:
        obj = _object(value, where)
        names = obj.get("names")
        uscc = obj.get("uscc")
        return _reraise_at(where, lambda: cls(
            did=_string(_required(obj, "did", where), f"{where}.did"),
            name=_string(_required(obj, "name", where), f"{where}.name"),
            names=() if names is None else _items(names, f"{where}.names", _string, 64),
            uscc=None if uscc is None else _string(uscc, f"{where}.uscc"),
            category=IssuerCategory(_enum(_required(obj, "category", where), IssuerCategory,
                                          f"{where}.category")),
            jurisdiction=_string(_required(obj, "jurisdiction", where),
                                 f"{where}.jurisdiction"),
            keys=_items(_required(obj, "keys", where), f"{where}.keys", IssuerKey.from_json,
                        MAX_ROLE_KEYS),
            status=_items(_required(obj, "status", where), f"{where}.status",
                          StatusEntry.from_json, 256),
            scope=_items(obj.get("scope", []), f"{where}.scope", ScopeEntry.from_json, 1024),
            status_url=_optional_string(obj.get("statusUrl"), f"{where}.statusUrl"),
            extra=_extra(obj, cls._KNOWN),
        ))

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"did": self.did, "name": self.name}
        if self.names:
            out["names"] = list(self.names)
        if self.uscc is not None:
            out["uscc"] = self.uscc
        out.update({
            "category": self.category.value,
            "jurisdiction": self.jurisdiction,
            "keys": [k.to_json() for k in self.keys],
            "status": [s.to_json() for s in self.status],
            "scope": [s.to_json() for s in self.scope],
        })
        if self.status_url is not None:
            out["statusUrl"] = self.status_url
        return _with_extra(out, self.extra)


@dataclass(frozen=True)
class RecognitionRule:
    """"Holders of ``description`` are deemed to have reached ``deemed_level``" (data only)."""

    id: str
    description: str
    deemed_level: str
    occupation: str
    source: str
    extra: dict[str, Any] = field(default_factory=dict)

    _KNOWN: ClassVar[frozenset[str]] = frozenset({
        "id", "description", "deemed_level", "occupation", "source",
    })

    def __post_init__(self) -> None:
        for name in ("id", "description", "source"):
            value = getattr(self, name)
            if not isinstance(value, str) or not value.strip():
                raise RegistryError(f"recognition rule {name} must be a non-empty string")
        try:
            object.__setattr__(self, "deemed_level", parse_level(self.deemed_level).code)
            parse_occupation_code(self.occupation)
        except Error as exc:
            raise RegistryError(f"recognition rule {self.id}: {exc}") from None

    @classmethod
    def from_json(cls, value: Any, where: str = "recognition") -> RecognitionRule:
        obj = _object(value, where)
        return _reraise_at(where, lambda: cls(
            id=_string(_required(obj, "id", where), f"{where}.id"),
            description=_string(_required(obj, "description", where), f"{where}.description"),
            deemed_level=_string(_required(obj, "deemed_level", where),
                                 f"{where}.deemed_level"),
            occupation=_string(_required(obj, "occupation", where), f"{where}.occupation"),
            source=_string(_required(obj, "source", where), f"{where}.source"),
            extra=_extra(obj, cls._KNOWN),
        ))

    def to_json(self) -> dict[str, Any]:
        return _with_extra({"id": self.id, "description": self.description,
                            "deemed_level": self.deemed_level, "occupation": self.occupation,
                            "source": self.source}, self.extra)


# -- snapshot and parts ------------------------------------------------------------------

@dataclass(frozen=True)
class Snapshot:
    """The signed index (TUF §2.1.3 snapshot + §2.1.4 timestamp in one role).

    ``parts`` maps each jurisdiction to the SHA-256 (lower-case hex) of its part's signed
    JCS bytes, so that no part can be swapped for one from another snapshot.
    """

    version: int
    issued: datetime
    expires: datetime
    root_version: int
    delegations: tuple[Delegation, ...]
    parts: dict[str, str]
    extra: dict[str, Any] = field(default_factory=dict)

    _KNOWN: ClassVar[frozenset[str]] = frozenset({
        "version", "issued", "expires", "root_version", "delegations", "parts",
    })

    def __post_init__(self) -> None:
        for name in ("version", "root_version"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise RegistryError(f"snapshot {name} {value!r} must be an integer ≥ 1")
        _check_aware(self.issued, "snapshot 'issued'")
        _check_aware(self.expires, "snapshot 'expires'")
        if self.expires <= self.issued:
            raise RegistryError("snapshot expires before it is issued")
        jurisdictions = [d.jurisdiction for d in self.delegations]
        if len(set(jurisdictions)) != len(jurisdictions):
            raise RegistryError("snapshot delegates one jurisdiction twice")
        for jurisdiction, digest in self.parts.items():
            if jurisdiction != NATIONAL and jurisdiction not in jurisdictions:
                raise RegistryError(
                    f"snapshot lists a part for {jurisdiction!r}, which is neither {NATIONAL!r} "
                    "nor delegated", code=Code.REGISTRY_DELEGATION_VIOLATION,
                )
            if not isinstance(digest, str) or not _SHA256_HEX.fullmatch(digest):
                raise RegistryError(
                    f"snapshot part {jurisdiction} digest must be 64 lower-case hex digits"
                )

    def delegation(self, jurisdiction: str) -> Delegation | None:
        return next((d for d in self.delegations if d.jurisdiction == jurisdiction), None)

    @classmethod
    def from_json(cls, value: Any, where: str = "snapshot.signed") -> Snapshot:
        obj = _object(value, where)
        parts = _object(_required(obj, "parts", where), f"{where}.parts")
        return _reraise_at(where, lambda: cls(
            version=_integer(_required(obj, "version", where), f"{where}.version"),
            issued=_datetime(_required(obj, "issued", where), f"{where}.issued"),
            expires=_datetime(_required(obj, "expires", where), f"{where}.expires"),
            root_version=_integer(_required(obj, "root_version", where),
                                  f"{where}.root_version"),
            delegations=_items(_required(obj, "delegations", where), f"{where}.delegations",
                               Delegation.from_json, 64),
            parts={k: _string(v, f"{where}.parts.{k}") for k, v in parts.items()},
            extra=_extra(obj, cls._KNOWN),
        ))

    def to_json(self) -> dict[str, Any]:
        return _with_extra({
            "version": self.version,
            "issued": format_datetime(self.issued),
            "expires": format_datetime(self.expires),
            "root_version": self.root_version,
            "delegations": [d.to_json() for d in self.delegations],
            "parts": dict(self.parts),
        }, self.extra)


@dataclass(frozen=True)
class Part:
    """The issuers and recognition rules of one jurisdiction, signed by its regulator."""

    jurisdiction: str
    issuers: tuple[IssuerEntry, ...] = ()
    recognition: tuple[RecognitionRule, ...] = ()
    extra: dict[str, Any] = field(default_factory=dict)

    _KNOWN: ClassVar[frozenset[str]] = frozenset({"jurisdiction", "issuers", "recognition"})

    def __post_init__(self) -> None:
        _check_jurisdiction(self.jurisdiction)

    @classmethod
    def from_json(cls, value: Any, where: str = "part") -> Part:
        obj = _object(value, where)
        return _reraise_at(where, lambda: cls(
            jurisdiction=_string(_required(obj, "jurisdiction", where),
                                 f"{where}.jurisdiction"),
            issuers=_items(obj.get("issuers", []), f"{where}.issuers", IssuerEntry.from_json),
            recognition=_items(obj.get("recognition", []), f"{where}.recognition",
                               RecognitionRule.from_json, 1024),
            extra=_extra(obj, cls._KNOWN),
        ))

    def to_json(self) -> dict[str, Any]:
        return _with_extra({
            "jurisdiction": self.jurisdiction,
            "issuers": [i.to_json() for i in self.issuers],
            "recognition": [r.to_json() for r in self.recognition],
        }, self.extra)
