"""``vcskill serve``: the employer's verification page, and a JSON API for integrators.

A phone takes a photo of the certificate's QR code (or a laptop uploads an image, or someone
pastes the payload or the credential itself) and the page answers with one clear verdict:
green (verified), red (invalid: which check and why) or amber (could not decide: why), then
the holder, occupation and level, the issuer and its regulator standing at issue time and
now, the revocation status, and how old the registry and the status lists are. The routes
are those of :mod:`vcskill.web.app`.

Nothing is fetched from anywhere: the registry, the DID documents and the status lists come
from the sync cache (``vcskill sync``) or from files, read again when they change; the page
loads no asset from another origin (CSP ``default-src 'self'``). Uploads are capped, headers
and bodies have deadlines, and the server binds to loopback unless given another host. Every
string from a credential is escaped and its control, bidi and invisible characters are shown
as ``\\uXXXX`` (design research security.md F7).

The application runs on uvicorn, in this process or in ``workers`` processes that share the
listening socket, each with its own verifier. Like the command line (``vcskill.cli``) this
is a wiring module: it builds the verifier from ``did_registry``'s cache and registry loaders.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import logging
import os
import signal
import socket
import sys
import threading
from collections.abc import Callable, Generator, Mapping, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any, Final

import uvicorn
from starlette.types import ASGIApp

from vcskill.web.app import create_app
from vcskill.web.config import LOOPBACK_NAMES, ServeLimits, TrustConfig
from vcskill.web.protocol import CONFIG_ATTRIBUTE, HeaderDeadlineProtocol
from vcskill.web.trust import TrustSource
from vcskill.web.vcapi import IssuerEndpoint

__all__ = ["ServeLimits", "TrustConfig", "WebServer", "app_from_environment", "make_server",
           "serve"]

ENVIRONMENT: Final = "VCSKILL_SERVE_CONFIG"  # how the worker processes get the trust sources
TOKEN_ENVIRONMENT: Final = "VCSKILL_ISSUE_TOKEN"  # the bearer token of /credentials/issue


def issuer_endpoint(issuer_key: Path | None,
                    environ: Mapping[str, str] | None = None) -> IssuerEndpoint | None:
    """The VC API issuer of ``--issuer-key``: the key (its passphrase from
    ``VCSKILL_PASSPHRASE``) and the bearer token from ``VCSKILL_ISSUE_TOKEN``, which must be
    set: issuing is never open. None without a key."""
    if issuer_key is None:
        return None
    from vcskill.errors import UsageError
    from vcskill.keys.keyfile import passphrase_from_env, read_key_file

    environ = os.environ if environ is None else environ
    token = environ.get(TOKEN_ENVIRONMENT, "")
    if not token:
        raise UsageError(f"--issuer-key opens POST /credentials/issue, which needs a bearer "
                         f"token: set {TOKEN_ENVIRONMENT} (at least 32 characters)")
    return IssuerEndpoint(read_key_file(issuer_key, passphrase=passphrase_from_env(environ)),
                          token)


def _uvicorn_config(app: ASGIApp | str, limits: ServeLimits, *, workers: int = 1,
                    root_path: str = "", quiet: bool = True) -> uvicorn.Config:
    config = uvicorn.Config(
        app, factory=isinstance(app, str), workers=workers, http=HeaderDeadlineProtocol,
        lifespan="off", interface="asgi3", root_path=root_path,
        server_header=False,  # the application says "Server: vcskill"
        proxy_headers=False,  # no X-Forwarded-* from clients: --root-path says the prefix
        limit_concurrency=limits.max_connections, timeout_keep_alive=5,
        log_level="warning" if quiet else "info", access_log=not quiet)
    setattr(config, CONFIG_ATTRIBUTE, limits.header_seconds)
    return config


class _Server(uvicorn.Server):
    """uvicorn's server, stopped by SIGINT or SIGTERM without re-raising the signal after
    the clean shutdown (uvicorn does, which would end the process with the signal's status)."""

    @contextlib.contextmanager
    def capture_signals(self) -> Generator[None, None, None]:
        if threading.current_thread() is not threading.main_thread():
            yield
            return
        previous = {sig: signal.signal(sig, self.handle_exit)
                    for sig in (signal.SIGINT, signal.SIGTERM)}
        try:
            yield
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)


class WebServer:
    """The application bound to an address and served by uvicorn in this process: call
    :meth:`serve_forever` (in a thread, or the main thread), then :meth:`shutdown` and
    :meth:`server_close`."""

    def __init__(self, app: ASGIApp, limits: ServeLimits, *, host: str = "127.0.0.1",
                 port: int = 8080, root_path: str = "", quiet: bool = True) -> None:
        self.app = app
        self.socket = _bind(host, port)
        self.server_address: tuple[Any, ...] = self.socket.getsockname()
        self._server = _Server(_uvicorn_config(app, limits, root_path=root_path, quiet=quiet))
        self._stopped = threading.Event()

    @property
    def url(self) -> str:
        host, port = self.server_address[:2]
        shown = f"[{host}]" if ":" in host else host
        return f"http://{shown}:{port}/"

    def serve_forever(self) -> None:
        try:
            self._server.run(sockets=[self.socket])
        finally:
            self._stopped.set()

    def shutdown(self, timeout: float = 10.0) -> None:
        """Stop serving (open requests are answered first) and wait until it has."""
        self._server.should_exit = True
        self._stopped.wait(timeout)

    def server_close(self) -> None:
        self.socket.close()


def _bind(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    # IPPROTO_TCP spelt out: asyncio sets TCP_NODELAY only on sockets that say it, and
    # without it every answer written in two parts waits 40 ms for a delayed ACK.
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError:
        sock.close()
        raise
    sock.listen(2048)  # connections wait in the backlog until uvicorn accepts them
    sock.set_inheritable(True)  # worker processes serve the same socket
    return sock


def make_server(*, host: str = "127.0.0.1", port: int = 8080, cache: Path | None = None,
                registry: Path | None = None, trust_root: str | None = None,
                status_dir: Path | None = None, allow_expired_registry: bool = False,
                limits: ServeLimits | None = None, root_path: str = "", quiet: bool = True,
                allowed_hosts: Sequence[str] | None = None,
                issuer: IssuerEndpoint | None = None, allow_test_contexts: bool = False,
                clock: Callable[[], datetime] | None = None) -> WebServer:
    """Bind the server (``port=0``: any free port) without serving yet.

    ``allowed_hosts`` defaults to :func:`default_allowed_hosts` of ``host``. ``clock``
    (tests) replaces the verification time, which is otherwise now.
    """
    limits = limits or ServeLimits()
    app = create_app(cache=cache, registry=registry, trust_root=trust_root,
                     status_dir=status_dir, allow_expired_registry=allow_expired_registry,
                     limits=limits, clock=clock, issuer=issuer,
                     allow_test_contexts=allow_test_contexts,
                     allowed_hosts=allowed_hosts or default_allowed_hosts(host))
    return WebServer(app, limits, host=host, port=port, root_path=root_path, quiet=quiet)


def default_allowed_hosts(host: str) -> tuple[str, ...]:
    """The names the page answers to when none are given: this machine's, and the address it
    listens on when that is a particular one (not 0.0.0.0 or ::)."""
    if host in LOOPBACK_NAMES or host in ("0.0.0.0", "::", ""):
        return LOOPBACK_NAMES
    return (*LOOPBACK_NAMES, host)


def app_from_environment() -> ASGIApp:
    """The application of one worker process, from what :func:`serve` put in the
    environment (uvicorn starts workers by importing this factory)."""
    settings = json.loads(os.environ[ENVIRONMENT])

    def path(key: str) -> Path | None:
        return None if settings.get(key) is None else Path(settings[key])

    return create_app(cache=path("cache"), registry=path("registry"),
                      status_dir=path("status_dir"), trust_root=settings.get("trust_root"),
                      allow_expired_registry=bool(settings.get("allow_expired_registry")),
                      allowed_hosts=tuple(settings["allowed_hosts"]),
                      issuer=issuer_endpoint(path("issuer_key")),
                      allow_test_contexts=bool(settings.get("allow_test_contexts")),
                      limits=ServeLimits(**settings.get("limits", {})))


def serve(*, host: str = "127.0.0.1", port: int = 8080, cache: Path | None = None,
          registry: Path | None = None, trust_root: str | None = None,
          status_dir: Path | None = None, allow_expired_registry: bool = False,
          limits: ServeLimits | None = None, workers: int = 1, root_path: str = "",
          allowed_hosts: Sequence[str] | None = None, issuer_key: Path | None = None,
          allow_test_contexts: bool = False, echo: Callable[[str], Any] | None = None,
          quiet: bool = False) -> None:
    """Serve until interrupted (Ctrl-C or SIGTERM), then close cleanly.

    ``workers`` processes share the listening socket, each with its own verifier. Binds to
    loopback unless ``host`` names another address; says so when it does. ``allowed_hosts``
    are the names employers reach the page by (default: :func:`default_allowed_hosts`).
    ``issuer_key`` opens the VC API's issuing behind ``VCSKILL_ISSUE_TOKEN``.
    """
    if echo is None:
        def echo(line: str) -> None:
            print(line, flush=True)

    if workers < 1:
        from vcskill.errors import UsageError

        raise UsageError(f"--workers must be 1 or more, not {workers}")
    limits = limits or ServeLimits()
    if not quiet:
        logging.basicConfig(stream=sys.stderr, level=logging.INFO, format="%(message)s")
    config = TrustConfig(cache=cache, registry=registry, trust_root=trust_root,
                         status_dir=status_dir, allow_expired_registry=allow_expired_registry)
    source = TrustSource(config)  # refuses a configuration that cannot work, before binding
    hosts = tuple(allowed_hosts or default_allowed_hosts(host))
    issuer = issuer_endpoint(issuer_key)  # a missing token or a bad key stops it here
    if workers == 1:
        server = make_server(host=host, port=port, cache=cache, registry=registry,
                             trust_root=trust_root, status_dir=status_dir,
                             allow_expired_registry=allow_expired_registry, limits=limits,
                             root_path=root_path, quiet=quiet, allowed_hosts=hosts,
                             issuer=issuer, allow_test_contexts=allow_test_contexts)
        _announce(echo, server.url, source, host, workers, hosts, issuer, allow_test_contexts)
        try:
            server.serve_forever()
        finally:
            server.server_close()
            echo("vcskill serve: stopped")
        return
    os.environ[ENVIRONMENT] = json.dumps({
        "cache": _text(cache), "registry": _text(registry), "status_dir": _text(status_dir),
        "trust_root": trust_root, "allow_expired_registry": allow_expired_registry,
        "allowed_hosts": hosts, "issuer_key": _text(issuer_key),
        "allow_test_contexts": allow_test_contexts, "limits": dataclasses.asdict(limits)})
    sock = _bind(host, port)
    address = sock.getsockname()
    shown = f"[{address[0]}]" if ":" in address[0] else address[0]
    _announce(echo, f"http://{shown}:{address[1]}/", source, host, workers, hosts, issuer,
              allow_test_contexts)
    uvicorn_config = _uvicorn_config("vcskill.web.server:app_from_environment", limits,
                                     workers=workers, root_path=root_path, quiet=quiet)
    from uvicorn.supervisors import Multiprocess

    try:
        Multiprocess(uvicorn_config, sockets=[sock]).run()
    finally:
        sock.close()
        echo("vcskill serve: stopped")


def _text(path: Path | None) -> str | None:
    return None if path is None else str(path)


def _announce(echo: Callable[[str], Any], url: str, source: TrustSource, host: str,
              workers: int, hosts: Sequence[str], issuer: IssuerEndpoint | None,
              allow_test_contexts: bool) -> None:
    from datetime import UTC

    trust = source.current(datetime.now(UTC))
    echo(f"vcskill serve: {url}" + (f" ({workers} worker processes)" if workers > 1 else ""))
    if trust.problem is not None:
        echo(f"  warning: {trust.problem.message} [{trust.problem.code}]; every verdict will "
             "be amber at best")
    else:
        echo(f"  registry v{trust.registry_version}, expires "
             f"{trust.registry_expires.isoformat() if trust.registry_expires else '?'}")
    if host not in LOOPBACK_NAMES:
        echo(f"  warning: listening on {host}: other machines can reach this page over plain "
             "http; put it behind TLS")
        if tuple(hosts) == LOOPBACK_NAMES:
            echo("  warning: it answers only to this machine's names; give the name employers "
                 "use with --allowed-host (e.g. --allowed-host verify.example.cn)")
    if allow_test_contexts:
        echo("  warning: the W3C examples contexts are accepted (--allow-test-contexts): for "
             "conformance runs only, never for credentials people rely on")
    if issuer is not None:
        echo(f"  issuing as {issuer.key.metadata.controller} at POST /credentials/issue, "
             f"for holders of the {TOKEN_ENVIRONMENT} token")
    echo("  Ctrl-C stops it")

