from __future__ import annotations

from datetime import timedelta

import attrs
import pytest

from application.errors import Conflict, NotFound
from application.queries import Paging, SyncLogQuery
from domain.sync import SyncKind, SyncStatus, SyncTrigger

from .builders import NOW, a_sync_log, given_account


async def test_an_added_run_gets_an_id_and_reads_back_with_every_field(uow_factory):
    account = await given_account(uow_factory)
    log = a_sync_log(account_id=account.id)
    async with uow_factory() as uow:
        added = await uow.sync_logs.add(log)
        await uow.commit()

    assert added.id is not None
    assert added == attrs.evolve(log, id=added.id)
    async with uow_factory() as uow:
        assert await uow.sync_logs.get(added.id) == added


async def test_a_finished_run_reads_back_as_saved(uow_factory):
    async with uow_factory() as uow:
        log = await uow.sync_logs.add(a_sync_log(counts={}, errors=[]))
        await uow.commit()

    log.count("fetched", 3)
    log.record_error("MLA1: gone")
    log.api_calls = 12
    log.finish(NOW + timedelta(minutes=2))
    async with uow_factory() as uow:
        await uow.sync_logs.save(log)
        await uow.commit()

    async with uow_factory() as uow:
        stored = await uow.sync_logs.get(log.id)
    assert stored == log
    assert stored.status is SyncStatus.PARTIAL
    assert stored.duration_seconds == 120


async def test_changing_an_added_run_without_saving_changes_nothing(uow_factory):
    async with uow_factory() as uow:
        log = await uow.sync_logs.add(a_sync_log())
        log.count("fetched")
        log.errors.append("not saved")
        await uow.commit()

    async with uow_factory() as uow:
        assert await uow.sync_logs.get(log.id) == a_sync_log(id=log.id)


async def test_unknown_runs_raise_not_found(uow_factory):
    async with uow_factory() as uow:
        with pytest.raises(NotFound):
            await uow.sync_logs.get(404)
        with pytest.raises(NotFound):
            await uow.sync_logs.save(a_sync_log(id=404))


async def test_a_run_of_an_unknown_account_is_refused_with_conflict(uow_factory):
    async with uow_factory() as uow:
        with pytest.raises(Conflict):
            await uow.sync_logs.add(a_sync_log(account_id=404))


async def test_run_search_returns_the_latest_started_first_and_filters(uow_factory):
    first = await given_account(uow_factory, seller_id=1)
    second = await given_account(uow_factory, seller_id=2)
    runs = [
        a_sync_log(account_id=first.id, started_at=NOW - timedelta(hours=3)),
        a_sync_log(account_id=second.id, started_at=NOW - timedelta(hours=2)),
        a_sync_log(account_id=first.id, kind=SyncKind.ORDERS, started_at=NOW),
        a_sync_log(trigger=SyncTrigger.CLI, started_at=NOW - timedelta(hours=1)),
    ]
    async with uow_factory() as uow:
        ids = [(await uow.sync_logs.add(run)).id for run in runs]
        await uow.commit()

    def found(page):
        return [ids.index(log.id) for log in page.items]

    async with uow_factory() as uow:
        everything = await uow.sync_logs.search(SyncLogQuery())
        of_first = await uow.sync_logs.search(SyncLogQuery(account_id=first.id))
        products = await uow.sync_logs.search(SyncLogQuery(kind="products"))
        both = await uow.sync_logs.search(SyncLogQuery(account_id=first.id, kind="orders"))
        paged = await uow.sync_logs.search(SyncLogQuery(paging=Paging(offset=1, limit=2)))

    assert found(everything) == [2, 3, 1, 0]
    assert found(of_first) == [2, 0]
    assert found(products) == [3, 1, 0]
    assert found(both) == [2]
    assert found(paged) == [3, 1]
    assert (paged.total, paged.offset, paged.limit) == (4, 1, 2)
