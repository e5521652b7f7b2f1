"""Membership timelines (a server-rendered SVG, no script) and the memberships a page reaches through its body.

A cooperation's page draws one bar per membership in it, a member's page one per membership it holds; a
territory's page (a LEADER region, a municipality's territory) draws those of its body (DESIGN §5: the
territory and the body are separate things, memberships are the body's), and a member's page also lists
the cooperations of the bodies whose territory contains its own (its district, its Land): the model places
a member's territory in the cooperation's territory through them. Funding periods are drawn as bands,
change events as marks, the page's ``at`` day as a line. Memberships with a role that is not membership
(:data:`~publisher.vocab.NOT_MEMBER_ROLES`) are not drawn: they hold on no day (the tables list them).

A handful of queries about the page's own things, never :meth:`publisher.render.asof.Timeline.load`.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from publisher.render import asof
from publisher.render.html import Labeller, safe_href
from publisher.render.page_data import MembershipRow, membership_rows
from publisher.store.protocol import Store
from publisher.vocab import NOT_MEMBER_ROLES, expand

#: The drawing's coordinate system (the SVG scales to the page's width).
WIDTH = 800
LEFT = 230  # the label column
RIGHT = WIDTH - 24  # room for an open end's arrow
ROW = 20
TOP = 34  # the year axis and the band labels


@dataclass
class Bar:
    href: str
    label: str
    title: str
    membership: str
    begin: str  # first day, "" when unknown
    end: str  # last day, "" when open
    x: float
    width: float
    y: float
    open_begin: bool
    open_end: bool
    current: bool
    via: str = ""
    marks: list[tuple[float, str]] = field(default_factory=list)  # change events of the other side


@dataclass
class Band:
    label: str
    x: float
    width: float


@dataclass
class Chart:
    key: str  # "members" or "memberships"
    title: str
    bars: list[Bar]
    bands: list[Band]
    ticks: list[tuple[float, int]]
    marks: list[tuple[float, str]]  # change events of the page's own things
    height: float
    at_x: float | None
    today_x: float
    left_out: int  # memberships with a role that is not membership


@dataclass
class Via:
    """The memberships of a body the page reaches: its own body, or a containing territory's body."""

    body: str
    label: str
    side: str  # "organization" (its members) or "member" (its cooperations)
    contains: bool  # reached through a containing territory
    rows: list[MembershipRow]


@dataclass
class PageTimeline:
    charts: list[Chart]
    via: list[Via]


def _bodies(store: Store, iri: str) -> tuple[list[str], list[str]]:
    """The bodies whose territory is ``iri`` (or the territory of the body ``iri``), and the bodies of the
    territories that contain it that are no cooperations (district, Land).

    The bodies with members are a join (under DISTINCT) and the cooperations a MINUS: the same rows as
    ``FILTER EXISTS`` / ``FILTER NOT EXISTS`` on ``?b``, which beside the paths make Virtuoso 7.2 fail
    ("Stack Overflow in cost model")."""
    own = [
        asof.lexical_of(r.get("b"))
        for r in store.select(f"SELECT DISTINCT ?b WHERE {{ ?b dct:spatial <{iri}> FILTER (isIRI(?b)) }} ORDER BY ?b")
    ]
    upper = [
        asof.lexical_of(r.get("b"))
        for r in store.select(f"""
        SELECT DISTINCT ?b WHERE {{
          {{ <{iri}> geo:sfWithin+ ?up }} UNION {{ <{iri}> dct:spatial/geo:sfWithin+ ?up }}
          ?b dct:spatial ?up .
          FILTER (isIRI(?b) && ?b != <{iri}>)
          ?any org:member ?b
          MINUS {{ ?b a rl:Cooperation }}
          FILTER NOT EXISTS {{ {{ <{iri}> a rl:Cooperation }}
                               UNION {{ ?coop dct:spatial <{iri}> ; a rl:Cooperation }} }}
        }} ORDER BY ?b""")
    ]
    return own, [b for b in upper if b not in own]


def _spans(store: Store, parties: list[str]) -> tuple[list[asof.MembershipSpan], dict[str, str]]:
    """Every membership with one of ``parties`` on either side, and each one's role: one query per party and
    side, each pattern anchored on it (unanchored, the engine walks every membership's interval first)."""
    spans: dict[str, asof.MembershipSpan] = {}
    roles: dict[str, str] = {}
    seen: dict[str, set[str]] = {}  # each membership's funding periods, counted once
    rows = []
    for party in parties:
        for side in ("organization", "member"):
            own = f"?m org:{side} <{party}> ."
            rows += store.select(f"""
        SELECT ?m ?org ?member ?role ?b ?e ?p ?pb ?pe WHERE {{
          ?m a org:Membership ; org:{side} <{party}> ; org:organization ?org ; org:member ?member .
          OPTIONAL {{ {own} ?m org:role ?role }}
          OPTIONAL {{ {own} ?m org:memberDuring/time:hasBeginning/(time:inXSDDate|time:inXSDgYear) ?b }}
          OPTIONAL {{ {own} ?m org:memberDuring/time:hasEnd/(time:inXSDDate|time:inXSDgYear) ?e }}
          OPTIONAL {{ {own} ?m rl:fundingPeriod ?p
                     OPTIONAL {{ ?p time:hasBeginning/time:inXSDgYear ?pb }}
                     OPTIONAL {{ ?p time:hasEnd/time:inXSDgYear ?pe }} }}
        }}""")
    for r in rows:
        m, org, member = (asof.lexical_of(r.get(n)) for n in ("m", "org", "member"))
        span = spans.setdefault(m, asof.MembershipSpan(m, org, member))
        roles[m] = asof.lexical_of(r.get("role"))
        begin, last = asof.day_of(r.get("b")), asof.day_of(r.get("e"), end=True)
        if begin is not None and (span.first is None or begin > span.first):
            span.first = begin
        if last is not None and (span.last is None or last - asof.DAY < span.last):
            span.last = last - asof.DAY
        if (period := r.get("p")) is not None and period.value not in seen.setdefault(m, set()):
            seen[m].add(period.value)
            span.periods = True
            span.period_firsts.append(asof.year_of(r.get("pb")))
            if (end_year := asof.year_of(r.get("pe"))) is not None:
                span.period_lasts.append(end_year)
    return sorted(spans.values(), key=lambda s: s.membership), roles


def _periods(store: Store, memberships: list[str]) -> list[tuple[str, int, int]]:
    """The funding periods of ``memberships``: (IRI, first year, last year), by first year."""
    if not memberships:
        return []
    found = []
    for r in store.select(f"""
        SELECT DISTINCT ?p ?pb ?pe WHERE {{
          VALUES ?m {{ {asof.values(memberships)} }}
          ?m rl:fundingPeriod ?p . ?p time:hasBeginning/time:inXSDgYear ?pb ; time:hasEnd/time:inXSDgYear ?pe .
        }}"""):
        first, last = asof.year_of(r.get("pb")), asof.year_of(r.get("pe"))
        if first is not None and last is not None:
            found.append((asof.lexical_of(r.get("p")), first, last))
    return sorted(found, key=lambda p: (p[1], p[0]))


def _events(store: Store, parties: list[str]) -> dict[str, list[tuple[dt.date, str]]]:
    """The change events each of ``parties`` takes part in: (day, event IRI), sorted."""
    parts = "org:originalOrganization|org:resultingOrganization|rl:originalTerritory|rl:resultingTerritory"
    events: dict[str, list[tuple[dt.date, str]]] = {}
    for r in store.select(f"""
        SELECT DISTINCT ?x ?e ?d WHERE {{
          VALUES ?x {{ {asof.values(parties)} }} ?e a org:ChangeEvent ; dct:date ?d ; {parts} ?x }}"""):
        if (day := asof.day_of(r.get("d"))) is not None:
            events.setdefault(asof.lexical_of(r.get("x")), []).append((day, asof.lexical_of(r.get("e"))))
    return {k: sorted(v) for k, v in events.items()}


def _interval(first: dt.date | None, last: dt.date | None, lang: str) -> str:
    unknown = "?" if first is None else first.isoformat()
    open_end = ("offen" if lang == "de" else "open") if last is None else last.isoformat()
    return f"{unknown} – {open_end}"


def page_timeline(
    store: Store, iri: str, lab: Labeller, lang: str, day: dt.date | None = None, today: dt.date | None = None
) -> PageTimeline:
    """The membership charts of ``iri``'s page and the memberships it reaches through bodies."""
    today = today or dt.date.today()
    own, upper = _bodies(store, iri)
    subjects = [iri, *own]
    spans, roles = _spans(store, sorted(set(subjects + upper)))
    not_member = {expand(r) for r in NOT_MEMBER_ROLES}
    parties = sorted({p for s in spans for p in (s.member, s.organization)} | set(subjects))
    lives = asof.lifespans(store, parties)
    events = _events(store, parties)
    rule = asof.Timeline(lives, [s for s in spans if roles.get(s.membership) not in not_member], {}, {})
    lab.learn(store.labels, set(parties) | {e for found in events.values() for _, e in found})

    def holding(body: str) -> set[str]:
        on = day or today
        return {s.membership for s in rule.members(body, on) + rule.memberships_of(body, on)}

    via = []
    for body in own:
        for side in ("organization", "member"):
            rows = membership_rows(store, body, side, lab, holding=holding(body))
            if rows:
                via.append(Via(body, lab.label(body), side, False, rows))
    for body in upper:
        rows = membership_rows(store, body, "member", lab, holding=holding(body))
        rows = [r for r in rows if r.current or day is None]
        if rows:
            via.append(Via(body, lab.label(body), "member", True, rows))

    charts = []
    for key, side in (("members", "organization"), ("memberships", "member")):
        mine = [s for s in spans if (s.organization if side == "organization" else s.member) in subjects]
        upper_spans = [s for s in spans if side == "member" and s.member in upper]
        drawn = [s for s in mine + upper_spans if roles.get(s.membership) not in not_member]
        left_out = len(mine) - len([s for s in mine if roles.get(s.membership) not in not_member])
        if not drawn:
            continue
        periods = _periods(store, [s.membership for s in drawn])
        lab.learn(store.labels, {p for p, _, _ in periods})
        chart = _chart(key, drawn, periods, subjects, upper, events, lives, rule, lab, lang, day, today, left_out)
        charts.append(chart)
    return PageTimeline(charts, via)


def _chart(
    key: str,
    drawn: list[asof.MembershipSpan],
    periods: list[tuple[str, int, int]],
    subjects: list[str],
    upper: list[str],
    events: dict[str, list[tuple[dt.date, str]]],
    lives: dict[str, asof.Lifespan],
    rule: asof.Timeline,
    lab: Labeller,
    lang: str,
    day: dt.date | None,
    today: dt.date,
    left_out: int,
) -> Chart:
    other = "member" if key == "members" else "organization"
    own_events = sorted({e for s in subjects for e in events.get(s, [])})
    days = [d for s in drawn for d in (s.first, s.last) if d is not None]
    days += [dt.date(y, 1, 1) for _, first, last in periods for y in (first, last + 1)]
    days += [d for d, _ in own_events] + [today] + ([day] if day else [])
    # The axis reaches a year past both ends, within the calendar (a page of 0001-01-01 or 9999-12-31).
    start = dt.date(max(dt.MINYEAR, min(d.year for d in days) - (1 if len(days) > 1 else 5)), 1, 1)
    stop = dt.date(max(d.year for d in days) + 2, 1, 1) if max(days).year < dt.MAXYEAR - 1 else dt.date.max
    span_days = (stop - start).days

    def x(d: dt.date) -> float:
        return round(LEFT + (RIGHT - LEFT) * (d - start).days / span_days, 1)

    years = stop.year - start.year
    step = next((s for s in (1, 2, 5, 10, 20, 25, 50, 100, 250, 500, 1000) if years / s <= 10), years // 10 + 1)
    ticks = [(x(dt.date(y, 1, 1)), y) for y in range(start.year, stop.year + 1) if y % step == 0]
    bands = [
        Band(lab.label(p), x(dt.date(first, 1, 1)), round(x(dt.date(last + 1, 1, 1)) - x(dt.date(first, 1, 1)), 1))
        for p, first, last in periods
    ]

    def order(s: asof.MembershipSpan) -> tuple[bool, str, str, str]:
        via = getattr(s, other) if key == "members" else s.organization
        return (s.member in upper, lab.label(via).casefold(), (s.first or dt.date.min).isoformat(), s.membership)

    bars = []
    on = day or today
    for row, s in enumerate(sorted(drawn, key=order)):
        who = getattr(s, other)
        life = lives.get(who, asof.Lifespan())
        first = s.first
        last = s.last
        gone = life.end - asof.DAY if life.end is not None else None
        if gone is not None and (last is None or gone < last):
            last = gone  # a member that ended ends its membership
        left = x(first) if first is not None else LEFT
        right = x(last + asof.DAY) if last is not None else x(today)
        y = TOP + row * ROW
        label = lab.label(who)
        via = lab.label(s.member) if s.member in upper else ""
        title = f"{label}: {_interval(first, last, lang)}"
        if via:
            title += f" ({'über' if lang == 'de' else 'via'} {via})"
        marks = [(x(d), lab.label(e)) for d, e in events.get(who, [])]
        bars.append(
            Bar(
                href=safe_href(who),
                label=label if not via else f"{label} ({via})",
                title=title,
                membership=s.membership,
                begin=first.isoformat() if first else "",
                end=last.isoformat() if last else "",
                x=left,
                width=max(round(right - left, 1), 2.0),
                y=y,
                open_begin=first is None,
                open_end=last is None,
                current=rule.holds(s, on),
                via=via,
                marks=marks,
            )
        )
    title = ("Mitglieder im Zeitverlauf" if lang == "de" else "Members over time") if key == "members" else (
        "Mitgliedschaften im Zeitverlauf" if lang == "de" else "Memberships over time"
    )
    return Chart(
        key=key,
        title=title,
        bars=bars,
        bands=bands,
        ticks=ticks,
        marks=[(x(d), lab.label(e)) for d, e in own_events],
        height=TOP + len(bars) * ROW + 8,
        at_x=x(day) if day is not None else None,
        today_x=x(today),
        left_out=left_out,
    )
