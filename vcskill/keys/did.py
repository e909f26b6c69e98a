"""did:key and did:web: parsing, DID documents with Multikey verification methods.

* did:key (W3C CCG did:key v0.9): ``did:key:<publicKeyMultibase>``; its one verification
  method is ``did:key:<mb>#<mb>``.
* did:web (W3C CCG did:web): ``did:web:<host>[%3A<port>][:<path segment>]*``, resolved from
  ``https://<host>[:<port>]/<path>/did.json`` (``/.well-known/did.json`` with no path).
* Verification method URLs split into controller DID and fragment (CID 1.0,
  "Retrieve Verification Method", step 1).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Final

from vcskill.errors import Code, Error, UsageError
from vcskill.keys.keypair import PublicKey

DID_CONTEXT: Final = "https://www.w3.org/ns/did/v1"
MULTIKEY_CONTEXT: Final = "https://w3id.org/security/multikey/v1"

_LABEL = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?")
_SEGMENT = re.compile(r"[A-Za-z0-9._-]+")
_PORT = re.compile(r"[1-9][0-9]{0,4}")
# DID Core §3.1 ABNF: did = "did:" method-name ":" method-specific-id
_DID = re.compile(
    r"did:[a-z0-9]+:(?:(?:[A-Za-z0-9._-]|%[0-9A-Fa-f]{2})*:)*(?:[A-Za-z0-9._-]|%[0-9A-Fa-f]{2})+"
)
# RFC 3986 §3.5 fragment
_FRAGMENT = re.compile(r"(?:[A-Za-z0-9\-._~!$&'()*+,;=:@/?]|%[0-9A-Fa-f]{2})+")


# -- verification method URLs ------------------------------------------------------------

def _bad_url(message: str) -> Error:
    return Error(message, code=Code.INVALID_VERIFICATION_METHOD_URL)


def split_verification_method(vm: str) -> tuple[str, str]:
    """Split ``<DID>#<fragment>`` into the controller DID and the fragment."""
    if not isinstance(vm, str) or not vm:
        raise _bad_url("the verification method must be a non-empty string")
    controller, sep, fragment = vm.partition("#")
    if not sep:
        raise _bad_url(f"verification method {vm!r} has no '#fragment' naming the key")
    if not _DID.fullmatch(controller):
        raise _bad_url(f"verification method {vm!r} does not start with a valid DID "
                       "(did:<method>:<id>, no path or query)")
    if not _FRAGMENT.fullmatch(fragment):
        raise _bad_url(f"verification method {vm!r} has an empty or malformed fragment")
    return controller, fragment


# -- did:key -----------------------------------------------------------------------------

def public_key_from_did_key(did_or_vm_id: str) -> PublicKey:
    """The public key of ``did:key:z…`` or ``did:key:z…#z…`` (the fragment must be the key)."""
    if not isinstance(did_or_vm_id, str) or not did_or_vm_id.startswith("did:key:"):
        raise _bad_url(f"{did_or_vm_id!r} is not a did:key")
    did, sep, fragment = did_or_vm_id.partition("#")
    multibase = did[len("did:key:"):]
    if not multibase.startswith("z") or any(c in multibase for c in "/?:"):
        raise _bad_url(f"{did!r} is not a did:key: the id must be a 'z' base58btc Multikey")
    try:
        key = PublicKey.from_multibase(multibase)
    except Error as exc:  # name the DID by its start only: it might hold a secret key
        raise Error(f"{did[:20]}…: {exc}", code=exc.code) from exc
    if sep and fragment != multibase:
        raise _bad_url(f"verification method {did_or_vm_id!r}: the fragment of a did:key "
                       "verification method must repeat the key (did:key:<mb>#<mb>)")
    return key


def did_key_document(did: str) -> dict[str, Any]:
    """The DID document of a did:key with one ``Multikey`` method (did:key v0.9, Multikey
    form): listed under authentication, assertionMethod, capabilityInvocation and
    capabilityDelegation, as the did:key document creation algorithm does."""
    if not isinstance(did, str) or "#" in did:
        raise _bad_url(f"{did!r} is not a did:key DID (drop the '#fragment')")
    key = public_key_from_did_key(did)
    vm_id = key.verification_method_id()
    return {
        "@context": [DID_CONTEXT, MULTIKEY_CONTEXT],
        "id": did,
        "verificationMethod": [_multikey_method(vm_id, did, key)],
        "authentication": [vm_id],
        "assertionMethod": [vm_id],
        "capabilityInvocation": [vm_id],
        "capabilityDelegation": [vm_id],
    }


def _multikey_method(vm_id: str, controller: str, key: PublicKey) -> dict[str, str]:
    return {"id": vm_id, "type": "Multikey", "controller": controller,
            "publicKeyMultibase": key.multibase()}


# -- did:web -----------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class DidWeb:
    """The parts of a did:web DID."""

    host: str
    port: int | None
    path: tuple[str, ...]

    @property
    def did(self) -> str:
        port = f"%3A{self.port}" if self.port is not None else ""
        return ":".join((f"did:web:{self.host}{port}", *self.path))

    @property
    def url(self) -> str:
        """Where the DID document is published (did:web "Read (Resolve)")."""
        authority = self.host if self.port is None else f"{self.host}:{self.port}"
        path = "/".join(self.path) if self.path else ".well-known"
        return f"https://{authority}/{path}/did.json"


def _check_host(host: str, fail: type[Error], what: str) -> None:
    if not host:
        raise fail(f"{what}: the host is empty")
    if host != host.lower() and host.isascii():
        raise fail(f"{what}: write the host in lowercase ({host.lower()})")
    labels = host.split(".")
    if len(host) > 253 or not all(_LABEL.fullmatch(label) for label in labels):
        raise fail(f"{what}: {host!r} is not a valid host name (ASCII letters, digits, '-' "
                   "and '.'; write internationalised names in punycode)")
    if all(label.isdigit() for label in labels) and (
        len(labels) != 4 or any(int(x) > 255 or (len(x) > 1 and x[0] == "0") for x in labels)
    ):
        raise fail(f"{what}: {host!r} is not a valid IPv4 address")


def _check_port(port: str, fail: type[Error], what: str) -> int:
    if not _PORT.fullmatch(port) or int(port) > 65535:
        raise fail(f"{what}: port {port!r} must be a number from 1 to 65535")
    return int(port)


def _check_segments(segments: list[str], fail: type[Error], what: str) -> tuple[str, ...]:
    for segment in segments:
        if not segment:
            raise fail(f"{what}: the path has an empty segment")
        if segment in (".", ".."):
            raise fail(f"{what}: the path must not contain '.' or '..'")
        if not _SEGMENT.fullmatch(segment):
            raise fail(f"{what}: path segment {segment!r} may only use ASCII letters, digits, "
                       "'.', '-' and '_'")
    return tuple(segments)


def did_web_from_spec(spec: str) -> str:
    """``HOST[:PORT][/PATH]`` → did:web DID (port colon percent-encoded, path joined by ':').

    ``example.com:8443/issuers/a`` → ``did:web:example.com%3A8443:issuers:a``.
    """
    what = f"--did-web {spec!r}"
    if not isinstance(spec, str) or not spec:
        raise UsageError("--did-web needs HOST[:PORT][/PATH], e.g. example.com/issuers/a")
    if "://" in spec:
        raise UsageError(f"{what}: give HOST[:PORT][/PATH] without the scheme "
                         "(did:web always uses https)")
    if "@" in spec:
        raise UsageError(f"{what}: user information ('@') is not allowed")
    if any(c in spec for c in "?#%\\") or any(c.isspace() for c in spec):
        raise UsageError(f"{what}: no query, fragment, '%', '\\' or spaces allowed")
    authority, slash, path = spec.partition("/")
    host, colon, port = authority.partition(":")
    _check_host(host, UsageError, what)
    port_number = _check_port(port, UsageError, what) if colon else None
    segments = _check_segments(path.split("/"), UsageError, what) if slash else ()
    return DidWeb(host, port_number, segments).did


def parse_did_web(did: str) -> DidWeb:
    """Parse and validate a did:web DID (no fragment, query or path)."""
    what = f"{did!r} is not a valid did:web DID"
    if not isinstance(did, str) or not did.startswith("did:web:"):
        raise Error(f"{did!r} is not a did:web DID", code=Code.MALFORMED_VALUE_ERROR)
    if any(c in did for c in "#?/@") or any(c.isspace() for c in did):
        raise Error(f"{what}: no '#', '?', '/' or '@' allowed", code=Code.MALFORMED_VALUE_ERROR)
    first, *segments = did[len("did:web:"):].split(":")
    host, port = first, None
    at = first.lower().find("%3a")
    if at >= 0:
        host, port = first[:at], first[at + 3:]
    if "%" in host or (port is not None and "%" in port):
        raise Error(f"{what}: only the port colon may be percent-encoded (%3A)",
                    code=Code.MALFORMED_VALUE_ERROR)
    _check_host(host, Error, what)
    port_number = _check_port(port, Error, what) if port is not None else None
    return DidWeb(host, port_number, _check_segments(segments, Error, what))


def did_web_to_url(did: str) -> str:
    """``https://host[:port]/.well-known/did.json`` or ``https://host[:port]/path/did.json``."""
    return parse_did_web(did).url


def did_web_document(did: str, public_keys: Sequence[PublicKey]) -> dict[str, Any]:
    """A did:web DID document with one ``Multikey`` method per key, each
    ``<did>#<publicKeyMultibase>`` controlled by ``did`` and listed under assertionMethod."""
    parse_did_web(did)
    if not public_keys:
        raise UsageError("a DID document needs at least one public key")
    methods = []
    for key in public_keys:
        methods.append(_multikey_method(f"{did}#{key.multibase()}", did, key))
    ids = [m["id"] for m in methods]
    if len(set(ids)) != len(ids):
        raise UsageError("the same public key is listed twice")
    return {
        "@context": [DID_CONTEXT, MULTIKEY_CONTEXT],
        "id": did,
        "verificationMethod": methods,
        "assertionMethod": ids,
    }
