"""Work that failed for good: a notification or a job, kept with its error until an
operator replays it (nothing acknowledged is ever dropped silently)."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

import attrs

from domain.common import aware, non_negative_int
from domain.errors import InvalidTransition

MAX_ERROR = 2000


class DeadLetterSource(StrEnum):
    NOTIFICATION = "notification"  # reference: the inbox entry id
    JOB = "job"  # reference: {"actor": ..., "kwargs": {...}} as JSON


class AlreadyReplayed(InvalidTransition):
    def __init__(self, letter_id: int | None, replayed_at: datetime) -> None:
        super().__init__("dead letter", "replayed", "replayed")
        self.args = (
            f"dead letter {letter_id} was already replayed at {replayed_at.isoformat()}; "
            "if it failed again, it has a new dead letter",
        )
        self.replayed_at = replayed_at


def _error_text(value: str) -> str:
    return value[:MAX_ERROR]


@attrs.define
class DeadLetter:
    source: DeadLetterSource = attrs.field(converter=DeadLetterSource)
    reference: str
    topic: str  # the notification's topic, or the job's actor
    error: str = attrs.field(converter=_error_text)
    attempts: int = attrs.field(validator=non_negative_int)
    failed_at: datetime = attrs.field(validator=aware)
    account_id: int | None = None
    id: int | None = None
    replayed_at: datetime | None = attrs.field(default=None, validator=aware)

    @property
    def is_open(self) -> bool:
        return self.replayed_at is None

    def mark_replayed(self, now: datetime) -> None:
        """Replay once: a second replay is refused (the first one already put the work
        back; if that failed again, it left a dead letter of its own)."""
        if self.replayed_at is not None:
            raise AlreadyReplayed(self.id, self.replayed_at)
        self.replayed_at = now
