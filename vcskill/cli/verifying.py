"""The verifier's commands: `sync` (the one that uses the network) and `verify`."""

from __future__ import annotations

import shlex
import sys
from collections.abc import Callable
from datetime import datetime
from functools import partial
from pathlib import Path
from typing import Any, NoReturn

import click

from vcskill.cli.app import (
    EXIT_INDETERMINATE,
    EXIT_INVALID,
    EXIT_KEY,
    EXIT_OK,
    EXIT_USAGE,
    answer_with,
    fail,
    handle_errors,
    main,
    parse_when,
    read_input,
    safe_json,
    safe_text,
)
from vcskill.errors import UsageError


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
    (PNG or JPEG), a PDF certificate, or '-' for stdin.

    Exit 0 verified, 1 invalid, 2 unreadable or malformed input, or not a skill level
    certificate (a status list, a presentation, a registry file...), 3 could not decide (for
    example, no registry given, or the registry has expired).

    \b
    Example:
      vcskill verify zhangsan.json --registry registry.json --trust-root root.json
      vcskill verify zhangsan.json --cache ~/.cache/vcskill --json
    """
    from datetime import UTC

    from vcskill.verifying.report import Outcome
    from vcskill.verifying.verifier import parse_policy

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
    if input_path is None:  # refused above; this tells the type checker
        fail("give a credential file, or --batch")
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
        fail(f"{safe_text(input_path)}: {safe_text(refusal.detail)} [{refusal.code}]")
    if not as_json:
        _print_report(report)
    sys.exit(click.get_current_context().meta[EXIT_KEY])


def make_verifier(*, registry: Path | None, trust_root: str | None, cache: Path | None,
                  status_dir: Path | None, allow_expired_registry: bool, now: datetime,
                  any_credential: bool = False) -> Any:
    """The Verifier the verify options describe (module level: --batch workers build theirs
    with it in their own process)."""
    from vcskill.verifying.verifier import Accept, Verifier

    accept = Accept.ANY_CREDENTIAL if any_credential else Accept.SKILL_CREDENTIALS
    if cache is not None:
        from did_registry.errors import RegistryError
        from vcskill.errors import Code

        try:
            return Verifier.from_cache(cache, now=now, trust_root=trust_root,
                                       status_lists=_status_lists(status_dir),
                                       allow_expired_registry=allow_expired_registry,
                                       accept=accept)
        except RegistryError as exc:
            if exc.code is Code.REGISTRY_MISSING:  # nothing to decide with: exit 3
                fail(f"{exc} [{exc.code}]", EXIT_INDETERMINATE)
            raise
    return Verifier(registry=_registry_file(registry, trust_root, now),
                    status_lists=_status_lists(status_dir),
                    allow_expired_registry=allow_expired_registry, accept=accept)


def _verify_batch(path: Path, factory: Callable[[], Any], now: datetime, policy: Any,
                  workers: int, as_json: bool) -> NoReturn:
    """``verify --batch``: one line per credential, then a summary; exit 0 only when every
    credential verified, else 1 if any is invalid, 2 if any is unreadable, 3 otherwise."""
    from vcskill.verifying.batch import UNREADABLE, BulkSummary, read_items, verify_items

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
    from vcskill.verifying.batch import UNREADABLE

    return (EXIT_INVALID if counts["invalid"] else EXIT_USAGE if counts[UNREADABLE]
            else EXIT_INDETERMINATE if counts["indeterminate"] else EXIT_OK)


def _first_problem(report: dict[str, Any] | None) -> str:
    for check in (report or {}).get("checks", []):
        if not check["passed"]:
            return f"{check['id']}: {check['code']}"
    return ""


def _status_lists(status_dir: Path | None) -> Any:
    """Status list credentials from --status-dir; without it, a --cache verifier uses those
    the sync mirrored (Verifier.from_cache)."""
    from vcskill.status.statuslist import DirectoryStatusSource

    if status_dir is None:
        return None
    if not status_dir.is_dir():
        raise UsageError(f"--status-dir {status_dir} is not a directory")
    return DirectoryStatusSource(status_dir)


def _registry_file(registry: Path | None, trust_root: str | None, now: datetime) -> Any:
    """The Verifier's registry from --registry and --trust-root, or None."""
    if registry is None:
        if trust_root is not None:
            raise UsageError("--trust-root is used with --registry")
        return None
    if trust_root is None:
        raise UsageError(
            "--registry needs the regulator's root to trust: pass --trust-root with its root "
            "file or fingerprint (printed by `vcskill registry init` and `registry show`), or "
            "set VCSKILL_TRUST_ROOT; a registry cannot vouch for itself")
    from did_registry.sources import load_registry_file

    return load_registry_file(registry, trust_root, now=now)


def _read_credential(path: str) -> bytes:
    """The credential in INPUT: a credential file, a QR payload (``VCS1:…``) in a text file,
    a PNG/JPEG photo of the QR code, or a PDF certificate."""
    from vcskill.errors import InputError
    from vcskill.limits import DEFAULT_LIMITS
    from vcskill.qr.image import MAX_IMAGE_BYTES, looks_like_image
    from vcskill.qr.pdf import looks_like_pdf
    from vcskill.verifying.inputs import credential_from_input

    if path != "-" and Path(path).is_dir():
        raise UsageError(f"{path} is a folder; to verify every credential in it, run: "
                         f"vcskill verify --batch {shlex.quote(path)}")
    raw = read_input(path, limit=MAX_IMAGE_BYTES)
    if not (looks_like_image(raw) or looks_like_pdf(raw)) \
            and len(raw) > DEFAULT_LIMITS.max_credential_bytes * 2:
        raise InputError(f"{path} is larger than the credential size limit")
    return credential_from_input(raw)


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


