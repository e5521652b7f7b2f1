"""The GV100AD importer: the register's things get the curated IRIs, load next to data/, and are written safely."""

from __future__ import annotations

import csv
import datetime as dt
import filecmp
import shlex
import shutil
import subprocess
from pathlib import Path

import pytest
import rdflib
from rdflib import RDF, SKOS, Literal, Namespace, URIRef

from publisher.cli import main
from publisher.config import Settings
from publisher.dataset.build import load_build
from publisher.gv100ad import RegisterError, import_register
from publisher.gv100ad.labels import english_name
from tests.conftest import BASE, ROOT

FIXTURES = ROOT / "tests" / "data"
HEIDEKREIS = FIXTURES / "gv100ad-heidekreis.txt"
SAMPLE = FIXTURES / "gv100ad-sample.txt"
SHARED = ROOT.parent / "shared" / "data"
REAL = SHARED / "destatis_GV100AD_2023-11-30.txt"
DISTRICT_IDS = SHARED / "kreise_wikidata_qid_2020.tsv"
CITY_IDS = SHARED / "ags_wikidata_kreisfreie_staedte.csv"
NUTS_TABLE = SHARED / "landkreise_deutschland_2018-12-31.csv"
SHIPPED = ROOT / "data" / "register"
needs_shared = pytest.mark.skipif(
    not all(p.is_file() for p in (REAL, DISTRICT_IDS, CITY_IDS, NUTS_TABLE)),
    reason="the reference files are not in ../shared/data/",
)

RL = Namespace("https://w3id.org/regiolod/def#")
ORG = Namespace("http://www.w3.org/ns/org#")
GEO = Namespace("http://www.opengis.net/ont/geosparql#")
DCT = Namespace("http://purl.org/dc/terms/")
PROV = Namespace("http://www.w3.org/ns/prov#")
GV100AD = URIRef(f"{BASE}id/source/destatis-gv100ad-2023-11-30")

#: What the curated file and an import must agree on, thing by thing.
COMPARED = {RDF.type, SKOS.prefLabel, SKOS.altLabel, SKOS.notation, SKOS.exactMatch, GEO.sfWithin, DCT.spatial,
            ORG.classification, RL.seat, ORG.member, ORG.organization, ORG.role}  # fmt: skip
#: Statements of data/heidekreis.ttl the register cannot know: the district's former name.
FORMER_NAMES = {
    (URIRef(f"{BASE}id/territory/03358"), SKOS.altLabel, Literal("Soltau-Fallingbostel", lang="de")),
    (URIRef(f"{BASE}id/organization/03358"), SKOS.altLabel, Literal("Landkreis Soltau-Fallingbostel", lang="de")),
}


def parse(*paths: Path) -> rdflib.Graph:
    graph = rdflib.Graph()
    for path in paths:
        graph.parse(path, format="turtle", publicID=BASE)
    return graph


def things(graph: rdflib.Graph) -> set[URIRef]:
    """Territories, bodies and memberships that exist today (ended ones are history the register lacks)."""
    ended = set(graph.subjects(PROV.invalidatedAtTime, None))
    kinds = tuple(f"{BASE}id/{kind}/" for kind in ("territory", "organization", "membership"))
    return {s for s in set(graph.subjects()) if isinstance(s, URIRef) and str(s).startswith(kinds) and s not in ended}


def register_knows(s: URIRef, p: URIRef, o) -> bool:
    """Leave out what only other sources give: NUTS codes, Wikidata and NUTS links, English names of places."""
    if isinstance(o, Literal) and (o.datatype == RL.NUTS or (o.language == "en" and "/membership/" not in s)):
        return False
    if p == SKOS.exactMatch and not str(o).startswith("http://dcat-ap.de/def/politicalGeocoding/"):
        return False
    return (s, p, o) not in FORMER_NAMES


def projection(graph: rdflib.Graph) -> set[tuple]:
    """The compared statements of every thing, and its GV100AD figures as (thing, quantity, value, date, rank)."""
    found: set[tuple] = set()
    for s in things(graph):
        found |= {(s, p, o) for p, o in graph.predicate_objects(s) if p in COMPARED and register_knows(s, p, o)}
        for quantity in (RL.population, RL.area):
            for figure in graph.objects(s, quantity):
                if (figure, DCT.source, GV100AD) in graph and s != URIRef(f"{BASE}id/territory/03"):
                    values = (graph.value(figure, p) for p in (RDF.value, RL.referenceDate, RL.rank))
                    found.add((s, quantity, *values))
    return found


def imported(tmp_path: Path, register: Path = SAMPLE, **options) -> Path:
    out = tmp_path / "germany"
    import_register(register, out, graph_folder="germany", **options)
    return out


def test_heidekreis_gets_the_iris_types_codes_labels_links_and_figures_of_the_curated_file(tmp_path: Path) -> None:
    out = imported(tmp_path, HEIDEKREIS)
    curated = projection(parse(ROOT / "data" / "heidekreis.ttl"))
    assert len({t[0] for t in curated}) == 2 + 2 + 6 + 22 * 2 + 2 + 14  # Land, Kreis, 3 SG, Gemeinden, Osterheide
    assert projection(parse(*sorted(out.glob("*.ttl")))) == curated


def select(build, query: str) -> list[tuple[str | None, ...]]:
    result = build.query(query)
    names = [v.value for v in result.variables]
    return sorted(tuple(row[n].value if row[n] is not None else None for n in names) for row in result)


def repeated_statements(build) -> int:
    """Count statements of an imported graph that a curated graph makes too (the union counts them twice)."""
    query = f"""SELECT (COUNT(*) AS ?n) WHERE {{
        GRAPH ?imported {{ ?s ?p ?o }} GRAPH ?curated {{ ?s ?p ?o }}
        FILTER (STRSTARTS(STR(?imported), "{BASE}id/graph/germany/") && STRSTARTS(STR(?curated), "{BASE}id/graph/")
                && !STRSTARTS(STR(?curated), "{BASE}id/graph/germany/") && !isBlank(?o)) }}"""
    return int(next(iter(build.oxigraph.query(query)))["n"].value)


def test_import_loads_and_validates_next_to_the_curated_data(project_copy: Path, build) -> None:
    import_register(SAMPLE, project_copy / "data" / "germany", graph_folder="germany", curated=project_copy / "data")
    together = load_build(Settings(base_iri=BASE, root=project_copy))
    assert together.conforms, together.report.format()
    names = ("source", "02-hamburg", "03-niedersachsen", "07-rheinland-pfalz", "08-baden-wuerttemberg")
    assert {f"{BASE}id/graph/germany/{n}" for n in names} <= set(together.data_graphs)
    twice = """SELECT ?s WHERE { ?s ?p ?f . ?f rl:rank rl:rank-preferred ; rl:referenceDate ?d }
               GROUP BY ?s ?p ?d HAVING (COUNT(?f) > 1)"""
    assert select(together, twice) == []
    assert repeated_statements(together) == 0
    cooperations = (ROOT / "queries" / "06-population-per-cooperation.rq").read_text(encoding="utf-8")
    assert select(together, cooperations) == select(build, cooperations)  # nobody is counted twice


def test_import_alone_is_valid_with_its_own_source_description(project_copy: Path) -> None:
    out = imported(project_copy / "data")
    alone = load_build(Settings(base_iri=BASE, root=project_copy), [out])
    assert alone.conforms, alone.report.format()
    assert sorted(f.path.name for f in alone.files if f.kind == "data") == sorted(p.name for p in out.iterdir())


def test_source_is_described_unless_data_sources_ttl_does(tmp_path: Path) -> None:
    alone = set(parse(imported(tmp_path / "alone") / "source.ttl").triples((GV100AD, None, None)))
    assert len(alone) == 9  # types, labels, publisher, page, issued, licence and attribution
    assert alone <= set(parse(ROOT / "data" / "sources.ttl"))
    beside = parse(imported(tmp_path / "beside", curated=ROOT / "data") / "source.ttl")
    assert set(beside.triples((GV100AD, None, None))) == set()


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> rdflib.Graph:
    """The sample register (Heidekreis, Hamburg, Koblenz, Vallendar, Stuttgart ...), imported once."""
    return parse(*sorted(imported(tmp_path_factory.mktemp("sample")).glob("*.ttl")))


def ask(graph: rdflib.Graph, query: str) -> bool:
    prefixes = "PREFIX rl: <https://w3id.org/regiolod/def#> PREFIX org: <http://www.w3.org/ns/org#> "
    prefixes += (
        "PREFIX skos: <http://www.w3.org/2004/02/skos/core#> PREFIX geo: <http://www.opengis.net/ont/geosparql#> "
    )
    prefixes += "PREFIX dct: <http://purl.org/dc/terms/> PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#> "
    return bool(graph.query(prefixes + query, base=BASE).askAnswer)


@pytest.mark.parametrize(
    ("what", "query"),
    [
        (
            "Hamburg's Land, Kreis and Gemeinde records are one thing keyed 02000",
            """ASK { <id/territory/02000> a rl:StateTerritory , rl:DistrictTerritory , rl:MunicipalityTerritory ;
                    skos:notation "02"^^rl:StateKey , "02000"^^rl:DistrictKey , "020000000000"^^rl:ARS .
                  <id/organization/02000> a rl:Land , rl:KreisfreieStadt ; org:classification rl:orgtype-stadtstaat ;
                    skos:prefLabel "Freie und Hansestadt Hamburg"@de .
                  FILTER NOT EXISTS { ?x ?p ?o FILTER (?x IN (<id/territory/02>, <id/territory/020000000000>)) } }""",
        ),
        (
            "a kreisfreie Stadt is one thing keyed by its district key, inside Land and Regierungsbezirk",
            """ASK { <id/organization/07111> a rl:KreisfreieStadt ; skos:prefLabel "Stadt Koblenz"@de ;
                    skos:notation "07111000"^^rl:AGS , "071110000000"^^rl:ARS .
                  <id/territory/07111> geo:sfWithin <id/territory/07> , <id/territory/071> .
                  FILTER NOT EXISTS { <id/territory/071110000000> ?p ?o } }""",
        ),
        (
            "a former Regierungsbezirk is a territory with its 3-digit key and the register's name",
            """ASK { <id/territory/071> a rl:GovernmentDistrictTerritory ; geo:sfWithin <id/territory/07> ;
                    skos:prefLabel "Ehemaliger Regierungsbezirk Koblenz"@de ;
                    skos:altLabel "früher: Reg.-Bez. Koblenz"@de ; skos:notation "071"^^rl:GovernmentDistrictKey .
                  FILTER NOT EXISTS { <id/organization/071> ?p ?o } }""",
        ),
        (
            "a Region lies in its Regierungsbezirk and contains its districts",
            """ASK { <id/territory/0811> a rl:PlanningRegionTerritory ; skos:notation "0811"^^rl:PlanningRegionKey ;
                    geo:sfWithin <id/territory/08> , <id/territory/081> .
                  <id/territory/08111> geo:sfWithin <id/territory/08> , <id/territory/081> , <id/territory/0811> .
                  <id/organization/08111> skos:prefLabel "Landeshauptstadt Stuttgart"@de }""",
        ),
        (
            "a Verbandsgemeinde has its members, and its seat is one of them",
            """ASK { <id/organization/071375007> a rl:Verbandsgemeinde ; rl:seat <id/territory/071375007226> ;
                    org:classification rl:orgtype-verbandsgemeinde ; skos:prefLabel "Verbandsgemeinde Vallendar"@de .
                  <id/membership/071375007/071375007226> org:member <id/organization/071375007226> ;
                    org:organization <id/organization/071375007> ; org:role rl:role-member ;
                    skos:prefLabel "Stadt Vallendar: Mitglied von Verbandsgemeinde Vallendar"@de .
                  <id/territory/071375007218> geo:sfWithin <id/territory/07137> , <id/territory/071375007> .
                  { SELECT (COUNT(?m) AS ?n) { ?m org:organization <id/organization/071375007> } } FILTER (?n = 4) }""",
        ),
        (
            "a district's seat may be a kreisfreie Stadt outside it",
            'ASK { <id/organization/07137> skos:prefLabel "Landkreis Mayen-Koblenz"@de ; rl:seat <id/territory/07111>}',
        ),
        (
            "an uninhabited gemeindefreies Gebiet outside any district is a territory of the Land without a body",
            """ASK { <id/territory/070009999999> a rl:UnincorporatedArea ; geo:sfWithin <id/territory/07> ;
                    skos:notation "07000999"^^rl:AGS ; rl:population/rdf:value 0 ; rl:area/rdf:value 6.2 .
                  FILTER NOT EXISTS { <id/organization/070009999999> ?p ?o } }""",
        ),
        (
            "sums: a district's population is the sum of its Gemeinden",
            "ASK { <id/territory/03358> rl:population/rdf:value 145394 ; rl:area/rdf:value 1881.46 }",
        ),
    ],
)
def test_sample_register_in_the_model(sample: rdflib.Graph, what: str, query: str) -> None:
    assert ask(sample, query), what


def test_same_register_gives_the_same_bytes(tmp_path: Path) -> None:
    first, second = imported(tmp_path / "a"), imported(tmp_path / "b")
    names = sorted(p.name for p in first.iterdir())
    assert names == sorted(p.name for p in second.iterdir())
    assert filecmp.cmpfiles(first, second, names, shallow=False)[0] == names
    again = imported(tmp_path / "a")  # replaces the earlier import, which does not count as curated data
    assert filecmp.cmpfiles(again, second, names, shallow=False)[0] == names


def corrupt(tmp_path: Path, line: int, change) -> Path:
    lines = SAMPLE.read_text(encoding="utf-8").splitlines(keepends=True)
    lines[line - 1] = change(lines[line - 1])
    path = tmp_path / "broken.txt"
    path.write_text("".join(lines), encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("line", "change", "message"),
    [
        (22, lambda t: t[:140] + "00000x" + t[146:], "population (columns 140-150) must be a whole number"),
        (5, lambda t: "70" + t[2:], "unknown record type (Satzart) '70'"),
        (9, lambda t: t[:60] + "\n", "the line has 60 characters"),
        (50, lambda t: t[:122] + "49" + t[124:], "type (Textkennzeichen) '49'"),
        (44, lambda t: t[:2] + "20231301" + t[10:], "Gebietsstand '20231301'"),
        (23, lambda t: t[:18] + "5409" + t[22:], "Gemeindeverband 033585409 of this Gemeinde is not in the file"),
    ],
)
def test_malformed_line_names_file_line_and_fault_and_writes_nothing(
    tmp_path: Path, line: int, change, message: str
) -> None:
    out = imported(tmp_path)
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    broken = corrupt(tmp_path, line, change)
    with pytest.raises(RegisterError) as caught:
        import_register(broken, out, graph_folder="germany")
    assert (caught.value.path, caught.value.line) == (broken, line)
    assert str(caught.value).startswith(f"{broken}:{line}: ") and message in str(caught.value)
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["broken.txt", "germany"]  # no half-written folder


def test_command_reports_the_bad_line_and_exits_1(runner, project_copy: Path, tmp_path: Path) -> None:
    broken = corrupt(tmp_path, 20, lambda t: t.replace("Ahlden (Aller), Flecken", " " * 23, 1))
    result = runner.invoke(main, ["--root", str(project_copy), "import", "gv100ad", str(broken)])
    assert result.exit_code == 1
    assert f"{broken}:20: the name in columns 23-72 is empty; nothing was written" in result.output
    assert not (project_copy / "data" / "germany").exists()


def test_command_writes_into_the_data_folder(runner, project_copy: Path) -> None:
    result = runner.invoke(main, ["--root", str(project_copy), "import", "gv100ad", str(SAMPLE)])
    assert result.exit_code == 0, result.output
    assert "4 Land, 3 Regierungsbezirk, 1 Region, 5 Kreis" in result.output
    graph = parse(project_copy / "data" / "germany" / "03-niedersachsen.ttl")
    assert (
        URIRef(f"{BASE}id/graph/germany/03-niedersachsen"),
        RDF.type,
        URIRef("http://www.w3.org/ns/sparql-service-description#Graph"),
    ) in graph
    assert "left to the curated data" in result.output and not list(
        graph.objects(URIRef(f"{BASE}id/territory/03358"), RL.population)
    )


def test_refuses_to_replace_a_folder_it_did_not_write(tmp_path: Path) -> None:
    out = tmp_path / "germany"
    out.mkdir()
    (out / "notes.ttl").write_text("# mine\n", encoding="utf-8")
    with pytest.raises(RegisterError, match="holds notes.ttl, which the importer did not write"):
        import_register(SAMPLE, out)
    assert [p.name for p in out.iterdir()] == ["notes.ttl"]


def test_next_import_removes_the_working_folder_of_a_killed_one(tmp_path: Path) -> None:
    finished = subprocess.Popen(["true"])
    finished.wait()
    leftover = tmp_path / f".germany.import-{finished.pid}"
    leftover.mkdir()
    (leftover / "03-niedersachsen.ttl").write_text("# half written\n", encoding="utf-8")
    imported(tmp_path)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["germany"]


def test_unknown_edition_needs_the_population_date(tmp_path: Path) -> None:
    other = tmp_path / "2024.txt"
    other.write_text(SAMPLE.read_text(encoding="utf-8").replace("20231130", "20241231"), encoding="utf-8")
    with pytest.raises(RegisterError, match="give it with --population-date"):
        import_register(other, tmp_path / "out")
    out = tmp_path / "out"
    import_register(other, out, population_date=dt.date(2023, 12, 31))
    figures = parse(out / "02-hamburg.ttl")
    assert Literal(dt.date(2023, 12, 31)) in set(figures.objects(None, RL.referenceDate))


@pytest.mark.skipif(not REAL.is_file(), reason=f"the register file {REAL.name} is not in ../shared/data/")
def test_real_register_imports_and_validates_with_the_curated_data(tmp_path: Path) -> None:
    """The whole register (16,035 records), imported into a copy of data/ and validated with it (seconds)."""
    project = tmp_path / "project"
    for folder in ("ontology", "shapes", "data"):
        shutil.copytree(ROOT / folder, project / folder, ignore=shutil.ignore_patterns("examples"))
    out = project / "data" / "germany"
    result = import_register(REAL, out, graph_folder="germany", curated=project / "data")
    assert result.records == {"Land": 16, "Regierungsbezirk": 29, "Region": 12, "Kreis": 400,
                              "Gemeindeverband": 4597, "Gemeinde": 10981}  # fmt: skip
    together = load_build(Settings(base_iri=BASE, root=project))
    assert together.conforms, together.report.format()
    imported_graphs = [g for g in together.data_graphs if g.startswith(f"{BASE}id/graph/germany/")]
    assert len(imported_graphs) == 17
    assert sum(together.graph_sizes[g] for g in imported_graphs) == result.triples

    def count(where: str) -> int:
        current = "FILTER NOT EXISTS { ?t prov:invalidatedAtTime ?ended }"
        query = f"SELECT (COUNT(DISTINCT ?t) AS ?n) WHERE {{ {where} {current} }}"
        return int(next(iter(together.query(query)))["n"].value)

    assert count("?t a rl:DistrictTerritory") == 400
    assert count("?t a rl:MunicipalAssociationTerritory") == 4597 - 3392  # without the verbandsfreie Gemeinden
    assert count("?t a rl:MunicipalityTerritory") == 10981 - 208  # without the gemeindefreie Gebiete
    assert count("?t a rl:UnincorporatedArea") == 208
    assert count("?t a rl:StateTerritory ; rl:population/rdf:value ?v FILTER (?v > 0)") == 16
    assert repeated_statements(together) == 0  # data/register/ (shipped) counts as curated here


@needs_shared
def test_full_import_after_make_data_adds_the_rest_without_repeating_it(tmp_path: Path) -> None:
    """data/register/ wins: an import into data/germany/ leaves out what it says, and both load together."""
    project = tmp_path / "project"
    for folder in ("ontology", "shapes", "data"):
        shutil.copytree(ROOT / folder, project / folder, ignore=shutil.ignore_patterns("examples"))
    assert (project / "data" / "register").is_dir()
    import_register(REAL, project / "data" / "germany", graph_folder="germany", curated=project / "data")
    together = load_build(Settings(base_iri=BASE, root=project))
    assert together.conforms, together.report.format()
    assert len([g for g in together.data_graphs if g.startswith(f"{BASE}id/graph/register/")]) == 17
    assert repeated_statements(together) == 0
    twice = """SELECT ?s WHERE { ?s ?p ?f . ?f rl:rank rl:rank-preferred ; rl:referenceDate ?d }
               GROUP BY ?s ?p ?d HAVING (COUNT(?f) > 1)"""
    assert select(together, twice) == []
    labels = """SELECT ?s WHERE { ?s skos:prefLabel ?l } GROUP BY ?s (LANG(?l)) HAVING (COUNT(DISTINCT ?l) > 1)"""
    assert select(together, labels) == []
    shipped = parse(*sorted((project / "data" / "register").glob("*.ttl")))
    imported = parse(*sorted((project / "data" / "germany").glob("*.ttl")))
    assert set(shipped) & set(imported) == set()


def member_file(folder: Path, *keys: str) -> Path:
    """A Turtle file that names bodies as members of a cooperation without describing them."""
    folder.mkdir(parents=True, exist_ok=True)
    rows = "".join(
        f"<id/membership/test/{key}> a org:Membership ; org:member <id/organization/{key}> ;"
        " org:organization <id/organization/test-cooperation> .\n"
        for key in keys
    )
    path = folder / "test-members.ttl"
    path.write_text(f"@prefix org: <http://www.w3.org/ns/org#> .\n{rows}", encoding="utf-8")
    return path


def territory(key: str) -> URIRef:
    return URIRef(f"{BASE}id/territory/{key}")


def test_members_selection_describes_the_members_of_a_curated_file_with_their_parents(tmp_path: Path) -> None:
    member_file(tmp_path / "curated", "071375007226", "033580002002", "07111", "099999999999")
    out = tmp_path / "register"
    result = import_register(SAMPLE, out, curated=tmp_path / "curated", selection="members")
    assert result.members == ["033580002002", "07111", "071375007226"]
    assert result.unknown_members == ["id/organization/099999999999"]
    graph = parse(*sorted(out.glob("*.ttl")))
    municipalities = set(graph.subjects(RDF.type, RL.MunicipalityTerritory))
    cities = set(graph.subjects(RDF.type, RL.DistrictTerritory)) & municipalities  # Hamburg, Koblenz, Stuttgart
    assert municipalities - cities == {territory("071375007226"), territory("033580002002")}
    assert set(graph.objects(territory("071375007226"), GEO.sfWithin)) == {territory("07137"), territory("071375007")}
    assert set(graph.objects(territory("071375007"), GEO.sfWithin)) == {territory("07137")}
    assert set(graph.objects(territory("07137"), GEO.sfWithin)) == {territory("07"), territory("071")}
    membership = URIRef(f"{BASE}id/membership/071375007/071375007226")
    assert graph.value(membership, ORG.organization) == URIRef(f"{BASE}id/organization/071375007")
    assert len(set(graph.subjects(RDF.type, RL.DistrictTerritory))) == SAMPLE.read_text().count("\n40")
    assert len(set(graph.subjects(RDF.type, RL.StateTerritory))) == 4 - 1 + 1  # Hamburg is its own district


def test_members_selection_alone_validates(project_copy: Path) -> None:
    member_file(project_copy / "members", "071375007226")
    out = project_copy / "data" / "register"
    import_register(SAMPLE, out, graph_folder="register", curated=project_copy / "members", selection="members")
    alone = load_build(Settings(base_iri=BASE, root=project_copy), [out])
    assert alone.conforms, alone.report.format()


def make_data_command(out: Path) -> list[str]:
    """The arguments `make data` passes to regiolod for data/register/ (read from the Makefile), writing to ``out``."""
    text = (ROOT / "Makefile").read_text(encoding="utf-8").replace("\\\n", " ")
    recipe = text.split("\ndata-register:", 1)[1].split("\n", 2)[1]
    words = shlex.split(recipe.replace("$(SHARED)", str(SHARED)))
    words = words[words.index("import") :]
    words[words.index("--out") + 1] = str(out)
    return words


@needs_shared
def test_make_data_gives_the_committed_register_bytes(runner, project_copy: Path) -> None:
    out = project_copy / "data" / "register"
    result = runner.invoke(main, ["--root", str(project_copy), *make_data_command(out)])
    assert result.exit_code == 0, result.output
    names = sorted(p.name for p in SHIPPED.iterdir())
    assert names == sorted(p.name for p in out.iterdir())
    assert filecmp.cmpfiles(SHIPPED, out, names, shallow=False) == (names, [], [])


def register_lines(level: str) -> int:
    return sum(1 for line in REAL.read_text(encoding="utf-8").splitlines() if line.startswith(level))


@needs_shared
def test_shipped_register_counts_every_district_and_land(build) -> None:
    def count(where: str) -> int:
        current = "FILTER NOT EXISTS { ?t prov:invalidatedAtTime ?e }"
        query = f"SELECT (COUNT(DISTINCT ?t) AS ?n) WHERE {{ {where} {current} }}"
        return int(next(iter(build.query(query)))["n"].value)

    assert count("?t a rl:DistrictTerritory") == register_lines("40") == 400
    assert count("?t a rl:StateTerritory") == register_lines("10") == 16
    assert count("?t a rl:Landkreis") + count("?t a rl:KreisfreieStadt") == register_lines("40")
    nuts = count("?t a rl:DistrictTerritory ; skos:notation ?c FILTER (DATATYPE(?c) = rl:NUTS)")
    assert nuts == register_lines("40")


@needs_shared
def test_shipped_wikidata_links_are_the_verified_rows(build) -> None:
    rows = select(build, """SELECT ?t ?w WHERE { ?t a rl:DistrictTerritory ; skos:exactMatch ?w
                          FILTER STRSTARTS(STR(?w), "http://www.wikidata.org/entity/") }""")
    linked = {t.rsplit("/", 1)[1]: w.rsplit("/", 1)[1] for t, w in rows if t and w}
    with DISTRICT_IDS.open(encoding="utf-8") as f:
        table = {r["RS"].zfill(5): r["wd"].rsplit("/", 1)[1] for r in csv.DictReader(f, delimiter="\t")}
    with CITY_IDS.open(encoding="utf-8") as f:
        cities = {r["ags"][:5]: r["wikidata"] for r in csv.DictReader(f)}
    in_register = {line[10:15] for line in REAL.read_text(encoding="utf-8").splitlines() if line.startswith("40")}
    assert len(rows) == len(linked)  # one ID per district
    assert all(table[key] == qid for key, qid in linked.items())
    assert all(linked.get(key, qid) == qid for key, qid in cities.items())
    # verified: key in the register, and the district is the one of 2020 (Rostock is a label only, Wartburgkreis
    # took in Eisenach in 2021; Eisenach itself is no longer in the register)
    assert set(table) - set(linked) == {"16056", "16063", "13072"}
    assert len(linked) == len(set(table) & in_register) - 2


@needs_shared
def test_members_of_new_files_join_the_register_when_it_is_made_again(runner, project_copy: Path) -> None:
    """Stadt Zwickau and Stadt Aachen (Gemeinden in districts), a Gemeinde of a Samtgemeinde, a Samtgemeinde."""
    members = ("145240330330", "053340002002", "033535403001", "033535402")
    member_file(project_copy / "data", *members)
    out = project_copy / "data" / "register"
    result = runner.invoke(main, ["--root", str(project_copy), *make_data_command(out)])
    assert result.exit_code == 0, result.output
    graph = parse(*sorted(out.glob("*.ttl")))
    assert {territory(k) for k in members} <= set(graph.subjects(RDF.type, None))
    assert set(graph.objects(territory("033535403001"), GEO.sfWithin)) == {territory("03353"), territory("033535403")}
    assert set(graph.objects(territory("145240330330"), GEO.sfWithin)) == {territory("14524")}

    def gemeinden(g: rdflib.Graph) -> set[str]:
        cities = set(g.subjects(RDF.type, RL.KreisfreieStadt))
        return {str(s).rsplit("/", 1)[1] for s in g.subjects(RDF.type, RL.Gemeinde) if s not in cities}

    before = gemeinden(parse(*sorted(SHIPPED.glob("*.ttl"))))
    named = {"145240330330", "053340002002", "033535403001"}  # the Gemeinden among the members
    assert named <= gemeinden(graph) and gemeinden(graph) - before == named - before != set()
    (project_copy / "data" / "test-members.ttl").unlink()  # names a cooperation it does not describe
    together = load_build(Settings(base_iri=BASE, root=project_copy))
    assert together.conforms, together.report.format()


@needs_shared
def test_districts_whose_area_changed_since_the_nuts_table_say_so(build) -> None:
    areas: dict[str, int] = {}
    for line in REAL.read_text(encoding="utf-8").splitlines():
        if line.startswith("60"):
            areas[line[10:15]] = areas.get(line[10:15], 0) + int(line[128:139])
    with NUTS_TABLE.open(encoding="utf-8") as f:
        then = {r["AGS"]: float(r["area_km2"]) for r in csv.DictReader(f, delimiter=";") if r["AGS"] in areas}
    changed = {key for key, km2 in then.items() if abs(areas[key] / 100 - km2) > km2 / 100}
    rows = select(build, """SELECT ?t WHERE { ?t a rl:DistrictTerritory ; skos:notation ?c ; skos:note ?n
                            FILTER (DATATYPE(?c) = rl:NUTS && CONTAINS(STR(?n), "NUTS-3-Code (Fassung 2016)")) }""")
    assert {t.rsplit("/", 1)[1] for (t,) in rows if t} == changed
    assert len(changed) == 8  # all in Thüringen


@pytest.mark.parametrize(
    ("german", "english"),
    [
        ("Samtgemeinde Ahlden", "Ahlden (joint municipality)"),
        ("Stadt Bad Fallingbostel", "Bad Fallingbostel (town)"),
        ("Gemeinde Bispingen", "Bispingen (municipality)"),
        ("Landkreis Harburg", "Harburg District"),
        ("Kreis Dithmarschen", "Dithmarschen District"),
        ("Gemeindefreier Bezirk Osterheide", "Osterheide (unincorporated area)"),
        ("Freie und Hansestadt Hamburg", "Freie und Hansestadt Hamburg"),  # a name without a kind in front stays
    ],
)
def test_a_body_gets_an_english_label_with_its_kind_translated(german: str, english: str) -> None:
    assert english_name(german) == english
