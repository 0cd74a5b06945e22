"""Coordination primitives shared by every process through Redis."""

from __future__ import annotations

import redis.asyncio as aioredis
from redis.asyncio.retry import Retry
from redis.backoff import ExponentialWithJitterBackoff
from redis.exceptions import RedisError

from application.cancellation import cancellation_kept
from application.errors import Unavailable

# After Redis restarts, every pooled connection is dead and only a call finds out. A
# call that fails on one with a connection error or timeout is tried again on a new
# connection, up to three times within about a second, so that a restart costs the
# callers nothing. (from_url builds its own pool, which would not retry at all unless
# told: the client's default retry policy does not reach it.) A retried SET NX whose
# first answer was lost can find its own key: a lock then waits for its TTL, a once
# guard skips that once; both are bounded, and rare beside a restart.
RECONNECT = {"retry": Retry(ExponentialWithJitterBackoff(base=0.05, cap=0.5), retries=3)}


def redis_client(url: str) -> aioredis.Redis:
    return aioredis.Redis.from_url(
        url, socket_connect_timeout=2, socket_timeout=5, health_check_interval=30, **RECONNECT
    )


class RedisOnceGuard:
    def __init__(self, client: aioredis.Redis, namespace: str = "meli") -> None:
        self._client = client
        self._namespace = namespace

    async def first(self, key: str, ttl_seconds: float) -> bool:
        try:
            # SET NX is atomic: of all replicas asking, exactly one gets True.
            with cancellation_kept():  # see adapters.redis.ratelimit
                created = await self._client.set(
                    f"{self._namespace}:once:{key}",
                    "1",
                    nx=True,
                    px=max(1, int(ttl_seconds * 1000)),
                )
        except RedisError as error:
            raise Unavailable(f"redis did not answer: {error}") from error
        return bool(created)
