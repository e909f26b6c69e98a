"""The regulator's working directory: the draft of the next publication, kept between
``vcskill registry`` commands.

::

    DIR/
      draft.json      the roots so far, delegations, issuers, recognition rules, and the
                      last published version (never signed; only ``publish`` signs)
      root.json       root v1's envelope: the trust anchor to hand to verifiers
      roots/N.json    every root envelope, one file per version (the rotation history)
      .lock           taken for each read-modify-write, so two commands cannot interleave

Every write is atomic (:func:`vcskill.common.files.write_bytes_atomic`). The published version is
recorded only after the registry file is written, so a publish killed half-way is simply run
again with the same version; a version is never reused for other content once it is out
(``publish`` refuses to go backwards, and the verifier refuses equivocation).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from datetime import datetime
from pathlib import Path
from typing import Any, Final

from did_registry.build import Draft
from did_registry.errors import RegistryError
from did_registry.model import (
    NATIONAL,
    Delegation,
    IssuerEntry,
    Part,
    RecognitionRule,
    Root,
    StatusEntry,
    format_datetime,
)
from did_registry.pinning import root_fingerprint
from did_registry.signing import Envelope
from vcskill.common.files import exclusive_lock, read_up_to, write_bytes_atomic
from vcskill.errors import Code, UsageError
from vcskill.limits import DEFAULT_LIMITS
from vcskill.linkeddata.jsonparse import parse_json

__all__ = ["DRAFT_FILE", "Published", "WorkDir", "paint_status"]

DRAFT_FILE: Final = "draft.json"
DRAFT_TYPE: Final = "vcskill-registry-draft"
_MAX_DRAFT_BYTES: Final = 16 * 1024 * 1024


@dataclass(frozen=True)
class Published:
    """What the last ``publish`` put out: its version and when."""

    version: int
    issued: datetime
    path: str


@dataclass
class WorkDir:
    """A loaded working directory; change :attr:`draft`, then :meth:`save`."""

    path: Path
    draft: Draft
    published: Published | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    # -- create and open -----------------------------------------------------------------

    @classmethod
    def create(cls, path: Path, root_envelope: dict[str, Any], *, force: bool = False
               ) -> WorkDir:
        path = Path(path)
        if (path / DRAFT_FILE).exists() and not force:
            raise UsageError(f"{path} already holds a registry; pass --force to start over "
                             "(the old draft is replaced)")
        path.mkdir(parents=True, exist_ok=True)
        work = cls(path=path, draft=Draft(roots=[root_envelope]))
        work.save()
        return work

    @classmethod
    def open(cls, path: Path) -> WorkDir:
        path = Path(path)
        file = path / DRAFT_FILE
        if not file.is_file():
            raise UsageError(f"{path} is not a registry working directory (no {DRAFT_FILE}); "
                             "create one with `vcskill registry init`")
        data = read_up_to(file, _MAX_DRAFT_BYTES)
        if len(data) > _MAX_DRAFT_BYTES:
            raise RegistryError(f"{file} is larger than {_MAX_DRAFT_BYTES:,} bytes")
        limits = replace(DEFAULT_LIMITS, max_credential_bytes=_MAX_DRAFT_BYTES)
        value = parse_json(data, what=str(file), limits=limits)
        try:
            return cls._from_json(path, value)
        except (KeyError, TypeError, AttributeError) as exc:
            raise RegistryError(f"{file} is damaged ({exc!r}); restore it from a backup"
                                ) from None

    @classmethod
    def _from_json(cls, path: Path, value: Any) -> WorkDir:
        if not isinstance(value, dict) or value.get("type") != DRAFT_TYPE:
            raise RegistryError(f"{path / DRAFT_FILE} is not a vcskill registry draft")
        roots = [Envelope.from_json(r, f"roots[{i}]").to_json()
                 for i, r in enumerate(value["roots"])]
        draft = Draft(roots=roots)
        for item in value.get("delegations", []):
            draft.add_delegation(Delegation.from_json(item))
        for item in value.get("parts", []):
            part = Part.from_json(item)
            for entry in part.issuers:
                draft.add_issuer(entry)
            for rule in part.recognition:
                draft.add_recognition(rule, part.jurisdiction)
        published = value.get("published")
        return cls(
            path=path, draft=draft,
            published=None if published is None else Published(
                version=int(published["version"]),
                issued=datetime.fromisoformat(published["issued"].replace("Z", "+00:00")),
                path=str(published["path"]),
            ),
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "type": DRAFT_TYPE,
            "format": 1,
            "roots": self.draft.roots,
            "delegations": [d.to_json() for d in self.draft.delegations.values()],
            "parts": [p.to_json() for p in self.draft.parts()],
            "published": None if self.published is None else {
                "version": self.published.version,
                "issued": format_datetime(self.published.issued),
                "path": self.published.path,
            },
        }

    def save(self) -> None:
        """Write the draft, root.json and roots/N.json atomically."""
        data = (json.dumps(self.to_json(), ensure_ascii=False, indent=1) + "\n").encode()
        roots_dir = self.path / "roots"
        roots_dir.mkdir(exist_ok=True)
        for envelope in self.draft.roots:
            version = envelope["signed"]["version"]
            write_bytes_atomic(roots_dir / f"{version}.json", _encode(envelope))
        write_bytes_atomic(self.path / "root.json", _encode(self.draft.roots[0]))
        write_bytes_atomic(self.path / DRAFT_FILE, data)

    # -- what is in it -------------------------------------------------------------------

    @property
    def root(self) -> Root:
        """The newest root (the one that signs the next snapshot)."""
        return Root.from_json(self.draft.roots[-1]["signed"])

    @property
    def first_root(self) -> Root:
        return Root.from_json(self.draft.roots[0]["signed"])

    @property
    def fingerprint(self) -> str:
        """The fingerprint of root v1, the verifiers' trust anchor."""
        return root_fingerprint(self.first_root)

    def issuer(self, did: str) -> IssuerEntry:
        for entries in self.draft.issuers.values():
            for entry in entries:
                if entry.did == did:
                    return entry
        raise UsageError(f"{did} is not in this registry; add it with `registry issuer-add`")

    def has_issuer(self, did: str) -> bool:
        return any(e.did == did for entries in self.draft.issuers.values() for e in entries)

    def delegation(self, jurisdiction: str) -> Delegation | None:
        return self.draft.delegations.get(jurisdiction)

    def check_jurisdiction(self, jurisdiction: str) -> None:
        if jurisdiction != NATIONAL and jurisdiction not in self.draft.delegations:
            known = ", ".join([NATIONAL, *sorted(self.draft.delegations)])
            raise RegistryError(
                f"jurisdiction {jurisdiction} is not delegated (known: {known}); delegate it "
                "first with `registry delegate`", code=Code.REGISTRY_DELEGATION_VIOLATION)

    def recognitions(self) -> list[tuple[str, RecognitionRule]]:
        return [(j, r) for j, rules in self.draft.recognition.items() for r in rules]


def _encode(value: Any) -> bytes:
    return (json.dumps(value, ensure_ascii=False, indent=1) + "\n").encode("utf-8")


@contextmanager
def locked(path: Path) -> Iterator[None]:
    """Hold the working directory's exclusive lock (``path/.lock``) for a change."""
    with exclusive_lock(Path(path) / ".lock"):
        yield


def paint_status(history: tuple[StatusEntry, ...], new: StatusEntry) -> tuple[StatusEntry, ...]:
    """The status history with ``new`` painted over ``[new.start, new.end)``.

    What was in force outside that interval stays: suspending an approved issuer from
    1 February until 1 March leaves it approved before and, again, after; a removal with no
    end replaces everything from its date on.
    """
    kept: list[StatusEntry] = []
    for entry in history:
        if entry.start < new.start:  # the part before the new interval
            end = new.start if entry.end is None or entry.end > new.start else entry.end
            kept.append(StatusEntry(entry.status, entry.start, end, entry.reason, entry.extra))
        if new.end is not None and (entry.end is None or entry.end > new.end):
            start = max(entry.start, new.end)  # the part after it
            kept.append(StatusEntry(entry.status, start, entry.end, entry.reason, entry.extra))
    kept.append(new)
    return tuple(sorted(kept, key=lambda e: e.start))
