"""Content negotiation by profile (W3C "Content Negotiation by Profile", HTTP and query-string functions) for
/doc/ documents: which profile a request asks for, the 4xx when it cannot be had, and the list of alternates."""

from __future__ import annotations

import datetime as dt

import pyoxigraph as ox
from flask import Response, abort, render_template, request

from publisher.negotiation import DOCUMENT_FORMATS, HTML, Format, negotiate
from publisher.render import profiles
from publisher.render.profiles import DEFAULT, PROFILES, Profile
from publisher.render.rdf import serialize
from publisher.vocab import DCAT, DCT, DCT_CONFORMS_TO, IANA, RDF_TYPE
from publisher.web.paging import message_response
from publisher.web.state import State, page_language, with_day

#: The query-string value that asks for the list of alternates instead of a representation.
ALTERNATES = "alt"
RDF_FORMATS = tuple(f for f in DOCUMENT_FORMATS if f is not HTML)


def thing_types(st: State, key: str) -> set[str]:
    """The rdf:types of the thing of ``key`` in the store and (datasets) in the catalog, once per build."""

    def read() -> str:
        iri = st.thing_iri(key)
        found = profiles.types_of(st.store, [iri]).get(iri, set())
        node = ox.NamedNode(iri)
        found |= {
            q.object.value
            for q in st.catalog
            if q.subject == node and q.predicate == RDF_TYPE and isinstance(q.object, ox.NamedNode)
        }
        return "\n".join(sorted(found))

    return set(filter(None, st.tags.get((st.build.version, "types", key), read).split("\n")))


def available(st: State, key: str) -> list[Profile]:
    """The profiles that describe the thing of ``key``, the default first."""
    types = thing_types(st, key)
    return [p for p in PROFILES if p.applies(types)]


def refuse(st: State, status: int, message: str, key: str, fmt: Format | None) -> None:
    """Abort with ``status`` and ``message`` in the request's format, linking the list of alternates."""
    title = {400: "Bad Request", 406: "Not Acceptable"}[status]
    links = [(f"{st.doc_url(key)}?_profile={ALTERNATES}", "alternates"), (st.doc_url(key), "default")]
    abort(message_response(st, status, title, message, links, fmt))


def requested(st: State, key: str, fmt: Format) -> tuple[Profile | None, bool]:
    """The profile a request for ``key`` in ``fmt`` asks for, and whether it asked by the query string.
    None: no profile asked (the representation is the default one; no Content-Profile is claimed). Aborts with
    400 for an unknown ``_profile`` or a malformed ``Accept-Profile``, 406 for a profile that does not describe
    this kind of thing or in HTML (profiles are RDF representations)."""
    raw = request.args.getlist("_profile")
    header = request.headers.get("Accept-Profile")
    if raw:
        known = ", ".join(f"{p.token} ({p.iri})" for p in PROFILES)
        if len(raw) > 1:
            refuse(st, 400, f"_profile is given {len(raw)} times; give one profile.", key, fmt)
        if raw[0] == ALTERNATES:
            return None, True
        found = profiles.find(raw[0])
        if found is None:
            refuse(st, 400, f"Unknown profile {raw[0]!r}: give one of {known}, or {ALTERNATES}.", key, fmt)
            raise AssertionError  # refuse aborted
        chosen: Profile = found
        if fmt is HTML and chosen is not DEFAULT:
            refuse(st, 406, f"The profile {chosen.token} has RDF representations only ({fmt_list()}).", key, fmt)
        own = available(st, key)
        if chosen not in own:
            names = ", ".join(p.token for p in own)
            message = f"The profile {chosen.token} does not describe this thing; its profiles: {names}."
            refuse(st, 406, message, key, fmt)
        return chosen, True
    if header is None or fmt is HTML:
        return None, False
    iris = profiles.accepted(header)
    if iris is None:
        refuse(st, 400, "Accept-Profile is malformed: give profile IRIs in angle brackets, e.g. "
               f"<{PROFILES[1].iri}>;q=0.9, <{DEFAULT.iri}>;q=0.5.", key, fmt)
        raise AssertionError
    own = available(st, key)
    for iri in iris:
        profile = profiles.find(iri)
        if profile is not None and profile in own:
            return profile, False
    return DEFAULT, False  # none of those asked for: the default, and Content-Profile says which it is


def fmt_list() -> str:
    return ", ".join(f.suffix for f in RDF_FORMATS)


def profile_url(st: State, key: str, profile: Profile, fmt: Format | None, day: dt.date | None) -> str:
    return with_day(f"{st.doc_url(key, fmt)}?_profile={profile.token}", day)


def alternates(st: State, key: str, day: dt.date | None) -> Response:
    """GET /doc/{key}?_profile=alt: every profile × format of the thing, in the negotiated format (HTML, or an
    RDF format with dct:hasFormat, dct:conformsTo, dct:format), and as Link headers (rel="alternate" with
    type and profile)."""
    fmt = negotiate(request.headers.get("Accept"))
    if fmt is None:
        fmt = HTML
    own = available(st, key)
    rows = [(p, f, profile_url(st, key, p, f, day)) for p in own for f in RDF_FORMATS]
    links = ", ".join(f'<{url}>; rel="alternate"; type="{f.media_type}"; profile="{p.iri}"' for p, f, url in rows)
    if fmt is HTML:
        body = render_template(
            "profiles.html", lang=page_language(), base=st.base, title=st.thing_iri(key), doc=st.doc_url(key),
            profiles=own, formats=RDF_FORMATS, rows=rows,
        ).encode("utf-8")
    else:
        doc = ox.NamedNode(with_day(st.doc_url(key), day))
        quads = []
        for p, f, url in rows:
            alt = ox.NamedNode(url)
            quads += [
                ox.Quad(doc, ox.NamedNode(DCT + "hasFormat"), alt),
                ox.Quad(alt, RDF_TYPE, ox.NamedNode(DCAT + "Distribution")),
                ox.Quad(alt, DCT_CONFORMS_TO, ox.NamedNode(p.iri)),
                ox.Quad(alt, ox.NamedNode(DCAT + "mediaType"), ox.NamedNode(IANA + f.media_type)),
            ]
        body = serialize(quads, fmt)
    parts = ("doc", key, fmt.key, "alternates") + ((day.isoformat(),) if day else ())
    return st.respond(body, fmt.content_type, parts, vary="Accept", extra=[("Link", links)])
