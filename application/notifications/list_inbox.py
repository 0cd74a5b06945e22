from __future__ import annotations

import attrs

from application.ports.unit_of_work import UnitOfWorkFactory
from application.queries import InboxQuery, Page
from domain.notifications import InboxEntry, InboxStatus


@attrs.define(frozen=True)
class InboxReport:
    page: Page[InboxEntry]
    counts: dict[tuple[str, InboxStatus], int]


class ListInbox:
    def __init__(self, uow: UnitOfWorkFactory) -> None:
        self._uow = uow

    async def __call__(self, query: InboxQuery) -> InboxReport:
        async with self._uow() as uow:
            page = await uow.inbox.search(query)
            counts = await uow.inbox.counts()
        return InboxReport(page, counts)
