"""Issuing skill credentials from what a person types (the CLI) or a spreadsheet row.

``IssueRequest`` holds the raw text; ``issue_one`` turns it into a checked
``SkillCredential``, signs it with the issuer's key file, and returns the serialised result.
"""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from vcskill.errors import UsageError
from vcskill.issuing.signing import ProofFormat, sign_credential
from vcskill.keys.keyfile import KeyFile, passphrase_from_env, read_key_file
from vcskill.linkeddata.contexts import ContextStore
from vcskill.model.credential import Issuer, SkillCredential, new_skill_credential
from vcskill.model.skills import (
    CHINA_STANDARD_TIME,
    KNOWN_OCCUPATIONS,
    Occupation,
    SkillLevel,
    parse_level,
    parse_occupation_code,
)


@dataclass(frozen=True, slots=True)
class IssueRequest:
    holder_name: str
    occupation: str
    level: str
    occupation_name: str | None = None
    work_type: str | None = None
    id_number: str | None = None
    certificate_number: str | None = None
    valid_from: datetime | None = None
    assessment_id: str | None = None
    standard: str | None = None
    holder_did: str | None = None
    issuer_did: str | None = None
    issuer_name: str | None = None
    uscc: str | None = None
    proof_format: str | None = None
    credential_id: str | None = None


@dataclass(frozen=True, slots=True)
class IssueResult:
    credential: SkillCredential
    signed: dict[str, Any] | str
    proof_format: ProofFormat
    notes: tuple[str, ...] = field(default=())

    @property
    def credential_id(self) -> str:
        return self.credential.id

    @property
    def serialized(self) -> str:
        if isinstance(self.signed, str):
            return self.signed + "\n"
        return json.dumps(self.signed, ensure_ascii=False, indent=2) + "\n"

    @property
    def summary(self) -> str:
        c = self.credential
        return (f"{c.occupation.code} {c.occupation.name_zh}, {c.level.code} {c.level.name_zh}, "
                f"certificate {c.certificate_number}")


def _occupation_code(text: str) -> tuple[str, str]:
    """The occupation code and edition of ``--occupation``, saying what to type when a name
    was given where the code belongs (电工 for 6-31-01-03)."""
    name = text.strip()
    if name and not name.isascii():
        codes = sorted(code for (code, _edition), known in KNOWN_OCCUPATIONS.items()
                       if known == name)
        if codes:
            raise UsageError(f"{name} is the name of occupation {codes[0]}; give its code: "
                             f"--occupation {codes[0]} (the name is filled in from it)")
        raise UsageError(f"--occupation takes the occupation's code in the national "
                         f"classification, D-DD-DD-DD (e.g. 6-31-01-03), not its name {name}; "
                         "give the name with --occupation-name")
    return parse_occupation_code(text)


def parse_date_or_datetime(text: str, *, what: str) -> datetime:
    """A date (midnight China Standard Time) or an ISO 8601 date-time with a time zone."""
    try:
        if len(text) == 10:
            day = datetime.strptime(text, "%Y-%m-%d")
            return day.replace(tzinfo=CHINA_STANDARD_TIME)
        value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise UsageError(
            f"{what} {text!r} is not a date (2026-06-30) or a date-time with a time zone "
            "(2026-06-30T09:00:00+08:00)"
        ) from None
    if value.tzinfo is None:
        raise UsageError(f"{what} {text!r} needs a time zone, e.g. +08:00 or Z")
    return value


def placeholder_certificate_number(level: SkillLevel, year: int) -> str:
    """A 22-character number in the national layout with zeroed organisation codes, for
    issuers that have not been assigned codes yet (the zeros make it recognisable)."""
    digit = level.certificate_digit or "0"
    return f"S0000{0:02d}{0:06d}{year % 100:02d}{digit}{secrets.randbelow(10**6):06d}"


def build_credential(key_file: KeyFile, request: IssueRequest) -> tuple[SkillCredential, list[str]]:
    notes: list[str] = []
    meta = key_file.metadata
    issuer_id = request.issuer_did or meta.controller
    issuer_name = request.issuer_name or meta.issuer_name
    if not issuer_name:
        raise UsageError("the issuer has no name: pass --issuer-name, or generate the key "
                         "with --name")
    code, edition = _occupation_code(request.occupation)
    occupation_name = request.occupation_name or KNOWN_OCCUPATIONS.get((code, edition))
    if not occupation_name:
        raise UsageError(f"occupation {code} ({edition} edition) is not in the built-in list; "
                         "pass --occupation-name (the occupation_name column in a batch)")
    level = parse_level(request.level)
    # Skill certificates are dated in China Standard Time: between 00:00 and 08:00 on
    # 1 January the UTC year would contradict the year a certificate number carries.
    valid_from = request.valid_from or datetime.now(CHINA_STANDARD_TIME).replace(microsecond=0)
    number = request.certificate_number
    if number is None:
        year = valid_from.year
        number = placeholder_certificate_number(level, year)
        notes.append(f"no certificate number given; generated {number}")
    credential = new_skill_credential(
        issuer=Issuer(id=issuer_id, name=issuer_name, uscc=request.uscc or meta.uscc),
        holder_name=request.holder_name,
        occupation=Occupation(code, edition, occupation_name, request.work_type),
        level=level,
        certificate_number=number,
        valid_from=valid_from,
        id_number=request.id_number,
        holder_did=request.holder_did,
        assessment_id=request.assessment_id,
        assessment_standard=request.standard,
        credential_id=request.credential_id,
    )
    return credential, notes


def issue_one(
    key: Path | KeyFile,
    request: IssueRequest,
    *,
    contexts: ContextStore | None = None,
) -> IssueResult:
    key_file = key if isinstance(key, KeyFile) else read_key_file(
        key, passphrase=passphrase_from_env()
    )
    credential, notes = build_credential(key_file, request)
    private = key_file.private_key
    proof_format = (ProofFormat(request.proof_format) if request.proof_format
                    else ProofFormat.default_for(private.algorithm))
    signed = sign_credential(
        credential.to_json(),
        private,
        verification_method=key_file.metadata.verification_method,
        proof_format=proof_format,
        contexts=contexts,
    )
    if not credential.credential_status:
        notes.append("issued without a ledger: the credential cannot be revoked")
    return IssueResult(credential, signed, proof_format, tuple(notes))
