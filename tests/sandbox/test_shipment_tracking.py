"""A shipment's delays, SLA, carrier and payments, and the payment resource (§6.4,
§9.3)."""

from __future__ import annotations

from typing import Any

from tests.sandbox.conftest import NEW_FORMAT, Sandbox

DAY = 86_400


async def sale(sb: Sandbox, **fields: Any) -> dict[str, Any]:
    fields.setdefault("mode", "me2")
    fields.setdefault("logistic_type", "cross_docking")
    return await sb.event("order", seller_id=sb.seller(), **fields)


async def later(sb: Sandbox, seconds: float) -> None:
    """The sandbox clock moves on; a new token, the old one having expired (§1.2)."""
    sb.advance(seconds)
    await sb.login()


async def step(sb: Sandbox, shipment_id: int, **fields: Any) -> dict[str, Any]:
    return await sb.event("shipment", seller_id=sb.seller(), shipment_id=shipment_id, **fields)


async def test_no_delays_is_404_and_a_late_handover_is_handling_delayed(
    sandbox: Sandbox,
) -> None:
    """ref: mercadolibre-api.md §6.4 (/delays: {shipment_id, delays:[{type, date,
    source}]}; 404 "Delays Not Found for shipment" when none)."""
    shipment_id = (await sale(sandbox))["shipping"]["id"]

    status, body = await sandbox.get(f"/shipments/{shipment_id}/delays")
    assert status == 404 and body["error"] == "not_found"
    assert body["message"] == f"Delays Not Found for shipment {shipment_id}"

    await later(sandbox, DAY + 60)
    status, body = await sandbox.get(f"/shipments/{shipment_id}/delays")
    assert status == 200 and body["shipment_id"] == shipment_id
    assert [(d["type"], d["source"]) for d in body["delays"]] == [("handling_delayed", "meli")]
    assert body["delays"][0]["date"][-6:] == "-03:00", "a date in the site's offset"

    await step(sandbox, shipment_id, status="shipped", substatus="delayed")
    _, body = await sandbox.get(f"/shipments/{shipment_id}/delays")
    assert [d["type"] for d in body["delays"]] == ["handling_delayed", "shipping_delayed"]


async def test_the_sla_says_on_time_then_delayed_and_none_for_fulfillment(
    sandbox: Sandbox,
) -> None:
    """ref: mercadolibre-api.md §6.4 (/sla: {status: on_time|delayed|early|
    insuficient_info, service, expected_date, last_updated}; not for cancelled or
    fulfillment shipments)."""
    order = await sale(sandbox, logistic_type="xd_drop_off")
    shipment_id = order["shipping"]["id"]

    status, sla = await sandbox.get(f"/shipments/{shipment_id}/sla")
    assert status == 200
    assert set(sla) == {"status", "service", "expected_date", "last_updated"}
    assert (sla["status"], sla["service"]) == ("on_time", "xd_same_day")
    await later(sandbox, DAY + 1)
    assert (await sandbox.get(f"/shipments/{shipment_id}/sla"))[1]["status"] == "delayed"

    unpaid = (await sale(sandbox, status="confirmed"))["shipping"]["id"]
    assert (await sandbox.get(f"/shipments/{unpaid}/sla"))[1]["status"] == "insuficient_info"
    full = (await sale(sandbox, logistic_type="fulfillment"))["shipping"]["id"]
    status, body = await sandbox.get(f"/shipments/{full}/sla")
    assert status == 404 and body["error"] == "not_found"
    me1 = (await sale(sandbox, mode="me1", logistic_type="default"))["shipping"]["id"]
    assert (await sandbox.get(f"/shipments/{me1}/sla"))[0] == 404


async def test_the_carrier_is_known_once_there_is_a_tracking_number(sandbox: Sandbox) -> None:
    """ref: mercadolibre-api.md §6.4 (/carrier: {url, name})."""
    shipment_id = (await sale(sandbox))["shipping"]["id"]
    assert (await sandbox.get(f"/shipments/{shipment_id}/carrier"))[0] == 404

    await step(sandbox, shipment_id, status="ready_to_ship", substatus="ready_to_print")
    _, shipment = await sandbox.get(f"/shipments/{shipment_id}", headers=NEW_FORMAT)
    status, carrier = await sandbox.get(f"/shipments/{shipment_id}/carrier")

    assert status == 200 and set(carrier) == {"url", "name"}
    assert carrier["name"] and shipment["tracking_number"] in carrier["url"]


async def test_the_payments_of_a_packed_shipment_and_a_payment_by_id(sandbox: Sandbox) -> None:
    """ref: mercadolibre-api.md §6.4 (/shipments/{id}/payments: [{payment_id, user_id,
    amount, status}]), §9.3 (/collections/{id}; /payments/{id} is the same payment)."""
    order = await sale(sandbox)
    payment = order["payments"][0]

    status, payments = await sandbox.get(f"/shipments/{order['shipping']['id']}/payments")
    by_id = await sandbox.get(f"/payments/{payment['id']}")
    collection = await sandbox.get(f"/collections/{payment['id']}")

    assert status == 200
    assert payments == [
        {
            "payment_id": payment["id"],
            "user_id": order["buyer"]["id"],
            "amount": payment["transaction_amount"],
            "status": "approved",
        }
    ]
    assert by_id == collection and by_id[0] == 200 and by_id[1]["order_id"] == order["id"]
    assert (await sandbox.get("/payments/1"))[0] == 404


async def test_the_sub_resources_of_anothers_shipment_are_403(sandbox: Sandbox) -> None:
    """ref: mercadolibre-api.md §5.4 (403 "At least one policy returned UNAUTHORIZED"),
    §12.2."""
    other = sandbox.order_of(sandbox.seller(1), lambda o: o.shipment_id is not None)
    for sub in ("delays", "sla", "carrier", "payments"):
        status, body = await sandbox.get(f"/shipments/{other.shipment_id}/{sub}")
        assert status == 403, sub
        assert body["message"] == "At least one policy returned UNAUTHORIZED"
    for sub in ("delays", "sla", "carrier", "payments"):
        assert (await sandbox.get(f"/shipments/40000000001/{sub}"))[0] == 404, sub
