from __future__ import annotations

import logging
from collections.abc import Iterable

from application.accounts.usable import usable_account
from application.errors import Forbidden, NotFound
from application.notifications.record_resource import RecordResource
from application.ports.clock import Clock
from application.ports.marketplace import Marketplace, SnapshotPage
from application.ports.unit_of_work import UnitOfWorkFactory
from application.sync_logs.runs import SyncRuns
from domain.accounts import Account
from domain.resources import ResourceSnapshot
from domain.sync import SyncKind, SyncLog, SyncTrigger

log = logging.getLogger(__name__)


class ReconcileQuestions:
    """Keep snapshots of /questions/{id} for the account's unanswered questions and its
    most recent ones (GET /questions/search?seller_id=&api_version=4, §7), within the 1000
    results offset paging reaches (§4.11). Every run is a meli_sync_logs row (kind
    questions).

    Search results are a shorter shape than GET /questions/{id} (`from` instead of
    `buyer_id`, no `last_updated` or `app_id`, §7), so they only say what changed: a
    question whose status and answer match the stored snapshot is left alone (counted
    `unchanged`), and the others are read whole and stored, as a notification would.
    """

    PAGE = 50
    RECENT_PAGES = 4
    MAX_OFFSET = 1000

    def __init__(
        self,
        uow: UnitOfWorkFactory,
        marketplace: Marketplace,
        record: RecordResource,
        clock: Clock,
        runs: SyncRuns | None = None,
    ) -> None:
        self._uow = uow
        self._marketplace = marketplace
        self._record = record
        self._clock = clock
        self._runs = runs or SyncRuns(uow, clock)

    async def __call__(
        self, account_id: int, trigger: SyncTrigger, log_id: int | None = None
    ) -> SyncLog | None:
        """The ended log; None when there was nothing to run (see SyncRuns.begin)."""
        if log_id is None:
            async with self._uow() as uow:
                await usable_account(uow, account_id)
        sync_log = await self._runs.begin(SyncKind.QUESTIONS, trigger, account_id, log_id)
        if sync_log is None:
            return None

        async def both_passes() -> None:
            async with self._uow() as uow:
                account = await usable_account(uow, account_id)
            await self._pass(account, sync_log, "UNANSWERED", self.MAX_OFFSET // self.PAGE)
            await self._pass(account, sync_log, None, self.RECENT_PAGES)

        return await self._runs.run_logged(sync_log, both_passes)

    async def _pass(
        self, account: Account, sync_log: SyncLog, status: str | None, pages: int
    ) -> None:
        assert account.id is not None
        offset = 0
        for _ in range(pages):
            page: SnapshotPage = await self._marketplace.search_question_snapshots(
                account.id, account.seller_id, offset, self.PAGE, status
            )
            sync_log.api_calls += 1
            for path in await self._changed(page.snapshots, sync_log):
                try:
                    await self._record(account, "questions", path)
                except NotFound:
                    sync_log.count("gone")
                    continue
                except Forbidden as error:
                    sync_log.record_error(f"{path}: {error}")
                    continue
                finally:
                    sync_log.api_calls += 1
                sync_log.count("stored")
            offset += len(page.snapshots)
            if not page.snapshots or offset >= min(page.total, self.MAX_OFFSET):
                return

    async def _changed(self, found: Iterable[ResourceSnapshot], sync_log: SyncLog) -> list[str]:
        changed: list[str] = []
        async with self._uow() as uow:
            for snapshot in found:
                sync_log.count("fetched")
                stored = await uow.resources.find(snapshot.path)
                if stored is not None and all(
                    stored.body.get(key) == snapshot.body.get(key) for key in ("status", "answer")
                ):
                    sync_log.count("unchanged")
                else:
                    changed.append(snapshot.path)
        return changed
