"""The verification page end to end in headless Chromium (Debian's ``chromium`` and
``chromium-driver``, driven by Selenium; nothing is downloaded at test time).

A phone-sized browser uploads the QR codes of a genuine, a tampered and a revoked credential
through the page's file input and reads the three verdicts off the page. Screenshots of the
start page and the verdict pages go to a temporary directory, or to docs/screenshots/ when
VCSKILL_SCREENSHOTS=1 (so that a test run never rewrites tracked files by accident).

Without Chromium the tests are skipped, except under CI (CI=true), where they fail.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.test_serve import GENUINE, REVOKED, TAMPERED, Running, Start, World, start

__all__ = ["start"]  # a fixture used here (world comes from conftest)

CHROMIUM = os.environ.get("VCSKILL_CHROMIUM", "/usr/bin/chromium")
CHROMEDRIVER = os.environ.get("VCSKILL_CHROMEDRIVER", "/usr/bin/chromedriver")
DOCS = Path(__file__).resolve().parent.parent / "docs" / "screenshots"
PHONE = (390, 844)
LAPTOP = (1280, 800)


def _missing() -> str | None:
    try:
        import selenium  # noqa: F401
    except ImportError:
        return "selenium is not installed (pip install selenium)"
    for path, package in ((CHROMIUM, "chromium"), (CHROMEDRIVER, "chromium-driver")):
        if not (Path(path).is_file() or shutil.which(path)):
            return f"{path} not found (apt-get install {package})"
    return None


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    reason = _missing()
    if reason is not None:
        if os.environ.get("CI") == "true":
            pytest.fail(f"browser tests need headless Chromium: {reason}")
        pytest.skip(f"browser tests need headless Chromium: {reason}")
    from selenium import webdriver
    from selenium.webdriver.chrome.options import Options
    from selenium.webdriver.chrome.service import Service

    options = Options()
    options.binary_location = CHROMIUM
    for argument in ("--headless=new", "--no-sandbox", "--disable-gpu",
                     "--disable-dev-shm-usage", "--hide-scrollbars", "--no-first-run",
                     "--disable-extensions", "--disable-background-networking",
                     "--disable-component-update", "--disable-sync",
                     "--force-device-scale-factor=1"):
        options.add_argument(argument)
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    driver.set_page_load_timeout(30)
    try:
        yield driver
    finally:
        driver.quit()


@pytest.fixture
def shots(tmp_path: Path) -> Path:
    if os.environ.get("VCSKILL_SCREENSHOTS") == "1":
        DOCS.mkdir(parents=True, exist_ok=True)
        return DOCS
    return tmp_path


@pytest.fixture
def qr_codes(world: World, tmp_path: Path) -> dict[str, Path]:
    from vcskill.qr.image import write_qr

    codes = {}
    for name in (GENUINE, TAMPERED, REVOKED):
        out = tmp_path / f"{Path(name).stem}.png"
        write_qr(world.credential(name), out)
        codes[name] = out
    return codes


def viewport(driver: Any, size: tuple[int, int], *, height: int | None = None) -> None:
    """Emulate a screen of this size (CSS pixels); a phone-sized one as a mobile device."""
    width, tall = size
    driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", {
        "width": width, "height": height or tall, "deviceScaleFactor": 1,
        "mobile": width < 600})


def screenshot(driver: Any, out: Path, size: tuple[int, int]) -> None:
    """The whole page at this width: the screen grows to the page's height for the shot."""
    viewport(driver, size)
    full = int(driver.execute_script("return document.documentElement.scrollHeight"))
    viewport(driver, size, height=max(size[1], full))
    driver.save_screenshot(str(out))
    viewport(driver, size)


def upload(driver: Any, served: Running, image: Path, *, lang: str = "zh") -> dict[str, str]:
    """Open the page, choose the image in the file input; the page's script sends it at
    once. Return what the verdict page shows."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    driver.get(served.url + f"?lang={lang}")
    WebDriverWait(driver, 10).until(lambda d: d.find_elements(By.ID, "verify-form"))
    driver.find_element(By.ID, "image").send_keys(str(image))
    WebDriverWait(driver, 30).until(lambda d: d.find_elements(By.ID, "verdict"))
    verdict = driver.find_element(By.ID, "verdict")
    checks = driver.find_elements(By.CSS_SELECTOR, "#checks li[data-check]")
    return {
        "verdict": verdict.get_attribute("data-verdict") or "",
        "outcome": verdict.get_attribute("data-outcome") or "",
        "title": driver.find_element(By.ID, "verdict-title").text,
        "sentence": driver.find_element(By.ID, "verdict-sentence").text,
        "holder": driver.find_element(By.CSS_SELECTOR, "#holder dd").text,
        "revocation": driver.find_element(By.ID, "revocation-state").text,
        "failed": " ".join(li.get_attribute("data-check") or "" for li in checks
                           if li.get_attribute("data-passed") == "false"),
        "codes": " ".join(li.text for li in checks),
    }


def test_three_verdicts_from_qr_photos(browser: Any, world: World, start: Start,
                                       qr_codes: dict[str, Path], shots: Path) -> None:
    from selenium.webdriver.common.by import By

    served = start(cache=world.cache)
    viewport(browser, PHONE)
    browser.get(served.url + "?lang=zh")
    camera = browser.find_element(By.ID, "photo")
    assert camera.get_attribute("capture") == "environment"
    assert camera.get_attribute("accept") == "image/*"
    assert "可信机构名录 v1" in browser.find_element(By.ID, "trust").text
    screenshot(browser, shots / "start.png", PHONE)

    genuine = upload(browser, served, qr_codes[GENUINE])
    assert genuine["verdict"] == "green" and genuine["outcome"] == "verified"
    assert genuine["title"] == "验证通过" and genuine["holder"] == "张三"
    assert genuine["revocation"] == "未撤销、未暂停" and genuine["failed"] == ""
    screenshot(browser, shots / "verified.png", PHONE)

    tampered = upload(browser, served, qr_codes[TAMPERED])
    assert tampered["verdict"] == "red" and tampered["outcome"] == "invalid"
    assert tampered["title"] == "验证未通过" and "签名不符" in tampered["sentence"]
    assert tampered["failed"].split()[0] == "proof"
    assert "PROOF_VERIFICATION_ERROR" in tampered["codes"]
    screenshot(browser, shots / "invalid.png", PHONE)

    revoked = upload(browser, served, qr_codes[REVOKED])
    assert revoked["verdict"] == "red" and revoked["holder"] == "冯十四"
    assert revoked["sentence"] == "该证书已被发证机构撤销。"
    assert revoked["revocation"] == "已撤销" and revoked["failed"] == "status"
    assert "CREDENTIAL_REVOKED" in revoked["codes"]
    screenshot(browser, shots / "revoked.png", PHONE)


def test_english_on_a_laptop_and_no_registry(browser: Any, world: World, start: Start,
                                             qr_codes: dict[str, Path], shots: Path,
                                             tmp_path: Path) -> None:
    served = start(cache=world.cache)
    viewport(browser, LAPTOP)
    genuine = upload(browser, served, qr_codes[GENUINE], lang="en")
    assert genuine["verdict"] == "green" and genuine["title"] == "Verified"
    assert genuine["revocation"] == "Not revoked or suspended"
    screenshot(browser, shots / "verified-laptop-en.png", LAPTOP)

    unsynced = start(cache=tmp_path / "never-synced")
    undecided = upload(browser, unsynced, qr_codes[GENUINE], lang="en")
    assert undecided["verdict"] == "amber" and undecided["title"] == "Could not decide"
    assert "vcskill sync" in undecided["sentence"]
    screenshot(browser, shots / "no-registry.png", PHONE)


# -- accessibility: axe-core (the copy selenium-axe-python ships, run offline) -----------------

AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]


def axe_violations(driver: Any) -> list[str]:
    """What axe-core finds against WCAG 2.2 AA (and its best practices) on the current page:
    one line per rule, with the first offending element."""
    import selenium_axe_python

    script = (Path(selenium_axe_python.__file__).parent / "axe-core" / "axe.min.js").read_text(
        encoding="utf-8")
    driver.execute_script(script)  # through the driver, not the page: the CSP still holds
    found = driver.execute_async_script(
        "var done = arguments[arguments.length - 1];"
        "axe.run(document, {runOnly: {type: 'tag', values: arguments[0]}},"
        " function (error, results) {"
        "  done(error ? ['axe failed: ' + error] : results.violations.map(function (v) {"
        "    return v.id + ' (' + v.nodes.length + '): ' + v.nodes[0].html.slice(0, 120); }));"
        " });", AXE_TAGS)
    return [str(line) for line in found]


@pytest.mark.parametrize("size", [PHONE, LAPTOP], ids=["phone", "desktop"])
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_axe_finds_nothing_on_the_start_and_verdict_pages(
        browser: Any, world: World, start: Start, qr_codes: dict[str, Path],
        lang: str, size: tuple[int, int]) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    served = start(cache=world.cache)
    viewport(browser, size)
    browser.get(served.url + f"?lang={lang}")
    WebDriverWait(browser, 10).until(lambda d: d.find_elements(By.ID, "verify-form"))
    assert axe_violations(browser) == [], "start page"
    for name in (GENUINE, TAMPERED, REVOKED):
        upload(browser, served, qr_codes[name], lang=lang)
        assert axe_violations(browser) == [], name
    browser.get(served.url + "nowhere?lang=" + lang)  # an error page
    assert axe_violations(browser) == [], "error page"
