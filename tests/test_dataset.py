"""Loading, validating and enriching a build; bad data is refused with a readable report."""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox
import pytest

from publisher.config import Settings
from publisher.dataset.build import DataError, load_build
from tests.conftest import BASE, ROOT


def test_shipped_data_conforms(build) -> None:
    assert build.conforms, build.report.format()
    assert build.report.issues == []


def test_one_named_graph_per_data_file(build) -> None:
    data = ROOT / "data"
    files = sorted(p.relative_to(data).with_suffix("").as_posix() for p in data.rglob("*.ttl"))
    assert sorted(g.removeprefix(f"{BASE}id/graph/") for g in build.data_graphs) == files  # register/ too
    for graph in build.data_graphs:
        assert build.graph_sizes[graph] > 0


def test_relative_iris_resolve_against_the_base(build) -> None:
    heidekreis = ox.NamedNode(f"{BASE}id/territory/03358")
    assert any(build.oxigraph.quads_for_pattern(heidekreis, None, None))
    assert not any(q for q in build.oxigraph if q.subject.value.startswith("file:"))


def test_derived_triples_live_in_their_own_graph(build) -> None:
    derived = ox.NamedNode(build.derived_graph)
    member_of = ox.NamedNode("http://www.w3.org/ns/org#memberOf")
    walsrode = ox.NamedNode(f"{BASE}id/organization/033580024024")
    bomlitz = ox.NamedNode(f"{BASE}id/organization/03358004")
    quads = build.oxigraph.quads_for_pattern(walsrode, member_of, None, derived)
    current = {q.object.value.rsplit("/", 1)[1] for q in quads}
    assert {"vogelpark-region", "lag-vogelpark-region", "wirtschaftsfoerderung-deltaland"} <= current
    assert not any(build.oxigraph.quads_for_pattern(bomlitz, member_of, None))
    assert not any(build.oxigraph.quads_for_pattern(None, member_of, None, ox.NamedNode(build.data_graphs[0])))


def test_version_is_stable_and_follows_the_content(settings: Settings, build, project_copy: Path) -> None:
    assert load_build(settings).version == build.version
    copy = Settings(base_iri=BASE, root=project_copy)
    assert load_build(copy).version == build.version
    path = project_copy / "data" / "changes.ttl"
    path.write_text(path.read_text(encoding="utf-8") + "\n# edited\n", encoding="utf-8")
    assert load_build(copy).version != build.version
    assert load_build(Settings(base_iri="https://example.org/", root=project_copy)).version != build.version


def break_walsrode_ags(root: Path) -> Path:
    path = root / "data" / "heidekreis.ttl"
    text = path.read_text(encoding="utf-8")
    assert text.count('"03358024"^^rl:AGS') == 2  # territory and body
    path.write_text(text.replace('"03358024"^^rl:AGS', '"0335824"^^rl:AGS', 1), encoding="utf-8")
    return path


def test_broken_copy_is_refused_naming_the_focus_node(project_copy: Path) -> None:
    path = break_walsrode_ags(project_copy)
    build = load_build(Settings(base_iri=BASE, root=project_copy))
    assert not build.conforms
    [issue] = build.report.violations
    assert issue.focus == f"<{BASE}id/territory/033580024024>"
    assert issue.focus_label == "Walsrode"
    assert issue.files == (str(path),)
    assert issue.path == "skos:notation"
    assert issue.value == '"0335824"^^rl:AGS'
    assert "rl:AGS 8 digits" in issue.message
    assert not any(build.oxigraph.quads_for_pattern(None, None, None, ox.NamedNode(build.derived_graph)))


def test_turtle_syntax_error_names_file_and_line(project_copy: Path) -> None:
    path = project_copy / "data" / "changes.ttl"
    lines = path.read_text(encoding="utf-8").splitlines()
    lines.insert(20, '<id/broken> skos:prefLabel "unterminated .')
    path.write_text("\n".join(lines), encoding="utf-8")
    with pytest.raises(DataError) as caught:
        load_build(Settings(base_iri=BASE, root=project_copy))
    assert caught.value.path == path
    assert caught.value.line == 21
    assert str(caught.value).startswith(f"{path}:21:")


def test_file_must_describe_its_graph(project_copy: Path) -> None:
    (project_copy / "data" / "extra.ttl").write_text(
        "@prefix skos: <http://www.w3.org/2004/02/skos/core#> .\n", encoding="utf-8"
    )
    build = load_build(Settings(base_iri=BASE, root=project_copy))
    assert [i.message for i in build.report.violations] == [
        f"{project_copy / 'data' / 'extra.ttl'}: the file must describe its own graph <{BASE}id/graph/extra> "
        "as sd:Graph with its sources and licence"
    ]


def test_settings_refuse_a_base_without_slash() -> None:
    with pytest.raises(ValueError, match="must end with '/'"):
        Settings(base_iri="http://example.org")
