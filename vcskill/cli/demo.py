"""`vcskill demo`: the whole flow on built-in defaults, in a scratch directory."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from vcskill.cli.app import (
    EXIT_INVALID,
    EXIT_OK,
    handle_errors,
    main,
)


@main.command()
@click.option("--workdir", type=click.Path(file_okay=False, path_type=Path),
              help="Where to leave the artefacts [default: a new ./vcskill-demo-* folder].")
@handle_errors
def demo(workdir: Path | None) -> None:
    """Run the whole flow on built-in defaults and print a table of verdicts.

    \b
    Example:
      vcskill demo --workdir /tmp/demo
    """
    from vcskill.demo import run_demo

    ok = run_demo(workdir, echo=click.echo)
    sys.exit(EXIT_OK if ok else EXIT_INVALID)

