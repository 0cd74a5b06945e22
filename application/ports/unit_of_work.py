from __future__ import annotations

from collections.abc import Callable
from types import TracebackType
from typing import Protocol, Self

from application.jobs import Job
from application.ports.repositories.accounts import (
    AccountRepository,
    AuthorizationRequestRepository,
)
from application.ports.repositories.analytics import AnalyticsRepository
from application.ports.repositories.dead_letters import DeadLetterRepository
from application.ports.repositories.inbox import NotificationInbox
from application.ports.repositories.inventory import InventoryRepository, StockBatchRepository
from application.ports.repositories.listings import ListingRepository
from application.ports.repositories.messages import (
    ConversationRepository,
    MessageRepository,
    MessageRuleRepository,
    MessageRuleRunRepository,
    MessageSendRepository,
)
from application.ports.repositories.orders import (
    OrderRepository,
    PackRepository,
    ShipmentRepository,
)
from application.ports.repositories.questions import (
    AnswerAttemptRepository,
    AnswerRuleRepository,
    QuestionRepository,
)
from application.ports.repositories.resources import ResourceSnapshotRepository
from application.ports.repositories.stock_alerts import StockAlertRepository
from application.ports.repositories.subscriptions import (
    SubscriptionRepository,
    WebhookDeliveryRepository,
)
from application.ports.repositories.sync_logs import SyncLogRepository
from application.ports.repositories.templates import TemplateRepository


class UnitOfWork(Protocol):
    """One atomic piece of work on the store.

    Used as `async with uow_factory() as uow: ...; await uow.commit()`. Leaving the
    block without `commit()` rolls everything back. Jobs handed to `enqueue_after_commit`
    are sent to the job queue only after the commit succeeded, and dropped on rollback;
    if sending fails the data is still committed, and the recovery sweeps pick it up.
    """

    accounts: AccountRepository
    listings: ListingRepository
    inventory: InventoryRepository
    orders: OrderRepository
    shipments: ShipmentRepository
    packs: PackRepository
    questions: QuestionRepository
    answers: AnswerAttemptRepository
    answer_rules: AnswerRuleRepository
    messages: MessageRepository
    conversations: ConversationRepository
    message_sends: MessageSendRepository
    message_rules: MessageRuleRepository
    message_rule_runs: MessageRuleRunRepository
    templates: TemplateRepository
    inbox: NotificationInbox
    sync_logs: SyncLogRepository
    authorization_requests: AuthorizationRequestRepository
    stock_batches: StockBatchRepository
    # The notification pipeline
    resources: ResourceSnapshotRepository
    dead_letters: DeadLetterRepository
    subscriptions: SubscriptionRepository
    deliveries: WebhookDeliveryRepository
    stock_alerts: StockAlertRepository
    analytics: AnalyticsRepository

    async def __aenter__(self) -> Self: ...

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None: ...

    async def commit(self) -> None:
        """Make the work durable, then send the collected jobs. Raises Conflict on a
        uniqueness violation (and rolls back)."""
        ...

    async def rollback(self) -> None: ...

    def enqueue_after_commit(self, job: Job, delay_seconds: float = 0.0) -> None: ...


UnitOfWorkFactory = Callable[[], UnitOfWork]
