"""The projection of a code between two dates: what a thing valid on one day became on another.

A territory (or body) valid on ``start`` is followed through every change event between ``start``
and ``end`` (org:ChangeEvent with rl:originalTerritory/rl:resultingTerritory, or
org:originalOrganization/org:resultingOrganization for a body; dct:isReplacedBy with
prov:invalidatedAtTime where no event says more), one step at a time, each step after the one
before it, to the things valid on ``end``. With ``start`` after ``end`` it walks backwards, to the
predecessors. Like INSEE's ``/projetes?date=…&dateProjection=…``, but over linked data, with the
events on the way. Valid time only (DESIGN §5); every query goes through :class:`Store.select`, so
it runs on every store.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from publisher.render.asof import Lifespan, day_of
from publisher.store.protocol import Store, lexical
from publisher.vocab import ORG, RL, sparql_prologue

#: The datatypes of official codes in the ontology (rdfs:Datatype in rl:), the kinds a code can be.
CODE_TYPES = (
    "AGS",
    "ARS",
    "MunicipalAssociationKey",
    "DistrictKey",
    "GovernmentDistrictKey",
    "PlanningRegionKey",
    "StateKey",
    "NUTS",
)
#: What a code looks like: letters and digits (AGS, ARS, keys, NUTS); anything else cannot be one.
CODE = re.compile(r"[0-9A-Za-z]{1,20}")
#: Characters an IRI in a query may not hold (SPARQL 1.1 Query §19.8, IRIREF).
NOT_IN_IRIREF = re.compile(r"[\x00-\x20<>\"{}|^`\\]")
#: No walk follows more steps than this (each step is at least a day later, so chains end anyway).
MAX_STEPS = 1000


@dataclass(frozen=True)
class Kind:
    """Territories or bodies: which roles of a change event a projection follows."""

    name: str
    original: str
    resulting: str


TERRITORY = Kind("territory", RL + "originalTerritory", RL + "resultingTerritory")
ORGANIZATION = Kind("organization", ORG + "originalOrganization", ORG + "resultingOrganization")


@dataclass(frozen=True)
class Thing:
    """A territory or body as a projection shows it: IRI, label and codes (value, datatype name)."""

    iri: str
    label: str
    language: str = ""
    codes: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class Change:
    """A change event on the way: date, label, types (IRI, notation), and the things before and after."""

    iri: str
    date: dt.date
    label: str
    language: str
    types: tuple[tuple[str, str], ...]
    before: tuple[str, ...]
    after: tuple[str, ...]


@dataclass
class Projection:
    """What ``thing`` (asked by ``code`` or IRI), valid on ``start``, became on ``end``."""

    start: dt.date
    end: dt.date
    code: str | None
    thing: Thing
    kind: Kind
    results: list[Thing] = field(default_factory=list)
    changes: list[Change] = field(default_factory=list)

    @property
    def backwards(self) -> bool:
        return self.start > self.end


class Unanswerable(Exception):
    """A projection that cannot be made: ``reason`` is "bad" (malformed input), "unknown" (no such thing),
    "not-valid" (nothing the input names existed on the start day) or "ambiguous"; ``links`` are
    (IRI, label) of things the client may have meant."""

    def __init__(self, reason: str, message: str, links: Iterable[tuple[str, str]] = ()):
        super().__init__(message)
        self.reason, self.message, self.links = reason, message, list(links)


def describe(span: Lifespan) -> str:
    """When a thing was valid, in words: from its first day until its last."""
    since = f"from {span.begin.isoformat()}" if span.begin else "since before the data's first fact"
    return since + (f" until {(span.end - dt.timedelta(days=1)).isoformat()}" if span.end else "")


def iri_term(iri: str) -> str:
    """``<iri>`` for a query, refusing what could end the IRI early (only checked IRIs get here)."""
    if NOT_IN_IRIREF.search(iri):
        raise ValueError(f"not an IRI for a query: {iri!r}")
    return f"<{iri}>"


def values(iris: Iterable[str]) -> str:
    return " ".join(iri_term(i) for i in sorted(set(iris)))


def lifespans(store: Store, iris: Iterable[str]) -> dict[str, Lifespan]:
    """The lifespan of each thing (unbounded where the data gives no date)."""
    rows = store.select(f"""{sparql_prologue()}
        SELECT ?thing ?born ?ended WHERE {{
          VALUES ?thing {{ {values(iris)} }}
          OPTIONAL {{ ?thing prov:generatedAtTime ?born }}
          OPTIONAL {{ ?thing prov:invalidatedAtTime ?ended }}
        }}""")
    return {lexical(r["thing"]): Lifespan(day_of(r["born"]), day_of(r["ended"], end=True)) for r in rows}


def find_by_code(store: Store, code: str, day: dt.date) -> tuple[Thing, Kind]:
    """The thing carrying ``code`` (any official code type) on ``day``; territories before bodies."""
    if not CODE.fullmatch(code):
        raise Unanswerable(
            "bad",
            f"code must be an official code of letters and digits (AGS, ARS, district key, NUTS), not {code[:40]!r}.",
        )
    spellings = {code, code.upper()}
    literals = " ".join(f'"{c}"^^rl:{t}' for c in sorted(spellings) for t in CODE_TYPES)
    # Flags are the strings "true"/"false", not the booleans EXISTS gives: Virtuoso 7.2 answers a boolean the
    # query computes as the integer 1 or 0 (find_by_iri alike).
    rows = store.select(f"""{sparql_prologue()}
        SELECT DISTINCT ?thing ?territory WHERE {{
          VALUES ?code {{ {literals} }}
          ?thing skos:notation ?code .
          BIND (IF(EXISTS {{ ?thing a rl:Territory }}, "true", "false") AS ?territory)
        }}""")
    carriers = {lexical(r["thing"]): lexical(r["territory"]) == "true" for r in rows}
    if not carriers:
        raise Unanswerable("unknown", f"No thing carries the code {code!r}.")
    spans = lifespans(store, carriers)
    valid = [i for i in carriers if spans.get(i, Lifespan()).state(day) == "exists"]
    if not valid:
        raise not_valid(store, f"the code {code!r}", carriers, spans, day)
    chosen = sorted(i for i in valid if carriers[i]) or sorted(valid)
    if len(chosen) > 1:
        links = [(t.iri, t.label) for t in things(store, chosen)]
        raise Unanswerable("ambiguous", f"The code {code!r} names {len(chosen)} things on {day}: ask by iri=.", links)
    return things(store, chosen)[0], TERRITORY if carriers[chosen[0]] else ORGANIZATION


def find_by_iri(store: Store, iri: str, day: dt.date) -> tuple[Thing, Kind]:
    """The territory or body ``iri``, which must be valid on ``day``."""
    if not iri.startswith(("http://", "https://")) or len(iri) > 2000 or NOT_IN_IRIREF.search(iri):
        raise Unanswerable("bad", f"iri must be the http(s) IRI of a territory or body, not {iri[:80]!r}.")
    it = iri_term(iri)
    rows = store.select(f"""{sparql_prologue()}
        SELECT ?territory ?body WHERE {{
          BIND (IF(EXISTS {{ {it} a rl:Territory }}, "true", "false") AS ?territory)
          BIND (IF(EXISTS {{
            {{ {it} dct:spatial [] }} UNION {{ [] org:originalOrganization|org:resultingOrganization {it} }} UNION {{
              VALUES ?type {{ org:Organization org:FormalOrganization org:OrganizationalCollaboration
                              m8g:PublicOrganisation }}
              {it} a ?type }} }}, "true", "false") AS ?body)
        }}""")
    territory = bool(rows) and lexical(rows[0]["territory"]) == "true"
    if not territory and not (rows and lexical(rows[0]["body"]) == "true"):
        raise Unanswerable("unknown", f"<{iri}> is no territory or body of this dataset.")
    spans = lifespans(store, [iri])
    if not spans.get(iri, Lifespan()).state(day) == "exists":
        raise not_valid(store, f"<{iri}>", {iri: territory}, spans, day)
    return things(store, [iri])[0], TERRITORY if territory else ORGANIZATION


def not_valid(
    store: Store, asked: str, carriers: dict[str, bool], spans: dict[str, Lifespan], day: dt.date
) -> Unanswerable:
    """The answer for input that names things, none of them valid on ``day``: when each was."""
    shown = things(store, carriers)
    when = "; ".join(f"{t.label} <{t.iri}> {describe(spans.get(t.iri, Lifespan()))}" for t in shown)
    return Unanswerable(
        "not-valid", f"Nothing {asked} names existed on {day}: {when}.", [(t.iri, t.label) for t in shown]
    )


def things(store: Store, iris: Iterable[str]) -> list[Thing]:
    """Each thing with its German (else English, else any) label and its codes, ordered by label and IRI."""
    wanted = sorted(set(iris))
    if not wanted:
        return []
    labels = store.labels(wanted)
    rows = store.select(f"""{sparql_prologue()}
        SELECT ?thing ?code WHERE {{ VALUES ?thing {{ {values(wanted)} }} ?thing skos:notation ?code }}""")
    codes: dict[str, set[tuple[str, str]]] = {}
    for r in rows:
        term = r["code"]
        datatype = term.datatype.value if term is not None and hasattr(term, "datatype") else ""
        codes.setdefault(lexical(r["thing"]), set()).add((lexical(term), datatype.rsplit("#", 1)[-1]))
    found = [Thing(i, *label_of(labels.get(i, {}), i), tuple(sorted(codes.get(i, ())))) for i in wanted]
    return sorted(found, key=lambda t: (t.label, t.iri))


def label_of(by_language: dict[str, str], iri: str) -> tuple[str, str]:
    """The German label, else the English one, else any, else the IRI; with its language ("" for none)."""
    for language in ("de", "en", *sorted(by_language)):
        if by_language.get(language):
            return by_language[language], language
    return iri, ""


@dataclass(frozen=True)
class Step:
    """A change event that touches a thing in the role the walk enters by."""

    event: str
    date: dt.date
    onward: tuple[str, ...]


def steps(store: Store, iris: Iterable[str], kind: Kind, forward: bool) -> dict[str, list[Step]]:
    """Per thing, the events it enters (forward: as original; backwards: as result), with the other side's things."""
    enter, leave = (kind.original, kind.resulting) if forward else (kind.resulting, kind.original)
    rows = store.select(f"""{sparql_prologue()}
        SELECT ?thing ?event ?date ?onward WHERE {{
          VALUES ?thing {{ {values(iris)} }}
          ?event <{enter}> ?thing ; dct:date ?date .
          OPTIONAL {{ ?event <{leave}> ?onward }}
        }}""")
    found: dict[tuple[str, str], tuple[dt.date | None, set[str]]] = {}
    for r in rows:
        key = (lexical(r["thing"]), lexical(r["event"]))
        found.setdefault(key, (day_of(r["date"]), set()))[1].update([lexical(r["onward"])] if r["onward"] else [])
    by_thing: dict[str, list[Step]] = {}
    for (thing, event), (date, onward) in sorted(found.items()):
        if date is not None:
            by_thing.setdefault(thing, []).append(Step(event, date, tuple(sorted(onward))))
    return by_thing


def replacements(store: Store, iris: Iterable[str], forward: bool) -> dict[str, list[Step]]:
    """Per thing, dct:isReplacedBy steps (forward: its successors; backwards: its predecessors), dated by
    the prov:invalidatedAtTime of the thing replaced: for data that names no change event."""
    pattern = (
        "?thing dct:isReplacedBy ?onward ; prov:invalidatedAtTime ?date"
        if forward
        else ("?onward dct:isReplacedBy ?thing ; prov:invalidatedAtTime ?date")
    )
    rows = store.select(f"""{sparql_prologue()}
        SELECT ?thing ?onward ?date WHERE {{ VALUES ?thing {{ {values(iris)} }} {pattern} }}""")
    by_thing: dict[str, list[Step]] = {}
    for r in rows:
        date = day_of(r["date"])
        if date is not None:
            by_thing.setdefault(lexical(r["thing"]), []).append(Step("", date, (lexical(r["onward"]),)))
    return by_thing


def walk(store: Store, start: str, kind: Kind, first: dt.date, last: dt.date) -> tuple[set[str], set[str]]:
    """The things ``start`` (valid on ``first``) became on ``last``, and the change events on the way.

    Each thing moves on at its first event after the day it was reached (backwards: its last event
    before), as long as that event lies between the two days; a thing with no such event is a result
    if it is valid on ``last`` (one that ended without successor is not).
    """
    forward = first <= last
    # Steps are dated by their event: forward, one valid on `first` has no event on `first`; backwards,
    # a thing valid on `first` may have been made by an event on that very day.
    frontier = {(start, first if forward or first == dt.date.max else first + dt.timedelta(days=1))}
    seen: set[tuple[str, dt.date]] = set()
    results: set[str] = set()
    events: set[str] = set()

    def ahead(date: dt.date, since: dt.date) -> bool:
        return since < date <= last if forward else last < date < since

    for _ in range(MAX_STEPS):
        frontier -= seen
        if not frontier:
            break
        seen |= frontier
        reached = {thing for thing, _ in frontier}
        by_event, by_replacement = steps(store, reached, kind, forward), replacements(store, reached, forward)
        spans = lifespans(store, reached)
        onward: set[tuple[str, dt.date]] = set()
        for thing, since in sorted(frontier):
            candidates = [s for s in by_event.get(thing, []) if ahead(s.date, since)] or [
                s for s in by_replacement.get(thing, []) if ahead(s.date, since)
            ]
            if not candidates:
                if spans.get(thing, Lifespan()).state(last) == "exists":
                    results.add(thing)
                continue
            nearest = (min if forward else max)(s.date for s in candidates)
            for s in candidates:
                if s.date == nearest:
                    events |= {s.event} - {""}
                    onward |= {(o, s.date) for o in s.onward}
        frontier = onward
    return results, events


def changes(store: Store, iris: Iterable[str], kind: Kind) -> list[Change]:
    """The change events with date, label, types and the things before and after, by date and IRI."""
    wanted = sorted(set(iris))
    if not wanted:
        return []
    rows = store.select(f"""{sparql_prologue()}
        SELECT ?event ?date ?type ?notation ?before ?after WHERE {{
          VALUES ?event {{ {values(wanted)} }}
          ?event dct:date ?date .
          OPTIONAL {{ ?event dct:type ?type OPTIONAL {{ ?type skos:notation ?notation }} }}
          OPTIONAL {{ ?event <{kind.original}> ?before }}
          OPTIONAL {{ ?event <{kind.resulting}> ?after }}
        }}""")
    labels = store.labels(wanted)
    parts: dict[str, tuple[dt.date | None, set[tuple[str, str]], set[str], set[str]]] = {}
    for r in rows:
        entry = parts.setdefault(lexical(r["event"]), (day_of(r["date"]), set(), set(), set()))
        if r["type"] is not None:
            kind_iri = lexical(r["type"])
            entry[1].add((kind_iri, lexical(r["notation"]) or kind_iri.rsplit("#", 1)[-1]))
        entry[2].update([lexical(r["before"])] if r["before"] else [])
        entry[3].update([lexical(r["after"])] if r["after"] else [])
    found = [
        Change(iri, date, *label_of(labels.get(iri, {}), iri), tuple(sorted(t)), tuple(sorted(b)), tuple(sorted(a)))
        for iri, (date, t, b, a) in parts.items()
        if date is not None
    ]
    return sorted(found, key=lambda c: (c.date, c.iri))


def project(store: Store, start: dt.date, end: dt.date, code: str | None = None, iri: str | None = None) -> Projection:
    """What the thing a code (or IRI) names on ``start`` became on ``end``, with the events on the way."""
    if (code is None) == (iri is None):
        raise Unanswerable(
            "bad", "Give either code= (an official code) or iri= (a territory or body), not both or neither."
        )
    thing, kind = find_by_code(store, code, start) if code is not None else find_by_iri(store, iri or "", start)
    results, events = walk(store, thing.iri, kind, start, end)
    return Projection(start, end, code, thing, kind, things(store, results), changes(store, events, kind))
