"""The JSON shapes of orders, payments, shipments and packs. Amounts are decimal strings
with their currency; timestamps keep the offset MercadoLibre gave them."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

import attrs

from application.orders.views import OrderDetail
from application.ports.order_gateway import ShippingQuote
from domain.money import Money
from domain.orders import Order, OrderItem, Payment
from domain.shipments import Shipment
from entrypoints.http.views import PageInfo


def _amount(money: Money | None) -> Decimal | None:
    return None if money is None else money.amount


@attrs.define(frozen=True)
class OrderItemView:
    item_id: str
    title: str
    quantity: int
    unit_price: Decimal
    currency_id: str
    variation_id: int | None
    seller_sku: str | None
    sale_fee: Decimal | None


@attrs.define(frozen=True)
class PaymentView:
    id: int
    status: str
    status_detail: str | None
    amount: Decimal
    currency_id: str
    payment_method_id: str | None
    payment_type: str | None
    installments: int | None
    shipping_cost: Decimal | None
    marketplace_fee: Decimal | None
    refunded_amount: Decimal | None
    date_approved: datetime | None


@attrs.define(frozen=True)
class BuyerView:
    id: int
    nickname: str | None
    first_name: str | None
    last_name: str | None


@attrs.define(frozen=True)
class NoteView:
    id: str | None
    text: str
    date_created: datetime | None


@attrs.define(frozen=True)
class NoteList:
    results: list[NoteView]


@attrs.define(frozen=True)
class CancelDetailView:
    code: str | None
    description: str | None
    requested_by: str | None
    date: datetime | None


@attrs.define(frozen=True)
class OrderView:
    id: int
    account_id: int
    seller_id: int
    status: str
    status_detail: str | None
    date_created: datetime
    date_closed: datetime | None
    last_updated: datetime | None
    total_amount: Decimal
    paid_amount: Decimal | None
    shipping_cost: Decimal | None
    currency_id: str
    buyer: BuyerView
    items: list[OrderItemView]
    payments: list[PaymentView]
    shipping_id: int | None
    pack_id: int | None
    tags: list[str]
    notes: list[NoteView]
    feedback_sale: str | None
    feedback_purchase: str | None
    cancel_detail: CancelDetailView | None


@attrs.define(frozen=True)
class OrderPage:
    results: list[OrderView]
    paging: PageInfo


@attrs.define(frozen=True)
class ShipmentView:
    """The shipment as last read (§6.1): what the buyer pays (`cost`), the list cost, and
    when a buffered label becomes printable (`buffering_date`)."""

    id: int
    status: str
    substatus: str | None
    mode: str
    logistic_type: str | None
    tracking_number: str | None
    tracking_method: str | None
    shipping_method: str | None
    cost: Decimal | None
    list_cost: Decimal | None
    cost_type: str | None
    currency_id: str | None
    buffering_date: datetime | None
    receiver_zip_code: str | None
    order_ids: list[int]
    label_available: bool
    label_refusal: str | None
    last_updated: datetime | None


@attrs.define(frozen=True)
class PackView:
    id: int
    status: str
    order_ids: list[int]
    shipment_id: int | None


@attrs.define(frozen=True)
class OrderDetailView:
    order: OrderView
    shipment: ShipmentView | None
    pack: PackView | None
    sibling_order_ids: list[int]


def _item(item: OrderItem) -> OrderItemView:
    return OrderItemView(
        item_id=item.item_id,
        title=item.title,
        quantity=item.quantity,
        unit_price=item.unit_price.amount,
        currency_id=item.unit_price.currency_id,
        variation_id=item.variation_id,
        seller_sku=item.seller_sku,
        sale_fee=_amount(item.sale_fee),
    )


def _payment(p: Payment) -> PaymentView:
    return PaymentView(
        id=p.id,
        status=p.status,
        status_detail=p.status_detail,
        amount=p.amount.amount,
        currency_id=p.amount.currency_id,
        payment_method_id=p.payment_method_id,
        payment_type=p.payment_type,
        installments=p.installments,
        shipping_cost=_amount(p.shipping_cost),
        marketplace_fee=_amount(p.marketplace_fee),
        refunded_amount=_amount(p.refunded_amount),
        date_approved=p.date_approved,
    )


def order_view(order: Order) -> OrderView:
    cancel = order.cancel_detail
    return OrderView(
        id=order.id,
        account_id=order.account_id,
        seller_id=order.seller_id,
        status=order.status.value,
        status_detail=order.status_detail,
        date_created=order.date_created,
        date_closed=order.date_closed,
        last_updated=order.last_updated,
        total_amount=order.total_amount.amount,
        paid_amount=_amount(order.paid_amount),
        shipping_cost=_amount(order.shipping_cost),
        currency_id=order.currency_id,
        buyer=BuyerView(
            order.buyer.id, order.buyer.nickname, order.buyer.first_name, order.buyer.last_name
        ),
        items=[_item(i) for i in order.items],
        payments=[_payment(p) for p in order.payments],
        shipping_id=order.shipping_id,
        pack_id=order.pack_id,
        tags=list(order.tags),
        notes=[NoteView(n.id, n.text, n.date_created) for n in order.notes],
        feedback_sale=order.feedback.sale,
        feedback_purchase=order.feedback.purchase,
        cancel_detail=None
        if cancel is None
        else CancelDetailView(cancel.code, cancel.description, cancel.requested_by, cancel.date),
    )


def shipment_view(shipment: Shipment) -> ShipmentView:
    cost = shipment.cost or shipment.list_cost
    return ShipmentView(
        id=shipment.id,
        status=shipment.status.value,
        substatus=shipment.substatus,
        mode=shipment.mode.value,
        logistic_type=shipment.logistic_type,
        tracking_number=shipment.tracking_number,
        tracking_method=shipment.tracking_method,
        shipping_method=shipment.shipping_method,
        cost=_amount(shipment.cost),
        list_cost=_amount(shipment.list_cost),
        cost_type=shipment.cost_type,
        currency_id=None if cost is None else cost.currency_id,
        buffering_date=shipment.buffering_date,
        receiver_zip_code=shipment.receiver_zip_code,
        order_ids=list(shipment.order_ids),
        label_available=shipment.label_available,
        label_refusal=shipment.label_refusal(),
        last_updated=shipment.last_updated,
    )


def order_detail_view(detail: OrderDetail) -> OrderDetailView:
    pack = detail.pack
    return OrderDetailView(
        order=order_view(detail.order),
        shipment=None if detail.shipment is None else shipment_view(detail.shipment),
        pack=None
        if pack is None
        else PackView(pack.id, pack.status, list(pack.order_ids), pack.shipment_id),
        sibling_order_ids=list(detail.sibling_ids),
    )


@attrs.define(frozen=True)
class OptionView:
    name: str
    cost: Decimal
    list_cost: Decimal | None
    currency_id: str
    id: int | None
    shipping_method_id: int | None
    estimated_delivery: datetime | None


@attrs.define(frozen=True)
class QuoteView:
    item_id: str
    zip_code: str
    options: list[OptionView]


@attrs.define(frozen=True)
class FreeCostView:
    """What free shipping of the listing costs the seller (§6.5)."""

    item_id: str
    cost: Decimal
    currency_id: str


def shipping_quote_view(item_id: str, quote: ShippingQuote) -> QuoteView:
    return QuoteView(
        item_id=item_id,
        zip_code=quote.zip_code,
        options=[
            OptionView(
                name=o.name,
                cost=o.cost.amount,
                list_cost=_amount(o.list_cost),
                currency_id=o.cost.currency_id,
                id=o.id,
                shipping_method_id=o.shipping_method_id,
                estimated_delivery=o.estimated_delivery,
            )
            for o in quote.options
        ],
    )
