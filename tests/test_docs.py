"""docs/cli.md keeps up with the code: every error code and every command is documented.

Scripts depend on the error codes (vcskill.errors.Code) and users look commands up by name,
so a code or command added without its line in docs/cli.md fails here. Every command's
--help must also carry an example (the CLI contract, shared/design/cli.md).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from vcskill.cli import main
from vcskill.errors import Code

CLI_DOC = Path(__file__).resolve().parent.parent / "docs" / "cli.md"


def _doc() -> str:
    return CLI_DOC.read_text(encoding="utf-8")


def _commands(group: click.Group, prefix: tuple[str, ...] = ()) -> Iterator[tuple[str, ...]]:
    """The path of every command below ``group`` (``("registry", "issuer-add")``), walking
    nested groups; the groups themselves are not commands a user runs."""
    for name, command in sorted(group.commands.items()):
        path = (*prefix, name)
        if isinstance(command, click.Group):
            yield from _commands(command, path)
        else:
            yield path


COMMANDS = list(_commands(main))


def test_the_command_walk_finds_the_nested_commands() -> None:
    assert ("key", "generate") in COMMANDS
    assert ("registry", "issuer-add") in COMMANDS
    assert ("verify",) in COMMANDS


@pytest.mark.parametrize("code", list(Code), ids=str)
def test_every_error_code_is_documented(code: Code) -> None:
    assert f"`{code.value}`" in _doc(), f"docs/cli.md does not document {code.value}"


@pytest.mark.parametrize("path", COMMANDS, ids=" ".join)
def test_every_command_has_a_section(path: tuple[str, ...]) -> None:
    name = re.escape("vcskill " + " ".join(path))
    heading = re.compile(rf"^#+ .*`{name}`", re.MULTILINE)
    assert heading.search(_doc()), f"docs/cli.md has no heading for `vcskill {' '.join(path)}`"


@pytest.mark.parametrize("path", COMMANDS, ids=" ".join)
def test_every_command_help_has_an_example(path: tuple[str, ...]) -> None:
    result = CliRunner().invoke(main, [*path, "--help"])
    assert result.exit_code == 0, result.output
    assert "Example" in result.output, f"`vcskill {' '.join(path)} --help` has no example"
