"""Answers replayed without Flask (publisher/web/replay.py): the same answer the app gives, or the app's own.

Each request is answered three ways: by Flask alone (the Replays in front of it bypassed), by the app the first
time (which keeps the answer) and by the app again (a replay): status, headers and body must agree, and the
replay must have happened where the rules allow it, and not happened where they do not.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest
import rdflib
from rdflib.compare import isomorphic
from werkzeug.test import Client

from publisher.web.replay import MARK, Replays

DOC = "/doc/territory/03358"
COOPERATION = "/doc/organization/033580024024"

ANSWERED_AGAIN: list[tuple[str, str, dict[str, str]]] = [
    ("GET", DOC, {}),
    ("GET", DOC, {"Accept": "text/turtle"}),
    ("GET", DOC, {"Accept": "application/ld+json"}),
    ("GET", DOC, {"Accept": "application/rdf+xml, text/turtle;q=0.9, */*;q=0.1"}),
    ("GET", DOC, {"Accept": "application/n-triples"}),
    ("GET", DOC, {"Accept": "application/n-quads"}),
    ("GET", DOC, {"Accept": "text/html", "Accept-Language": "en-GB,en;q=0.9"}),
    ("GET", DOC, {"Accept": "text/html", "Cookie": "lang=en"}),
    ("GET", DOC, {"Accept": "text/turtle", "Accept-Profile": "<https://schema.org/>"}),
    ("GET", DOC + "?_profile=geosparql", {"Accept": "text/turtle"}),
    ("GET", DOC + "?at=2015-01-01", {"Accept": "text/turtle"}),
    ("GET", DOC + "?at=2015-01-01", {"Accept": "text/html"}),
    ("GET", DOC + ".ttl", {}),
    ("GET", DOC + ".jsonld", {"Accept": "text/html"}),
    ("GET", DOC + ".html", {"Accept-Language": "en"}),
    ("GET", COOPERATION, {"Accept": "text/turtle"}),
    ("GET", "/id/territory/03358", {}),
    ("GET", "/id/territory/03358?at=2015-01-01", {"Accept": "text/turtle"}),
    ("HEAD", DOC, {"Accept": "text/turtle"}),  # a GET of the same address and Accept was kept above
]

ANSWERED_BY_THE_APP: list[tuple[str, str, dict[str, str]]] = [
    ("GET", DOC, {"Accept": "text/turtle", "If-None-Match": "*"}),  # conditional: the app answers 304
    ("GET", DOC, {"Accept": "text/turtle", "Range": "bytes=0-9"}),
    ("GET", DOC + "?lang=en", {"Accept": "text/html"}),  # sets the cookie
    ("GET", "/doc/territory/00000", {"Accept": "text/turtle"}),  # 404
    ("GET", DOC + "?at=not-a-day", {"Accept": "text/turtle"}),  # 400
    ("GET", DOC, {"Accept": "image/png"}),  # 406
    ("GET", "/", {}),  # a page no view marked
    ("GET", "/catalog", {"Accept": "text/turtle"}),
    ("OPTIONS", DOC, {}),
]


def replays(app: Any) -> Replays:
    found = app.wsgi_app
    assert isinstance(found, Replays)
    return found


def answer(client: Client, method: str, path: str, headers: dict[str, str]) -> tuple[int, list[tuple[str, str]], bytes]:
    response = client.open(path, method=method, headers=headers)
    return response.status_code, sorted(response.headers.items()), response.get_data()


@pytest.mark.parametrize(("method", "path", "headers"), ANSWERED_AGAIN)
def test_a_replay_is_the_answer_flask_gives(app: Any, method: str, path: str, headers: dict[str, str]) -> None:
    front = replays(app)
    alone = answer(Client(front.app, use_cookies=False), method, path, headers)
    client = app.test_client(use_cookies=False)
    if method == "HEAD":
        answer(client, "GET", path, headers)
    first = answer(client, method, path, headers)
    before = front.replayed
    again = answer(client, method, path, headers)
    assert front.replayed == before + 1, "the second request was not replayed"
    assert alone[0] in (200, 303)
    assert first == alone
    assert again == alone
    if method == "HEAD":
        assert again[2] == b""
        assert dict(again[1])["Content-Length"] == str(len(answer(client, "GET", path, headers)[2]))


@pytest.mark.parametrize(("method", "path", "headers"), ANSWERED_BY_THE_APP)
def test_what_is_not_replayed_is_answered_by_the_app(app: Any, method: str, path: str, headers: dict[str, str]) -> None:
    front = replays(app)
    alone = answer(Client(front.app, use_cookies=False), method, path, headers)
    client = app.test_client(use_cookies=False)
    before = front.replayed
    answers = [answer(client, method, path, headers) for _ in range(3)]
    assert front.replayed == before
    for status, found, body in answers:
        assert status == alone[0]
        # The same answer but for what the app makes afresh (a cookie's expiry date).
        assert [h for h in found if h[0] != "Set-Cookie"] == [h for h in alone[1] if h[0] != "Set-Cookie"]
        assert body == alone[2]


def test_variants_of_one_address_never_stand_in_for_each_other(app: Any) -> None:
    """Interleaved Accept values on one address: each answer is in the format asked for, and says the same
    statements as Flask's own answer in that format (parsed, compared as graphs)."""
    front = replays(app)
    client = app.test_client(use_cookies=False)
    formats = {"text/turtle": "turtle", "application/rdf+xml": "xml", "application/n-triples": "nt"}
    truth = {
        media: rdflib.Graph().parse(
            data=Client(front.app, use_cookies=False).get(DOC, headers={"Accept": media}).get_data(), format=f
        )
        for media, f in formats.items()
    }
    before = front.replayed
    for _ in range(3):
        for media, syntax in formats.items():
            response = client.get(DOC, headers={"Accept": media})
            assert response.mimetype == media
            assert isomorphic(rdflib.Graph().parse(data=response.get_data(), format=syntax), truth[media])
    assert front.replayed >= before + 6
    english = client.get(DOC, headers={"Accept": "text/html", "Accept-Language": "en"})
    german = client.get(DOC, headers={"Accept": "text/html", "Accept-Language": "de"})
    english_again = client.get(DOC, headers={"Accept": "text/html", "Accept-Language": "en"})
    assert english.headers["Content-Language"] == english_again.headers["Content-Language"] == "en"
    assert german.headers["Content-Language"] == "de"


def test_with_a_rate_limit_a_replay_takes_its_token_and_only_one(settings: Any, build: Any) -> None:
    """burst 3: exactly three answers, two of them replays, then 429 with Retry-After (a request counted
    twice would leave fewer than three)."""
    from publisher import create_app

    app = create_app(replace(settings, rate_limit=0.01, rate_burst=3), build)
    client = app.test_client(use_cookies=False)
    statuses = [client.get(DOC, headers={"Accept": "text/turtle"}) for _ in range(5)]
    assert [r.status_code for r in statuses] == [200, 200, 200, 429, 429]
    assert int(statuses[3].headers["Retry-After"]) >= 1
    assert replays(app).replayed == 2


# The rules of the front itself, on a WSGI app that counts its calls.


class Counting:
    def __init__(self, status: str = "200 OK", headers: list[tuple[str, str]] | None = None, mark: bool = True):
        self.calls = 0
        self.status = status
        self.headers = headers if headers is not None else [("Content-Type", "text/plain"), ("Vary", "Accept")]
        self.mark = mark

    def __call__(self, environ: dict[str, Any], start_response: Any) -> list[bytes]:
        self.calls += 1
        if self.mark:
            environ[MARK] = True
        start_response(self.status, list(self.headers))
        return [b"answer ", str(self.calls).encode()]


def ask(front: Replays, path: str = "/doc/a", accept: str = "text/turtle", method: str = "GET") -> bytes:
    return Client(front, use_cookies=False).open(path, method=method, headers={"Accept": accept}).get_data()


def test_another_build_is_never_answered_from_the_last_builds_answers() -> None:
    inner, version = Counting(), ["one"]
    front = Replays(inner, lambda: version[0])
    assert ask(front) == ask(front) == b"answer 1"
    version[0] = "two"
    assert ask(front) == b"answer 2"
    assert ask(front) == b"answer 2"


def test_the_front_keeps_no_more_answers_than_its_size() -> None:
    inner = Counting()
    front = Replays(inner, lambda: "one", size=2)
    for path in ("/doc/a", "/doc/b", "/doc/c"):
        ask(front, path)
    assert len(front.answers) == 2
    assert ask(front, "/doc/a") == b"answer 4"  # the oldest went
    assert ask(front, "/doc/c") == b"answer 3"


@pytest.mark.parametrize(
    "inner",
    [
        Counting(mark=False),
        Counting(status="404 NOT FOUND"),
        Counting(headers=[("Vary", "*")]),
        Counting(headers=[("Set-Cookie", "lang=en")]),
    ],
    ids=["unmarked", "404", "vary-star", "cookie"],
)
def test_answers_the_rules_exclude_are_asked_of_the_app_each_time(inner: Counting) -> None:
    front = Replays(inner, lambda: "one")
    assert [ask(front) for _ in range(3)] == [b"answer 1", b"answer 2", b"answer 3"]


def test_the_front_keeps_no_more_bytes_than_its_bound() -> None:
    inner = Counting()  # each body: b"answer N", 8 bytes
    front = Replays(inner, lambda: "one", max_bytes=20)
    for path in ("/doc/a", "/doc/b", "/doc/c"):
        ask(front, path)
    assert front.bytes == 16 and len(front.answers) == 2
    assert ask(front, "/doc/a") == b"answer 4"
    assert ask(front, "/doc/c") == b"answer 3"
    ask(front, "/doc/a")  # replayed, not kept twice
    assert front.bytes == 16


def test_a_head_is_never_kept_and_a_post_never_replayed() -> None:
    inner = Counting()
    front = Replays(inner, lambda: "one")
    ask(front, method="HEAD")
    ask(front, method="HEAD")
    assert inner.calls == 2
    ask(front)
    ask(front, method="POST")
    assert inner.calls == 4
    ask(front, method="HEAD")
    assert inner.calls == 4
