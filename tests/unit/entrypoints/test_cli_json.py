"""Issue 18: the CLI speaks to a person and to a script: every command has --json,
tables fit the terminal, an error is one line saying what to do."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from decimal import Decimal

import click
import pytest
from click.testing import CliRunner

from application.errors import NotFound, ReauthorizationRequired, Unavailable
from domain.accounts import Account, AccountStatus
from entrypoints.cli.main import cli
from entrypoints.cli.output import jsonable, one_line, row

# Processes that run until stopped print no result a script could read.
LONG_RUNNING = {"meli serve", "meli worker", "meli scheduler", "meli sandbox"}


def commands(command: click.Command, path: str = "meli"):
    if isinstance(command, click.Group):
        for name, sub in command.commands.items():
            yield from commands(sub, f"{path} {name}")
    else:
        yield path, command


@pytest.mark.parametrize(("path", "command"), list(commands(cli)), ids=lambda v: str(v))
def test_every_command_has_json_for_scripts(path, command):
    if path in LONG_RUNNING:
        return
    assert any(isinstance(p, click.Option) and "--json" in p.opts for p in command.params), (
        f"{path} has no --json"
    )


def test_json_is_plain_json_of_the_objects_shown():
    account = Account(1, "MLA", "SELLER", AccountStatus.ACTIVE, 7, datetime(2026, 1, 1, tzinfo=UTC))
    assert jsonable({"a": [account], "amount": Decimal("1.10")}) == {
        "a": [
            {
                "seller_id": 1,
                "site_id": "MLA",
                "nickname": "SELLER",
                "status": "active",
                "id": 7,
                "token_expires_at": "2026-01-01T00:00:00+00:00",
                "last_refreshed_at": None,
                "status_reason": None,
                "connected_at": None,
                "updated_at": None,
            }
        ],
        "amount": "1.10",
    }


def test_a_generated_key_is_printed_as_json(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(cli, ["keys", "generate", "--json"])
    assert result.exit_code == 0, result.output
    assert len(json.loads(result.output)["key"]) > 20


def test_table_lines_fit_the_terminal(monkeypatch, capsys):
    monkeypatch.setenv("COLUMNS", "20")
    row("x" * 50)
    row("short")
    assert capsys.readouterr().out.splitlines() == ["x" * 19 + "…", "short"]


def test_an_error_is_one_line_with_what_to_do():
    assert one_line(NotFound("account", 9)) == (
        "account 9 was not found; check the id (meli accounts list, meli orders list, ...)"
    )
    assert "\n" not in one_line(Unavailable("database\nunavailable: refused"))
    assert one_line(ReauthorizationRequired(3, "invalid_grant")).endswith(
        "connect the account again: meli accounts connect"
    )


def test_lines_piped_elsewhere_are_kept_whole(monkeypatch, capsys):
    monkeypatch.delenv("COLUMNS", raising=False)
    row("y" * 300)
    assert capsys.readouterr().out == "y" * 300 + "\n", "capsys is not a terminal"
