"""Sync logs in SQL: atomic claims, renewals and abandonments that workers and the sweep
race for."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

import attrs
from sqlalchemy import (
    ColumnElement,
    and_,
    exists,
    or_,
    select,
    update,
)
from sqlalchemy.orm import aliased

from adapters.sql.repositories.base import JsonObject, Row, SqlRepository, page_of
from adapters.sql.tables import (
    sync_logs,
)
from application.errors import Conflict, NotFound
from application.queries import (
    Page,
    SyncLogQuery,
)
from domain.sync import MAX_ATTEMPTS, SyncKind, SyncLog, SyncStatus, SyncTrigger


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
        "requested_at": log.requested_at,
        "lease_until": log.lease_until,
        "retry_of": log.retry_of,
        "attempt": log.attempt,
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
        requested_at=row["requested_at"],
        lease_until=row["lease_until"],
        retry_of=row["retry_of"],
        attempt=row["attempt"],
    )


_RUNNING = SyncStatus.RUNNING.value


class SqlSyncLogRepository(SqlRepository):
    async def add(self, log: SyncLog) -> SyncLog:
        statement = sync_logs.insert().values(sync_log_to_row(log)).returning(sync_logs.c.id)
        try:
            new_id = (await self._write(statement)).scalar_one()
        except Conflict:
            if log.retry_of is None:
                raise
            raise Conflict(f"sync log {log.retry_of} is already being run again") from None
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

    async def find_queued(self, account_id: int, kind: SyncKind) -> SyncLog | None:
        row = await self._one(
            select(sync_logs)
            .where(
                sync_logs.c.status == SyncStatus.QUEUED.value,
                sync_logs.c.account_id == account_id,
                sync_logs.c.kind == kind.value,
            )
            .order_by(sync_logs.c.requested_at, sync_logs.c.id)
            .limit(1)
        )
        return None if row is None else sync_log_to_domain(row)

    async def claim(self, log_id: int, now: datetime, lease_until: datetime) -> SyncLog | None:
        statement = (
            update(sync_logs)
            .where(sync_logs.c.id == log_id, sync_logs.c.status == SyncStatus.QUEUED.value)
            .values(status=_RUNNING, started_at=now, lease_until=lease_until)
            .returning(*sync_logs.c)
        )
        row = (await self._execute(statement)).mappings().first()
        return None if row is None else sync_log_to_domain(row)

    async def renew(self, log_id: int, lease_until: datetime) -> bool:
        statement = (
            update(sync_logs)
            .where(sync_logs.c.id == log_id, sync_logs.c.status == _RUNNING)
            .values(lease_until=lease_until)
        )
        return (await self._execute(statement)).rowcount == 1

    async def save_running(self, log: SyncLog) -> bool:
        statement = (
            update(sync_logs)
            .where(sync_logs.c.id == log.id, sync_logs.c.status == _RUNNING)
            .values(sync_log_to_row(log))
        )
        return (await self._execute(statement)).rowcount == 1

    async def abandon(self, log_id: int, reason: str, lease_ended_by: datetime) -> SyncLog | None:
        statement = (
            update(sync_logs)
            .where(
                sync_logs.c.id == log_id,
                sync_logs.c.status == _RUNNING,
                sync_logs.c.lease_until <= lease_ended_by,
            )
            # The status moves first, in one statement: of two callers one wins, and the
            # other's update then matches no row.
            .values(status=SyncStatus.ABANDONED.value, finished_at=sync_logs.c.lease_until)
            .returning(*sync_logs.c)
        )
        row = (await self._execute(statement)).mappings().first()
        if row is None:
            return None
        abandoned = sync_log_to_domain(row)
        abandoned.record_error(reason)
        abandoned.lease_until = None
        await self._execute(
            update(sync_logs)
            .where(sync_logs.c.id == log_id)
            .values(counts=dict(abandoned.counts), errors=list(abandoned.errors), lease_until=None)
        )
        return abandoned

    async def queued(
        self, requested_before: datetime, limit: int, after: tuple[datetime, int] | None = None
    ) -> Sequence[SyncLog]:
        conditions = [
            sync_logs.c.status == SyncStatus.QUEUED.value,
            sync_logs.c.requested_at < requested_before,
        ]
        if after is not None:
            after_time, after_id = after
            conditions.append(
                or_(
                    sync_logs.c.requested_at > after_time,
                    and_(sync_logs.c.requested_at == after_time, sync_logs.c.id > after_id),
                )
            )
        rows = await self._all(
            select(sync_logs)
            .where(*conditions)
            .order_by(sync_logs.c.requested_at, sync_logs.c.id)
            .limit(limit)
        )
        return [sync_log_to_domain(row) for row in rows]

    async def unfinished(self, ended_by: datetime, limit: int) -> Sequence[SyncLog]:
        successor = aliased(sync_logs)
        lease_ran_out = and_(sync_logs.c.status == _RUNNING, sync_logs.c.lease_until <= ended_by)
        left_alone = and_(
            sync_logs.c.status == SyncStatus.ABANDONED.value,
            sync_logs.c.requested_at.is_not(None),
            sync_logs.c.attempt < MAX_ATTEMPTS,
            sync_logs.c.finished_at <= ended_by,
            ~exists().where(successor.c.retry_of == sync_logs.c.id),
        )
        rows = await self._all(
            select(sync_logs)
            .where(or_(lease_ran_out, left_alone))
            .order_by(sync_logs.c.id)
            .limit(limit)
        )
        return [sync_log_to_domain(row) for row in rows]
