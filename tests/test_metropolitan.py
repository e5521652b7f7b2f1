"""The metropolitan regions as a user asks for them: who is listed, in which role, since when, on what source.

Every expectation is read a second way from the shared reference lists (``../shared/data``): the rows of
the CSV files against SPARQL over the shipped build, and the generated file against a regeneration.
"""

from __future__ import annotations

import csv
from collections import Counter
from urllib.parse import urlsplit

import pytest
import rdflib

from publisher.reference import metropolitan
from publisher.reference.copies import original
from tests.conftest import BASE, ROOT

SHARED = ROOT.parent / "shared" / "data"
needs_shared = pytest.mark.skipif(not SHARED.is_dir(), reason="the shared reference data (../shared/data) is absent")

#: The body of each region of the list, as a user finds it on the region's page.
BODIES = {
    "Metropolregion Nürnberg": "metropolregion-nuernberg",
    "Metropolregion München": "europaeische-metropolregion-muenchen-ev",
    "Metropolregion Stuttgart": "metropolregion-stuttgart",
    "Metropolregion FrankfurtRheinMain": "metropolregion-frankfurtrheinmain",
    "Metropolregion Rhein-Neckar": "verband-region-rhein-neckar",
    "Hauptstadtregion Berlin-Brandenburg": "hauptstadtregion-berlin-brandenburg",
    "Metropolregion Nordwest": "metropolregion-bremen-oldenburg-im-nordwesten-ev",
    "Metropolregion Mitteldeutschland": "europaeische-metropolregion-mitteldeutschland-ev",
    "Metropolregion Rheinland": "metropolregion-rheinland-ev",
    "Metropole Ruhr (Regionalverband Ruhr)": "regionalverband-ruhr",
}
HBGW_REGION = "metropolregion-hannover-braunschweig-goettingen-wolfsburg"
HBGW_GMBH = "metropolregion-hannover-braunschweig-goettingen-wolfsburg-gmbh"
MIRRORS = {"de.m.wikipedia.org", "de.wiki.li", "de-academic.com", "de.wikiup.org", "wikiwand.com", "miniwiki.net"}


def rows(name: str) -> list[dict[str, str]]:
    with (SHARED / name).open(encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def expected_role(status: str) -> str:
    """The role a status names, in the words of the list."""
    for word, role in (
        ("disputed", "disputed-member"),
        ("territory", "territory-only"),
        ("associated", "partner"),
        ("founding", "founding-member"),
    ):
        if word in status:
            return role
    return "member"


def listings(sparql, body: str) -> list[dict[str, str | None]]:
    return sparql(f"""
        SELECT ?m ?member ?role ?coverage ?begin ?end WHERE {{
          ?m a org:Membership ; org:organization <{BASE}id/organization/{body}> ; org:member ?member ; org:role ?role .
          OPTIONAL {{ ?m rl:coverage ?coverage }}
          OPTIONAL {{ ?m org:memberDuring/time:hasBeginning/(time:inXSDDate|time:inXSDgYear) ?begin }}
          OPTIONAL {{ ?m org:memberDuring/time:hasEnd/(time:inXSDDate|time:inXSDgYear) ?end }} }}""")


def key(iri: str | None) -> str:
    assert iri is not None
    return iri.rsplit("/", 1)[1].rsplit("#", 1)[-1]


@needs_shared
def test_the_generated_file_equals_a_regeneration() -> None:
    assert metropolitan.generate(SHARED) == (ROOT / "data" / "metropolregionen.ttl").read_text(encoding="utf-8")


@needs_shared
def test_each_region_lists_every_row_in_the_role_its_status_names(sparql) -> None:
    """Per region, members by role in the build = rows by status in the list; the same units, all full."""
    by_region: dict[str, list[dict[str, str]]] = {}
    for row in rows(metropolitan.CSV_NAME):
        by_region.setdefault(row["region"], []).append(row)
    assert sorted(by_region) == sorted(BODIES)
    for region, listed in by_region.items():
        found = listings(sparql, BODIES[region])
        expected = Counter((r["member_ars"], expected_role(r["status"])) for r in listed)
        assert Counter((key(f["member"]), key(f["role"]).removeprefix("role-")) for f in found) == expected, region
        assert {key(f["coverage"]) for f in found} == {"coverage-full"}, region


@needs_shared
def test_dates_are_given_only_where_a_source_gives_them(sparql) -> None:
    """Rheinland's founding members begin at the founding; reported exits of 2025 carry no end."""
    rheinland = {key(f["member"]): f for f in listings(sparql, BODIES["Metropolregion Rheinland"])}
    assert len(rheinland) == 24 and {f["begin"] for f in rheinland.values()} == {"2017-02-20"}
    assert all(f["end"] is None for f in rheinland.values())  # Aachen's Rat decided to leave: not an exit date
    mitteldeutschland = {
        key(f["member"]): f["begin"] for f in listings(sparql, BODIES["Metropolregion Mitteldeutschland"])
    }
    assert (mitteldeutschland["14730"], mitteldeutschland["15087"]) == ("2019-07-01", "2017")
    dated = sparql("""SELECT ?m WHERE { GRAPH ?g { ?m org:memberDuring/time:hasEnd ?end }
                      FILTER (STRENDS(STR(?g), "/metropolregionen")) }""")
    assert dated == []


@needs_shared
def test_sources_are_the_rows_originals_and_copies_say_so() -> None:
    graph = rdflib.Graph().parse(ROOT / "data" / "metropolregionen.ttl", format="turtle", publicID=BASE)
    org, dct, skos = rdflib.Namespace("http://www.w3.org/ns/org#"), rdflib.DCTERMS, rdflib.SKOS
    for row in rows(metropolitan.CSV_NAME):
        m = rdflib.URIRef(f"{BASE}id/membership/{BODIES[row['region']]}/{row['member_ars']}")
        assert (m, org.member, rdflib.URIRef(f"{BASE}id/organization/{row['member_ars']}")) in graph
        sources = {str(s) for s in graph.objects(m, dct.source)}
        host = urlsplit(row["source"]).hostname or ""
        german_notes = " ".join(str(n) for n in graph.objects(m, skos.note) if n.language == "de")
        if host.rstrip(".") in MIRRORS:
            assert not sources & {row["source"]} and "Kopie" in german_notes, row["source"]
            assert any(urlsplit(s).hostname == "de.wikipedia.org" for s in sources)
        else:
            assert row["source"] in sources
    cited = {urlsplit(str(s)).hostname for s in graph.objects(None, dct.source)}
    assert not cited & MIRRORS


def test_each_body_has_its_region_and_english_labels(sparql) -> None:
    for body in [*BODIES.values(), HBGW_REGION]:
        [row] = sparql(f"""
            SELECT ?region (LANG(?en) AS ?lang) WHERE {{
              <{BASE}id/organization/{body}> dct:spatial ?region ; skos:prefLabel ?en .
              ?region a rl:MetropolitanRegion .
              FILTER (LANG(?en) = "en") }}""")
        assert row["region"] and row["lang"] == "en", body
    regions = sparql("SELECT DISTINCT ?r WHERE { ?b a rl:MetropolitanRegionBody ; dct:spatial ?r }")
    assert len(regions) == 11  # Rhein-Ruhr's two bodies share it


@needs_shared
def test_hbgw_is_a_company_with_shareholders_and_a_region_of_18_with_heidekreis(sparql) -> None:
    table = [r for r in rows("metropolregionen_members.csv") if r["region"].startswith("Metropolregion Hannover")]
    region = listings(sparql, HBGW_REGION)
    assert {key(f["member"]) for f in region} == {r["ars"] for r in table} and len(region) == 18
    assert {(key(f["role"]), key(f["coverage"])) for f in region} == {("role-territory-only", "coverage-full")}
    assert "03358" in {key(f["member"]) for f in region}  # Heidekreis lies in the region of 18
    shareholders = listings(sparql, HBGW_GMBH)
    assert len(shareholders) == 8 and {key(f["role"]) for f in shareholders} == {"role-shareholder"}
    # The two are different things on one territory, and each says so in German and English.
    described = sparql(f"""
        SELECT ?body (COUNT(DISTINCT LANG(?d)) AS ?n) WHERE {{
          VALUES ?body {{ <{BASE}id/organization/{HBGW_REGION}> <{BASE}id/organization/{HBGW_GMBH}> }}
          ?body dct:spatial <{BASE}id/territory/{HBGW_REGION}> ; dct:description ?d }} GROUP BY ?body""")
    assert sorted(int(r["n"] or 0) for r in described) == [2, 2]


@needs_shared
def test_hamburg_memberships_carry_the_sources_of_their_rows(sparql) -> None:
    table = [r for r in rows("metropolregionen_members.csv") if r["region"] == "Metropolregion Hamburg"]
    found = sparql(f"""
        SELECT ?member ?source WHERE {{
          ?m org:organization <{BASE}id/organization/metropolregion-hamburg> ;
             org:member ?member ; dct:source ?source }}""")
    sources: dict[str, set[str | None]] = {}
    for f in found:
        sources.setdefault(key(f["member"]), set()).add(f["source"])
    assert len(sources) == len(table) == 21
    for row in table:
        assert {s.strip() for s in row["source"].split(" ; ")} <= sources[row["ars"]], row["ars"]


@needs_shared
def test_berlin_brandenburg_lists_the_districts_of_both_lander() -> None:
    register = {r["ars"] for r in rows("gemeindeverzeichnis_de_2023-11-30.csv") if r["level"] == "Kreis"}
    both = {ars for ars in register if ars[:2] in {"11", "12"}}
    listed = {r["member_ars"] for r in rows(metropolitan.CSV_NAME) if r["region"].startswith("Hauptstadtregion")}
    assert listed == both and len(both) == 19


def test_no_file_of_the_metropolitan_regions_cites_a_mirror() -> None:
    for name in ("metropolitan-regions.ttl", "metropolregion-hamburg.ttl", "metropolregion-hbgw.ttl"):
        graph = rdflib.Graph().parse(ROOT / "data" / name, format="turtle", publicID=BASE)
        cited = {
            urlsplit(str(o)).hostname or ""
            for p in (rdflib.DCTERMS.source, rdflib.namespace.PROV.wasDerivedFrom)
            for o in graph.objects(None, p)
        }
        assert not {h for h in cited if h.rstrip(".") in MIRRORS or h.endswith(".")}, name


def test_a_copy_of_an_article_is_cited_as_the_original() -> None:
    assert original("https://de.m.wikipedia.org/wiki/Metropolregion_N%C3%BCrnberg") == (
        "https://de.wikipedia.org/wiki/Metropolregion_N%C3%BCrnberg",
        True,
    )
    assert original("https://de.wiki.li/Metropolregion_Nordwest") == (
        "https://de.wikipedia.org/wiki/Metropolregion_Nordwest",
        True,
    )
    assert original("http://de.wikipedia.org./wiki/Region_Neckar-Alb") == (
        "https://de.wikipedia.org/wiki/Region_Neckar-Alb",
        False,
    )
    assert original("https://www.kip-frankfurtrheinmain.de/region") == (
        "https://www.kip-frankfurtrheinmain.de/region",
        False,
    )


def test_an_unknown_status_stops_the_generator() -> None:
    with pytest.raises(ValueError, match="unknown status"):
        metropolitan.role_of("honorary member")
