"""Pages people read (issue 21): numbers, dates and terms written for people, one source line per
section, the header's links and a language choice that persists on every page."""

from __future__ import annotations

import re
from decimal import Decimal
from html.parser import HTMLParser

import pytest

from publisher.render import readable
from publisher.vocab import PREFIXES

RESOURCES = [
    "/doc/territory/03358",
    "/doc/organization/03358",
    "/doc/organization/metropolregion-hamburg",
    "/doc/organization/lag-aller-leine-tal",
    "/doc/territory/033585401001",
    "/doc/organization/03358004",
]
PAGES = ["/", "/territories", "/organizations", "/def", "/shapes", "/catalog", "/download/", "/sparql", *RESOURCES]
NAV = ["territories", "organizations", "def", "shapes", "sparql", "download/", "catalog"]
CURIE = re.compile(r"\b(?:" + "|".join(re.escape(p) for p in PREFIXES) + r"):[A-Za-z][\w-]*")


class Reader(HTMLParser):
    """The visible text (no script, no attribute), the links and the sections of a page."""

    def __init__(self, html: str) -> None:
        super().__init__()
        self.text: list[str] = []
        self.links: list[str] = []
        self.sections = 0
        self.graph_tags = 0
        self.times: list[tuple[str, str]] = []
        self._skip = 0
        self._time: str | None = None
        self.feed(html)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag in ("script", "style", "code"):
            self._skip += 1
        if tag == "a" and a.get("href"):
            self.links.append(a["href"] or "")
            if "graph" in (a.get("class") or "").split():
                self.graph_tags += 1
        if tag == "section":
            self.sections += 1
        if tag == "time":
            self._time = a.get("datetime") or ""
            self.times.append((self._time, ""))

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style", "code"):
            self._skip -= 1
        if tag == "time":
            self._time = None

    def handle_data(self, data: str) -> None:
        if self._time is not None:
            self.times[-1] = (self._time, self.times[-1][1] + data)
        if not self._skip:
            self.text.append(data)

    @property
    def plain(self) -> str:
        return re.sub(r"\s+", " ", " ".join(self.text))


def read(client, path: str, **headers: str) -> Reader:
    response = client.get(path, headers={"Accept": "text/html", **headers})
    assert response.status_code == 200, path
    return Reader(response.data.decode("utf-8"))


@pytest.mark.parametrize(
    ("text", "de", "en"),
    [("1881.46", "1.881,46", "1,881.46"), ("145394", "145.394", "145,394"), ("2400000", "2.400.000", "2,400,000"),
     ("0.5", "0,5", "0.5"), ("-12", "−12", "−12")],
)  # fmt: skip
def test_numbers_are_written_with_the_languages_separators(text: str, de: str, en: str) -> None:
    assert readable.number(text, "de") == de and readable.number(text, "en") == en
    # Read back the way the page's language writes it: the same number.
    back = readable.number(text, "de").replace("−", "-").replace(".", "").replace(",", ".")
    assert Decimal(back) == Decimal(text)


@pytest.mark.parametrize(
    ("text", "de", "en"),
    [("2020-01-01T00:00:00", "1. Januar 2020", "1 January 2020"), ("2023-11-30", "30. November 2023",
     "30 November 2023"), ("2014", "2014", "2014"), ("2019-03-05T14:30:00Z", "5. März 2019, 14:30",
     "5 March 2019, 14:30")],
)  # fmt: skip
def test_dates_are_written_out_per_language(text: str, de: str, en: str) -> None:
    assert readable.date(text, "de") == de and readable.date(text, "en") == en


def test_area_and_population_are_readable_with_unit(client, sparql) -> None:
    rows = sparql("""PREFIX rl: <https://w3id.org/regiolod/def#> PREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#>
        SELECT ?a ?p WHERE { <http://regiolod.test/id/territory/03358>
          rl:area/rdf:value ?a ; rl:population/rdf:value ?p }""")
    areas, people = {r["a"] for r in rows}, {r["p"] for r in rows}
    for lang in ("de", "en"):
        text = read(client, f"/doc/territory/03358?lang={lang}").plain
        for a in areas:
            assert f"{readable.number(a, lang)} km²" in text, (lang, a)
        for p in people:
            assert readable.number(p, lang) in text, (lang, p)
        assert not any(re.search(rf"(?<![\d.,]){re.escape(v)}(?![\d.,])", text) for v in areas | people if len(v) > 3)


@pytest.mark.parametrize("path", RESOURCES)
def test_resource_pages_show_no_raw_datetime_and_no_curie(client, path: str) -> None:
    for lang in ("de", "en"):
        page = read(client, f"{path}?lang={lang}")
        assert not re.search(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}", page.plain), (path, lang)
        assert not CURIE.findall(page.plain), (path, lang, CURIE.findall(page.plain)[:5])
        # Each written-out date carries its machine value.
        for machine, shown in page.times:
            if re.match(r"^\d{4}-\d{2}-\d{2}", machine):
                assert shown.strip() == readable.date(machine, lang), (machine, shown)


def test_member_of_is_readable_on_the_cooperation(client) -> None:
    text = read(client, "/doc/organization/metropolregion-hamburg").plain
    assert "org:memberOf" not in text and "memberOf" not in text


@pytest.mark.parametrize("path", RESOURCES)
def test_provenance_is_shown_once_per_section(client, path: str) -> None:
    page = read(client, path)
    assert page.graph_tags <= page.sections, (path, page.graph_tags, page.sections)


@pytest.mark.parametrize("path", PAGES)
def test_every_page_has_the_nav_links_and_the_language_switch(client, path: str) -> None:
    from tests.conftest import BASE

    for lang, other in (("de", "en"), ("en", "de")):
        page = read(client, f"{path}{'&' if '?' in path else '?'}lang={lang}")
        for target in NAV:
            assert f"{BASE}{target}" in page.links, (path, target)
        assert any(h.startswith("?") and f"lang={other}" in h for h in page.links), (path, lang)


def test_not_found_page_has_the_nav_and_the_switch(client) -> None:
    response = client.get("/doc/territory/does-not-exist", headers={"Accept": "text/html"})
    assert response.status_code == 404
    page = Reader(response.data.decode("utf-8"))
    assert any("lang=en" in h for h in page.links) and any(h.endswith("sparql") for h in page.links)


def test_language_choice_persists_in_a_cookie_and_pages_vary_by_it(app) -> None:
    client = app.test_client()  # one that keeps cookies, as a browser does
    first = client.get("/territories?lang=en", headers={"Accept": "text/html"})
    cookie = first.headers.get("Set-Cookie", "")
    assert cookie.startswith("lang=en") and "Path=/" in cookie and "SameSite=Lax" in cookie
    assert "Cookie" in first.headers["Vary"] and "Accept-Language" in first.headers["Vary"]
    # No lang in the address: the cookie decides, over the browser's German.
    later = client.get("/organizations", headers={"Accept": "text/html", "Accept-Language": "de"})
    assert later.headers["Content-Language"] == "en" and '<html lang="en">' in later.data.decode()
    client.get("/?lang=de", headers={"Accept": "text/html"})
    again = client.get("/organizations", headers={"Accept": "text/html", "Accept-Language": "en"})
    assert again.headers["Content-Language"] == "de"
