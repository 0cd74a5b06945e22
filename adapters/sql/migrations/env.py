# Alembic runs this file as a script (it is not part of the importable package, which is
# why this directory has no __init__.py). The database URL is the `sqlalchemy.url` set by
# the caller (adapters.sql.migrate does), else MELI_DATABASE_URL for the plain
# `alembic upgrade head` command line.

from __future__ import annotations

import asyncio
import os

from alembic import context
from alembic.autogenerate.api import AutogenContext
from sqlalchemy.engine import Connection, make_url

from adapters.sql.engine import create_engine
from adapters.sql.tables import metadata, on_this_database
from adapters.sql.types import Amount, UtcDateTime

DEFAULT_URL = "sqlite+aiosqlite:///var/meli.db"

config = context.config
url = config.get_main_option("sqlalchemy.url") or os.environ.get("MELI_DATABASE_URL", DEFAULT_URL)
is_sqlite = make_url(url).get_backend_name() == "sqlite"


def render_item(kind: str, item: object, autogen_context: AutogenContext) -> str | bool:
    """Write the adapter's column types as plain SQLAlchemy types, so that generated
    migrations never import the application and keep working when it changes."""
    if kind == "type" and isinstance(item, UtcDateTime):
        return "sa.DateTime(timezone=True)"
    if kind == "type" and isinstance(item, Amount):
        return 'sa.Numeric(20, 2).with_variant(sa.String(22), "sqlite")'
    return False


def configure(**options: object) -> None:
    context.configure(
        target_metadata=metadata,
        render_item=render_item,
        # SQLite cannot ALTER most things; batch mode rebuilds the table instead.
        render_as_batch=is_sqlite,
        compare_type=True,
        include_object=on_this_database(make_url(url).get_backend_name()),
        **options,
    )


def run_migrations_offline() -> None:
    configure(url=url, literal_binds=True, dialect_opts={"paramstyle": "named"})
    with context.begin_transaction():
        context.run_migrations()


def do_run_migrations(connection: Connection) -> None:
    configure(connection=connection)
    with context.begin_transaction():
        context.run_migrations()


async def run_migrations_online() -> None:
    engine = create_engine(url)
    try:
        async with engine.connect() as connection:
            await connection.run_sync(do_run_migrations)
            await connection.commit()
    finally:
        await engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    asyncio.run(run_migrations_online())
