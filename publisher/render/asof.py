"""What holds on a given day: the one answer to ``?at=YYYY-MM-DD`` for pages, documents, maps and services.

Valid time only (DESIGN §5): a fact holds on day D when its beginning ≤ D ≤ its end, an open end is
unbounded and a year begins on 1 January and ends on 31 December. Memberships follow the one rule of
:data:`publisher.dataset.enrich.CURRENT_MEMBERSHIP` (today's org:memberOf is that rule on today); a
thing's own life runs from its earliest beginning (prov:generatedAtTime, rl:founded, a change event that
resulted in it and not from it) to its end (prov:invalidatedAtTime, a change event it went into and did
not come out of); the day of an end is the first day without it. Everything here asks a :class:`Store`
and returns plain data, so that a view, the map renderer or the reconciliation service reuse it.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass, field

import pyoxigraph as ox

from publisher.dataset.enrich import CURRENT_MEMBERSHIP, today_bindings
from publisher.store.protocol import Store, Term
from publisher.vocab import expand

#: What ``at`` accepts, said in every 400.
ACCEPTED = (
    "at must be a calendar date written YYYY-MM-DD (ISO 8601 / xsd:date without time zone), e.g. "
    "at=2019-06-01; leave it out for today."
)
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
DAY = dt.timedelta(days=1)

ORG_HAS_MEMBER = ox.NamedNode(expand("org:hasMember"))
ORG_MEMBER_OF = ox.NamedNode(expand("org:memberOf"))
#: Properties whose values are things that must exist on the day to be shown (containment).
CONTAINMENT = (expand("geo:sfWithin"), expand("geo:sfContains"))


class BadDate(ValueError):
    """An ``at`` that is no calendar date; its message says what is accepted."""


def parse_at(raw: str) -> dt.date:
    """Read ``at`` as an xsd:date without time zone, or raise :class:`BadDate` naming what is accepted."""
    if not _DATE.fullmatch(raw):
        raise BadDate(f"{raw[:40]!r} is not a date. {ACCEPTED}")
    try:
        return dt.date.fromisoformat(raw)
    except ValueError:
        raise BadDate(f"{raw!r} is no day of the calendar. {ACCEPTED}") from None


def day_of(term: Term | None, end: bool = False) -> dt.date | None:
    """The first day a date-like literal covers, or with ``end`` the first day after it (None if no date).

    ``2020-01-01T00:00:00`` as an end is 2020-01-01 (the thing is gone from that midnight); a later time
    of day leaves the thing that day. ``1977`` begins on 1977-01-01 and ends before 1978-01-01.
    """
    if not isinstance(term, ox.Literal):
        return None
    text = term.value.strip()
    try:
        if len(text) == 4 and text.isdigit():
            first, last = dt.date(int(text), 1, 1), dt.date(int(text), 12, 31)
        elif len(text) == 7 and text[4] == "-":
            first = dt.date(int(text[:4]), int(text[5:]), 1)
            last = (first.replace(day=28) + 4 * DAY).replace(day=1) - DAY
        elif "T" in text:
            moment = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
            day = moment.date()
            if end:
                return day if moment.time() == dt.time(0) else day + DAY
            return day
        else:
            first = last = dt.date.fromisoformat(text[:10])
    except ValueError:
        return None
    return last + DAY if end else first


def values(iris: Iterable[str]) -> str:
    """A VALUES block of IRIs, sorted (stable queries)."""
    return " ".join(f"<{i}>" for i in sorted(set(iris)))


@dataclass
class Lifespan:
    """When a thing existed: ``begin`` (first day) and ``end`` (first day without it); None is unbounded."""

    begin: dt.date | None = None
    end: dt.date | None = None

    def state(self, day: dt.date) -> str:
        """``exists``, ``not-yet`` or ``ended`` on ``day``."""
        if self.begin is not None and day < self.begin:
            return "not-yet"
        if self.end is not None and day >= self.end:
            return "ended"
        return "exists"


def lifespans(store: Store, iris: Iterable[str] | None = None) -> dict[str, Lifespan]:
    """The lifespan of each of ``iris`` (every thing with a dated beginning or end when None)."""
    scope = ""
    if iris is not None:
        listed = values(iris)
        if not listed:
            return {}
        scope = f"VALUES ?s {{ {listed} }}"
    rows = store.select(f"""
        SELECT ?s ?begin ?end WHERE {{
          {scope}
          {{ ?s prov:generatedAtTime|rl:founded ?begin }}
          UNION {{ ?s prov:invalidatedAtTime ?end }}
          UNION {{ ?e org:resultingOrganization|rl:resultingTerritory ?s ; a org:ChangeEvent ; dct:date ?begin
                   OPTIONAL {{ ?e org:originalOrganization|rl:originalTerritory ?same FILTER (?same = ?s) }}
                   FILTER (!BOUND(?same)) }}
          UNION {{ ?e org:originalOrganization|rl:originalTerritory ?s ; a org:ChangeEvent ; dct:date ?ended
                   OPTIONAL {{ ?e org:resultingOrganization|rl:resultingTerritory ?same FILTER (?same = ?s) }}
                   FILTER (!BOUND(?same)) BIND (?ended AS ?end) }}
        }}""")
    found: dict[str, Lifespan] = {}
    for r in rows:
        s = r["s"]
        if s is None:
            continue
        span = found.setdefault(s.value, Lifespan())
        begin, end = day_of(r.get("begin")), day_of(r.get("end"), end=True)
        if begin is not None and (span.begin is None or begin < span.begin):
            span.begin = begin
        if end is not None and (span.end is None or end < span.end):
            span.end = end
    return found


def holding_memberships(store: Store, iri: str, side: str, day: dt.date) -> list[tuple[str, str]]:
    """(membership, the other side) of every membership of ``iri`` on ``side`` that holds on ``day``."""
    other = "member" if side == "organization" else "organization"
    rows = store.select(f"""
        SELECT DISTINCT ?m ?other WHERE {{
          {today_bindings(day)}
          ?m a org:Membership ; org:{side} <{iri}> ; org:{other} ?other . {CURRENT_MEMBERSHIP}
        }} ORDER BY ?m""")
    return [(r["m"].value, r["other"].value) for r in rows if r["m"] is not None and r["other"] is not None]


def links_at(store: Store, iri: str, day: dt.date) -> list[ox.Quad]:
    """org:hasMember and org:memberOf of ``iri`` that hold on ``day``, in both directions (default graph),
    in place of the derived graph's links, which hold today."""
    thing = ox.NamedNode(iri)
    members = holding_memberships(store, iri, "organization", day)
    organizations = holding_memberships(store, iri, "member", day)
    quads = {ox.Quad(thing, ORG_HAS_MEMBER, ox.NamedNode(m)) for _, m in members}
    quads |= {ox.Quad(ox.NamedNode(o), ORG_HAS_MEMBER, thing) for _, o in organizations}
    quads |= {ox.Quad(q.object, ORG_MEMBER_OF, q.subject) for q in list(quads) if isinstance(q.object, ox.NamedNode)}
    return sorted(quads, key=str)


def without_todays_links(quads: list[ox.Quad]) -> list[ox.Quad]:
    """The statements without the materialised org:memberOf/org:hasMember, which hold today only."""
    return [q for q in quads if q.predicate not in (ORG_HAS_MEMBER, ORG_MEMBER_OF)]


@dataclass
class Neighbour:
    """A predecessor or successor of a thing, with what it was on the day."""

    iri: str
    state: str
    codes: list[str] = field(default_factory=list)


@dataclass
class Status:
    """A thing's own state on a day, and what came before and after it."""

    day: dt.date
    state: str  # exists, not-yet, ended
    span: Lifespan
    predecessors: list[Neighbour]
    successors: list[Neighbour]


def neighbours(store: Store, iri: str) -> tuple[list[str], list[str]]:
    """The things ``iri`` replaced or resulted from, and those that replaced it or resulted from it."""
    rows = store.select(f"""
        SELECT DISTINCT ?x ?dir WHERE {{
          {{ {{ <{iri}> dct:replaces ?x }} UNION {{ ?x dct:isReplacedBy <{iri}> }}
             UNION {{ ?e org:resultingOrganization <{iri}> ; org:originalOrganization ?x }}
             UNION {{ ?e rl:resultingTerritory <{iri}> ; rl:originalTerritory ?x }} BIND ("before" AS ?dir) }}
          UNION
          {{ {{ <{iri}> dct:isReplacedBy ?x }} UNION {{ ?x dct:replaces <{iri}> }}
             UNION {{ ?e org:originalOrganization <{iri}> ; org:resultingOrganization ?x }}
             UNION {{ ?e rl:originalTerritory <{iri}> ; rl:resultingTerritory ?x }} BIND ("after" AS ?dir) }}
          FILTER (isIRI(?x) && ?x != <{iri}>)
        }} ORDER BY ?x""")
    before = [r["x"].value for r in rows if r["x"] is not None and r["dir"] is not None and r["dir"].value == "before"]
    after = [r["x"].value for r in rows if r["x"] is not None and r["dir"] is not None and r["dir"].value == "after"]
    return before, after


def codes(store: Store, iris: Iterable[str]) -> dict[str, list[str]]:
    """The official codes (skos:notation) of each of ``iris``, sorted."""
    scope = values(iris)
    if not scope:
        return {}
    rows = store.select(f"SELECT ?s ?c WHERE {{ VALUES ?s {{ {scope} }} ?s skos:notation ?c }}")
    found: dict[str, list[str]] = {}
    for r in rows:
        if r["s"] is not None and r["c"] is not None:
            found.setdefault(r["s"].value, []).append(r["c"].value)
    return {k: sorted(v) for k, v in found.items()}


def status_at(store: Store, iri: str, day: dt.date) -> Status:
    """Whether ``iri`` exists on ``day``; its predecessors and successors with their state on that day."""
    before, after = neighbours(store, iri)
    spans = lifespans(store, [iri, *before, *after])
    known = codes(store, [*before, *after])

    def shown(things: list[str]) -> list[Neighbour]:
        return [Neighbour(x, spans.get(x, Lifespan()).state(day), known.get(x, [])) for x in things]

    span = spans.get(iri, Lifespan())
    return Status(day, span.state(day), span, shown(before), shown(after))


def labels_at(store: Store, iris: Iterable[str] | None, day: dt.date) -> dict[str, dict[str, str]]:
    """``{iri: {language: label}}`` of the things (of ``iris``, or all) renamed after ``day``: their
    rl:formerLabel, which holds before the date of their latest renaming (a change event of type
    rl:change-renaming that has the thing as original and resulting organization or territory)."""
    scope = ""
    if iris is not None:
        listed = values(iris)
        if not listed:
            return {}
        scope = f"VALUES ?s {{ {listed} }}"
    rows = store.select(f"""
        SELECT ?s ?label (MAX(?date) AS ?renamed) WHERE {{
          {scope}
          ?s rl:formerLabel ?label .
          ?e dct:type rl:change-renaming ; dct:date ?date ;
             org:originalOrganization|rl:originalTerritory ?s ; org:resultingOrganization|rl:resultingTerritory ?s .
        }} GROUP BY ?s ?label ORDER BY ?s ?label""")
    found: dict[str, dict[str, str]] = {}
    for r in rows:
        s, label, renamed = r["s"], r["label"], day_of(r["renamed"])
        if s is None or not isinstance(label, ox.Literal) or renamed is None or day >= renamed:
            continue
        found.setdefault(s.value, {}).setdefault(label.language or "", label.value)
    return found


def change_days(store: Store, iri: str) -> list[dt.date]:
    """The days on which something in ``iri``'s description changes, sorted: its own beginning and end,
    its change events, and the first and the day after the last day of each of its memberships (from
    either side: interval, funding periods, the other side's beginning and end). Figures' reference
    dates are left out: every new population count would be a "change" of every territory."""
    rows = store.select(f"""
        SELECT DISTINCT ?d ?kind WHERE {{
          {{ <{iri}> prov:generatedAtTime|rl:founded ?d BIND ("begin" AS ?kind) }}
          UNION {{ <{iri}> prov:invalidatedAtTime ?d BIND ("end" AS ?kind) }}
          UNION {{ ?e org:originalOrganization|org:resultingOrganization|rl:originalTerritory|rl:resultingTerritory
                      <{iri}> ; a org:ChangeEvent ; dct:date ?d BIND ("begin" AS ?kind) }}
          UNION {{ ?m org:member|org:organization <{iri}> ; a org:Membership .
                   {{ ?m org:memberDuring/time:hasBeginning/(time:inXSDDate|time:inXSDgYear) ?d
                      BIND ("begin" AS ?kind) }}
                   UNION {{ ?m org:memberDuring/time:hasEnd/(time:inXSDDate|time:inXSDgYear) ?d
                            BIND ("last" AS ?kind) }}
                   UNION {{ ?m rl:fundingPeriod/time:hasBeginning/time:inXSDgYear ?d BIND ("begin" AS ?kind) }}
                   UNION {{ ?m rl:fundingPeriod/time:hasEnd/time:inXSDgYear ?d BIND ("last" AS ?kind) }}
                   UNION {{ ?m org:member|org:organization ?party .
                            {{ ?party prov:generatedAtTime|rl:founded ?d BIND ("begin" AS ?kind) }}
                            UNION {{ ?party prov:invalidatedAtTime ?d BIND ("end" AS ?kind) }} }} }}
        }}""")
    days = set()
    for r in rows:
        kind = r["kind"].value if r["kind"] is not None else "begin"
        day = day_of(r["d"], end=kind != "begin")
        if day is not None:
            days.add(day)
    return sorted(days)


def around(days: list[dt.date], day: dt.date) -> tuple[dt.date | None, dt.date | None]:
    """The latest change on or before ``day`` and the first change after it (None where there is none)."""
    before = [d for d in days if d <= day]
    after = [d for d in days if d > day]
    return (before[-1] if before else None), (after[0] if after else None)


#: Data properties that date a fact of the data, for the first fact's day.
DATING = [
    "time:inXSDDate",
    "time:inXSDgYear",
    "dct:date",
    "prov:generatedAtTime",
    "prov:invalidatedAtTime",
    "prov:startedAtTime",
    "rl:founded",
    "rl:recognised",
    "rl:referenceDate",
]


def first_fact(store: Store, base: str) -> dt.date | None:
    """The earliest day any dated fact of the data (graphs under ``{base}id/graph/``) speaks of."""
    paths = "|".join(DATING)
    rows = store.select(f"""
        SELECT DISTINCT ?d WHERE {{ GRAPH ?g {{ ?s {paths} ?d }}
          FILTER (STRSTARTS(STR(?g), "{base}id/graph/")) }}""")
    days = [d for r in rows if (d := day_of(r["d"])) is not None]
    return min(days) if days else None
