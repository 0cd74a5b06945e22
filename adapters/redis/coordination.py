"""Coordination primitives shared by every process through Redis."""

from __future__ import annotations

import redis.asyncio as aioredis
from redis.exceptions import RedisError

from application.cancellation import cancellation_kept
from application.errors import Unavailable


def redis_client(url: str) -> aioredis.Redis:
    return aioredis.Redis.from_url(
        url, socket_connect_timeout=2, socket_timeout=5, health_check_interval=30
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
