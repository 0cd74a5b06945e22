"""What every SQL repository shares: driver errors translated into port errors, paging, and
the value mappings used by more than one table.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Mapping, Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any, TypeVar

from sqlalchemy import (
    ColumnElement,
    Table,
    exc,
    func,
    select,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import CursorResult, RowMapping
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.sql import Executable

from application.errors import Conflict, Unavailable
from application.queries import (
    Page,
    Paging,
)
from domain.money import Money

T = TypeVar("T")


# Both drivers refuse statements with more than 32767 bound parameters.
MAX_IN_IDS = 10_000


def short_reason(error: BaseException) -> str:
    """The driver's own message, first line only: never the SQL or its parameters."""
    original = getattr(error, "orig", None) or error
    text = str(original).strip().splitlines()
    return (text[0] if text else type(original).__name__)[:300]


@contextlib.contextmanager
def translate_errors() -> Iterator[None]:
    try:
        yield
    except exc.IntegrityError as error:
        raise Conflict(
            f"the change breaks a uniqueness or reference rule: {short_reason(error)}"
        ) from error
    except exc.DBAPIError as error:
        if error.connection_invalidated or isinstance(
            error, exc.OperationalError | exc.InterfaceError
        ):
            raise Unavailable(f"database unavailable: {short_reason(error)}") from error
        raise
    except (exc.TimeoutError, OSError, TimeoutError) as error:
        raise Unavailable(f"database unavailable: {type(error).__name__}") from error


def chunks(values: Sequence[T], size: int) -> Iterator[Sequence[T]]:
    for start in range(0, len(values), size):
        yield values[start : start + size]


def page_of(items: Sequence[T], total: int, paging: Paging) -> Page[T]:
    return Page(items=items, total=total, offset=paging.offset, limit=paging.limit)


class SqlRepository:
    def __init__(self, connection: AsyncConnection) -> None:
        self._connection = connection

    @property
    def _dialect(self) -> str:
        return self._connection.dialect.name

    async def _execute(
        self, statement: Executable, parameters: Sequence[dict[str, Any]] | None = None
    ) -> CursorResult[Any]:
        with translate_errors():
            return await self._connection.execute(statement, parameters)

    async def _write(
        self, statement: Executable, parameters: Sequence[dict[str, Any]] | None = None
    ) -> CursorResult[Any]:
        """Execute a write in a savepoint, so that a Conflict leaves the unit of work
        usable: PostgreSQL would otherwise refuse every later statement of the
        transaction, and turn its COMMIT into a silent ROLLBACK."""
        with translate_errors():
            async with self._connection.begin_nested():
                return await self._connection.execute(statement, parameters)

    async def _one(self, statement: Executable) -> RowMapping | None:
        return (await self._execute(statement)).mappings().first()

    async def _all(self, statement: Executable) -> Sequence[RowMapping]:
        return (await self._execute(statement)).mappings().all()

    async def _count(self, table: Table, conditions: Sequence[ColumnElement[bool]]) -> int:
        result = await self._execute(select(func.count()).select_from(table).where(*conditions))
        return int(result.scalar_one())

    def _insert(self, table: Table) -> Any:
        return (postgresql.insert if self._dialect == "postgresql" else sqlite.insert)(table)

    def _binary(self, column: Any) -> Any:
        """Order text by code point everywhere (PostgreSQL would use its locale)."""
        return column.collate("C") if self._dialect == "postgresql" else column

    async def _upsert(
        self, table: Table, rows: Sequence[dict[str, Any]], key: Sequence[str]
    ) -> None:
        """Insert or replace rows by key: one multi-row statement per page of rows."""
        if not rows:
            return
        # One statement cannot touch the same row twice (PostgreSQL refuses): last wins.
        unique = list({tuple(row[k] for k in key): row for row in rows}.values())
        statement = self._insert(table)
        statement = statement.on_conflict_do_update(
            index_elements=[table.c[k] for k in key],
            set_={c.name: statement.excluded[c.name] for c in table.columns if c.name not in key},
        ).returning(*(table.c[k] for k in key))
        # With RETURNING, SQLAlchemy's "insertmanyvalues" sends the rows as multi-row
        # VALUES statements (up to 1000 rows, below the drivers' bound-parameter limit)
        # from one cached compilation, instead of compiling a statement per batch.
        await self._write(statement, unique)


Row = Mapping[str, Any]


JsonObject = dict[str, Any]


def money_of(amount: Decimal | None, currency_id: str | None) -> Money | None:
    if amount is None or currency_id is None:
        return None
    return Money.of(amount, currency_id)


def money_json(money: Money) -> JsonObject:
    return {"amount": format(money.amount, "f"), "currency_id": money.currency_id}


def money_from_json(data: JsonObject) -> Money:
    return Money.of(Decimal(data["amount"]), data["currency_id"])


def when_json(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat()


def when_from_json(value: str | None) -> datetime | None:
    return None if value is None else datetime.fromisoformat(value)


def compact(data: JsonObject) -> JsonObject:
    """Leave out empty optional keys: listings are stored by the hundred thousand."""
    return {key: value for key, value in data.items() if value is not None}
