"""Benchmark of the workers: `items` notifications processed per second, end to end, with
1, 2 and 4 `meli worker` processes.

    .venv/bin/python bench/notification_processing.py                   # 3000 per run, 3 runs
    .venv/bin/python bench/notification_processing.py --notifications 5000 --workers 1 2
    .venv/bin/python bench/notification_processing.py --database-url postgresql+asyncpg://...

Everything runs as it does in production, each part in its own process, on this machine:
the sandbox (`meli sandbox`, no rate limit, one seller with one item per notification),
`meli serve` on PostgreSQL and Redis, and the workers. For each number of workers, a
database of its own (`meli_bench_<random>`, next to MELI_TEST_DATABASE_URL's or the one
given, dropped after) and a Redis database leased for the run (tests/isolation.py):

1. `meli serve` acknowledges N `items` notifications (one per item, §9.3) on
   /webhooks/notification, each stored in the inbox and queued in Redis, then stops
   (its shutdown sends every job still in flight);
2. the workers start, and each notification is claimed, its item read from the sandbox
   (GET /items/{id} and its description, §4.1, §4.7; batches of notifications read
   their items by multigets of 20), checked to be the seller's, stored (meli_products,
   meli_inventory) and the inbox entry finished;
3. the clock runs from the moment every worker answers its /health (started, taking
   jobs) until every entry is `processed`; `seconds_from_spawn` also counts the
   workers' start-up (Python, the container).

Each number of workers runs `--repeat` times (interleaved) and its median counts: the
machine is shared, and each run also says how busy its cores were (`machine_busy_share`)
and where the CPU went per notification. Prints the figures and writes
bench/results/notification_processing.json. Target: one worker at least 100
notifications per second, and two at least 1.7 times one.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import aiohttp
import asyncpg

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from adapters.crypto.fernet import generate_key  # noqa: E402
from adapters.sql.migrate import upgrade  # noqa: E402
from domain.accounts import Account, TokenPair  # noqa: E402
from entrypoints.container import build_container, start, stop  # noqa: E402
from entrypoints.settings import Settings  # noqa: E402
from tests.helpers import free_port  # noqa: E402
from tests.isolation import LEASE_SECONDS, leased_redis_db, own_postgres_database  # noqa: E402

APP_ID = "1000000000000001"
APP_SECRET = "bench-secret"
REDIRECT = "http://localhost:8012/auth/callback"
API_KEY = "bench-key-0123456789abcdef"
DEFAULT_DATABASE = "postgresql+asyncpg://postgres@127.0.0.1:5432/test"
DEFAULT_REDIS = "redis://127.0.0.1:6379/0"
BIN = Path(sys.executable).parent / "meli"


def environment(values: dict[str, str]) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MELI_")}
    env.update({f"MELI_{k}": v for k, v in values.items()})
    return env


async def wait_for(url: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    async with aiohttp.ClientSession() as http:
        while time.monotonic() < deadline:
            try:
                async with http.get(url) as response:
                    await response.read()
                    return
            except aiohttp.ClientError:
                await asyncio.sleep(0.1)
    raise RuntimeError(f"{url} did not come up")


@contextlib.contextmanager
def running(args: list[str], env: dict[str, str], cwd: Path, profile: str = "") -> Any:
    command = [str(BIN), *args]
    if profile:
        command = [sys.executable, "-m", "cProfile", "-o", profile, *command]
    process = subprocess.Popen(
        command,
        env=env,
        cwd=cwd,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        yield process
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=40)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


class Sandbox:
    """The sandbox process, through its HTTP API (OAuth, scan) and admin API."""

    def __init__(self, url: str) -> None:
        self.url = url

    async def seller_and_tokens(self) -> tuple[dict[str, Any], dict[str, Any]]:
        async with aiohttp.ClientSession() as http:
            async with http.get(f"{self.url}/_sandbox/sellers") as response:
                [seller] = await response.json()
            body = {
                "response_type": "code",
                "client_id": APP_ID,
                "redirect_uri": REDIRECT,
                "state": "bench",
                "user_id": seller["id"],
            }
            async with http.post(f"{self.url}/_sandbox/oauth/authorize", json=body) as response:
                redirect = (await response.json())["redirect_url"]
            code = aiohttp.client.URL(redirect).query["code"]
            form = {
                "grant_type": "authorization_code",
                "client_id": APP_ID,
                "client_secret": APP_SECRET,
                "code": code,
                "redirect_uri": REDIRECT,
            }
            async with http.post(f"{self.url}/oauth/token", data=form) as response:
                tokens = await response.json()
        return seller, tokens

    async def item_ids(self, seller_id: int, token: str, count: int) -> list[str]:
        """The seller's item ids, by scan (§4.11)."""
        found: list[str] = []
        scroll = None
        headers = {"Authorization": f"Bearer {token}"}
        async with aiohttp.ClientSession() as http:
            while len(found) < count:
                params = {"search_type": "scan", "limit": "100"}
                if scroll:
                    params["scroll_id"] = scroll
                async with http.get(
                    f"{self.url}/users/{seller_id}/items/search", params=params, headers=headers
                ) as response:
                    page = await response.json()
                if not page["results"]:
                    break
                found.extend(page["results"])
                scroll = page.get("scroll_id")
        return found[:count]


async def prepare(
    url: str, redis_url: str, workdir: Path, sandbox_url: str, seller: dict, tokens: dict
) -> dict[str, str]:
    """Migrate the run's own database and store the seller's account and tokens."""
    await asyncio.to_thread(upgrade, url)
    values = {
        "DATA_DIR": str(workdir),
        "DATABASE_URL": url,
        "REDIS_URL": redis_url,
        "ENCRYPTION_KEY": generate_key(),
        "CLIENT_ID": APP_ID,
        "CLIENT_SECRET": APP_SECRET,
        "API_URL": sandbox_url,
        "AUTH_URL": sandbox_url,
        "API_KEYS": API_KEY,
        "RATE_LIMIT_PER_SECOND": "100000",
        "RATE_LIMIT_BURST": "10000",
        "QUOTA_CALLS_PER_HOUR": "100000000",
        "LOG_LEVEL": "WARNING",
    }
    container = build_container(Settings.from_mapping(values))
    await start(container)
    try:
        pair = TokenPair.issued(
            tokens["access_token"],
            tokens["refresh_token"],
            tokens["expires_in"],
            container.clock().now(),
            tokens["scope"],
            seller["id"],
        )
        async with container.unit_of_work() as uow:
            account = await uow.accounts.add(
                Account(seller["id"], seller["site_id"], seller["nickname"])
            )
            await container.token_vault().store(uow, account, pair)
            await uow.commit()
    finally:
        await stop(container)
    return values


async def acknowledge(url: str, seller_id: int, item_ids: list[str], run: str) -> int:
    """POST one `items` notification per item (§9.3); answers how many were accepted."""
    accepted = 0
    slots = asyncio.Semaphore(64)
    now = time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime())

    async def one(http: aiohttp.ClientSession, n: int, item_id: str) -> None:
        nonlocal accepted
        body = {
            "_id": f"bench-{run}-{n:07d}",
            "resource": f"/items/{item_id}",
            "user_id": seller_id,
            "topic": "items",
            "application_id": int(APP_ID),
            "attempts": 1,
            "sent": now,
            "received": now,
        }
        async with slots, http.post(url, json=body) as response:
            answer = await response.json()
            if response.status == 200 and answer.get("status") == "accepted":
                accepted += 1

    connector = aiohttp.TCPConnector(limit=64)
    async with aiohttp.ClientSession(connector=connector) as http:
        await asyncio.gather(*(one(http, n, item) for n, item in enumerate(item_ids)))
    return accepted


TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    """CPU time (user + system) a process has used so far; 0 once it is gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / TICKS


def backends(database: str) -> list[int]:
    """The PostgreSQL backend processes serving `database` (same machine only)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                command = (entry / "cmdline").read_bytes()
            except OSError:
                continue
            if command.startswith(b"postgres:") and database.encode() in command:
                found.append(int(entry.name))
    return found


def machine_busy() -> float:
    """CPU seconds every process of the machine has used (from /proc/stat)."""
    fields = Path("/proc/stat").read_text().splitlines()[0].split()[1:]
    busy = sum(int(value) for value in fields) - int(fields[3]) - int(fields[4])
    return busy / TICKS


async def processed(connection: asyncpg.Connection) -> dict[str, int]:
    rows = await connection.fetch("SELECT status, count(*) FROM meli_webhooks GROUP BY status")
    return {row["status"]: row["count"] for row in rows}


async def one_run(
    args: argparse.Namespace,
    workers: int,
    sandbox: Sandbox,
    sandbox_pid: int,
    seller: dict,
    tokens: dict,
    item_ids: list[str],
) -> dict[str, Any]:
    async with contextlib.AsyncExitStack() as resources:
        workdir = Path(resources.enter_context(tempfile.TemporaryDirectory()))
        redis_url = resources.enter_context(leased_redis_db(args.redis_url, LEASE_SECONDS))
        database_url = await resources.enter_async_context(
            own_postgres_database(args.database_url, "meli_bench")
        )
        values = await prepare(database_url, redis_url, workdir, sandbox.url, seller, tokens)
        if args.threads:
            values["WORKER_THREADS"] = str(args.threads)
        port = free_port()
        with running(["serve"], environment({**values, "PORT": str(port)}), workdir) as serve:
            await wait_for(f"http://127.0.0.1:{port}/health")
            accepted = await acknowledge(
                f"http://127.0.0.1:{port}/webhooks/notification",
                seller["id"],
                item_ids,
                f"{workers}w",
            )
            serve.send_signal(signal.SIGTERM)  # its shutdown sends the jobs in flight
            serve.wait(timeout=60)
        connection = await asyncpg.connect(database_url.replace("+asyncpg", ""))
        resources.push_async_callback(connection.close)
        spawned = time.monotonic()
        database = database_url.rsplit("/", 1)[1]
        with contextlib.ExitStack() as processes:
            ports = []
            pids = []
            for n in range(workers):
                profile = f"{args.profile}.{workers}w.{n}" if args.profile else ""
                port = free_port()
                ports.append(port)
                env = environment({**values, "WORKER_METRICS_PORT": str(port)})
                pids.append(processes.enter_context(running(["worker"], env, workdir, profile)).pid)
            # The clock starts once every worker serves its /health: started, and taking
            # jobs (a worker's start-up, Python and the container, is not processing).
            await asyncio.gather(*(wait_for(f"http://127.0.0.1:{p}/health") for p in ports))
            started = time.monotonic()
            before = await processed(connection)
            cpu_before = {
                "workers": sum(map(cpu_seconds, pids)),
                "sandbox": cpu_seconds(sandbox_pid),
                "postgresql": sum(map(cpu_seconds, backends(database))),
                "machine": machine_busy(),
            }
            deadline = started + args.timeout
            counts: dict[str, int] = {}
            while time.monotonic() < deadline:
                counts = await processed(connection)
                if counts.get("processed", 0) + counts.get("dead", 0) >= accepted:
                    break
                await asyncio.sleep(0.02)
            finished = time.monotonic()
            cpu_after = {
                "workers": sum(map(cpu_seconds, pids)),
                "sandbox": cpu_seconds(sandbox_pid),
                "postgresql": sum(map(cpu_seconds, backends(database))),
                "machine": machine_busy(),
            }
        stored = await connection.fetchval("SELECT count(*) FROM meli_products")
    elapsed = finished - started
    done = counts.get("processed", 0)
    used = {name: cpu_after[name] - cpu_before[name] for name in cpu_before}
    return {
        "workers": workers,
        "notifications": accepted,
        "outcomes": counts,
        "processed_before_the_clock_started": before.get("processed", 0),
        "listings_stored": stored,
        "seconds": round(elapsed, 2),
        "seconds_from_spawn": round(finished - spawned, 2),
        "per_second": round(done / elapsed, 1),
        "all_processed": done == accepted,
        # Where the machine's CPU went while the clock ran: milliseconds per notification
        # (PostgreSQL: its backends for this database), and the share of the machine's
        # cores busy (anything running on it, other work included).
        "cpu_ms_per_notification": {
            name: round(1000 * seconds / max(done, 1), 2)
            for name, seconds in used.items()
            if name != "machine"
        },
        "machine_busy_share": round(used["machine"] / elapsed / (os.cpu_count() or 1), 2),
    }


async def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--notifications", type=int, default=3000, help="per run")
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2, 4])
    parser.add_argument(
        "--repeat", type=int, default=3, help="runs per number of workers (the median counts)"
    )
    parser.add_argument("--threads", type=int, default=0, help="MELI_WORKER_THREADS (default)")
    parser.add_argument("--timeout", type=float, default=600.0, help="seconds per run")
    parser.add_argument(
        "--profile", default="", help="write each worker's cProfile stats to PATH.<n>w.<i>"
    )
    parser.add_argument(
        "--database-url",
        default=os.environ.get("MELI_TEST_DATABASE_URL", DEFAULT_DATABASE),
        help="PostgreSQL server (a database meli_bench_<random> per run, dropped after)",
    )
    parser.add_argument("--redis-url", default=os.environ.get("MELI_TEST_REDIS_URL", DEFAULT_REDIS))
    args = parser.parse_args()

    sandbox_port = free_port()
    sandbox_args = [
        "sandbox",
        "--port",
        str(sandbox_port),
        "--sellers",
        "1",
        "--items-per-seller",
        str(args.notifications),
        "--orders-per-seller",
        "0",
        "--questions-per-seller",
        "0",
        "--rate-limit",
        "0",
        "--client-id",
        APP_ID,
        "--client-secret",
        APP_SECRET,
        "--redirect-uri",
        REDIRECT,
    ]
    runs = []
    with tempfile.TemporaryDirectory() as home:
        with running(sandbox_args, environment({}), Path(home)) as sandbox_process:
            sandbox = Sandbox(f"http://127.0.0.1:{sandbox_port}")
            await wait_for(f"{sandbox.url}/sites", timeout=300)
            seller, tokens = await sandbox.seller_and_tokens()
            item_ids = await sandbox.item_ids(
                seller["id"], tokens["access_token"], args.notifications
            )
            for _ in range(args.repeat):
                for workers in args.workers:
                    run = await one_run(
                        args, workers, sandbox, sandbox_process.pid, seller, tokens, item_ids
                    )
                    print(json.dumps(run), flush=True)
                    runs.append(run)

    # The median of the runs of each number of workers: the machine is shared, and a
    # run that met other work on its cores says little about the workers.
    by_workers = {
        workers: statistics.median(r["per_second"] for r in runs if r["workers"] == workers)
        for workers in args.workers
    }
    one, two = by_workers.get(1), by_workers.get(2)
    result = {
        "notifications_per_run": args.notifications,
        "worker_threads": args.threads or Settings().worker_threads,
        "runs": runs,
        "per_second_by_workers": by_workers,
        "scaling_2_over_1": round(two / one, 2) if one and two else None,
        "cpus": os.cpu_count(),
        "target": "1 worker >= 100/s; 2 workers >= 1.7 x 1 worker; every notification processed",
    }
    result["target_met"] = bool(
        one
        and two
        and one >= 100
        and two >= 1.7 * one
        and all(run["all_processed"] for run in runs)
    )
    print(json.dumps(result, indent=2), flush=True)
    out = ROOT / "bench" / "results" / "notification_processing.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({"command": " ".join(sys.argv), **result}, indent=2) + "\n")
    print(f"written to {out.relative_to(ROOT)}")


if __name__ == "__main__":
    asyncio.run(main())
