"""What the query page's editor completes from: our own classes, properties and prefixes, never a remote service.

The classes and properties are those of the VoID description's partitions (/.well-known/void, the catalog graph),
the prefixes those every document of the site uses. The page embeds them as a JSON data block (not a script, so
the page's CSP is unchanged); publisher/static/query.js hands them to the editor's completers.
"""

from __future__ import annotations

import json

import pyoxigraph as ox

from publisher.vocab import PREFIXES, VOID
from publisher.web.state import State


def vocabulary(st: State) -> dict[str, object]:
    """The class and property IRIs of the dataset's VoID partitions (sorted) and the site's prefixes."""
    dataset = st.dataset_iri
    links = [
        (str(q.subject), q.predicate.value, q.object.value)
        for q in st.store.graph(f"{st.base}id/graph/catalog")
        if isinstance(q.object, ox.NamedNode)
    ]

    def partitions(link: str, member: str) -> list[str]:
        parts = {f"<{o}>" for s, p, o in links if s == f"<{dataset}>" and p == VOID + link}
        return sorted({o for s, p, o in links if s in parts and p == VOID + member})

    return {
        "classes": partitions("classPartition", "class"),
        "properties": partitions("propertyPartition", "property"),
        "prefixes": dict(sorted(PREFIXES.items())),
    }


def vocabulary_json(st: State) -> str:
    """:func:`vocabulary` as JSON safe inside an HTML ``<script type="application/json">`` element."""

    def render() -> tuple[bytes, str]:
        text = json.dumps(vocabulary(st), ensure_ascii=False, sort_keys=True)
        safe = text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
        return safe.encode("utf-8"), "application/json"

    body, _ = st.rendered(("querypage-vocabulary",), render)
    return body.decode("utf-8")
