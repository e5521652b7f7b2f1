"""DCAT-AP.de catalog and VoID description of the published dataset (DCAT 3, DCAT-AP 3.0.1, VoID).

The catalog graph ``{base}id/graph/catalog`` is built after the dumps are written (it carries
their sizes and checksums, so it is not part of them) and added to the store, so that every
catalog resource is dereferenceable and queryable like any other thing.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field

import pyoxigraph as ox

from publisher.config import SETTINGS, Setting, Settings
from publisher.dataset.build import Build, LoadedBuild
from publisher.negotiation import JSONLD, RDF_FORMATS, RDFXML, TURTLE, Format, by_key
from publisher.publish.boundaries import GEOJSON
from publisher.publish.dumps import Dumps, dump_graphs, statement_groups, subject_runs
from publisher.vocab import (
    DCAT,
    DCAT_END_DATE,
    DCAT_START_DATE,
    DCATAP,
    DCATDE,
    DCT,
    DCT_CONFORMS_TO,
    DCT_PERIOD_OF_TIME,
    DCT_TEMPORAL,
    EU,
    FOAF,
    GEOCODING,
    IANA,
    LDES_SPECIFICATION,
    NUTS,
    PROV,
    PUBLISHER_TYPES,
    RDF_TYPE,
    RDFS,
    RL,
    SD_GRAPH,
    SKOS,
    SKOS_PREF_LABEL,
    SPARQL_PROTOCOL,
    SPDX,
    TIME,
    VCARD,
    VOID,
    WIKIDATA,
    XSD,
    XSD_DATE,
    XSD_INTEGER,
)

LINK_TARGETS = [
    ("wikidata", "Wikidata", WIKIDATA),
    ("nuts", "NUTS (Eurostat)", NUTS),
    ("geocoding", "DCAT-AP.de politische Geokodierung", GEOCODING),
]
ATTRIBUTION = "© Statistisches Bundesamt (Destatis), 2023; © GeoBasis-DE / BKG 2021 (Daten verändert); regiolod"
DATASETS = {
    "regiolod": (
        "Regionen und interkommunale Kooperationen",
        "Regions and inter-municipal cooperations",
        "Gebiete und Gebietskörperschaften (alle 16 Länder und 400 Kreise, die Mitgliedsgemeinden), die elf "
        "Europäischen Metropolregionen, Zweckverbände und Wirtschaftsförderungen um den Heidekreis und 57 der 68 "
        "vom Land Niedersachsen anerkannten LEADER-Regionen 2023–2027 (38 mit Mitgliedern), mit Mitgliedschaften "
        "über die Zeit, Gebietsänderungen, Grenzen (BKG VG5000) und einer Quelle für jede Angabe; "
        "als Linked Open Data.",
        "Territories and local authorities (all 16 states and 400 districts, the member municipalities), the "
        "eleven European metropolitan regions, special-purpose associations and economic development companies "
        "around the Heidekreis district and 57 of the 68 LEADER regions 2023-2027 Lower Saxony recognised (38 with "
        "members), with memberships over time, territorial changes, boundaries (BKG VG5000) and a source for every "
        "fact; as linked open data.",
    ),
    "territories": (
        "Verwaltungsgebiete",
        "Administrative territories",
        "Länder, Kreise, Samtgemeinden, Gemeinden, gemeindefreie Gebiete, Metropol- und LEADER-Regionen "
        "mit amtlichen Schlüsseln, NUTS-Codes, Fläche, Einwohnerzahl und Enthaltensein.",
        "States, districts, joint municipalities, municipalities, unincorporated areas, metropolitan and "
        "LEADER regions with official keys, NUTS codes, area, population and containment.",
    ),
    "cooperations": (
        "Kooperationen und Mitgliedschaften",
        "Cooperations and memberships",
        "Interkommunale Kooperationen, Metropolregionen und lokale Aktionsgruppen mit ihren Mitgliedern, "
        "Rollen, Zeiträumen und Förderperioden.",
        "Inter-municipal cooperations, metropolitan regions and local action groups with their members, "
        "roles, periods and funding periods.",
    ),
    "ontology": (
        "regiolod-Ontologie",
        "regiolod ontology",
        "Die OWL-Ontologie und die SKOS-Begriffssysteme (Organisationsarten, Rollen, Förderperioden, "
        "Änderungsarten) des Datensatzes.",
        "The OWL ontology and SKOS concept schemes (organisation types, roles, funding periods, change "
        "types) of the dataset.",
    ),
}
KEYWORDS = [
    "Gebietskörperschaft",
    "Gemeinde",
    "Landkreis",
    "Heidekreis",
    "Metropolregion",
    "Zweckverband",
    "LEADER",
    "interkommunale Zusammenarbeit",
    "Amtlicher Gemeindeschlüssel",
    "Linked Open Data",
]


@dataclass
class VoidStatistics:
    """Counts of the dumped dataset, computed once per build (VoID §4)."""

    triples: int = 0
    entities: int = 0
    distinct_subjects: int = 0
    distinct_objects: int = 0
    classes: dict[str, int] = field(default_factory=dict)
    properties: dict[str, int] = field(default_factory=dict)
    links: dict[str, int] = field(default_factory=dict)
    first_date: str = ""
    last_date: str = ""


def void_statistics(build: LoadedBuild) -> VoidStatistics:
    """Count the dumps' distinct triples in one pass over the store, a thing at a time."""
    class_members: defaultdict[str, int] = defaultdict(int)
    properties: Counter[str] = Counter()
    links: Counter[str] = Counter()
    dates: list[str] = []
    exact = SKOS + "exactMatch"
    date_props = {
        TIME + "inXSDDate",
        TIME + "inXSDgYear",
        DCT + "date",
        RL + "referenceDate",
        RL + "founded",
    }
    entity_prefix = build.base_iri + "id/"
    triples = subjects = entities = 0
    objects: set[str] = set()
    # Each subject comes in one run with its distinct statements (statement_groups), so counting
    # runs counts distinct subjects, and a subject's types are counted once each.
    for found in statement_groups(build.oxigraph, dump_graphs(build), {}):
        for run in subject_runs(found):
            subjects += 1
            s = run[0].subject
            if isinstance(s, ox.NamedNode) and s.value.startswith(entity_prefix):
                entities += 1
            for _, p, o in run:
                triples += 1
                properties[p.value] += 1
                objects.add(str(o))
                if p == RDF_TYPE and isinstance(o, ox.NamedNode):
                    class_members[o.value] += 1
                if p.value == exact and isinstance(o, ox.NamedNode):
                    for key, _, prefix in LINK_TARGETS:
                        if o.value.startswith(prefix):
                            links[key] += 1
                if p.value in date_props and isinstance(o, ox.Literal):
                    dates.append(o.value[:10] if len(o.value) >= 10 else o.value[:4])
    return VoidStatistics(
        triples=triples,
        entities=entities,
        distinct_subjects=subjects,
        distinct_objects=len(objects),
        classes=dict(sorted(class_members.items())),
        properties=dict(sorted(properties.items())),
        links={k: links[k] for k, _, _ in LINK_TARGETS},
        first_date=min(dates, default=""),
        last_date=max(dates, default=""),
    )


def named(iri: str | ox.NamedNode) -> ox.NamedNode:
    """Return ``iri`` as a node, so that callers pass a term of :mod:`publisher.vocab` or a string alike."""
    return ox.NamedNode(iri) if isinstance(iri, str) else iri


class GraphBuilder:
    """Small helper to write quads into one graph."""

    def __init__(self, graph: str):
        self.graph = ox.NamedNode(graph)
        self.quads: list[ox.Quad] = []
        self.blank = 0

    def node(self, iri: str) -> ox.NamedNode:
        return ox.NamedNode(iri)

    def bnode(self) -> ox.BlankNode:
        self.blank += 1
        return ox.BlankNode(f"c{self.blank}")

    def add(
        self, s: str | ox.NamedNode | ox.BlankNode, p: str | ox.NamedNode, o: ox.NamedNode | ox.BlankNode | ox.Literal
    ) -> None:
        subject = ox.NamedNode(s) if isinstance(s, str) else s
        self.quads.append(ox.Quad(subject, named(p), o, self.graph))

    def iri(self, s: str | ox.NamedNode | ox.BlankNode, p: str | ox.NamedNode, o: str | ox.NamedNode) -> None:
        self.add(s, p, named(o))

    def text(
        self,
        s: str | ox.NamedNode | ox.BlankNode,
        p: str | ox.NamedNode,
        value: str,
        lang: str | None = None,
        datatype: str | None = None,
    ) -> None:
        if lang:
            self.add(s, p, ox.Literal(value, language=lang))
        elif datatype:
            self.add(s, p, ox.Literal(value, datatype=ox.NamedNode(datatype)))
        else:
            self.add(s, p, ox.Literal(value))


def iris(settings: Settings) -> dict[str, str]:
    base = settings.base_iri
    return {
        "catalog": f"{base}id/catalog",
        "data_service": f"{base}id/service/sparql",  # the dcat:DataService of the SPARQL endpoint
        "change_feed": f"{base}id/service/changes",  # the dcat:DataService of the change feed (LDES)
        "publisher": settings.publisher_uri or f"{base}id/organization/publisher",
        **{k: f"{base}id/dataset/{k}" for k in DATASETS},
    }


#: Catalog settings whose defaults are placeholders, to be set before a portal harvests (README "For harvesters").
PLACEHOLDERS = ("publisher_name", "publisher_uri", "contact_email", "contributor_id")


def placeholders(settings: Settings) -> list[tuple[Setting, str]]:
    """List the placeholder settings still at their defaults, each with the value the catalog states."""
    named = {s.name: s for s in SETTINGS}
    stated = {"publisher_uri": iris(settings)["publisher"]}  # empty: an IRI made up under the base
    return [
        (named[name], stated.get(name, getattr(settings, name)))
        for name in PLACEHOLDERS
        if getattr(settings, name) == named[name].default
    ]


def catalog_graph(settings: Settings, build: Build, dumps: Dumps, stats: VoidStatistics) -> list[ox.Quad]:
    """Every catalog, dataset, distribution, service and VoID statement of this build."""
    base = settings.base_iri
    ids = iris(settings)
    g = GraphBuilder(f"{base}id/graph/catalog")
    modified = dumps.modified[:10]
    describe_publisher(g, settings, ids["publisher"])
    contact = f"{ids['catalog']}#contact"
    g.iri(contact, RDF_TYPE, VCARD + "Organization")
    g.iri(contact, RDF_TYPE, VCARD + "Kind")
    g.text(contact, VCARD + "fn", settings.publisher_name)
    g.iri(contact, VCARD + "hasEmail", f"mailto:{settings.contact_email}")

    cat = ids["catalog"]
    g.iri(cat, RDF_TYPE, DCAT + "Catalog")
    g.text(cat, DCT + "title", "regiolod-Katalog", "de")
    g.text(cat, DCT + "title", "regiolod catalog", "en")
    g.text(
        cat,
        DCT + "description",
        "Datensätze und Dienste von regiolod: Regionen und interkommunale Kooperationen als Linked Open Data.",
        "de",
    )
    g.text(
        cat,
        DCT + "description",
        "Datasets and services of regiolod: regions and inter-municipal cooperations as linked open data.",
        "en",
    )
    g.iri(cat, DCT + "publisher", ids["publisher"])
    g.iri(cat, FOAF + "homepage", base)
    g.iri(base, RDF_TYPE, FOAF + "Document")
    g.iri(cat, DCT + "language", EU + "language/DEU")
    g.iri(cat, DCT + "license", settings.licence)
    g.iri(cat, DCT + "spatial", EU + "country/DEU")
    g.iri(cat, DCAT + "themeTaxonomy", EU + "data-theme")
    g.text(cat, DCT + "modified", modified, datatype=XSD_DATE.value)
    g.iri(cat, DCAT + "service", ids["data_service"])
    g.iri(cat, DCAT + "service", ids["change_feed"])
    for key in DATASETS:
        g.iri(cat, DCAT + "dataset", ids[key])

    for key, (title_de, title_en, desc_de, desc_en) in DATASETS.items():
        ds = ids[key]
        g.iri(ds, RDF_TYPE, DCAT + "Dataset")
        g.text(ds, DCT + "identifier", ds)
        g.text(ds, DCT + "title", title_de, "de")
        g.text(ds, DCT + "title", title_en, "en")
        g.text(ds, DCT + "description", desc_de, "de")
        g.text(ds, DCT + "description", desc_en, "en")
        g.iri(ds, DCT + "publisher", ids["publisher"])
        g.iri(ds, DCAT + "contactPoint", contact)
        for theme in ("REGI", "GOVE"):
            g.iri(ds, DCAT + "theme", EU + f"data-theme/{theme}")
        for word in KEYWORDS:
            g.text(ds, DCAT + "keyword", word, "de")
        # DCAT-AP.de 3.0 deprecates dcatde:politicalGeocodingURI ("Datensatz: Geopolitische Abdeckung
        # (DEPRECATED)"; shape Deprecated_dcatde_politicalGeocodingURI): the geocoding IRI is stated with
        # dct:spatial only, as Konvention 11 already asked; the level property is not deprecated.
        for spatial in (GEOCODING + "districtKey/03358", EU + "country/DEU"):
            g.iri(ds, DCT + "spatial", spatial)
        g.iri(ds, DCATDE + "politicalGeocodingLevelURI", GEOCODING + "Level/administrativeDistrict")
        g.iri(ds, DCATDE + "contributorID", settings.contributor_id)
        g.iri(ds, DCT + "accrualPeriodicity", EU + "frequency/IRREG")
        g.iri(ds, DCT + "language", EU + "language/DEU")
        g.text(ds, DCT + "modified", modified, datatype=XSD_DATE.value)
        g.text(ds, DCATDE + "licenseAttributionByText", ATTRIBUTION, "de")
        if key != "ontology" and stats.first_date:
            period = f"{ds}#period"
            g.iri(ds, DCT_TEMPORAL.value, period)
            g.iri(period, RDF_TYPE, DCT_PERIOD_OF_TIME.value)
            g.text(period, DCAT_START_DATE.value, date_of(stats.first_date, start=True), datatype=XSD_DATE.value)
            g.text(period, DCAT_END_DATE.value, date_of(stats.last_date, start=False), datatype=XSD_DATE.value)
        if key != "regiolod":
            g.iri(ds, DCT + "isPartOf", ids["regiolod"])

    for f in dumps.files:
        dist = f"{base}id/distribution/{f.name.replace('.', '-')}"
        g.iri(ids[f.dataset], DCAT + "distribution", dist)
        fmt = GEOJSON if f.format == GEOJSON.key else by_key(RDF_FORMATS)[f.format]  # boundaries or RDF
        describe_distribution(g, settings, dist, f"{base}download/{f.name}", fmt, modified)
        g.text(dist, DCAT + "byteSize", str(f.bytes), datatype=XSD + "nonNegativeInteger")
        g.iri(dist, DCAT + "compressFormat", IANA + "application/gzip")
        checksum = f"{dist}#sha256"
        g.iri(dist, SPDX + "checksum", checksum)
        g.iri(checksum, RDF_TYPE, SPDX + "Checksum")
        g.iri(checksum, SPDX + "algorithm", SPDX + "checksumAlgorithm_sha256")
        g.text(checksum, SPDX + "checksumValue", f.sha256, datatype=XSD + "hexBinary")
        if f.dataset == "regiolod" and fmt is not GEOJSON:
            g.iri(ids["regiolod"], VOID + "dataDump", f"{base}download/{f.name}")
    for fmt in (TURTLE, RDFXML, JSONLD):
        dist = f"{base}id/distribution/ontology-{fmt.suffix}"
        g.iri(ids["ontology"], DCAT + "distribution", dist)
        describe_distribution(g, settings, dist, f"{base}def.{fmt.suffix}", fmt, modified)

    sparql = describe_service(g, settings, ids, "data_service", f"{base}sparql", SPARQL_PROTOCOL, contact)
    g.text(sparql, DCT + "title", "regiolod SPARQL-Endpunkt", "de")
    g.text(sparql, DCT + "title", "regiolod SPARQL endpoint", "en")
    g.text(sparql, DCT + "description", "Nur lesender SPARQL-1.1-Endpunkt über den ganzen Datensatz.", "de")
    g.text(sparql, DCT + "description", "Read-only SPARQL 1.1 endpoint over the whole dataset.", "en")
    g.iri(sparql, DCAT + "endpointDescription", f"{base}sparql")
    g.text(sparql, DCAT + "keyword", "SPARQL", "de")
    g.text(SPARQL_PROTOCOL, DCT + "title", "SPARQL 1.1 Protocol", "en")
    feed = describe_service(g, settings, ids, "change_feed", f"{base}changes/", LDES_SPECIFICATION, contact)
    g.text(feed, DCT + "title", "regiolod-Änderungen (Linked Data Event Stream)", "de")
    g.text(feed, DCT + "title", "regiolod changes (Linked Data Event Stream)", "en")
    g.text(
        feed,
        DCT + "description",
        "Die Geschichte des Datensatzes als Ereignisstrom, eine Seite je Monat: Änderungsereignisse sowie Beginn "
        "und Ende jeder Mitgliedschaft, zum Nachbilden und Synchronhalten.",
        "de",
    )
    g.text(
        feed,
        DCT + "description",
        "The dataset's history as an event stream, one page per month: change events and the beginning and end "
        "of every membership, to replicate it and stay in sync.",
        "en",
    )
    g.text(feed, DCAT + "keyword", "LDES", "de")
    g.text(LDES_SPECIFICATION, DCT + "title", "Linked Data Event Streams", "en")
    describe_void(g, build, ids["regiolod"], stats)
    describe_catalog_graph(g, settings, build, modified)
    return g.quads


def describe_service(
    g: GraphBuilder, settings: Settings, ids: dict[str, str], key: str, endpoint: str, standard: str, contact: str
) -> str:
    """What every dcat:DataService of the catalog says (DCAT-AP.de's mandatory and recommended properties):
    its endpoint, the standard it follows, the dataset it serves, who publishes it under which licence."""
    svc = ids[key]
    g.iri(svc, RDF_TYPE, DCAT + "DataService")
    g.iri(svc, DCAT + "endpointURL", endpoint)
    g.iri(svc, DCT_CONFORMS_TO.value, standard)
    g.iri(standard, RDF_TYPE, DCT + "Standard")
    # Everything is an rdfs:Resource; DCAT-AP checks it without inference, so it is said once.
    g.iri(endpoint, RDF_TYPE, RDFS + "Resource")
    g.iri(svc, DCAT + "servesDataset", ids["regiolod"])
    g.iri(svc, DCT + "publisher", ids["publisher"])
    g.iri(svc, DCAT + "contactPoint", contact)
    g.iri(svc, DCT + "license", settings.licence)
    g.iri(svc, DCAT + "theme", EU + "data-theme/REGI")
    g.iri(svc, DCATDE + "contributorID", settings.contributor_id)
    return svc


def describe_catalog_graph(g: GraphBuilder, settings: Settings, build: Build, modified: str) -> None:
    """Describe the catalog graph as every data file describes its own (sd:Graph with provenance), so that
    its name, which the Service Description and the N-Quads give, dereferences like the others."""
    graph = g.graph.value
    g.iri(graph, RDF_TYPE, SD_GRAPH)
    g.iri(graph, RDF_TYPE, PROV + "Entity")
    g.text(graph, SKOS_PREF_LABEL, "Katalog und VoID-Beschreibung", "de")
    g.text(graph, SKOS_PREF_LABEL, "Catalog and VoID description", "en")
    g.text(
        graph,
        DCT + "description",
        "Der DCAT-AP.de-Katalog, die VoID-Beschreibung mit Statistiken und die Downloads mit Größen und "
        "Prüfsummen. Der Publisher schreibt diesen Graphen bei jedem Build; er gehört nicht zu den Dumps, "
        "deren Größen und Prüfsummen er nennt.",
        "de",
    )
    g.text(
        graph,
        DCT + "description",
        "The DCAT-AP.de catalog, the VoID description with statistics and the downloads with sizes and "
        "checksums. The publisher writes this graph with every build; it is not part of the dumps, whose "
        "sizes and checksums it gives.",
        "en",
    )
    g.iri(graph, DCT + "license", settings.licence)
    g.text(graph, DCT + "modified", modified, datatype=XSD_DATE.value)
    for source in dump_graphs(build):
        g.iri(graph, PROV + "wasDerivedFrom", source)


def describe_publisher(g: GraphBuilder, settings: Settings, publisher: str) -> None:
    g.iri(publisher, RDF_TYPE, FOAF + "Agent")
    g.iri(publisher, RDF_TYPE, FOAF + "Organization")
    g.text(publisher, FOAF + "name", settings.publisher_name, "de")
    g.text(publisher, SKOS_PREF_LABEL, settings.publisher_name, "de")
    g.iri(publisher, DCT + "type", PUBLISHER_TYPES + settings.publisher_type)


def describe_distribution(g: GraphBuilder, settings: Settings, dist: str, url: str, fmt: Format, modified: str) -> None:
    g.iri(dist, RDF_TYPE, DCAT + "Distribution")
    name = url.rsplit("/", 1)[-1]
    g.text(dist, DCT + "title", name, "de")
    g.text(dist, DCT + "description", f"Datei {name} ({fmt.key})", "de")
    g.iri(dist, DCAT + "accessURL", url)
    g.iri(dist, DCAT + "downloadURL", url)
    g.iri(dist, DCT + "format", EU + f"file-type/{fmt.file_type}")
    g.iri(dist, DCAT + "mediaType", IANA + fmt.media_type)
    g.iri(dist, DCT + "license", settings.licence)
    g.text(dist, DCATDE + "licenseAttributionByText", ATTRIBUTION, "de")
    g.iri(dist, DCATAP + "availability", EU + "planned-availability/STABLE")
    g.text(dist, DCT + "modified", modified, datatype=XSD_DATE.value)


def describe_void(g: GraphBuilder, build: Build, dataset: str, stats: VoidStatistics) -> None:
    """VoID: endpoint, dumps, URI space, example, vocabularies, statistics, partitions, linksets."""
    base = build.base_iri
    integer = XSD_INTEGER.value
    g.iri(dataset, RDF_TYPE, VOID + "Dataset")
    g.iri(dataset, VOID + "sparqlEndpoint", f"{base}sparql")
    g.text(dataset, VOID + "uriSpace", f"{base}id/")
    g.iri(dataset, VOID + "exampleResource", f"{base}id/territory/03358")
    g.iri(dataset, VOID + "exampleResource", f"{base}id/organization/metropolregion-hamburg")
    g.iri(dataset, VOID + "rootResource", f"{base}id/territory/03358")
    vocabularies = sorted(
        {p.rsplit("#", 1)[0] + "#" if "#" in p else p.rsplit("/", 1)[0] + "/" for p in stats.properties}
    )
    for vocabulary in vocabularies:
        g.iri(dataset, VOID + "vocabulary", vocabulary)
    for prop, value in (
        ("triples", stats.triples),
        ("entities", stats.entities),
        ("classes", len(stats.classes)),
        ("properties", len(stats.properties)),
        ("distinctSubjects", stats.distinct_subjects),
        ("distinctObjects", stats.distinct_objects),
    ):
        g.text(dataset, VOID + prop, str(value), datatype=integer)
    for i, (cls, count) in enumerate(stats.classes.items()):
        part = f"{dataset}#class-{i}"
        g.iri(dataset, VOID + "classPartition", part)
        g.iri(part, VOID + "class", cls)
        g.text(part, VOID + "entities", str(count), datatype=integer)
    for i, (prop, count) in enumerate(stats.properties.items()):
        part = f"{dataset}#property-{i}"
        g.iri(dataset, VOID + "propertyPartition", part)
        g.iri(part, VOID + "property", prop)
        g.text(part, VOID + "triples", str(count), datatype=integer)
    for key, label, prefix in LINK_TARGETS:
        linkset = f"{dataset}#links-{key}"
        g.iri(dataset, VOID + "subset", linkset)
        g.iri(linkset, RDF_TYPE, VOID + "Linkset")
        g.text(linkset, DCT + "title", f"Verknüpfungen zu {label}", "de")
        g.iri(linkset, VOID + "linkPredicate", SKOS + "exactMatch")
        g.iri(linkset, VOID + "subjectsTarget", dataset)
        g.iri(linkset, VOID + "objectsTarget", prefix)
        g.iri(linkset, VOID + "target", dataset)
        g.iri(linkset, VOID + "target", prefix)
        g.text(linkset, VOID + "triples", str(stats.links.get(key, 0)), datatype=integer)


def date_of(value: str, start: bool) -> str:
    if len(value) == 4:
        return f"{value}-01-01" if start else f"{value}-12-31"
    return value[:10]
