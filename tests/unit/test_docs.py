"""The reference in docs/ stays true to the code: every setting is in configuration.md,
every route of the OpenAPI document in api.md, every CLI command in cli.md. A setting,
route or command added without its documentation fails here, not in a reader's hands."""

from __future__ import annotations

import re
from pathlib import Path

import click
import pytest

from entrypoints.cli.main import cli
from entrypoints.http.app import all_endpoints
from entrypoints.http.openapi import build_document
from entrypoints.settings import _PARSERS

DOCS = Path(__file__).resolve().parents[2] / "docs"


def _commands(group: click.Group, prefix: str) -> list[str]:
    names = []
    for name, command in sorted(group.commands.items()):
        if command.hidden:
            continue
        if isinstance(command, click.Group):
            names.extend(_commands(command, f"{prefix} {name}"))
        else:
            names.append(f"{prefix} {name}")
    return names


@pytest.mark.parametrize("name", sorted(_PARSERS))
def test_every_setting_is_documented(name: str) -> None:
    assert f"`MELI_{name}`" in (DOCS / "configuration.md").read_text(), name


def _documented_routes() -> set[tuple[str, str]]:
    """(METHOD, path) of every route api.md's tables name, query strings dropped and
    path parameters unnamed; a cell may name several, as in "`POST /a`, `POST /b`"."""
    text = (DOCS / "api.md").read_text()
    return {
        (method, _unnamed(path.split("?")[0]))
        for method, path in re.findall(r"`(GET|POST|PUT|PATCH|DELETE) (/[^`\s]*)`", text)
    }


def _unnamed(path: str) -> str:
    return re.sub(r"\{[^}]*\}", "{}", path)


@pytest.mark.parametrize(
    ("method", "path"),
    sorted(
        (method.upper(), path)
        for path, methods in build_document(all_endpoints(), "docs")["paths"].items()
        for method in methods
    ),
)
def test_every_route_is_documented(method: str, path: str) -> None:
    assert (method, _unnamed(path)) in _documented_routes()


@pytest.mark.parametrize("command", _commands(cli, "meli"))
def test_every_command_is_documented(command: str) -> None:
    assert command in (DOCS / "cli.md").read_text()
