from __future__ import annotations

import logging

from application.accounts.count_accounts import CountAccountsByStatus
from application.dead_letters.count_open_dead_letters import CountOpenDeadLetters
from application.errors import Unavailable
from application.ports.events import OperationsGauges

log = logging.getLogger(__name__)


class ReportGauges:
    """Read from the store the figures a metrics scrape shows (accounts by status, open
    dead letters) and report them. A store that does not answer leaves the last figures
    and is logged: the scrape still gets every counter."""

    def __init__(
        self,
        count_accounts: CountAccountsByStatus,
        count_dead_letters: CountOpenDeadLetters,
        gauges: OperationsGauges,
    ) -> None:
        self._count_accounts = count_accounts
        self._count_dead_letters = count_dead_letters
        self._gauges = gauges

    async def __call__(self) -> None:
        try:
            self._gauges.accounts(await self._count_accounts())
        except Unavailable:
            log.warning("metrics served without account counts: the database is unavailable")
        try:
            self._gauges.open_dead_letters(await self._count_dead_letters())
        except Unavailable:
            log.warning("metrics served without dead letters: the database is unavailable")
