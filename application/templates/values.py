"""The values template variables take for a question or a sale: from the stored listing
and the account (the buyer's nickname is the caller's to add)."""

from __future__ import annotations

from decimal import Decimal

from application.ports.unit_of_work import UnitOfWork
from domain.accounts import Account
from domain.listings import Listing
from domain.money import Money, currency
from domain.sites import SITES

_SHIPPING = {
    # (free, local pick-up) in Spanish and Portuguese
    "es": ("envío gratis", "envío a cargo del comprador", "retiro en persona"),
    "pt": ("frete grátis", "frete por conta do comprador", "retirada em mãos"),
}


def format_price(money: Money, site_id: str) -> str:
    """`$ 1.234,50` or `US$ 1,234.50`, as the site writes amounts."""
    site = SITES.get(site_id)
    unit = currency(money.currency_id)
    places = unit.decimal_places
    amount = money.amount.quantize(Decimal(1).scaleb(-places))
    text = f"{amount:,.{places}f}"
    if site is None or site.decimal_comma:
        text = text.replace(",", "\x00").replace(".", ",").replace("\x00", ".")
    return f"{unit.symbol} {text}"


def shipping_text(listing: Listing) -> str:
    site = SITES.get(listing.site_id)
    language = "pt" if site is not None and site.language.startswith("pt") else "es"
    free, paid, pick_up = _SHIPPING[language]
    if listing.shipping.free_shipping:
        return free
    if listing.shipping.mode == "not_specified" and listing.shipping.local_pick_up:
        return pick_up
    return paid


def listing_values(listing: Listing) -> dict[str, str | None]:
    return {
        "item_id": listing.item_id,
        "item_title": listing.title,
        "price": format_price(listing.price, listing.site_id),
        "stock": str(listing.available_quantity),
        "shipping": shipping_text(listing),
        "item_link": listing.permalink,
    }


async def template_values(
    uow: UnitOfWork, account: Account, item_id: str | None = None
) -> dict[str, str | None]:
    """What the variables of a template say for the account and, when given, one of its
    listings (as stored: a listing not stored yet gives no title, price, stock...)."""
    values: dict[str, str | None] = {"seller_nickname": account.nickname or None}
    if item_id is not None:
        values["item_id"] = item_id
        listing = await uow.listings.find(item_id)
        if listing is not None and listing.account_id == account.id:
            values.update(listing_values(listing))
    return values
