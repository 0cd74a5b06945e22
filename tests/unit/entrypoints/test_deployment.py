"""docker-compose.yml and the CLI agree; every command has --help."""

from pathlib import Path

import click
import pytest
import yaml
from click.testing import CliRunner

from entrypoints.cli import cli

ROOT = Path(__file__).resolve().parents[3]


def resolve(command: list[str]) -> click.Command:
    """Walk the CLI like click would, failing on an unknown command."""
    ctx = click.Context(cli)
    current: click.Command = cli
    for word in command:
        if word.startswith("-") or not isinstance(current, click.Group):
            break
        found = current.get_command(ctx, word)
        assert found is not None, f"`meli {' '.join(command)}`: no command {word!r}"
        current = found
    return current


def compose() -> dict:
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())


def test_compose_runs_api_worker_scheduler_postgres_and_redis_with_health_checks():
    services = compose()["services"]
    assert {"api", "worker", "scheduler", "postgres", "redis"} <= set(services)
    for name in ("api", "postgres", "redis"):
        assert "test" in services[name]["healthcheck"]


def test_every_compose_command_exists_in_the_cli():
    for name, service in compose()["services"].items():
        if service.get("image", "").startswith("meli-integration") or "build" in service:
            command = service.get("command") or ["serve"]
            resolved = resolve(command)
            # Options must be real options of that command.
            for word in command:
                if word.startswith("--"):
                    assert any(word in p.opts for p in resolved.params), (name, word)


def test_compose_services_share_the_same_settings():
    services = compose()["services"]
    env = {name: services[name]["environment"] for name in ("api", "worker", "scheduler")}
    assert env["api"] == env["worker"] == env["scheduler"]
    assert env["api"]["MELI_DATABASE_URL"].startswith("postgresql+asyncpg://")
    assert env["api"]["MELI_REDIS_URL"].startswith("redis://")


@pytest.mark.parametrize(
    "command",
    [
        [],
        ["serve"],
        ["worker"],
        ["scheduler"],
        ["sandbox"],
        ["db"],
        ["db", "upgrade"],
        ["db", "current"],
    ],
)
def test_every_command_has_help(command):
    result = CliRunner().invoke(cli, [*command, "--help"])
    assert result.exit_code == 0, result.output
    assert "Usage: " in result.output


def test_worker_and_scheduler_refuse_to_run_without_redis(monkeypatch):
    monkeypatch.delenv("MELI_REDIS_URL", raising=False)
    for command in ("worker", "scheduler"):
        result = CliRunner().invoke(cli, [command], env={"MELI_REDIS_URL": ""})
        assert result.exit_code == 2
        assert "MELI_REDIS_URL" in result.output
