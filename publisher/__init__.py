"""regiolod: a linked open data publisher for German regions and inter-municipal cooperations.

Nothing runs at import time: :func:`create_app` builds the web application from settings, and
the command line (``publisher.cli``) calls the same core modules.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

__version__ = "0.1.0"

if TYPE_CHECKING:
    import pyoxigraph as ox
    from flask import Flask

    from publisher.config import Settings
    from publisher.dataset.build import LoadedBuild
    from publisher.publish.builds import FinishedBuild
    from publisher.publish.catalog import VoidStatistics
    from publisher.publish.dumps import Dumps
    from publisher.store.protocol import Store


def create_app(
    settings: Settings | None = None, build: LoadedBuild | None = None, shared_queries: bool = False
) -> Flask:
    """Build the Flask app over the data ``settings`` name (DESIGN §3).

    By default the dataset is loaded and validated here (unless ``build`` is given); the app refuses
    to start on data that does not conform, writes the build's dumps when they are missing and adds
    the catalog graph to the store. With the ``store`` setting it serves a finished build instead:
    an on-disk store folder, or a remote SPARQL endpoint with the build's metadata in download_dir.
    Neither parses nor validates anything: only conforming builds are ever written.
    ``shared_queries``: the server runs one query service for all its workers (``regiolod serve``).
    """
    from flask import Flask

    from publisher.config import Settings
    from publisher.web import register

    settings = settings or Settings.from_env()
    app = Flask(__name__)
    app.config["REGIOLOD_SETTINGS"] = settings
    if build is None and settings.store:
        register(app, settings, *finished_store(settings), shared_queries=shared_queries)
        return app

    from publisher.dataset.build import load_build
    from publisher.publish.catalog import catalog_graph, void_statistics
    from publisher.publish.dumps import ensure_dumps
    from publisher.store.embedded import EmbeddedStore

    build = build or load_build(settings)
    if not build.conforms:
        raise ValueError("the data does not conform to the shapes:\n" + build.report.format())
    dumps = ensure_dumps(build, settings.download_path)
    stats = void_statistics(build)
    catalog = catalog_graph(settings, build, dumps, stats)
    build.oxigraph.extend(catalog)
    register(app, settings, EmbeddedStore(build), build, dumps, stats, catalog, shared_queries)
    return app


def finished_store(settings: Settings) -> tuple[Store, FinishedBuild, Dumps, VoidStatistics, list[ox.Quad]]:
    """The store, build, dumps, statistics and catalog of a finished build (on disk or remote)."""
    from publisher.publish.builds import BuildFolderError, open_build
    from publisher.store.embedded import OnDiskStore
    from publisher.store.engines import engine_named
    from publisher.store.remote import RemoteEndpoint, RemoteStore, endpoint_of

    if settings.remote_store:
        engine = engine_named(settings.store_engine)
        finished = open_build(settings.download_path)
        # "union": the store's own default graph is the union of the build's graphs, so none is named
        graphs = [] if settings.store_dataset == "union" else sorted(finished.graph_sizes)
        every = sorted(finished.graph_sizes)
        endpoint = RemoteEndpoint(endpoint_of(settings.store), graphs, settings.store_timeout, engine, every)
        store: Store = RemoteStore(finished, endpoint)
    else:
        assert settings.store_path is not None  # settings.store names an on-disk build: it has a folder
        finished = open_build(settings.store_path)
        if not finished.has_store:
            raise BuildFolderError(
                f"{settings.store_path}: the build has no on-disk store; run `regiolod build --store` on it"
            )
        store = OnDiskStore(finished)
    if finished.base_iri != settings.base_iri:
        raise BuildFolderError(
            f"the build was made for the base IRI {finished.base_iri}, not {settings.base_iri}; "
            "build it again with this base IRI (every IRI in it depends on it)"
        )
    return store, finished, finished.dumps, finished.stats, finished.catalog
