"""What the HTML pages show: a thing's page, its links, the home page and the listings.

The one home of page data: every query a page needs is asked here, of a :class:`Store`, and
shaped into plain data for a template. A view (web/) parses the request, calls one function of
this module and renders what it returns. The reference pages of the ontology and the shapes
are read in :mod:`publisher.render.reference`.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, replace

import pyoxigraph as ox

from publisher.dataset.enrich import membership_holds_on
from publisher.render import asof, breadcrumbs
from publisher.render.dayview import Dated, DayView, day_view, quads_of_day
from publisher.render.html import Group, Labeller, group_description, iri_to_uri, safe_href, schema_org_island
from publisher.store.protocol import Description, Store, Term
from publisher.vocab import PREFIXES, expand


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


def val(row: dict[str, Term | None], name: str) -> str:
    """The lexical form of a row's value, "" when unbound."""
    term = row.get(name)
    return term.value if term is not None else ""


def membership_rows(
    store: Store, iri: str, side: str, lab: Labeller, today: dt.date | None = None, holding: set[str] | None = None
) -> list[MembershipRow]:
    """Memberships where the thing is the organization (``side="organization"``) or the member; those in
    ``holding`` are current when it is given (a page of another day), else those the rule finds today."""
    other = "member" if side == "organization" else "organization"
    # Each OPTIONAL repeats which memberships it is about: the engine may evaluate an OPTIONAL's
    # pattern on its own and join afterwards, and the interval paths alone cover every membership
    # of the dataset (5 M triples: 3 s per side for a page, 1 ms with the thing named).
    own = f"?m org:{side} <{iri}> ."
    current = f"""
          OPTIONAL {{ {{ SELECT ?m (1 AS ?cur) WHERE {{
            ?m a org:Membership ; org:{side} <{iri}> . {membership_holds_on(today or dt.date.today())} }} }} }}"""
    if holding is not None:
        current = ""
    # ?current is the string "true"/"false", not BOUND's boolean: Virtuoso 7.2 answers that as 1 or 0.
    rows = store.select(f"""
        SELECT ?m ?other ?role ?begin ?end ?note ?coverage
               (GROUP_CONCAT(DISTINCT ?period; separator=" ") AS ?periods)
               (IF(BOUND(?cur), "true", "false") AS ?current)
        WHERE {{
          ?m a org:Membership ; org:{side} <{iri}> ; org:{other} ?other ; org:role ?role .
          OPTIONAL {{ {own} ?m org:memberDuring/time:hasBeginning/(time:inXSDDate|time:inXSDgYear) ?begin }}
          OPTIONAL {{ {own} ?m org:memberDuring/time:hasEnd/(time:inXSDDate|time:inXSDgYear) ?end }}
          OPTIONAL {{ {own} ?m rl:fundingPeriod/skos:notation ?period }}
          OPTIONAL {{ {own} ?m rl:coverage ?coverage }}
          OPTIONAL {{ {own} ?m skos:note ?note }}{current}
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
            current=val(r, "current") == "true" if holding is None else val(r, "m") in holding,
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


def history(store: Store, iri: str, lab: Labeller) -> list[HistoryEntry]:
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


def provenance(store: Store, graphs: set[str], lab: Labeller) -> list[GraphInfo]:
    """The named graphs a description comes from, with licence, attribution and sources."""
    if not graphs:
        return []
    values = " ".join(f"<{g}>" for g in sorted(graphs))
    rows = store.select(f"""
        SELECT ?g ?licence ?attribution ?src WHERE {{
          VALUES ?g {{ {values} }}
          OPTIONAL {{ ?g dct:license ?licence }}
          OPTIONAL {{ ?g dcatde:licenseAttributionByText ?attribution }}
          OPTIONAL {{ ?g prov:wasDerivedFrom ?src }}
        }}""")
    # Each graph's sources are gathered here, not by a GROUP_CONCAT: Virtuoso 7.2 cannot group a graph's long
    # list of sources (SR319: max row length exceeded in a temporary column).
    sources: dict[tuple[str, str, str], set[str]] = {}
    for r in rows:
        found = sources.setdefault((val(r, "g"), val(r, "licence"), val(r, "attribution")), set())
        found.update([val(r, "src")] if val(r, "src") else [])
    iris = set(graphs) | {s for found in sources.values() for s in found}
    lab.learn(store.labels, iris)
    return [
        GraphInfo(g, lab.label(g), licence, licence.rsplit("/licenses/", 1)[-1], attribution, sorted(found))
        for (g, licence, attribution), found in sorted(sources.items())
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


@dataclass(frozen=True)
class Coverage:
    """One number of what the dataset covers, with the query that gives it (shown with the number)."""

    key: str
    de: str
    en: str
    query: str


def _coverage_query(prefixes: str, where: str) -> str:
    """A self-contained count query: the link on the home page runs as it is at /sparql."""
    head = "".join(f"PREFIX {p}: <{PREFIXES[p]}>\n" for p in prefixes.split())
    return f"{head}SELECT (COUNT(DISTINCT ?s) AS ?n) WHERE {{\n  {where}\n}}\n"


#: What the dataset covers, as the home page and ``regiolod stats`` show it (issue "Germany's cooperations").
COVERAGE = [
    Coverage("states", "Länder", "Länder (states)", _coverage_query("rl", "?s a rl:StateTerritory .")),
    Coverage(
        "districts",
        "Landkreise und kreisfreie Städte",
        "Districts and district-free cities",
        _coverage_query("rl", "?s a rl:DistrictTerritory ."),
    ),
    Coverage(
        "metropolitan_regions",
        "Europäische Metropolregionen",
        "European metropolitan regions",
        _coverage_query("rl", "?s a rl:MetropolitanRegion ."),
    ),
    Coverage(
        "metropolitan_members",
        "Mitglieder der Metropolregionen (heute)",
        "Members of the metropolitan regions (today)",
        _coverage_query(
            "rl org dct",
            "?body dct:spatial ?region ; org:hasMember ?s .\n  ?region a rl:MetropolitanRegion .",
        ),
    ),
    Coverage(
        "leader_regions",
        "LEADER-Regionen",
        "LEADER regions",
        _coverage_query("rl", "?s a rl:LeaderRegion ."),
    ),
    Coverage(
        "leader_memberships",
        "Mitgliedschaften in LEADER-Regionen (alle Förderperioden)",
        "Memberships in LEADER regions (every funding period)",
        _coverage_query("rl org", "?s a org:Membership ; org:organization ?lag .\n  ?lag a rl:LocalActionGroup ."),
    ),
    Coverage(
        "territories_with_geometry",
        "Gebiete mit Umriss",
        "Territories with a boundary",
        _coverage_query("rl geo", "?s a rl:Territory ; geo:hasDefaultGeometry ?geometry ."),
    ),
]


def coverage(store: Store) -> dict[str, int]:
    """Each number of :data:`COVERAGE`, by its own query."""
    return {c.key: int(val(store.select(c.query)[0], "n")) for c in COVERAGE}


def counts(store: Store) -> dict[str, int]:
    """Things per kind shown on the home page."""
    union = " UNION ".join(f"{{ ?s a {k} BIND ({k} AS ?kind) }}" for k, _, _ in KINDS)
    rows = store.select(f"SELECT ?kind (COUNT(DISTINCT ?s) AS ?n) WHERE {{ {union} }} GROUP BY ?kind")
    found = {val(r, "kind"): int(val(r, "n")) for r in rows}
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


def listing_of_day(timeline: asof.Timeline, listed: Listing, day: dt.date) -> Listing:
    """The things of a listing that existed on ``day``, under the names they had then, ordered by them."""
    names = timeline.labels_at(timeline.former, day)
    entries = [
        replace(e, label=names.get(e.iri, {}).get("de", e.label), ended=False)
        for e in listed.entries
        if timeline.state(e.iri, day) == "exists"
    ]
    entries.sort(key=lambda e: (e.label.lower(), e.iri))
    counts = Counter(t for e in entries for t in e.types)
    return Listing(entries, dict(sorted(counts.items())))


LISTS = {
    "territories": ("rl:Territory", {"de": "Gebiete", "en": "Territories"}),
    "organizations": ("org:Organization", {"de": "Organisationen", "en": "Organisations"}),
}


def listing(store: Store, kind: str) -> Listing:
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
    # Grouped in a sub-select and ordered outside it: some engines (Virtuoso 7.2) refuse an ORDER BY over
    # an aggregate's alias in the grouping query itself (SP031); the sub-select's columns are plain ones.
    rows = store.select(f"""
        SELECT ?s ?label ?code ?ended ?types WHERE {{ {{
          SELECT ?s (SAMPLE(?l) AS ?label) (SAMPLE(?c) AS ?code) (SAMPLE(?e) AS ?ended)
                 (GROUP_CONCAT(DISTINCT STR(?type); separator=" ") AS ?types) WHERE {{
            {member}
            OPTIONAL {{ ?s skos:prefLabel ?l FILTER (LANG(?l) = "de") }}
            OPTIONAL {{ ?s skos:notation ?c }}
            OPTIONAL {{ ?s prov:invalidatedAtTime ?e }}
          }} GROUP BY ?s }} }} ORDER BY LCASE(STR(?label)) ?s""")
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


# ---------------------------------------------------------------------------------------------
# A thing's page and the pages of links to it
# ---------------------------------------------------------------------------------------------


@dataclass
class ThingPage:
    """What the HTML page of one thing shows."""

    title: str
    lab: Labeller
    groups: list[Group]
    members: list[MembershipRow]
    memberships: list[MembershipRow]
    history: list[HistoryEntry]
    provenance: list[GraphInfo]
    incoming: list[tuple[str, str]]  # (predicate, subject), sorted
    island: str
    at: DayView | None = None
    trail: breadcrumbs.Trail | None = None


def thing_page(store: Store, desc: Description, base: str, lang: str, dated: Dated | None = None) -> ThingPage:
    """Label a thing's description and add its memberships, history and the provenance of its graphs;
    of another day (``?at=``), as it was that day (:mod:`publisher.render.asof`)."""
    iri = desc.subject
    quads = desc.quads if dated is None else asof.without_todays_links(desc.quads)
    terms = (t for q in quads + desc.incoming for t in (q.subject, q.predicate, q.object))
    mentioned = {t.value for t in terms if isinstance(t, ox.NamedNode)}
    lab = Labeller(store.labels(mentioned), base, lang)
    graphs = {q.graph_name.value for q in desc.quads if isinstance(q.graph_name, ox.NamedNode)}
    incoming = sorted(
        {(q.predicate.value, q.subject.value) for q in desc.incoming if isinstance(q.subject, ox.NamedNode)}
    )
    holding = None
    if dated is not None:
        timeline, day = dated.timeline, dated.day
        holding = {s.membership for s in timeline.members(iri, day) + timeline.memberships_of(iri, day)}
    members = membership_rows(store, iri, "organization", lab, holding=holding)
    memberships = membership_rows(store, iri, "member", lab, holding=holding)
    at = None
    if dated is not None:
        others = {m.other for m in members + memberships}
        for thing, names in timeline.labels_at(mentioned | others, day).items():
            lab.labels[thing] = {**lab.labels.get(thing, {}), **names}
        for row in members + memberships:
            row.other_label = lab.label(row.other)
        quads = quads_of_day(iri, quads, day, timeline)
        at = day_view(store, iri, dated, lab)
        if at.state != "exists":  # its codes were not in use that day; the day box names those that were
            notation = expand("skos:notation")
            own = ox.NamedNode(iri)
            quads = [q for q in quads if not (q.subject == own and q.predicate.value == notation)]
    return ThingPage(
        title=lab.label(iri),
        lab=lab,
        groups=group_description(iri, quads, lab),
        members=members,
        memberships=memberships,
        history=history(store, iri, lab),
        provenance=provenance(store, graphs, lab),
        incoming=incoming,
        island=schema_org_island(iri, quads, lab),
        at=at,
        trail=breadcrumbs.trail(store, iri, quads, lab),
    )


@dataclass
class IncomingPage:
    """One page of the links to a thing, labelled."""

    lab: Labeller
    links: list[tuple[str, str]]  # (predicate, subject), in the store's order


def incoming_page(store: Store, desc: Description, base: str, lang: str) -> IncomingPage:
    """Label the links of one page of a thing's incoming links."""
    iris = (
        {q.subject.value for q in desc.incoming if isinstance(q.subject, ox.NamedNode)}
        | {q.predicate.value for q in desc.incoming}
        | {desc.subject}
    )
    links = [(q.predicate.value, q.subject.value) for q in desc.incoming if isinstance(q.subject, ox.NamedNode)]
    return IncomingPage(Labeller(store.labels(iris), base, lang), links)


def thing_labels(store: Store, base: str) -> list[tuple[str, str]]:
    """(key, German label) of every labelled thing under ``{base}id/``, for the hints of a 404."""
    things = base + "id/"
    rows = store.select('SELECT DISTINCT ?s ?l WHERE { ?s skos:prefLabel ?l FILTER (LANG(?l) = "de") }')
    return [
        (s.value[len(things) :], label.value)
        for s, label in ((r["s"], r["l"]) for r in rows)
        if isinstance(s, ox.NamedNode) and s.value.startswith(things) and label is not None
    ]


# ---------------------------------------------------------------------------------------------
# The home page and the listings
# ---------------------------------------------------------------------------------------------

#: The things the home page starts from (keys under ``{base}id/``), shown when the store has them.
ENTRY_POINTS = [
    "territory/03358",
    "organization/03358",
    "organization/metropolregion-hamburg",
    "organization/metropolregion-hannover-braunschweig-goettingen-wolfsburg-gmbh",
    "territory/033580024024",
    "change/2020-01-01-walsrode-bomlitz",
]


@dataclass
class HomePage:
    """What the home page shows of the data."""

    counts: dict[str, int]
    coverage: dict[str, int]
    entries: list[tuple[str, str]]  # (href, label) of the entry points
    cooperations: list[tuple[str, str]]  # (href, label), by label


def home_page(
    store: Store, base: str, lang: str, dated: tuple[dt.date, asof.Timeline] | None = None
) -> HomePage:
    """The things per kind, the entry points the store has and every cooperation, labelled; of another
    day, the cooperations that existed then, under the names they had then."""
    entry_iris = [f"{base}id/{key}" for key in ENTRY_POINTS]
    cooperations = [val(r, "s") for r in store.select("SELECT ?s WHERE { ?s a rl:Cooperation }")]
    lab = Labeller(store.labels(entry_iris + cooperations), base, lang)
    if dated is not None:
        day, timeline = dated
        cooperations = [c for c in cooperations if timeline.state(c, day) == "exists"]
        for thing, names in timeline.labels_at(entry_iris + cooperations, day).items():
            lab.labels[thing] = {**lab.labels.get(thing, {}), **names}
    return HomePage(
        counts=counts(store),
        coverage=coverage(store),
        entries=[(iri_to_uri(i), lab.label(i)) for i in entry_iris if store.has(i)],
        cooperations=sorted(((safe_href(c), lab.label(c)) for c in cooperations), key=lambda x: x[1].casefold()),
    )


def type_labels(store: Store, listed: Listing, base: str, lang: str) -> Labeller:
    """A labeller that knows the labels of every type of a listing."""
    lab = Labeller({}, base, lang)
    lab.learn(store.labels, listed.counts)
    return lab


@dataclass
class ListingPage:
    """One page of a listing, of one type or all."""

    title: str
    entries: list[tuple[ListEntry, str]]  # each entry with its types' labels
    total: int
    available: list[tuple[str, str, int]]  # (type IRI, label, things) of every type of the listing


def listing_page(
    store: Store, listed: Listing, kind: str, type_iri: str | None, page: int, size: int, base: str, lang: str
) -> ListingPage:
    """Page ``page`` (from 1, ``size`` a page) of the things of ``type_iri`` (or all) in the listing."""
    entries = listed.of_type(type_iri)
    start = (page - 1) * size
    lab = type_labels(store, listed, base, lang)
    return ListingPage(
        title=LISTS[kind][1][lang],
        entries=[(e, ", ".join(lab.label(t) for t in e.types)) for e in entries[start : start + size]],
        total=len(entries),
        available=[(t, lab.label(t), n) for t, n in listed.counts.items()],
    )
