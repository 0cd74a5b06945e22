"""OnceGuard contract: one winner per key across callers, again after the TTL."""

from __future__ import annotations

import asyncio
import uuid

import pytest

from adapters.local.coordination import LocalOnceGuard
from adapters.redis.coordination import RedisOnceGuard, redis_client


@pytest.fixture(params=["local", "redis"])
async def guard(request):
    if request.param == "local":
        yield LocalOnceGuard()
        return
    client = redis_client(request.getfixturevalue("redis_url"))
    yield RedisOnceGuard(client, namespace=f"meli-test-{uuid.uuid4().hex}")
    await client.aclose()


async def test_only_the_first_caller_wins_a_key(guard):
    results = await asyncio.gather(*(guard.first("tick:1", 5) for _ in range(20)))
    assert results.count(True) == 1


async def test_different_keys_are_independent(guard):
    assert await guard.first("a", 5)
    assert await guard.first("b", 5)
    assert not await guard.first("a", 5)


async def test_a_key_can_be_won_again_after_its_ttl(guard):
    assert await guard.first("short", 0.05)
    await asyncio.sleep(0.15)
    assert await guard.first("short", 0.05)
