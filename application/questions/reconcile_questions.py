from __future__ import annotations

import logging
from collections.abc import Callable, Sequence

from application.accounts.usable import usable_account
from application.errors import Unavailable
from application.ports.clock import Clock
from application.ports.question_gateway import QuestionGateway, QuestionPage
from application.ports.unit_of_work import UnitOfWorkFactory
from application.questions.record_questions import RecordQuestions
from application.sync_logs.recording import describe
from application.sync_logs.runs import SyncRuns
from domain.accounts import Account
from domain.questions import Question
from domain.sync import SyncKind, SyncLog, SyncTrigger

log = logging.getLogger(__name__)


class ReconcileQuestions:
    """Bring the account's typed questions up to date with MercadoLibre (§7): what the
    notifications missed. Every run is a meli_sync_logs row (kind questions).

    - Every UNANSWERED question, by scan (`search_type=scan`, §4.11): past 1,000 too.
    - The most recent questions of any status (offset paging, newest first), so that
      answers, bans and deletions made elsewhere are seen.
    - At connect (trigger `connect`), the backfill: every question, by scan.

    Each page is stored as RecordQuestions stores a notification's read (newer reads
    only; questions that arrive open to the rules are queued for them)."""

    PAGE = 50
    RECENT_PAGES = 4
    SCAN_PAGE = 100
    MAX_SCAN_PAGES = 5_000
    _progress: Callable[[int, int], None] | None = None
    _announced = 0

    def __init__(
        self,
        uow: UnitOfWorkFactory,
        gateway: QuestionGateway,
        record: RecordQuestions,
        clock: Clock,
        runs: SyncRuns | None = None,
    ) -> None:
        self._uow = uow
        self._gateway = gateway
        self._record = record
        self._clock = clock
        self._runs = runs or SyncRuns(uow, clock)

    async def __call__(
        self,
        account_id: int,
        trigger: SyncTrigger,
        log_id: int | None = None,
        progress: Callable[[int, int], None] | None = None,
    ) -> SyncLog | None:
        """The ended log; None when there was nothing to run (see SyncRuns.begin).
        `progress` is told (questions read, questions announced so far) after every page
        (the CLI's bar)."""
        self._progress = progress
        self._announced = 0
        if log_id is None:
            async with self._uow() as uow:
                await usable_account(uow, account_id)
        sync_log = await self._runs.begin(SyncKind.QUESTIONS, trigger, account_id, log_id)
        if sync_log is None:
            return None

        async def passes() -> None:
            async with self._uow() as uow:
                account = await usable_account(uow, account_id)
            if trigger is SyncTrigger.CONNECT:
                await self._scan(account, sync_log, None)
                return
            await self._scan(account, sync_log, "UNANSWERED")
            await self._recent(account, sync_log)

        return await self._runs.run_logged(sync_log, passes)

    async def _scan(self, account: Account, sync_log: SyncLog, status: str | None) -> None:
        assert account.id is not None
        scroll_id: str | None = None
        for _ in range(self.MAX_SCAN_PAGES):
            page = await self._gateway.scan(
                account.id,
                account.seller_id,
                status=status,
                scroll_id=scroll_id,
                limit=self.SCAN_PAGE,
            )
            sync_log.api_calls += 1
            await self._store(page, sync_log)
            if not page.questions or page.scroll_id is None:
                return
            scroll_id = page.scroll_id
        sync_log.count("truncated")

    async def _recent(self, account: Account, sync_log: SyncLog) -> None:
        assert account.id is not None
        offset = 0
        for _ in range(self.RECENT_PAGES):
            page = await self._gateway.search(
                account.id, account.seller_id, offset=offset, limit=self.PAGE
            )
            sync_log.api_calls += 1
            await self._store(page, sync_log)
            offset += len(page.questions) + len(page.unreadable)
            if not page.questions or offset >= page.total:
                return

    async def _store(self, page: QuestionPage, sync_log: SyncLog) -> None:
        for error in page.unreadable:
            sync_log.record_error(error)
        sync_log.count("fetched", len(page.questions))
        if self._progress is not None:
            read = sync_log.counts["fetched"]
            self._announced = max(self._announced, read, page.total)
            self._progress(read, self._announced)
        try:
            counts = await self._store_in_one(page.questions)
        except Unavailable:
            raise
        except Exception:
            # One question the database refuses must not cost the page, nor the run:
            # store them one by one, and that one is its own error.
            counts = {}
            for question in page.questions:
                try:
                    one = await self._store_in_one([question])
                except Unavailable:
                    raise
                except Exception as error:
                    sync_log.record_error(f"question {question.id}: {describe(error)}")
                    continue
                for name, value in one.items():
                    counts[name] = counts.get(name, 0) + value
        for name, value in counts.items():
            if value:
                sync_log.count(name, value)

    async def _store_in_one(self, questions: Sequence[Question]) -> dict[str, int]:
        async with self._uow() as uow:
            counts = await self._record.store_many(uow, questions)
            await uow.commit()
        return counts
