"""Turn a description into what an HTML page shows: grouped, ordered, labelled, linked.

Only http(s) IRIs become links (DESIGN §8); everything from the data is escaped by Jinja.
Terms of our own ontology link to the local reference at ``{base}def#Term``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from urllib.parse import quote

import pyoxigraph as ox
from markupsafe import Markup

from publisher.render import readable
from publisher.vocab import ORG, RDF_TYPE, RDFS_LABEL, RL, RL_SHAPES, expand, shorten

GROUPS: list[tuple[str, dict[str, str], list[str]]] = [
    (
        "identity",
        {"de": "Beschreibung", "en": "Description"},
        [
            "rdf:type",
            "skos:prefLabel",
            "skos:altLabel",
            "dct:title",
            "dct:description",
            "skos:definition",
            "skos:note",
            "org:classification",
            "dct:type",
            "rl:foundingGround",
            "rl:fundingProgramme",
            "skos:inScheme",
            "skos:broader",
            "skos:topConceptOf",
            "rdfs:comment",
        ],
    ),
    ("codes", {"de": "Amtliche Schlüssel", "en": "Official codes"}, ["skos:notation"]),
    (
        "geography",
        {"de": "Gebiet", "en": "Territory"},
        [
            "dct:spatial",
            "geo:sfWithin",
            "geo:sfContains",
            "rl:seat",
            "rl:area",
            "rl:population",
            "geo:hasCentroid",
            "geo:hasDefaultGeometry",
            "geo:hasGeometry",
            "geo:asWKT",
            "geo:asGeoJSON",
            "dct:temporal",
        ],
    ),
    (
        "memberships",
        {"de": "Mitgliedschaft", "en": "Membership"},
        [
            "org:member",
            "org:organization",
            "org:role",
            "org:memberDuring",
            "rl:fundingPeriod",
            "rl:coverage",
            "rl:capitalShare",
            "rl:budget",
            "org:memberOf",
            "org:hasMember",
        ],
    ),
    (
        "history",
        {"de": "Geschichte", "en": "History"},
        [
            "rl:founded",
            "rl:recognised",
            "dct:date",
            "prov:startedAtTime",
            "prov:generatedAtTime",
            "prov:invalidatedAtTime",
            "dct:replaces",
            "dct:isReplacedBy",
            "org:resultedFrom",
            "org:changedBy",
            "org:originalOrganization",
            "org:resultingOrganization",
            "rl:originalTerritory",
            "rl:resultingTerritory",
        ],
    ),
    (
        "links",
        {"de": "Verweise", "en": "Links"},
        ["skos:exactMatch", "owl:sameAs", "foaf:page", "rdfs:seeAlso", "foaf:primaryTopic"],
    ),
    (
        "provenance",
        {"de": "Herkunft", "en": "Provenance"},
        [
            "dct:source",
            "prov:wasDerivedFrom",
            "dct:publisher",
            "dct:license",
            "dcatde:licenseAttributionByText",
            "dct:rightsHolder",
            "dct:creator",
            "dct:issued",
            "dct:modified",
        ],
    ),
]
# Shown as tables (memberships) or duplicates of what is shown (rdfs:label mirrors skos:prefLabel).
HIDDEN = {RDFS_LABEL.value, ORG + "hasMembership", ORG + "hasMember", ORG + "memberOf"}

#: Labels of the reused vocabularies' terms, which the ontology does not carry.
TERM_LABELS: dict[str, dict[str, str]] = {
    "rdf:type": {"de": "Typ", "en": "type"},
    "rdf:value": {"de": "Wert", "en": "value"},
    "skos:prefLabel": {"de": "Name", "en": "name"},
    "skos:altLabel": {"de": "auch", "en": "also known as"},
    "skos:notation": {"de": "Schlüssel", "en": "code"},
    "skos:note": {"de": "Hinweis", "en": "note"},
    "skos:definition": {"de": "Definition", "en": "definition"},
    "skos:exactMatch": {"de": "entspricht", "en": "exact match"},
    "skos:inScheme": {"de": "in Begriffssystem", "en": "in scheme"},
    "skos:broader": {"de": "Oberbegriff", "en": "broader"},
    "skos:topConceptOf": {"de": "oberster Begriff von", "en": "top concept of"},
    "dct:description": {"de": "Beschreibung", "en": "description"},
    "dct:title": {"de": "Titel", "en": "title"},
    "dct:spatial": {"de": "Gebiet", "en": "territory"},
    "dct:source": {"de": "Quelle", "en": "source"},
    "dct:references": {"de": "verweist auf", "en": "references"},
    "dct:type": {"de": "Art", "en": "type"},
    "dct:date": {"de": "Datum", "en": "date"},
    "dct:license": {"de": "Lizenz", "en": "licence"},
    "dct:publisher": {"de": "Herausgeber", "en": "publisher"},
    "dct:modified": {"de": "geändert", "en": "modified"},
    "dct:issued": {"de": "veröffentlicht", "en": "issued"},
    "dct:creator": {"de": "erstellt von", "en": "creator"},
    "dct:isReplacedBy": {"de": "ersetzt durch", "en": "replaced by"},
    "dct:replaces": {"de": "ersetzt", "en": "replaces"},
    "org:classification": {"de": "Art", "en": "classification"},
    "org:member": {"de": "Mitglied", "en": "member"},
    "org:organization": {"de": "Organisation", "en": "organisation"},
    "org:role": {"de": "Rolle", "en": "role"},
    "org:memberDuring": {"de": "Zeitraum", "en": "period"},
    "org:changedBy": {"de": "geändert durch", "en": "changed by"},
    "org:resultedFrom": {"de": "entstanden durch", "en": "resulted from"},
    "org:originalOrganization": {"de": "vorher", "en": "original organisation"},
    "org:resultingOrganization": {"de": "nachher", "en": "resulting organisation"},
    "geo:sfWithin": {"de": "liegt in", "en": "within"},
    "geo:sfContains": {"de": "umfasst", "en": "contains"},
    "geo:hasCentroid": {"de": "Mittelpunkt", "en": "centroid"},
    "geo:asWKT": {"de": "WKT", "en": "WKT"},
    "geo:asGeoJSON": {"de": "GeoJSON", "en": "GeoJSON"},
    "geo:hasGeometry": {"de": "Geometrie", "en": "geometry"},
    "geo:hasDefaultGeometry": {"de": "Standardgeometrie", "en": "default geometry"},
    "dct:temporal": {"de": "Zeitraum", "en": "period"},
    "dct:rightsHolder": {"de": "Rechteinhaber", "en": "rights holder"},
    "time:hasBeginning": {"de": "Beginn", "en": "beginning"},
    "time:hasEnd": {"de": "Ende", "en": "end"},
    "time:inXSDDate": {"de": "Datum", "en": "date"},
    "time:inXSDgYear": {"de": "Jahr", "en": "year"},
    "prov:generatedAtTime": {"de": "besteht seit", "en": "exists since"},
    "prov:invalidatedAtTime": {"de": "beendet am", "en": "ended"},
    "prov:startedAtTime": {"de": "Beginn", "en": "started"},
    "prov:wasDerivedFrom": {"de": "abgeleitet aus", "en": "derived from"},
    "dcatde:licenseAttributionByText": {"de": "Namensnennung", "en": "attribution"},
    "foaf:page": {"de": "Webseite", "en": "web page"},
    "foaf:primaryTopic": {"de": "handelt von", "en": "primary topic"},
    "rdfs:seeAlso": {"de": "siehe auch", "en": "see also"},
    "rdfs:label": {"de": "Name", "en": "label"},
    "org:memberOf": {"de": "Mitglied von", "en": "member of"},
    "org:hasMember": {"de": "hat Mitglied", "en": "has member"},
    "org:hasMembership": {"de": "hat Mitgliedschaft", "en": "has membership"},
    "org:subOrganizationOf": {"de": "Teil von", "en": "part of"},
    "org:hasSubOrganization": {"de": "hat Teil", "en": "has part"},
    "rdf:first": {"de": "erstes", "en": "first"},
    "rdf:rest": {"de": "weitere", "en": "rest"},
    "org:Organization": {"de": "Organisation", "en": "organisation"},
    "org:FormalOrganization": {"de": "rechtsfähige Organisation", "en": "formal organisation"},
    "org:OrganizationalCollaboration": {"de": "Zusammenarbeit ohne Rechtsform", "en": "organisational collaboration"},
    "m8g:PublicOrganisation": {"de": "öffentliche Stelle", "en": "public organisation"},
    "org:Membership": {"de": "Mitgliedschaft", "en": "membership"},
    "org:ChangeEvent": {"de": "Änderung", "en": "change event"},
    "prov:Activity": {"de": "Vorgang", "en": "activity"},
    "prov:Entity": {"de": "Entität", "en": "entity"},
    "sd:Graph": {"de": "benannter Graph", "en": "named graph"},
    "dct:BibliographicResource": {"de": "Quelle", "en": "source"},
    "geo:Geometry": {"de": "Geometrie", "en": "geometry"},
    "time:ProperInterval": {"de": "Zeitraum", "en": "interval"},
    "time:Instant": {"de": "Zeitpunkt", "en": "instant"},
}
GROUP_OF = {expand(p): name for name, _, props in GROUPS for p in props}
ORDER_OF = {expand(p): i for _, _, props in GROUPS for i, p in enumerate(props)}

DATATYPE_LABELS = {
    "AGS": "AGS",
    "ARS": "ARS",
    "DistrictKey": "Kreisschlüssel",
    "StateKey": "Länderschlüssel",
    "MunicipalAssociationKey": "Gemeindeverbandsschlüssel",
    "NUTS": "NUTS",
}


def iri_to_uri(iri: str) -> str:
    """Percent-encode what an IRI may hold but a URI may not (RFC 3987 §3.1), keeping escapes."""
    return quote(iri, safe="/:?#[]@!$&'()*+,;=%~-._")


def is_web_iri(iri: str) -> bool:
    """Whether an IRI may become a link: http(s) only, so data never smuggles in javascript: or data: (DESIGN §8)."""
    return iri[:8].lower().startswith(("http://", "https://"))


def safe_href(iri: str) -> str:
    """The link target of an IRI for an href attribute; empty (no link) for anything but http(s)."""
    return iri_to_uri(iri) if is_web_iri(iri) else ""


#: Embeddings, overrides and isolates reorder the text after them ("Trojan Source", CVE-2021-42574).
BIDI_CONTROLS = re.compile("[\u202a-\u202e\u2066-\u2069]")


def show_bidi_controls(value: object) -> object:
    """Jinja ``finalize``: print bidi controls from the data as visible ``[U+202E]``, so they cannot
    reverse or hide the text around them on a page; the RDF formats keep them as they are."""
    if not isinstance(value, str) or not BIDI_CONTROLS.search(value):
        return value
    shown = BIDI_CONTROLS.sub(lambda m: f"[U+{ord(m.group()):04X}]", value)
    return Markup(shown) if isinstance(value, Markup) else shown


@dataclass
class Value:
    """One value on a page: text, an optional link, and where it came from."""

    text: str
    href: str | None = None
    lang: str = ""
    note: str = ""
    graph: str = ""
    parts: list[tuple[str, list[Value]]] = field(default_factory=list)
    order: str = ""
    machine: str = ""  # the literal of a written-out date, for <time datetime>


@dataclass
class Row:
    predicate: str
    label: str
    href: str | None
    values: list[Value]


@dataclass
class Group:
    key: str
    title: str
    rows: list[Row]
    graphs: list[str] = field(default_factory=list)  # where the section's values come from, sorted


class Labeller:
    """Give IRIs their labels in the page language and their links on this server."""

    def __init__(self, labels: dict[str, dict[str, str]], base_iri: str, lang: str):
        self.labels, self.base_iri, self.lang = labels, base_iri, lang

    def learn(self, lookup: Callable[[Iterable[str]], dict[str, dict[str, str]]], iris: Iterable[str]) -> None:
        """Fetch the labels of ``iris`` not known yet with ``lookup`` (a store's ``labels``)."""
        missing = set(iris) - set(self.labels)
        if missing:
            self.labels.update(lookup(missing))

    def label(self, iri: str) -> str:
        found = self.labels.get(iri) or TERM_LABELS.get(shorten(iri), {})
        for choice in (self.lang, "de", "en", ""):
            if choice in found:
                return found[choice]
        if found:
            return next(iter(found.values()))
        short = shorten(iri)
        if short.startswith("<"):
            return iri
        return readable_name(short.split(":", 1)[1]) or short  # a term without a label: no CURIE on a page

    def href(self, iri: str) -> str | None:
        if iri.startswith(RL):
            return f"{self.base_iri}def#{quote(iri[len(RL) :])}"
        if iri.startswith(RL_SHAPES):
            return f"{self.base_iri}shapes#{quote(iri.split('#', 1)[1])}"
        if iri.startswith(("http://", "https://")):
            return iri_to_uri(iri)
        return None  # DESIGN §8: only http(s) IRIs become links


#: Geometry literals run to a megabyte: pages show what they are, the machine twins the literal itself.
GEOMETRY_LITERALS = {expand("geo:wktLiteral"): "WKT", expand("geo:geoJSONLiteral"): "GeoJSON"}
SHORT_GEOMETRY = 200
GEOMETRY_TYPE = re.compile(r'^\s*(?:<[^>]*>\s*)?([A-Za-z]+)|"type"\s*:\s*"([A-Za-z]+)"')
POINT = re.compile(r"-?\d+(?:\.\d+)?(?:[eE]-?\d+)?\s+-?\d+(?:\.\d+)?|\[\s*-?\d+(?:\.\d+)?\s*,")


def geometry_summary(text: str, serialisation: str) -> str:
    """A short line for a long geometry literal: type, points, size ("MULTIPOLYGON, 312 points (WKT, 6 kB)");
    a short one (a centroid) is shown as it is."""
    if len(text) <= SHORT_GEOMETRY:
        return text
    match = GEOMETRY_TYPE.search(text)
    kind = (match.group(1) or match.group(2)) if match else "geometry"
    points = len(POINT.findall(text))
    size = f"{len(text.encode('utf-8')) / 1000:.0f} kB" if len(text) >= 1000 else f"{len(text)} B"
    return f"{kind}, {points} {'point' if points == 1 else 'points'} ({serialisation}, {size})"


CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")


def readable_name(local: str) -> str:
    """A term's local name as words ("memberOf" → "member of") for terms no label names."""
    return CAMEL.sub(" ", local).replace("_", " ").replace("-", " ").lower().strip()


def literal_text(lit: ox.Literal) -> tuple[str, str, str]:
    """Return text, language and a short note for the datatype."""
    dt = lit.datatype.value if lit.datatype else ""
    if dt in GEOMETRY_LITERALS:
        return geometry_summary(lit.value, GEOMETRY_LITERALS[dt]), "", ""
    note = ""
    if dt.startswith(RL):
        note = DATATYPE_LABELS.get(dt[len(RL) :], dt[len(RL) :])
    return lit.value, lit.language or "", note


def graph_index(quads: list[ox.Quad]) -> dict[str, list[ox.Quad]]:
    by_subject: dict[str, list[ox.Quad]] = {}
    for q in quads:
        by_subject.setdefault(str(q.subject), []).append(q)
    return by_subject


def same_value(a: Value, b: Value) -> bool:
    """The same value from two graphs is shown once; two figures with the same number are two values."""
    return (a.text, a.href, a.lang, a.parts) == (b.text, b.href, b.lang, b.parts)


def value_of(
    term: ox.NamedNode | ox.BlankNode | ox.Literal | ox.Triple,
    quad_graph: str,
    index: dict[str, list[ox.Quad]],
    lab: Labeller,
    depth: int = 0,
) -> Value:
    if isinstance(term, ox.NamedNode):
        return Value(lab.label(term.value), lab.href(term.value), graph=quad_graph)
    if isinstance(term, ox.Literal):
        text, lang, note = literal_text(term)
        datatype = term.datatype.value if term.datatype else ""
        if datatype in GEOMETRY_LITERALS:
            text = readable.point(text, lab.lang) or text
            return Value(text, None, lang, note, graph=quad_graph)
        text, machine = readable.literal(text, datatype, lab.lang)
        return Value(text, None, lang, note, graph=quad_graph, machine=machine)
    nested = index.get(str(term), [])
    parts: dict[str, list[Value]] = {}
    for q in nested:
        if depth < 3:
            parts.setdefault(q.predicate.value, []).append(value_of(q.object, "", index, lab, depth + 1))
    summary = figure_summary(parts, lab)
    shown = {RDF_TYPE.value} | ({expand("rdf:value")} if summary else set())
    for values in parts.values():  # blank-node labels differ from load to load: order by what is shown
        values.sort(key=lambda v: (v.text.casefold(), v.href or "", v.lang, repr(v.parts)))
    ordered = sorted(parts.items(), key=lambda kv: (PART_ORDER.get(kv[0], 99), ORDER_OF.get(kv[0], 999), kv[0]))
    value = Value(summary, graph=quad_graph, parts=[(lab.label(p), vs) for p, vs in ordered if p not in shown])
    # Figures: the preferred one first, then the newest.
    rank = " ".join(v.href or "" for v in parts.get(expand("rl:rank"), []))
    date = " ".join(v.machine or v.text for v in parts.get(expand("rl:referenceDate"), []))
    value.order = ("0" if rank.endswith("rank-preferred") else "1") + "".join(chr(0x10FFFF - ord(c)) for c in date)
    return value


PART_ORDER = {
    expand("rl:referenceDate"): 0,
    expand("rl:fundingPeriod"): 1,
    expand("rl:rank"): 2,
    expand("rl:approximate"): 3,
    expand("skos:note"): 4,
    expand("dct:source"): 5,
}


def figure_summary(parts: dict[str, list[Value]], lab: Labeller) -> str:
    """A one-line text for figures, intervals and geometries; the details stay in ``parts``."""

    def first(prop: str) -> str:
        values = parts.get(expand(prop), [])
        return values[0].text if values else ""

    if expand("rdf:value") in parts:
        return first("rdf:value")
    if expand("time:hasBeginning") in parts or expand("time:hasEnd") in parts:
        begin = " ".join(v.text for v in parts.get(expand("time:hasBeginning"), []))
        end = " ".join(v.text for v in parts.get(expand("time:hasEnd"), []))
        return f"{begin or '…'} – {end or '…'}"
    if expand("time:inXSDDate") in parts:
        return first("time:inXSDDate")
    if expand("time:inXSDgYear") in parts:
        return first("time:inXSDgYear")
    if expand("geo:asWKT") in parts:
        return first("geo:asWKT")
    return ""


def group_description(subject: str, quads: list[ox.Quad], lab: Labeller) -> list[Group]:
    """Group and order the subject's statements for the page (identity, codes, geography, …)."""
    index = graph_index(quads)
    rows: dict[str, list[Value]] = {}
    for q in index.get(f"<{subject}>", []):
        if q.predicate.value in HIDDEN:
            continue
        graph = q.graph_name.value if isinstance(q.graph_name, ox.NamedNode) else ""
        value = value_of(q.object, graph, index, lab)
        unit = readable.UNITS.get(q.predicate.value)
        if unit and value.text and value.text[-1].isdigit():
            value.text = f"{value.text} {unit}"
        existing = rows.setdefault(q.predicate.value, [])
        if not any(same_value(v, value) for v in existing):
            existing.append(value)
    groups: dict[str, list[Row]] = {}
    for predicate, values in rows.items():
        values.sort(key=lambda v: (v.order, v.lang not in (lab.lang, ""), v.text.casefold(), repr(v.parts)))
        groups.setdefault(GROUP_OF.get(predicate, "other"), []).append(
            Row(predicate, lab.label(predicate), lab.href(predicate), values)
        )
    result = []
    titles = {name: title for name, title, _ in GROUPS} | {"other": {"de": "Weitere Angaben", "en": "Other"}}
    for name in [g[0] for g in GROUPS] + ["other"]:
        if name in groups:
            ordered = sorted(groups[name], key=lambda r: (ORDER_OF.get(r.predicate, 999), r.predicate))
            graphs = sorted({v.graph for r in ordered for v in r.values if v.graph})
            result.append(Group(name, titles[name].get(lab.lang, titles[name]["de"]), ordered, graphs))
    return result


def schema_org_island(subject: str, quads: list[ox.Quad], lab: Labeller) -> str:
    """A schema.org JSON-LD block for search engines, safe to embed in a script element."""
    own = [q for q in quads if str(q.subject) == f"<{subject}>"]

    def iris(predicate: str) -> list[str]:
        """The IRIs the thing has as values of ``predicate``, sorted."""
        found = {q.object.value for q in own if q.predicate.value == predicate and isinstance(q.object, ox.NamedNode)}
        return sorted(found)

    types = set(iris(RDF_TYPE.value))
    if RL + "Territory" in types:
        kind = "AdministrativeArea"
    elif RL + "AdministrativeBody" in types:
        kind = "GovernmentOrganization"
    elif types & {
        ORG + "Organization",
        ORG + "FormalOrganization",
        ORG + "OrganizationalCollaboration",
    }:
        kind = "Organization"
    else:
        return ""
    doc: dict[str, object] = {
        "@context": "https://schema.org",
        "@type": kind,
        "@id": subject,
        "name": lab.label(subject),
        "url": subject,
    }
    identifiers = [
        {"@type": "PropertyValue", "propertyID": literal_text(q.object)[2] or "code", "value": q.object.value}
        for q in own
        if q.predicate.value == expand("skos:notation") and isinstance(q.object, ox.Literal)
    ]
    if identifiers:
        doc["identifier"] = identifiers
    same = [iri for iri in iris(expand("skos:exactMatch")) if is_web_iri(iri)]
    if same:
        doc["sameAs"] = same
    within = iris(expand("geo:sfWithin"))
    if within and kind == "AdministrativeArea":
        doc["containedInPlace"] = [{"@id": w, "name": lab.label(w)} for w in within]
    spatial = iris(expand("dct:spatial"))
    if spatial and kind != "AdministrativeArea":
        doc["areaServed"] = [{"@id": s, "name": lab.label(s)} for s in spatial]
    member_of = iris(expand("org:memberOf"))
    if member_of:
        doc["memberOf"] = [{"@id": m, "name": lab.label(m)} for m in member_of]
    text = json.dumps(doc, ensure_ascii=False, indent=2, sort_keys=True)
    # A data value must never close the script element or open a comment in it, nor carry bidi controls.
    text = text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    return BIDI_CONTROLS.sub(lambda m: f"\\u{ord(m.group()):04x}", text)
