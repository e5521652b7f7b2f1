"""The ``regiolod`` command: a thin layer over the core modules."""

from __future__ import annotations

import os
import signal
import sys
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

import click

from publisher.config import SETTINGS, Settings
from publisher.dataset.build import DataError, LoadedBuild, load_build
from publisher.dataset.stats import dataset_stats

if TYPE_CHECKING:
    import datetime as dt

    from flask import Flask


def settings_from(ctx: click.Context) -> Settings:
    return ctx.obj or Settings.from_env()


def load_or_exit(settings: Settings, paths: list[Path] | None) -> LoadedBuild:
    """Load the dataset, or say which file is unreadable and exit 1."""
    try:
        return load_build(settings, paths)
    except DataError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(1)


def load_conforming_or_exit(settings: Settings, consequence: str = "") -> LoadedBuild:
    """Load the dataset, or exit 1 with the report when it does not conform, saying what is left undone."""
    build = load_or_exit(settings, None)
    if not build.conforms:
        click.echo(build.report.format(), err=True)
        if consequence:
            click.echo(f"error: the data does not conform; {consequence}.", err=True)
        sys.exit(1)
    return build


def explicit_base(ctx: click.Context) -> bool:
    """Whether the base IRI was given (option or variable) rather than left to `regiolod serve` to choose."""
    return bool(ctx.find_root().params.get("base_iri")) or "REGIOLOD_BASE_IRI" in os.environ


def serving_settings(ctx: click.Context, settings: Settings) -> Settings:
    """The settings a server runs with: without an explicit base IRI, the base is the listening address
    (or, for a finished build, the base it was made for), so `serve` and `stats` describe the same build."""
    from publisher.publish.builds import BuildFolderError, open_build
    from publisher.server.serve import listening_base

    if explicit_base(ctx):
        return settings
    if not settings.store:
        return replace(settings, base_iri=listening_base(settings.host, settings.port))
    folder = settings.download_path if settings.remote_store else settings.store_path
    assert folder is not None  # settings.store names an on-disk build: it has a folder
    try:
        return replace(settings, base_iri=open_build(folder).base_iri)
    except BuildFolderError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(1)


def refuse_if_running(settings: Settings) -> None:
    """Exit before anything is written when the pid file names a live server: a second server would
    switch ``download/current`` to its own build under the running one."""
    from publisher.server.serve import running_server

    pid = running_server(settings.pid_path)
    if pid is None:
        return
    click.echo(
        f"error: a server already runs (process {pid}, named in {settings.pid_path}); nothing was written. "
        "Stop it first, or give this server a download folder of its own (REGIOLOD_DOWNLOAD_DIR). If that "
        "process is no regiolod server, the pid file is stale: remove it.",
        err=True,
    )
    sys.exit(1)


def refuse_unsupported_gunicorn() -> None:
    """Exit before anything is loaded or written when gunicorn lacks what regiolod's workers override."""
    from publisher.server.fairaccept import unsupported_gunicorn

    message = unsupported_gunicorn()
    if message is not None:
        click.echo(f"error: {message}", err=True)
        sys.exit(1)


def warn_of_placeholders(settings: Settings) -> None:
    """Say once, on stderr, which catalog settings are still placeholders (README "For harvesters")."""
    from publisher.publish.catalog import placeholders

    left = placeholders(settings)
    if not left:
        return
    click.echo("warning: the catalog still states placeholders; set these before a portal harvests it:", err=True)
    for setting, stated in left:
        click.echo(f"  {setting.env_var} (setting {setting.name}): {stated}", err=True)


def compare_with_server(settings: Settings, version: str) -> None:
    """Say on stderr whether the server the pid file names serves build ``version``."""
    from publisher.server.serve import listening_base, running_server, served_version

    pid = running_server(settings.pid_path)
    if pid is None:
        return
    address = listening_base(settings.host, settings.port)
    served = served_version(address)
    if served == version:
        click.echo(f"the server at {address} (process {pid}) serves this build", err=True)
    elif served is None:
        click.echo(f"note: a server runs (process {pid}) but did not say at {address} which build it serves", err=True)
    else:
        click.echo(
            f"note: the server at {address} (process {pid}) serves build {served}, not this one: the data or the "
            "base IRI changed since it started (`regiolod reload` makes it serve the data as it is now)",
            err=True,
        )


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--base-iri", help="Base IRI of the deployment (setting base_iri).")
@click.option(
    "--root",
    type=click.Path(file_okay=False, path_type=Path),
    help="Project folder with ontology/, shapes/ and data/ (setting root).",
)
@click.option(
    "--settings",
    "settings_file",
    type=click.Path(dir_okay=False, exists=True, path_type=Path),
    help="TOML file of settings (keys are setting names); REGIOLOD_* variables override it.",
)
@click.version_option(package_name="regiolod")
@click.pass_context
def main(ctx: click.Context, base_iri: str | None, root: Path | None, settings_file: Path | None) -> None:
    """Publish regions and inter-municipal cooperations as linked open data."""
    try:
        ctx.obj = Settings.from_env(settings_file=settings_file, base_iri=base_iri, root=root)
    except ValueError as exc:
        raise click.UsageError(str(exc)) from None


@main.command()
@click.argument("paths", nargs=-1, type=click.Path(exists=True, path_type=Path))
@click.pass_context
def validate(ctx: click.Context, paths: tuple[Path, ...]) -> None:
    """Validate data files (default: the whole data folder) against the shapes.

    Prints every result with file, thing, path, value and message; exits 1 on violations.
    """
    build = load_or_exit(settings_from(ctx), list(paths) or None)
    click.echo(build.report.format())
    sys.exit(0 if build.conforms else 1)


@main.command()
@click.pass_context
def stats(ctx: click.Context) -> None:
    """Print triples per graph, things per class and members per cooperation.

    Counts the build `regiolod serve` makes with the same settings (the same base IRI), and says
    whether the server the pid file names serves that build.
    """
    settings = serving_settings(ctx, settings_from(ctx))
    build = load_conforming_or_exit(settings)
    click.echo(dataset_stats(build).format())
    compare_with_server(settings, build.version)


@main.command()
@click.option(
    "--out", type=click.Path(file_okay=False, path_type=Path), help="Folder for the dumps (setting download_dir)."
)
@click.option(
    "--store",
    "store_dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Also write an on-disk store into this folder (with the dumps), for `regiolod serve --store`.",
)
@click.option(
    "--static",
    "static_dir",
    type=click.Path(file_okay=False, path_type=Path),
    help="Also write every document in every format and an nginx configuration that serves them into this folder.",
)
@click.option("--listen", default="127.0.0.1:8080", show_default=True, help="Where the generated nginx listens.")
@click.option(
    "--upstream",
    help="Address of a running regiolod (http://host:port) that the generated nginx asks for everything it has no "
    "file for (SPARQL, listings, downloads); without it those answer 404.",
)
@click.pass_context
def build(
    ctx: click.Context,
    out: Path | None,
    store_dir: Path | None,
    static_dir: Path | None,
    listen: str,
    upstream: str | None,
) -> None:
    """Validate the dataset and write a finished build: dumps (N-Quads, N-Triples, Turtle, JSON-LD; gzip,
    SHA-256), the store image store.nq.gz for a remote SPARQL store, metadata, and with --store an on-disk store.

    The files of a build go to a folder of their own; `current` is switched to it in one atomic
    rename, so the previous build stays intact until the new one is complete.
    """
    from publisher.publish.builds import write_build

    settings = settings_from(ctx)
    warn_of_placeholders(settings)
    result = load_conforming_or_exit(settings, "nothing was written")
    folder = store_dir or out or settings.download_path
    try:
        dumps = write_build(settings, result, folder, with_store=store_dir is not None)
    except OSError as exc:
        click.echo(f"error: writing the build failed ({exc.strerror or exc}); the previous build is intact.", err=True)
        sys.exit(1)
    click.echo(f"build {dumps.version}: {folder / 'current'}")
    for f in dumps.files:
        click.echo(f"  {f.name:<28} {f.triples:>8} triples {f.bytes:>10} bytes  sha256 {f.sha256}")
    if static_dir is not None:
        from publisher import create_app
        from publisher.publish.export import StaticExportError, write_static

        # The export asks the app for every page through one client: no rate limit for it.
        app = create_app(replace(settings, rate_limit=0, download_dir=str(folder)), result)
        try:
            exported = write_static(app, static_dir, listen=listen, upstream=upstream)
        except (OSError, StaticExportError) as exc:
            click.echo(f"error: the static export failed ({exc}); the previous export is intact.", err=True)
            sys.exit(1)
        click.echo("\n".join(exported.summary()))


@main.command()
@click.option("--dev", is_flag=True, help="Use Flask's debug server instead of granian (or gunicorn).")
@click.option("--host", help="Address to listen on (setting host).")
@click.option("--port", type=int, help="Port to listen on (setting port).")
@click.option("--workers", type=int, help="Worker processes (setting workers).")
@click.option(
    "--store",
    "store_dir",
    type=click.Path(file_okay=False, exists=True, path_type=Path),
    help="Serve the finished build in this folder (`regiolod build --store DIR`) without validating again.",
)
@click.pass_context
def serve(
    ctx: click.Context, dev: bool, host: str | None, port: int | None, workers: int | None, store_dir: Path | None
) -> None:
    """Serve the dataset: validated once at start (or a finished build), dereferenceable under the base IRI.

    Without an explicit base IRI the base is the listening address, so every link of a local
    preview stays on it.
    """
    from publisher import create_app
    from publisher.publish.builds import BuildFolderError
    from publisher.server.serve import RefusedBuild

    settings = settings_from(ctx)
    if not dev and settings.server == "gunicorn":
        refuse_unsupported_gunicorn()
    folder = str(store_dir.resolve()) if store_dir is not None else None
    settings = replace(
        settings,
        host=host or settings.host,
        port=port or settings.port,
        workers=workers or settings.workers,
        store=folder or settings.store,
        download_dir=folder or settings.download_dir,
    )
    refuse_if_running(settings)  # before the build below writes dumps and switches download/current
    settings = serving_settings(ctx, settings)
    warn_of_placeholders(settings)
    shared = not dev  # the server's master runs one query service for all its workers
    if settings.store:
        try:
            app = create_app(settings, shared_queries=shared)
        except BuildFolderError as exc:
            click.echo(f"error: {exc}", err=True)
            sys.exit(1)
        version = app.extensions["regiolod"].build.version
    else:
        loaded = load_conforming_or_exit(settings, "nothing is served")
        app = create_app(settings, loaded, shared_queries=shared)
        version = loaded.version

    def rebuild() -> Flask:
        """The app over the data as it is now; refused unless it conforms (SIGHUP, `regiolod reload`)."""
        if settings.store:
            return create_app(settings, shared_queries=True)
        fresh = load_build(settings)
        if not fresh.conforms:
            raise RefusedBuild(fresh.report.format())
        return create_app(settings, fresh, shared_queries=True)

    click.echo(
        f"regiolod serves build {version} at http://{settings.host}:{settings.port}/ (base IRI {settings.base_iri})",
        err=True,
    )
    if dev:
        app.run(host=settings.host, port=settings.port, debug=True, use_reloader=False)
    elif settings.server == "gunicorn":
        from publisher.server.serve import GunicornServer

        GunicornServer(app, settings, rebuild).run()
    else:
        from publisher.server.rustserver import GranianServer

        GranianServer(app, settings, rebuild).run()


@main.command()
@click.pass_context
def reload(ctx: click.Context) -> None:
    """Make the running server serve the data as it is now, without dropping a request.

    Validates first and refuses (exit 1, with the report) when the data does not conform; the
    server validates again itself and keeps its current build when anything fails. Sends SIGHUP
    to the server named in the pid file; new workers start with the new build, old ones finish
    their requests.
    """
    settings = settings_from(ctx)
    if not settings.store:
        load_conforming_or_exit(settings, "the server keeps serving its current build")
    try:
        pid = int(settings.pid_path.read_text(encoding="ascii").strip())
        os.kill(pid, signal.SIGHUP)
    except (OSError, ValueError) as exc:
        click.echo(f"error: no running server found through {settings.pid_path} ({exc})", err=True)
        sys.exit(1)
    click.echo(f"asked the server (process {pid}) to reload; its log says whether the new build was taken")


@main.group(name="import")
def import_group() -> None:
    """Import official registers into the data folder as Turtle."""


@import_group.command(name="gv100ad")
@click.argument("register", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    help="Folder for the Turtle files (default: germany/ in the data folder); replaced as a whole.",
)
@click.option(
    "--population-date",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    help="Reference date of the population figures, for an edition the importer does not know (YYYY-MM-DD).",
)
@click.option(
    "--boundaries",
    "boundaries",
    multiple=True,
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="A BKG VG5000 GeoJSON file of districts, associations or municipalities (repeat for each); "
    "adds boundaries.ttl with every territory's geometry.",
)
@click.option(
    "--select",
    "selection",
    type=click.Choice(["all", "members"]),
    default="all",
    show_default=True,
    help="What to write: the whole register, or every Land and district and each member of a cooperation "
    "in the curated data with its Gemeindeverband (members; shipped as data/register/ by make data).",
)
@click.option(
    "--nuts",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Destatis district table (AGS;…;NUTS3;…) whose NUTS-3 codes the districts get.",
)
@click.option(
    "--wikidata",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    multiple=True,
    help="Table of Wikidata IDs of districts (RS, label, wd) or of kreisfreie Städte (ags, name, wikidata); "
    "an ID is taken only where key and name agree with the register. Repeatable.",
)
@click.pass_context
def import_gv100ad(
    ctx: click.Context,
    register: Path,
    out: Path | None,
    population_date: dt.datetime | None,
    boundaries: tuple[Path, ...],
    selection: str,
    nuts: Path | None,
    wikidata: tuple[Path, ...],
) -> None:
    """Import the Destatis municipality register (GV100AD fixed-width file) into one Turtle file per Land.

    Things get the IRIs, types, codes and labels the curated data gives them; what a curated file
    already states (label, seat, preferred figure, any statement) is left to it. A malformed line
    stops the import with file, line and fault, and nothing is written.
    """
    from publisher.gv100ad import RegisterError, import_register

    settings = settings_from(ctx)
    out = out or settings.data_path / "germany"
    try:
        folder = out.resolve().relative_to(settings.data_path.resolve()).as_posix()
    except ValueError:
        folder = ""  # outside the data folder, files are loaded by name (regiolod validate FILE)
    try:
        result = import_register(
            register,
            out,
            graph_folder="" if folder == "." else folder,
            curated=settings.data_path,
            population_date=population_date.date() if population_date else None,
            boundaries=list(boundaries),
            selection=selection,
            nuts=nuts,
            wikidata=wikidata,
        )
    except RegisterError as exc:
        click.echo(f"error: {exc}; nothing was written.", err=True)
        sys.exit(1)
    except OSError as exc:
        click.echo(f"error: writing {out} failed ({exc.strerror or exc}); it is unchanged.", err=True)
        sys.exit(1)
    counts = ", ".join(f"{n} {level}" for level, n in result.records.items())
    click.echo(f"read {counts}")
    click.echo(f"wrote {result.triples} triples in {len(result.files)} files to {out}")
    click.echo(
        f"left to the curated data: {result.statements_left_out} statements and {result.figures_left_out} figures "
        f"it already has, {result.labels_taken_over} labels it words otherwise; {result.seats_as_notes} seats as notes"
    )
    if selection == "members":
        click.echo(f"selected {len(result.members)} members of the curated data's memberships with their parents")
        for member in result.unknown_members:
            click.echo(f"warning: the member {member} is not in the register; left out", err=True)
    if nuts or wikidata:
        click.echo(f"linked {result.nuts} districts to NUTS and {result.wikidata} to Wikidata")


@main.command(name="settings")
def show_settings() -> None:
    """List every setting with its environment variable, default and meaning."""
    for s in SETTINGS:
        click.echo(f"{s.env_var}  (default: {s.text})\n    {s.help}")


if __name__ == "__main__":
    main()
