"""QR code images: drawing the code of a payload, and reading it back from a scan or a photo.

:func:`make_qr` picks the smallest QR code that holds a payload (:mod:`vcskill.qr.payload`) in
alphanumeric mode and renders it as PNG or SVG with the quiet zone ISO/IEC 18004 requires.

:func:`read_qr_image` accepts PNG and JPEG only (by content), refuses oversized images before
decoding them (design research security.md table F5), and reads the code with zxing-cpp,
looking again at a sharpened and then a denoised copy when a poor photo needs it. A QR code
holding anything but a vcskill payload is refused and never fetched.
"""

from __future__ import annotations

import io
import warnings
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

from vcskill.errors import Code, Error, UsageError
from vcskill.limits import DEFAULT_LIMITS, Limits
from vcskill.qr.payload import (
    _B45_VALUE,
    PREFIX,
    _not_ours,
    _qr_error,
    decode_payload,
    encode_payload,
)

if TYPE_CHECKING:
    from PIL.Image import Image as PilImage

__all__ = [
    "MAX_IMAGE_BYTES",
    "MAX_IMAGE_PIXELS",
    "QrImage",
    "QrInfo",
    "credential_from_image",
    "looks_like_image",
    "make_qr",
    "read_qr_image",
    "write_qr",
]

MAX_IMAGE_BYTES: Final = 32 * 1024 * 1024
"""Largest image file :func:`read_qr_image` reads (a 50 MP JPEG photo is about 20 MB)."""

MAX_IMAGE_PIXELS: Final = 50_000_000
"""Largest image, in pixels, that is decoded at all: 48 and 50 MP phone photos pass; the
header is checked before any pixel is decoded (a PNG header may promise 10^10 pixels)."""

_ERROR_LEVELS: Final = ("L", "M", "Q", "H")
_IMAGE_SUFFIXES: Final = (".png", ".svg")
_DEFAULT_SCALE: Final = {".png": 8, ".svg": 4}  # pixels (PNG) or user units (SVG) a module
_BORDER: Final = 4  # modules of quiet zone, as ISO/IEC 18004 requires
_JPEG_DRAFT_PIXELS: Final = 25_000_000  # larger JPEGs (48 MP photos) decode at half scale
_PNG_MAGIC: Final = b"\x89PNG\r\n\x1a\n"
_JPEG_MAGIC: Final = b"\xff\xd8\xff"


def _image_error(message: str) -> Error:
    return Error(message, code=Code.IMAGE_ERROR)


def looks_like_image(data: bytes) -> bool:
    """True if ``data`` starts like a PNG or a JPEG file (the formats :func:`read_qr_image`
    reads), judged by content, never by a file name."""
    return data.startswith((_PNG_MAGIC, _JPEG_MAGIC))


# -- making QR codes ------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class QrInfo:
    """What :func:`write_qr` wrote: the QR version (1-40) and error correction level used
    (``"L"``, ``"M"``, ``"Q"`` or ``"H"``), the payload length and the file."""

    version: int
    error: str
    payload_chars: int
    out: Path


@dataclass(frozen=True, slots=True)
class QrImage:
    """A QR code symbol for one payload, in alphanumeric mode, ready to render."""

    payload: str
    version: int
    error: str
    _code: Any = field(repr=False, compare=False)  # segno.QRCode

    @property
    def size(self) -> int:
        """Modules a side, without the quiet zone (17 + 4 x version)."""
        return 17 + 4 * self.version

    @property
    def matrix(self) -> tuple[tuple[bool, ...], ...]:
        """The modules, row by row, True for dark; without the quiet zone."""
        return tuple(tuple(bool(m) for m in row) for row in self._code.matrix)

    def to_png(self, *, scale: int = _DEFAULT_SCALE[".png"]) -> bytes:
        """A black-on-white PNG, ``scale`` pixels a module, with a 4-module quiet zone."""
        return self._render("png", scale)

    def to_svg(self, *, scale: int = _DEFAULT_SCALE[".svg"]) -> bytes:
        """An SVG (one path on a white background), ``scale`` units a module, with a
        4-module quiet zone."""
        return self._render("svg", scale)

    def _render(self, kind: str, scale: int) -> bytes:
        if isinstance(scale, bool) or not isinstance(scale, int) or not 1 <= scale <= 100:
            raise UsageError(f"the QR scale must be a whole number from 1 to 100, not {scale!r}")
        out = io.BytesIO()
        self._code.save(out, kind=kind, scale=scale, border=_BORDER, dark="#000",
                        light="#fff")
        return out.getvalue()

    def save(self, out: Path, *, scale: int | None = None) -> None:
        """Write a PNG or an SVG, chosen by the suffix of ``out``, atomically."""
        from vcskill.common.files import write_bytes_atomic

        suffix = _image_suffix(out)
        scale = _DEFAULT_SCALE[suffix] if scale is None else scale
        data = self.to_png(scale=scale) if suffix == ".png" else self.to_svg(scale=scale)
        write_bytes_atomic(out, data)


def _image_suffix(out: Path) -> str:
    suffix = Path(out).suffix.lower()
    if suffix not in _IMAGE_SUFFIXES:
        raise UsageError(f"cannot write a QR code to {str(out)!r}: name a .png or .svg file")
    return suffix


def make_qr(payload: str, *, error: str = "m") -> QrImage:
    """The smallest QR code (not Micro QR) that holds ``payload`` in alphanumeric mode.

    ``error`` is the least error correction level wanted (``l``, ``m``, ``q`` or ``h``); the
    level is raised for free when the same version has room for a higher one, so
    :attr:`QrImage.error` says what was used.

    Raises:
        UsageError: an unknown level, a payload outside the alphanumeric set, or too long.
    """
    import segno

    level = error.upper() if isinstance(error, str) else ""
    if level not in _ERROR_LEVELS:
        raise UsageError(f"unknown QR error correction level {error!r}: use L, M, Q or H")
    if any(c not in _B45_VALUE for c in payload):
        raise UsageError("a QR payload must be in the QR alphanumeric set (0-9, A-Z, space "
                         "and $%*+-./:); make it with encode_payload()")
    try:
        code = segno.make_qr(payload, error=level, mode="alphanumeric", boost_error=True)
    except segno.DataOverflowError:
        raise UsageError(f"a {len(payload):,}-character payload does not fit a QR code at "
                         f"error correction level {level}") from None
    return QrImage(payload, int(code.version), str(code.error), code)


def write_qr(
    credential: bytes | str | Mapping[str, Any],
    out: Path,
    *,
    error: str = "m",
    scale: int | None = None,
) -> QrInfo:
    """Encode ``credential`` (any proof format) and write its QR code to ``out``: a PNG or
    an SVG by the suffix, ``scale`` pixels (PNG, default 8) or units (SVG, default 4) a
    module, with a 4-module quiet zone.

    Raises:
        UsageError: ``out`` is not a .png or .svg file, or see :func:`make_qr`.
    """
    out = Path(out)
    _image_suffix(out)  # refuse a bad name before any work
    image = make_qr(encode_payload(credential), error=error)
    image.save(out, scale=scale)
    return QrInfo(image.version, image.error, len(image.payload), out)


# -- reading QR codes from images -----------------------------------------------------------


def read_qr_image(data: bytes, *, limits: Limits = DEFAULT_LIMITS) -> str:
    """The vcskill payload text of the QR code in a PNG or JPEG image (a scan or a photo).

    Tolerates rotation, blur, perspective, low contrast and JPEG artefacts: zxing-cpp looks
    in every orientation, at reduced scales and inverted; if that finds nothing it looks
    again at a contrast-stretched, sharpened copy, then at a denoised one. When an image
    holds several codes, the first with the vcskill prefix is taken.

    Raises:
        Error: ``IMAGE_ERROR`` when the file is not a PNG or JPEG, too large, damaged or
            holds no QR code; ``QR_DECODE_ERROR`` when its QR codes hold something else
            (a link is never followed).
    """
    return read_qr_gray(_open_image(data), limits=limits, where="in the image")


def read_qr_gray(gray: PilImage, *, limits: Limits = DEFAULT_LIMITS,
                 where: str = "in the image") -> str:
    """:func:`read_qr_image` for pixels already decoded (grayscale, bounded in size by the
    caller); ``where`` says in the error where no code was found."""
    texts: list[str] = []
    for look in _LOOKS:
        texts += _scan(gray, look)
        if any(t.startswith(PREFIX) for t in texts):
            break
    for text in texts:
        if text.startswith(PREFIX):
            if len(text) > limits.max_qr_payload_bytes:
                raise _qr_error(f"the QR payload is {len(text):,} characters long; the "
                                f"limit is {limits.max_qr_payload_bytes:,}")
            return text
    if not texts:
        raise _image_error(f"no QR code was found {where}; photograph it straight on, "
                           "sharp and filling much of the picture")
    raise _qr_error(_not_ours(texts[0]))


def credential_from_image(data: bytes, *, limits: Limits = DEFAULT_LIMITS) -> bytes:
    """The credential carried by the QR code in a PNG or JPEG image, ready for
    :meth:`Verifier.check`: ``decode_payload(read_qr_image(data))``."""
    return decode_payload(read_qr_image(data, limits=limits), limits=limits)


def _open_image(data: bytes) -> PilImage:
    """Grayscale pixels of a PNG or JPEG, refusing anything else or anything too large
    before its pixels are decoded (security.md F5)."""
    from PIL import Image, UnidentifiedImageError

    if len(data) > MAX_IMAGE_BYTES:
        raise _image_error(f"the image is {len(data):,} bytes; the limit is "
                           f"{MAX_IMAGE_BYTES:,}")
    if not looks_like_image(data):
        raise _image_error("the image is not a PNG or JPEG file")
    with warnings.catch_warnings():
        # Pillow warns, then raises, on its own (larger) limit; either way we refuse.
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            image: PilImage = Image.open(io.BytesIO(data), formats=["PNG", "JPEG"])
            width, height = image.size
            if width * height > MAX_IMAGE_PIXELS:
                raise _image_error(f"the image is {width:,} x {height:,} pixels; the limit "
                                   f"is {MAX_IMAGE_PIXELS:,} pixels (about 50 megapixels)")
            if image.format == "JPEG" and width * height > _JPEG_DRAFT_PIXELS:
                image.draft("L", (width // 2, height // 2))  # DCT scaling: cheap and bounded
            if "A" in image.getbands() or "transparency" in image.info:
                image = image.convert("RGBA")
                backdrop = Image.new("RGBA", image.size, "white")
                image = Image.alpha_composite(backdrop, image)
            return image.convert("L")
        except (Image.DecompressionBombError, Image.DecompressionBombWarning):
            raise _image_error(f"the image declares more than {MAX_IMAGE_PIXELS:,} pixels "
                               "and was refused") from None
        except (UnidentifiedImageError, OSError, SyntaxError, ValueError, EOFError):
            raise _image_error("the image is damaged or not a PNG or JPEG file") from None


# How to look at an image, in turn, until a vcskill code is found (zxing-cpp's local
# binarizer throughout; its global one read nothing the local one missed). Each later look
# reads photos the first misses, measured on the cases of tests/test_qr.py: "sharpened"
# (contrast stretched with 1 % clipped at each end, then an unsharp mask) a Gaussian blur of
# half a module; "denoised" (a 3 x 3 median) the sensor noise of a dim photo.
_LOOKS: Final = ("as-is", "sharpened", "denoised")


def _scan(gray: PilImage, look: str) -> list[str]:
    """The texts of the QR codes zxing-cpp finds in ``gray`` seen as ``look`` says, in its
    order."""
    import zxingcpp
    from PIL import ImageFilter, ImageOps

    if look == "sharpened":
        gray = ImageOps.autocontrast(gray, cutoff=1).filter(
            ImageFilter.UnsharpMask(radius=4, percent=200, threshold=0))
    elif look == "denoised":
        gray = gray.filter(ImageFilter.MedianFilter(3))
    found = zxingcpp.read_barcodes(
        gray, formats=zxingcpp.BarcodeFormats(zxingcpp.BarcodeFormat.QRCode), try_rotate=True,
        try_downscale=True, try_invert=True, text_mode=zxingcpp.TextMode.Plain,
        binarizer=zxingcpp.Binarizer.LocalAverage)
    return [barcode.text for barcode in found if barcode.valid]
