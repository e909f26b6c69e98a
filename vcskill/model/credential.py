"""The skill-level credential: a VC Data Model 2.0 credential that is also an Open Badges 3.0
``OpenBadgeCredential``, carrying the Chinese skill-level facts through our own context.

The model is typed and frozen. ``SkillCredential.from_json`` parses a document and
``to_json`` writes it back; the round trip is lossless: anything the model does not know, or
display text that differs from what the model would write, is kept in ``extra`` on the
object it belongs to and written back unchanged.

JSON shape (see ``docs/credential.md``)::

    {"@context": [credentials/v2, OB 3.0, https://w3id.org/vcskill/v1],
     "id": "urn:uuid:…",
     "type": ["VerifiableCredential", "OpenBadgeCredential", "SkillLevelCredential"],
     "name": [{"@value": "职业技能等级证书", "@language": "zh"}, {… "en"}],
     "issuer": {"id": DID, "type": ["Profile"], "name": filed name, "uscc": …},
     "validFrom": "2026-06-30T00:00:00Z",            # no validUntil: certificates do not expire
     "credentialSubject": {
        "type": ["AchievementSubject"], "id": holder DID (optional), "name": …,
        "identifier": [{"type": "IdentityObject", "identityType": "nationalIdentityNumber",
                        "hashed": true, "identityHash": "sha256$…", "salt": …}],
        "idNumberMasked": "3701**********1234", "certificateNumber": …, "assessmentId": …,
        "achievement": {"id": "urn:vcskill:achievement:2022:6-31-01-03:L3",
                        "type": ["Achievement"],
                        "achievementType": "ext:VocationalSkillLevelCertificate",
                        "name": […], "description": …, "criteria": {"narrative": …},
                        "occupation": {"type": "Occupation", "occupationCode": …,
                                       "classificationEdition": …, "name": …, "workType": …},
                        "skillLevel": {"type": "SkillLevel", "levelCode": …, "ladder": …,
                                       "rank": …, "name": […]},
                        "assessmentStandard": …}},
     "credentialStatus": [...]}                      # added by the status ledger (issue #5)
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from vcskill.errors import Code, DataModelError
from vcskill.model.skills import (
    LEVELS,
    Occupation,
    SkillLevel,
    certificate_number_problems,
    id_number_digest,
    mask_id_number,
    new_salt,
    validate_uscc,
)

VC2_CONTEXT = "https://www.w3.org/ns/credentials/v2"
OB3_CONTEXT = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
SKILL_CONTEXT = "https://w3id.org/vcskill/v1"
SKILL_CONTEXTS: tuple[str, ...] = (VC2_CONTEXT, OB3_CONTEXT, SKILL_CONTEXT)
SKILL_TYPES: tuple[str, ...] = (
    "VerifiableCredential",
    "OpenBadgeCredential",
    "SkillLevelCredential",
)
SKILL_CREDENTIAL_TYPE = "SkillLevelCredential"
ACHIEVEMENT_TYPE = "ext:VocationalSkillLevelCertificate"

JsonObject = dict[str, Any]


def format_datetime(value: datetime) -> str:
    """XML Schema dateTimeStamp without microseconds; UTC is written ``Z``, any other offset
    is kept (an issue date in China Standard Time stays on its calendar day)."""
    offset = value.utcoffset()
    if offset is None:
        raise DataModelError("a date-time needs a time zone")
    value = value.replace(microsecond=0)
    if offset.total_seconds() == 0:
        return value.strftime("%Y-%m-%dT%H:%M:%SZ")
    return value.isoformat()


def _bilingual(zh: str, en: str) -> list[JsonObject]:
    return [{"@value": zh, "@language": "zh"}, {"@value": en, "@language": "en"}]


def _object(doc: Mapping[str, Any], key: str, where: str) -> Mapping[str, Any]:
    value = doc.get(key)
    if not isinstance(value, Mapping):
        raise DataModelError(f"{where}.{key} must be an object")
    return value


def _string(doc: Mapping[str, Any], key: str, where: str, *, optional: bool = False) -> Any:
    value = doc.get(key)
    if value is None and optional:
        return None
    if not isinstance(value, str) or not value:
        raise DataModelError(f"{where}.{key} must be a non-empty string")
    return value


def _extra(doc: Mapping[str, Any], written: Mapping[str, Any]) -> JsonObject:
    """What ``doc`` holds beyond (or differently from) what the model writes."""
    return {k: v for k, v in doc.items() if k not in written or written[k] != v}


@dataclass(frozen=True, slots=True)
class Issuer:
    id: str
    name: str
    uscc: str | None = None
    extra: JsonObject = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.uscc is not None:
            validate_uscc(self.uscc)
        if not self.name.strip():
            raise DataModelError("issuer name is empty")

    def to_json(self) -> JsonObject:
        doc: JsonObject = {"id": self.id, "type": ["Profile"], "name": self.name}
        if self.uscc is not None:
            doc["uscc"] = self.uscc
        return {**doc, **self.extra}

    @classmethod
    def from_json(cls, doc: Any) -> Issuer:
        if not isinstance(doc, Mapping):
            raise DataModelError("issuer must be an object with id, type Profile and name")
        issuer = cls(
            id=_string(doc, "id", "issuer"),
            name=_string(doc, "name", "issuer"),
            uscc=_string(doc, "uscc", "issuer", optional=True),
        )
        return cls(issuer.id, issuer.name, issuer.uscc, _extra(doc, issuer.to_json()))


@dataclass(frozen=True, slots=True)
class IdentityDigest:
    """Open Badges 3.0 ``IdentityObject`` with a salted hash of the identity number."""

    identity_hash: str
    salt: str
    identity_type: str = "nationalIdentityNumber"

    def to_json(self) -> JsonObject:
        return {
            "type": "IdentityObject",
            "identityType": self.identity_type,
            "hashed": True,
            "identityHash": self.identity_hash,
            "salt": self.salt,
        }


@dataclass(frozen=True, slots=True)
class Holder:
    name: str
    id: str | None = None  # the holder's DID, when they have one
    id_number_masked: str | None = None
    identity: IdentityDigest | None = None

    def __post_init__(self) -> None:
        if not self.name.strip():
            raise DataModelError("holder name is empty")


@dataclass(frozen=True, slots=True)
class SkillCredential:
    """The facts of one skill-level certificate (without its proof)."""

    id: str
    issuer: Issuer
    valid_from: datetime
    holder: Holder
    occupation: Occupation
    level: SkillLevel
    certificate_number: str
    assessment_id: str | None = None
    assessment_standard: str | None = None
    credential_status: tuple[JsonObject, ...] = ()
    contexts: tuple[Any, ...] = SKILL_CONTEXTS
    types: tuple[str, ...] = SKILL_TYPES
    extra: JsonObject = field(default_factory=dict)
    subject_extra: JsonObject = field(default_factory=dict)
    achievement_extra: JsonObject = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.valid_from.tzinfo is None:
            raise DataModelError("validFrom needs a time zone")
        if not self.certificate_number.strip():
            raise DataModelError("certificate number is empty")

    # -- writing ----------------------------------------------------------------------
    @property
    def achievement_id(self) -> str:
        occ = self.occupation
        return f"urn:vcskill:achievement:{occ.edition}:{occ.code}:{self.level.code}"

    def _achievement_json(self) -> JsonObject:
        occ, lvl = self.occupation, self.level
        work = f"（{occ.work_type}）" if occ.work_type else ""
        occupation: JsonObject = {
            "type": "Occupation",
            "occupationCode": occ.code,
            "classificationEdition": occ.edition,
            "name": occ.name_zh,
        }
        if occ.work_type:
            occupation["workType"] = occ.work_type
        doc: JsonObject = {
            "id": self.achievement_id,
            "type": ["Achievement"],
            "achievementType": ACHIEVEMENT_TYPE,
            "name": _bilingual(f"{occ.name_zh}{work} {lvl.name_zh}", f"{occ.code} {lvl.name_en}"),
            "description": (
                f"职业技能等级证书：{occ.name_zh}{work}（{occ.code}，{occ.edition}年版大典），"
                f"{lvl.name_zh}。"
            ),
            "criteria": {
                "narrative": "通过职业技能等级认定考核。Passed the vocational skill level "
                "assessment for this occupation and level."
            },
            "occupation": occupation,
            "skillLevel": {
                "type": "SkillLevel",
                "levelCode": lvl.code,
                "ladder": str(lvl.ladder),
                "rank": lvl.rank,
                "name": _bilingual(lvl.name_zh, lvl.name_en),
            },
        }
        if self.assessment_standard:
            doc["assessmentStandard"] = self.assessment_standard
        return doc

    def _subject_json(self) -> JsonObject:
        h = self.holder
        doc: JsonObject = {"type": ["AchievementSubject"]}
        if h.id:
            doc["id"] = h.id
        doc["name"] = h.name
        if h.identity is not None:
            doc["identifier"] = [h.identity.to_json()]
        if h.id_number_masked:
            doc["idNumberMasked"] = h.id_number_masked
        doc["certificateNumber"] = self.certificate_number
        if self.assessment_id:
            doc["assessmentId"] = self.assessment_id
        doc["achievement"] = {**self._achievement_json(), **self.achievement_extra}
        return doc

    def to_json(self) -> JsonObject:
        """The unsigned credential document."""
        doc: JsonObject = {
            "@context": list(self.contexts),
            "id": self.id,
            "type": list(self.types),
            "name": _bilingual("职业技能等级证书", "Vocational Skill Level Certificate"),
            "issuer": self.issuer.to_json(),
            "validFrom": format_datetime(self.valid_from),
            "credentialSubject": {**self._subject_json(), **self.subject_extra},
        }
        if self.credential_status:
            status: Any = list(self.credential_status)
            doc["credentialStatus"] = status[0] if len(status) == 1 else status
        return {**doc, **self.extra}

    # -- reading ----------------------------------------------------------------------
    @classmethod
    def from_json(cls, doc: Mapping[str, Any]) -> SkillCredential:
        """Parse a skill credential (its ``proof``, if any, is ignored: see proofs)."""
        body = {k: v for k, v in doc.items() if k != "proof"}
        where = "credential"
        types = body.get("type")
        if not isinstance(types, list) or SKILL_CREDENTIAL_TYPE not in types:
            raise DataModelError(f"credential type must include {SKILL_CREDENTIAL_TYPE}")
        for required in SKILL_TYPES:
            if required not in types:
                raise DataModelError(f"a skill credential's type must include {required}")
        if "validUntil" in body:
            raise DataModelError(
                "skill level certificates do not expire: validUntil must be absent"
            )
        contexts = body.get("@context")
        if not isinstance(contexts, list):
            raise DataModelError("@context must be an array")
        subject = _object(body, "credentialSubject", where)
        achievement = _object(subject, "achievement", "credentialSubject")
        occ_doc = _object(achievement, "occupation", "achievement")
        lvl_doc = _object(achievement, "skillLevel", "achievement")
        level_code = _string(lvl_doc, "levelCode", "skillLevel")
        if level_code not in LEVELS:
            raise DataModelError(f"unknown skill level code {level_code!r}")
        level = LEVELS[level_code]
        if lvl_doc.get("ladder") != str(level.ladder) or lvl_doc.get("rank") != level.rank:
            raise DataModelError(
                f"skill level {level_code} must have ladder {level.ladder} and rank {level.rank}"
            )
        occupation = Occupation(
            code=_string(occ_doc, "occupationCode", "occupation"),
            edition=_string(occ_doc, "classificationEdition", "occupation"),
            name_zh=_string(occ_doc, "name", "occupation"),
            work_type=_string(occ_doc, "workType", "occupation", optional=True),
        )
        identity = None
        identifiers = subject.get("identifier")
        if identifiers is not None:
            if not isinstance(identifiers, list) or len(identifiers) != 1:
                raise DataModelError("credentialSubject.identifier must hold one IdentityObject")
            ident = identifiers[0]
            if not isinstance(ident, Mapping) or ident.get("hashed") is not True:
                raise DataModelError("the identity number may only appear hashed")
            identity = IdentityDigest(
                identity_hash=_string(ident, "identityHash", "identifier"),
                salt=_string(ident, "salt", "identifier"),
                identity_type=_string(ident, "identityType", "identifier"),
            )
            if identity.to_json() != dict(ident):
                raise DataModelError("credentialSubject.identifier has unexpected members")
        holder = Holder(
            name=_string(subject, "name", "credentialSubject"),
            id=_string(subject, "id", "credentialSubject", optional=True),
            id_number_masked=_string(subject, "idNumberMasked", "credentialSubject", optional=True),
            identity=identity,
        )
        valid_from_text = _string(body, "validFrom", where)
        try:
            valid_from = datetime.fromisoformat(valid_from_text)
        except ValueError as exc:
            raise DataModelError(f"validFrom {valid_from_text!r} is not a date-time") from exc
        if valid_from.tzinfo is None:
            raise DataModelError(f"validFrom {valid_from_text!r} has no time zone")
        status = body.get("credentialStatus")
        if status is None:
            statuses: tuple[JsonObject, ...] = ()
        elif isinstance(status, Mapping):
            statuses = (dict(status),)
        elif isinstance(status, list) and all(isinstance(s, Mapping) for s in status):
            statuses = tuple(dict(s) for s in status)
        else:
            raise DataModelError("credentialStatus must be an object or an array of objects")
        base = cls(
            id=_string(body, "id", where),
            issuer=Issuer.from_json(body.get("issuer")),
            valid_from=valid_from,
            holder=holder,
            occupation=occupation,
            level=level,
            certificate_number=_string(subject, "certificateNumber", "credentialSubject"),
            assessment_id=_string(subject, "assessmentId", "credentialSubject", optional=True),
            assessment_standard=_string(
                achievement, "assessmentStandard", "achievement", optional=True
            ),
            credential_status=statuses,
            contexts=tuple(contexts),
            types=tuple(types),
        )
        # Anything we would write differently is kept verbatim, so the round trip is exact.
        written = base.to_json()
        written_subject = written["credentialSubject"]
        written_achievement = written_subject["achievement"]
        achievement_extra = _extra(achievement, written_achievement)
        subject_extra = _extra(subject, {**written_subject, "achievement": achievement})
        extra = _extra(body, {**written, "credentialSubject": subject})
        result = cls(
            **{
                **{f: getattr(base, f) for f in base.__dataclass_fields__},
                "extra": extra,
                "subject_extra": subject_extra,
                "achievement_extra": achievement_extra,
            }
        )
        if result.to_json() != body:  # pragma: no cover - guards the model itself
            raise DataModelError("credential does not round-trip through the model")
        return result

    def consistency_problems(self) -> list[str]:
        """Domain rules a verifier reports: the certificate number agrees with the level and
        the year it encodes (docs/credential.md), and the achievement's display text is the
        text its codes imply.

        Open Badges wallets show ``achievement.name``, not our codes: a credential whose
        name says 一级 while its level code says L3 would show one level and verify as
        another, so any display field that differs from what the model writes is refused.
        """
        problems = certificate_number_problems(
            self.certificate_number, self.level, self.valid_from.year
        )
        derived = sorted(set(self.achievement_extra) & set(self._achievement_json()))
        if derived:
            problems.append(
                "the achievement's " + ", ".join(derived) + " must be what its occupation "
                f"and level codes imply ({self.occupation.code}, {self.level.code})"
            )
        return problems


def new_skill_credential(
    *,
    issuer: Issuer,
    holder_name: str,
    occupation: Occupation,
    level: SkillLevel,
    certificate_number: str,
    valid_from: datetime | None = None,
    id_number: str | None = None,
    holder_did: str | None = None,
    assessment_id: str | None = None,
    assessment_standard: str | None = None,
    credential_id: str | None = None,
    salt: str | None = None,
) -> SkillCredential:
    """Build a new credential; the full identity number is masked and hashed, never kept."""
    valid_from = valid_from or datetime.now(UTC).replace(microsecond=0)
    identity = masked = None
    if id_number is not None:
        salt = salt or new_salt()
        identity = IdentityDigest(identity_hash=id_number_digest(id_number, salt), salt=salt)
        masked = mask_id_number(id_number)
    credential = SkillCredential(
        id=credential_id or f"urn:uuid:{uuid.uuid4()}",
        issuer=issuer,
        valid_from=valid_from,
        holder=Holder(name=holder_name, id=holder_did, id_number_masked=masked, identity=identity),
        occupation=occupation,
        level=level,
        certificate_number=certificate_number,
        assessment_id=assessment_id,
        assessment_standard=assessment_standard,
    )
    problems = credential.consistency_problems()
    if problems:
        raise DataModelError("; ".join(problems), code=Code.MALFORMED_VALUE_ERROR)
    return credential


def credential_types(doc: Mapping[str, Any]) -> Sequence[str]:
    types = doc.get("type")
    if isinstance(types, str):
        return [types]
    if isinstance(types, list):
        return [t for t in types if isinstance(t, str)]
    return []
