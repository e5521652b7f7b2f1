"""The query page in a real browser: completion from our own VoID, errors shown in place with the query kept."""

from __future__ import annotations

import re

import pyoxigraph as ox
import requests

from publisher.vocab import PREFIXES, VOID
from tests.test_browser import (  # noqa: F401
    assert_clean,
    browser,
    browser_without_javascript,
    needs_editor,
    pytestmark,
    server,
    trouble,
    wait_for,
)

BAD_QUERY = "SELECT ?s WHERE { ?s ?p ?o . FILTER ( }"


def void_terms(origin: str, member: str) -> set[str]:
    """The class (or property) IRIs of the VoID description's partitions, read from /.well-known/void."""
    response = requests.get(f"{origin}.well-known/void", headers={"Accept": "text/turtle"}, timeout=30)
    assert response.status_code == 200
    store = ox.Store()
    store.load(response.content, format=ox.RdfFormat.TURTLE, base_iri=origin)
    return {q.object.value for q in store.quads_for_pattern(None, ox.NamedNode(VOID + member), None)}


def expand(text: str) -> str:
    if text.startswith("<"):
        return text[1:-1]
    prefix, local = text.split(":", 1)
    return PREFIXES[prefix] + local


def complete(browser, server: str, query: str) -> list[str]:  # noqa: F811
    """Put ``query`` in the editor with the cursor at its end, press Ctrl-Space, return the offered texts."""
    from selenium.webdriver.common.keys import Keys

    browser.get(f"{server}sparql")
    editor = wait_for(browser, ".yasgui .yasqe .CodeMirror")[0]
    browser.execute_script(
        "const cm = arguments[0].CodeMirror; cm.setValue(arguments[1]); cm.focus();"
        "cm.setCursor(cm.lastLine(), cm.getLine(cm.lastLine()).length);",
        editor,
        query,
    )
    editor.find_element("css selector", "textarea").send_keys(Keys.CONTROL, " ")
    return [li.text for li in wait_for(browser, "ul.CodeMirror-hints li.CodeMirror-hint")]


@needs_editor
def test_the_editor_completes_a_class_from_our_void(browser, server: str) -> None:  # noqa: F811
    classes = void_terms(server, "class")
    rl = PREFIXES["rl"]
    ours = sorted(c for c in classes if c.startswith(rl + "T"))
    assert ours, "the VoID description has a class of rl: starting with T"
    offered = complete(browser, server, f"PREFIX rl: <{rl}>\nSELECT * WHERE {{ ?s a rl:T")
    assert sorted(expand(text) for text in offered) == ours
    assert_clean(browser, server)  # and nothing was asked of another site


@needs_editor
def test_the_editor_completes_a_property_from_our_void(browser, server: str) -> None:  # noqa: F811
    properties = void_terms(server, "property")
    skos = PREFIXES["skos"]
    ours = sorted(p for p in properties if p.startswith(skos + "pref"))
    assert ours
    offered = complete(browser, server, f"PREFIX skos: <{skos}>\nSELECT * WHERE {{ ?s skos:pref")
    assert sorted(expand(text) for text in offered) == ours
    assert_clean(browser, server)


def endpoint_message(origin: str, query: str) -> str:
    """What the endpoint itself says of ``query`` to a program (plain text, SPARQL 1.1 Protocol failure)."""
    accept = {"Accept": "application/sparql-results+json"}  # the error body is words whatever was asked
    response = requests.post(f"{origin}sparql", data={"query": query}, headers=accept, timeout=30)
    assert response.status_code == 400
    return response.text.strip()


def test_a_syntax_error_is_shown_with_the_query_kept_without_javascript(
    browser_without_javascript,  # noqa: F811
    server: str,  # noqa: F811
) -> None:
    driver = browser_without_javascript
    driver.get(f"{server}sparql")
    form = wait_for(driver, "#query-form")[0]
    textarea = form.find_element("css selector", "textarea")
    textarea.clear()
    textarea.send_keys(BAD_QUERY)
    form.find_element("css selector", "button[type=submit]").click()
    shown = wait_for(driver, "section.query-error")[0].text
    assert endpoint_message(server, BAD_QUERY) in shown
    assert wait_for(driver, "#query-form textarea")[0].get_property("value").strip() == BAD_QUERY
    assert_clean(driver, server, document_status=400)


@needs_editor
def test_a_syntax_error_is_shown_with_the_query_kept_in_the_editor(browser, server: str) -> None:  # noqa: F811
    browser.get(f"{server}sparql")
    editor = wait_for(browser, ".yasgui .yasqe .CodeMirror")[0]
    browser.execute_script("arguments[0].CodeMirror.setValue(arguments[1]);", editor, BAD_QUERY)
    wait_for(browser, ".yasgui .yasqe_queryButton")[0].click()
    shown = wait_for(browser, ".yasr .errorResult")[0].text
    assert endpoint_message(server, BAD_QUERY) in shown
    assert browser.execute_script("return arguments[0].CodeMirror.getValue();", editor) == BAD_QUERY
    # the endpoint's 400 is the answer shown; no other request failed and none left this origin
    found = trouble(browser, server)
    assert not found.foreign_requests and not found.overflow_px
    assert found.failed_requests == [f"400 Fetch {server}sparql"] or found.failed_requests == [
        f"400 XHR {server}sparql"
    ], found



WKT_QUERY = (
    "PREFIX geo: <http://www.opengis.net/ont/geosparql#>\n"
    "SELECT ?feature ?wkt WHERE { ?feature geo:asWKT ?wkt } ORDER BY ?feature LIMIT 3\n"
)


@needs_editor
def test_a_result_with_wkt_is_drawn_as_a_map(browser, server: str) -> None:  # noqa: F811
    accept = {"Accept": "application/sparql-results+json"}
    response = requests.post(f"{server}sparql", data={"query": WKT_QUERY}, headers=accept, timeout=60)
    values = [row["wkt"]["value"] for row in response.json()["results"]["bindings"]]
    assert values
    # each innermost parenthesised coordinate list of the literals is one shape (a point list, a ring)
    expected = sum(len(re.findall(r"\([^()]*\)", v)) for v in values if not re.search(r"POINT", v, re.I))
    expected += sum(len(re.findall(r"[-\d.]+ [-\d.]+", v)) for v in values if re.search(r"POINT", v, re.I))
    browser.get(f"{server}sparql")
    editor = wait_for(browser, ".yasgui .yasqe .CodeMirror")[0]
    browser.execute_script("arguments[0].CodeMirror.setValue(arguments[1]);", editor, WKT_QUERY)
    wait_for(browser, ".yasgui .yasqe_queryButton")[0].click()
    wait_for(browser, ".yasr table.dataTable tbody tr td")
    wait_for(browser, ".yasr .yasr_btnGroup button.select_map:not(.disabled)")[0].click()
    shapes = wait_for(browser, ".yasr svg.query-map polygon, .yasr svg.query-map polyline, .yasr svg.query-map circle")
    assert len(shapes) == expected
    assert browser.find_element("css selector", ".yasr svg.query-map").size["height"] > 100
    assert_clean(browser, server)
