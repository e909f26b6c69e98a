"""What ``vcskill serve`` is configured with: the limits of one request, and where the trust
comes from (a sync cache, or a registry file and its root)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Final, Literal

from vcskill.errors import UsageError

Lang = Literal["zh", "en"]
Verdict = Literal["green", "red", "amber"]

LOOPBACK_NAMES: Final = ("127.0.0.1", "localhost", "::1", "[::1]")
"""This machine's names: where the page listens, and the hosts it answers to, by default."""


@dataclass(frozen=True, slots=True)
class ServeLimits:
    """What one request may cost."""

    max_image_bytes: int = 8 * 1024 * 1024  # a phone photo
    max_text_bytes: int = 64 * 1024  # a pasted payload or credential; a JSON API body
    form_overhead_bytes: int = 16 * 1024  # multipart boundaries and headers
    max_api_bytes: int = 512 * 1024  # a VC API request: a credential may be 256 KiB
    max_form_parts: int = 8
    header_seconds: float = 10.0  # seconds the headers of one request may take to arrive
    body_seconds: float = 60.0  # seconds a whole request body may take
    drain_bytes: int = 32 * 1024 * 1024  # an oversize body up to this is read and dropped
    max_connections: int = 1000  # connections at once (per worker); more are answered 503
    verify_wait_seconds: float = 30.0  # waiting for the verifier before answering 503
    # Images decoded at once (per worker): a 48 MP photo takes about 50 MB while it is
    # decoded, so 16 uploads at once must not mean 16 decodes at once. More wait, then 503.
    max_image_decodes: int = 2

    @property
    def max_form_bytes(self) -> int:
        return self.max_image_bytes + self.max_text_bytes + self.form_overhead_bytes


@dataclass(frozen=True, slots=True)
class TrustConfig:
    """Where the trust comes from: a sync cache, or a registry file with its root; and the
    issuers' status lists (by default those the cache mirrored)."""

    cache: Path | None = None
    registry: Path | None = None
    trust_root: str | None = None
    status_dir: Path | None = None
    allow_expired_registry: bool = False

    def validate(self) -> None:
        if self.cache is not None and self.registry is not None:
            raise UsageError("give --registry or --cache, not both")
        if self.registry is not None and self.trust_root is None:
            raise UsageError(
                "--registry needs the regulator's root to trust: pass --trust-root with its "
                "root file or fingerprint; a registry cannot vouch for itself")
        if self.status_dir is not None and not self.status_dir.is_dir():
            raise UsageError(f"--status-dir {self.status_dir} is not a directory")
        if self.trust_root is not None:
            from did_registry.pinning import parse_trust_anchor

            parse_trust_anchor(self.trust_root)  # a bad spec is a usage error at start-up
