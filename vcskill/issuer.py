"""Signing credentials: one entry point for the four proof formats.

Before anything is signed the document is held to the same rules a verifier applies (VC Data
Model 2.0, bundled contexts only, every term defined), so an issuer can never hand out a
credential that a conformant verifier would refuse.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from vcskill.contexts import ContextStore
from vcskill.datamodel import validate_credential
from vcskill.errors import Code, DataModelError, ProofError
from vcskill.jsonld import to_nquads
from vcskill.jsonparse import control_character_path
from vcskill.keys import KeyAlgorithm, PrivateKey
from vcskill.limits import DEFAULT_LIMITS, Limits
from vcskill.proofs.dataintegrity import Cryptosuite, add_proof
from vcskill.proofs.jose import sign_jwt


class ProofFormat(StrEnum):
    EDDSA_RDFC_2022 = "eddsa-rdfc-2022"
    EDDSA_JCS_2022 = "eddsa-jcs-2022"
    ECDSA_RDFC_2019 = "ecdsa-rdfc-2019"
    VC_JWT = "vc-jwt"

    @classmethod
    def default_for(cls, algorithm: KeyAlgorithm) -> ProofFormat:
        return cls.EDDSA_RDFC_2022 if algorithm == KeyAlgorithm.ED25519 else cls.ECDSA_RDFC_2019


def sign_credential(
    document: Mapping[str, Any],
    key: PrivateKey,
    *,
    verification_method: str,
    proof_format: ProofFormat | None = None,
    created: datetime | None = None,
    contexts: ContextStore | None = None,
    limits: Limits = DEFAULT_LIMITS,
) -> dict[str, Any] | str:
    """Return the signed credential: a dict for Data Integrity, a compact JWS for vc-jwt."""
    contexts = contexts or ContextStore.bundled()
    proof_format = proof_format or ProofFormat.default_for(key.algorithm)
    issuer = document.get("issuer")
    issuer_id = issuer.get("id") if isinstance(issuer, Mapping) else issuer
    controller = verification_method.split("#", 1)[0]
    if issuer_id != controller:
        raise ProofError(
            f"the key belongs to {controller} but the credential's issuer is {issuer_id}",
            code=Code.ISSUER_KEY_MISMATCH,
        )
    validate_credential(document)
    control = control_character_path(document)
    if control is not None:
        # Valid JSON, but stacks older than RDFC-1.0 hash such text differently.
        raise DataModelError(
            f"the credential has a control character at {control}; remove it before signing"
        )
    if proof_format is ProofFormat.VC_JWT:
        to_nquads(document, contexts=contexts, limits=limits)  # every term defined
        return sign_jwt(document, key, kid=verification_method)
    suite = Cryptosuite(proof_format.value)
    if suite.uses_jcs:
        to_nquads(document, contexts=contexts, limits=limits)
    return add_proof(
        document,
        key,
        verification_method=verification_method,
        cryptosuite=suite,
        created=created or datetime.now(UTC),
        contexts=contexts,
        limits=limits,
    )
