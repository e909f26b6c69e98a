"""The ``vcskill`` command line: thin click commands over the library, one module per
command group (docs/architecture.md says why the CLI is a package).

Exit codes (docs/cli.md): 0 success / verified; 1 the credential is invalid; 2 usage error,
unreadable or malformed input, wrong passphrase; 3 could not decide.
"""

# Importing the command modules registers their commands on the group.
from vcskill.cli import demo, issuing, keys, qr, registry, serving, verifying  # noqa: F401
from vcskill.cli.app import main, safe_json, safe_text

__all__ = ["main", "safe_json", "safe_text"]
