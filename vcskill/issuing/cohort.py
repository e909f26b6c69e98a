"""``vcskill issue-batch``: a cohort from a spreadsheet (CSV), through the ledger.

* Rows are read and checked first; a bad row is reported with its line number and the rest
  go on.
* Each row is keyed by its certificate number in the ledger, so running the same CSV again
  (or again after the process was killed) issues no row twice: issued rows are skipped,
  rows left ``reserved`` by a crash are completed with the same credential id and index.
* ``workers`` processes sign in parallel (signing is CPU-bound); each opens the ledger
  itself, and the ledger's write transactions keep indexes distinct across processes.
"""

from __future__ import annotations

import csv
import io
import os
import re
import sys
import time
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
from datetime import UTC, datetime
from multiprocessing import get_context
from pathlib import Path
from typing import Any, Final, TextIO

from vcskill.errors import Error, InputError, UsageError
from vcskill.issuing.request import IssueRequest, parse_date_or_datetime

__all__ = ["BatchSummary", "Row", "RowOutcome", "issue_batch", "read_rows"]

REQUIRED: Final = ("name", "id_number", "occupation", "level", "certificate_number",
                   "valid_from")
OPTIONAL: Final = ("occupation_name", "work_type", "assessment_id", "holder_did", "standard",
                   "photo")
MAX_CSV_BYTES: Final = 512 * 1024 * 1024
CHUNK: Final = 64
_SAFE_NUMBER = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")


@dataclass(frozen=True, slots=True)
class Row:
    line: int  # in the CSV file, the header being line 1
    request: IssueRequest
    photo: str | None = None  # the holder's photo for the certificate (not in the credential)


@dataclass(frozen=True, slots=True)
class RowOutcome:
    line: int
    # "issued", "skipped" (already issued, its file in the output folder), "elsewhere"
    # (already issued by a run that wrote it to another folder) or "failed"
    status: str
    detail: str  # the credential id, or the error


@dataclass
class BatchSummary:
    rows: int = 0
    issued: int = 0
    skipped: int = 0  # already issued, the credential file is in the output folder
    elsewhere: int = 0  # already issued by an earlier run into another folder
    failures: list[RowOutcome] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def failed(self) -> int:
        return len(self.failures)

    @property
    def rate(self) -> float:
        return self.issued / self.seconds if self.seconds > 0 else 0.0


# -- reading -------------------------------------------------------------------------------

def read_rows(path: Path) -> tuple[list[Row], list[RowOutcome]]:
    """The good rows and the failures of a CSV file (UTF-8, optional BOM, header row)."""
    if not path.is_file():
        raise InputError(f"{path} is not a readable file")
    if path.stat().st_size > MAX_CSV_BYTES:
        raise InputError(f"{path} is larger than {MAX_CSV_BYTES // 2**20} MiB")
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(f"{path} is not UTF-8 text (byte {exc.start}); save the sheet as "
                         "'CSV UTF-8'") from None
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        header = [h.strip() for h in next(reader)]
    except StopIteration:
        raise InputError(f"{path} is empty; it needs a header row: "
                         f"{','.join(REQUIRED)}") from None
    except csv.Error as exc:
        raise InputError(f"{path}: line 1: {exc}") from None
    missing = [c for c in REQUIRED if c not in header]
    unknown = [c for c in header if c not in REQUIRED + OPTIONAL]
    if missing or unknown or len(set(header)) != len(header):
        problems = []
        if missing:
            problems.append(f"missing column(s) {', '.join(missing)}")
        if unknown:
            problems.append(f"unknown column(s) {', '.join(repr(u) for u in unknown)}")
        if len(set(header)) != len(header):
            problems.append("a column appears twice")
        raise InputError(f"{path}: {'; '.join(problems)}. Columns: {', '.join(REQUIRED)}; "
                         f"optional: {', '.join(OPTIONAL)}")
    rows: list[Row] = []
    failures: list[RowOutcome] = []
    first_line: dict[str, int] = {}
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            failures.append(RowOutcome(reader.line_num, "failed", f"not valid CSV: {exc}"))
            break
        line = reader.line_num
        if not any(c.strip() for c in cells):
            continue  # blank line
        if len(cells) != len(header):
            failures.append(RowOutcome(line, "failed", f"{len(cells)} cells, the header has "
                                                       f"{len(header)}"))
            continue
        values = {name: cell.strip() for name, cell in zip(header, cells, strict=True)}
        try:
            request = _request(values)
        except Error as exc:
            failures.append(RowOutcome(line, "failed", f"{exc} [{exc.code}]"))
            continue
        number = request.certificate_number or ""
        if number in first_line:
            failures.append(RowOutcome(line, "failed", f"certificate number {number} is also "
                                                       f"on line {first_line[number]}"))
            continue
        photo = None
        if values.get("photo"):
            picture = path.parent / values["photo"]  # relative to the CSV file
            if not picture.is_file():
                failures.append(RowOutcome(line, "failed", f"the photo {picture} is not a "
                                                           "readable file"))
                continue
            photo = str(picture)
        first_line[number] = line
        rows.append(Row(line, request, photo))
    return rows, failures


def _request(values: dict[str, str]) -> IssueRequest:
    for name in REQUIRED:
        if not values.get(name) and name != "id_number":
            raise UsageError(f"the {name} cell is empty")
    number = values["certificate_number"]
    if not _SAFE_NUMBER.fullmatch(number):
        raise UsageError(f"certificate number {number!r} may hold only letters, digits, '.', "
                         "'_' and '-' (it names the output file)")
    return IssueRequest(
        holder_name=values["name"], id_number=values.get("id_number") or None,
        occupation=values["occupation"], level=values["level"], certificate_number=number,
        valid_from=parse_date_or_datetime(values["valid_from"], what="valid_from"),
        occupation_name=values.get("occupation_name") or None,
        standard=values.get("standard") or None,
        work_type=values.get("work_type") or None,
        assessment_id=values.get("assessment_id") or None,
        holder_did=values.get("holder_did") or None,
    )


# -- issuing -------------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class _Job:
    key_path: str
    ledger_path: str
    out_dir: str
    status_url: str | None
    proof_format: str | None
    qr: bool = False
    pdf: bool = False
    verify_url: str | None = None  # printed on the certificates


_worker: dict[str, Any] = {}


def _start_worker(job: _Job) -> None:
    """Open the key and the ledger once per process."""
    from vcskill.issuing.revocation import open_ledger
    from vcskill.keys.keyfile import passphrase_from_env, read_key_file
    from vcskill.linkeddata.contexts import ContextStore

    key_file = read_key_file(job.key_path, passphrase=passphrase_from_env())
    _worker["key"] = key_file
    _worker["ledger"] = open_ledger(Path(job.ledger_path), key_file, status_url=job.status_url)
    _worker["contexts"] = ContextStore.bundled()
    _worker["job"] = job


def _issue_rows(rows: Sequence[Row]) -> list[RowOutcome]:
    import dataclasses

    from vcskill.issuing.revocation import issue_many

    job: _Job = _worker["job"]
    suffix = ".jwt" if job.proof_format == "vc-jwt" else ".json"
    jobs = [(dataclasses.replace(row.request, proof_format=job.proof_format),
             Path(job.out_dir) / f"{row.request.certificate_number}{suffix}") for row in rows]
    try:
        results = issue_many(_worker["key"], jobs, _worker["ledger"], now=datetime.now(UTC),
                             contexts=_worker["contexts"])
    except (Error, OSError) as exc:  # the ledger itself failed: every row of the chunk
        detail = f"{exc} [{exc.code}]" if isinstance(exc, Error) else \
            f"{exc.strerror}: {exc.filename}"
        return [RowOutcome(row.line, "failed", detail) for row in rows]
    outcomes = []
    for (_, out), row, result in zip(jobs, rows, results, strict=True):
        if isinstance(result, Error):
            outcomes.append(RowOutcome(row.line, "failed", f"{result} [{result.code}]"))
            continue
        if result.skipped and not out.exists():
            # Issued by a run into another folder. Signing it again would make a second
            # credential under the same id; say where it is instead.
            outcomes.append(RowOutcome(row.line, "elsewhere", result.record.credential_id))
            continue
        try:
            _extras(job, out, row.photo)
        except (Error, OSError) as exc:
            detail = f"{exc} [{exc.code}]" if isinstance(exc, Error) else str(exc)
            outcomes.append(RowOutcome(row.line, "failed", f"issued as "
                                       f"{result.record.credential_id}, but {detail}"))
            continue
        outcomes.append(RowOutcome(row.line, "skipped" if result.skipped else "issued",
                                   result.record.credential_id))
    return outcomes


def _extras(job: _Job, credential_file: Path, photo: str | None = None) -> None:
    """The QR code and printable certificate beside a credential, made when missing (so a
    re-run also completes rows whose extras a crash left unwritten)."""
    if not (job.qr or job.pdf) or not credential_file.is_file():
        return
    data = credential_file.read_bytes()
    if job.qr and not credential_file.with_suffix(".png").exists():
        from vcskill.qr.image import write_qr

        write_qr(data, credential_file.with_suffix(".png"))
    if job.pdf and not credential_file.with_suffix(".pdf").exists():
        from vcskill.issuing.certificate import find_cjk_font, render_certificate

        if "font" not in _worker:  # found once per process, not once per page
            _worker["font"] = find_cjk_font()
        render_certificate(data, credential_file.with_suffix(".pdf"), font=_worker["font"],
                           photo=Path(photo).read_bytes() if photo else None,
                           verify_url=job.verify_url)


def issue_batch(csv_path: Path, *, key_path: Path, ledger_path: Path, out_dir: Path,
                workers: int = 1, status_url: str | None = None,
                proof_format: str | None = None, qr: bool = False, pdf: bool = False,
                verify_url: str | None = None,
                progress: Callable[[int, int, BatchSummary], None] | None = None
                ) -> BatchSummary:
    """Issue every row of ``csv_path``; see the module docstring."""
    if workers < 1:
        raise UsageError("--workers must be at least 1")
    started = time.monotonic()
    rows, failures = read_rows(csv_path)
    summary = BatchSummary(rows=len(rows) + len(failures), failures=list(failures))
    out_dir.mkdir(parents=True, exist_ok=True)
    job = _Job(str(key_path), str(ledger_path), str(out_dir), status_url, proof_format, qr, pdf,
               verify_url)
    # Open once here: a wrong passphrase or another issuer's ledger stops the batch before
    # any worker starts, and a new ledger is created by one process only.
    _start_worker(job)
    chunks = [rows[i:i + CHUNK] for i in range(0, len(rows), CHUNK)]

    def account(outcomes: Iterable[RowOutcome]) -> None:
        for outcome in outcomes:
            if outcome.status == "issued":
                summary.issued += 1
            elif outcome.status == "skipped":
                summary.skipped += 1
            elif outcome.status == "elsewhere":
                summary.elsewhere += 1
            else:
                summary.failures.append(outcome)
        summary.seconds = time.monotonic() - started
        if progress is not None:
            progress(summary.issued + summary.skipped + summary.elsewhere + summary.failed,
                     summary.rows, summary)

    account(())
    try:
        if workers == 1 or len(chunks) <= 1:
            for chunk in chunks:
                account(_issue_rows(chunk))
        else:
            with ProcessPoolExecutor(max_workers=workers, mp_context=get_context("spawn"),
                                     initializer=_start_worker, initargs=(job,)) as pool:
                futures = [pool.submit(_issue_rows, chunk) for chunk in chunks]
                for future in as_completed(futures):
                    account(future.result())
    finally:
        _worker["ledger"].close()
    summary.failures.sort(key=lambda o: o.line)
    summary.seconds = time.monotonic() - started
    return summary


class ProgressBar:
    """``[#####-----] 1234/10000  12%  850 rows/s  ETA 0:10`` on a terminal, redrawn at most
    ten times a second; elsewhere one line per tenth of the work."""

    def __init__(self, stream: TextIO | None = None, *, force: bool | None = None) -> None:
        self.stream = stream or sys.stderr
        self.live = force if force is not None else self.stream.isatty()
        self._last = 0.0
        self._last_tenth = -1

    def __call__(self, done: int, total: int, summary: BatchSummary) -> None:
        now = time.monotonic()
        finished = done >= total
        tenth = done * 10 // max(total, 1)
        if self.live:
            if not finished and now - self._last < 0.1:
                return
        elif tenth == self._last_tenth and not finished:
            return
        self._last, self._last_tenth = now, tenth
        rate = (summary.issued + summary.skipped) / summary.seconds \
            if summary.seconds > 0 else 0.0
        left = (total - done) / rate if rate > 0 else 0.0
        width = 30
        filled = width * done // max(total, 1)
        bar = "#" * filled + "-" * (width - filled)
        failed = f"  failed {summary.failed}" if summary.failed else ""
        text = (f"[{bar}] {done}/{total} {100 * done // max(total, 1):3d}%  "
                f"{rate:,.0f} rows/s  ETA {int(left) // 60}:{int(left) % 60:02d}{failed}")
        if self.live:
            self.stream.write("\r" + text + ("\n" if finished else ""))
        else:
            self.stream.write(text + "\n")
        self.stream.flush()


def cpu_count() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else \
        (os.cpu_count() or 1)
