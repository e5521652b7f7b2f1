"""The change feed: a Linked Data Event Stream (LDES 1.0) of the change events and of the memberships'
beginnings and ends, one page per month, for clients that replicate the history and stay in sync.

The stream ``{base}changes/#stream`` has one view, the root node ``{base}changes/``, which holds the
context (``ldes:timestampPath``, ``ldes:versionOfPath``, ``tree:shape`` with the shape itself, so that no
client has to fetch it elsewhere) and two relations to each month page ``{base}changes/YYYY-MM`` on the
timestamp path: ``tree:GreaterThanOrEqualToRelation`` the month's first instant and
``tree:LessThanRelation`` the next month's (LDES server primer §4: one root that links the member pages,
a lower and an upper bound per page, the timestamp path as ``tree:path``).

A member is a version of a change event or of a membership (``dct:isVersionOf``) on the day it
happened, began or ended (``prov:generatedAtTime``, that day's first instant in UTC: the data give days);
an end also carries ``prov:invalidatedAtTime``. It repeats the thing's own statements that do not lead
to a blank node (labels, types, who and what), and is named from the data, never by a counter:
``{thing}#happened-YYYY-MM-DD``, ``#began-…``, ``#ended-…``, so a member keeps its IRI in every build
and a client sees it once (its document is the thing's).
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from dataclasses import dataclass

import pyoxigraph as ox

from publisher.negotiation import JSONLD, NQUADS, NTRIPLES, TURTLE, Format
from publisher.render.rdf import TURTLE_HEAD, oxigraph_bytes, serialize
from publisher.store.embedded import EmbeddedStore
from publisher.store.protocol import Store
from publisher.vocab import (
    DCT,
    DCT_IS_VERSION_OF,
    LDES,
    ORG,
    PREFIXES,
    PROV,
    RDF_TYPE,
    RL_SHAPES,
    SHAPES_IRI,
    TIME,
    TREE,
    XSD,
)

#: What the feed answers in (LDES server primer §2: N-Quads, N-Triples, Turtle or JSON-LD).
FEED_FORMATS: tuple[Format, ...] = (TURTLE, NQUADS, JSONLD, NTRIPLES)
#: The project's prefixes and the two of the feed, for Turtle.
FEED_PREFIXES = {**PREFIXES, "ldes": LDES, "tree": TREE}
FEED_HEAD = b"@prefix ldes: <" + LDES.encode() + b"> .\n@prefix tree: <" + TREE.encode() + b"> .\n"
#: The graph the member shape lives in (shapes/feed.ttl) and the shape.
SHAPE_GRAPH = f"{SHAPES_IRI}/feed"
MEMBER_SHAPE = ox.NamedNode(RL_SHAPES + "FeedMemberShape")
#: A month page's name.
MONTH = re.compile(r"(?P<year>[0-9]{4})-(?P<month>0[1-9]|1[0-2])")

CHANGE_EVENT = ox.NamedNode(ORG + "ChangeEvent")
MEMBERSHIP = ox.NamedNode(ORG + "Membership")
MEMBER_DURING = ox.NamedNode(ORG + "memberDuring")
DCT_DATE = ox.NamedNode(DCT + "date")
HAS_BEGINNING = ox.NamedNode(TIME + "hasBeginning")
HAS_END = ox.NamedNode(TIME + "hasEnd")
IN_DATE = ox.NamedNode(TIME + "inXSDDate")
IN_YEAR = ox.NamedNode(TIME + "inXSDgYear")
TIMESTAMP = ox.NamedNode(PROV + "generatedAtTime")
INVALIDATED = ox.NamedNode(PROV + "invalidatedAtTime")
VERSION_OF = DCT_IS_VERSION_OF
XSD_DATETIME = ox.NamedNode(XSD + "dateTime")
EVENT_STREAM = ox.NamedNode(LDES + "EventStream")
TIMESTAMP_PATH = ox.NamedNode(LDES + "timestampPath")
VERSION_OF_PATH = ox.NamedNode(LDES + "versionOfPath")
IMMUTABLE = ox.NamedNode(LDES + "immutable")
TREE_NODE = ox.NamedNode(TREE + "Node")
TREE_VIEW = ox.NamedNode(TREE + "view")
TREE_MEMBER = ox.NamedNode(TREE + "member")
TREE_SHAPE = ox.NamedNode(TREE + "shape")
TREE_RELATION = ox.NamedNode(TREE + "relation")
TREE_NODE_PROPERTY = ox.NamedNode(TREE + "node")
TREE_PATH = ox.NamedNode(TREE + "path")
TREE_VALUE = ox.NamedNode(TREE + "value")
AT_LEAST = ox.NamedNode(TREE + "GreaterThanOrEqualToRelation")
BEFORE = ox.NamedNode(TREE + "LessThanRelation")
TRUE = ox.Literal("true", datatype=ox.NamedNode(XSD + "boolean"))

# The days members are dated by: a change event's date; a membership's beginning and end, where a year
# alone stands for its first day (beginning) or its last (end), as the interval shape reads them.
MEMBERS_QUERY = """
SELECT ?thing ?kind ?day WHERE {
  { ?thing a org:ChangeEvent ; dct:date ?day . BIND("happened" AS ?kind) }
  UNION
  { ?thing a org:Membership ; org:memberDuring ?interval . ?interval time:hasBeginning ?instant .
    BIND("began" AS ?kind)
    OPTIONAL { ?instant time:inXSDDate ?date } OPTIONAL { ?instant time:inXSDgYear ?year }
    BIND(COALESCE(?date, CONCAT(STR(?year), "-01-01")) AS ?day) }
  UNION
  { ?thing a org:Membership ; org:memberDuring ?interval . ?interval time:hasEnd ?instant .
    BIND("ended" AS ?kind)
    OPTIONAL { ?instant time:inXSDDate ?date } OPTIONAL { ?instant time:inXSDgYear ?year }
    BIND(COALESCE(?date, CONCAT(STR(?year), "-12-31")) AS ?day) }
}
"""


@dataclass(frozen=True, order=True)
class Member:
    """One member: the day, the thing it is a version of, and what happened to it that day."""

    day: dt.date
    thing: str
    kind: str  # happened, began, ended

    @property
    def iri(self) -> str:
        return f"{self.thing.split('#', 1)[0]}#{self.kind}-{self.day.isoformat()}"

    @property
    def month(self) -> str:
        return f"{self.day.year:04d}-{self.day.month:02d}"


class UnknownPage(LookupError):
    """A page name that is well formed but names no month with members."""


class BadPage(ValueError):
    """A page name that is not YYYY-MM."""


def feed_members(store: Store) -> list[Member]:
    """Every member of the feed, oldest first (then by thing and kind: a stable order): read from the
    embedded store's indexes directly (a SPARQL query costs a hundred times more there), else asked in SPARQL."""
    if isinstance(store, EmbeddedStore):
        return sorted(embedded_members(store.oxigraph))
    return sorted(queried_members(store))


def queried_members(store: Store) -> set[Member]:
    """The members, found by :data:`MEMBERS_QUERY`."""
    found = set()
    for row in store.select(MEMBERS_QUERY):
        thing, kind, day = row.get("thing"), row.get("kind"), row.get("day")
        if not isinstance(thing, ox.NamedNode) or kind is None or day is None:
            continue
        try:
            found.add(Member(dt.date.fromisoformat(day.value[:10]), thing.value, kind.value))
        except ValueError:  # a day the data's shapes refuse; never a page of the feed
            continue
    return found


def embedded_members(oxigraph: ox.Store) -> set[Member]:
    """The members, read as :data:`MEMBERS_QUERY` reads them, from the store's indexes: the change events
    and memberships by type, the dates of each event, the intervals' properties each in one scan (a few
    dozen statements each), joined here."""

    def pairs(predicate: ox.NamedNode) -> dict[object, list[object]]:
        found: dict[object, list[object]] = {}
        for q in oxigraph.quads_for_pattern(None, predicate, None, None):
            found.setdefault(q.subject, []).append(q.object)
        return found

    def typed(cls: ox.NamedNode) -> set[object]:
        return {q.subject for q in oxigraph.quads_for_pattern(None, RDF_TYPE, cls, None)}

    during = pairs(MEMBER_DURING)
    bounds = {"began": pairs(HAS_BEGINNING), "ended": pairs(HAS_END)}
    in_date, in_year = pairs(IN_DATE), pairs(IN_YEAR)
    found: list[tuple[object, str, object]] = [
        (q.subject, "happened", q.object)
        for event in typed(CHANGE_EVENT)
        for q in oxigraph.quads_for_pattern(event, DCT_DATE, None, None)  # type: ignore[arg-type]
    ]
    memberships = typed(MEMBERSHIP)
    for membership, intervals in during.items():  # the few memberships with an interval, not all of them
        if membership not in memberships:
            continue
        for kind, edge in bounds.items():
            year_day = "-01-01" if kind == "began" else "-12-31"
            for moment in (m for i in intervals for m in edge.get(i, [])):
                days = in_date.get(moment) or [f"{getattr(y, 'value', y)}{year_day}" for y in in_year.get(moment, [])]
                found += [(membership, kind, d) for d in days]
    members = set()
    for thing, kind, day in found:
        if isinstance(thing, ox.NamedNode):
            try:
                members.add(Member(dt.date.fromisoformat(str(getattr(day, "value", day))[:10]), thing.value, kind))
            except ValueError:  # a day the data's shapes refuse; never a page of the feed
                continue
    return members


def months(members: list[Member]) -> dict[str, list[Member]]:
    """The members of each month that has some, oldest month first."""
    pages: dict[str, list[Member]] = {}
    for member in members:
        pages.setdefault(member.month, []).append(member)
    return pages


def parse_month(name: str) -> str:
    """The month a page name stands for; raises :class:`BadPage`."""
    if not MONTH.fullmatch(name):
        raise BadPage(f"{name[:40]!r} is not a page of the change feed: a page is a month, written YYYY-MM (2020-01).")
    return name


def instant(day: dt.date) -> ox.Literal:
    """The first instant of ``day`` in UTC as the xsd:dateTime the feed orders by."""
    return ox.Literal(f"{day.isoformat()}T00:00:00Z", datatype=XSD_DATETIME)


def month_bounds(month: str) -> tuple[ox.Literal, ox.Literal]:
    """The first instant of the month and of the month after."""
    year, number = int(month[:4]), int(month[5:])
    first = dt.date(year, number, 1)
    after = first + dt.timedelta(days=calendar.monthrange(year, number)[1])
    return instant(first), instant(after)


def stream_iri(base: str) -> ox.NamedNode:
    return ox.NamedNode(f"{base}changes/#stream")


def root_url(base: str) -> str:
    return f"{base}changes/"


def page_url(base: str, month: str) -> str:
    return f"{base}changes/{month}"


def root_quads(store: Store, base: str, month_names: list[str]) -> list[ox.Quad]:
    """The root node: the stream's context, the member shape, and two relations to every month page."""
    stream, root = stream_iri(base), ox.NamedNode(root_url(base))
    triples: list[tuple[ox.NamedNode | ox.BlankNode, ox.NamedNode, ox.NamedNode | ox.BlankNode | ox.Literal]] = [
        (stream, RDF_TYPE, EVENT_STREAM),
        (stream, TIMESTAMP_PATH, TIMESTAMP),
        (stream, VERSION_OF_PATH, VERSION_OF),
        (stream, TREE_SHAPE, MEMBER_SHAPE),
        (stream, TREE_VIEW, root),
        (root, RDF_TYPE, TREE_NODE),
    ]
    for month in month_names:
        start, end = month_bounds(month)
        node = ox.NamedNode(page_url(base, month))
        for name, kind, value in ((f"from{month}", AT_LEAST, start), (f"before{month}", BEFORE, end)):
            relation = ox.BlankNode(name.replace("-", ""))
            triples += [
                (root, TREE_RELATION, relation),
                (relation, RDF_TYPE, kind),
                (relation, TREE_PATH, TIMESTAMP),
                (relation, TREE_VALUE, value),
                (relation, TREE_NODE_PROPERTY, node),
            ]
    quads = [ox.Quad(s, p, o) for s, p, o in triples]
    shape = [ox.Quad(q.subject, q.predicate, q.object) for q in store.graph(SHAPE_GRAPH)]
    return quads + shape


def page_quads(store: Store, base: str, month: str, members: list[Member], immutable: bool) -> list[ox.Quad]:
    """A month page: its members (each with the thing's own statements) and whether it may still change."""
    stream, node = stream_iri(base), ox.NamedNode(page_url(base, month))
    quads = [ox.Quad(stream, TREE_VIEW, ox.NamedNode(root_url(base))), ox.Quad(node, RDF_TYPE, TREE_NODE)]
    if immutable:
        quads.append(ox.Quad(node, IMMUTABLE, TRUE))
    statements = own_statements(store, sorted({m.thing for m in members}))
    for member in members:
        iri = ox.NamedNode(member.iri)
        quads += [
            ox.Quad(stream, TREE_MEMBER, iri),
            ox.Quad(iri, VERSION_OF, ox.NamedNode(member.thing)),
            ox.Quad(iri, TIMESTAMP, instant(member.day)),
        ]
        if member.kind == "ended":
            quads.append(ox.Quad(iri, INVALIDATED, instant(member.day)))
        quads += [ox.Quad(iri, p, o) for p, o in statements.get(member.thing, [])]
    return quads


def own_statements(store: Store, things: list[str]) -> dict[str, list[tuple[ox.NamedNode, ox.NamedNode | ox.Literal]]]:
    """The statements of each thing whose object is no blank node, each once however many graphs hold it."""
    if not things:
        return {}
    if isinstance(store, EmbeddedStore):
        return {
            thing: sorted(
                {
                    (q.predicate, q.object)
                    for q in store.oxigraph.quads_for_pattern(ox.NamedNode(thing), None, None, None)
                    if isinstance(q.object, ox.NamedNode | ox.Literal)
                },
                key=lambda pair: (pair[0].value, str(pair[1])),
            )
            for thing in things
        }
    values = " ".join(f"<{t}>" for t in things)
    query = f"SELECT DISTINCT ?s ?p ?o WHERE {{ VALUES ?s {{ {values} }} ?s ?p ?o FILTER(!isBlank(?o)) }}"
    found: dict[str, list[tuple[ox.NamedNode, ox.NamedNode | ox.Literal]]] = {}
    for row in store.select(query):
        s, p, o = row.get("s"), row.get("p"), row.get("o")
        if isinstance(s, ox.NamedNode) and isinstance(p, ox.NamedNode) and isinstance(o, ox.NamedNode | ox.Literal):
            found.setdefault(s.value, []).append((p, o))
    return {thing: sorted(pairs, key=lambda pair: (pair[0].value, str(pair[1]))) for thing, pairs in found.items()}


def serialize_feed(quads: list[ox.Quad], fmt: Format) -> bytes:
    """A feed page in ``fmt``; Turtle declares ``ldes:`` and ``tree:`` too. Members come in the order of
    their timestamps in N-Quads and N-Triples (the order the page lists them in, LDES server primer §2)."""
    if fmt.key == TURTLE.key:
        triples = list(dict.fromkeys(ox.Triple(q.subject, q.predicate, q.object) for q in quads))
        data = oxigraph_bytes(triples, ox.RdfFormat.TURTLE, FEED_PREFIXES)
        start = 0  # Oxigraph declares the prefixes in an order of its own: declare them in the table's
        while data.startswith(b"@prefix ", start):
            start = data.index(b"\n", start) + 1
        return TURTLE_HEAD.rstrip(b"\n") + b"\n" + FEED_HEAD + b"\n" + data[start:]
    if fmt.key in (NQUADS.key, NTRIPLES.key):
        unique = list(dict.fromkeys(quads))
        rdf_format = ox.RdfFormat.N_QUADS if fmt.key == NQUADS.key else ox.RdfFormat.N_TRIPLES
        statements = unique if fmt.key == NQUADS.key else [ox.Triple(q.subject, q.predicate, q.object) for q in unique]
        return oxigraph_bytes(statements, rdf_format)
    return serialize(quads, fmt)
