"""Signing keys (Ed25519, P-256, P-384): Multikey, JWK, PEM and signatures.

* Public keys are Multikey values (Controlled Identifiers 1.0 §2.2.2): Ed25519 raw 32 bytes,
  ECDSA keys as compressed SEC1 points.
* ECDSA signatures are IEEE P1363 ``r ‖ s`` (VC-DI-ECDSA; RFC 4754 §7), made with
  deterministic nonces (RFC 6979), so a vector re-signs byte for byte.
* Private keys are read from PKCS#8 PEM (:mod:`vcskill.keys.keyfile` keeps them on disk).

Private key material is never logged, printed or put in an error message."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any, Final

from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import dsa, ec, ed448, ed25519, rsa, x448, x25519
from cryptography.hazmat.primitives.asymmetric.utils import (
    decode_dss_signature,
    encode_dss_signature,
)

from vcskill.errors import Code, Error, InternalError, KeyFileError, UsageError
from vcskill.keys.multibase import (
    SECRET_CODECS,
    SUPPORTED_KEY_TYPES,
    Multicodec,
    b64url_decode,
    b64url_encode,
    decode_multikey,
    encode_multikey,
)

PASSPHRASE_ENV: Final = "VCSKILL_PASSPHRASE"
"""The environment variable that holds the passphrase of an encrypted key file."""


class KeyAlgorithm(StrEnum):
    """The key types vcskill signs and verifies with."""

    ED25519 = "ed25519"
    P256 = "p256"
    P384 = "p384"


@dataclass(frozen=True, slots=True)
class _Spec:
    public_codec: Multicodec
    secret_codec: Multicodec
    jose_algorithm: str
    hash_name: str
    jwk_crv: str
    size: int  # bytes of a scalar / coordinate


_SPECS: Final[dict[KeyAlgorithm, _Spec]] = {
    KeyAlgorithm.ED25519: _Spec(Multicodec.ED25519_PUB, Multicodec.ED25519_PRIV, "EdDSA",
                                "sha256", "Ed25519", 32),
    KeyAlgorithm.P256: _Spec(Multicodec.P256_PUB, Multicodec.P256_PRIV, "ES256", "sha256",
                             "P-256", 32),
    KeyAlgorithm.P384: _Spec(Multicodec.P384_PUB, Multicodec.P384_PRIV, "ES384", "sha384",
                             "P-384", 48),
}
_BY_CODEC: Final = {spec.public_codec: alg for alg, spec in _SPECS.items()} | {
    spec.secret_codec: alg for alg, spec in _SPECS.items()
}
_BY_CRV: Final = {spec.jwk_crv: alg for alg, spec in _SPECS.items()}
_BY_CURVE_NAME: Final = {"secp256r1": KeyAlgorithm.P256, "secp384r1": KeyAlgorithm.P384}
# JOSE registry members marked "Private" (RFC 7518 §6): never in a public JWK.
_PRIVATE_JWK_MEMBERS: Final = ("d", "p", "q", "dp", "dq", "qi", "oth", "k")

CryptoPublicKey = ed25519.Ed25519PublicKey | ec.EllipticCurvePublicKey
CryptoPrivateKey = ed25519.Ed25519PrivateKey | ec.EllipticCurvePrivateKey


def _curve(algorithm: KeyAlgorithm) -> ec.EllipticCurve:
    return ec.SECP384R1() if algorithm is KeyAlgorithm.P384 else ec.SECP256R1()


def _ecdsa_hash(algorithm: KeyAlgorithm) -> hashes.HashAlgorithm:
    return hashes.SHA384() if algorithm is KeyAlgorithm.P384 else hashes.SHA256()


def _bad_key(message: str) -> Error:
    return Error(message, code=Code.INVALID_VERIFICATION_METHOD)


# -- public keys -------------------------------------------------------------------------

@dataclass(frozen=True)
class PublicKey:
    """A verification key. ``raw`` is 32 bytes for Ed25519, a compressed SEC1 point for EC."""

    algorithm: KeyAlgorithm
    raw: bytes
    _key: CryptoPublicKey = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        try:
            algorithm = KeyAlgorithm(self.algorithm)
        except ValueError:
            raise _bad_key(f"unsupported key algorithm {self.algorithm!r}") from None
        object.__setattr__(self, "algorithm", algorithm)
        raw = self.raw
        if not isinstance(raw, bytes):
            raise TypeError("PublicKey.raw must be bytes")
        spec = _SPECS[algorithm]
        key: CryptoPublicKey
        if algorithm is KeyAlgorithm.ED25519:
            if len(raw) != 32:
                raise _bad_key(f"an Ed25519 public key has 32 bytes, not {len(raw)}")
            key = ed25519.Ed25519PublicKey.from_public_bytes(raw)
        else:
            if len(raw) != spec.size + 1 or raw[0] not in (2, 3):
                raise _bad_key(
                    f"a {spec.jwk_crv} public key must be a compressed point of"
                    f" {spec.size + 1} bytes starting with 02 or 03"
                )
            try:
                key = ec.EllipticCurvePublicKey.from_encoded_point(_curve(algorithm), raw)
            except ValueError:
                raise _bad_key(f"the {spec.jwk_crv} public key is not a point on the curve"
                               ) from None
        object.__setattr__(self, "_key", key)

    def __repr__(self) -> str:
        return f"PublicKey({self.algorithm.value}, {self.multibase()})"

    # construction

    @classmethod
    def from_cryptography(cls, key: CryptoPublicKey) -> PublicKey:
        """Wrap a ``cryptography`` Ed25519 or P-256/P-384 public key."""
        if isinstance(key, ed25519.Ed25519PublicKey):
            raw = key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
            return cls(KeyAlgorithm.ED25519, raw)
        if isinstance(key, ec.EllipticCurvePublicKey):
            algorithm = _BY_CURVE_NAME.get(key.curve.name)
            if algorithm is None:
                raise Error(f"unsupported curve {key.curve.name} (supported: "
                            f"{SUPPORTED_KEY_TYPES})", code=Code.KEY_TYPE_ERROR)
            raw = key.public_bytes(serialization.Encoding.X962,
                                   serialization.PublicFormat.CompressedPoint)
            return cls(algorithm, raw)
        raise Error(f"unsupported key type {type(key).__name__} (supported: "
                    f"{SUPPORTED_KEY_TYPES})", code=Code.KEY_TYPE_ERROR)

    @classmethod
    def from_multibase(cls, value: str) -> PublicKey:
        """Parse a ``publicKeyMultibase`` (CID 1.0 §2.2.2); INVALID_VERIFICATION_METHOD if bad."""
        multikey = decode_multikey(value)
        return cls(_BY_CODEC[multikey.codec], multikey.raw)

    @classmethod
    def from_jwk(cls, jwk: Mapping[str, Any]) -> PublicKey:
        """Parse a public JWK (OKP/Ed25519 or EC/P-256, P-384). A private member is an error."""
        if not isinstance(jwk, Mapping):
            raise _bad_key("publicKeyJwk must be a JSON object")
        leaked = [m for m in _PRIVATE_JWK_MEMBERS if m in jwk]
        if leaked:
            raise _bad_key(f"a public JWK must not contain the private member {leaked[0]!r}")
        return cls.from_cryptography(_jwk_public(jwk))

    # encodings

    def multibase(self) -> str:
        """``z`` + base58btc(multicodec header ‖ raw), e.g. ``z6Mk…`` / ``zDna…`` / ``z82L…``."""
        return encode_multikey(_SPECS[self.algorithm].public_codec, self.raw)

    def did_key(self) -> str:
        return f"did:key:{self.multibase()}"

    def verification_method_id(self) -> str:
        """``did:key:<mb>#<mb>``, the did:key verification method of this key."""
        mb = self.multibase()
        return f"did:key:{mb}#{mb}"

    def to_jwk(self) -> dict[str, str]:
        """Public JWK (RFC 8037 OKP for Ed25519, RFC 7518 EC for P-256/P-384)."""
        spec = _SPECS[self.algorithm]
        if self.algorithm is KeyAlgorithm.ED25519:
            return {"kty": "OKP", "crv": spec.jwk_crv, "x": b64url_encode(self.raw)}
        if not isinstance(self._key, ec.EllipticCurvePublicKey):
            raise InternalError(f"a {self.algorithm} public key holds no EC key")
        numbers = self._key.public_numbers()
        return {
            "kty": "EC",
            "crv": spec.jwk_crv,
            "x": b64url_encode(numbers.x.to_bytes(spec.size, "big")),
            "y": b64url_encode(numbers.y.to_bytes(spec.size, "big")),
        }

    # algorithm facts

    @property
    def jose_algorithm(self) -> str:
        """The JWS ``alg``: EdDSA, ES256 or ES384."""
        return _SPECS[self.algorithm].jose_algorithm

    @property
    def hash_name(self) -> str:
        """The hash a Data Integrity cryptosuite uses with this key (hashlib name)."""
        return _SPECS[self.algorithm].hash_name

    @property
    def crypto_key(self) -> CryptoPublicKey:
        """The underlying ``cryptography`` key object."""
        return self._key

    # verification

    def verify(self, signature: bytes, message: bytes) -> bool:
        """True if ``signature`` (Ed25519 raw, or ECDSA P1363 ``r ‖ s``) signs ``message``.

        Never raises for a bad signature, whatever its length or content.
        """
        if not isinstance(signature, bytes | bytearray) or not isinstance(
            message, bytes | bytearray
        ):
            return False
        try:
            if isinstance(self._key, ed25519.Ed25519PublicKey):
                if len(signature) != 64:
                    return False
                self._key.verify(bytes(signature), bytes(message))
                return True
            size = _SPECS[self.algorithm].size
            if len(signature) != 2 * size:
                return False
            r = int.from_bytes(signature[:size], "big")
            s = int.from_bytes(signature[size:], "big")
            if r == 0 or s == 0:
                return False
            der = encode_dss_signature(r, s)
            self._key.verify(der, bytes(message), ec.ECDSA(_ecdsa_hash(self.algorithm)))
            return True
        except (InvalidSignature, ValueError, OverflowError):
            return False


def _jwk_field(jwk: Mapping[str, Any], name: str, size: int) -> bytes:
    value = jwk.get(name)
    if not isinstance(value, str):
        raise _bad_key(f"JWK member {name!r} is missing or not a string")
    try:
        data = b64url_decode(value)
    except Error as exc:
        raise _bad_key(f"JWK member {name!r}: {exc}") from exc
    if len(data) != size:
        raise _bad_key(f"JWK member {name!r} must decode to {size} bytes, not {len(data)}")
    return data


def _jwk_algorithm(jwk: Mapping[str, Any]) -> KeyAlgorithm:
    kty, crv = jwk.get("kty"), jwk.get("crv")
    algorithm = _BY_CRV.get(crv) if isinstance(crv, str) else None
    if algorithm is None or kty != ("OKP" if algorithm is KeyAlgorithm.ED25519 else "EC"):
        raise _bad_key(f"unsupported JWK key type kty={kty!r} crv={crv!r} (supported: "
                       "OKP/Ed25519, EC/P-256, EC/P-384)")
    return algorithm


def _jwk_public(jwk: Mapping[str, Any]) -> CryptoPublicKey:
    algorithm = _jwk_algorithm(jwk)
    size = _SPECS[algorithm].size
    x = _jwk_field(jwk, "x", size)
    if algorithm is KeyAlgorithm.ED25519:
        return ed25519.Ed25519PublicKey.from_public_bytes(x)
    y = _jwk_field(jwk, "y", size)
    numbers = ec.EllipticCurvePublicNumbers(
        int.from_bytes(x, "big"), int.from_bytes(y, "big"), _curve(algorithm)
    )
    try:
        return numbers.public_key()
    except ValueError:
        raise _bad_key(f"the {jwk.get('crv')} JWK is not a point on the curve") from None


# -- private keys ------------------------------------------------------------------------

@dataclass(frozen=True, eq=False)
class PrivateKey:
    """A signing key. ``repr`` shows only the public key; there is no equality by value."""

    crypto_key: CryptoPrivateKey = field(repr=False)
    algorithm: KeyAlgorithm = field(init=False)
    public_key: PublicKey = field(init=False)

    def __post_init__(self) -> None:
        public = PublicKey.from_cryptography(self.crypto_key.public_key())
        object.__setattr__(self, "algorithm", public.algorithm)
        object.__setattr__(self, "public_key", public)

    @classmethod
    def generate(cls, algorithm: KeyAlgorithm = KeyAlgorithm.ED25519) -> PrivateKey:
        algorithm = KeyAlgorithm(algorithm)
        if algorithm is KeyAlgorithm.ED25519:
            return cls(ed25519.Ed25519PrivateKey.generate())
        return cls(ec.generate_private_key(_curve(algorithm)))

    @classmethod
    def from_multibase(cls, secret: str) -> PrivateKey:
        """Load a ``secretKeyMultibase`` (0x8026 Ed25519, 0x8626 P-256, 0x8726 P-384).

        An Ed25519 secret may be the 32-byte seed (spec vectors) or seed ‖ public key
        (64 bytes, the W3C test-suite keys); the public half must then match.
        """
        try:
            multikey = decode_multikey(secret, allowed=SECRET_CODECS, what="secret key")
        except Error as exc:
            raise KeyFileError(str(exc)) from None
        algorithm = _BY_CODEC[multikey.codec]
        raw = multikey.raw
        if algorithm is KeyAlgorithm.ED25519:
            key = cls(ed25519.Ed25519PrivateKey.from_private_bytes(raw[:32]))
            if len(raw) == 64 and raw[32:] != key.public_key.raw:
                raise KeyFileError("the 64-byte Ed25519 secret key's public half does not "
                                   "match its seed")
            return key
        return cls(_ec_private(algorithm, raw))

    @classmethod
    def from_jwk(cls, jwk: Mapping[str, Any]) -> PrivateKey:
        """Load a private JWK (with ``d``); its ``x``/``y`` must match ``d``."""
        if not isinstance(jwk, Mapping):
            raise KeyFileError("a private JWK must be a JSON object")
        try:
            algorithm = _jwk_algorithm(jwk)
            d = _jwk_field(jwk, "d", _SPECS[algorithm].size)
        except Error as exc:
            raise KeyFileError(f"bad private JWK: {exc}") from None
        if algorithm is KeyAlgorithm.ED25519:
            key = cls(ed25519.Ed25519PrivateKey.from_private_bytes(d))
        else:
            key = cls(_ec_private(algorithm, d))
        if "x" in jwk:
            public = {k: v for k, v in jwk.items() if k not in _PRIVATE_JWK_MEMBERS}
            try:
                matches = PublicKey.from_jwk(public) == key.public_key
            except Error:
                matches = False
            if not matches:
                raise KeyFileError("the private JWK's public members do not match its 'd'")
        return key

    @classmethod
    def from_pem(cls, data: bytes, passphrase: bytes | None = None, *,
                 source: str = "the key") -> PrivateKey:
        """Load a PKCS#8 PEM private key; errors are :class:`KeyFileError` naming ``source``."""
        return _load_pem(data, passphrase, source)[0]

    def to_pem(self, passphrase: bytes | None = None) -> bytes:
        """PKCS#8 PEM, encrypted with the best available scheme when a passphrase is given."""
        if passphrase is not None and not passphrase:
            raise UsageError("the passphrase is empty; give a real one or none at all")
        encryption: serialization.KeySerializationEncryption = (
            serialization.BestAvailableEncryption(passphrase)
            if passphrase
            else serialization.NoEncryption()
        )
        return self.crypto_key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, encryption
        )

    def to_jwk(self) -> dict[str, str]:
        """Private JWK (public members plus ``d``), e.g. for jwcrypto. Handle with care."""
        jwk = self.public_key.to_jwk()
        if isinstance(self.crypto_key, ed25519.Ed25519PrivateKey):
            d = self.crypto_key.private_bytes(
                serialization.Encoding.Raw, serialization.PrivateFormat.Raw,
                serialization.NoEncryption(),
            )
        else:
            size = _SPECS[self.algorithm].size
            d = self.crypto_key.private_numbers().private_value.to_bytes(size, "big")
        jwk["d"] = b64url_encode(d)
        return jwk

    def sign(self, message: bytes) -> bytes:
        """Ed25519: the 64-byte signature. ECDSA: deterministic (RFC 6979), P1363 ``r ‖ s``."""
        if isinstance(self.crypto_key, ed25519.Ed25519PrivateKey):
            return self.crypto_key.sign(message)
        der = self.crypto_key.sign(
            message, ec.ECDSA(_ecdsa_hash(self.algorithm), deterministic_signing=True)
        )
        r, s = decode_dss_signature(der)
        size = _SPECS[self.algorithm].size
        return r.to_bytes(size, "big") + s.to_bytes(size, "big")


def _ec_private(algorithm: KeyAlgorithm, raw: bytes) -> ec.EllipticCurvePrivateKey:
    try:
        return ec.derive_private_key(int.from_bytes(raw, "big"), _curve(algorithm))
    except ValueError:
        raise KeyFileError(f"the {_SPECS[algorithm].jwk_crv} secret key is out of range"
                           ) from None


_PEM_BEGIN = re.compile(rb"-----BEGIN ([A-Z0-9 ]+)-----")
_SUPPORTED = f"vcskill supports {SUPPORTED_KEY_TYPES} keys"


def _load_pem(data: bytes, passphrase: bytes | None, source: str) -> tuple[PrivateKey, bool]:
    """Parse PKCS#8 PEM; return the key and whether it was encrypted."""
    match = _PEM_BEGIN.search(data)
    if match is None or data[: match.start()].strip():
        raise KeyFileError(f"{source} is not a PEM private key file (it should start with "
                           "-----BEGIN PRIVATE KEY-----)")
    if data.count(b"-----BEGIN ") != 1:
        raise KeyFileError(f"{source} holds more than one PEM block; keep only the private key")
    label = match.group(1).decode("ascii")
    if label not in ("PRIVATE KEY", "ENCRYPTED PRIVATE KEY"):
        if "RSA" in label or "DSA" in label:
            raise KeyFileError(f"{source} holds a {label.split()[0]} key; {_SUPPORTED}",
                               code=Code.KEY_TYPE_ERROR)
        if "PUBLIC KEY" in label or "CERTIFICATE" in label:
            raise KeyFileError(f"{source} holds a {label.lower()}, not a private key")
        raise KeyFileError(f"{source} is a {label} PEM file, not PKCS#8; convert it with: "
                           "openssl pkcs8 -topk8 -in OLD -out NEW")
    encrypted = label == "ENCRYPTED PRIVATE KEY"
    if encrypted and passphrase is None:
        raise KeyFileError(f"{source} is encrypted: set {PASSPHRASE_ENV}",
                           code=Code.WRONG_PASSPHRASE)
    try:
        loaded = serialization.load_pem_private_key(data, passphrase if encrypted else None)
    except ValueError as exc:
        if encrypted and "password" in str(exc).lower():
            raise KeyFileError(f"wrong passphrase for {source} (check {PASSPHRASE_ENV})",
                               code=Code.WRONG_PASSPHRASE) from None
        if encrypted:
            # About 1 wrong passphrase in 256 decrypts to valid padding and then fails to
            # parse, so it looks like damage: say both (one tried passphrase in a hundred did).
            raise KeyFileError(f"wrong passphrase for {source} (check {PASSPHRASE_ENV}), or "
                               "the file is damaged", code=Code.WRONG_PASSPHRASE) from None
        raise KeyFileError(f"{source} is damaged: it is not a readable PKCS#8 private key"
                           ) from None
    except (TypeError, UnsupportedAlgorithm):
        raise KeyFileError(f"{source} is not a PKCS#8 private key vcskill can read; "
                           f"{_SUPPORTED}", code=Code.KEY_TYPE_ERROR) from None
    if isinstance(loaded, ed25519.Ed25519PrivateKey):
        return PrivateKey(loaded), encrypted
    if isinstance(loaded, ec.EllipticCurvePrivateKey) and loaded.curve.name in _BY_CURVE_NAME:
        return PrivateKey(loaded), encrypted
    raise KeyFileError(f"{source} holds {_describe(loaded)} key; {_SUPPORTED}",
                       code=Code.KEY_TYPE_ERROR)


def _describe(key: object) -> str:
    if isinstance(key, rsa.RSAPrivateKey):
        return "an RSA"
    if isinstance(key, ec.EllipticCurvePrivateKey):
        return f"an EC {key.curve.name}"
    names = {ed448.Ed448PrivateKey: "an Ed448", x25519.X25519PrivateKey: "an X25519",
             x448.X448PrivateKey: "an X448", dsa.DSAPrivateKey: "a DSA"}
    for cls, name in names.items():
        if isinstance(key, cls):
            return name
    return "an unsupported"
