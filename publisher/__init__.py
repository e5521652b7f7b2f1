"""regiolod: a linked open data publisher for German regions and inter-municipal cooperations.

Nothing runs at import time: :func:`create_app` builds the web application from settings, and
the command line (``publisher.cli``) calls the same core modules.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

__version__ = "0.1.0"

if TYPE_CHECKING:
    from flask import Flask

    from publisher.config import Settings
    from publisher.dataset import Build


def create_app(settings: Settings | None = None, build: Build | None = None) -> Flask:
    """Build the Flask app over the validated build of ``settings`` (loaded here unless given).

    Refuses to start on data that does not conform: a publisher never serves unvalidated data.
    Writes the build's dumps when they are missing, and adds the catalog graph to the store.
    """
    from flask import Flask

    from publisher.catalog import catalog_graph, void_statistics
    from publisher.config import Settings
    from publisher.dataset import load_build
    from publisher.dumps import ensure_dumps
    from publisher.store import EmbeddedStore
    from publisher.web import register

    settings = settings or Settings.from_env()
    build = build or load_build(settings)
    if not build.conforms:
        raise ValueError("the data does not conform to the shapes:\n" + build.report.format())
    dumps = ensure_dumps(build, settings.download_path)
    stats = void_statistics(build)
    catalog = catalog_graph(settings, build, dumps, stats)
    build.store.extend(catalog)
    app = Flask(__name__)
    app.config["REGIOLOD_SETTINGS"] = settings
    register(app, settings, EmbeddedStore(build), build, dumps, stats, catalog)
    return app
