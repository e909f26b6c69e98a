"""The page's words in Chinese and English, and how it writes sizes, dates and ages."""

from __future__ import annotations

from datetime import datetime
from typing import Final

from vcskill.errors import Code
from vcskill.model.skills import CHINA_STANDARD_TIME
from vcskill.verifying.report import CheckId
from vcskill.web.config import Lang

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
    "no_registry": ("本页面还没有可信机构名录，核验结果最多为“无法判定”。请联系本页面的管理员"
                    "（管理员：运行 vcskill sync）。",
                    "This page has no trusted issuer registry yet, so no certificate can be "
                    "verified. Please tell whoever runs this page (they run vcskill sync)."),
    "registry_expired_strip": ("本页面的可信机构名录已于 {expires} 过期，核验结果将为“无法判定”。"
                               "请联系本页面的管理员更新（管理员：运行 vcskill sync）。",
                               "This page's trusted issuer registry expired on {expires}: "
                               "verdicts will be “could not decide”. Please tell whoever runs "
                               "this page (they run vcskill sync)."),
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
    "busy_sending": ("正在核验…", "Verifying…"),
    "auto_submit": ("选好照片后立即开始核验。",
                    "Verification starts as soon as a photo is chosen."),
    "state_pass": ("通过", "passed"),
    "state_fail": ("未通过", "failed"),
    "state_undecided": ("无法判定", "could not decide"),
    "state_skipped": ("未运行", "not run"),
    "not_run": ("未运行：前面的检查已未通过", "not run: an earlier check failed"),
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
_STATUS_STALE = ("本页面没有该机构最新的状态列表，无法确认证书是否已被撤销；请联系本页面的管理员"
                 "（管理员：运行 vcskill sync）。",
                 "This page has no current status list of the issuer, so whether the "
                 "certificate was revoked cannot be confirmed. Please tell whoever runs this "
                 "page (they run vcskill sync).")

# The page's own refusals of a request (vcskill.web.app), said to the person at the desk.
REQUEST_SENTENCES: Final[dict[str, tuple[str, str]]] = {
    "NO_INPUT": ("请拍摄或选择二维码照片，或粘贴二维码内容。",
                 "Choose or take a photo of the QR code, or paste its text."),
    "INPUT_TOO_LARGE": ("上传的内容太大。", "The upload is too large."),
    "UNSUPPORTED_MEDIA_TYPE": ("无法读取这种格式的内容。", "This kind of content cannot be read."),
    "LENGTH_REQUIRED": ("上传不完整，请重试。", "The upload was incomplete; please try again."),
    "TIMEOUT": ("上传时间太长，请重试。", "The upload took too long; please try again."),
    "BUSY": ("正在核验其他证书，请稍后重试。",
             "Other certificates are being verified; please try again in a moment."),
}

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
    Code.REGISTRY_EXPIRED: ("本页面的可信机构名录已过期，无法确认机构现状；请联系本页面的管理员"
                            "（管理员：运行 vcskill sync）。",
                            "This page's trusted issuer registry has expired, so the issuer's "
                            "standing cannot be confirmed. Please tell whoever runs this page "
                            "(they run vcskill sync)."),
    Code.REGISTRY_MISSING: ("本页面还没有可信机构名录；请联系本页面的管理员（管理员：运行 vcskill "
                            "sync）。",
                            "This page has no trusted issuer registry yet. Please tell whoever "
                            "runs this page (they run vcskill sync)."),
    Code.REGISTRY_CACHE_CORRUPT: ("本页面的名录缓存已损坏；请联系本页面的管理员（管理员：删除缓存后"
                                  "重新运行 vcskill sync）。",
                                  "This page's registry cache is damaged. Please tell whoever "
                                  "runs this page (they delete it and run vcskill sync again)."),
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
def word(lang: Lang, key: str, **values: object) -> str:
    zh, en = WORDS[key]
    text = zh if lang == "zh" else en
    return text.format(**values) if values else text


def pick(lang: Lang, pair: tuple[str, str]) -> str:
    return pair[0] if lang == "zh" else pair[1]


def format_size(n: int) -> str:
    return f"{n // (1024 * 1024)} MiB" if n >= 1024 * 1024 else f"{n // 1024} KiB"


def parse_moment(text: object) -> datetime | None:
    if not isinstance(text, str):
        return None
    try:
        value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    return value if value.tzinfo is not None else None


def format_date(text: object) -> str:
    moment = parse_moment(text)
    if moment is None:
        return str(text or "–")
    return moment.astimezone(CHINA_STANDARD_TIME).strftime("%Y-%m-%d")


def format_time(lang: Lang, moment: datetime | None) -> str:
    if moment is None:
        return "–"
    return moment.astimezone(CHINA_STANDARD_TIME).strftime("%Y-%m-%d %H:%M ") + word(lang, "cst")


def format_ago(lang: Lang, seconds: float) -> str:
    seconds = max(0.0, seconds)
    if seconds < 60:
        return word(lang, "ago_now")
    if seconds < 3600:
        return word(lang, "ago_min", n=int(seconds // 60))
    if seconds < 2 * 86400:
        return word(lang, "ago_hour", n=int(seconds // 3600))
    return word(lang, "ago_day", n=int(seconds // 86400))
