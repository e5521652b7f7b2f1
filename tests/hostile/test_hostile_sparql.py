"""Hostile SPARQL at /sparql: no fetch for a stranger, no write, no crash, no hang, no internals.

Every case names the exact answer (SPARQL 1.1 Protocol §2.1.4 for 400, the README for 403 on
updates, 413 on size, 415 on media types, 503 with Retry-After at the time limit) and checks the
loopback canary: a server that fetched a URL for the client would connect to it.
"""

from __future__ import annotations

import json

import pytest

from publisher.errors import Problem
from tests.conftest import BASE
from tests.hostile.support import BOUND, assert_safe_answer, assert_still_up, timed

JSON_RESULTS = {"Accept": "application/sparql-results+json"}
HEIDEKREIS = f"{BASE}id/territory/03358"
GRAPH = f"{BASE}id/graph/heidekreis"
SKOS_LABEL = "http://www.w3.org/2004/02/skos/core#prefLabel"


def send(client, transport: str, text: str | bytes, params: dict | None = None, headers: dict | None = None):
    """Send ``text`` as the SPARQL query by GET, POST form or POST direct (Protocol §2.1.1-2.1.3)."""
    params = params or {}
    headers = {**JSON_RESULTS, **(headers or {})}
    if transport == "get":
        return client.get("/sparql", query_string={"query": text, **params}, headers=headers)
    if transport == "form":
        return client.post("/sparql", data={"query": text, **params}, headers=headers)
    body = text.encode("utf-8") if isinstance(text, str) else text
    return client.post(
        "/sparql", data=body, query_string=params, headers={"Content-Type": "application/sparql-query", **headers}
    )


def fill(template: str, canary, canary6) -> str:
    """Point a case at the loopback canaries (an unused port stands in when IPv6 is missing)."""
    return template.replace("{canary}", canary.authority).replace(
        "{canary6}", canary6.authority if canary6 else "[::1]:9"
    )


# --- Everything that would make the server fetch a URL -------------------------------------------------------

SMUGGLED_SERVICE = "SERVICE <http://{canary}/sparql> { ?x ?y ?z }"
FETCHING = [
    ("service-loopback", "SELECT * WHERE { SERVICE <http://{canary}/sparql> { ?s ?p ?o } }"),
    ("service-localhost", "SELECT * WHERE { SERVICE <http://localhost:9/sparql> { ?s ?p ?o } }"),
    ("service-private-10", "SELECT * WHERE { SERVICE <http://10.0.0.1/sparql> { ?s ?p ?o } }"),
    ("service-cloud-metadata", "SELECT * WHERE { SERVICE <http://169.254.169.254/latest/meta-data/> { ?s ?p ?o } }"),
    ("service-ipv6-loopback", "SELECT * WHERE { SERVICE <http://{canary6}/sparql> { ?s ?p ?o } }"),
    ("service-silent", "SELECT * WHERE { SERVICE SILENT <http://{canary}/> { ?s ?p ?o } }"),
    ("service-in-optional", "SELECT * WHERE { ?s ?p ?o OPTIONAL { SERVICE <http://{canary}/> { ?s ?q ?r } } } LIMIT 1"),
    ("service-nested-groups", "SELECT * WHERE { { { { SERVICE <http://{canary}/> { ?s ?p ?o } } } } }"),
    ("service-in-subselect", "SELECT * WHERE { { SELECT * WHERE { SERVICE <http://{canary}/> { ?s ?p ?o } } } }"),
    ("service-in-union", "SELECT * WHERE { { ?s ?p ?o } UNION { SERVICE <http://{canary}/> { ?s ?p ?o } } }"),
    ("service-in-exists", "ASK { FILTER EXISTS { SERVICE <http://{canary}/> { ?s ?p ?o } } }"),
    ("service-in-construct", "CONSTRUCT { ?s ?p ?o } WHERE { SERVICE <http://{canary}/> { ?s ?p ?o } }"),
    ("service-lowercase", "select * where { service <http://{canary}/> { ?s ?p ?o } }"),
    ("service-mixed-case", "SELECT * WHERE { SeRvIcE <http://{canary}/> { ?s ?p ?o } }"),
    ("service-prefixed-name", "PREFIX loc: <http://{canary}/> SELECT * WHERE { SERVICE loc:sparql { ?s ?p ?o } }"),
    ("service-variable", "SELECT * WHERE { VALUES ?e { <http://{canary}/> } SERVICE ?e { ?s ?p ?o } }"),
    ("service-no-whitespace", "SELECT*WHERE{SERVICE<http://{canary}/>{?s ?p ?o}}"),
    ("service-after-comment", "SELECT * WHERE { # look elsewhere\nSERVICE <http://{canary}/> { ?s ?p ?o } }"),
    ("service-relative-to-base", "BASE <http://{canary}/> SELECT * WHERE { SERVICE <sparql> { ?s ?p ?o } }"),
    # The scanner must cut the text where the engine does, or SERVICE hides in what looks like a string:
    # '<' read as less-than makes '#>' a comment for the engine, while the scan saw an IRI and a string.
    (
        "smuggled-less-than",
        "SELECT * WHERE { BIND(1 AS ?a) BIND(2 AS ?b) FILTER(?a<?b)#>'''\n" + SMUGGLED_SERVICE + "\n#'''\n}",
    ),
    (
        "smuggled-pname-escaped-hash",
        "PREFIX ex: <http://example.org/> SELECT * WHERE { BIND(ex:a\\#x AS ?x) " + SMUGGLED_SERVICE + " }",
    ),
    (
        "smuggled-pname-escaped-quote",
        "PREFIX ex: <http://example.org/> SELECT * WHERE { BIND(ex:a\\'x AS ?x) "
        + SMUGGLED_SERVICE
        + " BIND('' AS ?y) }",
    ),
    ("smuggled-iri-escape-quote", "SELECT * WHERE { BIND(<http://e/\\u0041'''> AS ?x) " + SMUGGLED_SERVICE + " } #'''"),
    ("smuggled-iri-escape-hash", "SELECT * WHERE { BIND(<http://e/\\u0041#> AS ?x) " + SMUGGLED_SERVICE + " }"),
    ("load-http", "LOAD <http://{canary}/data.ttl>"),
    ("load-file-into-graph", "LOAD SILENT <file:///etc/passwd> INTO GRAPH <urn:x>"),
    ("from-file", "SELECT * FROM <file:///etc/passwd> WHERE { ?s ?p ?o }"),
    ("from-http", "SELECT * FROM <http://{canary}/data.ttl> WHERE { ?s ?p ?o }"),
    ("from-named-file", "SELECT * FROM NAMED <file:///etc/hosts> WHERE { GRAPH ?g { ?s ?p ?o } }"),
    ("from-named-http", "SELECT * FROM NAMED <http://{canary}/g> WHERE { GRAPH ?g { ?s ?p ?o } }"),
    ("from-prefixed-file", "PREFIX f: <file:///etc/> SELECT * FROM f:passwd WHERE { ?s ?p ?o }"),
    ("from-relative-file", "BASE <file:///etc/> SELECT * FROM <passwd> WHERE { ?s ?p ?o }"),
    ("construct-from-http", "CONSTRUCT { ?s ?p ?o } FROM <http://{canary}/> WHERE { ?s ?p ?o }"),
]


@pytest.mark.parametrize("transport", ["get", "form", "direct"])
@pytest.mark.parametrize(("case", "template"), FETCHING, ids=[c[0] for c in FETCHING])
def test_nothing_is_fetched_for_a_client(client, canary, canary6, transport: str, case: str, template: str) -> None:
    response, elapsed = timed(lambda: send(client, transport, fill(template, canary, canary6)))
    assert_safe_answer(response, elapsed, 400)
    assert response.mimetype == "text/plain"
    for listener in (canary, canary6):
        if listener is not None:
            listener.assert_silent()
    assert_still_up(client)


PROTOCOL_DATASETS = [
    ("default-graph-file", {"default-graph-uri": "file:///etc/passwd"}),
    ("default-graph-http", {"default-graph-uri": "http://{canary}/g"}),
    ("default-graph-ipv6", {"default-graph-uri": "http://{canary6}/g"}),
    ("named-graph-file", {"named-graph-uri": "file:///etc/hosts"}),
    ("named-graph-http", {"named-graph-uri": "http://{canary}/g"}),
    ("own-graph-and-http", {"default-graph-uri": [GRAPH, "http://{canary}/g"]}),
    ("graph-uri-javascript", {"default-graph-uri": "javascript:alert(1)"}),
]


@pytest.mark.parametrize("transport", ["get", "form", "direct"])
@pytest.mark.parametrize(("case", "params"), PROTOCOL_DATASETS, ids=[c[0] for c in PROTOCOL_DATASETS])
def test_protocol_dataset_names_only_our_graphs(client, canary, canary6, transport: str, case: str, params) -> None:
    filled = {k: [fill(v, canary, canary6) for v in (vs if isinstance(vs, list) else [vs])] for k, vs in params.items()}
    response, elapsed = timed(lambda: send(client, transport, "SELECT * WHERE { ?s ?p ?o } LIMIT 1", filled))
    assert_safe_answer(response, elapsed, 400)
    assert "not a graph of this endpoint" in response.get_data(as_text=True)
    for listener in (canary, canary6):
        if listener is not None:
            listener.assert_silent()
    assert_still_up(client)


# --- Writes, in every form of SPARQL 1.1 Update and every way to send one ----------------------------------

UPDATES = [
    ("insert-data", "INSERT DATA { <urn:a> <urn:b> <urn:c> }"),
    ("insert-data-graph", f"INSERT DATA {{ GRAPH <{GRAPH}> {{ <urn:a> <urn:b> <urn:c> }} }}"),
    ("delete-data", f'DELETE DATA {{ GRAPH <{GRAPH}> {{ <{HEIDEKREIS}> <{SKOS_LABEL}> "Heidekreis"@de }} }}'),
    ("delete-where", "DELETE WHERE { ?s ?p ?o }"),
    ("delete-insert-where", 'DELETE { ?s ?p ?o } INSERT { ?s ?p "x" } WHERE { ?s ?p ?o }'),
    ("insert-where", "INSERT { ?s a <urn:Pwned> } WHERE { ?s ?p ?o }"),
    ("with-delete-where", f"WITH <{GRAPH}> DELETE {{ ?s ?p ?o }} WHERE {{ ?s ?p ?o }}"),
    ("using-delete", f"DELETE {{ ?s ?p ?o }} USING <{GRAPH}> WHERE {{ ?s ?p ?o }}"),
    ("clear-all", "CLEAR ALL"),
    ("clear-silent-default", "CLEAR SILENT DEFAULT"),
    ("drop-graph", f"DROP GRAPH <{GRAPH}>"),
    ("drop-all", "DROP ALL"),
    ("create-graph", "CREATE GRAPH <urn:new>"),
    ("copy", "COPY DEFAULT TO <urn:x>"),
    ("move", f"MOVE <{GRAPH}> TO <urn:x>"),
    ("add", f"ADD <{GRAPH}> TO <urn:x>"),
    ("sequence", "CLEAR ALL ; INSERT DATA { <urn:a> <urn:b> <urn:c> }"),
    ("after-prefix", "PREFIX x: <urn:x:> INSERT DATA { x:a x:b x:c }"),
    ("lowercase", "delete where { ?s ?p ?o }"),
]


def send_update(client, transport: str, text: str):
    """An update by query= (GET, form, direct), by update= (URL, form) or as application/sparql-update."""
    if transport.startswith("query-"):
        return send(client, transport.removeprefix("query-"), text)
    if transport == "update-url":
        return client.get("/sparql", query_string={"update": text})
    if transport == "update-form":
        return client.post("/sparql", data={"update": text})
    return client.post("/sparql", data=text.encode("utf-8"), headers={"Content-Type": "application/sparql-update"})


COUNT = "SELECT (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } }"


@pytest.fixture(scope="module")
def triples_before(app) -> str:
    return json.loads(send(app.test_client(), "get", COUNT).data)["results"]["bindings"][0]["n"]["value"]


@pytest.mark.parametrize(
    "transport", ["query-get", "query-form", "query-direct", "update-url", "update-form", "direct"]
)
@pytest.mark.parametrize(("case", "text"), UPDATES, ids=[c[0] for c in UPDATES])
def test_updates_are_refused_and_change_nothing(client, triples_before: str, transport: str, case: str, text: str):
    response, elapsed = timed(lambda: send_update(client, transport, text))
    assert_safe_answer(response, elapsed, 403)
    assert "read-only" in response.get_data(as_text=True)
    after = json.loads(send(client, "get", COUNT).data)["results"]["bindings"][0]["n"]["value"]
    assert after == triples_before
    assert_still_up(client)


# --- Queries that would crash, exhaust or hang the engine ------------------------------------------------

NESTED_SELECT = "SELECT * WHERE { " * 100 + "?s ?p ?o" + " }" * 100
LIMITS = [
    ("groups-2000-deep", "SELECT * WHERE " + "{" * 2000 + "}" * 2000, 400),
    ("groups-2000-unclosed", "SELECT * WHERE " + "{" * 2000, 400),
    ("parentheses-2000-deep", "SELECT * WHERE { FILTER(" + "(" * 2000 + "1" + ")" * 2000 + ") }", 400),
    ("blank-nodes-100-deep", "SELECT * WHERE { ?s ?p " + "[ <urn:p> " * 100 + "]" * 100 + " }", 400),
    ("optional-100-deep", "SELECT * WHERE { ?s ?p ?o " + "OPTIONAL { ?s ?p ?o " * 100 + "}" * 100 + " }", 400),
    ("sub-selects-100-deep", NESTED_SELECT, 400),
    ("string-literal-1mb", 'ASK { FILTER(STRLEN("' + "a" * 1024 * 1024 + '") > 0) }', 413),
    ("comment-70kb", "ASK { } # " + "x" * 70_000, 413),
    ("multibyte-just-over-64kb", "ASK { } # " + "ä" * 32_765, 413),
]


@pytest.mark.parametrize("transport", ["get", "form", "direct"])
@pytest.mark.parametrize(("case", "text", "status"), LIMITS, ids=[c[0] for c in LIMITS])
def test_limits_refuse_before_the_engine(client, transport: str, case: str, text: str, status: int) -> None:
    response, elapsed = timed(lambda: send(client, transport, text))
    assert_safe_answer(response, elapsed, status)
    assert_still_up(client)


REGEX_STRING = "a" * 30_000 + "!"
CHEAP_BUT_NASTY = [
    ("regex-catastrophic-long-string", f'ASK {{ FILTER(REGEX("{REGEX_STRING}", "^(a+)+$")) }}', False),
    (
        "regex-catastrophic-over-all-literals",
        'ASK { ?s ?p ?l FILTER(isLiteral(?l) && REGEX(CONCAT(STR(?l), "aaaaaaaaaaaaaaaaaaaaaaaaaaaa!"), "^(a+)+$")) }',
        False,
    ),
    ("literal-60kb", 'ASK { FILTER(STRLEN("' + "a" * 60_000 + '") = 60000) }', True),
    ("groups-60-deep", "ASK " + "{" * 60 + "}" * 60, True),
    ("sub-selects-10-deep", "ASK { " + "{ SELECT * WHERE { " * 10 + "?s ?p ?o" + " } }" * 10 + " }", True),
    ("service-in-string", 'ASK { FILTER("SERVICE" = "SERVICE") }', True),
    ("update-words-in-comment", "ASK { } # INSERT DELETE DROP CLEAR LOAD", True),
]


@pytest.mark.parametrize(("case", "text", "answer"), CHEAP_BUT_NASTY, ids=[c[0] for c in CHEAP_BUT_NASTY])
def test_nasty_but_cheap_queries_are_answered(client, case: str, text: str, answer: bool) -> None:
    response, elapsed = timed(lambda: send(client, "form", text))
    assert_safe_answer(response, elapsed, 200)
    assert json.loads(response.data)["boolean"] is answer
    assert_still_up(client)


EXPENSIVE = [
    ("property-path-both-ways", "SELECT (COUNT(*) AS ?n) WHERE { ?a (!<urn:x>|^!<urn:x>)* ?b }"),
    ("cartesian-product-4", "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"),
    ("cartesian-sorted", "SELECT ?a WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i } ORDER BY ?i ?f ?c LIMIT 1"),
    (
        "sub-select-cartesian",
        "SELECT (COUNT(*) AS ?n) WHERE { { SELECT ?a WHERE { ?a ?b ?c . ?d ?e ?f } } "
        "{ SELECT ?g WHERE { ?g ?h ?i . ?j ?k ?l } } }",
    ),
]


@pytest.mark.parametrize(("case", "text"), EXPENSIVE, ids=[c[0] for c in EXPENSIVE])
def test_expensive_queries_end_at_the_time_limit(short_client, case: str, text: str) -> None:
    response, elapsed = timed(lambda: send(short_client, "get", text))
    assert_safe_answer(response, elapsed, 503)
    assert int(response.headers["Retry-After"]) > 0
    assert "time limit of 2 s" in response.get_data(as_text=True)
    assert 1.5 < elapsed < BOUND
    assert_still_up(short_client)
    quick = send(short_client, "get", "ASK { ?s ?p ?o }")
    assert quick.status_code == 200 and json.loads(quick.data)["boolean"] is True


# --- Malformed protocol requests -----------------------------------------------------------------------------


def raw(client, method: str, path: str, body: bytes = b"", content_type: str | None = None):
    headers = {**JSON_RESULTS, **({"Content-Type": content_type} if content_type else {})}
    return client.open(path, method=method, data=body, headers=headers)


FORM = "application/x-www-form-urlencoded"
DIRECT = "application/sparql-query"
PROTOCOL = [
    ("invalid-utf8-get", "GET", "/sparql?query=%FF%FEASK%20%7B%7D", b"", None, 400),
    ("invalid-utf8-form", "POST", "/sparql", b"query=%FF%FEASK%20%7B%7D", FORM, 400),
    ("invalid-utf8-direct", "POST", "/sparql", b"ASK { } # \xff\xfe", DIRECT, 400),
    ("utf16-direct-with-charset", "POST", "/sparql", "ASK { }".encode("utf-16"), DIRECT + "; charset=utf-16", 415),
    ("utf16-direct-without-charset", "POST", "/sparql", "ASK { }".encode("utf-16"), DIRECT, 400),
    ("utf16-form", "POST", "/sparql", "query=ASK%20%7B%7D".encode("utf-16"), FORM, 400),
    ("latin1-direct-charset", "POST", "/sparql", "ASK { } # ä".encode("latin-1"), DIRECT + "; charset=latin-1", 415),
    ("two-queries-get", "GET", "/sparql?query=ASK%7B%7D&query=ASK%7B%7D", b"", None, 400),
    ("two-queries-form", "POST", "/sparql", b"query=ASK%7B%7D&query=ASK%7B%7D", FORM, 400),
    ("query-in-url-and-form", "POST", "/sparql?query=ASK%7B%7D", b"query=ASK%7B%7D", FORM, 400),
    ("query-in-url-and-direct-body", "POST", "/sparql?query=ASK%7B%7D", b"ASK {}", DIRECT, 400),
    ("query-and-update-get", "GET", "/sparql?query=ASK%7B%7D&update=CLEAR%20ALL", b"", None, 403),
    ("query-and-update-form", "POST", "/sparql", b"query=ASK%7B%7D&update=CLEAR%20ALL", FORM, 403),
    ("using-graph-uri", "GET", "/sparql?query=ASK%7B%7D&using-graph-uri=urn:x", b"", None, 403),
    ("empty-query-get", "GET", "/sparql?query=", b"", None, 400),
    ("empty-query-form", "POST", "/sparql", b"query=", FORM, 400),
    ("empty-body-direct", "POST", "/sparql", b"", DIRECT, 400),
    ("missing-query-form", "POST", "/sparql", b"foo=bar", FORM, 400),
    ("empty-form", "POST", "/sparql", b"", FORM, 400),
    ("no-content-type", "POST", "/sparql", b"ASK {}", None, 415),
    ("text-plain", "POST", "/sparql", b"ASK {}", "text/plain", 415),
    ("json-body", "POST", "/sparql", b'{"query": "ASK {}"}', "application/json", 415),
    ("multipart", "POST", "/sparql", b"--x\r\n\r\nASK {}\r\n--x--\r\n", "multipart/form-data; boundary=x", 415),
    ("garbage-content-type", "POST", "/sparql", b"ASK {}", ";;;/;;", 415),
    ("not-a-query", "GET", "/sparql?query=%3Cscript%3Ealert(1)%3C%2Fscript%3E", b"", None, 400),
    ("timeout-not-a-number", "GET", "/sparql?query=ASK%7B%7D&timeout=abc", b"", None, 400),
    ("timeout-overflow", "GET", "/sparql?query=ASK%7B%7D&timeout=1e309", b"", None, 200),
    ("format-garbage", "GET", "/sparql?query=ASK%7B%7D&format=%00%FF", b"", None, 200),
    ("syntax-error-with-markup", "GET", "/sparql?query=SELECT%20%3Cscript%3E", b"", None, 400),
]


@pytest.mark.parametrize(
    ("case", "method", "path", "body", "content_type", "status"), PROTOCOL, ids=[c[0] for c in PROTOCOL]
)
def test_malformed_protocol_requests(client, case, method, path, body, content_type, status) -> None:
    response, elapsed = timed(lambda: raw(client, method, path, body, content_type))
    assert_safe_answer(response, elapsed, status)
    if status >= 400:
        assert response.mimetype == "text/plain"  # never an HTML page that could reflect the query
    assert_still_up(client)


@pytest.mark.parametrize("store_mode", ["memory", "on-disk", "remote"], indirect=True)
@pytest.mark.parametrize("case", ["service-loopback", "smuggled-less-than", "from-http"])
def test_nothing_is_fetched_from_any_store(app, store_mode: str, canary, case: str) -> None:
    """The check comes before the store: an on-disk store or a remote endpoint never sees the query either."""
    client = app.test_client(use_cookies=False)
    template = dict(FETCHING)[case]
    response, elapsed = timed(lambda: send(client, "get", fill(template, canary, None)))
    assert_safe_answer(response, elapsed, 400)
    canary.assert_silent()
    assert_still_up(client)


RL = "https://w3id.org/regiolod/def#"
LOOKALIKES = [
    ("less-than-without-spaces", "ASK { BIND(1 AS ?a) BIND(2 AS ?b) FILTER(?a<?b) }"),
    ("less-than-and-greater-than", "ASK { BIND(1 AS ?a) BIND(2 AS ?b) FILTER(?a<?b&&?b>?a) }"),
    ("typed-literal-in-filter", 'ASK { FILTER("1"^^<http://www.w3.org/2001/XMLSchema#integer> = 1) }'),
    ("hash-iris-in-list", f"ASK {{ ?t a ?c FILTER(?c IN (<{RL}Territory>, <{RL}Cooperation>)) }}"),
    ("hash-iris-in-values-row", f"ASK {{ VALUES (?c ?d) {{ (<{RL}Territory> <{RL}Cooperation>) }} ?t a ?c }}"),
    ("hash-iris-in-path", f"ASK {{ ?s (<{RL}seat>|<{RL}founded>)* ?o }}"),
    ("word-service-in-string", 'ASK { FILTER(CONTAINS("Kundenservice und Service", "Service")) }'),
    ("variable-named-service", "ASK { ?service ?p ?o }"),
    ("prefixed-name-service", "PREFIX ex: <http://example.org/> ASK { FILTER(ex:service != ex:load) }"),
]


@pytest.mark.parametrize(("case", "text"), LOOKALIKES, ids=[c[0] for c in LOOKALIKES])
def test_legitimate_lookalikes_are_answered(client, case: str, text: str) -> None:
    """The scan refuses what the engine could misread, not ordinary queries that merely look alike."""
    response, elapsed = timed(lambda: send(client, "get", text))
    assert_safe_answer(response, elapsed, 200)
    assert json.loads(response.data)["boolean"] is True


def test_an_ambiguous_less_than_is_refused_with_advice(client) -> None:
    """An IRI with '#' right after a value inside parentheses could be less-than: refused, with the fix."""
    response = send(client, "get", f"ASK {{ ?s ?p (?a <{RL}Territory>) }}")
    assert response.status_code == 400
    assert "ambiguous at line 1, column 17" in response.get_data(as_text=True)
    assert "(?a < ?b)" in response.get_data(as_text=True) and "prefixed name" in response.get_data(as_text=True)


def test_a_remembered_check_holds_only_for_the_same_graphs_and_base() -> None:
    from publisher.sparql.guard import MEMO_TEXT_BYTES, check_query, remembered

    query = "SELECT * FROM <http://example.org/g> WHERE { ?s ?p <x> }"
    first = check_query(query, {"http://example.org/g"}, "http://example.org/")
    assert first == check_query(query, frozenset({"http://example.org/g"}), "http://example.org/")
    assert first.from_graphs == ("http://example.org/g",)
    with pytest.raises(Problem):  # accepted for one endpoint, refused for another
        check_query(query, {"http://example.org/other"}, "http://example.org/")
    relative = "BASE <http://example.org/> SELECT * FROM <g> WHERE { ?s ?p ?o }"
    assert check_query(relative, {"http://example.org/g"}, "http://elsewhere.example/").from_graphs == (
        "http://example.org/g",
    )
    with pytest.raises(Problem):  # a refusal is never remembered: the same text is refused again
        check_query("SELECT * WHERE { SERVICE <http://x/> { ?s ?p ?o } }", set(), "http://example.org/")
    with pytest.raises(Problem):
        check_query("SELECT * WHERE { SERVICE <http://x/> { ?s ?p ?o } }", set(), "http://example.org/")
    held = remembered.cache_info().currsize
    long = "SELECT * WHERE { ?s ?p ?o }" + " " * MEMO_TEXT_BYTES
    assert check_query(long, set(), "http://example.org/").form == "SELECT"
    assert remembered.cache_info().currsize == held  # long texts are checked afresh, never held
