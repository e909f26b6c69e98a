"""The W3C VC API (https://w3c-ccg.github.io/vc-api/) beside the page, for integrators and
for the official W3C test suites::

    POST /credentials/verify   {"verifiableCredential": {...} | "<vc+jwt>", "options": {...}}
                               200 {"checks", "warnings", "errors", "outcome", "report"} when
                               verified, 400 with the same body when not
    POST /credentials/issue    {"credential": {...}, "options": {...}} with
                               "Authorization: Bearer <token>": 201 {"verifiableCredential"};
                               only when the server was given an issuer key and a token

A credential is judged by the same verifier as on the page, but any VC Data Model 2.0
credential is accepted, not only skill certificates (``Accept.ANY_CREDENTIAL``). It is 200
only when it is verified; the one exception is a server given no registry at all, where the
``issuer`` and ``authorization`` checks cannot run and are returned as warnings (the W3C
suites test credentials, not registries). Unknown options are ignored, as the VC API asks.

Issuing is closed unless ``vcskill serve --issuer-key`` is given, and then each request must
carry the bearer token of ``VCSKILL_ISSUE_TOKEN`` (compared in constant time). Credentials
issued here are signed as given, without the ledger: they carry no status entry unless the
request brings one, so they cannot be revoked through vcskill.
"""

from __future__ import annotations

import hmac
from dataclasses import dataclass
from http import HTTPStatus
from typing import Any, Final

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response

from vcskill.errors import Code, Error, UsageError
from vcskill.issuing.signing import ProofFormat, sign_credential
from vcskill.keys.keyfile import KeyFile
from vcskill.verifying.report import Check, CheckId, VerificationReport
from vcskill.verifying.verifier import Accept
from vcskill.web.submission import HttpError, json_object, json_response, read_body

__all__ = ["MIN_TOKEN_LENGTH", "IssuerEndpoint", "VcApi", "result_of"]

MIN_TOKEN_LENGTH: Final = 32
_REGISTRY_CHECKS: Final = frozenset({CheckId.ISSUER, CheckId.AUTHORIZATION})


@dataclass(frozen=True, slots=True)
class IssuerEndpoint:
    """What ``POST /credentials/issue`` signs with, and the token it demands."""

    key: KeyFile
    token: str
    proof_format: ProofFormat | None = None

    def __post_init__(self) -> None:
        if len(self.token) < MIN_TOKEN_LENGTH:
            raise UsageError(f"the issuing token must be at least {MIN_TOKEN_LENGTH} "
                             "characters (e.g. from: python -c \"import secrets; "
                             "print(secrets.token_urlsafe(32))\")")


def _entry(check: Check) -> dict[str, str]:
    return {"id": str(check.id), "code": str(check.code), "message": check.detail}


def result_of(report: VerificationReport, *, registry_configured: bool
              ) -> tuple[int, dict[str, Any]]:
    """The VC API status code and VerificationResult of a report."""
    failed = [c for c in report.checks if not c.passed]
    # A check that failed is an error; the ones not run after it are no errors of their own.
    errors = [c for c in failed if c.code is not Code.NOT_EVALUATED]
    waived: list[Check] = []
    if not errors:
        waived = [c for c in failed if not registry_configured and c.id in _REGISTRY_CHECKS]
        errors = [c for c in failed if c not in waived]  # could not decide: not verified
    body = {
        "checks": [str(c.id) for c in report.checks if c.passed],
        "warnings": [_entry(c) for c in waived],
        "errors": [_entry(c) for c in errors],
        "outcome": str(report.outcome),
        "report": report.to_json(),
    }
    return (HTTPStatus.BAD_REQUEST if errors else HTTPStatus.OK), body


def _problem(status: int, code: str, message: str, *, close: bool = False,
             headers: dict[str, str] | None = None) -> Response:
    extra = {**(headers or {}), **({"Connection": "close"} if close else {})}
    return json_response(status, {"errors": [{"code": code, "message": message}]}, extra or None)


class VcApi:
    """The VC API routes, over the page's :class:`~vcskill.web.app.VerifyService`."""

    def __init__(self, service: Any, issuer: IssuerEndpoint | None) -> None:
        self.service = service
        self.issuer = issuer

    async def _json_body(self, request: Request) -> dict[str, Any]:
        if request.headers.get("content-type", "").split(";")[0].strip().lower() \
                != "application/json":
            raise HttpError(HTTPStatus.UNSUPPORTED_MEDIA_TYPE, "UNSUPPORTED_MEDIA_TYPE",
                            "send application/json", close=True)
        limits = self.service.limits
        body = await read_body(request, limits, limits.max_api_bytes)
        return json_object(body, shape="a JSON object, as the VC API describes")

    async def verify_credential(self, request: Request) -> Response:
        try:
            body = await self._json_body(request)
            credential = body.get("verifiableCredential")
            if isinstance(credential, str):
                data: Any = credential.encode("utf-8")  # a vc+jwt
            elif isinstance(credential, dict):
                data = credential
            else:
                raise HttpError(HTTPStatus.BAD_REQUEST, "PARSING_ERROR",
                                '"verifiableCredential" must be a credential object or a '
                                "vc+jwt string")
            report, trust, _now = await run_in_threadpool(self.service.check, data,
                                                          Accept.ANY_CREDENTIAL)
        except HttpError as exc:
            return _problem(exc.status, exc.code, exc.message, close=exc.close)
        del trust  # the report names the registry it was judged with
        config = self.service.trust.config
        status, result = result_of(report, registry_configured=config.cache is not None
                                   or config.registry is not None)
        return json_response(status, result)

    async def issue_credential(self, request: Request) -> Response:
        if self.issuer is None:
            return _problem(HTTPStatus.NOT_FOUND, "NOT_FOUND", "this server does not issue: "
                            "start it with --issuer-key and VCSKILL_ISSUE_TOKEN")
        given = request.headers.get("authorization", "")
        scheme, _, token = given.partition(" ")
        if scheme.lower() != "bearer" or not hmac.compare_digest(
                token.strip().encode("utf-8"), self.issuer.token.encode("utf-8")):
            return _problem(HTTPStatus.UNAUTHORIZED, "UNAUTHORIZED",
                            "issuing needs the server's bearer token",
                            headers={"WWW-Authenticate": 'Bearer realm="vcskill"'})
        try:
            body = await self._json_body(request)
            credential = body.get("credential")
            if not isinstance(credential, dict):
                raise HttpError(HTTPStatus.BAD_REQUEST, "PARSING_ERROR",
                                '"credential" must be a JSON object')
            signed = await run_in_threadpool(self._sign, credential)
        except HttpError as exc:
            return _problem(exc.status, exc.code, exc.message, close=exc.close)
        return json_response(HTTPStatus.CREATED, {"verifiableCredential": signed})

    def _sign(self, credential: dict[str, Any]) -> dict[str, Any] | str:
        endpoint = self.issuer
        if endpoint is None:  # the route has answered 404 already
            raise HttpError(HTTPStatus.NOT_FOUND, "NOT_FOUND", "this server does not issue")
        metadata = endpoint.key.metadata
        issuer = credential.get("issuer")
        issuer_id = issuer.get("id") if isinstance(issuer, dict) else issuer
        if issuer_id is None:
            credential = {**credential, "issuer": metadata.controller}
        elif issuer_id != metadata.controller:
            raise HttpError(HTTPStatus.BAD_REQUEST, "USAGE_ERROR",
                            f"this endpoint signs as {metadata.controller}, not {issuer_id!r}")
        try:
            return sign_credential(credential, endpoint.key.private_key,
                                   verification_method=metadata.verification_method,
                                   proof_format=endpoint.proof_format,
                                   contexts=self.service.trust.contexts)
        except Error as exc:
            raise HttpError(HTTPStatus.BAD_REQUEST, str(exc.code), str(exc)) from None
