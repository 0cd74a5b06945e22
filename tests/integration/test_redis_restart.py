"""Redis restarts (a deploy, a crash, a failover) and comes back empty: every Redis user
of the service works again on its next call, without a restart of its own. The pooled
connections of before are stale then; the first call on one must not fail.

Runs its own redis-server on a free port (never the machine's shared one), kills it with
SIGKILL and starts it again on the same port, empty.
"""

from __future__ import annotations

import asyncio
import shutil
import subprocess
import time
import uuid
from collections.abc import Iterator

import pytest

from adapters.queue.dramatiq_queue import BrokerProbe, DramatiqJobQueue, redis_broker
from adapters.redis.coordination import RedisOnceGuard, redis_client
from adapters.redis.locks import RedisLock
from adapters.redis.ratelimit import RedisRateLimiter
from application import jobs
from application.errors import QueueUnavailable, Unavailable
from application.ports.rate_limiter import API_CALLS, HOUR, RateLimits
from tests.conftest import REQUIRE_SERVICES
from tests.helpers import free_port

REDIS_SERVER = shutil.which("redis-server")
pytestmark = pytest.mark.redis


class OwnRedis:
    """A redis-server of this test's own, without persistence: a restart is empty."""

    def __init__(self) -> None:
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        assert REDIS_SERVER is not None
        self.process = subprocess.Popen(
            [
                REDIS_SERVER,
                *("--port", str(self.port), "--bind", "127.0.0.1"),
                *("--save", "", "--appendonly", "no"),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        while True:
            ping = subprocess.run(
                ["redis-cli", "-p", str(self.port), "ping"], capture_output=True, text=True
            )
            if ping.stdout.strip() == "PONG":
                return
            assert time.monotonic() < deadline, "redis-server did not start"
            time.sleep(0.05)

    def kill(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait()


@pytest.fixture
def own_redis() -> Iterator[OwnRedis]:
    if REDIS_SERVER is None:
        message = "redis-server is not installed: this test starts and kills its own"
        if REQUIRE_SERVICES:
            pytest.fail(f"{message} (MELI_TEST_REQUIRE_SERVICES=1 forbids skipping)")
        pytest.skip(message)
    server = OwnRedis()
    server.start()
    try:
        yield server
    finally:
        server.kill()


LIMITS = RateLimits(per_second=1000, burst=10, quotas={API_CALLS: (100_000, HOUR)})


async def use_everything(client, namespace: str) -> None:
    limiter = RedisRateLimiter(client, LIMITS, namespace=namespace)
    await limiter.acquire()
    async with RedisLock(client, namespace=namespace).hold("account:1", timeout=2):
        pass
    assert await RedisOnceGuard(client, namespace=namespace).first(uuid.uuid4().hex, 60)


async def test_the_limiter_locks_and_once_guard_work_again_after_redis_restarts(own_redis):
    client = redis_client(own_redis.url)
    namespace = f"t{uuid.uuid4().hex[:8]}"
    try:
        # Several connections in the pool, all of them stale after the restart.
        await asyncio.gather(*(use_everything(client, namespace) for _ in range(5)))
        own_redis.kill()
        with pytest.raises(Unavailable):
            await RedisRateLimiter(client, LIMITS, namespace=namespace).acquire()
        own_redis.start()
        for _ in range(3):
            await asyncio.gather(*(use_everything(client, namespace) for _ in range(5)))
    finally:
        await client.aclose()


async def test_stale_connections_do_not_fail_the_first_calls_after_a_quick_restart(own_redis):
    """Killed and back before anyone noticed: no call may see the dead connections."""
    client = redis_client(own_redis.url)
    namespace = f"t{uuid.uuid4().hex[:8]}"
    try:
        await asyncio.gather(*(use_everything(client, namespace) for _ in range(5)))
        own_redis.kill()
        own_redis.start()
        await asyncio.gather(*(use_everything(client, namespace) for _ in range(5)))
    finally:
        await client.aclose()


async def test_the_job_queue_and_its_probe_follow_redis_down_and_up_again(own_redis):
    broker = redis_broker(own_redis.url, namespace=f"t{uuid.uuid4().hex[:8]}")
    probe, queue = BrokerProbe(broker), DramatiqJobQueue(broker)
    try:
        await probe.check()
        await queue.enqueue(jobs.RequeueLostWork())
        own_redis.kill()
        with pytest.raises(Unavailable):
            await probe.check()
        with pytest.raises(QueueUnavailable):
            await queue.enqueue(jobs.RequeueLostWork())
        own_redis.start()
        await probe.check()
        await queue.enqueue(jobs.RequeueLostWork())
        own_redis.kill()
        own_redis.start()
        await queue.enqueue(jobs.RequeueLostWork())  # on a stale connection
    finally:
        broker.close()
