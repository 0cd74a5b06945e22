"""Benchmark of the order backfill and of GET /orders (docs/orders.md).

    .venv/bin/python bench/orders_sync.py                     # 10,000 orders at 10 rps
    .venv/bin/python bench/orders_sync.py --orders 2000 --stored 20000

1. The backfill. `meli sandbox` runs in its own process (its CPU and memory are not
   counted) with one seller and N past orders (with their packs, payments and
   shipments, over up to 180 days); the service side (gateway, rate limiter at
   `--rate` requests per second, the order reconciliation, PostgreSQL in a database of
   its own next to MELI_TEST_DATABASE_URL's, dropped after) runs here. The account
   connects and the reconciliation backfills (`MELI_ORDERS_BACKFILL_DAYS` 200, so the
   whole history). Counted on the sandbox: the MercadoLibre calls, against the
   theoretical minimum ceil(N/51) searches + one read per distinct shipment and pack
   (§5.3, §5.4, §6.1). Then, outside the measurement, the seller's orders are paged
   through /orders/search directly and each must be stored exactly once with its
   money exact (total, paid amount and every payment, to the cent). Cancelled orders
   are not in a seller's search (§5.3), so N counts the orders the search serves.
2. GET /orders. `--stored` orders (default 100,000) with their shipments are stored for
   one account on PostgreSQL and GET /orders is timed through the REST app with each
   filter (p50/p95 of `--samples` requests each).

Targets: calls = the minimum exactly; wall time within 10% of calls / rate; peak RSS
under 300 MB; every order stored once with exact money; GET /orders p95 under 50 ms
with every filter. Prints the figures and writes bench/results/orders_sync.json.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import os
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import aiohttp

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from aiohttp.test_utils import TestClient, TestServer  # noqa: E402
from sqlalchemy.ext.asyncio import create_async_engine  # noqa: E402

from adapters.crypto.fernet import generate_key  # noqa: E402
from adapters.sql.migrate import upgrade  # noqa: E402
from application.queries import OrderQuery, Paging  # noqa: E402
from domain.accounts import Account, TokenPair  # noqa: E402
from domain.money import Money  # noqa: E402
from domain.orders import Buyer, Order, OrderItem, OrderStatus, Payment  # noqa: E402
from domain.shipments import Shipment, ShipmentStatus, ShippingMode  # noqa: E402
from domain.sync import SyncTrigger  # noqa: E402
from entrypoints.container import build_container, start, stop  # noqa: E402
from entrypoints.http.app import create_app  # noqa: E402
from entrypoints.settings import (  # noqa: E402
    SANDBOX_CLIENT_ID,
    SANDBOX_CLIENT_SECRET,
    Settings,
)
from tests.helpers import free_port  # noqa: E402
from tests.isolation import own_postgres_database  # noqa: E402

REDIRECT = "http://localhost:8012/auth/callback"
API_KEY = "bench-key-0123456789abcdef"
AUTH = {"Authorization": f"Bearer {API_KEY}"}
DEFAULT_DATABASE = "postgresql+asyncpg://postgres@127.0.0.1:5432/test"
SEARCH_PAGE = 51
TARGET_WALL_OVER_BOUND = 1.10
TARGET_RSS_MB = 300.0
TARGET_LIST_P95_MS = 50.0


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, math.ceil(fraction * len(ordered)) - 1)]


async def wait_for(url: str, timeout: float = 300) -> None:
    deadline = time.monotonic() + timeout
    async with aiohttp.ClientSession() as http:
        while time.monotonic() < deadline:
            try:
                async with http.get(url) as response:
                    if response.status < 500:
                        return
            except aiohttp.ClientError:
                await asyncio.sleep(0.2)
    raise RuntimeError(f"{url} did not come up")


async def seller_token(http: aiohttp.ClientSession, base: str) -> tuple[dict, dict]:
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
    from urllib.parse import parse_qs, urlparse

    code = parse_qs(urlparse(redirect).query)["code"][0]
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
    return seller, token


async def sandbox_orders(http: aiohttp.ClientSession, base: str, seller: dict, token: dict):
    """Every order the seller's search serves (§5.3), read directly from the sandbox."""
    found: dict[int, dict] = {}
    offset = 0
    headers = {"Authorization": f"Bearer {token['access_token']}"}
    while True:
        params = {"seller": seller["id"], "sort": "date_asc", "offset": offset, "limit": 51}
        async with http.get(f"{base}/orders/search", params=params, headers=headers) as response:
            body = await response.json()
            assert response.status == 200, body
        for order in body["results"]:
            found[int(order["id"])] = order
        offset += len(body["results"])
        if not body["results"] or offset >= body["paging"]["total"]:
            return found


def exact(amount: Money | None, given: object) -> bool:
    if amount is None or given is None:
        return amount is None and given is None
    return amount.amount == Decimal(str(given))


async def check_stored(container, account_id: int, expected: dict[int, dict]) -> list[str]:
    """Every order the search serves stored once for the account, money exact."""
    problems: list[str] = []
    async with container.unit_of_work() as uow:
        total = (
            await uow.orders.search(OrderQuery(account_id=account_id, paging=Paging(0, 1)))
        ).total
        ids = list(expected)
        stored: dict[int, Order] = {}
        for start_at in range(0, len(ids), 1000):
            stored.update(await uow.orders.find_many(ids[start_at : start_at + 1000]))
    if total != len(expected):
        problems.append(f"{total} orders stored for {len(expected)} served")
    for order_id, body in expected.items():
        order = stored.get(order_id)
        if order is None:
            problems.append(f"order {order_id} not stored")
            continue
        payments = {p.id: p for p in order.payments}
        good = (
            order.account_id == account_id
            and exact(order.total_amount, body["total_amount"])
            and exact(order.paid_amount, body.get("paid_amount"))
            and order.total_amount.currency_id == body["currency_id"]
            and len(payments) == len(body["payments"])
            and all(
                p["id"] in payments and exact(payments[p["id"]].amount, p["transaction_amount"])
                for p in body["payments"]
            )
        )
        if not good:
            problems.append(f"order {order_id} stored with other money or payments")
    return problems[:20]


async def backfill(orders: int, rate: float, database_url: str, workdir: Path) -> dict:
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
            "50",
            "--orders-per-seller",
            str(orders),
            "--questions-per-seller",
            "0",
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
        async with aiohttp.ClientSession() as http:
            seller, token = await seller_token(http, base)
            await http.post(f"{base}/_sandbox/stats/reset")
            settings = Settings.from_mapping(
                {
                    "DATA_DIR": str(workdir),
                    "DATABASE_URL": database_url,
                    "ENCRYPTION_KEY": generate_key(),
                    "CLIENT_ID": SANDBOX_CLIENT_ID,
                    "CLIENT_SECRET": SANDBOX_CLIENT_SECRET,
                    "API_URL": base,
                    "AUTH_URL": base,
                    "RATE_LIMIT_PER_SECOND": str(rate),
                    "RATE_LIMIT_BURST": "1",
                    "QUOTA_CALLS_PER_HOUR": "10000000",
                    "ORDERS_BACKFILL_DAYS": "200",
                    "LOG_LEVEL": "WARNING",
                }
            )
            container = build_container(settings)
            await start(container)
            try:
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
                            container.clock().now(),
                            token["scope"],
                            seller["id"],
                        ),
                    )
                    await uow.commit()
                assert account.id is not None
                rss_before = peak_rss_mb()
                started = time.perf_counter()
                cpu_started = time.process_time()
                log = await container.reconcile_orders()(account.id, SyncTrigger.CONNECT)
                wall = time.perf_counter() - started
                cpu = time.process_time() - cpu_started
                rss = peak_rss_mb()
                async with http.get(f"{base}/_sandbox/stats") as response:
                    counted = await response.json()
                served = await sandbox_orders(http, base, seller, token)
                problems = await check_stored(container, account.id, served)
            finally:
                await stop(container)
    finally:
        sandbox.terminate()
        sandbox.wait(timeout=60)
    shipments = {(o.get("shipping") or {}).get("id") for o in served.values()} - {None}
    packs = {o["pack_id"] for o in served.values() if o.get("pack_id")}
    searches = math.ceil(len(served) / SEARCH_PAGE)
    minimum = searches + len(shipments) + len(packs)
    calls = counted["total"]
    bound = calls / rate
    assert log is not None
    return {
        "orders_in_sandbox_history": orders,
        "orders_served_by_search": len(served),
        "rate_limit_per_second": rate,
        "status": log.status.value,
        "stored_counts": dict(log.counts),
        "api_calls": calls,
        "api_calls_by_route": counted["calls"],
        "theoretical_minimum": {
            "searches": searches,
            "distinct_shipments": len(shipments),
            "distinct_packs": len(packs),
            "total": minimum,
        },
        "extra_calls": calls - minimum,
        "wall_seconds": round(wall, 2),
        "rate_limit_bound_seconds": round(bound, 2),
        "wall_over_bound": round(wall / bound, 3),
        "cpu_seconds": round(cpu, 2),
        "peak_rss_mb": round(rss, 1),
        "rss_before_mb": round(rss_before, 1),
        "stored_exactly_once_with_exact_money": not problems,
        "problems": problems,
    }


LIST_QUERIES = {
    "account": "account_id={a}",
    "status": "account_id={a}&status=paid",
    "shipment_status": "account_id={a}&shipment_status=ready_to_ship",
    "date_window": "account_id={a}&from=2026-10-01T00:00:00-03:00&to=2026-10-15T00:00:00-03:00",
    "tag": "account_id={a}&tag=pack_order",
    "pack": "pack_id={pack}",
    "text": "account_id={a}&q=termo",
    "deep_page": "account_id={a}&offset=5000&limit=50",
    "all_accounts": "status=cancelled",
}
TITLES = ("Termo acero 1L", "Mate de calabaza", "Bombilla alpaca", "Yerba 1kg", "Auriculares BT")
SHIPMENT_STATUSES = (
    (ShipmentStatus.DELIVERED, None),
    (ShipmentStatus.SHIPPED, "out_for_delivery"),
    (ShipmentStatus.READY_TO_SHIP, "ready_to_print"),
    (ShipmentStatus.HANDLING, None),
)


def stored_order(n: int, account_id: int, seller_id: int, rng: random.Random, now: datetime):
    price = Money.of(Decimal(rng.randrange(500, 5_000_000)) / 100, "ARS")
    quantity = rng.choice((1, 1, 1, 2, 3))
    total = price.times(quantity)
    created = now - timedelta(minutes=5 * n + rng.randrange(5))
    cancelled = rng.random() < 0.05
    packed = rng.random() < 0.1
    order_id = 2_000_000_000_000_000 + n
    order = Order(
        id=order_id,
        account_id=account_id,
        seller_id=seller_id,
        status=OrderStatus.CANCELLED if cancelled else OrderStatus.PAID,
        items=(OrderItem(f"MLA{1_000_000 + n % 700}", rng.choice(TITLES), quantity, price),),
        total_amount=total,
        buyer=Buyer(1_000 + n % 5000, f"COMPRADOR{n % 5000}"),
        date_created=created,
        last_updated=created + timedelta(minutes=1),
        paid_amount=total,
        payments=(Payment(30_000_000_000 + n, "approved", total, order_id=order_id),),
        shipping_id=40_000_000_000 + n,
        pack_id=3_000_000_000_000_000 + n // 2 if packed else None,
        tags=("paid", "pack_order") if packed else ("paid",),
    )
    status, substatus = SHIPMENT_STATUSES[0 if n > 2000 else n % len(SHIPMENT_STATUSES)]
    shipment = Shipment(
        40_000_000_000 + n,
        account_id,
        status,
        ShippingMode.ME2,
        substatus,
        "drop_off",
        order_ids=(order_id,),
        last_updated=created + timedelta(hours=1),
    )
    return order, shipment


async def listing(database_url: str, stored: int, samples: int, workdir: Path) -> dict:
    settings = Settings.from_mapping(
        {
            "DATA_DIR": str(workdir),
            "DATABASE_URL": database_url,
            "ENCRYPTION_KEY": generate_key(),
            "API_KEYS": API_KEY,
            "CLIENT_ID": SANDBOX_CLIENT_ID,
            "CLIENT_SECRET": SANDBOX_CLIENT_SECRET,
            "LOG_LEVEL": "WARNING",
        }
    )
    container = build_container(settings)
    await start(container)
    rng = random.Random(14)
    now = datetime(2026, 11, 30, 12, tzinfo=UTC)
    try:
        async with container.unit_of_work() as uow:
            account = await uow.accounts.add(Account(999_000_222, "MLA", "ORDERS_BENCH"))
            await uow.commit()
        assert account.id is not None
        load_started = time.perf_counter()
        a_pack = None
        for start_at in range(0, stored, 2000):
            made = [
                stored_order(n, account.id, account.seller_id, rng, now)
                for n in range(start_at, min(stored, start_at + 2000))
            ]
            a_pack = a_pack or next((o.pack_id for o, _ in made if o.pack_id), None)
            async with container.unit_of_work() as uow:
                await uow.orders.upsert([o for o, _ in made])
                await uow.shipments.upsert([s for _, s in made])
                await uow.commit()
        load_seconds = time.perf_counter() - load_started
        # What autovacuum does soon after a bulk load: statistics for the planner.
        engine = create_async_engine(database_url, isolation_level="AUTOCOMMIT")
        async with engine.connect() as connection:
            await connection.exec_driver_sql("VACUUM ANALYZE")
        await engine.dispose()
        client = TestClient(TestServer(create_app(container)))
        await client.start_server()
        figures = {}
        try:
            for name, query in LIST_QUERIES.items():
                url = "/orders?" + query.format(a=account.id, pack=a_pack)
                timings = []
                found = 0
                for _ in range(samples):
                    # The latency is the time to the answer's last byte; the benchmark's
                    # own decoding of the JSON (same process) is not the service's time.
                    began = time.perf_counter()
                    response = await client.get(url, headers=AUTH)
                    raw = await response.read()
                    timings.append((time.perf_counter() - began) * 1000)
                    body = json.loads(raw)
                    assert response.status == 200, body
                    found = body["paging"]["total"]
                figures[name] = {
                    "query": query,
                    "matching": found,
                    "p50_ms": round(statistics.median(timings), 2),
                    "p95_ms": round(percentile(timings, 0.95), 2),
                }
        finally:
            await client.close()
    finally:
        await stop(container)
    return {"stored": stored, "samples": samples, "load_seconds": round(load_seconds, 1), **figures}


async def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--orders", type=int, default=10_000, help="orders in the backfill")
    parser.add_argument("--rate", type=float, default=10.0, help="requests per second")
    parser.add_argument("--stored", type=int, default=100_000, help="orders GET /orders lists")
    parser.add_argument("--samples", type=int, default=200)
    parser.add_argument(
        "--database-url", default=os.environ.get("MELI_TEST_DATABASE_URL", DEFAULT_DATABASE)
    )
    parser.add_argument(
        "--skip-backfill",
        action="store_true",
        help="only time GET /orders, keeping the backfill figures of the last results file",
    )
    args = parser.parse_args()
    out = ROOT / "bench" / "results" / "orders_sync.json"
    backfill_command = f"--orders {args.orders} --rate {args.rate:g}"
    with tempfile.TemporaryDirectory() as workdir:
        sync = None
        if args.skip_backfill and out.exists():
            last = json.loads(out.read_text())
            sync, backfill_command = last.get("backfill"), last.get("backfill_run", "")
        if not args.skip_backfill:
            async with own_postgres_database(args.database_url, "meli_bench_orders") as url:
                await asyncio.to_thread(upgrade, url)
                sync = await backfill(args.orders, args.rate, url, Path(workdir))
            print(json.dumps(sync, indent=2), flush=True)
        async with own_postgres_database(args.database_url, "meli_bench_order_list") as url:
            await asyncio.to_thread(upgrade, url)
            listed = await listing(url, args.stored, args.samples, Path(workdir))
        print(json.dumps(listed, indent=2), flush=True)
    list_p95 = max(v["p95_ms"] for v in listed.values() if isinstance(v, dict))
    backfill_met = sync is not None and (
        sync["status"] == "succeeded"
        and sync["extra_calls"] == 0
        and sync["wall_over_bound"] <= TARGET_WALL_OVER_BOUND
        and sync["peak_rss_mb"] < TARGET_RSS_MB
        and sync["stored_exactly_once_with_exact_money"]
    )
    result = {
        "benchmark": "orders_sync",
        "command": "bench/orders_sync.py "
        f"--orders {args.orders} --rate {args.rate:g} --stored {args.stored}"
        + (" --skip-backfill" if args.skip_backfill else ""),
        "when": datetime.now(UTC).isoformat(timespec="seconds"),
        "load_average_after": [round(x, 2) for x in os.getloadavg()],
        "backfill_run": backfill_command,
        "backfill": sync,
        "list_orders": listed,
        "target": {
            "api_calls": "ceil(N/51) searches + one read per distinct shipment and pack",
            "wall_over_bound_at_most": TARGET_WALL_OVER_BOUND,
            "peak_rss_mb_under": TARGET_RSS_MB,
            "every_order_stored_once_with_exact_money": True,
            "list_orders_p95_ms_under": TARGET_LIST_P95_MS,
        },
        "target_met": bool(backfill_met and list_p95 < TARGET_LIST_P95_MS),
    }
    print(json.dumps({k: result[k] for k in ("command", "target_met")}, indent=2))
    out.write_text(json.dumps(result, indent=2) + "\n")
    print(f"written to {out.relative_to(ROOT)}")


if __name__ == "__main__":
    asyncio.run(main())
