"""`meli orders` and `meli labels` on the embedded service (§5, §6.3)."""

from __future__ import annotations

import json
import sqlite3

from tests.e2e.test_operations_cli import meli


def _seed(database) -> None:
    raw = {"id": 2000000000001, "date_created": "2026-11-27T07:00:00.000-04:00"}
    with sqlite3.connect(database) as connection:
        connection.execute(
            "INSERT INTO meli_accounts (seller_id, site_id, nickname, status) "
            "VALUES (179571326, 'MLA', 'TIENDA', 'active')"
        )
        connection.executemany(
            "INSERT INTO meli_orders (id, account_id, seller_id, status, total_amount, "
            "currency_id, buyer_id, buyer, tags, notes, date_created, raw, text_search) "
            "VALUES (?, 1, 179571326, ?, ?, 'ARS', 9, ?, '[]', '[]', ?, ?, '')",
            [
                (
                    2000000000001,
                    "paid",
                    "1999.90",
                    json.dumps({"id": 9, "nickname": "COMPRADOR"}),
                    "2026-11-27 11:00:00.000000",
                    json.dumps(raw),
                ),
                (
                    2000000000002,
                    "cancelled",
                    "10.00",
                    json.dumps({"id": 9}),
                    "2026-11-27 12:00:00.000000",
                    "{}",
                ),
            ],
        )
        connection.executemany(
            "INSERT INTO meli_order_items (order_id, line, item_id, title, quantity, "
            "unit_price, currency_id) VALUES (?, 0, 'MLA1', 'Mate', 1, ?, 'ARS')",
            [(2000000000001, "1999.90"), (2000000000002, "10.00")],
        )


def test_orders_are_listed_newest_first_and_shown_with_their_items(tmp_path):
    assert meli(tmp_path, "orders", "list").returncode == 0  # creates the database
    _seed(tmp_path / "var" / "meli.db")

    listed = meli(tmp_path, "orders", "list")
    assert listed.returncode == 0, listed.stderr
    rows = [line.split()[0] for line in listed.stdout.splitlines()[1:3]]
    assert rows == ["2000000000002", "2000000000001"]
    assert "2 of 2 order(s)" in listed.stdout
    paid = meli(tmp_path, "orders", "list", "--status", "paid")
    assert "1 of 1 order(s)" in paid.stdout and "1999.90 ARS" in paid.stdout

    shown = meli(tmp_path, "orders", "show", "2000000000001")
    assert shown.returncode == 0, shown.stderr
    assert "created 2026-11-27T07:00:00-04:00" in shown.stdout, "the offset is kept"
    assert "item MLA1 x1 at 1999.90 ARS: Mate" in shown.stdout

    missing = meli(tmp_path, "orders", "show", "404")
    assert missing.returncode == 1 and "not found" in missing.stderr
    no_label = meli(tmp_path, "labels", "print", "2000000000001", "-o", "x.pdf")
    assert no_label.returncode == 1 and "no shipment" in no_label.stderr
    assert not (tmp_path / "x.pdf").exists()
    by_shipment = meli(tmp_path, "labels", "print", "--shipments", "40000000001", "-o", "y.pdf")
    assert by_shipment.returncode == 1 and "shipment" in by_shipment.stderr
    assert not (tmp_path / "y.pdf").exists()
