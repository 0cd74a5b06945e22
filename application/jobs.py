"""The catalogue of background work: every job the service queues, as a typed value.

A job is a frozen attrs class holding ids and plain values, never objects: the queue
adapters serialise it (with cattrs) and the worker turns it back into the same class
before it calls the job's handler (entrypoints/worker/handlers.py, one table). Its name,
`job_name(type(job))`, is the snake_case of the class and the only name the act has: the
route `POST /products/sync` queues `SyncCatalogue`, the queue carries `sync_catalogue`,
the worker runs the use case `SyncCatalogue`, and the log line says `sync_catalogue`.

Every job is idempotent, so the queue may deliver one twice and a sweep may put back one
that was lost: the database, not the queue, is the source of truth. The per-account
syncs carry the id of their requested run (`log_id`, a queued sync log), which is what
the sweep finds when their job was lost.
"""

from __future__ import annotations

import re
from typing import Any, TypeAlias

import attrs

from domain.sync import SyncTrigger


def _trigger(value: SyncTrigger | str) -> SyncTrigger:
    return SyncTrigger(value)


def _ids(value: Any) -> tuple[int, ...]:
    if isinstance(value, str):  # the comma-separated form queued by earlier versions
        value = [part for part in value.split(",") if part.strip()]
    return tuple(int(v) for v in value)


# --- Per account: read MercadoLibre for one connected seller -----------------------------


@attrs.define(frozen=True)
class SyncCatalogue:
    """Read every listing of the account (scan + multiget, §4.11) and store it."""

    account_id: int
    trigger: SyncTrigger = attrs.field(default=SyncTrigger.SCHEDULE, converter=_trigger)
    log_id: int | None = None  # the requested run (a queued sync log); None: start one


@attrs.define(frozen=True)
class SyncInventory:
    """Compare MercadoLibre's stock with the stored levels and repair the drift."""

    account_id: int
    trigger: SyncTrigger = attrs.field(default=SyncTrigger.SCHEDULE, converter=_trigger)
    log_id: int | None = None  # the requested run (a queued sync log); None: start one


@attrs.define(frozen=True)
class ReconcileOrders:
    """Store the account's orders changed since the last run (§5.3)."""

    account_id: int
    trigger: SyncTrigger = attrs.field(default=SyncTrigger.SCHEDULE, converter=_trigger)
    log_id: int | None = None  # the requested run (a queued sync log); None: start one


@attrs.define(frozen=True)
class ReconcileQuestions:
    """Store the account's unanswered and recent questions (§7)."""

    account_id: int
    trigger: SyncTrigger = attrs.field(default=SyncTrigger.SCHEDULE, converter=_trigger)
    log_id: int | None = None  # the requested run (a queued sync log); None: start one


@attrs.define(frozen=True)
class ReplayDeadLetters:
    """Replay the open dead letters (of one account, after it was connected again)."""

    account_id: int | None = None


# --- Writes a seller asked for -----------------------------------------------------------


@attrs.define(frozen=True)
class AutoAnswerQuestion:
    """Let the auto-answer rules answer a question that arrived (§7)."""

    question_id: int


@attrs.define(frozen=True)
class SettleAnswer:
    """Learn whether MercadoLibre took an answer whose outcome is unknown (read back)."""

    attempt_id: int


@attrs.define(frozen=True)
class SettleMessage:
    """Learn whether MercadoLibre took a message whose outcome is unknown (read back)."""

    send_id: int


@attrs.define(frozen=True)
class SendRuleMessage:
    """Send (or, in a dry run, log) the message of an automatic-message rule that met an
    order's event, once its delay is over (§8)."""

    run_id: int


@attrs.define(frozen=True)
class ApplyStockBatch:
    """Write a stored stock batch to MercadoLibre."""

    batch_id: int


# --- The notification pipeline (§9) ------------------------------------------------------


@attrs.define(frozen=True)
class ProcessNotification:
    """Read and store what one inbox entry points at."""

    entry_id: int


@attrs.define(frozen=True)
class ProcessNotifications:
    """Process the new entries of one batch: one broker message for many notifications."""

    entry_ids: tuple[int, ...] = attrs.field(converter=_ids)


@attrs.define(frozen=True)
class DeliverWebhook:
    """POST one event to a subscriber; `reset` starts its retry budget again (a replay)."""

    delivery_id: int
    reset: bool = False


@attrs.define(frozen=True)
class RecoverMissedFeeds:
    """Read back the notifications MercadoLibre gave up delivering (§9.5)."""

    trigger: SyncTrigger = attrs.field(default=SyncTrigger.SCHEDULE, converter=_trigger)


@attrs.define(frozen=True)
class ReadUnreadMessages:
    """Read each active account's conversations with unread messages (§8.4) and store
    them: what a lost `messages` notification would have brought."""


@attrs.define(frozen=True)
class RecordVisits:
    """Read and store the last `days` days' visits of every active account."""

    days: int = 2


@attrs.define(frozen=True)
class RecordReputations:
    """Read and store every active account's reputation (§3 GET /users/{id})."""


# --- Upkeep ------------------------------------------------------------------------------


@attrs.define(frozen=True)
class RefreshExpiringTokens:
    """Refresh every access token that expires before the next run (§1.3)."""


@attrs.define(frozen=True)
class RequeueLostWork:
    """Queue again the stored work whose job was lost (`kinds`: all when empty)."""

    kinds: tuple[str, ...] = attrs.field(default=(), converter=tuple)


@attrs.define(frozen=True)
class FanOut:
    """Queue `job` (a per-account job's name) for every active account the quota plan
    has due in the scheduled slot `slot` (time // the job's interval; None: the slot of
    now)."""

    job: str
    trigger: SyncTrigger = attrs.field(default=SyncTrigger.SCHEDULE, converter=_trigger)
    slot: int | None = None

    def __attrs_post_init__(self) -> None:
        if _per_account(self.job) is None:
            raise ValueError(f"{self.job!r} is not a per-account job")


Job: TypeAlias = (
    SyncCatalogue
    | SyncInventory
    | ReconcileOrders
    | ReconcileQuestions
    | ReplayDeadLetters
    | AutoAnswerQuestion
    | SettleAnswer
    | SettleMessage
    | SendRuleMessage
    | ApplyStockBatch
    | ProcessNotification
    | ProcessNotifications
    | DeliverWebhook
    | RecoverMissedFeeds
    | ReadUnreadMessages
    | RecordVisits
    | RecordReputations
    | RefreshExpiringTokens
    | RequeueLostWork
    | FanOut
)

JOB_TYPES: tuple[type[Job], ...] = (
    SyncCatalogue,
    SyncInventory,
    ReconcileOrders,
    ReconcileQuestions,
    ReplayDeadLetters,
    AutoAnswerQuestion,
    SettleAnswer,
    SettleMessage,
    SendRuleMessage,
    ApplyStockBatch,
    ProcessNotification,
    ProcessNotifications,
    DeliverWebhook,
    RecoverMissedFeeds,
    ReadUnreadMessages,
    RecordVisits,
    RecordReputations,
    RefreshExpiringTokens,
    RequeueLostWork,
    FanOut,
)

# The jobs that take an account and a trigger, and so can be fanned out.
PER_ACCOUNT: tuple[type[Job], ...] = (
    SyncCatalogue,
    SyncInventory,
    ReconcileOrders,
    ReconcileQuestions,
)


def job_name(job_type: type[Job]) -> str:
    """`SyncCatalogue` -> `sync_catalogue`: the job's one name."""
    return re.sub(r"(?<!^)(?=[A-Z])", "_", job_type.__name__).lower()


_BY_NAME: dict[str, type[Job]] = {job_name(t): t for t in JOB_TYPES}

# Names earlier versions queued and recorded in dead letters, so that messages still in a
# broker and dead letters written before an upgrade run as the same job.
LEGACY_NAMES: dict[str, type[Job]] = {
    "sync_products": SyncCatalogue,
    "sync_orders": ReconcileOrders,
    "sync_questions": ReconcileQuestions,
    "refresh_tokens": RefreshExpiringTokens,
    "sweep_inbox": RequeueLostWork,
    "sweep_deliveries": RequeueLostWork,
}


def job_type(name: str) -> type[Job]:
    """The job class of a name (current or legacy). Raises KeyError for an unknown one."""
    return _BY_NAME.get(name) or LEGACY_NAMES[name]


def with_trigger(job: Job, trigger: SyncTrigger) -> Job:
    """The same job, recording `trigger` if it records one (a periodic job run by hand)."""
    if "trigger" in attrs.fields_dict(type(job)):
        return attrs.evolve(job, trigger=trigger)  # type: ignore[misc]
    return job


def _per_account(name: str) -> type[Job] | None:
    job_class = _BY_NAME.get(name) or LEGACY_NAMES.get(name)
    return job_class if job_class in PER_ACCOUNT else None


def for_account(name: str, account_id: int, trigger: SyncTrigger) -> Job:
    """The per-account job called `name`, for one account. Raises ValueError for a name
    that is not a per-account job's."""
    job_class = _per_account(name)
    if job_class is None:
        raise ValueError(f"{name!r} is not a per-account job")
    return job_class(account_id=account_id, trigger=trigger)  # type: ignore[call-arg]
