"""Membership timelines in headless Chromium: the page stays clean at 1280 px and the drawing fits 390 px."""

from __future__ import annotations

import pytest

from tests.test_browser import assert_clean, browser, server, wait_for  # noqa: F401

PAGES = (
    "doc/organization/metropolregion-hamburg",
    "doc/territory/leader-achtern-elbe-diek",
    "doc/territory/033530031031",
)


@pytest.mark.parametrize("path", PAGES)
def test_timeline_page_is_clean_at_1280(browser, server: str, path: str) -> None:  # noqa: F811
    browser.get(f"{server}{path}?at=2024-03-01")
    charts = wait_for(browser, "svg.timeline-chart")
    assert charts and all(c.size["width"] > 0 and c.size["height"] > 0 for c in charts)
    assert wait_for(browser, "svg.timeline-chart line.at")
    assert_clean(browser, server)


@pytest.mark.parametrize("path", PAGES)
def test_timeline_scales_to_a_phones_width(browser, server: str, path: str) -> None:  # noqa: F811
    browser.execute_cdp_cmd(
        "Emulation.setDeviceMetricsOverride", {"width": 390, "height": 844, "deviceScaleFactor": 1, "mobile": True}
    )
    try:
        browser.get(f"{server}{path}")
        wait_for(browser, "svg.timeline-chart")
        widths = browser.execute_script(
            "return [document.documentElement.clientWidth,"
            " ...[...document.querySelectorAll('svg.timeline-chart')].map(s => s.getBoundingClientRect().right)]"
        )
        assert widths[0] <= 390 and all(0 < right <= widths[0] for right in widths[1:]), widths
    finally:
        browser.execute_cdp_cmd("Emulation.clearDeviceMetricsOverride", {})
