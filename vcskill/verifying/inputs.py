"""What a verifier is handed, turned into the credential it checks.

``vcskill verify`` and ``verify --batch`` take one of four things: the credential itself (a
JSON document or a vc+jwt), the ``VCS1:`` text of its QR code, a PNG/JPEG photo of the code,
or a PDF certificate with the code on its first page (the page takes the first three).
:func:`credential_from_input` tells them apart by content, never by a file name, and returns
the credential's bytes, exactly as :meth:`~vcskill.Verifier.check` takes them. Nothing here
judges the credential."""

from __future__ import annotations

from vcskill.errors import InputError
from vcskill.limits import DEFAULT_LIMITS, Limits
from vcskill.qr.image import credential_from_image, looks_like_image
from vcskill.qr.payload import decode_payload, looks_like_payload
from vcskill.qr.pdf import credential_from_pdf, looks_like_pdf

__all__ = ["credential_from_input"]


def credential_from_input(raw: bytes, *, limits: Limits = DEFAULT_LIMITS) -> bytes:
    """The credential in ``raw``: read from the QR code of a PNG or JPEG image or of a PDF's
    first page, decoded from a ``VCS1:`` payload, or ``raw`` itself.

    Raises:
        Error: ``IMAGE_ERROR`` or ``QR_DECODE_ERROR`` for an image or payload that does not
            yield a credential.
        InputError: text larger than a credential may be (twice ``max_credential_bytes``,
            room for the whitespace of a pretty-printed file).
    """
    if looks_like_image(raw):
        return credential_from_image(raw, limits=limits)
    if looks_like_pdf(raw):
        return credential_from_pdf(raw, limits=limits)
    if len(raw) > limits.max_credential_bytes * 2:
        raise InputError("the input is larger than the credential size limit "
                         f"({limits.max_credential_bytes * 2:,} bytes)")
    text = raw.decode("utf-8", "replace").strip()
    if looks_like_payload(text):
        return decode_payload(text, limits=limits)
    return raw
