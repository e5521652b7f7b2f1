"""The terms of the published JSON-LD context: short names for the properties of our documents.

A developer reads ``node["name"]["de"]`` instead of ``node["skos:prefLabel"]``. Each term says how its
values are written, and the writer (:mod:`publisher.render.rdf`) writes a value under the term only when
the term reads it back as the very same RDF term; any other value stays under the prefixed name
(``skos:prefLabel``), so the expanded triples never depend on the terms.

Kinds of term:

- ``IRI``: the values are node references, written as plain strings (``"within": ["http://…/id/…"]``).
- ``LANGUAGE``: a language map, ``{"de": "Heidekreis", "en": "Heidekreis district"}``; a value without a
  language stays under the prefixed name.
- a datatype's prefixed name (``xsd:date``): values of that datatype are written as plain strings.
- ``PLAIN``: values are written as everywhere else (strings, numbers, value objects, node references).

A term with ``many`` is always an array (``@container: @set``), even with one value.
"""

from __future__ import annotations

from dataclasses import dataclass

from publisher.vocab import expand

IRI = "@id"
LANGUAGE = "@language"
PLAIN = ""


@dataclass(frozen=True)
class Term:
    """A term of the context: its name, the property (as a prefixed name), how values are written."""

    name: str
    curie: str
    kind: str = PLAIN
    many: bool = False

    @property
    def iri(self) -> str:
        return expand(self.curie)

    def definition(self) -> dict[str, str]:
        """The term's definition in the context (JSON-LD 1.1 §4.2; JSON-LD 1.0 reads it the same)."""
        found = {"@id": self.curie}
        if self.kind == LANGUAGE:
            found["@container"] = "@language"
        elif self.kind:
            found["@type"] = self.kind
        if self.many:
            found["@container"] = "@set"
        return found


#: The terms, one per property a developer meets in a territory, organisation, membership, change event,
#: figure or geometry document (the properties of data/ and ontology/ and those the build derives).
TERMS: tuple[Term, ...] = (
    # Names and descriptions: language maps.
    Term("name", "skos:prefLabel", LANGUAGE),
    Term("altName", "skos:altLabel", LANGUAGE),
    Term("formerName", "rl:formerLabel", LANGUAGE),
    Term("label", "rdfs:label", LANGUAGE),
    Term("agentName", "foaf:name", LANGUAGE),  # the publisher's name, as DCAT-AP asks for it
    Term("comment", "rdfs:comment", LANGUAGE),
    Term("note", "skos:note", LANGUAGE),
    Term("definition", "skos:definition", LANGUAGE),
    Term("title", "dct:title", LANGUAGE),
    Term("description", "dct:description", LANGUAGE),
    Term("attribution", "dcatde:licenseAttributionByText", LANGUAGE),
    # Codes (AGS, ARS, district key, NUTS, …: typed literals, each with its own datatype) and links.
    Term("code", "skos:notation", PLAIN, many=True),
    Term("exactMatch", "skos:exactMatch", IRI, many=True),
    Term("seeAlso", "rdfs:seeAlso", IRI, many=True),
    Term("page", "foaf:page", IRI, many=True),
    Term("source", "dct:source", IRI, many=True),
    Term("derivedFrom", "prov:wasDerivedFrom", IRI, many=True),
    Term("license", "dct:license", IRI),
    Term("rightsHolder", "dct:rightsHolder", IRI),
    # Space: containment as GeoSPARQL's topological relations, and geometries.
    Term("within", "geo:sfWithin", IRI, many=True),
    Term("contains", "geo:sfContains", IRI, many=True),
    Term("overlaps", "geo:sfOverlaps", IRI, many=True),
    Term("geometry", "geo:hasGeometry", IRI, many=True),
    Term("defaultGeometry", "geo:hasDefaultGeometry", IRI),
    Term("centroid", "geo:hasCentroid", IRI),
    Term("wkt", "geo:asWKT", "geo:wktLiteral"),
    Term("geojson", "geo:asGeoJSON", "geo:geoJSONLiteral"),
    Term("spatial", "dct:spatial", IRI),
    Term("seat", "rl:seat", IRI),
    # Organisations and memberships (W3C ORG).
    Term("classification", "org:classification", IRI, many=True),
    Term("members", "org:hasMember", IRI, many=True),
    Term("memberOf", "org:memberOf", IRI, many=True),
    Term("memberships", "org:hasMembership", IRI, many=True),
    Term("member", "org:member", IRI),
    Term("organization", "org:organization", IRI),
    Term("role", "org:role", IRI),
    Term("memberDuring", "org:memberDuring", IRI),
    Term("coverage", "rl:coverage", IRI),
    Term("linkedTo", "org:linkedTo", IRI, many=True),
    Term("fundingPeriod", "rl:fundingPeriod", IRI, many=True),
    Term("fundingProgramme", "rl:fundingProgramme", IRI, many=True),
    Term("foundingGround", "rl:foundingGround", IRI, many=True),
    Term("founded", "rl:founded"),
    Term("recognised", "rl:recognised"),
    # Time: intervals (OWL-Time), lifespans (PROV), changes.
    Term("begin", "time:hasBeginning", IRI),
    Term("end", "time:hasEnd", IRI),
    Term("date", "time:inXSDDate", "xsd:date"),
    Term("year", "time:inXSDgYear", "xsd:gYear"),
    Term("generatedAt", "prov:generatedAtTime", "xsd:dateTime"),
    Term("invalidatedAt", "prov:invalidatedAtTime", "xsd:dateTime"),
    Term("startedAt", "prov:startedAtTime", "xsd:dateTime"),
    Term("replacedBy", "dct:isReplacedBy", IRI, many=True),
    Term("replaces", "dct:replaces", IRI, many=True),
    Term("changedBy", "org:changedBy", IRI, many=True),
    Term("resultedFrom", "org:resultedFrom", IRI, many=True),
    Term("originalOrganization", "org:originalOrganization", IRI, many=True),
    Term("resultingOrganization", "org:resultingOrganization", IRI, many=True),
    Term("originalTerritory", "rl:originalTerritory", IRI, many=True),
    Term("resultingTerritory", "rl:resultingTerritory", IRI, many=True),
    Term("temporal", "dct:temporal", IRI),
    Term("startDate", "dcat:startDate", "xsd:date"),
    Term("endDate", "dcat:endDate", "xsd:date"),
    # Figures: population, area, budget, capital share; each a node with a value, a day and a rank.
    Term("population", "rl:population", IRI, many=True),
    Term("area", "rl:area", IRI, many=True),
    Term("budget", "rl:budget", IRI, many=True),
    Term("capitalShare", "rl:capitalShare", IRI, many=True),
    Term("value", "rdf:value"),
    Term("referenceDate", "rl:referenceDate", "xsd:date"),
    Term("rank", "rl:rank", IRI),
    Term("approximate", "rl:approximate"),
    Term("dated", "dct:date", "xsd:date"),
    Term("modified", "dct:modified", "xsd:date"),
    Term("created", "dct:created", "xsd:date"),
    Term("issued", "dct:issued", "xsd:date"),
    Term("publisher", "dct:publisher"),
    Term("creator", "dct:creator"),
    # Concepts (classifications, roles, funding periods).
    Term("broader", "skos:broader", IRI, many=True),
    Term("inScheme", "skos:inScheme", IRI, many=True),
    # The document itself.
    Term("primaryTopic", "foaf:primaryTopic", IRI),
    Term("inDataset", "void:inDataset", IRI),
    Term("versionOf", "dct:isVersionOf", IRI),  # a day's document (?at=): the document of today
    Term("conformsTo", "dct:conformsTo", IRI, many=True),  # a profiled document: its profile
    Term("formatOf", "dct:isFormatOf", IRI),
    Term("category", "dct:type", IRI, many=True),  # the kind of a change event
    Term("exampleResource", "void:exampleResource", IRI, many=True),
    Term("rootResource", "void:rootResource", IRI, many=True),
)

#: Keyword aliases (JSON-LD 1.1 §4.1.3): every node's ``id`` and ``type``.
ALIASES: dict[str, str] = {"id": "@id", "type": "@type"}

#: Term by property IRI.
BY_IRI: dict[str, Term] = {t.iri: t for t in TERMS}


def context_terms() -> dict[str, object]:
    """The aliases and term definitions, to be merged with the prefixes into the published context."""
    found: dict[str, object] = dict(ALIASES)
    found.update((t.name, t.definition()) for t in TERMS)
    return found
