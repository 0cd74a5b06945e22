"""`meli`: the administrators' command line."""

from __future__ import annotations

import asyncio
import sys

import click

from adapters.sql.migrate import current, upgrade
from entrypoints.cli import runners
from entrypoints.logs import configure_logging
from entrypoints.settings import Settings, SettingsError
from sandbox.cli import sandbox_command


def load_settings(**overrides: object) -> Settings:
    try:
        settings = Settings.from_environment()
    except SettingsError as error:
        raise click.UsageError(str(error)) from None
    if overrides:
        import attrs

        settings = attrs.evolve(settings, **{k: v for k, v in overrides.items() if v is not None})
    configure_logging(settings.log_level, settings.log_format)
    for name in settings.ignored:
        click.echo(f"warning: unknown setting {name} ignored", err=True)
    return settings


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="meli-integration", prog_name="meli")
def cli() -> None:
    """Administer the MercadoLibre integration service."""


@cli.command()
@click.option("--host", help="Address to bind (default MELI_HOST or 127.0.0.1).")
@click.option(
    "--port", type=click.IntRange(0, 65535), help="Port to listen on (default MELI_PORT or 8012)."
)
def serve(host: str | None, port: int | None) -> None:
    """Run the REST API (and, without MELI_REDIS_URL, the worker in the same process)."""
    settings = load_settings(host=host, port=port)
    asyncio.run(runners.serve(settings))


@cli.command()
def worker() -> None:
    """Run background jobs from the Redis queue (needs MELI_REDIS_URL)."""
    settings = load_settings()
    if not settings.uses_redis:
        raise click.UsageError(
            "a separate worker needs MELI_REDIS_URL; without Redis, `meli serve` runs the "
            "jobs in its own process"
        )
    asyncio.run(runners.run_worker(settings))


@cli.command()
def scheduler() -> None:
    """Enqueue the periodic jobs (needs MELI_REDIS_URL; several replicas are safe)."""
    settings = load_settings()
    if not settings.uses_redis:
        raise click.UsageError(
            "a separate scheduler needs MELI_REDIS_URL; without Redis, `meli serve` "
            "schedules the periodic jobs itself"
        )
    asyncio.run(runners.run_scheduler(settings))


@cli.group()
def db() -> None:
    """Database schema management."""


@db.command("upgrade")
@click.option("--revision", default="head", show_default=True, help="Target revision.")
def db_upgrade(revision: str) -> None:
    """Create or migrate the schema of MELI_DATABASE_URL (default: the embedded SQLite)."""
    settings = load_settings()
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    upgrade(settings.effective_database_url, revision)
    click.echo(f"database at revision {current(settings.effective_database_url)}")


@db.command("current")
def db_current() -> None:
    """Print the schema revision of the database."""
    settings = load_settings()
    click.echo(current(settings.effective_database_url) or "empty (run `meli db upgrade`)")


cli.add_command(sandbox_command, "sandbox")


def main() -> None:
    try:
        cli(standalone_mode=True)
    except KeyboardInterrupt:
        sys.exit(130)
