"""Fuzz targets: every entry point that reads outside input, fed arbitrary bytes.

Each target raises nothing but :class:`vcskill.errors.Error` (and ``Verifier.check`` not even
that: it reports). Anything else escaping is a bug: an unwrapped parser exception, a
recursion limit, a crash in a library. The same targets are driven by Hypothesis in
``tests/test_fuzz.py`` (short, in every test run) and by atheris in ``fuzz/run.py`` (long,
coverage-guided, by hand).

A target takes bytes. To get past the first checks, the Hypothesis tests also mutate
genuine inputs (signed credentials, a registry, status lists, a QR image, a key file) of the
demo's world; for atheris, give a corpus folder of such files to start from.
"""

from __future__ import annotations

import functools
import os
import tempfile
from collections.abc import Callable
from contextlib import suppress
from datetime import UTC, datetime
from pathlib import Path

from vcskill.errors import Error

NOW = datetime(2026, 7, 1, tzinfo=UTC)


def credential(data: bytes) -> None:
    """A credential as ``vcskill verify`` and the page get it: JSON, a vc+jwt, or anything."""
    from vcskill.verifying.report import Outcome
    from vcskill.verifying.verifier import Verifier

    report = Verifier().check(data, at=NOW)  # must not raise, even Error
    # Without a registry nothing can be "verified" (ADR 0004): a fuzzed input never is.
    assert report.outcome is not Outcome.VERIFIED, report.to_json()


def jwt(data: bytes) -> None:
    """A compact JWS: split, base64url, JSON header and payload."""
    from vcskill.proofs.jose import decode_jwt

    token = "eyJ" + data.decode("latin-1")
    with suppress(Error):
        decode_jwt(token)


def qr_payload(data: bytes) -> None:
    """The text of a QR code: ``VCS1:`` + base45 + DEFLATE."""
    from vcskill.qr.payload import decode_payload

    with suppress(Error):
        decode_payload("VCS1:" + data.decode("latin-1"))
    with suppress(Error):
        decode_payload(data.decode("latin-1"))


def image(data: bytes) -> None:
    """A photo of a QR code: any bytes claiming to be PNG or JPEG."""
    from vcskill.qr.image import credential_from_image

    for head in (b"", b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff"):
        with suppress(Error):
            credential_from_image(head + data)


def registry(data: bytes, *, trusted_root: object | None = None) -> None:
    """A registry document, loaded against ``trusted_root`` (a ``did_registry.Root``; by
    default one of a throwaway key, so only what comes before the signatures is reached)."""
    from did_registry.registry import Registry

    with suppress(Error):
        Registry.load(data, trusted_root=trusted_root or _throwaway_root(), now=NOW)


@functools.cache
def _throwaway_root() -> object:
    from did_registry.build import make_root
    from vcskill.keys.keypair import PrivateKey

    return make_root("fuzz", [PrivateKey.generate()], 1)


def status_list(data: bytes) -> None:
    """A status list credential, as the status check reads one."""
    from vcskill.linkeddata.jsonparse import parse_json
    from vcskill.status.statuslist import parse_status_list_credential
    from vcskill.verifying.verifier import Verifier

    with suppress(Error):
        document = parse_json(data, what="status list credential")
        if isinstance(document, dict):
            parse_status_list_credential(document)
    with suppress(Error):
        Verifier(accept="any").check_status_list(data, at=NOW)


def csv_rows(data: bytes) -> None:
    """A cohort's CSV file, up to the request each row becomes."""
    from vcskill.issuing.cohort import read_rows

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "cohort.csv"
        path.write_bytes(b"name,id_number,occupation,level,certificate_number,valid_from\n"
                         + data)
        with suppress(Error):
            read_rows(path)


def key_file(data: bytes) -> None:
    """A private key file (PEM, PKCS#8, maybe encrypted) and its metadata file."""
    from vcskill.keys.keyfile import read_key_file

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "issuer.key"
        path.write_bytes(data)
        os.chmod(path, 0o600)
        for passphrase in (None, b"fuzz"):
            with suppress(Error):
                read_key_file(path, passphrase=passphrase)
        (Path(folder) / "issuer.key.json").write_bytes(data)
        with suppress(Error):
            read_key_file(path, passphrase=None)


def every(data: bytes) -> None:
    """All the targets in one process: the first byte chooses which one gets the rest."""
    if data:
        names = sorted(n for n in TARGETS if n != "every")
        TARGETS[names[data[0] % len(names)]](data[1:])


TARGETS: dict[str, Callable[[bytes], None]] = {
    "credential": credential,
    "jwt": jwt,
    "qr_payload": qr_payload,
    "image": image,
    "registry": registry,
    "status_list": status_list,
    "csv_rows": csv_rows,
    "key_file": key_file,
    "every": every,
}

__all__ = ["NOW", "TARGETS"]
