"""/projection: what a code valid on one day became on another, in every format and on every store."""

from __future__ import annotations

import datetime as dt
import json
from urllib.parse import parse_qs, urlsplit

import pytest
import rdflib
from rdflib.compare import isomorphic

from publisher.config import Settings
from publisher.sparql.examples import load_examples
from publisher.validtime import BadDate, parse_date
from tests.conftest import BASE, ROOT

TODAY = dt.date.today().isoformat()
T = BASE + "id/territory/"
MERGER = BASE + "id/change/2020-01-01-walsrode-bomlitz"
JSON = {"Accept": "application/json"}


def projected(client, **params: str) -> dict:
    response = client.get("/projection", query_string=params, headers=JSON)
    assert response.status_code == 200, response.data
    assert response.mimetype == "application/json"
    return json.loads(response.data)


def results(answer: dict) -> set[str]:
    return {r["thing"] for r in answer["results"]}


def events(answer: dict) -> set[str]:
    return {e["event"] for e in answer["events"]}


def test_bomlitz_2019_is_walsrode_today_through_the_2020_merger(client) -> None:
    answer = projected(client, code="03358004", **{"from": "2019-01-01"})
    assert answer["to"] == TODAY and answer["input"]["thing"] == T + "03358004"
    assert results(answer) == {T + "033580024024"}
    [walsrode] = answer["results"]
    assert {"code": "03358024", "type": "AGS"} in walsrode["codes"]
    [merger] = answer["events"]
    assert merger["event"] == MERGER and merger["date"] == "2020-01-01"
    assert set(merger["types"]) == {"incorporation", "rekeying"}
    assert set(merger["from"]) == {T + "03358004", T + "03358022"} and merger["to"] == [T + "033580024024"]


def test_the_old_walsrode_key_became_the_new_one(client) -> None:
    answer = projected(client, code="03358022", **{"from": "2019-01-01", "to": TODAY})
    assert results(answer) == {T + "033580024024"} and events(answer) == {MERGER}


def test_from_after_to_projects_backwards_to_the_predecessors(client) -> None:
    answer = projected(client, code="03358024", **{"from": TODAY, "to": "2019-01-01"})
    assert answer["direction"] == "backwards"
    assert results(answer) == {T + "03358004", T + "03358022"} and events(answer) == {MERGER}
    codes = {c["code"] for r in answer["results"] for c in r["codes"]}
    assert {"03358004", "03358022"} <= codes


def test_an_unchanged_code_projects_to_itself_without_events(client) -> None:
    answer = projected(client, code="03358", **{"from": "2019-01-01"})
    assert results(answer) == {T + "03358"} and answer["events"] == []


def test_a_renaming_keeps_the_thing_and_shows_the_event(client) -> None:
    """Soltau-Fallingbostel became Heidekreis in 2011: same territory, one renaming on the way (NUTS code asked)."""
    answer = projected(client, code="DE938", **{"from": "2010-01-01", "to": "2012-01-01"})
    assert results(answer) == {T + "03358"}
    assert [e["types"] for e in answer["events"]] == [["renaming"]]


def test_by_iri_a_body_follows_the_bodies_of_the_events(client) -> None:
    body = BASE + "id/organization/03358004"
    answer = projected(client, iri=body, **{"from": "2019-06-01"})
    assert results(answer) == {BASE + "id/organization/033580024024"} and events(answer) == {MERGER}


@pytest.mark.filterwarnings("ignore:ConjunctiveGraph is deprecated:DeprecationWarning")
def test_the_answer_is_the_same_in_json_json_ld_and_turtle(client) -> None:
    params = {"code": "03358004", "from": "2019-01-01", "to": "2024-01-01"}
    turtle = rdflib.Graph().parse(data=client.get("/projection.ttl", query_string=params).data, format="turtle")
    jsonld_response = client.get("/projection", query_string=params, headers={"Accept": "application/ld+json"})
    assert jsonld_response.mimetype == "application/ld+json"
    jsonld = rdflib.Graph().parse(data=jsonld_response.data, format="json-ld")
    assert isomorphic(turtle, jsonld)
    answer = projected(client, **params)
    rl = rdflib.Namespace("https://w3id.org/regiolod/def#")
    [doc] = turtle.subjects(rdflib.RDF.type, rl.Projection)
    assert str(doc) == answer["@id"]
    assert {str(o) for o in turtle.objects(doc, rl.projectionResult)} == results(answer)
    assert {str(o) for o in turtle.objects(doc, rl.projectionChange)} == events(answer)
    assert str(turtle.value(doc, rl.projectionFrom)) == answer["from"] == "2019-01-01"
    for r in answer["results"]:
        notations = {str(n) for n in turtle.objects(rdflib.URIRef(r["thing"]), rdflib.SKOS.notation)}
        assert notations == {c["code"] for c in r["codes"]}


def sparql_rows(client, query: str) -> list[dict]:
    response = client.get(
        "/sparql", query_string={"query": query}, headers={"Accept": "application/sparql-results+json"}
    )
    assert response.status_code == 200, response.data
    return json.loads(response.data)["results"]["bindings"]


@pytest.mark.parametrize(
    ("code", "first", "last"),
    [("03358004", "2019-01-01", TODAY), ("03358024", TODAY, "2019-01-01"), ("03358", "2010-01-01", TODAY)],
)
def test_the_linked_sparql_query_gives_the_same_result(client, code: str, first: str, last: str) -> None:
    answer = projected(client, code=code, **{"from": first, "to": last})
    link = urlsplit(answer["sparql"])
    assert link.scheme + "://" + link.netloc + link.path == BASE + "sparql"
    rows = sparql_rows(client, parse_qs(link.query)["query"][0])
    assert {r["result"]["value"] for r in rows} == results(answer)
    assert {r["change"]["value"] for r in rows if "change" in r} <= events(answer)


def test_the_example_query_of_a_code_agrees_with_the_projection(client) -> None:
    [example] = [e for e in load_examples(Settings(root=ROOT)) if e.name == "08-what-became-of-a-code"]
    rows = sparql_rows(client, example.query)
    answer = projected(client, code="03358004", **{"from": "2019-01-01"})
    assert {r["result"]["value"] for r in rows} == results(answer)
    assert {r["change"]["value"] for r in rows if "change" in r} == events(answer)


def test_the_html_page_shows_the_results_and_links_the_query(client) -> None:
    response = client.get("/projection", query_string={"code": "03358004", "from": "2019-01-01"},
                          headers={"Accept": "text/html"})  # fmt: skip
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and response.mimetype == "text/html"
    assert "Walsrode" in page and "03358024" in page and "/id/change/2020-01-01-walsrode-bomlitz" in page
    assert f"{BASE}sparql?query=" in page
    assert 'rel="alternate" type="application/json"' in page


def test_unknown_code_is_404_with_a_suggestion(client) -> None:
    response = client.get("/projection", query_string={"code": "03358099", "from": "2019-01-01"}, headers=JSON)
    assert response.status_code == 404
    answer = json.loads(response.data)
    assert "03358099" in answer["message"] and answer["suggestions"]
    assert all(s["href"].startswith(BASE + "projection?iri=") for s in answer["suggestions"])


BAD = [
    ("impossible-day", {"code": "03358004", "from": "2023-02-30"}, 400, "no day of the calendar"),
    ("basic-format", {"code": "03358004", "from": "20230101"}, 400, "YYYY-MM-DD"),
    ("a-word", {"code": "03358004", "from": "yesterday"}, 400, "YYYY-MM-DD"),
    ("bad-to", {"code": "03358004", "from": "2019-01-01", "to": "2024-13-01"}, 400, "to="),
    ("no-from", {"code": "03358004"}, 400, "from is required"),
    ("no-code", {"from": "2019-01-01"}, 400, "either code="),
    ("code-and-iri", {"code": "03358004", "iri": T + "03358004", "from": "2019-01-01"}, 400, "not both"),
    ("code-markup", {"code": "<script>", "from": "2019-01-01"}, 400, "letters and digits"),
    ("iri-not-web", {"iri": "file:///etc/passwd", "from": "2019-01-01"}, 400, "http(s) IRI"),
    ("iri-injection", {"iri": T + "03358004> } ?s ?p ?o {", "from": "2019-01-01"}, 400, "http(s) IRI"),
    ("iri-unknown", {"iri": T + "99999", "from": "2019-01-01"}, 404, "no territory or body"),
    ("not-yet-valid", {"code": "03358024", "from": "2019-01-01"}, 404, "from 2020-01-01"),
    ("no-longer-valid", {"code": "03358004", "from": "2021-01-01"}, 404, "until 2019-12-31"),
]


@pytest.mark.parametrize(("case", "params", "status", "said"), BAD, ids=[b[0] for b in BAD])
@pytest.mark.parametrize("accept", ["application/json", "text/turtle", "text/html"])
def test_bad_input_is_a_4xx_in_the_negotiated_format(client, case: str, params: dict, status: int, said: str,
                                                      accept: str) -> None:  # fmt: skip
    response = client.get("/projection", query_string=params, headers={"Accept": accept})
    assert response.status_code == status, response.data
    assert response.mimetype == accept
    text = response.get_data(as_text=True)
    if accept == "application/json":
        text = json.loads(text)["message"]
    elif accept == "text/turtle":
        graph = rdflib.Graph().parse(data=response.data, format="turtle")
        text = " ".join(str(c) for c in graph.objects(None, rdflib.RDFS.comment))
    assert said in text
    assert "<script>" not in response.get_data(as_text=True) or accept != "text/html"


def test_cors_etag_and_revalidation(client) -> None:
    path = "/projection.json?code=03358004&from=2019-01-01&to=2024-01-01"
    response = client.get(path)
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert response.headers["ETag"] and response.headers["Last-Modified"]
    again = client.get(path, headers={"If-None-Match": response.headers["ETag"]})
    assert again.status_code == 304
    other_day = client.get("/projection.json?code=03358004&from=2019-01-01&to=2024-01-02")
    assert other_day.headers["ETag"] != response.headers["ETag"]


def test_negotiation_gives_plain_json_for_json_and_rdf_for_json_ld(client) -> None:
    params = {"code": "03358004", "from": "2019-01-01"}
    for accept, media in [("application/json", "application/json"), ("application/ld+json", "application/ld+json"),
                          ("text/turtle", "text/turtle"), ("*/*", "text/html")]:  # fmt: skip
        response = client.get("/projection", query_string=params, headers={"Accept": accept})
        assert response.mimetype == media and "Accept" in response.headers["Vary"]
    assert client.get("/projection", query_string=params, headers={"Accept": "image/png"}).status_code == 406
    assert client.get("/projection.png", query_string=params).status_code == 404


@pytest.mark.parametrize(
    ("text", "ok"),
    [("2019-01-01", True), ("2024-02-29", True), ("2023-02-30", False), ("20230101", False), ("yesterday", False),
     ("2019-1-1", False), (" 2019-01-01", False), ("２０１９-01-01", False), ("", False)],
)  # fmt: skip
def test_parse_date_takes_only_real_days_written_yyyy_mm_dd(text: str, ok: bool) -> None:
    if ok:
        assert parse_date(text) == dt.date.fromisoformat(text)
    else:
        with pytest.raises(BadDate, match="YYYY-MM-DD"):
            parse_date(text)


def test_the_code_types_are_the_ontologys_datatypes(sparql) -> None:
    from publisher.render.projection import CODE_TYPES

    rows = sparql("SELECT ?d WHERE { ?d a rdfs:Datatype FILTER STRSTARTS(STR(?d), STR(rl:)) }")
    assert sorted(r["d"].rsplit("#", 1)[1] for r in rows) == sorted(CODE_TYPES)


def members_in_the_turtle(day: dt.date) -> int:
    """Metropolregion Hamburg's members on ``day``, counted from its Turtle file with rdflib (the second way)."""
    graph = rdflib.Graph().parse(ROOT / "data" / "metropolregion-hamburg.ttl", format="turtle", publicID=BASE)
    org, time = rdflib.Namespace("http://www.w3.org/ns/org#"), rdflib.Namespace("http://www.w3.org/2006/time#")
    named = set(graph.subjects(rdflib.SKOS.prefLabel, rdflib.Literal("Metropolregion Hamburg", lang="de")))
    [mrh] = named & set(graph.objects(None, org.organization))
    members = set()
    for m in graph.subjects(org.organization, mrh):
        interval = graph.value(m, org.memberDuring)
        begin = interval and graph.value(graph.value(interval, time.hasBeginning), time.inXSDDate)
        end = interval and graph.value(graph.value(interval, time.hasEnd), time.inXSDDate)
        if (begin is None or begin.toPython() <= day) and (end is None or end.toPython() >= day):
            members.add(graph.value(m, org.member))
    return len(members)


@pytest.mark.parametrize(("day", "expected"), [("2011-06-01", 15), ("2016-06-30", 20), (TODAY, 21)])
def test_the_members_on_a_date_example_counts_as_the_data_says(client, day: str, expected: int) -> None:
    [example] = [e for e in load_examples(Settings(root=ROOT)) if e.name == "03-metropolregion-hamburg-on-a-date"]
    assert '"2016-06-30" AS ?day' in example.query
    rows = sparql_rows(client, example.query.replace('"2016-06-30" AS ?day', f'"{day}" AS ?day'))
    members = {r["member"]["value"] for r in rows}
    assert len(members) == members_in_the_turtle(dt.date.fromisoformat(day)) == expected
