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


README = Path(__file__).resolve().parent.parent / "README.md"


def _quick_tour() -> list[tuple[str, int | None]]:
    """The README's quick tour: each command (continuation lines joined) and the exit code
    its comment promises, if it names one."""
    text = README.read_text(encoding="utf-8")
    block = text.split("## Quick tour", 1)[1].split("```sh\n", 1)[1].split("```", 1)[0]
    commands: list[tuple[str, int | None]] = []
    pending = ""
    for line in block.splitlines():
        code, _, comment = line.partition("#")
        pending += code.rstrip()
        if pending.endswith("\\"):
            pending = pending[:-1] + " "
            continue
        promised = re.search(r"\bexit (\d)", comment)
        commands.append((" ".join(pending.split()), int(promised.group(1)) if promised
                         else None))
        pending = ""
    return commands


def test_the_readme_quick_tour_runs_as_typed(tmp_path: Path) -> None:
    """Issue #11: the quick tour must run as typed after the set-up. Every command runs, in
    order, in an empty folder, and exits as its comment says (0 when it says nothing);
    `serve`, which runs until stopped, is started only in tests/test_serve.py."""
    import os
    import shlex
    import subprocess
    import sys

    commands = _quick_tour()
    assert len(commands) >= 10 and commands[0][0].startswith("vcskill demo")
    environment = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}"
                   f"{os.environ.get('PATH', '')}", "VCSKILL_PASSPHRASE": ""}
    for command, promised in commands:
        if command.startswith("vcskill serve"):
            continue
        done = subprocess.run(shlex.split(command), cwd=tmp_path, env=environment,
                              capture_output=True, text=True, timeout=300)
        assert done.returncode == (promised or 0), (command, done.stdout, done.stderr)
    assert (tmp_path / "zhangsan.pdf").is_file() and (tmp_path / "zhangsan.png").is_file()
