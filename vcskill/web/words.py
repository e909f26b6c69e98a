"""The page's words in Chinese and English, and how it writes sizes, dates and ages."""

from __future__ import annotations

from datetime import datetime
from typing import Final

from vcskill.errors import Code
from vcskill.model.skills import CHINA_STANDARD_TIME
from vcskill.verifying.report import CheckId
from vcskill.web.config import Lang
from vcskill.web.i18n import N_, translate

# The page's own words, in English; the Chinese is in the catalogue (vcskill.web.i18n).
# Credential text is never translated.
WORDS: Final[dict[str, str]] = {
    "title": N_("Skill Certificate Verification"),
    "scan": N_("Verify a certificate"),
    "lead": N_("Take a photo of the QR code on the certificate, upload an image of it, or paste "
               "the credential. Verification runs offline on this machine; nothing is kept."),
    "photo": N_("Take a photo"),
    "upload": N_("Choose an image"),
    "or_paste": N_("or paste the QR payload or the credential"),
    "paste_placeholder": N_("VCS1:… / {\"@context\": …} / eyJ…"),
    "verify": N_("Verify"),
    "hint": N_("Images up to {image}, text up to {text}."),
    "too_large": N_("The image is too large (at most {image})."),
    "registry_ok": N_("Trusted issuer registry v{version}, expires {expires}{synced}."),
    "synced": N_("; last synced {when}"),
    "no_registry": N_("This page has no trusted issuer registry yet, so no certificate can be "
                      "verified. Please tell whoever runs this page (they run vcskill sync)."),
    "registry_expired_strip": N_("This page's trusted issuer registry expired on {expires}: "
                                 "verdicts will be “could not decide”. Please tell whoever runs "
                                 "this page (they run vcskill sync)."),
    "green": N_("Verified"),
    "red": N_("Not valid"),
    "amber": N_("Could not decide"),
    "unreadable": N_("Could not read it"),
    "claimed_red": N_("What the credential claims: NOT confirmed, do not rely on it."),
    "signed_but_invalid": N_("Genuinely signed by this institution, but no longer valid (see "
                             "above): do not rely on it."),
    "never_valid": N_("Signed with this institution's registered key, but at a time it was not "
                      "authorised to issue it (suspended, removed, or outside its approval): it "
                      "was never valid. Do not rely on it."),
    "unknown_signer": N_("Signed by a key that no registered institution holds: the institution "
                         "named below is only what the credential claims. Do not rely on it."),
    "name_mismatch": N_("Signed with a registered key, but the institution's name or credit code "
                        "on it is not the registered one. Do not rely on it."),
    "key_compromised": N_("The signing key was reported compromised: whether this institution "
                          "signed it cannot be known. Do not rely on it."),
    "not_required": N_("Genuine, but it does not meet the required occupation or level."),
    "claimed_amber": N_("What the credential claims: not fully confirmed."),
    "certificate": N_("Certificate"),
    "holder": N_("Holder"),
    "occupation": N_("Occupation"),
    "level": N_("Level"),
    "number": N_("Certificate no."),
    "issued": N_("Issued"),
    "format": N_("Proof format"),
    "issuer": N_("Issuer"),
    "issuer_name": N_("Name"),
    "uscc": N_("Credit code"),
    "category": N_("Category"),
    "regulator": N_("Regulator"),
    "at_issue": N_("At issue"),
    "now": N_("Now"),
    "not_listed": N_("The registry does not list this issuer."),
    "revocation": N_("Revocation"),
    "freshness": N_("How current the data are"),
    "registry": N_("Issuer registry"),
    "registry_line": N_("v{version}, published {issued} ({age}), expires {expires}"),
    "expired": N_("expired"),
    "last_sync": N_("Last sync"),
    "status_list": N_("Status list"),
    "list_line": N_("{purpose}: published {published} ({age}), valid until {until}"),
    "list_unverified": N_("not verified"),
    "list_missing": N_("{purpose}"),
    "unavailable": N_("not available here"),
    "no_registry_short": N_("none (run vcskill sync)"),
    "checks": N_("All checks ({count})"),
    "warnings": N_("Warnings"),
    "again": N_("Verify another certificate"),
    "footer": N_("Offline verification: nothing is loaded from the internet; uploads are not "
                 "kept."),
    "revoked": N_("Revoked"),
    "suspended": N_("Suspended"),
    "not_revoked": N_("Not revoked or suspended"),
    "no_status": N_("No status entry: it cannot be revoked"),
    "status_unknown": N_("Cannot be confirmed"),
    "status_skipped": N_("Not checked"),
    "status_basis": N_("From the issuer's signed status list, published {age}."),
    "check": N_("Check: "),
    "verified_at": N_("Verified at"),
    "ago_now": N_("just now"),
    "ago_min": N_("{n} min ago"),
    "ago_hour": N_("{n} h ago"),
    "ago_day": N_("{n} days ago"),
    "cst": N_("CST"),
    "green_sentence": N_("Genuine: issued by a registered institution within its approval, and "
                         "not revoked."),
    "green_no_status": N_("Genuine: issued by a registered institution within its approval (it "
                          "has no status entry, so it cannot be revoked)."),
    "error_title": N_("Something went wrong"),
    "check_failed": N_("The {label} check failed."),
    "for_integrators": N_("Technical details (for integrators)"),
    "deciding_code": N_("Deciding code"),
    "issuer_did": N_("Issuer DID"),
    "credential_id": N_("Credential ID"),
    "proof_format": N_("Proof format"),
    "busy_sending": N_("Verifying…"),
    "auto_submit": N_("Verification starts as soon as a photo is chosen."),
    "state_pass": N_("passed"),
    "state_fail": N_("failed"),
    "state_undecided": N_("could not decide"),
    "state_skipped": N_("not run"),
    "not_run": N_("not run: an earlier check failed"),
    "not_found": N_("There is no such page."),
}

CHECK_LABELS: Final[dict[str, str]] = {
    CheckId.PARSE: N_("Reading"),
    CheckId.CONTEXT: N_("Data format"),
    CheckId.DATA_MODEL: N_("Data model"),
    CheckId.PROOF: N_("Signature"),
    CheckId.ISSUER: N_("Issuer"),
    CheckId.AUTHORIZATION: N_("Authorisation"),
    CheckId.VALIDITY: N_("Validity"),
    CheckId.STATUS: N_("Revocation status"),
    CheckId.POLICY: N_("Policy"),
}

_SIGNATURE = N_("The signature does not match: the certificate was altered after it was signed, "
                "or was not signed by this institution.")
_FORMAT = N_("The credential uses an unknown or altered data format.")
_UNREADABLE = N_("This is not a readable credential.")
_PROOF_FORM = N_("The signature is malformed or of an unsupported kind.")
_KEY = N_("The signing key is not a registered, valid key of this institution.")
_STATUS_STALE = N_("This page has no current status list of the issuer, so whether the "
                   "certificate was revoked cannot be confirmed. Please tell whoever runs this "
                   "page (they run vcskill sync).")

# The page's own refusals of a request (vcskill.web.app), said to the person at the desk.
REQUEST_SENTENCES: Final[dict[str, str]] = {
    "NO_INPUT": N_("Choose or take a photo of the QR code, or paste its text."),
    "INPUT_TOO_LARGE": N_("The upload is too large."),
    "UNSUPPORTED_MEDIA_TYPE": N_("This kind of content cannot be read."),
    "LENGTH_REQUIRED": N_("The upload was incomplete; please try again."),
    "TIMEOUT": N_("The upload took too long; please try again."),
    "BUSY": N_("Other certificates are being verified; please try again in a moment."),
}

CODE_SENTENCES: Final[dict[str, str]] = {
    Code.PARSING_ERROR: _UNREADABLE,
    Code.MALFORMED_VALUE_ERROR: N_("The credential is malformed."),
    Code.RANGE_ERROR: N_("A value in the credential is out of range."),
    Code.UNKNOWN_CONTEXT: _FORMAT,
    Code.CONTEXT_VALIDATION_ERROR: _FORMAT,
    Code.CONTEXT_INTEGRITY_ERROR: _FORMAT,
    Code.DATA_LOSS_DETECTION_ERROR: N_("The credential contains undefined terms."),
    Code.JSONLD_ERROR: _FORMAT,
    Code.CANONICALIZATION_LIMIT: N_("The credential's structure is abnormal; processing stopped."),
    Code.PROOF_VERIFICATION_ERROR: _SIGNATURE,
    Code.PROOF_TRANSFORMATION_ERROR: _PROOF_FORM,
    Code.MALFORMED_PROOF_ERROR: _PROOF_FORM,
    Code.MISMATCHED_PROOF_PURPOSE_ERROR: _PROOF_FORM,
    Code.UNSUPPORTED_CRYPTOSUITE: _PROOF_FORM,
    Code.MISSING_PROOF: N_("The credential is not signed."),
    Code.INVALID_VERIFICATION_METHOD_URL: _KEY,
    Code.INVALID_VERIFICATION_METHOD: _KEY,
    Code.INVALID_CONTROLLED_IDENTIFIER_DOCUMENT: _KEY,
    Code.ISSUER_KEY_MISMATCH: _KEY,
    Code.UNKNOWN_KEY: _KEY,
    Code.KEY_SOURCE_MISSING: N_("Without a trusted issuer registry the signing key cannot be "
                                "confirmed."),
    Code.NOT_YET_VALID: N_("The certificate is not valid yet."),
    Code.EXPIRED: N_("The certificate has expired."),
    Code.ISSUER_NOT_AUTHORIZED: N_("When it issued this certificate, the institution was not "
                                   "authorised for this occupation and level."),
    Code.ISSUER_UNKNOWN: N_("The issuer is not in the trusted issuer registry."),
    Code.ISSUER_NAME_MISMATCH: N_("The issuer's name or credit code differs from the registry's."),
    Code.ISSUER_KEY_COMPROMISED: N_("The signing key was reported compromised: nothing it signed "
                                    "is valid."),
    Code.REGISTRY_ERROR: N_("The trusted issuer registry failed, so nothing can be decided."),
    Code.REGISTRY_EXPIRED: N_("This page's trusted issuer registry has expired, so the issuer's "
                              "standing cannot be confirmed. Please tell whoever runs this page "
                              "(they run vcskill sync)."),
    Code.REGISTRY_MISSING: N_("This page has no trusted issuer registry yet. Please tell whoever "
                              "runs this page (they run vcskill sync)."),
    Code.REGISTRY_CACHE_CORRUPT: N_("This page's registry cache is damaged. Please tell whoever "
                                    "runs this page (they delete it and run vcskill sync again)."),
    Code.STATUS_RETRIEVAL_ERROR: _STATUS_STALE,
    Code.STATUS_VERIFICATION_ERROR: N_("The status list could not be verified, so whether it was "
                                       "revoked cannot be confirmed."),
    Code.STATUS_LIST_LENGTH_ERROR: N_("The status list is too short to protect privacy and is "
                                      "not used."),
    Code.CREDENTIAL_REVOKED: N_("The issuer has revoked this certificate."),
    Code.CREDENTIAL_SUSPENDED: N_("The issuer has suspended this certificate."),
    Code.NOT_EVALUATED: N_("A check could not be run."),
    Code.NOT_A_CREDENTIAL: N_("This is not a certificate: it is not a verifiable credential."),
    Code.UNEXPECTED_CREDENTIAL_TYPE: N_("This is a verifiable credential, but not a vocational "
                                        "skill level certificate."),
    Code.JSONLD_NOT_COMPACT: N_("The credential's data was rewritten in another form than the "
                                "one it was signed in; it is not accepted."),
    Code.QR_DECODE_ERROR: N_("This QR code does not hold a readable skill certificate."),
    Code.IMAGE_ERROR: N_("No QR code could be read from this image: photograph it straight on, "
                         "sharp and well lit (PNG or JPEG)."),
}

# What a refused input is, by the report's kind, when the verifier names it.
KIND_SENTENCES: Final[dict[str, str]] = {
    "status-list-credential": N_("This is an issuer's status list (of revoked and suspended "
                                 "certificates), not a certificate."),
    "presentation": N_("This is a verifiable presentation, not a certificate itself."),
}

STANDINGS: Final[dict[str, str]] = {
    "approved": N_("Approved"),
    "suspended": N_("Suspended"),
    "removed": N_("Removed"),
    "not-yet-approved": N_("Not yet approved"),
}
CATEGORIES: Final[dict[str, str]] = {
    "employer": N_("Employer"),
    "social-training-evaluation-organisation": N_("Social training and evaluation organisation"),
    "technical-college": N_("Technical college"),
    "one-plus-x-organisation": N_("1+X training and evaluation organisation"),
}
PURPOSES: Final[dict[str, str]] = {
    "revocation": N_("Revocation list"),
    "suspension": N_("Suspension list"),
}
def word(lang: Lang, key: str, **values: object) -> str:
    """The page's word ``key`` in ``lang``, its ``{placeholders}`` filled with ``values``."""
    text = translate(lang, WORDS[key])
    return text.format(**values) if values else text


def pick(lang: Lang, message: str) -> str:
    """A message of the tables below (a sentence for a code, a label) in ``lang``."""
    return translate(lang, message)


def format_size(n: int) -> str:
    return f"{n // (1024 * 1024)} MiB" if n >= 1024 * 1024 else f"{n // 1024} KiB"


def parse_moment(text: object) -> datetime | None:
    if not isinstance(text, str):
        return None
    try:
        value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return value if value.tzinfo is not None else None


def format_date(text: object) -> str:
    moment = parse_moment(text)
    if moment is None:
        return str(text or "–")
    return moment.astimezone(CHINA_STANDARD_TIME).strftime("%Y-%m-%d")


def format_time(lang: Lang, moment: datetime | None) -> str:
    if moment is None:
        return "–"
    return moment.astimezone(CHINA_STANDARD_TIME).strftime("%Y-%m-%d %H:%M ") + word(lang, "cst")


def format_ago(lang: Lang, seconds: float) -> str:
    seconds = max(0.0, seconds)
    if seconds < 60:
        return word(lang, "ago_now")
    if seconds < 3600:
        return word(lang, "ago_min", n=int(seconds // 60))
    if seconds < 2 * 86400:
        return word(lang, "ago_hour", n=int(seconds // 3600))
    return word(lang, "ago_day", n=int(seconds // 86400))
