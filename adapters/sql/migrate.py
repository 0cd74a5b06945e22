"""Run the Alembic migrations from code (the `meli` CLI, start-up, tests).

Both functions are synchronous and run their own event loop (Alembic's env.py uses the
async engine): from inside a running loop, call them in a thread, e.g.
`await asyncio.to_thread(upgrade, url)`.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext

from adapters.sql.engine import create_engine

MIGRATIONS = Path(__file__).resolve().parent / "migrations"


def alembic_config(url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    # ConfigParser interpolates '%', which URL-encoded passwords contain.
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def upgrade(url: str, revision: str = "head") -> None:
    """Bring the schema at `url` to `revision`. Idempotent."""
    command.upgrade(alembic_config(url), revision)


def current(url: str) -> str | None:
    """The revision the database at `url` is at, or None before the first migration."""

    async def read() -> str | None:
        engine = create_engine(url)
        try:
            async with engine.connect() as connection:
                return await connection.run_sync(
                    lambda sync: MigrationContext.configure(sync).get_current_revision()
                )
        finally:
            await engine.dispose()

    return asyncio.run(read())
