"""Keeping the daily sales roll-up (meli_sales_daily) in step with the orders, in the
transaction that writes them (domain.analytics says what an order contributes).

On every upsert of orders the contribution of the stored copy is taken away and that of
the new one added, as integer increments (`n = n + delta`), so concurrent writers of
different orders never lose each other's figures. Writers of the same order are
serialised first: on PostgreSQL by a transaction-scoped advisory lock per order id
(taken in id order, so two batches cannot deadlock on them), which also covers an order
that does not exist yet; SQLite writers are serialised by its file lock (BEGIN IMMEDIATE).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from decimal import Decimal
from zoneinfo import ZoneInfo

from sqlalchemy import ARRAY, BigInteger, bindparam, delete, func, select, text

from adapters.sql.repositories.base import MAX_IN_IDS, Row, SqlRepository, chunks
from adapters.sql.tables import accounts, order_items, orders, payments, sales_daily
from application.errors import Conflict
from domain.analytics import (
    CANCELLED_STATUSES,
    FIGURES,
    SOLD_STATUSES,
    DailyFigures,
    DailyKey,
    SaleFacts,
    SaleLine,
    changes,
    contribution,
)
from domain.orders import Order
from domain.sites import SITES, site

# Orders read at a time by a rebuild.
REBUILD_CHUNK = 5_000


_LOCK_AND_ZONES = text(
    # The locks first (a one-time filter: taken once, before any row is read), in
    # ascending id order (unnest keeps the array's), then the accounts' sites.
    "SELECT a.id, a.site_id FROM meli_accounts a WHERE a.id = ANY(:accounts) AND "
    "(SELECT count(pg_advisory_xact_lock(x)) FROM unnest(:ids) AS x) >= 0"
).bindparams(
    bindparam("ids", type_=ARRAY(BigInteger)), bindparam("accounts", type_=ARRAY(BigInteger))
)


async def lock_orders_and_read_zones(
    repository: SqlRepository, order_ids: Sequence[int], account_ids: Iterable[int]
) -> dict[int, ZoneInfo]:
    """The sites' zones of `account_ids`; on PostgreSQL in the statement that takes the
    orders' advisory locks (one round trip: the roll-up is kept on every order write).
    The order rows are read in a later statement, whose snapshot sees every write the
    locks waited for."""
    if repository._dialect != "postgresql":
        return await zones_of(repository, account_ids)
    rows = await repository._all(
        _LOCK_AND_ZONES.bindparams(ids=sorted(set(order_ids)), accounts=sorted(set(account_ids)))
    )
    return {row["id"]: site(row["site_id"]).zone for row in rows}


async def stored_facts(repository: SqlRepository, order_ids: Sequence[int]) -> dict[int, SaleFacts]:
    """The stored orders among `order_ids` as the roll-up reads them: their lines in one
    query; their refunds in it too on PostgreSQL (an exact NUMERIC sum), in a second one
    elsewhere (SQLite keeps amounts as text) and only when some order is stored."""
    postgres = repository._dialect == "postgresql"
    refunded_sum = (
        select(func.sum(payments.c.refunded_amount))
        .where(payments.c.order_id == orders.c.id)
        .scalar_subquery()
    )
    found: dict[int, SaleFacts] = {}
    for part in chunks(sorted(set(order_ids)), MAX_IN_IDS):
        columns = [
            orders.c.id,
            orders.c.account_id,
            orders.c.status,
            orders.c.date_created,
            order_items.c.item_id,
            order_items.c.currency_id,
            order_items.c.quantity,
            order_items.c.unit_price,
            order_items.c.sale_fee,
        ]
        if postgres:
            columns.append(refunded_sum.label("refunded"))
        rows = await repository._all(
            select(*columns)
            .select_from(orders.join(order_items, order_items.c.order_id == orders.c.id))
            .where(orders.c.id.in_(part))
            .order_by(orders.c.id, order_items.c.line)
        )
        if not rows:
            continue
        refunded: dict[int, Decimal] = {}
        if postgres:
            refunded = {r["id"]: r["refunded"] for r in rows if r["refunded"] is not None}
        else:
            for row in await repository._all(
                select(payments.c.order_id, payments.c.refunded_amount).where(
                    payments.c.order_id.in_(part), payments.c.refunded_amount.is_not(None)
                )
            ):
                refunded[row["order_id"]] = (
                    refunded.get(row["order_id"], Decimal(0)) + row["refunded_amount"]
                )
        lines: dict[int, list[SaleLine]] = {}
        heads: dict[int, Row] = {}
        for row in rows:
            heads.setdefault(row["id"], row)
            lines.setdefault(row["id"], []).append(
                SaleLine(
                    row["item_id"],
                    row["currency_id"],
                    row["quantity"],
                    row["unit_price"],
                    row["sale_fee"],
                )
            )
        for order_id, head in heads.items():
            found[order_id] = SaleFacts(
                head["account_id"],
                head["status"],
                head["date_created"],
                tuple(lines[order_id]),
                refunded.get(order_id, Decimal(0)),
            )
    return found


async def zones_of(repository: SqlRepository, account_ids: Iterable[int]) -> dict[int, ZoneInfo]:
    wanted = sorted(set(account_ids))
    if not wanted:
        return {}
    rows = await repository._all(
        select(accounts.c.id, accounts.c.site_id).where(accounts.c.id.in_(wanted))
    )
    return {row["id"]: site(row["site_id"]).zone for row in rows}


def _row(key: DailyKey, figures: DailyFigures) -> dict[str, object]:
    return {
        "account_id": key.account_id,
        "day": key.day,
        "item_id": key.item_id,
        "currency_id": key.currency_id,
        **{name: getattr(figures, name) for name in FIGURES},
    }


async def add_to_roll_up(repository: SqlRepository, delta: dict[DailyKey, DailyFigures]) -> None:
    if not delta:
        return
    statement = repository._insert(sales_daily)
    statement = statement.on_conflict_do_update(
        index_elements=[
            sales_daily.c.account_id,
            sales_daily.c.day,
            sales_daily.c.item_id,
            sales_daily.c.currency_id,
        ],
        set_={name: sales_daily.c[name] + statement.excluded[name] for name in FIGURES},
    )
    rows = [_row(key, figures) for key, figures in sorted(delta.items())]
    # No savepoint (_write): integers added on rows whose account was just read cannot
    # conflict, and this runs on every order write.
    await repository._execute(statement, rows)


async def roll_up_orders(repository: SqlRepository, batch: Sequence[Order]) -> None:
    """Before `batch` replaces the stored copies: move their contributions."""
    ids = [order.id for order in batch]
    after = {order.id: SaleFacts.of(order) for order in batch}
    zones = await lock_orders_and_read_zones(
        repository, ids, [f.account_id for f in after.values()]
    )
    before = await stored_facts(repository, ids)
    moved = {f.account_id for f in before.values()} - zones.keys()
    if moved:  # a stored copy of another account (never seen; read its zone anyway)
        zones.update(await zones_of(repository, moved))
    unknown = {f.account_id for f in after.values()} - zones.keys()
    if unknown:
        # What the foreign key of meli_orders would say, before the roll-up needs a zone.
        raise Conflict(f"account {min(unknown)} does not exist")
    await add_to_roll_up(
        repository,
        changes(
            [contribution(f, zones[f.account_id]) for f in before.values()],
            [contribution(f, zones[f.account_id]) for f in after.values()],
        ),
    )


def _rebuild_sql() -> str:
    zones = ", ".join(f"('{s.id}', '{s.time_zone}')" for s in SITES.values())
    sold = ", ".join(f"'{s.value}'" for s in SOLD_STATUSES)
    cancelled = ", ".join(f"'{s.value}'" for s in CANCELLED_STATUSES)
    # Built from the code's own constants (sites, statuses), never from input.
    return f"""
WITH zones(site_id, tz) AS (VALUES {zones}),
lines AS (
    SELECT o.account_id, (o.date_created AT TIME ZONE z.tz)::date AS day, i.item_id,
           i.currency_id, i.line, o.status IN ({sold}) AS sold, i.quantity,
           round(i.unit_price * i.quantity * 100)::bigint AS total,
           round(coalesce(i.sale_fee, 0) * i.quantity * 100)::bigint AS fee,
           CASE WHEN i.line = 0 THEN coalesce((
               SELECT round(sum(p.refunded_amount) * 100)::bigint FROM meli_payments p
               WHERE p.order_id = o.id AND p.refunded_amount IS NOT NULL), 0)
           ELSE 0 END AS refunded
    FROM meli_orders o
    JOIN meli_accounts a ON a.id = o.account_id
    JOIN zones z ON z.site_id = a.site_id
    JOIN meli_order_items i ON i.order_id = o.id
    WHERE o.status IN ({sold}, {cancelled}) AND (:account_id IS NULL OR o.account_id = :account_id)
)
INSERT INTO meli_sales_daily (account_id, day, item_id, currency_id, {", ".join(FIGURES)})
SELECT account_id, day, coalesce(item_id, ''), currency_id,
       sum(CASE WHEN sold AND line = 0 THEN 1 ELSE 0 END),
       sum(CASE WHEN sold THEN quantity ELSE 0 END),
       sum(CASE WHEN sold THEN total ELSE 0 END),
       sum(CASE WHEN sold THEN fee ELSE 0 END),
       sum(CASE WHEN sold THEN refunded ELSE 0 END),
       sum(CASE WHEN NOT sold AND line = 0 THEN 1 ELSE 0 END),
       sum(CASE WHEN NOT sold THEN total ELSE 0 END)
FROM lines
GROUP BY GROUPING SETS ((account_id, day, item_id, currency_id), (account_id, day, currency_id))
"""  # noqa: S608


async def rebuild_roll_up(repository: SqlRepository, account_id: int | None) -> int:
    """Replace the roll-up of the account (or every one) with what its orders give: on
    PostgreSQL in one statement (the same rule as domain.analytics.contribution, which
    the contract tests hold it to), elsewhere through the domain's rule in chunks."""
    scope = [] if account_id is None else [sales_daily.c.account_id == account_id]
    await repository._write(delete(sales_daily).where(*scope))
    if repository._dialect == "postgresql":
        await repository._write(
            text(_rebuild_sql()).bindparams(bindparam("account_id", type_=BigInteger)),
            [{"account_id": account_id}],
        )
        order_scope = [] if account_id is None else [orders.c.account_id == account_id]
        return await repository._count(orders, order_scope)
    order_scope = [] if account_id is None else [orders.c.account_id == account_id]
    ids = [
        row["id"]
        for row in await repository._all(
            select(orders.c.id).where(*order_scope).order_by(orders.c.id)
        )
    ]
    zones: dict[int, ZoneInfo] = {}
    total: dict[DailyKey, DailyFigures] = {}
    for part in chunks(ids, REBUILD_CHUNK):
        facts = await stored_facts(repository, part)
        missing = {f.account_id for f in facts.values()} - zones.keys()
        zones.update(await zones_of(repository, missing))
        for key, figures in changes(
            [], [contribution(f, zones[f.account_id]) for f in facts.values()]
        ).items():
            total[key] = total.get(key, DailyFigures()) + figures
    rows = [_row(key, figures) for key, figures in sorted(total.items()) if not figures.is_zero]
    for part in chunks(rows, 1_000):
        await repository._write(sales_daily.insert(), list(part))
    return len(ids)
