"""vcskill: verifiable vocational skill level certificates (W3C VC Data Model 2.0).

The public surface is listed in ``__all__``; everything else is internal and may change.
Names are imported on first use (PEP 562), so ``import vcskill`` stays cheap for the CLI.

    >>> from vcskill import Verifier
    >>> report = Verifier().check(open("credential.json", "rb").read())  # doctest: +SKIP
    >>> report.outcome, [(c.id, c.passed, c.code) for c in report.checks]  # doctest: +SKIP
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

# public name -> the module that defines it
_EXPORTS: dict[str, str] = {
    # verifying
    "Verifier": "vcskill.verifier",
    "Accept": "vcskill.verifier",
    "Policy": "vcskill.verifier",
    "VerificationReport": "vcskill.report",
    "Check": "vcskill.report",
    "CheckId": "vcskill.report",
    "Outcome": "vcskill.report",
    "CredentialSummary": "vcskill.report",
    "Limits": "vcskill.limits",
    "ContextStore": "vcskill.contexts",
    "DirectoryStatusSource": "vcskill.statuslist",
    "MemoryStatusSource": "vcskill.statuslist",
    # issuing
    "IssueRequest": "vcskill.issuing",
    "IssueResult": "vcskill.issuing",
    "issue_one": "vcskill.issuing",
    "sign_credential": "vcskill.issuer",
    "ProofFormat": "vcskill.issuer",
    "SkillCredential": "vcskill.credential",
    # keys
    "KeyAlgorithm": "vcskill.keys",
    "PrivateKey": "vcskill.keys",
    "PublicKey": "vcskill.keys",
    "KeyFile": "vcskill.keys",
    "read_key_file": "vcskill.keys",
    "write_key_file": "vcskill.keys",
    # the domain vocabulary
    "SkillLevel": "vcskill.skills",
    "Occupation": "vcskill.skills",
    "LEVELS": "vcskill.skills",
    # errors
    "Error": "vcskill.errors",
    "Code": "vcskill.errors",
    "VerificationError": "vcskill.errors",
}

# Written out (not derived from _EXPORTS) so that linters and readers see the surface;
# tests/test_public_api.py keeps the two in step.
__all__ = [
    "LEVELS",
    "Accept",
    "Check",
    "CheckId",
    "Code",
    "ContextStore",
    "CredentialSummary",
    "DirectoryStatusSource",
    "Error",
    "IssueRequest",
    "IssueResult",
    "KeyAlgorithm",
    "KeyFile",
    "Limits",
    "MemoryStatusSource",
    "Occupation",
    "Outcome",
    "Policy",
    "PrivateKey",
    "ProofFormat",
    "PublicKey",
    "SkillCredential",
    "SkillLevel",
    "VerificationError",
    "VerificationReport",
    "Verifier",
    "__version__",
    "issue_one",
    "read_key_file",
    "sign_credential",
    "write_key_file",
]

if TYPE_CHECKING:  # pragma: no cover - for type checkers and IDEs
    from vcskill.contexts import ContextStore
    from vcskill.credential import SkillCredential
    from vcskill.errors import Code, Error, VerificationError
    from vcskill.issuer import ProofFormat, sign_credential
    from vcskill.issuing import IssueRequest, IssueResult, issue_one
    from vcskill.keys import (
        KeyAlgorithm,
        KeyFile,
        PrivateKey,
        PublicKey,
        read_key_file,
        write_key_file,
    )
    from vcskill.limits import Limits
    from vcskill.report import Check, CheckId, CredentialSummary, Outcome, VerificationReport
    from vcskill.skills import LEVELS, Occupation, SkillLevel
    from vcskill.statuslist import DirectoryStatusSource, MemoryStatusSource
    from vcskill.verifier import Accept, Policy, Verifier


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'vcskill' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
