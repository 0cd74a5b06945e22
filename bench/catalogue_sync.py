"""Benchmark of the catalogue sync: API calls, wall time and memory.

    .venv/bin/python bench/catalogue_sync.py                 # both scenarios
    .venv/bin/python bench/catalogue_sync.py --items 10000 --rate 10

The sandbox runs as a separate `meli sandbox` process (so its CPU and memory are not
counted); the service side (gateway, rate limiter, use case, SQLite) runs here. Prints
the figures and writes them to bench/results/catalogue_sync.json.

Each scenario runs two syncs of the same catalogue and reports them separately: the
first also reads every description (GET /items/{id}/description, §4.7: multigets leave
them out), the second finds them stored and pays nothing for them.

Targets: the first sync's calls = ceil(N/100) + ceil(N/20) + N, the second's
ceil(N/100) + ceil(N/20), each plus at most 2; wall time within 10% of the rate limit's
lower bound (calls / rate) at 10 requests per second; peak RSS under 300 MB at 100,000
items.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import resource
import subprocess
import sys
import tempfile
import time
import urllib.parse
from pathlib import Path

import aiohttp

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from adapters.crypto.fernet import generate_key  # noqa: E402
from adapters.sql.migrate import upgrade  # noqa: E402
from domain.accounts import Account, TokenPair  # noqa: E402
from domain.sync import SyncTrigger  # noqa: E402
from entrypoints.container import build_container, start, stop  # noqa: E402
from entrypoints.settings import (  # noqa: E402
    SANDBOX_CLIENT_ID,
    SANDBOX_CLIENT_SECRET,
    Settings,
)
from tests.helpers import free_port  # noqa: E402

REDIRECT = "http://localhost:8012/auth/callback"


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


async def wait_for(url: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    async with aiohttp.ClientSession() as http:
        while time.monotonic() < deadline:
            try:
                async with http.get(url) as response:
                    if response.status < 500:
                        return
            except aiohttp.ClientError:
                await asyncio.sleep(0.1)
    raise RuntimeError(f"{url} did not come up")


async def seller_token(base: str) -> tuple[dict, dict]:
    async with aiohttp.ClientSession() as http:
        async with http.get(f"{base}/_sandbox/sellers") as response:
            seller = (await response.json())[0]
        async with http.post(
            f"{base}/_sandbox/oauth/authorize",
            json={
                "response_type": "code",
                "client_id": SANDBOX_CLIENT_ID,
                "redirect_uri": REDIRECT,
                "state": "bench",
                "user_id": seller["id"],
            },
        ) as response:
            redirect = (await response.json())["redirect_url"]
        code = urllib.parse.parse_qs(urllib.parse.urlparse(redirect).query)["code"][0]
        async with http.post(
            f"{base}/oauth/token",
            data={
                "grant_type": "authorization_code",
                "client_id": SANDBOX_CLIENT_ID,
                "client_secret": SANDBOX_CLIENT_SECRET,
                "code": code,
                "redirect_uri": REDIRECT,
            },
        ) as response:
            token = await response.json()
        await http.post(f"{base}/_sandbox/stats/reset")
    return seller, token


async def stats(base: str) -> dict:
    async with aiohttp.ClientSession() as http, http.get(f"{base}/_sandbox/stats") as response:
        return await response.json()


async def scenario(items: int, rate: float, workdir: Path) -> dict:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    sandbox = subprocess.Popen(  # noqa: ASYNC220 - started once, before any measurement
        [
            str(Path(sys.executable).parent / "meli"),
            "sandbox",
            "--port",
            str(port),
            "--sellers",
            "1",
            "--items-per-seller",
            str(items),
            "--rate-limit",
            "0",
            "--redirect-uri",
            REDIRECT,
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        await wait_for(f"{base}/_sandbox/sellers")
        seller, token = await seller_token(base)
        database = workdir / f"bench-{items}.db"
        url = f"sqlite+aiosqlite:///{database}"
        await asyncio.to_thread(upgrade, url)
        settings = Settings.from_mapping(
            {
                "DATA_DIR": str(workdir),
                "DATABASE_URL": url,
                "ENCRYPTION_KEY": generate_key(),
                "CLIENT_ID": SANDBOX_CLIENT_ID,
                "CLIENT_SECRET": SANDBOX_CLIENT_SECRET,
                "API_URL": base,
                "AUTH_URL": base,
                "RATE_LIMIT_PER_SECOND": str(rate),
                "RATE_LIMIT_BURST": "1",
                "QUOTA_CALLS_PER_HOUR": "10000000",
            }
        )
        container = build_container(settings)
        await start(container)
        try:
            now = container.clock().now()
            async with container.unit_of_work() as uow:
                account = await uow.accounts.add(
                    Account(seller["id"], seller["site_id"], seller["nickname"])
                )
                await container.token_vault().store(
                    uow,
                    account,
                    TokenPair.issued(
                        token["access_token"],
                        token["refresh_token"],
                        token["expires_in"],
                        now,
                        token["scope"],
                        seller["id"],
                    ),
                )
                await uow.commit()
            first = await timed_sync(container, account.id, base, rate, items, first=True)
            second = await timed_sync(container, account.id, base, rate, items, first=False)
        finally:
            await stop(container)
    finally:
        sandbox.terminate()
        sandbox.wait(timeout=30)
    calls_met = all(run["extra_calls"] <= 2 for run in (first, second))
    wall_met = rate > 100 or all(run["wall_over_bound"] <= 1.1 for run in (first, second))
    return {
        "items": items,
        "rate_limit_per_second": rate,
        "first_sync": first,
        "second_sync": second,
        "peak_rss_mb": round(peak_rss_mb(), 1),
        "target": {
            "first_sync_calls": "ceil(N/100) + ceil(N/20) + N, plus at most 2",
            "second_sync_calls": "ceil(N/100) + ceil(N/20), plus at most 2",
            "wall_over_bound": "at most 1.1 when the rate limit binds (10 per second)",
            "peak_rss_mb": "under 300 at 100,000 items",
        },
        "target_met": calls_met and wall_met and (items < 100_000 or peak_rss_mb() < 300),
    }


async def timed_sync(container, account_id: int, base: str, rate: float, items: int, *, first):
    async with aiohttp.ClientSession() as http:
        await http.post(f"{base}/_sandbox/stats/reset")
    started = time.perf_counter()
    cpu_started = time.process_time()
    log = await container.sync_catalogue()(account_id, SyncTrigger.CLI)
    wall = time.perf_counter() - started
    cpu = time.process_time() - cpu_started
    counted = await stats(base)
    minimum = math.ceil(items / 100) + math.ceil(items / 20) + (items if first else 0)
    calls = counted["total"]
    return {
        "status": log.status.value,
        "counts": dict(log.counts),
        "description_calls": log.counts.get("description_calls", 0),
        "api_calls": calls,
        "api_calls_logged": log.api_calls,
        "api_calls_by_route": counted["calls"],
        "theoretical_minimum": minimum,
        "extra_calls": calls - minimum,
        "wall_seconds": round(wall, 2),
        "rate_limit_bound_seconds": round(calls / rate, 2),
        "wall_over_bound": round(wall / (calls / rate), 3),
        "cpu_seconds": round(cpu, 2),
    }


async def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--items", type=int, help="one scenario with this many items")
    parser.add_argument("--rate", type=float, default=10.0, help="requests per second")
    args = parser.parse_args()
    scenarios = [(args.items, args.rate)] if args.items else [(2_000, 10.0), (100_000, 2_000.0)]
    results = []
    with tempfile.TemporaryDirectory() as workdir:
        for items, rate in scenarios:
            result = await scenario(items, rate, Path(workdir))
            results.append(result)
            print(json.dumps(result, indent=2), flush=True)
    out = ROOT / "bench" / "results" / "catalogue_sync.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(
        json.dumps(
            {
                "command": " ".join(sys.argv),
                "results": results,
                "target_met": all(result["target_met"] for result in results),
            },
            indent=2,
        )
    )
    print(f"written to {out.relative_to(ROOT)}")


if __name__ == "__main__":
    asyncio.run(main())
