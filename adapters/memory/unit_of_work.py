from __future__ import annotations

import asyncio
import logging
from collections.abc import Hashable
from types import TracebackType
from typing import Self

from adapters.memory.repositories.accounts import (
    InMemoryAccountRepository,
    InMemoryAuthorizationRequestRepository,
)
from adapters.memory.repositories.analytics import InMemoryAnalyticsRepository
from adapters.memory.repositories.dead_letters import InMemoryDeadLetterRepository
from adapters.memory.repositories.inbox import InMemoryNotificationInbox
from adapters.memory.repositories.inventory import (
    InMemoryInventoryRepository,
    InMemoryStockBatchRepository,
)
from adapters.memory.repositories.listings import InMemoryListingRepository
from adapters.memory.repositories.messages import (
    InMemoryConversationRepository,
    InMemoryMessageRepository,
    InMemoryMessageRuleRepository,
    InMemoryMessageRuleRunRepository,
    InMemoryMessageSendRepository,
)
from adapters.memory.repositories.orders import (
    InMemoryOrderRepository,
    InMemoryPackRepository,
    InMemoryShipmentRepository,
)
from adapters.memory.repositories.questions import (
    InMemoryAnswerAttemptRepository,
    InMemoryAnswerRuleRepository,
    InMemoryQuestionRepository,
)
from adapters.memory.repositories.resources import InMemoryResourceSnapshotRepository
from adapters.memory.repositories.stock_alerts import InMemoryStockAlertRepository
from adapters.memory.repositories.subscriptions import (
    InMemorySubscriptionRepository,
    InMemoryWebhookDeliveryRepository,
)
from adapters.memory.repositories.sync_logs import InMemorySyncLogRepository
from adapters.memory.repositories.templates import InMemoryTemplateRepository
from adapters.memory.store import InMemoryStore, StagedChanges
from application.errors import QueueUnavailable
from application.jobs import Job
from application.ports.jobs import JobQueue

logger = logging.getLogger(__name__)


class InMemoryUnitOfWork:
    """A unit of work on an InMemoryStore; rolls back unless `commit()` was called.

    Writes are staged and applied together on commit. Rows read `for_update` (and token
    writes) stay locked until the work commits or rolls back, as on PostgreSQL.
    """

    accounts: InMemoryAccountRepository
    listings: InMemoryListingRepository
    inventory: InMemoryInventoryRepository
    orders: InMemoryOrderRepository
    shipments: InMemoryShipmentRepository
    packs: InMemoryPackRepository
    questions: InMemoryQuestionRepository
    answers: InMemoryAnswerAttemptRepository
    answer_rules: InMemoryAnswerRuleRepository
    messages: InMemoryMessageRepository
    conversations: InMemoryConversationRepository
    message_sends: InMemoryMessageSendRepository
    message_rules: InMemoryMessageRuleRepository
    message_rule_runs: InMemoryMessageRuleRunRepository
    templates: InMemoryTemplateRepository
    inbox: InMemoryNotificationInbox
    sync_logs: InMemorySyncLogRepository
    authorization_requests: InMemoryAuthorizationRequestRepository
    stock_batches: InMemoryStockBatchRepository
    resources: InMemoryResourceSnapshotRepository
    dead_letters: InMemoryDeadLetterRepository
    subscriptions: InMemorySubscriptionRepository
    deliveries: InMemoryWebhookDeliveryRepository
    stock_alerts: InMemoryStockAlertRepository
    analytics: InMemoryAnalyticsRepository

    def __init__(self, store: InMemoryStore, job_queue: JobQueue) -> None:
        self._store = store
        self._job_queue = job_queue
        self._staged: StagedChanges | None = None
        self._jobs: list[tuple[Job, float]] = []
        self._held: dict[tuple[str, Hashable], asyncio.Lock] = {}

    async def __aenter__(self) -> Self:
        if self._staged is not None:
            raise RuntimeError("this unit of work is already in use")
        store, staged = self._store, StagedChanges(self._store)
        self._staged = staged
        self.accounts = InMemoryAccountRepository(store, staged, self._lock_row)
        self.listings = InMemoryListingRepository(store, staged)
        self.inventory = InMemoryInventoryRepository(store, staged)
        self.orders = InMemoryOrderRepository(store, staged)
        self.shipments = InMemoryShipmentRepository(store, staged)
        self.packs = InMemoryPackRepository(store, staged)
        self.questions = InMemoryQuestionRepository(store, staged)
        self.answers = InMemoryAnswerAttemptRepository(store, staged)
        self.answer_rules = InMemoryAnswerRuleRepository(store, staged)
        self.messages = InMemoryMessageRepository(store, staged)
        self.conversations = InMemoryConversationRepository(store, staged)
        self.message_sends = InMemoryMessageSendRepository(store, staged)
        self.message_rules = InMemoryMessageRuleRepository(store, staged)
        self.message_rule_runs = InMemoryMessageRuleRunRepository(store, staged)
        self.templates = InMemoryTemplateRepository(store, staged)
        self.inbox = InMemoryNotificationInbox(store, staged, self._lock_row)
        self.sync_logs = InMemorySyncLogRepository(store, staged, self._lock_row)
        self.authorization_requests = InMemoryAuthorizationRequestRepository(
            store, staged, self._lock_row
        )
        self.stock_batches = InMemoryStockBatchRepository(store, staged, self._lock_row)
        self.resources = InMemoryResourceSnapshotRepository(store, staged)
        self.dead_letters = InMemoryDeadLetterRepository(store, staged, self._lock_row)
        self.subscriptions = InMemorySubscriptionRepository(store, staged)
        self.deliveries = InMemoryWebhookDeliveryRepository(store, staged, self._lock_row)
        self.stock_alerts = InMemoryStockAlertRepository(store, staged)
        self.analytics = InMemoryAnalyticsRepository(store, staged)
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if self._staged is not None:
            await self.rollback()
        self._staged = None

    def _require_staged(self) -> StagedChanges:
        if self._staged is None:
            raise RuntimeError("use the unit of work inside `async with`")
        return self._staged

    async def _lock_row(self, table: str, key: Hashable) -> None:
        if (table, key) in self._held:
            return
        lock = self._store.row_lock(table, key)
        await lock.acquire()
        self._held[(table, key)] = lock

    def _release_rows(self) -> None:
        held, self._held = self._held, {}
        for lock in held.values():
            lock.release()

    async def commit(self) -> None:
        staged = self._require_staged()
        try:
            staged.commit()
        except BaseException:
            self._jobs.clear()
            staged.discard()
            raise
        finally:
            self._release_rows()
        jobs, self._jobs = self._jobs, []
        for job, delay in jobs:
            try:
                await self._job_queue.enqueue(job, delay)
            except QueueUnavailable:
                # The data is committed; the recovery sweeps find it and enqueue again.
                logger.warning("job %s not sent after commit: the broker is unavailable", job)

    async def rollback(self) -> None:
        self._require_staged().discard()
        self._jobs.clear()
        self._release_rows()

    def enqueue_after_commit(self, job: Job, delay_seconds: float = 0.0) -> None:
        self._jobs.append((job, delay_seconds))
