"""The Alembic migrations build exactly the schema the SQL adapter declares."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import sqlite3
import subprocess
import sys
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import make_url

from adapters.sql.engine import create_engine
from adapters.sql.migrate import alembic_config, current, upgrade
from adapters.sql.tables import ALL_TABLES, metadata, on_this_database

REPO_ROOT = Path(__file__).resolve().parents[2]
TABLE_NAMES = {table.name for table in ALL_TABLES}


def head_revision() -> str:
    return ScriptDirectory.from_config(alembic_config("sqlite://")).get_current_head()


async def schema_differences(url: str) -> list:
    engine = create_engine(url)
    try:
        async with engine.connect() as connection:
            return await connection.run_sync(
                lambda sync: compare_metadata(
                    MigrationContext.configure(
                        sync,
                        opts={
                            "compare_type": True,
                            "include_object": on_this_database(sync.dialect.name),
                        },
                    ),
                    metadata,
                )
            )
    finally:
        await engine.dispose()


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite+aiosqlite:///{tmp_path / 'nested' / 'meli.db'}"


@pytest.fixture
async def fresh_postgres_url(postgres_url: str) -> AsyncIterator[str]:
    """A database of its own, so the comparison sees nothing but the migration's work."""
    name = f"meli_migrations_{uuid.uuid4().hex[:12]}"
    admin = create_engine(postgres_url)
    try:
        async with admin.connect() as connection:
            autocommit = await connection.execution_options(isolation_level="AUTOCOMMIT")
            await autocommit.exec_driver_sql(f'CREATE DATABASE "{name}"')
        yield make_url(postgres_url).set(database=name).render_as_string(hide_password=False)
        async with admin.connect() as connection:
            autocommit = await connection.execution_options(isolation_level="AUTOCOMMIT")
            await autocommit.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await admin.dispose()


async def test_migrating_a_fresh_sqlite_file_builds_exactly_the_declared_schema(sqlite_url):
    assert await asyncio.to_thread(current, sqlite_url) is None

    await asyncio.to_thread(upgrade, sqlite_url)

    assert await schema_differences(sqlite_url) == []
    assert await asyncio.to_thread(current, sqlite_url) == head_revision()


@pytest.mark.postgres
async def test_migrating_a_fresh_postgres_database_builds_exactly_the_declared_schema(
    fresh_postgres_url,
):
    await asyncio.to_thread(upgrade, fresh_postgres_url)

    assert await schema_differences(fresh_postgres_url) == []
    assert await asyncio.to_thread(current, fresh_postgres_url) == head_revision()


async def test_upgrading_an_up_to_date_database_changes_nothing(sqlite_url):
    await asyncio.to_thread(upgrade, sqlite_url)
    await asyncio.to_thread(upgrade, sqlite_url)

    assert await schema_differences(sqlite_url) == []


async def test_downgrading_to_base_removes_every_table_and_upgrading_restores_them(sqlite_url):
    await asyncio.to_thread(upgrade, sqlite_url)
    await asyncio.to_thread(command.downgrade, alembic_config(sqlite_url), "base")

    database = make_url(sqlite_url).database
    with contextlib.closing(sqlite3.connect(database)) as connection:
        tables = {row[0] for row in connection.execute("SELECT name FROM sqlite_master")}
    assert not tables & TABLE_NAMES

    await asyncio.to_thread(upgrade, sqlite_url)
    assert await schema_differences(sqlite_url) == []


def test_the_alembic_command_line_migrates_the_database_named_in_the_environment(tmp_path):
    alembic = Path(sys.executable).parent / "alembic"
    database = tmp_path / "cli" / "meli.db"
    environment = {**os.environ, "MELI_DATABASE_URL": f"sqlite+aiosqlite:///{database}"}

    result = subprocess.run(
        [str(alembic), "upgrade", "head"],
        cwd=REPO_ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )

    assert result.returncode == 0, result.stderr
    with contextlib.closing(sqlite3.connect(database)) as connection:
        tables = {row[0] for row in connection.execute("SELECT name FROM sqlite_master")}
        (version,) = connection.execute("SELECT version_num FROM alembic_version").fetchone()
    assert TABLE_NAMES <= tables
    assert version == head_revision()


async def test_inbox_entries_between_retries_keep_their_spent_budget_as_failures(sqlite_url):
    """0006: until then every claim was counted as a failure; an entry failed or retrying
    keeps the budget it had spent, the others start with none spent."""
    await asyncio.to_thread(command.upgrade, alembic_config(sqlite_url), "0005")
    rows = [
        ("failed", 3, "503"),
        ("processing", 3, "503"),  # its current claim is no failure yet
        ("processing", 1, None),
        ("received", 0, None),
        ("processed", 2, None),
    ]
    database = make_url(sqlite_url).database
    with contextlib.closing(sqlite3.connect(database)) as connection:
        connection.executemany(
            "INSERT INTO meli_webhooks (notification_id, topic, resource, user_id, "
            "application_id, attempts, actions, status, received_at, processing_attempts, "
            "last_error, origin) VALUES (?, 'orders_v2', ?, 1, 2, 1, '[]', ?, "
            "'2026-11-27 12:00:00.000000', ?, ?, 'live')",
            [(f"n-{n}", f"/orders/{n}", *row) for n, row in enumerate(rows)],
        )
        connection.commit()

    await asyncio.to_thread(upgrade, sqlite_url)

    with contextlib.closing(sqlite3.connect(database)) as connection:
        failures = [
            row[0] for row in connection.execute("SELECT failures FROM meli_webhooks ORDER BY id")
        ]
    assert failures == [3, 2, 0, 0, 0]


async def test_question_snapshots_become_typed_questions_and_templates_take_braces(sqlite_url):
    """0009: the snapshots of /questions/{id} in meli_resources (both shapes of §7) move to
    meli_questions, unreadable ones are dropped with the rest, and the old `$name` message
    templates become `{name}` templates of kind message."""
    await asyncio.to_thread(command.upgrade, alembic_config(sqlite_url), "0006")
    v4 = {
        "id": 11751825075,
        "seller_id": 179571326,
        "buyer_id": 56801932,
        "item_id": "MLA739200576",
        "status": "ANSWERED",
        "hold": False,
        "suspected_spam": True,
        "text": "Texto de la pregunta.",
        "date_created": "2021-02-08T17:51:21.746608Z",
        "last_updated": "2021-02-08T17:51:29.184950Z",
        "answer": {
            "text": "Sí",
            "status": "ACTIVE",
            "date_created": "2021-02-16T14:52:13.580-04:00",
        },
    }
    older = {
        "id": 11949565740,
        "seller_id": 179571326,
        "text": "¿Envío?",
        "status": "UNANSWERED",
        "item_id": "MLA595976788",
        "date_created": "2021-06-16T12:07:18.109-04:00",
        "answer": None,
        "from": {"id": 21547449, "answered_questions": 0},
    }
    database = make_url(sqlite_url).database
    with contextlib.closing(sqlite3.connect(database)) as connection:
        connection.execute(
            "INSERT INTO meli_accounts (seller_id, site_id, nickname, status) "
            "VALUES (179571326, 'MLA', 'S', 'active')"
        )
        connection.executemany(
            "INSERT INTO meli_resources (path, topic, account_id, body, fetched_at) "
            "VALUES (?, ?, 1, ?, '2026-11-27 12:00:00.000000')",
            [
                (f"/questions/{v4['id']}", "questions", json.dumps(v4)),
                (f"/questions/{older['id']}", "questions", json.dumps(older)),
                ("/questions/1", "questions", json.dumps({"id": 1})),
                ("/orders/1", "orders_v2", json.dumps({"id": 1})),
            ],
        )
        connection.execute(
            "INSERT INTO meli_message_templates (account_id, name, body) "
            "VALUES (1, 'sent', 'Hola $buyer_nickname, ${order_id} {sale} $$5')"
        )
        connection.commit()

    await asyncio.to_thread(upgrade, sqlite_url)

    with contextlib.closing(sqlite3.connect(database)) as connection:
        connection.row_factory = sqlite3.Row
        rows = {
            row["id"]: dict(row)
            for row in connection.execute("SELECT * FROM meli_questions ORDER BY id")
        }
        paths = [row[0] for row in connection.execute("SELECT path FROM meli_resources")]
        template = dict(connection.execute("SELECT * FROM meli_templates").fetchone())
    assert set(rows) == {v4["id"], older["id"]}
    assert rows[v4["id"]]["buyer_id"] == 56801932 and rows[v4["id"]]["suspected_spam"] == 1
    assert rows[v4["id"]]["answer_text"] == "Sí" and rows[v4["id"]]["status"] == "ANSWERED"
    assert rows[older["id"]]["buyer_id"] == 21547449, "the older shape's from.id"
    assert rows[older["id"]]["text_search"] == "¿envio?"
    assert rows[older["id"]]["inbox_order"] < rows[v4["id"]]["inbox_order"]
    assert json.loads(rows[older["id"]]["raw"]) == older
    assert paths == ["/orders/1"]
    assert template["kind"] == "message"
    assert template["text"] == "Hola {buyer_nickname}, {order_id} {{sale}} $5"


def _corpus(name: str) -> dict:
    path = REPO_ROOT / "tests" / "fixtures" / "mercadolibre" / name
    return json.loads(path.read_text(encoding="utf-8"))["body"]


async def test_order_shipment_and_payment_snapshots_become_typed_rows(sqlite_url):
    """0010: snapshots of /orders/{id} (both shapes of §5.1), /shipments/{id} (§6.1) and
    /payments/{id} move to the typed tables with exact amounts; the lines and payments an
    order kept as JSON move to meli_order_items and meli_payments; what cannot be read
    stays in meli_resources."""
    await asyncio.to_thread(command.upgrade, alembic_config(sqlite_url), "0009")
    current_order = _corpus("orders/order.json")
    legacy_order = _corpus("orders/search_legacy.json")["results"][0]
    shipment = _corpus("shipments/shipment_new_format.json")
    payment = {
        "id": 555,
        "order_id": legacy_order["id"],
        "transaction_amount": 10,
        "currency_id": "ARS",
        "status": "refunded",
    }
    old_items = [
        {
            "item_id": "MLA1",
            "title": "Mate",
            "quantity": 2,
            "unit_price": {"amount": "10.50", "currency_id": "ARS"},
        }
    ]
    old_payments = [
        {"id": 777, "status": "approved", "amount": {"amount": "21.00", "currency_id": "ARS"}}
    ]
    database = make_url(sqlite_url).database
    with contextlib.closing(sqlite3.connect(database)) as connection:
        connection.execute(
            "INSERT INTO meli_accounts (seller_id, site_id, nickname, status) "
            "VALUES (779432305, 'MLB', 'S', 'active')"
        )
        connection.execute(
            "INSERT INTO meli_orders (id, account_id, seller_id, status, items, total_amount, "
            "currency_id, buyer_id, buyer, payments, tags, notes, date_created) VALUES "
            "(42, 1, 779432305, 'paid', ?, '21.00', 'ARS', 9, '{\"id\": 9}', ?, '[]', '[]', "
            "'2026-11-27 12:00:00.000000')",
            (json.dumps(old_items), json.dumps(old_payments)),
        )
        connection.executemany(
            "INSERT INTO meli_resources (path, topic, account_id, body, fetched_at) "
            "VALUES (?, ?, 1, ?, '2026-11-27 12:00:00.000000')",
            [
                (f"/orders/{current_order['id']}", "orders_v2", json.dumps(current_order)),
                (f"/orders/{legacy_order['id']}", "orders", json.dumps(legacy_order)),
                (f"/shipments/{shipment['id']}", "shipments", json.dumps(shipment)),
                ("/payments/555", "payments", json.dumps(payment)),
                ("/orders/1", "orders_v2", json.dumps({"id": 1})),
                ("/items/MLA1", "items", json.dumps({"id": "MLA1"})),
            ],
        )
        connection.commit()

    await asyncio.to_thread(upgrade, sqlite_url)

    with contextlib.closing(sqlite3.connect(database)) as connection:
        connection.row_factory = sqlite3.Row
        orders = {r["id"]: dict(r) for r in connection.execute("SELECT * FROM meli_orders")}
        items = [dict(r) for r in connection.execute("SELECT * FROM meli_order_items")]
        payments = {r["id"]: dict(r) for r in connection.execute("SELECT * FROM meli_payments")}
        shipments = [dict(r) for r in connection.execute("SELECT * FROM meli_shipments")]
        paths = sorted(r[0] for r in connection.execute("SELECT path FROM meli_resources"))
    assert set(orders) == {42, current_order["id"], legacy_order["id"]}
    assert orders[current_order["id"]]["total_amount"] == "125.92"
    assert orders[current_order["id"]]["pack_id"] == 2000006556183755
    assert " pack_order " in orders[current_order["id"]]["tags_search"]
    assert json.loads(orders[current_order["id"]]["raw"]) == current_order
    assert orders[legacy_order["id"]]["last_updated"].startswith("2016-02-25 15:55:44")
    by_order = {(i["order_id"], i["line"]): i for i in items}
    assert by_order[(42, 0)]["unit_price"] == "10.50" and by_order[(42, 0)]["quantity"] == 2
    assert by_order[(current_order["id"], 0)]["unit_price"] == "62.96"
    assert payments[777]["order_id"] == 42 and payments[777]["amount"] == "21.00"
    assert payments[91776699099]["marketplace_fee"] == "22.14"
    assert payments[555]["order_id"] == legacy_order["id"]
    assert shipments[0]["list_cost"] == "504.99" and shipments[0]["substatus"] == "buffered"
    assert paths == ["/items/MLA1", "/orders/1"]


async def test_message_snapshots_become_typed_messages(sqlite_url):
    """0012: snapshots of /messages/{id} (the §8.1 shape and the §8.4 legacy one) move to
    meli_messages with their moderation and raw JSON, and leave meli_resources."""
    await asyncio.to_thread(command.upgrade, alembic_config(sqlite_url), "0011")
    current = _corpus("messages/message_by_id.json")
    legacy = _corpus("messages/message_by_id_legacy.json")
    database = make_url(sqlite_url).database
    with contextlib.closing(sqlite3.connect(database)) as connection:
        connection.execute(
            "INSERT INTO meli_accounts (seller_id, site_id, nickname, status) "
            "VALUES (123456789, 'MLB', 'S', 'active')"
        )
        connection.executemany(
            "INSERT INTO meli_resources (path, topic, account_id, body, fetched_at) "
            "VALUES (?, 'messages', 1, ?, '2026-11-27 12:00:00.000000')",
            [("/messages/a", json.dumps(current)), ("/messages/b", json.dumps(legacy))],
        )
        connection.commit()

    await asyncio.to_thread(upgrade, sqlite_url)

    with contextlib.closing(sqlite3.connect(database)) as connection:
        connection.row_factory = sqlite3.Row
        rows = {r["id"]: dict(r) for r in connection.execute("SELECT * FROM meli_messages")}
        left = connection.execute("SELECT count(*) FROM meli_resources").fetchone()[0]
    assert left == 0
    old = rows[legacy["message_id"]]
    assert (old["pack_id"], old["text"], old["from_user_id"]) == (
        1234567871,
        "Ejemplo de texto",
        123456789,
    )
    assert old["moderation_status"] == "clean" and old["date_read"].startswith("2016-09-01 21:31")
    new_id = current["messages"][0]["id"]
    assert new_id in rows and json.loads(rows[new_id]["raw"])["id"] == new_id


async def test_the_sales_roll_up_is_filled_from_the_orders_already_stored(sqlite_url):
    """0015: an upgraded install reads the same figures as a rebuild would give: a sale on
    the seller's local day (23:30 in Buenos Aires is 02:30 UTC the next day), a
    cancellation counted apart, an unpaid order not at all. 0017: each order's
    contribution is kept beside it, so that its next change moves exactly that."""
    await asyncio.to_thread(command.upgrade, alembic_config(sqlite_url), "0011")
    database = make_url(sqlite_url).database
    with contextlib.closing(sqlite3.connect(database)) as connection:
        connection.execute(
            "INSERT INTO meli_accounts (seller_id, site_id, nickname, status) "
            "VALUES (179571326, 'MLA', 'TIENDA', 'active')"
        )
        connection.executemany(
            "INSERT INTO meli_orders (id, account_id, seller_id, status, total_amount, "
            "currency_id, buyer_id, buyer, tags, notes, date_created, raw, text_search) "
            "VALUES (?, 1, 179571326, ?, ?, 'ARS', 9, '{\"id\": 9}', '[]', '[]', ?, '{}', '')",
            [
                (1, "paid", "200.00", "2026-11-28 02:30:00.000000"),
                (2, "cancelled", "10.00", "2026-11-27 12:00:00.000000"),
                (3, "payment_required", "5.00", "2026-11-27 12:00:00.000000"),
            ],
        )
        connection.executemany(
            "INSERT INTO meli_order_items (order_id, line, item_id, title, quantity, "
            "unit_price, currency_id, sale_fee) VALUES (?, 0, 'MLA1', 'Mate', ?, ?, 'ARS', ?)",
            [(1, 2, "100.00", "12.50"), (2, 1, "10.00", None), (3, 1, "5.00", None)],
        )
        connection.commit()

    await asyncio.to_thread(upgrade, sqlite_url)

    with contextlib.closing(sqlite3.connect(database)) as connection:
        rows = connection.execute(
            "SELECT day, item_id, orders, units, gross, fees, cancelled_orders, "
            "cancelled_amount FROM meli_sales_daily ORDER BY item_id, day"
        ).fetchall()
        kept = connection.execute(
            "SELECT order_id, account_id, day, item_id, currency_id, orders, units, gross, fees, "
            "refunded, cancelled_orders, cancelled_amount FROM meli_order_sales ORDER BY order_id"
        ).fetchall()
    assert rows == [
        ("2026-11-27", "", 1, 2, 20000, 2500, 1, 1000),
        ("2026-11-27", "MLA1", 1, 2, 20000, 2500, 1, 1000),
    ]
    assert kept == [
        (1, 1, "2026-11-27", "MLA1", "ARS", 1, 2, 20000, 2500, 0, 0, 0),
        (2, 1, "2026-11-27", "MLA1", "ARS", 0, 0, 0, 0, 0, 1, 1000),
    ]


async def test_the_order_counts_are_filled_from_the_orders_already_stored(sqlite_url):
    """0018: the counts GET /orders reads say what counting the stored orders says: by
    account and status, and with each word of their tags."""
    await asyncio.to_thread(command.upgrade, alembic_config(sqlite_url), "0017")
    database = make_url(sqlite_url).database
    with contextlib.closing(sqlite3.connect(database)) as connection:
        connection.executemany(
            "INSERT INTO meli_accounts (seller_id, site_id, nickname, status) "
            "VALUES (?, 'MLA', ?, 'active')",
            [(179571326, "TIENDA"), (179571327, "OTRA")],
        )
        connection.executemany(
            "INSERT INTO meli_orders (id, account_id, seller_id, status, total_amount, "
            "currency_id, buyer_id, buyer, tags, tags_search, notes, date_created, raw, "
            "text_search) VALUES (?, ?, 1, ?, '1.00', 'ARS', 9, '{\"id\": 9}', '[]', ?, '[]', "
            "'2026-11-27 12:00:00.000000', '{}', '')",
            [
                (1, 1, "paid", " paid pack_order "),
                (2, 1, "paid", " paid "),
                (3, 1, "cancelled", ""),
                (4, 2, "paid", " paid paid "),
            ],
        )
        connection.commit()

    await asyncio.to_thread(upgrade, sqlite_url)

    with contextlib.closing(sqlite3.connect(database)) as connection:
        rows = connection.execute(
            "SELECT account_id, status, tag, orders FROM meli_order_counts "
            "ORDER BY account_id, status, tag"
        ).fetchall()
    assert rows == [
        (1, "cancelled", "", 1),
        (1, "paid", "", 2),
        (1, "paid", "pack_order", 1),
        (1, "paid", "paid", 2),
        (2, "paid", "", 1),
        (2, "paid", "paid", 1),
    ]
