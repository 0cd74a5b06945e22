"""Benchmark of analytics at scale (docs/analytics.md).

    .venv/bin/python bench/analytics.py                  # 1,000,000 orders, 400 days, 20 accounts
    .venv/bin/python bench/analytics.py --orders 100000  # a quicker run

On its own PostgreSQL database (next to MELI_TEST_DATABASE_URL's, dropped after):

1. Load. 20 accounts on six sites, 200 listings each (through the repositories), the
   orders spread over 400 days (1 or 2 lines, 86% paid, 8% cancelled, 3% partially
   refunded, the rest unpaid) with the last two days' shipments ready to ship, and
   questions, all by COPY (not through the use cases: minutes, not hours). Then the
   roll-up is built by the rebuild (`meli analytics rebuild`), timed.
2. Reads, through the REST app: `GET /dashboard-stats` (every account, and one) and
   `GET /analytics/sales?interval=day` over 90 days, p50/p95; beside them the same
   figures computed from the orders table without the roll-up, and the ratio.
3. Writes: order upserts through the repository (50 orders a transaction, new orders and
   then a status change of each), with the roll-up kept and with it switched off, orders
   a second each way from the median batch of every round (after a round that warms up
   the connections); the roll-up's cost is the throughput lost. The two ways take turns
   batch by batch (which goes first alternating), so that a shared machine's load,
   which drifts over seconds, weighs on both alike.

Targets: /dashboard-stats p95 < 50 ms; /analytics/sales?interval=day (90 days) p95 <
100 ms; the roll-up costs < 10% of the upsert throughput (inserts and updates). Prints
the figures and writes bench/results/analytics.json.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import statistics
import sys
import time
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import asyncpg  # noqa: E402
import attrs  # noqa: E402
from aiohttp.test_utils import TestClient, TestServer  # noqa: E402
from sqlalchemy.ext.asyncio import create_async_engine  # noqa: E402

import adapters.sql.repositories.orders as order_repository  # noqa: E402
from adapters.crypto.fernet import generate_key  # noqa: E402
from adapters.sql.migrate import upgrade  # noqa: E402
from adapters.sql.repositories.sales_roll_up import clear_payments  # noqa: E402
from domain.accounts import Account, AccountStatus  # noqa: E402
from domain.money import Money  # noqa: E402
from domain.orders import Buyer, Order, OrderItem, OrderStatus, Payment  # noqa: E402
from domain.sites import site  # noqa: E402
from entrypoints.container import build_container, start, stop  # noqa: E402
from entrypoints.http.app import create_app  # noqa: E402
from entrypoints.settings import Settings  # noqa: E402
from tests.contracts.builders import a_plain_listing  # noqa: E402
from tests.isolation import own_postgres_database  # noqa: E402

API_KEY = "bench-key-0123456789abcdef"
AUTH = {"Authorization": f"Bearer {API_KEY}"}
SITES = ("MLA", "MLB", "MLM", "MCO", "MLC", "MLU")
ACCOUNTS = 20
LISTINGS = 200
DAYS = 400
BATCH = 50  # orders a transaction in the write figures


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def figures(timings: list[float]) -> dict:
    return {
        "p50_ms": round(statistics.median(timings), 2),
        "p95_ms": round(percentile(timings, 0.95), 2),
    }


def raw_dsn(url: str) -> str:
    return url.replace("postgresql+asyncpg://", "postgresql://")


STATUSES = [("paid", 86), ("cancelled", 8), ("partially_refunded", 3), ("payment_required", 3)]


def status_of(rng: random.Random) -> str:
    roll = rng.random() * 100
    for status, share in STATUSES:
        roll -= share
        if roll < 0:
            return status
    return "paid"


async def load(url: str, container, orders: int, rng: random.Random) -> dict:
    now = datetime.now(UTC)
    accounts = []
    async with container.unit_of_work() as uow:
        for n in range(ACCOUNTS):
            site_id = SITES[n % len(SITES)]
            account = await uow.accounts.add(
                Account(900_000_000 + n, site_id, f"BENCH_{n}", status=AccountStatus.ACTIVE)
            )
            accounts.append(account)
        await uow.commit()
    listings: dict[int, list[str]] = {}
    for account in accounts:
        assert account.id is not None
        zone_site = site(account.site_id)
        ids = [f"{account.site_id}{5_000_000_000 + account.id * 1000 + k}" for k in range(LISTINGS)]
        listings[account.id] = ids
        async with container.unit_of_work() as uow:
            await uow.listings.upsert(
                [
                    a_plain_listing(
                        item_id,
                        account.id,
                        seller_id=account.seller_id,
                        price=Money.of("1000", zone_site.currency_id),
                        permalink=None,
                        relisted_from=None,
                        category_id=f"{account.site_id}1055",
                    )
                    for item_id in ids
                ]
            )
            await uow.commit()
    began = time.perf_counter()
    connection = await asyncpg.connect(raw_dsn(url))
    try:
        order_rows, item_rows, shipment_rows = [], [], []
        buyer = json.dumps({"id": 1, "nickname": "BUYER"})
        recent = now - timedelta(days=2)
        for n in range(orders):
            account = accounts[n % ACCOUNTS]
            currency = site(account.site_id).currency_id
            created = now - timedelta(seconds=rng.random() * DAYS * 86400)
            order_id = 3_000_000_000_000 + n
            status = status_of(rng)
            lines = 1 if rng.random() < 0.8 else 2
            total = Decimal(0)
            for line in range(lines):
                price = Decimal(rng.randrange(500, 500_000)) / 100
                quantity = 1 if rng.random() < 0.85 else rng.randrange(2, 5)
                total += price * quantity
                item_rows.append(
                    (
                        order_id,
                        line,
                        rng.choice(listings[account.id]),
                        "Bench listing",
                        quantity,
                        price,
                        currency,
                        (price * Decimal("0.12")).quantize(Decimal("0.01")),
                    )
                )
            shipping_id = None
            if created > recent and status == "paid":
                shipping_id = 4_000_000_000_000 + n
                shipment_rows.append(
                    (
                        shipping_id,
                        account.id,
                        "ready_to_ship",
                        rng.choice(("ready_to_print", "printed")),
                        "me2",
                        json.dumps([order_id]),
                        created,
                    )
                )
            order_rows.append(
                (
                    order_id,
                    account.id,
                    account.seller_id,
                    status,
                    total,
                    currency,
                    1,
                    buyer,
                    "[]",
                    "[]",
                    created,
                    shipping_id,
                )
            )
            if len(order_rows) >= 50_000:
                await _copy(connection, order_rows, item_rows, shipment_rows)
                order_rows, item_rows, shipment_rows = [], [], []
        await _copy(connection, order_rows, item_rows, shipment_rows)
        question_rows = []
        for n in range(20_000):
            account = accounts[n % ACCOUNTS]
            asked = now - timedelta(minutes=rng.randrange(10, 60 * 24 * 60))
            answered = rng.random() < 0.9
            question_rows.append(
                (
                    5_000_000_000_000 + n,
                    account.id,
                    account.seller_id,
                    rng.choice(listings[account.id]),
                    "¿Tiene stock?",
                    "ANSWERED" if answered else "UNANSWERED",
                    asked,
                    asked + timedelta(minutes=rng.randrange(1, 600)) if answered else None,
                )
            )
        await connection.copy_records_to_table(
            "meli_questions",
            records=question_rows,
            columns=[
                "id",
                "account_id",
                "seller_id",
                "item_id",
                "text",
                "status",
                "date_created",
                "answer_date_created",
            ],
        )
    finally:
        await connection.close()
    loaded = time.perf_counter() - began
    began = time.perf_counter()
    await container.rebuild_analytics()()
    rebuilt = time.perf_counter() - began
    engine = create_async_engine(url, isolation_level="AUTOCOMMIT")
    async with engine.connect() as sql:
        await sql.exec_driver_sql("VACUUM ANALYZE")
        rows = (await sql.exec_driver_sql("SELECT count(*) FROM meli_sales_daily")).scalar_one()
    await engine.dispose()
    return {
        "accounts": ACCOUNTS,
        "listings": ACCOUNTS * LISTINGS,
        "orders": orders,
        "days": DAYS,
        "load_seconds": round(loaded, 1),
        "rebuild_seconds": round(rebuilt, 1),
        "roll_up_rows": rows,
    }


async def _copy(connection, orders, items, shipments) -> None:
    if shipments:
        await connection.copy_records_to_table(
            "meli_shipments",
            records=shipments,
            columns=[
                "id",
                "account_id",
                "status",
                "substatus",
                "mode",
                "order_ids",
                "date_created",
            ],
        )
    await connection.copy_records_to_table(
        "meli_orders",
        records=orders,
        columns=[
            "id",
            "account_id",
            "seller_id",
            "status",
            "total_amount",
            "currency_id",
            "buyer_id",
            "buyer",
            "tags",
            "notes",
            "date_created",
            "shipping_id",
        ],
    )
    await connection.copy_records_to_table(
        "meli_order_items",
        records=items,
        columns=[
            "order_id",
            "line",
            "item_id",
            "title",
            "quantity",
            "unit_price",
            "currency_id",
            "sale_fee",
        ],
    )


RAW_TOTALS = """
SELECT i.currency_id, sum(i.unit_price * i.quantity)
FROM meli_orders o JOIN meli_order_items i ON i.order_id = o.id
WHERE o.status IN ('paid', 'partially_refunded', 'pending_cancel')
  AND o.date_created >= $1 AND o.date_created < $2
GROUP BY i.currency_id
"""
RAW_BY_DAY = """
SELECT (o.date_created AT TIME ZONE 'America/Argentina/Buenos_Aires')::date AS day,
       i.currency_id, count(DISTINCT o.id), sum(i.quantity), sum(i.unit_price * i.quantity),
       sum(i.sale_fee * i.quantity)
FROM meli_orders o JOIN meli_order_items i ON i.order_id = o.id
WHERE o.status IN ('paid', 'partially_refunded', 'pending_cancel')
  AND o.date_created >= $1 AND o.date_created < $2
GROUP BY 1, 2 ORDER BY 1, 2
"""


async def reads(url: str, container, samples: int) -> dict:
    today = datetime.now(UTC).date()
    first90 = today - timedelta(days=89)
    client = TestClient(TestServer(create_app(container)))
    await client.start_server()
    found: dict = {}
    try:
        async with container.unit_of_work() as uow:
            one = (await uow.accounts.list())[0].id
        for name, path, count in (
            ("dashboard_stats_all_accounts", "/dashboard-stats", samples),
            ("dashboard_stats_one_account", f"/dashboard-stats?account_id={one}", samples),
            (
                "sales_by_day_90_days",
                f"/analytics/sales?interval=day&from={first90}&to={today}",
                samples,
            ),
        ):
            await (await client.get(path, headers=AUTH)).read()  # warm
            timings = []
            for _ in range(count):
                began = time.perf_counter()
                response = await client.get(path, headers=AUTH)
                await response.read()
                timings.append((time.perf_counter() - began) * 1000)
                assert response.status == 200, await response.text()
            found[name] = figures(timings)
    finally:
        await client.close()
    connection = await asyncpg.connect(raw_dsn(url))
    try:
        now = datetime.now(UTC)
        for name, query, since in (
            ("dashboard_totals_from_orders", RAW_TOTALS, now - timedelta(days=30)),
            ("sales_by_day_90_days_from_orders", RAW_BY_DAY, now - timedelta(days=90)),
        ):
            await connection.fetch(query, since, now)
            timings = []
            for _ in range(max(5, samples // 10)):
                began = time.perf_counter()
                await connection.fetch(query, since, now)
                timings.append((time.perf_counter() - began) * 1000)
            found[name] = figures(timings)
    finally:
        await connection.close()
    found["ratio_dashboard_from_orders_to_roll_up_p95"] = round(
        found["dashboard_totals_from_orders"]["p95_ms"]
        / found["dashboard_stats_all_accounts"]["p95_ms"],
        1,
    )
    found["ratio_sales_from_orders_to_roll_up_p95"] = round(
        found["sales_by_day_90_days_from_orders"]["p95_ms"]
        / found["sales_by_day_90_days"]["p95_ms"],
        1,
    )
    return found


SAMPLE_RAW = json.loads(
    (ROOT / "tests/fixtures/mercadolibre/orders/order_x_format_new_2019.json").read_text()
)
SAMPLE_RAW = SAMPLE_RAW.get("body", SAMPLE_RAW) if isinstance(SAMPLE_RAW, dict) else {}


def an_order(order_id: int, account: Account, status: OrderStatus, created: datetime) -> Order:
    currency = site(account.site_id).currency_id
    price = Money.of("1999.90", currency)
    assert account.id is not None
    return Order(
        id=order_id,
        account_id=account.id,
        seller_id=account.seller_id,
        status=status,
        items=(
            OrderItem(
                item_id=f"{account.site_id}{5_000_000_000 + account.id * 1000}",
                title="Bench listing",
                quantity=2,
                unit_price=price,
                sale_fee=Money.of("240", currency),
            ),
        ),
        total_amount=price.times(2),
        buyer=Buyer(id=7, nickname="BUYER"),
        date_created=created,
        payments=(
            Payment(id=order_id, status="approved", amount=price.times(2), order_id=order_id),
        ),
        last_updated=created,
        # What MercadoLibre sent, as the service stores it with every order (§5.1).
        raw={**SAMPLE_RAW, "id": order_id, "status": status.value},
    )


async def writes(container, count: int, rounds: int) -> dict:
    async with container.unit_of_work() as uow:
        accounts = list(await uow.accounts.list())
    # Switched off, the upsert still deletes the orders' former payments, in a statement
    # of its own (with the roll-up, the roll-up rides in that statement).
    kept = order_repository.clear_payments_and_roll_up

    def orders_of(base: int) -> tuple[list[Order], list[Order]]:
        now = datetime.now(UTC)
        made = [
            an_order(base + n, accounts[n % len(accounts)], OrderStatus.PAID, now)
            for n in range(count)
        ]
        changed = [
            attrs.evolve(o, status=OrderStatus.CANCELLED, last_updated=now + timedelta(seconds=1))
            for o in made
        ]
        return made, changed

    async def batch(group: list[Order], roll_up: bool) -> float:
        order_repository.clear_payments_and_roll_up = kept if roll_up else clear_payments
        began = time.perf_counter()
        async with container.unit_of_work() as uow:
            await uow.orders.upsert(group)
            await uow.commit()
        return time.perf_counter() - began

    # Seconds of each batch of each way, the new orders and their status changes apart,
    # over every round: the median batch is what a spike of load on the shared machine
    # (another process taking the CPU for a moment) does not move.
    spent: dict[str, tuple[list[float], list[float]]] = {"with": ([], []), "without": ([], [])}
    try:
        base = 6_000_000_000_000
        # Round 0 warms up and is not counted: each pooled connection prepares the
        # statements of both ways (and PostgreSQL settles their plans) on first use.
        for round_ in range(rounds + 1):
            orders = {"with": orders_of(base), "without": orders_of(base + count)}
            base += 2 * count
            for index in (0, 1):  # the new orders, then their status change
                for n, start_at in enumerate(range(0, count, BATCH)):
                    turns = ("with", "without") if n % 2 == 0 else ("without", "with")
                    for mode in turns:
                        group = orders[mode][index][start_at : start_at + BATCH]
                        seconds = await batch(group, mode == "with")
                        if round_:
                            spent[mode][index].append(seconds)
    finally:
        order_repository.clear_payments_and_roll_up = kept
    result = {}
    for kind, index in (("insert", 0), ("update", 1)):
        on = BATCH / statistics.median(spent["with"][index])
        off = BATCH / statistics.median(spent["without"][index])
        result[f"{kind}_orders_per_second_with_roll_up"] = round(on, 1)
        result[f"{kind}_orders_per_second_without_roll_up"] = round(off, 1)
        result[f"{kind}_roll_up_cost"] = round(1 - on / off, 3)
    result["orders_per_run"] = count
    result["rounds"] = rounds
    return result


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--orders", type=int, default=1_000_000)
    parser.add_argument("--samples", type=int, default=200)
    parser.add_argument("--write-orders", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--database-url", default=os.environ.get("MELI_TEST_DATABASE_URL"))
    args = parser.parse_args()
    if not args.database_url:
        sys.exit("set MELI_TEST_DATABASE_URL (or --database-url) to a PostgreSQL server")
    rng = random.Random(17)
    workdir = ROOT / "var" / "bench-analytics"
    workdir.mkdir(parents=True, exist_ok=True)
    async with own_postgres_database(args.database_url, "meli_bench_analytics") as url:
        await asyncio.to_thread(upgrade, url)
        settings = Settings.from_mapping(
            {
                "DATA_DIR": str(workdir),
                "DATABASE_URL": url,
                "ENCRYPTION_KEY": generate_key(),
                "API_KEYS": API_KEY,
                "LOG_LEVEL": "WARNING",
            }
        )
        container = build_container(settings)
        await start(container)
        try:
            loaded = await load(url, container, args.orders, rng)
            print("loaded:", json.dumps(loaded), flush=True)
            read = await reads(url, container, args.samples)
            print("reads:", json.dumps(read), flush=True)
            written = await writes(container, args.write_orders, args.rounds)
            print("writes:", json.dumps(written), flush=True)
        finally:
            await stop(container)
    targets = {
        "dashboard_stats_p95_ms": 50,
        "sales_by_day_90_days_p95_ms": 100,
        "roll_up_cost": 0.10,
    }
    met = (
        read["dashboard_stats_all_accounts"]["p95_ms"] < targets["dashboard_stats_p95_ms"]
        and read["dashboard_stats_one_account"]["p95_ms"] < targets["dashboard_stats_p95_ms"]
        and read["sales_by_day_90_days"]["p95_ms"] < targets["sales_by_day_90_days_p95_ms"]
        and written["insert_roll_up_cost"] < targets["roll_up_cost"]
        and written["update_roll_up_cost"] < targets["roll_up_cost"]
    )
    result = {
        "benchmark": "analytics",
        "date": date.today().isoformat(),
        "data": loaded,
        "reads": read,
        "writes": written,
        "target": targets,
        "target_met": met,
        "command": "bench/analytics.py " + " ".join(sys.argv[1:]),
    }
    print(json.dumps(result, indent=2))
    out = ROOT / "bench" / "results" / "analytics.json"
    out.write_text(json.dumps(result, indent=2) + "\n")


if __name__ == "__main__":
    asyncio.run(main())
