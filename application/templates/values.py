"""The values template variables take for a question or a sale: from the stored listing,
order and shipment and the account (a question's buyer nickname is the caller's to add)."""

from __future__ import annotations

from decimal import Decimal

from application.ports.unit_of_work import UnitOfWork
from domain.accounts import Account
from domain.listings import Listing
from domain.money import Money, currency
from domain.orders import Order
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


async def order_values(uow: UnitOfWork, account: Account, order: Order) -> dict[str, str | None]:
    """What a message template's variables say for a sale (§5.1, §6.1): the buyer, the
    order, its items and total, and its shipment as stored (no tracking yet: None, and
    a template that needs it is refused, strictly)."""
    values = await template_values(uow, account, order.items[0].item_id if order.items else None)
    shipment = None if order.shipping_id is None else await uow.shipments.find(order.shipping_id)
    if shipment is not None and shipment.account_id != order.account_id:
        shipment = None
    tracking_url = None if shipment is None else shipment.raw.get("tracking_url")
    values.update(
        {
            "buyer_nickname": order.buyer.nickname,
            "buyer_first_name": order.buyer.first_name,
            "order_id": str(order.id),
            "items": ", ".join(
                f"{line.quantity} x {line.title}" if line.quantity > 1 else line.title
                for line in order.items
            ),
            "total": format_price(order.total_amount, account.site_id),
            "tracking_number": None if shipment is None else shipment.tracking_number,
            "tracking_url": tracking_url if isinstance(tracking_url, str) else None,
            "shipment_status": None if shipment is None else shipment.status.value,
        }
    )
    return values
