"""The search box in the header of every page, used in a real browser (tests/test_browser.py's server and browser)."""

from __future__ import annotations

import pytest

from tests.test_browser import assert_clean, browser, server, wait_for  # noqa: F401


@pytest.mark.parametrize("typed,expected", [("Walsrode", "territory/033580024024"), ("03358022", "territory/03358022")])
def test_the_header_box_finds_a_thing_and_links_to_its_page(browser, server: str, typed: str, expected: str) -> None:  # noqa: F811
    browser.get(server)
    assert_clean(browser, server)
    box = wait_for(browser, "header form[role=search] input[name=q]")[0]
    label = browser.find_element("css selector", f'header form[role=search] label[for="{box.get_attribute("id")}"]')
    assert label.text
    box.send_keys(typed)
    box.submit()
    links = wait_for(browser, "ol.search-results li a")
    assert_clean(browser, server)
    assert links[0].get_attribute("href").split("?")[0] == f"{server}doc/{expected}"
    links[0].click()
    wait_for(browser, "main h1")
    assert browser.current_url.split("?")[0] == f"{server}doc/{expected}"
    assert_clean(browser, server)
