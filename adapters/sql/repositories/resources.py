"""Resource snapshots in SQL."""

from __future__ import annotations

from typing import Any

from sqlalchemy import (
    ColumnElement,
    select,
)

from adapters.sql.repositories.base import Row, SqlRepository, page_of
from adapters.sql.tables import (
    resources,
)
from application.queries import (
    Page,
    ResourceQuery,
)
from domain.resources import ResourceSnapshot


def snapshot_to_row(snapshot: ResourceSnapshot) -> dict[str, Any]:
    return {
        "path": snapshot.path,
        "topic": snapshot.topic,
        "account_id": snapshot.account_id,
        "body": dict(snapshot.body),
        "fetched_at": snapshot.fetched_at,
    }


def snapshot_to_domain(row: Row) -> ResourceSnapshot:
    return ResourceSnapshot(
        path=row["path"],
        body=row["body"],
        fetched_at=row["fetched_at"],
        topic=row["topic"],
        account_id=row["account_id"],
    )


class SqlResourceSnapshotRepository(SqlRepository):
    async def upsert(self, snapshot: ResourceSnapshot) -> bool:
        insert = self._insert(resources).values(snapshot_to_row(snapshot))
        statement = insert.on_conflict_do_update(
            index_elements=[resources.c.path],
            set_={c.name: insert.excluded[c.name] for c in resources.columns if c.name != "path"},
            # Newest read wins, whatever order the reads are stored in.
            where=resources.c.fetched_at <= insert.excluded.fetched_at,
        ).returning(resources.c.path)
        return (await self._write(statement)).scalar_one_or_none() is not None

    async def find(self, path: str) -> ResourceSnapshot | None:
        row = await self._one(select(resources).where(resources.c.path == path))
        return None if row is None else snapshot_to_domain(row)

    async def search(self, query: ResourceQuery) -> Page[ResourceSnapshot]:
        conditions: list[ColumnElement[bool]] = []
        if query.topic is not None:
            conditions.append(resources.c.topic == query.topic)
        if query.account_id is not None:
            conditions.append(resources.c.account_id == query.account_id)
        statement = (
            select(resources)
            .where(*conditions)
            .order_by(self._binary(resources.c.path))
            .offset(query.paging.offset)
            .limit(query.paging.limit)
        )
        items = [snapshot_to_domain(row) for row in await self._all(statement)]
        return page_of(items, await self._count(resources, conditions), query.paging)
