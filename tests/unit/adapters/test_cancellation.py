"""A cancellation reaches the caller through every wait under the gateway and the syncs:
the rate limiters, the locks (the token vault's refresh lock), the database pool and the
gateway's retry loop, even when a library below loses it.

The library behaviour reproduced here is Python 3.11's `asyncio.wait_for`, which redis-py
puts around every socket write and SQLAlchemy's pool around its wait for a connection:
when the awaited work finishes in the same turn of the loop as the cancellation arrives,
it returns the result and the cancellation is gone (`lossy` below). Before these fixes a
catalogue sync hung forever in 3 of 13 runs on PostgreSQL and Redis: a fetcher told to
stop went on to wait on a queue nobody fed.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import Any

import pytest

from adapters.local.locks import FileLock
from adapters.local.ratelimit import LocalRateLimiter
from adapters.memory import InMemoryJobQueue
from adapters.mercadolibre import MercadoLibreClient, RetryPolicy
from adapters.redis.coordination import RedisOnceGuard
from adapters.redis.locks import RedisLock
from adapters.redis.ratelimit import RedisRateLimiter
from adapters.sql.unit_of_work import SqlUnitOfWork
from application.cancellation import TimedOut, cancellation_kept, run_stages
from application.ports.rate_limiter import RateLimits


async def lossy(value: Any) -> Any:
    """Awaits like redis-py's socket write on Python 3.11: `asyncio.wait_for` around work
    that ends at once. A cancellation arriving meanwhile is lost: the result comes back."""

    async def at_once() -> Any:
        return value

    return await asyncio.wait_for(at_once(), 5)


async def cancelled_at_first_wait(work: Awaitable[Any]) -> asyncio.Task[Any]:
    """Start `work`, let it run to its first wait, cancel it there; the finished task."""
    task = asyncio.ensure_future(work)
    await asyncio.sleep(0)
    task.cancel()
    await asyncio.wait([task], timeout=5)
    assert task.done(), "the cancelled work did not end"
    return task


async def test_the_library_behaviour_reproduced_here_does_lose_a_cancellation():
    """The premise of every test below: without cancellation_kept the work goes on."""
    task = await cancelled_at_first_wait(lossy("answer"))
    assert not task.cancelled() and task.result() == "answer"


async def test_cancellation_kept_raises_a_cancellation_lost_below():
    async def guarded() -> Any:
        with cancellation_kept():
            return await lossy("answer")

    assert (await cancelled_at_first_wait(guarded())).cancelled()


async def test_cancellation_kept_lets_a_cancellation_handled_below_pass():
    """asyncio.timeout consumes its own cancellation: that is no lost request."""

    async def times_out_below() -> str:
        with cancellation_kept():
            try:
                async with asyncio.timeout(0.01):
                    await asyncio.sleep(1)
            except TimeoutError:
                return "timed out"
        return "unreachable"

    assert await times_out_below() == "timed out"


async def test_cancellation_kept_turns_an_error_raised_after_a_lost_cancellation_into_it():
    async def converts() -> None:
        with cancellation_kept():
            await lossy(None)
            raise OSError("the connection went away while we were being cancelled")

    task = await cancelled_at_first_wait(converts())
    assert task.cancelled()


# -- run_stages: the first failure or the deadline ends every stage ----------------------


async def test_a_failing_stage_stops_the_others_and_its_error_is_raised():
    stopped = []

    async def fails() -> None:
        await asyncio.sleep(0.01)
        raise RuntimeError("the writer failed")

    async def waits_forever(name: str) -> None:
        try:
            await asyncio.Event().wait()
        finally:
            stopped.append(name)

    with pytest.raises(ExceptionGroup) as caught:
        await run_stages([fails(), waits_forever("a"), waits_forever("b")], timeout=5)

    assert caught.group_contains(RuntimeError, match="the writer failed")
    assert sorted(stopped) == ["a", "b"]


async def test_a_stage_that_ignores_its_cancellation_is_abandoned_after_the_grace():
    release = asyncio.Event()

    async def fails() -> None:
        raise RuntimeError("boom")

    async def deaf() -> None:
        while not release.is_set():
            try:
                await release.wait()
            except asyncio.CancelledError:
                continue  # a library that swallows it

    started = time.monotonic()
    with pytest.raises(ExceptionGroup):
        await run_stages([fails(), deaf()], timeout=5, grace=0.2)
    assert time.monotonic() - started < 2
    release.set()


async def test_stages_still_running_at_the_deadline_time_out():
    async def slow() -> None:
        await asyncio.sleep(10)

    started = time.monotonic()
    with pytest.raises(TimedOut, match=r"did not finish within 0\.1 s"):
        await run_stages([slow(), slow()], timeout=0.1, what="the work")
    assert time.monotonic() - started < 2


async def test_a_cancelled_caller_stops_its_stages_and_is_cancelled():
    stopped = []

    async def stage() -> None:
        try:
            await asyncio.Event().wait()
        finally:
            stopped.append(1)

    task = await cancelled_at_first_wait(run_stages([stage(), stage()], timeout=None))
    assert task.cancelled() and stopped == [1, 1]


# -- the waits under the gateway ----------------------------------------------------------


class LossyRedis:
    """The few redis.asyncio.Redis calls the adapters make, each answering through
    `lossy` as redis-py does on Python 3.11."""

    def __init__(self) -> None:
        self.locks: set[str] = set()

    def register_script(self, source: str) -> Callable[..., Awaitable[Any]]:
        async def script(keys: list[str], args: list[Any]) -> Any:
            return await lossy([b"ok", b"0.000000"])

        return script

    async def set(self, *args: Any, **kwargs: Any) -> Any:
        return await lossy(True)

    def lock(self, name: str, **kwargs: Any) -> LossyRedisLock:
        return LossyRedisLock()


class LossyRedisLock:
    async def acquire(self) -> bool:
        return bool(await lossy(True))

    async def reacquire(self) -> None:
        await asyncio.sleep(3600)

    async def release(self) -> None:
        await lossy(None)


async def test_the_redis_rate_limiter_raises_a_cancellation_its_client_lost():
    limiter = RedisRateLimiter(LossyRedis(), RateLimits(per_second=10))  # type: ignore[arg-type]
    assert (await cancelled_at_first_wait(limiter.acquire())).cancelled()


async def test_the_redis_once_guard_raises_a_cancellation_its_client_lost():
    guard = RedisOnceGuard(LossyRedis())  # type: ignore[arg-type]
    assert (await cancelled_at_first_wait(guard.first("key", 60))).cancelled()


async def test_a_redis_lock_waiter_raises_a_cancellation_its_client_lost():
    """The token vault waits for the refresh lock here (§1.3): a cancelled refresh must
    not go on to refresh."""
    lock = RedisLock(LossyRedis())  # type: ignore[arg-type]
    entered = []

    async def refresh() -> None:
        async with lock.hold("token-refresh:1", timeout=30):
            entered.append(1)

    assert (await cancelled_at_first_wait(refresh())).cancelled()
    assert entered == []


async def test_a_local_rate_limiter_wait_is_cancelled_at_once():
    limiter = LocalRateLimiter(RateLimits(per_second=1, burst=1))
    await limiter.acquire()
    task = await cancelled_at_first_wait(limiter.acquire())  # would sleep a second
    assert task.cancelled()


async def test_a_file_lock_waiter_is_cancelled_at_once(tmp_path):
    """The token vault's lock wait without Redis: cancelled while another holds it."""
    lock = FileLock(tmp_path)
    holding = asyncio.Event()
    release = asyncio.Event()

    async def holder() -> None:
        async with lock.hold("token-refresh:1", timeout=5):
            holding.set()
            await release.wait()

    held = asyncio.create_task(holder())
    await holding.wait()
    entered = []

    async def waiter() -> None:
        async with lock.hold("token-refresh:1", timeout=30):
            entered.append(1)

    task = asyncio.create_task(waiter())
    await asyncio.sleep(0.05)
    task.cancel()
    await asyncio.wait([task], timeout=5)
    assert task.cancelled() and entered == []
    release.set()
    await held
    async with lock.hold("token-refresh:1", timeout=1):
        pass  # the cancelled waiter left nothing held behind


class LossyLimiter:
    """A RateLimiter that loses the cancellation, like the Redis one did."""

    async def acquire(self, key: str = "api", cost: int = 1, call_class: Any = None) -> float:
        await lossy(None)
        return 0.0


class NoSession:
    """An aiohttp session that must not be used: the call was cancelled before it."""

    def request(self, *args: Any, **kwargs: Any) -> Any:
        raise AssertionError("a cancelled call reached MercadoLibre")


async def test_the_gateway_makes_no_call_once_cancelled_even_if_its_limiter_lost_it():
    client = MercadoLibreClient(
        NoSession(),  # type: ignore[arg-type]
        LossyLimiter(),
        api_url="http://127.0.0.1:9",
        retry=RetryPolicy(max_attempts=5),
    )
    task = await cancelled_at_first_wait(client.request("GET", "/items/MLA1"))
    assert task.cancelled()


class LossyEngine:
    """An AsyncEngine whose pool hands out a connection through wait_for, as
    SQLAlchemy's does when every connection is in use."""

    def __init__(self) -> None:
        self.closed = 0
        self.dialect = type("Dialect", (), {"name": "postgresql"})()

    async def connect(self) -> LossyConnection:
        return await lossy(LossyConnection(self))


class LossyConnection:
    def __init__(self, engine: LossyEngine) -> None:
        self.engine = engine
        self.dialect = engine.dialect

    async def close(self) -> None:
        self.engine.closed += 1


async def test_a_unit_of_work_cancelled_while_waiting_for_a_connection_gives_it_back():
    engine = LossyEngine()

    async def work() -> None:
        async with SqlUnitOfWork(engine, InMemoryJobQueue()):  # type: ignore[arg-type]
            raise AssertionError("a cancelled unit of work ran")

    task = await cancelled_at_first_wait(work())
    assert task.cancelled() and engine.closed == 1
