"""Read what ``data/leader.ttl`` already describes, and lay the generated file out as the curated files are."""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox

from publisher.gv100ad.turtle import Node
from publisher.vocab import DCT, ORG, PREFIXES, SKOS_PREF_LABEL

#: Resolves the curated file's relative IRIs while it is read; stripped again from every IRI.
BASE = "http://regiolod.invalid/"
#: The prefixes the generated file declares, in the project's table order.
USED = ("rl", "xsd", "skos", "dct", "org", "prov", "sd")
MARKER = "# Written by `python -m publisher.reference.leader ../shared/data`"
REGION_PREFIX = "LEADER-Region "


def relative(term: ox.NamedNode) -> str:
    return term.value.removeprefix(BASE)


def curated_regions(path: Path) -> tuple[dict[str, tuple[str, str, str]], set[tuple[str, str]]]:
    """Return the regions of the curated file by name (group IRI, territory IRI, group label) and its
    (group, member) pairs: a region is the territory labelled "LEADER-Region {name}" that a group has as
    ``dct:spatial``."""
    store = ox.Store()
    store.load(path=str(path), format=ox.RdfFormat.TURTLE, base_iri=BASE)
    spatial, organization, member = (ox.NamedNode(DCT + "spatial"), ox.NamedNode(ORG + "organization"),
                                      ox.NamedNode(ORG + "member"))
    regions: dict[str, tuple[str, str, str]] = {}
    for q in store.quads_for_pattern(None, spatial, None):
        group, territory = q.subject, q.object
        if not isinstance(group, ox.NamedNode) or not isinstance(territory, ox.NamedNode):
            continue
        for name in german_labels(store, territory):
            if name.startswith(REGION_PREFIX):
                labels = german_labels(store, group)
                regions[name.removeprefix(REGION_PREFIX)] = (relative(group), relative(territory), labels[0])
    pairs = set()
    for q in store.quads_for_pattern(None, organization, None):
        for m in store.quads_for_pattern(q.subject, member, None):
            if isinstance(q.object, ox.NamedNode) and isinstance(m.object, ox.NamedNode):
                pairs.add((relative(q.object), relative(m.object)))
    return regions, pairs


def german_labels(store: ox.Store, subject: ox.NamedNode) -> list[str]:
    return sorted(
        q.object.value
        for q in store.quads_for_pattern(subject, SKOS_PREF_LABEL, None)
        if isinstance(q.object, ox.Literal) and q.object.language == "de"
    )


def document(graph: Node, sections: list[tuple[str, list[Node]]]) -> str:
    """Join the file: the marker line, the prefixes, the graph's description, then one section per region."""
    text = f"{MARKER} from the reference files; regenerate instead of editing.\n"
    text += "".join(f"@prefix {p}: <{PREFIXES[p]}> ." + "\n" for p in USED)
    text += "\n# This file's named graph and its provenance\n" + graph.render()
    for title, nodes in sections:
        text += f"\n\n# {title}\n\n" + "\n".join(n.render() for n in nodes)
    return text
