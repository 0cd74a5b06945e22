"""Aggregates with every field set, for the contract suites. Each builder takes keyword
overrides; values are chosen to catch lossy storage (ids past 32 bits, accents, offsets
other than UTC, microseconds, amounts at each currency's precision)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import attrs

from domain.accounts import Account, AccountStatus, SealedTokens
from domain.answer_rules import ActiveHours, AnswerRule
from domain.inventory import StockChange, StockLevel
from domain.listings import (
    Attribute,
    Condition,
    Listing,
    ListingStatus,
    Picture,
    Shipping,
    Variation,
)
from domain.messages import Message
from domain.money import Money
from domain.notifications import InboxEntry, InboxStatus, Notification
from domain.orders import Buyer, Order, OrderItem, OrderNote, OrderStatus, Payment
from domain.questions import Answer, Question, QuestionStatus
from domain.shipments import Shipment, ShipmentStatus, ShippingMode
from domain.sync import SyncKind, SyncLog, SyncTrigger
from domain.templates import Template

NOW = datetime(2024, 5, 17, 12, 30, 15, 123456, tzinfo=UTC)
BUENOS_AIRES = timezone(timedelta(hours=-3))
BIG = 2**40  # ids MercadoLibre hands out no longer fit in 32 bits
SELLER_ID = 1_234_567_890_123


def minutes(n: float) -> timedelta:
    return timedelta(minutes=n)


def an_account(**changes: Any) -> Account:
    account = Account(
        seller_id=SELLER_ID,
        site_id="MLA",
        nickname="TIENDA_ÑANDÚ",
        status=AccountStatus.ACTIVE,
        status_reason=None,
        last_refreshed_at=NOW - minutes(5),
        connected_at=NOW - timedelta(days=30),
        updated_at=NOW,
    )
    return attrs.evolve(account, **changes)


def sealed_tokens(**changes: Any) -> SealedTokens:
    tokens = SealedTokens(
        access_token="sealed:access:v1",
        refresh_token="sealed:refresh:v1",
        expires_at=NOW + timedelta(hours=6),
        scope="offline_access read write",
    )
    return attrs.evolve(tokens, **changes)


async def given_account(uow_factory: Any, **changes: Any) -> Account:
    async with uow_factory() as uow:
        account = await uow.accounts.add(an_account(**changes))
        await uow.commit()
    return account


def a_listing(item_id: str = "MLA1000000001", account_id: int = 1, **changes: Any) -> Listing:
    fields: dict[str, Any] = dict(
        item_id=item_id,
        account_id=account_id,
        seller_id=SELLER_ID,
        title="Zapatillas Running Ñandú Azul 42",
        category_id="MLA109027",
        price=Money.of("15999.99", "ARS"),
        available_quantity=7,
        status=ListingStatus.ACTIVE,
        sold_quantity=3,
        sub_status=("good_quality_thumbnail",),
        condition=Condition.NEW,
        listing_type_id="gold_pro",
        buying_mode="buy_it_now",
        permalink=f"https://articulo.mercadolibre.com.ar/MLA-{item_id[3:]}",
        thumbnail="http://http2.mlstatic.com/D_123-I.jpg",
        pictures=(
            Picture(id="123-MLA456_789", url="https://http2.mlstatic.com/D_123-O.jpg"),
            Picture(source="https://example.com/zapatilla.jpg"),
        ),
        variations=(
            Variation(
                id=BIG + 1,
                attribute_combinations=(
                    Attribute("COLOR", value_name="Azul", value_id="52028", name="Color"),
                    Attribute("SIZE", value_name="42"),
                ),
                price=Money.of("15999.99", "ARS"),
                available_quantity=4,
                sold_quantity=1,
                picture_ids=("123-MLA456_789",),
                seller_sku="ZAP-AZ-42",
            ),
            Variation(
                id=BIG + 2,
                attribute_combinations=(
                    Attribute("COLOR", value_name="Rojo", value_id="51993", name="Color"),
                    Attribute("SIZE", value_name="42"),
                ),
                price=Money.of("14999.50", "ARS"),
                available_quantity=3,
            ),
        ),
        attributes=(
            Attribute("BRAND", value_name="Ñandú", value_id="9344", name="Marca"),
            Attribute("MODEL", value_name="Run 2"),
        ),
        shipping=Shipping(
            mode="me2", free_shipping=True, local_pick_up=False, logistic_type="drop_off"
        ),
        description="Zapatillas livianas.\nTalle 42 — envío gratis.",
        video_id="YTdQw4w9WgXcQ",
        seller_sku="ZAP-001",
        health=0.85,
        tags=("good_quality_picture", "immediate_payment"),
        date_created=datetime(2023, 1, 2, 3, 4, 5, 6, tzinfo=BUENOS_AIRES),
        last_updated=NOW,
        removed_at=None,
        relisted_from="MLA1136716168",
    )
    return Listing(**{**fields, **changes})


def a_plain_listing(item_id: str, account_id: int, **changes: Any) -> Listing:
    """A listing without variations, for tests about many listings."""
    return a_listing(item_id, account_id, **{"variations": (), **changes})


def a_listing_priced(price: Money, site_id: str, account_id: int) -> Listing:
    """A listing of `site_id` whose price and variation price are `price`."""
    variation = attrs.evolve(a_listing().variations[0], price=price)
    return a_listing(
        f"{site_id}1", account_id, category_id=f"{site_id}1", price=price, variations=(variation,)
    )


def a_stock_level(**changes: Any) -> StockLevel:
    level = StockLevel(
        item_id="MLA1000000001", variation_id=None, quantity=12, safety_stock=2, updated_at=NOW
    )
    return attrs.evolve(level, **changes)


def a_stock_change(**changes: Any) -> StockChange:
    change = StockChange(
        item_id="MLA1000000001",
        variation_id=None,
        quantity=10,
        previous_quantity=12,
        requested_at=NOW,
        source="api",
    )
    return attrs.evolve(change, **changes)


def an_order(order_id: int = 2_000_000_000_123, account_id: int = 1, **changes: Any) -> Order:
    price = Money.of("1999.90", "ARS")
    order = Order(
        id=order_id,
        account_id=account_id,
        seller_id=SELLER_ID,
        status=OrderStatus.PAID,
        status_detail=None,
        items=(
            OrderItem(
                item_id="MLA1000000001",
                title="Zapatillas Running Ñandú Azul 42",
                quantity=2,
                unit_price=price,
                variation_id=BIG + 1,
                seller_sku="ZAP-AZ-42",
            ),
            OrderItem(item_id="MLA1000000002", title="Medias", quantity=1, unit_price=price),
        ),
        total_amount=Money.of("5999.70", "ARS"),
        paid_amount=Money.of("6499.70", "ARS"),
        buyer=Buyer(id=BIG + 3, nickname="COMPRADOR_1", first_name="Ana", last_name="Pérez"),
        date_created=NOW - timedelta(hours=2),
        payments=(
            Payment(
                id=BIG + 4,
                status="approved",
                amount=Money.of("6499.70", "ARS"),
                status_detail="accredited",
                payment_method_id="visa",
                date_approved=datetime(2024, 5, 17, 7, 0, tzinfo=BUENOS_AIRES),
                order_id=order_id,
            ),
        ),
        shipping_id=BIG + 5,
        pack_id=BIG + 6,
        tags=("paid", "not_delivered"),
        notes=(OrderNote(text="Envolver para regalo", id="note-1", date_created=NOW),),
        date_closed=NOW - timedelta(hours=1),
        last_updated=NOW,
    )
    return attrs.evolve(order, **changes)


def a_shipment(shipment_id: int = BIG + 5, account_id: int = 1, **changes: Any) -> Shipment:
    shipment = Shipment(
        id=shipment_id,
        account_id=account_id,
        status=ShipmentStatus.READY_TO_SHIP,
        mode=ShippingMode.ME2,
        substatus="ready_to_print",
        logistic_type="drop_off",
        tracking_number="TRK123456789AR",
        tracking_method="Correo Argentino",
        order_ids=(2_000_000_000_123, 2_000_000_000_124),
        cost=Money.of("1234.56", "ARS"),
        receiver_zip_code="C1425",
        date_created=NOW - timedelta(hours=2),
        last_updated=NOW,
    )
    return attrs.evolve(shipment, **changes)


def a_question(question_id: int = BIG + 7, account_id: int = 1, **changes: Any) -> Question:
    question = Question(
        id=question_id,
        account_id=account_id,
        seller_id=SELLER_ID,
        item_id="MLA1000000001",
        text="¿Tienen talle 43?",
        status=QuestionStatus.ANSWERED,
        date_created=NOW - timedelta(hours=3),
        buyer_id=BIG + 3,
        answer=Answer(text="Sí, tenemos.", status="ACTIVE", date_created=NOW - timedelta(hours=2)),
        last_updated=NOW,
    )
    return attrs.evolve(question, **changes)


def a_message(message_id: str = "0a1b2c3d4e5f", account_id: int = 1, **changes: Any) -> Message:
    message = Message(
        id=message_id,
        account_id=account_id,
        pack_id=BIG + 6,
        from_user_id=SELLER_ID,
        to_user_id=BIG + 3,
        text="¡Gracias por tu compra!",
        date_created=NOW,
        attachments=("factura.pdf",),
        status="available",
        moderation_status="clean",
        date_read=NOW + minutes(1),
        order_id=2_000_000_000_123,
        moderation_reason=None,
        date_available=NOW,
        raw={"id": message_id},
    )
    return attrs.evolve(message, **changes)


def a_template(**changes: Any) -> Template:
    template = Template(
        name="Gracias", kind="message", text="Hola {buyer_nickname}, ¡gracias por tu compra!"
    )
    return attrs.evolve(template, **changes)


def a_rule(template_id: int, **changes: Any) -> AnswerRule:
    rule = AnswerRule(
        name="Envíos",
        template_id=template_id,
        keywords=("envío", "envios"),
        priority=5,
        account_ids=(1,),
        item_ids=("MLA1000000001",),
        category_ids=("MLA1055",),
        active_hours=ActiveHours(("mon", "fri"), "09:00", "18:30"),
        mode="dry_run",
        created_at=NOW,
    )
    return attrs.evolve(rule, **changes)


def a_notification(**changes: Any) -> Notification:
    notification = Notification(
        id="d3b1a0f2-0f0e-4c1e-9c1b-6f1e3a0c9b01",
        topic="orders_v2",
        resource="/orders/2000000000123",
        user_id=SELLER_ID,
        application_id=BIG + 8,
        attempts=2,
        sent=NOW - timedelta(seconds=2),
        received=NOW - timedelta(seconds=1),
        actions=("updated",),
    )
    return attrs.evolve(notification, **changes)


def an_inbox_entry(**changes: Any) -> InboxEntry:
    notification = changes.pop("notification", None) or a_notification()
    entry = InboxEntry(
        notification=notification,
        status=InboxStatus.RECEIVED,
        received_at=NOW,
        origin="live",
    )
    return attrs.evolve(entry, **changes)


def a_sync_log(**changes: Any) -> SyncLog:
    log = SyncLog(
        kind=SyncKind.PRODUCTS,
        trigger=SyncTrigger.SCHEDULE,
        started_at=NOW,
        account_id=None,
        counts={"fetched": 120, "upserted": 118},
        errors=["MLA1000000009: 404 not found"],
        api_calls=7,
    )
    return attrs.evolve(log, **changes)
