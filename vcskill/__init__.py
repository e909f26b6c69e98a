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
    "Verifier": "vcskill.verifying.verifier",
    "Accept": "vcskill.verifying.verifier",
    "Policy": "vcskill.verifying.verifier",
    "VerificationReport": "vcskill.verifying.report",
    "Check": "vcskill.verifying.report",
    "CheckId": "vcskill.verifying.report",
    "Outcome": "vcskill.verifying.report",
    "CredentialSummary": "vcskill.verifying.report",
    "Limits": "vcskill.limits",
    "ContextStore": "vcskill.linkeddata.contexts",
    "DirectoryStatusSource": "vcskill.status.statuslist",
    "MemoryStatusSource": "vcskill.status.statuslist",
    # issuing
    "IssueRequest": "vcskill.issuing.request",
    "IssueResult": "vcskill.issuing.request",
    "issue_one": "vcskill.issuing.request",
    "sign_credential": "vcskill.issuing.signing",
    "ProofFormat": "vcskill.issuing.signing",
    "SkillCredential": "vcskill.model.credential",
    # keys
    "KeyAlgorithm": "vcskill.keys.keypair",
    "PrivateKey": "vcskill.keys.keypair",
    "PublicKey": "vcskill.keys.keypair",
    "KeyFile": "vcskill.keys.keyfile",
    "read_key_file": "vcskill.keys.keyfile",
    "write_key_file": "vcskill.keys.keyfile",
    # the domain vocabulary
    "SkillLevel": "vcskill.model.skills",
    "Occupation": "vcskill.model.skills",
    "LEVELS": "vcskill.model.skills",
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
    from vcskill.errors import Code, Error, VerificationError
    from vcskill.issuing.request import IssueRequest, IssueResult, issue_one
    from vcskill.issuing.signing import ProofFormat, sign_credential
    from vcskill.keys.keyfile import KeyFile, read_key_file, write_key_file
    from vcskill.keys.keypair import KeyAlgorithm, PrivateKey, PublicKey
    from vcskill.limits import Limits
    from vcskill.linkeddata.contexts import ContextStore
    from vcskill.model.credential import SkillCredential
    from vcskill.model.skills import LEVELS, Occupation, SkillLevel
    from vcskill.status.statuslist import DirectoryStatusSource, MemoryStatusSource
    from vcskill.verifying.report import (
        Check,
        CheckId,
        CredentialSummary,
        Outcome,
        VerificationReport,
    )
    from vcskill.verifying.verifier import Accept, Policy, Verifier


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'vcskill' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
