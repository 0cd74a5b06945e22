from __future__ import annotations

import asyncio

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from adapters.sql.repositories.base import short_reason, translate_errors
from application.errors import Unavailable


class SqlDatabaseProbe:
    """Health probe: the database answers `SELECT 1` within a few seconds."""

    name = "database"

    def __init__(self, engine: AsyncEngine, timeout: float = 3.0) -> None:
        self._engine = engine
        self._timeout = timeout

    async def check(self) -> None:
        try:
            async with asyncio.timeout(self._timeout):
                with translate_errors():
                    async with self._engine.connect() as connection:
                        await connection.execute(text("SELECT 1"))
        except TimeoutError:
            raise Unavailable(f"database did not answer within {self._timeout:g}s") from None
        except Unavailable:
            raise
        except Exception as error:
            raise Unavailable(f"database check failed: {short_reason(error)}") from error
