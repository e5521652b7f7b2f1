"""The map of a territory's and a cooperation's page in a real browser: Leaflet over the SVG, and the SVG alone
without JavaScript; nothing fails, nothing goes to another origin (no tiles unless a server names some)."""

from __future__ import annotations

import pytest

from publisher.web.geo import LEAFLET
from tests.test_browser import assert_clean, browser, browser_without_javascript, server, wait_for  # noqa: F401

needs_leaflet = pytest.mark.skipif(not LEAFLET, reason="Leaflet is not in publisher/static/vendor/: run `make vendor`")


@needs_leaflet
@pytest.mark.parametrize("path", ["doc/territory/03358", "doc/organization/metropolregion-hamburg"])
def test_the_interactive_map_draws_the_pages_boundary(browser, server: str, path: str) -> None:  # noqa: F811
    browser.get(f"{server}{path}")
    assert wait_for(browser, "figure.map.map-interactive .leaflet-container")
    drawn = wait_for(browser, "figure.map .leaflet-overlay-pane svg path")
    assert drawn[0].get_attribute("d")  # the GeoJSON's polygon, as Leaflet projected it
    assert "GeoBasis-DE" in wait_for(browser, ".leaflet-control-attribution")[0].text
    assert not browser.find_element("css selector", "figure.map svg.map-svg").is_displayed()
    assert_clean(browser, server)


def test_without_javascript_the_svg_map_is_there(browser_without_javascript, server: str) -> None:  # noqa: F811
    driver = browser_without_javascript
    driver.get(f"{server}doc/organization/metropolregion-hamburg")
    svg = wait_for(driver, "figure.map svg.map-svg")[0]
    assert svg.is_displayed() and svg.size["width"] > 200
    assert len(driver.find_elements("css selector", "figure.map svg a.map-member path")) > 5
    assert not driver.find_elements("css selector", ".leaflet-container")
    assert_clean(driver, server)
