from __future__ import annotations

import logging

from application.dead_letters.replay import REPLAY_BATCH, Replay, job_of, replay_in
from application.errors import Conflict
from application.ports.clock import Clock
from application.ports.jobs import JobCodec
from application.ports.unit_of_work import UnitOfWorkFactory
from application.queries import DeadLetterQuery, Paging
from domain.dead_letters import AlreadyReplayed

log = logging.getLogger(__name__)


class ReplayDeadLetters:
    """Replay every open dead letter, or those of one account (run when an account that
    needed re-authorization is connected again: its work can succeed now)."""

    def __init__(self, uow: UnitOfWorkFactory, clock: Clock, codec: JobCodec) -> None:
        self._uow = uow
        self._clock = clock
        self._codec = codec

    async def __call__(self, account_id: int | None = None) -> list[Replay]:
        """Every letter replayed; those naming a job this version cannot run stay open
        and come back with the action `unreadable`."""
        replays: list[Replay] = []
        # Letters that stay open (unreadable) are paged past; the others leave the query.
        skipped = 0
        while True:
            async with self._uow() as uow:
                page = await uow.dead_letters.search(
                    DeadLetterQuery(
                        replayed=False,
                        account_id=account_id,
                        paging=Paging(skipped, REPLAY_BATCH),
                    )
                )
                if not page.items:
                    return replays
                now = self._clock.now()
                for letter in page.items:
                    assert letter.id is not None
                    try:
                        job_of(letter, self._codec)
                    except Conflict as error:
                        log.warning("%s", error)
                        skipped += 1
                        replays.append(Replay(letter, "unreadable"))
                        continue
                    try:
                        letter.mark_replayed(now)
                    except AlreadyReplayed:
                        continue
                    # As in ReplayDeadLetter: a letter replayed meanwhile by another
                    # request is that request's to replay, not queued twice.
                    if not await uow.dead_letters.mark_replayed(letter.id, now):
                        continue
                    replays.append(Replay(letter, await replay_in(uow, letter, now, self._codec)))
                await uow.commit()
