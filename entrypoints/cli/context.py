"""What every command starts from: the settings, the logging they configure, and a data
directory only this user can read."""

from __future__ import annotations

import contextlib
import logging
import os
import stat

import attrs
import click

from entrypoints.logs import configure_logging
from entrypoints.settings import Settings, SettingsError


def verbosity() -> int:
    """How many -v the `meli` group was given (0 outside a command)."""
    context = click.get_current_context(silent=True)
    if context is None:
        return 0
    return int(context.find_root().params.get("verbose") or 0)


def command_log_level(configured: str, verbose: int) -> str:
    """A one-shot command speaks to a person: its log lines (migrations, libraries) stay
    out of the way at WARNING, or at the configured level if that is stricter; -v gives
    the configured level, -vv DEBUG."""
    if verbose >= 2:
        return "DEBUG"
    if verbose == 1:
        return configured
    return configured if logging.getLevelName(configured) > logging.WARNING else "WARNING"


def load_settings(*, long_running: bool = False, **overrides: object) -> Settings:
    """The settings, with logging configured: at MELI_LOG_LEVEL for the long-running
    processes (serve, worker, scheduler), per command_log_level for the others. Logs go
    to stderr, a command's output to stdout."""
    try:
        settings = Settings.from_environment()
    except SettingsError as error:
        raise click.UsageError(str(error)) from None
    if overrides:
        settings = attrs.evolve(settings, **{k: v for k, v in overrides.items() if v is not None})
    level = settings.log_level
    if not long_running:
        level = command_log_level(level, verbosity())
    configure_logging(level, settings.log_format)
    for name in settings.ignored:
        click.echo(f"warning: unknown setting {name} ignored", err=True)
    keep_private(settings)
    return settings


log = logging.getLogger(__name__)

# The service's own files in the data directory: the SQLite database (its journal files
# too) and the generated keys. They hold the sellers' tokens (encrypted), the key that
# decrypts them and the API key.
PRIVATE_FILES = ("meli.db", "meli.db-wal", "meli.db-shm", "meli.db-journal")


def keep_private(settings: Settings) -> None:
    """Whatever this process creates is for its user alone (umask 077: files 0600,
    folders 0700), and what an older version left readable in the data directory is
    made so (the database was 0644 and the directory 0755)."""
    os.umask(0o077)
    directory = settings.data_dir
    names = (
        *PRIVATE_FILES,
        settings.api_key_file.name,
        settings.encryption_key_file.name,
    )
    for path, mode in (
        (directory, 0o700),
        (settings.lock_dir, 0o700),
        *((directory / name, 0o600) for name in names),
    ):
        with contextlib.suppress(FileNotFoundError):
            current = stat.S_IMODE(path.stat().st_mode)
            if current & 0o077:
                try:
                    path.chmod(mode)
                except OSError as error:
                    log.warning("cannot make %s private (mode %o): %s", path, current, error)
