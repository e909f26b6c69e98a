"""uvicorn's HTTP/1.1 protocol (h11) with a deadline for each request's headers.

uvicorn bounds the wait *between* requests (``timeout_keep_alive``) but not a request whose
headers arrive a byte at a time: 64 such clients would hold 64 connections for as long as
they keep dripping (design research security.md, slowloris). Here every connection must
finish the headers of each request within ``header_seconds`` of its start, or of the end of
the answer before; otherwise it is closed. The body has its own deadline, in the application
(:mod:`vcskill.web.app`, 408).

This subclasses ``uvicorn.protocols.http.h11_impl.H11Protocol`` and relies on three of its
documented-by-use members (``connection_made``, ``handle_events``, ``on_response_complete``)
and on ``cycle``, the request being answered; ``tests/test_serve.py`` drips headers at it.
"""

from __future__ import annotations

import asyncio
from typing import Any, Final

from uvicorn.protocols.http.h11_impl import H11Protocol

__all__ = ["DEFAULT_HEADER_SECONDS", "HeaderDeadlineProtocol"]

DEFAULT_HEADER_SECONDS: Final = 10.0
CONFIG_ATTRIBUTE: Final = "vcskill_header_seconds"  # set on the uvicorn Config


class HeaderDeadlineProtocol(H11Protocol):
    """H11Protocol that closes a connection whose request headers are late."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._header_seconds: float = getattr(self.config, CONFIG_ATTRIBUTE,
                                              DEFAULT_HEADER_SECONDS)
        self._header_deadline: asyncio.TimerHandle | None = None
        self._requests_seen = 0

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._arm()

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        super().connection_lost(exc)

    def handle_events(self) -> None:
        cycle = self.cycle
        super().handle_events()
        if self.cycle is not cycle:  # a request's headers were read in full
            self._requests_seen += 1
            self._disarm()

    def on_response_complete(self) -> None:
        super().on_response_complete()
        if not self.transport.is_closing():
            self._arm()  # the next request on this connection gets the same deadline

    def _arm(self) -> None:
        self._disarm()
        self._header_deadline = self.loop.call_later(self._header_seconds, self._too_late,
                                                     self._requests_seen)

    def _disarm(self) -> None:
        if self._header_deadline is not None:
            self._header_deadline.cancel()
            self._header_deadline = None

    def _too_late(self, requests_seen: int) -> None:
        self._header_deadline = None
        if self._requests_seen == requests_seen and not self.transport.is_closing():
            self.transport.close()
