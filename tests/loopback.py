"""A static HTTP server on 127.0.0.1 for tests of sync and the registry site: it serves a
site directory, lets a test override a path (an older or tampered file, a redirect, a slow
or endless body), and answers If-None-Match with 304. Started and stopped by the test (the
``server`` fixture in conftest.py)."""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

Route = Callable[[BaseHTTPRequestHandler], None]


@dataclass
class Server:
    """A static file server for a site directory, with per-path overrides."""

    site: Path
    routes: dict[str, Route] = field(default_factory=dict)
    requests: list[tuple[str, dict[str, str]]] = field(default_factory=list)
    released: threading.Event = field(default_factory=threading.Event)

    def start(self) -> None:
        owner = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                owner.requests.append((self.path, dict(self.headers)))
                route = owner.routes.get(self.path)
                if route is not None:
                    route(self)
                    return
                owner.serve_file(self)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.port = self.httpd.server_address[1]
        self.thread = threading.Thread(target=self.httpd.serve_forever, args=(0.01,),
                                       daemon=True)
        self.thread.start()

    def stop(self) -> None:
        self.released.set()
        self.httpd.shutdown()
        self.httpd.server_close()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/"

    @property
    def host(self) -> str:
        """The did:web host of this server."""
        return f"127.0.0.1%3A{self.port}"

    def serve_file(self, handler: BaseHTTPRequestHandler) -> None:
        relative = handler.path.split("?", 1)[0].lstrip("/")
        path = self.site / relative
        if not path.is_file():
            host = handler.headers.get("Host", "").replace(":", "_")
            path = self.site / "did-web" / host / relative
        if ".." in relative or not path.is_file():
            send(handler, 404, b"not found")
            return
        body = path.read_bytes()
        etag = '"' + hashlib.sha256(body).hexdigest()[:16] + '"'
        if handler.headers.get("If-None-Match") == etag:
            send(handler, 304, b"", {"ETag": etag})
            return
        send(handler, 200, body, {"ETag": etag, "Content-Type": "application/json"})

    def serve(self, path: str, body: bytes) -> None:
        self.routes[path] = lambda h: send(h, 200, body)

    def count(self, path: str) -> int:
        return sum(1 for p, _ in self.requests if p == path)


def send(handler: BaseHTTPRequestHandler, status: int, body: bytes,
         headers: dict[str, str] | None = None) -> None:
    handler.send_response(status)
    for name, value in (headers or {}).items():
        handler.send_header(name, value)
    if status != 304:
        handler.send_header("Content-Length", str(len(body)))
    handler.end_headers()
    handler.wfile.write(body)
