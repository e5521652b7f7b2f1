"""Hostile /fragments requests: parts of a pattern that are neither IRIs nor literals, absurd pages, unknown
and repeated parameters, huge and binary values. Each is a 4xx with the message in the negotiated format
(never a 500), answered quickly, without internals, and the app answers afterwards."""

from __future__ import annotations

from urllib.parse import quote

import pytest

from tests.hostile.support import assert_safe_answer, assert_still_up, timed


def q(**parts: str) -> str:
    return "/fragments?" + "&".join(f"{k}={quote(v, safe='')}" for k, v in parts.items())


CASES = [
    ("not-an-iri", q(subject="Heidekreis"), 400),
    ("javascript-iri-is-just-an-iri", q(subject="javascript:alert(1)"), 200),
    ("iri-with-angle-inside", q(subject="<http://a/<b>>"), 400),
    ("iri-with-newline", q(subject="http://a/\nb"), 400),
    ("iri-100kb", q(subject="http://a/" + "x" * 100_000), {200, 414}),
    ("iri-breaks-out-of-a-query", q(subject="http://x/>}SERVICE<http://a/>{"), 400),
    ("literal-breaks-out-of-a-query", q(object='"a" } SERVICE <http://a/> { "b"'), 200),
    ("literal-unterminated", q(object='"abc'), 400),
    ("literal-bad-language", q(object='"abc"@1-2-3'), 400),
    ("literal-datatype-not-iri", q(object='"1"^^integer'), 400),
    ("literal-datatype-angle-unclosed", q(object='"1"^^<http://www.w3.org/2001/XMLSchema#integer'), 400),
    ("literal-as-predicate", q(predicate='"p"'), 200),
    ("literal-as-graph", q(graph='"g"'), 200),
    ("blank-node", q(object="_:b1"), 400),
    ("genid-with-bad-label", q(subject="http://regiolod.test/.well-known/genid/a b"), 400),
    ("variable-with-spaces", q(subject="?a b"), 400),
    ("nul-byte", q(subject="http://a/\x00"), 400),
    ("page-zero", q(page="0"), 400),
    ("page-negative", q(page="-1"), 400),
    ("page-4000-digits", q(page="9" * 4000), 404),
    ("page-past-the-end", q(predicate="http://a/nothing", page="2"), 404),
    ("page-float", q(page="1.5"), 400),
    ("unknown-parameter", "/fragments?limit=1000000", 400),
    ("repeated-subject", "/fragments?subject=http://a/1&subject=http://a/2", 400),
    ("percent-malformed", "/fragments?subject=%ZZ", 400),
]


@pytest.mark.parametrize(("case", "url", "status"), CASES, ids=[c[0] for c in CASES])
@pytest.mark.parametrize("accept", ["text/turtle", "text/html", "application/n-quads"])
def test_hostile_fragment_requests_are_refused_in_the_asked_format(client, case, url, status, accept) -> None:
    response, elapsed = timed(lambda: client.get(url, headers={"Accept": accept}))
    assert_safe_answer(response, elapsed, status)
    if response.status_code != 414:
        assert response.mimetype == accept
    assert_still_up(client)
