"""The small interface between the verifier and a trusted issuer registry.

The verifier asks three questions, always about a moment in time:

* which public key does this verification method name, and was it one of the issuer's
  registered keys *then*? (:meth:`TrustRegistry.resolve_key`)
* who is this issuer, and what was its regulator standing when it issued and what is it now?
  (:meth:`TrustRegistry.issuer`)
* was it authorised, when it issued, for this occupation and level?
  (:meth:`TrustRegistry.authorization`)

``did_registry`` implements this interface from a verified, signed registry snapshot;
``vcskill`` never imports ``did_registry`` (see docs/architecture.md). Answers are plain
frozen values so that the verifier's report can show them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Protocol

from vcskill.keys.resolver import ResolvedKey


class Standing(StrEnum):
    """An issuer's regulator status at one moment."""

    APPROVED = "approved"
    SUSPENDED = "suspended"
    REMOVED = "removed"
    NOT_YET_APPROVED = "not-yet-approved"  # listed, but the moment precedes its approval


@dataclass(frozen=True, slots=True)
class IssuerFacts:
    """What the registry says of one issuer, judged at issue time and now."""

    did: str
    name: str  # the name filed with the regulator
    uscc: str | None
    category: str
    jurisdiction: str
    regulator: str  # the name of the supervising regulator
    standing_at_issue: Standing
    standing_now: Standing
    reason_at_issue: str | None = None  # e.g. why it was suspended then
    reason_now: str | None = None


@dataclass(frozen=True, slots=True)
class Authorization:
    """The registry's verdict on one occupation and level at one moment."""

    authorized: bool
    detail: str  # one sentence, e.g. "in scope 6-31-01-03 L5-L3 since 2024-01-01"


@dataclass(frozen=True, slots=True)
class RegistryInfo:
    """Which snapshot answered, for the report (``registry`` in ``verify --json``)."""

    version: int
    issued: datetime
    expires: datetime
    root_name: str
    root_version: int
    expired: bool = False  # past ``expires`` at the time judged, and accepted anyway
    source: str = ""  # the file or cache it was loaded from

    def to_json(self) -> dict[str, object]:
        return {
            "version": self.version,
            "issued": self.issued.isoformat(),
            "expires": self.expires.isoformat(),
            "root": self.root_name,
            "root_version": self.root_version,
            "expired": self.expired,
            "source": self.source,
        }


class TrustRegistry(Protocol):
    """A verified registry snapshot, queried offline."""

    @property
    def info(self) -> RegistryInfo: ...

    def resolve_key(self, verification_method: str, *, at: datetime) -> ResolvedKey:
        """The key the method names, if it was the controller's registered key at ``at``.

        Raises :class:`vcskill.errors.Error`: ``ISSUER_UNKNOWN`` when the controller is not
        in the registry, ``UNKNOWN_KEY`` when the key is not one of its keys, or was not
        valid at ``at``.
        """
        ...

    def issuer(self, did: str, *, issued: datetime, now: datetime) -> IssuerFacts | None:
        """The issuer's entry judged at ``issued`` and ``now``; None if it is not listed."""
        ...

    def authorization(
        self, did: str, *, occupation: str, edition: str, level: str, at: datetime
    ) -> Authorization:
        """Whether ``did`` was approved, not suspended, and in scope for the occupation
        (code and classification edition) and level code at ``at``."""
        ...
