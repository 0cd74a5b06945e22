from __future__ import annotations

import logging

from application.errors import ApplicationError
from application.messages.list_unread import ListUnread
from application.ports.unit_of_work import UnitOfWorkFactory

log = logging.getLogger(__name__)


class ReadUnreadMessages:
    """The periodic read of post-sale messages (the `messages` job): for every usable
    account, MercadoLibre's unread list (§8.4) and each conversation it names, read
    without marking it read and stored, so what a lost `messages` notification would
    have brought arrives anyway. One account's failure is that account's (logged), not
    the run's. Returns the unread conversations per account id."""

    def __init__(self, uow: UnitOfWorkFactory, list_unread: ListUnread) -> None:
        self._uow = uow
        self._list_unread = list_unread

    async def __call__(self) -> dict[int, int]:
        async with self._uow() as uow:
            accounts = [a for a in await uow.accounts.list() if a.is_usable and a.id is not None]
        found: dict[int, int] = {}
        for account in accounts:
            assert account.id is not None
            try:
                found[account.id] = len(await self._list_unread(account.id, refresh=True))
            except ApplicationError as error:
                log.warning("unread messages of account %s not read: %s", account.id, error)
        return found
