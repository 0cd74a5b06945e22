"""The notification pipeline across real processes: `meli serve` acknowledges,
`meli worker` processes, on PostgreSQL and Redis, against the sandbox over HTTP.

Four hundred notifications with duplicates and shuffled deliveries, and a worker killed
while it holds some of them, end processed exactly once in effect: every one acknowledged
and stored once (or folded into a pending one of the same resource), none lost or left
waiting, and every resource stored with its latest state. And with Redis down the API
still acknowledges and stores; the sweep queues the notifications once Redis is back.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import time
from pathlib import Path

import aiohttp
import asyncpg
import pytest

from adapters.crypto.fernet import generate_key
from adapters.sql.migrate import upgrade
from application.queries import Paging, ResourceQuery
from entrypoints.container import build_container, start
from entrypoints.container import stop as stop_container
from entrypoints.settings import SANDBOX_CLIENT_ID, SANDBOX_CLIENT_SECRET, Settings
from entrypoints.worker.runtime import build_worker
from sandbox.testing import running_sandbox
from tests.helpers import BIN, connect_seller, free_port
from tests.isolation import leased_redis_db, own_postgres_database

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.slow]

# Enough for several batches in flight when the worker is killed; each one now also
# fills typed orders, messages and the sales roll-up, so more would only take longer.
NOTIFICATIONS = 400
API_KEY = "pipeline-key-0123456789"
# Every resource the pipeline reads, slowed down so that a killed worker surely holds
# some notifications when it dies.
SLOW_READS = "^/(orders|shipments|questions|collections|messages|items|post-purchase)/"


@pytest.fixture
async def database(postgres_url):
    """A database of its own, named per run and dropped at the end: two runs on one
    server cannot meet."""
    async with own_postgres_database(postgres_url, "meli_pipeline") as url:
        await asyncio.to_thread(upgrade, url)
        pool = await asyncpg.create_pool(
            url.replace("postgresql+asyncpg://", "postgresql://"), min_size=1, max_size=2
        )
        try:
            yield url, pool
        finally:
            await pool.close()


@pytest.fixture
def isolated_redis(redis_url):
    """A Redis database no other run uses meanwhile (dramatiq's queue names are fixed);
    see tests/isolation.py."""
    with leased_redis_db(redis_url) as url:
        yield url


def values_for(sb_url: str, tmp_path: Path, database_url: str, key: str, redis_url: str):
    return {
        "DATA_DIR": str(tmp_path / "var"),
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "ENCRYPTION_KEY": key,
        "CLIENT_ID": SANDBOX_CLIENT_ID,
        "CLIENT_SECRET": SANDBOX_CLIENT_SECRET,
        "API_URL": sb_url,
        "AUTH_URL": sb_url,
        "API_KEYS": API_KEY,
        "RATE_LIMIT_PER_SECOND": "1000",
        "RATE_LIMIT_BURST": "1000",
        "WORKER_THREADS": "8",
        "NOTIFICATION_LEASE": "3",
        "INBOX_GRACE": "1",
        "LOG_LEVEL": "WARNING",
        # The workers' own /metrics are covered by tests/e2e/test_worker_metrics.py; here
        # they must not depend on a free port 9012.
        "WORKER_METRICS_PORT": "0",
    }


def launch(args: list[str], env: dict[str, str], cwd: Path, name: str) -> subprocess.Popen:
    """`meli ...` with its output in a file: a pipe nobody reads would fill and block it."""
    log = (cwd / f"{name}.log").open("a")
    return subprocess.Popen(
        [str(BIN / "meli"), *args], env=env, cwd=cwd, stdout=log, stderr=subprocess.STDOUT
    )


def stop(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def environment(values: dict[str, str], **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MELI_")}
    env.update({f"MELI_{k}": v for k, v in {**values, **extra}.items()})
    return env


async def wait_http(url: str, process, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    async with aiohttp.ClientSession() as session:
        while time.monotonic() < deadline:
            if process.poll() is not None:
                raise AssertionError(f"process exited early with {process.returncode}")
            try:
                async with session.get(url) as response:
                    await response.read()
                    return
            except aiohttp.ClientError:
                await asyncio.sleep(0.1)
    raise AssertionError(f"{url} did not answer within {timeout}s")


async def statuses(pool) -> dict[str, int]:
    rows = await pool.fetch("SELECT status, count(*) AS n FROM meli_webhooks GROUP BY status")
    return {row["status"]: row["n"] for row in rows}


def waiting(counts: dict[str, int]) -> int:
    return sum(counts.get(s, 0) for s in ("received", "processing", "failed"))


async def test_hundreds_of_notifications_with_duplicates_shuffles_and_a_killed_worker(
    tmp_path, database, isolated_redis
):
    database_url, pool = database
    async with running_sandbox(
        rate_limit=0,
        sellers=1,
        items_per_seller=40,
        orders_per_seller=10,
        questions_per_seller=10,
        optimistic_lock_window=0,
    ) as sb:
        values = values_for(sb.url, tmp_path, database_url, generate_key(), isolated_redis)
        checker = build_container(Settings.from_mapping(values))
        await start(checker)
        processes = []
        try:
            account = await connect_seller(checker, sb)
            port = free_port()
            serve = launch(["serve"], environment(values, PORT=str(port)), tmp_path, "serve")
            processes.append(serve)
            await wait_http(f"http://127.0.0.1:{port}/health", serve)
            doomed = launch(["worker"], environment(values), tmp_path, "worker-1")
            processes.append(doomed)
            await sb.admin("POST", "/faults", {"path": SLOW_READS, "latency_ms": 40})
            await sb.admin(
                "PATCH",
                "/config",
                {
                    "callback_url": f"http://127.0.0.1:{port}/webhooks/notification",
                    "duplicate_rate": 0.3,
                    "shuffle": True,
                    "shuffle_window_ms": 300,
                },
            )

            # A worker takes seconds to start on a busy machine: the bursts begin once it
            # has processed a first notification, so that it is killed while it works.
            await sb.admin("POST", "/activity/step", {"count": 10})
            deadline = time.monotonic() + 60
            while not (await statuses(pool)).get("processed"):
                assert time.monotonic() < deadline, "the worker processed nothing"
                assert doomed.poll() is None, "the worker exited"
                await asyncio.sleep(0.1)

            killed_holding, kills = 0, 0
            while len(sb.state.notifier.deliveries()) < NOTIFICATIONS:
                # Bursts at a pace the sandbox's sender keeps up with.
                await sb.admin("POST", "/activity/step", {"count": 10})
                await asyncio.sleep(0.1)
                if not killed_holding and (await statuses(pool)).get("processing", 0) >= 3:
                    # Die the hard way while holding notifications: no cleanup at all. A
                    # batch can finish between the look and the kill; then the next worker
                    # is killed the same way, until one dies holding some.
                    doomed.send_signal(signal.SIGKILL)
                    await asyncio.to_thread(doomed.wait, 10)
                    killed_holding = (await statuses(pool)).get("processing", 0)
                    kills += 1
                    doomed = launch(
                        ["worker"], environment(values), tmp_path, f"worker-{kills + 1}"
                    )
                    processes.append(doomed)
            await sb.admin("DELETE", "/faults")
            assert killed_holding, "the worker was killed while it held notifications"

            # The sweep (here from the test; `meli scheduler` runs it every minute) hands
            # the killed worker's notifications over once their lease ran out.
            deadline = time.monotonic() + 60
            while True:
                pending = await sb.deliveries(outcome="pending")
                counts = await statuses(pool)
                if not pending and not waiting(counts):
                    break
                assert time.monotonic() < deadline, f"not settled: {counts}, {pending[:5]}"
                await checker.requeue_lost_work()(["notifications"])
                await asyncio.sleep(0.5)

            deliveries = await sb.deliveries()
            assert len(deliveries) >= NOTIFICATIONS
            assert {d["outcome"] for d in deliveries} == {"delivered"}, "every one acknowledged"
            assert any(d["duplicate"] for d in deliveries)
            ids = {d["_id"] for d in deliveries}
            rows = await pool.fetch(
                "SELECT notification_id, topic, resource, status, processing_attempts "
                "FROM meli_webhooks"
            )
            stored = [row["notification_id"] for row in rows]
            assert len(stored) == len(set(stored)), "stored once"
            # The sandbox sends every documented shape: a notification without an id is
            # stored under the hash of its content, any other under its own id.
            assert {i for i in stored if not i.startswith("content-")} <= ids
            assert {row["status"] for row in rows} == {"processed"}, await statuses(pool)
            assert max(row["processing_attempts"] for row in rows) >= 2, "taken over"
            # A notification not stored was folded into a pending one of its resource.
            resources = {(d["topic"], d["resource"]) for d in deliveries}
            stored_resources = {(row["topic"], row["resource"]) for row in rows}
            normalised = {
                (topic, f"/messages/{res}" if topic == "messages" else res)
                for topic, res in resources
            }
            assert normalised == stored_resources, "no resource lost"
            letters = await pool.fetchval("SELECT count(*) FROM meli_dead_letters")
            assert letters == 0

            await assert_latest_state(checker, account, stored_resources)
        finally:
            # Off the loop: a stopping worker may be waiting on the in-process sandbox.
            await asyncio.gather(*(asyncio.to_thread(stop, p) for p in processes))
            await stop_container(checker)


async def assert_latest_state(container, account, resources) -> None:
    """Every resource as stored equals what MercadoLibre answers now."""
    marketplace = container.marketplace()
    async with container.unit_of_work() as uow:
        snapshots = {}
        offset = 0
        while True:
            page = await uow.resources.search(ResourceQuery(paging=Paging(offset, 200)))
            snapshots.update({s.path: s for s in page.items})
            offset += 200
            if offset >= page.total:
                break
        listings = await uow.listings.find_many(
            [res.rsplit("/", 1)[-1] for topic, res in resources if topic == "items"]
        )
        questions = await uow.questions.find_many(
            [int(res.rsplit("/", 1)[-1]) for topic, res in resources if topic == "questions"]
        )
    from application.notifications.record_resource import resource_request

    stale = []
    for topic, resource in sorted(resources):
        if topic == "items":
            item_id = resource.rsplit("/", 1)[-1]
            now = await container.listing_gateway().get_listing(account.id, item_id)
            stored = listings[item_id]
            fields = ("price", "available_quantity", "sold_quantity", "status")
            if any(getattr(stored, f) != getattr(now, f) for f in fields):
                stale.append(resource)
            continue
        if topic == "questions":  # typed questions (§7), not snapshots
            question_id = int(resource.rsplit("/", 1)[-1])
            current = await container.question_gateway().get(account.id, question_id)
            if questions[question_id].raw != current.raw:
                stale.append(resource)
            continue
        if topic in ("orders_v2", "orders", "payments", "shipments"):  # typed (§5, §6)
            orders = container.order_gateway()
            async with container.unit_of_work() as uow:
                if topic == "shipments":
                    shipment_id = int(resource.rsplit("/", 1)[-1])
                    current_raw = (await orders.get_shipment(account.id, shipment_id)).raw
                    stored_raw = (await uow.shipments.get(shipment_id)).raw
                else:
                    order_id = (
                        await orders.payment_order_id(account.id, resource)
                        if topic == "payments"
                        else int(resource.rsplit("/", 1)[-1])
                    )
                    current_raw = (await orders.get_order(account.id, order_id)).raw
                    stored_raw = (await uow.orders.get(order_id)).raw
            if stored_raw != current_raw:
                stale.append(resource)
            continue
        if topic == "messages":  # typed messages (§8), not snapshots
            message_id = resource.rsplit("/", 1)[-1]
            current = (await container.message_gateway().get(account.id, message_id)).message
            async with container.unit_of_work() as uow:
                stored = await uow.messages.find(message_id)
            if stored is None or (stored.text, stored.date_read) != (
                current.text,
                current.date_read,
            ):
                stale.append(resource)
            continue
        path, params = resource_request(topic, resource)
        now = await marketplace.fetch_resource(account.id, path, params or None)
        if snapshots[path].body != now.body:
            stale.append(resource)
    assert stale == []


async def test_with_redis_down_notifications_are_acknowledged_stored_and_swept_later(
    tmp_path, database, isolated_redis
):
    database_url, pool = database
    async with running_sandbox(rate_limit=0, sellers=1, orders_per_seller=3) as sb:
        values = values_for(sb.url, tmp_path, database_url, generate_key(), isolated_redis)
        checker = build_container(Settings.from_mapping(values))
        await start(checker)
        try:
            account = await connect_seller(checker, sb)
            port = free_port()
            dead_redis = f"redis://127.0.0.1:{free_port()}/0"
            serve = launch(
                ["serve"],
                environment(values, PORT=str(port), REDIS_URL=dead_redis),
                tmp_path,
                "serve",
            )
            try:
                await wait_http(f"http://127.0.0.1:{port}/health", serve)
                await sb.admin(
                    "PATCH",
                    "/config",
                    {"callback_url": f"http://127.0.0.1:{port}/webhooks/notification"},
                )
                for _ in range(10):
                    await sb.event("order", seller_id=account.seller_id)
                delivered = await sb.wait_for_deliveries(30, timeout=15)
            finally:
                await asyncio.to_thread(stop, serve)
            assert all(d["attempt_log"][0]["status"] == 200 for d in delivered)
            counts = await statuses(pool)
            assert counts == {"received": sum(counts.values())} and counts["received"] >= 10

            # Redis is back: a worker and the sweep process what was stored meanwhile.
            await asyncio.sleep(1.1)  # MELI_INBOX_GRACE
            worker = build_worker(checker)
            await worker.start()
            try:
                queued = await checker.requeue_lost_work()(["notifications"])
                assert queued == {"notifications": counts["received"]}
                deadline = time.monotonic() + 30
                while waiting(await statuses(pool)):
                    assert time.monotonic() < deadline, await statuses(pool)
                    await asyncio.sleep(0.2)
            finally:
                await worker.stop()
            assert await statuses(pool) == {"processed": counts["received"]}
        finally:
            await stop_container(checker)
