"""Settings: relative folders are resolved once, where the settings are read."""

from __future__ import annotations

import re
from dataclasses import fields
from pathlib import Path

import pytest

from publisher.config import SETTINGS, Settings
from tests.conftest import ROOT


def test_every_relative_folder_and_file_is_resolved_against_the_working_directory_once(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A relative folder handed on would be resolved by each library against a folder of its own
    (Flask's send_file against the package: every download answered 500 under `make serve`)."""
    project, elsewhere = tmp_path / "project", tmp_path / "elsewhere"
    project.mkdir()
    elsewhere.mkdir()
    monkeypatch.chdir(project)
    environ = {
        "REGIOLOD_STORE": "built",
        "REGIOLOD_RENDER_CACHE": "rendered",
        "REGIOLOD_PID_FILE": "run/regiolod.pid",
        "REGIOLOD_ACCESS_LOG": "logs/access.log",
    }
    settings = Settings.from_env(environ)
    monkeypatch.chdir(elsewhere)  # a later change of the working directory changes nothing
    paths = {
        "root": settings.root,
        "data": settings.data_path,
        "ontology": settings.ontology_path,
        "shapes": settings.shapes_path,
        "download": settings.download_path,
        "pid file": settings.pid_path,
        "store": settings.store_path,
        "render cache": settings.render_cache_path,
        "access log": Path(settings.access_log_target or ""),
    }
    for name, path in paths.items():
        assert path is not None and path.is_absolute(), name
        assert path == project or project in path.parents, name
    assert settings.download_path == project / "download"
    assert Settings.from_env({}).pid_path == elsewhere / "download" / "regiolod.pid"
    assert Settings.from_env({"REGIOLOD_ACCESS_LOG": "-"}).access_log_target == "-"
    assert Settings.from_env({"REGIOLOD_ACCESS_LOG": ""}).access_log_target is None


def test_each_setting_is_written_once_and_read_back_as_its_type() -> None:
    """The settings table is the Settings record: the default a field gets is the one `regiolod settings`
    and the README show, and the text of it, given as a variable, is read back as the same typed value."""
    defaults = Settings()
    assert [s.name for s in SETTINGS] == [f.name for f in fields(Settings)]
    for s in SETTINGS:
        value = Settings.from_env({s.env_var: s.text})
        assert getattr(value, s.name) == getattr(defaults, s.name) and isinstance(getattr(value, s.name), s.type)
    assert isinstance(defaults.port, int) and isinstance(defaults.sparql_timeout, float)


def test_the_readme_states_each_default_as_the_table_does() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    shown = dict(re.findall(r"^\| `(REGIOLOD_[A-Z_]+)` \| ([^|]*?) \|", readme, re.MULTILINE))
    for s in SETTINGS:
        assert shown.get(s.env_var) == (f"`{s.text}`" if s.text else "(empty)"), s.env_var
