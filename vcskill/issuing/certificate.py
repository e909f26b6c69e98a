"""Printable certificates: one A4 page in Chinese and English with the signed credential in a QR
code (``vcskill certificate`` and ``vcskill issue-batch --pdf``).

The page shows the facts of the credential (holder, occupation, level, certificate number,
issue date, issuer) and a QR code holding the whole signed credential, so that a scan of the
paper verifies offline (``vcskill verify page.png``). The printed text is a convenience for
people: the signed credential in the QR code is authoritative, and the page says so.

Rendering uses fpdf2 with a CJK font found on the system (:func:`find_cjk_font`): Noto Serif
CJK SC from the Debian package ``fonts-noto-cjk`` by preference. fpdf2 subsets the font and
embeds it (a CID-keyed CFF font as ``FontFile3``; a TrueType one as ``FontFile2``), so the PDF
prints the same everywhere. Text from the credential is neutralised first: control, bidi,
invisible and unassigned characters, and characters the font cannot draw, are shown as
``\\uXXXX`` escapes; long values shrink and are cut with "…", never overflowing their box.

The QR code is drawn as vector modules whose size and position are whole pixels at 150 dpi
(3 pixels, 0.508 mm, at least: also 2 pixels at 100 dpi), so a page rasterised at 150 dpi
gives sharp modules; the symbol is at least 40 mm wide (up to about 65 mm when it is small,
for phone cameras) and its four-module quiet zone is kept white.
"""

from __future__ import annotations

import dataclasses
import math
import os
import unicodedata
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from vcskill.common.display import UNSAFE_CATEGORIES, escape_char
from vcskill.common.files import write_bytes_atomic
from vcskill.errors import ConfigurationError, InputError, UsageError
from vcskill.limits import DEFAULT_LIMITS
from vcskill.linkeddata.jsonparse import parse_json
from vcskill.model.credential import SkillCredential
from vcskill.model.skills import CHINA_STANDARD_TIME, english_occupation_name
from vcskill.proofs.jose import decode_jwt, looks_like_jwt
from vcskill.qr.image import make_qr
from vcskill.qr.payload import encode_payload

if TYPE_CHECKING:  # pragma: no cover
    from fpdf import FPDF

Language = Literal["zh-en", "zh", "en"]
LANGUAGES: tuple[str, ...] = ("zh-en", "zh", "en")

# -- the CJK font ------------------------------------------------------------------------------

FONT_ENV = "VCSKILL_CJK_FONT"
FONT_PACKAGE = "fonts-noto-cjk"

# Searched in order after $VCSKILL_CJK_FONT: (regular, bold or None, package that ships it).
# Debian and Ubuntu paths first (the CI machine), then Fedora's and Arch's for Noto.
FONT_SEARCH: tuple[tuple[str, str | None, str], ...] = (
    ("/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc",
     "/usr/share/fonts/opentype/noto/NotoSerifCJK-Bold.ttc", "fonts-noto-cjk"),
    ("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
     "/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc", "fonts-noto-cjk"),
    ("/usr/share/fonts/google-noto-serif-cjk-fonts/NotoSerifCJK-Regular.ttc",
     "/usr/share/fonts/google-noto-serif-cjk-fonts/NotoSerifCJK-Bold.ttc",
     "google-noto-serif-cjk-fonts"),
    ("/usr/share/fonts/noto-cjk/NotoSerifCJK-Regular.ttc",
     "/usr/share/fonts/noto-cjk/NotoSerifCJK-Bold.ttc", "noto-fonts-cjk"),
    ("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc", None, "fonts-wqy-zenhei"),
    ("/usr/share/fonts/truetype/arphic/uming.ttc", None, "fonts-arphic-uming"),
)

# Every font must draw these (the fixed text of the page), or it is not a Chinese font.
_REQUIRED_TEXT = "职业技能等级证书姓名发证机构年月日Vocational Skill Level Certificate0123456789"


@dataclass(frozen=True, slots=True)
class CjkFont:
    """A font file (and face, in a collection) for the regular and the bold text."""

    regular: Path
    bold: Path
    regular_face: int = 0
    bold_face: int = 0

    @property
    def name(self) -> str:
        return _face_name(self.regular, self.regular_face)


def _ttlib() -> Any:
    """fontTools' font file module (fpdf2 depends on it; it has no type information)."""
    from fontTools import ttLib  # type: ignore[import-untyped]

    return ttLib


def _collection_faces(path: Path) -> list[str]:
    """The full names of the faces of a font file (one for a plain TTF/OTF)."""
    ttlib = _ttlib()
    with path.open("rb") as handle:  # ours to close, even when fontTools fails mid-way
        collection = handle.read(4) == b"ttcf"
        handle.seek(0)
        if collection:
            faces = ttlib.TTCollection(handle, lazy=True).fonts
        else:
            faces = [ttlib.TTFont(handle, lazy=True)]
        return [str(face["name"].getDebugName(4)) for face in faces]


def _face_name(path: Path, face: int) -> str:
    try:
        return _collection_faces(path)[face]
    except Exception:  # pragma: no cover - only for display
        return path.name


def _simplified_face(path: Path) -> int:
    """The Simplified Chinese face of a collection (Noto CJK ships JP, KR, SC, TC, HK in one
    file, JP first), else the first face."""
    names = _collection_faces(path)
    for index, name in enumerate(names):
        if name.endswith(" SC") or " SC " in name:
            return index
    return 0


def _checked_face(path: Path, *, source: str = "") -> int:
    """The face of ``path`` to use, after checking it draws the page's Chinese text."""
    try:
        face = _simplified_face(path)
    except Exception as exc:
        raise ConfigurationError(
            f"the font {path}{source} is not a TrueType or OpenType font file ({exc})"
        ) from exc
    _check_font(path, face, source=source)
    return face


def _check_font(path: Path, face: int, *, source: str = "") -> None:
    try:
        with path.open("rb") as handle:
            cmap = _ttlib().TTFont(handle, lazy=True, fontNumber=face).getBestCmap() or {}
    except Exception as exc:
        raise ConfigurationError(
            f"the font {path}{source} is not a TrueType or OpenType font file ({exc})"
        ) from exc
    missing = sorted({ch for ch in _REQUIRED_TEXT if ord(ch) not in cmap})
    if missing:
        raise ConfigurationError(
            f"the font {path}{source} cannot draw Chinese text (it has no glyph for "
            f"{''.join(missing[:8]).strip()!r}); install the Debian package {FONT_PACKAGE} "
            f"or point {FONT_ENV} at a Simplified Chinese font"
        )


def find_cjk_font(environ: Mapping[str, str] | None = None, *,
                  search: Sequence[tuple[str, str | None, str]] | None = None) -> CjkFont:
    """The font for certificates: the file named by ``$VCSKILL_CJK_FONT`` (a TTF, OTF or TTC;
    its Simplified Chinese face in a collection), else the first of ``search`` (default
    :data:`FONT_SEARCH`) that exists: Noto Serif CJK SC from ``fonts-noto-cjk`` first.

    Raises :class:`ConfigurationError` (``CONFIGURATION_ERROR``) naming the Debian package to
    install when there is none.
    """
    env = os.environ if environ is None else environ
    named = env.get(FONT_ENV, "").strip()
    if named:
        path = Path(named).expanduser()
        if not path.is_file():
            raise ConfigurationError(f"{FONT_ENV} names {path}, which is not a font file")
        face = _checked_face(path, source=f" (from {FONT_ENV})")
        return CjkFont(path, path, face, face)
    for regular_name, bold_name, _package in FONT_SEARCH if search is None else search:
        regular = Path(regular_name)
        if not regular.is_file():
            continue
        face = _checked_face(regular)
        bold = Path(bold_name) if bold_name and Path(bold_name).is_file() else regular
        bold_face = _checked_face(bold) if bold != regular else face
        return CjkFont(regular, bold, face, bold_face)
    raise ConfigurationError(
        f"no Chinese font for the certificate was found: install the Debian package "
        f"{FONT_PACKAGE} (apt-get install {FONT_PACKAGE}) or set {FONT_ENV} to a TrueType or "
        "OpenType font file with Simplified Chinese"
    )


# -- the facts printed -------------------------------------------------------------------------

_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August",
           "September", "October", "November", "December")


@dataclass(frozen=True, slots=True)
class CertificateFacts:
    """What the page prints, read from the credential (not yet neutralised)."""

    holder_name: str
    id_number_masked: str | None
    occupation_code: str
    occupation_edition: str
    occupation_zh: str
    occupation_en: str | None
    work_type: str | None
    level_code: str
    level_zh: str
    level_en: str
    issuer_name: str
    issuer_uscc: str | None
    issuer_id: str
    certificate_number: str
    assessment_id: str | None
    issued: date  # validFrom as a calendar day in China Standard Time
    credential_id: str
    secured_as: str  # "vc+jwt" or the Data Integrity cryptosuite ("" when unsigned)

    @property
    def issued_zh(self) -> str:
        return f"{self.issued.year}年{self.issued.month}月{self.issued.day}日"

    @property
    def issued_en(self) -> str:
        return f"{self.issued.day} {_MONTHS[self.issued.month - 1]} {self.issued.year}"


def read_credential(credential: bytes | str | Mapping[str, Any]
                    ) -> tuple[CertificateFacts, bytes | str | Mapping[str, Any]]:
    """Parse a credential (JSON with an embedded proof, or a compact vc+jwt) into the facts to
    print, and the form to put in the QR code (the JWT itself, or the JSON as given).

    Raises :class:`InputError` or :class:`DataModelError` for anything that is not a skill
    credential. It does not verify the proof: the QR code carries it to the verifier.
    """
    document: Any
    qr_form: bytes | str | Mapping[str, Any] = credential
    secured_as = ""
    if isinstance(credential, Mapping):
        document = credential
    else:
        text: bytes | str = credential
        if isinstance(text, bytes) and len(text) <= DEFAULT_LIMITS.max_credential_bytes * 2:
            try:
                decoded = text.decode("utf-8")
            except UnicodeDecodeError:
                decoded = ""
            if looks_like_jwt(decoded):
                text = decoded
        if isinstance(text, str) and looks_like_jwt(text):
            qr_form = text.strip()
            document = decode_jwt(qr_form).credential
            secured_as = "vc+jwt"
        else:
            document = parse_json(text)
    if not isinstance(document, Mapping):
        raise InputError("the credential must be a JSON object or a compact vc+jwt")
    if not secured_as:
        proof = document.get("proof")
        first = proof[0] if isinstance(proof, list) and proof else proof
        if isinstance(first, Mapping):
            secured_as = str(first.get("cryptosuite") or first.get("type") or "")
    model = SkillCredential.from_json(document)
    occ, lvl = model.occupation, model.level
    facts = CertificateFacts(
        holder_name=model.holder.name,
        id_number_masked=model.holder.id_number_masked,
        occupation_code=occ.code,
        occupation_edition=occ.edition,
        occupation_zh=occ.name_zh,
        occupation_en=english_occupation_name(occ.code, occ.name_zh, occ.edition),
        work_type=occ.work_type,
        level_code=lvl.code,
        level_zh=lvl.name_zh,
        level_en=lvl.name_en,
        issuer_name=model.issuer.name,
        issuer_uscc=model.issuer.uscc,
        issuer_id=model.issuer.id,
        certificate_number=model.certificate_number,
        assessment_id=model.assessment_id,
        issued=model.valid_from.astimezone(CHINA_STANDARD_TIME).date(),
        credential_id=model.id,
        secured_as=secured_as,
    )
    return facts, qr_form


# -- neutralising text -------------------------------------------------------------------------

# Combining marks: a second one on a character is escaped (stacked marks climb out of a box).
_MARKS = frozenset({"Mn", "Me"})


def neutralise(value: object, has_glyph: Callable[[str], bool] = lambda ch: True) -> str:
    """Credential text made safe to print: the unsafe characters of :mod:`vcskill.common.display`,
    those the font has no glyph for, and any combining mark after the first on a character (stacked
    marks would climb out of their box) become visible ``\\uXXXX`` escapes."""
    text = "" if value is None else str(value)
    out: list[str] = []
    marks = 0
    for ch in text:
        category = unicodedata.category(ch)
        marks = marks + 1 if category in _MARKS else 0
        if category in UNSAFE_CATEGORIES or marks > 1 or not has_glyph(ch):
            out.append(escape_char(ch))
        else:
            out.append(ch)
    return "".join(out)


# -- the page ----------------------------------------------------------------------------------

PAGE_W, PAGE_H = 210.0, 297.0  # A4 portrait, mm
PT = 25.4 / 72  # mm in a point
PIXEL_150 = 25.4 / 150  # mm: modules and their position are whole pixels at 150 dpi
QR_MIN_PIXELS = 3  # at 150 dpi: a module of 3 pixels (0.508 mm) is also 2 at 100 dpi
QR_MIN_MM = 40.0  # the symbol without its quiet zone is at least this wide
QR_TARGET_MM = 65.0  # larger modules, up to this size, make phone scans easier
QR_MAX_MM = 100.0
QR_QUIET_MODULES = 4

RED = (139, 26, 26)
GOLD = (176, 141, 62)
INK = (30, 30, 30)
GREY = (96, 96, 96)
PALE = (150, 150, 150)

_INSET = 0.01  # mm taken off the right and bottom edge of each QR rectangle
_FAMILY = "cjk"
_ELLIPSIS = "…"


@dataclass(frozen=True, slots=True)
class CertificateInfo:
    """What was rendered: the facts, the page and the QR code's geometry."""

    facts: CertificateFacts
    path: Path | None
    size: int  # bytes of PDF
    font: CjkFont
    qr_version: int
    qr_error: str
    qr_modules: int  # modules across, without the quiet zone
    qr_module_mm: float
    qr_size_mm: float  # the symbol with its quiet zone
    qr_position_mm: tuple[float, float]  # top left corner of the quiet zone on the page
    lang: str
    photo_box_mm: tuple[float, float, float, float] = (0.0, 0.0, 0.0, 0.0)  # x, y, w, h


class _Page:
    """Drawing helpers over one fpdf2 page in millimetres."""

    def __init__(self, pdf: FPDF) -> None:
        self.pdf = pdf

    def font(self, size: float, *, bold: bool = False, color: tuple[int, int, int] = INK
             ) -> None:
        self.pdf.set_font(_FAMILY, "B" if bold else "", size)
        self.pdf.set_text_color(*color)

    def width(self, text: str) -> float:
        return float(self.pdf.get_string_width(text))

    def centred(self, y: float, text: str, size: float, *, bold: bool = False,
                color: tuple[int, int, int] = INK, spacing: float = 0.0,
                max_width: float = PAGE_W - 40) -> None:
        """One line centred on the page, its baseline at ``y``, shrunk to ``max_width``."""
        self.font(size, bold=bold, color=color)
        self.pdf.set_char_spacing(spacing)
        width = self.width(text)
        if width > max_width:
            self.pdf.set_char_spacing(0)
            size, lines = self.fit(text, max_width, size, size * 0.5, 1, bold=bold)
            text = lines[0]
            self.font(size, bold=bold, color=color)
            width = self.width(text)
        self.pdf.text((PAGE_W - width) / 2, y, text)
        self.pdf.set_char_spacing(0)

    def wrap(self, text: str, width: float, limit: int) -> list[str]:
        """Break ``text`` into lines no wider than ``width`` at the current font: anywhere
        between CJK characters, at a space within Latin text when there is one. Stops once
        there are more than ``limit`` lines."""
        lines: list[str] = []
        line = ""
        for ch in text:
            if len(lines) > limit:
                return lines
            if self.width(line + ch) <= width or not line:
                line += ch
                continue
            space = line.rfind(" ")
            if ch != " " and space > 0 and line[-1].isascii() and line[-1].isalnum():
                lines.append(line[:space])
                line = line[space + 1:] + ch
            else:
                lines.append(line.rstrip())
                line = "" if ch == " " else ch
        if line:
            lines.append(line)
        return lines or [""]

    def fit(self, text: str, width: float, size: float, min_size: float, max_lines: int, *,
            bold: bool = False) -> tuple[float, list[str]]:
        """The largest size from ``size`` down to ``min_size`` (half-points) at which
        ``text`` fits in ``max_lines`` lines of ``width``; at ``min_size`` the last line is
        cut with an ellipsis."""
        # No more characters than could ever fit (a glyph is wider than 0.15 em), so a
        # hostile 64 KiB value costs no more than a long name.
        text = text[:max_lines * math.ceil(width / (min_size * PT * 0.15)) + 1]
        current = size
        while True:
            self.pdf.set_font(_FAMILY, "B" if bold else "", current)
            lines = self.wrap(text, width, max_lines)
            if len(lines) <= max_lines:
                return current, lines
            if current - 0.5 < min_size:
                break
            current -= 0.5
        kept = lines[:max_lines]
        last = kept[-1]
        while last and self.width(last + _ELLIPSIS) > width:
            last = last[:-1]
        kept[-1] = last.rstrip() + _ELLIPSIS
        return current, kept

    def block(self, x: float, top: float, width: float, height: float, text: str, *,
              size: float, min_size: float, max_lines: int, bold: bool = False,
              color: tuple[int, int, int] = INK, align: str = "L") -> float:
        """Draw ``text`` inside the box (x, top, width, height), vertically centred; return
        the size used. Nothing is drawn outside the box."""
        max_lines = max(1, min(max_lines, int(height // (min_size * PT * 1.25))))
        size, lines = self.fit(text, width, size, min_size, max_lines, bold=bold)
        while len(lines) * size * PT * 1.25 > height and size > min_size:
            size, lines = self.fit(text, width, size - 0.5, min_size, max_lines, bold=bold)
        self.font(size, bold=bold, color=color)
        pitch = size * PT * 1.25
        baseline = top + (height - pitch * len(lines)) / 2 + size * PT * 0.95
        for line in lines:
            offset = (width - self.width(line)) / 2 if align == "C" else 0.0
            self.pdf.text(x + offset, baseline, line)
            baseline += pitch
        return size


def _labels(lang: str, zh: str, en: str) -> tuple[str, str]:
    """(primary, secondary) label text for a language choice."""
    if lang == "zh":
        return zh, ""
    if lang == "en":
        return en, ""
    return zh, en


def certificate_pdf(
    credential: bytes | str | Mapping[str, Any],
    *,
    qr_payload: str | None = None,
    lang: Language | str = "zh-en",
    font: CjkFont | None = None,
    photo: bytes | None = None,
    verify_url: str | None = None,
) -> tuple[bytes, CertificateInfo]:
    """The certificate as PDF bytes, and what was drawn.

    As a 职业技能等级证书 is printed, the page keeps a 25 x 35 mm space for the holder's photo
    (``photo``: a PNG or JPEG, printed there with its metadata removed; it is not part of the
    signed credential) and a circle for the issuer's seal (公章) beside the QR code.
    ``verify_url`` is the address of the page where employers check certificates (printed
    under the QR code); without it the caption says to scan the code.

    ``qr_payload`` is the text of the QR code; by default ``vcskill.qr.payload.encode_payload`` of
    the credential. ``lang`` is ``zh-en`` (both, the default), ``zh`` or ``en`` for the labels and
    fixed text; values stay as the credential has them. ``font`` defaults to :func:`find_cjk_font`.
    The QR code is ``vcskill.qr.image.make_qr`` at error correction level M
    (raised when the same version has room).
    """
    from fpdf import FPDF

    if lang not in LANGUAGES:
        raise UsageError(f"unknown certificate language {lang!r}; use one of "
                         + ", ".join(LANGUAGES))
    facts, qr_form = read_credential(credential)
    photo_jpeg = _photo_jpeg(photo) if photo is not None else None
    url = _verify_url(verify_url) if verify_url is not None else None
    symbol = make_qr(qr_payload if qr_payload is not None else encode_payload(qr_form),
                     error="m")
    font = font or find_cjk_font()

    pdf = FPDF(orientation="P", unit="mm", format="A4")
    pdf.set_auto_page_break(False)
    pdf.set_margins(0, 0, 0)
    pdf.add_font(_FAMILY, "", str(font.regular), collection_font_number=font.regular_face)
    pdf.add_font(_FAMILY, "B", str(font.bold), collection_font_number=font.bold_face)
    cmap, bold_cmap = (_font_cmap(pdf, _FAMILY), _font_cmap(pdf, _FAMILY + "B"))

    def has_glyph(ch: str) -> bool:
        return ord(ch) in cmap and ord(ch) in bold_cmap

    def clean(value: object) -> str:
        return neutralise(value, has_glyph)

    title_zh, title_en = "职业技能等级证书", "Vocational Skill Level Certificate"
    pdf.set_title(title_zh if lang == "zh" else title_en if lang == "en"
                  else f"{title_zh} {title_en}")
    pdf.set_subject(clean(f"{facts.holder_name[:100]} {facts.certificate_number[:100]}"))
    pdf.set_author(clean(facts.issuer_name[:200]))
    pdf.set_creator("vcskill")
    pdf.set_producer("vcskill")
    pdf.set_lang("en" if lang == "en" else "zh-CN")
    # Reproducible bytes: the document is dated by the credential, not by the clock.
    pdf.set_creation_date(datetime(facts.issued.year, facts.issued.month, facts.issued.day,
                                   tzinfo=CHINA_STANDARD_TIME))
    pdf.add_page()
    page = _Page(pdf)

    # Frame: a red rule with a thin gold one inside it.
    pdf.set_draw_color(*RED)
    pdf.set_line_width(1.2)
    pdf.rect(9, 9, PAGE_W - 18, PAGE_H - 18)
    pdf.set_draw_color(*GOLD)
    pdf.set_line_width(0.35)
    pdf.rect(12.5, 12.5, PAGE_W - 25, PAGE_H - 25)
    pdf.set_fill_color(*GOLD)
    for cx, cy in ((12.5, 12.5), (PAGE_W - 12.5, 12.5), (12.5, PAGE_H - 12.5),
                   (PAGE_W - 12.5, PAGE_H - 12.5)):
        pdf.polygon([(cx - 2, cy), (cx, cy - 2), (cx + 2, cy), (cx, cy + 2)], style="F")

    # Title.
    y = 33.0
    if lang != "en":
        page.centred(y, title_zh, 30, bold=True, color=RED, spacing=2.5)
        y += 11.0
    if lang != "zh":
        if lang == "zh-en":
            page.centred(y, title_en.upper(), 12, color=GREY, spacing=1.2)
        else:
            page.centred(y, title_en.upper(), 20, bold=True, color=RED, spacing=1.0)
        y += 6.0
    pdf.set_draw_color(*GOLD)
    pdf.set_line_width(0.4)
    pdf.line(60, y, 96, y)
    pdf.line(114, y, 150, y)
    pdf.set_fill_color(*RED)
    pdf.polygon([(105 - 3, y), (105, y - 1.6), (105 + 3, y), (105, y + 1.6)], style="F")
    y += 8.0
    if lang != "en":
        page.centred(y, "兹证明下列人员经职业技能等级认定考核合格，特发此证。", 11)
        y += 5.5
    if lang != "zh":
        page.centred(y, "This certifies that the person named below has passed the vocational "
                        "skill level assessment.", 8.5 if lang == "zh-en" else 10, color=GREY)
        y += 5.0

    # The facts: a label column and a value column; every value fits its fixed box.
    occupation_zh = facts.occupation_zh + (f"（{facts.work_type}）" if facts.work_type else "")
    occupation_zh += f"　{facts.occupation_code}"
    edition_zh = f"{facts.occupation_edition}年版《中华人民共和国职业分类大典》"
    # The code is printed once, after the Chinese name; the English line names the edition.
    edition_en = f"{facts.occupation_edition} classification"
    occupation_en = (f"{facts.occupation_en} ({edition_en})" if facts.occupation_en
                     else f"Occupation of the {edition_en}")
    issuer_en = f"USCC {facts.issuer_uscc}" if facts.issuer_uscc else ""
    issuer_zh = f"统一社会信用代码 {facts.issuer_uscc}" if facts.issuer_uscc else ""
    rows: list[tuple[str, str, str, str, bool]] = [
        # label zh, label en, value, secondary value, value is the name
        ("姓　　名", "Name", clean(facts.holder_name), "", True),
    ]
    if facts.id_number_masked:
        rows.append(("身份证件号码", "ID Number", clean(facts.id_number_masked), "", False))
    rows += [
        ("职业（工种）", "Occupation", clean(occupation_zh),
         clean(edition_zh if lang == "zh" else occupation_en), False),
        ("职业技能等级", "Skill Level", clean(facts.level_zh),
         "" if lang == "zh" else clean(facts.level_en), False),
        ("证书编号", "Certificate No.", clean(facts.certificate_number), "", False),
    ]
    if facts.assessment_id:
        rows.append(("认定考核编号", "Assessment No.", clean(facts.assessment_id), "", False))
    rows += [
        ("发证日期", "Date of Issue", facts.issued_zh if lang != "en" else facts.issued_en,
         facts.issued_en if lang == "zh-en" else "", False),
        ("发证机构", "Issued by", clean(facts.issuer_name),
         clean(issuer_zh if lang == "zh" else issuer_en), False),
    ]
    left, label_w, value_x, right = 28.0, 48.0, 80.0, PAGE_W - 28.0
    row_h = 13.0 if len(rows) >= 7 else 14.0
    top = y + 4.0
    # The holder's photo, top right of the table (1-inch photo, 25 x 35 mm), framed.
    photo_x, photo_y = right - PHOTO_W, top + 1.5
    _photo_box(pdf, page, photo_x, photo_y, photo_jpeg, lang)
    pdf.set_draw_color(*GOLD)
    pdf.set_line_width(0.15)
    for label_zh, label_en, value, secondary, is_name in rows:
        # Rows beside the photo end before it.
        value_w = (photo_x - 3.0 if top < photo_y + PHOTO_H else right) - value_x
        first, second = _labels(lang, label_zh, label_en)
        page.block(left, top + 1.5, label_w, 6.0 if second else row_h - 3, first, size=11,
                   min_size=7, max_lines=1, bold=lang != "en", color=INK)
        if second:
            page.block(left, top + 7.0, label_w, 4.5, second, size=8, min_size=6,
                       max_lines=1, color=GREY)
        if secondary:
            page.block(value_x, top + 1.0, value_w, 7.0, value, size=14 if is_name else 12.5,
                       min_size=7, max_lines=1, bold=is_name)
            page.block(value_x, top + 7.8, value_w, 4.4, secondary, size=8.5, min_size=6,
                       max_lines=1, color=GREY)
        else:
            page.block(value_x, top + 0.8, value_w, row_h - 1.6, value,
                       size=16 if is_name else 12.5, min_size=7, max_lines=2, bold=is_name)
        top += row_h
        pdf.line(left, top, right if top > photo_y + PHOTO_H else photo_x - 3.0, top)
    table_end = top

    # Footer: the credential's identifier and what is authoritative.
    footer_top = PAGE_H - 31.0
    notes = []
    if lang != "en":
        notes.append("本证书信息以二维码中经数字签名的电子凭证为准。")
    if lang != "zh":
        notes.append("The digitally signed credential in the QR code is authoritative.")
    for index, note in enumerate(notes):
        page.block(20, footer_top + index * 4.6, PAGE_W - 40, 4.6, note, size=8.5,
                   min_size=6, max_lines=1, color=GREY, align="C")
    page.block(20, footer_top + len(notes) * 4.6 + 0.6, PAGE_W - 40, 4.2,
               clean(f"{facts.credential_id}  ·  {facts.issuer_id}"), size=6.5, min_size=5,
               max_lines=1, color=PALE, align="C")

    # The QR code with its caption, centred between the table and the footer.
    matrix = symbol.matrix
    modules = len(matrix)
    total = modules + 2 * QR_QUIET_MODULES
    caption_h = 5.5 * (2 if lang == "zh-en" else 1) + 2.0
    room = footer_top - 4.0 - (table_end + 4.0) - caption_h
    pixels = max(QR_MIN_PIXELS, math.ceil(QR_MIN_MM / (modules * PIXEL_150)))
    pixels = max(pixels, min(math.floor(QR_TARGET_MM / (total * PIXEL_150)),
                              math.floor(min(room, QR_MAX_MM) / (total * PIXEL_150))))
    module = PIXEL_150 * pixels
    size = total * module
    if size > min(room, QR_MAX_MM) + 1e-9:
        raise UsageError(
            f"the credential needs a QR code of version {symbol.version} ({modules} modules), too "
            "large to print scannably on the page; shorten the credential"
        )
    block_top = table_end + 4.0 + (room - size) / 2
    # The QR code in the space left of the seal.
    qr_centre = (28.0 + SEAL_X - SEAL_R - 4.0) / 2
    qr_x = round((qr_centre - size / 2) / PIXEL_150) * PIXEL_150
    qr_y = round(block_top / PIXEL_150) * PIXEL_150
    pdf.set_fill_color(255, 255, 255)
    pdf.rect(qr_x, qr_y, size, size, style="F")
    origin_x = qr_x + QR_QUIET_MODULES * module
    origin_y = qr_y + QR_QUIET_MODULES * module
    _draw_modules(pdf, matrix, origin_x, origin_y, module)
    caption_y = qr_y + size + 1.0
    captions = []
    if lang != "en":
        captions.append((f"扫码或访问 {url} 核验" if url else "扫描二维码，离线核验本证书",
                         10.5, INK))
    if lang != "zh":
        captions.append((f"Scan, or visit {url}, to verify" if url
                         else "Scan the QR code to verify this certificate offline",
                         9 if lang == "zh-en" else 10.5, GREY if lang == "zh-en" else INK))
    caption_left = max(16.0, qr_centre - 55.0)
    for text, csize, color in captions:
        page.block(caption_left, caption_y, 2 * (qr_centre - caption_left), 5.5, text,
                   size=csize, min_size=6, max_lines=1, color=color, align="C")
        caption_y += 5.5
    _seal_space(pdf, page, SEAL_X, qr_y + size / 2, lang)

    data = bytes(pdf.output())
    info = CertificateInfo(
        facts=facts, path=None, size=len(data), font=font, qr_version=symbol.version,
        qr_error=symbol.error, qr_modules=modules, qr_module_mm=module, qr_size_mm=size,
        qr_position_mm=(qr_x, qr_y), lang=lang,
        photo_box_mm=(photo_x, photo_y, PHOTO_W, PHOTO_H),
    )
    return data, info


PHOTO_W, PHOTO_H = 25.0, 35.0  # mm: the 1-inch photo of Chinese certificates
SEAL_R = 21.0  # mm: a 42 mm official seal
SEAL_X = PAGE_W - 28.0 - SEAL_R  # its centre
MAX_PHOTO_BYTES = 8 * 1024 * 1024
MAX_PHOTO_PIXELS = 25_000_000


def _photo_jpeg(data: bytes) -> bytes:
    """The holder's photo as a baseline JPEG without metadata (no EXIF, GPS or comments),
    at most 600 x 840 pixels: 600 dpi at 25 x 35 mm, and no more of the original than that."""
    import io

    from PIL import Image, UnidentifiedImageError

    from vcskill.qr.image import looks_like_image

    if len(data) > MAX_PHOTO_BYTES or not looks_like_image(data):
        raise UsageError(f"the photo must be a PNG or JPEG file of at most "
                         f"{MAX_PHOTO_BYTES // 1024 // 1024} MiB")
    try:
        with Image.open(io.BytesIO(data), formats=["PNG", "JPEG"]) as image:
            if image.width * image.height > MAX_PHOTO_PIXELS:
                raise UsageError(f"the photo is {image.width} x {image.height} pixels; at most "
                                 f"{MAX_PHOTO_PIXELS:,} are read")
            picture = image.convert("RGB")
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError,
            Image.DecompressionBombError):
        raise UsageError("the photo is damaged or not a PNG or JPEG file") from None
    picture.thumbnail((600, 840))
    out = io.BytesIO()
    picture.save(out, format="JPEG", quality=90)  # a new file: nothing of the original's
    return out.getvalue()


def _verify_url(value: str) -> str:
    """The verification page's address as printed: https, printable ASCII, one short line."""
    url = value.strip()
    if not url.startswith("https://") or len(url) > 80 or not url.isascii() \
            or any(not ch.isprintable() or ch.isspace() for ch in url):
        raise UsageError("--verify-url must be an https:// address of at most 80 printable "
                         "characters, e.g. https://verify.example.cn/")
    return url


def _photo_box(pdf: FPDF, page: _Page, x: float, y: float, jpeg: bytes | None,
               lang: str) -> None:
    """The photo, cut to fill 25 x 35 mm, or the empty space for one (to glue it on)."""
    import io

    if jpeg is not None:
        from PIL import Image

        with Image.open(io.BytesIO(jpeg)) as image:
            ratio = image.width / image.height
        width, height = (PHOTO_W, PHOTO_W / ratio) if ratio < PHOTO_W / PHOTO_H \
            else (PHOTO_H * ratio, PHOTO_H)
        with pdf.rect_clip(x, y, PHOTO_W, PHOTO_H):
            pdf.image(io.BytesIO(jpeg), x + (PHOTO_W - width) / 2, y + (PHOTO_H - height) / 2,
                      width, height)
    else:
        label = "照片" if lang == "zh" else "Photo" if lang == "en" else "照片 Photo"
        page.block(x, y + PHOTO_H / 2 - 3, PHOTO_W, 6, label, size=8, min_size=6,
                   max_lines=1, color=PALE, align="C")
    pdf.set_draw_color(*PALE)
    pdf.set_line_width(0.2)
    pdf.rect(x, y, PHOTO_W, PHOTO_H)


def _seal_space(pdf: FPDF, page: _Page, cx: float, cy: float, lang: str) -> None:
    """A dashed circle where the issuer stamps its seal, and what it is for."""
    pdf.set_draw_color(*PALE)
    pdf.set_line_width(0.2)
    pdf.set_dash_pattern(dash=1.2, gap=1.2)
    pdf.circle(cx, cy, SEAL_R)
    pdf.set_dash_pattern()
    label = ("发证机构（盖章）" if lang == "zh" else "Seal of the issuer" if lang == "en"
             else "发证机构（盖章）Seal")
    page.block(cx - SEAL_R, cy + SEAL_R + 1.0, 2 * SEAL_R, 5.0, label, size=8, min_size=6,
               max_lines=1, color=PALE, align="C")


def _font_cmap(pdf: FPDF, key: str) -> Mapping[int, Any]:
    from fpdf.fonts import TTFFont

    loaded = pdf.fonts[key]
    if not isinstance(loaded, TTFFont):  # pragma: no cover - add_font always makes a TTFFont
        raise ConfigurationError(f"the font {key} did not load as a TrueType/OpenType font")
    return dict(loaded.cmap)


def _draw_modules(pdf: FPDF, matrix: Sequence[Sequence[int]], x0: float, y0: float,
                  module: float) -> None:
    """The dark modules as filled rectangles: each horizontal run of dark modules is one
    rectangle, and a run repeated on the rows below it is extended down instead.

    Rasterisers snap the edges of filled rectangles to pixels; an edge that lands on a pixel
    boundary (within the PDF's rounding of coordinates to 0.01 pt) may take the next pixel
    too, which would widen every dark module by a pixel. Insetting the right and bottom edges
    by :data:`_INSET` (0.06 pixel at 150 dpi, invisible) keeps the modules exact.
    """
    runs: dict[tuple[int, int], int] = {}  # (start, end) of an open run -> its first row
    rects: list[tuple[int, int, int, int]] = []  # col, row, width, height in modules
    for row, cells in enumerate([*matrix, []]):
        current: set[tuple[int, int]] = set()
        start = -1
        for col, cell in enumerate([*cells, 0]):
            if cell & 1 and start < 0:
                start = col
            elif not cell & 1 and start >= 0:
                current.add((start, col))
                start = -1
        for run in [r for r in runs if r not in current]:
            first = runs.pop(run)
            rects.append((run[0], first, run[1] - run[0], row - first))
        for run in current:
            runs.setdefault(run, row)
    pdf.set_fill_color(0, 0, 0)
    for col, row, width, height in rects:
        pdf.rect(x0 + col * module, y0 + row * module, width * module - _INSET,
                 height * module - _INSET, style="F")


def render_certificate(
    credential: bytes | str | Mapping[str, Any],
    out: Path,
    *,
    qr_payload: str | None = None,
    lang: Language | str = "zh-en",
    font: CjkFont | None = None,
    force: bool = True,
    photo: bytes | None = None,
    verify_url: str | None = None,
) -> CertificateInfo:
    """Render the certificate of ``credential`` to the PDF file ``out``, atomically (a reader
    sees the old file or the new one). See :func:`certificate_pdf` for the options;
    ``force=False`` refuses to replace an existing file."""
    data, info = certificate_pdf(credential, qr_payload=qr_payload, lang=lang, font=font,
                                 photo=photo, verify_url=verify_url)
    write_bytes_atomic(Path(out), data, force=force)
    return dataclasses.replace(info, path=Path(out))


__all__ = [
    "FONT_ENV",
    "FONT_PACKAGE",
    "FONT_SEARCH",
    "LANGUAGES",
    "CertificateFacts",
    "CertificateInfo",
    "CjkFont",
    "certificate_pdf",
    "find_cjk_font",
    "neutralise",
    "read_credential",
    "render_certificate",
]
