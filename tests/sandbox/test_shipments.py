"""Shipments: both shapes of GET /shipments/{id}, statuses and history, sub-resources,
costs (§6)."""

from __future__ import annotations

from typing import Any

from tests.sandbox.conftest import MLA_ITEM, NEW_FORMAT, Sandbox

ME2_PATH = [
    ("pending", "buffered"),
    ("handling", "waiting_for_label_generation"),
    ("ready_to_ship", "ready_to_print"),
    ("ready_to_ship", "printed"),
    ("ready_to_ship", "picked_up"),
    ("shipped", "out_for_delivery"),
    ("delivered", None),
]


async def sale(sb: Sandbox, **fields: Any) -> dict[str, Any]:
    fields.setdefault("logistic_type", "cross_docking")
    fields.setdefault("mode", "me2")
    return await sb.event("order", seller_id=sb.seller(), **fields)


async def test_shipment_has_the_new_format_shape(sandbox: Sandbox) -> None:
    """ref: mercadolibre-api.md §6.1 (x-format-new: true: status, substatus, logistic
    mode/type, tracking, origin, destination, lead_time with cost)."""
    order = await sale(sandbox)
    status, body = await sandbox.get(
        f"/shipments/{order['shipping']['id']}", headers={"x-format-new": "true"}
    )
    assert status == 200
    for key in (
        "id",
        "external_reference",
        "status",
        "substatus",
        "date_created",
        "last_updated",
        "declared_value",
        "dimensions",
        "logistic",
        "source",
        "tracking_number",
        "tracking_method",
        "origin",
        "destination",
        "lead_time",
        "items_types",
        "sibling",
        "tags",
    ):
        assert key in body, key
    assert body["logistic"] == {"direction": "forward", "mode": "me2", "type": "cross_docking"}
    assert set(body["dimensions"]) == {"height", "width", "length", "weight"}
    assert body["source"]["site_id"] == "MLA" and body["tags"] == ["test_shipment"]
    lead = body["lead_time"]
    assert {"cost", "list_cost", "cost_type", "currency_id", "shipping_method"} <= set(lead)
    assert lead["currency_id"] == "ARS" and lead["cost_type"] in ("free", "charged")
    assert body["destination"]["receiver_id"] == order["buyer"]["id"]
    assert body["origin"]["sender_id"] == sandbox.seller()
    # §6.1: receiver_phone only for ME1 / custom.
    assert body["destination"]["receiver_phone"] is None


async def test_buyer_address_is_hidden_until_payment(sandbox: Sandbox) -> None:
    """ref: mercadolibre-api.md §6.1 (the buyer address is hidden until payment)."""
    order = await sale(sandbox, status="confirmed")
    path = f"/shipments/{order['shipping']['id']}"
    _, before = await sandbox.get(path, headers=NEW_FORMAT)
    address = before["destination"]["shipping_address"]
    assert address["street_name"] is None and address["address_line"] is None
    assert address["zip_code"] and address["city"]["name"]
    assert before["destination"]["receiver_name"] is None
    await sandbox.event("payment", seller_id=sandbox.seller(), order_id=order["id"])
    _, after = await sandbox.get(path, headers=NEW_FORMAT)
    assert after["destination"]["shipping_address"]["street_name"]
    assert after["destination"]["receiver_name"]
    assert (after["status"], after["substatus"]) == ("pending", "buffered")


async def test_without_the_header_a_shipment_has_the_legacy_shape(sandbox: Sandbox) -> None:
    """ref: mercadolibre-api.md §0.3, §6.1 (without `x-format-new: true`: status_history,
    shipping_option, sender_address and receiver_address at the root; mode and
    logistic_type flat), the same shipment as the new shape shows."""
    order = await sale(sandbox)
    path = f"/shipments/{order['shipping']['id']}"
    _, new = await sandbox.get(path, headers=NEW_FORMAT)
    for headers in ({}, {"x-format-new": "false"}):
        status, legacy = await sandbox.get(path, headers=headers)
        assert status == 200
        for key in ("logistic", "origin", "destination", "lead_time", "source", "sibling"):
            assert key not in legacy, key
        assert (legacy["id"], legacy["status"], legacy["substatus"]) == (
            new["id"],
            new["status"],
            new["substatus"],
        )
        assert (legacy["mode"], legacy["logistic_type"]) == ("me2", "cross_docking")
        assert legacy["order_id"] == order["id"] and legacy["site_id"] == "MLA"
        assert legacy["sender_id"] == sandbox.seller()
        assert legacy["sender_address"] == new["origin"]["shipping_address"]
        receiver = legacy["receiver_address"]
        assert legacy["receiver_id"] == order["buyer"]["id"]
        assert receiver["zip_code"] == new["destination"]["shipping_address"]["zip_code"]
        assert receiver["receiver_name"] == new["destination"]["receiver_name"]
        option = legacy["shipping_option"]
        lead = new["lead_time"]
        assert option["id"] == lead["option_id"]
        assert option["shipping_method_id"] == lead["shipping_method"]["id"]
        assert (option["cost"], option["list_cost"]) == (lead["cost"], lead["list_cost"])
        assert option["estimated_delivery_time"] == lead["estimated_delivery_time"]
        assert set(legacy["status_history"]) == {
            "date_cancelled",
            "date_delivered",
            "date_first_visit",
            "date_handling",
            "date_not_delivered",
            "date_ready_to_ship",
            "date_shipped",
            "date_returned",
        }
        [line] = legacy["shipping_items"]
        assert line["id"] == order["order_items"][0]["item"]["id"]
        assert line["dimensions"].count("x") == 2 and "," in line["dimensions"]


async def test_legacy_status_history_dates_the_steps(sandbox: Sandbox) -> None:
    """ref: mercadolibre-api.md §6.1 (legacy status_history), §6.2 (the ME2 path), §6.3
    (printing: date_first_printed)."""
    order = await sale(sandbox)
    shipment_id = order["shipping"]["id"]
    _, legacy = await sandbox.get(f"/shipments/{shipment_id}")
    assert set(legacy["status_history"].values()) == {None}
    assert legacy["date_first_printed"] is None
    for _ in ME2_PATH[1:5]:
        await sandbox.event("shipment", seller_id=sandbox.seller(), shipment_id=shipment_id)
    _, legacy = await sandbox.get(f"/shipments/{shipment_id}")
    history = legacy["status_history"]
    assert history["date_handling"] and history["date_ready_to_ship"]
    assert history["date_shipped"] is None and history["date_delivered"] is None
    assert legacy["date_first_printed"] and legacy["tracking_number"]
    assert [(h["status"], h["substatus"]) for h in legacy["substatus_history"]] == [
        ("pending", "waiting_for_payment"),
        *ME2_PATH[:5],
    ]


async def test_legacy_receiver_address_is_hidden_until_payment(sandbox: Sandbox) -> None:
    """ref: mercadolibre-api.md §6.1 (the buyer address is hidden until payment), in the
    legacy shape too."""
    order = await sale(sandbox, status="confirmed")
    path = f"/shipments/{order['shipping']['id']}"
    _, before = await sandbox.get(path)
    assert before["receiver_address"]["street_name"] is None
    assert before["receiver_address"]["receiver_name"] is None
    await sandbox.event("payment", seller_id=sandbox.seller(), order_id=order["id"])
    _, after = await sandbox.get(path)
    assert after["receiver_address"]["street_name"]
    assert after["receiver_address"]["receiver_name"]


async def test_shipment_moves_along_the_me2_path_and_records_history(sandbox: Sandbox) -> None:
    """ref: mercadolibre-api.md §6.2 (ME2 path pending -> handling -> ready_to_ship
    (ready_to_print -> printed -> picked_up) -> shipped -> delivered; /history)."""
    order = await sale(sandbox)
    shipment_id = order["shipping"]["id"]
    seen = []
    for expected in ME2_PATH[1:]:
        moved = await sandbox.event("shipment", seller_id=sandbox.seller(), shipment_id=shipment_id)
        seen.append((moved["status"], moved["substatus"]))
        assert seen[-1] == expected
        if moved["status"] == "ready_to_ship":
            assert moved["tracking_number"] and moved["tracking_method"]
    status, body = await sandbox.post(
        "/_sandbox/events",
        json={"type": "shipment", "seller_id": sandbox.seller(), "shipment_id": shipment_id},
    )
    assert status == 409 and "no next step" in body["message"]
    status, history = await sandbox.get(f"/shipments/{shipment_id}/history")
    assert status == 200
    steps = [(h["status"], h["substatus"]) for h in history]
    assert steps == [("pending", "waiting_for_payment"), *ME2_PATH]
    assert all(set(h) == {"status", "substatus", "date"} for h in history)


async def test_unpaid_shipment_waits_for_the_payment(sandbox: Sandbox) -> None:
    """ref: mercadolibre-api.md §6.2 (pending/waiting_for_payment), §5.2."""
    order = await sale(sandbox, status="confirmed")
    status, body = await sandbox.post(
        "/_sandbox/events",
        json={
            "type": "shipment",
            "seller_id": sandbox.seller(),
            "shipment_id": order["shipping"]["id"],
        },
    )
    assert status == 409 and "payment" in body["message"]


async def test_shipment_status_by_hand_is_checked_against_the_table(sandbox: Sandbox) -> None:
    """ref: mercadolibre-api.md §6.2 (statuses and substatuses of /shipment_statuses)."""
    order = await sale(sandbox)
    shipment_id = order["shipping"]["id"]
    moved = await sandbox.event(
        "shipment",
        seller_id=sandbox.seller(),
        shipment_id=shipment_id,
        status="not_delivered",
        substatus="returning_to_sender",
    )
    assert (moved["status"], moved["substatus"]) == ("not_delivered", "returning_to_sender")
    status, _ = await sandbox.post(
        "/_sandbox/events",
        json={
            "type": "shipment",
            "seller_id": sandbox.seller(),
            "shipment_id": shipment_id,
            "status": "delivered",
            "substatus": "printed",
        },
    )
    assert status == 400
    status, statuses = await sandbox.get("/shipment_statuses")
    assert status == 200
    table = {s["id"]: [x["id"] for x in s["substatuses"]] for s in statuses}
    assert "ready_to_print" in table["ready_to_ship"] and "pack_splitted" in table["cancelled"]
    assert table["to_be_agreed"] == []


async def test_items_and_costs_of_a_shipment(sandbox: Sandbox) -> None:
    """ref: mercadolibre-api.md §6.4 (/items and /costs shapes; save always 0)."""
    item = await sandbox.create_item({**MLA_ITEM, "price": 100_000})
    order = await sale(sandbox, item_id=item["id"], quantity=2)
    shipment_id = order["shipping"]["id"]
    status, items = await sandbox.get(f"/shipments/{shipment_id}/items")
    assert status == 200
    assert items == [
        {
            "item_id": item["id"],
            "description": item["title"],
            "quantity": 2,
            "variation_id": None,
            "dimensions": items[0]["dimensions"],
            "order_id": order["id"],
            "sender_id": sandbox.seller(),
        }
    ]
    status, costs = await sandbox.get(f"/shipments/{shipment_id}/costs")
    assert status == 200
    assert set(costs) == {"gross_amount", "receiver", "senders"}
    assert costs["receiver"]["user_id"] == order["buyer"]["id"]
    assert costs["senders"][0]["user_id"] == sandbox.seller()
    assert costs["receiver"]["save"] == 0 and costs["senders"][0]["save"] == 0
    # 100,000 ARS is above the free-shipping threshold: the buyer pays nothing.
    assert costs["receiver"]["cost"] == 0 and costs["gross_amount"] > 0


async def test_shipment_errors(sandbox: Sandbox) -> None:
    """ref: mercadolibre-api.md §5.4 (404 "Not found shipment with id", 403 "At least one
    policy returned UNAUTHORIZED"), §12.2."""
    status, body = await sandbox.get("/shipments/40000000001")
    assert (status, body["message"]) == (404, "Not found shipment with id 40000000001")
    other = sandbox.order_of(sandbox.seller(1), lambda o: o.shipment_id is not None)
    status, body = await sandbox.get(f"/shipments/{other.shipment_id}", headers=NEW_FORMAT)
    assert (status, body["message"]) == (403, "At least one policy returned UNAUTHORIZED")
    for sub in ("history", "items", "costs"):
        assert (await sandbox.get(f"/shipments/{other.shipment_id}/{sub}"))[0] == 403


async def test_ready_to_ship_process(sandbox: Sandbox) -> None:
    """ref: mercadolibre-api.md §5.4 (POST /shipments/{id}/process/ready_to_ship ->
    {"status":200}; ME2 only)."""
    order = await sale(sandbox)
    shipment_id = order["shipping"]["id"]
    await sandbox.event("shipment", seller_id=sandbox.seller(), shipment_id=shipment_id)
    status, body = await sandbox.post(f"/shipments/{shipment_id}/process/ready_to_ship")
    assert (status, body) == (200, {"status": 200})
    _, shipment = await sandbox.get(f"/shipments/{shipment_id}", headers=NEW_FORMAT)
    assert (shipment["status"], shipment["substatus"]) == ("ready_to_ship", "ready_to_print")
    me1 = await sale(sandbox, mode="me1", logistic_type="default")
    status, _ = await sandbox.post(f"/shipments/{me1['shipping']['id']}/process/ready_to_ship")
    assert status == 403


async def test_shipping_options_for_an_item_and_a_zip_code(sandbox: Sandbox) -> None:
    """ref: mercadolibre-api.md §6.5 (GET /items/{id}/shipping_options?zip_code=)."""
    cheap = await sandbox.create_item({**MLA_ITEM, "price": 5000})
    status, body = await sandbox.get(
        f"/items/{cheap['id']}/shipping_options", params={"zip_code": "1414"}
    )
    assert status == 200
    assert body["destination"]["zip_code"] == "1414"
    assert {"city", "state", "country", "extended_attributes"} <= set(body["destination"])
    option = body["options"][0]
    for key in (
        "id",
        "name",
        "currency_id",
        "list_cost",
        "cost",
        "tracks_shipments_status",
        "display",
        "speed",
        "shipping_method_id",
        "estimated_delivery_time",
    ):
        assert key in option, key
    assert option["currency_id"] == "ARS" and option["cost"] == option["list_cost"] > 0
    expensive = await sandbox.create_item({**MLA_ITEM, "price": 200_000})
    _, free = await sandbox.get(
        f"/items/{expensive['id']}/shipping_options", params={"zip_code": "1414"}
    )
    assert free["options"][0]["cost"] == 0
    assert (await sandbox.get(f"/items/{cheap['id']}/shipping_options"))[0] == 400
    assert (await sandbox.get("/items/MLA1/shipping_options", params={"zip_code": "1"}))[0] == 404


async def test_free_shipping_cost_for_the_seller(sandbox: Sandbox) -> None:
    """ref: mercadolibre-api.md §6.5 (GET /users/{id}/shipping_options/free with item_id
    or dimensions -> coverage.all_country)."""
    seller = sandbox.seller()
    item = await sandbox.create_item(MLA_ITEM)
    status, body = await sandbox.get(
        f"/users/{seller}/shipping_options/free", params={"item_id": item["id"], "verbose": "true"}
    )
    assert status == 200
    coverage = body["coverage"]["all_country"]
    assert {"list_cost", "currency_id", "billable_weight", "discount"} <= set(coverage)
    status, body = await sandbox.get(
        f"/users/{seller}/shipping_options/free", params={"dimensions": "10x20x30,500"}
    )
    assert status == 200 and body["coverage"]["all_country"]["billable_weight"] == 500
    assert "discount" not in body["coverage"]["all_country"]
    assert (await sandbox.get(f"/users/{seller}/shipping_options/free"))[0] == 400
    assert (
        await sandbox.get(
            f"/users/{sandbox.seller(1)}/shipping_options/free", params={"dimensions": "1x1x1,1"}
        )
    )[0] == 403


async def test_split_a_shipment(sandbox: Sandbox) -> None:
    """ref: mercadolibre-api.md §6.4 (POST /shipments/{id}/split -> {}; old pack, order and
    shipment cancelled with pack_splitted; new shipments carry sibling_id)."""
    item = await sandbox.create_item({**MLA_ITEM, "available_quantity": 5})
    order = await sale(sandbox, item_id=item["id"], quantity=3)
    shipment_id = order["shipping"]["id"]
    path = f"/shipments/{shipment_id}/split"
    body = {
        "reason": "FRAGILE",
        "packs": [
            {"orders": [{"id": order["id"], "quantity": 1}]},
            {"orders": [{"id": order["id"], "quantity": 2}]},
        ],
    }
    bad = {**body, "packs": body["packs"][:1]}
    assert (await sandbox.post(path, json=bad))[0] == 400
    assert (await sandbox.post(path, json={**body, "reason": "BORED"}))[0] == 400
    too_many = {"reason": "FRAGILE", "packs": [body["packs"][0], body["packs"][0]]}
    assert (await sandbox.post(path, json=too_many))[0] == 400
    status, answer = await sandbox.post(path, json=body)
    assert (status, answer) == (200, {})
    _, old = await sandbox.get(f"/shipments/{shipment_id}", headers=NEW_FORMAT)
    assert (old["status"], old["substatus"]) == ("cancelled", "pack_splitted")
    _, old_order = await sandbox.get(f"/orders/{order['id']}")
    assert old_order["status"] == "cancelled"
    assert old_order["cancel_detail"]["code"] == "pack_splitted"
    _, old_pack = await sandbox.get(f"/packs/{order['pack_id']}")
    assert old_pack["status"] == "cancelled"
    new_shipments = [
        s for s in sandbox.state.market.shipments.values() if s.sibling_id == shipment_id
    ]
    assert sorted(line.quantity for s in new_shipments for line in s.lines) == [1, 2]
    _, new = await sandbox.get(f"/shipments/{new_shipments[0].id}", headers=NEW_FORMAT)
    assert new["sibling"]["sibling_id"] == shipment_id and new["sibling"]["reason"] == "FRAGILE"
    assert (new["status"], new["substatus"]) == ("pending", "buffered")
    new_order_id = new_shipments[0].order_ids[0]
    _, new_order = await sandbox.get(f"/orders/{new_order_id}")
    assert new_order["status"] == "paid" and new_order["pack_id"] != order["pack_id"]
    # The units moved into the new orders: the stock is untouched.
    assert (await sandbox.get(f"/items/{item['id']}"))[1]["available_quantity"] == 2


async def test_me1_status_updates_through_seller_notifications(sandbox: Sandbox) -> None:
    """ref: mercadolibre-api.md §6.4 (ME1 status updates: POST
    /shipments/{id}/seller_notifications -> {"status":"OK"}; not_delivered is final)."""
    me1 = await sale(sandbox, mode="me1", logistic_type="default")
    shipment_id = me1["shipping"]["id"]
    update = {
        "payload": {"service_id": 1, "comment": "", "date": "2026-11-27T10:00:00-03:00"},
        "tracking_number": "OCA123",
        "tracking_url": "https://example.test/OCA123",
        "status": "shipped",
    }

    status, body = await sandbox.post(f"/shipments/{shipment_id}/seller_notifications", json=update)
    _, shipment = await sandbox.get(f"/shipments/{shipment_id}", headers=NEW_FORMAT)
    delivered, _ = await sandbox.post(
        f"/shipments/{shipment_id}/seller_notifications", json={**update, "status": "delivered"}
    )
    again, _ = await sandbox.post(
        f"/shipments/{shipment_id}/seller_notifications", json={**update, "status": "shipped"}
    )
    me2 = await sale(sandbox)
    refused, _ = await sandbox.post(
        f"/shipments/{me2['shipping']['id']}/seller_notifications", json=update
    )
    bad, _ = await sandbox.post(
        f"/shipments/{shipment_id}/seller_notifications", json={**update, "status": "lost"}
    )

    assert (status, body) == (200, {"status": "OK"})
    assert (shipment["status"], shipment["tracking_number"]) == ("shipped", "OCA123")
    assert delivered == 200 and again == 400, "delivered is final"
    assert refused == 400 and bad == 400


async def test_an_me1_update_names_a_substatus_of_its_status_and_a_well_formed_payload(
    sandbox: Sandbox,
) -> None:
    """ref: mercadolibre-api.md §6.2 (substatuses per status), §6.4 (the body's
    `payload.service_id`, `payload.comment`, `substatus`): what does not fit is refused
    and changes nothing."""
    me1 = await sale(sandbox, mode="me1", logistic_type="default")
    path = f"/shipments/{me1['shipping']['id']}/seller_notifications"
    update = {"tracking_number": "OCA9", "status": "shipped"}

    wrong = [
        {**update, "substatus": "returning_to_sender"},  # a not_delivered substatus
        {**update, "payload": {"service_id": "fast"}},
        {**update, "payload": {"comment": 3}},
        {**update, "payload": []},
    ]
    for body in wrong:
        assert (await sandbox.post(path, json=body))[0] == 400, body
    _, untouched = await sandbox.get(f"/shipments/{me1['shipping']['id']}", headers=NEW_FORMAT)
    assert untouched["tracking_number"] != "OCA9"

    status, _ = await sandbox.post(
        path, json={**update, "substatus": "out_for_delivery", "payload": {"service_id": 7}}
    )
    _, shipment = await sandbox.get(f"/shipments/{me1['shipping']['id']}", headers=NEW_FORMAT)
    assert status == 200
    assert (shipment["status"], shipment["substatus"]) == ("shipped", "out_for_delivery")
