"""Configuration from the environment: the only module that reads it.

Every variable has the `MELI_` prefix. A `.env` file in the working directory is read
too; real environment variables win over it. Bad values stop the start-up with a message
that names the variable.
"""

from __future__ import annotations

import ipaddress
import os
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import attrs
from dotenv import dotenv_values

PREFIX = "MELI_"
API_URL = "https://api.mercadolibre.com"
SANDBOX_CLIENT_ID = "1000000000000001"
SANDBOX_CLIENT_SECRET = "sandbox-secret"  # the sandbox's documented default, not a secret


class SettingsError(ValueError):
    """A configuration value is missing or malformed."""


@attrs.define(frozen=True)
class Settings:
    """Every setting of the service, with the embedded defaults of `make run`."""

    host: str = "127.0.0.1"
    port: int = 8012
    data_dir: Path = Path("var")
    database_url: str | None = None
    redis_url: str | None = None
    api_keys: tuple[str, ...] = attrs.field(default=(), repr=False)
    # Signs the dashboard's session cookies (unset: generated into the data dir)
    session_secret: str | None = attrs.field(default=None, repr=False)
    log_level: str = "INFO"
    log_format: str = "text"
    storage: str = "sql"
    worker_threads: int = 4
    # Seconds a stopping worker gives its running jobs before it hands them back
    shutdown_timeout: int = 30
    # `meli worker`'s own /metrics and /health, on `host` (0: none)
    worker_metrics_port: int = 9012
    auto_migrate: bool | None = None
    # MercadoLibre application and OAuth
    client_id: str | None = None
    client_secret: str | None = attrs.field(default=None, repr=False)
    redirect_uri: str | None = None
    site_id: str = "MLA"
    api_url: str = API_URL
    auth_url: str | None = None
    encryption_key: tuple[str, ...] = attrs.field(default=(), repr=False)
    sandbox_port: int = 8013
    # Throttling and quotas (the product's API limits)
    rate_limit_per_second: float = 10.0
    rate_limit_burst: int | None = None
    quota_calls_per_hour: int = 10_000
    quota_listings_per_day: int = 1_000
    quota_messages_per_hour: int = 500
    # The share of the hourly call quota the periodic jobs may use (the rest is kept for
    # people's writes and notifications)
    periodic_budget: float = 0.5
    # Units kept back from what MercadoLibre shows, per listing unless overridden
    safety_stock: int = 0
    # Periodic jobs, in seconds
    token_refresh_interval: int = 4 * 3600
    # Periodic syncs, in seconds (per account, fanned out)
    sync_products_interval: int = 30 * 60
    sync_orders_interval: int = 10 * 60
    sync_questions_interval: int = 15 * 60
    sync_inventory_interval: int = 3600
    # Reads of every account's unread post-sale conversations (§8.4)
    sync_messages_interval: int = 15 * 60
    # Reads of every active account's reputation (§3 GET /users/{id}) for the metrics
    reputation_interval: int = 3600
    # How many days of orders connecting an account reads (§5.3: kept 12 months)
    orders_backfill_days: int = 60
    # The inbox and delivery sweeps; the missed feeds (§9.5 keeps them two days)
    sweep_interval: int = 60
    missed_feeds_interval: int = 3600
    # A notification waits this long before a sweep queues it again; a worker holds a
    # claimed one this long before another may take it over
    inbox_grace: int = 60
    notification_lease: int = 300
    # A sync run that has not finished by then is stopped and failed with the reason;
    # a worker running one renews its lease this often x3 (a dead worker's is then
    # closed as abandoned and queued again)
    sync_timeout: int = 3600
    sync_lease: int = 120
    # How long a category, its attributes and a seller's listing types are kept before
    # MercadoLibre is asked again (application/listings/category_reader.py says why)
    category_cache_ttl: int = 3600
    # Who may POST notifications (empty: anyone), and whether X-Forwarded-For is trusted
    webhook_allowed_ips: tuple[str, ...] = ()
    trust_proxy: bool = False
    # Outbound subscriptions may call private, loopback or link-local addresses
    webhook_allow_private: bool = False
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
    def uses_sandbox(self) -> bool:
        """No MercadoLibre application configured: `meli serve` embeds the sandbox."""
        return self.client_id is None

    @property
    def effective_redirect_uri(self) -> str:
        """MELI_REDIRECT_URI, or this service's own callback."""
        return self.redirect_uri or f"http://localhost:{self.port}/auth/callback"

    @property
    def sandbox_url(self) -> str:
        return f"http://127.0.0.1:{self.sandbox_port}"

    def with_sandbox(self, url: str | None = None) -> Settings:
        """These settings pointed at the embedded sandbox and its application."""
        url = url or self.sandbox_url
        return attrs.evolve(
            self,
            client_id=SANDBOX_CLIENT_ID,
            client_secret=SANDBOX_CLIENT_SECRET,
            api_url=url,
            auth_url=url,
        )

    @property
    def api_key_file(self) -> Path:
        return self.data_dir / "api-key"

    @property
    def session_secret_file(self) -> Path:
        return self.data_dir / "session-secret"

    @property
    def encryption_key_file(self) -> Path:
        return self.data_dir / "encryption-key"

    @property
    def lock_dir(self) -> Path:
        return self.data_dir / "locks"

    @property
    def rate_limiter_file(self) -> Path:
        """The rate limiter's state shared by this machine's processes without Redis."""
        return self.data_dir / "rate-limiter.json"

    @property
    def effective_burst(self) -> int:
        return self.rate_limit_burst or max(1, round(self.rate_limit_per_second))

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
        """Build from names without the prefix (`PORT`, `REDIS_URL`, ...)."""
        values = {k: v.strip() for k, v in raw.items() if v is not None and v.strip() != ""}
        # Unknown names are most likely typos; they are reported at start, not fatal, so
        # a deployment that sets variables for a newer version still starts.
        ignored = tuple(
            sorted(PREFIX + k for k in set(raw) - set(_PARSERS) if not k.startswith("TEST_"))
        )
        kwargs: dict[str, Any] = {"ignored": ignored}
        for name, parse in _PARSERS.items():
            if name in values:
                kwargs[name.lower()] = parse(name, values[name])
        settings = cls(**kwargs)
        if settings.client_id is not None and settings.client_secret is None:
            raise SettingsError(f"{PREFIX}CLIENT_SECRET is required with {PREFIX}CLIENT_ID")
        return settings


def _fail(name: str, reason: str) -> SettingsError:
    return SettingsError(f"{PREFIX}{name} {reason}")


def _int(minimum: int = 0, maximum: int = 2**31) -> Callable[[str, str], int]:
    def parse(name: str, raw: str) -> int:
        try:
            value = int(raw)
        except ValueError:
            raise _fail(name, f"must be a whole number, got {raw!r}") from None
        if not minimum <= value <= maximum:
            raise _fail(name, f"must be between {minimum} and {maximum}")
        return value

    return parse


def _float(minimum: float = 0.0) -> Callable[[str, str], float]:
    def parse(name: str, raw: str) -> float:
        try:
            value = float(raw)
        except ValueError:
            raise _fail(name, f"must be a number, got {raw!r}") from None
        if value < minimum or value != value:
            raise _fail(name, f"must be at least {minimum:g}")
        return value

    return parse


def _fraction(name: str, raw: str) -> float:
    """A share above 0 and at most 1, written 0.5 or 50%."""
    text = raw.strip()
    scale = 100.0 if text.endswith("%") else 1.0
    try:
        value = float(text.removesuffix("%")) / scale
    except ValueError:
        raise _fail(name, f"must be a share such as 0.5 or 50%, got {raw!r}") from None
    if not 0 < value <= 1:
        raise _fail(name, f"must be above 0 and at most 1 (100%), got {raw!r}")
    return value


def _url(*schemes: str) -> Callable[[str, str], str]:
    def parse(name: str, raw: str) -> str:
        if not raw.startswith(tuple(f"{s}://" for s in schemes)):
            raise _fail(name, f"must start with one of {', '.join(schemes)}://")
        return raw.rstrip("/") if schemes[0].startswith("http") else raw

    return parse


def _choice(*options: str, upper: bool = False) -> Callable[[str, str], str]:
    def parse(name: str, raw: str) -> str:
        value = raw.upper() if upper else raw
        if value not in options:
            raise _fail(name, f"must be one of {', '.join(options)}")
        return value

    return parse


def _bool(name: str, raw: str) -> bool:
    lowered = raw.lower()
    if lowered in ("1", "true", "yes", "on"):
        return True
    if lowered in ("0", "false", "no", "off"):
        return False
    raise _fail(name, f"must be true or false, got {raw!r}")


def _text(name: str, raw: str) -> str:
    return raw


def _api_keys(name: str, raw: str) -> tuple[str, ...]:
    keys = tuple(part.strip() for part in raw.split(",") if part.strip())
    if any(len(key) < 16 for key in keys):
        raise _fail(name, ": every key needs at least 16 characters")
    return keys


def _secret(name: str, raw: str) -> str:
    value = raw.strip()
    if len(value) < 32:
        raise _fail(name, ": needs at least 32 characters")
    return value


def _keys(name: str, raw: str) -> tuple[str, ...]:
    return tuple(part.strip() for part in raw.split(",") if part.strip())


def _networks(name: str, raw: str) -> tuple[str, ...]:
    networks = []
    for part in (p.strip() for p in raw.split(",")):
        if not part:
            continue
        try:
            networks.append(str(ipaddress.ip_network(part, strict=False)))
        except ValueError:
            raise _fail(name, f"must list IP addresses or CIDR ranges, got {part!r}") from None
    return tuple(networks)


def _site(name: str, raw: str) -> str:
    value = raw.upper()
    if len(value) != 3 or not value.isalpha():
        raise _fail(name, f"must be a MercadoLibre site id such as MLA or MCO, got {raw!r}")
    return value


_PARSERS: dict[str, Callable[[str, str], Any]] = {
    "HOST": _text,
    "PORT": _int(0, 65535),
    "DATA_DIR": lambda name, raw: Path(raw),
    "DATABASE_URL": _url("sqlite+aiosqlite", "postgresql+asyncpg"),
    "REDIS_URL": _url("redis", "rediss", "unix"),
    "API_KEYS": _api_keys,
    "SESSION_SECRET": _secret,
    "LOG_LEVEL": _choice("DEBUG", "INFO", "WARNING", "ERROR", upper=True),
    "LOG_FORMAT": _choice("text", "json"),
    "STORAGE": _choice("sql", "memory"),
    "WORKER_THREADS": _int(1, 64),
    "SHUTDOWN_TIMEOUT": _int(1, 3600),
    "WORKER_METRICS_PORT": _int(0, 65535),
    "AUTO_MIGRATE": _bool,
    "CLIENT_ID": _text,
    "CLIENT_SECRET": _text,
    "REDIRECT_URI": _url("http", "https"),
    "SITE_ID": _site,
    "API_URL": _url("http", "https"),
    "AUTH_URL": _url("http", "https"),
    "ENCRYPTION_KEY": _keys,
    "SANDBOX_PORT": _int(0, 65535),
    "RATE_LIMIT_PER_SECOND": _float(0.1),
    "RATE_LIMIT_BURST": _int(1, 10_000),
    "QUOTA_CALLS_PER_HOUR": _int(1),
    "QUOTA_LISTINGS_PER_DAY": _int(1),
    "QUOTA_MESSAGES_PER_HOUR": _int(1),
    "PERIODIC_BUDGET": _fraction,
    "TOKEN_REFRESH_INTERVAL": _int(60, 7 * 24 * 3600),
    "SAFETY_STOCK": _int(0, 1_000_000),
    "SYNC_PRODUCTS_INTERVAL": _int(60, 7 * 24 * 3600),
    "SYNC_ORDERS_INTERVAL": _int(60, 7 * 24 * 3600),
    "SYNC_QUESTIONS_INTERVAL": _int(60, 7 * 24 * 3600),
    "SYNC_INVENTORY_INTERVAL": _int(60, 7 * 24 * 3600),
    "SYNC_MESSAGES_INTERVAL": _int(60, 7 * 24 * 3600),
    "REPUTATION_INTERVAL": _int(60, 7 * 24 * 3600),
    "ORDERS_BACKFILL_DAYS": _int(1, 365),
    "SWEEP_INTERVAL": _int(5, 3600),
    # Well inside the two days MercadoLibre keeps missed notifications (§9.5).
    "MISSED_FEEDS_INTERVAL": _int(60, 24 * 3600),
    "INBOX_GRACE": _int(1, 3600),
    "NOTIFICATION_LEASE": _int(1, 24 * 3600),
    "SYNC_TIMEOUT": _int(10, 7 * 24 * 3600),
    "SYNC_LEASE": _int(3, 3600),
    "CATEGORY_CACHE_TTL": _int(0, 7 * 24 * 3600),
    "WEBHOOK_ALLOWED_IPS": _networks,
    "TRUST_PROXY": _bool,
    "WEBHOOK_ALLOW_PRIVATE": _bool,
}
