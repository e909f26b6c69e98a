"""The public surface of ``vcskill`` is exactly ``__all__``, and every name resolves."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

import vcskill

EXPECTED = {
    "__version__", "Verifier", "Accept", "Policy", "VerificationReport", "Check", "CheckId",
    "Outcome",
    "CredentialSummary", "Limits", "ContextStore", "IssueRequest", "IssueResult", "issue_one",
    "sign_credential", "ProofFormat", "SkillCredential", "KeyAlgorithm", "PrivateKey",
    "PublicKey", "KeyFile", "read_key_file", "write_key_file", "SkillLevel", "Occupation",
    "LEVELS", "Error", "Code", "VerificationError", "DirectoryStatusSource",
    "MemoryStatusSource",
}


def test_all_is_the_curated_surface() -> None:
    assert set(vcskill.__all__) == EXPECTED
    assert len(vcskill.__all__) == len(EXPECTED)
    assert set(vcskill._EXPORTS) == EXPECTED - {"__version__"}


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_every_public_name_resolves(name: str) -> None:
    assert getattr(vcskill, name) is not None


def test_an_unknown_name_is_an_attribute_error() -> None:
    with pytest.raises(AttributeError):
        vcskill.NoSuchThing  # noqa: B018


def test_importing_the_package_does_not_load_the_json_ld_stack() -> None:
    # the CLI imports vcskill for --version and --help: that must stay cheap
    code = "import sys, vcskill; print('pyld' in sys.modules, 'cryptography' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout.split()
    assert out == ["False", "False"]


def test_the_library_never_imports_the_registry() -> None:
    """Dependencies point one way (docs/architecture.md): the verifier asks the
    TrustRegistry interface, and only the wiring modules (cli, demo, serve) know did_registry."""
    import ast

    package = Path(vcskill.__file__).parent
    wiring = {"cli.py", "demo.py", "serve.py"}
    offenders = []
    for source in sorted(package.rglob("*.py")):
        if source.name in wiring and source.parent == package:
            continue
        for node in ast.walk(ast.parse(source.read_text(encoding="utf-8"))):
            names = ([a.name for a in node.names] if isinstance(node, ast.Import)
                     else [node.module or ""] if isinstance(node, ast.ImportFrom) else [])
            offenders += [f"{source.name}: {n}" for n in names if n.startswith("did_registry")]
    assert offenders == []
