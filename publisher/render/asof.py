"""What holds on a given day: the one answer to ``?at=YYYY-MM-DD`` for pages, documents, maps and services.

Valid time only (DESIGN §5): a fact holds on day D when its beginning ≤ D ≤ its end, an open end is
unbounded and a year begins on 1 January and ends on 31 December. Memberships follow the one rule of
:func:`publisher.dataset.enrich.membership_holds` (today's org:memberOf is that rule on today); a
thing's own life runs from its earliest beginning (prov:generatedAtTime, rl:founded, a change event that
resulted in it and not from it) to its end (prov:invalidatedAtTime, a change event it went into and did
not come out of); the day of an end is the first day without it. Everything here asks a :class:`Store`
and returns plain data, so that a view, the map renderer or the reconciliation service reuse it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field

import pyoxigraph as ox

from publisher.store.protocol import Store, Term
from publisher.validtime import parse_date
from publisher.vocab import NOT_MEMBER_ROLES, expand

#: What ``at`` accepts, said in every 400.
DAY = dt.timedelta(days=1)

ORG_HAS_MEMBER = ox.NamedNode(expand("org:hasMember"))
ORG_MEMBER_OF = ox.NamedNode(expand("org:memberOf"))
#: What a document of a day repeats about each thing that held in place of its subject (status and codes).
NEIGHBOUR_FACTS = [
    expand(p)
    for p in (
        "rdf:type",
        "skos:prefLabel",
        "skos:notation",
        "prov:generatedAtTime",
        "prov:invalidatedAtTime",
        "dct:isReplacedBy",
    )
]
#: Properties whose values are things that must exist on the day to be shown (containment).
CONTAINMENT = (expand("geo:sfWithin"), expand("geo:sfContains"))


def parse_at(raw: str) -> dt.date:
    """Read ``at`` as a day written YYYY-MM-DD, or raise :class:`BadDate` naming what is accepted (one parser for
    every date parameter: :func:`publisher.validtime.parse_date`)."""
    return parse_date(raw, "at")


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


def year_of(term: Term | None) -> int | None:
    """The year of an xsd:gYear (or any date-like literal), None when there is none."""
    day = day_of(term)
    return day.year if day is not None else None


@dataclass
class MembershipSpan:
    """When one membership holds: its interval (inclusive days; None is unbounded) and, with funding
    periods, their first years (None: a period without a known beginning) and their last years."""

    membership: str
    organization: str
    member: str
    first: dt.date | None = None
    last: dt.date | None = None
    period_firsts: list[int | None] = field(default_factory=list)
    period_lasts: list[int] = field(default_factory=list)
    periods: bool = False


def read_memberships(store: Store, iri: str | None = None) -> list[MembershipSpan]:
    """The memberships (not those of :data:`~publisher.vocab.NOT_MEMBER_ROLES`: no member of a day's list) of
    the store, or those with ``iri`` on either side, sorted by IRI."""
    scope = ""
    if iri is not None:  # each branch anchored: the engine evaluates a UNION before the pattern around it
        scope = f"{{ ?m org:organization <{iri}> }} UNION {{ ?m org:member <{iri}> }}"
    spans: dict[str, MembershipSpan] = {}
    for r in store.select(f"""
        SELECT ?m ?org ?member ?b ?e ?p ?pb ?pe WHERE {{
          {scope}
          ?m a org:Membership ; org:organization ?org ; org:member ?member .
          OPTIONAL {{ ?m org:role ?notMemberRole FILTER (?notMemberRole IN ({", ".join(NOT_MEMBER_ROLES)})) }}
          FILTER (!BOUND(?notMemberRole))
          OPTIONAL {{ ?m org:memberDuring/time:hasBeginning/(time:inXSDDate|time:inXSDgYear) ?b }}
          OPTIONAL {{ ?m org:memberDuring/time:hasEnd/(time:inXSDDate|time:inXSDgYear) ?e }}
          OPTIONAL {{ ?m rl:fundingPeriod ?p
                     OPTIONAL {{ ?p time:hasBeginning/time:inXSDgYear ?pb }}
                     OPTIONAL {{ ?p time:hasEnd/time:inXSDgYear ?pe }} }}
        }}"""):
        m, org, member = (lexical_of(r.get(n)) for n in ("m", "org", "member"))
        span = spans.setdefault(m, MembershipSpan(m, org, member))
        begin, last = day_of(r.get("b")), day_of(r.get("e"), end=True)
        if begin is not None and (span.first is None or begin > span.first):
            span.first = begin  # of several beginnings the latest, of several ends the earliest
        if last is not None and (span.last is None or last - DAY < span.last):
            span.last = last - DAY
        if r.get("p") is not None:
            span.periods = True
            span.period_firsts.append(year_of(r.get("pb")))
            if (end_year := year_of(r.get("pe"))) is not None:
                span.period_lasts.append(end_year)
    return sorted(spans.values(), key=lambda s: s.membership)


def read_events(store: Store, iri: str | None = None) -> dict[str, list[dt.date]]:
    """The days of the change events each thing takes part in (of the store, or of ``iri`` only)."""
    parties = "org:originalOrganization|org:resultingOrganization|rl:originalTerritory|rl:resultingTerritory"
    scope = f"VALUES ?x {{ <{iri}> }}" if iri is not None else ""
    events: dict[str, list[dt.date]] = {}
    for r in store.select(f"""
        SELECT DISTINCT ?x ?d WHERE {{ {scope} ?e a org:ChangeEvent ; dct:date ?d ; {parties} ?x }}"""):
        if (day := day_of(r.get("d"))) is not None:
            events.setdefault(lexical_of(r.get("x")), []).append(day)
    return events


@dataclass
class Timeline:
    """Every dated fact a view of a day needs, read from the store once per build and process.

    The same rule as :func:`publisher.dataset.enrich.membership_holds` (the enrich tests hold both to the
    same cases), applied in Python: a page of a day asks no query for it, so a cold document of a day
    costs about what today's does. Also the lifespans of every thing, former names and change days.
    """

    lives: dict[str, Lifespan]
    memberships: list[MembershipSpan]
    former: dict[str, list[tuple[str, str, dt.date]]]  # thing → (label, language, day of the renaming)
    events: dict[str, list[dt.date]]  # thing → days of the change events it takes part in
    before: dict[str, list[str]] = field(default_factory=dict)  # thing → what it replaced or resulted from
    after: dict[str, list[str]] = field(default_factory=dict)  # thing → what replaced it or resulted from it
    facts: dict[str, list[tuple[str, Term]]] = field(default_factory=dict)  # of those: NEIGHBOUR_FACTS
    # (organization, member) → its org:hasMember and org:memberOf, made once (:func:`links_at`)
    links: dict[tuple[str, str], tuple[ox.Quad, ox.Quad]] = field(default_factory=dict)

    @classmethod
    def load(cls, store: Store) -> Timeline:
        """Read the memberships (not those of :data:`~publisher.vocab.NOT_MEMBER_ROLES`: no member of a day's
        list), lifespans, former names and change events of the whole store."""
        spans = read_memberships(store)
        former: dict[str, list[tuple[str, str, dt.date]]] = {}
        for r in store.select("""
            SELECT ?s ?label (MAX(?date) AS ?renamed) WHERE {
              ?s rl:formerLabel ?label .
              ?e dct:type rl:change-renaming ; dct:date ?date ;
                 org:originalOrganization|rl:originalTerritory ?s ; org:resultingOrganization|rl:resultingTerritory ?s .
            } GROUP BY ?s ?label"""):
            label, renamed = r.get("label"), day_of(r.get("renamed"))
            if isinstance(label, ox.Literal) and renamed is not None:
                former.setdefault(lexical_of(r.get("s")), []).append((label.value, label.language or "", renamed))
        timeline = cls(lifespans(store), spans, {k: sorted(v) for k, v in former.items()}, read_events(store))
        timeline.read_neighbours(store)
        for span in spans:  # the statements a document of a day says of its memberships, made once, as today's
            timeline.link_statements(span.organization, span.member)  # are in the store (building them costs most)
        return timeline

    @classmethod
    def of_thing(cls, store: Store, iri: str) -> Timeline:
        """What :meth:`change_days` of ``iri`` needs, and only that: its memberships on either side, its change
        events, and the lifespans of it and of the other sides (two or three queries about one thing, where
        :meth:`load` reads every dated fact of the store: for today's pages, which need the days only)."""
        spans = read_memberships(store, iri)
        parties = {iri} | {party for s in spans for party in (s.member, s.organization)}
        return cls(lifespans(store, parties), spans, {}, read_events(store, iri))

    def read_neighbours(self, store: Store) -> None:
        """Read what each thing replaced or resulted from and what replaced it, and what a document of a day
        repeats about them (:data:`NEIGHBOUR_FACTS`)."""
        for r in store.select("""
            SELECT DISTINCT ?s ?x ?dir WHERE {
              { { ?s dct:replaces ?x } UNION { ?x dct:isReplacedBy ?s }
                UNION { ?e org:resultingOrganization ?s ; org:originalOrganization ?x }
                UNION { ?e rl:resultingTerritory ?s ; rl:originalTerritory ?x } BIND ("before" AS ?dir) }
              UNION
              { { ?s dct:isReplacedBy ?x } UNION { ?x dct:replaces ?s }
                UNION { ?e org:originalOrganization ?s ; org:resultingOrganization ?x }
                UNION { ?e rl:originalTerritory ?s ; rl:resultingTerritory ?x } BIND ("after" AS ?dir) }
              FILTER (isIRI(?s) && isIRI(?x) && ?x != ?s)
            } ORDER BY ?s ?x"""):
            side = self.before if lexical_of(r.get("dir")) == "before" else self.after
            side.setdefault(lexical_of(r.get("s")), []).append(lexical_of(r.get("x")))
        related = sorted({x for found in (self.before, self.after) for xs in found.values() for x in xs})
        for chunk in range(0, len(related), 500):
            listed = values(related[chunk : chunk + 500])
            predicates = " ".join(f"<{p}>" for p in NEIGHBOUR_FACTS)
            for r in store.select(f"""
                SELECT ?x ?p ?o WHERE {{ VALUES ?x {{ {listed} }} VALUES ?p {{ {predicates} }} ?x ?p ?o }}
                ORDER BY ?x ?p ?o"""):
                if (o := r.get("o")) is not None:
                    self.facts.setdefault(lexical_of(r.get("x")), []).append((lexical_of(r.get("p")), o))

    def __post_init__(self) -> None:
        self.changes: dict[str, list[dt.date]] = {}  # change_days, by thing, as asked
        self.by_organization: dict[str, list[MembershipSpan]] = {}
        self.by_member: dict[str, list[MembershipSpan]] = {}
        for span in self.memberships:
            self.by_organization.setdefault(span.organization, []).append(span)
            self.by_member.setdefault(span.member, []).append(span)

    def link_statements(self, organization: str, member: str) -> tuple[ox.Quad, ox.Quad]:
        """``organization org:hasMember member`` and ``member org:memberOf organization`` (default graph)."""
        if (organization, member) not in self.links:
            o, m = ox.NamedNode(organization), ox.NamedNode(member)
            self.links[organization, member] = (ox.Quad(o, ORG_HAS_MEMBER, m), ox.Quad(m, ORG_MEMBER_OF, o))
        return self.links[organization, member]

    def state(self, iri: str, day: dt.date) -> str:
        """``exists``, ``not-yet`` or ``ended`` of a thing on ``day`` (a thing with no dated life exists)."""
        return self.lives.get(iri, Lifespan()).state(day)

    def holds(self, span: MembershipSpan, day: dt.date) -> bool:
        """Whether a membership holds on ``day`` (the rule of :func:`~publisher.dataset.enrich.membership_holds`)."""
        if (span.first is not None and day < span.first) or (span.last is not None and day > span.last):
            return False
        if self.state(span.member, day) != "exists" or self.state(span.organization, day) != "exists":
            return False
        if span.periods:
            begun = any(first is None or first <= day.year for first in span.period_firsts)
            return begun and any(last >= day.year for last in span.period_lasts)
        return True

    def members(self, organization: str, day: dt.date) -> list[MembershipSpan]:
        """The memberships in ``organization`` that hold on ``day``."""
        return [s for s in self.by_organization.get(organization, []) if self.holds(s, day)]

    def memberships_of(self, member: str, day: dt.date) -> list[MembershipSpan]:
        """The memberships of ``member`` that hold on ``day``."""
        return [s for s in self.by_member.get(member, []) if self.holds(s, day)]

    def labels_at(self, iris: Iterable[str], day: dt.date) -> dict[str, dict[str, str]]:
        """``{iri: {language: label}}`` of those of ``iris`` renamed after ``day``: their rl:formerLabel, which
        holds before the date of their latest renaming (a change event of type rl:change-renaming that has
        the thing as original and resulting organization or territory)."""
        found: dict[str, dict[str, str]] = {}
        for iri in iris:
            for label, language, renamed in self.former.get(iri, []):
                if day < renamed:
                    found.setdefault(iri, {}).setdefault(language, label)
        return found

    def change_days(self, iri: str) -> list[dt.date]:
        """The days on which something in ``iri``'s description changes, sorted: its own beginning and end,
        its change events, and for each of its memberships (either side) the first day and the day after
        the last of its interval, of its funding periods and of the other side's life. Figures' reference
        dates are left out: every new population count would be a "change" of every territory."""
        if iri not in self.changes:
            self.changes[iri] = self.find_change_days(iri)
        return self.changes[iri]

    def find_change_days(self, iri: str) -> list[dt.date]:
        """The days :meth:`change_days` names, found in the timeline."""
        days = set(self.events.get(iri, []))
        own = self.lives.get(iri, Lifespan())
        days |= {d for d in (own.begin, own.end) if d is not None}
        for span in self.by_organization.get(iri, []) + self.by_member.get(iri, []):
            days |= {d for d in (span.first, span.last + DAY if span.last else None) if d is not None}
            days |= {dt.date(y, 1, 1) for y in span.period_firsts if y is not None}
            days |= {dt.date(y + 1, 1, 1) for y in span.period_lasts if y < dt.MAXYEAR}
            for party in (span.member, span.organization):
                life = self.lives.get(party, Lifespan())
                days |= {d for d in (life.begin, life.end) if d is not None}
        return sorted(days)


def lexical_of(term: Term | None) -> str:
    """The IRI or lexical form of a row's value, "" when unbound."""
    return term.value if term is not None else ""


def links_at(timeline: Timeline, iri: str, day: dt.date) -> list[ox.Quad]:
    """org:hasMember and org:memberOf of ``iri`` that hold on ``day``, in both directions (default graph),
    in place of the derived graph's links, which hold today."""
    pairs = {(iri, s.member) for s in timeline.members(iri, day)}
    pairs |= {(s.organization, iri) for s in timeline.memberships_of(iri, day)}
    made = [timeline.link_statements(o, m) for o, m in sorted(pairs)]
    return [has for has, _ in made] + [of for _, of in made]


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


def status_at(timeline: Timeline, iri: str, day: dt.date) -> Status:
    """Whether ``iri`` exists on ``day``; when it does not, its predecessors (not yet) or successors
    (ended) with their state and codes on that day."""
    state = timeline.state(iri, day)
    span = timeline.lives.get(iri, Lifespan())
    if state == "exists":
        return Status(day, state, span, [], [])
    notation = expand("skos:notation")

    def shown(things: list[str]) -> list[Neighbour]:
        return [
            Neighbour(x, timeline.state(x, day), sorted(o.value for p, o in timeline.facts.get(x, []) if p == notation))
            for x in things
        ]

    return Status(day, state, span, shown(timeline.before.get(iri, [])), shown(timeline.after.get(iri, [])))


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
