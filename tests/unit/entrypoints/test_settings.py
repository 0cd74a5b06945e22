"""Settings come from MELI_ variables only; bad values stop the start with a clear message."""

import re
from pathlib import Path

import attrs
import pytest

from entrypoints.settings import Settings, SettingsError

ROOT = Path(__file__).resolve().parents[3]


def env_names() -> set[str]:
    return {f"MELI_{f.name.upper()}" for f in attrs.fields(Settings) if f.name != "ignored"}


def test_defaults_are_the_embedded_service():
    settings = Settings.from_environment({}, env_file=None)
    assert (settings.host, settings.port) == ("127.0.0.1", 8012)
    assert settings.effective_database_url == "sqlite+aiosqlite:///var/meli.db"
    assert settings.uses_sqlite and settings.migrates_on_start and not settings.uses_redis


def test_values_are_read_and_typed():
    settings = Settings.from_environment(
        {
            "MELI_PORT": "9000",
            "MELI_REDIS_URL": "redis://h:6379/1",
            "MELI_DATABASE_URL": "postgresql+asyncpg://u@h/db",
            "MELI_API_KEYS": "a" * 16 + ", " + "b" * 20,
            "MELI_LOG_LEVEL": "debug",
            "MELI_DATA_DIR": "/tmp/x",
        },
        env_file=None,
    )
    assert settings.port == 9000 and settings.uses_redis
    assert settings.api_keys == ("a" * 16, "b" * 20)
    assert settings.log_level == "DEBUG" and settings.data_dir == Path("/tmp/x")
    assert not settings.migrates_on_start  # PostgreSQL is migrated by an operator


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("MELI_PORT", "eighty", "whole number"),
        ("MELI_PORT", "70000", "between"),
        ("MELI_DATABASE_URL", "mysql://x", "must start with"),
        ("MELI_REDIS_URL", "http://x", "must start with"),
        ("MELI_API_KEYS", "short", "16 characters"),
        ("MELI_LOG_LEVEL", "LOUD", "one of"),
        ("MELI_STORAGE", "files", "one of sql, memory"),
        ("MELI_SITE_ID", "M1", "site id"),
        ("MELI_REDIRECT_URI", "ftp://x", "must start with"),
        ("MELI_RATE_LIMIT_PER_SECOND", "0", "at least"),
        ("MELI_AUTO_MIGRATE", "maybe", "true or false"),
        ("MELI_WORKER_THREADS", "0", "between"),
        ("MELI_PERIODIC_BUDGET", "0", "above 0"),
        ("MELI_PERIODIC_BUDGET", "120%", "at most 1"),
        ("MELI_PERIODIC_BUDGET", "half", "share"),
    ],
)
def test_bad_values_name_the_variable(name, value, message):
    with pytest.raises(SettingsError, match=re.escape(name) + ".*" + message):
        Settings.from_environment({name: value}, env_file=None)


@pytest.mark.parametrize(("raw", "share"), [("0.3", 0.3), ("30%", 0.3), ("1", 1.0)])
def test_the_periodic_budget_is_a_share_of_the_quota(raw, share):
    settings = Settings.from_environment({"MELI_PERIODIC_BUDGET": raw}, env_file=None)
    assert settings.periodic_budget == pytest.approx(share)


def test_unknown_variables_are_reported_not_fatal_and_test_ones_are_ignored():
    settings = Settings.from_environment(
        {"MELI_PROT": "1", "MELI_TEST_DATABASE_URL": "x", "OTHER": "y"}, env_file=None
    )
    assert settings.ignored == ("MELI_PROT",)


def test_the_environment_wins_over_the_env_file(tmp_path):
    env_file = tmp_path / ".env"
    env_file.write_text("MELI_PORT=9100\nMELI_HOST=0.0.0.0\n")
    settings = Settings.from_environment({"MELI_PORT": "9200"}, env_file=env_file)
    assert (settings.host, settings.port) == ("0.0.0.0", 9200)


def test_every_setting_is_documented_in_env_example_and_the_configuration_reference():
    example = (ROOT / ".env.example").read_text()
    reference = (ROOT / "docs" / "configuration.md").read_text()
    for name in env_names():
        assert name in example, f"{name} missing from .env.example"
        assert f"`{name}`" in reference, f"{name} missing from docs/configuration.md"


def test_env_example_mentions_only_real_settings():
    example = (ROOT / ".env.example").read_text()
    mentioned = set(re.findall(r"\b(MELI_[A-Z_]+)=", example))
    assert mentioned <= env_names()


def test_a_client_id_needs_its_secret():
    with pytest.raises(SettingsError, match="MELI_CLIENT_SECRET"):
        Settings.from_environment({"MELI_CLIENT_ID": "123"}, env_file=None)
    settings = Settings.from_environment(
        {"MELI_CLIENT_ID": "123", "MELI_CLIENT_SECRET": "s"}, env_file=None
    )
    assert not settings.uses_sandbox
    assert "client_secret" not in repr(settings)
    assert Settings.from_environment({}, env_file=None).uses_sandbox
