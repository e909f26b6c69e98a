"""Issuing through the ledger, revoking, and publishing the status lists.

* :func:`issue_recorded` — reserve the row in the ledger (list and index), sign the
  credential with a revocation and a suspension entry at that index, write it atomically,
  then mark it issued. A crash anywhere leaves either nothing or a ``reserved`` row that the
  next run completes with the same id and index (design research security.md §6.H, H1/H8).
* :func:`publish_status_lists` — from the ledger (the source of truth, H9), sign one
  ``BitstringStatusListCredential`` per list and purpose, with a validity period so that
  verifiers can judge freshness, and write each atomically (H5). A revocation bit once
  published is never cleared (H6).

List URLs: ``<status_url>/<list number>-<purpose>.json``; ``status publish --out-dir``
writes exactly those file names, to be hosted under ``status_url``.
"""

from __future__ import annotations

import dataclasses
import json
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Final

from vcskill.common.files import fsync_directory, write_text_atomic
from vcskill.errors import Code, Error, UsageError
from vcskill.issuing.ledger import IssuedRecord, Ledger, LedgerError, SQLiteLedger, State
from vcskill.issuing.request import IssueRequest, IssueResult, build_credential
from vcskill.issuing.signing import ProofFormat, sign_credential
from vcskill.keys.keyfile import KeyFile
from vcskill.keys.resolver import ResolvedKey
from vcskill.linkeddata.contexts import ContextStore
from vcskill.model.credential import SkillCredential
from vcskill.status.statuslist import (
    Bitstring,
    StatusPurpose,
    build_status_list_credential,
    cleared_bits,
    parse_status_list_credential,
    status_entry,
)

__all__ = [
    "PURPOSES",
    "PublishedList",
    "RecordedIssue",
    "default_status_url",
    "issue_many",
    "issue_recorded",
    "list_url",
    "open_ledger",
    "publish_status_lists",
]

PURPOSES: Final = (StatusPurpose.REVOCATION, StatusPurpose.SUSPENSION)
DEFAULT_LIST_VALIDITY: Final = timedelta(days=7)


def list_url(status_url: str, number: int, purpose: StatusPurpose) -> str:
    return f"{status_url.rstrip('/')}/{number}-{purpose.value}.json"


def default_status_url(key_file: KeyFile) -> str | None:
    """``https://<host>[/path]/status`` for a did:web issuer; None for did:key."""
    from vcskill.keys.did import parse_did_web

    controller = key_file.metadata.controller
    if not controller.startswith("did:web:"):
        return None
    web = parse_did_web(controller)
    host = web.host + (f":{web.port}" if web.port else "")
    path = "".join(f"/{segment}" for segment in web.path)
    return f"https://{host}{path}/status"


def open_ledger(path: Path, key_file: KeyFile, *, status_url: str | None = None,
                list_size: int | None = None) -> SQLiteLedger:
    """Open (or create) the issuer's ledger and check it belongs to this key's issuer.

    A new ledger records the issuer DID and the status list base URL (``status_url``, or
    ``https://<host>/status`` for a did:web issuer); they never change afterwards.
    """
    issuer = key_file.metadata.controller
    url = status_url or default_status_url(key_file)
    if not path.exists():
        if not url:
            raise UsageError(
                "a new ledger needs the web address its status lists will be published at: "
                "pass --status-url https://… (a did:web issuer defaults to "
                "https://<host>/status)")
        if not url.startswith("https://") and not _is_loopback_http(url):
            raise UsageError(f"--status-url {url!r} must be an https:// URL (verifiers and "
                             "sync fetch status lists over https)")
    kwargs: dict[str, Any] = {"list_size": list_size} if list_size else {}
    ledger = SQLiteLedger.open(path, create=True,
                               settings={"issuer": issuer, "status_url": url or ""}, **kwargs)
    recorded, recorded_url = ledger.setting("issuer"), ledger.setting("status_url") or ""
    if recorded != issuer:
        ledger.close()
        raise LedgerError(f"the ledger {path} belongs to {recorded}, not to this key's issuer "
                          f"{issuer}", code=Code.LEDGER_CONFLICT)
    if status_url and status_url.rstrip("/") != recorded_url.rstrip("/"):
        ledger.close()
        raise UsageError(f"the ledger {path} publishes its status lists at {recorded_url}; "
                         "--status-url cannot change that")
    return ledger


def _is_loopback_http(url: str) -> bool:
    """http://127.0.0.1… or http://localhost…: for tests and local trials only."""
    return url.startswith(("http://127.0.0.1:", "http://127.0.0.1/", "http://localhost:",
                           "http://localhost/"))


# -- issuing -----------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class RecordedIssue:
    record: IssuedRecord
    result: IssueResult | None  # None when the row was already issued (skipped)

    @property
    def skipped(self) -> bool:
        return self.result is None


def _holder_data(request: IssueRequest) -> dict[str, Any]:
    """What identifies the holder of a row, for telling a re-run from a reused number."""
    return {"name": request.holder_name, "id": request.id_number or "",
            "occupation": request.occupation, "level": request.level,
            "work_type": request.work_type or "",
            "valid_from": request.valid_from.isoformat() if request.valid_from else ""}


def issue_recorded(key_file: KeyFile, request: IssueRequest, ledger: Ledger,
                   out: Path, *, now: datetime | None = None,
                   contexts: ContextStore | None = None,
                   skip_issued: bool = True) -> RecordedIssue:
    """Issue one credential through the ledger and write it to ``out``.

    The row key is the certificate number (required here: it is what makes a re-run safe).
    An already issued row is skipped (``skip_issued``) or refused (``LEDGER_CONFLICT``).
    """
    done = issue_many(key_file, [(request, out)], ledger, now=now, contexts=contexts)[0]
    if isinstance(done, Error):
        raise done
    if done.skipped and not skip_issued:
        raise LedgerError(f"certificate number {done.record.row_key} was already issued as "
                          f"{done.record.credential_id}", code=Code.LEDGER_CONFLICT)
    return done


def issue_many(key_file: KeyFile, jobs: Sequence[tuple[IssueRequest, Path]],
               ledger: Ledger, *, now: datetime | None = None,
               contexts: ContextStore | None = None) -> list[RecordedIssue | Error]:
    """Issue a chunk of credentials through the ledger, one outcome per job, in order.

    Order of durable steps (a crash between any two loses nothing and reuses nothing):
    every row is built and checked first (a bad row is never reserved); the good rows are
    reserved in one transaction; each is signed and written (file fsync); the directory is
    fsynced; then they are marked issued in one transaction.
    """
    now = now or datetime.now(UTC)
    status_url = ledger.setting("status_url")
    if not status_url:
        raise LedgerError(f"the ledger {ledger.path} has no status list URL")
    outcomes: list[RecordedIssue | Error | None] = [None] * len(jobs)
    built: list[tuple[int, SkillCredential, list[str], IssueRequest]] = []
    for position, (request, _) in enumerate(jobs):
        try:
            if not request.certificate_number:
                raise UsageError("issuing with a ledger needs a certificate number "
                                 "(--certificate-number, or the certificate_number column): "
                                 "it keys the row")
            credential, notes = build_credential(key_file, request)
            built.append((position, credential, notes, request))
        except Error as exc:
            outcomes[position] = exc
    records = ledger.reserve_many(
        [(request.certificate_number or "", ledger.holder_digest(_holder_data(request)),
          request.credential_id or f"urn:uuid:{uuid.uuid4()}")
         for _, _, _, request in built], now=now)
    private = key_file.private_key
    written: list[str] = []
    directories: set[Path] = set()
    for (position, credential, notes, request), record in zip(built, records, strict=True):
        if isinstance(record, LedgerError):  # e.g. a number issued to another holder
            outcomes[position] = record
            continue
        if record.existing and record.state is State.ISSUED:
            outcomes[position] = RecordedIssue(record, None)
            continue
        try:
            entries = tuple(status_entry(list_url(status_url, record.list_number, purpose),
                                         record.index, purpose) for purpose in PURPOSES)
            credential = dataclasses.replace(credential, id=record.credential_id,
                                             credential_status=entries)
            proof_format = (ProofFormat(request.proof_format) if request.proof_format
                            else ProofFormat.default_for(private.algorithm))
            signed = sign_credential(credential.to_json(), private,
                                     verification_method=key_file.metadata.verification_method,
                                     proof_format=proof_format, contexts=contexts)
            result = IssueResult(credential, signed, proof_format, tuple(notes))
            out = jobs[position][1]
            write_text_atomic(out, result.serialized, sync_directory=False)
            directories.add(out.parent)
        except Error as exc:  # stays reserved: its index is never given to anyone else
            outcomes[position] = exc
            continue
        written.append(record.credential_id)
        outcomes[position] = RecordedIssue(record, result)
    for directory in directories:
        fsync_directory(directory)
    if written:
        ledger.mark_issued_many(written, now=now)
    return [o for o in outcomes if o is not None]


# -- publishing --------------------------------------------------------------------------

@dataclass(frozen=True, slots=True)
class PublishedList:
    path: Path
    url: str
    purpose: StatusPurpose
    list_number: int
    version: int
    set_bits: int
    changed: bool  # differs from the previous publication


def publish_status_lists(ledger: Ledger, key_file: KeyFile, out_dir: Path, *,
                         now: datetime | None = None,
                         valid_for: timedelta = DEFAULT_LIST_VALIDITY,
                         proof_format: str | None = None,
                         contexts: ContextStore | None = None) -> list[PublishedList]:
    """Sign and write every status list of the ledger (both purposes), atomically.

    Safe to re-run (H9): the lists are recomputed from the ledger each time.
    """
    now = (now or datetime.now(UTC)).replace(microsecond=0)
    if valid_for <= timedelta(0):
        raise UsageError("a status list needs a validity period of at least one day")
    if ledger.setting("issuer") != key_file.metadata.controller:
        raise LedgerError(f"the ledger belongs to {ledger.setting('issuer')}; sign its lists "
                          "with that issuer's key", code=Code.LEDGER_CONFLICT)
    status_url = ledger.setting("status_url") or ""
    out_dir.mkdir(parents=True, exist_ok=True)
    issuer: Mapping[str, Any] | str = key_file.metadata.controller
    private = key_file.private_key
    chosen = ProofFormat(proof_format) if proof_format else \
        ProofFormat.default_for(private.algorithm)
    if chosen is ProofFormat.VC_JWT:
        raise UsageError("status lists are published with a Data Integrity proof")
    written: list[PublishedList] = []
    for state in ledger.lists():
        for purpose in PURPOSES:
            bits = Bitstring(state.size)
            for index in (state.revoked if purpose is StatusPurpose.REVOCATION
                          else state.suspended):
                bits.set(index, True)
            previous = ledger.last_publication(state.number, purpose.value)
            url = list_url(status_url, state.number, purpose)
            path = out_dir / url.rsplit("/", 1)[1]
            if purpose is StatusPurpose.REVOCATION:
                # A revocation is permanent: no publication may clear a bit (H6), neither one
                # the ledger recorded publishing nor one in the list already in out_dir (a
                # ledger restored from an old backup has forgotten publishing it).
                published = [Bitstring.from_encoded(previous[1]).to_bytes()] if previous else []
                on_disk = _published_bits(path, key_file, url, contexts)
                published += [on_disk] if on_disk is not None else []
                for old in published:
                    _refuse_clearing(old, bits.to_bytes(), state.number, path)
            encoded = bits.encode()
            document = build_status_list_credential(
                list_url=url, issuer=issuer, purpose=purpose, bits=bits, valid_from=now,
                valid_until=now + valid_for)
            signed = sign_credential(document, private,
                                     verification_method=key_file.metadata.verification_method,
                                     proof_format=chosen, contexts=contexts)
            write_text_atomic(path, json.dumps(signed, ensure_ascii=False, indent=2) + "\n")
            version = previous[0] + 1 if previous else 1
            ledger.record_publication(state.number, purpose.value, version, encoded, now=now)
            written.append(PublishedList(
                path=path, url=url, purpose=purpose, list_number=state.number,
                version=version,
                set_bits=len(state.revoked if purpose is StatusPurpose.REVOCATION
                             else state.suspended),
                changed=previous is None or previous[1] != encoded))
    # The index names the lists, so that `vcskill sync` can mirror them (registry statusUrl).
    status_index: dict[str, Any] = {
        "type": "vcskill-status-index", "issuer": key_file.metadata.controller,
        "lists": sorted({item.path.name for item in written}), "published": now.isoformat(),
    }
    write_text_atomic(out_dir / "index.json", json.dumps(status_index, indent=1) + "\n")
    return written


def _refuse_clearing(old: bytes, new: bytes, list_number: int, path: Path) -> None:
    cleared = cleared_bits(old, new)
    if cleared or len(new) < len(old):
        raise LedgerError(
            f"list {list_number}: publishing would clear revocation bits {cleared[:5]} that "
            f"were published before ({path.name}); the ledger may have been restored from an "
            "old backup: restore the latest one, or issue from the ledger that published them",
            code=Code.LEDGER_CONFLICT)


def _published_bits(path: Path, key_file: KeyFile, url: str,
                    contexts: ContextStore | None) -> bytes | None:
    """The bits of the revocation list already at ``path``, when it is this list and this
    key signed it; None when there is none (or it is not ours: then it protects nothing)."""
    from vcskill.linkeddata.jsonparse import parse_json
    from vcskill.proofs.dataintegrity import verify_proof_set

    try:
        document = parse_json(path.read_bytes(), what="status list credential")
        if not isinstance(document, dict):
            return None
        listed = parse_status_list_credential(document)
        if listed.id != url or listed.issuer != key_file.metadata.controller:
            return None
        checks = verify_proof_set(document, resolver=_OwnKey(key_file),
                                  contexts=contexts or ContextStore.bundled())
    except (OSError, Error):
        return None
    return listed.bits if checks and all(c.verified for c in checks) else None


class _OwnKey:
    """A resolver that knows one key: the issuer's own, from its key file."""

    def __init__(self, key_file: KeyFile) -> None:
        meta = key_file.metadata
        self._own = ResolvedKey(meta.verification_method, meta.controller,
                                key_file.public_key, "key file")

    def resolve(self, verification_method: str) -> ResolvedKey:
        if verification_method != self._own.verification_method:
            raise Error(f"{verification_method} is not this issuer's key", code=Code.UNKNOWN_KEY)
        return self._own
