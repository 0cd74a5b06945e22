"""Every background job the service runs, by actor name.

Each actor calls one use case and is idempotent: running it twice does no harm, which is
what lets the queue retry it and the scheduler fire it from any replica.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from entrypoints.worker.runtime import ActorSpec

if TYPE_CHECKING:
    from entrypoints.container import Container

log = logging.getLogger(__name__)

REFRESH_TOKENS = "refresh_tokens"


async def refresh_tokens(container: Container) -> None:
    outcome = await container.refresh_expiring_tokens()()
    log.info("token refresh: %s", outcome)


ACTORS: dict[str, ActorSpec] = {
    spec.name: spec for spec in (ActorSpec(REFRESH_TOKENS, refresh_tokens, max_retries=3),)
}
