"""``vcskill demo``: the whole flow on built-in defaults, leaving every artefact on disk.

What exists so far: issuer keys (Ed25519 and P-256), credentials in all four proof formats,
a forged copy, and offline verification of each. Every later capability (registry,
revocation, QR codes) adds its scenes here.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any

from vcskill.contexts import ContextStore
from vcskill.credential import SkillCredential
from vcskill.fileio import write_text_atomic
from vcskill.issuing import IssueRequest, issue_one
from vcskill.keys import KeyAlgorithm, PrivateKey, write_key_file
from vcskill.report import Outcome
from vcskill.skills import LEVELS
from vcskill.verifier import Verifier

CST = timezone(timedelta(hours=8))
ISSUER_NAME = "示范市职业技能鉴定指导中心"
ISSUER_USCC = "12110000400000003A"  # a well-formed demo code (GB 32100 check character)


@dataclass(frozen=True, slots=True)
class Scene:
    title: str
    file: Path
    expected: Outcome


def _fresh_workdir() -> Path:
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    path = Path.cwd() / f"vcskill-demo-{stamp}"
    suffix = 1
    while path.exists():
        suffix += 1
        path = Path.cwd() / f"vcskill-demo-{stamp}-{suffix}"
    return path


def run_demo(workdir: Path | None, *, echo: Callable[[str], Any] = print) -> bool:
    """Run the demo; return True when every verdict is the expected one."""
    workdir = workdir or _fresh_workdir()
    workdir.mkdir(parents=True, exist_ok=True)
    contexts = ContextStore.bundled()
    echo(f"vcskill demo in {workdir}")

    ed_key = write_key_file(workdir / "issuer-ed25519.key", PrivateKey.generate(),
                            passphrase=None, issuer_name=ISSUER_NAME, uscc=ISSUER_USCC,
                            force=True)
    p256_key = write_key_file(workdir / "issuer-p256.key",
                              PrivateKey.generate(KeyAlgorithm.P256), passphrase=None,
                              issuer_name=ISSUER_NAME, uscc=ISSUER_USCC, force=True)
    echo(f"  issuer {ISSUER_NAME}")
    echo(f"    Ed25519 key {ed_key.metadata.controller}")
    echo(f"    P-256 key   {p256_key.metadata.controller}")

    issued_on = datetime(2026, 6, 30, 9, 0, tzinfo=CST)
    people = [
        ("张三", "370102199001011234", "6-31-01-03", "L3", "eddsa-rdfc-2022", ed_key),
        ("李四", "110101198505052345", "6-18-02-04", "L4", "eddsa-jcs-2022", ed_key),
        ("王五", "440301199212123456", "4-03-02-01", "L2", "ecdsa-rdfc-2019", p256_key),
        ("赵六", "320102199707074567", "4-10-01-05", "L5", "vc-jwt", ed_key),
    ]
    scenes: list[Scene] = []
    for index, (name, id_number, occupation, level, suite, key_file) in enumerate(people, 1):
        # national layout: S, org 0000, province 11, site 000001, year 26, level, serial
        number = f"S00001100000126{level[1]}{index:06d}"
        result = issue_one(key_file, IssueRequest(
            holder_name=name, occupation=occupation, level=level, id_number=id_number,
            certificate_number=number, valid_from=issued_on, proof_format=suite,
            assessment_id="2026-BJ-0630",
        ), contexts=contexts)
        ext = "jwt" if suite == "vc-jwt" else "json"
        path = workdir / f"credential-{index}-{suite}.{ext}"
        write_text_atomic(path, result.serialized)
        scenes.append(Scene(f"{name}: {result.summary} [{suite}]", path,
                            Outcome.INDETERMINATE))

    # A forgery: the level raised from L3 to L1 after signing, every derived field (names,
    # achievement id, the certificate number's level digit) made to agree: only the
    # signature can tell.
    genuine = json.loads(scenes[0].file.read_text(encoding="utf-8"))
    model = SkillCredential.from_json(genuine)
    number = model.certificate_number
    forged = dataclasses.replace(
        model, level=LEVELS["L1"], certificate_number=number[:15] + "1" + number[16:]
    ).to_json()
    forged["proof"] = genuine["proof"]
    forged_path = workdir / "forged-level.json"
    write_text_atomic(forged_path, json.dumps(forged, ensure_ascii=False, indent=2) + "\n")
    scenes.append(Scene("张三's certificate with the level raised to L1 after signing",
                        forged_path, Outcome.INVALID))

    verifier = Verifier(contexts=contexts)
    at = datetime(2026, 11, 25, tzinfo=CST)
    echo("")
    echo(f"  {'verdict':<14} {'expected':<14} {'deciding check':<32} credential")
    all_as_expected = True
    for scene in scenes:
        report = verifier.check(scene.file.read_bytes(), at=at)
        first = report.first_failure
        deciding = f"{first.id} {first.code}" if first is not None else "all checks passed"
        ok = report.outcome == scene.expected
        all_as_expected &= ok
        mark = "" if ok else "  <-- UNEXPECTED"
        echo(f"  {report.outcome:<14} {scene.expected:<14} {deciding:<32} {scene.title}{mark}")
        write_text_atomic(scene.file.with_suffix(".report.json"),
                          json.dumps(report.to_json(), ensure_ascii=False, indent=2) + "\n")
    echo("")
    echo("  'indeterminate' means genuine and unaltered, but the issuer's approval was not "
         "checked: no trusted issuer registry exists yet in this demo.")
    echo("")
    echo("  files:")
    for path in sorted(workdir.iterdir()):
        echo(f"    {path}")
    echo("")
    echo("all verdicts as expected" if all_as_expected else "SOME VERDICTS WERE UNEXPECTED")
    return all_as_expected
