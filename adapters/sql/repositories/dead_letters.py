"""Dead letters in SQL."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

import attrs
from sqlalchemy import (
    ColumnElement,
    and_,
    or_,
    select,
    update,
)

from adapters.sql.repositories.base import Row, SqlRepository, page_of
from adapters.sql.tables import (
    accounts,
    dead_letters,
)
from application.errors import NotFound
from application.queries import (
    DeadLetterQuery,
    Page,
)
from domain.accounts import AccountStatus
from domain.dead_letters import DeadLetter, DeadLetterSource


def dead_letter_to_row(letter: DeadLetter) -> dict[str, Any]:
    return {
        "source": letter.source.value,
        "reference": letter.reference,
        "topic": letter.topic,
        "account_id": letter.account_id,
        "error": letter.error,
        "attempts": letter.attempts,
        "failed_at": letter.failed_at,
        "replayed_at": letter.replayed_at,
    }


def dead_letter_to_domain(row: Row) -> DeadLetter:
    return DeadLetter(
        id=row["id"],
        source=DeadLetterSource(row["source"]),
        reference=row["reference"],
        topic=row["topic"],
        account_id=row["account_id"],
        error=row["error"],
        attempts=row["attempts"],
        failed_at=row["failed_at"],
        replayed_at=row["replayed_at"],
    )


class SqlDeadLetterRepository(SqlRepository):
    async def add(self, letter: DeadLetter) -> DeadLetter:
        statement = (
            dead_letters.insert().values(dead_letter_to_row(letter)).returning(dead_letters.c.id)
        )
        new_id = (await self._write(statement)).scalar_one()
        return attrs.evolve(letter, id=new_id)

    async def get(self, letter_id: int) -> DeadLetter:
        row = await self._one(select(dead_letters).where(dead_letters.c.id == letter_id))
        if row is None:
            raise NotFound("dead letter", letter_id)
        return dead_letter_to_domain(row)

    async def mark_replayed(self, letter_id: int, now: datetime) -> bool:
        # On PostgreSQL a concurrent UPDATE of the row waits for this transaction, then
        # finds replayed_at set; on SQLite the write lock serialises the transactions.
        result = await self._write(
            update(dead_letters)
            .where(dead_letters.c.id == letter_id, dead_letters.c.replayed_at.is_(None))
            .values(replayed_at=now)
        )
        return result.rowcount == 1

    async def search(self, query: DeadLetterQuery) -> Page[DeadLetter]:
        conditions: list[ColumnElement[bool]] = []
        if query.source is not None:
            conditions.append(dead_letters.c.source == query.source)
        if query.replayed is not None:
            replayed_at = dead_letters.c.replayed_at
            conditions.append(replayed_at.is_not(None) if query.replayed else replayed_at.is_(None))
        if query.account_id is not None:
            conditions.append(dead_letters.c.account_id == query.account_id)
        statement = (
            select(dead_letters)
            .where(*conditions)
            .order_by(dead_letters.c.failed_at.desc(), dead_letters.c.id.desc())
            .offset(query.paging.offset)
            .limit(query.paging.limit)
        )
        items = [dead_letter_to_domain(row) for row in await self._all(statement)]
        return page_of(items, await self._count(dead_letters, conditions), query.paging)

    async def count_open(self) -> int:
        return await self._count(dead_letters, [dead_letters.c.replayed_at.is_(None)])

    async def awaiting_replay(
        self, connected_before: datetime, limit: int, after: tuple[datetime, int] | None = None
    ) -> Sequence[tuple[int, datetime]]:
        open_before_connection = (
            select(dead_letters.c.id)
            .where(
                dead_letters.c.account_id == accounts.c.id,
                dead_letters.c.replayed_at.is_(None),
                dead_letters.c.failed_at < accounts.c.connected_at,
            )
            .exists()
        )
        conditions = [
            accounts.c.status == AccountStatus.ACTIVE.value,
            accounts.c.connected_at < connected_before,
            open_before_connection,
        ]
        if after is not None:
            after_time, after_id = after
            conditions.append(
                or_(
                    accounts.c.connected_at > after_time,
                    and_(accounts.c.connected_at == after_time, accounts.c.id > after_id),
                )
            )
        rows = await self._all(
            select(accounts.c.id, accounts.c.connected_at)
            .where(*conditions)
            .order_by(accounts.c.connected_at, accounts.c.id)
            .limit(limit)
        )
        return [(row["id"], row["connected_at"]) for row in rows]
