"""Lock contract, for the file lock (one machine) and the Redis lock (every machine).

The token vault refreshes under this lock (mercadolibre-api.md §1.3: one refresh at a time
per account across all processes), so the multi-process tests are part of the contract.
"""

from __future__ import annotations

import asyncio
import json
import signal
import stat
import subprocess
import sys
import time
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from adapters.local.locks import FileLock
from adapters.redis.coordination import redis_client
from adapters.redis.locks import RedisLock
from application.errors import LockTimeout
from application.ports.lock import Lock, LockLost


class Boom(Exception):
    pass


@pytest.fixture(params=["file", "redis"])
def kind(request: pytest.FixtureRequest) -> str:
    return request.param


@pytest.fixture
def lock_spec(kind: str, request: pytest.FixtureRequest, tmp_path: Path) -> dict[str, Any]:
    """How to build the lock, in this process and in child processes."""
    if kind == "file":
        return {"kind": "file", "directory": str(tmp_path / "locks")}
    return {
        "kind": "redis",
        "url": request.getfixturevalue("redis_url"),
        "namespace": f"meli-test-{uuid.uuid4().hex}",
    }


@pytest.fixture
async def lock(lock_spec: dict[str, Any]) -> AsyncIterator[Lock]:
    if lock_spec["kind"] == "file":
        yield FileLock(lock_spec["directory"])
        return
    client = redis_client(lock_spec["url"])
    yield RedisLock(client, namespace=lock_spec["namespace"], ttl=10)
    await client.aclose()


async def test_only_one_coroutine_holds_a_name_at_a_time(lock):
    inside = 0
    most = 0
    entered = 0

    async def worker() -> None:
        nonlocal inside, most, entered
        async with lock.hold("account:1", timeout=10):
            inside += 1
            entered += 1
            most = max(most, inside)
            await asyncio.sleep(0.01)
            inside -= 1

    await asyncio.gather(*(worker() for _ in range(8)))
    assert most == 1
    assert entered == 8


async def test_a_held_lock_times_out_with_lock_timeout(lock):
    async with lock.hold("busy", timeout=1):
        started = time.monotonic()
        with pytest.raises(LockTimeout) as caught:
            async with lock.hold("busy", timeout=0.2):
                pytest.fail("entered a held lock")
        assert time.monotonic() - started >= 0.15
    assert caught.value.name == "busy"


async def test_the_lock_is_released_when_the_body_raises(lock):
    with pytest.raises(Boom):
        async with lock.hold("fragile", timeout=1):
            raise Boom
    async with lock.hold("fragile", timeout=0.5):
        pass


async def test_different_names_are_independent(lock):
    async with lock.hold("a", timeout=1), lock.hold("b", timeout=0.2):
        pass


async def test_a_lock_can_be_taken_again_and_again(lock):
    for _ in range(20):
        async with lock.hold("again", timeout=0.5):
            pass


async def test_names_with_any_characters_work(lock):
    async with lock.hold("token-refresh:123/ñ é", timeout=0.5):
        with pytest.raises(LockTimeout):
            async with lock.hold("token-refresh:123/ñ é", timeout=0.05):
                pass
        async with lock.hold("token-refresh:123_ñ é", timeout=0.05):
            pass


async def test_coroutines_of_one_process_are_served_in_arrival_order(tmp_path):
    """FileLock only: an asyncio.Lock per name queues them FIFO."""
    lock = FileLock(tmp_path)
    order: list[int] = []

    async def worker(n: int) -> None:
        async with lock.hold("fifo", timeout=5):
            order.append(n)
            await asyncio.sleep(0.005)

    async with lock.hold("fifo", timeout=1):
        tasks = []
        for n in range(6):
            tasks.append(asyncio.create_task(worker(n)))
            await asyncio.sleep(0.001)
    await asyncio.gather(*tasks)
    assert order == list(range(6))


def make_lock(spec: dict[str, Any], client: Any = None, ttl: float = 10) -> Lock:
    if spec["kind"] == "file":
        return FileLock(spec["directory"])
    return RedisLock(client, namespace=spec["namespace"], ttl=ttl)


@pytest.fixture
async def clients(lock_spec: dict[str, Any]) -> AsyncIterator[list[Any]]:
    """Two Redis connections, as two processes would have (none for the file lock)."""
    if lock_spec["kind"] == "file":
        yield [None, None]
        return
    made = [redis_client(lock_spec["url"]), redis_client(lock_spec["url"])]
    yield made
    for client in made:
        await client.aclose()


async def test_a_holder_keeps_the_lock_however_long_it_works(lock_spec, clients):
    """A slow holder (a refresh waiting out 429 backoff, a long stock write) is never
    joined by another: the Redis lease (0.3 s here) is renewed while the block runs."""
    holder = make_lock(lock_spec, clients[0], ttl=0.3)
    other = make_lock(lock_spec, clients[1], ttl=0.3)
    async with holder.hold("slow", timeout=1):
        with pytest.raises(LockTimeout):
            async with other.hold("slow", timeout=1.2):
                pytest.fail("a second holder entered while the first still worked")
    async with other.hold("slow", timeout=0.5):
        pass


def take_the_lock_away(spec: dict[str, Any]) -> None:
    """Blocking on purpose: delete the lock files, or block the event loop (and with it
    the renewals) past a 0.3 s Redis lease."""
    if spec["kind"] == "file":
        for path in Path(spec["directory"]).iterdir():
            path.unlink()
    else:
        time.sleep(0.5)


async def test_a_holder_whose_lock_was_lost_is_told_when_it_leaves(lock_spec, clients, caplog):
    """What can still take a lock from a living holder (a Redis lease that ran out while
    its event loop was blocked, a lock file someone deleted) raises LockLost on leaving
    and is logged when it is found."""
    holder = make_lock(lock_spec, clients[0], ttl=0.3)
    other = make_lock(lock_spec, clients[1], ttl=10)
    entered = False
    with pytest.raises(LockLost) as caught:
        async with holder.hold("lost", timeout=1):
            take_the_lock_away(lock_spec)
            async with other.hold("lost", timeout=0.5):
                entered = True
    assert entered, "the lock really was lost: a second holder got it"
    assert caught.value.name == "lost"
    assert any("was lost while held" in r.getMessage() for r in caplog.records)
    async with holder.hold("lost", timeout=0.5):
        pass


async def test_a_lost_lock_does_not_hide_the_error_of_the_block(lock_spec, clients, caplog):
    holder = make_lock(lock_spec, clients[0], ttl=0.3)
    with pytest.raises(Boom):
        async with holder.hold("lost-and-failed", timeout=1):
            take_the_lock_away(lock_spec)
            raise Boom
    assert any("was lost while held" in r.getMessage() for r in caplog.records)


# -- several processes ---------------------------------------------------------------------

CHILD = """
import asyncio, json, os, sys, time
spec = json.loads(sys.argv[1])
mode = sys.argv[2]

def make_lock():
    if spec["kind"] == "file":
        from adapters.local.locks import FileLock
        return FileLock(spec["directory"]), None
    from adapters.redis.coordination import redis_client
    from adapters.redis.locks import RedisLock
    client = redis_client(spec["url"])
    return RedisLock(client, namespace=spec["namespace"], ttl=spec.get("ttl", 10)), client

async def increment(lock, counter, times):
    for _ in range(times):
        async with lock.hold("counter", timeout=30):
            value = int(open(counter).read() or 0)
            await asyncio.sleep(0)
            with open(counter, "w") as f:
                f.write(str(value + 1))

async def hold_forever(lock):
    async with lock.hold("victim", timeout=5):
        print("held", flush=True)
        await asyncio.sleep(600)

async def main():
    lock, client = make_lock()
    if mode == "increment":
        await increment(lock, sys.argv[3], int(sys.argv[4]))
    else:
        await hold_forever(lock)
    if client is not None:
        await client.aclose()

asyncio.run(main())
"""


async def spawn(spec: dict[str, Any], *args: str) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(
        sys.executable,
        "-c",
        CHILD,
        json.dumps(spec),
        *args,
        stdout=subprocess.PIPE,
    )


async def test_processes_incrementing_under_the_lock_lose_no_increment(lock_spec, tmp_path):
    counter = tmp_path / "counter"
    counter.write_text("0")
    processes, times = 4, 25
    children = [
        await spawn(lock_spec, "increment", str(counter), str(times)) for _ in range(processes)
    ]
    for child in children:
        await asyncio.wait_for(child.wait(), 60)
    assert [child.returncode for child in children] == [0] * processes
    assert int(counter.read_text()) == processes * times


async def test_no_process_enters_while_a_slow_holder_works_past_the_ttl(lock_spec):
    """The finding this guards against: a holder in another process working longer than
    the TTL (0.3 s here) silently lost the lock and a second process entered."""
    spec = {**lock_spec, "ttl": 0.3}
    child = await spawn(spec, "hold")
    client = None
    try:
        line = await asyncio.wait_for(child.stdout.readline(), 30)
        assert line.strip() == b"held"
        if spec["kind"] == "redis":
            client = redis_client(spec["url"])
        lock = make_lock(spec, client)
        with pytest.raises(LockTimeout):
            async with lock.hold("victim", timeout=1.5):
                pytest.fail("entered while the other process still held the lock")
    finally:
        if child.returncode is None:
            child.kill()
            await child.wait()
        if client is not None:
            await client.aclose()


async def test_a_killed_holder_does_not_block_the_others(lock_spec):
    """The file lock is dropped by the kernel at once; the Redis lock expires with its
    TTL (one second here)."""
    spec = {**lock_spec, "ttl": 1}
    child = await spawn(spec, "hold")
    try:
        line = await asyncio.wait_for(child.stdout.readline(), 30)
        assert line.strip() == b"held"
        if spec["kind"] == "file":
            lock: Lock = FileLock(spec["directory"])
        else:
            client = redis_client(spec["url"])
            lock = RedisLock(client, namespace=spec["namespace"])
        with pytest.raises(LockTimeout):
            async with lock.hold("victim", timeout=0.1):
                pass
        child.send_signal(signal.SIGKILL)
        await child.wait()
        async with lock.hold("victim", timeout=3):
            pass
        if spec["kind"] == "redis":
            await client.aclose()
    finally:
        if child.returncode is None:
            child.kill()
            await child.wait()


async def test_a_file_lock_leaves_no_file_behind(tmp_path):
    """FileLock only: after any number of names held and released, by one process or
    several, in turn or contending, the lock directory is empty again (839 files were
    left after one fuzzing run)."""
    directory = tmp_path / "locks"
    lock = FileLock(directory)
    for index in range(50):
        async with lock.hold(f"account:{index}", timeout=1):
            assert len(list(directory.iterdir())) == 1

    async def contend(name: str) -> None:
        async with lock.hold(name, timeout=10):
            await asyncio.sleep(0.001)

    await asyncio.gather(*(contend(f"refresh:{i % 3}") for i in range(30)))
    counter = tmp_path / "counter"
    counter.write_text("0")
    spec = {"kind": "file", "directory": str(directory)}
    children = [await spawn(spec, "increment", str(counter), "20") for _ in range(3)]
    for child in children:
        await asyncio.wait_for(child.wait(), 60)
    assert [child.returncode for child in children] == [0, 0, 0]
    assert int(counter.read_text()) == 60, "mutual exclusion holds with files removed"
    assert list(directory.iterdir()) == []
    assert stat.S_IMODE(directory.stat().st_mode) == 0o700
