"""The store validator gives the same results as pySHACL, the reference, on every case we can build.

Each case is validated by both engines over the same store; the results are compared as multisets of
(focus, path, value, constraint component, severity, source shape), with the messages where the shape
declares them (sh:message) and, for sh:node, the nested results that explain the failure.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pyoxigraph as ox
import pytest

from publisher.config import Settings
from publisher.dataset.build import discover_files, load_files
from publisher.dataset.sources import SourceFile
from publisher.dataset.validate import check_store, validate_store
from publisher.shacl.evaluator import Result
from publisher.shacl.shapes import UnsupportedShapeError
from publisher.vocab import sparql_prologue
from tests.conftest import BASE, ROOT

SH = "http://www.w3.org/ns/shacl#"
XSD = "http://www.w3.org/2001/XMLSchema#"
EXAMPLES = sorted((ROOT / "shapes" / "examples").glob("*/*.ttl"))


def declares_message(store: ox.Store, shape: ox.NamedNode | ox.BlankNode) -> bool:
    """Tell whether a shape (or one of its SPARQL constraints) has sh:message."""
    message, sparql = ox.NamedNode(SH + "message"), ox.NamedNode(SH + "sparql")
    owners = [shape, *(q.object for q in store.quads_for_pattern(shape, sparql, None))]
    return any(any(store.quads_for_pattern(owner, message, None)) for owner in owners)


def result_key(store: ox.Store, r: Result) -> tuple:
    """What both engines must agree on; generic messages (no sh:message) are worded by each engine."""
    declared = declares_message(store, r.source_shape)
    details = frozenset(Counter(result_key(store, d) for d in r.details).items())
    messages = r.messages if declared else None
    return (r.focus, r.path, r.value, r.component, r.severity, r.source_shape, messages, details)


def both_engines(store: ox.Store, files: list[SourceFile]) -> tuple[Counter, Counter]:
    results = [check_store(store, files, engine) for engine in ("store", "pyshacl")]
    ours, reference = (Counter(result_key(store, r) for r in rs) for rs in results)
    return ours, reference


def load(settings: Settings, paths: list[Path] | None = None) -> tuple[ox.Store, list[SourceFile]]:
    files = discover_files(settings, paths)
    return load_files(files, settings.base_iri), files


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: f"{p.parent.name}-{p.stem}")
def test_examples_give_the_same_results_in_both_engines(settings: Settings, path: Path) -> None:
    store, files = load(settings, [path])
    ours, reference = both_engines(store, files)
    assert ours == reference
    assert bool(ours) == (path.parent.name == "invalid")


@pytest.fixture(scope="module")
def shipped(settings: Settings) -> tuple[ox.Store, list[SourceFile]]:
    return load(settings)


def test_shipped_data_gives_the_same_results_in_both_engines(shipped) -> None:
    store, files = shipped
    assert both_engines(store, files) == (Counter(), Counter())


# Each group of mutations breaks many things of the shipped data at once (SPARQL Update over all graphs).
MUTATIONS = {
    "required-properties-removed": [
        # German labels of the Länder, sources of the area figures, dates of the changes, members.
        "DELETE { GRAPH ?g { ?t skos:prefLabel ?l } } WHERE { GRAPH ?g { ?t a rl:StateTerritory ; skos:prefLabel ?l "
        "FILTER (LANG(?l) = 'de') } }",
        "DELETE { GRAPH ?g { ?f dct:source ?s } } WHERE { GRAPH ?g { ?t rl:area ?f . ?f dct:source ?s } }",
        "DELETE { GRAPH ?g { ?c dct:date ?d } } WHERE { GRAPH ?g { ?c a org:ChangeEvent ; dct:date ?d } }",
        "DELETE { GRAPH ?g { ?m org:member ?x } } WHERE { GRAPH ?g { ?m org:member ?x ; rl:coverage ?c } }",
        "DELETE { GRAPH ?g { ?d skos:definition ?x } } WHERE { GRAPH ?g { ?d skos:inScheme rl:Ranks ; "
        "skos:definition ?x FILTER (LANG(?x) = 'de') } }",
    ],
    "wrong-datatypes-and-keys": [
        # Numbers as text, impossible and untyped dates, founding years as words, short and lower-case codes.
        "DELETE { GRAPH ?g { ?f rdf:value ?v } } INSERT { GRAPH ?g { ?f rdf:value ?s } } WHERE { GRAPH ?g { "
        "?f rdf:value ?v ; rl:referenceDate '2022-12-31'^^xsd:date BIND (STR(?v) AS ?s) } }",
        "DELETE { GRAPH ?g { ?f rl:referenceDate ?d } } "
        "INSERT { GRAPH ?g { ?f rl:referenceDate '2019-02-30'^^xsd:date } } "
        "WHERE { GRAPH ?g { ?f rl:referenceDate ?d FILTER (?d = '2023-11-30'^^xsd:date) } }",
        "DELETE { GRAPH ?g { ?x dct:modified ?d } } INSERT { GRAPH ?g { ?x dct:modified ?s } } WHERE { GRAPH ?g { "
        "?x dct:modified ?d BIND (STR(?d) AS ?s) } }",
        "DELETE { GRAPH ?g { ?x rl:founded ?y } } INSERT { GRAPH ?g { ?x rl:founded ?s } } WHERE { GRAPH ?g { "
        "?x rl:founded ?y BIND (CONCAT('im Jahr ', STR(?y)) AS ?s) } }",
        "DELETE { GRAPH ?g { ?x skos:notation ?n } } INSERT { GRAPH ?g { ?x skos:notation ?m } } WHERE { GRAPH ?g { "
        "?x skos:notation ?n FILTER (DATATYPE(?n) = rl:AGS && STRSTARTS(STR(?n), '03358')) "
        "BIND (STRDT(SUBSTR(STR(?n), 2), rl:AGS) AS ?m) } }",
        "DELETE { GRAPH ?g { ?x skos:notation ?n } } INSERT { GRAPH ?g { ?x skos:notation ?m } } WHERE { GRAPH ?g { "
        "?x skos:notation ?n FILTER (DATATYPE(?n) = rl:NUTS) BIND (STRDT(LCASE(STR(?n)), rl:NUTS) AS ?m) } }",
        "DELETE { GRAPH ?g { ?x skos:notation ?n } } INSERT { GRAPH ?g { ?x skos:notation ?m } } WHERE { GRAPH ?g { "
        "?x skos:notation ?n FILTER (DATATYPE(?n) = rl:ARS && STRENDS(STR(?n), '1')) "
        "BIND (STRDT(CONCAT(SUBSTR(STR(?n), 1, 11), '9'), rl:ARS) AS ?m) } }",
        "DELETE { GRAPH ?g { ?f rl:approximate ?a } } INSERT { GRAPH ?g { ?f rl:approximate 'true' } } "
        "WHERE { GRAPH ?g { ?f rl:approximate ?a } }",
    ],
    "ends-before-beginnings": [
        "DELETE { GRAPH ?g { ?i time:inXSDDate ?d } } INSERT { GRAPH ?g { ?i time:inXSDDate '1900-01-01'^^xsd:date } }"
        " WHERE { GRAPH ?g { ?v time:hasEnd ?i . ?i time:inXSDDate ?d } }",
        "DELETE { GRAPH ?g { ?i time:inXSDgYear ?d } } INSERT { GRAPH ?g { ?i time:inXSDgYear '1900'^^xsd:gYear } }"
        " WHERE { GRAPH ?g { ?v time:hasEnd ?i . ?i time:inXSDgYear ?d } }",
        "DELETE { GRAPH ?g { ?x prov:invalidatedAtTime ?d } } "
        "INSERT { GRAPH ?g { ?x prov:invalidatedAtTime '1900-01-01T00:00:00'^^xsd:dateTime ; "
        "prov:generatedAtTime '1950-01-01T00:00:00'^^xsd:dateTime } } "
        "WHERE { GRAPH ?g { ?x prov:invalidatedAtTime ?d } }",
        # An instant with both a date and a year (sh:xone), another with neither.
        "INSERT { GRAPH ?g { ?i time:inXSDgYear '2000'^^xsd:gYear } } WHERE { GRAPH ?g { ?v time:hasBeginning ?i . "
        "?i time:inXSDDate ?d } }",
        "DELETE { GRAPH ?g { ?i time:inXSDgYear ?d } } WHERE { GRAPH ?g { ?v time:hasBeginning ?i . "
        "?i time:inXSDgYear ?d } }",
        # A second end for every interval that has one (sh:maxCount).
        "INSERT { GRAPH ?g { ?v time:hasEnd [ time:inXSDDate '2000-01-01'^^xsd:date ] } } WHERE { GRAPH ?g { "
        "?v time:hasEnd ?e } }",
    ],
    "types-and-links-broken": [
        # Municipal territories lose their types; the ontology loses a subclass axiom (targets and sh:class
        # follow rdfs:subClassOf in the data graph); a second German label; members that are the organisation.
        "DELETE { GRAPH ?g { ?t a ?c } } WHERE { GRAPH ?g { ?t a rl:MunicipalityTerritory , ?c } }",
        "DELETE WHERE { GRAPH ?g { rl:Cooperation rdfs:subClassOf ?c } }",
        "DELETE WHERE { GRAPH ?g { rl:Samtgemeinde rdfs:subClassOf ?c } }",
        "INSERT { GRAPH ?g { ?t skos:prefLabel ?x } } WHERE { GRAPH ?g { ?t a rl:DistrictTerritory ; skos:prefLabel ?l "
        "FILTER (LANG(?l) = 'de') BIND (STRLANG(CONCAT('Kreis ', STR(?l)), 'de') AS ?x) } }",
        "INSERT { GRAPH ?g { ?m org:organization ?x } } "
        "WHERE { GRAPH ?g { ?m org:member ?x ; org:role rl:role-partner } }",
        "INSERT { GRAPH ?g { ?x org:classification rl:rank-preferred ; rl:seat ?f } } WHERE { GRAPH ?g { "
        "?x a rl:Samtgemeinde ; dct:spatial ?t . ?t rl:area ?f } }",
        "DELETE { GRAPH ?g { ?f dct:source ?s } } INSERT { GRAPH ?g { ?f dct:source 'Destatis' } } "
        "WHERE { GRAPH ?g { ?t rl:population ?f . ?f dct:source ?s ; rl:rank rl:rank-preferred } }",
    ],
}


@pytest.mark.parametrize("name", sorted(MUTATIONS))
def test_mutated_shipped_data_gives_the_same_results_in_both_engines(settings: Settings, name: str) -> None:
    store, files = load(settings)
    for update in MUTATIONS[name]:
        store.update(sparql_prologue() + update)
    ours, reference = both_engines(store, files)
    assert ours == reference
    assert len({key[3] for key in ours}) >= 2  # each group breaks more than one kind of constraint


SHAPES = """
@prefix sh: <http://www.w3.org/ns/shacl#> .
@prefix ex: <http://example.org/> .
@prefix rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .

ex:ThingShape a sh:NodeShape ;
    sh:targetClass ex:Thing ;
    sh:property [ sh:path ex:colour ; sh:in ( ex:red ex:green ) ; sh:severity sh:Warning ] ;
    sh:property [ sh:path ex:code ; sh:pattern "^ab" ; sh:flags "i" ; sh:severity sh:Info ] ;
    sh:property [ sh:path ex:name ; sh:languageIn ( "de" "en-GB" ) ; sh:uniqueLang true ] ;
    sh:property [ sh:path ex:same ; sh:equals ex:alias ] ;
    sh:property [ sh:path ex:part ; sh:not [ sh:class ex:Thing ] ] ;
    sh:property [ sh:path ex:part ; sh:and ( [ sh:nodeKind sh:BlankNodeOrIRI ] [ sh:node ex:NamedShape ] ) ] ;
    sh:property [ sh:path ex:tag ; sh:qualifiedValueShape [ sh:datatype xsd:string ] ;
                  sh:qualifiedMinCount 1 ; sh:qualifiedMaxCount 1 ] ;
    sh:property [ sh:path ex:count ; sh:datatype xsd:integer ] ;
    sh:property [ sh:path ex:when ; sh:datatype xsd:date ] ;
    sh:property [ sh:path ex:at ; sh:datatype xsd:dateTime ] ;
    sh:property [ sh:path ex:flag ; sh:datatype xsd:boolean ] ;
    sh:property [ sh:path ex:amount ; sh:datatype xsd:decimal ] ;
    sh:property [ sh:path ex:text ; sh:datatype xsd:string ] ;
    sh:property [ sh:path ex:label ; sh:datatype rdf:langString ] ;
    sh:property [ sh:path ex:anything ; sh:datatype rdfs:Literal ] ;
    sh:property [ sh:path ex:off ; sh:minCount 1 ; sh:deactivated true ] ;
    sh:property [ sh:path ex:part ; sh:node ex:NamedShape ] ;
    sh:property [ sh:path ex:owner ; sh:class ex:Thing ] ;
    sh:property [ sh:path ex:same ; sh:disjoint ex:other ] ;
    sh:property [ sh:path ex:required ; sh:minCount 1 ] ;
    sh:property [ sh:path ex:end ; sh:sparql [ sh:select '''SELECT $this ?value WHERE {
        $this $PATH ?value ; <http://example.org/start> ?s FILTER (?value < ?s) }''' ] ] .

ex:NamedShape a sh:NodeShape ;
    sh:property [ sh:path ex:name ; sh:minCount 1 ] ;
    sh:message "needs a name"@en , "braucht einen Namen"@de .

ex:TargetNodeShape a sh:NodeShape ; sh:targetNode ex:a , ex:missing ; sh:hasValue ex:a .

ex:ObjectsShape a sh:NodeShape ; sh:targetObjectsOf ex:part ; sh:nodeKind sh:IRI ; sh:severity sh:Warning ;
    sh:message "parts are named" .

ex:Kind a rdfs:Class , sh:NodeShape ;
    sh:property [ sh:path ex:code ; sh:maxCount 1 ; sh:nodeKind sh:Literal ] ;
    sh:xone ( [ sh:path ex:code ; sh:minCount 1 ] [ sh:path ex:alias ; sh:minCount 1 ] ) ;
    sh:or ( [ sh:class ex:Thing ] [ sh:class ex:Other ] ) .

ex:Off a sh:NodeShape ; sh:targetClass ex:Thing ; sh:deactivated true ; sh:nodeKind sh:BlankNode .
"""

DATA = """
@prefix ex: <http://example.org/> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .

ex:SubThing rdfs:subClassOf ex:Thing .
ex:t1 a ex:Thing ; ex:colour ex:blue , ex:red ; ex:code "XYZ" , "ABc" , ex:iri ;
    ex:name "a"@de , "b"@de , "c"@fr , "d"@en-GB , "e"@en , "f" ;
    ex:same ex:x ; ex:alias ex:y ; ex:part ex:t2 , [ ex:name "n" ] , ex:p3 , "literal" ;
    ex:tag "x" , "y" , 1 ; ex:count "abc"^^xsd:integer , 5 , "-7"^^xsd:integer ;
    ex:when "2019-02-30"^^xsd:date , "2020-02-29"^^xsd:date , "2021-02-29"^^xsd:date , "2020-13-01"^^xsd:date ;
    ex:at "2019-01-01T25:00:00"^^xsd:dateTime , "2019-01-01T10:00:00Z"^^xsd:dateTime , "noon"^^xsd:dateTime ;
    ex:flag true , "0"^^xsd:boolean , "1"^^xsd:decimal ;
    ex:amount "1.5"^^xsd:decimal , "1,5"^^xsd:decimal , 3 ;
    ex:text "x"@de , "y" , "z"^^ex:custom ; ex:label "z" , "w"@en ; ex:anything 1 , "a"@de , ex:i ;
    ex:start 5 ; ex:end 3 , 7 ; ex:owner ex:t2 , ex:k3 , "t1" ; ex:other ex:x , ex:y .
ex:t2 a ex:SubThing ; ex:name "t2"@de ; ex:tag "only" ; ex:required ex:t1 .
ex:p3 ex:other 1 .
ex:k1 a ex:Kind , ex:Thing ; ex:code "a" , "b" ; ex:alias ex:z .
ex:k2 a ex:Kind ; ex:code ex:iri .
ex:k3 a ex:Kind , ex:Other .
ex:a ex:b ex:c .
"""


def synthetic(shapes: str, data: str) -> tuple[ox.Store, list[SourceFile]]:
    """A store with one shapes graph and one data graph, as load_files would make it."""
    store = ox.Store()
    files = [SourceFile(Path("shapes.ttl"), "shapes", "http://example.org/shapes"),
             SourceFile(Path("data.ttl"), "data", "http://example.org/data")]
    for f, text in zip(files, (shapes, data), strict=True):
        store.load(text.encode(), format=ox.RdfFormat.TURTLE, to_graph=ox.NamedNode(f.graph))
    return store, files


def test_every_supported_constraint_gives_the_same_results_in_both_engines() -> None:
    """Components, targets, severities and datatypes our shapes do not use yet are held to pySHACL too."""
    store, files = synthetic(SHAPES, DATA)
    ours, reference = both_engines(store, files)
    assert ours == reference
    components = {key[3] for key in ours}
    assert len(components) == 20, sorted(components)
    assert {key[4] for key in ours} == {"Violation", "Warning", "Info"}


@pytest.mark.parametrize(
    ("shape", "feature"),
    [
        ("ex:S sh:targetClass ex:T ; sh:property [ sh:path ex:p ; sh:minInclusive 1 ] .", "sh:minInclusive"),
        ("ex:S sh:targetClass ex:T ; sh:closed true .", "sh:closed"),
        ("ex:S sh:targetClass ex:T ; sh:property [ sh:path [ sh:inversePath ex:p ] ; sh:minCount 1 ] .",
         "a path expression"),
        ("ex:S sh:targetClass ex:T ; sh:node ex:R . ex:R sh:node ex:S .", "recursive shape"),
        ('ex:S sh:targetClass ex:T ; sh:sparql [ sh:select "SELECT $this WHERE { OPTIONAL { $this ex:p ?o } }" ] .',
         "needs $this pre-bound"),
        ("ex:S sh:targetClass ex:T ; sh:property [ sh:path ex:p ; sh:qualifiedValueShape [ sh:class ex:T ] ; "
         "sh:qualifiedMinCount 1 ; sh:qualifiedValueShapesDisjoint true ] .", "sh:qualifiedValueShapesDisjoint"),
        ("ex:S sh:targetClass ex:T ; sh:target [ a sh:SPARQLTarget ] .", "sh:target"),
        ("ex:S sh:targetClass ex:T ; sh:targetNode <<( ex:a ex:b ex:c )>> .", "a triple term"),
    ],
)
def test_unsupported_features_fail_at_load(shape: str, feature: str) -> None:
    prefixes = "@prefix sh: <http://www.w3.org/ns/shacl#> . @prefix ex: <http://example.org/> .\n"
    store, files = synthetic(prefixes + shape, "<http://example.org/x> a <http://example.org/T> .")
    with pytest.raises(UnsupportedShapeError, match="unsupported SHACL feature") as caught:
        validate_store(store, files)
    assert feature in str(caught.value)
    assert "<http://example.org/S>" in str(caught.value) or "<http://example.org/R>" in str(caught.value)


def test_a_shape_referred_to_but_not_defined_fails_at_load() -> None:
    shapes = "@prefix sh: <http://www.w3.org/ns/shacl#> . @prefix ex: <http://example.org/> . ex:S sh:node ex:Typo ."
    store, files = synthetic(shapes, "")
    with pytest.raises(UnsupportedShapeError, match="<http://example.org/Typo> is used as a shape but not defined"):
        validate_store(store, files)


def test_store_engine_is_the_default_and_unknown_engines_are_refused(settings: Settings, monkeypatch) -> None:
    store, files = load(settings, [ROOT / "shapes" / "examples" / "invalid" / "ended-before-begun.ttl"])
    monkeypatch.setattr("publisher.dataset.validate.pyshacl_results", lambda *args: pytest.fail("pySHACL was used"))
    [issue] = validate_store(store, files).issues
    assert issue.focus == f"<{BASE}id/territory/999990001001>"
    with pytest.raises(ValueError, match="unknown validation engine"):
        validate_store(store, files, engine="fast")


@pytest.mark.parametrize(
    ("lexical", "datatype", "valid"),
    [
        ("5", "integer", True),
        ("-007", "integer", True),
        ("1_000", "integer", False),  # Python's int() reads it; XSD does not
        ("1.5", "decimal", True),
        ("1,5", "decimal", False),
        ("1e3", "decimal", False),
        ("1e3", "double", True),
        ("INF", "float", True),
        ("yes", "boolean", False),
        ("2020-02-29", "date", True),
        ("2021-02-29", "date", False),
        ("2020-01-01Z", "date", True),
        ("2020-1-01", "date", False),
        ("2019-01-01T10:00:00.5+01:00", "dateTime", True),
        ("2019-01-01", "dateTime", False),  # pySHACL (Python's fromisoformat) accepts it
        ("2019-01-01T24:00:01", "dateTime", False),
        ("1998", "gYear", True),
        ("neunzehnhundert", "gYear", True),  # not a SPARQL operand type: only the IRI counts (SHACL §4.2.1)
    ],
)
def test_datatype_follows_the_xsd_lexical_spaces(lexical: str, datatype: str, valid: bool) -> None:
    shapes = (
        "@prefix sh: <http://www.w3.org/ns/shacl#> . @prefix ex: <http://example.org/> .\n"
        f"ex:S sh:targetSubjectsOf ex:p ; sh:property [ sh:path ex:p ; sh:datatype <{XSD}{datatype}> ] ."
    )
    data = f'<http://example.org/x> <http://example.org/p> "{lexical}"^^<{XSD}{datatype}> .'
    store, files = synthetic(shapes, data)
    assert (check_store(store, files) == []) is valid


def test_language_in_matches_language_ranges_as_sparql_lang_matches() -> None:
    """SHACL §4.4.3 uses langMatches: "en-GB" admits "en-GB-oed" (pySHACL compares the first subtag only)."""
    shapes = (
        "@prefix sh: <http://www.w3.org/ns/shacl#> . @prefix ex: <http://example.org/> .\n"
        'ex:S sh:targetSubjectsOf ex:p ; sh:property [ sh:path ex:p ; sh:languageIn ( "de" "en-GB" ) ] .'
    )
    data = "@prefix ex: <http://example.org/> . ex:x ex:p 'a'@DE-at , 'b'@en-gb-oed , 'c'@en , 'd'@deu , 'e' ."
    store, files = synthetic(shapes, data)
    assert sorted(r.value.value for r in check_store(store, files)) == ["c", "d", "e"]


def test_sparql_constraints_see_the_data_graphs_only() -> None:
    """Triples outside the data graphs neither add violations nor hide them (SHACL §3.2: the data graph)."""
    shapes = """
        @prefix sh: <http://www.w3.org/ns/shacl#> . @prefix ex: <http://example.org/> .
        ex:Big sh:targetSubjectsOf ex:p ; sh:sparql [ sh:message "too big: {?value}" ;
            sh:select "SELECT $this ?value WHERE { $this <http://example.org/p> ?value FILTER (?value > 3) }" ] .
        ex:Paired sh:targetSubjectsOf ex:p ; sh:sparql [ sh:message "no ex:q" ; sh:select '''SELECT $this WHERE {
            $this <http://example.org/p> ?v FILTER NOT EXISTS { $this <http://example.org/q> ?w } }''' ] .
        ex:x ex:p 5 ; ex:q 1 .
    """
    store, files = synthetic(shapes, "<http://example.org/x> <http://example.org/p> 1 .")
    ours, reference = both_engines(store, files)
    assert ours == reference
    assert [(key[0].value, key[6]) for key in ours] == [("http://example.org/x", ("no ex:q",))]


def test_the_pyshacl_engine_names_the_triple_terms_rdflib_cannot_hold() -> None:
    """The reference engine copies the data into rdflib, which has no RDF 1.2 triple terms: it says so."""
    prefixes = "@prefix sh: <http://www.w3.org/ns/shacl#> . @prefix ex: <http://example.org/> .\n"
    shapes = prefixes + "ex:S sh:targetClass ex:T ; sh:property [ sh:path ex:p ; sh:minCount 1 ] ."
    store, files = synthetic(shapes, prefixes + "ex:x a ex:T ; ex:p <<( ex:a ex:b ex:c )>> .")
    with pytest.raises(ValueError, match=r"no triple terms \(RDF 1\.2\).*<http://example\.org/a>"):
        check_store(store, files, engine="pyshacl")
