from __future__ import annotations

from application.errors import NotFound
from application.orders.scope import connected_account_ids
from application.ports.order_gateway import OrderGateway, ShippingQuote
from application.ports.unit_of_work import UnitOfWorkFactory
from domain.accounts import Account


async def listing_account(uow: UnitOfWorkFactory, item_id: str) -> Account:
    """The connected account whose stored listing `item_id` is (its token asks).
    Raises NotFound."""
    async with uow() as work:
        listing = await work.listings.find(item_id)
        if listing is None or listing.account_id not in await connected_account_ids(work):
            raise NotFound("listing", item_id)
        return await work.accounts.get(listing.account_id)


class QuoteShipping:
    """What a buyer at a zip code would see for a listing of a connected account: the
    shipping methods and their costs (§6.5)."""

    def __init__(self, uow: UnitOfWorkFactory, gateway: OrderGateway) -> None:
        self._uow = uow
        self._gateway = gateway

    async def __call__(self, item_id: str, zip_code: str) -> ShippingQuote:
        account = await listing_account(self._uow, item_id)
        assert account.id is not None
        return await self._gateway.shipping_options(account.id, item_id, zip_code)
