"""``vcskill demo``: the whole flow on built-in defaults, leaving every artefact on disk.

The world it builds:

* the national regulator's root (2 of 3 keys) and a provincial delegate for Beijing (11);
* three issuers in the registry: a skills centre (did:web, an Ed25519 and a P-256 key)
  approved throughout; a training school suspended for February 2026; an employer removed
  from the catalogue on 1 May 2026; and one institution that was never registered;
* the signed registry, and credentials from each issuer and period, in all four proof
  formats, plus two forgeries: a level raised after signing, and a revoked credential whose
  status entries are re-spelled so that the signature still matches;
* the centre's ledger and its signed status lists: one credential revoked, one suspended
  and then reinstated;
* the QR code of one credential, read back from the image;
* each verified offline against the registry, with the verdict expected for it.

Like the command line (``vcskill.cli``) this module wires ``vcskill`` and ``did_registry``
together, so it may import both; the library modules of ``vcskill`` never import ``did_registry``.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from vcskill.common.files import write_text_atomic
from vcskill.errors import InternalError, UsageError
from vcskill.issuing.ledger import Action
from vcskill.issuing.request import IssueRequest, issue_one
from vcskill.issuing.revocation import (
    default_status_url,
    issue_recorded,
    open_ledger,
    publish_status_lists,
)
from vcskill.keys.keyfile import KeyFile, write_key_file
from vcskill.keys.keypair import KeyAlgorithm, PrivateKey
from vcskill.linkeddata.contexts import ContextStore
from vcskill.model.credential import SkillCredential
from vcskill.model.skills import CHINA_STANDARD_TIME, LEVELS
from vcskill.qr.image import credential_from_image, looks_like_image, write_qr
from vcskill.status.statuslist import DirectoryStatusSource
from vcskill.verifying.report import Outcome
from vcskill.verifying.verifier import Verifier

REGULATOR = "人力资源社会保障部"
PROVINCE, PROVINCE_NAME = "11", "北京市人力资源和社会保障局"
CENTRE = "示范市职业技能鉴定指导中心"
CENTRE_USCC = "12110000400000003A"  # well-formed demo codes (GB 32100 check character)
CENTRE_WEB = "skills.example.cn"
SCHOOL, SCHOOL_USCC = "示范市第一职业培训学校", "52110000MJ0000012A"
COMPANY, COMPANY_USCC = "示范电气设备有限公司", "91110108MA01ABCD2H"
STRANGER = "未备案的某评价机构"


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


def _claim_workdir(workdir: Path) -> None:
    """Make ``workdir``, or take an empty one. A demo never writes into an earlier one:
    new keys beside an old ledger and old credentials would be a world that never was."""
    if workdir.exists() and not workdir.is_dir():
        raise UsageError(f"{workdir} is not a directory; choose another --workdir")
    if workdir.is_dir() and any(workdir.iterdir()):
        raise UsageError(
            f"{workdir} is not empty (an earlier demo?); the demo only writes into a new or "
            "empty folder: choose another --workdir, or remove this one first")
    workdir.mkdir(parents=True, exist_ok=True)


def _day(year: int, month: int, day: int) -> datetime:
    return datetime(year, month, day, tzinfo=CHINA_STANDARD_TIME)


def _key(path: Path, *, name: str, uscc: str | None = None, did_web: str | None = None,
         algorithm: KeyAlgorithm = KeyAlgorithm.ED25519) -> KeyFile:
    path.parent.mkdir(parents=True, exist_ok=True)
    return write_key_file(path, PrivateKey.generate(algorithm), passphrase=None,
                          issuer_name=name, uscc=uscc, did_web=did_web)


def _credential_id(path: Path) -> str:
    return str(json.loads(path.read_text(encoding="utf-8"))["id"])


def run_demo(workdir: Path | None, *, echo: Callable[[str], Any] = print) -> bool:
    """Run the demo; return True when every verdict is the expected one."""
    from did_registry import admin
    from did_registry.pinning import parse_trust_anchor
    from did_registry.registry import Registry

    workdir = workdir or _fresh_workdir()
    _claim_workdir(workdir)
    contexts = ContextStore.bundled()
    now = datetime.now(UTC)
    echo(f"vcskill demo in {workdir}")

    # -- the regulators and the registry ----------------------------------------------
    regulator = workdir / "regulator"
    roots = [_key(regulator / f"root-{i}.key", name=REGULATOR).private_key for i in (1, 2, 3)]
    province = _key(regulator / "beijing.key", name=PROVINCE_NAME).private_key
    reg = regulator / "registry"
    work = admin.init(reg, roots, name=REGULATOR, threshold=2)
    admin.delegate(reg, jurisdiction=PROVINCE, name=PROVINCE_NAME, keys=[province.public_key])
    echo(f"  regulator  {REGULATOR}: root of 2 of 3 keys, fingerprint {work.fingerprint}")
    echo(f"  delegate   {PROVINCE_NAME} signs the issuers of jurisdiction {PROVINCE}")

    issuers = workdir / "issuers"
    centre_ed = _key(issuers / "centre-ed25519.key", name=CENTRE, uscc=CENTRE_USCC,
                     did_web=CENTRE_WEB)
    centre_p256 = _key(issuers / "centre-p256.key", name=CENTRE, uscc=CENTRE_USCC,
                       did_web=CENTRE_WEB, algorithm=KeyAlgorithm.P256)
    school = _key(issuers / "school.key", name=SCHOOL, uscc=SCHOOL_USCC)
    company = _key(issuers / "company.key", name=COMPANY, uscc=COMPANY_USCC)
    stranger = _key(issuers / "stranger.key", name=STRANGER)

    approved = _day(2025, 1, 1)
    admin.add_issuer(
        reg, did=centre_ed.metadata.controller, name=CENTRE, uscc=CENTRE_USCC,
        category="social-training-evaluation-organisation", jurisdiction=PROVINCE,
        keys=[centre_ed.private_key.public_key, centre_p256.private_key.public_key],
        scopes=["6-31-01-03:L5-L1", "6-18-02-04:L5-L3", "4-03-02-01:L4-L2", "4-10-01-05:L5-L3"],
        approved_from=approved, other_names=["Demo City Vocational Skill Testing Centre"],
        status_url=default_status_url(centre_ed),
    )
    admin.add_issuer(reg, did=school.metadata.controller, name=SCHOOL, uscc=SCHOOL_USCC,
                     category="social-training-evaluation-organisation",
                     jurisdiction=PROVINCE, keys=[school.private_key.public_key],
                     scopes=["4-03-02-01:L5-L3"], approved_from=approved)
    admin.set_status(reg, did=school.metadata.controller, status="suspended",
                     start=_day(2026, 2, 1), end=_day(2026, 3, 1),
                     reason="suspended for over-issuing certificates")
    admin.add_issuer(reg, did=company.metadata.controller, name=COMPANY, uscc=COMPANY_USCC,
                     category="employer", jurisdiction=PROVINCE,
                     keys=[company.private_key.public_key], scopes=["6-31-01-03:L5-L3"],
                     approved_from=approved)
    admin.set_status(reg, did=company.metadata.controller, status="removed",
                     start=_day(2026, 5, 1), reason="left the enterprise evaluation catalogue")
    registry_file = workdir / "registry.json"
    published = admin.publish(reg, keys=[roots[0], roots[2], province], out=registry_file,
                              now=now)
    echo(f"  registry   v{published.version}: {published.issuers} issuers, expires "
         f"{published.expires:%Y-%m-%d} -> {registry_file}")
    echo(f"    {CENTRE} (did:web, Ed25519 + P-256): approved since 2025-01-01")
    echo(f"    {SCHOOL}: suspended 2026-02-01 to 2026-03-01 for over-issuing")
    echo(f"    {COMPANY}: removed from the catalogue on 2026-05-01")
    echo(f"    {STRANGER}: never registered")

    # -- credentials --------------------------------------------------------------------
    scenes: list[Scene] = []

    # The centre issues through its ledger, so its credentials can be revoked; the others
    # issue without one (their credentials carry no status entry).
    ledger = open_ledger(workdir / "issuers" / "centre.ledger", centre_ed)

    def issue(key_file: KeyFile, name: str, occupation: str, level: str, day: datetime,
              suite: str, file: str, title: str, expected: Outcome, serial: int) -> Path:
        # national layout: S, org 0000, province 11, site 000001, year 26, level, serial
        number = f"S0000{PROVINCE}000001{day:%y}{level[1]}{serial:06d}"
        request = IssueRequest(
            holder_name=name, occupation=occupation, level=level,
            certificate_number=number, valid_from=day, proof_format=suite,
            id_number=f"11010119900101{serial:04d}",
        )
        path = workdir / file
        if key_file.metadata.controller == centre_ed.metadata.controller:
            done = issue_recorded(key_file, request, ledger, path, now=now, contexts=contexts)
            if done.result is None:  # skip_issued is off: every row is signed
                raise InternalError(f"the demo credential {number} was not issued")
            result = done.result
        else:
            result = issue_one(key_file, request, contexts=contexts)
            write_text_atomic(path, result.serialized)
        scenes.append(Scene(f"{title}: {name}, {result.summary} [{suite}]", path, expected))
        return path

    june = _day(2026, 6, 30)
    first = issue(centre_ed, "张三", "6-31-01-03", "L3", june, "eddsa-rdfc-2022",
                  "credential-1-eddsa-rdfc-2022.json", "centre", Outcome.VERIFIED, 1)
    issue(centre_ed, "李四", "6-18-02-04", "L4", june, "eddsa-jcs-2022",
          "credential-2-eddsa-jcs-2022.json", "centre", Outcome.VERIFIED, 2)
    issue(centre_p256, "王五", "4-03-02-01", "L2", june, "ecdsa-rdfc-2019",
          "credential-3-ecdsa-rdfc-2019.json", "centre", Outcome.VERIFIED, 3)
    issue(centre_ed, "赵六", "4-10-01-05", "L5", june, "vc-jwt",
          "credential-4-vc-jwt.jwt", "centre", Outcome.VERIFIED, 4)
    revoked = issue(centre_ed, "冯十四", "6-31-01-03", "L4", june, "eddsa-rdfc-2022",
                    "centre-revoked.json", "centre, later revoked (exam fraud)",
                    Outcome.INVALID, 12)
    reinstated = issue(centre_ed, "褚十五", "6-31-01-03", "L4", june, "eddsa-rdfc-2022",
                       "centre-suspended-then-reinstated.json",
                       "centre, suspended for review, then reinstated", Outcome.VERIFIED, 13)
    issue(school, "孙七", "4-03-02-01", "L4", _day(2026, 1, 10), "eddsa-rdfc-2022",
          "school-before-suspension.json", "school, before its suspension",
          Outcome.VERIFIED, 5)
    issue(school, "周八", "4-03-02-01", "L4", _day(2026, 2, 10), "eddsa-rdfc-2022",
          "school-during-suspension.json", "school, while suspended", Outcome.INVALID, 6)
    issue(school, "吴九", "4-03-02-01", "L3", _day(2026, 3, 20), "eddsa-rdfc-2022",
          "school-after-suspension.json", "school, after reinstatement", Outcome.VERIFIED, 7)
    issue(school, "郑十", "4-03-02-01", "L1", _day(2026, 3, 20), "eddsa-rdfc-2022",
          "school-out-of-scope.json", "school, a level it may not certify",
          Outcome.INVALID, 8)
    issue(company, "钱十一", "6-31-01-03", "L4", _day(2026, 4, 15), "eddsa-rdfc-2022",
          "company-before-removal.json", "employer, before its removal", Outcome.VERIFIED, 9)
    issue(company, "陈十二", "6-31-01-03", "L4", _day(2026, 6, 15), "eddsa-rdfc-2022",
          "company-after-removal.json", "employer, after its removal", Outcome.INVALID, 10)
    issue(stranger, "林十三", "6-31-01-03", "L2", june, "eddsa-rdfc-2022",
          "unregistered-issuer.json", "an unregistered institution", Outcome.INVALID, 11)

    # The QR code a certificate carries: the whole signed credential, read back from the image.
    qr_image = workdir / "credential-1-eddsa-rdfc-2022.qr.png"
    qr_info = write_qr(first.read_bytes(), qr_image)
    echo(f"  QR code    version {qr_info.version}, error correction {qr_info.error.upper()} "
         f"-> {qr_image}")
    scenes.append(Scene("张三's credential, scanned from its QR code image", qr_image,
                        Outcome.VERIFIED))

    # A forgery: the level raised from L3 to L1 after signing, every derived field (names,
    # achievement id, the certificate number's level digit) made to agree: only the
    # signature can tell.
    genuine = json.loads(first.read_text(encoding="utf-8"))
    model = SkillCredential.from_json(genuine)
    number = model.certificate_number
    forged = dataclasses.replace(
        model, level=LEVELS["L1"], certificate_number=number[:15] + "1" + number[16:]
    ).to_json()
    forged["proof"] = genuine["proof"]
    forged_path = workdir / "forged-level.json"
    write_text_atomic(forged_path, json.dumps(forged, ensure_ascii=False, indent=2) + "\n")
    scenes.append(Scene("张三's centre certificate with the level raised to L1 after signing",
                        forged_path, Outcome.INVALID))

    # A forgery that keeps the signature: the revoked credential with its credentialStatus
    # key written as the full IRI it stands for. The RDF, and so the rdfc proof, are the same;
    # a reader looking for "credentialStatus" would find no status entry (ADR 0007).
    respelled = json.loads(revoked.read_text(encoding="utf-8"))
    respelled["https://www.w3.org/2018/credentials#credentialStatus"] = respelled.pop(
        "credentialStatus")
    respelled_path = workdir / "forged-respelled-status.json"
    write_text_atomic(respelled_path, json.dumps(respelled, ensure_ascii=False, indent=2) + "\n")
    scenes.append(Scene("冯十四's revoked certificate, its status entries re-spelled to hide "
                        "them", respelled_path, Outcome.INVALID))

    # -- revocation: the ledger records the changes; the signed lists carry them ----------
    ledger.change_status(_credential_id(revoked), Action.REVOKE,
                         reason="the assessment was found fraudulent", now=now)
    ledger.change_status(_credential_id(reinstated), Action.SUSPEND, reason="under review",
                         now=now)
    ledger.change_status(_credential_id(reinstated), Action.REINSTATE,
                         reason="review cleared the holder", now=now)
    status_dir = workdir / "status"
    published_lists = publish_status_lists(ledger, centre_ed, status_dir, now=now,
                                           contexts=contexts)
    ledger.close()
    echo(f"  status     {len(published_lists)} signed status lists of the centre -> "
         f"{status_dir} (one credential revoked, one suspended then reinstated)")

    # -- verification, offline, from the pinned root ------------------------------------
    anchor = parse_trust_anchor(str(reg / "root.json"))
    document = registry_file.read_bytes()
    registry = Registry.load(document, trusted_root=anchor.root_for(document), now=now,
                             source=str(registry_file))
    verifier = Verifier(registry=registry, contexts=contexts,
                        status_lists=DirectoryStatusSource(status_dir))
    echo("")
    echo(f"  {'verdict':<14} {'expected':<10} {'deciding check':<36} credential")
    all_as_expected = True
    for scene in scenes:
        data = scene.file.read_bytes()
        if looks_like_image(data):
            data = credential_from_image(data)
        report = verifier.check(data, at=now)
        failure = report.first_failure
        deciding = f"{failure.id} {failure.code}" if failure is not None else "all checks passed"
        ok = report.outcome == scene.expected
        all_as_expected &= ok
        mark = "" if ok else "  <-- UNEXPECTED"
        echo(f"  {report.outcome:<14} {scene.expected:<10} {deciding:<36} {scene.title}{mark}")
        write_text_atomic(scene.file.with_suffix(".report.json"),
                          json.dumps(report.to_json(), ensure_ascii=False, indent=2) + "\n")
    echo("")
    echo("  Authorisation is judged when each credential was issued: what the school signed "
         "while suspended never verifies; what the employer signed before its removal still "
         "does.")
    echo("  Verify one yourself:")
    echo(f"    vcskill verify {first} --registry {registry_file} --trust-root "
         f"{published.fingerprint} --status-dir {status_dir}")
    echo("")
    echo("  files:")
    for path in sorted(workdir.rglob("*")):
        if path.is_file() and not path.name.startswith("."):
            echo(f"    {path}")
    echo("")
    echo("all verdicts as expected" if all_as_expected else "SOME VERDICTS WERE UNEXPECTED")
    return all_as_expected
