"""The verification page and its JSON API as an ASGI application (Starlette).

:func:`create_app` returns the application; an integrator can mount it inside their own
(``Mount("/verify-skills", app=create_app(cache=...))``), and ``vcskill serve`` runs it with
uvicorn (:mod:`vcskill.web.server`). Routes::

    GET  /               the page (``?lang=en``, a cookie, or Accept-Language choose the
                         language)
    POST /verify         multipart form (``photo`` or ``image`` file, or ``payload`` text):
                         the verdict page; works without JavaScript
    POST /api/verify     JSON ``{"payload": "..."}`` or ``{"credential": {...} | "jwt"}``,
                         a multipart form, or a raw ``image/png`` / ``image/jpeg`` body:
                         the report JSON plus ``verdict`` (green, red or amber)
    GET  /healthz        liveness and the registry in use
    GET  /static/...     the page's CSS, script and icon, from the package
    POST /credentials/verify, /credentials/issue
                         the W3C VC API (:mod:`vcskill.web.vcapi`); issuing only when the
                         server was given an issuer key and a token

Every body is bounded before it is read: a ``Content-Length`` is required and checked against
the limit, and the whole body must arrive within ``ServeLimits.body_seconds`` (408 otherwise).
Verification runs in a worker thread, so a slow verification never stalls the event loop.
Every answer carries the security headers (CSP ``default-src 'self'``, no framing, no
referrer); links are relative, so the page works under any mount point or ``--root-path``.
A request for a host name not on the allow-list is refused (400: DNS rebinding), and so is a
POST a browser sends from another origin (403).
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http import HTTPStatus
from importlib import resources
from pathlib import Path
from typing import Any, Final
from urllib.parse import parse_qs, urlsplit

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import MutableHeaders
from starlette.exceptions import HTTPException
from starlette.middleware.trustedhost import TrustedHostMiddleware
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from vcskill import __version__
from vcskill.linkeddata.contexts import ContextStore
from vcskill.verifying.report import VerificationReport
from vcskill.verifying.verifier import Accept
from vcskill.web.config import LOOPBACK_NAMES, Lang, ServeLimits, TrustConfig
from vcskill.web.markup import Html
from vcskill.web.pages import input_error_page, message_page, start_page, verdict_page
from vcskill.web.submission import (
    HttpError,
    Part,
    Submission,
    choose_lang,
    credential_bytes,
    json_response,
    media_type,
    parse_multipart,
    read_body,
    submission_from_form,
    submission_from_json,
)
from vcskill.web.trust import TrustSource, TrustState
from vcskill.web.vcapi import IssuerEndpoint, VcApi
from vcskill.web.verdict import Result
from vcskill.web.words import REQUEST_SENTENCES, pick, word

__all__ = ["SECURITY_HEADERS", "VerifyService", "create_app"]

LOG: Final = logging.getLogger("vcskill.web")

STATIC: Final[dict[str, str]] = {
    "app.css": "text/css; charset=utf-8",
    "app.js": "text/javascript; charset=utf-8",
    "icon.svg": "image/svg+xml",
}

SECURITY_HEADERS: Final[dict[str, str]] = {
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' blob:; "
        "connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; "
        "form-action 'self'; frame-ancestors 'none'"),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cross-Origin-Resource-Policy": "same-origin",
    "Permissions-Policy": "geolocation=(), microphone=(), payment=(), usb=()",
}


@dataclass(slots=True)
class VerifyService:
    """What the routes share: the trust sources, the limits, the clock and the static files."""

    trust: TrustSource
    limits: ServeLimits
    clock: Callable[[], datetime] = field(default=lambda: datetime.now(UTC))
    _verify_lock: threading.Lock = field(default_factory=threading.Lock)
    _static: dict[str, bytes] = field(default_factory=dict)
    _decoding: threading.BoundedSemaphore = field(init=False)

    def __post_init__(self) -> None:
        self._decoding = threading.BoundedSemaphore(self.limits.max_image_decodes)

    def static(self, name: str) -> bytes:
        if name not in self._static:
            folder = resources.files("vcskill").joinpath("web").joinpath("static")
            self._static[name] = folder.joinpath(name).read_bytes()
        return self._static[name]

    def verify(self, submission: Submission) -> Result:
        """Verify one submission (called in a worker thread)."""
        report, trust, now = self.check(self._decode(submission), submission.accept)
        refusal = report.refusal
        if refusal is not None:
            # Not a credential the page judges (not JSON, a status list, a registry file...):
            # said so, as for an image without a QR code, never shown as a verdict.
            raise HttpError(HTTPStatus.UNPROCESSABLE_ENTITY, str(refusal.code), refusal.detail,
                            kind=report.kind)
        return Result(report, trust, now)

    def check(self, data: bytes | Mapping[str, Any], accept: Accept | str | None
              ) -> tuple[VerificationReport, TrustState, datetime]:
        """The report on ``data`` with the current trust, the trust and the time it was
        judged at (called in a worker thread)."""
        now = self.clock()
        trust = self.trust.current(now)
        # One verification at a time in this process: it is CPU-bound Python, so threads
        # under the GIL would add no throughput, only memory and latency. More processes
        # (--workers), each with its own verifier, verify in parallel.
        if not self._verify_lock.acquire(timeout=self.limits.verify_wait_seconds):
            raise HttpError(HTTPStatus.SERVICE_UNAVAILABLE, "BUSY",
                            "the server is busy; try again in a moment")
        try:
            return trust.verifier.check(data, at=now, accept=accept), trust, now
        finally:
            self._verify_lock.release()

    def _decode(self, submission: Submission) -> bytes | Mapping[str, Any]:
        """The credential of a submission; photos are decoded a bounded number at a time."""
        if submission.image is None:
            return credential_bytes(submission)
        if not self._decoding.acquire(timeout=self.limits.verify_wait_seconds):
            raise HttpError(HTTPStatus.SERVICE_UNAVAILABLE, "BUSY",
                            "the server is busy reading other photos; try again in a moment")
        try:
            return credential_bytes(submission)
        finally:
            self._decoding.release()


class SecurityHeaders:
    """Adds the security headers, ``Cache-Control: no-store`` unless the route chose one, and
    ``Server: vcskill`` to every answer the application gives, errors included."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = MutableHeaders(scope=message)
                for name, value in SECURITY_HEADERS.items():
                    headers[name] = value
                if "cache-control" not in headers:
                    headers["Cache-Control"] = "no-store"
                headers["Server"] = "vcskill"
            await send(message)

        await self.app(scope, receive, send_with_headers)


def host_allowed(host: str, allowed: Sequence[str]) -> bool:
    """Whether ``host`` matches the allow-list as ``TrustedHostMiddleware`` matches it: a
    name exactly, ``*.example.cn`` for its subdomains, ``*`` for any."""
    host = host.lower()
    return any(pattern == "*" or host == pattern
               or (pattern.startswith("*.") and host.endswith(pattern[1:]))
               for pattern in (p.lower() for p in allowed))


class SameOriginPosts:
    """Refuses (403) a POST a browser sends from another site: a page elsewhere cannot make a
    visitor's browser submit to this one.

    The browser's ``Sec-Fetch-Site`` decides when it is sent (``same-origin``, or ``none``
    for what the user typed); otherwise an ``Origin`` off the host allow-list is refused.
    ``Origin: null`` alone is not: with this page's ``Referrer-Policy: no-referrer`` browsers
    send it for the page's own form. Clients that send neither header (scripts, the API's
    integrators) are not affected."""

    def __init__(self, app: ASGIApp, allowed_hosts: Sequence[str]) -> None:
        self.app = app
        self.allowed_hosts = tuple(allowed_hosts)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["method"] == "POST" and not self._same_site(
                {name: value.decode("latin-1") for name, value in scope["headers"]}):
            await _text(HTTPStatus.FORBIDDEN, "403 Forbidden: a POST from another site\n")(
                scope, receive, send)
            return
        await self.app(scope, receive, send)

    def _same_site(self, headers: dict[bytes, str]) -> bool:
        fetch_site = headers.get(b"sec-fetch-site")
        if fetch_site is not None:
            return fetch_site in ("same-origin", "none")
        origin = headers.get(b"origin")
        if origin is None or origin == "null":
            return True
        host = urlsplit(origin).hostname
        return host is not None and host_allowed(host, self.allowed_hosts)


def create_app(*, cache: str | os.PathLike[str] | None = None,
               registry: str | os.PathLike[str] | None = None, trust_root: str | None = None,
               status_dir: str | os.PathLike[str] | None = None,
               allow_expired_registry: bool = False, limits: ServeLimits | None = None,
               allowed_hosts: Sequence[str] = LOOPBACK_NAMES,
               issuer: IssuerEndpoint | None = None, allow_test_contexts: bool = False,
               clock: Callable[[], datetime] | None = None) -> ASGIApp:
    """The verification page and API as an ASGI application.

    The trust comes from a sync cache (``cache``) or a registry file with the regulator's
    root (``registry`` and ``trust_root``), and is read again when those files change.
    ``allowed_hosts`` are the names the page answers to (the ``Host`` header; ``*.example.cn``
    for subdomains, ``*`` for any); by default this machine only. ``issuer`` opens the VC
    API's ``POST /credentials/issue`` behind its bearer token (:mod:`vcskill.web.vcapi`);
    without it the server issues nothing. ``allow_test_contexts`` also accepts the W3C
    examples contexts the official test suites sign with: for conformance runs only, never
    for credentials people rely on. ``clock`` (tests) replaces the verification time, which
    is otherwise now.

    Raises:
        UsageError: a configuration that cannot work (both a cache and a registry file, a
            registry without a root, a missing status directory, a malformed root).
    """
    config = TrustConfig(cache=_path(cache), registry=_path(registry), trust_root=trust_root,
                         status_dir=_path(status_dir),
                         allow_expired_registry=allow_expired_registry)
    contexts = ContextStore.bundled(allow_test_contexts=allow_test_contexts)
    service = VerifyService(TrustSource(config, contexts=contexts), limits or ServeLimits())
    if clock is not None:
        service.clock = clock
    routes = _Routes(service)
    vc_api = VcApi(service, issuer)
    app = Starlette(
        routes=[
            Route("/", routes.start, methods=["GET"]),
            Route("/healthz", routes.healthz, methods=["GET"]),
            Route("/static/{name}", routes.static, methods=["GET"]),
            Route("/verify", routes.post_form, methods=["POST"]),
            Route("/api/verify", routes.post_api, methods=["POST"]),
            Route("/credentials/verify", vc_api.verify_credential, methods=["POST"]),
            Route("/credentials/issue", vc_api.issue_credential, methods=["POST"]),
        ],
        exception_handlers={HTTPException: routes.http_error},  # type: ignore[dict-item]
    )
    app.state.service = service
    guarded = SameOriginPosts(app, allowed_hosts)
    return SecurityHeaders(TrustedHostMiddleware(guarded, allowed_hosts=list(allowed_hosts),
                                                 www_redirect=False))


def _path(value: str | os.PathLike[str] | None) -> Path | None:
    return None if value is None else Path(value)


def _html(status: int, markup: Html, headers: dict[str, str] | None = None) -> Response:
    return Response(markup.encode("utf-8"), status, headers,
                    media_type="text/html; charset=utf-8")


def _text(status: int, text: str, headers: dict[str, str] | None = None) -> Response:
    return Response(text.encode("utf-8"), status, headers,
                    media_type="text/plain; charset=utf-8")


def _lang(request: Request, form_lang: str | None = None) -> tuple[Lang, bool]:
    try:
        query = parse_qs(request.url.query, max_num_fields=10)
    except ValueError:  # more fields than a person's link holds
        query = {}
    return choose_lang(query, form_lang, request.headers.get("cookie"),
                       request.headers.get("accept-language"))


class _Routes:
    def __init__(self, service: VerifyService) -> None:
        self.service = service

    # -- GET ----------------------------------------------------------------------------
    async def start(self, request: Request) -> Response:
        lang, explicit = _lang(request)
        now = self.service.clock()
        trust = await run_in_threadpool(self.service.trust.current, now)
        headers = ({"Set-Cookie": f"lang={lang}; Path=/; Max-Age=31536000; SameSite=Strict; "
                    "HttpOnly"} if explicit else None)
        return _html(HTTPStatus.OK, start_page(lang, trust, now, self.service.limits), headers)

    async def healthz(self, request: Request) -> Response:
        now = self.service.clock()
        trust = await run_in_threadpool(self.service.trust.current, now)
        problem = trust.problem
        return json_response(HTTPStatus.OK, {
            "status": "ok",
            "version": __version__,
            "registry": None if trust.registry_version is None else {
                "version": trust.registry_version,
                "expires": trust.registry_expires.isoformat() if trust.registry_expires
                else None,
                "expired": bool(trust.registry_expires and now > trust.registry_expires),
                "synced_at": trust.synced_at.isoformat() if trust.synced_at else None,
            },
            "problem": None if problem is None else {"code": problem.code,
                                                     "message": problem.message},
        })

    async def static(self, request: Request) -> Response:
        name = request.path_params["name"]
        if name not in STATIC:
            raise HTTPException(HTTPStatus.NOT_FOUND)
        return Response(self.service.static(name), HTTPStatus.OK,
                        {"Cache-Control": "public, max-age=3600"}, media_type=STATIC[name])

    async def http_error(self, request: Request, exc: HTTPException) -> Response:
        """Starlette's own refusals: no route (our 404 page) or the wrong method (405)."""
        if exc.status_code == HTTPStatus.NOT_FOUND:
            lang, _explicit = _lang(request)
            return _html(HTTPStatus.NOT_FOUND, message_page(
                lang, word(lang, "error_title"), word(lang, "not_found")))
        status = HTTPStatus(exc.status_code)
        return _text(status, f"{status.value} {status.phrase}\n", dict(exc.headers or {}))

    # -- POST ---------------------------------------------------------------------------
    async def post_form(self, request: Request) -> Response:
        lang, _explicit = _lang(request)
        submission = Submission()
        try:
            submission = await self._submission(request, api=False)
            lang, _explicit = _lang(request, submission.lang)
            result = await run_in_threadpool(self.service.verify, submission)
        except HttpError as exc:
            now = self.service.clock()
            if exc.status in (HTTPStatus.UNPROCESSABLE_ENTITY, HTTPStatus.BAD_REQUEST,
                              HTTPStatus.REQUEST_ENTITY_TOO_LARGE):
                trust = await run_in_threadpool(self.service.trust.current, now)
                markup = input_error_page(lang, trust, now, self.service.limits, exc.code,
                                          exc.message, exc.kind, pasted=submission.text or "")
            else:
                known = REQUEST_SENTENCES.get(exc.code)
                markup = message_page(lang, word(lang, "error_title"),
                                      pick(lang, known) if known else exc.message)
            return _html(exc.status, markup, _closing(exc))
        except Exception as exc:  # never a traceback to the client
            LOG.error("verification failed: %r", exc)
            return _html(HTTPStatus.INTERNAL_SERVER_ERROR, message_page(
                lang, word(lang, "error_title"), "internal error"))
        return _html(HTTPStatus.OK, verdict_page(lang, result))

    async def post_api(self, request: Request) -> Response:
        try:
            submission = await self._submission(request, api=True)
            result = await run_in_threadpool(self.service.verify, submission)
        except HttpError as exc:
            error: dict[str, Any] = {"code": exc.code, "message": exc.message}
            if exc.kind is not None:
                error["kind"] = exc.kind
            return json_response(exc.status, {"error": error}, _closing(exc))
        except Exception as exc:
            LOG.error("verification failed: %r", exc)
            return json_response(HTTPStatus.INTERNAL_SERVER_ERROR,
                         {"error": {"code": "INTERNAL_ERROR", "message": "internal error"}})
        return json_response(HTTPStatus.OK, result.to_json())

    async def _submission(self, request: Request, *, api: bool) -> Submission:
        limits = self.service.limits
        content_type = request.headers.get("content-type", "")
        kind = media_type(content_type)
        if kind == "multipart/form-data":
            body = await read_body(request, limits, limits.max_form_bytes)
            parts = parse_multipart(body, content_type, max_parts=limits.max_form_parts)
            return submission_from_form(parts, limits)
        if kind == "application/x-www-form-urlencoded":
            body = await read_body(request, limits, limits.max_text_bytes * 3
                                    + limits.form_overhead_bytes)
            fields = parse_qs(body.decode("ascii", "replace"),
                              max_num_fields=limits.max_form_parts)
            return submission_from_form(
                [Part(name, values[0].encode("utf-8")) for name, values in fields.items()],
                limits)
        if api and kind == "application/json":
            return submission_from_json(await read_body(request, limits, limits.max_text_bytes),
                                        limits)
        if api and kind in ("image/png", "image/jpeg"):
            return Submission(image=await read_body(request, limits, limits.max_image_bytes))
        accepted = ("application/json, multipart/form-data, image/png or image/jpeg" if api
                    else "multipart/form-data")
        raise HttpError(HTTPStatus.UNSUPPORTED_MEDIA_TYPE, "UNSUPPORTED_MEDIA_TYPE",
                        f"send {accepted}, not {kind or 'no Content-Type'}", close=True)

def _closing(exc: HttpError) -> dict[str, str] | None:
    """``Connection: close`` after a request whose body was not read to its end."""
    return {"Connection": "close"} if exc.close else None
