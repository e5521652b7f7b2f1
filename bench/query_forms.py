"""What the query forms every engine runs (issue 23, Virtuoso) cost on the embedded store, against the forms before.

Run: .venv/bin/python bench/query_forms.py [--runs N]
Each pair is asked, old form then new, on the shipped build's embedded store (the union of its graphs); reports the
median of each form in milliseconds, the ratio new/old, and whether both gave the same rows (the reference
in the same run is the old form).
"""

from __future__ import annotations

import argparse
import datetime as dt
import re

from timing import ROOT, median_ms, shipped_build

from publisher.render.projection import TERRITORY
from publisher.render.projection_formats import projection_query, start_by_iri
from publisher.vocab import sparql_prologue

TIMELINE = """SELECT DISTINCT ?b WHERE {{
  {{ <{i}> geo:sfWithin+ ?up }} UNION {{ <{i}> dct:spatial/geo:sfWithin+ ?up }}
  ?b dct:spatial ?up . FILTER (isIRI(?b) && ?b != <{i}>)
  {members}
  FILTER NOT EXISTS {{ {{ <{i}> a rl:Cooperation }} UNION {{ ?coop dct:spatial <{i}> ; a rl:Cooperation }} }}
}} ORDER BY ?b"""
OLD_MEMBERS = "FILTER NOT EXISTS { ?b a rl:Cooperation } FILTER EXISTS { ?any org:member ?b }"
NEW_MEMBERS = "?any org:member ?b MINUS { ?b a rl:Cooperation }"
GROUPED = """SELECT ?s (SAMPLE(?l) AS ?label) (SAMPLE(?c) AS ?code) (SAMPLE(?e) AS ?ended)
       (GROUP_CONCAT(DISTINCT STR(?type); separator=" ") AS ?types) WHERE {
  ?s a rl:Territory . OPTIONAL { ?s a ?type FILTER (?type != rl:Territory && STRSTARTS(STR(?type), STR(rl:))) }
  OPTIONAL { ?s skos:prefLabel ?l FILTER (LANG(?l) = "de") }
  OPTIONAL { ?s skos:notation ?c }
  OPTIONAL { ?s prov:invalidatedAtTime ?e }
} GROUP BY ?s"""
ORDER = " ORDER BY LCASE(STR(?label)) ?s"
#: The example query 08 before: the path to ?prior inside FILTER EXISTS.
JOINED_PATH = (
    "?start (^rl:originalTerritory/rl:resultingTerritory|dct:isReplacedBy)* ?prior .\n"
    "    FILTER (STR(?date) > ?from && STR(?date) <= ?to)"
)
EXISTS_PATH = (
    "FILTER (STR(?date) > ?from && STR(?date) <= ?to\n"
    "            && EXISTS { ?start (^rl:originalTerritory/rl:resultingTerritory|dct:isReplacedBy)* ?prior })"
)
#: The projection query before: the start a VALUES, the path beside the OPTIONALs.
SUB_SELECT = re.compile(
    r"\{ SELECT \?start \?result WHERE \{ BIND \((<[^>]+>) AS \?start\) (\?start \S+ \?result) \} \}"
)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=50)
    args = parser.parse_args()
    settings, build = shipped_build()
    store = build.oxigraph
    territory = settings.base_iri + "id/territory/"
    example = (ROOT / "queries" / "08-what-became-of-a-code.rq").read_text(encoding="utf-8")
    projection = projection_query(
        start_by_iri(territory + "033580024024"), TERRITORY, dt.date.today(), dt.date(2019, 1, 1)
    )
    pairs = {
        "timeline: containing bodies": (
            TIMELINE.format(i=territory + "03358", members=OLD_MEMBERS),
            TIMELINE.format(i=territory + "03358", members=NEW_MEMBERS),
        ),
        "listing: every territory": (
            GROUPED + ORDER,
            f"SELECT ?s ?label ?code ?ended ?types WHERE {{ {{ {GROUPED} }} }}{ORDER}",
        ),
        "example 08": (example.replace(JOINED_PATH, EXISTS_PATH), example),
        "projection backwards": (SUB_SELECT.sub(r"VALUES ?start { \1 }\n  \2 .", projection), projection),
    }

    def rows(query: str) -> list[tuple[str, ...]]:
        solutions = store.query(sparql_prologue() + query, use_default_graph_as_union=True)
        return [tuple(str(value) for value in row) for row in solutions]  # type: ignore[union-attr]

    def same(old: list[tuple[str, ...]], new: list[tuple[str, ...]]) -> bool:
        """The same rows, a GROUP_CONCAT's values in any order (SPARQL leaves it open)."""
        return sorted(tuple(" ".join(sorted(v.split())) for v in r) for r in old) == sorted(
            tuple(" ".join(sorted(v.split())) for v in r) for r in new
        )

    print(f"{'query':30} {'old ms':>8} {'new ms':>8} {'new/old':>8}  same rows")
    for name, (old, new) in pairs.items():
        assert old != new, name
        agree = same(rows(old), rows(new))
        old_ms = median_ms(lambda: rows(old), args.runs)  # noqa: B023
        new_ms = median_ms(lambda: rows(new), args.runs)  # noqa: B023
        print(f"{name:30} {old_ms:8.2f} {new_ms:8.2f} {new_ms / old_ms:8.2f}  {agree} ({len(rows(new))})")


if __name__ == "__main__":
    main()
