"""The issuer's commands: `issue`, `issue-batch`, `certificate`, `revoke` and `status publish`."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import click

from vcskill.cli.app import (
    fail,
    handle_errors,
    main,
    parse_when,
    read_input,
    safe_text,
)
from vcskill.errors import InternalError, UsageError


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
    from vcskill.issuing.request import IssueRequest, issue_one

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
        from vcskill.issuing.revocation import issue_recorded, open_ledger
        from vcskill.keys.keyfile import passphrase_from_env, read_key_file

        key_file = read_key_file(key_path, passphrase=passphrase_from_env())
        with open_ledger(ledger, key_file, status_url=status_url) as store:
            done = issue_recorded(key_file, request, store, out, skip_issued=False)
        if done.result is None:  # skip_issued=False: issue_recorded signs or raises
            raise InternalError("the credential was recorded but not signed")
        result = done.result
        click.echo(f"issued {result.credential_id} ({result.proof_format}) -> {out}")
        click.echo(f"  status: list {done.record.list_number}, index {done.record.index} "
                   f"in {ledger}")
    else:
        result = issue_one(key_path, request)
        from vcskill.common.files import write_text_atomic

        write_text_atomic(out, result.serialized, force=force)
        click.echo(f"issued {result.credential_id} ({result.proof_format}) -> {out}")
    click.echo(f"  holder {safe_text(holder_name)}, {result.summary}")
    for note in result.notes:
        click.echo(f"  note: {note}", err=True)




@main.command("certificate")
@click.argument("credential", metavar="CREDENTIAL", type=click.Path(dir_okay=False))
@click.option("--out", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="The PDF file to write (A4).")
@click.option("--lang", type=click.Choice(["zh-en", "zh", "en"]), default="zh-en",
              show_default=True, help="Languages on the page.")
@click.option("--photo", type=click.Path(dir_okay=False, path_type=Path),
              help="The holder's photo (PNG or JPEG), printed in the 25 x 35 mm space; its "
                   "metadata is not copied.")
@click.option("--verify-url", metavar="URL",
              help="The address of the page where employers verify certificates (https), "
                   "printed under the QR code.")
@click.option("--force", is_flag=True, help="Overwrite an existing file.")
@handle_errors
def certificate(credential: str, out: Path, lang: str, photo: Path | None,
                verify_url: str | None, force: bool) -> None:
    """Render a printable A4 certificate with the credential's QR code.

    The QR code carries the whole signed credential: a scan or a photo of the paper verifies
    offline (`vcskill verify photo.jpg`). Needs a CJK font (Debian: fonts-noto-cjk).

    \b
    Example:
      vcskill certificate zhangsan.json --out zhangsan.pdf --photo zhangsan.jpg \\
          --verify-url https://verify.example.cn/
    """
    from vcskill.issuing.certificate import render_certificate

    if out.exists() and not force:
        raise UsageError(f"{out} exists; pass --force to overwrite it")
    picture = read_input(str(photo), limit=8 * 1024 * 1024) if photo is not None else None
    info = render_certificate(read_input(credential), out, lang=lang, force=True,
                              photo=picture, verify_url=verify_url)
    click.echo(f"certificate {safe_text(info.facts.certificate_number)} of "
               f"{safe_text(info.facts.holder_name)} -> {out} (QR version {info.qr_version}, "
               f"{info.qr_size_mm:.0f} mm)")




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
@click.option("--verify-url", metavar="URL",
              help="The address of the page where employers verify certificates (https), "
                   "printed under the QR code.")
@handle_errors
def issue_batch(csv_path: Path, key_path: Path, ledger: Path, status_url: str | None,
                out_dir: Path, workers: int, cryptosuite: str | None, progress: bool | None,
                qr: bool, pdf: bool, verify_url: str | None) -> None:
    """Issue a whole cohort from a CSV file, one credential per row.

    Columns (UTF-8, header row): name, id_number, occupation, level, certificate_number,
    valid_from; optional: occupation_name, work_type, assessment_id, holder_did, standard,
    photo (an image file, relative to the CSV, for --pdf). A bad row is reported with its
    line number and the rest go on. Running the same CSV again, even after a crash,
    issues no row twice.

    \b
    Example:
      vcskill issue-batch cohort.csv --key issuer.key --ledger issuer.ledger \\
          --out-dir credentials/ --workers 2
    """
    from vcskill.issuing.cohort import ProgressBar
    from vcskill.issuing.cohort import issue_batch as run_batch

    summary = run_batch(csv_path, key_path=key_path, ledger_path=ledger, out_dir=out_dir,
                        workers=workers, status_url=status_url, proof_format=cryptosuite,
                        qr=qr, pdf=pdf, verify_url=verify_url,
                        progress=ProgressBar(force=progress) if progress is not False else None)
    click.echo(f"{summary.rows} rows: {summary.issued} issued, "
               f"{summary.skipped + summary.elsewhere} already issued, {summary.failed} failed; "
               f"{summary.rate:,.0f} credentials/s ({summary.seconds:.1f} s) -> {out_dir}")
    if summary.elsewhere:
        click.echo(f"  {summary.elsewhere} of the rows already issued were written by an earlier "
                   f"run to another folder, so {out_dir} does not hold them: a row is signed "
                   "once (the ledger keeps it), so copy them from that run's --out-dir; to "
                   "change one, revoke it (vcskill revoke) and issue it under a new number")
    for failure in summary.failures:
        click.echo(f"  line {failure.line}: {safe_text(failure.detail)}", err=True)
    if summary.failed:
        fail(f"{summary.failed} row(s) of {csv_path} were not issued (see above); fix them "
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

    from vcskill.issuing.ledger import Action, SQLiteLedger

    if suspend and reinstate:
        raise UsageError("give --suspend or --reinstate, not both")
    action = Action.SUSPEND if suspend else Action.REINSTATE if reinstate else Action.REVOKE
    key = credential_key(credential)
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


def credential_key(text: str) -> str:
    """A credential id or certificate number, or a credential file to take the id from."""
    path = Path(text)
    if not path.is_file():
        return text
    from vcskill.linkeddata.jsonparse import parse_json
    from vcskill.proofs.jose import decode_jwt, looks_like_jwt

    data = read_input(text)
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

    from vcskill.issuing.ledger import SQLiteLedger
    from vcskill.issuing.revocation import publish_status_lists
    from vcskill.keys.keyfile import passphrase_from_env, read_key_file

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


