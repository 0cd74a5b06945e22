"""How many orders each account has in each status (meli_order_counts), kept in step
with the orders by the order repository, in the transaction that writes them.

Each write moves the stored copies out of their (account, status) and the new ones in, as
integer increments (`n = n + delta`, in key order), so concurrent writers of different
orders never lose each other's counts. Writers of the same order are serialised before
their stored copies are read (the advisory locks of the sales roll-up on PostgreSQL,
SQLite's file lock), so an order is counted once however many write it at once."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

from sqlalchemy import func, select

from adapters.sql.repositories.base import SqlRepository
from adapters.sql.tables import order_counts
from application.queries import OrderQuery

CountKey = tuple[int, str]


def count_changes(before: Iterable[CountKey], after: Iterable[CountKey]) -> dict[CountKey, int]:
    """The increments that take the orders `before` (stored copies) out of their
    (account, status) and put the ones `after` in; keys that do not move are left out."""
    moved = Counter(after)
    moved.subtract(before)
    return {key: delta for key, delta in sorted(moved.items()) if delta}


async def move_order_counts(repository: SqlRepository, delta: dict[CountKey, int]) -> None:
    if not delta:
        return
    statement = repository._insert(order_counts)
    statement = statement.on_conflict_do_update(
        index_elements=[order_counts.c.account_id, order_counts.c.status],
        set_={"orders": order_counts.c.orders + statement.excluded.orders},
    )
    rows = [{"account_id": a, "status": s, "orders": n} for (a, s), n in sorted(delta.items())]
    # No savepoint (_write), as for the roll-up: integers added on rows of accounts whose
    # orders were just written cannot conflict.
    await repository._execute(statement, rows)


def counted_here(query: OrderQuery) -> bool:
    """Whether the counts answer `query`: only its account(s) and status filter it."""
    return (
        query.created_from is None
        and query.created_to is None
        and query.pack_id is None
        and not query.tag
        and not query.text
        and query.shipment_status is None
    )


async def stored_count(repository: SqlRepository, query: OrderQuery) -> int:
    """The orders of the query's account(s) and status (counted_here must hold)."""
    scope = []
    if query.account_id is not None:
        scope.append(order_counts.c.account_id == query.account_id)
    if query.account_ids is not None:
        scope.append(order_counts.c.account_id.in_(query.account_ids))
    if query.status is not None:
        scope.append(order_counts.c.status == query.status)
    result = await repository._execute(
        select(func.coalesce(func.sum(order_counts.c.orders), 0)).where(*scope)
    )
    return int(result.scalar_one())
