"""W3C Data Integrity proofs: eddsa-rdfc-2022, eddsa-jcs-2022, ecdsa-rdfc-2019, ecdsa-jcs-2019.

The algorithms follow VC Data Integrity 1.0 §4 ("Algorithms": Add Proof, Verify Proof,
Verify Proof Sets and Chains), EdDSA Cryptosuites v1.0 §3 and ECDSA Cryptosuites v1.0 §3.
Subtle points, each checked against the official vectors in ``tests/vectors``:

* hash data is ``H(canonical proof config) ‖ H(canonical document)`` — proof config first;
* the proof config carries the *document's* ``@context`` when it is canonicalised; the
  signed proof keeps that ``@context`` for the jcs suites and drops it for the rdfc suites;
* ECDSA signs with RFC 6979 deterministic nonces, encoded as IEEE P1363 ``r ‖ s``; with
  P-384 both hashes and the hash *inside* RDFC-1.0 are SHA-384;
* JSON-LD runs in safe mode with a null base (DI §"Securing Data Losslessly"), so a term or
  type no context defines is an error, never silently left out of what is signed.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

import rfc8785

from vcskill.errors import Code, Error, ProofError
from vcskill.keys.keypair import KeyAlgorithm, PrivateKey, PublicKey
from vcskill.keys.multibase import decode_base58btc_multibase, encode_base58btc_multibase
from vcskill.keys.resolver import KeyResolver, ResolvedKey
from vcskill.limits import DEFAULT_LIMITS, Limits
from vcskill.linkeddata.contexts import ContextStore
from vcskill.linkeddata.jsonld import to_nquads
from vcskill.linkeddata.rdfc import canonicalize
from vcskill.linkeddata.signedform import read_signed_form

DATA_INTEGRITY_PROOF = "DataIntegrityProof"
ASSERTION_METHOD = "assertionMethod"
PROOF_VALUE = "https://w3id.org/security#proofValue"


class Cryptosuite(StrEnum):
    EDDSA_RDFC_2022 = "eddsa-rdfc-2022"
    EDDSA_JCS_2022 = "eddsa-jcs-2022"
    ECDSA_RDFC_2019 = "ecdsa-rdfc-2019"
    ECDSA_JCS_2019 = "ecdsa-jcs-2019"

    @property
    def uses_jcs(self) -> bool:
        return self in (Cryptosuite.EDDSA_JCS_2022, Cryptosuite.ECDSA_JCS_2019)

    @property
    def key_algorithms(self) -> frozenset[KeyAlgorithm]:
        if self.value.startswith("eddsa"):
            return frozenset({KeyAlgorithm.ED25519})
        return frozenset({KeyAlgorithm.P256, KeyAlgorithm.P384})


def _hash(data: bytes, hash_name: str) -> bytes:
    return hashlib.new(hash_name, data).digest()


def _canonical_form(
    document: Mapping[str, Any],
    suite: Cryptosuite,
    hash_name: str,
    contexts: ContextStore,
    limits: Limits,
    nquads: str | None = None,
) -> bytes:
    """The transformation step: JCS (RFC 8785) bytes, or RDFC-1.0 canonical N-Quads.

    ``nquads`` is the document's (non-canonical) N-Quads when the caller already has them.
    """
    if suite.uses_jcs:
        try:
            return bytes(rfc8785.dumps(document))
        except Exception as exc:  # rfc8785 raises its own errors for non-I-JSON input
            raise ProofError(
                f"the document cannot be canonicalised with JCS: {exc}",
                code=Code.PROOF_TRANSFORMATION_ERROR,
            ) from exc
    if nquads is None:
        nquads = to_nquads(document, contexts=contexts, limits=limits)
    return canonicalize(nquads, hash_name=hash_name, limits=limits).encode("utf-8")


def hash_data(
    unsecured_document: Mapping[str, Any],
    proof_config: Mapping[str, Any],
    suite: Cryptosuite,
    hash_name: str,
    *,
    contexts: ContextStore,
    limits: Limits = DEFAULT_LIMITS,
    document_nquads: str | None = None,
    proof_nquads: str | None = None,
) -> bytes:
    """``H(canonical proof config) ‖ H(canonical document)`` (EdDSA §3.3.4 "Hashing").

    ``document_nquads`` and ``proof_nquads``: their (non-canonical) N-Quads when the caller
    has them already (rdfc suites)."""
    proof_hash = _hash(_canonical_form(proof_config, suite, hash_name, contexts, limits,
                                       proof_nquads), hash_name)
    doc_hash = _hash(
        _canonical_form(unsecured_document, suite, hash_name, contexts, limits, document_nquads),
        hash_name,
    )
    return proof_hash + doc_hash


def _format_created(created: datetime) -> str:
    from vcskill.model.credential import format_datetime

    return format_datetime(created)


def add_proof(
    document: Mapping[str, Any],
    key: PrivateKey,
    *,
    verification_method: str,
    cryptosuite: Cryptosuite = Cryptosuite.EDDSA_RDFC_2022,
    created: datetime | None = None,
    proof_id: str | None = None,
    previous_proof: str | Sequence[str] | None = None,
    contexts: ContextStore,
    limits: Limits = DEFAULT_LIMITS,
    document_nquads: str | None = None,
) -> dict[str, Any]:
    """Return a copy of ``document`` secured with one more Data Integrity proof (DI §4.2).

    ``document_nquads``: the N-Quads of ``document`` without its proofs, when the caller
    has them already (an rdfc suite then does not expand it again)."""
    if key.algorithm not in cryptosuite.key_algorithms:
        raise ProofError(
            f"{cryptosuite} signs with "
            + " or ".join(sorted(a.value for a in cryptosuite.key_algorithms))
            + f" keys, and this key is {key.algorithm.value}",
            code=Code.PROOF_GENERATION_ERROR,
        )
    if "@context" not in document:
        raise ProofError("the document has no @context", code=Code.PROOF_GENERATION_ERROR)
    existing = document.get("proof")
    unsecured = {k: v for k, v in document.items() if k != "proof"}
    options: dict[str, Any] = {"type": DATA_INTEGRITY_PROOF}
    if proof_id is not None:
        options["id"] = proof_id
    options["cryptosuite"] = str(cryptosuite)
    if created is not None:
        options["created"] = _format_created(created)
    options["verificationMethod"] = verification_method
    options["proofPurpose"] = ASSERTION_METHOD
    if previous_proof is not None:
        options["previousProof"] = (
            previous_proof if isinstance(previous_proof, str) else list(previous_proof)
        )
    proof_config = {**options, "@context": document["@context"]}
    input_document: dict[str, Any] = dict(unsecured)
    if previous_proof is not None:
        input_document["proof"] = _matching_proofs(existing, previous_proof)
    hash_name = key.public_key.hash_name
    data = hash_data(input_document, proof_config, cryptosuite, hash_name,
                     contexts=contexts, limits=limits,
                     document_nquads=document_nquads if previous_proof is None else None)
    proof = dict(proof_config) if cryptosuite.uses_jcs else dict(options)
    proof["proofValue"] = encode_base58btc_multibase(key.sign(data))
    secured = dict(unsecured)
    if existing is None:
        secured["proof"] = proof
    else:
        earlier = list(existing) if isinstance(existing, list) else [existing]
        secured["proof"] = [*earlier, proof]
    return secured


def _matching_proofs(existing: Any, previous: str | Sequence[str]) -> list[Any]:
    wanted = [previous] if isinstance(previous, str) else list(previous)
    proofs = existing if isinstance(existing, list) else ([existing] if existing else [])
    found = [p for p in proofs if isinstance(p, Mapping) and p.get("id") in wanted]
    if len(found) != len(wanted):
        missing = set(wanted) - {p.get("id") for p in found}
        raise ProofError(
            f"previousProof names {', '.join(sorted(map(str, missing)))}, "
            "which is not in the proof set",
            code=Code.PROOF_VERIFICATION_ERROR,
        )
    return found


@dataclass(frozen=True, slots=True)
class ProofCheck:
    """The verdict on one proof of a proof set."""

    verification_method: str
    cryptosuite: str
    verified: bool
    controller: str | None = None
    code: Code | None = None
    detail: str = ""
    created: str | None = None
    expires: str | None = None


def _require_str(proof: Mapping[str, Any], name: str) -> str:
    value = proof.get(name)
    if not isinstance(value, str) or not value:
        raise ProofError(
            f"proof.{name} is missing or not a string", code=Code.PROOF_VERIFICATION_ERROR
        )
    return value


def _moment(proof: Mapping[str, Any], name: str) -> str | None:
    """``proof.created`` or ``proof.expires``: absent, or a dateTimeStamp (DI 1.0 §2.1)."""
    from vcskill.model.datamodel import parse_datetime_stamp

    value = proof.get(name)
    if value is None:
        return None
    if not isinstance(value, str):
        raise ProofError(f"proof.{name} must be a date-time string",
                         code=Code.MALFORMED_PROOF_ERROR)
    try:
        parse_datetime_stamp(value)
    except Error as exc:
        raise ProofError(f"proof.{name}: {exc}", code=Code.MALFORMED_PROOF_ERROR) from exc
    return value


def verify_proof(
    document: Mapping[str, Any],
    proof: Any,
    *,
    resolver: KeyResolver,
    contexts: ContextStore,
    limits: Limits = DEFAULT_LIMITS,
    expected_purpose: str = ASSERTION_METHOD,
    all_proofs: Sequence[Any] = (),
    document_nquads: str | None = None,
) -> ProofCheck:
    """Verify one proof over ``document`` (which must not contain ``proof``): DI §4.3.

    Never raises for a bad proof; returns a ProofCheck with a specific code instead.
    ``document_nquads`` are the document's N-Quads if the caller computed them already.
    """
    vm = proof.get("verificationMethod") if isinstance(proof, Mapping) else None
    suite_name = proof.get("cryptosuite") if isinstance(proof, Mapping) else None
    try:
        return _verify_proof(document, proof, resolver, contexts, limits, expected_purpose,
                             all_proofs, document_nquads)
    except Error as exc:
        return ProofCheck(str(vm), str(suite_name), False, code=exc.code, detail=str(exc))


def _verify_proof(
    document: Mapping[str, Any],
    proof: Any,
    resolver: KeyResolver,
    contexts: ContextStore,
    limits: Limits,
    expected_purpose: str,
    all_proofs: Sequence[Any],
    document_nquads: str | None,
) -> ProofCheck:
    if not isinstance(proof, Mapping):
        raise ProofError("proof must be an object", code=Code.PARSING_ERROR)
    proof_type = _require_str(proof, "type")
    suite_name = _require_str(proof, "cryptosuite")
    vm = _require_str(proof, "verificationMethod")
    purpose = _require_str(proof, "proofPurpose")
    proof_value = _require_str(proof, "proofValue")
    # Implemented as "or" (security.md §2.6: the spec's transformation step says "and").
    if proof_type != DATA_INTEGRITY_PROOF:
        raise ProofError(
            f"proof type {proof_type!r} is not DataIntegrityProof",
            code=Code.PROOF_VERIFICATION_ERROR,
        )
    try:
        suite = Cryptosuite(suite_name)
    except ValueError:
        raise ProofError(
            f"cryptosuite {suite_name!r} is not supported; supported: "
            + ", ".join(c.value for c in Cryptosuite),
            code=Code.UNSUPPORTED_CRYPTOSUITE,
        ) from None
    if purpose != expected_purpose:
        raise ProofError(
            f"proofPurpose is {purpose!r}, expected {expected_purpose!r}",
            code=Code.MISMATCHED_PROOF_PURPOSE_ERROR,
        )
    created = _moment(proof, "created")
    expires = _moment(proof, "expires")
    try:
        signature = decode_base58btc_multibase(proof_value)
    except Error as exc:
        raise ProofError(
            f"proofValue is not base58btc multibase: {exc}", code=Code.PROOF_VERIFICATION_ERROR
        ) from exc
    resolved: ResolvedKey = resolver.resolve(vm)
    key: PublicKey = resolved.public_key
    if key.algorithm not in suite.key_algorithms:
        raise ProofError(
            f"{suite} cannot be verified with a {key.algorithm.value} key",
            code=Code.PROOF_VERIFICATION_ERROR,
        )
    options = {k: v for k, v in proof.items() if k != "proofValue"}
    if suite.uses_jcs and "@context" in options:
        # eddsa-jcs-2022 §3.3.2: the document's @context must start with the proof's.
        proof_ctx = options["@context"]
        proof_ctx_list = proof_ctx if isinstance(proof_ctx, list) else [proof_ctx]
        doc_ctx = document.get("@context")
        doc_ctx_list = doc_ctx if isinstance(doc_ctx, list) else [doc_ctx]
        if doc_ctx_list[: len(proof_ctx_list)] != proof_ctx_list:
            raise ProofError(
                "the document's @context does not start with the proof's @context",
                code=Code.PROOF_VERIFICATION_ERROR,
            )
    proof_config = {**options, "@context": document.get("@context")}
    input_document: dict[str, Any] = dict(document)
    previous = proof.get("previousProof")
    if previous is not None:
        if not (isinstance(previous, str) or (
            isinstance(previous, list) and all(isinstance(p, str) for p in previous)
        )):
            raise ProofError("previousProof must be a string or an array of strings",
                             code=Code.PROOF_VERIFICATION_ERROR)
        # DI §4.5: the chained proof covers only the proofs it names, not transitively.
        input_document["proof"] = _matching_proofs(list(all_proofs), previous)
        document_nquads = None  # the input differs from the plain document
    # The proof is read by key, like the credential, so it too must be exactly the compact
    # form of what it signs (ADR 0007); the check's expansion gives the config's N-Quads.
    written = {**{k: v for k, v in proof.items() if k != "@context"},
               "@context": document.get("@context")}
    form = read_signed_form(written, contexts=contexts, limits=limits, name="proof")
    proof_nquads = (None if suite.uses_jcs else
                    form.expanded.nquads(leave_out=frozenset({PROOF_VALUE})))
    data = hash_data(input_document, proof_config, suite, key.hash_name,
                     contexts=contexts, limits=limits, document_nquads=document_nquads,
                     proof_nquads=proof_nquads)
    if not key.verify(signature, data):
        raise ProofError(
            f"the {suite} signature by {vm} does not match the credential",
            code=Code.PROOF_VERIFICATION_ERROR,
        )
    return ProofCheck(vm, str(suite), True, controller=resolved.controller,
                      detail=f"{suite} signature by {vm} verified",
                      created=created, expires=expires)


def verify_proof_set(
    secured_document: Mapping[str, Any],
    *,
    resolver: KeyResolver,
    contexts: ContextStore,
    limits: Limits = DEFAULT_LIMITS,
    expected_purpose: str = ASSERTION_METHOD,
    document_nquads: str | None = None,
) -> list[ProofCheck]:
    """Verify every proof of a proof set or chain (DI §4.5); the caller decides the policy.

    Raises :class:`ProofError` (MISSING_PROOF / PARSING_ERROR) when there is nothing to verify.
    """
    proof = secured_document.get("proof")
    if proof is None:
        raise ProofError("the credential has no proof", code=Code.MISSING_PROOF)
    proofs = proof if isinstance(proof, list) else [proof]
    if not proofs:
        raise ProofError("the credential's proof set is empty", code=Code.MISSING_PROOF)
    if not all(isinstance(p, Mapping) for p in proofs):
        raise ProofError("every proof must be an object", code=Code.PARSING_ERROR)
    if len(proofs) > limits.max_proofs:
        raise ProofError(f"the proof set has {len(proofs)} proofs; at most {limits.max_proofs} "
                         "are verified (Limits.max_proofs)", code=Code.PROOF_VERIFICATION_ERROR)
    unsecured = {k: v for k, v in secured_document.items() if k != "proof"}
    return [
        verify_proof(unsecured, p, resolver=resolver, contexts=contexts, limits=limits,
                     expected_purpose=expected_purpose, all_proofs=proofs,
                     document_nquads=document_nquads)
        for p in proofs
    ]
