"""VC-JOSE-COSE: credentials secured as a compact JWS with ``typ: vc+jwt`` (VC-JOSE-COSE §3.1).

The credential itself is the JWT claims set. Hardening (security.md §3), because jwcrypto
accepts more than a verifier should:

* the algorithm is pinned by the key found for ``kid``: EdDSA for Ed25519, ES256 for P-256,
  ES384 for P-384; never ``none``, never HMAC, and ``allowed_algs`` is never left empty
  (jwcrypto falls back to its default list, HMAC included, when it is);
* the header is parsed by our strict parser first (duplicate members are an error) and only
  the protected header counts; ``jku``/``x5u``/``x5c``/``jwk`` key sources are refused;
* ``kid`` is a hint resolved through our offline resolver, and its controller must be the
  credential's issuer; ``iss``, if present, must equal the issuer.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from jwcrypto import jwk, jws

from vcskill.errors import Code, Error, InputError, ProofError
from vcskill.keys.keypair import PrivateKey
from vcskill.keys.multibase import b64url_decode
from vcskill.keys.resolver import KeyResolver
from vcskill.limits import DEFAULT_LIMITS, Limits
from vcskill.linkeddata.jsonparse import parse_json

JWT_TYPE = "vc+jwt"
FORMAT = "vc+jwt"
_FORBIDDEN_HEADERS = ("jku", "x5u", "x5c", "jwk")


def _b64url_decode(part: str) -> bytes:
    """A JWT part's bytes; only its canonical base64url spelling is accepted, so the same
    signature cannot make a second, different token."""
    if not part or len(part) % 4 == 1 or any(c not in _B64URL for c in part):
        raise InputError("the JWT is not three base64url parts separated by dots")
    try:
        return b64url_decode(part, what="a JWT part")
    except Error as exc:
        raise InputError(str(exc)) from None


_B64URL = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")


def looks_like_jwt(text: str) -> bool:
    text = text.strip()
    return text.startswith("eyJ") and text.count(".") == 2 and not any(c.isspace() for c in text)


def parts_signed(token: str) -> bool:
    """True if the compact JWS has a non-empty signature part."""
    return bool(token.strip().rsplit(".", 1)[-1])


def sign_jwt(credential: Mapping[str, Any], key: PrivateKey, *, kid: str) -> str:
    """Secure ``credential`` (which must have no embedded proof) as a compact vc+jwt."""
    if "proof" in credential:
        raise ProofError("a vc+jwt secures an unsecured credential: remove 'proof' first",
                         code=Code.PROOF_GENERATION_ERROR)
    payload = json.dumps(credential, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    header = {"alg": key.public_key.jose_algorithm, "kid": kid, "typ": JWT_TYPE, "cty": "vc"}
    token = jws.JWS(payload)
    token.add_signature(jwk.JWK(**key.to_jwk()), alg=header["alg"],
                        protected=json.dumps(header))
    return str(token.serialize(compact=True))


@dataclass(frozen=True, slots=True)
class JwtParts:
    header: Mapping[str, Any]
    credential: Mapping[str, Any]


def decode_jwt(token: str, *, limits: Limits = DEFAULT_LIMITS) -> JwtParts:
    """Split and parse a compact vc+jwt without checking its signature."""
    token = token.strip()
    if len(token) > limits.max_credential_bytes * 2:
        raise InputError("the JWT is larger than the credential size limit")
    parts = token.split(".")
    if len(parts) != 3:
        raise InputError("a vc+jwt must be a compact JWS: three base64url parts and two dots")
    header = parse_json(_b64url_decode(parts[0]), limits=limits, what="JWT header")
    credential = parse_json(_b64url_decode(parts[1]), limits=limits, what="JWT payload",
                            max_values=limits.max_json_values)
    if not isinstance(header, dict) or not isinstance(credential, dict):
        raise InputError("the JWT header and payload must be JSON objects")
    if parts[2]:  # empty for an unsecured (alg "none") JWT, which verify_jwt refuses by name
        _b64url_decode(parts[2])
    return JwtParts(header, credential)


def verify_jwt(
    token: str,
    *,
    resolver: KeyResolver,
    limits: Limits = DEFAULT_LIMITS,
) -> tuple[Mapping[str, Any], str]:
    """Verify a vc+jwt; return (credential, controller of the signing key).

    Raises :class:`ProofError` with a specific code when it does not verify.
    """
    parts = decode_jwt(token, limits=limits)
    header, credential = parts.header, parts.credential
    if header.get("typ") != JWT_TYPE:
        raise ProofError(f"JWT typ is {header.get('typ')!r}, expected {JWT_TYPE!r}",
                         code=Code.MALFORMED_PROOF_ERROR)
    if "crit" in header:
        # RFC 7515 §4.1.11: a recipient that does not understand a listed extension must
        # refuse the JWS. vcskill understands none, so any "crit" is refused, by name.
        raise ProofError(f"the JWT header marks {header['crit']!r} as critical extensions, "
                         "which vcskill does not support (RFC 7515 §4.1.11)",
                         code=Code.PROOF_VERIFICATION_ERROR)
    for name in _FORBIDDEN_HEADERS:
        if name in header:
            raise ProofError(f"JWT header {name!r} names a key source we never trust or fetch",
                             code=Code.PROOF_VERIFICATION_ERROR)
    kid = header.get("kid")
    alg = header.get("alg")
    if alg == "none" or not parts_signed(token):
        # RFC 7519 §6 unsecured JWTs carry no proof at all (security.md §3: never "none").
        raise ProofError("the JWT is unsecured (alg 'none' or no signature); a vc+jwt must "
                         "be signed", code=Code.PROOF_VERIFICATION_ERROR)
    if not isinstance(kid, str) or not kid:
        raise ProofError("JWT header has no kid naming the verification method",
                         code=Code.MALFORMED_PROOF_ERROR)
    resolved = resolver.resolve(kid)
    expected_alg = resolved.public_key.jose_algorithm
    if alg != expected_alg:
        raise ProofError(
            f"JWT alg is {alg!r} but the key {kid} only signs with {expected_alg}",
            code=Code.PROOF_VERIFICATION_ERROR,
        )
    if "vc" in credential or "vp" in credential:
        raise ProofError("a vc+jwt payload is the credential itself, not a 'vc' claim",
                         code=Code.MALFORMED_PROOF_ERROR)
    if "proof" in credential:
        raise ProofError("a vc+jwt payload must not also carry an embedded proof",
                         code=Code.MALFORMED_PROOF_ERROR)
    try:
        verifier = jws.JWS()
        verifier.allowed_algs = [expected_alg]  # never empty: see module docstring
        verifier.deserialize(token.strip())
        verifier.verify(jwk.JWK(**resolved.public_key.to_jwk()), alg=expected_alg)
    except jws.InvalidJWSSignature as exc:
        raise ProofError(f"the {alg} signature by {kid} does not match the credential",
                         code=Code.PROOF_VERIFICATION_ERROR) from exc
    except Error:
        raise
    except Exception as exc:  # jwcrypto raises a zoo of types for malformed tokens
        raise ProofError(f"the JWT could not be verified: {exc}",
                         code=Code.PROOF_VERIFICATION_ERROR) from exc
    issuer = credential.get("issuer")
    issuer_id = issuer.get("id") if isinstance(issuer, Mapping) else issuer
    iss = credential.get("iss")
    if iss is not None and iss != issuer_id:
        raise ProofError(f"JWT iss {iss!r} is not the credential's issuer {issuer_id!r}",
                         code=Code.ISSUER_KEY_MISMATCH)
    # A vc+jwt has exactly one signature, so it must be the issuer's (see module docstring):
    # otherwise anyone could sign a credential that names someone else as its issuer.
    if resolved.controller != issuer_id:
        raise ProofError(
            f"signed by a key of {resolved.controller}, but the issuer is {issuer_id}",
            code=Code.ISSUER_KEY_MISMATCH,
        )
    return credential, resolved.controller
