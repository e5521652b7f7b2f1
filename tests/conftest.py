"""Shared fixtures: settings for the shipped project, one build of it, and a CLI runner."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

import pytest
from click.testing import CliRunner

from publisher.config import Settings
from publisher.dataset import Build, load_build

ROOT = Path(__file__).resolve().parent.parent
BASE = "http://regiolod.test/"


DOWNLOADS = Path(tempfile.mkdtemp(prefix="regiolod-test-downloads-"))


@pytest.fixture(scope="session")
def settings() -> Settings:
    return Settings(base_iri=BASE, root=ROOT, download_dir=str(DOWNLOADS))


@pytest.fixture(scope="session")
def build(settings: Settings) -> Build:
    """The shipped dataset, loaded and validated once for the whole session."""
    return load_build(settings)


@pytest.fixture(scope="session")
def app(settings: Settings, build: Build):
    """The web app over the shipped dataset (built once)."""
    from publisher import create_app

    return create_app(settings, build)


@pytest.fixture
def client(app):
    return app.test_client()


def make_client(**changes):
    """A client of an app with other settings (small limits, the 200 redirect mode, fixture data)."""
    from publisher import create_app

    changes.setdefault("download_dir", tempfile.mkdtemp(prefix="regiolod-test-downloads-"))
    return create_app(Settings(base_iri=BASE, root=ROOT, **changes)).test_client()


@pytest.fixture
def project_copy(tmp_path: Path) -> Path:
    """A writable copy of ontology/, shapes/ and data/ for tests that break things."""
    for folder in ("ontology", "shapes", "data"):
        shutil.copytree(ROOT / folder, tmp_path / folder, ignore=shutil.ignore_patterns("examples"))
    return tmp_path


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


@pytest.fixture(scope="session")
def sparql(build: Build):
    """Return a function that runs a SELECT over the shipped build and gives rows of plain values."""

    def select(query: str) -> list[dict[str, str | None]]:
        result = build.query(query)
        names = [v.value for v in result.variables]
        return [{n: (row[n].value if row[n] is not None else None) for n in names} for row in result]

    return select
