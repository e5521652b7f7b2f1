"""A real browser on the real server: Debian's headless Chromium, driven by selenium, asks `regiolod serve`.

Each page fails on what a person would notice (STYLE §17): an error in the console, a sub-request that
fails or goes to another origin, a page wider than a 1280 px window. The DOM checks are semantic: the
page names its thing, a table has rows, the query editor is drawn.
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import pytest
import requests

from publisher.web.sparql import YASGUI
from tests.conftest import ROOT
from tests.processes import BIN, clean_env, free_port, running

CHROMIUM = shutil.which("chromium")
CHROMEDRIVER = shutil.which("chromedriver")
MISSING = [name for name, path in (("chromium", CHROMIUM), ("chromium-driver", CHROMEDRIVER)) if path is None]
pytestmark = pytest.mark.skipif(
    bool(MISSING),
    reason=f"Debian package(s) {' and '.join(MISSING)} not installed: apt-get install chromium chromium-driver",
)
needs_editor = pytest.mark.skipif(
    not YASGUI, reason="the query editor is not in publisher/static/vendor/: run `make vendor` (needs npm)"
)
WIDTH = 1280
# Flags for a machine without a display, sandbox or outside network: nothing but the page's own requests.
CHROMIUM_FLAGS = (
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
    f"--window-size={WIDTH},900",
)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """`regiolod serve` with its default settings (granian), on a free port."""
    port = free_port()
    env = clean_env()
    env["REGIOLOD_DOWNLOAD_DIR"] = str(tmp_path_factory.mktemp("download"))
    base = f"http://127.0.0.1:{port}/"
    command = [str(BIN / "regiolod"), "--root", str(ROOT), "serve", "--port", str(port)]
    with running(command, base, tmp_path_factory.mktemp("server") / "serve.log", env=env):
        yield base


def start_chromium(profile: os.PathLike, javascript: bool = True):
    """Start Debian's Chromium through Debian's chromedriver; selenium never looks for a driver of its own."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in (*CHROMIUM_FLAGS, f"--user-data-dir={profile}"):
        options.add_argument(flag)
    if not javascript:
        options.add_experimental_option("prefs", {"profile.managed_default_content_settings.javascript": 2})
    options.set_capability("goog:loggingPrefs", {"browser": "ALL", "performance": "ALL"})
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("SE_OFFLINE", "true")  # Selenium Manager, should it run at all, must not download
        driver = webdriver.Chrome(service=Service(executable_path=CHROMEDRIVER), options=options)
    driver.set_page_load_timeout(60)
    driver.get("about:blank")
    read_logs(driver)  # the browser's own start-up is not the page's
    return driver


@pytest.fixture(scope="module")
def browser(tmp_path_factory: pytest.TempPathFactory):
    driver = start_chromium(tmp_path_factory.mktemp("chromium-profile"))
    yield driver
    driver.quit()


@pytest.fixture(scope="module")
def browser_without_javascript(tmp_path_factory: pytest.TempPathFactory):
    driver = start_chromium(tmp_path_factory.mktemp("chromium-profile-nojs"), javascript=False)
    yield driver
    driver.quit()


def read_logs(driver) -> tuple[list[dict], list[dict]]:
    """Return (and so empty) the console log and the DevTools network events since the last read."""
    console = driver.get_log("browser")
    events = [json.loads(entry["message"])["message"] for entry in driver.get_log("performance")]
    return console, [e for e in events if e["method"].startswith("Network.")]


@dataclass
class Trouble:
    """What a person would notice on a page: each list names the requests or messages."""

    console_errors: list[str] = field(default_factory=list)
    failed_requests: list[str] = field(default_factory=list)
    foreign_requests: list[str] = field(default_factory=list)
    overflow_px: int = 0


def trouble(driver, origin: str, document_status: int = 200) -> Trouble:
    """Everything that went wrong since the last read; the page's own status is ``document_status``."""
    console, events = read_logs(driver)
    found = Trouble()
    urls: dict[str, str] = {}
    for event in events:
        params = event["params"]
        if event["method"] == "Network.requestWillBeSent":
            url = params["request"]["url"]
            urls[params["requestId"]] = url
            if urlsplit(url).scheme in ("http", "https", "ws", "wss") and not url.startswith(origin):
                found.foreign_requests.append(url)
        elif event["method"] == "Network.responseReceived":
            status, url = params["response"]["status"], params["response"]["url"]
            if status >= 400 and not (params["type"] == "Document" and status == document_status):
                found.failed_requests.append(f"{status} {params['type']} {url}")
        elif event["method"] == "Network.loadingFailed" and not params.get("canceled"):
            found.failed_requests.append(f"{params['errorText']} {urls.get(params['requestId'], '?')}")
    own = f"{driver.current_url} - Failed to load resource: the server responded with a status of {document_status}"
    severe = [entry["message"] for entry in console if entry["level"] == "SEVERE"]
    found.console_errors = [message for message in severe if not message.startswith(own)]
    found.overflow_px = driver.execute_script(
        "return document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    return found


def assert_clean(driver, origin: str, document_status: int = 200) -> None:
    assert driver.execute_script("return window.innerWidth") == WIDTH
    found = trouble(driver, origin, document_status)
    assert found == Trouble(), f"{driver.current_url}: {found}"


def wait_for(driver, css: str, timeout: float = 30):
    """Wait until elements match ``css``; return them."""
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    return WebDriverWait(driver, timeout).until(lambda d: d.find_elements(By.CSS_SELECTOR, css))


def text_of(driver, css: str) -> str:
    from selenium.webdriver.common.by import By

    return driver.find_element(By.CSS_SELECTOR, css).text


def test_home_page(browser, server: str) -> None:
    browser.get(server)
    assert_clean(browser, server)
    assert wait_for(browser, "main h1") and wait_for(browser, "table.counts td")
    assert wait_for(browser, f'header nav a[href="{server}territories"]')


def test_territory_page(browser, server: str) -> None:
    browser.get(f"{server}doc/territory/03358")
    assert_clean(browser, server)
    assert text_of(browser, "main h1") == "Heidekreis"


def test_cooperation_page_lists_its_members(browser, server: str) -> None:
    browser.get(f"{server}doc/organization/zweckverband-aller-leine-tal")
    assert_clean(browser, server)
    assert "Aller-Leine" in text_of(browser, "main h1")
    assert wait_for(browser, "table.memberships td a")


def test_not_found_page(browser, server: str) -> None:
    browser.get(f"{server}doc/territory/00000")
    assert_clean(browser, server, document_status=404)
    assert text_of(browser, "main h1")
    assert requests.get(f"{server}doc/territory/00000", timeout=10).status_code == 404


def test_query_page_runs_an_example(browser, server: str) -> None:
    """Following the first example query shows its result as a table with rows."""
    browser.get(f"{server}sparql")
    assert_clean(browser, server)
    first = wait_for(browser, "section.examples dt a")[0]
    first.click()
    rows = wait_for(browser, "section.results table.results tbody tr")
    assert rows and rows[0].find_elements("css selector", "td")
    assert_clean(browser, server)


@needs_editor
def test_query_editor_is_drawn_and_runs_the_query_on_this_origin(browser, server: str) -> None:
    """YASGUI replaces the form, and its run button shows the rows the server's own table shows."""
    browser.get(f"{server}sparql")
    assert wait_for(browser, ".yasgui .yasqe .CodeMirror")
    assert not browser.find_element("id", "query-form").is_displayed()  # the editor took its place
    assert_clean(browser, server)
    wait_for(browser, "section.examples dt a")[0].click()
    served = wait_for(browser, "section.results table.results tbody tr")
    assert wait_for(browser, ".yasgui .yasqe .CodeMirror")  # on the result page too, with the query in it
    wait_for(browser, ".yasgui .yasqe_queryButton")[0].click()
    shown = wait_for(browser, ".yasr table.dataTable tbody tr td")
    assert len(browser.find_elements("css selector", ".yasr table.dataTable tbody tr")) == len(served) > 0, shown
    assert_clean(browser, server)


@needs_editor
def test_query_editor_completes_without_asking_another_site(browser, server: str) -> None:
    """Ctrl-Space on a class name completes from the query alone (YASGUI would ask LOV's service for terms)."""
    from selenium.webdriver.common.keys import Keys

    browser.get(f"{server}sparql")
    editor = wait_for(browser, ".yasgui .yasqe .CodeMirror")[0]
    browser.execute_script(
        "const cm = arguments[0].CodeMirror; cm.setValue(arguments[1]); cm.focus(); cm.setCursor(cm.lineCount(), 0);",
        editor,
        "PREFIX skos: <http://www.w3.org/2004/02/skos/core#>\nSELECT * WHERE { ?s a skos:Con",
    )
    editor.find_element("css selector", "textarea").send_keys(Keys.CONTROL, " ")
    assert_clean(browser, server)


def test_query_form_works_without_javascript(browser_without_javascript, server: str) -> None:
    driver = browser_without_javascript
    driver.get(f"{server}sparql")
    form = wait_for(driver, "#query-form")[0]
    assert form.is_displayed() and not driver.find_elements("css selector", ".yasgui")
    form.find_element("css selector", "button[type=submit]").click()
    assert wait_for(driver, "section.results table.results tbody tr")
    assert_clean(driver, server)
