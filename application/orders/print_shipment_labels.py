from __future__ import annotations

from collections.abc import Sequence

from application.orders.print_labels import (
    LeftOut,
    Printable,
    PrintedLabels,
    check_request,
    print_first_account,
)
from application.orders.scope import connected_account_ids
from application.ports.order_gateway import OrderGateway
from application.ports.unit_of_work import UnitOfWorkFactory


class PrintShipmentLabels:
    """The labels of shipments named by their ids (as PrintLabels does for orders): up
    to 50 in one PDF or ZPL file and one MercadoLibre call (§6.3), each checked first on
    the stored shipment; those that cannot print, are not stored or are of no connected
    account are left out with the reason. NotFound when none is known, Conflict when
    none can print."""

    def __init__(self, uow: UnitOfWorkFactory, gateway: OrderGateway) -> None:
        self._uow = uow
        self._gateway = gateway

    async def __call__(self, shipment_ids: Sequence[int], fmt: str = "pdf") -> PrintedLabels:
        wanted = check_request(shipment_ids, fmt, "shipment_ids")
        left_out: list[LeftOut] = []
        printable: Printable = {}
        async with self._uow() as uow:
            connected = await connected_account_ids(uow)
            shipments = await uow.shipments.find_many(wanted)
        for shipment_id in wanted:
            shipment = shipments.get(shipment_id)
            if shipment is None or shipment.account_id not in connected:
                left_out.append(LeftOut(None, "no such shipment", shipment_id))
                continue
            refusal = shipment.label_refusal()
            if refusal is not None:
                left_out.append(LeftOut(None, refusal, shipment_id))
                continue
            by_shipment = printable.setdefault(shipment.account_id, {})
            carried = [LeftOut(o, "", shipment_id) for o in shipment.order_ids]
            by_shipment[shipment_id] = carried or [LeftOut(None, "", shipment_id)]
        return await print_first_account(self._gateway, printable, left_out, fmt, "shipment")
