"""Orders, payments, shipments and packs become typed: meli_orders loses its JSON lists of
items and payments to meli_order_items and meli_payments and gains the raw JSON, search
texts, feedback and cancel detail; meli_shipments gains costs, the buffering date, tags
and the raw JSON; meli_packs is new. The snapshots of orders, shipments and payments in
meli_resources move into these tables (a snapshot that cannot be read as one stays where
it is; the next reconciliation reads it again).

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-03 00:00:00
"""

from __future__ import annotations

import json
import unicodedata
from collections.abc import Sequence
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0010"
down_revision: str | Sequence[str] | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
WHEN = sa.DateTime(timezone=True)
AMOUNT = sa.Numeric(20, 2).with_variant(sa.String(22), "sqlite")
ORDER_STATUSES = {
    "confirmed",
    "payment_required",
    "payment_in_process",
    "partially_paid",
    "paid",
    "partially_refunded",
    "pending_cancel",
    "cancelled",
    "invalid",
}
SHIPMENT_STATUSES = {
    "to_be_agreed",
    "pending",
    "handling",
    "ready_to_ship",
    "shipped",
    "delivered",
    "not_delivered",
    "cancelled",
    "not_verified",
    "closed",
    "error",
    "active",
    "not_specified",
    "stale_ready_to_ship",
    "stale_shipped",
}
MODES = {"me1", "me2", "custom", "not_specified"}
PLACES = {"CLP": 0, "COP": 0, "PYG": 0, "UYU": 2, "VES": 2}
MAX_ID = 2**63 - 1


def _when(value: Any, sqlite: bool) -> datetime | None:
    if not isinstance(value, str) or not value.strip():
        return None
    try:
        moment = datetime.fromisoformat(value.strip())
    except ValueError:
        return None
    moment = (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).astimezone(UTC)
    # SQLite keeps naive UTC text, as the adapter's UtcDateTime stores it.
    return moment.replace(tzinfo=None) if sqlite else moment


def _int(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value.strip())
    return value if isinstance(value, int) and 0 < value <= MAX_ID else None


def _text(value: Any, limit: int) -> str | None:
    if isinstance(value, int | float) and not isinstance(value, bool):
        value = str(value)
    if not isinstance(value, str):
        return None
    value = value.replace("\x00", "").strip()
    return value[:limit] or None


def _amount(value: Any, currency_id: str | None, sqlite: bool) -> Any:
    if currency_id is None or isinstance(value, bool):
        return None
    if not isinstance(value, int | float | str):
        return None
    try:
        amount = Decimal(str(value)).quantize(Decimal(1).scaleb(-PLACES.get(currency_id, 2)))
    except InvalidOperation:
        return None
    if not amount.is_finite() or abs(amount) >= Decimal(10) ** 18:
        return None
    return format(amount, "f") if sqlite else amount


def _normalised(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


def _dict(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _payment_row(p: Any, order_id: int, line: int, currency: str | None, sqlite: bool) -> Any:
    data = _dict(p)
    currency = _text(data.get("currency_id"), 3) or currency
    payment_id = _int(data.get("id"))
    amount = _amount(data.get("transaction_amount"), currency, sqlite)
    if amount is None:
        amount = _amount(data.get("total_paid_amount"), currency, sqlite)
    if payment_id is None or amount is None:
        return None
    installments = data.get("installments")
    return {
        "id": payment_id,
        "order_id": order_id,
        "line": line,
        "status": _text(data.get("status"), 32) or "unknown",
        "status_detail": _text(data.get("status_detail"), 64),
        "amount": amount,
        "currency_id": currency,
        "payment_method_id": _text(data.get("payment_method_id"), 64),
        "payment_type": _text(data.get("payment_type"), 64),
        "installments": installments if isinstance(installments, int) else None,
        "payer_id": _int(data.get("payer_id")),
        "total_paid_amount": _amount(data.get("total_paid_amount"), currency, sqlite),
        "shipping_cost": _amount(data.get("shipping_cost"), currency, sqlite),
        "marketplace_fee": _amount(data.get("marketplace_fee"), currency, sqlite),
        "refunded_amount": _amount(data.get("transaction_amount_refunded"), currency, sqlite),
        "date_approved": _when(data.get("date_approved"), sqlite),
        "date_created": _when(data.get("date_created"), sqlite),
        "last_modified": _when(data.get("date_last_modified"), sqlite),
    }


def _order_rows(body: Any, account_id: int, sqlite: bool) -> Any:
    """A snapshot of /orders/{id} (§5.1, either shape) as (order, items, payments) rows,
    or None when it lacks what the rows need."""
    data = _dict(body)
    order_id = _int(data.get("id"))
    seller_id = _int(_dict(data.get("seller")).get("id"))
    buyer = _dict(data.get("buyer"))
    buyer_id = _int(buyer.get("id"))
    created = _when(data.get("date_created"), sqlite)
    status = data.get("status")
    lines = _list(data.get("order_items"))
    currency = _text(data.get("currency_id"), 3)
    if currency is None and lines:
        currency = _text(_dict(lines[0]).get("currency_id"), 3)
    total = _amount(data.get("total_amount"), currency, sqlite)
    if None in (order_id, seller_id, buyer_id, created, total) or status not in ORDER_STATUSES:
        return None
    items = []
    for line, entry in enumerate(lines):
        entry = _dict(entry)
        item = _dict(entry.get("item"))
        quantity = entry.get("quantity")
        price = _amount(entry.get("unit_price"), currency, sqlite)
        item_id = _text(item.get("id"), 32)
        if item_id is None or price is None or not isinstance(quantity, int) or quantity <= 0:
            return None
        items.append(
            {
                "order_id": order_id,
                "line": line,
                "item_id": item_id,
                "variation_id": _int(item.get("variation_id")),
                "title": _text(item.get("title"), 2000) or "",
                "quantity": quantity,
                "unit_price": price,
                "currency_id": currency,
                "full_unit_price": _amount(entry.get("full_unit_price"), currency, sqlite),
                "sale_fee": _amount(entry.get("sale_fee"), currency, sqlite),
                "seller_sku": _text(item.get("seller_sku"), 255),
                "category_id": _text(item.get("category_id"), 32),
            }
        )
    if not items:
        return None
    payments = [
        row
        for line, p in enumerate(_list(data.get("payments")))
        if (row := _payment_row(p, order_id, line, currency, sqlite)) is not None  # type: ignore[arg-type]
    ]
    detail = data.get("status_detail")
    if isinstance(detail, dict):
        detail = detail.get("description") or detail.get("code")
    tags = [t for t in (_text(t, 64) for t in _list(data.get("tags"))) if t]
    feedback = _dict(data.get("feedback"))
    nickname = _text(buyer.get("nickname"), 255)
    search = [str(order_id), nickname or ""] + [
        part for row in items for part in (row["item_id"], row["title"])
    ]

    def rating(value: Any) -> str | None:
        return _text(value.get("rating"), 32) if isinstance(value, dict) else _text(value, 32)

    cancel = data.get("cancel_detail")
    order = {
        "id": order_id,
        "account_id": account_id,
        "seller_id": seller_id,
        "status": status,
        "status_detail": _text(detail, 2000),
        "total_amount": total,
        "currency_id": currency,
        "paid_amount": _amount(data.get("paid_amount"), currency, sqlite),
        "paid_currency_id": currency if data.get("paid_amount") is not None else None,
        "shipping_cost": _amount(data.get("shipping_cost"), currency, sqlite),
        "buyer_id": buyer_id,
        "buyer": {
            k: v
            for k, v in {
                "id": buyer_id,
                "nickname": nickname,
                "first_name": _text(buyer.get("first_name"), 255),
                "last_name": _text(buyer.get("last_name"), 255),
            }.items()
            if v is not None
        },
        "shipping_id": _int(_dict(data.get("shipping")).get("id")),
        "pack_id": _int(data.get("pack_id")),
        "tags": tags,
        "tags_search": f" {' '.join(tags)} " if tags else "",
        "text_search": _normalised(" ".join(p for p in search if p)),
        "notes": [],
        "feedback_sale": rating(feedback.get("sale", feedback.get("seller"))),
        "feedback_purchase": rating(feedback.get("purchase", feedback.get("buyer"))),
        "cancel_detail": cancel if isinstance(cancel, dict) and cancel else None,
        "buying_mode": _text(data.get("buying_mode"), 32),
        "date_created": created,
        "date_closed": _when(data.get("date_closed"), sqlite),
        "last_updated": _when(data.get("last_updated") or data.get("date_last_updated"), sqlite),
        "raw": data,
    }
    return order, items, payments


def _shipment_row(body: Any, account_id: int, sqlite: bool) -> Any:
    """A snapshot of /shipments/{id} (§6.1, either shape) as a row, or None."""
    data = _dict(body)
    shipment_id = _int(data.get("id"))
    logistic = _dict(data.get("logistic"))
    mode = logistic.get("mode") or data.get("mode") or "not_specified"
    if shipment_id is None or data.get("status") not in SHIPMENT_STATUSES or mode not in MODES:
        return None
    option = _dict(data.get("lead_time")) or _dict(data.get("shipping_option"))
    currency = _text(option.get("currency_id"), 3)
    address = _dict(_dict(data.get("destination")).get("shipping_address")) or _dict(
        data.get("receiver_address")
    )
    order_id = _int(data.get("order_id"))
    cost = _amount(option.get("cost"), currency, sqlite)
    return {
        "id": shipment_id,
        "account_id": account_id,
        "status": data["status"],
        "substatus": _text(data.get("substatus"), 64),
        "mode": mode,
        "logistic_type": _text(logistic.get("type") or data.get("logistic_type"), 64),
        "tracking_number": _text(data.get("tracking_number"), 255),
        "tracking_method": _text(data.get("tracking_method"), 255),
        "order_ids": [order_id] if order_id else [],
        "cost_amount": cost,
        "cost_currency_id": currency if cost is not None else None,
        "list_cost": _amount(option.get("list_cost"), currency, sqlite),
        "cost_type": _text(option.get("cost_type"), 32),
        "shipping_method": _text(_dict(option.get("shipping_method")).get("name"), 255)
        or _text(option.get("name"), 255),
        "buffering_date": _when(_dict(option.get("buffering")).get("date"), sqlite),
        "pack_id": None,
        "tags": [t for t in (_text(t, 64) for t in _list(data.get("tags"))) if t],
        "receiver_zip_code": _text(address.get("zip_code"), 32),
        "date_created": _when(data.get("date_created"), sqlite),
        "last_updated": _when(data.get("last_updated"), sqlite),
        "raw": data,
    }


def _table(name: str, columns: dict[str, Any]) -> sa.TableClause:
    return sa.table(name, *(sa.column(key, kind) for key, kind in columns.items()))


ORDER_COLUMNS = {
    **{
        k: None
        for k in (
            "id account_id seller_id status status_detail total_amount currency_id paid_amount "
            "paid_currency_id shipping_cost buyer_id shipping_id pack_id tags_search "
            "text_search feedback_sale feedback_purchase buying_mode"
        ).split()
    },
    **{k: JSON for k in ("buyer", "tags", "notes", "cancel_detail", "raw")},
    **{k: WHEN for k in ("date_created", "date_closed", "last_updated")},
}
ITEM_COLUMNS = dict.fromkeys(
    "order_id line item_id variation_id title quantity unit_price currency_id full_unit_price "
    "sale_fee seller_sku category_id".split()
)
PAYMENT_COLUMNS = {
    **dict.fromkeys(
        "id order_id line status status_detail amount currency_id payment_method_id "
        "payment_type installments payer_id total_paid_amount shipping_cost marketplace_fee "
        "refunded_amount".split()
    ),
    **{k: WHEN for k in ("date_approved", "date_created", "last_modified")},
}
SHIPMENT_COLUMNS = {
    **dict.fromkeys(
        "id account_id status substatus mode logistic_type tracking_number tracking_method "
        "cost_amount cost_currency_id list_cost cost_type shipping_method pack_id "
        "receiver_zip_code".split()
    ),
    **{k: JSON for k in ("order_ids", "tags", "raw")},
    **{k: WHEN for k in ("buffering_date", "date_created", "last_updated")},
}


def _loaded(body: Any) -> Any:
    return json.loads(body) if isinstance(body, str) else body


def upgrade() -> None:
    bind = op.get_bind()
    sqlite = bind.dialect.name == "sqlite"
    # The lines and payments kept as JSON lists move to their tables.
    old = bind.execute(
        sa.text("SELECT id, currency_id, items, payments FROM meli_orders")
    ).fetchall()
    items, paid = [], []
    for order_id, currency, given_items, given_payments in old:
        for line, entry in enumerate(_list(_loaded(given_items))):
            price = _dict(entry.get("unit_price"))
            items.append(
                {
                    "order_id": order_id,
                    "line": line,
                    "item_id": entry["item_id"],
                    "variation_id": entry.get("variation_id"),
                    "title": entry.get("title") or "",
                    "quantity": entry["quantity"],
                    "unit_price": _amount(price.get("amount"), currency, sqlite),
                    "currency_id": price.get("currency_id") or currency,
                    "full_unit_price": None,
                    "sale_fee": None,
                    "seller_sku": entry.get("seller_sku"),
                    "category_id": None,
                }
            )
        for line, entry in enumerate(_list(_loaded(given_payments))):
            amount = _dict(entry.get("amount"))
            paid.append(
                _payment_row(
                    {
                        **entry,
                        "transaction_amount": amount.get("amount"),
                        "currency_id": amount.get("currency_id"),
                    },
                    order_id,
                    line,
                    currency,
                    sqlite,
                )
            )
    with op.batch_alter_table("meli_orders") as batch:
        batch.drop_index("ix_meli_orders_account_id")
        batch.drop_column("items")
        batch.drop_column("payments")
        batch.add_column(sa.Column("shipping_cost", AMOUNT))
        for name in ("tags_search", "text_search"):
            batch.add_column(
                sa.Column(name, sa.Text(), server_default=sa.text("''"), nullable=False)
            )
        batch.add_column(sa.Column("feedback_sale", sa.String(32)))
        batch.add_column(sa.Column("feedback_purchase", sa.String(32)))
        batch.add_column(sa.Column("cancel_detail", JSON))
        batch.add_column(sa.Column("buying_mode", sa.String(32)))
        batch.add_column(sa.Column("raw", JSON, server_default=sa.text("'{}'"), nullable=False))
        batch.create_index(
            "ix_meli_orders_account_id_date_created", ["account_id", "date_created"]
        )
    with op.batch_alter_table("meli_shipments") as batch:
        batch.add_column(sa.Column("list_cost", AMOUNT))
        batch.add_column(sa.Column("cost_type", sa.String(32)))
        batch.add_column(sa.Column("shipping_method", sa.String(255)))
        batch.add_column(sa.Column("buffering_date", WHEN))
        batch.add_column(sa.Column("pack_id", sa.BigInteger()))
        batch.add_column(sa.Column("tags", JSON, server_default=sa.text("'[]'"), nullable=False))
        batch.add_column(sa.Column("raw", JSON, server_default=sa.text("'{}'"), nullable=False))

    op.create_table(
        "meli_order_items",
        sa.Column(
            "order_id",
            sa.BigInteger(),
            sa.ForeignKey(
                "meli_orders.id",
                name="fk_meli_order_items_order_id_meli_orders",
                ondelete="CASCADE",
            ),
            autoincrement=False,
            nullable=False,
        ),
        sa.Column("line", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("item_id", sa.String(32), nullable=False),
        sa.Column("variation_id", sa.BigInteger()),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("quantity", sa.Integer(), nullable=False),
        sa.Column("unit_price", AMOUNT, nullable=False),
        sa.Column("currency_id", sa.String(3), nullable=False),
        sa.Column("full_unit_price", AMOUNT),
        sa.Column("sale_fee", AMOUNT),
        sa.Column("seller_sku", sa.String(255)),
        sa.Column("category_id", sa.String(32)),
        sa.PrimaryKeyConstraint("order_id", "line", name="pk_meli_order_items"),
    )
    op.create_index("ix_meli_order_items_item_id", "meli_order_items", ["item_id"])
    op.create_table(
        "meli_payments",
        sa.Column("id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column(
            "order_id",
            sa.BigInteger(),
            sa.ForeignKey(
                "meli_orders.id", name="fk_meli_payments_order_id_meli_orders", ondelete="CASCADE"
            ),
        ),
        sa.Column("line", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column("status", sa.String(32), nullable=False),
        sa.Column("status_detail", sa.String(64)),
        sa.Column("amount", AMOUNT, nullable=False),
        sa.Column("currency_id", sa.String(3), nullable=False),
        sa.Column("payment_method_id", sa.String(64)),
        sa.Column("payment_type", sa.String(64)),
        sa.Column("installments", sa.Integer()),
        sa.Column("payer_id", sa.BigInteger()),
        sa.Column("total_paid_amount", AMOUNT),
        sa.Column("shipping_cost", AMOUNT),
        sa.Column("marketplace_fee", AMOUNT),
        sa.Column("refunded_amount", AMOUNT),
        sa.Column("date_approved", WHEN),
        sa.Column("date_created", WHEN),
        sa.Column("last_modified", WHEN),
        sa.PrimaryKeyConstraint("id", name="pk_meli_payments"),
    )
    op.create_index("ix_meli_payments_order_id", "meli_payments", ["order_id"])
    op.create_table(
        "meli_packs",
        sa.Column("id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column(
            "account_id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            sa.ForeignKey("meli_accounts.id", name="fk_meli_packs_account_id_meli_accounts"),
            nullable=False,
        ),
        sa.Column("status", sa.String(32), nullable=False),
        sa.Column("status_detail", sa.Text()),
        sa.Column("shipment_id", sa.BigInteger()),
        sa.Column("buyer_id", sa.BigInteger()),
        sa.Column("order_ids", JSON, nullable=False),
        sa.Column("date_created", WHEN),
        sa.Column("last_updated", WHEN),
        sa.Column("raw", JSON, server_default=sa.text("'{}'"), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_meli_packs"),
    )
    op.create_index("ix_meli_packs_account_id", "meli_packs", ["account_id"])

    # The snapshots of orders, shipments and payments become typed rows.
    snapshots = bind.execute(
        sa.text(
            "SELECT path, topic, account_id, body FROM meli_resources "
            "WHERE topic IN ('orders_v2', 'orders', 'shipments', 'payments')"
        )
    ).fetchall()
    known_orders = {r[0] for r in bind.execute(sa.text("SELECT id FROM meli_orders"))}
    known_shipments = {r[0] for r in bind.execute(sa.text("SELECT id FROM meli_shipments"))}
    orders, shipments, moved, loose_payments = {}, {}, [], []
    for path, topic, account_id, body in snapshots:
        data = _loaded(body)
        if topic in ("orders_v2", "orders"):
            rows = _order_rows(data, account_id, sqlite)
            if rows is not None and rows[0]["id"] not in known_orders:
                orders[rows[0]["id"]] = rows
                moved.append(path)
        elif topic == "shipments":
            row = _shipment_row(data, account_id, sqlite)
            if row is not None and row["id"] not in known_shipments:
                shipments[row["id"]] = row
                moved.append(path)
        else:
            loose_payments.append((path, _dict(data)))
    for order, order_items, order_payments in orders.values():
        items += order_items
        paid += order_payments
    if orders:
        op.bulk_insert(_table("meli_orders", ORDER_COLUMNS), [o for o, _, _ in orders.values()])
    stored_orders = known_orders | set(orders)
    payment_ids = {p["id"] for p in paid if p is not None}
    for path, data in loose_payments:
        order_id = _int(data.get("order_id"))
        row = None if order_id is None else _payment_row(data, order_id, 99, None, sqlite)
        if row is not None and order_id in stored_orders and row["id"] not in payment_ids:
            paid.append(row)
            payment_ids.add(row["id"])
            moved.append(path)
    if items:
        op.bulk_insert(_table("meli_order_items", ITEM_COLUMNS), items)
    unique_paid = list({p["id"]: p for p in paid if p is not None}.values())
    if unique_paid:
        op.bulk_insert(_table("meli_payments", PAYMENT_COLUMNS), unique_paid)
    if shipments:
        op.bulk_insert(_table("meli_shipments", SHIPMENT_COLUMNS), list(shipments.values()))
    resources = sa.table("meli_resources", sa.column("path"))
    for start in range(0, len(moved), 500):
        op.execute(resources.delete().where(resources.c.path.in_(moved[start : start + 500])))


def downgrade() -> None:
    with op.batch_alter_table("meli_shipments") as batch:
        for name in (
            "raw",
            "tags",
            "pack_id",
            "buffering_date",
            "shipping_method",
            "cost_type",
            "list_cost",
        ):
            batch.drop_column(name)
    with op.batch_alter_table("meli_orders") as batch:
        batch.drop_index("ix_meli_orders_account_id_date_created")
        for name in (
            "raw",
            "buying_mode",
            "cancel_detail",
            "feedback_purchase",
            "feedback_sale",
            "text_search",
            "tags_search",
            "shipping_cost",
        ):
            batch.drop_column(name)
        batch.add_column(sa.Column("items", JSON, server_default=sa.text("'[]'"), nullable=False))
        batch.add_column(
            sa.Column("payments", JSON, server_default=sa.text("'[]'"), nullable=False)
        )
        batch.create_index("ix_meli_orders_account_id", ["account_id"])
    op.drop_table("meli_packs")
    op.drop_table("meli_payments")
    op.drop_table("meli_order_items")
