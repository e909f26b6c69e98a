"""One exception root for the whole toolkit, with stable, upper-case codes.

Every parser error (``ValueError``, ``KeyError``, pyld's ``JsonLdError``, ``zlib.error`` ...)
is wrapped into an :class:`Error` at the module boundary where it happens, so callers and the
CLI only ever see this family. Codes follow the W3C error names where one exists (VC Data
Model 2.0 §7.1 "Verification", VC Data Integrity 1.0 §4.7 "Processing Errors", Bitstring
Status List 1.0 §3.6, Controlled Identifiers 1.0 §3.3); the rest are ours and documented in
``docs/cli.md`` ("Error codes").
"""

from __future__ import annotations

from enum import StrEnum


class Code(StrEnum):
    """Stable error codes. Never rename one: scripts and reports depend on them."""

    # Input and parsing (VCDM 2.0 / DI 1.0 names)
    PARSING_ERROR = "PARSING_ERROR"
    MALFORMED_VALUE_ERROR = "MALFORMED_VALUE_ERROR"
    RANGE_ERROR = "RANGE_ERROR"
    # What kind of input it is (CLI exit 2): JSON that is not a verifiable credential at all
    # (a registry file, a presentation, {"hello": "world"}), and a credential of a kind the
    # verifier was not asked to accept (a status list credential, a non-skill credential).
    NOT_A_CREDENTIAL = "NOT_A_CREDENTIAL"
    UNEXPECTED_CREDENTIAL_TYPE = "UNEXPECTED_CREDENTIAL_TYPE"
    # JSON-LD and contexts
    UNKNOWN_CONTEXT = "UNKNOWN_CONTEXT"
    CONTEXT_VALIDATION_ERROR = "CONTEXT_VALIDATION_ERROR"
    CONTEXT_INTEGRITY_ERROR = "CONTEXT_INTEGRITY_ERROR"
    DATA_LOSS_DETECTION_ERROR = "DATA_LOSS_DETECTION_ERROR"
    JSONLD_ERROR = "JSONLD_ERROR"
    # The JSON is not exactly the compact form its @context defines: a property, type or
    # value re-spelled (an IRI for a term, a value object, a nested @graph). The proof may
    # still match, since it signs the RDF, so it is refused before anything is read (ADR 0007).
    JSONLD_NOT_COMPACT = "JSONLD_NOT_COMPACT"
    CANONICALIZATION_LIMIT = "CANONICALIZATION_LIMIT"
    # Proofs (DI 1.0 names)
    PROOF_GENERATION_ERROR = "PROOF_GENERATION_ERROR"
    PROOF_VERIFICATION_ERROR = "PROOF_VERIFICATION_ERROR"
    PROOF_TRANSFORMATION_ERROR = "PROOF_TRANSFORMATION_ERROR"
    MALFORMED_PROOF_ERROR = "MALFORMED_PROOF_ERROR"
    MISMATCHED_PROOF_PURPOSE_ERROR = "MISMATCHED_PROOF_PURPOSE_ERROR"
    UNSUPPORTED_CRYPTOSUITE = "UNSUPPORTED_CRYPTOSUITE"
    MISSING_PROOF = "MISSING_PROOF"
    # Verification methods and keys (CID 1.0 names)
    INVALID_VERIFICATION_METHOD_URL = "INVALID_VERIFICATION_METHOD_URL"
    INVALID_VERIFICATION_METHOD = "INVALID_VERIFICATION_METHOD"
    INVALID_CONTROLLED_IDENTIFIER_DOCUMENT = "INVALID_CONTROLLED_IDENTIFIER_DOCUMENT"
    ISSUER_KEY_MISMATCH = "ISSUER_KEY_MISMATCH"
    UNKNOWN_KEY = "UNKNOWN_KEY"
    # No trusted source (registry snapshot or DID document) was given for a key that is not
    # self-describing like did:key: the verifier could not decide, it did not refute.
    KEY_SOURCE_MISSING = "KEY_SOURCE_MISSING"
    KEY_FILE_ERROR = "KEY_FILE_ERROR"
    KEY_TYPE_ERROR = "KEY_TYPE_ERROR"
    WRONG_PASSPHRASE = "WRONG_PASSPHRASE"
    # Credential semantics
    NOT_YET_VALID = "NOT_YET_VALID"
    EXPIRED = "EXPIRED"
    # Trust registry (filled in by did_registry)
    ISSUER_NOT_AUTHORIZED = "ISSUER_NOT_AUTHORIZED"
    ISSUER_UNKNOWN = "ISSUER_UNKNOWN"
    ISSUER_NAME_MISMATCH = "ISSUER_NAME_MISMATCH"
    ISSUER_KEY_COMPROMISED = "ISSUER_KEY_COMPROMISED"
    REGISTRY_ERROR = "REGISTRY_ERROR"
    # Registry (did_registry: loading and checking a signed registry snapshot; TUF-style
    # defences, design research security.md §1 and §6.D)
    REGISTRY_MALFORMED = "REGISTRY_MALFORMED"
    REGISTRY_SIGNATURE_THRESHOLD = "REGISTRY_SIGNATURE_THRESHOLD"
    REGISTRY_ROOT_ROTATION = "REGISTRY_ROOT_ROTATION"
    REGISTRY_ROLLBACK = "REGISTRY_ROLLBACK"
    REGISTRY_EQUIVOCATION = "REGISTRY_EQUIVOCATION"
    REGISTRY_EXPIRED = "REGISTRY_EXPIRED"
    REGISTRY_MIX_AND_MATCH = "REGISTRY_MIX_AND_MATCH"
    REGISTRY_DELEGATION_VIOLATION = "REGISTRY_DELEGATION_VIOLATION"
    # Status
    STATUS_RETRIEVAL_ERROR = "STATUS_RETRIEVAL_ERROR"
    STATUS_VERIFICATION_ERROR = "STATUS_VERIFICATION_ERROR"
    STATUS_LIST_LENGTH_ERROR = "STATUS_LIST_LENGTH_ERROR"
    # The issuer's ledger (vcskill.issuing.ledger)
    LEDGER_ERROR = "LEDGER_ERROR"
    LEDGER_CONFLICT = "LEDGER_CONFLICT"
    LEDGER_NOT_FOUND = "LEDGER_NOT_FOUND"
    STATUS_LIST_FULL = "STATUS_LIST_FULL"
    # QR codes and images (vcskill.qr)
    QR_DECODE_ERROR = "QR_DECODE_ERROR"
    IMAGE_ERROR = "IMAGE_ERROR"
    # Report bookkeeping
    NOT_EVALUATED = "NOT_EVALUATED"
    # Tool use
    USAGE_ERROR = "USAGE_ERROR"
    IO_ERROR = "IO_ERROR"
    CONFIGURATION_ERROR = "CONFIGURATION_ERROR"
    INTERNAL_ERROR = "INTERNAL_ERROR"
    # Registry distribution (did_registry.sync and did_registry.cache)
    REGISTRY_MISSING = "REGISTRY_MISSING"
    REGISTRY_FETCH_FAILED = "REGISTRY_FETCH_FAILED"
    REGISTRY_CACHE_CORRUPT = "REGISTRY_CACHE_CORRUPT"
    # Credential status (Bitstring Status List 1.0): the issuer's signed, fresh status list
    # sets the credential's bit; both make the credential invalid (exit 1).
    CREDENTIAL_REVOKED = "CREDENTIAL_REVOKED"  # permanent
    CREDENTIAL_SUSPENDED = "CREDENTIAL_SUSPENDED"  # reversible: a later list may clear it


class Error(Exception):
    """Root of every error the toolkit raises on purpose.

    ``code`` is stable and machine-readable; ``str(error)`` is one sentence for a person,
    naming what failed and, where it helps, what to do.
    """

    default_code: Code = Code.MALFORMED_VALUE_ERROR

    def __init__(self, message: str, *, code: Code | None = None) -> None:
        super().__init__(message)
        self.code: Code = code if code is not None else self.default_code
        self.message = message

    def __str__(self) -> str:
        return self.message


class InputError(Error):
    """The input is unreadable, malformed, too large or too deep (CLI exit 2)."""

    default_code = Code.PARSING_ERROR


class ContextError(Error):
    """A JSON-LD context is unknown, tampered with, or the document loses data."""

    default_code = Code.UNKNOWN_CONTEXT


class CanonicalizationError(Error):
    """RDF canonicalisation failed or went past its work limit (poison graph)."""

    default_code = Code.CANONICALIZATION_LIMIT


class ProofError(Error):
    """A proof could not be created, or did not verify."""

    default_code = Code.PROOF_VERIFICATION_ERROR


class DataModelError(Error):
    """The credential breaks the VC data model or our skill-credential model."""

    default_code = Code.MALFORMED_VALUE_ERROR


class KeyFileError(Error):
    """A key file is missing, damaged, of the wrong type, or locked by another passphrase."""

    default_code = Code.KEY_FILE_ERROR


class VerificationError(Error):
    """Raised by ``Verifier.verify()`` when a credential did not pass every check.

    ``report`` holds the full :class:`vcskill.verifying.report.VerificationReport`.
    """

    default_code = Code.PROOF_VERIFICATION_ERROR

    def __init__(self, message: str, *, code: Code | None = None, report: object = None) -> None:
        super().__init__(message, code=code)
        self.report = report


class ConfigurationError(Error):
    """The toolkit itself is misconfigured (for example a bundled context was altered)."""

    default_code = Code.CONFIGURATION_ERROR


class InternalError(Error):
    """vcskill broke a rule of its own: a bug to report, never the fault of the input.

    Raised where code relies on something another part guarantees (a row it just wrote, a
    part the snapshot checked), so that a broken guarantee stops with a clear error instead
    of carrying on; unlike ``assert``, it is not removed by ``python -O``.
    """

    default_code = Code.INTERNAL_ERROR


class UsageError(Error):
    """The caller asked for something that cannot be done (CLI exit 2)."""

    default_code = Code.USAGE_ERROR
