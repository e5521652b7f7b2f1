"""Counts that describe a build: triples, things per class, members per cooperation."""

from __future__ import annotations

from dataclasses import dataclass

from publisher.dataset.build import LoadedBuild
from publisher.render.page_data import COVERAGE, dataset_triples_query
from publisher.vocab import shorten

THINGS_PER_CLASS = """
SELECT ?class (COUNT(DISTINCT ?s) AS ?n) WHERE {
  GRAPH ?g { ?s a ?class } FILTER (?g IN (GRAPHS))
} GROUP BY ?class ORDER BY DESC(?n) STR(?class)"""

MEMBERS_PER_COOPERATION = """
SELECT ?org (SAMPLE(?label) AS ?name) (COUNT(DISTINCT ?m) AS ?memberships)
       (COUNT(DISTINCT ?current) AS ?current_members)
WHERE {
  ?m a org:Membership ; org:organization ?org .
  ?org skos:prefLabel ?label FILTER (LANG(?label) = "de")
  OPTIONAL { ?org org:hasMember ?current }
} GROUP BY ?org ORDER BY DESC(?memberships) STR(?org)"""


@dataclass(frozen=True)
class DatasetStats:
    """What a build holds."""

    version: str
    base_iri: str
    triples: int  # every statement in the build's graphs (data, derived, ontology, shapes)
    dataset_triples: int  # distinct triples of the data and derived graphs, as VoID and the dumps count
    triples_per_graph: dict[str, int]
    things_per_class: list[tuple[str, int]]
    members_per_cooperation: list[tuple[str, str, int, int]]
    coverage: list[tuple[str, int]]  # (English wording, number) as the home page shows them

    def format(self) -> str:
        lines = [
            f"build {self.version} (base IRI {self.base_iri}): {self.dataset_triples} triples in the dataset",
            "  (distinct triples of the data and derived graphs, as VoID, the dumps and the home page count them)",
            f"{self.triples} statements in the build's graphs (data, derived, ontology, shapes; the server adds the",
            "  catalog graph, which the home page and the Service Description count too)",
            "",
            "coverage (as the home page shows it):",
            *(f"  {n:>7}  {what}" for what, n in self.coverage),
            "",
            "triples per graph:",
        ]
        lines += [f"  {n:>7}  {g}" for g, n in self.triples_per_graph.items()]
        lines += ["", "things per class (curated data):"]
        lines += [f"  {n:>7}  {c}" for c, n in self.things_per_class]
        lines += ["", "memberships per organization (all / current members):"]
        lines += [f"  {m:>4} / {c:<4} {name}  <{org}>" for org, name, m, c in self.members_per_cooperation]
        return "\n".join(lines)


def dataset_stats(build: LoadedBuild) -> DatasetStats:
    """Count what the build holds."""
    graphs = ", ".join(f"<{g}>" for g in build.data_graphs)
    rows = build.query(THINGS_PER_CLASS.replace("GRAPHS", graphs))
    classes = [(shorten(r["class"].value), int(r["n"].value)) for r in rows]
    members = [
        (r["org"].value, r["name"].value, int(r["memberships"].value), int(r["current_members"].value))
        for r in build.query(MEMBERS_PER_COOPERATION)
    ]
    return DatasetStats(
        version=build.version,
        base_iri=build.base_iri,
        triples=sum(build.graph_sizes.values()),
        dataset_triples=int(next(iter(build.query(dataset_triples_query(build.base_iri))))["triples"].value),
        triples_per_graph=build.graph_sizes,
        things_per_class=classes,
        members_per_cooperation=members,
        coverage=[(c.en, int(next(iter(build.query(c.query)))["n"].value)) for c in COVERAGE],
    )
