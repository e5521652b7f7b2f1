"""/search: things found by name or code, ended things too, checked against SPARQL over the same build."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import replace
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from publisher.render.suggest import LabelIndex, fold
from tests.conftest import BASE

WALSRODE = f"{BASE}id/territory/033580024024"
OLD_WALSRODE = f"{BASE}id/territory/03358022"
BOMLITZ = f"{BASE}id/territory/03358004"
JSON = {"Accept": "application/json"}


def found(client, q: str, **params: str) -> dict:
    response = client.get("/search", query_string={"q": q, **params}, headers=JSON)
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.mimetype == "application/json"
    return response.get_json()


def iris(answer: dict) -> list[str]:
    return [r["iri"] for r in answer["results"]]


def coded(sparql, code: str) -> set[str]:
    """The things whose skos:notation is ``code`` (any datatype), by SPARQL."""
    rows = sparql(f'SELECT DISTINCT ?s WHERE {{ ?s skos:notation ?c FILTER (STR(?c) = "{code}") }}')
    return {r["s"] for r in rows if r["s"] and r["s"].startswith(BASE + "id/")}


def ended(sparql, iri: str) -> str | None:
    rows = sparql(f"SELECT ?e WHERE {{ <{iri}> prov:invalidatedAtTime ?e }}")
    return rows[0]["e"] if rows else None


def test_walsrode_is_found_by_name_first(client, sparql) -> None:
    named = {
        r["s"] for r in sparql('SELECT ?s WHERE { ?s skos:prefLabel "Walsrode"@de }') if r["s"].startswith(BASE + "id/")
    }
    answer = found(client, "Walsrode")
    assert WALSRODE in named
    assert set(iris(answer)[: len(named)]) == named
    assert all(r["score"] == answer["results"][0]["score"] for r in answer["results"][: len(named)])
    assert answer["total"] == len(answer["results"]) or answer["total"] > answer["limit"]


@pytest.mark.parametrize("code,iri", [("03358022", OLD_WALSRODE), ("03358024", WALSRODE), ("03358004", BOMLITZ)])
def test_a_key_finds_its_things_first_ended_ones_too(client, sparql, code: str, iri: str) -> None:
    expected = coded(sparql, code)
    answer = found(client, code)
    first = answer["results"][: len(expected)]
    assert iri in expected and {r["iri"] for r in first} == expected
    assert all(r["score"] > r2["score"] for r in first for r2 in answer["results"][len(expected) :])
    for r in first:
        assert code in [c["code"] for c in r["codes"]]
        end = ended(sparql, r["iri"])
        # The end shown is the last day it existed: the day before the first day without it.
        last_day = None if end is None else (dt.date.fromisoformat(end[:10]) - dt.timedelta(days=1)).isoformat()
        assert r["end"] == last_day


def test_an_ended_thing_says_it_ended_and_what_it_became(client, sparql) -> None:
    html = client.get("/search", query_string={"q": "03358004", "lang": "en"}).get_data(as_text=True)
    items = ResultItems.of(html)
    bomlitz = next(i for i in items if i.href.split("?")[0] == f"{BASE}doc/territory/03358004")
    successor = sparql(f"SELECT ?n WHERE {{ <{BOMLITZ}> dct:isReplacedBy ?n }}")[0]["n"]
    assert "ended" in bomlitz.text
    assert f"{BASE}doc/{successor[len(BASE + 'id/') :]}?lang=en" in bomlitz.links
    assert bomlitz.href == f"{BASE}doc/territory/03358004?lang=en"


def register_sample(sparql) -> list[tuple[str, str, str]]:
    """50 things of the register graphs with a code and a German label, every n-th in IRI order."""
    rows = sparql("""
        SELECT ?s (MIN(STR(?c)) AS ?code) (MIN(STR(?l)) AS ?label) WHERE {
          GRAPH ?g { ?s skos:notation ?c ; skos:prefLabel ?l }
          FILTER (CONTAINS(STR(?g), "/graph/register/") && LANG(?l) = "de")
        } GROUP BY ?s ORDER BY ?s""")
    step = max(1, len(rows) // 50)
    return [(r["s"], r["code"], r["label"]) for r in rows[::step][:50]]


def test_fifty_register_things_are_found_by_code_first_and_by_label_on_the_first_page(client, sparql) -> None:
    sample = register_sample(sparql)
    assert len(sample) == 50
    for iri, code, label in sample:
        by_code = found(client, code)
        assert set(iris(by_code)[: len(coded(sparql, code))]) == coded(sparql, code), code
        assert iri in iris(by_code)[: len(coded(sparql, code))]
        by_label = found(client, label)
        assert iri in iris(by_label), label


def test_case_umlauts_and_sharp_s_do_not_matter(client, sparql) -> None:
    rows = sparql("""
        SELECT DISTINCT ?l WHERE { ?s skos:prefLabel ?l FILTER (LANG(?l) = "de" && REGEX(?l, "[äöüÄÖÜß]")) }
        ORDER BY ?l LIMIT 12""")
    labels = [r["l"] for r in rows]
    assert labels
    variants = [("Lüneburg", "Lueneburg"), ("Lüneburg", "luneburg"), ("Lüneburg", "LÜNEBURG"), ("walsrode", "Walsrode")]
    for label in labels:
        spelled = label.replace("ä", "ae").replace("ö", "oe").replace("ü", "ue").replace("ß", "ss")
        bare = re.sub("[äöü]", lambda m: "aou"["äöü".index(m[0])], label)
        variants += [(label, spelled), (label, spelled.upper()), (label, bare)]
    for original, variant in variants:
        assert iris(found(client, variant, limit="100")) == iris(found(client, original, limit="100")), variant
    assert iris(found(client, "Lueneburg"))[0] == iris(found(client, "Lüneburg"))[0]
    assert fold("Straße") == fold("STRASSE") and fold("Lüneburg") == fold("Lueneburg") == fold("luneburg")


def test_the_404_hints_use_the_same_folding() -> None:
    index = LabelIndex([("territory/03355", "Lüneburg")])
    assert index.search("Lueneburg") == index.search("luneburg") == [("territory/03355", "Lüneburg")]


def test_json_results_have_the_documented_fields_and_pages_do_not_overlap(client) -> None:
    whole = found(client, "gemeinde", limit="100")
    assert whole["total"] > 10
    for r in whole["results"]:
        assert set(r) == {"iri", "label", "type", "codes", "begin", "end", "score"}
        assert r["type"] and r["label"] and r["score"] in (1, 2, 3, 4)
    first, second = found(client, "gemeinde", limit="5"), found(client, "gemeinde", limit="5", page="2")
    assert iris(first) + iris(second) == iris(whole)[:10]
    assert parse_qs(urlsplit(first["next"]).query)["page"] == ["2"]
    by_suffix = client.get("/search.json", query_string={"q": "gemeinde", "limit": "5"}).get_json()
    assert by_suffix.pop("next") == f"{BASE}search.json?q=gemeinde&limit=5&page=2"
    assert by_suffix == {k: v for k, v in first.items() if k != "next"}


@pytest.mark.parametrize(
    "params",
    [{"limit": "0"}, {"limit": "101"}, {"limit": "x"}, {"limit": "-1"}, {"page": "0"}, {"page": "eins"},
     {"at": "2020-13-01"}, {"at": "yesterday"}],  # fmt: skip
)
def test_bad_parameters_are_400_in_the_negotiated_format(client, params: dict[str, str]) -> None:
    answer = client.get("/search", query_string={"q": "Walsrode", **params}, headers=JSON)
    assert answer.status_code == 400 and answer.mimetype == "application/json"
    assert next(iter(params)) in answer.get_json()["message"]
    page = client.get("/search", query_string={"q": "Walsrode", **params}, headers={"Accept": "text/html"})
    assert page.status_code == 400 and page.mimetype == "text/html"


def test_an_empty_query_is_the_page_with_the_box_and_no_results(client) -> None:
    for query in ({}, {"q": ""}, {"q": "   "}):
        page = client.get("/search", query_string=query)
        assert page.status_code == 200
        items = ResultItems.of(page.get_data(as_text=True))
        assert items == [] and 'action="http://regiolod.test/search"' in page.get_data(as_text=True)
    assert found(client, "")["results"] == []


def test_at_keeps_only_what_existed_on_that_day(client, sparql) -> None:
    before, after = found(client, "Walsrode", at="2019-06-01"), found(client, "Walsrode", at="2020-06-01")
    assert OLD_WALSRODE in iris(before) and WALSRODE not in iris(before)
    assert WALSRODE in iris(after) and OLD_WALSRODE not in iris(after)
    for answer, day in ((before, "2019-06-01"), (after, "2020-06-01")):
        for r in answer["results"]:
            assert (r["begin"] or "0000") <= day <= (r["end"] or "9999")
    html = client.get("/search", query_string={"q": "Walsrode", "at": "2019-06-01"}).get_data(as_text=True)
    hrefs = [i.href for i in ResultItems.of(html)]
    assert hrefs and all("at=2019-06-01" in h for h in hrefs)
    assert 'name="at" value="2019-06-01"' in html  # the box searches the same day again


def test_every_page_has_the_search_box(client) -> None:
    for path in ("/", "/doc/territory/03358", "/territories", "/doc/territory/00000", "/def", "/search?q=x"):
        html = client.get(path, headers={"Accept": "text/html"}).get_data(as_text=True)
        box = Forms.of(html)
        assert box, path
        form = box[0]
        assert form["action"] == f"{BASE}search" and form["method"] == "get"
        assert form["input_id"] in form["labels"], path


def test_search_is_kept_from_crawlers_and_the_sitemap(client) -> None:
    robots = client.get("/robots.txt").get_data(as_text=True)
    assert "Disallow: /search" in robots.splitlines()
    sitemap = client.get("/sitemap-1.xml").get_data(as_text=True)
    assert "/search" not in sitemap


def test_the_index_over_a_remote_store_finds_the_same(settings, client, finished: Path, remote_endpoint: str) -> None:
    from publisher import create_app

    remote = create_app(replace(settings, store="sparql+" + remote_endpoint, download_dir=str(finished))).test_client()
    for q in ("Walsrode", "03358022", "DE938", "lueneburg"):
        assert found(remote, q, limit="100") == found(client, q, limit="100"), q


class ResultItems(HTMLParser):
    """The items of the result list: their first link, every link and their text."""

    def __init__(self) -> None:
        super().__init__()
        self.items: list[ResultItems.Item] = []
        self.inside = False

    class Item:
        def __init__(self) -> None:
            self.href, self.links, self.text = "", [], ""

    @classmethod
    def of(cls, html: str) -> list[ResultItems.Item]:
        parser = cls()
        parser.feed(html)
        return parser.items

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "ol" and ("class", "search-results") in attrs:
            self.inside = True
        elif self.inside and tag == "li":
            self.items.append(ResultItems.Item())
        elif self.inside and tag == "a" and self.items:
            href = dict(attrs).get("href") or ""
            self.items[-1].href = self.items[-1].href or href
            self.items[-1].links.append(href)

    def handle_endtag(self, tag: str) -> None:
        if tag == "ol":
            self.inside = False

    def handle_data(self, data: str) -> None:
        if self.inside and self.items:
            self.items[-1].text += data


class Forms(HTMLParser):
    """The search forms of a page: action, method, the id of the q input, and what labels point at."""

    def __init__(self) -> None:
        super().__init__()
        self.forms: list[dict] = []

    @classmethod
    def of(cls, html: str) -> list[dict]:
        parser = cls()
        parser.feed(html)
        return [f for f in parser.forms if f["role"] == "search"]

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "form":
            self.forms.append({"action": a.get("action"), "method": a.get("method"), "role": a.get("role"),
                               "input_id": None, "labels": []})  # fmt: skip
        elif self.forms and tag == "input" and a.get("name") == "q":
            self.forms[-1]["input_id"] = a.get("id")
        elif self.forms and tag == "label":
            self.forms[-1]["labels"].append(a.get("for"))
