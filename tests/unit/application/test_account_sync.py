"""One request syncs every kind of one account (issue 18): one queued run each."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from adapters.memory import InMemoryJobQueue, InMemoryStore, InMemoryUnitOfWork
from adapters.system.clock import ManualClock
from application import jobs
from application.errors import NotFound
from application.operations.request_account_sync import RequestAccountSync
from domain.accounts import Account
from domain.sync import SyncKind, SyncStatus, SyncTrigger


async def test_every_kind_is_queued_once_and_asking_again_answers_the_same_runs():
    store, queue = InMemoryStore(), InMemoryJobQueue()

    def uow():
        return InMemoryUnitOfWork(store, queue)

    async with uow() as unit:
        account = await unit.accounts.add(Account(202593498, "MLA", "SELLER"))
        await unit.commit()
    request = RequestAccountSync(uow, ManualClock(datetime(2026, 12, 3, tzinfo=UTC)))

    runs = await request(account.id)

    assert [run.kind for run in runs] == [
        SyncKind.PRODUCTS,
        SyncKind.INVENTORY,
        SyncKind.ORDERS,
        SyncKind.QUESTIONS,
    ]
    assert all(r.status is SyncStatus.QUEUED and r.trigger is SyncTrigger.API for r in runs)
    assert [type(job) for job in queue.jobs] == [
        jobs.SyncCatalogue,
        jobs.SyncInventory,
        jobs.ReconcileOrders,
        jobs.ReconcileQuestions,
    ]
    assert [run.id for run in await request(account.id)] == [run.id for run in runs]
    assert len(queue.jobs) == 4, "still queued: no second run"
    with pytest.raises(NotFound):
        await request(999)
