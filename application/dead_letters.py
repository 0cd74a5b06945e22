"""Dead letters: notifications and jobs that failed for good, kept with their error until
an operator replays them (REST `POST /dead-letters/{id}/replay`, `meli dlq replay`)."""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from datetime import datetime

import attrs

from application.errors import Conflict, NotFound
from application.ports.clock import Clock
from application.ports.jobs import Job, JsonScalar
from application.ports.unit_of_work import UnitOfWork, UnitOfWorkFactory
from application.queries import DeadLetterQuery, Page, Paging
from domain.dead_letters import AlreadyReplayed, DeadLetter, DeadLetterSource
from domain.notifications import InboxStatus

log = logging.getLogger(__name__)

# The job that processes one inbox entry (application.notifications uses the same name).
PROCESS_NOTIFICATION = "process_notification"
REPLAY_BATCH = 200


def job_reference(actor: str, kwargs: Mapping[str, JsonScalar]) -> str:
    """How a job is named in a dead letter: enough to enqueue it again."""
    return json.dumps({"actor": actor, "kwargs": dict(kwargs)}, sort_keys=True)


def job_of(reference: str) -> Job:
    data = json.loads(reference)
    return Job(data["actor"], data.get("kwargs") or {})


@attrs.define(frozen=True)
class Replay:
    """What a replay did: `action` is `requeued` (the work runs again), `coalesced` (a
    newer notification of the same resource is already waiting and brings it up to
    date), or `nothing` (the work had been put back another way meanwhile)."""

    letter: DeadLetter
    action: str


async def replay_in(uow: UnitOfWork, letter: DeadLetter, now: datetime) -> str:
    """Put the letter's work back inside `uow`; the caller commits."""
    if letter.source is DeadLetterSource.JOB:
        uow.enqueue_after_commit(job_of(letter.reference))
        return "requeued"
    try:
        entry = await uow.inbox.get(int(letter.reference))
    except NotFound:
        return "nothing"
    if entry.status is not InboxStatus.DEAD:
        return "nothing"
    entry.move_to(InboxStatus.RECEIVED, now)
    # A full retry budget again. `attempts` keeps growing: it is what tells a claim still
    # running from before from the claims of the replay (NotificationInbox.finish).
    entry.failures = 0
    entry.next_attempt_at = None
    try:
        await uow.inbox.save(entry)
    except Conflict:
        # A newer notification of the resource is pending: when it runs it reads the
        # resource as it is then, which covers this one. It never read it itself, so it
        # gets no processed_at (that time must always be a real read, see
        # ProcessNotification).
        entry.move_to(InboxStatus.PROCESSED, now)
        entry.processed_at = None
        await uow.inbox.save(entry)
        return "coalesced"
    uow.enqueue_after_commit(Job(PROCESS_NOTIFICATION, {"entry_id": entry.id}))
    return "requeued"


class ReplayDeadLetter:
    """Put a dead letter's work back: a notification goes back to `received` with its
    failures reset (a full retry budget) and is queued; a job is queued again. Each
    letter replays once (AlreadyReplayed, a 409, the second time; Conflict, a 409 too, for
    the loser of two replays at the same time)."""

    def __init__(self, uow: UnitOfWorkFactory, clock: Clock) -> None:
        self._uow = uow
        self._clock = clock

    async def __call__(self, letter_id: int) -> Replay:
        now = self._clock.now()
        async with self._uow() as uow:
            letter = await uow.dead_letters.get(letter_id)
            letter.mark_replayed(now)
            # The read above locks nothing: two replays at once both get this far. The
            # conditional update lets exactly one through; the other queues nothing.
            if not await uow.dead_letters.mark_replayed(letter_id, now):
                raise Conflict(
                    f"dead letter {letter_id} was replayed by another request at the same "
                    "time; if that failed again, it has a new dead letter"
                )
            action = await replay_in(uow, letter, now)
            await uow.commit()
        log.info("dead letter %s replayed: %s", letter_id, action)
        return Replay(letter, action)


class ReplayDeadLetters:
    """Replay every open dead letter, or those of one account (run when an account that
    needed re-authorization is connected again: its work can succeed now)."""

    def __init__(self, uow: UnitOfWorkFactory, clock: Clock) -> None:
        self._uow = uow
        self._clock = clock

    async def __call__(self, account_id: int | None = None) -> list[Replay]:
        replays: list[Replay] = []
        while True:
            async with self._uow() as uow:
                page = await uow.dead_letters.search(
                    DeadLetterQuery(
                        replayed=False, account_id=account_id, paging=Paging(0, REPLAY_BATCH)
                    )
                )
                if not page.items:
                    return replays
                now = self._clock.now()
                for letter in page.items:
                    assert letter.id is not None
                    try:
                        letter.mark_replayed(now)
                    except AlreadyReplayed:
                        continue
                    # As in ReplayDeadLetter: a letter replayed meanwhile by another
                    # request is that request's to replay, not queued twice.
                    if not await uow.dead_letters.mark_replayed(letter.id, now):
                        continue
                    replays.append(Replay(letter, await replay_in(uow, letter, now)))
                await uow.commit()


class ListDeadLetters:
    def __init__(self, uow: UnitOfWorkFactory) -> None:
        self._uow = uow

    async def __call__(self, query: DeadLetterQuery) -> Page[DeadLetter]:
        async with self._uow() as uow:
            return await uow.dead_letters.search(query)


class CountOpenDeadLetters:
    def __init__(self, uow: UnitOfWorkFactory) -> None:
        self._uow = uow

    async def __call__(self) -> int:
        async with self._uow() as uow:
            return await uow.dead_letters.count_open()


class RecordDeadJob:
    """A job that failed on every retry the broker gave it becomes a dead letter, so an
    operator sees it and can run it again (`on_retry_exhausted`, entrypoints/worker)."""

    def __init__(self, uow: UnitOfWorkFactory, clock: Clock) -> None:
        self._uow = uow
        self._clock = clock

    async def __call__(
        self, actor: str, kwargs: Mapping[str, JsonScalar], error: str, attempts: int
    ) -> DeadLetter:
        account_id = kwargs.get("account_id")
        async with self._uow() as uow:
            letter = await uow.dead_letters.add(
                DeadLetter(
                    source=DeadLetterSource.JOB,
                    reference=job_reference(actor, kwargs),
                    topic=actor,
                    error=error,
                    attempts=attempts,
                    failed_at=self._clock.now(),
                    account_id=account_id if isinstance(account_id, int) else None,
                )
            )
            await uow.commit()
        log.warning("job %s(%s) failed for good: %s", actor, dict(kwargs), error)
        return letter
