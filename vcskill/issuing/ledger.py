"""The issuer's ledger: every credential issued, its status-list index, and every status change.

The ledger is the issuer's memory. Without it an issuer cannot revoke what it issued, and one
that hands the same status index to two holders revokes a stranger (design research
security.md §6.H). So:

* **Indexes are never reused.** Each status list has a secret key and a counter; the index
  of the n-th credential on a list is ``permute(key, n)``, a keyed pseudo-random permutation
  of ``[0, size)`` (a Feistel network with cycle walking). Indexes therefore look random, as
  the Bitstring Status List spec advises for herd privacy (§"Privacy Considerations"), and
  are distinct by construction; the counter only grows, inside a write transaction.
* **Nothing leaves before it is recorded.** :meth:`SQLiteLedger.reserve` commits the row (state
  ``reserved``) before the credential is signed; :meth:`mark_issued` follows once the file is
  written. A process killed in between leaves a ``reserved`` row, which the next run for the
  same row key completes with the same credential id and index, never a new one.
* **Idempotent rows.** A row key (the certificate number) identifies a credential; reserving
  it again returns the existing record, and reserving it for other holder data is refused.
* **Revocation is permanent, suspension is not** (Bitstring Status List §2.1
  ``statusPurpose``). Status changes are appended as events with a reason; the current
  status is derived from them.

:class:`Ledger` is the interface; :class:`SQLiteLedger` (one file beside the key, WAL, explicit
``BEGIN IMMEDIATE`` transactions, safe across processes) the implementation. A PostgreSQL
ledger for institutions issuing from several hosts implements the same interface.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import sqlite3
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import Any, Final, Protocol

from vcskill.errors import Code, Error, InternalError, UsageError
from vcskill.model.credential import format_datetime

__all__ = [
    "DEFAULT_LIST_SIZE",
    "Action",
    "IssuedRecord",
    "Ledger",
    "LedgerError",
    "ListState",
    "SQLiteLedger",
    "permute",
]

DEFAULT_LIST_SIZE: Final = 131_072  # the spec's minimum (Bitstring Status List §3.1)
SCHEMA_VERSION: Final = 1
_BUSY_TIMEOUT_MS: Final = 60_000


class LedgerError(Error):
    default_code = Code.LEDGER_ERROR


class Action(StrEnum):
    REVOKE = "revoke"
    SUSPEND = "suspend"
    REINSTATE = "reinstate"


class State(StrEnum):
    RESERVED = "reserved"  # recorded, maybe signed, not known to be delivered
    ISSUED = "issued"


@dataclass(frozen=True, slots=True)
class IssuedRecord:
    """One credential in the ledger."""

    credential_id: str
    row_key: str  # the certificate number
    list_number: int
    index: int
    state: State
    reserved_at: datetime
    issued_at: datetime | None
    revoked: bool = False
    suspended: bool = False
    reason: str | None = None  # of the latest status change
    existing: bool = False  # reserve() found it from an earlier run


@dataclass(frozen=True, slots=True)
class ListState:
    """One status list: which indexes are revoked and suspended now."""

    number: int
    size: int
    allocated: int
    revoked: frozenset[int]
    suspended: frozenset[int]


class Ledger(Protocol):
    """What issuing, revoking and publishing need from storage (SQLite here; a PostgreSQL
    ledger for several issuing hosts implements the same methods)."""

    @property
    def path(self) -> Path: ...

    def setting(self, name: str) -> str | None: ...

    def holder_digest(self, holder: Mapping[str, Any]) -> str: ...

    def last_publication(self, list_number: int, purpose: str) -> tuple[int, str] | None: ...

    def record_publication(self, list_number: int, purpose: str, version: int,
                           encoded_list: str, *, now: datetime) -> None: ...

    def close(self) -> None: ...

    def reserve(self, row_key: str, holder_digest: str, *, credential_id: str,
                now: datetime) -> IssuedRecord: ...

    def reserve_many(self, rows: Sequence[tuple[str, str, str]], *, now: datetime
                     ) -> list[IssuedRecord | LedgerError]: ...

    def mark_issued(self, credential_id: str, *, now: datetime) -> None: ...

    def mark_issued_many(self, credential_ids: Sequence[str], *, now: datetime) -> None: ...

    def find(self, key: str) -> IssuedRecord | None: ...

    def change_status(self, key: str, action: Action, *, reason: str, now: datetime
                      ) -> tuple[IssuedRecord, bool]: ...

    def lists(self) -> list[ListState]: ...


# -- the index permutation ------------------------------------------------------------------

def permute(key: bytes, counter: int, size: int) -> int:
    """The ``counter``-th index of a list of ``size`` entries: a keyed bijection of
    ``[0, size)``. A 4-round Feistel network over ``2·h`` bits (``4^h ≥ size``), with cycle
    walking to stay below ``size`` (Black & Rogaway, "Ciphers with arbitrary finite domains",
    2002): distinct counters give distinct indexes."""
    if not 0 <= counter < size:
        raise LedgerError(f"the status list has {size} entries; entry {counter} is past its end",
                          code=Code.STATUS_LIST_FULL)
    half = max(1, ((size - 1).bit_length() + 1) // 2)
    mask = (1 << half) - 1
    value = counter
    while True:
        left, right = value >> half, value & mask
        for round_number in range(4):
            digest = hmac.new(key, bytes([round_number]) + right.to_bytes(8, "big"),
                              hashlib.sha256).digest()
            left, right = right, left ^ (int.from_bytes(digest[:8], "big") & mask)
        value = (left << half) | right
        if value < size:
            return value


# -- SQLite ---------------------------------------------------------------------------------

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (
    name TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS lists (
    number INTEGER PRIMARY KEY,
    size INTEGER NOT NULL CHECK (size > 0),
    permutation_key BLOB NOT NULL,
    allocated INTEGER NOT NULL DEFAULT 0 CHECK (allocated >= 0 AND allocated <= size),
    created TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS credentials (
    credential_id TEXT PRIMARY KEY,
    row_key TEXT NOT NULL UNIQUE,
    holder_digest TEXT NOT NULL,
    list_number INTEGER NOT NULL REFERENCES lists(number),
    idx INTEGER NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('reserved', 'issued')),
    reserved_at TEXT NOT NULL,
    issued_at TEXT,
    UNIQUE (list_number, idx)
);
CREATE TABLE IF NOT EXISTS status_events (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    credential_id TEXT NOT NULL REFERENCES credentials(credential_id),
    action TEXT NOT NULL CHECK (action IN ('revoke', 'suspend', 'reinstate')),
    reason TEXT NOT NULL,
    at TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS status_events_by_credential ON status_events(credential_id, seq);
CREATE TABLE IF NOT EXISTS publications (
    list_number INTEGER NOT NULL REFERENCES lists(number),
    purpose TEXT NOT NULL,
    version INTEGER NOT NULL,
    published_at TEXT NOT NULL,
    encoded_list TEXT NOT NULL,
    PRIMARY KEY (list_number, purpose, version)
);
"""


def _timestamp(moment: datetime) -> str:
    """A ledger time: UTC, to the second, as the credentials write it (2026-12-04T09:30:00Z)."""
    if moment.tzinfo is None:
        raise UsageError("ledger times need a time zone")
    return format_datetime(moment.astimezone(UTC))


def _parse_time(text: str | None) -> datetime | None:
    return None if text is None else datetime.fromisoformat(text)  # reads "Z" since 3.11


class SQLiteLedger:
    """The ledger in one SQLite file (WAL journal, ``synchronous=FULL``)."""

    def __init__(self, path: Path, connection: sqlite3.Connection) -> None:
        self.path = path
        self._db = connection

    # -- opening ---------------------------------------------------------------------------

    @classmethod
    def open(cls, path: str | Path, *, create: bool = False,
             settings: Mapping[str, str] | None = None,
             list_size: int = DEFAULT_LIST_SIZE) -> SQLiteLedger:
        """Open ``path``; with ``create``, make it (mode 0600) if it does not exist yet and
        record ``settings`` (e.g. the issuer DID and the status list base URL) in it."""
        path = Path(path)
        exists = path.exists()
        if not exists and not create:
            raise LedgerError(f"no ledger at {path}; issue with --ledger and --status-url "
                              "to create one", code=Code.LEDGER_ERROR)
        if not exists:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.touch(mode=0o600, exist_ok=True)
        try:
            connection = sqlite3.connect(path, timeout=_BUSY_TIMEOUT_MS / 1000,
                                         isolation_level=None, check_same_thread=False)
            connection.execute(f"PRAGMA busy_timeout = {_BUSY_TIMEOUT_MS}")
            connection.execute("PRAGMA journal_mode = WAL")
            # FULL: a committed reservation survives power loss, not only a killed process.
            connection.execute("PRAGMA synchronous = FULL")
            connection.execute("PRAGMA foreign_keys = ON")
        except sqlite3.DatabaseError as exc:
            raise LedgerError(f"{path} is not a usable ledger: {exc}") from None
        ledger = cls(path, connection)
        with ledger._write():
            # statement by statement: executescript() would commit the transaction
            for statement in _SCHEMA.split(";"):
                if statement.strip():
                    ledger._db.execute(statement)
            version = ledger._get("schema_version")
            if version is None:
                ledger._set("schema_version", str(SCHEMA_VERSION))
                ledger._set("secret", secrets.token_hex(32))
                ledger._set("list_size", str(list_size))
                for name, value in (settings or {}).items():
                    ledger._set(name, value)
            elif version != str(SCHEMA_VERSION):
                raise LedgerError(f"{path} has ledger schema {version}; this vcskill reads "
                                  f"schema {SCHEMA_VERSION}")
        return ledger

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> SQLiteLedger:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def _write(self) -> Iterator[None]:
        """One write transaction, taken before reading (``BEGIN IMMEDIATE``), so two
        processes never allocate from the same counter value."""
        try:
            self._db.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as exc:
            raise LedgerError(f"the ledger {self.path} is busy or unwritable: {exc}") from None
        try:
            yield
            self._db.execute("COMMIT")
        except sqlite3.Error as exc:  # disk full, read-only, damaged: nothing was recorded
            self._rollback()
            raise LedgerError(f"the ledger {self.path} could not record the change: {exc}"
                              ) from None
        except BaseException:
            self._rollback()
            raise

    @contextmanager
    def _reading(self) -> Iterator[None]:
        """Reads fail as a LedgerError too: a damaged page surfaces on the first read of it,
        which may be long after the file opened."""
        try:
            yield
        except sqlite3.Error as exc:
            raise LedgerError(f"the ledger {self.path} could not be read: {exc}; restore it "
                              "from a backup made after the last issuing session") from None

    def _rollback(self) -> None:
        if self._db.in_transaction:  # SQLite may already have rolled back (SQLITE_FULL)
            self._db.execute("ROLLBACK")

    def _get(self, name: str) -> str | None:
        with self._reading():
            row = self._db.execute("SELECT value FROM meta WHERE name = ?", (name,)).fetchone()
        return None if row is None else str(row[0])

    def _set(self, name: str, value: str) -> None:
        self._db.execute("INSERT OR REPLACE INTO meta (name, value) VALUES (?, ?)",
                         (name, value))

    # -- settings ----------------------------------------------------------------------------

    def setting(self, name: str) -> str | None:
        """A value recorded when the ledger was created (``issuer``, ``status_url``...)."""
        return None if name == "secret" else self._get(name)

    def holder_digest(self, holder: Mapping[str, Any]) -> str:
        """A keyed digest of the holder data of a row, to tell a re-run of the same row from
        a certificate number reused for someone else (the ledger keeps no identity numbers)."""
        secret = bytes.fromhex(self._get("secret") or "")
        data = json.dumps(holder, ensure_ascii=False, sort_keys=True).encode("utf-8")
        return hmac.new(secret, data, hashlib.sha256).hexdigest()

    # -- issuing ------------------------------------------------------------------------------

    def reserve(self, row_key: str, holder_digest: str, *, credential_id: str,
                now: datetime) -> IssuedRecord:
        """Record a credential before it is signed and give it its list and index.

        The same ``row_key`` again returns the existing record (``existing=True``): a re-run
        completes it rather than issuing twice. Other holder data under the key of an
        *issued* credential is refused (``LEDGER_CONFLICT``); a row only ``reserved`` (never
        confirmed written) takes the new holder data and keeps its id and index.
        """
        record = self.reserve_many([(row_key, holder_digest, credential_id)], now=now)[0]
        if isinstance(record, LedgerError):
            raise record
        return record

    def reserve_many(self, rows: Sequence[tuple[str, str, str]], *, now: datetime
                     ) -> list[IssuedRecord | LedgerError]:
        """:meth:`reserve` for ``(row_key, holder_digest, credential_id)`` rows, in one
        transaction (one commit for a chunk of a batch, not one per row). A row refused
        (``LEDGER_CONFLICT``) gets its error in its place; the others are reserved."""
        records: list[IssuedRecord | LedgerError] = []
        with self._write():
            for row_key, holder_digest, credential_id in rows:
                if not row_key:
                    raise UsageError("a ledger row needs a key (the certificate number)")
                found = self._db.execute(
                    "SELECT credential_id, holder_digest, state FROM credentials WHERE "
                    "row_key = ?", (row_key,)).fetchone()
                if found is not None:
                    if found[1] != holder_digest:
                        if found[2] == State.ISSUED:
                            records.append(LedgerError(
                                f"certificate number {row_key} was already issued to another "
                                f"holder ({found[0]}); a number is never reused",
                                code=Code.LEDGER_CONFLICT))
                            continue
                        self._db.execute("UPDATE credentials SET holder_digest = ? WHERE "
                                         "row_key = ?", (holder_digest, row_key))
                    existing = self._by("credential_id", found[0])
                    if existing is None:
                        raise InternalError(f"the ledger lost credential {found[0]} while "
                                            "reserving it")
                    records.append(_with(existing, existing=True))
                    continue
                number, size, key, allocated = self._open_list(now)
                index = permute(key, allocated, size)
                self._db.execute("UPDATE lists SET allocated = allocated + 1 WHERE number = ?",
                                 (number,))
                self._db.execute(
                    "INSERT INTO credentials (credential_id, row_key, holder_digest, "
                    "list_number, idx, state, reserved_at) VALUES (?, ?, ?, ?, ?, 'reserved', ?)",
                    (credential_id, row_key, holder_digest, number, index, _timestamp(now)))
                # a new row: everything about it is known, no need to read it back
                records.append(IssuedRecord(
                    credential_id=credential_id, row_key=row_key, list_number=number,
                    index=index, state=State.RESERVED,
                    reserved_at=_parse_time(_timestamp(now)) or now, issued_at=None))
        return records

    def _open_list(self, now: datetime) -> tuple[int, int, bytes, int]:
        row = self._db.execute("SELECT number, size, permutation_key, allocated FROM lists "
                               "WHERE allocated < size ORDER BY number LIMIT 1").fetchone()
        if row is not None:
            return int(row[0]), int(row[1]), bytes(row[2]), int(row[3])
        # every list is full (or there is none yet): start the next one
        last = self._db.execute("SELECT COALESCE(MAX(number), 0) FROM lists").fetchone()[0]
        size = int(self._get("list_size") or DEFAULT_LIST_SIZE)
        key = secrets.token_bytes(32)
        self._db.execute("INSERT INTO lists (number, size, permutation_key, created) "
                         "VALUES (?, ?, ?, ?)", (last + 1, size, key, _timestamp(now)))
        return last + 1, size, key, 0

    def mark_issued(self, credential_id: str, *, now: datetime) -> None:
        """The credential was written: it is issued."""
        self.mark_issued_many([credential_id], now=now)

    def mark_issued_many(self, credential_ids: Sequence[str], *, now: datetime) -> None:
        with self._write():
            self._db.executemany("UPDATE credentials SET state = 'issued', issued_at = "
                                 "COALESCE(issued_at, ?) WHERE credential_id = ?",
                                 [(_timestamp(now), i) for i in credential_ids])

    # -- finding ------------------------------------------------------------------------------

    def find(self, key: str) -> IssuedRecord | None:
        """A credential by its id or its certificate number."""
        with self._reading():
            return self._by("credential_id", key) or self._by("row_key", key)

    def _by(self, column: str, value: str) -> IssuedRecord | None:
        if column not in ("credential_id", "row_key"):  # the column is spliced into the SQL
            raise InternalError(f"the ledger has no lookup by {column!r}")
        row = self._db.execute(
            "SELECT credential_id, row_key, list_number, idx, state, reserved_at, issued_at "
            f"FROM credentials WHERE {column} = ?", (value,)).fetchone()
        if row is None:
            return None
        revoked, suspended, reason = self._status(row[0])
        return IssuedRecord(credential_id=row[0], row_key=row[1], list_number=int(row[2]),
                            index=int(row[3]), state=State(row[4]),
                            reserved_at=_parse_time(row[5]) or datetime.now(UTC),
                            issued_at=_parse_time(row[6]), revoked=revoked,
                            suspended=suspended, reason=reason)

    def _status(self, credential_id: str) -> tuple[bool, bool, str | None]:
        revoked = suspended = False
        reason = None
        for action, why in self._db.execute(
                "SELECT action, reason FROM status_events WHERE credential_id = ? "
                "ORDER BY seq", (credential_id,)):
            reason = why
            if action == Action.REVOKE:
                revoked = True
            elif action == Action.SUSPEND:
                suspended = True
            else:
                suspended = False
        return revoked, suspended, reason

    def count(self) -> dict[str, int]:
        """How many credentials are reserved and issued."""
        return {str(state): int(n) for state, n in self._db.execute(
            "SELECT state, COUNT(*) FROM credentials GROUP BY state")}

    # -- status --------------------------------------------------------------------------------

    def change_status(self, key: str, action: Action, *, reason: str, now: datetime
                      ) -> tuple[IssuedRecord, bool]:
        """Revoke, suspend or reinstate; returns the record and whether anything changed.

        Revoking twice or suspending a suspended credential changes nothing; reinstating
        lifts a suspension only: revocation is permanent (``LEDGER_CONFLICT``).
        """
        action = Action(action)
        if not reason or not reason.strip():
            raise UsageError("give a --reason: it is kept in the ledger")
        with self._write():
            record = self.find(key)
            if record is None:
                raise LedgerError(f"{key} is not in this ledger (give a credential id, a "
                                  "certificate number or a credential file)",
                                  code=Code.LEDGER_NOT_FOUND)
            if action is Action.REINSTATE and record.revoked:
                raise LedgerError(f"{record.credential_id} is revoked, and revocation is "
                                  "permanent; it cannot be reinstated",
                                  code=Code.LEDGER_CONFLICT)
            unchanged = (action is Action.REVOKE and record.revoked) or \
                (action is Action.SUSPEND and (record.suspended or record.revoked)) or \
                (action is Action.REINSTATE and not record.suspended)
            if not unchanged:
                self._db.execute("INSERT INTO status_events (credential_id, action, reason, "
                                 "at) VALUES (?, ?, ?, ?)",
                                 (record.credential_id, str(action), reason, _timestamp(now)))
        updated = self.find(record.credential_id)
        if updated is None:
            raise InternalError(f"the ledger lost credential {record.credential_id} while "
                                "changing its status")
        return updated, not unchanged

    def lists(self) -> list[ListState]:
        """Every status list with its current revoked and suspended indexes (from events)."""
        with self._reading():
            return self._lists()

    def _lists(self) -> list[ListState]:
        out = []
        for number, size, allocated in self._db.execute(
                "SELECT number, size, allocated FROM lists ORDER BY number").fetchall():
            revoked: set[int] = set()
            suspended: set[int] = set()
            rows = self._db.execute(
                "SELECT c.idx, e.action FROM status_events e JOIN credentials c "
                "ON c.credential_id = e.credential_id WHERE c.list_number = ? "
                "ORDER BY e.seq", (number,)).fetchall()
            for index, action in rows:
                if action == Action.REVOKE:
                    revoked.add(int(index))
                elif action == Action.SUSPEND:
                    suspended.add(int(index))
                else:
                    suspended.discard(int(index))
            out.append(ListState(int(number), int(size), int(allocated), frozenset(revoked),
                                 frozenset(suspended - revoked)))
        return out

    # -- publications ----------------------------------------------------------------------------

    def last_publication(self, list_number: int, purpose: str) -> tuple[int, str] | None:
        """The version and encoded list of the last publication of one list and purpose."""
        with self._reading():
            row = self._db.execute(
                "SELECT version, encoded_list FROM publications WHERE list_number = ? AND "
                "purpose = ? ORDER BY version DESC LIMIT 1", (list_number, purpose)).fetchone()
        return None if row is None else (int(row[0]), str(row[1]))

    def record_publication(self, list_number: int, purpose: str, version: int,
                           encoded_list: str, *, now: datetime) -> None:
        with self._write():
            self._db.execute(
                "INSERT OR REPLACE INTO publications (list_number, purpose, version, "
                "published_at, encoded_list) VALUES (?, ?, ?, ?, ?)",
                (list_number, purpose, version, _timestamp(now), encoded_list))


def _with(record: IssuedRecord, **changes: Any) -> IssuedRecord:
    return replace(record, **changes)
