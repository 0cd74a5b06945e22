from __future__ import annotations

import logging

from application.dead_letters.replay import Replay, replay_in
from application.errors import Conflict
from application.ports.clock import Clock
from application.ports.jobs import JobCodec
from application.ports.unit_of_work import UnitOfWorkFactory

log = logging.getLogger(__name__)


class ReplayDeadLetter:
    """Put a dead letter's work back: a notification goes back to `received` with its
    failures reset (a full retry budget) and is queued; a job is queued again. Each
    letter replays once (AlreadyReplayed, a 409, the second time; Conflict, a 409 too, for
    the loser of two replays at the same time)."""

    def __init__(self, uow: UnitOfWorkFactory, clock: Clock, codec: JobCodec) -> None:
        self._uow = uow
        self._clock = clock
        self._codec = codec

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
            action = await replay_in(uow, letter, now, self._codec)
            await uow.commit()
        log.info("dead letter %s replayed: %s", letter_id, action)
        return Replay(letter, action)
