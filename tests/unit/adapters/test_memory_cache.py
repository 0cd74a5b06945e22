"""InMemoryExpiringCache: entries live their time to live on the clock, and the cache
stays within its size."""

from __future__ import annotations

from datetime import timedelta

from adapters.memory.cache import InMemoryExpiringCache
from adapters.system.clock import ManualClock

HOUR = timedelta(hours=1)


async def test_an_entry_is_answered_until_its_time_to_live_has_passed():
    clock = ManualClock()
    cache = InMemoryExpiringCache(clock)
    await cache.put("category:MLA3530", ("a",), HOUR)

    clock.advance(3599)
    assert await cache.get("category:MLA3530") == ("a",)
    clock.advance(1)
    assert await cache.get("category:MLA3530") is None
    assert len(cache) == 0


async def test_an_unknown_key_is_none_and_a_new_value_replaces_the_old():
    cache = InMemoryExpiringCache(ManualClock())
    assert await cache.get("nothing") is None

    await cache.put("k", 1, HOUR)
    await cache.put("k", 2, HOUR)
    assert await cache.get("k") == 2


async def test_a_time_to_live_of_zero_keeps_nothing():
    cache = InMemoryExpiringCache(ManualClock())
    await cache.put("k", 1, HOUR)
    await cache.put("k", 2, timedelta(0))
    assert await cache.get("k") is None


async def test_the_least_recently_used_entry_goes_first_when_full():
    cache = InMemoryExpiringCache(ManualClock(), max_entries=2)
    await cache.put("a", 1, HOUR)
    await cache.put("b", 2, HOUR)
    assert await cache.get("a") == 1  # "a" is now the most recently used
    await cache.put("c", 3, HOUR)

    assert await cache.get("b") is None
    assert await cache.get("a") == 1 and await cache.get("c") == 3
