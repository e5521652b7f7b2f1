"""The ``regiolod`` command: a thin layer over the core modules."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from publisher.config import SETTINGS, Settings
from publisher.dataset import Build, DataError, load_build
from publisher.stats import dataset_stats


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
@click.option("--root", type=click.Path(file_okay=False, path_type=Path),
              help="Project folder with ontology/, shapes/ and data/ (setting root).")
@click.version_option(package_name="regiolod")
@click.pass_context
def main(ctx: click.Context, base_iri: str | None, root: Path | None) -> None:
    """Publish regions and inter-municipal cooperations as linked open data."""
    try:
        ctx.obj = Settings.from_env(base_iri=base_iri, root=root)
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


@main.command(name="settings")
def show_settings() -> None:
    """List every setting with its environment variable, default and meaning."""
    for s in SETTINGS:
        click.echo(f"{s.env_var}  (default: {s.default})\n    {s.help}")


if __name__ == "__main__":
    main()
