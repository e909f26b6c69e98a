"""Load on the verification page's API over loopback: requests/s with 1, 4 and 16 clients,
for ``vcskill serve`` with 1 and 2 worker processes, and an honest request's latency while 64
clients drip their headers a byte at a time.

Run from the repository root:  python bench/bench_serve.py [seconds-per-cell]

The baseline, measured in the same run, is the server this one replaced: the stdlib
``ThreadingHTTPServer``, one thread per connection, with the one global verification lock it
had, around the same verifier. Each server runs in its own process; the clients are threads
of this process, each on its own kept-alive connection, posting one genuine credential to
``/api/verify`` for a fixed time (bounded in count as well). Figures are ratios against the
baseline's requests/s at the same number of clients. The machine's cores are shared by the
clients and the servers, so "2 workers" cannot reach 2.00x on a 2-core machine.
"""

from __future__ import annotations

import contextlib
import http.client
import json
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

CLIENTS = (1, 4, 16)
MAX_REQUESTS = 5_000  # per cell, whatever the time
DRIPPERS = 64
OLD_MAX_CONNECTIONS = 64  # the replaced server's cap


def _baseline_server(cache: Path) -> None:
    """The old server's shape: ThreadingHTTPServer, a global lock around the verifier."""
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    from vcskill.web.app import VerifyService
    from vcskill.web.config import ServeLimits, TrustConfig
    from vcskill.web.submission import HttpError, submission_from_json
    from vcskill.web.trust import TrustSource

    limits = ServeLimits()
    service = VerifyService(TrustSource(TrustConfig(cache=cache)), limits)

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def setup(self) -> None:
            super().setup()
            # Without it this server's answers (headers, then body) wait 40 ms for a delayed
            # ACK; set, the baseline is judged on its threads and its lock, not on Nagle.
            self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

        def log_message(self, format: str, *args: Any) -> None:
            pass

        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            try:
                answer = service.verify(submission_from_json(body, limits)).to_json()
                status = 200
            except HttpError as exc:
                answer, status = {"error": exc.code}, int(exc.status)
            data = json.dumps(answer).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

    class Server(ThreadingHTTPServer):
        """With the old server's cap: 64 connections at once, more are dropped."""

        daemon_threads = True
        slots = threading.BoundedSemaphore(OLD_MAX_CONNECTIONS)

        def process_request(self, request: Any, client_address: Any) -> None:
            if not self.slots.acquire(blocking=False):
                self.shutdown_request(request)
                return
            super().process_request(request, client_address)

        def process_request_thread(self, request: Any, client_address: Any) -> None:
            try:
                super().process_request_thread(request, client_address)
            finally:
                self.slots.release()

        def handle_error(self, request: Any, client_address: Any) -> None:
            pass  # a dripping client reset by the bench

    server = Server(("127.0.0.1", 0), Handler)
    print(f"baseline: http://127.0.0.1:{server.server_address[1]}/", flush=True)
    server.serve_forever()


def _start(cache: Path, workers: int | None) -> tuple[subprocess.Popen[str], str, int]:
    """A server process (``workers=None``: the baseline) and its host and port."""
    if workers is None:
        code = ("import sys; sys.path.insert(0, sys.argv[2]); from pathlib import Path; "
                "from bench_serve import _baseline_server; _baseline_server(Path(sys.argv[1]))")
        args = [sys.executable, "-c", code, str(cache), str(Path(__file__).parent)]
    else:
        code = ("import sys; from pathlib import Path; from vcskill.web.server import serve; "
                f"serve(port=0, cache=Path(sys.argv[1]), workers={workers}, quiet=True)")
        args = [sys.executable, "-c", code, str(cache)]
    process = subprocess.Popen(args, stdout=subprocess.PIPE, text=True, cwd=ROOT)
    assert process.stdout is not None
    line = process.stdout.readline()
    url = line.split(": ", 1)[1].split()[0]
    host, port = url.removeprefix("http://").rstrip("/").split(":")
    return process, host, int(port)


def _connect(host: str, port: int) -> http.client.HTTPConnection:
    """A client connection without Nagle's delay, so that a request sent in two writes
    (headers, then body) is not held back waiting for an acknowledgement."""
    conn = http.client.HTTPConnection(host, port, timeout=60)
    conn.connect()
    assert conn.sock is not None
    conn.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    return conn


def _post(conn: http.client.HTTPConnection, body: bytes) -> str:
    conn.request("POST", "/api/verify", body, {"Content-Type": "application/json"})
    answer = conn.getresponse()
    return str(json.loads(answer.read()).get("verdict"))


def _ready(host: str, port: int, body: bytes) -> None:
    """Wait until every worker answers (a fresh connection lands on any of them)."""
    for _ in range(300):
        try:
            for _ in range(8):
                conn = _connect(host, port)
                assert _post(conn, body) == "green"
                conn.close()
            return
        except (ConnectionError, http.client.HTTPException):
            time.sleep(0.1)
    raise RuntimeError("the server did not come up")


def _load(host: str, port: int, body: bytes, clients: int, seconds: float) -> float:
    """Requests/s of ``clients`` threads, each on its own kept-alive connection."""
    done = [0] * clients
    stop = time.monotonic() + seconds
    budget = MAX_REQUESTS // clients

    def client(i: int) -> None:
        conn = _connect(host, port)
        while time.monotonic() < stop and done[i] < budget:
            if _post(conn, body) != "green":
                raise RuntimeError("a genuine credential was not green")
            done[i] += 1
        conn.close()

    began = time.monotonic()
    threads = [threading.Thread(target=client, args=(i,)) for i in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return sum(done) / (time.monotonic() - began)


def _latency_while_dripping(host: str, port: int, body: bytes) -> float | None:
    """Seconds the slowest of 5 honest requests takes while 64 connections drip header
    bytes; None when one is refused or dropped."""
    drippers = []
    for _ in range(DRIPPERS):
        sock = socket.create_connection((host, port), timeout=5)
        sock.sendall(b"POST /api/verify HTTP/1.1\r\nHost: x\r\n")
        drippers.append(sock)
    stop = threading.Event()

    def drip() -> None:
        while not stop.wait(1.0):
            for sock in drippers:
                with contextlib.suppress(OSError):
                    sock.sendall(b"X")

    dripping = threading.Thread(target=drip, daemon=True)
    dripping.start()
    time.sleep(2.0)  # well into the dripping
    worst = 0.0
    try:
        for _ in range(5):
            began = time.monotonic()
            try:
                conn = _connect(host, port)
                verdict = _post(conn, body)
                conn.close()
            except (OSError, http.client.HTTPException):
                return None  # refused or dropped: the drippers hold every slot
            worst = max(worst, time.monotonic() - began)
            if verdict != "green":
                raise RuntimeError("the honest request was not answered green")
    finally:
        stop.set()
        for sock in drippers:
            sock.close()
    return worst


def main() -> int:
    seconds = float(sys.argv[1]) if len(sys.argv) > 1 else 4.0
    from tests.world import build_world

    world = build_world(Path(tempfile.mkdtemp(prefix="vcskill-bench-serve-")),
                        now=datetime.now(UTC))
    body = json.dumps({"credential": world.credential("credential-1-eddsa-rdfc-2022.json")
                       .decode()}).encode()
    print(f"POST /api/verify of one eddsa-rdfc-2022 credential, {seconds:g} s a cell (at most "
          f"{MAX_REQUESTS:,} requests), {os.cpu_count()} cores shared by clients and servers")
    rates: dict[str, dict[int, float]] = {}
    latency: dict[str, float | None] = {}
    for name, workers in (("baseline: ThreadingHTTPServer", None), ("serve, 1 worker", 1),
                          ("serve, 2 workers", 2)):
        process, host, port = _start(world.cache, workers)
        try:
            _ready(host, port, body)
            rates[name] = {n: _load(host, port, body, n, seconds) for n in CLIENTS}
            latency[name] = _latency_while_dripping(host, port, body)
        finally:
            process.terminate()
            process.wait(30)
    base = rates["baseline: ThreadingHTTPServer"]
    print(f"{'requests/s (x baseline)':32}" + "".join(f"{f'{n} clients':>20}" for n in CLIENTS)
          + f"{'honest request, 64 dripping':>30}")
    for name, row in rates.items():
        cells = "".join(f"{f'{row[n]:7.1f} ({row[n] / base[n]:4.2f}x)':>20}" for n in CLIENTS)
        waited = latency[name]
        shown = "dropped" if waited is None else f"{waited:.2f} s"
        print(f"{name:32}{cells}{shown:>30}")
    one, two = rates["serve, 1 worker"], rates["serve, 2 workers"]
    print("2 workers / 1 worker: " + ", ".join(f"{two[n] / one[n]:.2f}x at {n} clients"
                                               for n in CLIENTS))
    return 0


if __name__ == "__main__":
    sys.exit(main())
