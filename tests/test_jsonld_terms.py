"""The JSON-LD context's terms: documents use them, and they change no statement.

Every JSON-LD document is read by two JSON-LD processors (pyld's expansion to N-Quads and rdflib's parser)
and compared with the Turtle of the same document; the values under the terms are compared with a SPARQL
query over the store.
"""

from __future__ import annotations

import json
import random
import warnings
from urllib.parse import quote

import pyoxigraph as ox
import pytest
import rdflib
from pyld import jsonld

from publisher.render.jsonld_terms import ALIASES, TERMS
from publisher.render.rdf import serialize_jsonld
from publisher.vocab import ORG, SKOS
from tests.conftest import BASE, isomorphic

TERM_NAMES = {t.name for t in TERMS} | set(ALIASES)
HEIDEKREIS = f"{BASE}id/territory/03358"
HAMBURG = f"{BASE}id/organization/metropolregion-hamburg"
#: Kinds of thing whose documents describe whole graphs (large, and no territory or cooperation).
GRAPH_KINDS = ("http://www.w3.org/ns/sparql-service-description#Graph", "http://www.w3.org/ns/prov#Entity")


@pytest.fixture(scope="module")
def client(settings, build):
    from publisher import create_app

    return create_app(settings, build).test_client(use_cookies=False)


@pytest.fixture(scope="module")
def one_of_every_kind(sparql) -> list[str]:
    """A document path for one thing of every class used under ``{base}id/`` (the first IRI of each)."""
    rows = sparql(
        f"""SELECT ?c (MIN(STR(?s)) AS ?first) WHERE {{
              ?s a ?c FILTER(STRSTARTS(STR(?s), "{BASE}id/"))
            }} GROUP BY ?c"""
    )
    firsts = {r["first"] for r in rows if r["c"] not in GRAPH_KINDS and r["first"]}
    return sorted({"/doc/" + iri.removeprefix(f"{BASE}id/").split("#")[0] for iri in firsts})


@pytest.fixture(scope="module")
def sample(one_of_every_kind) -> list[str]:
    """Paths of a JSON-LD answer for every kind of thing, and of the documents that are written differently."""
    return [
        *(f"{path}.jsonld" for path in one_of_every_kind),
        "/doc/territory/03358.jsonld",  # Heidekreis: figures, codes, containment
        "/doc/organization/metropolregion-hamburg.jsonld",  # the most members
        "/doc/territory/metropolregion-hamburg.jsonld",
        "/doc/membership/metropolregion-hamburg/03358.jsonld",
        "/doc/change/2020-01-01-walsrode-bomlitz.jsonld",
        "/doc/territory/03358.jsonld?at=2019-06-01",  # a day's document
        "/doc/organization/033580024024.jsonld?at=2019-06-01",
        "/doc/territory/03358.jsonld?_profile=schema",  # profiled
        "/doc/organization/03358.jsonld?_profile=cpov",
        "/doc/territory/03358.jsonld?_profile=geosparql",
        "/catalog.jsonld",
        "/fragments?subject=" + quote(HEIDEKREIS, safe="") + "&_format=jsonld",
    ]


def turtle_of(client, path: str) -> bytes:
    """The Turtle of the same resource as the JSON-LD at ``path``."""
    if path.startswith("/fragments"):
        return client.get(path.replace("&_format=jsonld", ""), headers={"Accept": "text/turtle"}).data
    return client.get(path.replace(".jsonld", ".ttl", 1)).data


def get_json(client, path: str) -> dict:
    headers = {"Accept": "application/ld+json"} if path.startswith("/fragments") else {}
    response = client.get(path.replace("&_format=jsonld", ""), headers=headers)
    assert response.status_code == 200, (path, response.status_code)
    assert response.mimetype == "application/ld+json", path
    return json.loads(response.data)


def pyld_graph(doc: dict) -> rdflib.Graph:
    """The document as pyld expands it to RDF (its own JSON-LD processor, not rdflib's)."""
    nquads = jsonld.to_rdf(doc, {"format": "application/n-quads"})
    return rdflib.Graph().parse(data=nquads, format="nt")


def rdflib_graph(data: str | bytes) -> rdflib.Graph:
    """JSON-LD as rdflib's own parser reads it (it still builds a ConjunctiveGraph inside, deprecated)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        return rdflib.Graph().parse(data=data, format="json-ld")


def test_every_document_of_the_sample_means_the_same_in_json_ld_as_in_turtle(client, sample) -> None:
    """pyld and rdflib, expanding the terms, both read the statements of the document's Turtle."""
    assert len(sample) >= 30
    for path in sample:
        doc = get_json(client, path)
        turtle = rdflib.Graph().parse(data=turtle_of(client, path), format="turtle")
        assert len(turtle) > 0, path
        assert isomorphic(pyld_graph(doc), turtle), path
        assert isomorphic(rdflib_graph(json.dumps(doc)), turtle), path


def test_documents_use_the_terms(client, sample) -> None:
    """A developer meets terms: in the documents of territories, organisations, memberships, change events and
    geometries of our own model no property is written under its prefixed name (the data has no label
    without a language)."""
    kinds = ("/doc/territory/", "/doc/organization/", "/doc/membership/", "/doc/change/", "/doc/geometry/")
    used: set[str] = set()
    for path in sample:
        for node in get_json(client, path)["@graph"]:
            assert "id" in node and "@id" not in node, path
            used |= set(node) & TERM_NAMES
            if path.startswith(kinds) and "_profile=" not in path:  # other profiles speak other vocabularies
                assert not [key for key in node if ":" in key or key.startswith("@")], (path, node["id"])
    assert {"name", "code", "within", "contains", "members", "memberOf", "type", "id", "population"} <= used


def test_heidekreis_is_read_by_its_name(client, sparql) -> None:
    doc = get_json(client, "/doc/territory/03358.jsonld")
    node = next(n for n in doc["@graph"] if n["id"] == HEIDEKREIS)
    labels = sparql(f"SELECT ?l WHERE {{ <{HEIDEKREIS}> <{SKOS}prefLabel> ?l }}")
    assert node["name"] == {"de": "Heidekreis"} == {"de": labels[0]["l"]}
    codes = sparql(f"SELECT ?c WHERE {{ <{HEIDEKREIS}> <{SKOS}notation> ?c }}")
    assert sorted(c["@value"] for c in node["code"]) == sorted(c["c"] for c in codes)
    within = sparql(f"SELECT ?w WHERE {{ <{HEIDEKREIS}> <http://www.opengis.net/ont/geosparql#sfWithin> ?w }}")
    assert sorted(node["within"]) == sorted(w["w"] for w in within)


def test_metropolregion_hamburg_lists_its_members_as_iris(client, sparql) -> None:
    doc = get_json(client, "/doc/organization/metropolregion-hamburg.jsonld")
    node = next(n for n in doc["@graph"] if n["id"] == HAMBURG)
    members = sparql(f"SELECT ?m WHERE {{ <{HAMBURG}> <{ORG}hasMember> ?m }}")
    assert len(members) > 10
    assert isinstance(node["members"], list)
    assert sorted(node["members"]) == sorted(m["m"] for m in members)


def test_a_members_node_says_what_it_is_member_of(client, sparql) -> None:
    doc = get_json(client, "/doc/organization/03358.jsonld")
    node = next(n for n in doc["@graph"] if n["id"] == f"{BASE}id/organization/03358")
    found = sparql(f"SELECT ?o WHERE {{ <{BASE}id/organization/03358> <{ORG}memberOf> ?o }}")
    assert HAMBURG in node["memberOf"] and sorted(node["memberOf"]) == sorted(f["o"] for f in found)


def test_the_published_context_is_the_embedded_one_and_a_processor_reads_it(client) -> None:
    """A document that refers to /context.jsonld instead of embedding it means the same (pyld, own loader)."""
    context = json.loads(client.get("/context.jsonld").data)
    doc = get_json(client, "/doc/territory/03358.jsonld")
    assert doc["@context"] == context["@context"]
    remote = {"@context": f"{BASE}context.jsonld", "@graph": doc["@graph"]}

    def loader(url: str, options: dict | None = None) -> dict:
        assert url == f"{BASE}context.jsonld"
        return {"contentType": "application/ld+json", "contextUrl": None, "documentUrl": url, "document": context}

    nquads = jsonld.to_rdf(remote, {"format": "application/n-quads", "documentLoader": loader})
    assert isomorphic(rdflib.Graph().parse(data=nquads, format="nt"), pyld_graph(doc))


def test_terms_keep_every_value_exactly_and_the_output_stable() -> None:
    """Values a term cannot carry (a label without a language, a date of another type, a literal where a
    term expects IRIs) stay under the prefixed name or as value objects; the order of input does not matter."""
    thing = ox.NamedNode(f"{BASE}id/territory/x")
    pref, notation = ox.NamedNode(f"{SKOS}prefLabel"), ox.NamedNode(f"{SKOS}notation")
    member = ox.NamedNode(f"{ORG}hasMember")
    date = ox.NamedNode("http://www.w3.org/2006/time#inXSDDate")
    xsd = "http://www.w3.org/2001/XMLSchema#"
    objects = [
        (pref, ox.Literal("Ort", language="de")),
        (pref, ox.Literal("Place", language="en")),
        (pref, ox.Literal("Ort 2", language="de")),
        (pref, ox.Literal("untagged")),
        (notation, ox.Literal("03358", datatype=ox.NamedNode("https://w3id.org/regiolod/def#AGS"))),
        (notation, ox.Literal("7", datatype=ox.NamedNode(xsd + "integer"))),
        (member, ox.NamedNode(f"{BASE}id/organization/y")),
        (member, ox.BlankNode("b1")),
        (member, ox.Literal("not an IRI")),
        (member, ox.Literal("42", datatype=ox.NamedNode(xsd + "integer"))),
        (date, ox.Literal("2020-01-01", datatype=ox.NamedNode(xsd + "date"))),
        (date, ox.Literal("2020", datatype=ox.NamedNode(xsd + "gYear"))),
        (date, ox.Literal("2021-01-01", language="de")),
    ]
    triples = [ox.Triple(thing, p, o) for p, o in objects]
    data = serialize_jsonld(triples)
    shuffled = list(triples)
    random.Random(1).shuffle(shuffled)
    assert serialize_jsonld(shuffled) == data
    doc = json.loads(data)
    expected = rdflib.Graph()
    for t in triples:
        expected.add(
            (
                rdflib.URIRef(t.subject.value),
                rdflib.URIRef(t.predicate.value),
                rdflib.URIRef(t.object.value)
                if isinstance(t.object, ox.NamedNode)
                else rdflib.BNode(t.object.value)
                if isinstance(t.object, ox.BlankNode)
                else rdflib.Literal(
                    t.object.value,
                    lang=t.object.language,
                    datatype=None if t.object.language else rdflib.URIRef(t.object.datatype.value),
                ),
            )
        )
    assert isomorphic(pyld_graph(doc), expected)
    assert isomorphic(rdflib_graph(data), expected)
    node = doc["@graph"][0]
    assert node["name"] == {"de": ["Ort", "Ort 2"], "en": "Place"} and node["skos:prefLabel"] == "untagged"
    assert "2020-01-01" in node["date"] and {"@type": "xsd:gYear", "@value": "2020"} in node["date"]
    assert f"{BASE}id/organization/y" in node["members"] and {"@value": "not an IRI"} in node["members"]


def test_the_writers_layout_is_json_dumps_with_an_indent(client) -> None:
    """The writer lays nodes out itself (fast); the bytes are json.dumps(indent=2)'s, a node at a time."""
    from publisher.render.rdf import indented_json

    doc = get_json(client, "/doc/territory/03358.jsonld")
    nodes = [*doc["@graph"], {"odd": ['a\nb"\u2028é', 1.5, True, None, {}, []], "empty": {}}]
    for node in nodes:
        expected = json.dumps(node, indent=2, sort_keys=True, ensure_ascii=False).replace("\n", "\n    ")
        assert indented_json(node, "    ") == expected
    data = client.get("/doc/territory/03358.jsonld").data.decode("utf-8")
    assert data == json.dumps(doc, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
