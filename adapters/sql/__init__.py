"""SQL persistence on SQLAlchemy Core: PostgreSQL (asyncpg) and SQLite (aiosqlite)."""

from adapters.sql.engine import create_engine
from adapters.sql.probe import SqlDatabaseProbe
from adapters.sql.unit_of_work import SqlUnitOfWork

__all__ = ["SqlDatabaseProbe", "SqlUnitOfWork", "create_engine"]
