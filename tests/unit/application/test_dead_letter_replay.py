"""Replaying one dead letter: once, even when two requests ask at the same time."""

from __future__ import annotations

import asyncio
import re
from datetime import UTC, datetime

import pytest

from adapters.memory import InMemoryJobQueue, InMemoryStore, InMemoryUnitOfWork
from adapters.queue.codec import CattrsJobCodec
from adapters.system.clock import ManualClock
from application import jobs
from application.dead_letters.replay_dead_letter import ReplayDeadLetter
from application.dead_letters.replay_dead_letters import ReplayDeadLetters
from application.errors import Conflict
from domain.accounts import Account
from domain.dead_letters import AlreadyReplayed, DeadLetter, DeadLetterSource
from entrypoints.http.problems import problem_for

START = datetime(2026, 11, 26, 12, tzinfo=UTC)
JOB = jobs.ReconcileOrders(1)  # of the account a_job_letter connects
CODEC = CattrsJobCodec()


def runs_of(queue: InMemoryJobQueue) -> list[tuple[type, int]]:
    """The sync jobs queued, without the run each names: a replayed sync is a new
    request (a queued sync log) whose job names it."""
    return [(type(job), job.account_id) for job in queue.jobs]


class ReadingTogether(InMemoryUnitOfWork):
    """A unit of work whose dead letter reads wait at a barrier until every replay has
    read: the interleaving two requests served at once can have (each reads the open
    letter before either writes)."""

    def __init__(self, store: InMemoryStore, queue: InMemoryJobQueue, barrier: asyncio.Barrier):
        super().__init__(store, queue)
        self._barrier = barrier

    async def __aenter__(self) -> ReadingTogether:
        await super().__aenter__()
        read = self.dead_letters.get

        async def read_then_wait(letter_id: int) -> DeadLetter:
            letter = await read(letter_id)
            await self._barrier.wait()
            return letter

        self.dead_letters.get = read_then_wait
        return self


async def a_job_letter(store: InMemoryStore) -> DeadLetter:
    async with InMemoryUnitOfWork(store, InMemoryJobQueue()) as uow:
        await uow.accounts.add(Account(202593498, "MLA", "SELLER"))
        letter = await uow.dead_letters.add(
            DeadLetter(
                source=DeadLetterSource.JOB,
                reference=CODEC.encode(JOB),
                topic="reconcile_orders",
                error="Unavailable: MercadoLibre answered 503",
                attempts=5,
                failed_at=START,
            )
        )
        await uow.commit()
    return letter


async def test_two_replays_at_the_same_time_queue_the_work_once_and_one_gets_a_409():
    store, queue, clock = InMemoryStore(), InMemoryJobQueue(), ManualClock(START)
    letter = await a_job_letter(store)
    barrier = asyncio.Barrier(2)
    replay = ReplayDeadLetter(lambda: ReadingTogether(store, queue, barrier), clock, CODEC)

    results = await asyncio.gather(replay(letter.id), replay(letter.id), return_exceptions=True)

    [replayed] = [r for r in results if not isinstance(r, BaseException)]
    [refused] = [r for r in results if isinstance(r, BaseException)]
    assert replayed.action == "requeued" and replayed.letter.replayed_at == START
    assert isinstance(refused, Conflict) and "at the same time" in str(refused)
    assert problem_for(refused).status == 409
    assert runs_of(queue) == [(jobs.ReconcileOrders, 1)], "queued once"
    async with InMemoryUnitOfWork(store, queue) as uow:
        assert (await uow.dead_letters.get(letter.id)).replayed_at == START


async def test_a_replay_after_the_first_finished_is_refused_with_its_time():
    store, queue, clock = InMemoryStore(), InMemoryJobQueue(), ManualClock(START)
    letter = await a_job_letter(store)
    replay = ReplayDeadLetter(lambda: InMemoryUnitOfWork(store, queue), clock, CODEC)
    await replay(letter.id)
    clock.advance(60)

    with pytest.raises(AlreadyReplayed, match=re.escape(START.isoformat())):
        await replay(letter.id)

    assert len(queue.jobs) == 1


class SearchingTogether(InMemoryUnitOfWork):
    """A unit of work whose first dead-letter search waits at the barrier: a bulk replay
    that has listed the open letters just as a single replay read one."""

    def __init__(self, store: InMemoryStore, queue: InMemoryJobQueue, barrier: asyncio.Barrier):
        super().__init__(store, queue)
        self._barrier = barrier

    async def __aenter__(self) -> SearchingTogether:
        await super().__aenter__()
        search = self.dead_letters.search
        barrier = self._barrier

        async def search_then_wait(query):
            page = await search(query)
            if page.items and barrier.n_waiting < barrier.parties:
                await barrier.wait()
                await asyncio.sleep(0.01)  # the single replay writes first
            return page

        self.dead_letters.search = search_then_wait
        return self


async def test_a_bulk_replay_and_a_single_one_at_the_same_time_queue_the_work_once():
    store, queue, clock = InMemoryStore(), InMemoryJobQueue(), ManualClock(START)
    letter = await a_job_letter(store)
    barrier = asyncio.Barrier(2)
    single = ReplayDeadLetter(lambda: ReadingTogether(store, queue, barrier), clock, CODEC)
    bulk = ReplayDeadLetters(lambda: SearchingTogether(store, queue, barrier), clock, CODEC)

    results = await asyncio.gather(single(letter.id), bulk(), return_exceptions=True)

    assert runs_of(queue) == [(jobs.ReconcileOrders, 1)], "queued once"
    single_result, bulk_result = results
    assert not isinstance(bulk_result, BaseException), "the bulk replay skips it, no error"
    replayed_by_single = not isinstance(single_result, BaseException)
    assert replayed_by_single != bool(bulk_result)
