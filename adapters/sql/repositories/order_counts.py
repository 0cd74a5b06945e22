"""How many orders each account has in each status, and of those with each tag
(meli_order_counts), kept in step with the orders by the order repository, in the
transaction that writes them.

Each write moves the stored copies out of their counts and the new ones in, as integer
increments (`n = n + delta`, in key order), so concurrent writers of different orders
never lose each other's counts. Writers of the same order are serialised before the
stored copies are read (advisory locks per order on PostgreSQL, see stored_keys;
SQLite's file lock), so an order is counted once however many write it at once."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from typing import Any

from sqlalchemy import ARRAY, BigInteger, ScalarSelect, bindparam, delete, func, select, text

from adapters.sql.repositories.base import MAX_IN_IDS, SqlRepository, chunks
from adapters.sql.tables import order_counts, orders
from application.queries import OrderQuery

# An account, a status and a tag ('' for every order of the account in the status).
CountKey = tuple[int, str, str]


def count_keys(account_id: int, status: str, tags_search: str) -> list[CountKey]:
    """The counts an order is in: its account and status ('') and, with them, each word
    of its tags_search (" paid pack_order "), which is what ?tag= matches (LIKE '% tag %')."""
    tags = {"", *(tag for tag in tags_search.split(" ") if tag)}
    return [(account_id, status, tag) for tag in sorted(tags)]


def count_changes(before: Iterable[CountKey], after: Iterable[CountKey]) -> dict[CountKey, int]:
    """The increments that take the stored copies (`before`) out of their counts and put
    the new ones (`after`) in; counts that do not move are left out."""
    moved = Counter(after)
    moved.subtract(before)
    return {key: delta for key, delta in sorted(moved.items()) if delta}


# Transaction-scoped advisory locks on the order ids, in ascending order (unnest keeps
# the array's): an order not stored yet has no row to lock, and two writers of the same
# new order would both read "not stored" and count it twice.
_LOCK_ORDERS = text("SELECT count(pg_advisory_xact_lock(x)) FROM unnest(:ids) AS x").bindparams(
    bindparam("ids", type_=ARRAY(BigInteger))
)


async def stored_keys(repository: SqlRepository, order_ids: Iterable[int]) -> list[CountKey]:
    """The counts the stored copies among `order_ids` are in, read once the orders are
    locked: on PostgreSQL by an advisory lock per order id (a statement of its own, so
    that the read's snapshot sees whatever the locks waited for), on SQLite by the
    database's write lock. A concurrent writer of the same orders waits until this
    transaction ends, then reads what it wrote."""
    ids = sorted(set(order_ids))
    if repository._dialect == "postgresql" and ids:
        await repository._execute(_LOCK_ORDERS.bindparams(ids=ids))
    keys: list[CountKey] = []
    for part in chunks(ids, MAX_IN_IDS):
        for row in await repository._all(
            select(orders.c.account_id, orders.c.status, orders.c.tags_search).where(
                orders.c.id.in_(part)
            )
        ):
            keys += count_keys(row["account_id"], row["status"], row["tags_search"])
    return keys


async def rebuild_order_counts(repository: SqlRepository, account_id: int | None) -> None:
    """Replace the counts of the account (or every one) with what its stored orders give,
    grouped by their tag sets (few) in SQL and split into tags here (count_keys)."""
    if repository._dialect == "postgresql":
        # Order writers hold off meanwhile: they would move counts being replaced.
        await repository._execute(text("LOCK TABLE meli_order_counts IN SHARE ROW EXCLUSIVE MODE"))
    scope = [] if account_id is None else [order_counts.c.account_id == account_id]
    await repository._write(delete(order_counts).where(*scope))
    order_scope = [] if account_id is None else [orders.c.account_id == account_id]
    groups = await repository._all(
        select(orders.c.account_id, orders.c.status, orders.c.tags_search, func.count())
        .where(*order_scope)
        .group_by(orders.c.account_id, orders.c.status, orders.c.tags_search)
    )
    total: Counter[CountKey] = Counter()
    for account, status, tags_search, found in (tuple(row.values()) for row in groups):
        for key in count_keys(account, status, tags_search):
            total[key] += found
    await move_order_counts(repository, dict(total))


async def move_order_counts(repository: SqlRepository, delta: dict[CountKey, int]) -> None:
    if not delta:
        return
    statement = repository._insert(order_counts)
    statement = statement.on_conflict_do_update(
        index_elements=[order_counts.c.account_id, order_counts.c.status, order_counts.c.tag],
        set_={"orders": order_counts.c.orders + statement.excluded.orders},
    )
    rows = [
        {"account_id": account_id, "status": status, "tag": tag, "orders": n}
        for (account_id, status, tag), n in sorted(delta.items())
    ]
    # No savepoint (_write), as for the roll-up: integers added on rows of accounts whose
    # orders were just written cannot conflict.
    await repository._execute(statement, rows)


def counted_here(query: OrderQuery) -> bool:
    """Whether the counts answer `query`: only accounts, status and one tag filter it."""
    return (
        query.created_from is None
        and query.created_to is None
        and query.pack_id is None
        and not query.text
        and query.shipment_status is None
        and (not query.tag or " " not in query.tag)
    )


def kept_count(query: OrderQuery) -> ScalarSelect[Any]:
    """The number of orders of the query's accounts, status and tag, as a scalar subquery
    (counted_here must hold): GET /orders reads it in the statement of its page."""
    scope = [order_counts.c.tag == (query.tag or "")]
    if query.account_id is not None:
        scope.append(order_counts.c.account_id == query.account_id)
    if query.account_ids is not None:
        scope.append(order_counts.c.account_id.in_(query.account_ids))
    if query.status is not None:
        scope.append(order_counts.c.status == query.status)
    return select(func.coalesce(func.sum(order_counts.c.orders), 0)).where(*scope).scalar_subquery()
