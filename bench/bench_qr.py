"""QR payloads: size, QR version and encode/decode time of a skill credential in each format.

Run from the repository root:  python bench/bench_qr.py [iterations] [--table]

The baseline, measured in the same run, is the straightforward way to put a credential in a
QR code: its compact JSON (or the JWS) as UTF-8 bytes in byte mode, no compression, a PNG
written by segno and read back by zxing-cpp. Ours is ``vcskill.qr``: ``VCS1:`` + base45 of
DEFLATE with the version 1 preset dictionary, in alphanumeric mode. Sizes are printed as
ratios against the baseline (lower is smaller), times as baseline / ours (higher is faster).
Encoding includes writing the PNG; decoding includes reading the PNG with zxing-cpp.

``--table`` prints instead the table of ADR 0006: bytes, characters and QR version at L/M/Q
of each encoding option for each format, with and without a status entry pair. The CBOR row
needs cbor2; the "CBOR-LD-like" row is an estimate (see ``_cbor_ld_like``).
"""

from __future__ import annotations

import base64
import dataclasses
import io
import json
import sys
import tempfile
import zlib
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import segno  # noqa: E402
import zxingcpp  # noqa: E402
from PIL import Image  # noqa: E402
from timing import best_of_three  # noqa: E402  (bench/timing.py, beside this script)

from vcskill.issuing.request import IssueRequest, build_credential  # noqa: E402
from vcskill.issuing.revocation import PURPOSES, list_url  # noqa: E402
from vcskill.issuing.signing import ProofFormat, sign_credential  # noqa: E402
from vcskill.keys.keyfile import KeyFile, write_key_file  # noqa: E402
from vcskill.keys.keypair import KeyAlgorithm, PrivateKey  # noqa: E402
from vcskill.keys.multibase import decode_base58btc_multibase  # noqa: E402
from vcskill.qr import image as qr_image  # noqa: E402
from vcskill.qr import payload as qr_payload  # noqa: E402
from vcskill.status.statuslist import status_entry  # noqa: E402

CST = timezone(timedelta(hours=8))
WARM_UP = 5
FORMATS = ("eddsa-rdfc-2022", "eddsa-jcs-2022", "ecdsa-rdfc-2019", "vc-jwt")
WEB = "skills.example.cn"


def _time(fn: Callable[[], Any], iterations: int) -> float:
    return best_of_three(fn, iterations, warm_up=WARM_UP)


def _credentials() -> dict[tuple[str, str], Any]:
    """Typical credentials: "plain" from a did:key issuer without a ledger, "status" from a
    did:web issuer with a revocation and a suspension entry (as
    vcskill.issuing.revocation issues)."""
    folder = Path(tempfile.mkdtemp(prefix="vcskill-bench-qr-"))

    def key(name: str, algorithm: KeyAlgorithm, web: str | None) -> KeyFile:
        return write_key_file(folder / name, PrivateKey.generate(algorithm), passphrase=None,
                              issuer_name="示范市职业技能鉴定指导中心",
                              uscc="12110000400000003A", did_web=web)

    keys = {(alg, variant): key(f"{alg.value}-{variant}", alg, WEB if variant == "status"
                                else None)
            for alg in (KeyAlgorithm.ED25519, KeyAlgorithm.P256)
            for variant in ("plain", "status")}
    out: dict[tuple[str, str], Any] = {}
    for fmt in FORMATS:
        for variant in ("plain", "status"):
            algorithm = KeyAlgorithm.P256 if fmt.startswith("ecdsa") else KeyAlgorithm.ED25519
            key_file = keys[(algorithm, variant)]
            credential, _ = build_credential(key_file, IssueRequest(
                holder_name="张三", occupation="6-31-01-03", level="L3",
                id_number="370102199001011234", certificate_number="S000011000001263000001",
                valid_from=datetime(2026, 6, 30, 9, tzinfo=CST), assessment_id="2026-BJ-0630"))
            if variant == "status":
                credential = dataclasses.replace(credential, credential_status=tuple(
                    status_entry(list_url(f"https://{WEB}/status", 1, p), 4711, p)
                    for p in PURPOSES))
            out[(fmt, variant)] = sign_credential(
                credential.to_json(), key_file.private_key, proof_format=ProofFormat(fmt),
                verification_method=key_file.metadata.verification_method)
    return out


def _compact(credential: Any) -> bytes:
    if isinstance(credential, str):
        return credential.encode("ascii")
    return json.dumps(credential, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def _versions(content: str | bytes, mode: str) -> str:
    found = []
    for level in "LMQ":
        try:
            code = segno.make_qr(content, error=level, mode=mode, boost_error=False)
            found.append(str(code.version))
        except segno.DataOverflowError:
            found.append(">40")
    return "/".join(found)


def _deflate(data: bytes, zdict: bytes | None = None) -> bytes:
    extra = {"zdict": zdict} if zdict else {}
    packer = zlib.compressobj(9, zlib.DEFLATED, -15, 9, zlib.Z_DEFAULT_STRATEGY, **extra)
    return packer.compress(data) + packer.flush()


def _kinded(credential: Any) -> bytes:
    """The body vcskill.qr compresses (a kind byte and the compact JSON or the JWS parts)."""
    return qr_payload._body(credential, qr_payload.DEFAULT_LIMITS)


def _cbor_ld_like(credential: Any) -> bytes | None:
    """An estimate of CBOR-LD (W3C CBOR-LD 1.0) on our credential, erring small.

    CBOR-LD replaces the terms of the contexts (member names and type names) by small
    integers and has codecs for URLs, urn:uuid, did:key, multibase values, xsd:dateTime and
    cryptosuite names. Here every member name and every type name becomes an integer, the
    contexts and cryptosuite integers, uuids 16 bytes, did:key and multibase values their
    bytes, dates seconds, https URLs a scheme code and the rest. Other strings (the Chinese
    and English texts, hashes, salts) stay: a registry type table could enumerate fixed
    texts, but that is our own table, no better than our dictionary. vc-jwt: not applicable.
    """
    import cbor2

    if isinstance(credential, str):
        return None
    terms: dict[str, int] = {}

    def term(name: str) -> int:
        return terms.setdefault(name, 100 + len(terms))

    def value(v: Any, key: str = "") -> Any:
        if isinstance(v, dict):
            return {term(k): value(x, k) for k, x in v.items()}
        if isinstance(v, list):
            return [value(x, key) for x in v]
        if not isinstance(v, str):
            return v
        if key in ("type", "@context", "cryptosuite", "proofPurpose", "statusPurpose"):
            return term(v)
        if v.startswith("urn:uuid:"):
            return cbor2.CBORTag(1024, bytes.fromhex(v[9:].replace("-", "")))
        if v.startswith("did:key:"):
            return [decode_base58btc_multibase(part.removeprefix("did:key:"))
                    for part in v.split("#")]
        if key == "proofValue" and v.startswith("z"):
            return decode_base58btc_multibase(v)
        if key in ("validFrom", "created"):
            return int(datetime.fromisoformat(v.replace("Z", "+00:00")).timestamp())
        if v.startswith("https://"):
            return [1, v[8:]]
        return v

    return bytes(cbor2.dumps(value(credential)))


def _table(credentials: dict[tuple[str, str], Any]) -> None:
    try:
        import cbor2
    except ImportError:  # pragma: no cover - optional for the table
        cbor2 = None
    print("| format | status entries | encoding | bytes | QR chars | version L/M/Q |")
    print("|---|---|---|---|---|---|")
    for (fmt, variant), credential in credentials.items():
        raw = _compact(credential)
        rows: list[tuple[str, int, int, str]] = [
            ("JSON/JWS, byte mode (baseline)", len(raw), len(raw), _versions(raw, "byte"))]
        packed = _deflate(_kinded(credential))
        text = "VCS1:" + qr_payload._b45encode(packed)
        rows.append(("DEFLATE + base45", len(packed), len(text),
                     _versions(text, "alphanumeric")))
        if cbor2 is not None:
            if isinstance(credential, str):
                parts = [base64.urlsafe_b64decode(p + "=" * (-len(p) % 4))
                         for p in credential.split(".")]
                body = cbor2.dumps([parts[0], json.loads(parts[1]), parts[2]])
            else:
                body = cbor2.dumps(credential)
            packed = _deflate(body)
            text = "VCS1:" + qr_payload._b45encode(packed)
            rows.append(("CBOR + DEFLATE + base45", len(packed), len(text),
                         _versions(text, "alphanumeric")))
            like = _cbor_ld_like(credential)
            if like is not None:
                text = "VCS1:" + qr_payload._b45encode(like)
                rows.append(("CBOR-LD-like (estimate) + base45", len(like), len(text),
                             _versions(text, "alphanumeric")))
                packed = _deflate(like)
                text = "VCS1:" + qr_payload._b45encode(packed)
                rows.append(("CBOR-LD-like (estimate) + DEFLATE + base45", len(packed),
                             len(text), _versions(text, "alphanumeric")))
        payload = qr_payload.encode_payload(credential)
        packed_len = len(qr_payload._b45decode(payload[len(qr_payload.PREFIX):]))
        rows.append(("**DEFLATE + dictionary + base45 (VCS1)**", packed_len, len(payload),
                     _versions(payload, "alphanumeric")))
        status = "2" if variant == "status" else "0"
        for name, size, chars, versions in rows:
            print(f"| {fmt} | {status} | {name} | {size:,} | {chars:,} | {versions} |")


def main() -> None:
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    iterations = int(args[0]) if args else 30
    credentials = _credentials()
    if "--table" in sys.argv:
        _table(credentials)
        return

    def baseline_png(raw: bytes) -> bytes:
        out = io.BytesIO()
        segno.make_qr(raw, error="l", mode="byte").save(out, kind="png", scale=8, border=4)
        return out.getvalue()

    def baseline_read(png: bytes) -> bytes:
        found = zxingcpp.read_barcodes(Image.open(io.BytesIO(png)).convert("L"))
        return bytes(found[0].bytes)

    def ours_png(credential: Any) -> bytes:
        return qr_image.make_qr(qr_payload.encode_payload(credential)).to_png()

    print(f"QR code of a typical skill credential (no status entry), {iterations} iterations "
          f"x 3 rounds after {WARM_UP} warm-up, best round; 8 px a module. The baseline needs "
          "error correction L to fit at all (raw JSON at M overflows version 40); ours is at M.")
    print(f"{'':32} {'size':>9} {'version':>8} {'encode (PNG)':>17} {'decode (PNG)':>17}")
    for (fmt, variant), credential in credentials.items():
        if variant != "plain":
            continue  # with status entries most do not fit a baseline QR code at all
        raw = _compact(credential)
        base_png, png = baseline_png(raw), ours_png(credential)
        assert baseline_read(base_png) == raw
        assert qr_image.credential_from_image(png) == raw
        payload = qr_payload.encode_payload(credential)
        base_version = f"{segno.make_qr(raw, error='l', mode='byte').version}-L"
        version = f"{qr_image.make_qr(payload).version}-M"
        base_enc = _time(lambda raw=raw: baseline_png(raw), iterations)
        enc = _time(lambda c=credential: ours_png(c), iterations)
        base_dec = _time(lambda p=base_png: baseline_read(p), iterations)
        dec = _time(lambda p=png: qr_image.credential_from_image(p), iterations)
        print(f"{'baseline: ' + fmt:32} {len(raw):>7,} B {base_version:>8} "
              f"{1000 * base_enc:7.2f} ms {'1.00x':>6} {1000 * base_dec:7.2f} ms "
              f"{'1.00x':>6}")
        print(f"{'vcskill.qr: ' + fmt:32} {len(payload) / len(raw):8.2f}x {version:>8} "
              f"{1000 * enc:7.2f} ms {base_enc / enc:5.2f}x {1000 * dec:7.2f} ms "
              f"{base_dec / dec:5.2f}x")


if __name__ == "__main__":
    main()
