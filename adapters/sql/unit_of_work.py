from __future__ import annotations

import asyncio
import logging
from types import TracebackType
from typing import Self

from sqlalchemy import exc
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from adapters.sql.engine import begin_immediately
from adapters.sql.repositories.accounts import (
    SqlAccountRepository,
    SqlAuthorizationRequestRepository,
)
from adapters.sql.repositories.analytics import SqlAnalyticsRepository
from adapters.sql.repositories.answer_rules import SqlAnswerRuleRepository
from adapters.sql.repositories.base import short_reason, translate_errors
from adapters.sql.repositories.dead_letters import SqlDeadLetterRepository
from adapters.sql.repositories.inbox import SqlNotificationInbox
from adapters.sql.repositories.inventory import SqlInventoryRepository, SqlStockBatchRepository
from adapters.sql.repositories.listings import SqlListingRepository
from adapters.sql.repositories.messages import (
    SqlConversationRepository,
    SqlMessageRepository,
    SqlMessageRuleRepository,
    SqlMessageRuleRunRepository,
    SqlMessageSendRepository,
)
from adapters.sql.repositories.orders import SqlOrderRepository
from adapters.sql.repositories.questions import SqlAnswerAttemptRepository, SqlQuestionRepository
from adapters.sql.repositories.resources import SqlResourceSnapshotRepository
from adapters.sql.repositories.shipments import SqlPackRepository, SqlShipmentRepository
from adapters.sql.repositories.stock_alerts import SqlStockAlertRepository
from adapters.sql.repositories.subscriptions import (
    SqlSubscriptionRepository,
    SqlWebhookDeliveryRepository,
)
from adapters.sql.repositories.sync_logs import SqlSyncLogRepository
from adapters.sql.repositories.templates import SqlTemplateRepository
from application.cancellation import cancellation_kept
from application.errors import QueueUnavailable, Unavailable
from application.jobs import Job
from application.ports.jobs import JobQueue

logger = logging.getLogger(__name__)


class SqlUnitOfWork:
    """One transaction on one connection; rolls back unless `commit()` was called.

    The transaction begins with the first statement, so a unit of work that never
    touches the database holds no lock. On SQLite it begins IMMEDIATE: writers from
    every process queue for the file lock up front instead of failing half-way, and a
    `for_update` read is then the latest committed one, as on PostgreSQL.
    """

    accounts: SqlAccountRepository
    listings: SqlListingRepository
    inventory: SqlInventoryRepository
    orders: SqlOrderRepository
    shipments: SqlShipmentRepository
    packs: SqlPackRepository
    questions: SqlQuestionRepository
    answers: SqlAnswerAttemptRepository
    answer_rules: SqlAnswerRuleRepository
    messages: SqlMessageRepository
    conversations: SqlConversationRepository
    message_sends: SqlMessageSendRepository
    message_rules: SqlMessageRuleRepository
    message_rule_runs: SqlMessageRuleRunRepository
    templates: SqlTemplateRepository
    inbox: SqlNotificationInbox
    sync_logs: SqlSyncLogRepository
    authorization_requests: SqlAuthorizationRequestRepository
    stock_batches: SqlStockBatchRepository
    resources: SqlResourceSnapshotRepository
    dead_letters: SqlDeadLetterRepository
    subscriptions: SqlSubscriptionRepository
    deliveries: SqlWebhookDeliveryRepository
    stock_alerts: SqlStockAlertRepository
    analytics: SqlAnalyticsRepository

    def __init__(self, engine: AsyncEngine, job_queue: JobQueue) -> None:
        self._engine = engine
        self._job_queue = job_queue
        self._connection: AsyncConnection | None = None
        self._jobs: list[tuple[Job, float]] = []

    async def __aenter__(self) -> Self:
        if self._connection is not None:
            raise RuntimeError("this unit of work is already in use")
        connection: AsyncConnection | None = None
        try:
            # The pool waits for a free connection with wait_for, which loses a
            # cancellation on Python 3.11: raised here, and the connection given back.
            with cancellation_kept():
                try:
                    with translate_errors():
                        connection = await begin_immediately(await self._engine.connect())
                except exc.DBAPIError as error:
                    # Any refusal at connect time (unknown database, authentication)
                    # means the store cannot be used at all.
                    raise Unavailable(
                        f"cannot connect to the database: {short_reason(error)}"
                    ) from error
        except asyncio.CancelledError:
            if connection is not None:
                await connection.close()
            raise
        assert connection is not None
        self._connection = connection
        self.accounts = SqlAccountRepository(connection)
        self.listings = SqlListingRepository(connection)
        self.inventory = SqlInventoryRepository(connection)
        self.orders = SqlOrderRepository(connection)
        self.shipments = SqlShipmentRepository(connection)
        self.packs = SqlPackRepository(connection)
        self.questions = SqlQuestionRepository(connection)
        self.answers = SqlAnswerAttemptRepository(connection)
        self.answer_rules = SqlAnswerRuleRepository(connection)
        self.messages = SqlMessageRepository(connection)
        self.conversations = SqlConversationRepository(connection)
        self.message_sends = SqlMessageSendRepository(connection)
        self.message_rules = SqlMessageRuleRepository(connection)
        self.message_rule_runs = SqlMessageRuleRunRepository(connection)
        self.templates = SqlTemplateRepository(connection)
        self.inbox = SqlNotificationInbox(connection)
        self.sync_logs = SqlSyncLogRepository(connection)
        self.authorization_requests = SqlAuthorizationRequestRepository(connection)
        self.stock_batches = SqlStockBatchRepository(connection)
        self.resources = SqlResourceSnapshotRepository(connection)
        self.dead_letters = SqlDeadLetterRepository(connection)
        self.subscriptions = SqlSubscriptionRepository(connection)
        self.deliveries = SqlWebhookDeliveryRepository(connection)
        self.stock_alerts = SqlStockAlertRepository(connection)
        self.analytics = SqlAnalyticsRepository(connection)
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        connection, self._connection = self._connection, None
        self._jobs.clear()
        if connection is None:
            return
        try:
            if connection.in_transaction():
                await connection.rollback()
        except Exception:
            # Never hide the error that ended the block; a broken connection is
            # discarded by the pool and the server rolls back on its own.
            logger.warning("rollback failed while leaving a unit of work", exc_info=True)
        finally:
            try:
                await connection.close()
            except Exception:
                logger.warning("closing a database connection failed", exc_info=True)

    def _require_connection(self) -> AsyncConnection:
        if self._connection is None:
            raise RuntimeError("use the unit of work inside `async with`")
        return self._connection

    async def commit(self) -> None:
        connection = self._require_connection()
        try:
            with translate_errors():
                await connection.commit()
        except BaseException:
            self._jobs.clear()
            raise
        jobs, self._jobs = self._jobs, []
        for job, delay in jobs:
            try:
                await self._job_queue.enqueue(job, delay)
            except QueueUnavailable:
                # The data is committed; the recovery sweeps find it and enqueue again.
                logger.warning("job %s not sent after commit: the broker is unavailable", job)

    async def rollback(self) -> None:
        connection = self._require_connection()
        self._jobs.clear()
        if connection.in_transaction():
            with translate_errors():
                await connection.rollback()

    def enqueue_after_commit(self, job: Job, delay_seconds: float = 0.0) -> None:
        self._jobs.append((job, delay_seconds))
