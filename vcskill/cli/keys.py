"""`vcskill key`: generate and show issuer keys."""

from __future__ import annotations

import json
from pathlib import Path

import click

from vcskill.cli.app import (
    handle_errors,
    main,
    safe_json,
    safe_text,
)


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
    from vcskill.keys.keyfile import passphrase_from_env, write_key_file
    from vcskill.keys.keypair import KeyAlgorithm, PrivateKey
    from vcskill.model.skills import validate_uscc

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
    from vcskill.keys.keyfile import passphrase_from_env, read_key_file

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


