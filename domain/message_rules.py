"""Automatic post-sale messages: a rule sends a message template once per order when the
order reaches an event (paid, shipped, delivered), after an optional delay (§8)."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

import attrs

from domain.common import aware, text_within
from domain.errors import InvalidValue

MAX_DELAY_SECONDS = 30 * 86400
MAX_NAME_LENGTH = 100


class OrderEvent(StrEnum):
    PAID = "paid"  # the order is paid (§5.2)
    SHIPPED = "shipped"  # its shipment left (§6.2)
    DELIVERED = "delivered"  # its shipment arrived (§6.2)


class RuleMode(StrEnum):
    LIVE = "live"
    DRY_RUN = "dry_run"  # renders and logs what it would send; sends nothing


class RunStatus(StrEnum):
    DUE = "due"  # waiting for its time (the delay)
    SENT = "sent"
    DRY_RUN = "dry_run"
    FAILED = "failed"  # MercadoLibre or a rule refused; `error` says why


def _delay(instance: object, attribute: attrs.Attribute, value: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= MAX_DELAY_SECONDS:
        raise InvalidValue(attribute.name, f"must be 0 to {MAX_DELAY_SECONDS} seconds")


@attrs.define
class MessageRule:
    name: str
    event: OrderEvent = attrs.field(converter=OrderEvent)
    template_id: int
    created_at: datetime = attrs.field(validator=aware)
    delay_seconds: int = attrs.field(default=0, validator=_delay)
    account_ids: tuple[int, ...] = attrs.field(default=(), converter=tuple)
    mode: RuleMode = attrs.field(default=RuleMode.LIVE, converter=RuleMode)
    enabled: bool = True
    id: int | None = None

    def __attrs_post_init__(self) -> None:
        text_within("name", self.name, MAX_NAME_LENGTH)

    def applies_to(self, account_id: int) -> bool:
        return self.enabled and (not self.account_ids or account_id in self.account_ids)


@attrs.define
class MessageRuleRun:
    """One rule meeting one order's event: due until its time, then its outcome. At most
    one per rule and order, so a rule sends once per order whatever is notified twice."""

    rule_id: int
    order_id: int
    account_id: int
    event: OrderEvent = attrs.field(converter=OrderEvent)
    due_at: datetime = attrs.field(validator=aware)
    created_at: datetime = attrs.field(validator=aware)
    status: RunStatus = attrs.field(default=RunStatus.DUE, converter=RunStatus)
    text: str | None = None
    send_id: int | None = None
    error: str | None = None
    finished_at: datetime | None = attrs.field(default=None, validator=aware)
    id: int | None = None

    def finish(
        self, status: RunStatus, now: datetime, text: str | None = None, error: str | None = None
    ) -> None:
        if self.status is not RunStatus.DUE:
            raise InvalidValue("status", f"run {self.id} already ended {self.status.value}")
        self.status = status
        self.finished_at = now
        self.text = text if text is not None else self.text
        self.error = None if error is None else error[:1000]
