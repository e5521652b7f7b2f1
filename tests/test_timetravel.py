"""``?at=YYYY-MM-DD``: pages, documents and listings as they were on a day, through HTML, Turtle and SPARQL.

Every expected set is computed a second way: a SPARQL query over the build that applies the "intersects"
rule to the memberships' intervals (and, for LEADER, their funding periods) written out here, apart from
the publisher's own rule.
"""

from __future__ import annotations

import datetime as dt
import re
from urllib.parse import parse_qs, urlsplit

import pytest
import rdflib
from rdflib.namespace import DCTERMS, RDFS, SKOS

from publisher.render import asof, readable
from publisher.server.rendercache import SharedRenders
from tests.conftest import BASE, make_client
from tests.test_web_pages import Page

ORG = rdflib.Namespace("http://www.w3.org/ns/org#")
DCAT = rdflib.Namespace("http://www.w3.org/ns/dcat#")
MRH = f"{BASE}id/organization/metropolregion-hamburg"
TODAY = dt.date.today().isoformat()
#: Routes whose pages depend on the day (links to them must keep it).
DATED = re.compile(re.escape(BASE) + r"(?:doc/|id/|incoming/|territories|organizations|$|\?)")


def members_by_sparql(sparql, org: str, day: str) -> set[str]:
    """The members of ``org`` on ``day``: beginning ≤ day ≤ end (open ends unbounded, a year from 1 January
    to 31 December); with funding periods, the day's year within one of them; neither side ended before."""
    rows = sparql(f"""
        PREFIX org: <http://www.w3.org/ns/org#> PREFIX time: <http://www.w3.org/2006/time#>
        PREFIX rl: <https://w3id.org/regiolod/def#> PREFIX xsd: <http://www.w3.org/2001/XMLSchema#>
        PREFIX prov: <http://www.w3.org/ns/prov#>
        SELECT DISTINCT ?member WHERE {{
          ?m org:organization <{org}> ; org:member ?member .
          OPTIONAL {{ ?m org:memberDuring/time:hasBeginning/time:inXSDDate ?b }}
          OPTIONAL {{ ?m org:memberDuring/time:hasEnd/time:inXSDDate ?e }}
          OPTIONAL {{ ?member prov:invalidatedAtTime ?gone }}
          OPTIONAL {{ ?member prov:generatedAtTime ?born }}
          FILTER ((!BOUND(?b) || ?b <= "{day}"^^xsd:date) && (!BOUND(?e) || ?e >= "{day}"^^xsd:date))
          FILTER ((!BOUND(?gone) || ?gone > "{day}T00:00:00"^^xsd:dateTime)
                  && (!BOUND(?born) || ?born <= "{day}T00:00:00"^^xsd:dateTime))
          FILTER (NOT EXISTS {{ ?m rl:fundingPeriod ?any }} || EXISTS {{
            ?m rl:fundingPeriod [ time:hasBeginning/time:inXSDgYear ?pb ; time:hasEnd/time:inXSDgYear ?pe ]
            FILTER (xsd:integer(STR(?pb)) <= {day[:4]} && {day[:4]} <= xsd:integer(STR(?pe))) }})
        }}""")
    return {r["member"] for r in rows}


def turtle(client, path: str) -> rdflib.Graph:
    response = client.get(path, headers={"Accept": "text/turtle"})
    assert response.status_code == 200, path
    return rdflib.Graph().parse(data=response.data, format="turtle")


def html(client, path: str) -> str:
    response = client.get(path, headers={"Accept": "text/html"})
    assert response.status_code == 200, path
    return response.get_data(as_text=True)


def without_day(href: str) -> str:
    """A link without its query."""
    return href.split("?", 1)[0]


def members_on_page(page: str) -> set[str]:
    """The members in the first table of the page's members section (those of the page's day)."""
    section = page.split('<section class="members">', 1)[1].split("</section>", 1)[0]
    first = section.split("<h3>")[1]
    return {without_day(h) for h in re.findall(r'<tr>\s*<td><a href="([^"]+)">', first)}


@pytest.mark.parametrize(("day", "expected"), [("2011-06-01", 15), ("2016-06-30", 20), (TODAY, 21)])
def test_metropolregion_hamburg_members_on_a_day(client, sparql, day: str, expected: int) -> None:
    by_sparql = members_by_sparql(sparql, MRH, day)
    assert len(by_sparql) == expected  # the numbers, from the intervals
    graph = turtle(client, f"/doc/organization/metropolregion-hamburg?at={day}")
    by_turtle = {str(o) for o in graph.objects(rdflib.URIRef(MRH), ORG.hasMember)}
    assert by_turtle == by_sparql
    page = html(client, f"/doc/organization/metropolregion-hamburg?at={day}")
    assert members_on_page(page) == by_sparql
    assert f"Am {day} ({expected})" in Page(page).plain


def test_no_member_link_of_today_leaks_into_another_day(client) -> None:
    """Today's materialised links (Schwerin since 2017) are not in 2011's document; those of the day are."""
    graph = turtle(client, "/doc/organization/metropolregion-hamburg.ttl?at=2011-06-01")
    schwerin = rdflib.URIRef(f"{BASE}id/organization/13004")
    assert (rdflib.URIRef(MRH), ORG.hasMember, schwerin) not in graph
    assert (schwerin, ORG.memberOf, rdflib.URIRef(MRH)) not in graph
    today = turtle(client, "/doc/organization/metropolregion-hamburg.ttl")
    assert set(today.objects(rdflib.URIRef(MRH), ORG.hasMember)) == set(
        turtle(client, f"/doc/organization/metropolregion-hamburg.ttl?at={TODAY}").objects(
            rdflib.URIRef(MRH), ORG.hasMember
        )
    )


def test_a_renamed_member_has_its_name_of_the_day(client) -> None:
    before = Page(html(client, "/doc/organization/metropolregion-hamburg?at=2011-06-01")).plain
    after = Page(html(client, "/doc/organization/metropolregion-hamburg?at=2011-08-01")).plain
    assert "Landkreis Soltau-Fallingbostel" in before.split("Nicht am")[0]
    assert "Landkreis Heidekreis" in after.split("Nicht am")[0]
    assert Page(html(client, "/doc/organization/03358?at=2011-07-31")).h1.strip() == "Landkreis Soltau-Fallingbostel"


@pytest.mark.parametrize("kind", ["organization", "territory"])
def test_walsrode_before_and_after_the_merger(client, sparql, kind: str) -> None:
    walsrode = f"{BASE}id/{kind}/033580024024"
    # Second way: what Walsrode replaced, with its codes, and whether it existed on 2019-06-01.
    rows = sparql(f"""
        PREFIX dct: <http://purl.org/dc/terms/> PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
        PREFIX prov: <http://www.w3.org/ns/prov#> PREFIX xsd: <http://www.w3.org/2001/XMLSchema#>
        SELECT ?old ?code WHERE {{ <{walsrode}> dct:replaces ?old . ?old skos:notation ?code ;
          prov:invalidatedAtTime ?gone FILTER (?gone > "2019-06-01T00:00:00"^^xsd:dateTime) }}""")
    codes = {r["code"] for r in rows}
    assert codes == {"03358022", "03358004"}
    then = html(client, f"/doc/{kind}/033580024024?at=2019-06-01")
    box = then.split('<section class="at"', 1)[1].split("</section>", 1)[0]
    assert set(re.findall(r"\((0335[0-9]+)\): bestand<", box)) == codes  # old Walsrode and Bomlitz, separate
    assert "bestand dies noch nicht" in box
    assert 'class="group group-codes"' not in then  # its own codes were not in use yet
    now = html(client, f"/doc/{kind}/033580024024?at={TODAY}")
    codes_now = now.split('class="group group-codes"', 1)[1].split("</section>", 1)[0]
    assert "03358024" in codes_now and "Am " + TODAY + " bestand dies." in now
    bomlitz = html(client, f"/doc/{kind}/03358004?at={TODAY}")
    box = bomlitz.split('<section class="at"', 1)[1].split("</section>", 1)[0]
    assert "bestand dies nicht mehr" in box and "Letzter Tag: 2019-12-31." in box
    assert re.search(r"\(033580024024, 03358024\): bestand<", box)
    # Turtle: the document of the day names what held instead, with its codes, and links to it at that day.
    graph = turtle(client, f"/doc/{kind}/033580024024.ttl?at=2019-06-01")
    doc = rdflib.URIRef(f"{BASE}doc/{kind}/033580024024?at=2019-06-01")
    seen = {str(o) for o in graph.objects(doc, RDFS.seeAlso)}
    assert seen == {f"{r['old']}?at=2019-06-01" for r in rows}
    assert {str(graph.value(rdflib.URIRef(r["old"]), SKOS.notation)) for r in rows} == codes


def test_a_document_of_a_day_says_its_day(client) -> None:
    graph = turtle(client, "/doc/territory/03358.ttl?at=2016-06-30")
    doc = rdflib.URIRef(f"{BASE}doc/territory/03358?at=2016-06-30")
    period = graph.value(doc, DCTERMS.temporal)
    assert graph.value(period, DCAT.startDate) == rdflib.Literal(dt.date(2016, 6, 30))
    assert graph.value(period, DCAT.endDate) == rdflib.Literal(dt.date(2016, 6, 30))
    assert graph.value(doc, DCTERMS.isVersionOf) == rdflib.URIRef(f"{BASE}doc/territory/03358")
    response = client.get("/doc/territory/03358?at=2016-06-30", headers={"Accept": "text/turtle"})
    assert response.headers["Valid-At"] == "2016-06-30"
    assert response.headers["Content-Location"] == f"{BASE}doc/territory/03358.ttl?at=2016-06-30"
    assert f'<{BASE}doc/territory/03358>; rel="latest-version"' in response.headers["Link"]
    assert "Valid-At" in response.headers["Access-Control-Expose-Headers"]


def test_the_preferred_figure_is_the_latest_of_the_day(client, sparql) -> None:
    rows = sparql("""
        PREFIX rl: <https://w3id.org/regiolod/def#> PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#>
        SELECT ?v ?d WHERE { <http://regiolod.test/id/territory/03358> rl:population [ rdf:value ?v ;
          rl:referenceDate ?d ] } ORDER BY ?d""")
    for day in ("2016-06-30", "2019-06-01"):
        expected = readable.number([r["v"] for r in rows if r["d"] <= day][-1], "de")  # as the page writes it
        others = {readable.number(r["v"], "de") for r in rows} - {expected}
        page = Page(html(client, f"/doc/territory/03358?at={day}")).plain
        assert expected in page and not any(v in page for v in others), day
    assert "139.630" in Page(html(client, "/doc/territory/03358?at=2010-12-31")).plain


def leader_groups(sparql) -> list[str]:
    """The local action groups whose members can differ between the two periods: those with a membership of
    a period before 2023-2027 (the others have members of one period only, the same on both days' pages)."""
    rows = sparql("""PREFIX org: <http://www.w3.org/ns/org#> PREFIX rl: <https://w3id.org/regiolod/def#>
        SELECT DISTINCT ?lag WHERE { ?m rl:fundingPeriod ?p ; org:organization ?lag
          FILTER (?p != rl:period-2023-2027) } ORDER BY ?lag""")
    return [r["lag"] for r in rows]


def test_leader_members_differ_between_funding_periods(client, sparql) -> None:
    lags = leader_groups(sparql)
    assert lags
    differ = 0
    for lag in lags:
        key = lag[len(BASE) + 3 :]
        sets = {}
        for day in ("2016-06-30", "2024-06-30"):
            expected = members_by_sparql(sparql, lag, day)
            graph = turtle(client, f"/doc/{key}?at={day}")
            assert {str(o) for o in graph.objects(rdflib.URIRef(lag), ORG.hasMember)} == expected, (lag, day)
            assert members_on_page(html(client, f"/doc/{key}?at={day}")) == expected, (lag, day)
            sets[day] = expected
        differ += sets["2016-06-30"] != sets["2024-06-30"]
    assert differ >= 1
    vogelpark = f"{BASE}id/organization/lag-vogelpark-region"
    old, new = members_by_sparql(sparql, vogelpark, "2016-06-30"), members_by_sparql(sparql, vogelpark, "2024-06-30")
    assert old - new == {f"{BASE}id/organization/03358004", f"{BASE}id/organization/03358022"}
    assert new - old == {f"{BASE}id/organization/033580024024"}


def listed(client, path: str) -> set[str]:
    """Every thing a listing names, over all its pages."""
    found: set[str] = set()
    page = 1
    while True:
        response = client.get(f"{path}&page={page}", headers={"Accept": "text/html"})
        if response.status_code == 404:
            return found
        found |= {without_day(h) for h in re.findall(r'<td><a href="([^"]+)">', response.get_data(as_text=True))}
        page += 1


def test_listings_show_what_existed_on_the_day(client) -> None:
    then = listed(client, "/territories?at=2019-06-01&type=rl:MunicipalityTerritory")
    now = listed(client, f"/territories?at={TODAY}&type=rl:MunicipalityTerritory")
    old = {f"{BASE}id/territory/03358004", f"{BASE}id/territory/03358022"}
    assert old <= then and f"{BASE}id/territory/033580024024" not in then
    assert not old & now and f"{BASE}id/territory/033580024024" in now
    organizations, page = "", 1  # every page: all 400 districts are listed
    path = "/organizations?at=2011-06-01&type=rl:orgtype-landkreis&page="
    while (response := client.get(f"{path}{page}", headers={"Accept": "text/html"})).status_code == 200:
        organizations += Page(response.get_data(as_text=True)).plain
        page += 1
    assert "Landkreis Soltau-Fallingbostel" in organizations


DAY_PAGES = [
    "/doc/organization/metropolregion-hamburg?at=2016-06-30",
    "/doc/territory/033580024024?at=2016-06-30",
    "/doc/territory/03358?at=2016-06-30&lang=en",
    "/?at=2016-06-30",
    "/territories?at=2016-06-30",
    "/organizations?at=2016-06-30&page=2",
    "/incoming/territory/03358?at=2016-06-30",
]


@pytest.mark.parametrize("path", DAY_PAGES)
def test_every_link_of_a_page_of_a_day_keeps_the_day(client, path: str) -> None:
    p = Page(html(client, path))
    dated = [(h, t.strip()) for h, t in p.links if DATED.match(h) or h.startswith("?")]
    assert dated
    for href, text in dated:
        days = parse_qs(urlsplit(href).query).get("at")
        if text in ("heute", "today"):  # the one link back to today
            assert days is None, href
        elif "nderung am" in text or "change on" in text:  # previous and next change: other days
            assert days is not None and days != ["2016-06-30"], href
        else:
            assert days == ["2016-06-30"], href
    assert '<input type="date" name="at" value="2016-06-30"' in html(client, path)


def test_the_day_travels_through_id_and_follows_to_a_page_of_the_day(client) -> None:
    response = client.get("/id/territory/03358004?at=2016-06-30", headers={"Accept": "text/turtle"})
    assert response.status_code == 303
    assert response.headers["Location"] == f"{BASE}doc/territory/03358004?at=2016-06-30"


def test_previous_and_next_change_come_from_the_data(client, sparql) -> None:
    page = html(client, "/doc/organization/metropolregion-hamburg?at=2014-06-01")
    rows = sparql(f"""PREFIX org: <http://www.w3.org/ns/org#> PREFIX time: <http://www.w3.org/2006/time#>
        SELECT DISTINCT ?b WHERE {{ ?m org:organization <{MRH}> ;
          org:memberDuring/time:hasBeginning/time:inXSDDate ?b }} ORDER BY ?b""")
    beginnings = [r["b"] for r in rows]  # 2012-05-01, 2017-01-01 (the 2016-12-31 end gives 2017-01-01 too)
    following = min(b for b in beginnings if b > "2014-06-01")
    last = max(b for b in beginnings if b <= "2014-06-01")
    before = (dt.date.fromisoformat(last) - dt.timedelta(days=1)).isoformat()
    assert re.search(rf'rel="successor-version" href="[^"]*\?at={following}"', page)
    assert re.search(rf'rel="predecessor-version" href="[^"]*\?at={before}"', page)
    link = client.get("/doc/organization/metropolregion-hamburg?at=2014-06-01").headers["Link"]
    assert f'?at={following}>; rel="successor-version"' in link


BAD_DAYS = ["2023-02-30", "20230101", "yesterday", "", "2023-1-01", "2019-06-01T00:00:00", "2019-13-01", "0000-01-01"]


@pytest.mark.parametrize("day", BAD_DAYS)
@pytest.mark.parametrize("path", ["/doc/territory/03358", "/doc/territory/03358.ttl", "/id/territory/03358", "/",
                                  "/territories", "/organizations", "/incoming/territory/03358"])  # fmt: skip
def test_a_day_that_is_no_date_is_a_400_saying_what_is_accepted(client, path: str, day: str) -> None:
    for accept, media in (("text/html", "text/html"), ("text/turtle", "text/plain")):
        response = client.get(f"{path}?at={day}", headers={"Accept": accept})
        assert response.status_code == 400, (path, day, accept)
        if path.endswith(".ttl"):
            media = "text/html" if accept == "text/html" else "text/plain"
        assert response.mimetype == media, (path, accept)
        assert "YYYY-MM-DD" in response.get_data(as_text=True)


def test_a_day_given_twice_is_a_400(client) -> None:
    response = client.get("/doc/territory/03358?at=2019-06-01&at=2020-06-01", headers={"Accept": "text/plain"})
    assert response.status_code == 400 and "one day" in response.get_data(as_text=True)


def test_a_day_before_the_first_fact_says_so(client, sparql) -> None:
    rows = sparql("""SELECT ?d WHERE { GRAPH ?g { ?s ?p ?d } FILTER (STRSTARTS(STR(?g), "http://regiolod.test/id/graph/")
        && DATATYPE(?d) IN (<http://www.w3.org/2001/XMLSchema#date>, <http://www.w3.org/2001/XMLSchema#gYear>,
                            <http://www.w3.org/2001/XMLSchema#dateTime>, <http://www.w3.org/2001/XMLSchema#gYearMonth>)
        && ?p != <http://purl.org/dc/terms/modified> && ?p != <http://purl.org/dc/terms/issued>) }""")
    first = min(r["d"][:10] if len(r["d"]) >= 10 else r["d"] + "-01-01"[len(r["d"]) - 4 :] for r in rows)
    page = Page(html(client, "/doc/territory/03358?at=1900-01-01")).plain
    assert f"vor der ersten datierten Angabe der Daten ({first})" in page
    graph = turtle(client, "/doc/territory/03358.ttl?at=1900-01-01")
    notes = {str(o) for o in graph.objects(rdflib.URIRef(f"{BASE}doc/territory/03358?at=1900-01-01"), RDFS.comment)}
    assert any(f"first dated fact of the data ({first})" in n for n in notes)
    assert "ersten datierten" not in html(client, f"/doc/territory/03358?at={first}")


def test_etags_differ_by_day_and_revalidate_per_day(client) -> None:
    path = "/doc/territory/03358"
    tags = {day: client.get(f"{path}?at={day}").headers["ETag"] for day in ("2010-06-01", "2019-06-01")}
    tags[""] = client.get(path).headers["ETag"]
    assert len(set(tags.values())) == 3
    assert client.get(f"{path}?at=2019-06-01", headers={"If-None-Match": tags["2019-06-01"]}).status_code == 304
    assert client.get(f"{path}?at=2010-06-01", headers={"If-None-Match": tags["2019-06-01"]}).status_code == 200
    assert client.get(path, headers={"If-None-Match": tags["2019-06-01"]}).status_code == 200


def test_a_page_of_a_day_never_takes_the_place_of_todays(client) -> None:
    """Today's bytes and ETag stay the same before and after the same document was served for a day,
    and today's document says nothing about a day (the render cache keys hold the day)."""
    for path in ("/doc/organization/metropolregion-hamburg", "/doc/territory/03358.ttl", "/territories", "/"):
        first = client.get(path, headers={"Accept": "text/html"})
        sep = "&" if "?" in path else "?"
        client.get(f"{path}{sep}at=2011-06-01", headers={"Accept": "text/html"})
        again = client.get(path, headers={"Accept": "text/html"})
        assert (again.data, again.headers["ETag"]) == (first.data, first.headers["ETag"]), path
        assert "Valid-At" not in again.headers
        if path.startswith("/doc/"):  # only the links to the changes around today name a day
            rest = re.sub(rb'<p class="at-changes">.*?</p>', b"", again.data, flags=re.S)
            assert b"at=" not in rest, path


def test_workers_sharing_rendered_documents_keep_the_days_apart(tmp_path) -> None:
    """Two apps over one shared render cache (two workers): each day's document is its own entry."""
    first, second = make_client(), make_client()
    for c in (first, second):
        st = c.application.extensions["regiolod"]
        st.shared = SharedRenders(tmp_path, 10_000_000)
        st.shared.prepare(st.build.version)
    path = "/doc/organization/metropolregion-hamburg.ttl"
    made = {day: first.get(f"{path}?at={day}").data for day in ("2011-06-01", "2016-06-30")}
    assert made["2011-06-01"] != made["2016-06-30"]
    for day, body in made.items():
        assert second.get(f"{path}?at={day}").data == body
    assert b"dct:temporal" not in second.get(path).data


def test_todays_page_has_a_date_form_that_leads_to_the_page_of_the_day(client) -> None:
    """Every resource page offers the day picker, not only pages of a day: a plain GET form (no JavaScript)."""
    today = html(client, "/doc/organization/metropolregion-hamburg")
    form = re.search(r'<form method="get" action="([^"]+)" class="at">(.*?)</form>', today, re.S)
    assert form and '<input type="date" name="at"' in form.group(2)
    action = urlsplit(form.group(1)).path
    assert action.endswith("/doc/organization/metropolregion-hamburg.html")
    then = html(client, f"{action}?at=2011-06-01")
    assert '<section class="at"' in then and "2011-06-01" in then


def test_todays_page_links_the_day_before_its_last_change(client, sparql) -> None:
    """Today's page of a thing that changed leads to the page of the day before its last change, computed
    from the data (Bomlitz's territory ended with the merger into Walsrode); a thing that never changed has
    no such link."""
    rows = sparql(f"""PREFIX org: <http://www.w3.org/ns/org#> PREFIX rl: <https://w3id.org/regiolod/def#>
        PREFIX dct: <http://purl.org/dc/terms/>
        SELECT ?d WHERE {{ ?e a org:ChangeEvent ; dct:date ?d ;
          rl:originalTerritory <{BASE}id/territory/03358004> }}""")
    assert len(rows) == 1, "the merger that ended Bomlitz has a day"
    changed = dt.date.fromisoformat(str(rows[0]["d"])[:10])
    page = html(client, "/doc/territory/03358004")
    before = (changed - dt.timedelta(days=1)).isoformat()
    link = re.search(r'<p class="at-changes">.*?rel="predecessor-version" href="([^"]+)"', page, re.S)
    assert link and link.group(1).endswith(f"?at={before}")
    then = html(client, urlsplit(link.group(1)).path + f"?at={before}")
    assert 'class="at-state at-exists"' in then  # the day before the merger: Bomlitz still existed
    assert 'class="at-changes"' not in html(client, "/doc/territory/01")


def test_one_things_changes_are_those_the_whole_timeline_knows(client) -> None:
    """Today's pages read the change days of their thing alone (:meth:`Timeline.of_thing`, a few queries)
    instead of every dated fact; for every thing with a membership, a change event or a dated life, the days
    are those the whole timeline gives."""
    st = client.application.extensions["regiolod"]
    whole = asof.Timeline.load(st.store)
    things = sorted(set(whole.lives) | set(whole.events) | set(whole.by_member) | set(whole.by_organization))
    assert len(things) > 300, "the shipped data dates hundreds of things"
    for iri in things:
        assert asof.Timeline.of_thing(st.store, iri).change_days(iri) == whole.change_days(iri), iri


def test_todays_page_does_not_read_the_whole_timeline(client) -> None:
    """A today page links the changes around today without loading every dated fact of the store."""
    st = client.application.extensions["regiolod"]
    st._timeline = None
    page = html(client, "/doc/territory/03358004?lang=en")
    assert 'rel="predecessor-version"' in page
    assert st._timeline is None
