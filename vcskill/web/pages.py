"""The page's HTML: the start page, the verdict page and the error pages, Chinese or English."""

from __future__ import annotations

from datetime import datetime
from typing import Final

from vcskill import __version__
from vcskill.errors import Code
from vcskill.model.skills import LEVELS, english_occupation_name
from vcskill.verifying.report import CheckId, VerificationReport
from vcskill.web.config import Lang, ServeLimits, Verdict
from vcskill.web.markup import Html, esc, h, join
from vcskill.web.render import render
from vcskill.web.trust import TrustState
from vcskill.web.verdict import Result
from vcskill.web.words import (
    CATEGORIES,
    CHECK_LABELS,
    CODE_SENTENCES,
    KIND_SENTENCES,
    PURPOSES,
    REQUEST_SENTENCES,
    STANDINGS,
    WORDS,
    format_ago,
    format_date,
    format_size,
    format_time,
    parse_moment,
    pick,
    word,
)

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


def _frame(lang: Lang, title: str) -> dict[str, object]:
    """What base.html needs on every page."""
    return {"lang": lang, "html_lang": "zh-CN" if lang == "zh" else "en", "title": title,
            "version": __version__, "brand": word(lang, "title"), "footer": word(lang, "footer")}


def page(lang: Lang, title: str, body: Html, *, main_class: str = "") -> Html:
    """``body`` (markup built here) in the page's frame."""
    return render("base.html", **_frame(lang, title), main_class=main_class, body=body)

def trust_strip(lang: Lang, trust: TrustState, now: datetime) -> Html:
    """The line above the form: which registry decides, or why none can."""
    if trust.problem is not None:
        text = pick(lang, CODE_SENTENCES.get(trust.problem.code, WORDS["no_registry"]))
        if trust.problem.code != Code.REGISTRY_MISSING:
            text = f"{text} ({trust.problem.message})"
        return render("trust_strip.html", amber=True, text=text)
    if trust.registry_expires is not None and now > trust.registry_expires:
        return render("trust_strip.html", amber=True,
                      text=word(lang, "registry_expired_strip",
                                expires=format_date(trust.registry_expires.isoformat())))
    synced = ""
    if trust.synced_at is not None:
        age = (now - trust.synced_at).total_seconds()
        synced = word(lang, "synced", when=format_ago(lang, age))
    expires = format_date(trust.registry_expires.isoformat() if trust.registry_expires else None)
    return render("trust_strip.html", amber=False,
                  text=word(lang, "registry_ok", version=trust.registry_version,
                            expires=expires, synced=synced))

def start_page(lang: Lang, trust: TrustState, now: datetime, limits: ServeLimits, *,
               notice: Html | None = None, pasted: str = "", title: str | None = None) -> Html:
    """The form: take or choose a photo of the QR code, or paste its text."""
    words = {key: word(lang, key) for key in ("scan", "lead", "photo", "upload", "or_paste",
                                              "verify", "auto_submit")}
    words |= {"placeholder": word(lang, "paste_placeholder"),
              "busy": word(lang, "busy_sending"),
              "too_large": word(lang, "too_large", image=format_size(limits.max_image_bytes)),
              "hint": word(lang, "hint", image=format_size(limits.max_image_bytes),
                           text=format_size(limits.max_text_bytes))}
    return render("start.html", **_frame(lang, title or word(lang, "title")),
                  main_class="start", notice=notice or Html(""),
                  trust_strip=trust_strip(lang, trust, now), words=words,
                  icons={"camera": _ICON_CAMERA, "picture": _ICON_IMAGE},
                  max_image=limits.max_image_bytes, max_text=limits.max_text_bytes,
                  pasted=pasted)

def input_error_page(lang: Lang, trust: TrustState, now: datetime, limits: ServeLimits,
                     code: str, message: str, kind: str | None = None, *,
                     pasted: str = "") -> Html:
    """The start page again, headed by what could not be read and why, with the pasted text
    kept so that it can be corrected rather than pasted again."""
    known = (KIND_SENTENCES.get(kind or "") or CODE_SENTENCES.get(code)
             or REQUEST_SENTENCES.get(code))
    sentence = pick(lang, known) if known else message
    notice = render("unreadable.html", icon=_ICONS["neutral"], heading=word(lang, "unreadable"),
                    sentence=sentence, detail=f"{message} [{code}]")
    return start_page(lang, trust, now, limits, notice=notice, pasted=pasted,
                      title=f"{word(lang, 'unreadable')} · {word(lang, 'title')}")


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
    text = pick(lang, STANDINGS.get(standing, standing))
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


Row = tuple[str, "Html | str", str]  # label, value, the row's id ("" for none)


def verdict_page(lang: Lang, result: Result) -> Html:
    """The verdict, what the certificate claims, the issuer, revocation, how current the data
    is, every check, and the technical details (templates/verdict.html)."""
    report, verdict = result.report, result.verdict
    return render(
        "verdict.html", **_frame(lang, f"{word(lang, verdict)} · {word(lang, 'title')}"),
        main_class="verdict-page", verdict=verdict, outcome=str(report.outcome),
        icon=_ICONS[verdict], heading=word(lang, verdict), sentence=result.sentence(lang),
        which=result.which(lang), certificate=_certificate(lang, report, verdict),
        issuer=_issuer(lang, report), revocation=_revocation(lang, report),
        freshness={"title": word(lang, "freshness"), "rows": _freshness(lang, result)},
        checks={"title": word(lang, "checks", count=len(report.checks)),
                "open": verdict != "green", "items": _checks(lang, report)},
        integrators={"title": word(lang, "for_integrators"), "rows": _technical(lang, result)},
        warnings={"title": word(lang, "warnings"), "items": report.warnings}
        if report.warnings else None,
        again=word(lang, "again"),
    )


def _certificate(lang: Lang, report: VerificationReport, verdict: Verdict
                 ) -> dict[str, object] | None:
    c = report.credential
    if not (c.subject_name or c.issuer or c.occupation):
        return None
    level = LEVELS.get(c.level or "")
    occupation: Html | str = Html("–")
    if c.occupation:
        english = english_occupation_name(c.occupation, c.occupation_name)
        occupation = h('{zh}<span class="sub">{en}{code}</span>',
                       zh=_in_chinese(lang, _bdi(c.occupation_name)),
                       en=_in_english(lang, f"{english} · ") if english else "",
                       code=c.occupation)
    level_html: Html | str = Html("–")
    if level is not None:
        level_html = h('{zh}<span class="sub">{en}</span>',
                       zh=_in_chinese(lang, level.name_zh), en=_in_english(lang, level.name_en))
    elif c.level_name or c.level:
        level_html = _bdi(c.level_name or c.level)
    claimed = None
    if verdict != "green":
        claimed = {"colour": "amber" if verdict == "amber" else "",
                   "text": word(lang, _claim_note(report, verdict))}
    rows: list[Row] = [
        (word(lang, "holder"), _bdi(c.subject_name, "holder"), "holder"),
        (word(lang, "occupation"), occupation, "occupation"),
        (word(lang, "level"), level_html, "level"),
        (word(lang, "number"), _bdi(c.certificate_number, "mono"), "number"),
        (word(lang, "issued"), format_date(c.valid_from), "issued"),
    ]
    return {"title": word(lang, "certificate"), "claimed": claimed, "rows": rows}


def _issuer(lang: Lang, report: VerificationReport) -> dict[str, object] | None:
    c, facts = report.credential, report.issuer
    if not c.issuer and facts is None:
        return None
    rows: list[Row] = [(word(lang, "issuer_name"), _bdi(facts.name if facts else c.issuer_name),
                        "")]
    if facts is not None:
        if facts.uscc:
            rows.append((word(lang, "uscc"), _bdi(facts.uscc, "mono"), ""))
        rows.append((word(lang, "category"), pick(lang, CATEGORIES.get(facts.category,
                                                                       facts.category)), ""))
        rows.append((word(lang, "regulator"), _bdi(facts.regulator), "regulator"))
        rows.append((word(lang, "at_issue"),
                     _standing(lang, str(facts.standing_at_issue), facts.reason_at_issue),
                     "standing-at-issue"))
        rows.append((word(lang, "now"), _standing(lang, str(facts.standing_now),
                                                  facts.reason_now), "standing-now"))
    elif _failed(report, CheckId.ISSUER, Code.ISSUER_UNKNOWN):
        rows.append((word(lang, "regulator"), word(lang, "not_listed"), ""))
    return {"title": word(lang, "issuer"), "rows": rows}


def _revocation(lang: Lang, report: VerificationReport) -> dict[str, object]:
    state, colour = revocation_state(lang, report)
    status_check = report.check(CheckId.STATUS)
    basis: Html | str = ""
    if status_check is not None and status_check.code != Code.NOT_EVALUATED:
        if status_check.code is not None and not status_check.passed:
            basis = pick(lang, CODE_SENTENCES.get(status_check.code, ""))
        if report.status_lists and colour != "amber":
            newest = min((s.age_seconds for s in report.status_lists
                          if s.age_seconds is not None), default=None)
            if newest is not None:
                basis = join([basis, word(lang, "status_basis", age=format_ago(lang, newest))], " ")
    return {"title": word(lang, "revocation"), "pill": _pill(state, colour), "basis": basis}


def _freshness(lang: Lang, result: Result) -> list[Row]:
    report, now = result.report, result.at
    rows: list[Row] = [(word(lang, "verified_at"), format_time(lang, now), "")]
    info = report.registry
    if info is not None:
        issued = parse_moment(info.get("issued"))
        age = format_ago(lang, (now - issued).total_seconds()) if issued else "–"
        line = word(lang, "registry_line", version=info.get("version"),
                    issued=format_date(info.get("issued")), age=age,
                    expires=format_date(info.get("expires")))
        value = join([line, _pill(word(lang, "expired"), "amber") if info.get("expired")
                      else Html("")], " ")
        rows.append((word(lang, "registry"), value, "registry-age"))
    else:
        rows.append((word(lang, "registry"), _pill(word(lang, "no_registry_short"), "amber"),
                     "registry-age"))
    if result.trust.synced_at is not None:
        rows.append((word(lang, "last_sync"),
                     f"{format_time(lang, result.trust.synced_at)} "
                     f"({format_ago(lang, (now - result.trust.synced_at).total_seconds())})", ""))
    for listed in report.status_lists:
        purpose = pick(lang, PURPOSES.get(listed.purpose, listed.purpose))
        if listed.valid_from is None:
            text = word(lang, "list_missing", purpose=purpose)
            flag = _pill(word(lang, "unavailable"), "amber")
        else:
            text = word(lang, "list_line", purpose=purpose,
                        published=format_date(listed.valid_from),
                        age=format_ago(lang, listed.age_seconds or 0),
                        until=format_date(listed.valid_until))
            flag = Html("") if listed.verified else _pill(word(lang, "list_unverified"), "amber")
        rows.append((word(lang, "status_list"),
                     h('{text} {flag}<span class="sub mono">{url}</span>', text=text, flag=flag,
                       url=listed.url), "status-list-age"))
    return rows


def _checks(lang: Lang, report: VerificationReport) -> list[dict[str, object]]:
    items: list[dict[str, object]] = []
    for check in report.checks:
        detail = _in_english(lang, check.detail)
        if check.passed:
            css, mark, state = "pass", "✓", "state_pass"
        elif check.code == Code.NOT_EVALUATED and check.detail.startswith("not run"):
            css, mark, state = "skipped", "–", "state_skipped"
            detail = esc(word(lang, "not_run"))
        elif check.indeterminate:
            css, mark, state = "undecided", "?", "state_undecided"
        else:
            css, mark, state = "fail", "✗", "state_fail"
        items.append({"css": css, "id": check.id, "passed": "true" if check.passed else "false",
                      "mark": mark, "state": word(lang, state),
                      "label": pick(lang, CHECK_LABELS.get(check.id, check.id)),
                      "code": str(check.code) if check.code else "", "detail": detail})
    return items


def _technical(lang: Lang, result: Result) -> list[Row]:
    """For integrators: the codes and identifiers, folded away from the desk."""
    report = result.report
    c = report.credential
    rows: list[Row] = [(word(lang, "issuer_did"),
                        _bdi(c.issuer or (report.issuer.did if report.issuer else None), "mono"),
                        "issuer-did")]
    if result.code():
        rows.insert(0, (word(lang, "deciding_code"), _bdi(result.code(), "mono"),
                        "deciding-code"))
    if c.id:
        rows.append((word(lang, "credential_id"), _bdi(c.id, "mono"), ""))
    if c.format:
        rows.append((word(lang, "proof_format"), _bdi(c.format, "mono"), ""))
    return rows

def _in_chinese(lang: Lang, text: object) -> Html:
    """Chinese text, marked so on an English page (screen readers switch voice)."""
    return h('<span lang="zh-CN">{text}</span>', text=text) if lang == "en" else esc(text)


def _in_english(lang: Lang, text: object) -> Html:
    """English text (a translation, a check's detail), marked so on a Chinese page."""
    return h('<span lang="en">{text}</span>', text=text) if lang == "zh" else esc(text)


def message_page(lang: Lang, title: str, message: str) -> Html:
    """An error that is not about a credential (no such page, the server is busy)."""
    return render("message.html", **_frame(lang, title), main_class="", icon=_ICONS["neutral"],
                  heading=title, message=message, again=word(lang, "again"))
