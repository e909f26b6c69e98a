"""``vcskill verify --batch``: many credentials in one run, in one or several processes.

The inputs are the files of a directory (credentials, QR payloads or photos, as ``verify``
takes them) or the lines of a JSON Lines file (one credential per line: a JSON object, or a
``vc+jwt`` as a JSON string or bare). Each gets the report ``verify`` would give. A
``Verifier`` is built once per process, so the bundled contexts, the registry and every
status list are processed once, not once per credential.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from multiprocessing import get_context
from pathlib import Path
from typing import Any, Final

from vcskill.common.files import read_up_to
from vcskill.errors import Error, InputError, UsageError
from vcskill.verifying.inputs import credential_from_input
from vcskill.verifying.report import Outcome
from vcskill.verifying.verifier import Policy, Verifier

__all__ = ["BulkSummary", "Item", "Verdict", "read_items", "verify_items"]

SUFFIXES: Final = (".json", ".jwt", ".txt", ".png", ".jpg", ".jpeg", ".pdf")
MAX_ITEMS: Final = 1_000_000
MAX_JSONL_BYTES: Final = 4 * 1024 * 1024 * 1024
CHUNK: Final = 32
UNREADABLE: Final = "unreadable"


@dataclass(frozen=True, slots=True)
class Item:
    """One input: where it came from (a file name, or ``FILE:LINE``) and its bytes."""

    source: str
    data: bytes


@dataclass(frozen=True, slots=True)
class Verdict:
    source: str
    outcome: str  # an Outcome value, or "unreadable"
    report: dict[str, Any] | None  # the report's JSON form
    error: str | None = None  # why it could not be read


@dataclass
class BulkSummary:
    counts: dict[str, int] = field(default_factory=lambda: {
        str(Outcome.VERIFIED): 0, str(Outcome.INVALID): 0, str(Outcome.INDETERMINATE): 0,
        UNREADABLE: 0})
    seconds: float = 0.0
    # the content digests of the verified credentials: two files holding one credential
    # (a copy, or a copy whose ECDSA signature was re-encoded) are one credential
    verified_digests: set[str] = field(default_factory=set)

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    def to_json(self) -> dict[str, Any]:
        return {"total": self.total, **self.counts,
                "distinct_verified": len(self.verified_digests),
                "seconds": round(self.seconds, 3),
                "per_second": round(self.total / self.seconds, 1) if self.seconds else None}


def read_items(path: Path) -> Iterator[Item]:
    """The inputs of a directory (sorted; reports ``*.report.json`` and hidden files are
    skipped) or of a JSON Lines file."""
    from vcskill.qr.image import MAX_IMAGE_BYTES

    if path.is_dir():
        files = sorted(p for p in path.iterdir() if p.is_file()
                       and p.suffix.lower() in SUFFIXES and not p.name.startswith(".")
                       and not p.name.endswith(".report.json"))
        if len(files) > MAX_ITEMS:
            raise UsageError(f"{path} holds more than {MAX_ITEMS:,} credentials")
        for file in files:
            yield Item(file.name, read_up_to(file, MAX_IMAGE_BYTES))
        return
    if not path.is_file():
        raise InputError(f"{path} is neither a directory nor a readable file")
    if path.stat().st_size > MAX_JSONL_BYTES:
        raise InputError(f"{path} is larger than {MAX_JSONL_BYTES // 2**30} GiB")
    with path.open("rb") as handle:
        for number, line in enumerate(handle, 1):
            line = line.strip()
            if not line:
                continue
            if line.startswith(b'"'):  # a vc+jwt written as a JSON string
                try:
                    token = json.loads(line)
                except ValueError:
                    token = None
                line = token.encode("ascii", "replace") if isinstance(token, str) else line
            yield Item(f"{path.name}:{number}", line)


def _verify_one(verifier: Verifier, item: Item, at: datetime | None,
                policy: Policy | None) -> Verdict:
    try:
        data = credential_from_input(item.data)
    except Error as exc:
        return Verdict(item.source, UNREADABLE, None, f"{exc} [{exc.code}]")
    report = verifier.check(data, at=at, policy=policy)
    refusal = report.refusal  # not a credential this verifier judges: as the CLI's exit 2
    if refusal is not None:
        return Verdict(item.source, UNREADABLE, report.to_json(),
                       f"{refusal.detail} [{refusal.code}]")
    return Verdict(item.source, str(report.outcome), report.to_json())


_worker: dict[str, Any] = {}


def _start_worker(factory: Callable[[], Verifier]) -> None:
    _worker["verifier"] = factory()


def _verify_chunk(items: Sequence[Item], at: datetime | None, policy: Policy | None
                  ) -> list[Verdict]:
    return [_verify_one(_worker["verifier"], item, at, policy) for item in items]


def verify_items(items: Iterator[Item], factory: Callable[[], Verifier], *,
                 at: datetime | None = None, policy: Policy | None = None, workers: int = 1,
                 summary: BulkSummary | None = None,
                 verifier: Verifier | None = None) -> Iterator[Verdict]:
    """Verdicts in input order. ``factory`` builds the Verifier (once per process; with
    ``workers`` > 1 it must be picklable, e.g. a module-level function or a partial);
    ``verifier``, already built, serves a single-process run."""
    if workers < 1:
        raise UsageError("--workers must be at least 1")
    summary = summary if summary is not None else BulkSummary()
    started = time.monotonic()

    def account(verdict: Verdict) -> Verdict:
        summary.counts[verdict.outcome] += 1
        digest = ((verdict.report or {}).get("credential") or {}).get("digest")
        if verdict.outcome == Outcome.VERIFIED and isinstance(digest, str):
            summary.verified_digests.add(digest)
        summary.seconds = time.monotonic() - started
        return verdict

    if workers == 1:
        verifier = verifier or factory()
        for item in items:
            yield account(_verify_one(verifier, item, at, policy))
        return
    with ProcessPoolExecutor(max_workers=workers, mp_context=get_context("spawn"),
                             initializer=_start_worker, initargs=(factory,)) as pool:
        # A bounded window of chunks in flight: memory stays flat for a million lines.
        pending: list[Any] = []
        chunk: list[Item] = []
        for item in items:
            chunk.append(item)
            if len(chunk) == CHUNK:
                pending.append(pool.submit(_verify_chunk, chunk, at, policy))
                chunk = []
            while len(pending) > 4 * workers:
                yield from (account(v) for v in pending.pop(0).result())
        if chunk:
            pending.append(pool.submit(_verify_chunk, chunk, at, policy))
        for future in pending:
            yield from (account(v) for v in future.result())
