"""Content negotiation by profile (W3C "Content Negotiation by Profile"): every kind of thing, asked for in every
profile that describes it, by ``?_profile=`` and by ``Accept-Profile``; each representation that names a profile
in ``Content-Profile`` and ``Link: rel="profile"`` validates against that profile's shapes (ours for schema.org and
GeoSPARQL, SEMIC's for CPOV, DCAT-AP.de's for datasets), and says what the data says."""

from __future__ import annotations

import re

import pytest
import rdflib
from rdflib.compare import isomorphic
from rdflib.namespace import RDF, SH

from tests.conftest import BASE, ROOT
from tests.test_harvest import CONFORMANCE, dcat_ap_de_shapes, load_shapes, shacl_results, with_dcat_ap_de_vocabularies

pytestmark = pytest.mark.filterwarnings("ignore:ConjunctiveGraph is deprecated:DeprecationWarning")
SCHEMA = rdflib.Namespace("https://schema.org/")
GEO = rdflib.Namespace("http://www.opengis.net/ont/geosparql#")
RL = "https://w3id.org/regiolod/def#"
PROFILE_IRIS = {
    "regiolod": "https://w3id.org/regiolod/shapes",
    "schema": "https://schema.org/",
    "geosparql": "http://www.opengis.net/ont/geosparql",
    "cpov": "http://data.europa.eu/m8g/",
    "dcat-ap-de": "http://dcat-ap.de/def/dcatde/",
}
#: One thing of each kind the data has (its first by IRI), plus things with a history.
KINDS = [
    f"{RL}{name}"
    for name in (
        "Gemeinde", "MunicipalityTerritory", "Samtgemeinde", "MunicipalAssociationTerritory", "Landkreis",
        "KreisfreieStadt", "DistrictTerritory", "GovernmentDistrictTerritory", "PlanningRegionTerritory", "Land",
        "StateTerritory", "MetropolitanRegion", "MetropolitanRegionBody", "LeaderRegion", "LocalActionGroup",
        "Cooperation", "Zweckverband",
    )
] + ["http://www.w3.org/ns/org#OrganizationalCollaboration", "http://www.w3.org/ns/dcat#Dataset"]
HISTORY = ["territory/03358004", "territory/03358022", "organization/033580024024", "territory/03358"]


@pytest.fixture(scope="module")
def things(sparql) -> list[str]:
    """The keys of the sample: one thing of each kind, and the things with a history."""
    keys = set(HISTORY)
    for kind in KINDS:
        rows = sparql(f"""SELECT ?s WHERE {{ ?s a <{kind}> FILTER STRSTARTS(STR(?s), "{BASE}id/") }}
                          ORDER BY ?s LIMIT 1""")
        assert rows, f"the data has a {kind}"
        keys.add(str(rows[0]["s"]).removeprefix(f"{BASE}id/"))
    return sorted(keys)


def types_of(sparql, key: str) -> set[str]:
    return {str(r["t"]) for r in sparql(f"SELECT ?t WHERE {{ <{BASE}id/{key}> a ?t }}")}


def expected_profiles(types: set[str]) -> set[str]:
    """Which profiles describe a thing of ``types``, as the profiles' documentation says."""
    found = {"regiolod"}
    organisation = {f"{RL}AdministrativeBody", "http://data.europa.eu/m8g/PublicOrganisation"} | {
        f"http://www.w3.org/ns/org#{n}" for n in ("Organization", "FormalOrganization", "OrganizationalCollaboration")
    }
    if f"{RL}Territory" in types or types & organisation:
        found.add("schema")
    if f"{RL}Territory" in types:
        found.add("geosparql")
    if "http://data.europa.eu/m8g/PublicOrganisation" in types:
        found.add("cpov")
    if "http://www.w3.org/ns/dcat#Dataset" in types:
        found.add("dcat-ap-de")
    return found


def listed_alternates(client, key: str) -> dict[str, set[str]]:
    """``?_profile=alt``: profile IRI → media types, read from the Link header; the body says the same."""
    response = client.get(f"/doc/{key}?_profile=alt", headers={"Accept": "text/turtle"})
    assert response.status_code == 200, key
    found: dict[str, set[str]] = {}
    for url, media, profile in re.findall(r'<([^>]+)>; rel="alternate"; type="([^"]+)"; profile="([^"]+)"',
                                          response.headers["Link"]):
        found.setdefault(profile, set()).add(media)
        assert url.startswith(f"{BASE}doc/{key}.") and "_profile=" in url
    body = rdflib.Graph().parse(data=response.data, format="turtle")
    conforms = {str(o) for o in body.objects(None, rdflib.URIRef("http://purl.org/dc/terms/conformsTo"))}
    assert conforms == set(found), key
    return found


@pytest.fixture(scope="module")
def representations(app, sparql, things) -> dict[str, rdflib.Graph]:
    """Every thing of the sample in every profile that describes it (Turtle by ``?_profile=``), merged per
    profile; checks on the way that the JSON-LD asked by ``Accept-Profile`` holds the same triples."""
    client = app.test_client(use_cookies=False)
    merged: dict[str, rdflib.Graph] = {}
    for key in things:
        tokens = expected_profiles(types_of(sparql, key))
        listed = listed_alternates(client, key)
        assert set(listed) == {PROFILE_IRIS[t] for t in tokens}, key
        for token in sorted(tokens):
            iri = PROFILE_IRIS[token]
            response = client.get(f"/doc/{key}.ttl?_profile={token}")
            assert response.status_code == 200, (key, token)
            assert response.headers["Content-Profile"] == f"<{iri}>"
            assert f'<{iri}>; rel="profile"' in response.headers["Link"]
            turtle = rdflib.Graph().parse(data=response.data, format="turtle")
            other = client.get(
                f"/doc/{key}",
                headers={"Accept": "application/ld+json", "Accept-Profile": f"<urn:x-unknown>, <{iri}>;q=0.8"},
            )
            assert other.headers["Content-Profile"] == f"<{iri}>" and "Accept-Profile" in other.headers["Vary"]
            jsonld = rdflib.Graph().parse(data=other.data, format="json-ld")
            document = rdflib.URIRef(f"{BASE}doc/{key}?_profile={token}")
            if token != "regiolod":
                assert (document, rdflib.URIRef("http://purl.org/dc/terms/conformsTo"), rdflib.URIRef(iri)) in turtle
            assert isomorphic(turtle, jsonld), (key, token)
            merged.setdefault(token, rdflib.Graph())
            merged[token] += turtle
    return merged


def violations_in(data: rdflib.Graph, shapes: rdflib.Graph) -> list[str]:
    return sorted(text for severity, _, text in shacl_results(data, shapes) if severity == SH.Violation)


def test_every_kind_of_thing_has_its_profiles(representations) -> None:
    assert set(representations) == set(PROFILE_IRIS)


def test_schema_org_representations_validate_and_name_what_the_data_names(representations, sparql, things) -> None:
    graph = representations["schema"]
    assert violations_in(graph, load_shapes(ROOT / "shapes" / "profiles" / "schema.ttl")) == []
    for key in things:
        subject = rdflib.URIRef(f"{BASE}id/{key}")
        if (subject, RDF.type, None) not in graph:
            continue
        labels = {(r["l"], r["lang"]) for r in sparql(
            f"SELECT ?l (LANG(?l) AS ?lang) WHERE {{ <{subject}> skos:prefLabel ?l }}")}
        assert {(str(o), o.language) for o in graph.objects(subject, SCHEMA.name)} == labels, key


def test_geosparql_representations_validate_and_carry_the_stores_geometry(representations, sparql) -> None:
    graph = representations["geosparql"]
    assert violations_in(graph, load_shapes(ROOT / "shapes" / "profiles" / "geosparql.ttl")) == []
    heidekreis = rdflib.URIRef(f"{BASE}id/territory/03358")
    [row] = sparql(f"SELECT ?wkt WHERE {{ <{heidekreis}> geo:hasDefaultGeometry/geo:asWKT ?wkt }}")
    geometry = graph.value(heidekreis, GEO.hasDefaultGeometry)
    assert str(graph.value(geometry, GEO.asWKT)) == row["wkt"]


def test_cpov_representations_validate_against_semics_shapes(representations) -> None:
    graph = representations["cpov"]
    assert len(set(graph.subjects(RDF.type, rdflib.URIRef("http://data.europa.eu/m8g/PublicOrganisation")))) >= 3
    shapes = load_shapes(CONFORMANCE / "semic-cpov-2.1.2" / "core-public-organisation-ap-SHACL.ttl")
    assert violations_in(graph, shapes) == []


def test_dataset_representations_validate_against_dcat_ap_de(representations) -> None:
    data = with_dcat_ap_de_vocabularies(representations["dcat-ap-de"])
    shapes = dcat_ap_de_shapes(deprecated=False)
    assert violations_in(data, shapes) == []
    dataset = rdflib.URIRef(f"{BASE}id/dataset/cooperations")
    assert (dataset, rdflib.URIRef("http://www.w3.org/ns/dcat#distribution"), None) in data or any(
        data.subjects(RDF.type, rdflib.URIRef("http://www.w3.org/ns/dcat#Distribution"))
    )


def test_the_own_profile_is_the_default_document_of_data_that_passed_its_shapes(client, build) -> None:
    """``regiolod`` is the description as served by default; the data it comes from passed the shapes at load."""
    assert build.conforms
    default = rdflib.Graph().parse(data=client.get("/doc/territory/03358.ttl").data, format="turtle")
    asked = client.get("/doc/territory/03358.ttl?_profile=regiolod")
    assert asked.headers["Content-Profile"] == f"<{PROFILE_IRIS['regiolod']}>"
    assert isomorphic(default, rdflib.Graph().parse(data=asked.data, format="turtle"))
    plain = client.get("/doc/territory/03358.ttl")
    assert "Content-Profile" not in plain.headers and "Accept-Profile" in plain.headers["Vary"]


def test_a_profile_of_a_day_keeps_the_day(client) -> None:
    """Bomlitz in 2019 as schema.org: the document names the day; the member links are those of the day."""
    response = client.get("/doc/territory/03358004.ttl?_profile=schema&at=2019-06-01")
    assert response.status_code == 200 and response.headers["Valid-At"] == "2019-06-01"
    graph = rdflib.Graph().parse(data=response.data, format="turtle")
    assert (rdflib.URIRef(f"{BASE}id/territory/03358004"), RDF.type, SCHEMA.AdministrativeArea) in graph


@pytest.mark.parametrize(
    ("path", "headers", "status", "says"),
    [
        ("/doc/territory/03358.ttl?_profile=nonsense", {}, 400, "Unknown profile"),
        ("/doc/territory/03358.ttl?_profile=schema&_profile=cpov", {}, 400, "2 times"),
        ("/doc/territory/03358.ttl?_profile=cpov", {}, 406, "does not describe this thing"),
        ("/doc/territory/03358.ttl?_profile=dcat-ap-de", {}, 406, "does not describe this thing"),
        ("/doc/territory/03358.html?_profile=schema", {}, 406, "RDF representations only"),
        ("/doc/territory/03358.ttl", {"Accept-Profile": "schema.org"}, 400, "malformed"),
        ("/doc/territory/03358.ttl", {"Accept-Profile": "<https://schema.org/>;q=2"}, 400, "malformed"),
    ],
)
def test_bad_profile_requests_are_4xx_with_a_message(client, path, headers, status, says) -> None:
    response = client.get(path, headers=headers)
    assert response.status_code == status
    assert says in response.get_data(as_text=True)
    assert "Content-Profile" not in response.headers


def test_an_accept_profile_the_server_cannot_serve_gets_the_default_and_says_so(client) -> None:
    response = client.get("/doc/territory/03358.ttl", headers={"Accept-Profile": "<urn:x-nothing-we-know>"})
    assert response.status_code == 200
    assert response.headers["Content-Profile"] == f"<{PROFILE_IRIS['regiolod']}>"


def test_the_list_of_profiles_is_a_page_for_a_browser(client) -> None:
    response = client.get("/doc/organization/03358?_profile=alt", headers={"Accept": "text/html"})
    assert response.status_code == 200 and response.mimetype == "text/html"
    page = response.get_data(as_text=True)
    for token in ("regiolod", "schema", "cpov"):
        assert f"/doc/organization/03358.ttl?_profile={token}" in page
    assert "_profile=geosparql" not in page  # a body is no feature
