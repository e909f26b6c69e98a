"""Printable certificates (issue #6): the A4 PDF embeds its CJK font, carries the facts as real
text, renders every proof format, survives hostile text, and its QR code, rasterised at
150 dpi, gives back a credential that verifies exactly as the original.

The CJK font is a system package (fonts-noto-cjk). Without it these tests fail under CI
(CI=true) and are skipped elsewhere, with the reason saying what to install.
"""

from __future__ import annotations

import ctypes
import io
import json
import os
import re
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_raw
import pytest

from vcskill.errors import Code, ConfigurationError, Error, UsageError
from vcskill.issuing.certificate import (
    FONT_ENV,
    QR_MIN_MM,
    CjkFont,
    certificate_pdf,
    find_cjk_font,
    neutralise,
    read_credential,
    render_certificate,
)
from vcskill.issuing.request import IssueRequest, issue_one
from vcskill.keys.keyfile import KeyFile, write_key_file
from vcskill.keys.keypair import KeyAlgorithm, PrivateKey
from vcskill.model.credential import Issuer, new_skill_credential
from vcskill.model.skills import LEVELS, Occupation
from vcskill.verifying.report import CheckId
from vcskill.verifying.verifier import Verifier

CST = timezone(timedelta(hours=8))
ISSUED = datetime(2026, 6, 30, 9, 0, tzinfo=CST)
LATER = datetime(2026, 11, 25, tzinfo=CST)
FORMATS = ("eddsa-rdfc-2022", "eddsa-jcs-2022", "ecdsa-rdfc-2019", "vc-jwt")
CENTRE = "示范市职业技能鉴定指导中心"
NUMBER = "S000011000001263000001"
MM_PER_PT = 25.4 / 72
PAGE_W_MM, PAGE_H_MM = 210.0, 297.0


# -- fixtures --------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def font() -> CjkFont:
    """The system CJK font; its absence fails under CI and skips, with the reason, elsewhere."""
    try:
        return find_cjk_font()
    except ConfigurationError as exc:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"CI must install the certificate font: {exc}")
        pytest.skip(f"no CJK font on this machine: {exc}")


@pytest.fixture(scope="module")
def keys(tmp_path_factory: pytest.TempPathFactory) -> dict[str, KeyFile]:
    folder = tmp_path_factory.mktemp("keys")

    def make(name: str, algorithm: KeyAlgorithm) -> KeyFile:
        return write_key_file(folder / name, PrivateKey.generate(algorithm), passphrase=None,
                              issuer_name=CENTRE, uscc="12110000400000003A")

    return {"ed25519": make("ed.key", KeyAlgorithm.ED25519),
            "p256": make("p256.key", KeyAlgorithm.P256)}


def request(fmt: str, **changes: Any) -> IssueRequest:
    fields: dict[str, Any] = {
        "holder_name": "张三", "occupation": "6-31-01-03", "level": "L3",
        "id_number": "370102199001011234", "certificate_number": NUMBER,
        "valid_from": ISSUED, "assessment_id": "2026-BJ-0630", "proof_format": fmt,
    }
    fields.update(changes)
    return IssueRequest(**fields)


@pytest.fixture(scope="module")
def signed(keys: dict[str, KeyFile]) -> dict[str, str]:
    """Each format as the text of its file: JSON for Data Integrity, the JWS for vc-jwt."""
    out = {}
    for fmt in FORMATS:
        key = keys["p256"] if fmt == "ecdsa-rdfc-2019" else keys["ed25519"]
        out[fmt] = issue_one(key, request(fmt)).serialized
    return out


@pytest.fixture(scope="module")
def rendered(signed: dict[str, str], font: CjkFont,
             tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    folder = tmp_path_factory.mktemp("certificates")
    out = {}
    for fmt, text in signed.items():
        path = folder / f"{fmt}.pdf"
        out[fmt] = (render_certificate(text, path, font=font), path.read_bytes())
    return out


def rasterise(pdf: bytes, dpi: int = 150) -> Any:
    document = pdfium.PdfDocument(pdf)
    assert len(document) == 1, "a certificate is one page"
    return document[0].render(scale=dpi / 72).to_pil().convert("RGB")


def png(image: Any) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def page_text(pdf: bytes) -> str:
    page = pdfium.PdfDocument(pdf)[0]
    return str(page.get_textpage().get_text_range())


def char_boxes_mm(pdf: bytes) -> list[tuple[str, float, float, float, float]]:
    """(char, left, top, right, bottom) of every character drawn, in mm from the top left."""
    page = pdfium.PdfDocument(pdf)[0]
    textpage = page.get_textpage()
    height = page.get_height()
    boxes = []
    for index in range(textpage.count_chars()):
        left, bottom, right, top = textpage.get_charbox(index)
        char = textpage.get_text_range(index, 1)
        if not char.strip():
            continue
        boxes.append((char, left * MM_PER_PT, (height - top) * MM_PER_PT,
                      right * MM_PER_PT, (height - bottom) * MM_PER_PT))
    return boxes


def embedded_fonts(pdf: bytes) -> dict[str, tuple[bool, int]]:
    """Base font name -> (embedded, bytes of font data), as pdfium sees the text objects."""
    page = pdfium.PdfDocument(pdf)[0]
    fonts: dict[str, tuple[bool, int]] = {}
    for obj in page.get_objects(filter=[pdfium_raw.FPDF_PAGEOBJ_TEXT]):
        handle = pdfium_raw.FPDFTextObj_GetFont(obj.raw)
        length = pdfium_raw.FPDFFont_GetBaseFontName(handle, None, 0)
        name = ctypes.create_string_buffer(length)
        pdfium_raw.FPDFFont_GetBaseFontName(handle, name, length)
        size = ctypes.c_size_t(0)
        pdfium_raw.FPDFFont_GetFontData(handle, None, 0, ctypes.byref(size))
        fonts[name.value.decode()] = (bool(pdfium_raw.FPDFFont_GetIsEmbedded(handle)),
                                      size.value)
    return fonts


def unsigned(**changes: Any) -> dict[str, Any]:
    """An unsigned skill credential document (rendering does not verify)."""
    fields: dict[str, Any] = {
        "issuer": Issuer(id="did:web:skills.example.cn", name=CENTRE,
                         uscc="12110000400000003A"),
        "holder_name": "张三",
        "occupation": Occupation("6-31-01-03", "2022", "电工"),
        "level": LEVELS["L3"],
        "certificate_number": NUMBER,
        "valid_from": ISSUED,
    }
    fields.update(changes)
    return new_skill_credential(**fields).to_json()


# -- the font --------------------------------------------------------------------------------


def test_the_pdf_embeds_a_subset_of_the_cjk_font(rendered: dict[str, Any], font: CjkFont) -> None:
    info, pdf = rendered["eddsa-rdfc-2022"]
    # The font program is in the file (FontFile3 for CFF outlines, FontFile2 for TrueType),
    # not just referenced by name.
    assert re.search(rb"/FontFile[23]\b", pdf), "no embedded font program"
    postscript = re.sub(r"[^A-Za-z0-9]", "", font.name)  # "NotoSerifCJKSC"
    names = re.findall(rb"/BaseFont\s*/([A-Z]{6})\+([^\s/<>\[\]()]+)", pdf)
    assert names, "the fonts are not subsets (no ABCDEF+ tag)"
    assert {tag.decode() + "+" + name.decode() for tag, name in names}
    assert any(name.decode().startswith(postscript) for _, name in names), names
    fonts = embedded_fonts(pdf)
    assert fonts and all(embedded and size > 0 for embedded, size in fonts.values()), fonts
    # A subset: the whole Noto CJK collection is tens of megabytes, the page far less.
    assert len(pdf) < 400_000
    assert sum(size for _, size in fonts.values()) < 200_000
    assert info.font == font


def test_the_page_carries_the_facts_as_text(rendered: dict[str, Any]) -> None:
    info, pdf = rendered["eddsa-rdfc-2022"]
    text = page_text(pdf)
    for expected in ("张三", NUMBER, "职业技能等级证书", "VOCATIONAL SKILL LEVEL CERTIFICATE",
                     "电工", "6-31-01-03", "Electrician", "三级/高级工", "Level 3 / Senior Worker",
                     CENTRE, "12110000400000003A", "2026年6月30日", "30 June 2026",
                     "3701**********1234", "扫描二维码，离线核验本证书",
                     "Scan the QR code to verify this certificate offline",
                     "发证机构（盖章）", "照片 Photo", info.facts.credential_id):
        assert expected in text, f"{expected!r} missing from the page text"
    assert "370102199001011234" not in text  # only the masked identity number


@pytest.mark.parametrize("fmt", FORMATS)
def test_every_proof_format_renders(fmt: str, rendered: dict[str, Any]) -> None:
    info, pdf = rendered[fmt]
    assert pdf.startswith(b"%PDF-")
    assert info.size == len(pdf)
    facts = info.facts
    assert (facts.holder_name, facts.certificate_number, facts.level_code) == ("张三", NUMBER, "L3")
    assert facts.secured_as == ("vc+jwt" if fmt == "vc-jwt" else fmt)
    text = page_text(pdf)
    assert "张三" in text and NUMBER in text


# -- the QR code -----------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", FORMATS)
def test_the_qr_code_verifies_from_a_150_dpi_rasterisation(
    fmt: str, signed: dict[str, str], rendered: dict[str, Any]
) -> None:
    from vcskill.qr.image import credential_from_image

    _, pdf = rendered[fmt]
    decoded = credential_from_image(png(rasterise(pdf, 150)))
    verifier = Verifier()
    original = verifier.check(signed[fmt], at=LATER)
    scanned = verifier.check(decoded, at=LATER)
    assert scanned.outcome is original.outcome
    assert [c.to_json() for c in scanned.checks] == [c.to_json() for c in original.checks]
    assert scanned.to_json() == original.to_json()
    # did:key issuers: the proof is checked without a registry (the outcome stays
    # indeterminate until one is given, for the scan as for the file)
    proof = next(c for c in scanned.checks if c.id is CheckId.PROOF)
    assert proof.passed, proof


def test_the_qr_code_is_large_sharp_and_has_its_quiet_zone(
    signed: dict[str, str], rendered: dict[str, Any]
) -> None:
    from vcskill.qr.image import make_qr
    from vcskill.qr.payload import encode_payload

    info, pdf = rendered["vc-jwt"]
    assert info.qr_modules * info.qr_module_mm >= QR_MIN_MM
    pixels = info.qr_module_mm / 25.4 * 150
    assert pixels >= 3 and abs(pixels - round(pixels)) < 1e-6, "modules are whole pixels"
    step = round(pixels)
    image = rasterise(pdf, 150).convert("L")
    x, y = (round(v / 25.4 * 150) for v in info.qr_position_mm)
    assert all(abs(v / 25.4 * 150 - round(v / 25.4 * 150)) < 1e-6 for v in info.qr_position_mm)
    side = round(info.qr_size_mm / 25.4 * 150)
    quiet = 4 * step
    assert side == info.qr_modules * step + 2 * quiet
    ring = [image.getpixel((x + i, y + j)) for i in range(side) for j in range(side)
            if min(i, j) < quiet or max(i, j) >= side - quiet]
    assert min(ring) == 255, "the quiet zone is not clean white"
    # Every pixel of every module has the module's colour: the page holds exactly the symbol
    # for the credential, with no grey or widened edges to misread.
    matrix = make_qr(encode_payload(signed["vc-jwt"].strip()), error="m").matrix
    assert len(matrix) == info.qr_modules
    wrong = [(row, col) for row, cells in enumerate(matrix) for col, dark in enumerate(cells)
             for i in range(step) for j in range(step)
             if image.getpixel((x + quiet + col * step + i, y + quiet + row * step + j))
             != (0 if dark else 255)]
    assert not wrong, f"{len(wrong)} pixels differ, first at module {wrong[0]}"


@pytest.mark.parametrize("name", ["credential-1-eddsa-rdfc-2022.json", "credential-4-vc-jwt.jwt"])
def test_the_printed_page_verifies_through_the_cli(name: str, font: CjkFont,
                                                   tmp_path: Path) -> None:
    """Issue #6's "done when": the demo's credential, printed and rasterised at 150 dpi,
    is VERIFIED by ``vcskill verify page.png`` against the demo's registry and status lists."""
    from click.testing import CliRunner

    from vcskill.cli import main
    from vcskill.demo import run_demo

    demo = tmp_path / "demo"
    assert run_demo(demo, echo=lambda line: None)
    certificate = tmp_path / "certificate.pdf"
    render_certificate((demo / name).read_bytes(), certificate, font=font)
    page = tmp_path / "page.png"
    page.write_bytes(png(rasterise(certificate.read_bytes(), 150)))
    # The scan, and the PDF itself (its first page is read as a scan is: issue #11).
    for printed in (page, certificate):
        result = CliRunner().invoke(main, [
            "verify", str(printed), "--registry", str(demo / "registry.json"),
            "--trust-root", str(demo / "regulator" / "registry" / "root.json"),
            "--status-dir", str(demo / "status"),
        ])
        assert result.exit_code == 0, (printed.name, result.output)
        assert result.stdout.startswith("VERIFIED"), result.stdout


def test_a_pdf_without_a_code_or_damaged_says_so(tmp_path: Path) -> None:
    from fpdf import FPDF

    from vcskill.errors import Code, Error
    from vcskill.verifying.inputs import credential_from_input

    blank = FPDF()
    blank.add_page()
    with pytest.raises(Error) as empty:
        credential_from_input(bytes(blank.output()))
    assert empty.value.code is Code.IMAGE_ERROR
    assert "no QR code was found on the first page of the PDF" in str(empty.value)
    with pytest.raises(Error) as damaged:
        credential_from_input(b"%PDF-1.7\n" + b"\x00" * 500)
    assert damaged.value.code is Code.IMAGE_ERROR
    assert "the PDF cannot be read" in str(damaged.value)


def test_rendering_is_reproducible(signed: dict[str, str], font: CjkFont) -> None:
    first, _ = certificate_pdf(signed["eddsa-rdfc-2022"], font=font)
    second, _ = certificate_pdf(signed["eddsa-rdfc-2022"], font=font)
    assert first == second


# -- hostile text ----------------------------------------------------------------------------

HOSTILE_NAME = ("\u202e张三\u202c\u200f\x1b[31m\x07\r\n" + "李" * 60
                + "Alexander Maximilian " * 15 + "😀e\u0301\u0301\u0301\u0301\ue000")


def test_hostile_text_is_neutralised_and_stays_in_its_box(font: CjkFont) -> None:
    doc = unsigned(holder_name="张三")
    subject = doc["credentialSubject"]
    subject["name"] = HOSTILE_NAME
    doc["issuer"]["name"] = CENTRE * 9 + "\u2066\u2069"
    occupation = subject["achievement"]["occupation"]
    occupation["name"] = "电工" * 40
    occupation["workType"] = "高压\u2028电工" * 12
    subject["certificateNumber"] = "S" * 300
    pdf, info = certificate_pdf(json.dumps(doc, ensure_ascii=False), font=font)
    text = page_text(pdf)
    for raw in ("\u202e", "\u202c", "\u200f", "\x1b", "\x07", "\u2028", "\u2066", "\ue000"):
        assert raw not in text, f"{raw!r} reached the page"
    for shown in ("\\u202e", "\\u001b", "\\u0007", "张三", "…"):
        assert shown in text, shown
    assert "\u0301\u0301" not in text  # stacked combining marks are escaped after the first
    # Everything drawn stays inside the inner frame, and nothing covers the QR code.
    x, y = info.qr_position_mm
    size = info.qr_size_mm
    for char, left, top, right, bottom in char_boxes_mm(pdf):
        assert left > 12.5 and right < PAGE_W_MM - 12.5, (char, left, right)
        assert top > 12.5 and bottom < PAGE_H_MM - 12.5, (char, top, bottom)
        overlaps = left < x + size and right > x and top < y + size and bottom > y
        assert not overlaps, (char, left, top)
        px, py, pw, ph = info.photo_box_mm  # nor the photo's space
        in_photo = left < px + pw and right > px and top < py + ph and bottom > py
        assert not in_photo or char in "照片Photo ", (char, left, top)
    # and the QR code still reads
    from vcskill.qr.image import credential_from_image

    assert json.loads(credential_from_image(png(rasterise(pdf)))) == doc


def test_neutralise() -> None:
    assert neutralise("张三") == "张三"
    assert neutralise("a\u202eb\x00c\n") == "a\\u202eb\\u0000c\\u000a"
    assert neutralise("\U000e0001") == "\\U000e0001"  # a tag character (Cf) above the BMP
    assert neutralise("e\u0301\u0301") == "e\u0301\\u0301"
    assert neutralise("x😀", has_glyph=lambda ch: ch != "😀") == "x\\U0001f600"
    assert neutralise(None) == ""


# -- content ---------------------------------------------------------------------------------


def test_the_issue_date_is_the_day_in_china_standard_time(font: CjkFont) -> None:
    # 16:30 UTC on 29 June is 00:30 on 30 June in Beijing
    doc = unsigned(valid_from=datetime(2026, 6, 29, 16, 30, tzinfo=UTC))
    pdf, info = certificate_pdf(doc, font=font)
    assert info.facts.issued_zh == "2026年6月30日"
    assert info.facts.issued_en == "30 June 2026"
    assert "2026年6月30日" in page_text(pdf)


@pytest.mark.parametrize(("lang", "present", "absent"), [
    ("zh", ("职业技能等级证书", "姓", "扫描二维码", "年版《中华人民共和国职业分类大典》",
            "发证机构（盖章）"),
     ("Name", "Scan the QR code", "Electrician", "Seal")),
    ("en", ("VOCATIONAL SKILL LEVEL CERTIFICATE", "Name", "30 June 2026", "Electrician",
            "Scan the QR code to verify", "Seal of the issuer", "Photo"),
     ("职业技能等级证书", "姓", "扫描", "2026年6月30日", "盖章")),
])
def test_one_language(lang: str, present: tuple[str, ...], absent: tuple[str, ...],
                      signed: dict[str, str], font: CjkFont) -> None:
    pdf, info = certificate_pdf(signed["eddsa-jcs-2022"], font=font, lang=lang)
    text = page_text(pdf)
    for expected in present:
        assert expected in text, expected
    for unexpected in absent:
        assert unexpected not in text, unexpected
    assert "张三" in text and NUMBER in text  # values are printed as issued
    assert info.lang == lang


def test_an_unknown_language_is_a_usage_error(signed: dict[str, str], font: CjkFont) -> None:
    with pytest.raises(UsageError):
        certificate_pdf(signed["eddsa-jcs-2022"], font=font, lang="fr")


def test_read_credential_accepts_text_bytes_and_a_mapping(signed: dict[str, str]) -> None:
    jwt = signed["vc-jwt"]
    for given in (jwt, jwt.encode(), jwt.strip()):
        facts, qr_form = read_credential(given)
        assert facts.secured_as == "vc+jwt" and qr_form == jwt.strip()
    doc = json.loads(signed["eddsa-rdfc-2022"])
    for given_doc in (doc, json.dumps(doc), json.dumps(doc).encode()):
        facts, qr_form = read_credential(given_doc)
        assert facts.secured_as == "eddsa-rdfc-2022" and qr_form is given_doc
    assert isinstance(doc, Mapping)


@pytest.mark.parametrize(("bad", "code"), [
    (b"\x89PNG not json", Code.PARSING_ERROR),
    ("[]", Code.PARSING_ERROR),
    ('{"type": ["VerifiableCredential"]}', Code.MALFORMED_VALUE_ERROR),
    ("eyJhbGciOiJFZERTQSJ9.bm90IGpzb24.c2ln", Code.PARSING_ERROR),
])
def test_what_is_not_a_skill_credential_is_refused(bad: Any, code: Code, font: CjkFont,
                                                   tmp_path: Path) -> None:
    with pytest.raises(Error) as caught:
        render_certificate(bad, tmp_path / "x.pdf", font=font)
    assert caught.value.code is code, caught.value
    assert not (tmp_path / "x.pdf").exists()


def test_the_file_is_written_atomically_and_not_overwritten_without_force(
    signed: dict[str, str], font: CjkFont, tmp_path: Path
) -> None:
    out = tmp_path / "certificate.pdf"
    info = render_certificate(signed["eddsa-rdfc-2022"], out, font=font)
    assert info.path == out and out.read_bytes().startswith(b"%PDF-")
    assert [p.name for p in tmp_path.iterdir()] == ["certificate.pdf"]  # no temporary left
    out.write_bytes(b"keep")
    with pytest.raises(UsageError):
        render_certificate(signed["eddsa-rdfc-2022"], out, font=font, force=False)
    assert out.read_bytes() == b"keep"


# -- finding the font ------------------------------------------------------------------------


def test_a_missing_font_is_one_clear_configuration_error(
    signed: dict[str, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with pytest.raises(ConfigurationError) as caught:
        find_cjk_font({}, search=())
    error = caught.value
    assert error.code is Code.CONFIGURATION_ERROR
    message = str(error)
    assert "fonts-noto-cjk" in message and FONT_ENV in message
    assert message.count(". ") == 0 and "\n" not in message  # one sentence
    # the renderer reports it the same way, and writes nothing
    monkeypatch.delenv(FONT_ENV, raising=False)
    monkeypatch.setattr("vcskill.issuing.certificate.FONT_SEARCH", ())
    with pytest.raises(ConfigurationError) as again:
        render_certificate(signed["eddsa-rdfc-2022"], tmp_path / "c.pdf")
    assert again.value.code is Code.CONFIGURATION_ERROR
    assert not (tmp_path / "c.pdf").exists()


def test_the_environment_variable_names_the_font(font: CjkFont, tmp_path: Path) -> None:
    chosen = find_cjk_font({FONT_ENV: str(font.regular)}, search=())
    assert chosen.regular == chosen.bold == font.regular
    assert chosen.regular_face == font.regular_face  # the Simplified Chinese face
    with pytest.raises(ConfigurationError, match=FONT_ENV):
        find_cjk_font({FONT_ENV: str(tmp_path / "missing.ttf")}, search=())
    junk = tmp_path / "junk.ttf"
    junk.write_bytes(b"not a font at all")
    with pytest.raises(ConfigurationError, match="not a TrueType or OpenType font"):
        find_cjk_font({FONT_ENV: str(junk)}, search=())


def test_a_font_without_chinese_is_refused(tmp_path: Path) -> None:
    latin = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")
    if not latin.is_file():
        # build a tiny Latin-only font so the test never depends on what is installed
        from fontTools.fontBuilder import FontBuilder
        from fontTools.pens.ttGlyphPen import TTGlyphPen

        builder = FontBuilder(1000, isTTF=True)
        builder.setupGlyphOrder([".notdef", "A"])
        builder.setupCharacterMap({ord("A"): "A"})
        pen = TTGlyphPen(None)
        pen.moveTo((0, 0))
        pen.lineTo((500, 700))
        pen.lineTo((1000, 0))
        pen.closePath()
        glyph = pen.glyph()
        builder.setupGlyf({".notdef": glyph, "A": glyph})
        builder.setupHorizontalMetrics({".notdef": (1000, 0), "A": (1000, 0)})
        builder.setupHorizontalHeader(ascent=800, descent=-200)
        builder.setupNameTable({"familyName": "Latin", "styleName": "Regular"})
        builder.setupOS2()
        builder.setupPost()
        latin = tmp_path / "latin.ttf"
        builder.save(str(latin))
    with pytest.raises(ConfigurationError, match="cannot draw Chinese text") as caught:
        find_cjk_font({FONT_ENV: str(latin)}, search=())
    assert "fonts-noto-cjk" in str(caught.value)



# -- as an institution prints it (issue #11) ---------------------------------------------------


def _photo(**exif: Any) -> bytes:
    from PIL import Image

    picture = Image.new("RGB", (300, 420), (200, 210, 230))
    out = io.BytesIO()
    metadata = Image.Exif()
    metadata[0x010E] = "taken at 39.9042N 116.4074E"  # ImageDescription
    picture.save(out, format="JPEG", exif=metadata)
    return out.getvalue()


def test_the_photo_and_the_verification_address_are_printed(signed: dict[str, str],
                                                            font: CjkFont) -> None:
    photo = _photo()
    assert b"116.4074E" in photo
    pdf, info = certificate_pdf(signed["eddsa-rdfc-2022"], font=font, photo=photo,
                                verify_url="https://verify.example.cn/")
    text = page_text(pdf)
    assert "扫码或访问 https://verify.example.cn/ 核验" in text
    assert "Scan, or visit https://verify.example.cn/, to verify" in text
    assert "vcskill verify" not in text and "照片 Photo" not in text  # the photo fills it
    assert b"116.4074E" not in pdf  # the photo's metadata stays behind
    import pypdfium2

    page = pypdfium2.PdfDocument(pdf)[0]
    images = [o for o in page.get_objects() if o.type == pypdfium2.raw.FPDF_PAGEOBJ_IMAGE]
    assert len(images) == 1
    left, bottom, right, top = images[0].get_bounds()
    # inside the 25 x 35 mm space (the picture is cut to fill it)
    assert right - left >= 25 * 72 / 25.4 - 1 and top - bottom >= 35 * 72 / 25.4 - 1
    # and the QR code still reads from a print of the page
    from vcskill.qr.image import credential_from_image

    assert json.loads(credential_from_image(png(rasterise(pdf)))) == \
        json.loads(signed["eddsa-rdfc-2022"])
    assert info.qr_size_mm >= 40


def test_the_occupation_code_is_printed_once_and_the_assessment_id_when_present(
        font: CjkFont) -> None:
    doc = unsigned()
    doc["credentialSubject"]["assessmentId"] = "PJ-2026-0042"
    pdf, _info = certificate_pdf(doc, font=font)
    text = page_text(pdf)
    assert text.count("6-31-01-03") == 1
    assert "认定考核编号" in text and "PJ-2026-0042" in text
    assert "认定考核编号" not in page_text(certificate_pdf(unsigned(), font=font)[0])


@pytest.mark.parametrize(("photo", "url", "message"), [
    (b"GIF89a....", None, "PNG or JPEG"),
    (b"\x89PNG\r\n\x1a\n" + b"\0" * 40, None, "damaged"),
    (None, "http://verify.example.cn/", "https://"),
    (None, "https://verify.example.cn/\u202e", "printable"),
])
def test_a_bad_photo_or_address_is_a_usage_error(photo: bytes | None, url: str | None,
                                                 message: str, signed: dict[str, str],
                                                 font: CjkFont) -> None:
    with pytest.raises(UsageError, match=message):
        certificate_pdf(signed["eddsa-rdfc-2022"], font=font, photo=photo, verify_url=url)
