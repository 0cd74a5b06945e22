"""Keeping the daily sales roll-up (meli_sales_daily) in step with the orders, in the
transaction that writes them (domain.analytics says what an order contributes).

Each order's current contribution is kept beside it (meli_order_sales, per local day,
listing and currency). When orders are written, their new contributions replace the
kept ones and the difference is added to the roll-up as integer increments
(`n = n + delta`), so concurrent writers of different orders never lose each other's
figures. Writers of the same order are serialised by the order's row lock, which the
upsert into meli_orders takes before the roll-up moves and holds to the commit: the
second writer's statements start after the first committed and see its contribution,
even for an order that did not exist when it began. On PostgreSQL the move is part of
the statement that deletes the orders' former payments, after their rows are written
(the rule in SQL, as the rebuild's; the contract tests hold both to
domain.analytics.contribution); SQLite writers are serialised by its file lock (BEGIN
IMMEDIATE) and the move is computed in Python.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal
from zoneinfo import ZoneInfo

from sqlalchemy import (
    ARRAY,
    BigInteger,
    DateTime,
    Integer,
    Numeric,
    String,
    bindparam,
    delete,
    func,
    select,
    text,
)

from adapters.sql.repositories.base import MAX_IN_IDS, Row, SqlRepository, chunks
from adapters.sql.tables import (
    accounts,
    order_items,
    order_sales,
    orders,
    payments,
    sales_daily,
)
from application.errors import Conflict
from domain.analytics import (
    ALL_LISTINGS,
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
KEY = ("account_id", "day", "item_id", "currency_id")
_COLUMNS = ", ".join((*KEY, *FIGURES))


# The lines of orders, as both the tables (a rebuild) and the arrays of a batch being
# written give them: one row per line, with the order's refunded total on every row.
_LINE_COLUMNS = (
    "order_id, account_id, status, date_created, line, item_id, currency_id, quantity, "
    "unit_price, sale_fee, refunded"
)
_STORED_LINES = """
SELECT o.id, o.account_id, o.status, o.date_created, i.line, i.item_id, i.currency_id,
       i.quantity, i.unit_price, i.sale_fee,
       CASE WHEN i.line = 0 THEN (
           SELECT sum(p.refunded_amount) FROM meli_payments p WHERE p.order_id = o.id)
       END
FROM meli_orders o JOIN meli_order_items i ON i.order_id = o.id
WHERE :account_id IS NULL OR o.account_id = :account_id
"""
_GIVEN_LINES = (
    "SELECT * FROM unnest(:order_ids, :account_ids, :statuses, :created, :lines, :item_ids, "
    ":currency_ids, :quantities, :unit_prices, :sale_fees, :refunds)"
)
_GIVEN_TYPES = {
    "order_ids": BigInteger,
    "account_ids": BigInteger,
    "statuses": String,
    "created": DateTime(timezone=True),
    "lines": Integer,
    "item_ids": String,
    "currency_ids": String,
    "quantities": Integer,
    "unit_prices": Numeric,
    "sale_fees": Numeric,
    "refunds": Numeric,
}


def _contributions_sql(source: str) -> str:
    """The orders whose lines `source` gives, as rows of meli_order_sales (`fresh`): the
    rule of domain.analytics.contribution, which the contract tests hold it to."""
    zones = ", ".join(f"('{s.id}', '{s.time_zone}')" for s in SITES.values())
    sold = ", ".join(f"'{s.value}'" for s in SOLD_STATUSES)
    cancelled = ", ".join(f"'{s.value}'" for s in CANCELLED_STATUSES)
    # Built from the code's own constants (sites, statuses), never from input. Amounts
    # have at most two places: times 100 they are whole, so round() changes nothing.
    return f"""
zones(site_id, tz) AS (VALUES {zones}),
lines AS (
    SELECT l.order_id, l.account_id, (l.date_created AT TIME ZONE z.tz)::date AS day,
           l.item_id, l.currency_id, l.line, l.status IN ({sold}) AS sold, l.quantity,
           round(l.unit_price * l.quantity * 100)::bigint AS total,
           round(coalesce(l.sale_fee, 0) * l.quantity * 100)::bigint AS fee,
           CASE WHEN l.line = 0 THEN round(coalesce(l.refunded, 0) * 100)::bigint
           ELSE 0 END AS refunded
    FROM ({source}) AS l({_LINE_COLUMNS})
    JOIN meli_accounts a ON a.id = l.account_id
    JOIN zones z ON z.site_id = a.site_id
    WHERE l.status IN ({sold}, {cancelled})
),
fresh AS (
    SELECT order_id, account_id, day, item_id, currency_id,
           sum(CASE WHEN sold AND line = 0 THEN 1 ELSE 0 END)::bigint AS orders,
           sum(CASE WHEN sold THEN quantity ELSE 0 END)::bigint AS units,
           sum(CASE WHEN sold THEN total ELSE 0 END)::bigint AS gross,
           sum(CASE WHEN sold THEN fee ELSE 0 END)::bigint AS fees,
           sum(CASE WHEN sold THEN refunded ELSE 0 END)::bigint AS refunded,
           sum(CASE WHEN NOT sold AND line = 0 THEN 1 ELSE 0 END)::bigint AS cancelled_orders,
           sum(CASE WHEN NOT sold THEN total ELSE 0 END)::bigint AS cancelled_amount
    FROM lines
    GROUP BY order_id, account_id, day, item_id, currency_id
)"""  # noqa: S608


def _given_lines(batch: Sequence[Order]) -> dict[str, list[object]]:
    """The batch's lines as the arrays _GIVEN_LINES unnests (what SaleFacts reads)."""
    given: dict[str, list[object]] = {name: [] for name in _GIVEN_TYPES}
    for order in batch:
        facts = SaleFacts.of(order)
        for index, line in enumerate(facts.lines):
            for name, value in zip(
                _GIVEN_TYPES,
                (
                    order.id,
                    facts.account_id,
                    facts.status,
                    facts.date_created,
                    index,
                    line.item_id,
                    line.currency_id,
                    line.quantity,
                    line.unit_price,
                    line.sale_fee,
                    facts.refunded,
                ),
                strict=True,
            ):
                given[name].append(value)
    return given


def _sums(sign: str = "") -> str:
    return ", ".join(f"{sign}{name}" for name in FIGURES)


def _summed() -> str:
    return ", ".join(f"sum({name})::bigint AS {name}" for name in FIGURES)


_NONZERO = " OR ".join(f"{name} <> 0" for name in FIGURES)
_ADDED = ", ".join(f"{name} = meli_sales_daily.{name} + excluded.{name}" for name in FIGURES)
_REPLACED = ", ".join(f"{name} = excluded.{name}" for name in FIGURES)
_CHANGED = (
    f"({', '.join(f'meli_order_sales.{n}' for n in FIGURES)}) IS DISTINCT FROM "
    f"({', '.join(f'excluded.{n}' for n in FIGURES)})"
)
_ORDER_KEY = "order_id, account_id, day, item_id, currency_id"

# One statement: the batch's contributions computed from its lines (given as arrays), the
# kept ones (a snapshot taken after the orders' row locks: every earlier writer has
# committed), both replaced, and the difference added to the roll-up with the day's
# totals (the grouping set without the listing), in key order so that two batches take
# the roll-up's row locks in the same order.
# The orders' former payments go in the same statement: the roll-up rides in a round trip
# the upsert makes anyway (the new payments are written after it).
_CLEAR_PAYMENTS = "DELETE FROM meli_payments WHERE order_id = ANY(:ids)"
_CLEAR_AND_MOVE = text(
    f"""
WITH cleared AS ({_CLEAR_PAYMENTS}),
{_contributions_sql(_GIVEN_LINES)},
kept AS (
    SELECT {_ORDER_KEY}, {_sums()} FROM meli_order_sales WHERE order_id = ANY(:ids)
),
stored AS (
    INSERT INTO meli_order_sales ({_ORDER_KEY}, {", ".join(FIGURES)})
    SELECT {_ORDER_KEY}, {_sums()} FROM fresh
    ON CONFLICT ({_ORDER_KEY}) DO UPDATE SET {_REPLACED} WHERE {_CHANGED}
),
gone AS (
    DELETE FROM meli_order_sales s USING kept k
    WHERE s.order_id = k.order_id AND s.account_id = k.account_id AND s.day = k.day
      AND s.item_id = k.item_id AND s.currency_id = k.currency_id
      AND NOT EXISTS (
          SELECT 1 FROM fresh f WHERE f.order_id = k.order_id AND f.account_id = k.account_id
          AND f.day = k.day AND f.item_id = k.item_id AND f.currency_id = k.currency_id)
),
moved AS (
    SELECT account_id, day, coalesce(item_id, '{ALL_LISTINGS}') AS item_id, currency_id,
           {_summed()}
    FROM (
        SELECT account_id, day, item_id, currency_id, {_sums()} FROM fresh
        UNION ALL
        SELECT account_id, day, item_id, currency_id, {_sums("-")} FROM kept
    ) AS change
    GROUP BY GROUPING SETS ((account_id, day, item_id, currency_id), (account_id, day, currency_id))
)
INSERT INTO meli_sales_daily ({_COLUMNS})
SELECT {_COLUMNS} FROM moved WHERE {_NONZERO}
ORDER BY account_id, day, item_id, currency_id
ON CONFLICT ({", ".join(KEY)}) DO UPDATE SET {_ADDED}
"""  # noqa: S608
).bindparams(
    bindparam("ids", type_=ARRAY(BigInteger)),
    *(bindparam(name, type_=ARRAY(kind)) for name, kind in _GIVEN_TYPES.items()),
)
_CLEAR_PAYMENTS_ONLY = text(_CLEAR_PAYMENTS).bindparams(bindparam("ids", type_=ARRAY(BigInteger)))


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


def _listings_only(part: Mapping[DailyKey, DailyFigures]) -> dict[DailyKey, DailyFigures]:
    return {key: figures for key, figures in part.items() if key.item_id != ALL_LISTINGS}


def _with_day_totals(part: Mapping[DailyKey, DailyFigures]) -> dict[DailyKey, DailyFigures]:
    """A kept contribution (listings only) with the day's totals it adds too."""
    whole: dict[DailyKey, DailyFigures] = dict(part)
    for key, figures in part.items():
        day = DailyKey(key.account_id, key.day, ALL_LISTINGS, key.currency_id)
        whole[day] = whole.get(day, DailyFigures()) + figures
    return whole


async def add_to_roll_up(repository: SqlRepository, delta: dict[DailyKey, DailyFigures]) -> None:
    if not delta:
        return
    statement = repository._insert(sales_daily)
    statement = statement.on_conflict_do_update(
        index_elements=[sales_daily.c[name] for name in KEY],
        set_={name: sales_daily.c[name] + statement.excluded[name] for name in FIGURES},
    )
    rows = [_row(key, figures) for key, figures in sorted(delta.items())]
    # No savepoint (_write): integers added on rows whose account was just read cannot
    # conflict, and this runs on every order write.
    await repository._execute(statement, rows)


async def kept_contributions(
    repository: SqlRepository, order_ids: Sequence[int]
) -> dict[int, dict[DailyKey, DailyFigures]]:
    found: dict[int, dict[DailyKey, DailyFigures]] = {}
    for part in chunks(order_ids, MAX_IN_IDS):
        for row in await repository._all(
            select(order_sales).where(order_sales.c.order_id.in_(part))
        ):
            key = DailyKey(*(row[name] for name in KEY))
            found.setdefault(row["order_id"], {})[key] = DailyFigures(
                *(row[name] for name in FIGURES)
            )
    return found


async def keep_contributions(
    repository: SqlRepository, contributions: Mapping[int, Mapping[DailyKey, DailyFigures]]
) -> None:
    """Replace the kept contributions of these orders (listings only)."""
    ids = sorted(contributions)
    for part in chunks(ids, MAX_IN_IDS):
        await repository._execute(delete(order_sales).where(order_sales.c.order_id.in_(part)))
    rows = [
        {"order_id": order_id, **_row(key, figures)}
        for order_id in ids
        for key, figures in sorted(_listings_only(contributions[order_id]).items())
    ]
    for part in chunks(rows, 1_000):
        await repository._execute(order_sales.insert(), list(part))


async def clear_payments(repository: SqlRepository, batch: Sequence[Order]) -> None:
    """Delete the stored payments of `batch`'s orders (the upsert writes them again)."""
    ids = sorted({order.id for order in batch})
    for part in chunks(ids, MAX_IN_IDS):
        if repository._dialect == "postgresql":  # the statement the roll-up rides in
            await repository._write(_CLEAR_PAYMENTS_ONLY, [{"ids": list(part)}])
        else:
            await repository._write(delete(payments).where(payments.c.order_id.in_(part)))


async def clear_payments_and_roll_up(repository: SqlRepository, batch: Sequence[Order]) -> None:
    """clear_payments, and the sales roll-up moved for `batch`: its orders' kept
    contributions replaced and the difference added. Called by the upsert once the
    orders' rows (and so their row locks) are written, in the same transaction."""
    ids = sorted({order.id for order in batch})
    if repository._dialect == "postgresql":
        for part in chunks(ids, MAX_IN_IDS):
            wanted = set(part)
            given = _given_lines([order for order in batch if order.id in wanted])
            await repository._write(_CLEAR_AND_MOVE, [{"ids": list(part), **given}])
        return
    await clear_payments(repository, batch)
    zones = await zones_of(repository, {order.account_id for order in batch})
    unknown = {order.account_id for order in batch} - zones.keys()
    if unknown:  # what the foreign key of meli_orders says, if the database enforces it
        raise Conflict(f"account {min(unknown)} does not exist")
    kept = await kept_contributions(repository, ids)
    fresh = {
        order.id: contribution(SaleFacts.of(order), zones[order.account_id]) for order in batch
    }
    await keep_contributions(repository, fresh)
    await add_to_roll_up(
        repository, changes([_with_day_totals(k) for k in kept.values()], fresh.values())
    )


_REBUILD = text(
    f"""
WITH {_contributions_sql(_STORED_LINES)},
stored AS (
    INSERT INTO meli_order_sales ({_ORDER_KEY}, {", ".join(FIGURES)})
    SELECT {_ORDER_KEY}, {_sums()} FROM fresh
    RETURNING {_ORDER_KEY}, {_sums()}
)
INSERT INTO meli_sales_daily ({_COLUMNS})
SELECT account_id, day, coalesce(item_id, '{ALL_LISTINGS}'), currency_id, {_summed()}
FROM stored
GROUP BY GROUPING SETS ((account_id, day, item_id, currency_id), (account_id, day, currency_id))
"""  # noqa: S608
).bindparams(bindparam("account_id", type_=BigInteger))


async def rebuild_roll_up(repository: SqlRepository, account_id: int | None) -> int:
    """Replace the kept contributions and the roll-up of the account (or every one) with
    what its orders give: on PostgreSQL in one statement (the same rule as
    domain.analytics.contribution, which the contract tests hold it to), with order
    writers held off meanwhile (they would move figures the rebuild is replacing);
    elsewhere through the domain's rule in chunks."""
    order_scope = [] if account_id is None else [orders.c.account_id == account_id]
    if repository._dialect == "postgresql":
        await repository._execute(
            text("LOCK TABLE meli_order_sales, meli_sales_daily IN SHARE ROW EXCLUSIVE MODE")
        )
    for table in (sales_daily, order_sales):
        scope = [] if account_id is None else [table.c.account_id == account_id]
        await repository._write(delete(table).where(*scope))
    if repository._dialect == "postgresql":
        await repository._write(_REBUILD, [{"account_id": account_id}])
        return await repository._count(orders, order_scope)
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
        fresh = {order_id: contribution(f, zones[f.account_id]) for order_id, f in facts.items()}
        await keep_contributions(repository, fresh)
        for key, figures in changes([], fresh.values()).items():
            total[key] = total.get(key, DailyFigures()) + figures
    rows = [_row(key, figures) for key, figures in sorted(total.items()) if not figures.is_zero]
    for part in chunks(rows, 1_000):
        await repository._write(sales_daily.insert(), list(part))
    return len(ids)
