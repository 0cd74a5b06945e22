"""Async engines for PostgreSQL (asyncpg) and SQLite (aiosqlite), configured alike."""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, create_async_engine

logger = logging.getLogger(__name__)

SQLITE_BUSY_TIMEOUT_MS = 30_000
# Execution option read by the SQLite BEGIN hook: "IMMEDIATE" takes the write lock when
# the transaction starts (see SqlUnitOfWork).
SQLITE_BEGIN = "meli_sqlite_begin"


def create_engine(url: str, *, echo: bool = False) -> AsyncEngine:
    """An engine for `sqlite+aiosqlite:///path` or `postgresql+asyncpg://...`.

    Creates the directory of a SQLite file if needed (mode 0700), and the file itself
    (mode 0600: it holds the sellers' encrypted tokens and their data; SQLite gives its
    -wal and -shm files the same mode). Connects lazily: nothing else touches the
    database until the first connection is checked out.
    """
    parsed = make_url(url)
    if parsed.drivername == "sqlite+aiosqlite":
        return _sqlite_engine(url, echo=echo)
    if parsed.drivername == "postgresql+asyncpg":
        return create_async_engine(
            url,
            echo=echo,
            pool_pre_ping=True,
            pool_size=10,
            max_overflow=10,
            pool_timeout=30,
            pool_recycle=1800,
            connect_args={
                "timeout": 10,
                "server_settings": {"application_name": "meli-integration"},
            },
        )
    raise ValueError(
        f"unsupported database {parsed.drivername!r}: use sqlite+aiosqlite or postgresql+asyncpg"
    )


def _sqlite_engine(url: str, *, echo: bool) -> AsyncEngine:
    database = make_url(url).database
    if database and database != ":memory:" and not database.startswith("file:"):
        path = Path(database).expanduser()
        try:
            path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
            os.close(os.open(path, os.O_RDWR | os.O_CREAT, 0o600))
        except OSError as error:
            # Not fatal here: connecting reports it, as Unavailable, where it is handled.
            logger.warning("cannot create the SQLite file %s: %s", path, error)
    engine = create_async_engine(url, echo=echo)

    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Take transaction control away from the sqlite3 driver, which would not BEGIN
        # before SELECTs or SAVEPOINTs; _on_begin emits BEGIN itself (SQLAlchemy's recipe).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        try:
            # WAL lets readers work while one process writes (REST app and worker share
            # the file); the busy timeout makes a writer wait for the lock, not fail.
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
            cursor.execute("PRAGMA foreign_keys=ON")
        finally:
            cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(connection: Connection) -> None:
        options = connection.get_execution_options()
        if options.get("isolation_level") == "AUTOCOMMIT":
            return
        mode = options.get(SQLITE_BEGIN, "DEFERRED")
        connection.exec_driver_sql(f"BEGIN {mode}")

    return engine


async def begin_immediately(connection: AsyncConnection) -> AsyncConnection:
    """On SQLite, make the connection's transactions take the write lock at BEGIN.

    A deferred SQLite transaction that reads and then writes fails at once with
    SQLITE_BUSY if another process wrote in between (the busy timeout does not apply to
    that case); taking the lock first makes writers queue instead. No-op elsewhere.
    """
    if connection.dialect.name == "sqlite":
        return await connection.execution_options(**{SQLITE_BEGIN: "IMMEDIATE"})
    return connection
