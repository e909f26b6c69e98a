"""The ``vcskill`` command line: thin click commands over the library.

Exit codes (docs/cli.md): 0 success / verified; 1 the credential is invalid; 2 usage error,
unreadable or malformed input, wrong passphrase; 3 could not decide. Errors are one sentence
on stderr; ``--debug`` shows the traceback.
"""

from __future__ import annotations

import json
import os
import sys
import unicodedata
from collections.abc import Callable
from datetime import datetime
from functools import wraps
from pathlib import Path
from typing import Any, NoReturn, TypeVar

import click

from vcskill import __version__
from vcskill.errors import Error, UsageError
from vcskill.skills import CHINA_STANDARD_TIME

F = TypeVar("F", bound=Callable[..., Any])

EXIT_OK, EXIT_INVALID, EXIT_USAGE, EXIT_INDETERMINATE = 0, 1, 2, 3


def _fail(message: str, code: int = EXIT_USAGE) -> NoReturn:
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
            _fail(f"{exc} [{exc.code}]")
        except BrokenPipeError:
            # the reader went away (``vcskill verify x.json | head``): not an error of ours
            sys.stdout = open(os.devnull, "w")  # noqa: SIM115 - silence the final flush
            sys.exit(EXIT_USAGE)
        except OSError as exc:
            if click.get_current_context().find_root().params.get("debug"):
                raise
            _fail(f"{exc.strerror or exc}: {exc.filename}" if exc.filename else str(exc))

    return wrapper  # type: ignore[return-value]


# Unicode categories that can move the cursor, reorder or hide text on a terminal: controls
# (C0, DEL, C1), format characters (bidi marks and overrides, zero-width characters) and the
# line and paragraph separators.
_UNSAFE_CATEGORIES = frozenset({"Cc", "Cf", "Zl", "Zp"})


def _is_unsafe(ch: str) -> bool:
    return unicodedata.category(ch) in _UNSAFE_CATEGORIES


def _escape(ch: str) -> str:
    """``\\uXXXX`` (a surrogate pair above U+FFFF), valid in JSON and readable as text."""
    code = ord(ch)
    if code <= 0xFFFF:
        return f"\\u{code:04x}"
    code -= 0x10000
    return f"\\u{0xD800 + (code >> 10):04x}\\u{0xDC00 + (code & 0x3FF):04x}"


def safe_text(value: object) -> str:
    """Neutralise terminal control, bidi and invisible characters in credential text
    (VCDM 2.0 §"Code Injection": never let a credential drive the terminal)."""
    text = "" if value is None else str(value)
    return "".join(_escape(ch) if _is_unsafe(ch) else ch for ch in text)


def safe_json(value: object) -> str:
    """JSON for a terminal: readable Chinese, but the characters of :func:`safe_text` escaped
    (json.dumps escapes only C0 controls), so the output is still the same JSON data."""
    text = json.dumps(value, ensure_ascii=False, indent=2)
    return "".join(
        _escape(ch) if ch != "\n" and _is_unsafe(ch) else ch for ch in text
    )


def parse_when(text: str, *, what: str) -> datetime:
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


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
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


# -- keys ---------------------------------------------------------------------------------
@main.group()
def key() -> None:
    """Create and inspect issuer keys."""


@key.command("generate")
@click.option("--out", "out", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="Private key file to write (PKCS#8 PEM, mode 0600).")
@click.option("--algorithm", type=click.Choice(["ed25519", "p256"]), default="ed25519",
              show_default=True, help="Ed25519 suits eddsa-* proofs; P-256 ecdsa-rdfc-2019.")
@click.option("--did-web", "did_web", metavar="HOST[:PORT][/PATH]",
              help="Use a did:web DID and write its DID document beside the key.")
@click.option("--name", "issuer_name",
              help="The issuer's filed name (备案名称), kept with the key.")
@click.option("--uscc", help="The issuer's unified social credit code, kept with the key.")
@click.option("--force", is_flag=True, help="Overwrite an existing key file.")
@handle_errors
def key_generate(out: Path, algorithm: str, did_web: str | None, issuer_name: str | None,
                 uscc: str | None, force: bool) -> None:
    """Generate a signing key and print its DID and Multikey.

    The key is encrypted when VCSKILL_PASSPHRASE is set.

    \b
    Example:
      VCSKILL_PASSPHRASE=... vcskill key generate --out issuer.key --name "某评价中心"
    """
    from vcskill.keys import KeyAlgorithm, PrivateKey, passphrase_from_env, write_key_file
    from vcskill.skills import validate_uscc

    if uscc:
        validate_uscc(uscc)
    passphrase = passphrase_from_env()
    key_file = write_key_file(out, PrivateKey.generate(KeyAlgorithm(algorithm)),
                              passphrase=passphrase, issuer_name=issuer_name,
                              did_web=did_web, uscc=uscc, force=force)
    meta = key_file.metadata
    click.echo(f"key:                 {out}" + (" (encrypted)" if passphrase else ""))
    click.echo(f"DID:                 {meta.controller}")
    click.echo(f"verification method: {meta.verification_method}")
    click.echo(f"publicKeyMultibase:  {meta.public_key_multibase}")
    if did_web:
        click.echo(f"DID document:        {out}.did.json  (publish it at the did:web URL)")
    if not passphrase:
        click.echo("note: the key is not encrypted; set VCSKILL_PASSPHRASE to encrypt it",
                   err=True)


@key.command("show")
@click.argument("keyfile", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@handle_errors
def key_show(keyfile: Path, as_json: bool) -> None:
    """Show a key's DID, verification method, Multikey and JWK (never the private key).

    \b
    Example:
      vcskill key show issuer.key --json
    """
    from vcskill.keys import passphrase_from_env, read_key_file

    key_file = read_key_file(keyfile, passphrase=passphrase_from_env())
    meta = key_file.metadata
    public = key_file.private_key.public_key
    info = {
        "did": meta.controller,
        "verificationMethod": meta.verification_method,
        "algorithm": public.algorithm.value,
        "publicKeyMultibase": public.multibase(),
        "publicKeyJwk": public.to_jwk(),
        "issuerName": meta.issuer_name,
        "uscc": meta.uscc,
    }
    if as_json:
        click.echo(safe_json(info))
        return
    for label, value in info.items():
        shown = json.dumps(value) if isinstance(value, dict) else value
        click.echo(f"{label + ':':20} {safe_text(shown) if shown is not None else '-'}")


# -- issue --------------------------------------------------------------------------------
@main.command()
@click.option("--key", "key_path", required=True,
              type=click.Path(dir_okay=False, path_type=Path), help="Issuer key file.")
@click.option("--name", "holder_name", required=True, help="The holder's name (姓名).")
@click.option("--occupation", required=True, metavar="CODE[@EDITION]",
              help="Occupation code, e.g. 6-31-01-03 (2022 edition) or 6-30-99-00@2015.")
@click.option("--occupation-name", help="Occupation name; known codes fill it in.")
@click.option("--work-type", help="工种 / 职业方向, if the occupation has one.")
@click.option("--level", required=True, help="L5 … L1, APPRENTICE, PRINCIPAL, CHIEF, X-JUNIOR…")
@click.option("--id-number", help="Identity number: stored masked plus a salted digest only.")
@click.option("--certificate-number", help="证书编号; generated when omitted.")
@click.option("--valid-from", help="Issue date (YYYY-MM-DD, China time) or date-time; today.")
@click.option("--assessment-id", help="Assessment event id (one test may yield several).")
@click.option("--standard", help="The standard assessed against, e.g. 'GZB 6-31-01-03 (2018)'.")
@click.option("--holder-did", help="The holder's DID, if they have one.")
@click.option("--issuer-did", help="Override the issuer DID from the key file.")
@click.option("--issuer-name", help="Override the issuer name from the key file.")
@click.option("--uscc", help="Override the issuer's unified social credit code.")
@click.option("--cryptosuite", type=click.Choice(
    ["eddsa-rdfc-2022", "eddsa-jcs-2022", "ecdsa-rdfc-2019", "vc-jwt"]),
    help="Proof format [default: eddsa-rdfc-2022 for Ed25519, ecdsa-rdfc-2019 for P-256].")
@click.option("--ledger", type=click.Path(dir_okay=False, path_type=Path),
              help="Status-list ledger (adds revocation and suspension entries).")
@click.option("--out", "out", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="Where to write the signed credential.")
@click.option("--force", is_flag=True, help="Overwrite an existing output file.")
@handle_errors
def issue(key_path: Path, holder_name: str, occupation: str, occupation_name: str | None,
          work_type: str | None, level: str, id_number: str | None,
          certificate_number: str | None, valid_from: str | None, assessment_id: str | None,
          standard: str | None, holder_did: str | None, issuer_did: str | None,
          issuer_name: str | None, uscc: str | None, cryptosuite: str | None,
          ledger: Path | None, out: Path, force: bool) -> None:
    """Sign one skill-level credential.

    \b
    Example:
      vcskill issue --key issuer.key --name 张三 --id-number 370102199001011234 \\
          --occupation 6-31-01-03 --level L3 --out zhangsan.json
    """
    from vcskill.issuing import IssueRequest, issue_one

    if ledger is not None:
        raise UsageError("--ledger (revocation status) arrives with the status-list ledger; "
                         "issue without it for now")
    if out.exists() and not force:
        raise UsageError(f"{out} exists; pass --force to overwrite it")
    request = IssueRequest(
        holder_name=holder_name, occupation=occupation, occupation_name=occupation_name,
        work_type=work_type, level=level, id_number=id_number,
        certificate_number=certificate_number,
        valid_from=parse_when(valid_from, what="--valid-from") if valid_from else None,
        assessment_id=assessment_id, standard=standard, holder_did=holder_did,
        issuer_did=issuer_did, issuer_name=issuer_name, uscc=uscc, proof_format=cryptosuite,
    )
    result = issue_one(key_path, request)
    from vcskill.fileio import write_text_atomic

    write_text_atomic(out, result.serialized, force=force)
    click.echo(f"issued {result.credential_id} ({result.proof_format}) -> {out}")
    click.echo(f"  holder {safe_text(holder_name)}, {result.summary}")
    for note in result.notes:
        click.echo(f"  note: {note}", err=True)


# -- verify -------------------------------------------------------------------------------
@main.command()
@click.argument("input_path", metavar="INPUT")
@click.option("--registry", type=click.Path(dir_okay=False, path_type=Path),
              help="Trusted issuer registry snapshot (arrives with the registry).")
@click.option("--cache", type=click.Path(file_okay=False, path_type=Path),
              help="Sync cache directory (arrives with the registry).")
@click.option("--status-dir", type=click.Path(file_okay=False, path_type=Path),
              help="Directory of status list credentials (arrives with revocation).")
@click.option("--at", "at", help="Judge as of this date-time instead of now.")
@click.option("--require-occupation", metavar="CODE", help="Policy: the occupation required.")
@click.option("--min-level", metavar="LEVEL", help="Policy: the lowest acceptable level.")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@handle_errors
def verify(input_path: str, registry: Path | None, cache: Path | None,
           status_dir: Path | None, at: str | None, require_occupation: str | None,
           min_level: str | None, as_json: bool) -> None:
    """Verify a credential offline: JSON, a vc+jwt, or '-' for stdin.

    Exit 0 verified, 1 invalid, 2 unreadable or malformed input, 3 could not decide (for
    example, no registry given).

    \b
    Example:
      vcskill verify zhangsan.json --json
    """
    from vcskill.report import CheckId, Outcome
    from vcskill.verifier import Verifier, parse_policy

    for option, value in (("--registry", registry), ("--cache", cache),
                          ("--status-dir", status_dir)):
        if value is not None:
            raise UsageError(f"{option} is not available yet in this version")
    data = _read_input(input_path)
    when = parse_when(at, what="--at") if at else None
    policy = parse_policy(require_occupation, min_level)
    report = Verifier().check(data, at=when, policy=policy)
    if as_json:
        click.echo(safe_json(report.to_json()))
    parse = report.check(CheckId.PARSE)
    if parse is not None and not parse.passed:
        # Not a credential at all (empty, not JSON, too deep, duplicate keys...): that is
        # malformed input (exit 2), not an invalid credential.
        _fail(f"{safe_text(input_path)}: {safe_text(parse.detail)} [{parse.code}]")
    if not as_json:
        _print_report(report)
    sys.exit({Outcome.VERIFIED: EXIT_OK, Outcome.INVALID: EXIT_INVALID,
              Outcome.INDETERMINATE: EXIT_INDETERMINATE}[report.outcome])


def _read_input(path: str) -> bytes:
    from vcskill.errors import InputError
    from vcskill.limits import DEFAULT_LIMITS

    cap = DEFAULT_LIMITS.max_credential_bytes * 2 + 1
    if path == "-":
        data = sys.stdin.buffer.read(cap)
    else:
        file = Path(path)
        if not file.is_file():
            raise InputError(f"{path} is not a readable file")
        with file.open("rb") as handle:
            data = handle.read(cap)
    if len(data) >= cap:
        raise InputError(f"{path} is larger than the credential size limit")
    return data


def _print_report(report: Any) -> None:
    c = report.credential
    outcome = str(report.outcome).upper()
    click.echo(f"{outcome}: " + _outcome_sentence(report))
    if c.subject_name or c.issuer:
        click.echo(f"  holder      {safe_text(c.subject_name)}")
        if c.occupation:
            click.echo(f"  occupation  {safe_text(c.occupation)} {safe_text(c.occupation_name)}")
            click.echo(f"  level       {safe_text(c.level)} {safe_text(c.level_name)}")
            click.echo(f"  number      {safe_text(c.certificate_number)}")
        click.echo(f"  issuer      {safe_text(c.issuer_name)} ({safe_text(c.issuer)})")
        click.echo(f"  issued      {safe_text(c.valid_from)}   format {safe_text(c.format)}")
    click.echo("  checks:")
    for check in report.checks:
        mark = "PASS" if check.passed else ("----" if check.indeterminate else "FAIL")
        code = f" [{check.code}]" if check.code else ""
        click.echo(f"    {mark} {check.id:<13} {safe_text(check.detail)}{code}")
    for warning in report.warnings:
        click.echo(f"  warning: {safe_text(warning)}")


def _outcome_sentence(report: Any) -> str:
    first = report.first_failure
    if first is None:
        return "the credential is genuine, authorised and not revoked"
    if first.indeterminate:
        return f"could not decide ({first.id}: {safe_text(first.detail)})"
    return f"{first.id} failed: {safe_text(first.detail)}"


# -- demo ---------------------------------------------------------------------------------
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


def run() -> None:  # pragma: no cover - console entry point alias
    main()


if __name__ == "__main__":  # pragma: no cover
    main()

