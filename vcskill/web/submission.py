"""Reading what a request submits: its body, bounded in size and in time
(:func:`read_body`); a multipart form, a URL-encoded form, a JSON body or a raw image, into
the one :class:`Submission` the server verifies; and the page language a request asks for."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Mapping
from dataclasses import dataclass
from email.message import Message
from http import HTTPStatus
from typing import Any

from starlette.requests import ClientDisconnect, Request
from starlette.responses import Response

from vcskill.errors import Error
from vcskill.web.config import Lang, ServeLimits
from vcskill.web.words import format_size


class HttpError(Exception):
    """An answer that is not a verdict: 400, 404, 405, 408, 411, 413, 415, 422, 503.

    ``close``: the request's body was not read to its end, so the connection is closed after
    the answer rather than kept for another request."""

    def __init__(self, status: HTTPStatus, code: str, message: str, *,
                 kind: str | None = None, close: bool = False) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.kind = kind  # what the verifier found the input to be, when it said
        self.close = close


@dataclass(frozen=True, slots=True)
class Part:
    name: str
    data: bytes
    filename: str | None = None
    content_type: str | None = None


def _header_params(value: str, header: str = "content-type") -> Message:
    message = Message()
    message[header] = value
    return message


def media_type(value: str | None) -> str:
    return (value or "").split(";", 1)[0].strip().lower()


def parse_multipart(body: bytes, content_type: str, *, max_parts: int) -> list[Part]:
    """A ``multipart/form-data`` body (RFC 7578), read strictly: the boundary from the
    header, at most ``max_parts`` parts, each with a ``Content-Disposition: form-data``."""
    boundary = _header_params(content_type).get_param("boundary")
    if not isinstance(boundary, str) or not 1 <= len(boundary) <= 70:
        raise HttpError(HTTPStatus.BAD_REQUEST, "PARSING_ERROR",
                        "the multipart form has no valid boundary")
    delimiter = b"--" + boundary.encode("latin-1")
    chunks = body.split(delimiter)
    if len(chunks) < 3 or not chunks[-1].startswith(b"--"):
        raise HttpError(HTTPStatus.BAD_REQUEST, "PARSING_ERROR",
                        "the multipart form is incomplete")
    if len(chunks) - 2 > max_parts:
        raise HttpError(HTTPStatus.BAD_REQUEST, "PARSING_ERROR",
                        f"the form has more than {max_parts} parts")
    parts = []
    for chunk in chunks[1:-1]:
        if not chunk.startswith(b"\r\n") or not chunk.endswith(b"\r\n"):
            raise HttpError(HTTPStatus.BAD_REQUEST, "PARSING_ERROR",
                            "the multipart form is malformed")
        head, sep, data = chunk[2:-2].partition(b"\r\n\r\n")
        if not sep:
            raise HttpError(HTTPStatus.BAD_REQUEST, "PARSING_ERROR",
                            "a form part has no headers")
        headers: dict[str, str] = {}
        for line in head.decode("utf-8", "replace").split("\r\n"):
            key, colon, value = line.partition(":")
            if colon:
                headers[key.strip().lower()] = value.strip()
        disposition = headers.get("content-disposition", "")
        params = _header_params(disposition, "content-disposition")
        name = params.get_param("name", header="content-disposition")
        if not disposition.lower().startswith("form-data") or not isinstance(name, str):
            raise HttpError(HTTPStatus.BAD_REQUEST, "PARSING_ERROR",
                            "a form part is not form-data with a name")
        filename = params.get_param("filename", header="content-disposition")
        parts.append(Part(name, data, filename if isinstance(filename, str) else None,
                          media_type(headers.get("content-type")) or None))
    return parts


@dataclass(slots=True)
class Submission:
    """What was sent: an image, or text (a QR payload, a credential), or a parsed one."""

    image: bytes | None = None
    text: str | None = None
    credential: Mapping[str, Any] | None = None
    lang: str | None = None
    # API only ("accept": "any"): any VC Data Model 2.0 credential, not only skill
    # certificates; the page itself judges skill certificates only
    accept: str | None = None


def _text_field(data: bytes, limits: ServeLimits, what: str) -> str:
    if len(data) > limits.max_text_bytes:
        raise HttpError(HTTPStatus.REQUEST_ENTITY_TOO_LARGE, "INPUT_TOO_LARGE",
                        f"the {what} is larger than {format_size(limits.max_text_bytes)}")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        raise HttpError(HTTPStatus.BAD_REQUEST, "PARSING_ERROR",
                        f"the {what} is not UTF-8 text") from None


def submission_from_form(parts: list[Part], limits: ServeLimits) -> Submission:
    found = Submission()
    for part in parts:
        if part.name in ("photo", "image", "file") and part.data and found.image is None:
            if len(part.data) > limits.max_image_bytes:
                raise HttpError(HTTPStatus.REQUEST_ENTITY_TOO_LARGE, "INPUT_TOO_LARGE",
                                f"the image is larger than {format_size(limits.max_image_bytes)}")
            found.image = part.data
        elif part.name in ("payload", "credential") and found.text is None:
            text = _text_field(part.data, limits, "pasted text")
            if text.strip():
                found.text = text
        elif part.name == "lang":
            found.lang = part.data.decode("ascii", "replace")[:8]
    return found


def json_object(body: bytes, *, shape: str) -> dict[str, Any]:
    """A request body that must be one JSON object (strict, bounded JSON: no duplicate
    keys); 400 otherwise, saying ``shape``, what to send."""
    from vcskill.linkeddata.jsonparse import parse_json

    try:
        value = parse_json(body, what="request body")
    except Error as exc:
        raise HttpError(HTTPStatus.BAD_REQUEST, str(exc.code), str(exc)) from None
    if not isinstance(value, dict):
        raise HttpError(HTTPStatus.BAD_REQUEST, "PARSING_ERROR", f"send {shape}")
    return value


def json_response(status: int, value: Any, headers: Mapping[str, str] | None = None
                  ) -> Response:
    """``value`` as readable JSON (Chinese as it is, not escaped)."""
    body = json.dumps(value, ensure_ascii=False, indent=2).encode("utf-8") + b"\n"
    return Response(body, status, dict(headers or {}),
                    media_type="application/json; charset=utf-8")


def submission_from_json(body: bytes, limits: ServeLimits) -> Submission:
    value = json_object(body, shape='{"payload": "..."} or {"credential": ...}')
    keys = {"payload", "credential"} & set(value)
    if len(keys) != 1:
        raise HttpError(HTTPStatus.BAD_REQUEST, "PARSING_ERROR",
                        'send exactly one of "payload" (the QR text) and "credential"')
    accept = value.get("accept")
    if accept is not None and accept not in ("skill", "any"):
        raise HttpError(HTTPStatus.BAD_REQUEST, "USAGE_ERROR",
                        '"accept" must be "skill" (the default: skill level certificates '
                        'only) or "any" (any VC Data Model 2.0 credential)')
    found = Submission(lang=value.get("lang") if isinstance(value.get("lang"), str) else None,
                       accept=accept)
    if "payload" in value:
        if not isinstance(value["payload"], str) or not value["payload"].strip():
            raise HttpError(HTTPStatus.BAD_REQUEST, "PARSING_ERROR",
                            '"payload" must be the QR code\'s text')
        found.text = value["payload"]
    elif isinstance(value["credential"], dict):
        found.credential = value["credential"]
    elif isinstance(value["credential"], str) and value["credential"].strip():
        found.text = value["credential"]
    else:
        raise HttpError(HTTPStatus.BAD_REQUEST, "PARSING_ERROR",
                        '"credential" must be a JSON object or a vc+jwt string')
    return found


def credential_bytes(submission: Submission) -> bytes | Mapping[str, Any]:
    """What to give the verifier. Raises :class:`HttpError` (422) for an image without a
    readable QR code or a payload that does not decode."""
    if submission.credential is not None:
        return submission.credential
    try:
        if submission.image is not None:
            from vcskill.qr.image import credential_from_image

            return credential_from_image(submission.image)
        text = (submission.text or "").strip()
        if not text:
            raise HttpError(HTTPStatus.BAD_REQUEST, "NO_INPUT",
                            "choose or take a photo of the QR code, or paste its text")
        from vcskill.verifying.inputs import credential_from_input

        return credential_from_input(text.encode("utf-8"))  # the verifier says what it is not
    except Error as exc:
        raise HttpError(HTTPStatus.UNPROCESSABLE_ENTITY, str(exc.code), str(exc)) from None


def choose_lang(query: Mapping[str, list[str]], form_lang: str | None, cookie: str | None,
                accept: str | None) -> tuple[Lang, bool]:
    """The page language and whether it was chosen explicitly (then remembered)."""
    asked = next(iter(query.get("lang") or []), None)
    if asked in ("zh", "en"):
        return ("zh" if asked == "zh" else "en"), True
    if form_lang in ("zh", "en"):
        return ("zh" if form_lang == "zh" else "en"), False
    for part in (cookie or "").split(";"):
        key, _, value = part.strip().partition("=")
        if key == "lang" and value in ("zh", "en"):
            return ("zh" if value == "zh" else "en"), False
    ranked: list[tuple[float, int, str]] = []
    for position, item in enumerate((accept or "").split(",")[:20]):
        tag, _, params = item.strip().partition(";")
        quality = 1.0
        if params.strip().startswith("q="):
            try:
                quality = float(params.strip()[2:])
            except ValueError:
                quality = 0.0
        ranked.append((-quality, position, tag.strip().lower()))
    for _q, _p, tag in sorted(ranked):
        if tag.startswith("zh"):
            return "zh", False
        if tag.startswith("en"):
            return "en", False
    return "zh", False


async def read_body(request: Request, limits: ServeLimits, cap: int) -> bytes:
    """The request body, refused before it is read when it is larger than ``cap`` or has
    no ``Content-Length``, and refused when it does not arrive in time."""
    if request.headers.get("transfer-encoding") or "content-length" not in request.headers:
        raise HttpError(HTTPStatus.LENGTH_REQUIRED, "LENGTH_REQUIRED",
                        "send the body with a Content-Length", close=True)
    raw = request.headers["content-length"]
    if not raw.strip().isdigit():
        raise HttpError(HTTPStatus.BAD_REQUEST, "PARSING_ERROR",
                        "the Content-Length is not a number", close=True)
    length = int(raw)
    if length > cap:
        await _drain(request, limits, length)
        raise HttpError(HTTPStatus.REQUEST_ENTITY_TOO_LARGE, "INPUT_TOO_LARGE",
                        f"the upload is larger than {format_size(cap)}: images may be up "
                        f"to {format_size(limits.max_image_bytes)}, text up to "
                        f"{format_size(limits.max_text_bytes)}", close=True)
    chunks: list[bytes] = []
    received = 0
    try:
        async with asyncio.timeout(limits.body_seconds):
            async for chunk in request.stream():
                received += len(chunk)
                if received > length:  # h11 refuses this first; never trust it alone
                    raise HttpError(HTTPStatus.BAD_REQUEST, "PARSING_ERROR",
                                    "the body is longer than its Content-Length",
                                    close=True)
                chunks.append(chunk)
    except TimeoutError:
        raise HttpError(HTTPStatus.REQUEST_TIMEOUT, "TIMEOUT", "the upload took too long",
                        close=True) from None
    except ClientDisconnect:
        raise HttpError(HTTPStatus.BAD_REQUEST, "PARSING_ERROR", "the upload ended early",
                        close=True) from None
    if received < length:
        raise HttpError(HTTPStatus.BAD_REQUEST, "PARSING_ERROR", "the upload ended early",
                        close=True)
    return b"".join(chunks)


async def _drain(request: Request, limits: ServeLimits, length: int) -> None:
    """Read and drop an oversize body up to a bound, so that the client, still sending,
    sees our 413 rather than a reset connection."""
    if length > limits.drain_bytes:
        return
    try:
        async with asyncio.timeout(limits.body_seconds):
            async for _chunk in request.stream():
                pass
    except (TimeoutError, ClientDisconnect):
        pass
