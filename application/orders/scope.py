"""Every read of orders is scoped to the connected accounts: an order of an account that
was disconnected (or of no account of ours) is not shown, as if it did not exist."""

from __future__ import annotations

from application.errors import NotFound
from application.ports.unit_of_work import UnitOfWork
from domain.accounts import Account, AccountStatus
from domain.orders import Order


async def connected_account_ids(uow: UnitOfWork) -> tuple[int, ...]:
    accounts = await uow.accounts.list()
    return tuple(
        a.id for a in accounts if a.id is not None and a.status is not AccountStatus.DISCONNECTED
    )


async def visible_order(uow: UnitOfWork, order_id: int) -> Order:
    """The stored order of a connected account. Raises NotFound otherwise."""
    order = await uow.orders.find(order_id)
    if order is None or order.account_id not in await connected_account_ids(uow):
        raise NotFound("order", order_id)
    return order


async def connected_account(uow: UnitOfWork, account_id: int) -> Account:
    """A connected account. Raises NotFound for an unknown or disconnected one."""
    account = await uow.accounts.get(account_id)  # NotFound when unknown
    if account.status is AccountStatus.DISCONNECTED:
        raise NotFound("account", account_id)
    return account
