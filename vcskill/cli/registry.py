"""`vcskill registry`: the regulator's commands over a registry working directory."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

import click

from vcskill.cli.app import (
    handle_errors,
    main,
    parse_when,
    safe_json,
    safe_text,
)
from vcskill.errors import UsageError


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
    from vcskill.keys.keyfile import passphrase_from_env, read_key_file

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
    from vcskill.model.skills import validate_uscc

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


