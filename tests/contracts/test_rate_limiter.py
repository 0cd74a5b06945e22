"""RateLimiter contract, for the in-process, the machine-wide (a shared file) and the Redis
limiter (ref: mercadolibre-api.md §2.4, §12.3; the product's API limits table).

Rates are measured on the real clock with small windows and generous margins: what is
asserted is a count of grants, so a slow machine can only make the count lower.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import subprocess
import sys
import time
import uuid
from collections.abc import AsyncIterator, Callable

import pytest

from adapters.local.ratelimit import LocalRateLimiter, SharedFileRateLimiter
from adapters.redis.coordination import redis_client
from adapters.redis.ratelimit import RedisRateLimiter
from application.errors import QuotaExhausted
from application.ports.rate_limiter import (
    API_CALLS,
    DAY,
    HOUR,
    LISTING_CREATE,
    MESSAGE_SEND,
    CallClass,
    Quota,
    RateLimiter,
    RateLimits,
)

MakeLimiter = Callable[[RateLimits], RateLimiter]
NO_QUOTAS: dict[str, tuple[int, float]] = {}


@pytest.fixture(params=["local", "file", "redis"])
async def make_limiter(request: pytest.FixtureRequest) -> AsyncIterator[MakeLimiter]:
    if request.param == "local":
        yield lambda limits: LocalRateLimiter(limits)
        return
    if request.param == "file":
        # Each limiter made is another process's view of the same file.
        path = request.getfixturevalue("tmp_path") / "rate-limiter.json"
        yield lambda limits: SharedFileRateLimiter(limits, path)
        return
    client = redis_client(request.getfixturevalue("redis_url"))
    namespace = f"meli-test-{uuid.uuid4().hex}"
    yield lambda limits: RedisRateLimiter(client, limits, namespace=namespace)
    keys = [key async for key in client.scan_iter(match=f"{namespace}:*")]
    if keys:
        await client.delete(*keys)
    await client.aclose()


async def grants_within(limiter: RateLimiter, seconds: float, workers: int = 4) -> int:
    """How many permits `workers` greedy callers obtain within `seconds`."""
    end = time.monotonic() + seconds
    granted = 0

    async def worker() -> None:
        nonlocal granted
        while time.monotonic() < end:
            await limiter.acquire(API_CALLS)
            if time.monotonic() < end:
                granted += 1

    await asyncio.gather(*(worker() for _ in range(workers)))
    return granted


def test_the_default_limits_are_the_products_api_limits():
    limits = RateLimits()
    assert limits.per_second == 10
    assert limits.bucket_size == 10
    assert limits.quotas == {
        API_CALLS: Quota(10_000, HOUR),
        LISTING_CREATE: Quota(1_000, DAY),
        MESSAGE_SEND: Quota(500, HOUR),
    }
    assert limits.periodic_budget == 0.5
    assert limits.class_limit(API_CALLS, CallClass.PERIODIC) == 5_000
    assert limits.class_limit(API_CALLS, CallClass.INTERACTIVE) is None
    assert limits.class_limit(MESSAGE_SEND, CallClass.PERIODIC) is None


def test_limits_refuse_nonsense():
    with pytest.raises(ValueError):
        RateLimits(per_second=-1)
    with pytest.raises(ValueError):
        RateLimits(burst=0)
    with pytest.raises(ValueError):
        RateLimits(quotas={"api": (0, 60)})
    with pytest.raises(ValueError):
        RateLimits(periodic_budget=0)
    with pytest.raises(ValueError):
        RateLimits(periodic_budget=1.5)


def test_periodic_calls_leave_the_peoples_share_of_the_bucket():
    assert RateLimits(per_second=10, periodic_budget=0.5).headroom(CallClass.PERIODIC) == 5
    assert RateLimits(per_second=10, periodic_budget=1).headroom(CallClass.PERIODIC) == 0
    # Never the whole bucket: periodic work still runs when nobody else calls.
    assert RateLimits(per_second=1, periodic_budget=0.1).headroom(CallClass.PERIODIC) == 0
    assert RateLimits(per_second=10).headroom(CallClass.NOTIFICATION) == 0


async def test_a_burst_is_granted_at_once(make_limiter):
    limiter = make_limiter(RateLimits(per_second=2, burst=5, quotas=NO_QUOTAS))
    waits = [await limiter.acquire() for _ in range(5)]
    assert waits == [0.0] * 5


async def test_after_the_burst_calls_are_paced_at_the_rate(make_limiter):
    limiter = make_limiter(RateLimits(per_second=40, burst=4, quotas=NO_QUOTAS))
    granted = await grants_within(limiter, 0.5)
    # burst + rate x window, plus one for the slot that falls on the edge.
    assert granted <= 4 + 40 * 0.5 + 1
    assert granted >= 12, "the limiter starved its callers"


async def test_the_seconds_waited_are_reported(make_limiter):
    limiter = make_limiter(RateLimits(per_second=10, burst=1, quotas=NO_QUOTAS))
    assert await limiter.acquire() == 0.0
    started = time.monotonic()
    waited = await limiter.acquire()
    elapsed = time.monotonic() - started
    assert 0.05 < waited <= 0.1 + 1e-6
    assert elapsed >= waited * 0.9


async def test_concurrent_callers_are_given_distinct_slots(make_limiter):
    """A reservation per caller: waits grow by one interval each, nobody polls."""
    limiter = make_limiter(RateLimits(per_second=20, burst=1, quotas=NO_QUOTAS))
    waits = sorted(await asyncio.gather(*(limiter.acquire() for _ in range(5))))
    assert waits[0] == 0.0
    # Each slot is one interval after the previous, less the time between the calls.
    gaps = [b - a for a, b in itertools.pairwise(waits)]
    assert all(0.03 <= gap <= 0.05 + 1e-6 for gap in gaps), waits


async def test_a_cost_takes_several_permits(make_limiter):
    limiter = make_limiter(RateLimits(per_second=10, burst=4, quotas=NO_QUOTAS))
    assert await limiter.acquire(API_CALLS, cost=4) == 0.0
    assert 0.05 < await limiter.acquire() <= 0.1 + 1e-6


async def test_an_exhausted_quota_raises_with_the_time_until_its_window_resets(make_limiter):
    limiter = make_limiter(RateLimits(per_second=0, quotas={LISTING_CREATE: (3, 60)}))
    for _ in range(3):
        assert await limiter.acquire(LISTING_CREATE) == 0.0
    with pytest.raises(QuotaExhausted) as caught:
        await limiter.acquire(LISTING_CREATE)
    assert LISTING_CREATE in str(caught.value)
    assert 0 < caught.value.retry_after <= 60


async def test_a_refused_acquire_uses_nothing_and_other_keys_are_untouched(make_limiter):
    limiter = make_limiter(
        RateLimits(per_second=0, quotas={MESSAGE_SEND: (1, 60), LISTING_CREATE: (1, 60)})
    )
    await limiter.acquire(MESSAGE_SEND)
    for _ in range(3):
        with pytest.raises(QuotaExhausted):
            await limiter.acquire(MESSAGE_SEND)
    assert await limiter.acquire(LISTING_CREATE) == 0.0


async def test_a_quota_refills_in_its_next_window(make_limiter):
    limiter = make_limiter(RateLimits(per_second=0, quotas={MESSAGE_SEND: (2, 0.3)}))
    while True:
        try:
            await limiter.acquire(MESSAGE_SEND)
        except QuotaExhausted as exhausted:
            retry_after = exhausted.retry_after
            break
    assert retry_after <= 0.3
    await asyncio.sleep(retry_after + 0.02)
    assert await limiter.acquire(MESSAGE_SEND) == 0.0


async def test_the_api_quota_applies_to_paced_calls(make_limiter):
    limiter = make_limiter(RateLimits(per_second=1000, quotas={API_CALLS: (3, 60)}))
    for _ in range(3):
        await limiter.acquire()
    with pytest.raises(QuotaExhausted):
        await limiter.acquire()


async def test_a_key_without_limits_is_free(make_limiter):
    limiter = make_limiter(RateLimits(per_second=1, burst=1, quotas=NO_QUOTAS))
    assert [await limiter.acquire("something_else") for _ in range(20)] == [0.0] * 20


async def test_no_rate_means_unpaced(make_limiter):
    limiter = make_limiter(RateLimits(per_second=0, quotas=NO_QUOTAS))
    assert [await limiter.acquire() for _ in range(50)] == [0.0] * 50


# -- priority classes and the periodic budget --------------------------------------------------


async def test_periodic_calls_never_exceed_their_share_of_the_quota(make_limiter):
    limiter = make_limiter(
        RateLimits(per_second=0, quotas={API_CALLS: (10, 60)}, periodic_wait_seconds=0)
    )
    for _ in range(5):
        await limiter.acquire(API_CALLS, call_class=CallClass.PERIODIC)
    with pytest.raises(QuotaExhausted) as caught:
        await limiter.acquire(API_CALLS, call_class=CallClass.PERIODIC)
    assert "periodic" in str(caught.value)
    assert 0 < caught.value.retry_after <= 60
    # The rest of the window is the people's and the notifications'.
    for call_class in [CallClass.INTERACTIVE] * 3 + [CallClass.NOTIFICATION] * 2:
        await limiter.acquire(API_CALLS, call_class=call_class)
    with pytest.raises(QuotaExhausted):
        await limiter.acquire(API_CALLS)
    assert await limiter.used(API_CALLS) == {
        CallClass.PERIODIC: 5,
        CallClass.INTERACTIVE: 3,
        CallClass.NOTIFICATION: 2,
    }


async def test_a_periodic_call_past_its_share_waits_for_a_window_opening_soon(make_limiter):
    limiter = make_limiter(
        RateLimits(per_second=0, quotas={API_CALLS: (4, 0.4)}, periodic_wait_seconds=1)
    )
    while True:  # start at the beginning of a window, however slow the machine
        await limiter.acquire(API_CALLS, call_class=CallClass.PERIODIC)
        await limiter.acquire(API_CALLS, call_class=CallClass.PERIODIC)
        started = time.monotonic()
        waited = await limiter.acquire(API_CALLS, call_class=CallClass.PERIODIC)
        if waited > 0:
            break
    assert 0 < waited <= 0.4
    assert time.monotonic() - started >= waited * 0.9
    assert await limiter.used(API_CALLS) == {CallClass.PERIODIC: 1}


async def test_the_periodic_share_counts_against_the_whole_quota(make_limiter):
    limiter = make_limiter(
        RateLimits(per_second=0, quotas={API_CALLS: (4, 60)}, periodic_budget=0.75)
    )
    for _ in range(2):
        await limiter.acquire(API_CALLS)
    await limiter.acquire(API_CALLS, call_class=CallClass.PERIODIC)
    await limiter.acquire(API_CALLS, call_class=CallClass.NOTIFICATION)
    # The periodic share (3) is not used up, but the window is.
    with pytest.raises(QuotaExhausted):
        await limiter.acquire(API_CALLS, call_class=CallClass.PERIODIC)


async def test_a_key_without_quota_reports_no_use(make_limiter):
    limiter = make_limiter(RateLimits(per_second=0, quotas=NO_QUOTAS))
    await limiter.acquire(API_CALLS, call_class=CallClass.PERIODIC)
    assert await limiter.used(API_CALLS) == {}


async def greedy(limiter: RateLimiter, call_class: CallClass, stop: asyncio.Event) -> int:
    granted = 0
    while not stop.is_set():
        await limiter.acquire(API_CALLS, call_class=call_class)
        if not stop.is_set():
            granted += 1
    return granted


async def test_a_person_never_waits_behind_periodic_calls(make_limiter):
    """Eight greedy periodic callers would put a queue of 8 slots (0.4 s) in front of
    an interactive call; instead it waits at most the one slot being taken."""
    limiter = make_limiter(RateLimits(per_second=20, burst=4, quotas=NO_QUOTAS))
    stop = asyncio.Event()
    periodic = [asyncio.create_task(greedy(limiter, CallClass.PERIODIC, stop)) for _ in range(8)]
    await asyncio.sleep(0.3)
    waits = []
    for _ in range(5):
        waits.append(await limiter.acquire(API_CALLS))
        await asyncio.sleep(0.06)
    stop.set()
    granted = await asyncio.gather(*periodic)
    assert sum(granted) >= 5, "periodic calls were starved while the bucket had room"
    # One interval is 0.05 s: a person's call waits for at most the slot in progress.
    assert max(waits) <= 0.05 + 1e-6, waits


async def test_people_queue_among_themselves(make_limiter):
    """The other side of the previous test: interactive calls do wait for each other."""
    limiter = make_limiter(RateLimits(per_second=20, burst=1, quotas=NO_QUOTAS))
    waits = sorted(await asyncio.gather(*(limiter.acquire(API_CALLS) for _ in range(8))))
    assert waits[-1] > 0.25, waits


async def test_notifications_go_before_periodic_calls(make_limiter):
    limiter = make_limiter(RateLimits(per_second=40, burst=4, quotas=NO_QUOTAS))
    stop = asyncio.Event()
    tasks = {
        call_class: [asyncio.create_task(greedy(limiter, call_class, stop)) for _ in range(3)]
        for call_class in (CallClass.NOTIFICATION, CallClass.PERIODIC)
    }
    await asyncio.sleep(0.5)
    stop.set()
    granted = {c: sum(await asyncio.gather(*t)) for c, t in tasks.items()}
    # Periodic callers get the bucket's top at the start, then nothing while
    # notifications keep it below the people's headroom.
    assert granted[CallClass.PERIODIC] <= 3, granted
    assert granted[CallClass.NOTIFICATION] >= 10, granted


async def test_periodic_calls_use_the_whole_rate_when_alone(make_limiter):
    limiter = make_limiter(RateLimits(per_second=40, burst=4, quotas=NO_QUOTAS))
    stop = asyncio.Event()
    tasks = [asyncio.create_task(greedy(limiter, CallClass.PERIODIC, stop)) for _ in range(3)]
    await asyncio.sleep(0.5)
    stop.set()
    granted = sum(await asyncio.gather(*tasks))
    assert 10 <= granted <= 4 + 40 * 0.5 + 1, granted


# -- several processes, one Redis limiter ------------------------------------------------------

# A child process's limiter: argv[1] is "file:<path>" or a Redis URL, argv[2] a namespace.
MAKE_LIMITER = """
from adapters.local.ratelimit import SharedFileRateLimiter
from adapters.redis.coordination import redis_client
from adapters.redis.ratelimit import RedisRateLimiter

def make_limiter(where, namespace, limits):
    if where.startswith("file:"):
        return SharedFileRateLimiter(limits, where[5:]), None
    client = redis_client(where)
    return RedisRateLimiter(client, limits, namespace), client
"""

PROCESS = (
    MAKE_LIMITER
    + """
import asyncio, json, sys, time
from application.ports.rate_limiter import RateLimits

where, namespace, seconds = sys.argv[1], sys.argv[2], float(sys.argv[3])

async def main():
    limiter, client = make_limiter(where, namespace, RateLimits(per_second=20, burst=2, quotas={}))
    if client is not None:
        await client.ping()
    print("ready", flush=True)
    start = float(sys.stdin.readline())
    await asyncio.sleep(max(0.0, start - time.time()))
    end = start + seconds
    granted = 0
    while time.time() < end:
        await limiter.acquire()
        if time.time() < end:
            granted += 1
    if client is not None:
        await client.aclose()
    print(json.dumps({"granted": granted}))

asyncio.run(main())
"""
)


@pytest.fixture(params=["file", "redis"])
def shared_store(request: pytest.FixtureRequest) -> str:
    """Where several processes' limiters meet: a file of the machine, or Redis."""
    if request.param == "file":
        return f"file:{request.getfixturevalue('tmp_path') / 'rate-limiter.json'}"
    return str(request.getfixturevalue("redis_url"))


async def test_processes_sharing_a_limiter_stay_together_under_the_rate(shared_store):
    """§2.4: the limit is per application, so every process draws from one bucket."""
    namespace = f"meli-test-{uuid.uuid4().hex}"
    seconds, processes = 1.0, 3
    children = [
        await asyncio.create_subprocess_exec(
            sys.executable,
            "-c",
            PROCESS,
            shared_store,
            namespace,
            str(seconds),
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
        )
        for _ in range(processes)
    ]
    # Every process is up and connected before the window opens, however slow the
    # machine is to start them: a late starter would only measure its start-up.
    for child in children:
        assert await asyncio.wait_for(child.stdout.readline(), 60) == b"ready\n"
    start = f"{time.time() + 0.5}\n".encode()
    for child in children:
        child.stdin.write(start)
        await child.stdin.drain()
        child.stdin.close()
    outputs = [await asyncio.wait_for(child.communicate(), 30) for child in children]
    assert all(child.returncode == 0 for child in children)
    granted = [json.loads(out)["granted"] for out, _ in outputs]
    # Three greedy processes alone would each take 2 + 20 per second.
    assert sum(granted) <= 2 + 20 * seconds + 1, granted
    assert sum(granted) >= 10, granted
    assert all(g > 0 for g in granted), granted


SHARE_PROCESS = (
    MAKE_LIMITER
    + """
import asyncio, json, sys
from application.errors import QuotaExhausted
from application.ports.rate_limiter import CallClass, RateLimits

where, namespace = sys.argv[1], sys.argv[2]

async def main():
    limits = RateLimits(
        per_second=0, quotas={"api": (40, 3600)}, periodic_budget=0.5, periodic_wait_seconds=0
    )
    limiter, client = make_limiter(where, namespace, limits)
    granted = 0
    try:
        while True:
            await limiter.acquire("api", call_class=CallClass.PERIODIC)
            granted += 1
    except QuotaExhausted:
        pass
    if client is not None:
        await client.aclose()
    print(json.dumps({"granted": granted}))

asyncio.run(main())
"""
)


async def test_processes_share_one_periodic_budget(shared_store):
    """Every worker process draws periodic calls from the same share of the window."""
    namespace = f"meli-test-{uuid.uuid4().hex}"
    children = [
        await asyncio.create_subprocess_exec(
            sys.executable, "-c", SHARE_PROCESS, shared_store, namespace, stdout=subprocess.PIPE
        )
        for _ in range(3)
    ]
    outputs = [await asyncio.wait_for(child.communicate(), 60) for child in children]
    assert all(child.returncode == 0 for child in children)
    assert sum(json.loads(out)["granted"] for out, _ in outputs) == 20
    limits = RateLimits(per_second=0, quotas={API_CALLS: (40, 3600)})
    client = None
    if shared_store.startswith("file:"):
        limiter: RateLimiter = SharedFileRateLimiter(limits, shared_store[5:])
    else:
        client = redis_client(shared_store)
        limiter = RedisRateLimiter(client, limits, namespace)
    try:
        assert await limiter.used(API_CALLS) == {CallClass.PERIODIC: 20}
        # The people's half of the window is intact.
        for _ in range(20):
            await limiter.acquire(API_CALLS)
        with pytest.raises(QuotaExhausted):
            await limiter.acquire(API_CALLS)
    finally:
        if client is not None:
            await client.delete(*[key async for key in client.scan_iter(match=f"{namespace}:*")])
            await client.aclose()


GREEDY_PERIODIC_PROCESS = """
import asyncio, sys, time
from adapters.redis.coordination import redis_client
from adapters.redis.ratelimit import RedisRateLimiter
from application.ports.rate_limiter import CallClass, RateLimits

url, namespace, seconds = sys.argv[1], sys.argv[2], float(sys.argv[3])

async def main():
    client = redis_client(url)
    limiter = RedisRateLimiter(client, RateLimits(per_second=20, burst=4, quotas={}), namespace)
    end = time.monotonic() + seconds
    async def one():
        while time.monotonic() < end:
            await limiter.acquire("api", call_class=CallClass.PERIODIC)
    await asyncio.gather(*(one() for _ in range(4)))
    await client.aclose()

asyncio.run(main())
"""


async def test_a_person_never_waits_behind_another_process_periodic_calls(redis_url):
    namespace = f"meli-test-{uuid.uuid4().hex}"
    children = [
        await asyncio.create_subprocess_exec(
            sys.executable, "-c", GREEDY_PERIODIC_PROCESS, redis_url, namespace, "3"
        )
        for _ in range(2)
    ]
    client = redis_client(redis_url)
    limiter = RedisRateLimiter(client, RateLimits(per_second=20, burst=4, quotas={}), namespace)
    try:
        # Wait until the periodic processes are taking slots (the bucket is drained).
        deadline = time.monotonic() + 30
        while await client.get(f"{namespace}:rate:{API_CALLS}") is None:
            assert time.monotonic() < deadline, "the periodic processes never started"
            await asyncio.sleep(0.05)
        waits = []
        for _ in range(5):
            waits.append(await limiter.acquire(API_CALLS))
            await asyncio.sleep(0.06)
        assert max(waits) <= 0.05 + 1e-6, waits
    finally:
        for child in children:
            await asyncio.wait_for(child.wait(), 60)
        await client.delete(*[key async for key in client.scan_iter(match=f"{namespace}:*")])
        await client.aclose()
