"""The bad-input corpus (tests/vectors/bad): every case of security.md §6 (A-H) and issue #10.

Each case of ``manifest.json`` names its expected exit code, error code and, for ``vcskill
verify``, the check that must decide it. A verify case runs twice, with the same world (the
corpus's registry, pinned root and status lists, judged at one fixed moment): through the
CLI in process, and through ``vcskill.Verifier``; both must agree with the manifest, so a
refusal that gets vaguer in either place fails here. Scenario cases (the ledger, key files
that need a FIFO or a symlink, a closed stdout) are the ``scenario_*`` functions below.

A case marked ``xfail`` in the manifest records the behaviour the toolkit *should* have; it
is expected to fail (strictly: it fails this suite the day it starts passing, so that the
mark is removed with the fix).
"""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
import zlib
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from functools import cache
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from click.testing import CliRunner, Result

from tests.conftest import VECTORS
from vcskill.cli import main
from vcskill.errors import Code, Error
from vcskill.verifying.report import INDETERMINATE_CODES, Outcome, VerificationReport

BAD = VECTORS / "bad"
MANIFEST: dict[str, Any] = json.loads((BAD / "manifest.json").read_text(encoding="utf-8"))
WORLD: dict[str, Any] = MANIFEST["world"]
AT = datetime.fromisoformat(WORLD["at"])
CASES: list[dict[str, Any]] = MANIFEST["cases"]
EXIT_FOR = {Outcome.VERIFIED: 0, Outcome.INVALID: 1, Outcome.INDETERMINATE: 3}
CLI = [sys.executable, "-c", "from vcskill.cli import main; main()"]


def cases(*commands: str, path: str = "cli") -> list[Any]:
    """The manifest's cases of these commands, as pytest params named after the case. A
    case's ``xfail`` is a reason (for every path) or ``{path: reason}``, the path being
    ``cli`` or ``library``."""
    chosen = []
    for case in CASES:
        if case["command"] not in commands:
            continue
        reason = case.get("xfail")
        if isinstance(reason, dict):
            reason = reason.get(path)
        marks = [pytest.mark.xfail(strict=True, reason=reason)] if reason else []
        if case.get("slow"):
            marks.append(pytest.mark.slow)
        chosen.append(pytest.param(case, id=case["name"], marks=marks))
    return chosen


@cache
def generator() -> ModuleType:
    """tests/vectors/bad/generate.py, imported by path (it is a script, not a package)."""
    spec = importlib.util.spec_from_file_location("bad_corpus_generate", BAD / "generate.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while it runs
    spec.loader.exec_module(module)
    return module




# -- the corpus as a whole -------------------------------------------------------------------


def test_the_corpus_covers_every_group_and_every_attack_of_issue_10() -> None:
    """The issue asks for at least 80 cases, every group of §6 and each attack of #10."""
    names = [c["name"] for c in CASES]
    assert len(names) == len(set(names)) >= 80
    counts = Counter(c["group"] for c in CASES)
    assert set(counts) == set("ABCDEFGH"), counts
    attacks = {int(c["source"].split("issue #10 (")[1].split(")")[0])
               for c in CASES if "issue #10 (" in c["source"]}
    assert attacks == set(range(1, 11))
    for case in CASES:
        assert case["exit"] in (0, 1, 2, 3), case
        assert case["what"] and case["source"], case
        assert (case["code"] is None) == (case["exit"] == 0) or case["command"] == "scenario"
        if case["command"] == "verify":
            assert case["check"] in (None, "parse", "context", "data_model", "proof",
                                     "issuer", "authorization", "validity", "status",
                                     "policy"), case
            assert ("input" in case) != ("recipe" in case), case
        if case["code"] is not None:
            assert case["code"] in Code.__members__, case


def test_every_committed_file_is_small_and_named_in_the_manifest() -> None:
    """Large inputs are recipes, expanded at test time; every file a case names exists
    (the generator test checks that there is no other file)."""
    named = {c.get("input") for c in CASES} | {
        c.get(k) for c in CASES for k in ("registry", "status_dir") if isinstance(c.get(k), str)}
    for path in BAD.rglob("*"):
        if path.is_dir() or "__pycache__" in path.parts:
            continue
        relative = path.relative_to(BAD).as_posix()
        limit = 128 * 1024 if relative in ("manifest.json", "README.md", "generate.py") \
            else 16 * 1024
        assert path.stat().st_size <= limit, relative
    for name in named - {None}:
        assert name.startswith("D/no-such") or (BAD / name).exists(), name


def test_the_generator_reproduces_the_committed_files_byte_for_byte(tmp_path: Path) -> None:
    """Fixed seeds, times, ids and salts, and deterministic signatures: the same bytes."""
    generator().build(tmp_path)
    made = {p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*") if p.is_file()}
    committed = {p.relative_to(BAD).as_posix() for p in BAD.rglob("*")
                 if p.is_file() and "__pycache__" not in p.parts} - {"generate.py"}
    assert made == committed
    if MANIFEST["zlib"] != zlib.ZLIB_RUNTIME_VERSION:
        pytest.skip(f"the corpus was made with zlib {MANIFEST['zlib']} and this machine has "
                    f"{zlib.ZLIB_RUNTIME_VERSION}: its compressed parts differ; compared the "
                    "file names only")
    different = [name for name in sorted(made)
                 if (tmp_path / name).read_bytes() != (BAD / name).read_bytes()]
    assert not different, f"regenerate with python tests/vectors/bad/generate.py: {different}"


def test_the_world_is_judged_inside_its_validity_periods() -> None:
    """The registry and the lists cover the moment judged (and the registry expires years
    after the lists were published), so the cases do not depend on today's date."""
    registry = json.loads((BAD / WORLD["registry"]).read_text(encoding="utf-8"))
    snapshot = registry["snapshot"]["signed"]
    assert datetime.fromisoformat(snapshot["issued"]) <= AT < datetime.fromisoformat(
        snapshot["expires"]) - timedelta(days=365)
    for path in (BAD / WORLD["status_dir"]).glob("1-*.json"):
        listed = json.loads(path.read_text(encoding="utf-8"))
        assert datetime.fromisoformat(listed["validFrom"]) <= AT < datetime.fromisoformat(
            listed["validUntil"])
    assert AT.tzinfo is not None and AT.astimezone(UTC).year == 2026


@pytest.mark.parametrize("name", ["rdfc.json", "jcs.json", "ecdsa.json", "eddsa.jwt",
                                  "es256.jwt"])
def test_the_genuine_credentials_of_the_world_verify(name: str, no_network: None) -> None:
    """The control: every case starts from one of these, and each verifies."""
    result = run_cli(verify_args({}, BAD / "world" / "credentials" / name, {}))
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["outcome"] == "verified"


# -- running a case ---------------------------------------------------------------------------


def run_cli(args: list[str], env: dict[str, str | None] | None = None,
            input: bytes | None = None) -> Result:
    environment: dict[str, str | None] = {"VCSKILL_PASSPHRASE": "",
                                          "VCSKILL_TRUST_ROOT": None}
    environment.update(env or {})
    return CliRunner().invoke(main, [str(a) for a in args], env=environment, input=input)


def error_code(result: Result) -> str | None:
    """The code at the end of the one-line error, or None (no error, or an OS error)."""
    lines = result.stderr.strip().splitlines()
    if not lines or not lines[-1].startswith("vcskill: error: "):
        return None
    last = lines[-1]
    return last[last.rindex("[") + 1:-1] if last.endswith("]") and "[" in last else None


def assert_clean(result: Result) -> None:
    """No traceback, and an error is one line."""
    assert "Traceback" not in result.output, result.output
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise AssertionError(f"the command raised {result.exception!r}") from result.exception
    errors = [line for line in result.stderr.splitlines() if line.startswith("vcskill: error")]
    assert len(errors) <= 1, result.stderr


def expand(recipe: dict[str, Any], tmp: Path, name: str) -> Path:
    """Write what a manifest recipe describes into ``tmp`` and return its path."""
    kind = recipe["kind"]
    target = tmp / f"{name}.input"
    if kind == "repeat":
        encoding = recipe.get("encoding", "utf-8")
        target.write_bytes(b"".join(text.encode(encoding) * count
                                    for text, count in recipe["parts"]))
    elif kind == "language-strings":
        doc = json.loads((BAD / recipe["base"]).read_text(encoding="utf-8"))
        doc["name"] = [{"@value": f"职业技能等级证书 {n}", "@language": "zh"}
                       for n in range(recipe["count"])]
        target.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    elif kind == "qr-image":
        from vcskill.qr.image import make_qr

        if "payload" in recipe:
            payload = (BAD / recipe["payload"]).read_text(encoding="utf-8").strip()
            target.write_bytes(make_qr(payload).to_png(scale=4))
        else:
            import io

            import segno

            out = io.BytesIO()
            segno.make(recipe["text"], error="m", micro=False).save(out, kind="png", scale=4)
            target.write_bytes(out.getvalue())
    elif kind == "gzip-bomb-status-list":
        target.mkdir()
        for path in (BAD / WORLD["status_dir"]).glob("*.json"):
            shutil.copy(path, target / path.name)
        (target / "e1-gzip-bomb.json").write_bytes(
            generator().gzip_bomb_list(recipe["url"], recipe["bytes"]))
    else:  # pragma: no cover - a manifest error
        raise AssertionError(f"unknown recipe {kind}")
    return target


def world_path(case: dict[str, Any], option: str, tmp: Path) -> str | None:
    """The registry, trust root or status folder a case uses: the world's unless it says
    otherwise (None: the option is not given)."""
    value = case[option] if option in case else WORLD[option]
    if value is None:
        return None
    if isinstance(value, dict):
        return str(expand(value, tmp, option))
    if option == "trust_root" and value.startswith("sha256:"):
        return str(value)
    return str(BAD / value)


def input_path(case: dict[str, Any], tmp: Path) -> Path:
    if "recipe" in case:
        return expand(case["recipe"], tmp, case["name"])
    return BAD / case["input"]


def verify_args(case: dict[str, Any], source: Path, paths: dict[str, str | None]) -> list[str]:
    args = ["verify", str(source)]
    for option in ("registry", "trust_root", "status_dir"):
        value = paths.get(option, str(BAD / WORLD[option]))
        if value is not None:
            args += [f"--{option.replace('_', '-')}", value]
    extra = list(case.get("args", []))
    if "--at" not in extra:
        args += ["--at", WORLD["at"]]
    return [*args, *extra, "--json"]


def decided_by(result: Result) -> str | None:
    """The code of the check that decided a `verify --json` run."""
    found = deciding(json.loads(result.stdout)["checks"])
    return found[1] if found is not None else None


def deciding(checks: list[dict[str, Any]]) -> tuple[str, str] | None:
    """The check that decided a report (JSON form): the first failure, else the first
    undecided one; as the report's ``first_failure`` does."""
    failed = [c for c in checks if not c["passed"]]
    hard = [c for c in failed if c["code"] not in INDETERMINATE_CODES]
    first = (hard or failed or [None])[0]
    return (first["id"], first["code"]) if first is not None else None


@pytest.mark.parametrize("case", cases("verify"))
def test_verify_case_through_the_cli(case: dict[str, Any], tmp_path: Path,
                                     no_network: None) -> None:
    """`vcskill verify FILE --registry … --trust-root … --status-dir … --at …`: the exit
    code, and the code at the check the manifest names (from the --json report, and in the
    one-line error for a refusal)."""
    paths = {option: world_path(case, option, tmp_path)
             for option in ("registry", "trust_root", "status_dir")}
    started = time.monotonic()
    result = run_cli(verify_args(case, input_path(case, tmp_path), paths))
    elapsed = time.monotonic() - started
    assert_clean(result)
    assert result.exit_code == case["exit"], (result.stdout[-2000:], result.stderr)
    report = json.loads(result.stdout) if result.stdout.strip() else None
    if case["exit"] == 2:
        assert error_code(result) == case["code"], result.stderr
    if case["check"] is not None:
        assert report is not None, result.stderr
        assert deciding(report["checks"]) == (case["check"], case["code"]), report["checks"]
    elif case["exit"] == 0:
        assert report is not None and report["outcome"] == "verified", report
    else:
        assert report is None, "an error before the report"
    if case["name"] == "issue-10-1750-language-strings":
        assert elapsed < 1.0, f"took {elapsed:.2f} s"


# -- the same cases through the library ------------------------------------------------------


@cache
def library_verifier(registry: str | None, trust_root: str | None, status_dir: str | None,
                     at: datetime, allow_expired: bool, accept: str) -> Any:
    """A Verifier built as `vcskill verify` builds it (cached: the lists verify once)."""
    from did_registry.sources import load_registry_file
    from vcskill.status.statuslist import DirectoryStatusSource
    from vcskill.verifying.verifier import Verifier

    loaded = load_registry_file(Path(registry), trust_root, now=at) \
        if registry is not None and trust_root is not None else None
    source = DirectoryStatusSource(Path(status_dir)) \
        if status_dir is not None and Path(status_dir).is_dir() else None
    return Verifier(registry=loaded, status_lists=source, allow_expired_registry=allow_expired,
                    accept=accept)


def option(args: list[str], name: str) -> str | None:
    return args[args.index(name) + 1] if name in args else None


@pytest.mark.parametrize("case", cases("verify", path="library"))
def test_verify_case_through_the_library(case: dict[str, Any], tmp_path: Path,
                                         no_network: None) -> None:
    """``Verifier(registry=…, status_lists=…).check(data, at=…)`` decides at the same check
    with the same code; an input refused before the report (a registry that fails its
    checks, a damaged QR payload) raises an Error with that code."""
    from vcskill.verifying.inputs import credential_from_input
    from vcskill.verifying.verifier import parse_policy

    args = list(case.get("args", []))
    at = datetime.fromisoformat(option(args, "--at") or WORLD["at"])
    paths = {name: world_path(case, name, tmp_path)
             for name in ("registry", "trust_root", "status_dir")}
    try:
        verifier = library_verifier(paths["registry"], paths["trust_root"],
                                    paths["status_dir"], at, "--allow-expired-registry" in args,
                                    "any" if "--any-credential" in args else "skill")
        data = credential_from_input(input_path(case, tmp_path).read_bytes())
    except Error as exc:
        assert case["check"] is None and case["exit"] == 2, f"raised {exc.code}: {exc}"
        assert str(exc.code) == case["code"], exc
        return
    policy = parse_policy(option(args, "--require-occupation"), option(args, "--min-level"))
    report: VerificationReport = verifier.check(data, at=at, policy=policy)
    as_json = report.to_json()
    if case["exit"] == 2:
        refusal = report.refusal
        assert refusal is not None, as_json
        assert (str(refusal.id), str(refusal.code)) == (case["check"], case["code"]), as_json
        return
    assert EXIT_FOR[report.outcome] == case["exit"], as_json
    first = report.first_failure
    if case["exit"] == 0:
        assert first is None, as_json
    else:
        assert first is not None, as_json
        assert (str(first.id), str(first.code)) == (case["check"], case["code"]), as_json
    if case["name"] == "issue-10-ecdsa-high-s":
        genuine = verifier.check((BAD / "world/credentials/ecdsa.json").read_bytes(), at=at)
        assert genuine.verified and report.credential.digest is not None
        assert report.credential.digest == genuine.credential.digest
        assert data != (BAD / "world/credentials/ecdsa.json").read_bytes()
    if case["name"] == "f7-bidi-override-and-script-in-name":
        assert "\u202e" in (report.credential.subject_name or "")  # the data is kept as is


def test_the_high_s_ecdsa_credential_has_the_original_digest_in_the_cli_report(
        no_network: None) -> None:
    """issue #10 (7): n - s is the same signature to ECDSA; count credentials by the
    content digest, which both share, never by the signature bytes."""
    case = next(c for c in CASES if c["name"] == "issue-10-ecdsa-high-s")
    high = run_cli(verify_args(case, BAD / case["input"], {}))
    low = run_cli(verify_args(case, BAD / "world/credentials/ecdsa.json", {}))
    assert (high.exit_code, low.exit_code) == (0, 0), high.output
    digest = json.loads(high.stdout)["credential"]["digest"]
    assert digest and digest == json.loads(low.stdout)["credential"]["digest"]


def test_the_respelled_payload_is_what_qr_encode_draws(tmp_path: Path) -> None:
    """issue #10 (1): the committed payload is the one `vcskill qr encode` puts in the image
    of the re-spelled credential (read back from the PNG)."""
    from vcskill.qr.image import read_qr_image

    case = next(c for c in CASES if c["name"] == "issue-10-qr-payload-of-respelled-credential")
    respelled = BAD / "B/issue-10-credential-status-as-full-iri.json"
    ok(run_cli(["qr", "encode", respelled, "--out", tmp_path / "respelled.png"]))
    drawn = read_qr_image((tmp_path / "respelled.png").read_bytes())
    assert drawn == (BAD / case["input"]).read_text(encoding="utf-8").strip()


@pytest.mark.parametrize(("name", "raw", "shown"), [
    ("f7-bidi-override-and-script-in-name", "\u202e", "\\u202e"),
    ("a6-escaped-control-character", "\b", "\\u0008"),
])
def test_text_that_could_drive_a_terminal_is_shown_neutralised(
        name: str, raw: str, shown: str, no_network: None) -> None:
    """F7: the report, as text or JSON, never prints the raw character of a credential
    that verifies (a right-to-left override, a backspace)."""
    case = next(c for c in CASES if c["name"] == name)
    args = [a for a in verify_args(case, BAD / case["input"], {}) if a != "--json"]
    result = run_cli(args)
    assert result.exit_code == 0, result.output
    assert raw not in result.stdout and shown in result.stdout
    as_json = run_cli(verify_args(case, BAD / case["input"], {}))
    assert raw not in as_json.stdout


# -- the other commands ----------------------------------------------------------------------


@pytest.mark.parametrize("case", cases("qr-decode"))
def test_qr_decode_case(case: dict[str, Any], tmp_path: Path, no_network: None) -> None:
    """`vcskill qr decode` refuses the payload or image with its code (and never fetches)."""
    result = run_cli(["qr", "decode", input_path(case, tmp_path)])
    assert_clean(result)
    assert (result.exit_code, error_code(result)) == (case["exit"], case["code"]), \
        result.stderr
    assert result.stdout == ""


def private_copy(source: Path, tmp: Path) -> Path:
    """A key file as an issuer keeps it (mode 0600; git does not keep modes), with its
    metadata sidecar if the case has one."""
    target = tmp / "case.key"
    shutil.copy(source, target)
    target.chmod(0o600)
    sidecar = Path(f"{source}.json")
    if sidecar.exists():
        shutil.copy(sidecar, Path(f"{target}.json"))
    return target


@pytest.mark.parametrize("case", cases("key-show"))
def test_key_file_case(case: dict[str, Any], tmp_path: Path) -> None:
    """`vcskill key show KEYFILE` refuses the key file with its code, in one line."""
    path = private_copy(input_path(case, tmp_path), tmp_path)
    result = run_cli(["key", "show", path])
    assert_clean(result)
    assert (result.exit_code, error_code(result)) == (case["exit"], case["code"]), \
        result.stderr
    body = [line for line in path.read_text(encoding="latin-1").splitlines()
            if len(line) > 16 and not line.startswith("-----")]
    assert not any(line in result.output for line in body), "key material in the output"


@pytest.fixture
def test_key(tmp_path: Path) -> Path:
    """An issuer key for commands that need one (generated: it is nobody's)."""
    key = tmp_path / "keys" / "issuer.key"
    key.parent.mkdir()
    result = run_cli(["key", "generate", "--out", key, "--name", "示范市职业技能鉴定指导中心",
                      "--uscc", "12110000400000003A"])
    assert result.exit_code == 0, result.output
    return key


@pytest.mark.parametrize("case", cases("cli"))
def test_cli_case(case: dict[str, Any], tmp_path: Path, test_key: Path,
                  no_network: None) -> None:
    """Any other command line: exit code 2 and the code in a one-line error."""
    existing = tmp_path / "existing.file"
    existing.write_text("keep me\n", encoding="utf-8")
    nonempty = tmp_path / "nonempty"
    nonempty.mkdir()
    (nonempty / "notes.txt").write_text("an earlier demo\n", encoding="utf-8")
    work = tmp_path / "work"
    work.mkdir()
    values = {"{key}": str(test_key), "{existing}": str(existing), "{tmp}": str(work),
              "{bad}": str(BAD), "{nonempty}": str(nonempty)}
    args = []
    for arg in case["args"]:
        for placeholder, value in values.items():
            arg = arg.replace(placeholder, value)
        args.append(arg)
    result = run_cli(args)
    assert_clean(result)
    assert (result.exit_code, error_code(result)) == (case["exit"], case["code"]), \
        (result.stdout, result.stderr)
    assert existing.read_text(encoding="utf-8") == "keep me\n"
    assert sorted(p.name for p in nonempty.iterdir()) == ["notes.txt"]


# -- scenarios ---------------------------------------------------------------------------------


@pytest.mark.parametrize("case", cases("scenario"))
def test_scenario(case: dict[str, Any], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
                  ) -> None:
    """A case that needs more than one command: the scenario function named in the
    manifest runs it, asserts what it must, and returns the exit code and code it ended
    with."""
    scenario: Callable[[Path, pytest.MonkeyPatch], tuple[int, str | None]] = globals()[
        f"scenario_{case['scenario']}"]
    assert scenario(tmp_path, monkeypatch) == (case["exit"], case["code"])


def outcome(result: Result) -> tuple[int, str | None]:
    assert_clean(result)
    return result.exit_code, error_code(result)


def ok(result: Result) -> Result:
    assert result.exit_code == 0, (result.stdout, result.stderr)
    return result


def world_key(label: str, tmp: Path, *, name: str = "示范市职业技能评价中心",
              passphrase: bytes | None = None) -> Path:
    """A key file of one of the generator's test-only keys."""
    from vcskill.keys.keyfile import write_key_file

    path = tmp / f"{label}.key"
    write_key_file(path, generator().private_key(label), passphrase=passphrase,
                   issuer_name=name)
    return path


# B


def scenario_inline_context_refused_at_signing(tmp: Path, _mp: pytest.MonkeyPatch
                                               ) -> tuple[int, str | None]:
    """issue #10 (9): an issuer cannot sign what the verifier would refuse unread."""
    from vcskill.issuing.signing import ProofFormat, sign_credential

    doc = json.loads((BAD / "world/credentials/rdfc.json").read_text(encoding="utf-8"))
    doc.pop("proof")
    doc["@context"] = [*doc["@context"], {"nickname": "https://schema.org/alternateName"}]
    centre = generator().WORLD.centre
    for fmt in ProofFormat:
        with pytest.raises(Error) as caught:
            sign_credential(doc, centre.private, verification_method=centre.vm,
                            proof_format=fmt)
        assert caught.value.code is Code.CONTEXT_VALIDATION_ERROR, fmt
    return 2, str(caught.value.code)  # an Error: the CLI's one-line error and exit 2


def scenario_modified_context_file(tmp: Path, monkeypatch: pytest.MonkeyPatch
                                   ) -> tuple[int, str | None]:
    """B7: a context file changed on disk stops the verifier before it reads anything."""
    import vcskill.linkeddata.contexts as contexts_module
    from vcskill.linkeddata.contexts import ContextStore

    copied = tmp / "contexts"
    shutil.copytree(Path(contexts_module.__file__).parent.parent / "contexts", copied)
    skill_context = copied / "skill-v1.jsonld"
    skill_context.write_bytes(skill_context.read_bytes().replace(b'"@protected"',
                                                                 b'"@protected" ', 1))
    with pytest.raises(Error) as caught:
        ContextStore.from_directory(copied)
    assert caught.value.code is Code.CONTEXT_INTEGRITY_ERROR

    def damaged(allow_test: bool) -> ContextStore:
        return ContextStore.from_directory(copied, allow_test_contexts=allow_test)

    monkeypatch.setattr(contexts_module, "_bundled_store", damaged)
    return outcome(run_cli(verify_args({}, BAD / "world/credentials/rdfc.json", {})))


# D


def _cache_with(tmp: Path, trusted: bytes, then: bytes) -> Path:
    """A sync cache that verified and stored ``trusted``, whose registry file was then
    replaced by ``then`` (a restored backup, a hostile mirror)."""
    from did_registry.cache import Cache
    from did_registry.pinning import parse_trust_anchor
    from did_registry.registry import Registry

    anchor = parse_trust_anchor(str(BAD / WORLD["trust_root"]))
    registry = Registry.load(trusted, trusted_root=anchor.root_for(trusted), now=AT)
    store = Cache(tmp / "cache")
    with store.lock():
        store.save_registry(trusted, registry, url="https://registry.example.cn/", etag=None,
                            fetched_at=AT)
    (tmp / "cache" / "registry.json").write_bytes(then)
    return tmp / "cache"


def _verify_with_cache(cache: Path) -> Result:
    return run_cli(["verify", BAD / "world/credentials/rdfc.json", "--cache", cache,
                    "--status-dir", BAD / WORLD["status_dir"], "--at", WORLD["at"]])


def scenario_registry_rollback(tmp: Path, _mp: pytest.MonkeyPatch) -> tuple[int, str | None]:
    """D3: having trusted v2, the cache never goes back to v1."""
    cache = _cache_with(tmp, (BAD / "D/registry-v2.json").read_bytes(),
                        (BAD / WORLD["registry"]).read_bytes())
    return outcome(_verify_with_cache(cache))


def scenario_registry_equivocation(tmp: Path, _mp: pytest.MonkeyPatch
                                   ) -> tuple[int, str | None]:
    """D4: a second, different v1 is evidence of a misused key, not an update."""
    cache = _cache_with(tmp, (BAD / WORLD["registry"]).read_bytes(),
                        (BAD / "D/registry-v1-other.json").read_bytes())
    return outcome(_verify_with_cache(cache))


# E


def _world_status_copy(tmp: Path) -> Path:
    status = tmp / "status"
    shutil.copytree(BAD / WORLD["status_dir"], status)
    return status


def scenario_status_dir_over_1000_files(tmp: Path, _mp: pytest.MonkeyPatch
                                        ) -> tuple[int, str | None]:
    """A folder too big to read is refused as a source: could not decide, never 'clear'."""
    status = _world_status_copy(tmp)
    for n in range(1001):
        (status / f"pad-{n:04d}.json").write_text(f'{{"id": "urn:pad:{n}"}}\n')
    result = run_cli(verify_args({}, BAD / "world/credentials/revoked.json",
                                 {"status_dir": str(status)}))
    return result.exit_code, decided_by(result)


def scenario_status_list_symlink_to_dev_zero(tmp: Path, _mp: pytest.MonkeyPatch
                                             ) -> tuple[int, str | None]:
    """A list that is a link to an endless device is skipped, never read."""
    status = _world_status_copy(tmp)
    (status / "1-revocation.json").unlink()
    (status / "1-revocation.json").symlink_to("/dev/zero")
    started = time.monotonic()
    result = run_cli(verify_args({}, BAD / "world/credentials/rdfc.json",
                                 {"status_dir": str(status)}))
    assert time.monotonic() - started < 10
    assert result.exit_code == 3, result.output
    checks = json.loads(result.stdout)["checks"]
    assert deciding(checks) == ("status", "STATUS_RETRIEVAL_ERROR"), checks
    return 3, "STATUS_RETRIEVAL_ERROR"


# G


def _key_show(path: Path, passphrase: str = "") -> Result:
    return run_cli(["key", "show", path], env={"VCSKILL_PASSPHRASE": passphrase})


def scenario_g1_key_file_readable_by_others(tmp: Path, _mp: pytest.MonkeyPatch
                                            ) -> tuple[int, str | None]:
    """G1: a private key others can read is refused, with the chmod that fixes it."""
    key = world_key("g-test-only-ed25519", tmp)
    key.chmod(0o644)
    result = _key_show(key)
    assert "chmod 600" in result.stderr
    return outcome(result)


def scenario_g2_encrypted_key_without_passphrase(tmp: Path, _mp: pytest.MonkeyPatch
                                                 ) -> tuple[int, str | None]:
    """G2: an encrypted key needs its passphrase, and says where to put it."""
    key = world_key("g-test-only-ed25519", tmp, passphrase=b"correct horse battery")
    result = _key_show(key)
    assert "VCSKILL_PASSPHRASE" in result.stderr
    return outcome(result)


def scenario_g2_wrong_passphrase(tmp: Path, _mp: pytest.MonkeyPatch) -> tuple[int, str | None]:
    """G2: a wrong passphrase is named as such and never echoed."""
    key = world_key("g-test-only-ed25519", tmp, passphrase=b"correct horse battery")
    result = _key_show(key, passphrase="wrong-passphrase-4711")
    assert "wrong-passphrase-4711" not in result.output
    return outcome(result)


def scenario_g3_rsa_key(tmp: Path, _mp: pytest.MonkeyPatch) -> tuple[int, str | None]:
    """G3: an RSA key (made here: RSA keys cannot be derived from a seed) is the wrong type."""
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    rsa_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    path = tmp / "rsa.key"
    path.write_bytes(rsa_key.private_bytes(serialization.Encoding.PEM,
                                           serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    path.chmod(0o600)
    result = _key_show(path)
    assert "RSA" in result.stderr
    return outcome(result)


def scenario_g4_key_file_is_a_fifo(tmp: Path, _mp: pytest.MonkeyPatch) -> tuple[int, str | None]:
    """G4: opening a FIFO must not hang waiting for a writer."""
    path = tmp / "fifo.key"
    os.mkfifo(path, 0o600)
    return outcome(_key_show(path))


def scenario_g4_key_file_links_to_dev_zero(tmp: Path, _mp: pytest.MonkeyPatch
                                           ) -> tuple[int, str | None]:
    """G4: an endless device is not a key file, and is never read."""
    path = tmp / "zero.key"
    path.symlink_to("/dev/zero")
    return outcome(_key_show(path))


def scenario_g4_dangling_symlink(tmp: Path, _mp: pytest.MonkeyPatch) -> tuple[int, str | None]:
    """G4: a link to nothing is a missing key file, one clear line."""
    path = tmp / "gone.key"
    path.symlink_to(tmp / "nothing-here.key")
    return outcome(_key_show(path))


def _closed_stdout(credential: Path) -> subprocess.CompletedProcess[bytes]:
    """`vcskill verify` in a process whose stdout pipe is closed before it writes."""
    args = [*CLI, "verify", str(credential), "--registry", str(BAD / WORLD["registry"]),
            "--trust-root", str(BAD / WORLD["trust_root"]), "--status-dir",
            str(BAD / WORLD["status_dir"]), "--at", WORLD["at"]]
    env = {k: v for k, v in os.environ.items() if not k.startswith("VCSKILL_")}
    process = subprocess.Popen(args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env)
    assert process.stdout is not None and process.stderr is not None
    process.stdout.close()
    stderr = process.stderr.read()
    process.stderr.close()
    process.wait(timeout=60)
    return subprocess.CompletedProcess(args, process.returncode, b"", stderr)


def scenario_issue_10_closed_stdout_eddsa_jwt(tmp: Path, _mp: pytest.MonkeyPatch
                                              ) -> tuple[int, str | None]:
    """issue #10 (8): the reader going away does not change the verdict's exit code."""
    done = _closed_stdout(BAD / "world/credentials/eddsa.jwt")
    assert b"Traceback" not in done.stderr and b"Exception ignored" not in done.stderr, \
        done.stderr
    return done.returncode, None


def scenario_issue_10_closed_stdout_es256_jwt_revoked(tmp: Path, _mp: pytest.MonkeyPatch
                                                      ) -> tuple[int, str | None]:
    """issue #10 (8): an invalid verdict keeps exit 1 when the reader leaves."""
    done = _closed_stdout(BAD / "G/revoked-es256.jwt")
    assert b"Traceback" not in done.stderr and b"Exception ignored" not in done.stderr, \
        done.stderr
    # the same token with stdout open says why
    result = run_cli(verify_args({}, BAD / "G/revoked-es256.jwt", {}))
    assert result.exit_code == done.returncode
    return done.returncode, decided_by(result)


# H: the issuer's ledger

STATUS = "https://skills.example.cn/status"
ROW = ["--name", "张三", "--id-number", "370102199001011234", "--occupation", "6-31-01-03",
       "--level", "L3", "--valid-from", "2026-06-30"]


def _issue(key: Path, ledger: Path, out: Path, number: str = "S000011000001263000001",
           *extra: str, row: list[str] = ROW) -> Result:
    return run_cli(["issue", "--key", key, "--ledger", ledger, *extra, *row,
                    "--certificate-number", number, "--out", out])


def _issuer(tmp: Path) -> tuple[Path, Path]:
    """An issuer key and a ledger holding one issued credential, tmp/out/1.json."""
    key = world_key("h-test-only-issuer", tmp)
    ledger = tmp / "issuer.ledger"
    (tmp / "out").mkdir()
    ok(_issue(key, ledger, tmp / "out" / "1.json", "S000011000001263000001",
              "--status-url", STATUS))
    return key, ledger


def _csv(path: Path, count: int, start: int = 0, extra: list[list[str]] | None = None) -> Path:
    from tests.test_batch import write_csv

    return write_csv(path, count, start=start, extra=extra)


def _rows(ledger: Path) -> list[tuple[str, str, int, int, str]]:
    from tests.test_batch import ledger_rows

    return ledger_rows(ledger)


def scenario_h1_batch_killed_then_run_again(tmp: Path, _mp: pytest.MonkeyPatch
                                            ) -> tuple[int, str | None]:
    """H1: SIGKILL part-way; the next run completes the reserved rows with their ids and
    indexes and issues the rest: every row once, no index twice."""
    from tests.test_batch import status_entries

    key = world_key("h-test-only-issuer", tmp)
    rows, ledger, out = _csv(tmp / "cohort.csv", 400), tmp / "issuer.ledger", tmp / "out"
    args = [*CLI, "issue-batch", str(rows), "--key", str(key), "--ledger", str(ledger),
            "--status-url", STATUS, "--out-dir", str(out), "--no-progress"]
    env = {**os.environ, "VCSKILL_PASSPHRASE": ""}
    process = subprocess.Popen(args, env=env, stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and process.poll() is None:
        try:
            if ledger.exists() and sum(r[4] == "issued" for r in _rows(ledger)) >= 64:
                break
        except sqlite3.Error:
            pass
        time.sleep(0.01)
    process.send_signal(signal.SIGKILL)
    process.wait()
    assert process.returncode == -signal.SIGKILL, "the batch finished before it was killed"
    partial = _rows(ledger)
    assert 64 <= len(partial) < 400
    again = subprocess.run(args, env=env, capture_output=True, text=True, check=False)
    after = _rows(ledger)
    assert len(after) == 400 and all(r[4] == "issued" for r in after)
    assert Counter(r[1] for r in after).most_common(1)[0][1] == 1
    assert len({(r[2], r[3]) for r in after}) == 400
    kept = {r[0]: (r[2], r[3]) for r in after}
    assert all(kept[r[0]] == (r[2], r[3]) for r in partial)
    files = status_entries(out)
    assert set(files) == set(kept) and len(set(files.values())) == 400
    return again.returncode, None


def _reserve_and_issue(ledger: str, key: str, worker: int, count: int) -> list[tuple[int, int]]:
    """One of eight processes: issue ``count`` rows through the shared ledger."""
    from vcskill.issuing.ledger import SQLiteLedger
    from vcskill.issuing.request import IssueRequest
    from vcskill.issuing.revocation import issue_many
    from vcskill.keys.keyfile import read_key_file

    key_file = read_key_file(key, passphrase=None)
    out = Path(ledger).parent / "out"
    jobs = [(IssueRequest(holder_name=f"学员{worker}-{n}", occupation="6-31-01-03", level="L3",
                          certificate_number=f"S0000110000012631{worker:02d}{n:03d}",
                          valid_from=datetime(2026, 6, 30, tzinfo=UTC)),
             out / f"{worker}-{n}.json") for n in range(count)]
    with SQLiteLedger.open(ledger) as store:
        done = issue_many(key_file, jobs, store)
    slots = []
    for outcome in done:
        assert not isinstance(outcome, Error), outcome
        slots.append((outcome.record.list_number, outcome.record.index))
    return slots


def scenario_h2_eight_processes_one_ledger(tmp: Path, _mp: pytest.MonkeyPatch
                                           ) -> tuple[int, str | None]:
    """H2: eight processes issue into one ledger at once; every index is distinct."""
    from concurrent.futures import ProcessPoolExecutor
    from multiprocessing import get_context

    key, ledger = _issuer(tmp)
    with ProcessPoolExecutor(8, mp_context=get_context("spawn")) as pool:
        futures = [pool.submit(_reserve_and_issue, str(ledger), str(key), w, 12)
                   for w in range(8)]
        allocated = [slot for f in futures for slot in f.result(timeout=120)]
    rows = _rows(ledger)
    assert len(allocated) == 96 and len(rows) == 97
    assert len({(r[2], r[3]) for r in rows}) == 97
    return 0, None


def scenario_h4_full_list_starts_the_next(tmp: Path, _mp: pytest.MonkeyPatch
                                          ) -> tuple[int, str | None]:
    """H4: a full list is never wrapped around; the next list starts."""
    from vcskill.issuing.revocation import open_ledger
    from vcskill.keys.keyfile import read_key_file

    key = world_key("h-test-only-issuer", tmp)
    store = open_ledger(tmp / "small.ledger", read_key_file(key, passphrase=None),
                        status_url=STATUS, list_size=8)
    records = [store.reserve(f"S{n:06d}", "h", credential_id=f"urn:uuid:{n}",
                             now=datetime(2026, 6, 30, tzinfo=UTC)) for n in range(12)]
    store.close()
    slots = [(r.list_number, r.index) for r in records]
    assert len(set(slots)) == 12
    assert Counter(n for n, _ in slots) == {1: 8, 2: 4}
    assert all(0 <= i < 8 for _, i in slots)
    return 0, None


def scenario_h5_crash_while_publishing(tmp: Path, monkeypatch: pytest.MonkeyPatch
                                       ) -> tuple[int, str | None]:
    """H5: a publisher that fails while replacing a list leaves the previous file whole."""
    key, ledger = _issuer(tmp)
    status = tmp / "status"
    ok(run_cli(["status", "publish", "--ledger", ledger, "--key", key, "--out-dir", status]))
    target = status / "1-revocation.json"
    before = target.read_bytes()
    ok(run_cli(["revoke", "--ledger", ledger, tmp / "out" / "1.json", "--reason", "fraud"]))
    real = os.replace

    def full_disk(src: Any, dst: Any, *args: Any, **kwargs: Any) -> None:
        if str(dst).endswith("1-revocation.json"):
            raise OSError(28, "No space left on device", str(dst))
        real(src, dst, *args, **kwargs)

    monkeypatch.setattr(os, "replace", full_disk)
    failed = run_cli(["status", "publish", "--ledger", ledger, "--key", key, "--out-dir",
                      status])
    monkeypatch.setattr(os, "replace", real)
    assert target.read_bytes() == before
    json.loads(before)
    assert not [p for p in status.iterdir() if p.name.endswith(".tmp")]
    ok(run_cli(["status", "publish", "--ledger", ledger, "--key", key, "--out-dir", status]))
    assert target.read_bytes() != before
    return outcome(failed)


def scenario_h6_old_backup_would_clear_a_revocation(tmp: Path, _mp: pytest.MonkeyPatch
                                                    ) -> tuple[int, str | None]:
    """H6: a revocation bit once published is never cleared by a later publication."""
    key, ledger = _issuer(tmp)
    status = tmp / "status"
    backup = tmp / "backup.ledger"
    source, copy = sqlite3.connect(ledger), sqlite3.connect(backup)
    source.backup(copy)
    source.close()
    copy.close()
    ok(run_cli(["revoke", "--ledger", ledger, tmp / "out" / "1.json", "--reason", "fraud"]))
    ok(run_cli(["status", "publish", "--ledger", ledger, "--key", key, "--out-dir", status]))
    published = (status / "1-revocation.json").read_bytes()
    for suffix in ("-wal", "-shm"):
        Path(f"{ledger}{suffix}").unlink(missing_ok=True)
    shutil.copy(backup, ledger)  # restored from the backup taken before the revocation
    result = run_cli(["status", "publish", "--ledger", ledger, "--key", key, "--out-dir",
                      status])
    assert (status / "1-revocation.json").read_bytes() == published
    return outcome(result)


def scenario_h7_revoke_twice(tmp: Path, _mp: pytest.MonkeyPatch) -> tuple[int, str | None]:
    """H7: repeating a revocation changes nothing and is not an error."""
    _key, ledger = _issuer(tmp)
    ok(run_cli(["revoke", "--ledger", ledger, "S000011000001263000001", "--reason", "fraud"]))
    again = run_cli(["revoke", "--ledger", ledger, "S000011000001263000001", "--reason",
                     "fraud"])
    assert "already revoked; nothing changed" in again.stdout
    return outcome(again)


def scenario_h7_reinstate_a_revoked_credential(tmp: Path, _mp: pytest.MonkeyPatch
                                               ) -> tuple[int, str | None]:
    """H7: revocation is permanent."""
    _key, ledger = _issuer(tmp)
    ok(run_cli(["revoke", "--ledger", ledger, "S000011000001263000001", "--reason", "fraud"]))
    return outcome(run_cli(["revoke", "--ledger", ledger, "S000011000001263000001",
                            "--reinstate", "--reason", "appeal"]))


def scenario_h8_read_only_ledger(tmp: Path, monkeypatch: pytest.MonkeyPatch
                                 ) -> tuple[int, str | None]:
    """H8: nothing is issued without a durable record. Running as root, file modes do not
    stop writes, so the ledger is then opened read-only as SQLite would open such a file."""
    key, ledger = _issuer(tmp)
    if os.geteuid() != 0:
        ledger.chmod(0o400)
        for suffix in ("-wal", "-shm"):
            Path(f"{ledger}{suffix}").unlink(missing_ok=True)
    else:
        real = sqlite3.connect

        def read_only(database: Any, *args: Any, **kwargs: Any) -> sqlite3.Connection:
            kwargs["uri"] = True
            return real(f"file:{database}?mode=ro", *args, **kwargs)

        monkeypatch.setattr(sqlite3, "connect", read_only)
    out = tmp / "out" / "2.json"
    result = _issue(key, ledger, out, "S000011000001263000002")
    monkeypatch.undo()
    assert not out.exists()
    assert len(_rows(ledger)) == 1
    return outcome(result)


def scenario_h8_damaged_ledger(tmp: Path, _mp: pytest.MonkeyPatch) -> tuple[int, str | None]:
    """H8: a file that is not a ledger is refused before anything is signed."""
    key = world_key("h-test-only-issuer", tmp)
    ledger = tmp / "issuer.ledger"
    ledger.write_bytes(b"SQLite format 3\x00" + b"\xff" * 4000)
    out = tmp / "1.json"
    result = _issue(key, ledger, out)
    assert not out.exists()
    return outcome(result)


def scenario_h8_damaged_ledger_table(tmp: Path, _mp: pytest.MonkeyPatch
                                      ) -> tuple[int, str | None]:
    """H8: a ledger that opens but whose `lists` table is damaged: one clear error."""
    key, ledger = _issuer(tmp)
    db = sqlite3.connect(ledger)
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    page_size = db.execute("PRAGMA page_size").fetchone()[0]
    root = db.execute("SELECT rootpage FROM sqlite_master WHERE name = 'lists'").fetchone()[0]
    db.close()
    data = bytearray(ledger.read_bytes())
    start = (root - 1) * page_size
    data[start:start + page_size] = b"\x5a" * page_size
    ledger.write_bytes(bytes(data))
    return outcome(run_cli(["status", "publish", "--ledger", ledger, "--key", key,
                            "--out-dir", tmp / "status"]))


def scenario_h9_revoked_not_yet_published(tmp: Path, _mp: pytest.MonkeyPatch
                                          ) -> tuple[int, str | None]:
    """H9: the ledger is the truth; verifiers learn of a revocation from the next list."""
    key, ledger = _issuer(tmp)
    status = tmp / "status"
    ok(run_cli(["status", "publish", "--ledger", ledger, "--key", key, "--out-dir", status]))
    credential = tmp / "out" / "1.json"
    ok(run_cli(["revoke", "--ledger", ledger, credential, "--reason", "fraud"]))
    before = run_cli(["verify", credential, "--status-dir", status, "--json"])
    assert before.exit_code == 3  # not revoked as far as the published list says; no registry
    assert json.loads(before.stdout)["checks"][7]["passed"] is True
    ok(run_cli(["status", "publish", "--ledger", ledger, "--key", key, "--out-dir", status]))
    after = run_cli(["verify", credential, "--status-dir", status, "--json"])
    return after.exit_code, decided_by(after)


def scenario_h_number_reused_for_another_holder(tmp: Path, _mp: pytest.MonkeyPatch
                                                ) -> tuple[int, str | None]:
    """One certificate number never goes to two people."""
    key, ledger = _issuer(tmp)
    other = ["--name", "李四", *ROW[2:]]
    out = tmp / "out" / "other.json"
    result = _issue(key, ledger, out, "S000011000001263000001", row=other)
    assert not out.exists()
    return outcome(result)


def scenario_h_number_issued_again(tmp: Path, _mp: pytest.MonkeyPatch) -> tuple[int, str | None]:
    """`issue` (unlike a batch re-run) refuses a number already issued."""
    key, ledger = _issuer(tmp)
    return outcome(_issue(key, ledger, tmp / "out" / "again.json"))


def scenario_h_ledger_of_another_issuer(tmp: Path, _mp: pytest.MonkeyPatch
                                        ) -> tuple[int, str | None]:
    """A ledger belongs to the issuer that created it."""
    _key, ledger = _issuer(tmp)
    other = world_key("h-test-only-other-issuer", tmp, name="另一家评价机构")
    return outcome(_issue(other, ledger, tmp / "out" / "2.json", "S000011000001263000002"))


def scenario_h_publish_with_another_issuers_key(tmp: Path, _mp: pytest.MonkeyPatch
                                                ) -> tuple[int, str | None]:
    """Lists are signed only with a key of the ledger's issuer; nothing is written."""
    _key, ledger = _issuer(tmp)
    other = world_key("h-test-only-other-issuer", tmp, name="另一家评价机构")
    status = tmp / "status"
    result = run_cli(["status", "publish", "--ledger", ledger, "--key", other, "--out-dir",
                      status])
    assert not status.exists() or not list(status.glob("*.json"))
    return outcome(result)


def scenario_h_revoke_unknown_credential(tmp: Path, _mp: pytest.MonkeyPatch
                                         ) -> tuple[int, str | None]:
    """Revoking what the ledger does not hold is a named error, not a silent no-op."""
    _key, ledger = _issuer(tmp)
    return outcome(run_cli(["revoke", "--ledger", ledger, "S000011000001263999999",
                            "--reason", "x"]))


def scenario_h_suspend_and_reinstate_at_once(tmp: Path, _mp: pytest.MonkeyPatch
                                             ) -> tuple[int, str | None]:
    """Two contradictory actions at once are refused."""
    _key, ledger = _issuer(tmp)
    return outcome(run_cli(["revoke", "--ledger", ledger, "S000011000001263000001",
                            "--suspend", "--reinstate", "--reason", "x"]))


def scenario_h_empty_reason(tmp: Path, _mp: pytest.MonkeyPatch) -> tuple[int, str | None]:
    """Every status change needs a reason."""
    _key, ledger = _issuer(tmp)
    return outcome(run_cli(["revoke", "--ledger", ledger, "S000011000001263000001",
                            "--reason", " "]))


def scenario_h_new_ledger_without_status_url(tmp: Path, _mp: pytest.MonkeyPatch
                                             ) -> tuple[int, str | None]:
    """A did:key issuer has no default status URL: nothing is created."""
    key = world_key("h-test-only-issuer", tmp)
    result = _issue(key, tmp / "new.ledger", tmp / "1.json")
    assert not (tmp / "new.ledger").exists() and not (tmp / "1.json").exists()
    return outcome(result)


def scenario_h_plain_http_status_url(tmp: Path, _mp: pytest.MonkeyPatch
                                     ) -> tuple[int, str | None]:
    """Status lists are fetched over https; plain http only for loopback."""
    key = world_key("h-test-only-issuer", tmp)
    return outcome(_issue(key, tmp / "new.ledger", tmp / "1.json", "S000011000001263000001",
                          "--status-url", "http://skills.example.cn/status"))


def scenario_h_ledger_without_certificate_number(tmp: Path, _mp: pytest.MonkeyPatch
                                                 ) -> tuple[int, str | None]:
    """The certificate number keys the ledger row."""
    key = world_key("h-test-only-issuer", tmp)
    return outcome(run_cli(["issue", "--key", key, "--ledger", tmp / "new.ledger",
                            "--status-url", STATUS, *ROW, "--out", tmp / "1.json"]))


def scenario_h_status_url_changed(tmp: Path, _mp: pytest.MonkeyPatch) -> tuple[int, str | None]:
    """A ledger keeps its status URL for good."""
    key, ledger = _issuer(tmp)
    return outcome(_issue(key, ledger, tmp / "out" / "2.json", "S000011000001263000002",
                          "--status-url", "https://other.example.cn/status"))


def scenario_h_batch_reused_number_fails_only_its_row(tmp: Path, _mp: pytest.MonkeyPatch
                                                      ) -> tuple[int, str | None]:
    """A reused number fails its row only; the rest of the chunk is issued."""
    key, ledger = _issuer(tmp)
    rows = _csv(tmp / "cohort.csv", 3, start=10, extra=[
        ["另一人", "", "6-31-01-03", "L3", "S000011000001263000001", "2026-06-30"],
        ["新人", "", "6-31-01-03", "L3", "S000011000001263099990", "2026-06-30"]])
    result = run_cli(["issue-batch", rows, "--key", key, "--ledger", ledger, "--out-dir",
                      tmp / "cohort", "--no-progress"])
    refused = [line for line in result.stderr.splitlines() if line.startswith("  line ")]
    assert len(refused) == 1 and refused[0].startswith("  line 5:"), result.stderr
    code = refused[0][refused[0].rindex("[") + 1:-1]
    return result.exit_code, code


def scenario_h_batch_bad_header(tmp: Path, _mp: pytest.MonkeyPatch) -> tuple[int, str | None]:
    """A CSV with an unknown column is refused whole, before any row."""
    key, ledger = _issuer(tmp)
    rows = tmp / "cohort.csv"
    rows.write_text("name,id_number,occupation,level,certificate_number,valid_from,grade\n"
                    "张三,,6-31-01-03,L3,S000011000001263000009,2026-06-30,A\n",
                    encoding="utf-8")
    return outcome(run_cli(["issue-batch", rows, "--key", key, "--ledger", ledger,
                            "--out-dir", tmp / "cohort", "--no-progress"]))
