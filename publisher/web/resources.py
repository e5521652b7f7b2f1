"""Dereferencing: /id/ answers 303 See Other (Cool URIs §4.2), /doc/ negotiates the description."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import pyoxigraph as ox
from flask import Response, redirect, render_template, request
from werkzeug.wrappers import Response as AnyResponse  # what redirect() answers; Flask's Response is one

from publisher.negotiation import BY_SUFFIX, DOCUMENT_FORMATS, HTML, NQUADS, Format, negotiate
from publisher.render import asof, dayview, page_data, timeline
from publisher.render.html import iri_to_uri
from publisher.render.profiles import DEFAULT, Profile, Source
from publisher.render.rdf import serialize
from publisher.render.suggest import kind_of
from publisher.store.protocol import Description
from publisher.vocab import (
    DCAT_END_DATE,
    DCAT_START_DATE,
    DCT_CONFORMS_TO,
    DCT_IS_FORMAT_OF,
    DCT_IS_VERSION_OF,
    DCT_PERIOD_OF_TIME,
    DCT_TEMPORAL,
    FOAF_PRIMARY_TOPIC,
    HYDRA_NEXT,
    HYDRA_TOTAL_ITEMS,
    RDF_TYPE,
    RDFS_COMMENT,
    RDFS_SEE_ALSO,
    VOID_IN_DATASET,
    XSD_DATE,
    XSD_INTEGER,
)
from publisher.web import geo, profiles
from publisher.web.paging import last_page, page_number, past_the_end
from publisher.web.replay import replayable
from publisher.web.state import State, page_language, request_key, request_query, state, vary_for
from publisher.web.timetravel import keep_day, requested_day, with_day

#: No store is asked to skip more links than this (a page number of 18 digits times the limit).
MAX_OFFSET = 2**62


def split_suffix(st: State, key: str) -> tuple[str, Format | None]:
    """``territory/03358.ttl`` → (``territory/03358``, Turtle) when that thing exists; else no suffix."""
    stem, dot, suffix = key.rpartition(".")
    if dot and suffix in BY_SUFFIX and exists(st, stem) and not exists(st, key):
        return stem, BY_SUFFIX[suffix]
    return key, None


def exists(st: State, key: str) -> bool:
    return st.exists(key)


def thing(key: str = "") -> AnyResponse:
    """GET /id/{key}: 303 See Other to the document, or 200 with the setting ``redirect=200``."""
    st = state()
    key = request_key("id")
    day = requested_day(st)
    if not key or not exists(st, key):
        return without_trailing_slash(st, "id", key, lambda stem: exists(st, stem)) or not_found_thing(st, key)
    if st.settings.redirect == "200":
        response = document_response(st, key, None, day)
        if response.status_code in (200, 304):
            response.headers["Link"] = (
                f'<{with_day(st.doc_url(key), day)}>; rel="describedby", ' + response.headers.get("Link", "")
            )
        return response
    redirected = redirect(with_day(st.doc_url(key), day), code=303)
    redirected.autocorrect_location_header = False
    replayable()  # made of the address alone
    return redirected


def document(key: str = "") -> AnyResponse:
    """GET /doc/{key}[.ext]: the description in the negotiated or the suffix's format."""
    st = state()
    if (geojson := geo.document(st, request_key("doc"))) is not None:
        return geojson
    key, fmt = split_suffix(st, request_key("doc"))
    day = requested_day(st)
    if not key or not exists(st, key):
        return without_trailing_slash(st, "doc", key, lambda stem: exists(st, split_suffix(st, stem)[0])) or (
            not_found_thing(st, key)
        )
    return document_response(st, key, fmt, day)


def without_trailing_slash(st: State, route: str, key: str, known: Callable[[str], bool]) -> AnyResponse | None:
    """Redirect ``/{route}/{key}/`` to ``/{route}/{key}`` (301, query kept) when ``key`` without its slash
    is a known thing, else return None; called only for a key that is not a thing itself, so a thing whose
    key ends in ``/`` keeps its own address (keys may hold ``/``: README, unusual IRIs)."""
    stem = key[:-1]
    if not key.endswith("/") or not stem or not known(stem):
        return None
    location = iri_to_uri(f"{st.base}{route}/{stem}") + request_query()
    response = redirect(location, code=301)
    response.autocorrect_location_header = False
    return response


def document_response(st: State, key: str, fixed: Format | None, day: dt.date | None = None) -> Response:
    fmt = fixed or negotiate(request.headers.get("Accept"))
    if fmt is None:
        return not_acceptable(st, key)
    profile, by_query = profiles.requested(st, key, fmt)
    if profile is None and by_query:
        return profiles.alternates(st, key, day)
    lang = page_language() if fmt is HTML else ""
    # Without a day the keys are those of before: today's documents keep their cache entries and ETags.
    parts = ("doc", key, fmt.key, lang) + ((day.isoformat(),) if day else ())
    if profile is not None and profile is not DEFAULT:
        parts += ("profile", profile.token)
        chosen = profile
        body, content_type = st.rendered(parts, lambda: render_profile(st, key, fmt, chosen, day))
    else:
        body, content_type = st.rendered(parts, lambda: render_document(st, key, fmt, lang, day))
    asked = (st.build.version, *parts, profile.token if profile else "", "query" if by_query else "")
    extra = st.headers.get(asked, lambda: document_headers(st, key, fmt, lang, profile, by_query, day))
    replayable()  # made of the build, the address and the headers Vary names
    return st.respond(body, content_type, parts, vary=vary_for(fixed, fmt, profiled=True), extra=extra)


def document_headers(
    st: State, key: str, fmt: Format, lang: str, profile: Profile | None, by_query: bool, day: dt.date | None
) -> list[tuple[str, str]]:
    """The headers of a document besides ETag, Last-Modified and Vary, made once per document like its body
    (a cached document of a day is then served as today's is: two look-ups and the same response)."""
    location = with_day(st.doc_url(key, fmt), day)
    links = st.document_links(key, day) + geo.link(st, key, day)
    if profile is not None:
        location = profiles.profile_url(st, key, profile, fmt, day) if by_query else location
        links += f', <{profile.iri}>; rel="profile"'
    extra = [("Content-Location", location), ("Link", links)]
    if profile is not None:
        extra.append(("Content-Profile", f"<{profile.iri}>"))
    if day is not None:
        extra.append(("Valid-At", day.isoformat()))
    if fmt is HTML:
        extra.append(("Content-Language", lang))
        extra += geo.page_headers(st, key)
    return extra


def dated_statements(st: State, key: str, desc: Description, day: dt.date) -> list[ox.Quad]:
    """What a document of ``day`` says besides the description: its day (dct:temporal, a dct:PeriodOfTime
    of that one day as DCAT-AP gives it), the version it is of, the member links that hold that day, and
    for a thing that did not exist then, what held instead (with their codes and a link at the day)."""
    doc = ox.NamedNode(with_day(st.doc_url(key), day))
    period = ox.BlankNode(f"day{day.strftime('%Y%m%d')}")
    day_literal = ox.Literal(day.isoformat(), datatype=XSD_DATE)
    quads = [
        ox.Quad(doc, DCT_TEMPORAL, period),
        ox.Quad(period, RDF_TYPE, DCT_PERIOD_OF_TIME),
        ox.Quad(period, DCAT_START_DATE, day_literal),
        ox.Quad(period, DCAT_END_DATE, day_literal),
        ox.Quad(doc, DCT_IS_VERSION_OF, ox.NamedNode(st.doc_url(key))),
    ]
    quads += asof.links_at(st.timeline(), desc.subject, day)
    timeline = st.timeline()
    status = asof.status_at(timeline, desc.subject, day)
    for note in dayview.status_sentences(status, st.first_fact(), "en"):
        quads.append(ox.Quad(doc, RDFS_COMMENT, ox.Literal(note, language="en")))
    shown = status.predecessors if status.state == "not-yet" else status.successors if status.state == "ended" else []
    for other in shown:
        node = ox.NamedNode(other.iri)
        quads.append(ox.Quad(doc, RDFS_SEE_ALSO, ox.NamedNode(with_day(iri_to_uri(other.iri), day))))
        quads += [ox.Quad(node, ox.NamedNode(p), o) for p, o in timeline.facts.get(other.iri, [])]
    return quads


def description_quads(st: State, key: str, desc: Description, day: dt.date | None = None) -> list[ox.Quad]:
    """The description plus statements about the document itself (and where the rest of the links are);
    of ``day``, without today's member links and with that day's (:func:`dated_statements`)."""
    doc = ox.NamedNode(with_day(st.doc_url(key), day))
    extra = [
        ox.Quad(doc, FOAF_PRIMARY_TOPIC, ox.NamedNode(desc.subject)),
        ox.Quad(doc, VOID_IN_DATASET, ox.NamedNode(st.dataset_iri)),
    ]
    if desc.truncated:
        more = ox.NamedNode(iri_to_uri(f"{st.base}incoming/{key}"))
        extra += [
            ox.Quad(doc, RDFS_SEE_ALSO, more),
            ox.Quad(more, HYDRA_TOTAL_ITEMS, ox.Literal(str(desc.incoming_total), datatype=XSD_INTEGER)),
            ox.Quad(more, HYDRA_NEXT, ox.NamedNode(iri_to_uri(f"{st.base}incoming/{key}?page=2"))),
        ]
    if day is None:
        return desc.quads + desc.incoming + extra
    own = asof.without_todays_links(desc.quads + desc.incoming)
    return own + extra + dated_statements(st, key, desc, day)


def render_profile(st: State, key: str, fmt: Format, profile: Profile, day: dt.date | None) -> tuple[bytes, str]:
    """The description of ``key`` to the rules of ``profile`` (an RDF format), with the statements about the
    document itself and the profile it conforms to (dct:conformsTo)."""
    desc = st.store.describe(st.thing_iri(key), st.settings.incoming_limit)
    if day is not None:  # the day's member links and status, then the profile's view of that
        desc = Description(desc.subject, asof.without_todays_links(desc.quads) + dated_statements(st, key, desc, day))
    quads = profile.make(desc, Source(st.store, st.catalog))
    doc = ox.NamedNode(profiles.profile_url(st, key, profile, None, day))
    quads += [
        ox.Quad(doc, FOAF_PRIMARY_TOPIC, ox.NamedNode(desc.subject)),
        ox.Quad(doc, DCT_CONFORMS_TO, ox.NamedNode(profile.iri)),
        ox.Quad(doc, DCT_IS_FORMAT_OF, ox.NamedNode(with_day(st.doc_url(key), day))),
    ]
    return serialize(quads, fmt), fmt.content_type


def render_document(st: State, key: str, fmt: Format, lang: str, day: dt.date | None = None) -> tuple[bytes, str]:
    limit = st.settings.incoming_limit
    desc = st.store.describe(st.thing_iri(key), limit)
    if fmt is not HTML:
        return serialize(description_quads(st, key, desc, day), fmt), fmt.content_type
    return render_html(st, key, desc, lang, day).encode("utf-8"), HTML.content_type


def render_html(st: State, key: str, desc: Description, lang: str, day: dt.date | None = None) -> str:
    iri = desc.subject
    dated = dayview.Dated(day, st.timeline(), st.first_fact()) if day else None
    shown = page_data.thing_page(st.store, desc, st.base, lang, dated)
    drawn = timeline.page_timeline(st.store, iri, shown.lab, lang, day)
    page = render_template(
        "resource.html",
        lang=lang,
        iri=iri,
        key=key,
        title=shown.title,
        lab=shown.lab,
        groups=shown.groups,
        members=shown.members,
        memberships=shown.memberships,
        timeline=drawn,
        history=shown.history,
        provenance=shown.provenance,
        incoming=shown.incoming,
        incoming_total=desc.incoming_total,
        truncated=desc.truncated,
        more_url=iri_to_uri(f"{st.base}incoming/{key}?page=2"),
        formats=[(f, st.doc_url(key, f)) for f in DOCUMENT_FORMATS if f is not HTML],
        island=shown.island,
        base=st.base,
        iri_href=iri_to_uri(iri),
        at=shown.at,
        trail=shown.trail,
        around=None if day else dayview.changes_around(st.changes_of(iri), iri, dt.date.today()),
        form_action=st.doc_url(key, HTML),
        page_map=geo.page_map(st, key, iri, day, lang),
    )
    return keep_day(page, st.base, day)


def incoming(key: str = "") -> AnyResponse:
    """GET /incoming/{key}?page=N: one page of the links to a thing, for descriptions that were cut."""
    st = state()
    key = request_key("incoming")
    day = requested_day(st)  # the links to a thing are statements of no day; its page keeps the day in links
    if not key or not exists(st, key):
        return without_trailing_slash(st, "incoming", key, lambda stem: exists(st, stem)) or not_found_thing(st, key)
    page = page_number(request.args.get("page"))
    limit = st.settings.incoming_limit
    fmt = negotiate(request.headers.get("Accept"), [f for f in DOCUMENT_FORMATS if f is not NQUADS] + [NQUADS])
    if fmt is None:
        return not_acceptable(st, key)
    desc = st.store.describe(st.thing_iri(key), limit, min((page - 1) * limit, MAX_OFFSET))
    pages = last_page(desc.incoming_total, limit)
    if page > pages:
        return past_the_end(st, page, pages, iri_to_uri(f"{st.base}incoming/{key}?page={pages}"), fmt)
    here = ox.NamedNode(iri_to_uri(f"{st.base}incoming/{key}?page={page}"))
    quads = list(desc.incoming) + [
        ox.Quad(here, HYDRA_TOTAL_ITEMS, ox.Literal(str(desc.incoming_total), datatype=XSD_INTEGER))
    ]
    if page * limit < desc.incoming_total:
        quads.append(ox.Quad(here, HYDRA_NEXT, ox.NamedNode(iri_to_uri(f"{st.base}incoming/{key}?page={page + 1}"))))
    if fmt is HTML:
        lang = page_language()
        shown = page_data.incoming_page(st.store, desc, st.base, lang)
        page_html = render_template(
            "incoming.html",
            lang=lang,
            lab=shown.lab,
            iri=desc.subject,
            page=page,
            links=shown.links,
            total=desc.incoming_total,
            limit=limit,
            key=key,
            base=st.base,
            day=day.isoformat() if day else "",
        )
        body = keep_day(page_html, st.base, day).encode("utf-8")
    else:
        body = serialize(quads, fmt)
    parts = ("incoming", key, str(page), fmt.key) + ((day.isoformat(),) if day else ())
    return st.respond(body, fmt.content_type, parts, vary="Accept")


def not_acceptable(st: State, key: str) -> Response:
    """406 listing every representation there is (RFC 9110 §15.5.7)."""
    lines = [
        f"406 Not Acceptable: no representation of <{st.thing_iri(key)}> matches the Accept header.",
        "Available:",
    ] + [f"  {f.media_type}  {st.doc_url(key, f)}" for f in DOCUMENT_FORMATS]
    response = Response("\n".join(lines) + "\n", status=406, content_type="text/plain; charset=utf-8")
    response.headers["Link"] = st.document_links(key) + geo.link(st, key)
    response.headers["Vary"] = "Accept"
    return response


def suggestions(st: State, key: str) -> list[tuple[str, str]]:
    """Things whose key or German label contains the last part of the unknown key, those of its kind first."""
    needle = key.rstrip("/").rsplit("/", 1)[-1].split(".")[0][:64]
    if len(needle) < 2:
        return []
    return [(iri_to_uri(st.thing_iri(k)), label) for k, label in st.labels.search(needle, kind_of(key))]


def not_found_thing(st: State, key: str) -> Response:
    """404 by negotiation: an HTML page or an RDF document, both with a search hint."""
    iri = st.thing_iri(key)
    hints = suggestions(st, key)
    fmt = negotiate(request.headers.get("Accept")) or HTML
    if fmt is HTML:
        lang = page_language()
        body = render_template("not_found.html", lang=lang, iri=iri, hints=hints, base=st.base)
        response = Response(body, status=404, content_type=HTML.content_type)
    else:
        doc = ox.NamedNode(iri_to_uri(st.base + request_key("")))
        comment = ox.Literal(
            f"Nothing is known about <{iri}>. Lists: {st.base}territories, {st.base}organizations", language="en"
        )
        quads = [ox.Quad(doc, RDFS_COMMENT, comment)]
        quads += [ox.Quad(doc, RDFS_SEE_ALSO, ox.NamedNode(h)) for h, _ in hints]
        response = Response(serialize(quads, fmt), status=404, content_type=fmt.content_type)
    response.headers["Vary"] = "Accept"
    return response
