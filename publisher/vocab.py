"""Every IRI the code names, once: the namespaces, the one prefix table and the terms the code uses.

Every serializer and every query binds :data:`PREFIXES`; modules build other terms of a namespace
as ``DCAT + "Dataset"`` and never write a namespace or a term below out again.
"""

from __future__ import annotations

import pyoxigraph as ox

RL = "https://w3id.org/regiolod/def#"
RL_SHAPES = "https://w3id.org/regiolod/shapes#"
ONTOLOGY_IRI = "https://w3id.org/regiolod/def"
SHAPES_IRI = "https://w3id.org/regiolod/shapes"
EXAMPLES_IRI = "https://w3id.org/regiolod/examples"  # the graph of the example queries (sh:SPARQLExecutable)

RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
XSD = "http://www.w3.org/2001/XMLSchema#"
OWL = "http://www.w3.org/2002/07/owl#"
SKOS = "http://www.w3.org/2004/02/skos/core#"
DCT = "http://purl.org/dc/terms/"
ORG = "http://www.w3.org/ns/org#"
GEO = "http://www.opengis.net/ont/geosparql#"
TIME = "http://www.w3.org/2006/time#"
PROV = "http://www.w3.org/ns/prov#"
M8G = "http://data.europa.eu/m8g/"
FOAF = "http://xmlns.com/foaf/0.1/"
SD = "http://www.w3.org/ns/sparql-service-description#"
DCATDE = "http://dcat-ap.de/def/dcatde/"
SH = "http://www.w3.org/ns/shacl#"
VOID = "http://rdfs.org/ns/void#"
HYDRA = "http://www.w3.org/ns/hydra/core#"
SCHEMA = "https://schema.org/"
DCAT = "http://www.w3.org/ns/dcat#"
DCATAP = "http://data.europa.eu/r5r/"
VCARD = "http://www.w3.org/2006/vcard/ns#"
SPDX = "http://spdx.org/rdf/terms#"

PREFIXES: dict[str, str] = {
    "rl": RL,
    "rlsh": RL_SHAPES,
    "rdf": RDF,
    "rdfs": RDFS,
    "xsd": XSD,
    "owl": OWL,
    "skos": SKOS,
    "dct": DCT,
    "org": ORG,
    "geo": GEO,
    "time": TIME,
    "prov": PROV,
    "m8g": M8G,
    "foaf": FOAF,
    "sd": SD,
    "dcatde": DCATDE,
    "sh": SH,
    "void": VOID,
    "hydra": HYDRA,
    "schema": SCHEMA,
    "dcat": DCAT,
    "dcatap": DCATAP,
    "vcard": VCARD,
    "spdx": SPDX,
}

# Namespaces and documents the code names that the prefix table leaves out.
GEOF = "http://www.opengis.net/def/function/geosparql/"  # GeoSPARQL 1.1 functions
FORMATS = "http://www.w3.org/ns/formats/"  # W3C unique URIs for file formats
EU = "http://publications.europa.eu/resource/authority/"  # EU controlled vocabularies
IANA = "https://www.iana.org/assignments/media-types/"
GEOCODING = "http://dcat-ap.de/def/politicalGeocoding/"  # DCAT-AP.de political geocoding keys
WIKIDATA = "http://www.wikidata.org/entity/"
NUTS = "http://data.europa.eu/nuts/code/"  # Eurostat's NUTS regions
PUBLISHER_TYPES = "http://purl.org/adms/publishertype/"  # ADMS publisher types
SPARQL_PROTOCOL = "https://www.w3.org/TR/sparql11-protocol/"  # the standard the endpoint conforms to
SPARQL_RESULTS = "http://www.w3.org/2005/sparql-results#"  # XML namespace of SPARQL Query Results XML
SITEMAP = "http://www.sitemaps.org/schemas/sitemap/0.9"  # XML namespace of the sitemaps.org protocol
#: Datenlizenz Deutschland – Namensnennung – Version 2.0, the licence of the register and the dataset.
DL_BY_DE_2_0 = "http://dcat-ap.de/def/licenses/dl-by-de/2.0"
LDES = "https://w3id.org/ldes#"  # Linked Data Event Streams 1.0 (the change feed, /changes/)
LDES_SPECIFICATION = "https://w3id.org/ldes/specification"  # the standard the change feed conforms to
TREE = "https://w3id.org/tree#"  # the TREE hypermedia specification LDES builds on
VIRTRDF = "http://www.openlinksw.com/schemas/virtrdf#"  # Virtuoso's own terms (its geometry datatype)

# The terms the code names as nodes; modules take the string as ``RDF_TYPE.value``.
RDF_TYPE = ox.NamedNode(RDF + "type")
RDFS_LABEL = ox.NamedNode(RDFS + "label")
RDFS_COMMENT = ox.NamedNode(RDFS + "comment")
RDFS_SEE_ALSO = ox.NamedNode(RDFS + "seeAlso")
RDFS_SUBCLASS_OF = ox.NamedNode(RDFS + "subClassOf")
XSD_STRING = ox.NamedNode(XSD + "string")
XSD_INTEGER = ox.NamedNode(XSD + "integer")
SKOS_PREF_LABEL = ox.NamedNode(SKOS + "prefLabel")
DCT_REFERENCES = ox.NamedNode(DCT + "references")
SD_GRAPH = ox.NamedNode(SD + "Graph")
FOAF_PRIMARY_TOPIC = ox.NamedNode(FOAF + "primaryTopic")
HYDRA_TOTAL_ITEMS = ox.NamedNode(HYDRA + "totalItems")
HYDRA_NEXT = ox.NamedNode(HYDRA + "next")
VOID_IN_DATASET = ox.NamedNode(VOID + "inDataset")
XSD_DATE = ox.NamedNode(XSD + "date")
# A document of one day (?at=): dct:temporal with a dct:PeriodOfTime as DCAT-AP describes one.
DCT_TEMPORAL = ox.NamedNode(DCT + "temporal")
DCT_PERIOD_OF_TIME = ox.NamedNode(DCT + "PeriodOfTime")
DCT_IS_VERSION_OF = ox.NamedNode(DCT + "isVersionOf")
# A document in a profile (W3C Content Negotiation by Profile): the profile it conforms to, the document it renders.
DCT_CONFORMS_TO = ox.NamedNode(DCT + "conformsTo")
DCT_IS_FORMAT_OF = ox.NamedNode(DCT + "isFormatOf")
DCAT_START_DATE = ox.NamedNode(DCAT + "startDate")
DCAT_END_DATE = ox.NamedNode(DCAT + "endDate")
# Quad Pattern Fragments (/fragments): the Hydra controls, the VoID counts and the declared default graph.
RDF_SUBJECT = ox.NamedNode(RDF + "subject")
RDF_PREDICATE = ox.NamedNode(RDF + "predicate")
RDF_OBJECT = ox.NamedNode(RDF + "object")
HYDRA_COLLECTION = ox.NamedNode(HYDRA + "Collection")
HYDRA_SEARCH = ox.NamedNode(HYDRA + "search")
HYDRA_TEMPLATE = ox.NamedNode(HYDRA + "template")
HYDRA_IRI_TEMPLATE = ox.NamedNode(HYDRA + "IriTemplate")
HYDRA_MAPPING = ox.NamedNode(HYDRA + "mapping")
HYDRA_IRI_TEMPLATE_MAPPING = ox.NamedNode(HYDRA + "IriTemplateMapping")
HYDRA_VARIABLE = ox.NamedNode(HYDRA + "variable")
HYDRA_PROPERTY = ox.NamedNode(HYDRA + "property")
HYDRA_VARIABLE_REPRESENTATION = ox.NamedNode(HYDRA + "variableRepresentation")
HYDRA_EXPLICIT_REPRESENTATION = ox.NamedNode(HYDRA + "ExplicitRepresentation")
HYDRA_VIEW = ox.NamedNode(HYDRA + "view")
HYDRA_FIRST = ox.NamedNode(HYDRA + "first")
HYDRA_PREVIOUS = ox.NamedNode(HYDRA + "previous")
HYDRA_ITEMS_PER_PAGE = ox.NamedNode(HYDRA + "itemsPerPage")
#: The properties a thing's label is read from, best first.
LABEL_PROPERTIES = (SKOS_PREF_LABEL, RDFS_LABEL)
#: Membership roles that list a body with a cooperation without making it a member (DESIGN §5): no
#: org:memberOf/org:hasMember and no place in a day's member list; territory only still places its territory.
NOT_MEMBER_ROLES = ("rl:role-territory-only", "rl:role-disputed-member")


def sparql_prologue() -> str:
    """Return PREFIX declarations for every prefix in the table, in table order."""
    return "".join(f"PREFIX {p}: <{iri}>\n" for p, iri in PREFIXES.items())


def shorten(iri: str) -> str:
    """Return the prefixed name of an IRI when a prefix in the table covers it, else ``<iri>``."""
    for prefix, ns in PREFIXES.items():
        if iri.startswith(ns) and iri[len(ns) :] and "/" not in iri[len(ns) :]:
            return f"{prefix}:{iri[len(ns) :]}"
    return f"<{iri}>"


def expand(name: str) -> str:
    """Return the IRI of a prefixed name (``skos:prefLabel``) whose prefix is in the table."""
    prefix, local = name.split(":", 1)
    return PREFIXES[prefix] + local
