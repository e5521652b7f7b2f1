"""Hints of a 404 answer: searched in an index of labels read once per process, never per request."""

from __future__ import annotations

import time
from pathlib import Path

import rdflib

from publisher.render.suggest import LabelIndex, LazyLabelIndex
from tests.conftest import BASE
from tests.processes import free_port
from tests.test_stores import remote_client

LABELLED = [
    ("territory/03358", "Heidekreis"),
    ("territory/033580024024", "Walsrode"),
    ("territory/033580021021", "Soltau"),
    ("territory/03", "Niedersachsen"),
    ("organization/033580021021", "Stadt Soltau"),
    ("organization/zv-aller-leine-tal", "Zweckverband Aller-Leine-Tal"),
    ("membership/lag-hohe-heide/033580021021", "Soltau in der LAG Hohe Heide"),
]


def test_a_word_finds_keys_and_labels_whatever_their_case() -> None:
    index = LabelIndex(LABELLED)
    assert index.search("SOLTAU", "territory/")[0] == ("territory/033580021021", "Soltau")
    assert ("organization/zv-aller-leine-tal", "Zweckverband Aller-Leine-Tal") in index.search("ZV-ALLER")
    assert index.search("024024") == [("territory/033580024024", "Walsrode")]
    assert index.search("nothing like it") == []


def test_things_of_the_same_kind_come_first_then_the_shortest_labels() -> None:
    index = LabelIndex(LABELLED)
    assert index.search("soltau", "organization/") == [
        ("organization/033580021021", "Stadt Soltau"),
        ("territory/033580021021", "Soltau"),
        ("membership/lag-hohe-heide/033580021021", "Soltau in der LAG Hohe Heide"),
    ]
    assert [key for key, _ in index.search("heide", "territory/")] == [
        "territory/03358",
        "membership/lag-hohe-heide/033580021021",
    ]
    assert len(index.search("0", limit=3)) == 3


def test_only_keys_and_labels_are_searched_not_the_framing_of_the_index() -> None:
    index = LabelIndex(LABELLED)
    assert index.search("\t") == index.search("\n") == index.search("\0") == []
    assert index.search("u\twalsrode") == []  # a tab joins key and label inside the index: no match across


def test_labels_are_read_once_and_a_failed_read_waits_before_the_next_try() -> None:
    reads = []

    def failing():
        reads.append(time.monotonic())
        raise OSError("the store is down")

    lazy = LazyLabelIndex(failing, retry_after=0.2)
    assert lazy.search("soltau") == [] and lazy.search("soltau") == []
    assert len(reads) == 1  # within retry_after nobody asks again
    time.sleep(0.25)
    lazy.read = lambda: reads.append(0) or LABELLED
    assert lazy.search("walsrode") == [("territory/033580024024", "Walsrode")]
    lazy.search("soltau")
    assert len(reads) == 2


def test_a_404_asks_the_store_for_labels_once_then_never_again(client) -> None:
    st = client.application.extensions["regiolod"]
    asked = []
    select = st.store.select
    st.store.select = lambda query: asked.append(query) or select(query)
    for word in ("walsrod", "soltau", "heidekrei"):
        turtle = client.get(f"/doc/territory/{word}", headers={"Accept": "text/turtle"})
        assert turtle.status_code == 404
        graph = rdflib.Graph().parse(data=turtle.data, format="turtle")
        assert len(set(graph.objects(None, rdflib.RDFS.seeAlso))) >= 1
    assert len(asked) <= 1  # at most once per process (none if an earlier test of this app read them)


def test_a_404_over_a_store_that_is_down_is_still_a_404(finished: Path) -> None:
    client = remote_client(finished, f"http://127.0.0.1:{free_port()}/query")
    response = client.get("/doc/territory/walsrod", headers={"Accept": "text/html"})
    assert response.status_code == 404
    assert f"{BASE}id/territory/walsrod".encode() in response.data
