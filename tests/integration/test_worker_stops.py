"""A `meli worker` process stopped in the middle of a catalogue sync, on PostgreSQL and
Redis against the sandbox over HTTP: SIGTERM stops it within MELI_SHUTDOWN_TIMEOUT, the
sync log is closed as `abandoned` and its job handed back, and the next worker runs it
again; a worker killed with SIGKILL leaves its sync `running` only until its lease runs
out, then the sweep abandons it and has it run again.

Regression tests: SIGTERM once did not stop a worker whose sync hung, and a worker
killed mid-sync left its sync log `running` forever.
"""

from __future__ import annotations

import asyncio
import json
import signal
import subprocess
import time

import pytest

from adapters.crypto.fernet import generate_key
from application import jobs
from domain.sync import SyncKind, SyncStatus, SyncTrigger
from entrypoints.container import build_container, start
from entrypoints.container import stop as stop_container
from entrypoints.settings import Settings
from sandbox.testing import running_sandbox
from tests.helpers import connect_seller
from tests.integration.test_notification_processes import (
    database,  # noqa: F401 - a fixture
    environment,
    isolated_redis,  # noqa: F401 - a fixture
    launch,
    stop,
    values_for,
)

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.slow]

SHUTDOWN_TIMEOUT = 3
LEASE = 3


async def sync_logs(pool) -> list[dict]:
    rows = await pool.fetch(
        "SELECT id, status, retry_of, errors FROM meli_sync_logs WHERE kind = 'products' "
        "ORDER BY id"
    )
    return [{**dict(row), "errors": json.loads(row["errors"])} for row in rows]


async def until(predicate, timeout: float = 60.0, every: float = 0.1):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = await predicate()
        if found:
            return found
        await asyncio.sleep(every)
    raise AssertionError("timed out")


@pytest.fixture
async def stack(database, isolated_redis, tmp_path):  # noqa: F811
    url, pool = database
    async with running_sandbox(
        rate_limit=0, items_per_seller=200, orders_per_seller=0, questions_per_seller=0
    ) as sb:
        values = values_for(sb.url, tmp_path, url, generate_key(), isolated_redis)
        values.update(
            {
                "SHUTDOWN_TIMEOUT": str(SHUTDOWN_TIMEOUT),
                "SYNC_LEASE": str(LEASE),
                "INBOX_GRACE": "1",
                "WORKER_THREADS": "2",
            }
        )
        (tmp_path / "var").mkdir()
        container = build_container(Settings.from_mapping(values))
        await start(container)
        try:
            account = await connect_seller(container, sb, sb.sellers[0])
            yield {
                "sb": sb,
                "pool": pool,
                "values": values,
                "container": container,
                "account_id": account.id,
                "cwd": tmp_path,
            }
        finally:
            await stop_container(container)


async def a_sync_held_by_a_worker(stack) -> tuple[subprocess.Popen, int]:
    """A catalogue sync asked for through the API's use case, run by a worker whose
    multigets MercadoLibre never answers (a fault with a minute of latency)."""
    await stack["sb"].admin(
        "POST", "/faults", {"path": "/items", "method": "GET", "latency_ms": 60_000}
    )
    worker = launch(["worker"], environment(stack["values"]), stack["cwd"], "worker-1")
    requested = await stack["container"].request_sync()(
        jobs.SyncCatalogue(stack["account_id"], SyncTrigger.API)
    )

    async def running():
        logs = await sync_logs(stack["pool"])
        return logs if logs and logs[0]["status"] == "running" else None

    await until(running)
    return worker, requested.id


async def test_sigterm_stops_a_worker_in_time_and_its_sync_runs_again_elsewhere(stack):
    worker, log_id = await a_sync_held_by_a_worker(stack)
    try:
        began = time.monotonic()
        worker.send_signal(signal.SIGTERM)
        worker.wait(SHUTDOWN_TIMEOUT + 15)
        took = time.monotonic() - began
    finally:
        stop(worker)
    assert took < SHUTDOWN_TIMEOUT + 10, f"the worker took {took:.1f}s to stop"

    [stopped] = await sync_logs(stack["pool"])
    assert (stopped["id"], stopped["status"]) == (log_id, "abandoned")
    assert "shut down" in stopped["errors"][-1]

    await stack["sb"].admin("DELETE", "/faults")
    again = launch(["worker"], environment(stack["values"]), stack["cwd"], "worker-2")
    try:

        async def run_again():
            logs = await sync_logs(stack["pool"])
            return logs if len(logs) == 2 and logs[1]["status"] == "succeeded" else None

        logs = await until(run_again)
    finally:
        stop(again)
    assert logs[1]["retry_of"] == log_id, "the job handed back ran the request again"


async def test_a_killed_worker_leaves_its_sync_running_only_until_its_lease_runs_out(stack):
    worker, log_id = await a_sync_held_by_a_worker(stack)
    worker.send_signal(signal.SIGKILL)
    worker.wait(10)
    await stack["sb"].admin("DELETE", "/faults")
    [dead] = await sync_logs(stack["pool"])
    assert dead["status"] == "running", "nothing ran to its end in the killed process"

    again = launch(["worker"], environment(stack["values"]), stack["cwd"], "worker-2")
    try:

        async def swept():
            # What the periodic work_sweep does (it runs every MELI_SWEEP_INTERVAL).
            await stack["container"].requeue_lost_work()(("syncs",))
            logs = await sync_logs(stack["pool"])
            return logs if len(logs) == 2 and logs[1]["status"] == "succeeded" else None

        logs = await until(swept, every=1.0)
    finally:
        stop(again)
    abandoned, rerun = logs
    assert (abandoned["id"], abandoned["status"]) == (log_id, "abandoned")
    assert "lease" in abandoned["errors"][-1]
    assert rerun["retry_of"] == log_id
    async with stack["container"].unit_of_work() as uow:
        assert (await uow.sync_logs.get(rerun["id"])).kind is SyncKind.PRODUCTS
        assert (await uow.sync_logs.get(log_id)).status is SyncStatus.ABANDONED
