"""The ``vcskill`` command group and what every command shares: error handling, exit codes,
safe output.

Exit codes (docs/cli.md): 0 success / verified; 1 the credential is invalid; 2 usage error,
unreadable or malformed input, wrong passphrase; 3 could not decide. Errors are one sentence
on stderr; ``--debug`` shows the traceback.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable
from datetime import datetime
from functools import wraps
from pathlib import Path
from typing import Any, NoReturn, TypeVar

import click

from vcskill import __version__
from vcskill.common.files import read_up_to
from vcskill.errors import Error

F = TypeVar("F", bound=Callable[..., Any])

EXIT_OK, EXIT_INVALID, EXIT_USAGE, EXIT_INDETERMINATE = 0, 1, 2, 3


def fail(message: str, code: int = EXIT_USAGE) -> NoReturn:
    click.echo(f"vcskill: error: {message}", err=True)
    sys.exit(code)


def handle_errors(func: F) -> F:
    """Turn our errors into one line on stderr and exit code 2 (traceback with --debug)."""

    @wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except Error as exc:
            if click.get_current_context().find_root().params.get("debug"):
                raise
            fail(f"{exc} [{exc.code}]")
        except BrokenPipeError:
            # The reader went away (``vcskill verify x.json | head -1``): not an error of
            # ours, and not a reason to change the answer. A command that knows its exit code
            # before it prints (verify) records it with answer_with().
            _silence_stdout()
            sys.exit(click.get_current_context().meta.get(EXIT_KEY, EXIT_USAGE))
        except OSError as exc:
            if click.get_current_context().find_root().params.get("debug"):
                raise
            fail(f"{exc.strerror or exc}: {exc.filename}" if exc.filename else str(exc))

    return wrapper  # type: ignore[return-value]


EXIT_KEY = "vcskill.exit_code"


def answer_with(code: int) -> None:
    """Record the exit code the command will end with, so that a reader closing the pipe
    early (``| head -1``) does not turn it into another one."""
    click.get_current_context().meta[EXIT_KEY] = code


def _silence_stdout() -> None:
    """Point stdout at /dev/null, so that the final flush cannot fail again (Python's
    advice for SIGPIPE, "Note on SIGPIPE" in the signal module's documentation)."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError):  # stdout without a file descriptor (a test runner's)
        sys.stdout = open(os.devnull, "w")  # noqa: SIM115 - lives until the process ends


def safe_text(value: object) -> str:
    """Neutralise terminal control, bidi and invisible characters in credential text
    (VCDM 2.0 §"Code Injection": never let a credential drive the terminal)."""
    from vcskill.common.display import visible

    return visible(value, json_compatible=True)


def safe_json(value: object, *, indent: int | None = 2) -> str:
    """JSON for a terminal: readable Chinese, but the characters of :func:`safe_text` escaped
    (json.dumps escapes only C0 controls), so the output is still the same JSON data.
    ``indent=None``: one line (JSON Lines)."""
    from vcskill.common.display import escape_char, is_unsafe

    text = json.dumps(value, ensure_ascii=False, indent=indent,
                      separators=None if indent else (",", ":"))
    return "".join(
        escape_char(ch, json_compatible=True) if ch != "\n" and is_unsafe(ch) else ch
        for ch in text
    )


def parse_when(text: str, *, what: str) -> datetime:
    """A date (midnight China Standard Time) or an ISO 8601 date-time with a time zone."""
    from vcskill.issuing.request import parse_date_or_datetime

    return parse_date_or_datetime(text, what=what)


class CommandGroup(click.Group):
    """The ``vcskill`` group: click's own usage errors (a missing option, a bad value) are
    written as every vcskill error is, one line with its code, exit 2."""

    def main(self, args: Any = None, prog_name: str | None = None,
             complete_var: str | None = None, standalone_mode: bool = True,
             **extra: Any) -> Any:
        if not standalone_mode:
            return super().main(args, prog_name, complete_var, False, **extra)
        try:
            code = super().main(args, prog_name, complete_var, False, **extra)
        except click.UsageError as exc:
            message = exc.format_message().rstrip(".")
            if message[:2].istitle():  # "Missing option" -> "missing option", not "NOT_..."
                message = message[0].lower() + message[1:]
            click.echo(f"vcskill: error: {message} [USAGE_ERROR]", err=True)
            if exc.ctx is not None:
                click.echo(f"Try '{exc.ctx.command_path} -h' for help.", err=True)
            sys.exit(EXIT_USAGE)
        except click.ClickException as exc:
            exc.show()
            sys.exit(exc.exit_code)
        except click.Abort:
            click.echo("Aborted!", err=True)
            sys.exit(1)
        # click returns an Exit's code (--help, --version) and a command's return value
        sys.exit(code if isinstance(code, int) and not isinstance(code, bool) else EXIT_OK)


@click.group("vcskill", cls=CommandGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="vcskill")
@click.option("--debug", is_flag=True, help="Show tracebacks for errors.")
def main(debug: bool) -> None:
    """Issue, register and verify vocational skill level certificates as W3C Verifiable
    Credentials, offline.

    \b
    Start with:  vcskill demo
    Then:        vcskill key generate --out issuer.key --name "某职业技能评价中心"
                 vcskill issue --key issuer.key --name 张三 --occupation 6-31-01-03 \\
                     --level L3 --out credential.json
                 vcskill verify credential.json
    """


def run() -> None:  # pragma: no cover - console entry point alias
    main()


def read_input(path: str, *, limit: int | None = None) -> bytes:
    """The bytes of the file at ``path`` (``-`` for standard input), refusing one of more
    than ``limit`` bytes (by default twice a credential's size limit) before reading it all."""
    from vcskill.errors import Code, InputError
    from vcskill.limits import DEFAULT_LIMITS
    from vcskill.qr.image import looks_like_image

    limit = limit or DEFAULT_LIMITS.max_credential_bytes * 2
    if path == "-":
        data = sys.stdin.buffer.read(limit + 1)
    else:
        file = Path(path)
        if not file.is_file():
            raise InputError(f"{path} is not a readable file")
        data = read_up_to(file, limit)
    if len(data) > limit:
        if looks_like_image(data):
            raise Error(f"{path} is an image larger than the limit ({limit:,} bytes)",
                        code=Code.IMAGE_ERROR)
        raise InputError(f"{path} is larger than the size limit ({limit:,} bytes)")
    return data
