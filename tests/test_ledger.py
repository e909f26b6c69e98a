"""The issuer's ledger: indexes never reused, rows idempotent, status changes with reasons
(design research security.md §6.H)."""

from __future__ import annotations

import secrets
import sqlite3
from datetime import UTC, datetime
from multiprocessing import get_context
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from vcskill.errors import Code
from vcskill.issuing.ledger import Action, IssuedRecord, LedgerError, SQLiteLedger, State, permute

NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)


def open_ledger(path: Path, size: int = 131_072) -> SQLiteLedger:
    return SQLiteLedger.open(path, create=True, list_size=size,
                             settings={"issuer": "did:key:zTest", "status_url": "https://x/s"})


def reserve(ledger: SQLiteLedger, n: int, holder: str = "h") -> IssuedRecord:
    return ledger.reserve(f"S{n:06d}", holder, credential_id=f"urn:uuid:{n}", now=NOW)


@pytest.mark.parametrize("size", [1, 2, 3, 7, 8, 100, 1000, 4097])
def test_the_index_permutation_is_a_bijection(size: int) -> None:
    key = secrets.token_bytes(32)
    assert sorted(permute(key, n, size) for n in range(size)) == list(range(size))


def test_indexes_look_random_not_sequential() -> None:
    key = secrets.token_bytes(32)
    first = [permute(key, n, 131_072) for n in range(100)]
    assert first != sorted(first)
    assert max(first) - min(first) > 100_000  # spread over the list, as herd privacy needs


def test_the_permutation_refuses_to_run_past_the_list() -> None:
    with pytest.raises(LedgerError) as info:
        permute(b"k" * 32, 8, 8)
    assert info.value.code is Code.STATUS_LIST_FULL


@settings(max_examples=25, deadline=None)
@given(st.integers(1, 40), st.integers(1, 9))
def test_allocations_are_unique_and_survive_reopening(tmp_path_factory: pytest.TempPathFactory,
                                                      count: int, size: int) -> None:
    path = tmp_path_factory.mktemp("ledger") / "l.db"
    seen = set()
    for n in range(count):
        with open_ledger(path, size) as ledger:  # reopened every time: nothing is forgotten
            record = ledger.reserve(f"S{n}", "h", credential_id=f"c{n}", now=NOW)
        assert 0 <= record.index < size
        seen.add((record.list_number, record.index))
    assert len(seen) == count
    assert max(number for number, _ in seen) == (count - 1) // size + 1


def test_a_full_list_starts_the_next_one(tmp_path: Path) -> None:
    with open_ledger(tmp_path / "l.db", size=4) as ledger:
        records = [reserve(ledger, n) for n in range(9)]
        assert [r.list_number for r in records] == [1] * 4 + [2] * 4 + [3]
        assert [(s.number, s.allocated) for s in ledger.lists()] == [(1, 4), (2, 4), (3, 1)]


def test_the_same_row_again_is_the_same_credential(tmp_path: Path) -> None:
    with open_ledger(tmp_path / "l.db") as ledger:
        first = ledger.reserve("S1", "h", credential_id="urn:uuid:a", now=NOW)
        again = ledger.reserve("S1", "h", credential_id="urn:uuid:b", now=NOW)
        assert (again.credential_id, again.index, again.existing) == ("urn:uuid:a",
                                                                      first.index, True)
        assert again.state is State.RESERVED
        ledger.mark_issued("urn:uuid:a", now=NOW)
        found = ledger.find("S1")
        assert found is not None and found.state is State.ISSUED
        assert ledger.count() == {"issued": 1}


def test_a_certificate_number_is_never_reused_for_another_holder(tmp_path: Path) -> None:
    with open_ledger(tmp_path / "l.db") as ledger:
        first = ledger.reserve("S1", "holder-a", credential_id="urn:uuid:a", now=NOW)
        # reserved but never confirmed written (a crash, then the row corrected): the
        # corrected data takes the same id and index
        fixed = ledger.reserve("S1", "holder-b", credential_id="urn:uuid:b", now=NOW)
        assert (fixed.credential_id, fixed.index) == (first.credential_id, first.index)
        ledger.mark_issued(fixed.credential_id, now=NOW)
        with pytest.raises(LedgerError) as info:
            ledger.reserve("S1", "holder-c", credential_id="urn:uuid:c", now=NOW)
        assert info.value.code is Code.LEDGER_CONFLICT


def test_the_holder_digest_is_keyed_per_ledger(tmp_path: Path) -> None:
    holder = {"name": "张三", "id": "370102199001011234"}
    with open_ledger(tmp_path / "a.db") as a, open_ledger(tmp_path / "b.db") as b:
        assert a.holder_digest(holder) == a.holder_digest(dict(holder))
        assert a.holder_digest(holder) != b.holder_digest(holder)


def test_revocation_is_permanent_and_idempotent(tmp_path: Path) -> None:
    with open_ledger(tmp_path / "l.db") as ledger:
        reserve(ledger, 1)
        record, changed = ledger.change_status("S000001", Action.REVOKE, reason="fraud",
                                               now=NOW)
        assert (record.revoked, changed, record.reason) == (True, True, "fraud")
        _, changed = ledger.change_status("urn:uuid:1", Action.REVOKE, reason="again",
                                          now=NOW)
        assert changed is False
        with pytest.raises(LedgerError) as info:
            ledger.change_status("S000001", Action.REINSTATE, reason="mistake", now=NOW)
        assert info.value.code is Code.LEDGER_CONFLICT
        assert ledger.lists()[0].revoked == {record.index}


def test_suspension_is_reversible(tmp_path: Path) -> None:
    with open_ledger(tmp_path / "l.db") as ledger:
        record = reserve(ledger, 1)
        suspended, _ = ledger.change_status("S000001", Action.SUSPEND, reason="review",
                                            now=NOW)
        assert suspended.suspended and ledger.lists()[0].suspended == {suspended.index}
        back, changed = ledger.change_status("S000001", Action.REINSTATE, reason="cleared",
                                             now=NOW)
        assert changed and not back.suspended and not ledger.lists()[0].suspended
        assert back.index == record.index


def test_a_status_change_needs_a_reason_and_a_known_credential(tmp_path: Path) -> None:
    with open_ledger(tmp_path / "l.db") as ledger:
        reserve(ledger, 1)
        with pytest.raises(Exception, match="reason"):
            ledger.change_status("S000001", Action.REVOKE, reason="  ", now=NOW)
        with pytest.raises(LedgerError) as info:
            ledger.change_status("S999", Action.REVOKE, reason="x", now=NOW)
        assert info.value.code is Code.LEDGER_NOT_FOUND


def test_a_full_disk_records_nothing(tmp_path: Path) -> None:
    """H8: when the ledger cannot commit, the reservation fails: no index without a record."""
    path = tmp_path / "l.db"
    with open_ledger(path) as ledger:
        reserve(ledger, 1)
        pages = ledger._db.execute("PRAGMA page_count").fetchone()[0]
        ledger._db.execute(f"PRAGMA max_page_count = {pages}")
        with pytest.raises(LedgerError):
            for n in range(2, 500):
                ledger.reserve(f"S{n:06d}", "h" * 2000, credential_id=f"urn:uuid:{n}" * 50,
                               now=NOW)
    with open_ledger(path) as ledger:
        rows = ledger._db.execute("SELECT COUNT(*) FROM credentials").fetchone()[0]
        allocated = sum(s.allocated for s in ledger.lists())
        assert rows == allocated  # the counter never ran ahead of the records


def test_a_damaged_file_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "l.db"
    path.write_bytes(b"not a database" * 100)
    with pytest.raises(LedgerError, match="not a usable ledger"):
        open_ledger(path)


def test_opening_a_missing_ledger_without_create_says_how(tmp_path: Path) -> None:
    with pytest.raises(LedgerError, match="--ledger"):
        SQLiteLedger.open(tmp_path / "missing.db")


def _reserve_many(path: str, worker: int, count: int) -> list[tuple[int, int]]:
    with SQLiteLedger.open(Path(path)) as ledger:
        return [(r.list_number, r.index) for r in (
            ledger.reserve(f"W{worker}-{n}", "h", credential_id=f"urn:w{worker}:{n}", now=NOW)
            for n in range(count))]


def test_eight_processes_never_collide(tmp_path: Path) -> None:
    """H2: 8 processes reserving into one ledger at once get distinct indexes."""
    path = tmp_path / "l.db"
    open_ledger(path, size=64).close()  # small lists: the processes also race to open new ones
    with get_context("spawn").Pool(8) as pool:
        results = pool.starmap(_reserve_many, [(str(path), w, 25) for w in range(8)])
    allocated = [pair for result in results for pair in result]
    assert len(allocated) == 200
    assert len(set(allocated)) == 200
    with open_ledger(path) as ledger:
        assert sum(s.allocated for s in ledger.lists()) == 200
        db_pairs = ledger._db.execute("SELECT list_number, idx FROM credentials").fetchall()
        assert sorted(map(tuple, db_pairs)) == sorted(allocated)


def test_the_schema_version_is_checked(tmp_path: Path) -> None:
    path = tmp_path / "l.db"
    open_ledger(path).close()
    with sqlite3.connect(path) as db:
        db.execute("UPDATE meta SET value = '99' WHERE name = 'schema_version'")
    with pytest.raises(LedgerError, match="schema 99"):
        open_ledger(path)


def test_a_lookup_column_outside_the_two_keys_is_an_internal_error(tmp_path: Path) -> None:
    """The column name is spliced into the SQL: the guard must hold under ``python -O`` too."""
    import subprocess
    import sys

    code = ("import sys; from pathlib import Path; from vcskill.errors import InternalError\n"
            "from vcskill.issuing.ledger import SQLiteLedger\n"
            "ledger = SQLiteLedger.open(Path(sys.argv[1]), create=True, list_size=131_072,\n"
            "                           settings={'issuer': 'did:key:zT', 'status_url': 'https://x/s'})\n"
            "try:\n"
            "    ledger._by('1=1 OR row_key', 'x')\n"
            "except InternalError as exc:\n"
            "    print(exc.code, exc)\n")
    out = subprocess.run([sys.executable, "-O", "-c", code, str(tmp_path / "l.sqlite")],
                         capture_output=True, text=True, check=True).stdout
    assert out.startswith("INTERNAL_ERROR the ledger has no lookup by '1=1 OR row_key'")
