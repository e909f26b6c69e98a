"""Key files on disk: a private key and the public facts kept beside it.

A key file is a PKCS#8 PEM private key (mode 0600, encrypted when a passphrase is given) plus
a public sidecar ``<file>.json`` with the DID, verification method and issuer details. Writing
is atomic and replaces an existing key only when told to; reading refuses a private key file
other users can read, anything but a regular file, or a file too large to be a key.

Private key material is never logged, printed or put in an error message."""

from __future__ import annotations

import json
import os
import shlex
import stat
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Final

from vcskill.errors import Code, Error, KeyFileError, UsageError
from vcskill.keys.keypair import PASSPHRASE_ENV, KeyAlgorithm, PrivateKey, PublicKey, _load_pem

MAX_KEY_FILE_BYTES: Final = 64 * 1024
"""The largest key file or metadata sidecar that is read at all."""


@dataclass(frozen=True)
class KeyMetadata:
    """The public facts kept beside a key file (``<file>.json``)."""

    algorithm: KeyAlgorithm
    public_key_multibase: str
    did_web: str | None = None
    issuer_name: str | None = None
    uscc: str | None = None
    created: str | None = None

    @property
    def did_key(self) -> str:
        return f"did:key:{self.public_key_multibase}"

    @property
    def controller(self) -> str:
        """The issuer DID: the did:web DID when there is one, else the did:key."""
        return self.did_web or self.did_key

    @property
    def verification_method(self) -> str:
        """``<controller>#<publicKeyMultibase>`` (for did:key: ``did:key:<mb>#<mb>``)."""
        return f"{self.controller}#{self.public_key_multibase}"

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "type": "vcskill-key-metadata",
            "version": 1,
            "algorithm": self.algorithm.value,
            "publicKeyMultibase": self.public_key_multibase,
            "did": self.controller,
            "verificationMethod": self.verification_method,
            "didKey": self.did_key,
        }
        optional = {"didWeb": self.did_web, "issuerName": self.issuer_name,
                    "uscc": self.uscc, "created": self.created}
        out.update({k: v for k, v in optional.items() if v is not None})
        return out


@dataclass(frozen=True)
class KeyFile:
    """A loaded key file: the private key and its public metadata."""

    path: Path
    private_key: PrivateKey
    metadata: KeyMetadata
    encrypted: bool = False

    @property
    def public_key(self) -> PublicKey:
        return self.private_key.public_key


def metadata_path(path: str | os.PathLike[str]) -> Path:
    """Where the public sidecar of key file ``path`` lives: ``<path>.json``."""
    return Path(f"{os.fspath(path)}.json")


def did_document_path(path: str | os.PathLike[str]) -> Path:
    """Where ``write_key_file`` puts the did:web DID document: ``<path>.did.json``."""
    return Path(f"{os.fspath(path)}.did.json")


def passphrase_from_env(environ: Mapping[str, str] | None = None) -> bytes | None:
    """``VCSKILL_PASSPHRASE`` as UTF-8 bytes; unset or empty means no passphrase."""
    value = (os.environ if environ is None else environ).get(PASSPHRASE_ENV)
    return value.encode("utf-8") if value else None


def write_key_file(
    path: str | os.PathLike[str],
    key: PrivateKey,
    *,
    passphrase: bytes | None,
    issuer_name: str | None = None,
    did_web: str | None = None,
    uscc: str | None = None,
    force: bool = False,
) -> KeyFile:
    """Write ``key`` as PKCS#8 PEM (mode 0600 from creation, atomically) plus its sidecar.

    ``did_web`` (``HOST[:PORT][/PATH]`` or a ``did:web:`` DID) makes the controller a
    did:web DID and also writes its DID document to ``<path>.did.json``. An existing key
    file is only replaced with ``force``.
    """
    from vcskill.common.files import write_bytes_atomic
    from vcskill.keys.did import did_web_document, did_web_from_spec, parse_did_web

    path = Path(path)
    if not force and os.path.lexists(path):
        raise UsageError(f"{path} already exists; pass --force to replace it (the old key "
                         "would be lost)")
    web_did: str | None = None
    if did_web is not None:
        if did_web.startswith("did:"):
            parse_did_web(did_web)
            web_did = did_web
        else:
            web_did = did_web_from_spec(did_web)
    metadata = KeyMetadata(
        algorithm=key.algorithm,
        public_key_multibase=key.public_key.multibase(),
        did_web=web_did,
        issuer_name=issuer_name,
        uscc=uscc,
        created=datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
    )
    pem = key.to_pem(passphrase)
    sidecar = json.dumps(metadata.to_json(), ensure_ascii=False, indent=2) + "\n"
    try:
        write_bytes_atomic(path, pem, mode=0o600, force=force)
    except OSError as exc:
        raise KeyFileError(f"cannot write {path}: {exc.strerror or exc}",
                           code=Code.IO_ERROR) from exc
    try:
        write_bytes_atomic(metadata_path(path), sidecar.encode("utf-8"), mode=0o644)
        doc_path = did_document_path(path)
        if web_did is not None:
            document = did_web_document(web_did, [key.public_key])
            text = json.dumps(document, indent=2) + "\n"
            write_bytes_atomic(doc_path, text.encode("utf-8"), mode=0o644)
        elif os.path.lexists(doc_path):
            os.unlink(doc_path)  # a DID document of the replaced key would now be wrong
    except OSError as exc:
        if not force:
            os.unlink(path)
        raise KeyFileError(f"cannot write the metadata of {path}: {exc.strerror or exc}",
                           code=Code.IO_ERROR) from exc
    return KeyFile(path, key, metadata, encrypted=passphrase is not None)


def read_key_file(path: str | os.PathLike[str], *, passphrase: bytes | None) -> KeyFile:
    """Load a key file and its sidecar (metadata derived from the key when there is none).

    Every failure is a one-sentence :class:`KeyFileError`.
    """
    path = Path(path)
    data = _read_small_file(path, private=True)
    key, encrypted = _load_pem(data, passphrase, str(path))
    metadata = _read_metadata(path, key)
    return KeyFile(path, key, metadata, encrypted=encrypted)


def _read_small_file(path: Path, *, private: bool) -> bytes:
    what = "key file" if private else "key metadata file"
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0)
    try:
        fd = os.open(path, flags)  # O_NONBLOCK: opening a FIFO must not hang
    except FileNotFoundError:
        raise KeyFileError(f"{what} {path} does not exist") from None
    except PermissionError:
        raise KeyFileError(f"cannot read {what} {path}: permission denied") from None
    except OSError as exc:
        raise KeyFileError(f"cannot open {what} {path}: {exc.strerror or exc}") from None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise KeyFileError(f"{what} {path} is not a regular file")
        if info.st_size > MAX_KEY_FILE_BYTES:
            raise KeyFileError(f"{what} {path} is too big to be a key file "
                               f"({info.st_size} bytes; at most {MAX_KEY_FILE_BYTES})")
        if private and os.name == "posix" and info.st_mode & 0o077:
            raise KeyFileError(
                f"private key file {path} is open to other users (mode "
                f"{stat.S_IMODE(info.st_mode):04o}); run: chmod 600 {shlex.quote(str(path))}"
            )
        chunks: list[bytes] = []
        total = 0
        while total <= MAX_KEY_FILE_BYTES:
            chunk = os.read(fd, MAX_KEY_FILE_BYTES + 1 - total)
            if not chunk:
                break
            chunks.append(chunk)
            total += len(chunk)
        if total > MAX_KEY_FILE_BYTES:
            raise KeyFileError(f"{what} {path} is too big to be a key file")
        return b"".join(chunks)
    except OSError as exc:
        raise KeyFileError(f"cannot read {what} {path}: {exc.strerror or exc}") from None
    finally:
        os.close(fd)


def _read_metadata(path: Path, key: PrivateKey) -> KeyMetadata:
    from vcskill.keys.did import parse_did_web

    public = key.public_key
    derived = KeyMetadata(public.algorithm, public.multibase())
    sidecar = metadata_path(path)
    if not os.path.lexists(sidecar):
        return derived
    raw = _read_small_file(sidecar, private=False)
    try:
        document = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise KeyFileError(f"key metadata file {sidecar} is not valid JSON") from None
    if not isinstance(document, dict):
        raise KeyFileError(f"key metadata file {sidecar} must hold a JSON object")

    def text(name: str) -> str | None:
        value = document.get(name)
        if value is not None and not isinstance(value, str):
            raise KeyFileError(f"key metadata file {sidecar}: {name!r} must be a string")
        return value

    if text("publicKeyMultibase") != derived.public_key_multibase or text("algorithm") not in (
        None, public.algorithm.value
    ):
        raise KeyFileError(f"key metadata file {sidecar} belongs to a different key than "
                           f"{path}; delete it or regenerate the key")
    did_web = text("didWeb")
    if did_web is not None:
        try:
            parse_did_web(did_web)
        except Error as exc:
            raise KeyFileError(f"key metadata file {sidecar}: {exc}") from None
    metadata = KeyMetadata(public.algorithm, derived.public_key_multibase, did_web,
                           text("issuerName"), text("uscc"), text("created"))
    if text("did") not in (None, metadata.controller) or text("verificationMethod") not in (
        None, metadata.verification_method
    ):
        raise KeyFileError(f"key metadata file {sidecar} names a DID or verification method "
                           f"that does not belong to the key in {path}")
    return metadata
