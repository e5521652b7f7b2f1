"""Hostile /changes/ requests: page names that are no month, months without members, parameters the feed does
not take (`at` among them), huge and binary names. Each is a 4xx with the message in the negotiated format
(never a 500), answered quickly, without internals, and the app answers afterwards."""

from __future__ import annotations

import pytest

from tests.hostile.support import assert_safe_answer, assert_still_up, timed

CASES = [
    ("month-13", "/changes/2020-13", 400),
    ("month-00", "/changes/2020-00", 400),
    ("month-one-digit", "/changes/2020-1", 400),
    ("day-not-month", "/changes/2020-01-01", 400),
    ("year-five-digits", "/changes/20200-01", 400),
    ("month-without-members", "/changes/1900-01", 404),
    ("month-9999", "/changes/9999-12", 404),
    ("sub-path", "/changes/2020-01/members", 400),
    ("dot-dot", "/changes/..%2F..%2Fetc%2Fpasswd", 400),
    ("name-10kb", "/changes/" + "9" * 10_000, 400),
    ("nul-byte", "/changes/2020-01%00", 400),
    ("unicode-digits", "/changes/%D9%A2%D9%A0%D9%A2%D9%A0-01", 400),
    ("at-on-root", "/changes/?at=2020-01-01", 400),
    ("at-on-page", "/changes/2020-01?at=2020-01-01", 400),
    ("unknown-parameter", "/changes/?page=2", 400),
    ("percent-malformed", "/changes/%ZZ", 400),
]


@pytest.mark.parametrize(("case", "url", "status"), CASES, ids=[c[0] for c in CASES])
@pytest.mark.parametrize("accept", ["text/turtle", "application/n-quads", "application/ld+json"])
def test_hostile_feed_requests_are_refused_in_the_asked_format(client, case, url, status, accept) -> None:
    response, elapsed = timed(lambda: client.get(url, headers={"Accept": accept}))
    assert_safe_answer(response, elapsed, status)
    if case != "percent-malformed":  # refused before routing, as on every route
        assert response.mimetype == accept
    assert_still_up(client)
