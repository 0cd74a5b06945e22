from __future__ import annotations

from collections.abc import Mapping
from typing import Protocol

import attrs

JsonScalar = str | int | float | bool | None


@attrs.define(frozen=True)
class Job:
    """A background job: an actor name and JSON-simple arguments (ids, not objects)."""

    actor: str
    kwargs: Mapping[str, JsonScalar] = attrs.field(factory=dict, converter=dict)
    delay_seconds: float = 0.0


class JobQueue(Protocol):
    async def enqueue(self, job: Job) -> None:
        """Hand the job to the broker. Raises QueueUnavailable.

        Not idempotent: enqueueing twice runs twice, so every actor must be idempotent.
        The database stays the source of truth; a lost job is recovered by a sweep.
        """
        ...
