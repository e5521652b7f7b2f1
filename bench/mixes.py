"""The fixed request mixes of the system benchmark: SPARQL queries and dereferencing requests.

The SPARQL mix is ``bench/queries/*.rq``: a frozen copy of the seven example queries of
``queries/`` (so that results stay comparable when the examples change) plus heavier ones. The
dereferencing mix is a seeded random sample of the things of a scale, each asked for in one of
four formats, by ``Accept`` or by suffix, and every fourth also by its ``/id/`` IRI (303).
"""

from __future__ import annotations

import random
import urllib.parse
from pathlib import Path

import pyoxigraph as ox
from load import Request

QUERIES = Path(__file__).resolve().parent / "queries"
SPARQL_JSON = "application/sparql-results+json"
#: format name → (suffix, media type); the four formats of the mix.
FORMATS = {
    "turtle": ("ttl", "text/turtle"),
    "jsonld": ("jsonld", "application/ld+json"),
    "html": ("html", "text/html"),
    "ntriples": ("nt", "application/n-triples"),
}


def load_queries(folder: Path = QUERIES) -> list[tuple[str, str]]:
    """(name, text) of every query of the mix, in file order."""
    return [(p.stem, p.read_text(encoding="utf-8")) for p in sorted(folder.glob("*.rq"))]


def sparql_requests(queries: list[tuple[str, str]], endpoint: str) -> list[Request]:
    """GET requests of the SPARQL 1.1 Protocol (§2.1.1) for each query, asking for JSON results."""
    return [
        Request(name, f"{endpoint}?{urllib.parse.urlencode({'query': text})}", SPARQL_JSON) for name, text in queries
    ]


def things(data_files: list[Path], base_iri: str) -> list[str]:
    """Every IRI under ``{base}id/`` that is the subject of a statement in the data files, sorted."""
    prefix = base_iri + "id/"
    found: set[str] = set()
    for path in data_files:
        for triple in ox.parse(path=str(path), format=ox.RdfFormat.TURTLE, base_iri=base_iri):
            s = triple.subject
            if isinstance(s, ox.NamedNode) and s.value.startswith(prefix) and "/graph/" not in s.value:
                found.add(s.value)
    return sorted(found)


def deref_plan(iris: list[str], base_iri: str, size: int, seed: int) -> list[tuple[str, str, str]]:
    """A seeded sample of (key, format, how): how is "accept" or "suffix"."""
    rng = random.Random(seed)
    chosen = rng.sample(iris, min(size, len(iris)))
    prefix = base_iri + "id/"
    return [(iri[len(prefix) :], rng.choice(sorted(FORMATS)), rng.choice(("accept", "suffix"))) for iri in chosen]


def quote(key: str) -> str:
    """A key as it stands in a request path: percent-encoded where it must be, slashes kept."""
    return urllib.parse.quote(key, safe="/:@!$&'()*+,;=-._~")


def app_requests(plan: list[tuple[str, str, str]]) -> list[Request]:
    """The mix for regiolod and everything that negotiates like it (bare Flask, the static export)."""
    requests = []
    for i, (key, fmt, how) in enumerate(plan):
        suffix, media = FORMATS[fmt]
        if how == "accept":
            requests.append(Request(f"doc {fmt} accept", f"/doc/{quote(key)}", media))
        else:
            requests.append(Request(f"doc {fmt} suffix", f"/doc/{quote(key)}.{suffix}"))
        if i % 4 == 0:
            requests.append(Request("id 303", f"/id/{quote(key)}", "", 303))
    return requests


def file_requests(plan: list[tuple[str, str, str]]) -> list[Request]:
    """The same documents for plain nginx, which does not negotiate: every request names its file."""
    requests = []
    for i, (key, fmt, _) in enumerate(plan):
        suffix, _media = FORMATS[fmt]
        requests.append(Request(f"doc {fmt} file", f"/doc/{quote(key)}.{suffix}"))
        if i % 4 == 0:
            requests.append(Request("id 303", f"/id/{quote(key)}", "", 303))
    return requests


def describe_requests(plan: list[tuple[str, str, str]], base_iri: str) -> list[Request]:
    """The same things for Oxigraph server: ``DESCRIBE <iri>`` in an RDF format it writes (HTML as Turtle)."""
    requests = []
    for key, fmt, _ in plan:
        media = FORMATS["turtle" if fmt == "html" else fmt][1]
        query = urllib.parse.urlencode({"query": f"DESCRIBE <{base_iri}id/{key}>"})
        requests.append(Request(f"describe {fmt}", f"/query?{query}", media))
    return requests
