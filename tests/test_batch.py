"""`vcskill issue-batch`, `revoke` and `status publish` through the command line, including
the crash cases of design research security.md §6.H: SIGKILL part-way through a batch,
processes issuing into one ledger at once, and a crash while publishing a list."""

from __future__ import annotations

import csv
import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from click.testing import Result

from tests.test_cli import assert_one_line_error, run
from tests.test_registry_cli import ok

HEADER = ["name", "id_number", "occupation", "level", "certificate_number", "valid_from"]
CLI = [sys.executable, "-c", "from vcskill.cli import main; main()"]


def write_csv(path: Path, count: int, *, start: int = 0, prefix: str = "S0000110000012630",
              extra: list[list[str]] | None = None) -> Path:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADER)
        for n in range(start, start + count):
            writer.writerow([f"学员{n}", f"11010119900101{n % 10000:04d}", "6-31-01-03", "L3",
                             f"{prefix}{n:05d}", "2026-06-30"])
        for row in extra or []:
            writer.writerow(row)
    return path


@pytest.fixture
def issuer(tmp_path: Path) -> Path:
    key = tmp_path / "issuer.key"
    ok(run("key", "generate", "--out", key, "--name", "示范市职业技能鉴定指导中心"))
    return key


def batch(issuer: Path, csv_path: Path, tmp_path: Path, *extra: str) -> Result:
    return run("issue-batch", csv_path, "--key", issuer, "--ledger", tmp_path / "issuer.ledger",
               "--status-url", "https://skills.example.cn/status", "--out-dir",
               tmp_path / "out", *extra)


def ledger_rows(path: Path) -> list[tuple[str, str, int, int, str]]:
    with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as db:
        return db.execute("SELECT credential_id, row_key, list_number, idx, state "
                          "FROM credentials").fetchall()


def status_entries(out_dir: Path) -> dict[str, tuple[str, int]]:
    """credential id -> (revocation list URL, index), read back from the written files."""
    found = {}
    for path in out_dir.glob("*.json"):
        document = json.loads(path.read_text(encoding="utf-8"))
        entry = next(e for e in document["credentialStatus"]
                     if e["statusPurpose"] == "revocation")
        found[document["id"]] = (entry["statusListCredential"], int(entry["statusListIndex"]))
    return found


def test_a_cohort_issues_each_row_once(issuer: Path, tmp_path: Path) -> None:
    rows = write_csv(tmp_path / "cohort.csv", 30)
    first = batch(issuer, rows, tmp_path)
    assert first.exit_code == 0, first.output
    assert "30 issued, 0 already issued, 0 failed" in first.stdout
    again = batch(issuer, rows, tmp_path)
    assert "0 issued, 30 already issued" in again.stdout
    entries = status_entries(tmp_path / "out")
    assert len(entries) == 30 and len(set(entries.values())) == 30


def test_a_bad_row_is_reported_by_line_and_the_rest_go_on(issuer: Path,
                                                          tmp_path: Path) -> None:
    rows = write_csv(tmp_path / "cohort.csv", 5, extra=[
        ["王五", "", "6-31-01-03", "L9", "S000011000001263099999", "2026-06-30"],
        ["赵六", "", "6-31-01-03", "L3", "S000011000001263000001", "2026-06-30"],
        ["孙七", "", "6-31-01-03", "L3", "S000011000001263099998", "not a date"],
    ])
    result = batch(issuer, rows, tmp_path)
    assert result.exit_code == 2
    stderr = result.stderr
    assert "line 7:" in stderr and "L9" in stderr
    assert "line 8:" in stderr and "also on line 3" in stderr
    assert "line 9:" in stderr and "not a date" in stderr
    assert "5 issued" in result.stdout
    assert len(list((tmp_path / "out").glob("*.json"))) == 5


def test_a_certificate_number_reused_for_someone_else_is_refused(issuer: Path,
                                                                  tmp_path: Path) -> None:
    ok(batch(issuer, write_csv(tmp_path / "a.csv", 2), tmp_path))
    # the same number for someone else, between two new rows of the same chunk
    other = write_csv(tmp_path / "b.csv", 1, start=10, extra=[
        ["另一人", "", "6-31-01-03", "L3", "S000011000001263000000", "2026-06-30"],
        ["新人", "", "6-31-01-03", "L3", "S000011000001263099990", "2026-06-30"]])
    result = batch(issuer, other, tmp_path)
    assert result.exit_code == 2
    assert "line 3:" in result.stderr and "LEDGER_CONFLICT" in result.stderr
    assert "line 2:" not in result.stderr and "line 4:" not in result.stderr
    assert "2 issued" in result.stdout  # the rest of the chunk went on


def test_the_csv_header_is_checked(issuer: Path, tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("name,level,colour\n张三,L3,red\n", encoding="utf-8")
    line = assert_one_line_error(batch(issuer, bad, tmp_path))
    assert "missing column(s)" in line and "'colour'" in line


def test_two_workers_issue_the_same_as_one(issuer: Path, tmp_path: Path) -> None:
    result = batch(issuer, write_csv(tmp_path / "c.csv", 150), tmp_path, "--workers", "2")
    assert result.exit_code == 0, result.output
    entries = status_entries(tmp_path / "out")
    assert len(entries) == 150 and len(set(entries.values())) == 150


def test_the_progress_bar_shows_rate_and_time_left(issuer: Path, tmp_path: Path) -> None:
    result = batch(issuer, write_csv(tmp_path / "c.csv", 20), tmp_path, "--progress")
    assert "20/20 100%" in result.stderr
    assert "rows/s" in result.stderr and "ETA" in result.stderr


def test_a_batch_killed_part_way_resumes_without_issuing_twice(issuer: Path,
                                                               tmp_path: Path) -> None:
    rows = write_csv(tmp_path / "cohort.csv", 1500)
    ledger = tmp_path / "issuer.ledger"
    args = [*CLI, "issue-batch", str(rows), "--key", str(issuer), "--ledger", str(ledger),
            "--status-url", "https://skills.example.cn/status", "--out-dir",
            str(tmp_path / "out"), "--no-progress"]
    env = {**os.environ, "VCSKILL_PASSPHRASE": ""}
    process = subprocess.Popen(args, env=env, stdout=subprocess.DEVNULL,
                               stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    issued_before_kill = 0
    while time.monotonic() < deadline and process.poll() is None:
        if ledger.exists():
            try:
                issued_before_kill = sum(1 for r in ledger_rows(ledger) if r[4] == "issued")
            except sqlite3.Error:
                issued_before_kill = 0
        if issued_before_kill >= 100:
            break
        time.sleep(0.02)
    process.send_signal(signal.SIGKILL)
    process.wait()
    assert process.returncode == -signal.SIGKILL, "the batch finished before it was killed"
    partial = ledger_rows(ledger)
    assert 100 <= len(partial) < 1500

    resumed = subprocess.run(args, env=env, capture_output=True, text=True, check=False)
    assert resumed.returncode == 0, resumed.stderr
    rows_after = ledger_rows(ledger)
    assert len(rows_after) == 1500
    assert all(r[4] == "issued" for r in rows_after)
    assert Counter(r[1] for r in rows_after).most_common(1)[0][1] == 1  # each row once
    assert len({(r[2], r[3]) for r in rows_after}) == 1500  # no index reused
    # rows reserved before the kill kept their credential id and index
    kept = {r[0]: (r[2], r[3]) for r in rows_after}
    assert all(kept[r[0]] == (r[2], r[3]) for r in partial)
    files = status_entries(tmp_path / "out")
    assert set(files) == set(kept)
    assert len(set(files.values())) == 1500


def _issue_batch_process(args: list[str]) -> subprocess.Popen[bytes]:
    env = {**os.environ, "VCSKILL_PASSPHRASE": ""}
    return subprocess.Popen(args, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def test_eight_processes_issuing_into_one_ledger_never_collide(issuer: Path,
                                                               tmp_path: Path) -> None:
    ledger = tmp_path / "issuer.ledger"
    ok(batch(issuer, write_csv(tmp_path / "seed.csv", 1, prefix="S0000110000012639"),
             tmp_path))  # creates the ledger
    processes = []
    for worker in range(8):
        rows = write_csv(tmp_path / f"w{worker}.csv", 25, start=worker * 25)
        processes.append(_issue_batch_process([
            *CLI, "issue-batch", str(rows), "--key", str(issuer), "--ledger", str(ledger),
            "--out-dir", str(tmp_path / "out"), "--no-progress"]))
    for process in processes:
        _, stderr = process.communicate(timeout=120)
        assert process.returncode == 0, stderr.decode()
    rows_after = ledger_rows(ledger)
    assert len(rows_after) == 201
    assert len({(r[2], r[3]) for r in rows_after}) == 201
    assert len(set(status_entries(tmp_path / "out").values())) == 201


# -- revoke and status publish -----------------------------------------------------------

def test_revoke_suspend_reinstate_through_the_cli(issuer: Path, tmp_path: Path) -> None:
    ok(batch(issuer, write_csv(tmp_path / "c.csv", 3), tmp_path))
    ledger = tmp_path / "issuer.ledger"
    files = sorted((tmp_path / "out").glob("*.json"))
    revoked = run("revoke", "--ledger", ledger, files[0], "--reason", "fraudulent exam")
    assert "revoked" in ok(revoked).stdout
    assert "already revoked" in ok(run("revoke", "--ledger", ledger, files[0], "--reason",
                                       "again")).stdout
    assert_one_line_error(run("revoke", "--ledger", ledger, files[0], "--reinstate",
                              "--reason", "oops"), code="LEDGER_CONFLICT")
    number = files[1].stem
    ok(run("revoke", "--ledger", ledger, number, "--suspend", "--reason", "under review"))
    assert "reinstated" in ok(run("revoke", "--ledger", ledger, number, "--reinstate",
                                  "--reason", "cleared")).stdout
    assert_one_line_error(run("revoke", "--ledger", ledger, "S-unknown", "--reason", "x"),
                          code="LEDGER_NOT_FOUND")


def test_a_crash_while_publishing_leaves_the_previous_list(issuer: Path,
                                                          tmp_path: Path) -> None:
    ok(batch(issuer, write_csv(tmp_path / "c.csv", 3), tmp_path))
    ledger, status = tmp_path / "issuer.ledger", tmp_path / "status"
    ok(run("status", "publish", "--ledger", ledger, "--key", issuer, "--out-dir", status))
    target = status / "1-revocation.json"
    before = target.read_bytes()
    ok(run("revoke", "--ledger", ledger, sorted((tmp_path / "out").glob("*.json"))[0],
           "--reason", "fraud"))
    # A publisher killed just before the rename that would replace the revocation list.
    crash = (
        "import os, signal\n"
        "real = os.replace\n"
        "def replace(src, dst, *a, **k):\n"
        "    if str(dst).endswith('1-revocation.json'):\n"
        "        os.kill(os.getpid(), signal.SIGKILL)\n"
        "    return real(src, dst, *a, **k)\n"
        "os.replace = replace\n"
        "from vcskill.cli import main; main()\n"
    )
    killed = subprocess.run(
        [sys.executable, "-c", crash, "status", "publish", "--ledger", str(ledger), "--key",
         str(issuer), "--out-dir", str(status)],
        env={**os.environ, "VCSKILL_PASSPHRASE": ""}, capture_output=True, check=False)
    assert killed.returncode == -signal.SIGKILL
    assert target.read_bytes() == before  # intact and readable
    json.loads(before)
    # re-running publishes the revocation (the ledger is the source of truth)
    ok(run("status", "publish", "--ledger", ledger, "--key", issuer, "--out-dir", status))
    assert target.read_bytes() != before


# -- verifying against published lists ---------------------------------------------------

def registry_for(issuer: Path, tmp_path: Path) -> list[str | Path]:
    """A one-issuer registry; returns the verify options that use it."""
    root = tmp_path / "root.key"
    ok(run("key", "generate", "--out", root))
    shown = json.loads(ok(run("key", "show", issuer, "--json")).stdout)
    ok(run("registry", "init", tmp_path / "reg", "--root-key", root, "--name", "部"))
    ok(run("registry", "issuer-add", tmp_path / "reg", "--did", shown["did"], "--name",
           "示范市职业技能鉴定指导中心", "--category", "employer", "--public-key",
           shown["publicKeyMultibase"], "--scope", "6-31-01-03:L5-L3",
           "--approved-from", "2025-01-01"))
    ok(run("registry", "publish", tmp_path / "reg", "--key", root, "--out",
           tmp_path / "registry.json"))
    return ["--registry", tmp_path / "registry.json", "--trust-root",
            tmp_path / "reg" / "root.json"]


def test_revocation_reaches_the_verifier_through_published_lists(issuer: Path,
                                                                  tmp_path: Path) -> None:
    trust = registry_for(issuer, tmp_path)
    ok(batch(issuer, write_csv(tmp_path / "c.csv", 3), tmp_path))
    ledger, status = tmp_path / "issuer.ledger", tmp_path / "status"
    credential = sorted((tmp_path / "out").glob("*.json"))[0]

    def publish_and_verify(*extra: str) -> dict[str, object]:
        ok(run("status", "publish", "--ledger", ledger, "--key", issuer, "--out-dir", status))
        result = run("verify", credential, *trust, "--status-dir", status, "--json", *extra)
        report = json.loads(result.stdout)
        report["exit"] = result.exit_code
        return report

    fresh = publish_and_verify()
    assert (fresh["exit"], fresh["outcome"]) == (0, "verified")
    assert {s["purpose"] for s in fresh["status_lists"]} == {"revocation", "suspension"}

    ok(run("revoke", "--ledger", ledger, credential, "--suspend", "--reason", "review"))
    suspended = publish_and_verify()
    assert suspended["exit"] == 1
    assert "CREDENTIAL_SUSPENDED" in json.dumps(suspended["checks"])

    ok(run("revoke", "--ledger", ledger, credential, "--reinstate", "--reason", "cleared"))
    assert publish_and_verify()["exit"] == 0

    ok(run("revoke", "--ledger", ledger, credential, "--reason", "fraudulent exam"))
    revoked = publish_and_verify()
    assert revoked["exit"] == 1
    assert "CREDENTIAL_REVOKED" in json.dumps(revoked["checks"])

    # without the lists, a revocable credential is never reported "not revoked"
    missing = run("verify", sorted((tmp_path / "out").glob("*.json"))[1], *trust, "--json")
    assert missing.exit_code == 3
    assert "STATUS_RETRIEVAL_ERROR" in missing.stdout


def test_a_stale_list_cannot_decide(issuer: Path, tmp_path: Path) -> None:
    trust = registry_for(issuer, tmp_path)
    ok(batch(issuer, write_csv(tmp_path / "c.csv", 1), tmp_path))
    ok(run("status", "publish", "--ledger", tmp_path / "issuer.ledger", "--key", issuer,
           "--out-dir", tmp_path / "status", "--valid-for", "1"))
    later = datetime.now(UTC) + timedelta(days=3)
    result = run("verify", next((tmp_path / "out").glob("*.json")), *trust, "--status-dir",
                 tmp_path / "status", "--at", later.isoformat(), "--json")
    assert result.exit_code == 3, result.stdout
    assert "stale" in result.stdout


def test_a_ledger_keeps_its_status_url(issuer: Path, tmp_path: Path) -> None:
    ok(batch(issuer, write_csv(tmp_path / "c.csv", 1), tmp_path))
    other = run("issue-batch", write_csv(tmp_path / "d.csv", 1, start=5), "--key", issuer,
                "--ledger", tmp_path / "issuer.ledger", "--status-url",
                "https://elsewhere.example.cn/status", "--out-dir", tmp_path / "out")
    line = assert_one_line_error(other, code="USAGE_ERROR")
    assert "https://skills.example.cn/status" in line


def test_an_occupation_outside_the_built_in_list_needs_its_name(issuer: Path,
                                                                tmp_path: Path) -> None:
    path = tmp_path / "c.csv"
    path.write_text("name,id_number,occupation,level,certificate_number,valid_from,"
                    "occupation_name\n"
                    "张三,,2-02-07-05,L3,S000011000001263000001,2026-06-30,电气工程技术人员\n",
                    encoding="utf-8")
    assert "1 issued" in ok(batch(issuer, path, tmp_path)).stdout


def test_qr_codes_and_certificates_for_a_cohort(issuer: Path, tmp_path: Path) -> None:
    result = batch(issuer, write_csv(tmp_path / "c.csv", 2), tmp_path, "--qr", "--pdf")
    assert result.exit_code == 0, result.output
    out = tmp_path / "out"
    numbers = sorted(p.stem for p in out.glob("*.json"))
    assert sorted(p.stem for p in out.glob("*.png")) == numbers
    assert sorted(p.stem for p in out.glob("*.pdf")) == numbers
    # a missing certificate is made again by a re-run, without issuing anything again
    (out / f"{numbers[0]}.pdf").unlink()
    again = batch(issuer, write_csv(tmp_path / "c.csv", 2), tmp_path, "--pdf")
    assert "0 issued, 2 already issued" in again.stdout
    assert (out / f"{numbers[0]}.pdf").exists()
    decoded = run("qr", "decode", out / f"{numbers[1]}.png")
    assert json.loads(decoded.stdout)["credentialSubject"]["name"] == "学员1"


def test_a_rerun_into_another_folder_says_where_the_credentials_are(issuer: Path,
                                                                    tmp_path: Path) -> None:
    """Issue #11: a re-run into a new --out-dir wrote nothing and only said "already
    issued". It still signs nothing twice, and now says that the files are elsewhere."""
    cohort = write_csv(tmp_path / "c.csv", 3)
    ok(batch(issuer, cohort, tmp_path))
    again = run("issue-batch", cohort, "--key", issuer, "--ledger", tmp_path / "issuer.ledger",
                "--out-dir", tmp_path / "elsewhere", "--qr")
    assert again.exit_code == 0, again.output
    assert "0 issued, 3 already issued, 0 failed" in again.stdout
    assert "3 of the rows already issued were written by an earlier run to another folder" \
        in again.stdout
    assert list((tmp_path / "elsewhere").iterdir()) == []
    assert len(ledger_rows(tmp_path / "issuer.ledger")) == 3


def test_verify_batch_over_a_directory_and_a_jsonl_file(issuer: Path, tmp_path: Path) -> None:
    trust = registry_for(issuer, tmp_path)
    ok(batch(issuer, write_csv(tmp_path / "c.csv", 6), tmp_path))
    ledger, status = tmp_path / "issuer.ledger", tmp_path / "status"
    files = sorted((tmp_path / "out").glob("*.json"))
    ok(run("revoke", "--ledger", ledger, files[0], "--reason", "fraud"))
    ok(run("status", "publish", "--ledger", ledger, "--key", issuer, "--out-dir", status))
    options = [*trust, "--status-dir", status]

    directory = run("verify", "--batch", tmp_path / "out", *options)
    assert directory.exit_code == 1, directory.output  # one revoked
    assert "6 credentials: 5 verified, 1 invalid" in directory.stdout
    assert "CREDENTIAL_REVOKED" in directory.stdout

    lines = tmp_path / "all.jsonl"
    lines.write_text("\n".join(json.dumps(json.loads(f.read_text())) for f in files[1:])
                     + "\nnot json\n\n", encoding="utf-8")
    result = run("verify", "--batch", lines, *options, "--json", "--workers", "2")
    assert result.exit_code == 2, result.output  # the unreadable line
    reports = [json.loads(line) for line in result.stdout.splitlines()]
    assert [r.get("outcome") for r in reports[:-1]] == ["verified"] * 5 + ["unreadable"]
    assert reports[-2]["source"] == "all.jsonl:6"
    assert reports[-1]["summary"]["total"] == 6

    assert_one_line_error(run("verify", "--batch", lines, files[0]), code="USAGE_ERROR")
    assert_one_line_error(run("verify", files[0], "--workers", "2"), code="USAGE_ERROR")


def test_a_photo_column_puts_each_holders_photo_on_the_certificate(issuer: Path,
                                                                    tmp_path: Path) -> None:
    import pypdfium2
    from PIL import Image

    (tmp_path / "photos").mkdir()
    Image.new("RGB", (250, 350), (90, 120, 200)).save(tmp_path / "photos" / "a.jpg")
    cohort = tmp_path / "c.csv"
    with cohort.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow([*HEADER, "photo"])
        writer.writerow(["学员0", "110101199001010000", "6-31-01-03", "L3",
                         "S000011000001263000000", "2026-06-30", "photos/a.jpg"])
        writer.writerow(["学员1", "110101199001010001", "6-31-01-03", "L3",
                         "S000011000001263000001", "2026-06-30", "photos/missing.jpg"])
    result = batch(issuer, cohort, tmp_path, "--pdf", "--verify-url", "https://v.example.cn/")
    assert result.exit_code == 2  # the second row's photo is missing: it is not issued
    assert "photos/missing.jpg is not a readable file" in result.stderr
    pdf = (tmp_path / "out" / "S000011000001263000000.pdf").read_bytes()
    page = pypdfium2.PdfDocument(pdf)[0]
    assert sum(o.type == pypdfium2.raw.FPDF_PAGEOBJ_IMAGE for o in page.get_objects()) == 1
    assert "https://v.example.cn/" in page.get_textpage().get_text_range()
    assert not (tmp_path / "out" / "S000011000001263000001.json").exists()
