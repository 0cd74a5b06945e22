from __future__ import annotations

import contextlib
import logging
from collections.abc import AsyncIterator

import redis.asyncio as aioredis
from redis.asyncio.lock import Lock as RedisPyLock
from redis.exceptions import LockError, LockNotOwnedError, RedisError

from application.errors import LockTimeout, Unavailable

log = logging.getLogger(__name__)

# A holder must finish well within the TTL: the longest thing done under a lock is a
# token refresh, one MercadoLibre call (a 30 s timeout at worst) and one commit.
DEFAULT_TTL_SECONDS = 60.0
_POLL_SECONDS = 0.05


class RedisLock:
    """Lock shared by every process on every machine through Redis.

    redis-py's Lock: SET NX PX with a random token, released by a Lua script only if the
    token is still ours, so a holder whose lock expired cannot release someone else's.
    A holder that dies releases it by expiry after `ttl` seconds.
    """

    def __init__(
        self, client: aioredis.Redis, namespace: str = "meli", ttl: float = DEFAULT_TTL_SECONDS
    ) -> None:
        if ttl <= 0:
            raise ValueError(f"ttl must be positive, got {ttl}")
        self._client = client
        self._namespace = namespace
        self._ttl = ttl

    # The Lock port names the parameter `timeout`; it is a deadline, not a cancellation.
    @contextlib.asynccontextmanager
    async def hold(self, name: str, timeout: float = 30.0) -> AsyncIterator[None]:
        lock = self._client.lock(
            f"{self._namespace}:lock:{name}",
            timeout=self._ttl,
            sleep=_POLL_SECONDS,
            blocking=True,
            blocking_timeout=max(0.0, timeout),
            thread_local=False,
        )
        try:
            acquired = await lock.acquire()
        except RedisError as error:
            raise Unavailable(f"redis did not answer for lock {name!r}: {error}") from error
        if not acquired:
            raise LockTimeout(name, timeout)
        try:
            yield
        finally:
            await self._release(lock, name)

    async def _release(self, lock: RedisPyLock, name: str) -> None:
        try:
            await lock.release()
        except LockNotOwnedError:
            # The work is done; failing it now would only hide that it happened. The
            # warning tells an operator the TTL is too short for what runs under it.
            log.warning("lock %r expired before its holder released it (ttl %gs)", name, self._ttl)
        except (LockError, RedisError) as error:
            # Left to expire: the TTL releases it anyway.
            log.warning("could not release lock %r: %s", name, error)
