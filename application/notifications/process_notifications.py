from __future__ import annotations

import asyncio
from collections.abc import Iterable

from application.notifications.process_notification import ProcessNotification, ProcessOutcome


class ProcessNotifications:
    """Process the new notifications of one batch (the `process_notifications` job), a
    few at a time; each exactly as ProcessNotification does alone."""

    CONCURRENCY = 8

    def __init__(self, process: ProcessNotification) -> None:
        self._process = process

    async def __call__(self, entry_ids: Iterable[int]) -> list[ProcessOutcome]:
        ids = list(entry_ids)
        slots = asyncio.Semaphore(self.CONCURRENCY)

        async def one(entry_id: int) -> ProcessOutcome:
            async with slots:
                return await self._process(entry_id)

        return list(await asyncio.gather(*(one(entry_id) for entry_id in ids)))
