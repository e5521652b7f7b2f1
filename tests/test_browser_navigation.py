"""Navigation in a real browser (issue 21): the language chosen stays through clicks, no page is wider
than a phone (390 px) or a desktop (1280 px) window, and a municipality's breadcrumbs name its Land and
district as the store has them."""

from __future__ import annotations

import pytest
import requests

from tests.test_browser import assert_clean, browser, server, wait_for  # noqa: F401

PAGES = [
    "",
    "territories",
    "organizations",
    "doc/territory/03358",
    "doc/organization/metropolregion-hamburg",
    "doc/organization/lag-aller-leine-tal",
    "doc/territory/033585401001",
    "sparql",
    "download/",
    "catalog",
]
MUNICIPALITY = "id/territory/033585401001"


def lang_of(driver) -> str:
    return str(driver.execute_script("return document.documentElement.lang"))


def click(driver, css: str) -> None:
    """Follow the first link ``css`` matches, as a person would, and wait for the next page."""
    link = wait_for(driver, css)[0]
    old = driver.find_element("css selector", "html")
    link.click()
    from selenium.webdriver.support import expected_conditions
    from selenium.webdriver.support.ui import WebDriverWait

    WebDriverWait(driver, 30).until(expected_conditions.staleness_of(old))


def test_the_language_choice_survives_three_clicks(browser, server: str) -> None:  # noqa: F811
    browser.delete_all_cookies()
    browser.get(server + "?lang=de")  # the browser itself asks for English: start from German
    assert lang_of(browser) == "de"
    click(browser, "header .lang-switch a[hreflang='en']")
    assert lang_of(browser) == "en"
    for css in ("header nav a[href$='/territories']", "table.list tbody a", "header nav a[href$='/organizations']"):
        click(browser, css)
        assert "lang=" not in browser.current_url or "lang=en" in browser.current_url
        assert lang_of(browser) == "en", browser.current_url
    assert browser.find_element("css selector", "h1").text in ("Organisations",)
    browser.delete_all_cookies()


@pytest.mark.parametrize("width", [390, 1280])
def test_no_page_overflows_phone_or_desktop_width(browser, server: str, width: int) -> None:  # noqa: F811
    browser.execute_cdp_cmd(
        "Emulation.setDeviceMetricsOverride",
        {"width": width, "height": 900, "deviceScaleFactor": 1, "mobile": width < 600},
    )
    try:
        wide = {}
        for path in PAGES:
            browser.get(server + path)
            wait_for(browser, "h1")
            over = browser.execute_script(
                "return document.documentElement.scrollWidth - document.documentElement.clientWidth"
            )
            if over > 0:
                wide[path] = over
        assert wide == {}, f"pages wider than {width} px: {wide}"
    finally:
        browser.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})


def test_municipality_breadcrumbs_name_its_land_and_district(browser, server: str) -> None:  # noqa: F811
    query = f"""PREFIX geo: <http://www.opengis.net/ont/geosparql#> PREFIX rl: <https://w3id.org/regiolod/def#>
        SELECT ?level ?t WHERE {{ <{server}{MUNICIPALITY}> geo:sfWithin+ ?t . ?t a ?level
          VALUES ?level {{ rl:StateTerritory rl:DistrictTerritory }} }}"""
    answer = requests.get(
        server + "sparql", params={"query": query}, headers={"Accept": "application/sparql-results+json"}, timeout=60
    )
    rows = answer.json()["results"]["bindings"]
    land = {r["t"]["value"] for r in rows if r["level"]["value"].endswith("StateTerritory")}
    district = {r["t"]["value"] for r in rows if r["level"]["value"].endswith("DistrictTerritory")}
    assert len(land) == 1 and len(district) == 1
    browser.get(server + MUNICIPALITY)
    crumbs = wait_for(browser, "nav.breadcrumbs li")
    links = [a.get_attribute("href") for a in browser.find_elements("css selector", "nav.breadcrumbs a")]
    assert links[:2] == [land.pop(), district.pop()]
    assert crumbs[-1].text == browser.find_element("css selector", "h1").text
    assert_clean(browser, server)
