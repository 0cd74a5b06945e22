"""The dashboard figures and sales analytics through the REST API: the seed's shape of
GET /dashboard-stats with sales per currency as decimal strings, sales by period and
the top listings, and bad parameters refused with a problem naming them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import attrs

from domain.money import Money
from domain.orders import OrderItem, OrderStatus
from domain.questions import Answer, QuestionStatus
from domain.sites import site
from tests.contracts.builders import a_listing, a_question, a_shipment, an_account, an_order
from tests.e2e.conftest import AUTH


async def _json(response, status: int = 200):
    body = await response.json()
    assert response.status == status, body
    return body


async def given_sales(container):
    now = datetime.now(UTC)
    today = now.astimezone(site("MLA").zone).date()
    async with container.unit_of_work() as uow:
        account = await uow.accounts.add(an_account())
        other = await uow.accounts.add(an_account(seller_id=99, site_id="MLB"))
        await uow.listings.upsert([a_listing("MLA1000000001", account.id, title="<b>Zapas</b>")])
        await uow.shipments.upsert([a_shipment(11, account.id)])
        dollars = OrderItem(
            item_id="MLA1000000003", title="Import", quantity=1, unit_price=Money.of(10, "USD")
        )
        await uow.orders.upsert(
            [
                an_order(1, account.id, date_created=now, shipping_id=11, pack_id=None),
                an_order(2, account.id, date_created=now - timedelta(days=3), shipping_id=None),
                an_order(
                    3, account.id, date_created=now, items=(dollars,), total_amount=dollars.total
                ),
                an_order(4, account.id, date_created=now, status=OrderStatus.CANCELLED),
                attrs.evolve(
                    an_order(5, other.id, date_created=now),
                    items=(attrs.evolve(dollars, unit_price=Money.of(7, "BRL")),),
                    total_amount=Money.of(7, "BRL"),
                ),
            ]
        )
        await uow.questions.upsert(
            [a_question(21, account.id, status=QuestionStatus.UNANSWERED, answer=None)]
        )
        await uow.commit()
    return account, other, today


async def test_dashboard_stats_answer_the_seeds_shape_with_sales_per_currency(client, container):
    account, _other, today = await given_sales(container)
    week = f"from={(today - timedelta(days=6)).isoformat()}&to={today.isoformat()}"
    body = await _json(
        await client.get(f"/dashboard-stats?account_id={account.id}&{week}", headers=AUTH)
    )
    assert body["total_sales"] == {"ARS": "11999.40", "USD": "10.00"}
    assert (body["active_products"], body["pending_orders"], body["unanswered_questions"]) == (
        1,
        1,
        1,
    )
    assert (body["labels_to_print"], body["orders_to_ship_today"]) == (1, 1)
    assert body["paused_out_of_stock"] == 0 and body["median_answer_minutes"] is None
    assert body["to_date"] == today.isoformat()

    everyone = await _json(await client.get("/dashboard-stats", headers=AUTH))
    assert everyone["account_id"] is None
    assert everyone["total_sales"] == {"ARS": "11999.40", "BRL": "7.00", "USD": "10.00"}


async def test_sales_by_period_and_top_listings(client, container):
    account, _, today = await given_sales(container)
    first = (today - timedelta(days=6)).isoformat()
    days = await _json(
        await client.get(
            f"/analytics/sales?account_id={account.id}&from={first}&currency=ARS", headers=AUTH
        )
    )
    assert [p["currency_id"] for p in days["periods"]] == ["ARS", "ARS"]
    latest = days["periods"][-1]
    assert (latest["orders"], latest["units"], latest["gross"]) == (1, 3, "5999.70")
    assert (latest["cancelled_orders"], latest["cancelled_amount"]) == (1, "5999.70")
    assert (latest["average_ticket"], latest["net"]) == ("5999.70", "5999.70")

    month = await _json(
        await client.get(f"/analytics/sales?from={first}&interval=month", headers=AUTH)
    )
    assert {p["currency_id"] for p in month["periods"]} == {"ARS", "BRL", "USD"}

    top = await _json(
        await client.get(f"/analytics/items?account_id={account.id}&sort=units", headers=AUTH)
    )
    assert next((i["item_id"], i["title"], i["units"]) for i in top["items"]) == (
        "MLA1000000001",
        "<b>Zapas</b>",
        4,
    )


async def test_bad_periods_and_accounts_are_refused_with_a_named_problem(client, container):
    await given_sales(container)
    for query, status, field in (
        ("from=2026-02-30", 422, "from"),
        ("from=yesterday", 400, "from"),
        ("from=2026-03-02&to=2026-03-01", 422, "from"),
        ("interval=year", 400, "interval"),
        ("account_id=0", 400, "account_id"),
        # The calendar's edges: no day before 0001-01-01 nor after 9999-12-31 to count.
        ("to=0001-01-05", 422, "to"),
        ("from=9999-12-31&to=9999-12-31", 422, "to"),
    ):
        body = await _json(await client.get(f"/analytics/sales?{query}", headers=AUTH), status)
        assert field in str(body), body
    edge = await client.get("/dashboard-stats?to=9999-12-31", headers=AUTH)
    assert "to" in str(await _json(edge, 422))
    await _json(await client.get("/dashboard-stats?account_id=4040", headers=AUTH), 404)
    await _json(await client.get("/dashboard-stats"), 401)


async def test_the_metrics_show_the_business_figures(client, container):
    account, _, _ = await given_sales(container)
    async with container.unit_of_work() as uow:
        await uow.questions.upsert(
            [
                a_question(
                    22,
                    account.id,
                    date_created=datetime.now(UTC) - timedelta(minutes=20),
                    answer=Answer(
                        text="Sí", date_created=datetime.now(UTC) - timedelta(minutes=10)
                    ),
                )
            ]
        )
        await uow.commit()
    text = await (await client.get("/metrics")).text()
    assert 'meli_orders_last_30_days{status="paid"} 4.0' in text
    assert 'meli_orders_last_30_days{status="cancelled"} 1.0' in text
    assert 'meli_sales_last_30_days{currency="ARS"} 11999.4' in text
    assert 'meli_sales_last_30_days{currency="BRL"} 7.0' in text
    assert "meli_unanswered_questions 1.0" in text
    assert "meli_labels_to_print 1.0" in text
    assert 'meli_question_answer_seconds_bucket{le="300"} 0.0' in text
    assert 'meli_question_answer_seconds_bucket{le="900"} 1.0' in text
    assert "meli_question_answer_seconds_gcount 1.0" in text
