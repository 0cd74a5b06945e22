"""Configuration from the environment: the only module that reads it.

Every variable has the `MELI_` prefix. A `.env` file in the working directory is read
too; real environment variables win over it. Bad values stop the start-up with a message
that names the variable.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import attrs
from dotenv import dotenv_values

PREFIX = "MELI_"
API_URL = "https://api.mercadolibre.com"


class SettingsError(ValueError):
    """A configuration value is missing or malformed."""


def _int(name: str, raw: str, minimum: int = 0, maximum: int = 2**31) -> int:
    try:
        value = int(raw)
    except ValueError:
        raise SettingsError(f"{PREFIX}{name} must be a whole number, got {raw!r}") from None
    if not minimum <= value <= maximum:
        raise SettingsError(f"{PREFIX}{name} must be between {minimum} and {maximum}")
    return value


def _float(name: str, raw: str, minimum: float = 0.0) -> float:
    try:
        value = float(raw)
    except ValueError:
        raise SettingsError(f"{PREFIX}{name} must be a number, got {raw!r}") from None
    if value < minimum:
        raise SettingsError(f"{PREFIX}{name} must be at least {minimum:g}")
    return value


def _list(raw: str) -> tuple[str, ...]:
    return tuple(part.strip() for part in raw.split(",") if part.strip())


def _url(name: str, raw: str, schemes: tuple[str, ...]) -> str:
    if not raw.startswith(tuple(f"{s}://" for s in schemes)):
        raise SettingsError(f"{PREFIX}{name} must start with one of {', '.join(schemes)}://")
    return raw.rstrip("/") if schemes[0].startswith("http") else raw


_LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR")


@attrs.define(frozen=True)
class Settings:
    """Every setting of the service, with the embedded defaults of `make run`."""

    host: str = "127.0.0.1"
    port: int = 8012
    data_dir: Path = Path("var")
    database_url: str | None = None
    redis_url: str | None = None
    api_keys: tuple[str, ...] = attrs.field(default=(), repr=False)
    log_level: str = "INFO"
    log_format: str = "text"
    storage: str = "sql"
    worker_threads: int = 4
    auto_migrate: bool | None = None
    ignored: tuple[str, ...] = ()

    @property
    def effective_database_url(self) -> str:
        """MELI_DATABASE_URL, or the embedded SQLite file in the data directory."""
        return self.database_url or f"sqlite+aiosqlite:///{self.data_dir / 'meli.db'}"

    @property
    def uses_sqlite(self) -> bool:
        return self.effective_database_url.startswith("sqlite")

    @property
    def migrates_on_start(self) -> bool:
        """Embedded SQLite migrates itself; a shared PostgreSQL is migrated by an operator
        with `meli db upgrade` unless MELI_AUTO_MIGRATE says otherwise."""
        return self.uses_sqlite if self.auto_migrate is None else self.auto_migrate

    @property
    def uses_redis(self) -> bool:
        return self.redis_url is not None

    @property
    def api_key_file(self) -> Path:
        return self.data_dir / "api-key"

    @classmethod
    def from_environment(
        cls, environ: Mapping[str, str] | None = None, env_file: str | Path | None = ".env"
    ) -> Settings:
        values: dict[str, str] = {}
        if env_file is not None and Path(env_file).is_file():
            values.update({k: v for k, v in dotenv_values(env_file).items() if v is not None})
        values.update(os.environ if environ is None else environ)
        return cls.from_mapping(
            {k[len(PREFIX) :]: v for k, v in values.items() if k.startswith(PREFIX)}
        )

    @classmethod
    def from_mapping(cls, raw: Mapping[str, str]) -> Settings:
        known = {field.name.upper() for field in attrs.fields(cls)}
        # Unknown names are most likely typos; they are reported at start, not fatal, so a
        # deployment that sets variables for a newer version still starts.
        ignored = tuple(sorted(PREFIX + k for k in set(raw) - known if not k.startswith("TEST_")))
        kwargs: dict[str, Any] = {"ignored": ignored}
        get = {k: v.strip() for k, v in raw.items() if v is not None and v.strip() != ""}.get
        if (value := get("HOST")) is not None:
            kwargs["host"] = value
        if (value := get("PORT")) is not None:
            kwargs["port"] = _int("PORT", value, 0, 65535)
        if (value := get("DATA_DIR")) is not None:
            kwargs["data_dir"] = Path(value)
        if (value := get("DATABASE_URL")) is not None:
            kwargs["database_url"] = _url(
                "DATABASE_URL", value, ("sqlite+aiosqlite", "postgresql+asyncpg")
            )
        if (value := get("REDIS_URL")) is not None:
            kwargs["redis_url"] = _url("REDIS_URL", value, ("redis", "rediss", "unix"))
        if (value := get("API_KEYS")) is not None:
            keys = _list(value)
            if any(len(key) < 16 for key in keys):
                raise SettingsError(f"{PREFIX}API_KEYS: every key needs at least 16 characters")
            kwargs["api_keys"] = keys
        if (value := get("LOG_LEVEL")) is not None:
            if value.upper() not in _LOG_LEVELS:
                raise SettingsError(f"{PREFIX}LOG_LEVEL must be one of {', '.join(_LOG_LEVELS)}")
            kwargs["log_level"] = value.upper()
        if (value := get("LOG_FORMAT")) is not None:
            if value not in ("text", "json"):
                raise SettingsError(f"{PREFIX}LOG_FORMAT must be text or json")
            kwargs["log_format"] = value
        if (value := get("STORAGE")) is not None:
            if value not in ("sql", "memory"):
                raise SettingsError(f"{PREFIX}STORAGE must be sql or memory")
            kwargs["storage"] = value
        if (value := get("WORKER_THREADS")) is not None:
            kwargs["worker_threads"] = _int("WORKER_THREADS", value, 1, 64)
        if (value := get("AUTO_MIGRATE")) is not None:
            kwargs["auto_migrate"] = _bool("AUTO_MIGRATE", value)
        return cls(**kwargs)


def _bool(name: str, raw: str) -> bool:
    lowered = raw.lower()
    if lowered in ("1", "true", "yes", "on"):
        return True
    if lowered in ("0", "false", "no", "off"):
        return False
    raise SettingsError(f"{PREFIX}{name} must be true or false, got {raw!r}")
