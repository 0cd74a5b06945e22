"""Explicit mappings between aggregates and table rows.

Rows are plain mappings of column name to value. Nested parts go to JSON with amounts as
exact decimal text and datetimes as ISO 8601 with their offset; money is rebuilt with
`Money.of`, so an amount always comes back at its currency's precision.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from decimal import Decimal
from typing import Any

from adapters.sql.tables import NO_VARIATION
from domain.accounts import Account, AccountStatus, AuthorizationRequest, SealedTokens
from domain.inventory import (
    BatchStatus,
    StockBatch,
    StockChange,
    StockLevel,
    StockOutcome,
    StockRequest,
    StockResult,
)
from domain.listings import (
    Attribute,
    Condition,
    Listing,
    ListingStatus,
    Picture,
    Shipping,
    Variation,
)
from domain.messages import Message, MessageTemplate
from domain.money import Money
from domain.notifications import InboxEntry, InboxStatus, Notification
from domain.orders import Buyer, Order, OrderItem, OrderNote, OrderStatus, Payment
from domain.questions import Answer, Question, QuestionStatus
from domain.shipments import Shipment, ShipmentStatus, ShippingMode
from domain.sync import SyncKind, SyncLog, SyncStatus, SyncTrigger

Row = Mapping[str, Any]
JsonObject = dict[str, Any]


def _money(amount: Decimal | None, currency_id: str | None) -> Money | None:
    if amount is None or currency_id is None:
        return None
    return Money.of(amount, currency_id)


def _money_json(money: Money) -> JsonObject:
    return {"amount": format(money.amount, "f"), "currency_id": money.currency_id}


def _money_from_json(data: JsonObject) -> Money:
    return Money.of(Decimal(data["amount"]), data["currency_id"])


def _when_json(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat()


def _when_from_json(value: str | None) -> datetime | None:
    return None if value is None else datetime.fromisoformat(value)


def _compact(data: JsonObject) -> JsonObject:
    """Leave out empty optional keys: listings are stored by the hundred thousand."""
    return {key: value for key, value in data.items() if value is not None}


# Accounts


def account_to_row(account: Account) -> JsonObject:
    """Columns of an account, without the token columns (store_tokens owns those)."""
    return {
        "seller_id": account.seller_id,
        "site_id": account.site_id,
        "nickname": account.nickname,
        "status": account.status.value,
        "status_reason": account.status_reason,
        "last_refreshed_at": account.last_refreshed_at,
        "connected_at": account.connected_at,
        "updated_at": account.updated_at,
    }


def account_to_domain(row: Row) -> Account:
    return Account(
        id=row["id"],
        seller_id=row["seller_id"],
        site_id=row["site_id"],
        nickname=row["nickname"],
        status=AccountStatus(row["status"]),
        status_reason=row["status_reason"],
        token_expires_at=row["token_expires_at"] if row["access_token_ciphertext"] else None,
        last_refreshed_at=row["last_refreshed_at"],
        connected_at=row["connected_at"],
        updated_at=row["updated_at"],
    )


def tokens_to_row(tokens: SealedTokens) -> JsonObject:
    return {
        "access_token_ciphertext": tokens.access_token,
        "refresh_token_ciphertext": tokens.refresh_token,
        "token_expires_at": tokens.expires_at,
        "token_scope": tokens.scope,
    }


def tokens_to_domain(row: Row) -> SealedTokens | None:
    if row["access_token_ciphertext"] is None:
        return None
    return SealedTokens(
        access_token=row["access_token_ciphertext"],
        refresh_token=row["refresh_token_ciphertext"],
        expires_at=row["token_expires_at"],
        scope=row["token_scope"] or "",
        version=row["token_version"],
    )


# Listings


def _attribute_json(attribute: Attribute) -> JsonObject:
    return _compact(
        {
            "id": attribute.id,
            "value_name": attribute.value_name,
            "value_id": attribute.value_id,
            "name": attribute.name,
        }
    )


def _attribute_from_json(data: JsonObject) -> Attribute:
    return Attribute(
        id=data["id"],
        value_name=data.get("value_name"),
        value_id=data.get("value_id"),
        name=data.get("name"),
    )


def _variation_json(variation: Variation) -> JsonObject:
    return _compact(
        {
            "id": variation.id,
            "attribute_combinations": [
                _attribute_json(a) for a in variation.attribute_combinations
            ],
            "price": _money_json(variation.price),
            "available_quantity": variation.available_quantity,
            "sold_quantity": variation.sold_quantity,
            "picture_ids": list(variation.picture_ids),
            "seller_sku": variation.seller_sku,
        }
    )


def _variation_from_json(data: JsonObject) -> Variation:
    return Variation(
        id=data.get("id"),
        attribute_combinations=tuple(
            _attribute_from_json(a) for a in data["attribute_combinations"]
        ),
        price=_money_from_json(data["price"]),
        available_quantity=data["available_quantity"],
        sold_quantity=data["sold_quantity"],
        picture_ids=tuple(data["picture_ids"]),
        seller_sku=data.get("seller_sku"),
    )


def title_search_key(title: str) -> str:
    """What the title search compares, on every store: the title in lower case."""
    return title.lower()


def item_number(item_id: str) -> int:
    """The digits after the site prefix; orders item ids numerically."""
    return int(item_id[3:])


def listing_to_row(listing: Listing) -> JsonObject:
    return {
        "item_id": listing.item_id,
        "account_id": listing.account_id,
        "seller_id": listing.seller_id,
        "site_id": listing.site_id,
        "item_number": item_number(listing.item_id),
        "title": listing.title,
        "title_search": title_search_key(listing.title),
        "category_id": listing.category_id,
        "price_amount": listing.price.amount,
        "currency_id": listing.price.currency_id,
        "available_quantity": listing.available_quantity,
        "sold_quantity": listing.sold_quantity,
        "status": listing.status.value,
        "sub_status": list(listing.sub_status),
        "condition": listing.condition.value,
        "listing_type_id": listing.listing_type_id,
        "buying_mode": listing.buying_mode,
        "permalink": listing.permalink,
        "thumbnail": listing.thumbnail,
        "pictures": [
            _compact({"id": p.id, "url": p.url, "source": p.source}) for p in listing.pictures
        ],
        "variations": [_variation_json(v) for v in listing.variations],
        "attributes": [_attribute_json(a) for a in listing.attributes],
        "shipping": {
            "mode": listing.shipping.mode,
            "free_shipping": listing.shipping.free_shipping,
            "local_pick_up": listing.shipping.local_pick_up,
            "logistic_type": listing.shipping.logistic_type,
        },
        "description": listing.description,
        "video_id": listing.video_id,
        "seller_sku": listing.seller_sku,
        "health": listing.health,
        "tags": list(listing.tags),
        "date_created": listing.date_created,
        "last_updated": listing.last_updated,
        "removed_at": listing.removed_at,
    }


def listing_to_domain(row: Row) -> Listing:
    shipping = row["shipping"]
    return Listing(
        item_id=row["item_id"],
        account_id=row["account_id"],
        seller_id=row["seller_id"],
        title=row["title"],
        category_id=row["category_id"],
        price=Money.of(row["price_amount"], row["currency_id"]),
        available_quantity=row["available_quantity"],
        status=ListingStatus(row["status"]),
        sold_quantity=row["sold_quantity"],
        sub_status=tuple(row["sub_status"]),
        condition=Condition(row["condition"]),
        listing_type_id=row["listing_type_id"],
        buying_mode=row["buying_mode"],
        permalink=row["permalink"],
        thumbnail=row["thumbnail"],
        pictures=tuple(
            Picture(id=p.get("id"), url=p.get("url"), source=p.get("source"))
            for p in row["pictures"]
        ),
        variations=tuple(_variation_from_json(v) for v in row["variations"]),
        attributes=tuple(_attribute_from_json(a) for a in row["attributes"]),
        shipping=Shipping(
            mode=shipping["mode"],
            free_shipping=shipping["free_shipping"],
            local_pick_up=shipping["local_pick_up"],
            logistic_type=shipping.get("logistic_type"),
        ),
        description=row["description"],
        video_id=row["video_id"],
        seller_sku=row["seller_sku"],
        health=row["health"],
        tags=tuple(row["tags"]),
        date_created=row["date_created"],
        last_updated=row["last_updated"],
        removed_at=row["removed_at"],
    )


# Inventory


def variation_key(variation_id: int | None) -> int:
    return NO_VARIATION if variation_id is None else variation_id


def stock_level_to_row(level: StockLevel) -> JsonObject:
    return {
        "item_id": level.item_id,
        "variation_id": variation_key(level.variation_id),
        "quantity": level.quantity,
        "safety_stock": level.safety_stock,
        "updated_at": level.updated_at,
    }


def stock_level_to_domain(row: Row) -> StockLevel:
    return StockLevel(
        item_id=row["item_id"],
        variation_id=None if row["variation_id"] == NO_VARIATION else row["variation_id"],
        quantity=row["quantity"],
        safety_stock=row["safety_stock"],
        updated_at=row["updated_at"],
    )


def stock_change_to_row(change: StockChange) -> JsonObject:
    return {
        "item_id": change.item_id,
        "variation_id": change.variation_id,
        "quantity": change.quantity,
        "previous_quantity": change.previous_quantity,
        "requested_at": change.requested_at,
        "source": change.source,
    }


def stock_change_to_domain(row: Row) -> StockChange:
    return StockChange(
        id=row["id"],
        item_id=row["item_id"],
        variation_id=row["variation_id"],
        quantity=row["quantity"],
        previous_quantity=row["previous_quantity"],
        requested_at=row["requested_at"],
        source=row["source"],
    )


# Orders


def _order_item_json(item: OrderItem) -> JsonObject:
    return _compact(
        {
            "item_id": item.item_id,
            "title": item.title,
            "quantity": item.quantity,
            "unit_price": _money_json(item.unit_price),
            "variation_id": item.variation_id,
            "seller_sku": item.seller_sku,
        }
    )


def _order_item_from_json(data: JsonObject) -> OrderItem:
    return OrderItem(
        item_id=data["item_id"],
        title=data["title"],
        quantity=data["quantity"],
        unit_price=_money_from_json(data["unit_price"]),
        variation_id=data.get("variation_id"),
        seller_sku=data.get("seller_sku"),
    )


def _payment_json(payment: Payment) -> JsonObject:
    return _compact(
        {
            "id": payment.id,
            "status": payment.status,
            "amount": _money_json(payment.amount),
            "status_detail": payment.status_detail,
            "payment_method_id": payment.payment_method_id,
            "date_approved": _when_json(payment.date_approved),
        }
    )


def _payment_from_json(data: JsonObject) -> Payment:
    return Payment(
        id=data["id"],
        status=data["status"],
        amount=_money_from_json(data["amount"]),
        status_detail=data.get("status_detail"),
        payment_method_id=data.get("payment_method_id"),
        date_approved=_when_from_json(data.get("date_approved")),
    )


def order_to_row(order: Order) -> JsonObject:
    return {
        "id": order.id,
        "account_id": order.account_id,
        "seller_id": order.seller_id,
        "status": order.status.value,
        "status_detail": order.status_detail,
        "items": [_order_item_json(i) for i in order.items],
        "total_amount": order.total_amount.amount,
        "currency_id": order.total_amount.currency_id,
        "paid_amount": None if order.paid_amount is None else order.paid_amount.amount,
        "paid_currency_id": None if order.paid_amount is None else order.paid_amount.currency_id,
        "buyer_id": order.buyer.id,
        "buyer": _compact(
            {
                "id": order.buyer.id,
                "nickname": order.buyer.nickname,
                "first_name": order.buyer.first_name,
                "last_name": order.buyer.last_name,
            }
        ),
        "payments": [_payment_json(p) for p in order.payments],
        "shipping_id": order.shipping_id,
        "pack_id": order.pack_id,
        "tags": list(order.tags),
        "notes": [
            _compact({"text": n.text, "id": n.id, "date_created": _when_json(n.date_created)})
            for n in order.notes
        ],
        "date_created": order.date_created,
        "date_closed": order.date_closed,
        "last_updated": order.last_updated,
    }


def order_to_domain(row: Row) -> Order:
    buyer = row["buyer"]
    return Order(
        id=row["id"],
        account_id=row["account_id"],
        seller_id=row["seller_id"],
        status=OrderStatus(row["status"]),
        status_detail=row["status_detail"],
        items=tuple(_order_item_from_json(i) for i in row["items"]),
        total_amount=Money.of(row["total_amount"], row["currency_id"]),
        paid_amount=_money(row["paid_amount"], row["paid_currency_id"]),
        buyer=Buyer(
            id=buyer["id"],
            nickname=buyer.get("nickname"),
            first_name=buyer.get("first_name"),
            last_name=buyer.get("last_name"),
        ),
        payments=tuple(_payment_from_json(p) for p in row["payments"]),
        shipping_id=row["shipping_id"],
        pack_id=row["pack_id"],
        tags=tuple(row["tags"]),
        notes=tuple(
            OrderNote(
                text=n["text"], id=n.get("id"), date_created=_when_from_json(n.get("date_created"))
            )
            for n in row["notes"]
        ),
        date_created=row["date_created"],
        date_closed=row["date_closed"],
        last_updated=row["last_updated"],
    )


# Shipments


def shipment_to_row(shipment: Shipment) -> JsonObject:
    return {
        "id": shipment.id,
        "account_id": shipment.account_id,
        "status": shipment.status.value,
        "substatus": shipment.substatus,
        "mode": shipment.mode.value,
        "logistic_type": shipment.logistic_type,
        "tracking_number": shipment.tracking_number,
        "tracking_method": shipment.tracking_method,
        "order_ids": list(shipment.order_ids),
        "cost_amount": None if shipment.cost is None else shipment.cost.amount,
        "cost_currency_id": None if shipment.cost is None else shipment.cost.currency_id,
        "receiver_zip_code": shipment.receiver_zip_code,
        "date_created": shipment.date_created,
        "last_updated": shipment.last_updated,
    }


def shipment_to_domain(row: Row) -> Shipment:
    return Shipment(
        id=row["id"],
        account_id=row["account_id"],
        status=ShipmentStatus(row["status"]),
        substatus=row["substatus"],
        mode=ShippingMode(row["mode"]),
        logistic_type=row["logistic_type"],
        tracking_number=row["tracking_number"],
        tracking_method=row["tracking_method"],
        order_ids=tuple(row["order_ids"]),
        cost=_money(row["cost_amount"], row["cost_currency_id"]),
        receiver_zip_code=row["receiver_zip_code"],
        date_created=row["date_created"],
        last_updated=row["last_updated"],
    )


# Questions


def question_to_row(question: Question) -> JsonObject:
    answer = question.answer
    return {
        "id": question.id,
        "account_id": question.account_id,
        "seller_id": question.seller_id,
        "item_id": question.item_id,
        "text": question.text,
        "status": question.status.value,
        "date_created": question.date_created,
        "buyer_id": question.buyer_id,
        "answer_text": None if answer is None else answer.text,
        "answer_status": None if answer is None else answer.status,
        "answer_date_created": None if answer is None else answer.date_created,
        "last_updated": question.last_updated,
    }


def question_to_domain(row: Row) -> Question:
    answer = None
    if row["answer_text"] is not None:
        answer = Answer(
            text=row["answer_text"],
            status=row["answer_status"],
            date_created=row["answer_date_created"],
        )
    return Question(
        id=row["id"],
        account_id=row["account_id"],
        seller_id=row["seller_id"],
        item_id=row["item_id"],
        text=row["text"],
        status=QuestionStatus(row["status"]),
        date_created=row["date_created"],
        buyer_id=row["buyer_id"],
        answer=answer,
        last_updated=row["last_updated"],
    )


# Messages and templates


def message_to_row(message: Message) -> JsonObject:
    return {
        "id": message.id,
        "account_id": message.account_id,
        "pack_id": message.pack_id,
        "from_user_id": message.from_user_id,
        "to_user_id": message.to_user_id,
        "text": message.text,
        "date_created": message.date_created,
        "attachments": list(message.attachments),
        "status": message.status,
        "moderation_status": message.moderation_status,
        "date_read": message.date_read,
        "order_id": message.order_id,
    }


def message_to_domain(row: Row) -> Message:
    return Message(
        id=row["id"],
        account_id=row["account_id"],
        pack_id=row["pack_id"],
        from_user_id=row["from_user_id"],
        to_user_id=row["to_user_id"],
        text=row["text"],
        date_created=row["date_created"],
        attachments=tuple(row["attachments"]),
        status=row["status"],
        moderation_status=row["moderation_status"],
        date_read=row["date_read"],
        order_id=row["order_id"],
    )


def template_to_row(template: MessageTemplate) -> JsonObject:
    return {"account_id": template.account_id, "name": template.name, "body": template.body}


def template_to_domain(row: Row) -> MessageTemplate:
    return MessageTemplate(
        id=row["id"], account_id=row["account_id"], name=row["name"], body=row["body"]
    )


# The notification inbox


def inbox_entry_to_row(entry: InboxEntry) -> JsonObject:
    notification = entry.notification
    return {
        "notification_id": notification.id,
        "topic": notification.topic,
        "resource": notification.resource,
        "user_id": notification.user_id,
        "application_id": notification.application_id,
        "attempts": notification.attempts,
        "sent": notification.sent,
        "received": notification.received,
        "actions": list(notification.actions),
        "status": entry.status.value,
        "received_at": entry.received_at,
        "processing_attempts": entry.attempts,
        "last_error": entry.last_error,
        "processed_at": entry.processed_at,
        "next_attempt_at": entry.next_attempt_at,
        "origin": entry.origin,
        "failures": entry.failures,
    }


def inbox_entry_to_domain(row: Row) -> InboxEntry:
    return InboxEntry(
        id=row["id"],
        notification=Notification(
            id=row["notification_id"],
            topic=row["topic"],
            resource=row["resource"],
            user_id=row["user_id"],
            application_id=row["application_id"],
            attempts=row["attempts"],
            sent=row["sent"],
            received=row["received"],
            actions=tuple(row["actions"]),
        ),
        status=InboxStatus(row["status"]),
        received_at=row["received_at"],
        attempts=row["processing_attempts"],
        last_error=row["last_error"],
        processed_at=row["processed_at"],
        next_attempt_at=row["next_attempt_at"],
        origin=row["origin"],
        failures=row["failures"],
    )


# Sync logs


def sync_log_to_row(log: SyncLog) -> JsonObject:
    return {
        "account_id": log.account_id,
        "kind": log.kind.value,
        "trigger": log.trigger.value,
        "status": log.status.value,
        "started_at": log.started_at,
        "finished_at": log.finished_at,
        "counts": dict(log.counts),
        "errors": list(log.errors),
        "api_calls": log.api_calls,
    }


def sync_log_to_domain(row: Row) -> SyncLog:
    return SyncLog(
        id=row["id"],
        account_id=row["account_id"],
        kind=SyncKind(row["kind"]),
        trigger=SyncTrigger(row["trigger"]),
        status=SyncStatus(row["status"]),
        started_at=row["started_at"],
        finished_at=row["finished_at"],
        counts=dict(row["counts"]),
        errors=list(row["errors"]),
        api_calls=row["api_calls"],
    )


def authorization_request_to_row(request: AuthorizationRequest) -> JsonObject:
    return {
        "state": request.state,
        "site_id": request.site_id,
        "code_verifier_ciphertext": request.sealed_code_verifier,
        "created_at": request.created_at,
        "expires_at": request.expires_at,
    }


def authorization_request_to_domain(row: Row) -> AuthorizationRequest:
    return AuthorizationRequest(
        state=row["state"],
        site_id=row["site_id"],
        sealed_code_verifier=row["code_verifier_ciphertext"],
        created_at=row["created_at"],
        expires_at=row["expires_at"],
    )


def _stock_request_json(request: StockRequest) -> JsonObject:
    return {
        "item_id": request.item_id,
        "quantity": request.quantity,
        "variation_id": request.variation_id,
        "safety_stock": request.safety_stock,
    }


def _stock_result_json(result: StockResult) -> JsonObject:
    return {
        "item_id": result.item_id,
        "variation_id": result.variation_id,
        "quantity": result.quantity,
        "outcome": result.outcome.value,
        "reason": result.reason,
        "published": result.published,
        "observed": result.observed,
    }


def stock_batch_to_row(batch: StockBatch) -> JsonObject:
    return {
        "status": batch.status.value,
        "source": batch.source,
        "requested_at": batch.requested_at,
        "finished_at": batch.finished_at,
        "requests": [_stock_request_json(r) for r in batch.requests],
        "results": [_stock_result_json(r) for r in batch.results],
        "error": batch.error,
    }


def stock_batch_to_domain(row: Row) -> StockBatch:
    return StockBatch(
        id=row["id"],
        status=BatchStatus(row["status"]),
        source=row["source"],
        requested_at=row["requested_at"],
        finished_at=row["finished_at"],
        requests=tuple(StockRequest(**r) for r in row["requests"]),
        results=tuple(
            StockResult(**{**r, "outcome": StockOutcome(r["outcome"])}) for r in row["results"]
        ),
        error=row["error"],
    )
