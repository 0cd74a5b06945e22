"""Use cases of the notification pipeline (§9): receiving, processing and recovering
notifications, the reconciliations that catch what they missed, dead letters, and the
subscriptions of other services to what was processed."""

from __future__ import annotations

from dependency_injector import providers

from application.dead_letters.count_open_dead_letters import CountOpenDeadLetters
from application.dead_letters.list_dead_letters import ListDeadLetters
from application.dead_letters.record_dead_job import RecordDeadJob
from application.dead_letters.replay_dead_letter import ReplayDeadLetter
from application.dead_letters.replay_dead_letters import ReplayDeadLetters
from application.notifications.admit_source import AdmitNotificationSource
from application.notifications.list_inbox import ListInbox
from application.notifications.process_notification import ProcessNotification
from application.notifications.process_notifications import ProcessNotifications
from application.notifications.receive_notification import ReceiveNotification
from application.notifications.record_resource import RecordResource
from application.notifications.recover_missed_feeds import RecoverMissedFeeds
from application.subscriptions.delete_subscription import DeleteSubscription
from application.subscriptions.deliver_webhook import DeliverWebhook
from application.subscriptions.list_deliveries import ListDeliveries
from application.subscriptions.list_subscriptions import ListSubscriptions
from application.subscriptions.register_subscription import RegisterSubscription
from entrypoints.container.analytics import AnalyticsUseCases
from entrypoints.container.infrastructure import seconds
from entrypoints.settings import SANDBOX_CLIENT_ID, Settings, SettingsError

L = AnalyticsUseCases
uow = L.unit_of_work.provider

# The notification endpoint lets a batch wait this long for company: a few milliseconds
# of latency buy fewer, larger transactions and broker messages under load.
INGEST_LINGER = 0.003


def application_id(settings: Settings) -> int:
    """Our MercadoLibre application id, as notifications carry it (§9.2): the client id,
    or the embedded sandbox's."""
    client_id = settings.client_id or SANDBOX_CLIENT_ID
    try:
        return int(client_id)
    except ValueError:
        raise SettingsError(
            f"MELI_CLIENT_ID must be the application's numeric id, got {client_id!r}"
        ) from None


class NotificationUseCases(AnalyticsUseCases):
    application_id = providers.Callable(application_id, L.settings)
    pipeline_events = L.metrics.provided.pipeline

    admit_notification_source = providers.Singleton(
        AdmitNotificationSource, L.settings.provided.webhook_allowed_ips, pipeline_events
    )
    # One per process: it batches the notifications that arrive together.
    receive_notification = providers.Singleton(
        ReceiveNotification,
        L.ingest_unit_of_work.provider,
        L.clock,
        application_id,
        events=pipeline_events,
        linger=INGEST_LINGER,
    )
    record_resource = providers.Factory(
        RecordResource,
        uow,
        L.marketplace,
        L.sync_listing,
        recorders=providers.Dict(
            questions=L.record_questions,
            orders_v2=L.record_orders,
            orders=L.record_orders,
            payments=L.record_payments,
            shipments=L.record_shipments,
        ),
    )
    process_notification = providers.Factory(
        ProcessNotification,
        uow,
        record_resource,
        L.clock,
        lease=providers.Callable(seconds, L.settings.provided.notification_lease),
        events=pipeline_events,
    )
    process_notifications = providers.Factory(
        ProcessNotifications,
        process_notification,
        uow,
        L.clock,
        sync_items=L.sync_listings,
    )
    list_inbox = providers.Factory(ListInbox, uow)
    recover_missed_feeds = providers.Factory(
        RecoverMissedFeeds,
        uow,
        L.marketplace,
        receive_notification,
        L.clock,
        application_id,
        runs=L.sync_runs,
    )

    list_dead_letters = providers.Factory(ListDeadLetters, uow)
    replay_dead_letter = providers.Factory(ReplayDeadLetter, uow, L.clock, L.job_codec)
    replay_dead_letters = providers.Factory(ReplayDeadLetters, uow, L.clock, L.job_codec)
    count_open_dead_letters = providers.Factory(CountOpenDeadLetters, uow)
    record_dead_job = providers.Factory(RecordDeadJob, uow, L.clock, L.job_codec)

    register_subscription = providers.Factory(
        RegisterSubscription,
        uow,
        L.cipher,
        L.address_resolver,
        L.clock,
        allow_private=L.settings.provided.webhook_allow_private,
    )
    list_subscriptions = providers.Factory(ListSubscriptions, uow)
    delete_subscription = providers.Factory(DeleteSubscription, uow, L.clock)
    list_deliveries = providers.Factory(ListDeliveries, uow)
    deliver_webhook = providers.Factory(
        DeliverWebhook,
        uow,
        L.webhook_sender,
        L.cipher,
        L.clock,
        L.job_codec,
        events=pipeline_events,
    )
