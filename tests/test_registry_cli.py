"""`vcskill registry ...` and `verify --registry`, end to end through the command line.

One regulator world is built once per module: a national root (2 of 3 keys), Shandong (37)
delegated to a provincial regulator, and issuers that are approved throughout, suspended
for February 2026, removed from May 2026, rotated to a new key, or whose key leaked. Each
row then verifies one credential and names the exit code of docs/cli.md and the code that
decided it.
"""

from __future__ import annotations

import json
import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest
from click.testing import Result

from tests.test_cli import assert_one_line_error, run

NOW = "2026-12-01T12:00:00+08:00"
USCC = "91370100MA3C00001H"
CATEGORY = "social-training-evaluation-organisation"


def ok(result: Result) -> Result:
    assert result.exit_code == 0, (result.stdout, result.stderr)
    return result


def flags(name: str, values: list[Path]) -> list[str | Path]:
    """``--name v1 --name v2 ...``"""
    return [item for value in values for item in (name, value)]


def key(directory: Path, name: str, *extra: str) -> tuple[Path, str, str]:
    """A key file, its DID and its publicKeyMultibase."""
    path = directory / f"{name}.key"
    ok(run("key", "generate", "--out", path, *extra))
    shown = json.loads(ok(run("key", "show", path, "--json")).stdout)
    return path, shown["did"], shown["publicKeyMultibase"]


@dataclass
class World:
    dir: Path
    reg: Path
    registry: Path
    roots: list[Path]
    province: Path
    issuers: dict[str, tuple[Path, str, str]]
    fingerprint: str

    def issue(self, who: str, valid_from: str, *, level: str = "L3",
              key_path: Path | None = None, name: str = "张三") -> Path:
        path, did, _ = self.issuers[who]
        out = self.dir / f"{who}-{valid_from}-{level}-{name}.json"
        ok(run("issue", "--key", key_path or path, "--issuer-did", did, "--name", name,
               "--occupation", "6-31-01-03", "--level", level, "--valid-from", valid_from,
               "--out", out, "--force"))
        return out

    def verify(self, credential: Path, *extra: str, registry: Path | None = None,
               trust: str | None = None) -> Result:
        return run("verify", credential, "--registry", registry or self.registry,
                   "--trust-root", trust or str(self.reg / "root.json"), "--at", NOW, *extra)


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> World:
    d = tmp_path_factory.mktemp("world")
    roots = [key(d, f"root{i}")[0] for i in range(3)]
    province, _, province_mb = key(d, "shandong")
    reg = d / "reg"
    out = ok(run("registry", "init", reg, *flags("--root-key", roots),
                 "--threshold", "2", "--name", "人力资源社会保障部")).stdout
    fingerprint = out.split("fingerprint:")[1].split()[0]
    ok(run("registry", "delegate", reg, "--jurisdiction", "37",
           "--name", "山东省人力资源和社会保障厅", "--public-key", province_mb))
    issuers = {}
    for who in ("steady", "suspended", "removed", "rotated", "leaked"):
        # did:web for the one that rotates keys: a did:key issuer *is* its one key
        web = ["--did-web", f"{who}.example.cn"] if who == "rotated" else []
        issuers[who] = key(d, who, "--name", f"{who}评价中心", "--uscc", USCC, *web)
        ok(run("registry", "issuer-add", reg, "--did", issuers[who][1],
               "--name", f"{who}评价中心", "--uscc", USCC, "--category", CATEGORY,
               "--public-key", issuers[who][2], "--scope", "6-31-01-03:L5-L3",
               "--approved-from", "2025-01-01", "--jurisdiction", "37"))
    ok(run("registry", "issuer-status", reg, "--did", issuers["suspended"][1],
           "--status", "suspended", "--from", "2026-02-01", "--until", "2026-03-01",
           "--reason", "over-issuance audit"))
    ok(run("registry", "issuer-status", reg, "--did", issuers["removed"][1],
           "--status", "removed", "--from", "2026-05-01", "--reason", "left the catalogue"))
    new_path, _, new_mb = key(d, "rotated-new", "--name", "rotated评价中心", "--uscc", USCC,
                              "--did-web", "rotated.example.cn")
    ok(run("registry", "issuer-key", reg, "--did", issuers["rotated"][1],
           "--public-key", new_mb, "--from", "2026-03-01", "--retire-others"))
    issuers["rotated-new"] = (new_path, issuers["rotated"][1], new_mb)
    ok(run("registry", "issuer-key", reg, "--did", issuers["leaked"][1],
           "--public-key", issuers["leaked"][2], "--compromised"))
    registry = d / "registry.json"
    ok(run("registry", "publish", reg, "--key", roots[0], "--key", roots[2],
           "--key", province, "--out", registry, "--expires-in", "60"))
    return World(d, reg, registry, roots, province, issuers, fingerprint)


# -- verdicts, each judged at the credential's validFrom ---------------------------------

VERDICTS = [
    # (issuer, validFrom, level, exit code, deciding code or None)
    ("steady", "2026-01-15", "L3", 0, None),
    ("steady", "2026-01-15", "L2", 1, "ISSUER_NOT_AUTHORIZED"),  # outside L5-L3
    ("steady", "2024-12-01", "L3", 1, "UNKNOWN_KEY"),  # before approval: key not valid yet
    ("suspended", "2026-01-15", "L3", 0, None),
    ("suspended", "2026-02-15", "L3", 1, "ISSUER_NOT_AUTHORIZED"),
    ("suspended", "2026-03-15", "L3", 0, None),
    ("removed", "2026-04-15", "L3", 0, None),  # removal later does not invalidate
    ("removed", "2026-06-15", "L3", 1, "ISSUER_NOT_AUTHORIZED"),
    ("rotated", "2026-02-15", "L3", 0, None),
    ("rotated", "2026-03-15", "L3", 1, "UNKNOWN_KEY"),  # old key used after the rotation
    ("rotated-new", "2026-03-15", "L3", 0, None),
    ("rotated-new", "2026-02-15", "L3", 1, "UNKNOWN_KEY"),  # new key backdated
    # a compromised key: a thief can backdate, so every date fails (security.md D7)
    ("leaked", "2025-06-15", "L3", 1, "ISSUER_KEY_COMPROMISED"),
    ("leaked", "2026-11-30", "L3", 1, "ISSUER_KEY_COMPROMISED"),
]


@pytest.mark.parametrize(("who", "valid_from", "level", "exit_code", "code"), VERDICTS)
def test_verdicts_follow_the_registry_at_issue_time(world: World, who: str, valid_from: str,
                                                    level: str, exit_code: int,
                                                    code: str | None) -> None:
    credential = world.issue(who, valid_from, level=level)
    result = world.verify(credential, "--json")
    assert result.exit_code == exit_code, result.stdout
    report = json.loads(result.stdout)
    failed = [c for c in report["checks"] if not c["passed"] and c["code"] != "NOT_EVALUATED"]
    assert [c["code"] for c in failed][:1] == ([code] if code else [])
    assert report["registry"]["version"] == 1


def test_an_issuer_the_registry_does_not_list_is_not_recognised(world: World) -> None:
    path, _, _ = key(world.dir, "stranger", "--name", "stranger评价中心")
    out = world.dir / "stranger.json"
    ok(run("issue", "--key", path, "--name", "张三", "--occupation", "6-31-01-03",
           "--level", "L3", "--valid-from", "2026-01-15", "--out", out))
    result = world.verify(out, "--json")
    assert result.exit_code == 1
    assert "ISSUER_UNKNOWN" in result.stdout


def test_the_report_shows_issuer_regulator_and_standing(world: World) -> None:
    result = world.verify(world.issue("removed", "2026-04-15"))
    assert result.exit_code == 0, result.stdout
    assert "supervised by 山东省人力资源和社会保障厅" in result.stdout
    assert "approved at issue, removed now" in result.stdout
    assert "registry    v1 of 人力资源社会保障部" in result.stdout


# -- trust root --------------------------------------------------------------------------

def test_the_fingerprint_pins_the_root_as_well_as_the_file(world: World) -> None:
    credential = world.issue("steady", "2026-01-15")
    assert ok(world.verify(credential, trust=world.fingerprint))
    assert run("verify", credential, "--registry", world.registry, "--at", NOW,
               env={"VCSKILL_TRUST_ROOT": world.fingerprint}).exit_code == 0


def test_a_registry_without_a_trusted_root_is_refused(world: World) -> None:
    result = run("verify", world.issue("steady", "2026-01-15"), "--registry", world.registry)
    line = assert_one_line_error(result, code="USAGE_ERROR")
    assert "--trust-root" in line


def test_a_registry_from_another_root_is_refused(world: World, tmp_path: Path) -> None:
    # A forger's registry lists the forger as an approved issuer under the forger's root.
    forger_root, _, _ = key(tmp_path, "forger-root")
    forger, forger_did, forger_mb = key(tmp_path, "forger", "--name", "假评价中心")
    ok(run("registry", "init", tmp_path / "fake", "--root-key", forger_root, "--name", "假部"))
    ok(run("registry", "issuer-add", tmp_path / "fake", "--did", forger_did, "--name",
           "假评价中心", "--category", "employer", "--public-key", forger_mb,
           "--scope", "6-31-01-03:L5-L1", "--approved-from", "2025-01-01"))
    fake = tmp_path / "fake.json"
    ok(run("registry", "publish", tmp_path / "fake", "--key", forger_root, "--out", fake))
    credential = tmp_path / "forged.json"
    ok(run("issue", "--key", forger, "--name", "张三", "--occupation", "6-31-01-03",
           "--level", "L1", "--valid-from", "2026-01-15", "--out", credential))
    for trust in (str(world.reg / "root.json"), world.fingerprint):
        result = run("verify", credential, "--registry", fake, "--trust-root", trust,
                     "--at", NOW)
        assert_one_line_error(result, code="REGISTRY_ROOT_ROTATION")


def test_a_tampered_registry_file_is_refused(world: World, tmp_path: Path) -> None:
    document = json.loads(world.registry.read_text())
    document["parts"][-1]["signed"]["issuers"][0]["scope"][0]["levels"] = "L5-L1"
    tampered = tmp_path / "tampered.json"
    tampered.write_text(json.dumps(document, ensure_ascii=False))
    result = world.verify(world.issue("steady", "2026-01-15"), registry=tampered)
    assert_one_line_error(result, code="REGISTRY_MIX_AND_MATCH")


# -- expiry, judged at --at --------------------------------------------------------------

def test_expiry_is_judged_at_the_given_moment(world: World) -> None:
    credential = world.issue("steady", "2026-01-15")
    late = ["--registry", world.registry, "--trust-root", str(world.reg / "root.json")]
    expired = run("verify", credential, *late, "--at", "2099-01-01", "--json")
    assert expired.exit_code == 3, expired.stdout
    report = json.loads(expired.stdout)
    assert report["outcome"] == "indeterminate"
    assert report["registry"]["expired"] is True
    issuer = next(c for c in report["checks"] if c["id"] == "issuer")
    assert issuer["code"] == "REGISTRY_EXPIRED"

    accepted = run("verify", credential, *late, "--at", "2099-01-01",
                   "--allow-expired-registry", "--json")
    assert accepted.exit_code == 0, accepted.stdout
    assert any("expired" in w for w in json.loads(accepted.stdout)["warnings"])

    assert run("verify", credential, *late, "--at", NOW).exit_code == 0


# -- publishing and rotation -------------------------------------------------------------

def test_publish_refuses_when_a_threshold_is_not_met(world: World, tmp_path: Path) -> None:
    reg = tmp_path / "reg"
    shutil.copytree(world.reg, reg)
    out = tmp_path / "r.json"
    one_root = run("registry", "publish", reg, "--key", world.roots[0], "--key", world.province,
                   "--out", out)
    assert_one_line_error(one_root, code="REGISTRY_SIGNATURE_THRESHOLD")
    no_delegate = run("registry", "publish", reg, "--key", world.roots[0],
                      "--key", world.roots[1], "--out", out)
    assert_one_line_error(no_delegate, code="REGISTRY_SIGNATURE_THRESHOLD")
    assert not out.exists()


def test_an_undelegated_jurisdiction_is_refused(world: World, tmp_path: Path) -> None:
    reg = tmp_path / "reg"
    shutil.copytree(world.reg, reg)
    _, did, mb = key(tmp_path, "elsewhere")
    result = run("registry", "issuer-add", reg, "--did", did, "--name", "某中心",
                 "--category", "employer", "--public-key", mb, "--scope", "6-31-01-03:L4",
                 "--approved-from", "2025-01-01", "--jurisdiction", "44")
    assert_one_line_error(result, code="REGISTRY_DELEGATION_VIOLATION")


def test_root_rotation_keeps_old_verifiers_working(world: World, tmp_path: Path) -> None:
    reg = tmp_path / "reg"
    shutil.copytree(world.reg, reg)
    new_roots = [key(tmp_path, f"new-root{i}")[0] for i in range(2)]
    ok(run("registry", "rotate-root", reg, "--old-key", world.roots[1],
           "--old-key", world.roots[2], *flags("--new-key", new_roots),
           "--threshold", "2"))
    out = tmp_path / "r2.json"
    old_root_only = run("registry", "publish", reg, "--key", world.roots[0],
                        "--key", world.roots[1], "--key", world.province, "--out", out)
    assert_one_line_error(old_root_only, code="REGISTRY_SIGNATURE_THRESHOLD")
    ok(run("registry", "publish", reg, *flags("--key", new_roots),
           "--key", world.province, "--out", out))
    credential = world.issue("steady", "2026-01-15")
    for trust in (str(world.reg / "root.json"), world.fingerprint):
        result = world.verify(credential, "--json", registry=out, trust=trust)
        assert result.exit_code == 0, result.stdout
        report = json.loads(result.stdout)
        assert (report["registry"]["version"], report["registry"]["root_version"]) == (2, 2)


def test_root_rotation_needs_the_old_threshold(world: World, tmp_path: Path) -> None:
    reg = tmp_path / "reg"
    shutil.copytree(world.reg, reg)
    new_root, _, _ = key(tmp_path, "new-root")
    result = run("registry", "rotate-root", reg, "--old-key", world.roots[0],
                 "--new-key", new_root)
    assert_one_line_error(result, code="REGISTRY_SIGNATURE_THRESHOLD")
    assert not (reg / "roots" / "2.json").exists()


def test_versions_increase_with_each_publication(world: World, tmp_path: Path) -> None:
    reg = tmp_path / "reg"
    shutil.copytree(world.reg, reg)
    keys = ["--key", world.roots[0], "--key", world.roots[1], "--key", world.province]
    versions = []
    for n in range(2):
        out = tmp_path / f"r{n}.json"
        ok(run("registry", "publish", reg, *keys, "--out", out))
        versions.append(json.loads(out.read_text())["snapshot"]["signed"]["version"])
    assert versions == [2, 3]  # the module's world published v1


def test_show_says_whether_it_verified(world: World) -> None:
    unpinned = ok(run("registry", "show", world.registry)).stdout
    assert "NOT verified against a trusted root" in unpinned
    pinned = json.loads(ok(run("registry", "show", world.registry, "--trust-root",
                               world.fingerprint, "--json", "--at", NOW)).stdout)
    assert pinned["trusted"] is True
    assert pinned["root_v1_fingerprint"] == world.fingerprint
    standing = {i["name"]: i["standing_now"] for i in pinned["issuers"]}
    assert standing["removed评价中心"] == "removed"
    assert standing["suspended评价中心"] == "approved"


def test_init_refuses_to_overwrite_a_registry(world: World) -> None:
    result = run("registry", "init", world.reg, "--root-key", world.roots[0], "--name", "x")
    assert_one_line_error(result, code="USAGE_ERROR")


def test_a_status_without_a_reason_is_a_usage_error(world: World) -> None:
    result = run("registry", "issuer-status", world.reg, "--did",
                 world.issuers["steady"][1], "--status", "suspended", "--from", "2026-01-01")
    assert result.exit_code == 2
    assert "--reason" in result.stderr
