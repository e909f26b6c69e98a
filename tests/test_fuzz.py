"""Fuzzing every entry point that reads outside input (issue #10, step 6).

Only :class:`vcskill.errors.Error` may escape (``Verifier.check`` raises nothing at all), and
a one-bit change anywhere in a signed credential, in any proof format, or in a status list,
fails verification. Hypothesis drives the targets of ``fuzz/targets.py`` with arbitrary
bytes and with mutations of genuine inputs; a short atheris (libFuzzer) run per target shows
the coverage-guided harness works. Longer runs: ``python fuzz/run.py TARGET -max_total_time=600``.
"""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from contextlib import suppress
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fuzz.targets import TARGETS
from tests.world import World
from vcskill.errors import Error
from vcskill.keys.resolver import OfflineResolver
from vcskill.status.statuslist import DirectoryStatusSource
from vcskill.verifying.report import Outcome
from vcskill.verifying.verifier import Verifier

ROOT = Path(__file__).resolve().parent.parent
AT = datetime.now(UTC)
SIGNED = ("credential-1-eddsa-rdfc-2022.json", "credential-2-eddsa-jcs-2022.json",
          "credential-3-ecdsa-rdfc-2019.json", "credential-4-vc-jwt.jwt")
FUZZ = settings(max_examples=60, deadline=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


@st.composite
def mutated(draw: st.DrawFn, seed: bytes) -> bytes:
    """``seed`` with a few byte-level edits: bit flips, deletions, insertions, splices."""
    data = bytearray(seed)
    for _ in range(draw(st.integers(1, 6))):
        if not data:
            data += draw(st.binary(min_size=1, max_size=8))
            continue
        at = draw(st.integers(0, len(data) - 1))
        edit = draw(st.sampled_from(("flip", "delete", "insert", "repeat", "byte")))
        if edit == "flip":
            data[at] ^= 1 << draw(st.integers(0, 7))
        elif edit == "delete":
            del data[at:at + draw(st.integers(1, 16))]
        elif edit == "insert":
            data[at:at] = draw(st.sampled_from((b"{", b"}", b"[", b"]", b'"', b",", b":",
                                                b"\\", b"\x00", b"@id", b"\xff", b"1e999")))
        elif edit == "repeat":
            data[at:at] = data[at:at + draw(st.integers(1, 64))]
        else:
            data[at] = draw(st.integers(0, 255))
    return bytes(data)


# -- arbitrary bytes into every target -------------------------------------------------------


@pytest.mark.parametrize("name", sorted(set(TARGETS) - {"every"}))
@FUZZ
@given(data=st.binary(max_size=1024))
def test_arbitrary_bytes_raise_only_our_errors(name: str, data: bytes) -> None:
    TARGETS[name](data)


# -- mutations of genuine inputs -------------------------------------------------------------


@pytest.fixture(scope="module")
def verifier(world: World) -> Verifier:
    from did_registry.sources import load_cache

    registry, store = load_cache(world.cache, now=AT, trust_root=None)
    return Verifier(registry=registry, resolver=OfflineResolver(store.did_documents()),
                    status_lists=DirectoryStatusSource(world.status))


@pytest.mark.parametrize("name", SIGNED)
@FUZZ
@given(data=st.data())
def test_a_mutated_credential_is_reported_never_raised_or_verified(
        world: World, verifier: Verifier, name: str, data: st.DataObject) -> None:
    seed = world.credential(name)
    variant = data.draw(mutated(seed))
    report = verifier.check(variant, at=AT)  # never raises
    if variant != seed:
        assert report.outcome is not Outcome.VERIFIED or _same_json(variant, seed), (
            variant[:300])


def _same_json(a: bytes, b: bytes) -> bool:
    """A mutation that only touched whitespace between tokens, or around a vc+jwt, is the
    same credential."""
    if a.strip() == b.strip():
        return True
    try:
        return bool(json.loads(a) == json.loads(b))
    except ValueError:
        return False


@pytest.mark.parametrize("name", SIGNED)
@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_one_flipped_bit_anywhere_fails_verification(
        world: World, verifier: Verifier, name: str, data: st.DataObject) -> None:
    seed = world.credential(name).strip()
    bit = data.draw(st.integers(0, len(seed) * 8 - 1))
    flipped = bytearray(seed)
    flipped[bit // 8] ^= 1 << (bit % 8)
    report = verifier.check(bytes(flipped), at=AT)
    assert report.outcome is not Outcome.VERIFIED, (bit, bytes(flipped[bit // 8 - 20:
                                                                bit // 8 + 20]))


def _flip_each_bit(seed: bytes, start: int, end: int) -> list[bytes]:
    out = []
    for index in range(start, end):
        for bit in range(8):
            flipped = bytearray(seed)
            flipped[index] ^= 1 << bit
            out.append(bytes(flipped))
    return out


def test_no_bit_of_a_jwt_part_s_last_character_can_be_flipped(world: World,
                                                             verifier: Verifier) -> None:
    """The bits the last base64url character of a part carries beyond the data (RFC 4648
    §3.5): flipping them changes the token but not the decoded bytes, so only a check of
    the canonical encoding refuses the second token."""
    token = world.credential("credential-4-vc-jwt.jwt").strip()
    ends = [i - 1 for i, c in enumerate(token) if c == ord(".")] + [len(token) - 1]
    for end in ends:
        for flipped in _flip_each_bit(token, end, end + 1):
            assert not verifier.check(flipped, at=AT).verified, flipped[end - 3:end + 3]


@pytest.mark.parametrize("name", SIGNED[:3])
def test_no_bit_of_a_proof_value_can_be_flipped(world: World, verifier: Verifier,
                                               name: str) -> None:
    seed = world.credential(name)
    value = json.loads(seed)["proof"]["proofValue"].encode("ascii")
    start = seed.index(value)
    for flipped in _flip_each_bit(seed, start, start + len(value)):
        assert not verifier.check(flipped, at=AT).verified


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_one_flipped_bit_in_a_status_list_makes_it_not_genuine(
        world: World, verifier: Verifier, data: st.DataObject) -> None:
    seed = (world.status / "1-revocation.json").read_bytes().strip()
    verifier.check_status_list(seed, at=AT)  # the genuine list passes
    bit = data.draw(st.integers(0, len(seed) * 8 - 1))
    flipped = bytearray(seed)
    flipped[bit // 8] ^= 1 << (bit % 8)
    with pytest.raises(Error):
        verifier.check_status_list(bytes(flipped), at=AT)


@FUZZ
@given(data=st.data())
def test_a_mutated_registry_raises_only_registry_errors(world: World,
                                                         data: st.DataObject) -> None:
    from did_registry.pinning import parse_trust_anchor

    seed = world.registry.read_bytes()
    anchor = parse_trust_anchor(str(world.root))
    TARGETS["registry"](data.draw(mutated(seed)))
    from fuzz.targets import registry

    registry(data.draw(mutated(seed)), trusted_root=anchor.root_for(seed))


@FUZZ
@given(data=st.data())
def test_a_mutated_qr_payload_raises_only_our_errors(world: World, data: st.DataObject) -> None:
    from vcskill.qr.payload import decode_payload, encode_payload

    payload = encode_payload(world.credential("credential-1-eddsa-rdfc-2022.json"))
    text = data.draw(mutated(payload.encode("ascii"))).decode("latin-1")
    with suppress(Error):
        decode_payload(text)


@FUZZ
@given(data=st.data())
def test_a_mutated_photo_raises_only_our_errors(world: World, data: st.DataObject) -> None:
    png = (world.dir / "credential-1-eddsa-rdfc-2022.qr.png").read_bytes()
    TARGETS["image"](data.draw(mutated(png[:4096])))


@FUZZ
@given(data=st.data())
def test_a_mutated_key_file_raises_only_our_errors(world: World, data: st.DataObject) -> None:
    pem = (world.dir / "issuers" / "school.key").read_bytes()
    TARGETS["key_file"](data.draw(mutated(pem)))


@FUZZ
@given(rows=st.lists(st.lists(st.text(max_size=24), min_size=0, max_size=8), max_size=6))
def test_csv_rows_raise_only_our_errors(rows: list[list[str]]) -> None:
    import csv
    import io

    out = io.StringIO()
    csv.writer(out).writerows(rows)
    TARGETS["csv_rows"](out.getvalue().encode("utf-8"))


# -- atheris, briefly ---------------------------------------------------------------------------


@pytest.mark.skipif(importlib.util.find_spec("atheris") is None,
                    reason="atheris is installed with the test extra on x86_64 Linux only")
def test_a_short_atheris_run_finds_no_crash(tmp_path: Path) -> None:
    """Every target, chosen by the first byte, coverage-guided, a few seconds."""
    result = subprocess.run(
        [sys.executable, str(ROOT / "fuzz" / "run.py"), "every", "-runs=4000",
         "-max_len=2048", "-max_total_time=30", "-seed=1", f"-artifact_prefix={tmp_path}/"],
        capture_output=True, text=True, timeout=180, cwd=ROOT)
    assert result.returncode == 0, result.stderr[-3000:]
    assert "Done 4000 runs" in result.stderr, result.stderr[-2000:]
    assert not list(tmp_path.glob("crash-*")), result.stderr[-3000:]


def test_every_target_is_documented() -> None:
    text = (ROOT / "fuzz" / "targets.py").read_text(encoding="utf-8")
    assert all(f"def {name}(" in text for name in TARGETS)
    assert {"credential", "jwt", "qr_payload", "image", "registry", "status_list", "csv_rows",
            "key_file", "every"} == set(TARGETS)


__all__: list[Any] = []
