"""The §6.4 sub-resources read leniently (adapters/mercadolibre/shipment_details.py)."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from adapters.mercadolibre.shipment_details import (
    read_carrier,
    read_costs,
    read_delays,
    read_history,
    read_sla,
)
from domain.money import Money

BA = timezone(timedelta(hours=-3))


def test_history_as_a_list_under_results_or_as_the_legacy_status_history():
    """§6.4 `/history` `[{status, substatus, date}]`; §6.1 legacy `status_history`."""
    entries = [
        {"status": "handling", "substatus": None, "date": "2026-11-27T10:00:00.000-03:00"},
        {"status": None},
        "junk",
        {"status": "ready_to_ship", "substatus": "ready_to_print", "date": "bad date"},
    ]
    legacy = {
        "status_history": {
            "date_shipped": "2026-11-28T09:00:00.000-03:00",
            "date_handling": "2026-11-27T10:00:00.000-03:00",
            "date_delivered": None,
        }
    }

    listed = read_history(entries)

    assert [(e.status, e.substatus) for e in listed] == [
        ("handling", None),
        ("ready_to_ship", "ready_to_print"),
    ]
    assert listed[0].date == datetime(2026, 11, 27, 10, tzinfo=BA)
    assert read_history({"results": entries}) == listed
    assert [e.status for e in read_history(legacy)] == ["handling", "shipped"]
    assert read_history(None) == ()


def test_delays_as_documented_or_a_bare_list():
    body = {
        "shipment_id": 1,
        "delays": [{"type": "handling_delayed", "date": "2026-11-28T10:00:00Z", "source": "meli"}],
    }

    delays = read_delays(body)

    assert [(d.type, d.source) for d in delays] == [("handling_delayed", "meli")]
    assert read_delays(body["delays"]) == delays
    assert read_delays({"delays": None}) == ()


def test_costs_take_the_sellers_sender_entry_with_exact_money():
    """§6.4 `/costs`: receiver is the buyer, senders the seller(s); discounts add up."""
    body = {
        "gross_amount": 1500.5,
        "receiver": {"user_id": 9, "cost": 0, "compensation": 0, "save": 0, "discounts": []},
        "senders": [
            {"user_id": 7, "cost": 10, "discounts": []},
            {
                "user_id": "8",
                "cost": "700.25",
                "compensation": 0,
                "discounts": [
                    {"rate": 0.5, "type": "loyal", "promoted_amount": 700.25},
                    {"type": "x", "promoted_amount": None},
                ],
            },
        ],
    }

    costs = read_costs(body, "ARS", 8)

    assert costs is not None and costs.gross_amount == Money.of("1500.50", "ARS")
    assert costs.buyer is not None and costs.buyer.cost == Money.zero("ARS")
    assert costs.seller is not None and costs.seller.user_id == 8
    assert costs.seller.cost == Money.of("700.25", "ARS")
    assert costs.seller.discount == Money.of("700.25", "ARS")
    assert read_costs(body, "ARS", 1).seller.user_id == 7  # type: ignore[union-attr]
    assert read_costs([], "ARS", 8) is None
    assert read_costs({"gross_amount": 5}, "CLP", 8).buyer is None  # type: ignore[union-attr]


def test_sla_and_carrier_or_none():
    sla = read_sla(
        {
            "status": "on_time",
            "service": None,
            "expected_date": "2026-11-28T10:00:00.000-03:00",
            "last_updated": "2026-11-27T10:00:00.000-03:00",
        }
    )

    assert sla is not None and sla.status == "on_time" and sla.service is None
    assert sla.expected_date == datetime(2026, 11, 28, 10, tzinfo=BA)
    assert read_sla({"service": "x"}) is None
    assert read_carrier({"name": "Correo", "url": None}).name == "Correo"  # type: ignore[union-attr]
    assert read_carrier({}) is None and read_carrier("x") is None
