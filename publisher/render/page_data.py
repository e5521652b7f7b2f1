"""What the HTML pages show beyond a thing's own statements: tables, history, lists, counts.

Each function asks the store one project-written query and returns plain data for a template.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass

from publisher.dataset.enrich import CURRENT_MEMBERSHIP, today_bindings
from publisher.render.html import Labeller
from publisher.store.embedded import EmbeddedStore
from publisher.vocab import expand


@dataclass
class MembershipRow:
    membership: str
    other: str
    other_label: str
    role: str
    begin: str
    end: str
    periods: str
    coverage: str
    note: str
    current: bool


def val(row, name: str) -> str:
    term = row.get(name)
    return term.value if term is not None else ""


def membership_rows(
    store: EmbeddedStore, iri: str, side: str, lab: Labeller, today: dt.date | None = None
) -> list[MembershipRow]:
    """Memberships where the thing is the organization (``side="organization"``) or the member."""
    other = "member" if side == "organization" else "organization"
    # Each OPTIONAL repeats which memberships it is about: the engine may evaluate an OPTIONAL's
    # pattern on its own and join afterwards, and the interval paths alone cover every membership
    # of the dataset (5 M triples: 3 s per side for a page, 1 ms with the thing named).
    own = f"?m org:{side} <{iri}> ."
    rows = store.select(f"""
        SELECT ?m ?other ?role ?begin ?end ?note ?coverage
               (GROUP_CONCAT(DISTINCT ?period; separator=" ") AS ?periods) (BOUND(?cur) AS ?current)
        WHERE {{
          ?m a org:Membership ; org:{side} <{iri}> ; org:{other} ?other ; org:role ?role .
          OPTIONAL {{ {own} ?m org:memberDuring/time:hasBeginning/(time:inXSDDate|time:inXSDgYear) ?begin }}
          OPTIONAL {{ {own} ?m org:memberDuring/time:hasEnd/(time:inXSDDate|time:inXSDgYear) ?end }}
          OPTIONAL {{ {own} ?m rl:fundingPeriod/skos:notation ?period }}
          OPTIONAL {{ {own} ?m rl:coverage ?coverage }}
          OPTIONAL {{ {own} ?m skos:note ?note }}
          OPTIONAL {{ {{ SELECT ?m (1 AS ?cur) WHERE {{
            {today_bindings(today or dt.date.today())}
            ?m a org:Membership ; org:{side} <{iri}> . {CURRENT_MEMBERSHIP} }} }} }}
        }} GROUP BY ?m ?other ?role ?begin ?end ?note ?coverage ?cur""")
    labels = {v for r in rows for v in (val(r, "other"), val(r, "role"), val(r, "coverage")) if v}
    lab.learn(store.labels, labels)
    result = [
        MembershipRow(
            membership=val(r, "m"),
            other=val(r, "other"),
            other_label=lab.label(val(r, "other")),
            role=lab.label(val(r, "role")),
            begin=val(r, "begin"),
            end=val(r, "end"),
            periods=", ".join(sorted(val(r, "periods").split())),
            coverage=lab.label(val(r, "coverage")) if val(r, "coverage") else "",
            note=val(r, "note"),
            current=val(r, "current") == "true",
        )
        for r in rows
    ]
    result.sort(key=lambda m: (not m.current, m.other_label.casefold(), m.begin, m.membership))
    return result


@dataclass
class HistoryEntry:
    event: str
    label: str
    date: str
    kind: str


def history(store: EmbeddedStore, iri: str, lab: Labeller) -> list[HistoryEntry]:
    """Change events the thing took part in, oldest first.

    Two queries: the events from the thing (selective), then their dates and types for exactly those.
    In one query the engine evaluates ``?e a org:ChangeEvent ; dct:date ?date`` and the OPTIONAL over
    every change event of the dataset and joins afterwards (100 ms per page at 5 M statements, 2 ms so).
    """
    events = store.select(f"""
        SELECT DISTINCT ?e WHERE {{
          {{ ?e org:originalOrganization|org:resultingOrganization|rl:originalTerritory|rl:resultingTerritory
                <{iri}> }}
          UNION {{ <{iri}> dct:spatial ?t .
                   ?x dct:spatial ?t . ?e org:originalOrganization|org:resultingOrganization ?x }}
          FILTER (isIRI(?e) && ?e != <{iri}>)
        }}""")
    if not events:
        return []
    values = " ".join(sorted(f"<{val(r, 'e')}>" for r in events))
    rows = store.select(f"""
        SELECT ?e ?date (GROUP_CONCAT(DISTINCT STR(?type); separator=" ") AS ?types) WHERE {{
          VALUES ?e {{ {values} }}
          ?e a org:ChangeEvent ; dct:date ?date .
          OPTIONAL {{ VALUES ?e {{ {values} }} ?e dct:type ?type }}
        }} GROUP BY ?e ?date ORDER BY ?date ?e""")
    iris = {val(r, "e") for r in rows} | {t for r in rows for t in val(r, "types").split()}
    lab.learn(store.labels, iris)
    return [
        HistoryEntry(
            val(r, "e"),
            lab.label(val(r, "e")),
            val(r, "date"),
            ", ".join(lab.label(t) for t in sorted(val(r, "types").split())),
        )
        for r in rows
    ]


@dataclass
class GraphInfo:
    graph: str
    label: str
    licence: str
    licence_label: str
    attribution: str
    sources: list[str]


def provenance(store: EmbeddedStore, graphs: set[str], lab: Labeller) -> list[GraphInfo]:
    """The named graphs a description comes from, with licence, attribution and sources."""
    if not graphs:
        return []
    values = " ".join(f"<{g}>" for g in sorted(graphs))
    rows = store.select(f"""
        SELECT ?g ?licence ?attribution (GROUP_CONCAT(DISTINCT STR(?src); separator=" ") AS ?sources) WHERE {{
          VALUES ?g {{ {values} }}
          OPTIONAL {{ ?g dct:license ?licence }}
          OPTIONAL {{ ?g dcatde:licenseAttributionByText ?attribution }}
          OPTIONAL {{ ?g prov:wasDerivedFrom ?src }}
        }} GROUP BY ?g ?licence ?attribution ORDER BY ?g""")
    iris = set(graphs) | {s for r in rows for s in val(r, "sources").split()}
    lab.learn(store.labels, iris)
    return [
        GraphInfo(
            val(r, "g"),
            lab.label(val(r, "g")),
            val(r, "licence"),
            val(r, "licence").rsplit("/licenses/", 1)[-1],
            val(r, "attribution"),
            sorted(val(r, "sources").split()),
        )
        for r in rows
    ]


KINDS = [
    ("rl:Territory", "Gebiete", "Territories"),
    ("rl:AdministrativeBody", "Verwaltungskörperschaften", "Administrative bodies"),
    ("rl:Cooperation", "Kooperationen", "Cooperations"),
    ("org:Membership", "Mitgliedschaften", "Memberships"),
    ("org:ChangeEvent", "Änderungen", "Changes"),
    ("rl:Figure", "Zahlenangaben", "Figures"),
]


def dataset_triples_query(base: str) -> str:
    """The query that counts the dataset's triples as the dumps and VoID do: distinct triples of the data
    graphs and the derived graph (every graph under ``{base}id/graph/`` but the catalog)."""
    return (
        "SELECT (COUNT(*) AS ?triples) WHERE {\n"
        "  SELECT DISTINCT ?s ?p ?o WHERE {\n"
        "    GRAPH ?g { ?s ?p ?o }\n"
        f'    FILTER (STRSTARTS(STR(?g), "{base}id/graph/") && ?g != <{base}id/graph/catalog>)\n'
        "  }\n"
        "}\n"
    )


#: The query that counts every statement the endpoint holds: each named graph's (data, derived, ontology,
#: shapes, catalog), as the Service Description's graph sizes add up.
ALL_STATEMENTS_QUERY = "SELECT (COUNT(*) AS ?statements) WHERE { GRAPH ?g { ?s ?p ?o } }\n"


def counts(store: EmbeddedStore) -> dict[str, int]:
    """Things per kind shown on the home page."""
    union = " UNION ".join(f"{{ ?s a {k} BIND ({k} AS ?kind) }}" for k, _, _ in KINDS)
    rows = store.select(f"SELECT ?kind (COUNT(DISTINCT ?s) AS ?n) WHERE {{ {union} }} GROUP BY ?kind")
    found = {r["kind"].value: int(r["n"].value) for r in rows}
    return {k: found.get(expand(k), 0) for k, _, _ in KINDS}


@dataclass(frozen=True)
class ListEntry:
    iri: str
    label: str
    types: tuple[str, ...]
    code: str
    ended: bool


@dataclass
class Listing:
    """Every thing of a kind, ordered by German label, and how many things each type has (by type IRI)."""

    entries: list[ListEntry]
    counts: dict[str, int]

    def of_type(self, type_iri: str | None) -> list[ListEntry]:
        """The entries of one of the listed types, or all of them."""
        if type_iri is None:
            return self.entries
        return [e for e in self.entries if type_iri in e.types]


LISTS = {
    "territories": ("rl:Territory", {"de": "Gebiete", "en": "Territories"}),
    "organizations": ("org:Organization", {"de": "Organisationen", "en": "Organisations"}),
}


def listing(store: EmbeddedStore, kind: str) -> Listing:
    """Every thing of a kind, ordered by label, with its types (rl: subclasses of a territory, an
    organization's classifications).

    The whole list, not a page, and neither filtered nor labelled for a language: the order is by
    label, so the store sorts every thing of the kind for any page (all of Germany on disk: 2 s), and
    the caller keeps one list per kind from which every type filter and language is served."""
    if kind == "territories":
        member = (
            "?s a rl:Territory . "
            "OPTIONAL { ?s a ?type FILTER (?type != rl:Territory && STRSTARTS(STR(?type), STR(rl:))) }"
        )
    else:
        member = (
            "{ ?s a org:Organization } UNION { ?s a org:FormalOrganization } UNION "
            "{ ?s a org:OrganizationalCollaboration } OPTIONAL { ?s org:classification ?type }"
        )
    rows = store.select(f"""
        SELECT ?s (SAMPLE(?l) AS ?label) (SAMPLE(?c) AS ?code) (SAMPLE(?e) AS ?ended)
               (GROUP_CONCAT(DISTINCT STR(?type); separator=" ") AS ?types) WHERE {{
          {member}
          OPTIONAL {{ ?s skos:prefLabel ?l FILTER (LANG(?l) = "de") }}
          OPTIONAL {{ ?s skos:notation ?c }}
          OPTIONAL {{ ?s prov:invalidatedAtTime ?e }}
        }} GROUP BY ?s ORDER BY LCASE(STR(?label)) ?s""")
    entries = [
        ListEntry(
            val(r, "s"),
            val(r, "label") or val(r, "s"),
            tuple(sorted(set(val(r, "types").split()))),
            val(r, "code"),
            bool(val(r, "ended")),
        )
        for r in rows
    ]
    counts = Counter(t for e in entries for t in e.types)
    return Listing(entries, dict(sorted(counts.items())))
