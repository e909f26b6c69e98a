"""The ``vcskill`` command line: thin click commands over the library.

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
from functools import partial, wraps
from pathlib import Path
from typing import Any, NoReturn, TypeVar

import click

from vcskill import __version__
from vcskill.errors import Error, UsageError

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
            # The reader went away (``vcskill verify x.json | head -1``): not an error of
            # ours, and not a reason to change the answer. A command that knows its exit code
            # before it prints (verify) records it with answer_with().
            _silence_stdout()
            sys.exit(click.get_current_context().meta.get(_EXIT_KEY, EXIT_USAGE))
        except OSError as exc:
            if click.get_current_context().find_root().params.get("debug"):
                raise
            _fail(f"{exc.strerror or exc}: {exc.filename}" if exc.filename else str(exc))

    return wrapper  # type: ignore[return-value]


_EXIT_KEY = "vcskill.exit_code"


def answer_with(code: int) -> None:
    """Record the exit code the command will end with, so that a reader closing the pipe
    early (``| head -1``) does not turn it into another one."""
    click.get_current_context().meta[_EXIT_KEY] = code


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
    from vcskill.display import visible

    return visible(value, json_compatible=True)


def safe_json(value: object, *, indent: int | None = 2) -> str:
    """JSON for a terminal: readable Chinese, but the characters of :func:`safe_text` escaped
    (json.dumps escapes only C0 controls), so the output is still the same JSON data.
    ``indent=None``: one line (JSON Lines)."""
    from vcskill.display import escape_char, is_unsafe

    text = json.dumps(value, ensure_ascii=False, indent=indent,
                      separators=None if indent else (",", ":"))
    return "".join(
        escape_char(ch, json_compatible=True) if ch != "\n" and is_unsafe(ch) else ch
        for ch in text
    )


def parse_when(text: str, *, what: str) -> datetime:
    """A date (midnight China Standard Time) or an ISO 8601 date-time with a time zone."""
    from vcskill.issuing import parse_date_or_datetime

    return parse_date_or_datetime(text, what=what)


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


# -- QR codes and certificates -------------------------------------------------------------
@main.group()
def qr() -> None:
    """Put a whole signed credential in a QR code, and read it back."""


@qr.command("encode")
@click.argument("credential", metavar="CREDENTIAL", type=click.Path(dir_okay=False))
@click.option("--out", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="FILE.png or FILE.svg.")
@click.option("--error", "error", type=click.Choice(["l", "m", "q", "h"],
              case_sensitive=False), default="m", show_default=True,
              help="Error correction (raised for free when the version has room).")
@click.option("--scale", type=click.IntRange(1, 64), help="Pixels (PNG) or units per module.")
@handle_errors
def qr_encode(credential: str, out: Path, error: str, scale: int | None) -> None:
    """Encode CREDENTIAL (JSON or vc+jwt) as a QR code that verifies offline.

    \b
    Example:
      vcskill qr encode zhangsan.json --out zhangsan.png
      vcskill verify zhangsan.png --cache ~/.cache/vcskill
    """
    from vcskill.qr import write_qr

    info = write_qr(_read_input(credential), out, error=error.lower(), scale=scale)
    click.echo(f"QR version {info.version}, error correction {info.error.upper()}, "
               f"{info.payload_chars} characters -> {out}")


@qr.command("decode")
@click.argument("image", metavar="IMAGE")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path),
              help="Write the credential here [default: standard output].")
@handle_errors
def qr_decode(image: str, out: Path | None) -> None:
    """Read the credential from a photo of its QR code (PNG or JPEG), or from a payload.

    Nothing is verified here: use `vcskill verify IMAGE` for that.

    \b
    Example:
      vcskill qr decode photo.jpg --out credential.json
    """
    from vcskill.errors import Code
    from vcskill.qr import MAX_IMAGE_BYTES, credential_from_image, decode_payload, looks_like_image

    raw = _read_input(image, cap=MAX_IMAGE_BYTES + 1)
    if looks_like_image(raw):
        data = credential_from_image(raw)
    else:
        # Not an image we read, so it must be the payload's text: anything else (a link,
        # another QR format, a GIF, a credential file) is said to be what it is not.
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            raise Error(f"{image} is neither a PNG or JPEG image nor the text of a QR payload",
                        code=Code.IMAGE_ERROR) from None
        data = decode_payload(text.strip())
    if out is None:
        click.echo(data.decode("utf-8"))
        return
    from vcskill.fileio import write_bytes_atomic

    write_bytes_atomic(out, data if data.endswith(b"\n") else data + b"\n")
    click.echo(f"credential -> {out}", err=True)


@main.command("certificate")
@click.argument("credential", metavar="CREDENTIAL", type=click.Path(dir_okay=False))
@click.option("--out", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="The PDF file to write (A4).")
@click.option("--lang", type=click.Choice(["zh-en", "zh", "en"]), default="zh-en",
              show_default=True, help="Languages on the page.")
@click.option("--force", is_flag=True, help="Overwrite an existing file.")
@handle_errors
def certificate(credential: str, out: Path, lang: str, force: bool) -> None:
    """Render a printable A4 certificate with the credential's QR code.

    The QR code carries the whole signed credential: a scan or a photo of the paper verifies
    offline (`vcskill verify photo.jpg`). Needs a CJK font (Debian: fonts-noto-cjk).

    \b
    Example:
      vcskill certificate zhangsan.json --out zhangsan.pdf
    """
    from vcskill.certificate import render_certificate

    if out.exists() and not force:
        raise UsageError(f"{out} exists; pass --force to overwrite it")
    info = render_certificate(_read_input(credential), out, lang=lang, force=True)
    click.echo(f"certificate {safe_text(info.facts.certificate_number)} of "
               f"{safe_text(info.facts.holder_name)} -> {out} (QR version {info.qr_version}, "
               f"{info.qr_size_mm:.0f} mm)")


# -- cohorts, revocation, status lists ------------------------------------------------------
@main.command("issue-batch")
@click.argument("csv_path", metavar="CSV", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--key", "key_path", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="Issuer key file.")
@click.option("--ledger", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="The issuer's ledger (created if missing).")
@click.option("--status-url", metavar="URL",
              help="With a new ledger: where its status lists will be published.")
@click.option("--out-dir", required=True, type=click.Path(file_okay=False, path_type=Path),
              help="Where to write one credential per row (CERTIFICATE_NUMBER.json).")
@click.option("--workers", type=click.IntRange(1, 64), default=1, show_default=True,
              help="Processes signing in parallel (e.g. the number of cores).")
@click.option("--cryptosuite", type=click.Choice(
    ["eddsa-rdfc-2022", "eddsa-jcs-2022", "ecdsa-rdfc-2019", "vc-jwt"]),
    help="Proof format [default: by key type].")
@click.option("--progress/--no-progress", default=None,
              help="Show the progress bar [default: on a terminal].")
@click.option("--qr", is_flag=True, help="Also write each credential's QR code (NUMBER.png).")
@click.option("--pdf", is_flag=True,
              help="Also write each printable certificate (NUMBER.pdf, A4, with the QR code).")
@handle_errors
def issue_batch(csv_path: Path, key_path: Path, ledger: Path, status_url: str | None,
                out_dir: Path, workers: int, cryptosuite: str | None, progress: bool | None,
                qr: bool, pdf: bool) -> None:
    """Issue a whole cohort from a CSV file, one credential per row.

    Columns (UTF-8, header row): name, id_number, occupation, level, certificate_number,
    valid_from; optional: work_type, assessment_id, holder_did. A bad row is reported with
    its line number and the rest go on. Running the same CSV again, even after a crash,
    issues no row twice.

    \b
    Example:
      vcskill issue-batch cohort.csv --key issuer.key --ledger issuer.ledger \\
          --out-dir credentials/ --workers 2
    """
    from vcskill.batch import ProgressBar
    from vcskill.batch import issue_batch as run_batch

    summary = run_batch(csv_path, key_path=key_path, ledger_path=ledger, out_dir=out_dir,
                        workers=workers, status_url=status_url, proof_format=cryptosuite,
                        qr=qr, pdf=pdf,
                        progress=ProgressBar(force=progress) if progress is not False else None)
    click.echo(f"{summary.rows} rows: {summary.issued} issued, {summary.skipped} already "
               f"issued, {summary.failed} failed; {summary.rate:,.0f} credentials/s "
               f"({summary.seconds:.1f} s) -> {out_dir}")
    for failure in summary.failures:
        click.echo(f"  line {failure.line}: {safe_text(failure.detail)}", err=True)
    if summary.failed:
        _fail(f"{summary.failed} row(s) of {csv_path} were not issued (see above); fix them "
              "and run the same command again: issued rows are skipped")


@main.command()
@click.argument("credential", metavar="CREDENTIAL_ID_OR_FILE")
@click.option("--ledger", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="The issuer's ledger.")
@click.option("--suspend", is_flag=True, help="Suspend (reversible) instead of revoking.")
@click.option("--reinstate", is_flag=True, help="Lift a suspension.")
@click.option("--reason", required=True, help="Why (kept in the ledger).")
@handle_errors
def revoke(credential: str, ledger: Path, suspend: bool, reinstate: bool, reason: str) -> None:
    """Revoke a credential (permanent), or suspend or reinstate it.

    The change reaches verifiers with the next `vcskill status publish`.

    \b
    Example:
      vcskill revoke --ledger issuer.ledger S000011000001263000001 --reason "fraudulent exam"
      vcskill revoke --ledger issuer.ledger zhangsan.json --suspend --reason "under review"
    """
    from datetime import UTC

    from vcskill.ledger import Action, SQLiteLedger

    if suspend and reinstate:
        raise UsageError("give --suspend or --reinstate, not both")
    action = Action.SUSPEND if suspend else Action.REINSTATE if reinstate else Action.REVOKE
    key = _credential_key(credential)
    with SQLiteLedger.open(ledger) as store:
        record, changed = store.change_status(key, action, reason=reason,
                                              now=datetime.now(UTC))
    state = "revoked" if record.revoked else "suspended" if record.suspended else "active"
    verb = {Action.REVOKE: "revoked", Action.SUSPEND: "suspended",
            Action.REINSTATE: "reinstated"}[action]
    if changed:
        click.echo(f"{verb} {record.credential_id} (certificate {record.row_key}); now {state}")
        click.echo("  run `vcskill status publish` so that verifiers learn of it")
    else:
        click.echo(f"{record.credential_id} was already {state}; nothing changed")


def _credential_key(text: str) -> str:
    """A credential id or certificate number, or a credential file to take the id from."""
    path = Path(text)
    if not path.is_file():
        return text
    from vcskill.jsonparse import parse_json
    from vcskill.proofs.jose import decode_jwt, looks_like_jwt

    data = _read_input(text)
    # The id only looks the credential up in the issuer's own ledger: no trust is needed.
    token = data.decode("utf-8", "replace").strip()
    document = decode_jwt(token).credential if looks_like_jwt(token) else parse_json(data)
    if not isinstance(document, dict) or not isinstance(document.get("id"), str):
        raise UsageError(f"{text} is not a credential with an id")
    return str(document["id"])


@main.group()
def status() -> None:
    """Publish the issuer's status lists (revocation and suspension)."""


@status.command("publish")
@click.option("--ledger", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="The issuer's ledger.")
@click.option("--key", "key_path", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="The issuer's key (the one the ledger belongs to).")
@click.option("--out-dir", required=True, type=click.Path(file_okay=False, path_type=Path),
              help="Where to write the lists; host them at the ledger's status URL.")
@click.option("--valid-for", default=7, show_default=True, type=click.IntRange(1, 366),
              metavar="DAYS", help="Verifiers treat a list as stale after this.")
@handle_errors
def status_publish(ledger: Path, key_path: Path, out_dir: Path, valid_for: int) -> None:
    """Sign and write every status list of the ledger (BitstringStatusListCredential).

    Each file is replaced atomically; re-running is safe. Publish again before the lists
    go stale, even when nothing changed.

    \b
    Example:
      vcskill status publish --ledger issuer.ledger --key issuer.key --out-dir status/
    """
    from datetime import timedelta

    from vcskill.keys import passphrase_from_env, read_key_file
    from vcskill.ledger import SQLiteLedger
    from vcskill.revocation import publish_status_lists

    key_file = read_key_file(key_path, passphrase=passphrase_from_env())
    with SQLiteLedger.open(ledger) as store:
        written = publish_status_lists(store, key_file, out_dir,
                                       valid_for=timedelta(days=valid_for))
        url = store.setting("status_url")
    for item in written:
        change = "" if item.changed else " (unchanged)"
        click.echo(f"{item.path}: list {item.list_number} {item.purpose.value}, version "
                   f"{item.version}, {item.set_bits} set{change}")
    click.echo(f"host {out_dir} at {url}/; valid for {valid_for} days")


# -- registry -----------------------------------------------------------------------------
@main.group()
def registry() -> None:
    """Publish the trusted issuer registry (for regulators).

    A working directory holds the draft between commands; `publish` signs it. See
    docs/regulators.md for the whole walk-through.

    \b
    Example:
      vcskill registry init reg --root-key a.key --root-key b.key --name 人力资源社会保障部
      vcskill registry issuer-add reg --did did:web:a.example.cn --name 某评价中心 \\
          --uscc 91370100MA3C00001H --category social-training-evaluation-organisation \\
          --public-key z6Mk... --scope 6-31-01-03:L5-L3 --approved-from 2025-01-01
      vcskill registry publish reg --key a.key --key b.key --out registry.json
    """


def _private_keys(paths: tuple[Path, ...]) -> list[Any]:
    from vcskill.keys import passphrase_from_env, read_key_file

    passphrase = passphrase_from_env()
    return [read_key_file(p, passphrase=passphrase).private_key for p in paths]


def _public_keys(key_files: tuple[Path, ...], multibases: tuple[str, ...]) -> list[Any]:
    from did_registry.admin import parse_public_key_arg

    return ([k.public_key for k in _private_keys(key_files)]
            + [parse_public_key_arg(m) for m in multibases])


def _when(text: str | None, what: str) -> datetime | None:
    return parse_when(text, what=what) if text else None


_DIR = click.Path(file_okay=False, path_type=Path)
_KEYFILE = click.Path(dir_okay=False, path_type=Path)


@registry.command("init")
@click.argument("directory", metavar="DIR", type=_DIR)
@click.option("--root-key", "root_keys", multiple=True, required=True, type=_KEYFILE,
              help="A regulator root key file (repeat for M-of-N).")
@click.option("--threshold", type=int, help="Signatures needed (M) [default: a majority].")
@click.option("--name", required=True, help="The national regulator's name.")
@click.option("--force", is_flag=True, help="Start over in a directory that has a registry.")
@handle_errors
def registry_init(directory: Path, root_keys: tuple[Path, ...], threshold: int | None,
                  name: str, force: bool) -> None:
    """Create a registry working directory with root v1.

    Prints the root's fingerprint: publish it where verifiers can trust it, since they pin
    it with `verify --trust-root`.

    \b
    Example:
      vcskill registry init reg --root-key a.key --root-key b.key --root-key c.key \\
          --threshold 2 --name 人力资源社会保障部
    """
    from did_registry import admin

    work = admin.init(directory, _private_keys(root_keys), name=name, threshold=threshold,
                      force=force)
    root = work.root
    click.echo(f"registry working directory {directory}: root v1 '{safe_text(root.name)}', "
               f"{root.threshold} of {len(root.keys)} keys")
    click.echo(f"trust anchor: {directory / 'root.json'}")
    click.echo(f"fingerprint:  {work.fingerprint}")
    click.echo("  give verifiers the root file or the fingerprint (verify --trust-root ...)")


@registry.command("rotate-root")
@click.argument("directory", metavar="DIR", type=_DIR)
@click.option("--old-key", "old_keys", multiple=True, required=True, type=_KEYFILE,
              help="A key of the current root (its threshold must sign).")
@click.option("--new-key", "new_keys", multiple=True, required=True, type=_KEYFILE,
              help="A key of the new root (repeat; all of them sign).")
@click.option("--threshold", type=int, help="The new root's M [default: a majority].")
@click.option("--name", help="The new root's name [default: unchanged].")
@handle_errors
def registry_rotate_root(directory: Path, old_keys: tuple[Path, ...],
                         new_keys: tuple[Path, ...], threshold: int | None,
                         name: str | None) -> None:
    """Replace the root keys: root N+1 signed by root N's threshold and by its own.

    Verifiers that trust an older root follow the chain; the next publish is signed by the
    new root.

    \b
    Example:
      vcskill registry rotate-root reg --old-key a.key --old-key b.key \\
          --new-key d.key --new-key e.key --new-key f.key --threshold 2
    """
    from did_registry import admin

    root = admin.rotate(directory, old_keys=_private_keys(old_keys),
                        new_keys=_private_keys(new_keys), threshold=threshold, name=name)
    click.echo(f"root v{root.version}: {root.threshold} of {len(root.keys)} keys "
               f"({directory / 'roots' / f'{root.version}.json'}); publish to put it out")


@registry.command("delegate")
@click.argument("directory", metavar="DIR", type=_DIR)
@click.option("--jurisdiction", required=True, metavar="CODE",
              help="A province code (e.g. 37) or MOE-1X.")
@click.option("--name", required=True, help="The regional regulator's name.")
@click.option("--key", "key_files", multiple=True, type=_KEYFILE,
              help="The delegate's key file (its public half is used).")
@click.option("--public-key", "public_keys", multiple=True, metavar="MULTIBASE",
              help="The delegate's public key, if you do not hold its key file.")
@click.option("--threshold", type=int, help="Signatures needed [default: a majority].")
@handle_errors
def registry_delegate(directory: Path, jurisdiction: str, name: str,
                      key_files: tuple[Path, ...], public_keys: tuple[str, ...],
                      threshold: int | None) -> None:
    """Delegate a jurisdiction to a regional regulator, whose keys sign its issuers.

    \b
    Example:
      vcskill registry delegate reg --jurisdiction 37 --name 山东省人力资源和社会保障厅 \\
          --public-key z6Mk...
    """
    from did_registry import admin

    delegation = admin.delegate(directory, jurisdiction=jurisdiction, name=name,
                                keys=_public_keys(key_files, public_keys), threshold=threshold)
    click.echo(f"delegated {delegation.jurisdiction} to '{safe_text(delegation.name)}' "
               f"({delegation.threshold} of {len(delegation.keys)} keys)")


_CATEGORIES = ["employer", "social-training-evaluation-organisation", "technical-college",
               "one-plus-x-organisation"]


@registry.command("issuer-add")
@click.argument("directory", metavar="DIR", type=_DIR)
@click.option("--did", required=True, help="The issuer's DID.")
@click.option("--name", required=True, help="The name filed with the regulator.")
@click.option("--other-name", "other_names", multiple=True, help="Another name (e.g. English).")
@click.option("--uscc", help="Unified social credit code (checked).")
@click.option("--category", required=True, type=click.Choice(_CATEGORIES))
@click.option("--public-key", "public_keys", multiple=True, required=True,
              metavar="MULTIBASE", help="The issuer's public key (or its did:key).")
@click.option("--scope", "scopes", multiple=True, required=True, metavar="OCCUPATION:LEVELS",
              help="e.g. 6-31-01-03:L5-L3 (repeat).")
@click.option("--approved-from", required=True, metavar="DATE", help="Approval date.")
@click.option("--jurisdiction", default="CN", show_default=True, metavar="CODE",
              help="Whose part lists it (a delegated code, or CN for the root's own).")
@click.option("--key-valid-from", metavar="DATE", help="Keys valid from [default: approval].")
@click.option("--status-url", metavar="URL",
              help="Where the issuer publishes its status lists (sync mirrors them).")
@handle_errors
def registry_issuer_add(directory: Path, did: str, name: str, other_names: tuple[str, ...],
                        uscc: str | None, category: str, public_keys: tuple[str, ...],
                        scopes: tuple[str, ...], approved_from: str, jurisdiction: str,
                        key_valid_from: str | None, status_url: str | None) -> None:
    """List an approved issuer with its keys and the occupations and levels it may certify.

    \b
    Example:
      vcskill registry issuer-add reg --did did:web:a.example.cn --name 某评价中心 \\
          --uscc 91370100MA3C00001H --category social-training-evaluation-organisation \\
          --public-key z6Mk... --scope 6-31-01-03:L5-L3 --approved-from 2025-01-01 \\
          --jurisdiction 37
    """
    from did_registry import admin
    from vcskill.skills import validate_uscc

    if uscc:
        validate_uscc(uscc)
    entry = admin.add_issuer(
        directory, did=did, name=name, category=category,
        keys=[admin.parse_public_key_arg(k) for k in public_keys], scopes=scopes,
        approved_from=parse_when(approved_from, what="--approved-from"), uscc=uscc,
        jurisdiction=jurisdiction, key_valid_from=_when(key_valid_from, "--key-valid-from"),
        other_names=other_names, status_url=status_url,
    )
    click.echo(f"listed {safe_text(entry.did)} '{safe_text(entry.name)}' in {entry.jurisdiction}: "
               + "; ".join(s.describe() for s in entry.scope))


@registry.command("issuer-status")
@click.argument("directory", metavar="DIR", type=_DIR)
@click.option("--did", required=True, help="The issuer's DID.")
@click.option("--status", required=True, type=click.Choice(["approved", "suspended", "removed"]))
@click.option("--from", "start", required=True, metavar="DATE", help="From this date.")
@click.option("--until", "end", metavar="DATE",
              help="Until this date; afterwards the earlier status resumes.")
@click.option("--reason", required=True, help="Why (shown to verifiers).")
@handle_errors
def registry_issuer_status(directory: Path, did: str, status: str, start: str,
                           end: str | None, reason: str) -> None:
    """Approve, suspend or remove an issuer from a date (optionally until a date).

    Credentials it signs while suspended or after removal never verify; those it signed
    while approved keep verifying.

    \b
    Example:
      vcskill registry issuer-status reg --did did:web:a.example.cn --status suspended \\
          --from 2026-02-01 --until 2026-03-01 --reason "over-issuance audit"
    """
    from did_registry import admin
    from did_registry.model import format_datetime

    entry = admin.set_status(directory, did=did, status=status,
                             start=parse_when(start, what="--from"),
                             end=_when(end, "--until"), reason=reason)
    click.echo(f"{safe_text(entry.did)} status history:")
    for item in entry.status:
        until = format_datetime(item.end) if item.end else "no end"
        click.echo(f"  {item.status.value:<9} {format_datetime(item.start)} – {until}"
                   + (f"  ({safe_text(item.reason)})" if item.reason else ""))


@registry.command("issuer-set")
@click.argument("directory", metavar="DIR", type=_DIR)
@click.option("--did", required=True, help="The issuer's DID.")
@click.option("--status-url", required=True, metavar="URL",
              help="Where the issuer publishes its status lists ('' to remove).")
@handle_errors
def registry_issuer_set(directory: Path, did: str, status_url: str) -> None:
    """Record where an issuer publishes its status lists, so that `vcskill sync` mirrors them.

    \b
    Example:
      vcskill registry issuer-set reg --did did:web:a.example.cn \\
          --status-url https://a.example.cn/status
    """
    from did_registry import admin

    entry = admin.set_status_url(directory, did=did, status_url=status_url or None)
    click.echo(f"{safe_text(entry.did)} status lists: {safe_text(entry.status_url or 'none')}")


@registry.command("issuer-scope")
@click.argument("directory", metavar="DIR", type=_DIR)
@click.option("--did", required=True, help="The issuer's DID.")
@click.option("--add", "add", metavar="OCCUPATION:LEVELS", help="A scope to add.")
@click.option("--end", "end_occupation", metavar="OCCUPATION",
              help="End the scopes of this occupation.")
@click.option("--from", "start", required=True, metavar="DATE",
              help="When the new scope starts, or the old one ends.")
@click.option("--until", "end", metavar="DATE", help="When an added scope ends.")
@handle_errors
def registry_issuer_scope(directory: Path, did: str, add: str | None,
                          end_occupation: str | None, start: str, end: str | None) -> None:
    """Widen or narrow what an issuer may certify, from a date.

    \b
    Example:
      vcskill registry issuer-scope reg --did did:web:a.example.cn --add 4-04-05-01:L4-L3 \\
          --from 2026-06-01
    """
    from did_registry import admin

    if (add is None) == (end_occupation is None):
        raise UsageError("give either --add OCCUPATION:LEVELS or --end OCCUPATION")
    if end_occupation is not None and end is not None:
        raise UsageError("--until goes with --add; --end ends the scope at --from")
    when = parse_when(start, what="--from")
    if add is not None:
        entry = admin.set_scope(directory, did=did, scope=add, start=when,
                                end=_when(end, "--until"))
    else:
        entry = admin.end_scope(directory, did=did, occupation=str(end_occupation), at=when)
    click.echo(f"{safe_text(entry.did)} scope: " + "; ".join(s.describe() for s in entry.scope))


@registry.command("issuer-key")
@click.argument("directory", metavar="DIR", type=_DIR)
@click.option("--did", required=True, help="The issuer's DID.")
@click.option("--public-key", required=True, metavar="MULTIBASE", help="The key concerned.")
@click.option("--from", "start", metavar="DATE", help="Add the key, valid from this date.")
@click.option("--retire-others", is_flag=True,
              help="With --from: the issuer's other keys stop at that date (a rotation).")
@click.option("--until", "end", metavar="DATE",
              help="Retire the key: credentials issued from this date with it are refused; "
                   "earlier ones still verify.")
@click.option("--compromised", is_flag=True,
              help="The key leaked: nothing it ever signed verifies any more.")
@handle_errors
def registry_issuer_key(directory: Path, did: str, public_key: str, start: str | None,
                        retire_others: bool, end: str | None, compromised: bool) -> None:
    """Add an issuer key, rotate to it, retire one, or report one compromised.

    \b
    Example:
      vcskill registry issuer-key reg --did did:web:a.example.cn --public-key z6Mk... \\
          --from 2026-03-01 --retire-others
      vcskill registry issuer-key reg --did did:web:a.example.cn --public-key z6Mk... \\
          --compromised
    """
    from datetime import UTC

    from did_registry import admin

    key_value = admin.parse_public_key_arg(public_key)
    if sum((start is not None, end is not None, compromised)) != 1:
        raise UsageError("give one of --from DATE (add the key), --until DATE (retire it) "
                         "or --compromised")
    if start is not None:
        entry = admin.add_key(directory, did=did, key=key_value,
                              valid_from=parse_when(start, what="--from"),
                              retire_others_at=retire_others)
    elif end is not None:
        entry = admin.end_key(directory, did=did, key=key_value,
                              until=parse_when(end, what="--until"))
    else:
        entry = admin.compromise_key(directory, did=did, key=key_value,
                                     reported=datetime.now(UTC).replace(microsecond=0))
    click.echo(f"{safe_text(entry.did)} keys:")
    for item in entry.keys:
        flag = "  COMPROMISED: nothing it signed verifies" if item.compromised else ""
        click.echo(f"  {item.public_key_multibase}  {item.window()}{flag}")


@registry.command("publish")
@click.argument("directory", metavar="DIR", type=_DIR)
@click.option("--key", "key_files", multiple=True, required=True, type=_KEYFILE,
              help="A root or delegate key file (repeat until every threshold is met).")
@click.option("--out", required=True, type=_KEYFILE, help="The registry file to write.")
@click.option("--expires-in", default=30, show_default=True, type=click.IntRange(1, 366),
              metavar="DAYS", help="Verifiers treat it as undecidable after this.")
@click.option("--site", type=_DIR,
              help="Where to write the static site to host [default: DIR/site].")
@handle_errors
def registry_publish(directory: Path, key_files: tuple[Path, ...], out: Path,
                     expires_in: int, site: Path | None) -> None:
    """Sign the draft as the next version and write the registry file and static site.

    The result is checked as a verifier would before it is written. The site (the registry,
    the root history, the issuers' did:web documents) can be served by any web server;
    verifiers fetch it with `vcskill sync`.

    \b
    Example:
      vcskill registry publish reg --key a.key --key b.key --key shandong.key \\
          --out registry.json --expires-in 30
    """
    from datetime import UTC, timedelta

    from did_registry import admin
    from did_registry.site import write_site
    from did_registry.workdir import WorkDir

    result = admin.publish(directory, keys=_private_keys(key_files), out=out,
                           now=datetime.now(UTC), expires_in=timedelta(days=expires_in))
    click.echo(f"published registry v{result.version} ({result.issuers} issuers, root "
               f"v{result.root_version}) -> {out}")
    click.echo(f"  expires {result.expires.isoformat()}; trust anchor {result.fingerprint}")
    site = site or directory / "site"
    written = write_site(result.document, site, trusted_root=WorkDir.open(directory).first_root,
                         now=result.issued)
    click.echo(f"  static site: {len(written)} files in {site} (serve it over HTTPS; "
               "verifiers run `vcskill sync URL`)")


@registry.command("show")
@click.argument("registry_file", metavar="REGISTRY.json", type=_KEYFILE)
@click.option("--trust-root", envvar="VCSKILL_TRUST_ROOT", metavar="FILE|sha256:HEX",
              help="Verify from this root (file or fingerprint) [env VCSKILL_TRUST_ROOT].")
@click.option("--at", "at", help="Judge standing and expiry at this date-time.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@handle_errors
def registry_show(registry_file: Path, trust_root: str | None, at: str | None,
                  as_json: bool) -> None:
    """Show a registry: version, expiry, roots, delegations, issuers and their standing.

    Without --trust-root it is only checked against its own root, and says so.

    \b
    Example:
      vcskill registry show registry.json --trust-root sha256:3f1c...
    """
    from datetime import UTC

    from did_registry.admin import describe
    from did_registry.pinning import parse_trust_anchor

    anchor = parse_trust_anchor(trust_root) if trust_root else None
    from did_registry.sources import read_registry_file

    summary = describe(read_registry_file(registry_file), anchor=anchor,
                       now=_when(at, "--at") or datetime.now(UTC), source=str(registry_file))
    if as_json:
        click.echo(safe_json(summary))
        return
    trust = (f"verified from the trusted root {summary['trust_anchor']}" if summary["trusted"]
             else "NOT verified against a trusted root (self-consistent only; pass "
                  "--trust-root)")
    root = summary["root"]
    click.echo(f"registry v{summary['version']}: {trust}")
    click.echo(f"  issued {summary['issued']}, expires {summary['expires']}"
               + ("  (EXPIRED)" if summary["expired"] else ""))
    click.echo(f"  root v{root['version']} '{safe_text(root['name'])}', {root['threshold']} of "
               f"{len(root['keys'])} keys, {root['fingerprint']}")
    for item in summary["delegations"]:
        click.echo(f"  delegation {item['jurisdiction']}: '{safe_text(item['name'])}', "
                   f"{item['threshold']} of {len(item['keys'])} keys")
    click.echo(f"  issuers ({len(summary['issuers'])}):")
    for item in summary["issuers"]:
        reason = f" ({safe_text(item['reason_now'])})" if item["reason_now"] else ""
        click.echo(f"    {safe_text(item['did'])}  '{safe_text(item['name'])}'  "
                   f"[{item['jurisdiction']}] {item['standing_now']}{reason}")
        for scope in item["scope"]:
            until = scope["until"] or "no end"
            click.echo(f"        scope {safe_text(scope['occupation'])} "
                       f"{safe_text(scope['levels'])}  {scope['from']} – {until}")


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
              help="The issuer's ledger (SQLite; created if missing): adds revocation and "
                   "suspension status entries.")
@click.option("--status-url", metavar="URL",
              help="With a new ledger: where its status lists will be published "
                   "[default for did:web: https://HOST/status].")
@click.option("--out", "out", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="Where to write the signed credential.")
@click.option("--force", is_flag=True, help="Overwrite an existing output file.")
@handle_errors
def issue(key_path: Path, holder_name: str, occupation: str, occupation_name: str | None,
          work_type: str | None, level: str, id_number: str | None,
          certificate_number: str | None, valid_from: str | None, assessment_id: str | None,
          standard: str | None, holder_did: str | None, issuer_did: str | None,
          issuer_name: str | None, uscc: str | None, cryptosuite: str | None,
          ledger: Path | None, status_url: str | None, out: Path, force: bool) -> None:
    """Sign one skill-level credential.

    \b
    Example:
      vcskill issue --key issuer.key --name 张三 --id-number 370102199001011234 \\
          --occupation 6-31-01-03 --level L3 --out zhangsan.json
    """
    from vcskill.issuing import IssueRequest, issue_one

    if status_url is not None and ledger is None:
        raise UsageError("--status-url goes with --ledger")
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
    if ledger is not None:
        from vcskill.keys import passphrase_from_env, read_key_file
        from vcskill.revocation import issue_recorded, open_ledger

        key_file = read_key_file(key_path, passphrase=passphrase_from_env())
        with open_ledger(ledger, key_file, status_url=status_url) as store:
            done = issue_recorded(key_file, request, store, out, skip_issued=False)
        assert done.result is not None
        result = done.result
        click.echo(f"issued {result.credential_id} ({result.proof_format}) -> {out}")
        click.echo(f"  status: list {done.record.list_number}, index {done.record.index} "
                   f"in {ledger}")
    else:
        result = issue_one(key_path, request)
        from vcskill.fileio import write_text_atomic

        write_text_atomic(out, result.serialized, force=force)
        click.echo(f"issued {result.credential_id} ({result.proof_format}) -> {out}")
    click.echo(f"  holder {safe_text(holder_name)}, {result.summary}")
    for note in result.notes:
        click.echo(f"  note: {note}", err=True)


# -- sync ---------------------------------------------------------------------------------
@main.command()
@click.argument("url")
@click.option("--cache", required=True, type=click.Path(file_okay=False, path_type=Path),
              help="The cache directory to fill (created if needed).")
@click.option("--trust-root", envvar="VCSKILL_TRUST_ROOT", metavar="FILE|sha256:HEX",
              help="The regulator's root: needed on the first sync, pinned in the cache "
                   "afterwards [env VCSKILL_TRUST_ROOT].")
@click.option("--allow-loopback", is_flag=True,
              help="Testing only: allow 127.0.0.1 / localhost over plain http, also for "
                   "did:web hosts.")
@handle_errors
def sync(url: str, cache: Path, trust_root: str | None, allow_loopback: bool) -> None:
    """Fetch the registry and the issuers' DID documents, verify them, and cache them.

    The cached copy is replaced only by a verified, newer registry: an older version, the
    same version with other content, an expired one, or a root change the previous root did
    not sign are refused. `verify --cache DIR` then works offline.

    \b
    Example:
      vcskill sync https://registry.example.gov.cn/ --cache ~/.cache/vcskill \\
          --trust-root sha256:3f1c...
    """
    from datetime import UTC

    from did_registry.cache import Cache
    from did_registry.pinning import parse_trust_anchor
    from did_registry.sync import sync as run_sync

    anchor = parse_trust_anchor(trust_root) if trust_root else None
    result = run_sync(url, Cache(cache), now=datetime.now(UTC), trusted_root=anchor,
                      allow_loopback=allow_loopback)
    click.echo(safe_text(result.summary()))
    for warning in result.warnings:
        click.echo(f"warning: {safe_text(warning)}", err=True)


# -- verify -------------------------------------------------------------------------------
@main.command()
@click.argument("input_path", metavar="INPUT", required=False)
@click.option("--batch", "batch_path", metavar="DIR|FILE.jsonl",
              type=click.Path(path_type=Path),
              help="Verify every credential of a directory, or one per line of a file.")
@click.option("--workers", type=click.IntRange(1, 64), default=1, show_default=True,
              help="With --batch: processes verifying in parallel.")
@click.option("--registry", type=click.Path(dir_okay=False, path_type=Path),
              help="Trusted issuer registry file (needs --trust-root).")
@click.option("--trust-root", envvar="VCSKILL_TRUST_ROOT", metavar="FILE|sha256:HEX",
              help="The regulator's root to trust: its file or fingerprint "
                   "[env VCSKILL_TRUST_ROOT].")
@click.option("--cache", type=click.Path(file_okay=False, path_type=Path),
              help="Sync cache directory (from `vcskill sync`).")
@click.option("--allow-expired-registry", is_flag=True,
              help="Use a registry past its expiry anyway (the report says so).")
@click.option("--status-dir", type=click.Path(path_type=Path),
              help="Directory of the issuers' status list credentials (from `status publish` "
                   "or a download) [default with --cache: the lists it mirrored].")
@click.option("--at", "at", help="Judge as of this date-time instead of now.")
@click.option("--require-occupation", metavar="CODE", help="Policy: the occupation required.")
@click.option("--min-level", metavar="LEVEL", help="Policy: the lowest acceptable level.")
@click.option("--any-credential", is_flag=True,
              help="Verify any VC Data Model 2.0 credential, not only skill level "
                   "certificates (which are all that is accepted otherwise).")
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
@handle_errors
def verify(input_path: str | None, batch_path: Path | None, workers: int,
           registry: Path | None, trust_root: str | None,
           cache: Path | None, allow_expired_registry: bool, status_dir: Path | None,
           at: str | None, require_occupation: str | None, min_level: str | None,
           any_credential: bool, as_json: bool) -> None:
    """Verify a credential offline: JSON, a vc+jwt, a QR payload, a photo of the QR code
    (PNG or JPEG), or '-' for stdin.

    Exit 0 verified, 1 invalid, 2 unreadable or malformed input, or not a skill level
    certificate (a status list, a presentation, a registry file...), 3 could not decide (for
    example, no registry given, or the registry has expired).

    \b
    Example:
      vcskill verify zhangsan.json --registry registry.json --trust-root root.json
      vcskill verify zhangsan.json --cache ~/.cache/vcskill --json
    """
    from datetime import UTC

    from vcskill.report import Outcome
    from vcskill.verifier import parse_policy

    if registry is not None and cache is not None:
        raise UsageError("give --registry or --cache, not both")
    if (input_path is None) == (batch_path is None):
        raise UsageError("give one INPUT, or --batch DIR|FILE.jsonl")
    if workers > 1 and batch_path is None:
        raise UsageError("--workers goes with --batch")
    when = parse_when(at, what="--at") if at else None
    policy = parse_policy(require_occupation, min_level)
    # The registry's expiry is judged at the same moment as the credential.
    now = when or datetime.now(UTC)
    from click.core import ParameterSource

    if registry is None and cache is None and click.get_current_context(
            ).get_parameter_source("trust_root") is ParameterSource.ENVIRONMENT:
        trust_root = None  # VCSKILL_TRUST_ROOT set for registry use; nothing to pin here
    factory = partial(make_verifier, registry=registry, trust_root=trust_root, cache=cache,
                      status_dir=status_dir, allow_expired_registry=allow_expired_registry,
                      now=now, any_credential=any_credential)
    if batch_path is not None:
        _verify_batch(batch_path, factory, now, policy, workers, as_json)
    assert input_path is not None
    data = _read_credential(input_path)
    report = factory().check(data, at=now, policy=policy)
    refusal = report.refusal
    answer_with(EXIT_USAGE if refusal is not None else
                {Outcome.VERIFIED: EXIT_OK, Outcome.INVALID: EXIT_INVALID,
                 Outcome.INDETERMINATE: EXIT_INDETERMINATE}[report.outcome])
    if as_json:
        click.echo(safe_json(report.to_json()))
    if refusal is not None:
        # Not a credential we judge (empty, not JSON, too deep, a status list, a registry
        # file, another kind of credential...): malformed input (exit 2), not an invalid one.
        _fail(f"{safe_text(input_path)}: {safe_text(refusal.detail)} [{refusal.code}]")
    if not as_json:
        _print_report(report)
    sys.exit(click.get_current_context().meta[_EXIT_KEY])


def make_verifier(*, registry: Path | None, trust_root: str | None, cache: Path | None,
                  status_dir: Path | None, allow_expired_registry: bool, now: datetime,
                  any_credential: bool = False) -> Any:
    """The Verifier the verify options describe (module level: --batch workers build theirs
    with it in their own process)."""
    from vcskill.verifier import Accept, Verifier

    return Verifier(**_trust(registry, trust_root, cache, now),
                    status_lists=_status_lists(status_dir, cache),
                    allow_expired_registry=allow_expired_registry,
                    accept=Accept.ANY_CREDENTIAL if any_credential else
                    Accept.SKILL_CREDENTIALS)


def _verify_batch(path: Path, factory: Callable[[], Any], now: datetime, policy: Any,
                  workers: int, as_json: bool) -> NoReturn:
    """``verify --batch``: one line per credential, then a summary; exit 0 only when every
    credential verified, else 1 if any is invalid, 2 if any is unreadable, 3 otherwise."""
    from vcskill.bulk import UNREADABLE, BulkSummary, read_items, verify_items

    summary = BulkSummary()
    # Built here first: a bad registry, cache or trust root stops the run once, with its
    # error; a single-process run then uses this verifier.
    verifier = factory()
    for verdict in verify_items(read_items(path), factory, at=now, policy=policy,
                                workers=workers, summary=summary, verifier=verifier):
        answer_with(_batch_exit(summary.to_json()))  # if the reader leaves, what we know
        if as_json:
            line = {"source": verdict.source, **(verdict.report or {"outcome": UNREADABLE})}
            if verdict.error:
                line["outcome"], line["error"] = UNREADABLE, verdict.error
            click.echo(safe_json(line, indent=None))
            continue
        credential = (verdict.report or {}).get("credential") or {}
        facts = " ".join(str(credential.get(k) or "") for k in
                         ("subject_name", "occupation", "level")).strip()
        detail = verdict.error or _first_problem(verdict.report)
        click.echo(f"{verdict.outcome.upper():<14} {safe_text(verdict.source)}  "
                   f"{safe_text(facts)}{'  ' + safe_text(detail) if detail else ''}")
    counts = summary.to_json()
    if as_json:
        click.echo(safe_json({"summary": counts}, indent=None))
    else:
        distinct = counts["distinct_verified"]
        copies = (f" ({distinct} distinct: the rest are copies of one of them)"
                  if distinct < counts["verified"] else "")
        click.echo(f"{counts['total']} credentials: {counts['verified']} verified{copies}, "
                   f"{counts['invalid']} invalid, {counts['indeterminate']} could not be "
                   f"decided, {counts[UNREADABLE]} unreadable ({counts['per_second']}/s)")
    code = _batch_exit(counts)
    answer_with(code)
    sys.exit(code)


def _batch_exit(counts: dict[str, Any]) -> int:
    from vcskill.bulk import UNREADABLE

    return (EXIT_INVALID if counts["invalid"] else EXIT_USAGE if counts[UNREADABLE]
            else EXIT_INDETERMINATE if counts["indeterminate"] else EXIT_OK)


def _first_problem(report: dict[str, Any] | None) -> str:
    for check in (report or {}).get("checks", []):
        if not check["passed"]:
            return f"{check['id']}: {check['code']}"
    return ""


def _status_lists(status_dir: Path | None, cache: Path | None) -> Any:
    """Status list credentials from --status-dir, or those a sync mirrored into the cache."""
    from did_registry.sources import status_directory
    from vcskill.statuslist import DirectoryStatusSource

    if status_dir is not None and not status_dir.is_dir():
        raise UsageError(f"--status-dir {status_dir} is not a directory")
    directory = status_directory(status_dir, cache)
    return DirectoryStatusSource(directory) if directory and directory.is_dir() else None


def _trust(registry: Path | None, trust_root: str | None, cache: Path | None,
           now: datetime) -> dict[str, Any]:
    """The Verifier's registry (and resolver) from --registry/--trust-root or --cache."""
    if cache is not None:
        from did_registry.errors import RegistryError
        from did_registry.sources import load_cache
        from vcskill.errors import Code
        from vcskill.resolver import OfflineResolver

        try:
            loaded, store = load_cache(cache, now=now, trust_root=trust_root)
        except RegistryError as exc:
            if exc.code is Code.REGISTRY_MISSING:  # nothing to decide with: exit 3
                _fail(f"{exc} [{exc.code}]", EXIT_INDETERMINATE)
            raise
        return {"registry": loaded, "resolver": OfflineResolver(store.did_documents())}
    if registry is None:
        if trust_root is not None and cache is None:
            raise UsageError("--trust-root is used with --registry")
        return {}
    if trust_root is None:
        raise UsageError(
            "--registry needs the regulator's root to trust: pass --trust-root with its root "
            "file or fingerprint (printed by `vcskill registry init` and `registry show`), or "
            "set VCSKILL_TRUST_ROOT; a registry cannot vouch for itself")
    from did_registry.sources import load_registry_file

    return {"registry": load_registry_file(registry, trust_root, now=now)}


def _read_credential(path: str) -> bytes:
    """The credential in INPUT: a credential file, a QR payload (``VCS1:…``) in a text file,
    or a PNG/JPEG photo of the QR code."""
    from vcskill.bulk import credential_bytes
    from vcskill.errors import InputError
    from vcskill.limits import DEFAULT_LIMITS
    from vcskill.qr import MAX_IMAGE_BYTES, looks_like_image

    raw = _read_input(path, cap=MAX_IMAGE_BYTES + 1)
    if not looks_like_image(raw) and len(raw) > DEFAULT_LIMITS.max_credential_bytes * 2:
        raise InputError(f"{path} is larger than the credential size limit")
    return credential_bytes(raw)


def _read_input(path: str, *, cap: int | None = None) -> bytes:
    from vcskill.errors import Code, InputError
    from vcskill.limits import DEFAULT_LIMITS
    from vcskill.qr import looks_like_image

    cap = cap or DEFAULT_LIMITS.max_credential_bytes * 2 + 1
    if path == "-":
        data = sys.stdin.buffer.read(cap)
    else:
        file = Path(path)
        if not file.is_file():
            raise InputError(f"{path} is not a readable file")
        with file.open("rb") as handle:
            data = handle.read(cap)
    if len(data) >= cap:
        if looks_like_image(data):
            raise Error(f"{path} is an image larger than the limit ({cap - 1:,} bytes)",
                        code=Code.IMAGE_ERROR)
        raise InputError(f"{path} is larger than the size limit ({cap - 1:,} bytes)")
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
    if report.registry is not None:
        info = report.registry
        stale = "  EXPIRED" if info.get("expired") else ""
        click.echo(f"  registry    v{info['version']} of {safe_text(info['root'])}, issued "
                   f"{info['issued']} ({info['age_days']} days ago), expires "
                   f"{info['expires']}{stale}")
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
        if report.status_lists:
            return "the credential is genuine, authorised and not revoked"
        return "the credential is genuine and authorised (it has no status entry, so it " \
               "cannot be revoked)"
    if first.indeterminate:
        return f"could not decide ({first.id}: {safe_text(first.detail)})"
    return f"{first.id} failed: {safe_text(first.detail)}"


# -- serve --------------------------------------------------------------------------------
@main.command("serve")
@click.option("--cache", type=click.Path(file_okay=False, path_type=Path),
              help="Sync cache to verify against (from `vcskill sync`).")
@click.option("--registry", type=click.Path(dir_okay=False, path_type=Path),
              help="A registry file instead of a cache (needs --trust-root).")
@click.option("--trust-root", envvar="VCSKILL_TRUST_ROOT", metavar="FILE|sha256:HEX",
              help="The regulator's root, with --registry [env VCSKILL_TRUST_ROOT].")
@click.option("--status-dir", type=click.Path(file_okay=False, path_type=Path),
              help="Status list credentials [default with --cache: those it mirrored].")
@click.option("--allow-expired-registry", is_flag=True,
              help="Decide with a registry past its expiry (the page says so).")
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on; anything but loopback is reachable by others.")
@click.option("--port", default=8080, show_default=True, type=click.IntRange(0, 65535))
@click.option("--quiet", is_flag=True, help="Do not log requests.")
@handle_errors
def serve_command(cache: Path | None, registry: Path | None, trust_root: str | None,
                  status_dir: Path | None, allow_expired_registry: bool, host: str, port: int,
                  quiet: bool) -> None:
    """The employer's verification page: scan or upload a QR code, or paste a credential.

    Works offline from the sync cache; no asset is loaded from the internet. Integrators
    POST to /api/verify.

    \b
    Example:
      vcskill sync https://registry.example.gov.cn/ --cache ~/.cache/vcskill --trust-root ...
      vcskill serve --cache ~/.cache/vcskill --port 8080
    """
    from click.core import ParameterSource

    from vcskill.serve import serve

    if registry is None and click.get_current_context().get_parameter_source(
            "trust_root") is ParameterSource.ENVIRONMENT:
        trust_root = None  # VCSKILL_TRUST_ROOT is for --registry; the cache pins its own
    serve(host=host, port=port, cache=cache, registry=registry, trust_root=trust_root,
          status_dir=status_dir, allow_expired_registry=allow_expired_registry,
          echo=click.echo, quiet=quiet)


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

