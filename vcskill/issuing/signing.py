"""Signing credentials: one entry point for the four proof formats.

Before anything is signed the document is held to the rules vcskill's verifier applies before
the proof: VC Data Model 2.0; an ``@context`` of bundled context URLs only (no inline or
nested contexts); every term defined; exactly the compact form its contexts define (ADR
0007); a verifiable credential; a skill credential with exactly the skill contexts. An issuer
can therefore never hand out a credential that vcskill's own verifier refuses unread.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from vcskill.errors import Code, DataModelError, ProofError
from vcskill.keys.keypair import KeyAlgorithm, PrivateKey
from vcskill.limits import DEFAULT_LIMITS, Limits
from vcskill.linkeddata.contexts import ContextStore
from vcskill.linkeddata.jsonparse import control_character_path
from vcskill.linkeddata.signedform import (
    DocumentKind,
    SignedForm,
    check_context_list,
    read_signed_form,
)
from vcskill.model.credential import SKILL_CONTEXTS
from vcskill.model.datamodel import validate_credential
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
    form = _check_readable(document, contexts, limits)
    if proof_format is ProofFormat.VC_JWT:
        return sign_jwt(document, key, kid=verification_method)
    suite = Cryptosuite(proof_format.value)
    return add_proof(
        document,
        key,
        verification_method=verification_method,
        cryptosuite=suite,
        created=created or datetime.now(UTC),
        contexts=contexts,
        limits=limits,
        # the N-Quads come from the check's expansion (rdfc signs them: no second one)
        document_nquads=None if suite.uses_jcs or "proof" in document else
        form.expanded.nquads(),
    )


def _check_readable(document: Mapping[str, Any], contexts: ContextStore, limits: Limits
                    ) -> SignedForm:
    """What the verifier's context step refuses is never signed: the same functions decide."""
    check_context_list(document, contexts)
    signed = read_signed_form(document, contexts=contexts, limits=limits, name="credential")
    if not signed.kind.is_credential:
        raise DataModelError(
            f"this is {signed.kind.describe()}: only verifiable credentials are signed here",
            code=Code.NOT_A_CREDENTIAL)
    if signed.kind is DocumentKind.SKILL_CREDENTIAL and tuple(document["@context"]) != \
            SKILL_CONTEXTS:
        raise DataModelError(
            "a skill credential's @context must be exactly " + ", ".join(SKILL_CONTEXTS),
            code=Code.CONTEXT_VALIDATION_ERROR)
    return signed
