"""The QR code on the first page of a PDF: a certificate as ``vcskill certificate`` prints it,
or a scan an employer was e-mailed.

The page is rendered with PDFium (pypdfium2, the renderer of Chromium) at up to 300 dpi and
at most :data:`MAX_RENDER_PIXELS` pixels, in gray, and read as a photo is
(:func:`vcskill.qr.image.read_qr_gray`). Only the first page is rendered; nothing the PDF
links to is fetched (PDFium has no network access), and a PDF larger than an image may be
(:data:`vcskill.qr.image.MAX_IMAGE_BYTES`) is refused unread.
"""

from __future__ import annotations

from typing import Final

from vcskill.errors import Code, Error
from vcskill.limits import DEFAULT_LIMITS, Limits
from vcskill.qr.image import MAX_IMAGE_BYTES, read_qr_gray
from vcskill.qr.payload import decode_payload

__all__ = ["MAX_RENDER_PIXELS", "credential_from_pdf", "looks_like_pdf", "read_qr_pdf"]

MAX_RENDER_PIXELS: Final = 25_000_000
"""The largest rendering of the first page: A4 at 300 dpi is 8.7 million pixels."""

_DPI: Final = 300
_PDF_MAGIC: Final = b"%PDF-"


def looks_like_pdf(data: bytes) -> bool:
    """True if ``data`` starts like a PDF file, judged by content."""
    return data.startswith(_PDF_MAGIC)


def _pdf_error(message: str) -> Error:
    return Error(message, code=Code.IMAGE_ERROR)


def read_qr_pdf(data: bytes, *, limits: Limits = DEFAULT_LIMITS) -> str:
    """The vcskill payload text of the QR code on the first page of a PDF.

    Raises:
        Error: ``IMAGE_ERROR`` when the file is too large, not a readable PDF (damaged, or
            locked with a password), or its first page holds no QR code; ``QR_DECODE_ERROR``
            when the code holds something else.
    """
    import pypdfium2

    if len(data) > MAX_IMAGE_BYTES:
        raise _pdf_error(f"the PDF is {len(data):,} bytes; the limit is {MAX_IMAGE_BYTES:,}")
    if not looks_like_pdf(data):
        raise _pdf_error("the file is not a PDF")
    try:
        document = pypdfium2.PdfDocument(data)
    except pypdfium2.PdfiumError as exc:
        raise _pdf_error(f"the PDF cannot be read ({exc}); if it is locked with a password, "
                         "save it without one") from None
    try:
        if len(document) == 0:
            raise _pdf_error("the PDF has no pages")
        page = document[0]
        width, height = page.get_size()  # in points, 72 to the inch
        scale = min(_DPI / 72, (MAX_RENDER_PIXELS / max(width * height, 1.0)) ** 0.5)
        try:
            gray = page.render(scale=scale, grayscale=True).to_pil().convert("L")
        except pypdfium2.PdfiumError as exc:
            raise _pdf_error(f"the first page of the PDF cannot be drawn ({exc})") from None
    finally:
        document.close()
    return read_qr_gray(gray, limits=limits, where="on the first page of the PDF")


def credential_from_pdf(data: bytes, *, limits: Limits = DEFAULT_LIMITS) -> bytes:
    """The credential carried by the QR code on the first page of a PDF, ready for
    :meth:`Verifier.check`."""
    return decode_payload(read_qr_pdf(data, limits=limits), limits=limits)
