"""The regiolod command line, run the way a person runs it."""

from __future__ import annotations

import re
from pathlib import Path

import pyoxigraph as ox
import pytest

from publisher.cli import main
from publisher.config import SETTINGS
from publisher.render.page_data import COVERAGE
from tests.conftest import BASE, ROOT
from tests.test_dataset import break_walsrode_ags


def run(runner, root: Path, *args: str):
    return runner.invoke(main, ["--base-iri", BASE, "--root", str(root), *args])


def test_validate_clean_data_exits_0(runner) -> None:
    result = run(runner, ROOT, "validate")
    assert result.exit_code == 0, result.output
    assert "Conforms: no violations." in result.output


def test_validate_reports_file_thing_path_value_and_message(runner, project_copy: Path) -> None:
    path = break_walsrode_ags(project_copy)
    result = run(runner, project_copy, "validate")
    assert result.exit_code == 1
    assert f"{path}: Violation at Walsrode <{BASE}id/territory/033580024024>" in result.output
    assert "path:    skos:notation" in result.output
    assert 'value:   "0335824"^^rl:AGS' in result.output
    assert "1 violation." in result.output


def test_validate_given_files_only(runner, project_copy: Path) -> None:
    break_walsrode_ags(project_copy)
    data = project_copy / "data"
    clean = run(runner, project_copy, "validate", str(data / "sources.ttl"))
    assert clean.exit_code == 0, clean.output
    broken = run(runner, project_copy, "validate", str(data / "heidekreis.ttl"), str(data / "sources.ttl"))
    assert broken.exit_code == 1


def test_validate_syntax_error_names_file_and_line(runner, project_copy: Path) -> None:
    path = project_copy / "data" / "sources.ttl"
    path.write_text(path.read_text(encoding="utf-8") + "\n<id/x> <id/y> \n", encoding="utf-8")
    result = run(runner, project_copy, "validate")
    assert result.exit_code == 1
    assert re.search(rf"error: {re.escape(str(path))}:\d+:\d+: Turtle syntax error", result.output)
    assert "Traceback" not in result.output


def test_serve_refuses_data_that_does_not_conform(runner, project_copy: Path) -> None:
    break_walsrode_ags(project_copy)
    result = run(runner, project_copy, "serve", "--port", "1")
    assert result.exit_code == 1
    assert "Violation at Walsrode" in result.output
    assert "nothing is served" in result.output


@pytest.mark.parametrize(
    ("command", "consequence"),
    [
        ("stats", None),
        ("build", "nothing was written"),
        ("reload", "the server keeps serving its current build"),
    ],
)
def test_every_command_that_loads_refuses_data_that_does_not_conform(
    runner, project_copy: Path, command: str, consequence: str | None
) -> None:
    """As `serve` does: the report on stderr, what is left undone, exit 1, and nothing written or signalled."""
    break_walsrode_ags(project_copy)
    result = run(runner, project_copy, command)
    assert result.exit_code == 1
    assert "Violation at Walsrode" in result.stderr and result.stdout == ""
    if consequence is not None:
        assert result.stderr.rstrip().endswith(f"error: the data does not conform; {consequence}.")
    assert not (project_copy / "download").exists()  # no dumps, no build folder, no pid file asked for


def test_stats(runner, build) -> None:
    result = run(runner, ROOT, "stats")
    assert result.exit_code == 0, result.output
    head = rf"build [0-9a-f]{{16}} \(base IRI {re.escape(BASE)}\): (\d+) triples in the dataset"
    found = re.search(head, result.output)
    assert found
    # the dataset's count is the one VoID, the dumps and the home page give: distinct triples of the data and
    # derived graphs, counted here a second way, from the store's quads
    graphs = [ox.NamedNode(g) for g in [*build.data_graphs, build.derived_graph]]
    quads = (q for g in graphs for q in build.oxigraph.quads_for_pattern(None, None, None, g))
    distinct = {(q.subject, q.predicate, q.object) for q in quads}
    assert int(found.group(1)) == len(distinct)
    total = re.search(r"^(\d+) statements in the build's graphs", result.output, re.MULTILINE)
    assert total and int(total.group(1)) == sum(build.graph_sizes.values()) > len(distinct)
    assert re.search(r"\d+  rl:Territory", result.output)
    assert re.search(r"22 / 21 +Metropolregion Hamburg", result.output)
    # the coverage block shows the home page's numbers, each what its own query counts in the build
    for c in COVERAGE:
        [row] = build.query(c.query)
        assert re.search(rf"^ +{row['n'].value}  {re.escape(c.en)}$", result.output, re.MULTILINE), c.en


def test_build_warns_once_of_each_placeholder_left(runner, tmp_path: Path) -> None:
    """Each catalog setting still at its placeholder is named once with its variable; set ones are not."""
    from tests.test_cli_serve import PLACEHOLDERS

    chosen = {
        "REGIOLOD_PUBLISHER_NAME": "Landkreis Heidekreis",
        "REGIOLOD_CONTRIBUTOR_ID": "http://dcat-ap.de/def/contributors/heidekreis",
    }
    result = runner.invoke(
        main, ["--base-iri", BASE, "--root", str(ROOT), "build", "--out", str(tmp_path / "some")], env=chosen
    )
    assert result.exit_code == 0, result.output
    assert result.stderr.count("placeholders") == 1
    for variable in PLACEHOLDERS:
        assert result.stderr.count(variable + " ") == (0 if variable in chosen else 1), variable
    every = chosen | {"REGIOLOD_PUBLISHER_URI": "https://www.heidekreis.de/", "REGIOLOD_CONTACT_EMAIL": "a@b.example"}
    result = runner.invoke(
        main, ["--base-iri", BASE, "--root", str(ROOT), "build", "--out", str(tmp_path / "all")], env=every
    )
    assert result.exit_code == 0, result.output
    assert "placeholder" not in result.stderr


def test_settings_lists_every_setting(runner) -> None:
    result = runner.invoke(main, ["settings"])
    assert result.exit_code == 0
    for setting in SETTINGS:
        assert setting.env_var in result.output


def test_readme_documents_every_setting_and_command() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for setting in SETTINGS:
        assert setting.env_var in readme, setting.env_var
    for command in main.commands:
        assert f"regiolod {command}" in readme, command
    assert "make test" in readme


def test_readme_documents_every_route(app) -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static":
            continue
        shown = re.sub(r"<(?:path:|int:)?(\w+)>", lambda m: "{" + m.group(1) + "}", rule.rule)
        assert f"`{shown}" in readme, shown
