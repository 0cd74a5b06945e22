from __future__ import annotations

import logging
from collections.abc import Iterable

from application.accounts.usable import usable_account
from application.errors import Forbidden, NotFound, Unavailable
from application.notifications.record_resource import RecordResource
from application.ports.clock import Clock
from application.ports.marketplace import Marketplace, SnapshotPage
from application.ports.unit_of_work import UnitOfWorkFactory
from application.sync_logs.recording import describe, run_logged
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
    ) -> None:
        self._uow = uow
        self._marketplace = marketplace
        self._record = record
        self._clock = clock

    async def __call__(self, account_id: int, trigger: SyncTrigger) -> SyncLog:
        now = self._clock.now()
        async with self._uow() as uow:
            account = await usable_account(uow, account_id)
            sync_log = await uow.sync_logs.add(
                SyncLog(SyncKind.QUESTIONS, trigger, now, account_id=account_id)
            )
            await uow.commit()

        async def both_passes() -> None:
            await self._pass(account, sync_log, "UNANSWERED", self.MAX_OFFSET // self.PAGE)
            await self._pass(account, sync_log, None, self.RECENT_PAGES)

        return await run_logged(self._uow, self._clock, sync_log, both_passes)

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
                    snapshot = await self._record.read(account, "questions", path)
                except NotFound:
                    sync_log.count("gone")
                    continue
                except Forbidden as error:
                    sync_log.record_error(f"{path}: {error}")
                    continue
                finally:
                    sync_log.api_calls += 1
                if await self._stored(snapshot, account, sync_log, path):
                    sync_log.count("stored")
            offset += len(page.snapshots)
            if not page.snapshots or offset >= min(page.total, self.MAX_OFFSET):
                return

    async def _stored(
        self, snapshot: ResourceSnapshot | None, account: Account, sync_log: SyncLog, path: str
    ) -> bool:
        """Store one question; one the database refuses is that question's error, and the
        run goes on. The database unavailable (Unavailable) fails the run."""
        try:
            async with self._uow() as uow:
                await self._record.store(uow, snapshot, account)
                await uow.commit()
        except Unavailable:
            raise
        except Exception as error:
            log.warning("question %s could not be stored: %s", path, error)
            sync_log.record_error(f"{path}: not stored: {describe(error)}")
            return False
        return True

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
