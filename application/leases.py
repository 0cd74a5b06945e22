"""Holding a lease on stored work while it runs: renewed in the background, so that a
worker that dies stops renewing and the work is taken back once the lease runs out."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable

from application.errors import ApplicationError

log = logging.getLogger(__name__)


class Lease:
    """Whether the lease is still held: False once a renewal found it taken away."""

    def __init__(self) -> None:
        self.held = True


@contextlib.asynccontextmanager
async def renewed(
    renew: Callable[[], Awaitable[bool]], every: float, what: str
) -> AsyncIterator[Lease]:
    """Call `renew` every `every` seconds while the block runs. `renew` answers whether
    the lease was still held; a renewal that fails (the database is down) is logged and
    tried again at the next turn, before the lease can have run out."""
    lease = Lease()

    async def keep() -> None:
        while lease.held:
            await asyncio.sleep(every)
            try:
                lease.held = await renew()
            except ApplicationError as error:
                log.warning("could not renew the lease of %s: %s", what, error)
                continue
            if not lease.held:
                log.warning("%s lost its lease (taken back after it ran out)", what)

    keeper = asyncio.create_task(keep(), name=f"lease of {what}")
    try:
        yield lease
    finally:
        keeper.cancel()
        # wait(), not `await keeper`: a cancellation of the block itself must not be
        # swallowed along with the keeper's.
        await asyncio.wait([keeper])
