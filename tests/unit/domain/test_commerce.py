"""Orders, questions, messages and templates keep MercadoLibre's limits (§5, §7, §8)."""

from datetime import UTC, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from domain.errors import InvalidTransition, InvalidValue
from domain.messages import check_seller_text
from domain.money import Money
from domain.orders import Buyer, Order, OrderItem, OrderNote, OrderStatus
from domain.questions import Question, QuestionStatus
from domain.shipments import Shipment, ShipmentStatus, ShippingMode
from domain.sync import SyncKind, SyncLog, SyncStatus, SyncTrigger
from domain.templates import MissingVariables, Template

NOW = datetime(2026, 11, 26, 12, tzinfo=UTC)


def order(**overrides) -> Order:
    values = dict(
        id=2000009713473608,
        account_id=1,
        seller_id=779432305,
        status=OrderStatus.PAID,
        items=(OrderItem("MLB3737188005", "Fone", 2, Money.of("62.96", "BRL")),),
        total_amount=Money.of("125.92", "BRL"),
        buyer=Buyer(6427433, "BUYER"),
        date_created=NOW,
    )
    values.update(overrides)
    return Order(**values)


def test_order_totals_and_conversation_id():
    """ref: mercadolibre-api.md §5.1 (pack id, or order id when pack is null, §8.1)."""
    paid = order()
    assert paid.items_total == Money.of("125.92", "BRL")
    assert paid.conversation_id == paid.id
    assert order(pack_id=2000006556183755).conversation_id == 2000006556183755


def test_orders_refuse_mixed_currencies_and_empty_items():
    with pytest.raises(InvalidValue):
        order(items=())
    with pytest.raises(InvalidValue):
        order(
            items=(
                OrderItem("MLB1", "a", 1, Money.of(1, "BRL")),
                OrderItem("MLA1", "b", 1, Money.of(1, "ARS")),
            )
        )


def test_order_notes_have_a_300_character_limit():
    """ref: mercadolibre-api.md §5.5."""
    assert OrderNote("x" * 300).text
    with pytest.raises(InvalidValue, match="300"):
        OrderNote("x" * 301)


def test_cancelled_orders_do_not_come_back():
    cancelled = order(status=OrderStatus.CANCELLED)
    with pytest.raises(InvalidTransition):
        cancelled.move_to(OrderStatus.PAID)


def question(**overrides) -> Question:
    values = dict(
        id=11436370259,
        account_id=1,
        seller_id=419059118,
        item_id="MLB1623490410",
        text="¿Tiene stock?",
        status=QuestionStatus.UNANSWERED,
        date_created=NOW,
    )
    values.update(overrides)
    return Question(**values)


def test_a_question_is_answered_once():
    """ref: mercadolibre-api.md §7 (one answer per question)."""
    asked = question()
    asked.answer_with("Sí, tenemos.", NOW)
    assert asked.status is QuestionStatus.ANSWERED and asked.answer.status == "ACTIVE"
    with pytest.raises(InvalidTransition):
        asked.answer_with("Otra vez", NOW)


@given(st.integers(1, 2500))
def test_answers_are_limited_to_2000_characters(length):
    """ref: mercadolibre-api.md §7 (max 2,000 characters)."""
    asked = question()
    if length <= 2000:
        asked.answer_with("a" * length, NOW)
    else:
        with pytest.raises(InvalidValue, match="2000"):
            asked.answer_with("a" * length, NOW)
        assert asked.status is QuestionStatus.UNANSWERED


def test_seller_messages_fit_350_characters():
    """ref: mercadolibre-api.md §8.2 (seller max 350)."""
    assert check_seller_text("a" * 350)
    with pytest.raises(InvalidValue, match="350"):
        check_seller_text("a" * 351)
    with pytest.raises(InvalidValue, match="empty"):
        check_seller_text("  ")


def test_message_templates_render_and_refuse_missing_values():
    template = Template("shipped", "message", "Hola {buyer_nickname}, tu pedido {order_id} salió.")
    assert template.variables == {"buyer_nickname", "order_id"}
    assert template.render({"buyer_nickname": "Ana", "order_id": "123"}) == (
        "Hola Ana, tu pedido 123 salió."
    )
    with pytest.raises(MissingVariables, match="order_id"):
        template.render({"buyer_nickname": "Ana"})


def test_rendered_message_templates_still_fit_the_seller_limit():
    """ref: mercadolibre-api.md §8.2 (seller max 350)."""
    template = Template("long", "message", "{item_title}")
    with pytest.raises(InvalidValue, match="350"):
        template.render({"item_title": "a" * 351})


def test_labels_only_for_me2_shipments_ready_to_print():
    """ref: mercadolibre-api.md §6.3."""
    ready = Shipment(
        1, 1, ShipmentStatus.READY_TO_SHIP, ShippingMode.ME2, "ready_to_print", "drop_off"
    )
    assert ready.label_available
    for not_ready in (
        Shipment(1, 1, ShipmentStatus.PENDING, ShippingMode.ME2, "buffered", "drop_off"),
        Shipment(1, 1, ShipmentStatus.READY_TO_SHIP, ShippingMode.ME1, "ready_to_print"),
        Shipment(
            1, 1, ShipmentStatus.READY_TO_SHIP, ShippingMode.ME2, "ready_to_print", "fulfillment"
        ),
    ):
        assert not not_ready.label_available
        with pytest.raises(InvalidValue, match=r"status (pending|ready_to_ship), substatus"):
            not_ready.require_label()


def test_sync_logs_finish_once_with_an_outcome():
    log = SyncLog(SyncKind.PRODUCTS, SyncTrigger.CLI, NOW, account_id=1)
    log.count("fetched", 10)
    log.record_error("MLA1: boom")
    log.finish(NOW)
    assert log.status is SyncStatus.PARTIAL and log.duration_seconds == 0
    with pytest.raises(InvalidTransition):
        log.finish(NOW)
    failed = SyncLog(SyncKind.ORDERS, SyncTrigger.SCHEDULE, NOW)
    failed.finish(NOW, failure="MercadoLibre unavailable")
    assert failed.status is SyncStatus.FAILED and failed.errors == ["MercadoLibre unavailable"]
