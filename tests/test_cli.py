"""The command line as users and scripts meet it: exit codes, one-line errors, help text.

The contract is docs/cli.md: 0 success/verified, 1 invalid, 2 usage or malformed input or
wrong passphrase, 3 could not decide. Errors are one line on stderr, never a traceback.
"""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from tests.test_verifier import MALFORMED
from vcskill.cli import main

ISSUE_ARGS = ["--name", "张三", "--id-number", "370102199001011234",
              "--occupation", "6-31-01-03", "--level", "L3",
              "--certificate-number", "S000011000001263000001", "--valid-from", "2026-06-30"]


def run(*args: str | Path, env: dict[str, str] | None = None, input: bytes | None = None
        ) -> Result:
    environment = {"VCSKILL_PASSPHRASE": ""}
    environment.update(env or {})
    return CliRunner().invoke(main, [str(a) for a in args], env=environment, input=input)


def assert_one_line_error(result: Result, *, exit_code: int = 2, code: str | None = None
                          ) -> str:
    assert result.exit_code == exit_code, (result.stdout, result.stderr)
    line = result.stderr.strip()
    assert line.startswith("vcskill: error: "), result.stderr
    assert "\n" not in line, result.stderr
    assert "Traceback" not in result.output
    if code is not None:
        assert f"[{code}]" in line
    return line


@pytest.fixture
def issuer_key(tmp_path: Path) -> Path:
    key = tmp_path / "issuer.key"
    result = run("key", "generate", "--out", key, "--name", "示范市职业技能鉴定指导中心",
                 "--uscc", "12110000400000003A")
    assert result.exit_code == 0, result.output
    return key


@pytest.fixture
def credential(tmp_path: Path, issuer_key: Path) -> Path:
    out = tmp_path / "zhangsan.json"
    result = run("issue", "--key", issuer_key, *ISSUE_ARGS, "--out", out)
    assert result.exit_code == 0, result.output
    return out


# -- help and version ------------------------------------------------------------------------


@pytest.mark.parametrize("command", [
    [], ["key"], ["key", "generate"], ["key", "show"], ["issue"], ["verify"], ["demo"],
])
def test_every_command_has_help_with_an_example(command: list[str]) -> None:
    result = run(*command, "--help")
    assert result.exit_code == 0
    assert "Example" in result.stdout or "Start with" in result.stdout or command == ["key"]


def test_version() -> None:
    result = run("--version")
    assert result.exit_code == 0 and "vcskill, version" in result.stdout


# -- keys ------------------------------------------------------------------------------------


def test_key_generate_writes_a_private_file_and_prints_the_did(tmp_path: Path) -> None:
    key = tmp_path / "issuer.key"
    result = run("key", "generate", "--out", key)
    assert result.exit_code == 0
    assert "did:key:z6Mk" in result.stdout
    assert stat.S_IMODE(os.stat(key).st_mode) == 0o600
    assert b"PRIVATE KEY" in key.read_bytes()
    assert "not encrypted" in result.stderr


def test_key_generate_p256_uses_a_p256_did(tmp_path: Path) -> None:
    result = run("key", "generate", "--out", tmp_path / "p.key", "--algorithm", "p256")
    assert result.exit_code == 0 and "did:key:zDna" in result.stdout


def test_key_generate_refuses_to_overwrite(issuer_key: Path) -> None:
    before = issuer_key.read_bytes()
    assert_one_line_error(run("key", "generate", "--out", issuer_key))
    assert issuer_key.read_bytes() == before


def test_key_generate_refuses_a_bad_uscc(tmp_path: Path) -> None:
    line = assert_one_line_error(
        run("key", "generate", "--out", tmp_path / "k", "--uscc", "12110000400000003B"))
    assert "check character" in line or "USCC" in line or "credit code" in line
    assert not (tmp_path / "k").exists()


def test_key_show_never_prints_the_private_key(issuer_key: Path) -> None:
    result = run("key", "show", issuer_key, "--json")
    assert result.exit_code == 0
    info = json.loads(result.stdout)
    assert info["did"].startswith("did:key:z6Mk")
    assert info["verificationMethod"].startswith(info["did"] + "#")
    assert "d" not in info["publicKeyJwk"]
    assert "PRIVATE" not in result.stdout


def test_an_encrypted_key_needs_its_passphrase(tmp_path: Path) -> None:
    key = tmp_path / "enc.key"
    made = run("key", "generate", "--out", key, env={"VCSKILL_PASSPHRASE": "correct horse"})
    assert made.exit_code == 0 and "(encrypted)" in made.stdout
    assert b"ENCRYPTED PRIVATE KEY" in key.read_bytes()
    assert run("key", "show", key, env={"VCSKILL_PASSPHRASE": "correct horse"}).exit_code == 0
    assert_one_line_error(run("key", "show", key, env={"VCSKILL_PASSPHRASE": "wrong"}),
                          code="WRONG_PASSPHRASE")
    assert_one_line_error(run("key", "show", key))


def test_a_damaged_key_file_is_one_clear_error(issuer_key: Path) -> None:
    data = issuer_key.read_bytes()
    issuer_key.write_bytes(data[: len(data) // 2])
    line = assert_one_line_error(run("key", "show", issuer_key))
    assert str(issuer_key.name) in line or "key" in line


def test_a_missing_key_file_is_one_clear_error(tmp_path: Path) -> None:
    assert_one_line_error(run("key", "show", tmp_path / "nope.key"))


# -- issue -----------------------------------------------------------------------------------


@pytest.mark.parametrize("suite", ["eddsa-rdfc-2022", "eddsa-jcs-2022", "vc-jwt"])
def test_issue_then_verify_with_each_ed25519_format(
    tmp_path: Path, issuer_key: Path, suite: str
) -> None:
    out = tmp_path / "c.out"
    issued = run("issue", "--key", issuer_key, *ISSUE_ARGS, "--cryptosuite", suite,
                 "--out", out)
    assert issued.exit_code == 0, issued.output
    assert "cannot be revoked" in issued.stderr
    result = run("verify", out, "--json")
    assert result.exit_code == 3, result.output
    report = json.loads(result.stdout)
    assert report["outcome"] == "indeterminate"
    assert [c["id"] for c in report["checks"]] == [
        "parse", "context", "data_model", "proof", "issuer", "authorization", "validity",
        "status"]
    assert report["credential"]["subject_name"] == "张三"


def test_issue_with_a_p256_key_defaults_to_ecdsa(tmp_path: Path) -> None:
    key = tmp_path / "p.key"
    assert run("key", "generate", "--out", key, "--algorithm", "p256", "--name", "某中心"
               ).exit_code == 0
    out = tmp_path / "c.json"
    assert run("issue", "--key", key, *ISSUE_ARGS, "--out", out).exit_code == 0
    assert json.loads(out.read_text(encoding="utf-8"))["proof"]["cryptosuite"] == (
        "ecdsa-rdfc-2019")
    assert run("verify", out).exit_code == 3
    assert_one_line_error(run("issue", "--key", key, *ISSUE_ARGS, "--cryptosuite",
                              "eddsa-rdfc-2022", "--out", tmp_path / "d.json"))


@pytest.mark.parametrize(("option", "value", "words"), [
    ("--occupation", "6-31-1-03", "occupation"),
    ("--level", "L9", "level"),
    ("--valid-from", "30/06/2026", "--valid-from"),
    ("--uscc", "123", "credit code"),
    ("--certificate-number", "S000011000001261000001", "level"),
])
def test_issue_refuses_bad_input_with_one_line(
    tmp_path: Path, issuer_key: Path, option: str, value: str, words: str
) -> None:
    args = list(ISSUE_ARGS)
    if option in args:
        args[args.index(option) + 1] = value
    else:
        args += [option, value]
    out = tmp_path / "bad.json"
    line = assert_one_line_error(run("issue", "--key", issuer_key, *args, "--out", out))
    assert words.lower() in line.lower()
    assert not out.exists()


def test_issue_refuses_to_overwrite(credential: Path, issuer_key: Path) -> None:
    before = credential.read_bytes()
    assert_one_line_error(run("issue", "--key", issuer_key, *ISSUE_ARGS, "--out", credential))
    assert credential.read_bytes() == before


def test_a_new_ledger_needs_its_status_url(tmp_path: Path, issuer_key: Path) -> None:
    line = assert_one_line_error(run("issue", "--key", issuer_key, *ISSUE_ARGS, "--ledger",
                                     tmp_path / "l.db", "--out", tmp_path / "c.json"))
    assert "--status-url" in line
    assert not (tmp_path / "l.db").exists()


def test_issue_with_a_ledger_adds_status_entries(tmp_path: Path, issuer_key: Path) -> None:
    args = ["issue", "--key", issuer_key, *ISSUE_ARGS, "--ledger", tmp_path / "l.db",
            "--status-url", "https://skills.example.cn/status"]
    result = run(*args, "--out", tmp_path / "c.json")
    assert result.exit_code == 0, result.output
    document = json.loads((tmp_path / "c.json").read_text())
    purposes = {e["statusPurpose"]: e for e in document["credentialStatus"]}
    assert set(purposes) == {"revocation", "suspension"}
    assert purposes["revocation"]["statusListIndex"] == purposes["suspension"]["statusListIndex"]
    assert purposes["revocation"]["statusListCredential"] == \
        "https://skills.example.cn/status/1-revocation.json"
    # the same certificate number twice is refused: it keys the ledger row
    again = run(*args, "--out", tmp_path / "d.json")
    assert_one_line_error(again, code="LEDGER_CONFLICT")


# -- verify ----------------------------------------------------------------------------------


def test_verify_prints_the_facts_and_every_check(credential: Path) -> None:
    result = run("verify", credential)
    assert result.exit_code == 3
    out = result.stdout
    assert out.startswith("INDETERMINATE")
    facts = ("张三", "6-31-01-03", "L3", "S000011000001263000001", "示范市职业技能鉴定指导中心")
    for text in facts:
        assert text in out
    assert "PASS proof" in out and "NOT_EVALUATED" in out
    assert "370102199001011234" not in out


def test_verify_reads_stdin(credential: Path) -> None:
    result = run("verify", "-", "--json", input=credential.read_bytes())
    assert result.exit_code == 3
    proof = json.loads(result.stdout)["checks"][3]
    assert (proof["id"], proof["passed"], proof["code"]) == ("proof", True, None)


def test_a_tampered_credential_exits_1(tmp_path: Path, credential: Path) -> None:
    doc: dict[str, Any] = json.loads(credential.read_text(encoding="utf-8"))
    doc["credentialSubject"]["name"] = "李四"
    forged = tmp_path / "forged.json"
    forged.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    result = run("verify", forged)
    assert result.exit_code == 1
    assert result.stdout.startswith("INVALID: proof failed")
    assert "PROOF_VERIFICATION_ERROR" in result.stdout
    as_json = run("verify", forged, "--json")
    assert as_json.exit_code == 1
    assert json.loads(as_json.stdout)["outcome"] == "invalid"


@pytest.mark.parametrize("name", ["empty", "not-json", "nested-100000-deep", "duplicate-keys",
                                  "nan", "huge-integer", "invalid-utf8", "over-size-limit"])
def test_malformed_input_exits_2_with_one_line(tmp_path: Path, name: str) -> None:
    path = tmp_path / "input.json"
    path.write_bytes(MALFORMED[name])
    result = run("verify", path)
    assert_one_line_error(result, code="PARSING_ERROR")
    assert result.stdout == ""


def test_malformed_input_with_json_still_prints_a_report(tmp_path: Path) -> None:
    path = tmp_path / "input.json"
    path.write_bytes(MALFORMED["duplicate-keys"])
    result = run("verify", path, "--json")
    assert result.exit_code == 2
    assert json.loads(result.stdout)["checks"][0]["code"] == "PARSING_ERROR"


def test_verify_a_missing_file_exits_2(tmp_path: Path) -> None:
    assert_one_line_error(run("verify", tmp_path / "nope.json"))


def test_verify_refuses_options_that_do_not_exist_yet(credential: Path) -> None:
    line = assert_one_line_error(run("verify", credential, "--registry", credential))
    assert "--registry" in line


def test_verify_at_a_date_before_issue_is_not_yet_valid(credential: Path) -> None:
    result = run("verify", credential, "--at", "2026-06-01", "--json")
    assert result.exit_code == 1
    codes = [c["code"] for c in json.loads(result.stdout)["checks"]]
    assert "NOT_YET_VALID" in codes


def test_verify_policy_options(credential: Path) -> None:
    ok = run("verify", credential, "--require-occupation", "6-31-01-03", "--min-level", "L4",
             "--json")
    assert ok.exit_code == 3
    assert json.loads(ok.stdout)["checks"][-1] == {
        "id": "policy", "passed": True, "code": None,
        "detail": "meets the required occupation and level"}
    too_low = run("verify", credential, "--min-level", "L2")
    assert too_low.exit_code == 1 and "RANGE_ERROR" in too_low.stdout


def test_terminal_control_characters_in_a_credential_are_neutralised(
    tmp_path: Path, issuer_key: Path
) -> None:
    # A right-to-left override in the holder name must not reorder what the employer reads.
    out = tmp_path / "bidi.json"
    args = list(ISSUE_ARGS)
    args[1] = "张\u202e三"
    assert run("issue", "--key", issuer_key, *args, "--out", out).exit_code == 0
    result = run("verify", out)
    assert "\u202e" not in result.stdout
    assert "\\u202e" in result.stdout
    as_json = run("verify", out, "--json")
    assert "\u202e" not in as_json.stdout
    assert json.loads(as_json.stdout)["credential"]["subject_name"] == "张\u202e三"


@pytest.mark.parametrize("char", ["\u200f", "\u200b", "\u2028", "\u0085", "\U000e0001"])
def test_invisible_and_reordering_characters_are_escaped(char: str) -> None:
    from vcskill.cli import safe_json, safe_text

    assert char not in safe_text(f"a{char}b")
    assert char not in safe_json({"name": f"a{char}b"})
    assert json.loads(safe_json({"name": f"a{char}b"})) == {"name": f"a{char}b"}


# -- demo ------------------------------------------------------------------------------------


def test_the_demo_runs_and_every_verdict_is_as_expected(tmp_path: Path) -> None:
    result = run("demo", "--workdir", tmp_path / "demo")
    assert result.exit_code == 0, result.output
    assert "all verdicts as expected" in result.stdout
    files = {p.name for p in (tmp_path / "demo").iterdir()}
    assert "credential-1-eddsa-rdfc-2022.json" in files
    assert "credential-4-vc-jwt.jwt" in files
    assert "forged-level.report.json" in files
    assert "registry.json" in files
    assert "school-during-suspension.report.json" in files
    report = json.loads((tmp_path / "demo" / "school-during-suspension.report.json").read_text())
    assert report["outcome"] == "invalid"
    assert report["registry"]["version"] == 1
    revoked = json.loads((tmp_path / "demo" / "centre-revoked.report.json").read_text())
    assert "CREDENTIAL_REVOKED" in json.dumps(revoked["checks"])
    back = json.loads((tmp_path / "demo" / "centre-suspended-then-reinstated.report.json"
                       ).read_text())
    assert back["outcome"] == "verified"
    assert {s["purpose"] for s in back["status_lists"]} == {"revocation", "suspension"}


# -- QR codes and certificates -----------------------------------------------------------


def test_qr_encode_prints_the_version_and_verify_reads_the_image(tmp_path: Path,
                                                                 credential: Path) -> None:
    image = tmp_path / "c.png"
    encoded = run("qr", "encode", credential, "--out", image)
    assert encoded.exit_code == 0, encoded.output
    assert encoded.stdout.startswith("QR version ") and "error correction M" in encoded.stdout
    direct = json.loads(run("verify", credential, "--json").stdout)
    scanned = run("verify", image, "--json")
    assert scanned.exit_code == 3  # no registry: as the file itself
    assert json.loads(scanned.stdout)["checks"] == direct["checks"]


def test_verify_reads_a_payload_from_a_text_file(tmp_path: Path, credential: Path) -> None:
    from vcskill.qr.payload import encode_payload

    payload = tmp_path / "payload.txt"
    payload.write_text(encode_payload(credential.read_bytes()) + "\n", encoding="utf-8")
    assert run("verify", payload).exit_code == 3
    payload.write_text("VCS1:ABCDEF", encoding="utf-8")
    assert_one_line_error(run("verify", payload), code="QR_DECODE_ERROR")


def test_an_image_without_a_qr_code_is_a_clear_error(tmp_path: Path) -> None:
    from PIL import Image

    blank = tmp_path / "blank.png"
    Image.new("L", (200, 200), 255).save(blank)
    assert_one_line_error(run("verify", blank), code="IMAGE_ERROR")
    assert_one_line_error(run("qr", "decode", blank), code="IMAGE_ERROR")


def test_qr_encode_refuses_other_formats(tmp_path: Path, credential: Path) -> None:
    assert_one_line_error(run("qr", "encode", credential, "--out", tmp_path / "c.gif"))


def test_certificate_writes_a_pdf_that_scans(tmp_path: Path, credential: Path) -> None:
    import pypdfium2 as pdfium

    pdf = tmp_path / "c.pdf"
    result = run("certificate", credential, "--out", pdf)
    assert result.exit_code == 0, result.output
    assert "QR version" in result.stdout
    page = pdfium.PdfDocument(str(pdf))[0]
    page.render(scale=150 / 72).to_pil().save(tmp_path / "page.png")
    scanned = run("verify", tmp_path / "page.png", "--json")
    assert json.loads(scanned.stdout)["checks"] == json.loads(
        run("verify", credential, "--json").stdout)["checks"]
    assert_one_line_error(run("certificate", credential, "--out", pdf), code="USAGE_ERROR")


# -- what a newcomer hit (issue #11) -----------------------------------------------------------


def test_clicks_own_usage_errors_look_like_every_other_error(issuer_key: Path) -> None:
    result = run("issue", "--key", issuer_key)
    lines = result.stderr.strip().splitlines()
    assert result.exit_code == 2, result.output
    assert lines[0] == "vcskill: error: missing option '--name' [USAGE_ERROR]"
    assert lines[1:] == ["Try 'vcskill issue -h' for help."]
    unknown = run("verfy", "x.json")
    assert unknown.exit_code == 2
    assert unknown.stderr.startswith("vcskill: error: no such command 'verfy'")
    assert run("--version").exit_code == 0 and run("verify", "-h").exit_code == 0


def test_an_occupation_name_where_the_code_belongs_says_which_code(issuer_key: Path,
                                                                   tmp_path: Path) -> None:
    args = ["issue", "--key", issuer_key, "--name", "张三", "--level", "L3",
            "--out", tmp_path / "c.json", "--occupation"]
    known = assert_one_line_error(run(*args, "电工"), code="USAGE_ERROR")
    assert "电工 is the name of occupation 6-31-01-03" in known
    assert "--occupation 6-31-01-03" in known
    unknown = assert_one_line_error(run(*args, "网约配送员"), code="USAGE_ERROR")
    assert "code in the national classification" in unknown and "--occupation-name" in unknown
    assert not (tmp_path / "c.json").exists()


def test_verify_on_a_folder_points_at_batch(tmp_path: Path) -> None:
    line = assert_one_line_error(run("verify", tmp_path), code="USAGE_ERROR")
    assert f"vcskill verify --batch {tmp_path}" in line
