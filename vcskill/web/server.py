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

import html
import json
import os
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.message import Message
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib import resources
from pathlib import Path
from typing import Any, Final, Literal
from urllib.parse import parse_qs, urlsplit

from vcskill import __version__
from vcskill.common.display import visible
from vcskill.errors import Code, Error, InternalError, UsageError
from vcskill.linkeddata.contexts import ContextStore
from vcskill.model.skills import CHINA_STANDARD_TIME, LEVELS
from vcskill.status.statuslist import DirectoryStatusSource, StatusListSource
from vcskill.verifying.report import Check, CheckId, Outcome, VerificationReport
from vcskill.verifying.verifier import Verifier

__all__ = ["ServeLimits", "TrustConfig", "VerifyServer", "make_server", "serve"]

Lang = Literal["zh", "en"]
Verdict = Literal["green", "red", "amber"]

LOOPBACK_HOSTS: Final = frozenset({"127.0.0.1", "::1", "localhost"})


@dataclass(frozen=True, slots=True)
class ServeLimits:
    """What one request may cost."""

    max_image_bytes: int = 8 * 1024 * 1024  # a phone photo
    max_text_bytes: int = 64 * 1024  # a pasted payload or credential; a JSON API body
    form_overhead_bytes: int = 16 * 1024  # multipart boundaries and headers
    max_form_parts: int = 8
    socket_timeout: float = 15.0  # seconds one read may wait
    body_seconds: float = 60.0  # seconds a whole request body may take
    drain_bytes: int = 32 * 1024 * 1024  # an oversize body up to this is read and dropped
    max_connections: int = 64  # handled at once; more are closed at once
    verify_wait_seconds: float = 30.0  # waiting for the verifier before answering 503

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


# -- the trust sources, reloaded when their files change ----------------------------------
@dataclass(frozen=True, slots=True)
class Problem:
    """Why no registry is in use (the verdict can then never be green)."""

    code: str
    message: str


@dataclass(frozen=True, slots=True)
class TrustState:
    verifier: Verifier
    problem: Problem | None = None
    synced_at: datetime | None = None  # when the cache's registry was fetched
    registry_version: int | None = None
    registry_expires: datetime | None = None


def _stat(path: Path) -> tuple[int, int, int] | None:
    try:
        info = path.stat()
    except OSError:
        return None
    return (info.st_mtime_ns, info.st_size, info.st_ino)


def _dir_stamp(directory: Path | None) -> tuple[Any, ...]:
    if directory is None:
        return ()
    try:
        names = sorted(entry.name for entry in os.scandir(directory))
    except OSError:
        return ("absent",)
    return tuple((name, _stat(directory / name)) for name in names[:2000])


class TrustSource:
    """Builds the :class:`Verifier` from a :class:`TrustConfig`, and builds it again when
    the cache, the registry file or the status directory changes (a sync while serving)."""

    def __init__(self, config: TrustConfig, *, contexts: ContextStore | None = None) -> None:
        config.validate()
        self.config = config
        self._contexts = contexts or ContextStore.bundled()
        self._lock = threading.Lock()
        self._stamp: tuple[Any, ...] | None = None
        self._state: TrustState | None = None

    def _status_dir(self) -> Path | None:
        from did_registry.sources import status_directory

        return status_directory(self.config.status_dir, self.config.cache)

    def _stamp_now(self) -> tuple[Any, ...]:
        config = self.config
        files: list[Path] = []
        if config.cache is not None:
            files = [config.cache / name for name in
                     ("registry.json", "state.json", "trusted-root.json", "did/index.json")]
        elif config.registry is not None:
            files = [config.registry]
        return (tuple(_stat(f) for f in files), _dir_stamp(self._status_dir()))

    def current(self, now: datetime) -> TrustState:
        stamp = self._stamp_now()
        with self._lock:
            if self._state is None or stamp != self._stamp:
                self._state = self._load(now)
                self._stamp = stamp
            return self._state

    def _status_lists(self) -> StatusListSource | None:
        directory = self._status_dir()
        if directory is not None and directory.is_dir():
            return DirectoryStatusSource(directory)
        return None

    def _verifier(self, **trust: Any) -> Verifier:
        return Verifier(contexts=self._contexts, status_lists=self._status_lists(),
                        allow_expired_registry=self.config.allow_expired_registry, **trust)

    def _load(self, now: datetime) -> TrustState:
        config = self.config
        if config.cache is None and config.registry is None:
            return TrustState(self._verifier(), Problem(
                str(Code.REGISTRY_MISSING),
                "no trusted issuer registry is configured: start the server with --cache "
                "DIR after `vcskill sync`"))
        try:
            if config.cache is not None:
                return self._load_cache(config.cache, now)
            if config.registry is None:
                raise InternalError("the server has neither a cache nor a registry file")
            return self._load_file(config.registry, now)
        except Error as exc:
            return TrustState(self._verifier(), Problem(str(exc.code), str(exc)))
        except OSError as exc:
            return TrustState(self._verifier(), Problem(
                str(Code.IO_ERROR), f"the registry cannot be read: {exc.strerror or exc}"))

    def _load_cache(self, directory: Path, now: datetime) -> TrustState:
        from did_registry.sources import load_cache
        from vcskill.keys.resolver import OfflineResolver

        registry, store = load_cache(directory, now=now, trust_root=self.config.trust_root)
        fetched = store.fetch_info()
        verifier = self._verifier(registry=registry,
                                  resolver=OfflineResolver(store.did_documents()))
        return TrustState(verifier, None, fetched.fetched_at if fetched else None,
                          registry.info.version, registry.info.expires)

    def _load_file(self, path: Path, now: datetime) -> TrustState:
        from did_registry.sources import load_registry_file

        if self.config.trust_root is None:  # ServerConfig.validate() requires one
            raise InternalError("a registry file is configured without a trust root")
        registry = load_registry_file(path, self.config.trust_root, now=now)
        return TrustState(self._verifier(registry=registry), None, None,
                          registry.info.version, registry.info.expires)


# -- HTML with escaping by default ------------------------------------------------------------
class Html(str):
    """Markup that is already safe; every other value is escaped when put into a page."""

    __slots__ = ()


def esc(value: object) -> Html:
    if isinstance(value, Html):
        return value
    return Html(html.escape(visible(value), quote=True))


def h(template: str, **values: object) -> Html:
    """``template`` (trusted markup) with each ``{name}`` filled by its escaped value."""
    return Html(template.format(**{name: esc(v) for name, v in values.items()}))


def join(parts: Iterable[object], sep: str = "") -> Html:
    return Html(sep.join(esc(p) for p in parts))


# -- words --------------------------------------------------------------------------------
# (Chinese, English) for the page's own words. Credential text is never translated.
WORDS: Final[dict[str, tuple[str, str]]] = {
    "title": ("职业技能等级证书核验", "Skill Certificate Verification"),
    "scan": ("核验一份证书", "Verify a certificate"),
    "lead": ("拍摄证书上的二维码，或上传二维码图片，或粘贴证书内容。核验在本机离线完成，"
             "不保存任何内容。",
             "Take a photo of the QR code on the certificate, upload an image of it, or paste "
             "the credential. Verification runs offline on this machine; nothing is kept."),
    "photo": ("拍摄二维码", "Take a photo"),
    "upload": ("选择图片", "Choose an image"),
    "or_paste": ("或粘贴二维码内容或证书", "or paste the QR payload or the credential"),
    "paste_placeholder": ("VCS1:… / {\"@context\": …} / eyJ…", "VCS1:… / {\"@context\": …} / eyJ…"),
    "verify": ("核验", "Verify"),
    "hint": ("图片不超过 {image}，文本不超过 {text}。", "Images up to {image}, text up to {text}."),
    "too_large": ("图片太大（不超过 {image}）。", "The image is too large (at most {image})."),
    "registry_ok": ("可信机构名录 v{version}，{expires} 到期{synced}。",
                    "Trusted issuer registry v{version}, expires {expires}{synced}."),
    "synced": ("；上次同步 {when}", "; last synced {when}"),
    "no_registry": ("没有可用的可信机构名录，核验结果最多为“无法判定”。请先运行 vcskill sync。",
                    "No trusted issuer registry is available, so no certificate can be "
                    "verified: run vcskill sync first."),
    "registry_expired_strip": ("可信机构名录已于 {expires} 过期，核验结果将为“无法判定”。"
                               "请运行 vcskill sync 更新。",
                               "The trusted issuer registry expired on {expires}: verdicts "
                               "will be “could not decide”. Run vcskill sync."),
    "green": ("验证通过", "Verified"),
    "red": ("验证未通过", "Not valid"),
    "amber": ("无法判定", "Could not decide"),
    "unreadable": ("无法读取", "Could not read it"),
    "claimed_red": ("以下是证书自称的内容，未经证实，不可采信。",
                    "What the credential claims: NOT confirmed, do not rely on it."),
    "signed_but_invalid": ("证书确由该机构签名，但已不再有效（原因见上），不可采信。",
                           "Genuinely signed by this institution, but no longer valid (see "
                           "above): do not rely on it."),
    "never_valid": ("证书确由该机构的登记密钥签名，但签发时该机构无权颁发此证书（暂停、移除或超出"
                    "授权范围），证书自始无效，不可采信。",
                    "Signed with this institution's registered key, but at a time it was not "
                    "authorised to issue it (suspended, removed, or outside its approval): it "
                    "was never valid. Do not rely on it."),
    "unknown_signer": ("签名密钥不属于名录中的任何机构：以下机构名称只是证书自称，未经证实，"
                       "不可采信。",
                       "Signed by a key that no registered institution holds: the institution "
                       "named below is only what the credential claims. Do not rely on it."),
    "name_mismatch": ("签名密钥已在名录中登记，但证书上的机构名称或信用代码与登记不符，不可采信。",
                      "Signed with a registered key, but the institution's name or credit code "
                      "on it is not the registered one. Do not rely on it."),
    "key_compromised": ("签名密钥已被报告泄露：无法确认证书是否由该机构签发，不可采信。",
                        "The signing key was reported compromised: whether this institution "
                        "signed it cannot be known. Do not rely on it."),
    "not_required": ("证书真实有效，但不符合所要求的职业或等级。",
                     "Genuine, but it does not meet the required occupation or level."),
    "claimed_amber": ("以下是证书自称的内容，尚未得到完整确认。",
                      "What the credential claims: not fully confirmed."),
    "certificate": ("证书", "Certificate"),
    "holder": ("持证人", "Holder"),
    "occupation": ("职业（工种）", "Occupation"),
    "level": ("等级", "Level"),
    "number": ("证书编号", "Certificate no."),
    "issued": ("发证日期", "Issued"),
    "format": ("签名格式", "Proof format"),
    "issuer": ("发证机构", "Issuer"),
    "issuer_name": ("名称", "Name"),
    "uscc": ("统一社会信用代码", "Credit code"),
    "category": ("机构类别", "Category"),
    "regulator": ("监管部门", "Regulator"),
    "at_issue": ("发证时", "At issue"),
    "now": ("目前", "Now"),
    "not_listed": ("名录中没有该机构。", "The registry does not list this issuer."),
    "revocation": ("撤销状态", "Revocation"),
    "freshness": ("数据时效", "How current the data are"),
    "registry": ("可信机构名录", "Issuer registry"),
    "registry_line": ("v{version}，{issued} 发布（{age}），{expires} 到期",
                      "v{version}, published {issued} ({age}), expires {expires}"),
    "expired": ("已过期", "expired"),
    "last_sync": ("上次同步", "Last sync"),
    "status_list": ("状态列表", "Status list"),
    "list_line": ("{purpose}：{published} 发布（{age}），{until} 前有效",
                  "{purpose}: published {published} ({age}), valid until {until}"),
    "list_unverified": ("未能验证", "not verified"),
    "list_missing": ("{purpose}", "{purpose}"),
    "unavailable": ("本机没有", "not available here"),
    "no_registry_short": ("没有（请运行 vcskill sync）", "none (run vcskill sync)"),
    "checks": ("全部检查项（{count}）", "All checks ({count})"),
    "warnings": ("提示", "Warnings"),
    "again": ("核验另一份证书", "Verify another certificate"),
    "footer": ("离线核验：不从互联网加载任何内容，上传的图片和文本不会被保存。",
               "Offline verification: nothing is loaded from the internet; uploads are not "
               "kept."),
    "revoked": ("已撤销", "Revoked"),
    "suspended": ("已暂停", "Suspended"),
    "not_revoked": ("未撤销、未暂停", "Not revoked or suspended"),
    "no_status": ("无状态条目：该证书不可撤销", "No status entry: it cannot be revoked"),
    "status_unknown": ("无法确认", "Cannot be confirmed"),
    "status_skipped": ("未检查", "Not checked"),
    "status_basis": ("依据发证机构签名的状态列表（{age}发布）。",
                     "From the issuer's signed status list, published {age}."),
    "check": ("检查项：", "Check: "),
    "verified_at": ("核验时间", "Verified at"),
    "ago_now": ("刚刚", "just now"),
    "ago_min": ("{n} 分钟前", "{n} min ago"),
    "ago_hour": ("{n} 小时前", "{n} h ago"),
    "ago_day": ("{n} 天前", "{n} days ago"),
    "cst": ("北京时间", "CST"),
    "green_sentence": ("证书真实有效：由备案机构在授权范围内签发，且未被撤销。",
                       "Genuine: issued by a registered institution within its approval, "
                       "and not revoked."),
    "green_no_status": ("证书真实有效：由备案机构在授权范围内签发（证书不含状态条目，不可撤销）。",
                        "Genuine: issued by a registered institution within its approval (it "
                        "has no status entry, so it cannot be revoked)."),
    "error_title": ("出错了", "Something went wrong"),
    "not_found": ("没有这个页面。", "There is no such page."),
}

CHECK_LABELS: Final[dict[str, tuple[str, str]]] = {
    CheckId.PARSE: ("读取", "Reading"),
    CheckId.CONTEXT: ("数据格式", "Data format"),
    CheckId.DATA_MODEL: ("数据模型", "Data model"),
    CheckId.PROOF: ("签名", "Signature"),
    CheckId.ISSUER: ("发证机构", "Issuer"),
    CheckId.AUTHORIZATION: ("发证授权", "Authorisation"),
    CheckId.VALIDITY: ("有效期", "Validity"),
    CheckId.STATUS: ("撤销状态", "Revocation status"),
    CheckId.POLICY: ("要求", "Policy"),
}

_SIGNATURE = ("签名不符：证书内容在签发后被改动过，或并非由该机构签发。",
              "The signature does not match: the certificate was altered after it was signed, "
              "or was not signed by this institution.")
_FORMAT = ("证书使用了未知或被改动的数据格式。",
           "The credential uses an unknown or altered data format.")
_UNREADABLE = ("这不是一份可读的证书。", "This is not a readable credential.")
_PROOF_FORM = ("签名格式无效或不受支持。", "The signature is malformed or of an unsupported kind.")
_KEY = ("签名密钥不是该机构在名录中登记的有效密钥。",
        "The signing key is not a registered, valid key of this institution.")
_STATUS_STALE = ("没有有效的最新状态列表，无法确认证书是否已被撤销；请运行 vcskill sync。",
                 "There is no current status list, so whether it was revoked cannot be "
                 "confirmed: run vcskill sync.")

CODE_SENTENCES: Final[dict[str, tuple[str, str]]] = {
    Code.PARSING_ERROR: _UNREADABLE,
    Code.MALFORMED_VALUE_ERROR: ("证书内容不符合规范。", "The credential is malformed."),
    Code.RANGE_ERROR: ("证书中的数值超出范围。", "A value in the credential is out of range."),
    Code.UNKNOWN_CONTEXT: _FORMAT,
    Code.CONTEXT_VALIDATION_ERROR: _FORMAT,
    Code.CONTEXT_INTEGRITY_ERROR: _FORMAT,
    Code.DATA_LOSS_DETECTION_ERROR: ("证书含有未定义的内容。",
                                     "The credential contains undefined terms."),
    Code.JSONLD_ERROR: _FORMAT,
    Code.CANONICALIZATION_LIMIT: ("证书结构异常，已停止处理。",
                                  "The credential's structure is abnormal; processing stopped."),
    Code.PROOF_VERIFICATION_ERROR: _SIGNATURE,
    Code.PROOF_TRANSFORMATION_ERROR: _PROOF_FORM,
    Code.MALFORMED_PROOF_ERROR: _PROOF_FORM,
    Code.MISMATCHED_PROOF_PURPOSE_ERROR: _PROOF_FORM,
    Code.UNSUPPORTED_CRYPTOSUITE: _PROOF_FORM,
    Code.MISSING_PROOF: ("证书没有签名。", "The credential is not signed."),
    Code.INVALID_VERIFICATION_METHOD_URL: _KEY,
    Code.INVALID_VERIFICATION_METHOD: _KEY,
    Code.INVALID_CONTROLLED_IDENTIFIER_DOCUMENT: _KEY,
    Code.ISSUER_KEY_MISMATCH: _KEY,
    Code.UNKNOWN_KEY: _KEY,
    Code.KEY_SOURCE_MISSING: ("没有可信机构名录，无法确认签名密钥。",
                              "Without a trusted issuer registry the signing key cannot be "
                              "confirmed."),
    Code.NOT_YET_VALID: ("证书尚未生效。", "The certificate is not valid yet."),
    Code.EXPIRED: ("证书已过期。", "The certificate has expired."),
    Code.ISSUER_NOT_AUTHORIZED: ("发证时该机构无权颁发此职业和等级的证书。",
                                 "When it issued this certificate, the institution was not "
                                 "authorised for this occupation and level."),
    Code.ISSUER_UNKNOWN: ("发证机构不在可信机构名录中。",
                          "The issuer is not in the trusted issuer registry."),
    Code.ISSUER_NAME_MISMATCH: ("证书上的机构名称或信用代码与名录登记的不一致。",
                                "The issuer's name or credit code differs from the registry's."),
    Code.ISSUER_KEY_COMPROMISED: ("签名密钥已被报告泄露，它签发的证书一律无效。",
                                  "The signing key was reported compromised: nothing it signed "
                                  "is valid."),
    Code.REGISTRY_ERROR: ("可信机构名录出错，无法判定。",
                          "The trusted issuer registry failed, so nothing can be decided."),
    Code.REGISTRY_EXPIRED: ("可信机构名录已过期，无法确认机构现状；请运行 vcskill sync 更新。",
                            "The trusted issuer registry has expired, so the issuer's standing "
                            "cannot be confirmed: run vcskill sync."),
    Code.REGISTRY_MISSING: ("没有可信机构名录：请先运行 vcskill sync。",
                            "No trusted issuer registry: run vcskill sync first."),
    Code.REGISTRY_CACHE_CORRUPT: ("本机的名录缓存已损坏：请删除后重新运行 vcskill sync。",
                                  "The local registry cache is damaged: delete it and run "
                                  "vcskill sync again."),
    Code.STATUS_RETRIEVAL_ERROR: _STATUS_STALE,
    Code.STATUS_VERIFICATION_ERROR: ("证书状态列表无法验证，无法确认证书是否已被撤销。",
                                     "The status list could not be verified, so whether it was "
                                     "revoked cannot be confirmed."),
    Code.STATUS_LIST_LENGTH_ERROR: ("证书状态列表过短（不足以保护隐私），无法使用。",
                                    "The status list is too short to protect privacy and is not "
                                    "used."),
    Code.CREDENTIAL_REVOKED: ("该证书已被发证机构撤销。",
                              "The issuer has revoked this certificate."),
    Code.CREDENTIAL_SUSPENDED: ("该证书已被发证机构暂停。",
                                "The issuer has suspended this certificate."),
    Code.NOT_EVALUATED: ("有检查项未能进行。", "A check could not be run."),
    Code.NOT_A_CREDENTIAL: ("这不是证书：它不是可验证凭证。",
                            "This is not a certificate: it is not a verifiable credential."),
    Code.UNEXPECTED_CREDENTIAL_TYPE: ("这是一份可验证凭证，但不是职业技能等级证书。",
                                      "This is a verifiable credential, but not a vocational "
                                      "skill level certificate."),
    Code.JSONLD_NOT_COMPACT: ("证书的数据被改写成了另一种写法，与签名时的形式不同，不予采信。",
                              "The credential's data was rewritten in another form than the one "
                              "it was signed in; it is not accepted."),
    Code.QR_DECODE_ERROR: ("这个二维码里不是可读取的职业技能等级证书。",
                           "This QR code does not hold a readable skill certificate."),
    Code.IMAGE_ERROR: ("没能从这张图片中读出二维码：请正对二维码、保持清晰和光线充足后重拍"
                       "（PNG 或 JPEG）。",
                       "No QR code could be read from this image: photograph it straight on, "
                       "sharp and well lit (PNG or JPEG)."),
}

# What a refused input is, by the report's kind, when the verifier names it.
KIND_SENTENCES: Final[dict[str, tuple[str, str]]] = {
    "status-list-credential": ("这是发证机构的证书状态列表（撤销、暂停清单），不是证书。",
                               "This is an issuer's status list (of revoked and suspended "
                               "certificates), not a certificate."),
    "presentation": ("这是可验证展示（presentation），不是证书本身。",
                     "This is a verifiable presentation, not a certificate itself."),
}

STANDINGS: Final[dict[str, tuple[str, str]]] = {
    "approved": ("已批准", "Approved"),
    "suspended": ("暂停中", "Suspended"),
    "removed": ("已移除", "Removed"),
    "not-yet-approved": ("尚未批准", "Not yet approved"),
}
CATEGORIES: Final[dict[str, tuple[str, str]]] = {
    "employer": ("用人单位", "Employer"),
    "social-training-evaluation-organisation": ("社会培训评价组织",
                                                "Social training and evaluation organisation"),
    "technical-college": ("技工院校", "Technical college"),
    "one-plus-x-organisation": ("1+X 证书培训评价组织", "1+X training and evaluation organisation"),
}
PURPOSES: Final[dict[str, tuple[str, str]]] = {
    "revocation": ("撤销列表", "Revocation list"),
    "suspension": ("暂停列表", "Suspension list"),
}
# English names of the occupations vcskill.model.skills knows, for display only.
OCCUPATIONS_EN: Final[dict[str, str]] = {
    "6-31-01-03": "Electrician",
    "6-18-02-04": "Welder",
    "6-18-01-01": "Lathe Operator",
    "6-18-01-05": "Boring Machine Operator",
    "6-20-03-03": "Welding Consumables Maker",
    "6-30-99-00": "Industrial Robot System Operator",
    "6-04-02-02": "Silk Reeler",
    "4-03-02-01": "Chinese Cuisine Cook",
    "4-01-02-07": "Internet Marketer",
    "4-10-01-05": "Elderly Care Worker",
}


def word(lang: Lang, key: str, **values: object) -> str:
    zh, en = WORDS[key]
    text = zh if lang == "zh" else en
    return text.format(**values) if values else text


def pick(lang: Lang, pair: tuple[str, str]) -> str:
    return pair[0] if lang == "zh" else pair[1]


def _size(n: int) -> str:
    return f"{n // (1024 * 1024)} MiB" if n >= 1024 * 1024 else f"{n // 1024} KiB"


def _moment(text: object) -> datetime | None:
    if not isinstance(text, str):
        return None
    try:
        value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return value if value.tzinfo is not None else None


def _date(text: object) -> str:
    moment = _moment(text)
    if moment is None:
        return str(text or "–")
    return moment.astimezone(CHINA_STANDARD_TIME).strftime("%Y-%m-%d")


def _datetime(lang: Lang, moment: datetime | None) -> str:
    if moment is None:
        return "–"
    return moment.astimezone(CHINA_STANDARD_TIME).strftime("%Y-%m-%d %H:%M ") + word(lang, "cst")


def _ago(lang: Lang, seconds: float) -> str:
    seconds = max(0.0, seconds)
    if seconds < 60:
        return word(lang, "ago_now")
    if seconds < 3600:
        return word(lang, "ago_min", n=int(seconds // 60))
    if seconds < 2 * 86400:
        return word(lang, "ago_hour", n=int(seconds // 3600))
    return word(lang, "ago_day", n=int(seconds // 86400))


# -- verdicts ---------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Result:
    """One verification, as the page and the API show it."""

    report: VerificationReport
    trust: TrustState
    at: datetime

    @property
    def verdict(self) -> Verdict:
        outcome = self.report.outcome
        if outcome is Outcome.INVALID:
            return "red"
        if outcome is Outcome.VERIFIED and self.trust.problem is None:
            return "green"
        return "amber"

    def deciding(self) -> Check | None:
        return self.report.first_failure

    def sentence(self, lang: Lang) -> str:
        verdict = self.verdict
        if verdict == "green":
            key = "green_sentence" if self.report.status_lists else "green_no_status"
            return word(lang, key)
        check = self.deciding()
        if verdict == "amber" and self.trust.problem is not None:
            problem = self.trust.problem
            known = CODE_SENTENCES.get(problem.code)
            return pick(lang, known) if known else problem.message
        if check is None:  # pragma: no cover - an amber or red report has a deciding check
            return word(lang, verdict)
        known = CODE_SENTENCES.get(str(check.code)) if check.code else None
        if known is not None:
            return pick(lang, known)
        label = pick(lang, CHECK_LABELS.get(check.id, (check.id, check.id)))
        return (f"“{label}”检查未通过。" if lang == "zh" else f"The {label} check failed.")

    def which(self, lang: Lang) -> str:
        """Which check decided, and its code ("" when verified); the verifier's own words
        are in the list of checks."""
        if self.verdict == "green":
            return ""
        if self.verdict == "amber" and self.trust.problem is not None:
            return f"{word(lang, 'registry')} · {self.trust.problem.code}"
        check = self.deciding()
        if check is None:  # pragma: no cover - an amber or red report has a deciding check
            return ""
        label = pick(lang, CHECK_LABELS.get(check.id, (check.id, check.id)))
        return f"{word(lang, 'check')}{label} · {check.code}"

    def to_json(self) -> dict[str, Any]:
        data: dict[str, Any] = {"verdict": self.verdict}
        data["summary"] = {"zh": self.sentence("zh"), "en": self.sentence("en")}
        data.update(self.report.to_json())
        registry = data.get("registry")
        if isinstance(registry, dict) and registry.get("source"):
            registry["source"] = Path(str(registry["source"])).name  # no server paths
        problem = self.trust.problem
        data["trust"] = {
            "problem": None if problem is None else {"code": problem.code,
                                                     "message": problem.message},
            "synced_at": self.trust.synced_at.isoformat() if self.trust.synced_at else None,
        }
        data["verified_at"] = self.at.isoformat()
        return data


# -- pages ------------------------------------------------------------------------------------
_ICON_OK = Html('<svg viewBox="0 0 24 24" aria-hidden="true"><path d="m5 12.5 4.5 4.5L19 7.5" '
                'fill="none" stroke="currentColor" stroke-width="3" stroke-linecap="round" '
                'stroke-linejoin="round"/></svg>')
_ICON_BAD = Html('<svg viewBox="0 0 24 24" aria-hidden="true"><path d="M6.5 6.5l11 11m0-11-11 '
                 '11" fill="none" stroke="currentColor" stroke-width="3" '
                 'stroke-linecap="round"/></svg>')
_ICON_UNSURE = Html('<svg viewBox="0 0 24 24" aria-hidden="true"><path d="M9 9.2a3 3 0 1 1 4.3 '
                    '2.7c-.8.4-1.3 1-1.3 1.9v.7" fill="none" stroke="currentColor" '
                    'stroke-width="2.6" stroke-linecap="round"/><circle cx="12" cy="17.6" '
                    'r="1.5" fill="currentColor"/></svg>')
_ICON_CAMERA = Html('<svg viewBox="0 0 24 24" aria-hidden="true"><path d="M4 8.5A1.5 1.5 0 0 1 '
                    '5.5 7h2l1.5-2h6l1.5 2h2A1.5 1.5 0 0 1 20 8.5v9a1.5 1.5 0 0 1-1.5 1.5h-13A1.5'
                    ' 1.5 0 0 1 4 17.5z" fill="none" stroke="currentColor" stroke-width="1.8" '
                    'stroke-linejoin="round"/><circle cx="12" cy="13" r="3.3" fill="none" '
                    'stroke="currentColor" stroke-width="1.8"/></svg>')
_ICON_IMAGE = Html('<svg viewBox="0 0 24 24" aria-hidden="true"><rect x="4" y="5" width="16" '
                   'height="14" rx="2" fill="none" stroke="currentColor" stroke-width="1.8"/>'
                   '<path d="m6.5 16.5 4-4.5 3 3 2-2 2.5 3.5" fill="none" stroke="currentColor" '
                   'stroke-width="1.8" stroke-linejoin="round"/><circle cx="9" cy="9.5" r="1.4" '
                   'fill="currentColor"/></svg>')
_ICONS: Final[dict[str, Html]] = {"green": _ICON_OK, "red": _ICON_BAD, "amber": _ICON_UNSURE,
                                  "neutral": _ICON_UNSURE}


def page(lang: Lang, title: str, body: Html, *, main_class: str = "") -> Html:
    return h(
        '<!doctype html>\n<html lang="{html_lang}">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        '<meta name="color-scheme" content="light">\n<meta name="referrer" content="no-referrer">\n'
        '<title>{title}</title>\n<link rel="icon" href="/static/icon.svg" type="image/svg+xml">\n'
        '<link rel="stylesheet" href="/static/app.css?v={version}">\n'
        '<script src="/static/app.js?v={version}" defer></script>\n</head>\n<body>\n'
        '<header class="top"><a class="brand" href="/?lang={lang}"><img src="/static/icon.svg" '
        'alt=""><span>{brand}</span></a>\n<nav class="lang" aria-label="Language / 语言">'
        '<a href="/?lang=zh" lang="zh-CN" aria-current="{zh_current}">中文</a>'
        '<a href="/?lang=en" lang="en" aria-current="{en_current}">English</a></nav></header>\n'
        '<main class="{main_class}">\n{body}\n</main>\n<footer><p>{footer}</p>'
        '<p>vcskill {version}</p></footer>\n</body>\n</html>\n',
        html_lang="zh-CN" if lang == "zh" else "en", title=title, version=__version__,
        lang=lang, brand=word(lang, "title"), zh_current="true" if lang == "zh" else "false",
        en_current="true" if lang == "en" else "false", main_class=main_class, body=body,
        footer=word(lang, "footer"),
    )


def trust_strip(lang: Lang, trust: TrustState, now: datetime) -> Html:
    if trust.problem is not None:
        text = pick(lang, CODE_SENTENCES.get(trust.problem.code, WORDS["no_registry"]))
        if trust.problem.code != Code.REGISTRY_MISSING:
            text = f"{text} ({trust.problem.message})"
        return h('<section class="trust amber" id="trust" role="status"><span class="dot">'
                 '</span><p>{text}</p></section>', text=text)
    if trust.registry_expires is not None and now > trust.registry_expires:
        return h('<section class="trust amber" id="trust" role="status"><span class="dot">'
                 '</span><p>{text}</p></section>',
                 text=word(lang, "registry_expired_strip",
                           expires=_date(trust.registry_expires.isoformat())))
    synced = ""
    if trust.synced_at is not None:
        synced = word(lang, "synced", when=_ago(lang, (now - trust.synced_at).total_seconds()))
    return h('<section class="trust" id="trust"><span class="dot"></span><p>{text}</p></section>',
             text=word(lang, "registry_ok", version=trust.registry_version,
                       expires=_date(trust.registry_expires.isoformat()
                                     if trust.registry_expires else None), synced=synced))


def start_page(lang: Lang, trust: TrustState, now: datetime, limits: ServeLimits, *,
               notice: Html | None = None) -> Html:
    form = h(
        '<section class="card" aria-labelledby="scan-title">\n'
        '<h2 id="scan-title">{scan}</h2>\n<p class="lead">{lead}</p>\n'
        '<form id="verify-form" method="post" action="/verify" enctype="multipart/form-data" '
        'data-max-image="{max_image}" data-too-large="{too_large}">\n'
        '<input type="hidden" name="lang" value="{lang}">\n'
        '<div class="actions">\n'
        '<label class="button">{camera}<span>{photo}</span><input class="file" type="file" '
        'name="photo" id="photo" accept="image/*" capture="environment"></label>\n'
        '<label class="button secondary">{picture}<span>{upload}</span><input class="file" '
        'type="file" name="image" id="image" accept="image/png,image/jpeg,image/*"></label>\n'
        '</div>\n<img id="preview" alt="" hidden>\n'
        '<p class="message" id="client-message" role="alert" hidden></p>\n'
        '<div class="or">{or_paste}</div>\n'
        '<textarea name="payload" id="payload" rows="4" maxlength="{max_text}" '
        'spellcheck="false" autocapitalize="off" autocomplete="off" placeholder="{placeholder}" '
        'aria-label="{or_paste}"></textarea>\n'
        '<button class="button submit" type="submit" id="submit">{verify}</button>\n'
        '<p class="hint">{hint}</p>\n</form>\n</section>',
        scan=word(lang, "scan"), lead=word(lang, "lead"), max_image=limits.max_image_bytes,
        too_large=word(lang, "too_large", image=_size(limits.max_image_bytes)), lang=lang,
        camera=_ICON_CAMERA, photo=word(lang, "photo"), picture=_ICON_IMAGE,
        upload=word(lang, "upload"), or_paste=word(lang, "or_paste"),
        max_text=limits.max_text_bytes, placeholder=word(lang, "paste_placeholder"),
        verify=word(lang, "verify"),
        hint=word(lang, "hint", image=_size(limits.max_image_bytes),
                  text=_size(limits.max_text_bytes)),
    )
    body = join([notice or Html(""), trust_strip(lang, trust, now), form], "\n")
    return page(lang, word(lang, "title"), body, main_class="start")


def input_error_page(lang: Lang, trust: TrustState, now: datetime, limits: ServeLimits,
                     code: str, message: str, kind: str | None = None) -> Html:
    known = KIND_SENTENCES.get(kind or "") or CODE_SENTENCES.get(code)
    sentence = pick(lang, known) if known else message
    notice = h('<section class="verdict neutral" id="verdict" data-verdict="unreadable" '
               'role="alert"><div class="icon">{icon}</div><div><h1>{title}</h1><p>{sentence}'
               '</p><p class="detail">{detail}</p></div></section>',
               icon=_ICONS["neutral"], title=word(lang, "unreadable"), sentence=sentence,
               detail=f"{message} [{code}]")
    return start_page(lang, trust, now, limits, notice=notice)


def _claim_note(report: VerificationReport, verdict: Verdict) -> str:
    """What the page can truthfully say of the claims shown under a red or amber verdict:
    only a failure *after* a genuine issuer signature allows "signed by this institution",
    and only a revocation or suspension "no longer valid"."""
    if verdict == "amber":
        return "claimed_amber"
    proof = report.check(CheckId.PROOF)
    deciding = report.first_failure
    if proof is None or not proof.passed or deciding is None:
        return "claimed_red"
    if deciding.id is CheckId.POLICY:
        return "not_required"
    return _NOTE_BY_CODE.get(str(deciding.code), "claimed_red")


_NOTE_BY_CODE: Final[dict[str, str]] = {
    Code.CREDENTIAL_REVOKED: "signed_but_invalid",
    Code.CREDENTIAL_SUSPENDED: "signed_but_invalid",
    Code.ISSUER_NOT_AUTHORIZED: "never_valid",
    Code.ISSUER_UNKNOWN: "unknown_signer",
    Code.ISSUER_NAME_MISMATCH: "name_mismatch",
    Code.ISSUER_KEY_COMPROMISED: "key_compromised",
}


def _failed(report: VerificationReport, check_id: CheckId, code: Code) -> bool:
    check = report.check(check_id)
    return check is not None and not check.passed and check.code == code


def _row(label: str, value: Html | str, *, row_id: str = "") -> Html:
    attr = Html(f' id="{html.escape(row_id)}"') if row_id else Html("")
    return h('<div{attr}><dt>{label}</dt><dd>{value}</dd></div>', attr=attr, label=label,
             value=value)


def _bdi(value: object, css: str = "") -> Html:
    if value in (None, ""):
        return Html("–")
    cls = Html(f' class="{css}"') if css else Html("")
    return h("<bdi{cls}>{value}</bdi>", cls=cls, value=value)


def _pill(text: str, colour: str = "") -> Html:
    return h('<span class="pill {colour}">{text}</span>', colour=colour, text=text)


def _standing(lang: Lang, standing: str | None, reason: str | None) -> Html:
    if standing is None:
        return Html("–")
    colour = "green" if standing == "approved" else "red"
    text = pick(lang, STANDINGS.get(standing, (standing, standing)))
    parts = [_pill(text, colour)]
    if reason:
        parts.append(h(' <span class="sub">{reason}</span>', reason=reason))
    return join(parts)


def revocation_state(lang: Lang, report: VerificationReport) -> tuple[str, str]:
    """(text, colour) for the status check."""
    check = report.check(CheckId.STATUS)
    if check is None or check.code == Code.NOT_EVALUATED:
        return word(lang, "status_skipped"), ""
    if check.passed:
        if not report.status_lists:
            return word(lang, "no_status"), "green"
        return word(lang, "not_revoked"), "green"
    if check.code == Code.CREDENTIAL_REVOKED:
        return word(lang, "revoked"), "red"
    if check.code == Code.CREDENTIAL_SUSPENDED:
        return word(lang, "suspended"), "red"
    return word(lang, "status_unknown"), "amber"


def verdict_page(lang: Lang, result: Result) -> Html:
    report, verdict, now = result.report, result.verdict, result.at
    c = report.credential
    banner = h(
        '<section class="verdict {verdict} wide" id="verdict" data-verdict="{verdict}" '
        'data-outcome="{outcome}" role="status"><div class="icon">{icon}</div><div>'
        '<h1 id="verdict-title">{title}</h1><p id="verdict-sentence">{sentence}</p>'
        '{which}</div></section>',
        verdict=verdict, outcome=str(report.outcome), icon=_ICONS[verdict],
        title=word(lang, verdict), sentence=result.sentence(lang),
        which=h('<p class="detail" id="verdict-which">{text}</p>', text=result.which(lang))
        if result.which(lang) else Html(""),
    )
    sections: list[Html] = [banner]

    # -- the certificate
    if c.subject_name or c.issuer or c.occupation:
        level = LEVELS.get(c.level or "")
        occupation = Html("–")
        if c.occupation:
            english = OCCUPATIONS_EN.get(c.occupation)
            occupation = h('{zh}<span class="sub">{en}{code}</span>',
                           zh=_bdi(c.occupation_name), en=f"{english} · " if english else "",
                           code=c.occupation)
        level_html = Html("–")
        if level is not None:
            level_html = h('{zh}<span class="sub">{en}</span>', zh=level.name_zh, en=level.name_en)
        elif c.level_name or c.level:
            level_html = _bdi(c.level_name or c.level)
        claimed = Html("")
        if verdict != "green":
            claimed = h('<p class="claimed {colour}">{text}</p>',
                        colour="amber" if verdict == "amber" else "",
                        text=word(lang, _claim_note(report, verdict)))
        rows = [
            _row(word(lang, "holder"), _bdi(c.subject_name, "holder"), row_id="holder"),
            _row(word(lang, "occupation"), occupation, row_id="occupation"),
            _row(word(lang, "level"), level_html, row_id="level"),
            _row(word(lang, "number"), _bdi(c.certificate_number, "mono"), row_id="number"),
            _row(word(lang, "issued"), _date(c.valid_from), row_id="issued"),
        ]
        sections.append(h('<section class="card" id="certificate"><h2>{title}</h2>{claimed}'
                          '<dl class="facts">{rows}</dl></section>',
                          title=word(lang, "certificate"), claimed=claimed, rows=join(rows)))

    # -- the issuer
    if c.issuer or report.issuer is not None:
        facts = report.issuer
        rows = [_row(word(lang, "issuer_name"), _bdi(facts.name if facts else c.issuer_name)),
                _row("DID", _bdi(c.issuer or (facts.did if facts else None), "mono"))]
        if facts is not None:
            if facts.uscc:
                rows.append(_row(word(lang, "uscc"), _bdi(facts.uscc, "mono")))
            rows.append(_row(word(lang, "category"),
                             pick(lang, CATEGORIES.get(facts.category,
                                                       (facts.category, facts.category)))))
            rows.append(_row(word(lang, "regulator"), _bdi(facts.regulator), row_id="regulator"))
            rows.append(_row(word(lang, "at_issue"),
                             _standing(lang, str(facts.standing_at_issue), facts.reason_at_issue),
                             row_id="standing-at-issue"))
            rows.append(_row(word(lang, "now"),
                             _standing(lang, str(facts.standing_now), facts.reason_now),
                             row_id="standing-now"))
        elif _failed(report, CheckId.ISSUER, Code.ISSUER_UNKNOWN):
            rows.append(_row(word(lang, "regulator"), word(lang, "not_listed")))
        sections.append(h('<section class="card" id="issuer"><h2>{title}</h2>'
                          '<dl class="facts">{rows}</dl></section>',
                          title=word(lang, "issuer"), rows=join(rows)))

    # -- revocation and freshness
    state, colour = revocation_state(lang, report)
    status_check = report.check(CheckId.STATUS)
    basis = ""
    if status_check is not None and status_check.code != Code.NOT_EVALUATED:
        if status_check.code is not None and not status_check.passed:
            basis = pick(lang, CODE_SENTENCES.get(status_check.code, ("", "")))
        if report.status_lists and colour != "amber":
            newest = min((s.age_seconds for s in report.status_lists
                          if s.age_seconds is not None), default=None)
            if newest is not None:
                basis = join([basis, word(lang, "status_basis", age=_ago(lang, newest))], " ")
    revocation = h('<section class="card" id="revocation"><h2>{title}</h2><p id="revocation-'
                   'state">{pill}</p>{basis}</section>',
                   title=word(lang, "revocation"), pill=_pill(state, colour),
                   basis=h('<p class="sub">{text}</p>', text=basis) if basis else Html(""))
    sections.append(revocation)

    fresh: list[Html] = [_row(word(lang, "verified_at"), _datetime(lang, now))]
    info = report.registry
    if info is not None:
        issued = _moment(info.get("issued"))
        age = _ago(lang, (now - issued).total_seconds()) if issued else "–"
        line = word(lang, "registry_line", version=info.get("version"),
                    issued=_date(info.get("issued")), age=age, expires=_date(info.get("expires")))
        value = join([line, _pill(word(lang, "expired"), "amber") if info.get("expired")
                      else Html("")], " ")
        fresh.append(_row(word(lang, "registry"), value, row_id="registry-age"))
    else:
        fresh.append(_row(word(lang, "registry"), _pill(word(lang, "no_registry_short"), "amber"),
                          row_id="registry-age"))
    if result.trust.synced_at is not None:
        fresh.append(_row(word(lang, "last_sync"),
                          f"{_datetime(lang, result.trust.synced_at)} "
                          f"({_ago(lang, (now - result.trust.synced_at).total_seconds())})"))
    for listed in report.status_lists:
        purpose = pick(lang, PURPOSES.get(listed.purpose, (listed.purpose, listed.purpose)))
        if listed.valid_from is None:
            text = word(lang, "list_missing", purpose=purpose)
            flag = _pill(word(lang, "unavailable"), "amber")
        else:
            text = word(lang, "list_line", purpose=purpose, published=_date(listed.valid_from),
                        age=_ago(lang, listed.age_seconds or 0), until=_date(listed.valid_until))
            flag = Html("") if listed.verified else _pill(word(lang, "list_unverified"), "amber")
        fresh.append(_row(word(lang, "status_list"),
                          h('{text} {flag}<span class="sub mono">{url}</span>', text=text,
                            flag=flag, url=listed.url), row_id="status-list-age"))
    sections.append(h('<section class="card" id="freshness"><h2>{title}</h2>'
                      '<dl class="facts">{rows}</dl></section>',
                      title=word(lang, "freshness"), rows=join(fresh)))

    # -- every check
    items = []
    for check in report.checks:
        if check.passed:
            css, mark = "pass", "✓"
        elif check.code == Code.NOT_EVALUATED and check.detail.startswith("not run"):
            css, mark = "skipped", "–"
        elif check.indeterminate:
            css, mark = "undecided", "?"
        else:
            css, mark = "fail", "✗"
        code = str(check.code) if check.code else ""
        items.append(h('<li class="{css}" data-check="{id}" data-passed="{passed}"><span '
                       'class="mark" aria-hidden="true">{mark}</span><span><span class="what">'
                       '{label}</span> <span class="code">{code}</span><span class="why">'
                       '{detail}</span></span></li>',
                       css=css, id=check.id, passed="true" if check.passed else "false",
                       mark=mark, label=pick(lang, CHECK_LABELS.get(check.id,
                                                                   (check.id, check.id))),
                       code=code, detail=check.detail))
    opened = Html(" open") if verdict != "green" else Html("")
    sections.append(h('<section class="card wide"><details class="checks" id="checks"{opened}>'
                      '<summary>{title}</summary><ol class="checklist">{items}</ol></details>'
                      '</section>', opened=opened,
                      title=word(lang, "checks", count=len(report.checks)), items=join(items)))
    if report.warnings:
        sections.append(h('<section class="card wide" id="warnings"><h2>{title}</h2>'
                          '<ul class="warnings">{items}</ul></section>',
                          title=word(lang, "warnings"),
                          items=join(h("<li>{w}</li>", w=w) for w in report.warnings)))
    sections.append(h('<p class="again wide"><a class="button secondary" id="again" '
                      'href="/?lang={lang}">{text}</a></p>', lang=lang, text=word(lang, "again")))
    return page(lang, f"{word(lang, verdict)} · {word(lang, 'title')}", join(sections, "\n"),
                main_class="verdict-page")


def message_page(lang: Lang, title: str, message: str) -> Html:
    body = h('<section class="verdict neutral" id="verdict" data-verdict="error" role="alert">'
             '<div class="icon">{icon}</div><div><h1>{title}</h1><p>{message}</p></div>'
             '</section><p class="again"><a class="button secondary" href="/?lang={lang}">'
             '{again}</a></p>', icon=_ICONS["neutral"], title=title, message=message,
             lang=lang, again=word(lang, "again"))
    return page(lang, title, body)


# -- reading requests -----------------------------------------------------------------------
class HttpError(Exception):
    """An answer that is not a verdict: 400, 404, 405, 411, 413, 415, 422, 503."""

    def __init__(self, status: HTTPStatus, code: str, message: str, *,
                 kind: str | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.kind = kind  # what the verifier found the input to be, when it said


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
                        f"the {what} is larger than {_size(limits.max_text_bytes)}")
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
                                f"the image is larger than {_size(limits.max_image_bytes)}")
            found.image = part.data
        elif part.name in ("payload", "credential") and found.text is None:
            text = _text_field(part.data, limits, "pasted text")
            if text.strip():
                found.text = text
        elif part.name == "lang":
            found.lang = part.data.decode("ascii", "replace")[:8]
    return found


def submission_from_json(body: bytes, limits: ServeLimits) -> Submission:
    from vcskill.linkeddata.jsonparse import parse_json

    try:
        value = parse_json(body, what="request body")
    except Error as exc:
        raise HttpError(HTTPStatus.BAD_REQUEST, str(exc.code), str(exc)) from None
    if not isinstance(value, dict):
        raise HttpError(HTTPStatus.BAD_REQUEST, "PARSING_ERROR",
                        'send {"payload": "..."} or {"credential": ...}')
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


# -- the server -----------------------------------------------------------------------------
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
                            f"the upload is larger than {_size(cap)}: images may be up to "
                            f"{_size(self.app.limits.max_image_bytes)}, text up to "
                            f"{_size(self.app.limits.max_text_bytes)}")
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
