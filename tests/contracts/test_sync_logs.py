from __future__ import annotations

from datetime import timedelta

import attrs
import pytest

from application.errors import Conflict, NotFound
from application.queries import Paging, SyncLogQuery
from domain.sync import SyncKind, SyncLog, SyncStatus, SyncTrigger

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


# -- a run from its request to its end: claims, leases, abandonments (domain.sync) --------

LEASE = timedelta(minutes=2)


async def a_request(uow_factory, account_id: int, at=NOW, kind=SyncKind.PRODUCTS) -> SyncLog:
    async with uow_factory() as uow:
        requested = await uow.sync_logs.add(
            SyncLog.requested(kind, SyncTrigger.API, at, account_id)
        )
        await uow.commit()
    return requested


async def claimed(uow_factory, log_id: int, at=NOW) -> SyncLog | None:
    async with uow_factory() as uow:
        run = await uow.sync_logs.claim(log_id, at, at + LEASE)
        await uow.commit()
    return run


async def test_a_request_reads_back_queued_with_its_time(uow_factory):
    account = await given_account(uow_factory)
    requested = await a_request(uow_factory, account.id)
    async with uow_factory() as uow:
        stored = await uow.sync_logs.get(requested.id)
        waiting = await uow.sync_logs.find_queued(account.id, SyncKind.PRODUCTS)
        other_kind = await uow.sync_logs.find_queued(account.id, SyncKind.ORDERS)
    assert stored == requested
    assert (stored.status, stored.requested_at, stored.attempt) == (SyncStatus.QUEUED, NOW, 1)
    assert waiting == requested and other_kind is None


async def test_a_queued_run_is_claimed_once(uow_factory):
    account = await given_account(uow_factory)
    requested = await a_request(uow_factory, account.id)
    later = NOW + timedelta(seconds=5)

    first = await claimed(uow_factory, requested.id, later)
    second = await claimed(uow_factory, requested.id, later)

    assert first.status is SyncStatus.RUNNING
    assert (first.started_at, first.lease_until) == (later, later + LEASE)
    assert first.requested_at == NOW
    assert second is None


async def test_a_lease_is_renewed_only_while_running(uow_factory):
    account = await given_account(uow_factory)
    run = await claimed(uow_factory, (await a_request(uow_factory, account.id)).id)
    async with uow_factory() as uow:
        assert await uow.sync_logs.renew(run.id, NOW + 2 * LEASE)
        await uow.commit()
    run = attrs.evolve(run, lease_until=NOW + 2 * LEASE)
    run.finish(NOW + LEASE)
    async with uow_factory() as uow:
        assert await uow.sync_logs.save_running(run)
        assert not await uow.sync_logs.renew(run.id, NOW + 3 * LEASE)
        await uow.commit()
    async with uow_factory() as uow:
        stored = await uow.sync_logs.get(run.id)
    assert stored.status is SyncStatus.SUCCEEDED and stored.lease_until is None


async def test_only_a_run_whose_lease_ran_out_is_abandoned_and_only_once(uow_factory):
    account = await given_account(uow_factory)
    run = await claimed(uow_factory, (await a_request(uow_factory, account.id)).id)
    async with uow_factory() as uow:
        too_early = await uow.sync_logs.abandon(run.id, "dead?", NOW + LEASE / 2)
        abandoned = await uow.sync_logs.abandon(run.id, "its worker died", NOW + LEASE)
        again = await uow.sync_logs.abandon(run.id, "its worker died", NOW + 2 * LEASE)
        await uow.commit()

    assert too_early is None and again is None
    assert abandoned.status is SyncStatus.ABANDONED
    assert abandoned.finished_at == NOW + LEASE, "ended when its lease did"
    assert abandoned.errors[-1] == "its worker died" and abandoned.lease_until is None
    async with uow_factory() as uow:
        assert await uow.sync_logs.get(run.id) == abandoned


async def test_a_worker_cannot_record_a_run_taken_back_from_it(uow_factory):
    account = await given_account(uow_factory)
    run = await claimed(uow_factory, (await a_request(uow_factory, account.id)).id)
    async with uow_factory() as uow:
        await uow.sync_logs.abandon(run.id, "lease ran out", NOW + LEASE)
        await uow.commit()

    run.count("fetched", 10)
    run.finish(NOW + 2 * LEASE)
    async with uow_factory() as uow:
        assert not await uow.sync_logs.save_running(run)
        await uow.commit()
    async with uow_factory() as uow:
        assert (await uow.sync_logs.get(run.id)).status is SyncStatus.ABANDONED


async def test_an_abandoned_run_gets_one_successor_at_most(uow_factory):
    account = await given_account(uow_factory)
    run = await claimed(uow_factory, (await a_request(uow_factory, account.id)).id)
    async with uow_factory() as uow:
        abandoned = await uow.sync_logs.abandon(run.id, "died", NOW + LEASE)
        await uow.commit()
    again = SyncLog.requested(
        SyncKind.PRODUCTS, SyncTrigger.API, NOW + LEASE, account.id, abandoned
    )
    async with uow_factory() as uow:
        successor = await uow.sync_logs.add(again)
        await uow.commit()
    assert (successor.retry_of, successor.attempt) == (run.id, 2)

    async with uow_factory() as uow:
        with pytest.raises(Conflict, match="already being run again"):
            await uow.sync_logs.add(again)


async def test_the_sweep_pages_queued_runs_oldest_first(uow_factory):
    account = await given_account(uow_factory)
    made = [
        await a_request(uow_factory, account.id, NOW + timedelta(seconds=n // 2), kind)
        for n, kind in enumerate([SyncKind.PRODUCTS, SyncKind.ORDERS] * 3)
    ]
    await claimed(uow_factory, made[1].id)
    async with uow_factory() as uow:
        first = await uow.sync_logs.queued(NOW + timedelta(seconds=2), 2)
        last = first[-1]
        rest = await uow.sync_logs.queued(
            NOW + timedelta(seconds=2), 10, (last.requested_at, last.id)
        )
    assert [log.id for log in first + list(rest)] == [made[0].id, made[2].id, made[3].id]


async def test_unfinished_runs_are_those_past_their_lease_and_the_abandoned_not_run_again(
    uow_factory,
):
    account = await given_account(uow_factory)
    alive, dead, left, followed, direct = [
        await claimed(uow_factory, (await a_request(uow_factory, account.id)).id) for _ in range(5)
    ]
    async with uow_factory() as uow:
        await uow.sync_logs.renew(alive.id, NOW + 10 * LEASE)
        for run in (left, followed):
            await uow.sync_logs.abandon(run.id, "died", NOW + LEASE)
        abandoned = await uow.sync_logs.get(followed.id)
        await uow.sync_logs.add(
            SyncLog.requested(SyncKind.PRODUCTS, SyncTrigger.API, NOW, account.id, abandoned)
        )
        # A run started directly (no request) is no request to run again once abandoned.
        await uow.sync_logs.save(attrs.evolve(direct, requested_at=None))
        await uow.sync_logs.abandon(direct.id, "died", NOW + LEASE)
        await uow.commit()

    async with uow_factory() as uow:
        found = await uow.sync_logs.unfinished(NOW + 2 * LEASE, 10)
        none_yet = await uow.sync_logs.unfinished(NOW, 10)
    assert [log.id for log in found] == [dead.id, left.id]
    assert none_yet == []
