"""What every command starts from: the settings, and the logging they configure."""

from __future__ import annotations

import attrs
import click

from entrypoints.logs import configure_logging
from entrypoints.settings import Settings, SettingsError


def load_settings(**overrides: object) -> Settings:
    try:
        settings = Settings.from_environment()
    except SettingsError as error:
        raise click.UsageError(str(error)) from None
    if overrides:
        settings = attrs.evolve(settings, **{k: v for k, v in overrides.items() if v is not None})
    configure_logging(settings.log_level, settings.log_format)
    for name in settings.ignored:
        click.echo(f"warning: unknown setting {name} ignored", err=True)
    return settings
