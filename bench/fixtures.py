"""What several benchmarks start from: a skill credential signed by a fresh did:key issuer."""

from __future__ import annotations

import tempfile
from datetime import datetime, timedelta, timezone
from pathlib import Path

from vcskill.issuing.request import IssueRequest, issue_one
from vcskill.keys.keyfile import KeyFile, write_key_file
from vcskill.keys.keypair import PrivateKey

CST = timezone(timedelta(hours=8))


def skill_credential(proof_format: str | None = None) -> tuple[KeyFile, str]:
    """A new issuer key and the serialised credential it signs (张三, 电工, L3)."""
    folder = Path(tempfile.mkdtemp(prefix="vcskill-bench-"))
    key = write_key_file(folder / "issuer.key", PrivateKey.generate(), passphrase=None,
                         issuer_name="示范市职业技能鉴定指导中心", uscc="12110000400000003A")
    request = IssueRequest(holder_name="张三", occupation="6-31-01-03", level="L3",
                           id_number="370102199001011234",
                           certificate_number="S000011000001263000001",
                           valid_from=datetime(2026, 6, 30, tzinfo=CST), proof_format=proof_format)
    return key, issue_one(key, request).serialized
