"""With Redis the jobs run in `meli worker`, and so do their counters: each worker serves
them on its own port (MELI_WORKER_METRICS_PORT), as an operator's Prometheus scrapes them,
next to the API's /metrics. Real processes on PostgreSQL and Redis, the sandbox as
MercadoLibre."""

from __future__ import annotations

import asyncio
import os
import subprocess
import time
from pathlib import Path

import aiohttp
import pytest
from prometheus_client.parser import text_string_to_metric_families

from adapters.crypto.fernet import generate_key
from adapters.sql.migrate import upgrade
from entrypoints.container import build_container, start, stop
from entrypoints.settings import SANDBOX_CLIENT_ID, SANDBOX_CLIENT_SECRET, Settings
from sandbox.testing import running_sandbox
from tests.helpers import BIN, connect_seller, free_port
from tests.isolation import leased_redis_db, own_postgres_database

pytestmark = [pytest.mark.postgres, pytest.mark.redis, pytest.mark.slow]

API_KEY = "worker-metrics-key-0123456789"
JOB_FAMILIES = (
    "meli_notifications_received",
    "meli_notifications_processed",
    "meli_webhook_deliveries",
    "meli_api_calls",
    "meli_token_refreshes",
)


@pytest.fixture
async def database_url(postgres_url):
    """A database of its own, named per run so that two runs at once cannot meet."""
    async with own_postgres_database(postgres_url, "meli_worker_metrics") as url:
        await asyncio.to_thread(upgrade, url)
        yield url


@pytest.fixture
def isolated_redis(redis_url):
    """A Redis database no other run uses meanwhile (dramatiq's queue names are fixed)."""
    with leased_redis_db(redis_url) as url:
        yield url


def launch(args: list[str], values: dict[str, str], cwd: Path, name: str) -> subprocess.Popen:
    """`meli ...` with its output in a file: a pipe nobody reads would fill and block it."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("MELI_")}
    env.update({f"MELI_{k}": v for k, v in values.items()})
    with (cwd / f"{name}.log").open("a") as log:
        return subprocess.Popen(
            [str(BIN / "meli"), *args], env=env, cwd=cwd, stdout=log, stderr=subprocess.STDOUT
        )


def terminate(process: subprocess.Popen) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(20)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


class Scrape:
    """One scrape of a /metrics page, parsed as Prometheus parses it."""

    def __init__(self, text: str) -> None:
        self.families = {family.name: family for family in text_string_to_metric_families(text)}

    def total(self, family: str, **labels: str) -> float:
        samples = self.families[family].samples if family in self.families else []
        return sum(
            s.value
            for s in samples
            if s.name.endswith("_total") and labels.items() <= s.labels.items()
        )


async def scrape(session: aiohttp.ClientSession, url: str) -> Scrape:
    async with session.get(url) as response:
        assert response.status == 200, await response.text()
        assert response.headers["Content-Type"].startswith("text/plain")
        return Scrape(await response.text())


async def wait_for(check, what: str, timeout: float = 30.0):
    deadline = time.monotonic() + timeout
    while True:
        result = await check()
        if result:
            return result
        assert time.monotonic() < deadline, f"{what} within {timeout}s"
        await asyncio.sleep(0.2)


async def answers(session: aiohttp.ClientSession, url: str, process: subprocess.Popen) -> bool:
    assert process.poll() is None, f"{process.args} exited with {process.returncode}"
    try:
        async with session.get(url) as response:
            return response.status == 200
    except aiohttp.ClientError:
        return False


async def test_a_worker_serves_what_its_jobs_count_and_the_api_what_it_received(
    tmp_path, database_url, isolated_redis
):
    api_port, metrics_port = free_port(), free_port()
    api = f"http://127.0.0.1:{api_port}"
    worker_url = f"http://127.0.0.1:{metrics_port}"
    async with running_sandbox(
        rate_limit=0, sellers=1, callback_url=f"{api}/webhooks/notification"
    ) as sb:
        values = {
            "DATA_DIR": str(tmp_path / "var"),
            "DATABASE_URL": database_url,
            "REDIS_URL": isolated_redis,
            "ENCRYPTION_KEY": generate_key(),
            "CLIENT_ID": SANDBOX_CLIENT_ID,
            "CLIENT_SECRET": SANDBOX_CLIENT_SECRET,
            "API_URL": sb.url,
            "AUTH_URL": sb.url,
            "API_KEYS": API_KEY,
            "RATE_LIMIT_PER_SECOND": "1000",
            "LOG_LEVEL": "WARNING",
        }
        checker = build_container(Settings.from_mapping(values))
        await start(checker)
        processes: list[subprocess.Popen] = []
        try:
            account = await connect_seller(checker, sb)
            worker = launch(
                ["worker"], {**values, "WORKER_METRICS_PORT": str(metrics_port)}, tmp_path, "w"
            )
            processes.append(worker)
            serve = launch(["serve"], {**values, "PORT": str(api_port)}, tmp_path, "serve")
            processes.append(serve)
            async with aiohttp.ClientSession() as session:
                await wait_for(lambda: answers(session, f"{worker_url}/health", worker), "worker")
                await wait_for(lambda: answers(session, f"{api}/health", serve), "the API")

                # Scraped before any job ran: every family the jobs report is there.
                before = await scrape(session, f"{worker_url}/metrics")
                assert set(JOB_FAMILIES) <= set(before.families)
                assert "meli_dead_letters" not in before.families

                # Live: MercadoLibre notifies the API, which stores; the worker processes.
                await sb.event("order", seller_id=account.seller_id)

                async def processed():
                    page = await scrape(session, f"{worker_url}/metrics")
                    done = page.total("meli_notifications_processed", outcome="processed")
                    return page if done >= 1 else None

                await wait_for(processed, "a notification processed by the worker")

                # Recovered: what MercadoLibre gave up delivering, read back by a job.
                await sb.admin(
                    "PATCH",
                    "/config",
                    {"callback_url": "http://127.0.0.1:9/unreachable", "max_attempts": 1},
                )
                await sb.event("order", seller_id=account.seller_id)
                await sb.wait_for_deliveries(1, outcome="lost", timeout=15)
                async with session.post(
                    f"{api}/jobs/missed_feeds/run", headers={"Authorization": f"Bearer {API_KEY}"}
                ) as response:
                    assert response.status == 202, await response.text()

                async def recovered():
                    page = await scrape(session, f"{worker_url}/metrics")
                    found = page.total("meli_notifications_received", origin="recovered")
                    return page if found >= 1 else None

                jobs = await wait_for(recovered, "missed feeds recovered by the worker")
                received = await scrape(session, f"{api}/metrics")
        finally:
            # Off the loop: the sandbox lives on it, and a worker stopping waits for the
            # jobs it is running, which may be reading from the sandbox.
            for process in processes:
                await asyncio.to_thread(terminate, process)
            await stop(checker)

    assert jobs.total("meli_api_calls") >= 2, "the worker's own MercadoLibre calls"
    assert jobs.total("meli_notifications_received", origin="live") == 0
    assert received.total("meli_notifications_received", origin="live") >= 1
    assert received.total("meli_notifications_received", origin="recovered") == 0
    assert received.total("meli_notifications_processed") == 0, "with Redis, workers process"
    assert "meli_dead_letters" in received.families
    assert worker.returncode == 0, (tmp_path / "w.log").read_text()  # stopped cleanly
