"""Shared fixtures: settings for the shipped project, one build of it, and a CLI runner."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
from click.testing import CliRunner

from publisher.config import Settings
from publisher.dataset.build import LoadedBuild, load_build
from tests.processes import oxigraph_server

ROOT = Path(__file__).resolve().parent.parent
BASE = "http://regiolod.test/"


SCRATCH = Path(tempfile.mkdtemp(prefix="regiolod-tests-"))  # removed when the session ends
DOWNLOADS = SCRATCH / "downloads"
DOWNLOADS.mkdir()


@pytest.fixture(scope="session")
def settings() -> Settings:
    # No rate limit for the in-process clients: the suite sends hundreds of requests from one address.
    return Settings(base_iri=BASE, root=ROOT, download_dir=str(DOWNLOADS), rate_limit=0)


@pytest.fixture(scope="session")
def build(settings: Settings) -> LoadedBuild:
    """The shipped dataset, loaded and validated once for the whole session."""
    return load_build(settings)


#: Where the data is served from: in memory, a finished on-disk build, a remote Oxigraph server asked
#: with every graph named (store_dataset = named), and one whose default graph is the union (= union).
STORE_MODES = ("memory", "on-disk", "remote", "remote-union")
#: Test modules that run against every store mode (the dereferencing and SPARQL suites).
ALL_STORES = {"test_web_negotiation", "test_web_pages", "test_sparql", "test_sparql_protocol", "test_projection"}


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if metafunc.module.__name__.rsplit(".", 1)[-1] in ALL_STORES and "store_mode" in metafunc.fixturenames:
        metafunc.parametrize("store_mode", STORE_MODES, indirect=True, scope="session")


@pytest.fixture(scope="session")
def store_mode(request: pytest.FixtureRequest) -> str:
    return getattr(request, "param", "memory")


@pytest.fixture(scope="session")
def finished(settings: Settings, build: LoadedBuild, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The shipped dataset as a finished build with an on-disk store (written once)."""
    from publisher.publish.builds import write_build

    folder = tmp_path_factory.mktemp("finished")
    write_build(settings, build, folder, with_store=True)
    return folder


@pytest.fixture(scope="session")
def remote_endpoint(finished: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A real Oxigraph server holding the finished build's store image."""
    with oxigraph_server(finished / "current" / "store.nq.gz", tmp_path_factory.mktemp("oxigraph")) as url:
        yield url


@pytest.fixture(scope="session")
def remote_union_endpoint(finished: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A real Oxigraph server holding the same store image, its default graph the union of the graphs."""
    folder = tmp_path_factory.mktemp("oxigraph-union")
    with oxigraph_server(finished / "current" / "store.nq.gz", folder, union=True) as url:
        yield url


@pytest.fixture(scope="session")
def app(settings: Settings, build: LoadedBuild, store_mode: str, request: pytest.FixtureRequest):
    """The web app over the shipped dataset (built once), served from the store the mode names."""
    from publisher import create_app

    if store_mode == "memory":
        return create_app(settings, build)
    folder = request.getfixturevalue("finished")
    if store_mode == "on-disk":
        return create_app(replace(settings, store=str(folder), download_dir=str(folder)))
    if store_mode == "remote":
        url = request.getfixturevalue("remote_endpoint")
        return create_app(replace(settings, store="sparql+" + url, download_dir=str(folder)))
    url = request.getfixturevalue("remote_union_endpoint")
    return create_app(replace(settings, store="sparql+" + url, download_dir=str(folder), store_dataset="union"))


@pytest.fixture
def client(app):
    return app.test_client()


def make_client(**changes):
    """A client of an app with other settings (small limits, the 200 redirect mode, fixture data)."""
    from publisher import create_app

    changes.setdefault("download_dir", tempfile.mkdtemp(prefix="downloads-", dir=SCRATCH))
    changes.setdefault("rate_limit", 0)
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
def sparql(build: LoadedBuild):
    """Return a function that runs a SELECT over the shipped build and gives rows of plain values."""

    def select(query: str) -> list[dict[str, str | None]]:
        result = build.query(query)
        names = [v.value for v in result.variables]
        return [{n: (row[n].value if row[n] is not None else None) for n in names} for row in result]

    return select


def pytest_sessionfinish(session, exitstatus) -> None:
    shutil.rmtree(SCRATCH, ignore_errors=True)
