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
from publisher.dataset import Build, DataError, load_build
from publisher.stats import dataset_stats

if TYPE_CHECKING:
    from flask import Flask


def settings_from(ctx: click.Context) -> Settings:
    return ctx.obj or Settings.from_env()


def load_or_exit(settings: Settings, paths: list[Path] | None) -> Build:
    try:
        return load_build(settings, paths)
    except DataError as exc:
        click.echo(f"error: {exc}", err=True)
        sys.exit(1)


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
    """Print triples per graph, things per class and members per cooperation."""
    build = load_or_exit(settings_from(ctx), None)
    if not build.conforms:
        click.echo(build.report.format(), err=True)
        sys.exit(1)
    click.echo(dataset_stats(build).format())


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
@click.pass_context
def build(ctx: click.Context, out: Path | None, store_dir: Path | None) -> None:
    """Validate the dataset and write a finished build: dumps (N-Quads, N-Triples, Turtle, JSON-LD; gzip,
    SHA-256), the store image store.nq.gz for a remote SPARQL store, metadata, and with --store an on-disk store.

    The files of a build go to a folder of their own; `current` is switched to it in one atomic
    rename, so the previous build stays intact until the new one is complete.
    """
    from publisher.builds import write_build

    settings = settings_from(ctx)
    result = load_or_exit(settings, None)
    if not result.conforms:
        click.echo(result.report.format(), err=True)
        click.echo("error: the data does not conform; nothing was written.", err=True)
        sys.exit(1)
    folder = store_dir or out or settings.download_path
    try:
        dumps = write_build(settings, result, folder, with_store=store_dir is not None)
    except OSError as exc:
        click.echo(f"error: writing the build failed ({exc.strerror or exc}); the previous build is intact.", err=True)
        sys.exit(1)
    click.echo(f"build {dumps.version}: {folder / 'current'}")
    for f in dumps.files:
        click.echo(f"  {f.name:<28} {f.triples:>8} triples {f.bytes:>10} bytes  sha256 {f.sha256}")


@main.command()
@click.option("--dev", is_flag=True, help="Use Flask's debug server instead of gunicorn.")
@click.option("--host", help="Address to listen on (setting host).")
@click.option("--port", type=int, help="Port to listen on (setting port).")
@click.option("--workers", type=int, help="gunicorn workers (setting workers).")
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
    from publisher.builds import BuildFolderError, open_build
    from publisher.serve import GunicornServer, RefusedBuild, listening_base

    settings = settings_from(ctx)
    changes: dict[str, object] = {k: v for k, v in (("host", host), ("port", port), ("workers", workers)) if v}
    if store_dir is not None:
        changes.update(store=str(store_dir.resolve()), download_dir=str(store_dir.resolve()))
    settings = replace(settings, **changes)
    explicit_base = ctx.parent is not None and ctx.parent.params.get("base_iri") or "REGIOLOD_BASE_IRI" in os.environ
    if not explicit_base and not settings.store:
        settings = replace(settings, base_iri=listening_base(settings.host, settings.port))
    if settings.store:
        try:
            if not explicit_base:  # a finished build knows the base IRI it was made for
                folder = settings.download_path if settings.remote_store else settings.store_path
                settings = replace(settings, base_iri=open_build(folder).base_iri)
            app = create_app(settings)
        except BuildFolderError as exc:
            click.echo(f"error: {exc}", err=True)
            sys.exit(1)
        version = app.extensions["regiolod"].build.version
    else:
        loaded = load_or_exit(settings, None)
        if not loaded.conforms:
            click.echo(loaded.report.format(), err=True)
            click.echo("error: the data does not conform; nothing is served.", err=True)
            sys.exit(1)
        app = create_app(settings, loaded)
        version = loaded.version

    def rebuild() -> Flask:
        """The app over the data as it is now; refused unless it conforms (SIGHUP, `regiolod reload`)."""
        if settings.store:
            return create_app(settings)
        fresh = load_build(settings)
        if not fresh.conforms:
            raise RefusedBuild(fresh.report.format())
        return create_app(settings, fresh)

    click.echo(
        f"regiolod serves build {version} at http://{settings.host}:{settings.port}/ (base IRI {settings.base_iri})",
        err=True,
    )
    if dev:
        app.run(host=settings.host, port=settings.port, debug=True, use_reloader=False)
    else:
        GunicornServer(app, settings, rebuild).run()


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
        fresh = load_or_exit(settings, None)
        if not fresh.conforms:
            click.echo(fresh.report.format(), err=True)
            click.echo("error: the data does not conform; the server keeps serving its current build.", err=True)
            sys.exit(1)
    try:
        pid = int(settings.pid_path.read_text(encoding="ascii").strip())
        os.kill(pid, signal.SIGHUP)
    except (OSError, ValueError) as exc:
        click.echo(f"error: no running server found through {settings.pid_path} ({exc})", err=True)
        sys.exit(1)
    click.echo(f"asked the server (process {pid}) to reload; its log says whether the new build was taken")


@main.command(name="settings")
def show_settings() -> None:
    """List every setting with its environment variable, default and meaning."""
    for s in SETTINGS:
        click.echo(f"{s.env_var}  (default: {s.default})\n    {s.help}")


if __name__ == "__main__":
    main()
