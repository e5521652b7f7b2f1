"""What keeps a document of a day (``?at=``) as cheap as today's, asserted without timing (bench/timetravel.py
measures the ratio): serializing leaves nothing for the cycle collector, and a cached document of a day is
answered with the very headers its first rendering had, as today's is.
"""

from __future__ import annotations

import datetime as dt
import gc

import pyoxigraph as ox
import pytest
import rdflib

from publisher.negotiation import DOCUMENT_FORMATS, HTML, Format
from publisher.render.profiles import PROFILES
from publisher.render.rdf import serialize
from publisher.web import resources
from tests.conftest import isomorphic

pytestmark = pytest.mark.filterwarnings("ignore:ConjunctiveGraph is deprecated:DeprecationWarning")  # rdflib's JSON-LD

DAY = dt.date(2016, 6, 30)
#: Heidekreis (figures as blank nodes), Metropolregion Hamburg (members that changed), Walsrode (no such thing
#: on the day: what held instead), a LEADER region (funding periods as blank nodes).
KEYS = ("territory/03358", "organization/metropolregion-hamburg", "organization/033580024024",
        "organization/lag-vogelpark-region")  # fmt: skip
RDFLIB_FORMATS = {"ttl": "turtle", "nt": "nt", "rdf": "xml", "jsonld": "json-ld"}  # and N-Quads


def serialized(quads: list[ox.Quad], fmt: Format) -> tuple[bytes, int]:
    """The bytes of ``quads`` in ``fmt``, and how many objects the writing left to the cycle collector."""
    gc.collect()
    gc.disable()
    try:
        data = serialize(quads, fmt)
        return data, gc.collect()
    finally:
        gc.enable()


def parsed_graph(data: bytes, suffix: str) -> rdflib.Graph:
    """The statements of a document read by rdflib, graph names dropped."""
    if suffix == "nq":  # rdflib reads N-Quads only through deprecated graph kinds: Oxigraph reads it, graphs dropped
        triples = [q.triple for q in ox.parse(data, format=ox.RdfFormat.N_QUADS)]
        return rdflib.Graph().parse(data=ox.serialize(triples, format=ox.RdfFormat.N_TRIPLES), format="nt")
    return rdflib.Graph().parse(data=data, format=RDFLIB_FORMATS[suffix])


@pytest.mark.parametrize("key", KEYS)
def test_serializing_a_document_of_a_day_leaves_no_garbage_for_the_cycle_collector(app, key: str) -> None:
    """Writing must not leave reference cycles per statement or blank node: every dated document has a blank
    node (its day), and garbage that only the cycle collector frees makes its runs more frequent, on every later
    request. The bytes still say what the statements say (parsed again, compared with a second writer's)."""
    st = app.extensions["regiolod"]
    with app.test_request_context(f"/doc/{key}?at={DAY.isoformat()}"):
        desc = st.store.describe(st.thing_iri(key), st.settings.incoming_limit)
        quads = resources.description_quads(st, key, desc, DAY)
        assert any(isinstance(q.subject, ox.BlankNode) for q in quads)
        # A second writer: Oxigraph's N-Triples of the statements, graph names dropped.
        written = ox.serialize([q.triple for q in quads], format=ox.RdfFormat.N_TRIPLES)
        expected = rdflib.Graph().parse(data=written, format="nt")
        # A statement without a blank node: what any call leaves (JSON's indenting encoder, once per document).
        one = [next(q for q in quads if not {type(q.subject), type(q.object)} & {ox.BlankNode})]
        for fmt in (f for f in DOCUMENT_FORMATS if f is not HTML):
            data, left = serialized(quads, fmt)
            assert left == serialized(one, fmt)[1], (key, fmt.suffix, left)
            assert isomorphic(parsed_graph(data, fmt.suffix), expected), (key, fmt.suffix)


@pytest.mark.parametrize("key", KEYS[1:3])
def test_a_cached_document_of_a_day_has_the_headers_of_its_first_rendering(app, key: str) -> None:
    """Headers are kept with the body; each way to ask (a profile by the query or by Accept-Profile, the default
    profile named, none; a day or none) keeps its own: asked again in any order, each gets what it got cold."""
    st = app.extensions["regiolod"]
    client = app.test_client(use_cookies=False)
    schema = next(p for p in PROFILES if p.token == "schema")
    default = PROFILES[0]
    asked = []
    for at in (f"at={DAY.isoformat()}", ""):
        for query, headers in (
            ("", {}),
            (f"_profile={schema.token}", {}),
            ("", {"Accept-Profile": f"<{schema.iri}>"}),
            (f"_profile={default.token}", {}),
            ("", {"Accept-Profile": f"<{default.iri}>"}),
        ):
            joined = "&".join(part for part in (query, at) if part)
            asked.append((f"/doc/{key}.ttl" + (f"?{joined}" if joined else ""), headers))
    cold = {}
    for path, headers in asked:
        for cache in (st.cache, st.tags, st.headers):
            cache.values.clear()
        response = client.get(path, headers=headers)
        assert response.status_code == 200, path
        cold[path, tuple(headers.items())] = sorted((k, v) for k, v in response.headers.items() if k != "Date")
    for path, headers in asked + asked[::-1]:
        response = client.get(path, headers=headers)
        assert sorted((k, v) for k, v in response.headers.items() if k != "Date") == cold[path, tuple(headers.items())]
