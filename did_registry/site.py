"""Publish a verified registry as a static site any web server or CDN can host.

:func:`write_site` writes, under one directory (``docs/registry-format.md``, "Distribution")::

    registry.json                      the signed document, byte for byte
    roots/<N>.json                     every root envelope in the document (TUF's N.root.json)
    roots/index.json                   their versions and SHA-256 fingerprints of JCS(signed)
    did-web/<host>[_<port>]/.well-known/did.json   the did:web DID document of each did:web
    did-web/<host>[_<port>]/<path…>/did.json       issuer, for that issuer to host
    README.txt                         what the files are, and where each DID document goes
    vcskill-site.json                  what this tool wrote (need not be served)

Verifiers fetch ``registry.json`` with :func:`did_registry.sync.sync`; the other files are
conveniences: nothing in them is trusted without the registry's signatures.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import replace
from datetime import datetime
from pathlib import Path, PurePosixPath
from typing import Any, Final

from did_registry.errors import RegistryError
from did_registry.model import IssuerEntry, IssuerKey, Root, format_datetime
from did_registry.registry import DEFAULT_REGISTRY_LIMITS, Registry
from did_registry.signing import digest
from vcskill.common.files import write_bytes_atomic
from vcskill.errors import Code, Error
from vcskill.keys.did import DidWeb, did_web_document, parse_did_web
from vcskill.limits import DEFAULT_LIMITS
from vcskill.linkeddata.jsonparse import parse_json

__all__ = ["MANIFEST", "current_keys", "did_web_site_path", "write_site"]

MANIFEST: Final = "vcskill-site.json"
"""The list of files the last :func:`write_site` wrote, with their SHA-256 (stale-file cleanup)."""

_OWNED_DIRECTORIES: Final = ("roots", "did-web")


def did_web_site_path(did: str) -> str:
    """Where the DID document of a did:web DID sits in the site, as a relative POSIX path.

    ``did:web:example.com`` → ``did-web/example.com/.well-known/did.json``;
    ``did:web:example.com%3A8443:u:alice`` → ``did-web/example.com_8443/u/alice/did.json``:
    the path below ``did-web/<host>[_<port>]/`` is the one a did:web resolver fetches
    (did:web "Read (Resolve)").
    """
    return _site_path(parse_did_web(did))


def _site_path(web: DidWeb) -> str:
    host = web.host if web.port is None else f"{web.host}_{web.port}"
    below = "/".join(web.path) if web.path else ".well-known"
    return f"did-web/{host}/{below}/did.json"


def current_keys(entry: IssuerEntry, now: datetime) -> tuple[IssuerKey, ...]:
    """The issuer's keys that have not ended at ``now`` (valid now, or not yet started) and
    are not reported compromised."""
    return tuple(k for k in entry.keys if k.compromised is None
                 and (k.valid_until is None or now < k.valid_until))


def _json_bytes(value: Any) -> bytes:
    return (json.dumps(value, ensure_ascii=False, indent=2) + "\n").encode("utf-8")


def write_site(document: bytes, directory: Path, *, trusted_root: Root,
               now: datetime) -> list[Path]:
    """Verify ``document`` and write the static site into ``directory``; return the paths
    written.

    The document is checked first with :meth:`Registry.load` (not expired at ``now``);
    nothing is written if it fails. Every file is written atomically, ``registry.json``
    after the files it refers to. Files a previous run wrote under ``roots/`` and
    ``did-web/`` that this run does not write are removed, but only while their content is
    still what that run wrote (``vcskill-site.json`` records it): files anyone else put
    there, or changed, are left alone.
    """
    registry = Registry.load(document, trusted_root=trusted_root, now=now,
                             source="write_site")
    files = _site_files(bytes(document), registry, now)
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    previous = _read_manifest(directory)
    written: list[Path] = []
    # registry.json last: a reader that sees the new document finds the roots and DID
    # documents it names already in place.
    for relative in sorted(files, key=lambda name: (name == "registry.json", name)):
        path = directory / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        write_bytes_atomic(path, files[relative])
        written.append(path)
    _remove_stale(directory, previous, files)
    manifest = {
        "format": 1,
        "generator": "vcskill did_registry.site.write_site",
        "registry_version": registry.info.version,
        "written": format_datetime(now),
        "files": {name: hashlib.sha256(data).hexdigest() for name, data in sorted(files.items())},
    }
    write_bytes_atomic(directory / MANIFEST, _json_bytes(manifest))
    written.append(directory / MANIFEST)
    return written


def _site_files(document: bytes, registry: Registry, now: datetime) -> dict[str, bytes]:
    """Every file of the site but the manifest, by relative POSIX path."""
    limits = replace(DEFAULT_LIMITS, max_credential_bytes=DEFAULT_REGISTRY_LIMITS.max_bytes)
    raw = parse_json(document, what="registry", limits=limits)  # verified by load already
    files: dict[str, bytes] = {"registry.json": document}

    index = []
    for envelope in raw["roots"]:
        root = Root.from_json(envelope["signed"])
        name = f"{root.version}.json"
        files[f"roots/{name}"] = _json_bytes(envelope)
        fingerprint = digest(envelope["signed"])
        index.append({"version": root.version, "file": name, "sha256": fingerprint,
                      "fingerprint": f"sha256:{fingerprint}"})
    files["roots/index.json"] = _json_bytes({
        "roots": index, "latest": registry.root.version,
        "note": "sha256 is the SHA-256 of the RFC 8785 (JCS) bytes of each root's 'signed'",
    })

    published: dict[str, str] = {}  # lower-cased path -> DID, to catch two DIDs on one URL
    hosted: list[tuple[str, str, str]] = []
    for entry in registry.issuers:
        if not entry.did.startswith("did:web:"):
            continue
        try:
            web = parse_did_web(entry.did)
        except Error as exc:
            raise RegistryError(f"the issuer {entry.did} cannot be published as did:web: "
                                f"{exc}; correct its DID in the registry",
                                code=Code.REGISTRY_MALFORMED) from None
        keys = [k.public_key for k in current_keys(entry, now)]
        if not keys:  # every key has ended: nothing the issuer could still sign with
            continue
        relative = _site_path(web)
        other = published.get(relative.lower())
        if other is not None:
            raise RegistryError(f"the issuers {other} and {entry.did} would publish their DID "
                                f"documents at the same URL ({web.url}); give one of them "
                                "another DID", code=Code.REGISTRY_MALFORMED)
        published[relative.lower()] = entry.did
        files[relative] = _json_bytes(did_web_document(entry.did, keys))
        hosted.append((entry.did, web.url, relative))

    files["README.txt"] = _readme(registry, hosted).encode("utf-8")
    return files


def _readme(registry: Registry, hosted: list[tuple[str, str, str]]) -> str:
    info = registry.info
    lines = [
        "vcskill trusted issuer registry: static site",
        "",
        f"registry.json  the signed registry document, v{info.version}, signed under root "
        f"v{info.root_version} ({info.root_name}), expires {format_datetime(info.expires)}.",
        "               Verifiers fetch it with:  vcskill sync https://<this site>/ --cache DIR",
        "roots/N.json   every root of trust in the document; roots/index.json lists their",
        "               versions and SHA-256 fingerprints (of the RFC 8785 bytes of 'signed').",
        "did-web/       the did:web DID document of each did:web issuer, with its current keys",
        "               from the registry. These are for the issuers to host on their own web",
        "               servers, at the URL below; this site does not serve them as DIDs. The",
        "               registry stays authoritative: verifiers take keys from it.",
        f"{MANIFEST}  what the publishing tool wrote; it need not be served.",
        "",
        "Serve the files as they are (HTTPS, any static web server or CDN). Nothing here is",
        "trusted without the registry's signatures.",
    ]
    if hosted:
        lines += ["", "DID documents to host (DID, URL, file here):"]
        for did, url, relative in hosted:
            lines += [f"  {did}", f"    {url}", f"    {relative}"]
    return "\n".join(lines) + "\n"


def _read_manifest(directory: Path) -> dict[str, str]:
    """The files the previous run wrote and their SHA-256; empty when unknown."""
    try:
        value = json.loads((directory / MANIFEST).read_bytes())
    except (OSError, ValueError):
        return {}
    files = value.get("files") if isinstance(value, dict) else None
    if not isinstance(files, dict):
        return {}
    return {name: sha for name, sha in files.items()
            if isinstance(name, str) and isinstance(sha, str)}


def _remove_stale(directory: Path, previous: Mapping[str, str],
                  current: Mapping[str, bytes]) -> None:
    """Delete what the last run wrote under roots/ and did-web/ and this run did not, if
    unchanged since; then the directories that emptied below did-web/."""
    for name, sha in previous.items():
        if name in current:
            continue
        parts = PurePosixPath(name).parts
        if len(parts) < 2 or parts[0] not in _OWNED_DIRECTORIES or \
                any(p in ("", ".", "..") for p in parts) or name.startswith("/") or "\\" in name:
            continue  # not a path this tool writes: a damaged or edited manifest
        path = directory.joinpath(*parts)
        try:
            if not path.is_file() or path.is_symlink() or \
                    hashlib.sha256(path.read_bytes()).hexdigest() != sha:
                continue
            path.unlink()
        except OSError:
            continue
        parent = path.parent
        while parent != directory / parts[0] and parent != directory:
            try:
                parent.rmdir()  # only succeeds when empty
            except OSError:
                break
            parent = parent.parent
