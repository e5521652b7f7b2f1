"""What a page of another day (``?at=``) adds: the day, the thing's state then, what held instead, the
changes around it, and the statements shown (containment of things that existed, the figure of the day).

Answers come from :mod:`publisher.render.asof`; :mod:`publisher.render.page_data` puts them on a page.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pyoxigraph as ox

from publisher.render import asof
from publisher.render.html import Labeller, safe_href
from publisher.store.protocol import Store
from publisher.vocab import expand


@dataclass
class Dated:
    """What a page of another day needs: the day, the build's timeline and the data's first dated day."""

    day: dt.date
    timeline: asof.Timeline
    first: dt.date | None


@dataclass
class Instead:
    """A thing that held in place of the page's thing on the day: its link, label, codes and state."""

    iri: str
    label: str
    codes: str
    state: str


@dataclass
class Around:
    """The changes of a thing around a day, as the links to the pages of other days need them."""

    previous: str  # the day before the last change on or before the day ("" if none)
    previous_change: str
    next: str  # the next change after the day ("" if none)


def changes_around(timeline: asof.Timeline, iri: str, day: dt.date) -> Around:
    """The last change of ``iri`` on or before ``day`` and the next one after it."""
    last, following = asof.around(timeline.change_days(iri), day)
    return Around(
        previous=(last - asof.DAY).isoformat() if last else "",
        previous_change=last.isoformat() if last else "",
        next=following.isoformat() if following else "",
    )


@dataclass
class DayView(Around):
    """What a page of one day adds: the day, the thing's state, what held instead, the changes around."""

    day: str
    state: str
    sentences: list[str]
    instead: list[Instead]


STATES = {
    "exists": {"de": "bestand", "en": "existed"},
    "not-yet": {"de": "bestand noch nicht", "en": "did not exist yet"},
    "ended": {"de": "bestand nicht mehr", "en": "no longer existed"},
}
#: "Am D bestand dies …": the German sentence puts the negation after the subject.
STATE_SENTENCE_DE = {"exists": "Am {} bestand dies.", "not-yet": "Am {} bestand dies noch nicht.",
                     "ended": "Am {} bestand dies nicht mehr."}  # fmt: skip


def status_sentences(status: asof.Status, first: dt.date | None, lang: str) -> list[str]:
    """Say in ``lang`` whether the thing existed on the day, since and until when, and whether the day
    is before the first dated fact of the data."""
    day = status.day.isoformat()
    de = lang == "de"
    said = [STATE_SENTENCE_DE[status.state].format(day) if de else f"On {day} this {STATES[status.state]['en']}."]
    if status.span.begin is not None:
        begin = status.span.begin.isoformat()
        said.append(f"Beginn: {begin}." if de else f"It began on {begin}.")
    if status.span.end is not None:
        last = (status.span.end - asof.DAY).isoformat()
        said.append(f"Letzter Tag: {last}." if de else f"Its last day was {last}.")
    if first is not None and status.day < first:
        earliest = first.isoformat()
        said.append(
            f"Der {day} liegt vor der ersten datierten Angabe der Daten ({earliest}): Angaben ohne Beginn gelten "
            "hier als schon bestehend, die Quellen sagen über diese Zeit nichts."
            if de
            else f"{day} is before the first dated fact of the data ({earliest}): facts without a beginning are "
            "taken to hold already; the sources say nothing about that time."
        )
    return said


def day_view(store: Store, iri: str, dated: Dated, lab: Labeller) -> DayView:
    """The state of ``iri`` on the day, what held instead, and the days of the changes around it."""
    day, first = dated.day, dated.first
    status = asof.status_at(dated.timeline, iri, day)
    shown = status.predecessors if status.state == "not-yet" else status.successors if status.state == "ended" else []
    lab.learn(store.labels, [n.iri for n in shown])
    around = changes_around(dated.timeline, iri, day)
    return DayView(
        previous=around.previous,
        previous_change=around.previous_change,
        next=around.next,
        day=day.isoformat(),
        state=status.state,
        sentences=status_sentences(status, first, lab.lang),
        instead=[
            Instead(safe_href(n.iri), lab.label(n.iri), ", ".join(n.codes), STATES[n.state][lab.lang]) for n in shown
        ],
    )


def quads_of_day(iri: str, quads: list[ox.Quad], day: dt.date, timeline: asof.Timeline) -> list[ox.Quad]:
    """The statements a page shows on ``day``: containment only of things that existed then, and of each
    figure property only the figures of the latest reference date on or before the day (none when all
    are later); figures without a reference date stay."""
    subject = ox.NamedNode(iri)
    dates = {
        str(q.subject): asof.day_of(q.object)
        for q in quads
        if q.predicate.value == expand("rl:referenceDate")
        and isinstance(q.subject, ox.BlankNode)
        and isinstance(q.object, ox.Literal)
    }
    latest: dict[str, dt.date] = {}
    for q in quads:
        when = dates.get(str(q.object))
        if q.subject == subject and when is not None and when <= day:
            latest[q.predicate.value] = max(when, latest.get(q.predicate.value, when))

    def shown(q: ox.Quad) -> bool:
        if q.subject != subject:
            return True
        if q.predicate.value in asof.CONTAINMENT and isinstance(q.object, ox.NamedNode):
            return timeline.state(q.object.value, day) == "exists"
        when = dates.get(str(q.object))
        return when is None or when == latest.get(q.predicate.value)

    return [q for q in quads if shown(q)]
