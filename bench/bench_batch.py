"""Issue a cohort from a CSV through the ledger, with 1 and 2 worker processes.

Run from the repository root:  python bench/bench_batch.py [rows]   (default 10,000)

The baseline, measured in the same run, is the plain loop a script would write without the
toolkit's batch command: ``issue_one`` per row and an atomic file write, no ledger, no status
entries, one process. The batch figures include everything ``vcskill issue-batch`` does:
reading and checking the CSV, a committed ledger reservation before each credential is
signed (WAL, synchronous=FULL), the status entries, the atomic write, marking the row
issued. Ratios above 1 are faster than the baseline.
"""

from __future__ import annotations

import csv
import sys
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from vcskill.common.files import write_text_atomic  # noqa: E402
from vcskill.issuing.cohort import cpu_count, issue_batch  # noqa: E402
from vcskill.issuing.request import IssueRequest, issue_one  # noqa: E402
from vcskill.keys.keyfile import write_key_file  # noqa: E402
from vcskill.keys.keypair import PrivateKey  # noqa: E402
from vcskill.linkeddata.contexts import ContextStore  # noqa: E402

CST = timezone(timedelta(hours=8))


def write_cohort(path: Path, rows: int) -> None:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["name", "id_number", "occupation", "level", "certificate_number",
                         "valid_from"])
        for n in range(rows):
            writer.writerow([f"学员{n}", f"110101199001{n % 1000000:06d}", "6-31-01-03", "L3",
                             f"S0000110000012630{n:05d}", "2026-06-30"])


def baseline(key_path: Path, rows: int, out: Path) -> float:
    from vcskill.keys.keyfile import read_key_file

    key_file = read_key_file(key_path, passphrase=None)
    contexts = ContextStore.bundled()
    out.mkdir()
    start = time.perf_counter()
    for n in range(rows):
        result = issue_one(key_file, IssueRequest(
            holder_name=f"学员{n}", id_number=f"110101199001{n % 1000000:06d}",
            occupation="6-31-01-03", level="L3", certificate_number=f"S0000110000012630{n:05d}",
            valid_from=datetime(2026, 6, 30, tzinfo=CST)), contexts=contexts)
        write_text_atomic(out / f"{n}.json", result.serialized)
    return rows / (time.perf_counter() - start)


def main() -> None:
    rows = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        key = work / "issuer.key"
        write_key_file(key, PrivateKey.generate(), passphrase=None,
                       issuer_name="示范市职业技能鉴定指导中心")
        cohort = work / "cohort.csv"
        write_cohort(cohort, rows)
        base = baseline(key, rows, work / "baseline")
        print(f"{rows:,} rows on {cpu_count()} cores")
        print(f"  baseline: issue_one loop, no ledger, 1 process   {base:8,.0f} rows/s   1.00×")
        for workers in (1, 2):
            summary = issue_batch(cohort, key_path=key, ledger_path=work / f"l{workers}.db",
                                  out_dir=work / f"out{workers}", workers=workers,
                                  status_url="https://skills.example.cn/status")
            assert summary.issued == rows and not summary.failures, summary.failures[:3]
            print(f"  issue-batch, ledger, {workers} worker(s)               "
                  f"{summary.rate:8,.0f} rows/s   {summary.rate / base:.2f}×")


if __name__ == "__main__":
    main()
