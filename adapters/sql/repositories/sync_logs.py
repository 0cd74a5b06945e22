"""Sync logs in SQL."""

from __future__ import annotations

import attrs
from sqlalchemy import (
    ColumnElement,
    select,
    update,
)

from adapters.sql.repositories.base import JsonObject, Row, SqlRepository, page_of
from adapters.sql.tables import (
    sync_logs,
)
from application.errors import NotFound
from application.queries import (
    Page,
    SyncLogQuery,
)
from domain.sync import SyncKind, SyncLog, SyncStatus, SyncTrigger


def sync_log_to_row(log: SyncLog) -> JsonObject:
    return {
        "account_id": log.account_id,
        "kind": log.kind.value,
        "trigger": log.trigger.value,
        "status": log.status.value,
        "started_at": log.started_at,
        "finished_at": log.finished_at,
        "counts": dict(log.counts),
        "errors": list(log.errors),
        "api_calls": log.api_calls,
    }


def sync_log_to_domain(row: Row) -> SyncLog:
    return SyncLog(
        id=row["id"],
        account_id=row["account_id"],
        kind=SyncKind(row["kind"]),
        trigger=SyncTrigger(row["trigger"]),
        status=SyncStatus(row["status"]),
        started_at=row["started_at"],
        finished_at=row["finished_at"],
        counts=dict(row["counts"]),
        errors=list(row["errors"]),
        api_calls=row["api_calls"],
    )


class SqlSyncLogRepository(SqlRepository):
    async def add(self, log: SyncLog) -> SyncLog:
        statement = sync_logs.insert().values(sync_log_to_row(log)).returning(sync_logs.c.id)
        new_id = (await self._write(statement)).scalar_one()
        return attrs.evolve(log, id=new_id, counts=dict(log.counts), errors=list(log.errors))

    async def save(self, log: SyncLog) -> None:
        result = await self._write(
            update(sync_logs).where(sync_logs.c.id == log.id).values(sync_log_to_row(log))
        )
        if result.rowcount == 0:
            raise NotFound("sync log", log.id)

    async def get(self, log_id: int) -> SyncLog:
        row = await self._one(select(sync_logs).where(sync_logs.c.id == log_id))
        if row is None:
            raise NotFound("sync log", log_id)
        return sync_log_to_domain(row)

    async def search(self, query: SyncLogQuery) -> Page[SyncLog]:
        conditions: list[ColumnElement[bool]] = []
        if query.account_id is not None:
            conditions.append(sync_logs.c.account_id == query.account_id)
        if query.kind is not None:
            conditions.append(sync_logs.c.kind == query.kind)
        statement = (
            select(sync_logs)
            .where(*conditions)
            .order_by(sync_logs.c.started_at.desc(), sync_logs.c.id.desc())
            .offset(query.paging.offset)
            .limit(query.paging.limit)
        )
        items = [sync_log_to_domain(row) for row in await self._all(statement)]
        return page_of(items, await self._count(sync_logs, conditions), query.paging)
