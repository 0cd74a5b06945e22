"""How every command speaks: text for a person (tables that fit the terminal, errors on
one line saying what to do) or, with --json, JSON for a script."""

from __future__ import annotations

import enum
import json
import os
import shutil
import sys
from collections.abc import Callable, Mapping
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import attrs
import click

from application.errors import (
    ApplicationError,
    Conflict,
    NotFound,
    RateLimited,
    ReauthorizationRequired,
    Unavailable,
    ValidationFailed,
)
from domain.errors import DomainError
from entrypoints.settings import SettingsError

json_option = click.option(
    "--json", "as_json", is_flag=True, help="Print JSON for scripts instead of text."
)

# What to do about each kind of error, after its one line (most specific first).
_WHAT_TO_DO: tuple[tuple[type[BaseException], str], ...] = (
    (ReauthorizationRequired, "connect the account again: meli accounts connect"),
    (NotFound, "check the id (meli accounts list, meli orders list, ...)"),
    (ValidationFailed, "fix the value named and run the command again"),
    (Conflict, "the state moved on: look at it again, then decide"),
    (RateLimited, "wait a minute and run the command again"),
    (Unavailable, "check that the database and MercadoLibre answer, then try again"),
    (SettingsError, "fix the setting in .env or the environment (docs/configuration.md)"),
    (DomainError, "fix the value named and run the command again"),
)


def jsonable(value: Any) -> Any:
    """`value` as plain JSON: attrs classes as objects, times in ISO 8601, amounts as
    text (never a float), enums by value."""
    if attrs.has(type(value)):
        return {
            field.name: jsonable(getattr(value, field.name))
            for field in attrs.fields(type(value))
            if not field.name.startswith("_") and field.repr is not False
        }
    if isinstance(value, Mapping):
        return {str(jsonable(key)): jsonable(item) for key, item in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [jsonable(item) for item in value]
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal | Path):
        return str(value)
    return value


def print_json(value: Any) -> None:
    click.echo(json.dumps(jsonable(value), ensure_ascii=False, indent=2))


def emit(as_json: bool, value: Any, text: Callable[[], None]) -> None:
    """JSON of `value`, or the person's text."""
    if as_json:
        print_json(value)
    else:
        text()


def width() -> int | None:
    """The terminal's width (COLUMNS when set); None when the output is not a terminal:
    a pipe or a file gets whole lines, for grep and the like."""
    if os.environ.get("COLUMNS", "").isdigit() or sys.stdout.isatty():
        return shutil.get_terminal_size((100, 24)).columns
    return None


def row(line: str) -> None:
    """One line of a table, cut to the terminal's width (… says it was cut)."""
    columns = width()
    if columns is None or len(line) <= columns:
        click.echo(line)
    else:
        click.echo(line[: max(columns - 1, 1)] + "…")


def one_line(error: BaseException) -> str:
    """The error on one line, then what to do about it."""
    text = " ".join(str(error).split()) or type(error).__name__
    for kind, advice in _WHAT_TO_DO:
        if isinstance(error, kind):
            return f"{text}; {advice}"
    return text


def failure(error: ApplicationError | DomainError | SettingsError) -> click.ClickException:
    return click.ClickException(one_line(error))
