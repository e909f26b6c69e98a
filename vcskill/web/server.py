"""``vcskill serve``: the employer's verification page, and a JSON API for integrators.

A phone takes a photo of the certificate's QR code (or a laptop uploads an image, or someone
pastes the payload or the credential itself) and the page answers with one clear verdict:
green (verified), red (invalid: which check and why) or amber (could not decide: why), then
the holder, occupation and level, the issuer and its regulator standing at issue time and
now, the revocation status, and how old the registry and the status lists are.

Routes::

    GET  /               the page (Chinese by default; ``?lang=en``, a cookie, or
                         Accept-Language choose English)
    POST /verify         multipart form (``photo`` or ``image`` file, or ``payload`` text):
                         the verdict page; works without JavaScript
    POST /api/verify     JSON ``{"payload": "..."}`` or ``{"credential": {...} | "jwt"}``,
                         a multipart form, or a raw ``image/png`` / ``image/jpeg`` body:
                         the report JSON plus ``verdict`` (green, red or amber)
    GET  /healthz        liveness and the registry in use
    GET  /static/...     the page's CSS, script and icon, from the package

Nothing is fetched from anywhere: the registry, the DID documents and the status lists come
from the sync cache (``vcskill sync``) or from files, read again when they change; the page
loads no asset from another origin (CSP ``default-src 'self'``). Uploads are capped, reads
time out, and the server binds to loopback unless given another host. Every string from a
credential is escaped and its control, bidi and invisible characters are shown as ``\\uXXXX``
(design research security.md F7).

Like the command line (``vcskill.cli``) this is a wiring module: it builds the verifier from
``did_registry``'s cache and registry loaders.
"""

from __future__ import annotations

import json
import signal
import sys
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib import resources
from pathlib import Path
from typing import Any, Final
from urllib.parse import parse_qs, urlsplit

from vcskill import __version__
from vcskill.web.config import LOOPBACK_HOSTS, Lang, ServeLimits, TrustConfig
from vcskill.web.markup import Html
from vcskill.web.pages import input_error_page, message_page, start_page, verdict_page
from vcskill.web.submission import (
    HttpError,
    Part,
    Submission,
    choose_lang,
    credential_bytes,
    media_type,
    parse_multipart,
    submission_from_form,
    submission_from_json,
)
from vcskill.web.trust import TrustSource
from vcskill.web.verdict import Result
from vcskill.web.words import format_size, word

__all__ = ["ServeLimits", "TrustConfig", "VerifyServer", "make_server", "serve"]

_STATIC: Final[dict[str, str]] = {
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


def _static_file(name: str) -> bytes:
    return resources.files("vcskill").joinpath("web").joinpath("static").joinpath(name).read_bytes()


@dataclass(slots=True)
class App:
    trust: TrustSource
    limits: ServeLimits
    log: Callable[[str], None] | None = None
    clock: Callable[[], datetime] = field(default=lambda: datetime.now(UTC))
    _verify_lock: threading.Lock = field(default_factory=threading.Lock)
    _static: dict[str, bytes] = field(default_factory=dict)

    def static(self, name: str) -> bytes:
        if name not in self._static:
            self._static[name] = _static_file(name)
        return self._static[name]

    def verify(self, submission: Submission) -> Result:
        data = credential_bytes(submission)
        now = self.clock()
        trust = self.trust.current(now)
        if not self._verify_lock.acquire(timeout=self.limits.verify_wait_seconds):
            raise HttpError(HTTPStatus.SERVICE_UNAVAILABLE, "BUSY",
                            "the server is busy; try again in a moment")
        try:
            report = trust.verifier.check(data, at=now, accept=submission.accept)
        finally:
            self._verify_lock.release()
        refusal = report.refusal
        if refusal is not None:
            # Not a credential the page judges (not JSON, a status list, a registry file...):
            # said so, as for an image without a QR code, never shown as a verdict.
            raise HttpError(HTTPStatus.UNPROCESSABLE_ENTITY, str(refusal.code), refusal.detail,
                            kind=report.kind)
        return Result(report, trust, now)


class VerifyServer(ThreadingHTTPServer):
    """The HTTP server; ``app`` holds the trust sources and limits."""

    daemon_threads = True
    block_on_close = False

    def __init__(self, address: tuple[str, int], app: App) -> None:
        self.app = app
        self._slots = threading.BoundedSemaphore(app.limits.max_connections)
        family_host = address[0]
        if ":" in family_host:
            import socket

            self.address_family = socket.AF_INET6
        super().__init__(address, Handler)

    @property
    def url(self) -> str:
        host, port = self.server_address[:2]
        if isinstance(host, bytes):
            host = host.decode("ascii", "replace")
        shown = f"[{host}]" if ":" in host else host
        return f"http://{shown}:{port}/"

    def process_request(self, request: Any, client_address: Any) -> None:
        if not self._slots.acquire(blocking=False):
            self.shutdown_request(request)  # too many at once: drop, do not queue
            return
        try:
            super().process_request(request, client_address)
        except BaseException:
            self._slots.release()
            raise

    def process_request_thread(self, request: Any, client_address: Any) -> None:
        try:
            super().process_request_thread(request, client_address)
        finally:
            self._slots.release()


class Handler(BaseHTTPRequestHandler):
    server: VerifyServer
    server_version = "vcskill"
    sys_version = ""
    timeout = 15.0

    def setup(self) -> None:
        super().setup()
        self.connection.settimeout(self.server.app.limits.socket_timeout)

    # -- plumbing -------------------------------------------------------------------------
    @property
    def app(self) -> App:
        return self.server.app

    def log_message(self, format: str, *args: Any) -> None:
        log = self.app.log
        if log is not None:
            log(f"{self.address_string()} {format % args}")

    def _send(self, status: HTTPStatus | int, body: bytes, content_type: str, *,
              headers: Mapping[str, str] | None = None, cache: str = "no-store") -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", cache)
        for name, value in SECURITY_HEADERS.items():
            self.send_header(name, value)
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def send_error(self, code: int, message: str | None = None,
                   explain: str | None = None) -> None:
        """The base class's errors (bad request line, unsupported method), with our
        headers and no HTML built from the request."""
        try:
            status = HTTPStatus(code)
        except ValueError:
            status = HTTPStatus.BAD_REQUEST
        self.close_connection = True
        headers = {"Allow": "GET, POST"} if status is HTTPStatus.NOT_IMPLEMENTED else {}
        if status is HTTPStatus.NOT_IMPLEMENTED:
            status = HTTPStatus.METHOD_NOT_ALLOWED
        self.log_error("code %d, message %s", status.value, message)
        self._send(status, f"{status.value} {status.phrase}\n".encode(),
                   "text/plain; charset=utf-8", headers=headers)

    def _send_html(self, status: HTTPStatus, markup: Html, *,
                   headers: Mapping[str, str] | None = None) -> None:
        self._send(status, markup.encode("utf-8"), "text/html; charset=utf-8", headers=headers)

    def _send_json(self, status: HTTPStatus, value: Any) -> None:
        body = json.dumps(value, ensure_ascii=False, indent=2).encode("utf-8") + b"\n"
        self._send(status, body, "application/json; charset=utf-8")

    def _query(self) -> tuple[str, dict[str, list[str]]]:
        parts = urlsplit(self.path)
        return parts.path, parse_qs(parts.query, max_num_fields=10)

    def _lang(self, form_lang: str | None = None) -> tuple[Lang, bool]:
        _path, query = self._query()
        return choose_lang(query, form_lang, self.headers.get("Cookie"),
                           self.headers.get("Accept-Language"))

    def _read_body(self, cap: int) -> bytes:
        if self.headers.get("Transfer-Encoding"):
            raise HttpError(HTTPStatus.LENGTH_REQUIRED, "LENGTH_REQUIRED",
                            "send the body with a Content-Length")
        raw = self.headers.get("Content-Length")
        if raw is None:
            raise HttpError(HTTPStatus.LENGTH_REQUIRED, "LENGTH_REQUIRED",
                            "send the body with a Content-Length")
        try:
            length = int(raw)
            if length < 0 or not raw.strip().isdigit():
                raise ValueError(raw)
        except ValueError:
            raise HttpError(HTTPStatus.BAD_REQUEST, "PARSING_ERROR",
                            "the Content-Length is not a number") from None
        if length > cap:
            self._drain(length)
            raise HttpError(HTTPStatus.REQUEST_ENTITY_TOO_LARGE, "INPUT_TOO_LARGE",
                            f"the upload is larger than {format_size(cap)}: images may be up to "
                            f"{format_size(self.app.limits.max_image_bytes)}, text up to "
                            f"{format_size(self.app.limits.max_text_bytes)}")
        return self._read_exactly(length)

    def _read_exactly(self, length: int) -> bytes:
        deadline = time.monotonic() + self.app.limits.body_seconds
        chunks, remaining = [], length
        while remaining > 0:
            if time.monotonic() > deadline:
                self.close_connection = True
                raise HttpError(HTTPStatus.REQUEST_TIMEOUT, "TIMEOUT",
                                "the upload took too long")
            chunk = self.rfile.read1(min(remaining, 256 * 1024))
            if not chunk:
                self.close_connection = True
                raise HttpError(HTTPStatus.BAD_REQUEST, "PARSING_ERROR",
                                "the upload ended early")
            chunks.append(chunk)
            remaining -= len(chunk)
        return b"".join(chunks)

    def _drain(self, length: int) -> None:
        """Read and drop an oversize body (so that the client sees our 413), up to a bound."""
        self.close_connection = True
        if length > self.app.limits.drain_bytes:
            return
        try:
            deadline = time.monotonic() + self.app.limits.body_seconds
            remaining = length
            while remaining > 0 and time.monotonic() < deadline:
                chunk = self.rfile.read1(min(remaining, 256 * 1024))
                if not chunk:
                    break
                remaining -= len(chunk)
        except OSError:
            pass

    # -- routes ---------------------------------------------------------------------------
    def do_GET(self) -> None:
        path, _query = self._query()
        if path == "/":
            lang, explicit = self._lang()
            now = self.app.clock()
            headers = ({"Set-Cookie": f"lang={lang}; Path=/; Max-Age=31536000; "
                        "SameSite=Strict; HttpOnly"} if explicit else {})
            self._send_html(HTTPStatus.OK, start_page(lang, self.app.trust.current(now), now,
                                                      self.app.limits), headers=headers)
        elif path == "/healthz":
            now = self.app.clock()
            trust = self.app.trust.current(now)
            problem = trust.problem
            self._send_json(HTTPStatus.OK, {
                "status": "ok",
                "version": __version__,
                "registry": None if trust.registry_version is None else {
                    "version": trust.registry_version,
                    "expires": trust.registry_expires.isoformat()
                    if trust.registry_expires else None,
                    "expired": bool(trust.registry_expires and now > trust.registry_expires),
                    "synced_at": trust.synced_at.isoformat() if trust.synced_at else None,
                },
                "problem": None if problem is None else {"code": problem.code,
                                                         "message": problem.message},
            })
        elif path.startswith("/static/") and path[len("/static/"):] in _STATIC:
            name = path[len("/static/"):]
            self._send(HTTPStatus.OK, self.app.static(name), _STATIC[name],
                       cache="public, max-age=3600")
        elif path in ("/verify", "/api/verify"):
            self._send(HTTPStatus.METHOD_NOT_ALLOWED, b"use POST\n", "text/plain; charset=utf-8",
                       headers={"Allow": "POST"})
        else:
            lang, _explicit = self._lang()
            self._send_html(HTTPStatus.NOT_FOUND, message_page(
                lang, word(lang, "error_title"), word(lang, "not_found")))

    def do_HEAD(self) -> None:
        self.do_GET()

    def do_POST(self) -> None:
        path, _query = self._query()
        if path == "/verify":
            self._post_form()
        elif path == "/api/verify":
            self._post_api()
        else:
            self._send(HTTPStatus.METHOD_NOT_ALLOWED, b"405 Method Not Allowed\n",
                       "text/plain; charset=utf-8", headers={"Allow": "GET"})

    def _submission(self, *, api: bool) -> Submission:
        limits = self.app.limits
        kind = media_type(self.headers.get("Content-Type"))
        if kind == "multipart/form-data":
            body = self._read_body(limits.max_form_bytes)
            parts = parse_multipart(body, self.headers.get("Content-Type", ""),
                                    max_parts=limits.max_form_parts)
            return submission_from_form(parts, limits)
        if kind == "application/x-www-form-urlencoded":
            body = self._read_body(limits.max_text_bytes * 3 + limits.form_overhead_bytes)
            fields = parse_qs(body.decode("ascii", "replace"), max_num_fields=limits.max_form_parts)
            parts = [Part(name, values[0].encode("utf-8")) for name, values in fields.items()]
            return submission_from_form(parts, limits)
        if api and kind == "application/json":
            return submission_from_json(self._read_body(limits.max_text_bytes), limits)
        if api and kind in ("image/png", "image/jpeg"):
            return Submission(image=self._read_body(limits.max_image_bytes))
        accepted = ("application/json, multipart/form-data, image/png or image/jpeg" if api
                    else "multipart/form-data")
        self.close_connection = True
        raise HttpError(HTTPStatus.UNSUPPORTED_MEDIA_TYPE, "UNSUPPORTED_MEDIA_TYPE",
                        f"send {accepted}, not {kind or 'no Content-Type'}")

    def _post_form(self) -> None:
        lang, _explicit = self._lang()
        submission = Submission()
        try:
            submission = self._submission(api=False)
            lang, _explicit = self._lang(submission.lang)
            result = self.app.verify(submission)
        except HttpError as exc:
            now = self.app.clock()
            if exc.status in (HTTPStatus.UNPROCESSABLE_ENTITY, HTTPStatus.BAD_REQUEST,
                              HTTPStatus.REQUEST_ENTITY_TOO_LARGE):
                markup = input_error_page(lang, self.app.trust.current(now), now,
                                          self.app.limits, exc.code, exc.message, exc.kind)
            else:
                markup = message_page(lang, word(lang, "error_title"), exc.message)
            self._send_html(exc.status, markup)
            return
        except Exception as exc:  # never a traceback to the client
            self.log_error("verification failed: %r", exc)
            self._send_html(HTTPStatus.INTERNAL_SERVER_ERROR, message_page(
                lang, word(lang, "error_title"), "internal error"))
            return
        self._send_html(HTTPStatus.OK, verdict_page(lang, result))

    def _post_api(self) -> None:
        try:
            result = self.app.verify(self._submission(api=True))
        except HttpError as exc:
            error: dict[str, Any] = {"code": exc.code, "message": exc.message}
            if exc.kind is not None:
                error["kind"] = exc.kind
            self._send_json(exc.status, {"error": error})
            return
        except Exception as exc:
            self.log_error("verification failed: %r", exc)
            self._send_json(HTTPStatus.INTERNAL_SERVER_ERROR,
                            {"error": {"code": "INTERNAL_ERROR", "message": "internal error"}})
            return
        self._send_json(HTTPStatus.OK, result.to_json())


def make_server(*, host: str = "127.0.0.1", port: int = 8080, cache: Path | None = None,
                registry: Path | None = None, trust_root: str | None = None,
                status_dir: Path | None = None, allow_expired_registry: bool = False,
                limits: ServeLimits | None = None, log: Callable[[str], None] | None = None,
                clock: Callable[[], datetime] | None = None) -> VerifyServer:
    """Bind the server (``port=0``: any free port) without serving yet; call
    ``serve_forever()`` and, to stop, ``shutdown()`` then ``server_close()``.

    ``clock`` (tests) replaces the verification time, which is otherwise now.
    """
    config = TrustConfig(cache=cache, registry=registry, trust_root=trust_root,
                         status_dir=status_dir, allow_expired_registry=allow_expired_registry)
    app = App(TrustSource(config), limits or ServeLimits(), log)
    if clock is not None:
        app.clock = clock
    return VerifyServer((host, port), app)


def serve(*, host: str = "127.0.0.1", port: int = 8080, cache: Path | None = None,
          registry: Path | None = None, trust_root: str | None = None,
          status_dir: Path | None = None, allow_expired_registry: bool = False,
          limits: ServeLimits | None = None,
          echo: Callable[[str], Any] | None = None, quiet: bool = False) -> None:
    """Serve until interrupted (Ctrl-C or SIGTERM), then close cleanly.

    Binds to loopback unless ``host`` names another address; say so when it does.
    """
    def log(line: str) -> None:
        sys.stderr.write(line + "\n")

    if echo is None:
        def echo(line: str) -> None:
            print(line, flush=True)

    server = make_server(host=host, port=port, cache=cache, registry=registry,
                         trust_root=trust_root, status_dir=status_dir,
                         allow_expired_registry=allow_expired_registry, limits=limits,
                         log=None if quiet else log)
    trust = server.app.trust.current(server.app.clock())
    echo(f"vcskill serve: {server.url}")
    if trust.problem is not None:
        echo(f"  warning: {trust.problem.message} [{trust.problem.code}]; every verdict will "
             "be amber at best")
    else:
        echo(f"  registry v{trust.registry_version}, expires "
             f"{trust.registry_expires.isoformat() if trust.registry_expires else '?'}")
    if host not in LOOPBACK_HOSTS:
        echo(f"  warning: listening on {host}: other machines can reach this page over plain "
             "http; put it behind TLS")
    echo("  Ctrl-C stops it")

    def stop(_signum: int, _frame: object) -> None:
        threading.Thread(target=server.shutdown, daemon=True).start()

    in_main = threading.current_thread() is threading.main_thread()
    previous = signal.signal(signal.SIGTERM, stop) if in_main else None
    try:
        server.serve_forever(poll_interval=0.5)
    except KeyboardInterrupt:
        pass
    finally:
        if in_main:
            signal.signal(signal.SIGTERM, previous)
        server.server_close()
        echo("vcskill serve: stopped")
