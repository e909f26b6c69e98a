"""`vcskill qr`: write a credential as a QR code, and read one back."""

from __future__ import annotations

from pathlib import Path

import click

from vcskill.cli.app import (
    handle_errors,
    main,
    read_input,
)
from vcskill.errors import Error


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
    from vcskill.qr.image import write_qr

    info = write_qr(read_input(credential), out, error=error.lower(), scale=scale)
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
    from vcskill.qr.image import MAX_IMAGE_BYTES, credential_from_image, looks_like_image
    from vcskill.qr.payload import decode_payload

    raw = read_input(image, limit=MAX_IMAGE_BYTES)
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
    from vcskill.common.files import write_bytes_atomic

    write_bytes_atomic(out, data if data.endswith(b"\n") else data + b"\n")
    click.echo(f"credential -> {out}", err=True)


