"""§6.4: what a shipment's delays, SLA and carrier sub-resources answer, computed from
the shipment's history and the sandbox clock.

[INF] The seller has one day from the shipment's creation to hand the package over (the
legacy shape's `estimated_handling_limit`, §6.1); the SLA's `expected_date` is that
limit. A shipment still with the seller past it has a `handling_delayed` delay; one in
a `delayed` substatus a `shipping_delayed` one. The carrier is known once the shipment
has a tracking number.
"""

from __future__ import annotations

from typing import Any

from sandbox.clock import local_iso
from sandbox.shipments import Shipment

HANDLING_SECONDS = 86_400
# Handed over to the carrier: the statuses and substatuses that end the seller's part.
HANDED_SUBSTATUSES = ("dropped_off", "picked_up", "in_hub", "in_warehouse", "packed")
HANDED_STATUSES = ("shipped", "delivered", "not_delivered")
# §6.4: "not for cancelled or fulfillment shipments".
NO_SLA_STATUSES = ("cancelled",)
# §6.4 `service` [DOC: xd_same_day | instant_gm]: the services that have a name there.
SLA_SERVICES = {"xd_drop_off": "xd_same_day", "self_service": "instant_gm"}
# [INF] Carriers by mode.
CARRIERS = {
    "me2": ("Mercado Envíos", "https://www.mercadolibre.com/envios/seguimiento?id={}"),
    "me1": ("Correo", "https://www.correo.example/tracking?numero={}"),
    "custom": ("Transporte propio", None),
}


def handling_limit(shipment: Shipment) -> float:
    return shipment.date_created + HANDLING_SECONDS


def handed_over_at(shipment: Shipment) -> float | None:
    """When the package left the seller, from the history; None while it has not."""
    for status, substatus, at in shipment.history:
        if status in HANDED_STATUSES or substatus in HANDED_SUBSTATUSES:
            return at
    return None


def delays_json(shipment: Shipment, now: float) -> dict[str, Any] | None:
    """§6.4 `/delays`: `{shipment_id, delays: [{type, date, source}]}`; None when there
    are none (the route answers 404 "Delays Not Found for shipment")."""
    site = shipment.site_id
    delays = []
    limit = handling_limit(shipment)
    handed = handed_over_at(shipment)
    if shipment.paid and shipment.status != "cancelled" and (handed or now) > limit:
        delays.append(
            {"type": "handling_delayed", "date": local_iso(limit, site), "source": "meli"}
        )
    for status, substatus, at in shipment.history:
        if substatus == "delayed":
            kind = "shipping_delayed" if status == "shipped" else "sla_delayed"
            delays.append({"type": kind, "date": local_iso(at, site), "source": "carrier"})
    if not delays:
        return None
    return {"shipment_id": shipment.id, "delays": delays}


def sla_json(shipment: Shipment, now: float) -> dict[str, Any] | None:
    """§6.4 `/sla`: `{status: on_time|delayed|early|insuficient_info, service,
    expected_date, last_updated}`; None for cancelled and fulfillment shipments (§6.4)
    and for ME1 and custom ones, which MercadoLibre does not promise [INF]."""
    if (
        shipment.mode != "me2"
        or shipment.logistic_type == "fulfillment"
        or shipment.status in NO_SLA_STATUSES
    ):
        return None
    site = shipment.site_id
    limit = handling_limit(shipment)
    handed = handed_over_at(shipment)
    if not shipment.paid:
        status = "insuficient_info"
    elif handed is not None:
        status = "delayed" if handed > limit else "early" if handed < limit - 43_200 else "on_time"
    else:
        status = "delayed" if now > limit else "on_time"
    return {
        "status": status,
        "service": SLA_SERVICES.get(shipment.logistic_type),
        "expected_date": local_iso(limit, site),
        "last_updated": local_iso(shipment.last_updated, site),
    }


def carrier_json(shipment: Shipment) -> dict[str, Any] | None:
    """§6.4 `/carrier`: `{url, name}`; None until the shipment has a tracking number."""
    if shipment.tracking_number is None:
        return None
    name, url = CARRIERS.get(shipment.mode, CARRIERS["custom"])
    return {"url": None if url is None else url.format(shipment.tracking_number), "name": name}
