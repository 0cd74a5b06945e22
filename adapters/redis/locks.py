from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncIterator

import redis.asyncio as aioredis
from redis.asyncio.lock import Lock as RedisPyLock
from redis.exceptions import LockError, LockNotOwnedError, RedisError

from application.cancellation import cancellation_kept
from application.errors import LockTimeout, Unavailable
from application.ports.lock import LockLost

log = logging.getLogger(__name__)

# The lease: how long a lock outlives a holder that died without releasing it. A living
# holder renews it every third of it, so the work under the lock may take any time (a
# refresh that waits out 429 backoff, a long stock write).
DEFAULT_TTL_SECONDS = 60.0
RENEWALS_PER_TTL = 3
_POLL_SECONDS = 0.05


class RedisLock:
    """Lock shared by every process on every machine through Redis.

    redis-py's Lock: SET NX PX with a random token, released (and renewed) by Lua scripts
    only while the token is still ours, so a holder whose lock expired can neither
    release nor extend someone else's. The lock is a lease of `ttl` seconds that a
    background task renews every `ttl / 3` while the block runs; a holder that dies stops
    renewing and the lock expires `ttl` seconds later at most.

    A lease can still be lost while the holder lives: its event loop blocked for most of
    the TTL, Redis unreachable for longer than the TTL, the key evicted or flushed. The
    renewal that finds out logs it at once; leaving the block then raises LockLost. The
    block is not interrupted: cancelling it half-way (after MercadoLibre issued a new
    refresh token, before it was stored) would lose more than finishing it.
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
            # redis-py's socket writes lose a cancellation on Python 3.11 (wait_for): a
            # waiter told to stop would otherwise go on polling until its timeout.
            with cancellation_kept():
                acquired = await lock.acquire()
        except RedisError as error:
            raise Unavailable(f"redis did not answer for lock {name!r}: {error}") from error
        if not acquired:
            raise LockTimeout(name, timeout)
        lease = _Lease(lock, name, self._ttl)
        try:
            yield
        except BaseException:
            # The block's own error says more than a lost lock would; the loss is logged.
            await lease.end()
            raise
        with cancellation_kept():
            lost = await lease.end()
        if lost is not None:
            raise LockLost(name, lost)


class _Lease:
    """One held lock: renews it in the background and says, at the end, whether it was
    lost meanwhile."""

    def __init__(self, lock: RedisPyLock, name: str, ttl: float) -> None:
        self._lock = lock
        self._name = name
        self._ttl = ttl
        # When the key expires unless renewed: counted from when a renewal was sent, not
        # answered, so the estimate errs early.
        self._expires = time.monotonic() + ttl
        self._lost: str | None = None
        self._renewal = asyncio.create_task(self._renew(), name=f"renew lock {name}")

    async def _renew(self) -> None:
        interval = self._ttl / RENEWALS_PER_TTL
        while True:
            await asyncio.sleep(interval)
            sent = time.monotonic()
            try:
                await self._lock.reacquire()
            except LockNotOwnedError:
                self._lose(f"it expired or was taken over (ttl {self._ttl:g}s)")
                return
            except (LockError, RedisError) as error:
                if time.monotonic() >= self._expires:
                    self._lose(f"redis could not renew it before it expired: {error}")
                    return
                log.warning("could not renew lock %r, trying again: %s", self._name, error)
            else:
                self._expires = sent + self._ttl

    def _lose(self, reason: str) -> None:
        self._lost = reason
        # Said now, not at the end of the block: from here on another process may enter.
        log.error("lock %r was lost while held: %s", self._name, reason)

    async def end(self) -> str | None:
        """Stop renewing and release; the reason the lock was lost, or None if it held."""
        self._renewal.cancel()
        # wait(), not `await task`: a cancellation of the holder itself must not be
        # swallowed along with the renewal's.
        await asyncio.wait([self._renewal])
        if not self._renewal.cancelled() and self._renewal.exception() is not None:
            log.error("renewing lock %r failed", self._name, exc_info=self._renewal.exception())
        try:
            await self._lock.release()
        except LockNotOwnedError:
            if self._lost is None:
                self._lose(f"it expired or was taken over before release (ttl {self._ttl:g}s)")
        except (LockError, RedisError) as error:
            # Left to expire: the TTL releases it anyway.
            log.warning("could not release lock %r: %s", self._name, error)
        return self._lost
