"""`vcskill serve`: the verification page and the JSON API over a real loopback server.

The world is the demo's (a registry, the centre's ledger with one credential revoked, a
forged copy); the server reads it from a sync cache built from it, or from the files.
Browser tests of the same page are in tests/test_browser.py.
"""

from __future__ import annotations

import contextlib
import http.client
import io
import json
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest

from tests.world import World, fill_cache
from vcskill.errors import UsageError
from vcskill.web.server import ServeLimits, TrustConfig, WebServer, make_server

GENUINE = "credential-1-eddsa-rdfc-2022.json"
JWT = "credential-4-vc-jwt.jwt"
TAMPERED = "forged-level.json"
REVOKED = "centre-revoked.json"
SUSPENDED_ISSUER = "school-during-suspension.json"


class Running:
    """A server on a free loopback port, served from a thread."""

    def __init__(self, server: WebServer) -> None:
        self.server = server
        self.thread = threading.Thread(target=server.serve_forever, daemon=True)
        self.thread.start()
        self.host, self.port = server.server_address[:2]

    @property
    def url(self) -> str:
        return self.server.url

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(5)

    def request(self, method: str, path: str, body: bytes | None = None,
                headers: dict[str, str] | None = None) -> Response:
        conn = http.client.HTTPConnection(str(self.host), self.port, timeout=30)
        try:
            conn.request(method, path, body=body, headers=headers or {})
            answer = conn.getresponse()
            return Response(answer.status, dict(answer.getheaders()), answer.read())
        finally:
            conn.close()

    def api(self, value: Any) -> Response:
        return self.request("POST", "/api/verify", json.dumps(value).encode(),
                            {"Content-Type": "application/json"})

    def form(self, fields: dict[str, str], files: dict[str, bytes] | None = None,
             path: str = "/verify", headers: dict[str, str] | None = None) -> Response:
        body, content_type = multipart(fields, files or {})
        return self.request("POST", path, body, {"Content-Type": content_type,
                                                 **(headers or {})})


@dataclass(frozen=True)
class Response:
    status: int
    headers: dict[str, str]
    body: bytes

    @property
    def text(self) -> str:
        return self.body.decode("utf-8")

    def json(self) -> Any:
        assert (self.header("Content-Type") or "").startswith("application/json"), self.headers
        return json.loads(self.body)

    def header(self, name: str) -> str | None:
        return next((v for k, v in self.headers.items() if k.lower() == name.lower()), None)


def multipart(fields: dict[str, str], files: dict[str, bytes]) -> tuple[bytes, str]:
    boundary = "----vcskill" + uuid.uuid4().hex
    out = bytearray()
    for name, value in fields.items():
        out += (f"--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n"
                f"{value}\r\n").encode()
    for name, data in files.items():
        out += (f"--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"; "
                f"filename=\"{name}.png\"\r\nContent-Type: image/png\r\n\r\n").encode()
        out += data + b"\r\n"
    out += f"--{boundary}--\r\n".encode()
    return bytes(out), f"multipart/form-data; boundary={boundary}"


Start = Callable[..., Running]


@pytest.fixture
def start() -> Iterator[Start]:
    running: list[Running] = []

    def launch(**options: Any) -> Running:
        options.setdefault("port", 0)
        server = Running(make_server(**options))
        running.append(server)
        return server

    yield launch
    for server in running:
        server.stop()


@pytest.fixture
def served(world: World, start: Start) -> Running:
    return start(cache=world.cache)


def verdict_of(page: str) -> str:
    marker = 'data-verdict="'
    assert marker in page, page[:2000]
    return page.split(marker, 1)[1].split('"', 1)[0]


# -- the JSON API ---------------------------------------------------------------------------
def test_a_genuine_credential_is_green(served: Running, world: World) -> None:
    answer = served.api({"credential": json.loads(world.credential(GENUINE))})
    assert answer.status == 200
    report = answer.json()
    assert report["verdict"] == "green"
    assert report["verified"] is True and report["outcome"] == "verified"
    assert [c["id"] for c in report["checks"]] == [
        "parse", "context", "data_model", "proof", "issuer", "authorization", "validity",
        "status"]
    assert report["credential"]["subject_name"] == "张三"
    assert report["registry"]["version"] == 1 and report["registry"]["expired"] is False
    assert report["registry"]["source"] == "registry.json"  # no server paths
    assert report["issuer"]["standing_at_issue"] == "approved"
    assert {s["purpose"] for s in report["status_lists"]} == {"revocation", "suspension"}
    assert all(s["verified"] and s["age_seconds"] is not None for s in report["status_lists"])
    assert report["trust"]["problem"] is None and report["trust"]["synced_at"]
    assert "Genuine" in report["summary"]["en"] and "真实有效" in report["summary"]["zh"]


def test_a_jwt_credential_as_text_is_green(served: Running, world: World) -> None:
    answer = served.api({"credential": world.credential(JWT).decode()})
    assert answer.json()["verdict"] == "green"


def test_a_tampered_credential_is_red(served: Running, world: World) -> None:
    report = served.api({"credential": world.credential(TAMPERED).decode()}).json()
    assert report["verdict"] == "red" and report["outcome"] == "invalid"
    failed = [c for c in report["checks"] if not c["passed"]]
    assert failed[0]["id"] == "proof" and failed[0]["code"] == "PROOF_VERIFICATION_ERROR"
    assert "signature does not match" in report["summary"]["en"]


def test_a_revoked_credential_is_red(served: Running, world: World) -> None:
    report = served.api({"credential": json.loads(world.credential(REVOKED))}).json()
    assert report["verdict"] == "red"
    status = next(c for c in report["checks"] if c["id"] == "status")
    assert status["code"] == "CREDENTIAL_REVOKED"
    assert report["summary"]["en"] == "The issuer has revoked this certificate."


def test_a_credential_issued_while_suspended_is_red(served: Running, world: World) -> None:
    report = served.api({"credential": world.credential(SUSPENDED_ISSUER).decode()}).json()
    assert report["verdict"] == "red"
    assert report["issuer"]["standing_at_issue"] == "suspended"


def test_qr_payload_and_images(served: Running, world: World) -> None:
    from vcskill.qr.image import make_qr
    from vcskill.qr.payload import encode_payload

    payload = encode_payload(world.credential(REVOKED))
    assert served.api({"payload": payload}).json()["verdict"] == "red"
    png = make_qr(encode_payload(world.credential(GENUINE))).to_png()
    raw = served.request("POST", "/api/verify", png, {"Content-Type": "image/png"})
    assert raw.status == 200 and raw.json()["verdict"] == "green"
    form = served.form({}, {"image": png}, path="/api/verify")
    assert form.json()["verdict"] == "green"


def test_an_image_without_a_qr_code_is_422(served: Running) -> None:
    from PIL import Image

    blank = io.BytesIO()
    Image.new("L", (64, 64), 255).save(blank, format="PNG")
    answer = served.request("POST", "/api/verify", blank.getvalue(),
                            {"Content-Type": "image/png"})
    assert answer.status == 422
    assert answer.json()["error"]["code"] == "IMAGE_ERROR"
    junk = served.request("POST", "/api/verify", b"not an image",
                          {"Content-Type": "image/jpeg"})
    assert junk.status == 422 and junk.json()["error"]["code"] == "IMAGE_ERROR"
    page = served.form({"lang": "en"}, {"photo": b"not an image"})
    assert page.status == 422
    assert verdict_of(page.text) == "unreadable"
    assert "No QR code could be read" in page.text
    assert 'id="verify-form"' in page.text  # the form again, to try once more


def test_a_link_in_a_qr_code_is_not_followed(served: Running) -> None:
    answer = served.api({"payload": "https://evil.example/credential.json"})
    # not a credential at all, and never fetched: refused as input
    assert answer.status == 422 and answer.json()["error"]["code"] == "PARSING_ERROR"
    answer = served.api({"payload": "VCS1:NOT-BASE45"})
    assert answer.status == 422 and answer.json()["error"]["code"] == "QR_DECODE_ERROR"


def test_api_request_shapes(served: Running, world: World) -> None:
    cases: list[tuple[bytes, int]] = [
        (b"{", 400),
        (b"[]", 400),
        (b"{}", 400),
        (json.dumps({"payload": "x", "credential": {}}).encode(), 400),
        (json.dumps({"payload": 5}).encode(), 400),
        (json.dumps({"credential": 5}).encode(), 400),
        (b'{"payload": "a", "payload": "b"}', 400),  # duplicate keys are refused
    ]
    for body, status in cases:
        answer = served.request("POST", "/api/verify", body,
                                {"Content-Type": "application/json"})
        assert answer.status == status, body
        error = answer.json()["error"]
        assert error["code"] and error["message"]
    # not a credential at all: refused as input (as the CLI's exit 2), never a verdict
    garbage = served.api({"credential": "hello"})
    assert garbage.status == 422 and garbage.json()["error"]["code"] == "PARSING_ERROR"


def test_wrong_content_types(served: Running) -> None:
    plain = served.request("POST", "/api/verify", b"hello", {"Content-Type": "text/plain"})
    assert plain.status == 415 and plain.json()["error"]["code"] == "UNSUPPORTED_MEDIA_TYPE"
    none = served.request("POST", "/api/verify", b"hello")
    assert none.status == 415
    form = served.request("POST", "/verify", b"{}", {"Content-Type": "application/json"})
    assert form.status == 415 and (form.header("Content-Type") or "").startswith("text/html")
    broken = served.request("POST", "/verify", b"--x\r\n",
                            {"Content-Type": "multipart/form-data; boundary=x"})
    assert broken.status == 400
    no_boundary = served.request("POST", "/verify", b"x",
                                 {"Content-Type": "multipart/form-data"})
    assert no_boundary.status == 400


def test_oversize_uploads_are_413(served: Running, world: World) -> None:
    limits = ServeLimits()
    image = b"\x89PNG" + b"\0" * limits.max_image_bytes
    answer = served.request("POST", "/api/verify", image, {"Content-Type": "image/png"})
    assert answer.status == 413
    assert "8 MiB" in answer.json()["error"]["message"]
    big_json = json.dumps({"payload": "A" * (limits.max_text_bytes + 1)}).encode()
    assert served.request("POST", "/api/verify", big_json,
                          {"Content-Type": "application/json"}).status == 413
    pasted = served.form({"lang": "en", "payload": "A" * (limits.max_text_bytes + 1)})
    assert pasted.status == 413 and "64 KiB" in pasted.text
    photo = served.form({}, {"photo": b"\0" * (limits.max_image_bytes + 1)})
    assert photo.status == 413


def test_small_limits_and_a_slow_client(world: World, start: Start) -> None:
    limits = ServeLimits(max_image_bytes=1024, max_text_bytes=256, header_seconds=0.5,
                         drain_bytes=0)
    served = start(cache=world.cache, limits=limits)
    assert served.request("POST", "/api/verify", b"\0" * 1025,
                          {"Content-Type": "image/png"}).status == 413
    # a client that never finishes its headers is dropped after the read timeout
    with socket.create_connection((str(served.host), served.port), timeout=5) as slow:
        slow.sendall(b"POST /api/verify HTTP/1.1\r\nHost: 127.0.0.1\r\n")
        began = time.monotonic()
        assert slow.recv(1024) == b""
        assert time.monotonic() - began < 4
    # a body without a Content-Length is refused
    with socket.create_connection((str(served.host), served.port), timeout=5) as raw:
        raw.sendall(b"POST /api/verify HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: image/png\r\n"
                    b"Transfer-Encoding: chunked\r\n\r\n")
        assert raw.recv(1024).startswith(b"HTTP/1.1 411")



def _until_closed(connection: socket.socket) -> bytes:
    """Everything the server sends until it closes the connection."""
    received = b""
    while chunk := connection.recv(65536):
        received += chunk
    return received


def test_dripped_headers_on_a_kept_alive_connection_are_cut_off(world: World,
                                                               start: Start) -> None:
    """The header deadline starts again after each answer: a client cannot answer one honest
    request and then hold the connection by dripping the next one."""
    served = start(cache=world.cache, limits=ServeLimits(header_seconds=0.5))
    with socket.create_connection((str(served.host), served.port), timeout=5) as client:
        client.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
        first = client.recv(65536)
        assert first.startswith(b"HTTP/1.1 200")
        client.sendall(b"GET /healthz HTTP/1.1\r\n")
        for _ in range(4):  # a byte now and then, never the end of the headers
            try:
                client.sendall(b"X")
            except OSError:
                break
            time.sleep(0.3)
        assert b"HTTP/1.1" not in _until_closed(client)


def test_a_body_that_stops_arriving_is_408(world: World, start: Start) -> None:
    served = start(cache=world.cache, limits=ServeLimits(body_seconds=0.5))
    with socket.create_connection((str(served.host), served.port), timeout=10) as client:
        client.sendall(b"POST /api/verify HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                       b"Content-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"pay")
        answer = _until_closed(client)
    assert answer.startswith(b"HTTP/1.1 408"), answer[:200]
    assert b'"TIMEOUT"' in answer


def test_the_app_mounts_inside_an_integrators_application(world: World) -> None:
    """create_app is a plain ASGI application: mounted under a prefix of another Starlette
    application, its page links and its API work there."""
    from starlette.applications import Starlette
    from starlette.routing import Mount

    from vcskill.web import create_app
    from vcskill.web.server import WebServer

    host = Starlette(routes=[Mount("/skills", app=create_app(cache=world.cache))])
    served = Running(WebServer(host, ServeLimits(), port=0))
    try:
        page = served.request("GET", "/skills/")
        assert page.status == 200 and 'action="verify"' in page.text
        assert served.request("GET", "/skills/static/app.css").status == 200
        body = json.dumps({"credential": world.credential(GENUINE).decode()}).encode()
        answer = served.request("POST", "/skills/api/verify", body,
                                {"Content-Type": "application/json"})
        assert answer.status == 200 and answer.json()["verdict"] == "green"
        assert answer.header("Server") == "vcskill"
    finally:
        served.stop()


def test_behind_a_proxy_the_root_path_is_honoured(world: World, start: Start) -> None:
    served = start(cache=world.cache, root_path="/verify-skills")
    # The proxy strips the prefix; the application still routes, and its links are relative.
    assert served.request("GET", "/healthz").json()["status"] == "ok"
    assert 'href="static/app.css' in served.request("GET", "/").text


@contextlib.contextmanager
def serve_process(cache: Path, extra: str = "", *, seconds: float = 60
                  ) -> Iterator[subprocess.Popen[str]]:
    """``serve(port=0, cache=..., quiet=True{extra})`` in its own process, killed if it is
    still running when the block ends or after ``seconds`` (never hang the suite)."""
    code = ("import sys; from pathlib import Path; from vcskill.web.server import serve; "
            f"serve(port=0, cache=Path(sys.argv[1]), quiet=True{extra})")
    process = subprocess.Popen([sys.executable, "-c", code, str(cache)],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    watchdog = threading.Timer(seconds, process.kill)
    watchdog.start()
    try:
        yield process
    finally:
        watchdog.cancel()
        if process.poll() is None:
            process.kill()
            process.wait()


def test_two_workers_share_the_port_and_stop_cleanly(world: World) -> None:
    with serve_process(world.cache, ", workers=2") as process:
        assert process.stdout is not None
        first = process.stdout.readline()
        assert first.startswith("vcskill serve: http://127.0.0.1:") and "2 worker" in first
        url = first.split(": ", 1)[1].split()[0]
        host, port = url.removeprefix("http://").rstrip("/").split(":")
        body = json.dumps({"credential": world.credential(GENUINE).decode()}).encode()
        verdicts = []
        for _ in range(6):
            for attempt in range(100):  # the workers may still be starting
                try:
                    conn = http.client.HTTPConnection(host, int(port), timeout=20)
                    conn.request("POST", "/api/verify", body,
                                 {"Content-Type": "application/json"})
                    verdicts.append(json.loads(conn.getresponse().read())["verdict"])
                    conn.close()
                    break
                except (ConnectionError, http.client.RemoteDisconnected):
                    time.sleep(0.1 * (attempt < 99))
        assert verdicts == ["green"] * 6
        process.send_signal(signal.SIGTERM)
        out, err = process.communicate(timeout=30)
    assert process.returncode == 0, err
    assert out.rstrip().endswith("vcskill serve: stopped")



def test_only_the_allowed_host_names_are_answered(world: World, start: Start) -> None:
    """A page reached by another name (DNS rebinding: evil.example resolving to this
    machine) is refused before anything runs; the allow-list opens the real name."""
    served = start(cache=world.cache)
    assert served.request("GET", "/healthz").status == 200  # Host: 127.0.0.1:PORT
    refused = served.request("GET", "/healthz", headers={"Host": "evil.example"})
    assert refused.status == 400 and refused.header("Content-Security-Policy")
    opened = start(cache=world.cache, allowed_hosts=("verify.example.cn", "*.skills.cn"))
    assert opened.request("GET", "/", headers={"Host": "verify.example.cn"}).status == 200
    assert opened.request("GET", "/", headers={"Host": "bj.skills.cn:8443"}).status == 200
    assert opened.request("GET", "/", headers={"Host": "skills.cn.evil"}).status == 400


def test_a_post_from_another_site_is_refused(served: Running, world: World) -> None:
    payload = {"payload": world.credential(GENUINE).decode()}
    for headers in ({"Sec-Fetch-Site": "cross-site"}, {"Sec-Fetch-Site": "same-site"},
                    {"Origin": "https://evil.example"}):
        answer = served.form(payload, headers=headers)
        assert answer.status == 403, headers
        assert "another site" in answer.text
    # The page's own form (Origin is null under Referrer-Policy: no-referrer), a typed-in
    # request, and scripts that send neither header are answered.
    for headers in ({"Sec-Fetch-Site": "same-origin", "Origin": "null"},
                    {"Sec-Fetch-Site": "none"}, {"Origin": f"http://127.0.0.1:{served.port}"},
                    {}):
        assert served.form(payload, headers=headers).status == 200, headers



def test_photos_are_decoded_a_bounded_number_at_a_time(world: World) -> None:
    """With every decoding slot taken, another photo waits and is then answered 503 (busy),
    never decoded alongside: 16 uploads of a 50 MP photo cannot mean 16 decodes at once."""
    from vcskill.web.app import VerifyService
    from vcskill.web.submission import HttpError, Submission
    from vcskill.web.trust import TrustSource

    limits = ServeLimits(max_image_decodes=1, verify_wait_seconds=0.05)
    service = VerifyService(TrustSource(TrustConfig(cache=world.cache)), limits)
    photo = _png_of_code(world)
    assert service.verify(Submission(image=photo)).verdict == "green"  # a free slot
    service._decoding.acquire()  # another photo being decoded
    try:
        with pytest.raises(HttpError) as busy:
            service.verify(Submission(image=photo))
        assert busy.value.status == 503 and busy.value.code == "BUSY"
        # text needs no decoding slot
        text = Submission(text=world.credential(GENUINE).decode())
        assert service.verify(text).verdict == "green"
    finally:
        service._decoding.release()


def _png_of_code(world: World) -> bytes:
    from vcskill.qr.image import make_qr
    from vcskill.qr.payload import encode_payload

    return make_qr(encode_payload(world.credential(GENUINE))).to_png()



# -- accessibility (issue #11's audit; axe-core itself runs in no offline test) -----------------


def _contrast(first: str, second: str) -> float:
    """WCAG 2.2 contrast ratio of two #rrggbb colours."""
    def luminance(colour: str) -> float:
        channels = [int(colour[i:i + 2], 16) / 255 for i in (1, 3, 5)]
        linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
        return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]
    high, low = sorted((luminance(first), luminance(second)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def test_the_focus_ring_and_the_amber_accents_reach_3_to_1(served: Running) -> None:
    css = served.request("GET", "/static/app.css").text
    colours = dict(re.findall(r"--([a-z-]+):\s*(#[0-9a-f]{6})", css))
    assert _contrast(colours["focus"], "#ffffff") >= 3
    for background in ("#ffffff", colours["amber-bg"]):
        assert _contrast(colours["amber-accent"], background) >= 3, background
    assert "#93b4f5" not in css and "#d97706" not in css  # the colours the audit measured
    textarea = css.split("textarea {", 1)[1].split("}", 1)[0]
    assert "font: 1rem" in textarea  # 16 px: iOS does not zoom into the field


def test_each_checks_result_is_spoken_and_languages_are_marked(served: Running,
                                                              world: World) -> None:
    zh = served.form({"lang": "zh", "payload": world.credential(TAMPERED).decode()}).text
    en = served.form({"lang": "en", "payload": world.credential(TAMPERED).decode()}).text
    for text, words in ((zh, ("通过", "未通过", "未运行")), (en, ("passed", "failed", "not run"))):
        items = re.findall(r'<li class="[a-z]+" data-check=.*?</li>', text)
        assert items and all('class="sr-only"' in item for item in items)
        for spoken in words:
            assert f'<span class="sr-only">{spoken}: </span>' in text, spoken
    assert "not run: an earlier check failed" not in zh and "未运行：前面的检查已未通过" in zh
    assert '<span lang="en">' in zh  # the checks' English details
    genuine = served.form({"lang": "en", "payload": world.credential(GENUINE).decode()}).text
    assert '<span lang="zh-CN">三级/高级工</span>' in genuine
    assert '<span lang="zh-CN">' in genuine.split('id="occupation"', 1)[1][:400]


def test_an_error_page_is_titled_translated_and_keeps_the_pasted_text(served: Running) -> None:
    empty = served.form({"lang": "zh", "payload": ""})
    assert empty.status == 400
    assert "<title>无法读取 · 职业技能等级证书核验</title>" in empty.text
    assert "请拍摄或选择二维码照片，或粘贴二维码内容。" in empty.text  # NO_INPUT, in Chinese
    pasted = served.form({"lang": "en", "payload": "VCS1:NOT-A-PAYLOAD<b>"})
    assert pasted.status == 422
    assert ">VCS1:NOT-A-PAYLOAD&lt;b&gt;</textarea>" in pasted.text
    assert 'h2 tabindex="-1"' in pasted.text  # the script moves the focus there
    assert pasted.text.count("<h1") == 1  # the start page's own heading


def test_the_page_says_it_sends_at_once_and_shows_that_it_is_busy(served: Running) -> None:
    page = served.request("GET", "/?lang=zh").text
    assert 'data-busy="正在核验…"' in page and "选好照片后立即开始核验。" in page
    script = served.request("GET", "/static/app.js").text
    assert 'setAttribute("aria-busy", "true")' in script


def test_an_amber_page_asks_the_employer_to_tell_the_operator(start: Start,
                                                              world: World) -> None:
    served = start()  # no registry
    page = served.request("GET", "/?lang=en").text
    assert "Please tell whoever runs this page (they run vcskill sync)." in page
    assert "本页面还没有可信机构名录" in served.request("GET", "/?lang=zh").text



def test_codes_and_dids_are_folded_away_for_integrators(served: Running, world: World) -> None:
    """The person at the desk reads words; the code that decided and the DIDs are in the
    technical details, closed until opened."""
    page = served.form({"lang": "zh", "payload": world.credential(TAMPERED).decode()}).text
    banner = page.split('id="verdict"', 1)[1].split("</section>", 1)[0]
    assert "PROOF_VERIFICATION_ERROR" not in banner and "检查项：" in banner
    details = page.split('<details class="integrators" id="integrators">', 1)[1]
    details = details.split("</details>", 1)[0]
    assert "<summary>技术细节（供系统集成人员）</summary>" in details
    assert "PROOF_VERIFICATION_ERROR" in details and "did:web:skills.example.cn" in details
    issuer_card = page.split('id="issuer"', 1)[1].split("</section>", 1)[0]
    assert "did:" not in issuer_card


# -- the page ---------------------------------------------------------------------------------
def test_the_form_works_without_javascript(served: Running, world: World) -> None:
    from vcskill.qr.image import make_qr
    from vcskill.qr.payload import encode_payload

    genuine = served.form({"lang": "zh", "payload": world.credential(GENUINE).decode()})
    assert genuine.status == 200 and verdict_of(genuine.text) == "green"
    assert "验证通过" in genuine.text and "张三" in genuine.text
    assert "Electrician" in genuine.text and "Level 3 / Senior Worker" in genuine.text
    assert "三级/高级工" in genuine.text and "北京市人力资源和社会保障局" in genuine.text
    tampered = served.form({"lang": "en", "payload": world.credential(TAMPERED).decode()})
    assert verdict_of(tampered.text) == "red"
    assert "Not valid" in tampered.text and "PROOF_VERIFICATION_ERROR" in tampered.text
    assert "NOT confirmed" in tampered.text
    png = make_qr(encode_payload(world.credential(REVOKED))).to_png()
    revoked = served.form({"lang": "en"}, {"photo": png})
    assert verdict_of(revoked.text) == "red"
    assert "The issuer has revoked this certificate." in revoked.text
    assert 'id="revocation-state"><span class="pill red">Revoked' in revoked.text
    payload = served.form({"lang": "en", "payload": encode_payload(world.credential(JWT))})
    assert verdict_of(payload.text) == "green"
    urlencoded = served.request(
        "POST", "/verify", b"lang=en&payload=" + world.credential(JWT),
        {"Content-Type": "application/x-www-form-urlencoded"})
    assert verdict_of(urlencoded.text) == "green"
    empty = served.form({"lang": "en", "payload": "  "})
    assert empty.status == 400 and verdict_of(empty.text) == "unreadable"


def test_the_start_page(served: Running) -> None:
    page = served.request("GET", "/")
    assert page.status == 200 and page.header("Content-Type") == "text/html; charset=utf-8"
    text = page.text
    assert '<html lang="zh-CN">' in text and "职业技能等级证书核验" in text
    assert 'capture="environment"' in text and 'accept="image/*"' in text
    assert 'enctype="multipart/form-data"' in text and 'action="verify"' in text
    assert "可信机构名录 v1" in text


def test_languages(served: Running) -> None:
    assert '<html lang="en">' in served.request("GET", "/?lang=en").text
    english = served.request("GET", "/", headers={"Accept-Language": "en-GB,en;q=0.9"})
    assert "Skill Certificate Verification" in english.text
    chinese = served.request("GET", "/", headers={"Accept-Language": "zh-CN,en;q=0.5"})
    assert '<html lang="zh-CN">' in chinese.text
    weighted = served.request("GET", "/", headers={"Accept-Language": "zh;q=0.2, en;q=0.8"})
    assert '<html lang="en">' in weighted.text
    chosen = served.request("GET", "/?lang=en")
    cookie = chosen.header("Set-Cookie") or ""
    assert cookie.startswith("lang=en;") and "SameSite=Strict" in cookie
    remembered = served.request("GET", "/", headers={"Cookie": "lang=en",
                                                     "Accept-Language": "zh-CN"})
    assert '<html lang="en">' in remembered.text


SECURITY = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
}


def test_security_headers_on_every_answer(served: Running, world: World) -> None:
    answers = [served.request("GET", "/"), served.request("GET", "/static/app.css"),
               served.request("GET", "/static/app.js"), served.request("GET", "/healthz"),
               served.request("GET", "/nowhere"), served.request("PUT", "/"),
               served.api({"credential": world.credential(GENUINE).decode()}),
               served.form({"payload": world.credential(GENUINE).decode()})]
    for answer in answers:
        for name, value in SECURITY.items():
            assert answer.header(name) == value, (name, answer.status)
        csp = answer.header("Content-Security-Policy") or ""
        assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp
        assert "script-src 'self'" in csp and "unsafe-inline" not in csp
        assert (answer.header("Server") or "").startswith("vcskill")
        assert "Python" not in (answer.header("Server") or "")
    assert answers[5].status == 405
    assert served.request("GET", "/verify").status == 405
    assert served.request("POST", "/").status == 405
    assert served.request("GET", "/static/../serve.py").status == 404


class _Assets(HTMLParser):
    """Every URL an HTML page would load or send to, and any inline script or style."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []
        self.inline: list[str] = []
        self._tag = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._tag = tag
        for name, value in attrs:
            if name in {"src", "href", "action", "poster", "srcset", "formaction", "data"}:
                self.urls.append(value or "")
            if name == "style" or name.startswith("on"):
                self.inline.append(f"{tag} {name}")

    def handle_data(self, data: str) -> None:
        if self._tag in {"script", "style"} and data.strip():
            self.inline.append(self._tag)


def test_no_asset_comes_from_elsewhere(served: Running, world: World) -> None:
    pages = [served.request("GET", "/").text, served.request("GET", "/?lang=en").text,
             served.form({"payload": world.credential(REVOKED).decode()}).text,
             served.form({"payload": world.credential(TAMPERED).decode()}).text]
    for text in pages:
        parser = _Assets()
        parser.feed(text)
        assert parser.urls, "the page references its own assets"
        for url in parser.urls:
            # relative (the page works under any mount point), never another origin
            assert not urlsplit(url).scheme and not url.startswith(("/", "\\")), url
        assert parser.inline == []
        assert "<style" not in text and "<script>" not in text
    css = served.request("GET", "/static/app.css")
    assert css.header("Content-Type") == "text/css; charset=utf-8"
    script = served.request("GET", "/static/app.js")
    assert script.header("Content-Type") == "text/javascript; charset=utf-8"
    for asset in (css.text, script.text):
        assert "http://" not in asset and "https://" not in asset
        assert "@import" not in asset and "url(" not in asset


def test_credential_text_is_escaped(served: Running, world: World, tmp_path: Path) -> None:
    from vcskill.issuing.request import IssueRequest, issue_one

    today = datetime.now(UTC) - timedelta(days=1)
    hostile = '<script>alert("x")</script>\u202eevil\u200b&amp;"\'<img src=x onerror=1>'
    issued = issue_one(world.dir / "issuers" / "centre-ed25519.key", IssueRequest(
        holder_name=hostile, occupation="6-31-01-03", level="L3", valid_from=today,
        certificate_number=f"S000011000001{today:%y}3000099"))
    for lang in ("zh", "en"):
        page = served.form({"lang": lang, "payload": issued.serialized}).text
        assert verdict_of(page) == "green"
        assert "<script>alert" not in page and "<img src=x" not in page
        assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in page
        assert "\u202e" not in page and "\u200b" not in page
        assert "\\u202eevil\\u200b&amp;amp;&quot;&#x27;&lt;img src=x onerror=1&gt;" in page
        parser = _Assets()
        parser.feed(page)
        assert parser.inline == []
    report = served.api({"credential": issued.serialized}).json()
    assert report["credential"]["subject_name"] == hostile  # JSON is data, not markup


def test_healthz(served: Running) -> None:
    health = served.request("GET", "/healthz").json()
    assert health["status"] == "ok" and health["problem"] is None
    assert health["registry"]["version"] == 1 and health["registry"]["expired"] is False


# -- without a usable registry: never green -----------------------------------------------
def test_no_registry_is_amber(start: Start, world: World, tmp_path: Path) -> None:
    for served in (start(cache=tmp_path / "empty"), start()):
        report = served.api({"credential": world.credential(GENUINE).decode()}).json()
        assert report["verdict"] == "amber"
        assert report["trust"]["problem"]["code"] == "REGISTRY_MISSING"
        assert "vcskill sync" in report["summary"]["en"]
        page = served.form({"lang": "en", "payload": world.credential(GENUINE).decode()})
        assert verdict_of(page.text) == "amber"
        assert "Could not decide" in page.text and "run vcskill sync" in page.text
        start_page = served.request("GET", "/?lang=en").text
        assert 'class="trust amber"' in start_page and "vcskill sync" in start_page
        health = served.request("GET", "/healthz").json()
        assert health["registry"] is None
        assert health["problem"]["code"] == "REGISTRY_MISSING"
        # an invalid credential is still red: no registry cannot make forgery look undecided
        tampered = served.api({"credential": world.credential(TAMPERED).decode()}).json()
        assert tampered["verdict"] in ("red", "amber") and tampered["verdict"] != "green"


def test_a_sync_while_serving_is_picked_up(start: Start, world: World, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    served = start(cache=cache)
    genuine = {"credential": world.credential(GENUINE).decode()}
    assert served.api(genuine).json()["verdict"] == "amber"
    fill_cache(world.dir, cache, now=datetime.now(UTC))
    assert served.api(genuine).json()["verdict"] == "green"


def test_a_damaged_cache_is_amber(start: Start, world: World, tmp_path: Path) -> None:
    cache = tmp_path / "cache"
    shutil.copytree(world.cache, cache)
    text = (cache / "registry.json").read_text(encoding="utf-8")
    (cache / "registry.json").write_text(text.replace("示范市", "假冒市"), encoding="utf-8")
    served = start(cache=cache)
    report = served.api({"credential": world.credential(GENUINE).decode()}).json()
    assert report["verdict"] == "amber" and report["trust"]["problem"]["code"].startswith(
        "REGISTRY_")


def test_an_expired_registry_is_amber(start: Start, world: World) -> None:
    later = datetime.now(UTC) + timedelta(days=60)
    served = start(cache=world.cache, clock=lambda: later)
    report = served.api({"credential": world.credential(GENUINE).decode()}).json()
    assert report["verdict"] == "amber" and report["registry"]["expired"] is True
    assert any(c["code"] == "REGISTRY_EXPIRED" for c in report["checks"])
    assert "registry has expired" in report["summary"]["en"]
    page = served.request("GET", "/?lang=en").text
    assert 'class="trust amber"' in page and "expired" in page
    # accepted explicitly, the stale registry decides, and the report says so
    allowed = start(cache=world.cache, clock=lambda: later, allow_expired_registry=True)
    report = allowed.api({"credential": world.credential(TAMPERED).decode()}).json()
    assert report["verdict"] == "red"


def test_registry_and_status_files_instead_of_a_cache(start: Start, world: World) -> None:
    served = start(registry=world.registry, trust_root=str(world.root),
                   status_dir=world.status)
    assert served.api({"credential": world.credential(GENUINE).decode()}).json()[
        "verdict"] == "green"
    report = served.api({"credential": world.credential(REVOKED).decode()}).json()
    assert report["verdict"] == "red"
    without_lists = start(registry=world.registry, trust_root=str(world.root))
    report = without_lists.api({"credential": world.credential(GENUINE).decode()}).json()
    assert report["verdict"] == "amber"  # no status list: never "not revoked"
    status = next(c for c in report["checks"] if c["id"] == "status")
    assert status["code"] == "STATUS_RETRIEVAL_ERROR"


def test_bad_configurations_are_refused(world: World, tmp_path: Path) -> None:
    with pytest.raises(UsageError, match="--trust-root"):
        make_server(port=0, registry=world.registry)
    with pytest.raises(UsageError, match="not both"):
        make_server(port=0, registry=world.registry, cache=world.cache,
                    trust_root=str(world.root))
    with pytest.raises(UsageError, match="status-dir"):
        make_server(port=0, cache=world.cache, status_dir=tmp_path / "missing")
    with pytest.raises(UsageError):
        make_server(port=0, registry=world.registry, trust_root="sha256:12")


def test_binds_to_loopback_by_default(world: World) -> None:
    server = make_server(port=0, cache=world.cache)
    try:
        assert server.server_address[0] == "127.0.0.1"
        assert server.url.startswith("http://127.0.0.1:")
    finally:
        server.server_close()


def test_serve_runs_until_sigterm_and_stops_cleanly(world: World) -> None:
    with serve_process(world.cache, seconds=30) as process:
        assert process.stdout is not None
        lines: list[str] = []
        while not lines or "Ctrl-C" not in lines[-1]:
            line = process.stdout.readline()
            if not line:
                break
            lines.append(line)
        first = lines[0] if lines else ""
        assert first.startswith("vcskill serve: http://127.0.0.1:"), lines
        assert lines[1].strip().startswith("registry v1,"), lines
        url = first.split(": ", 1)[1].strip()
        host, port = url.removeprefix("http://").rstrip("/").split(":")
        conn = http.client.HTTPConnection(host, int(port), timeout=10)
        conn.request("GET", "/healthz")
        assert json.loads(conn.getresponse().read())["status"] == "ok"
        conn.close()
        process.send_signal(signal.SIGTERM)
        out, err = process.communicate(timeout=15)
    assert process.returncode == 0, err
    assert out.rstrip().endswith("vcskill serve: stopped")
