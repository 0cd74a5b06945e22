from __future__ import annotations

from collections.abc import Sequence

import attrs

from application.errors import Conflict, FieldProblem, NotFound, ValidationFailed
from application.orders.scope import connected_account_ids
from application.ports.order_gateway import MAX_LABELS, LabelFile, OrderGateway
from application.ports.unit_of_work import UnitOfWorkFactory

FORMATS = ("pdf", "zpl")


@attrs.define(frozen=True)
class LeftOut:
    order_id: int
    reason: str


@attrs.define(frozen=True)
class PrintedLabels:
    """The labels of `order_ids` in one file, and why each other order was left out."""

    file: LabelFile
    order_ids: tuple[int, ...]
    left_out: tuple[LeftOut, ...] = ()


class PrintLabels:
    """The shipping labels of orders (or of their packs: one label per shipment) in one
    PDF or ZPL file, in one MercadoLibre call (§6.3: GET /shipment_labels, at most 50).

    Checked locally first, on the stored shipments: only ME2 shipments of a label
    logistic type that are ready_to_ship + ready_to_print/printed have one; every other
    order is left out with the reason (its status and substatus, and when it becomes
    printable if MercadoLibre said so). With nothing to print: NotFound when no order is
    of a connected account, else Conflict naming the reasons. Orders of several accounts
    cannot share a file (each account has its own token): those of the first account
    with something to print are printed, the others left out."""

    def __init__(self, uow: UnitOfWorkFactory, gateway: OrderGateway) -> None:
        self._uow = uow
        self._gateway = gateway

    async def __call__(self, order_ids: Sequence[int], fmt: str = "pdf") -> PrintedLabels:
        wanted = list(dict.fromkeys(order_ids))
        problems = []
        if not wanted:
            problems.append(FieldProblem("order_ids", "name at least one order"))
        if len(wanted) > MAX_LABELS:
            problems.append(FieldProblem("order_ids", f"at most {MAX_LABELS} orders at a time"))
        if fmt not in FORMATS:
            problems.append(FieldProblem("format", "must be pdf or zpl"))
        if problems:
            raise ValidationFailed(problems)
        left_out: list[LeftOut] = []
        printable: dict[int, dict[int, list[int]]] = {}  # account -> shipment -> orders
        async with self._uow() as uow:
            connected = await connected_account_ids(uow)
            orders = await uow.orders.find_many(wanted)
            shipments = await uow.shipments.find_many(
                o.shipping_id for o in orders.values() if o.shipping_id is not None
            )
        for order_id in wanted:
            order = orders.get(order_id)
            if order is None or order.account_id not in connected:
                left_out.append(LeftOut(order_id, "no such order"))
                continue
            shipment = None if order.shipping_id is None else shipments.get(order.shipping_id)
            if shipment is None:
                left_out.append(LeftOut(order_id, "the order has no shipment (yet)"))
                continue
            refusal = shipment.label_refusal()
            if refusal is not None:
                left_out.append(LeftOut(order_id, refusal))
                continue
            by_shipment = printable.setdefault(order.account_id, {})
            by_shipment.setdefault(shipment.id, []).append(order_id)
        if not printable:
            if all(o.reason == "no such order" for o in left_out):
                raise NotFound("order", ", ".join(str(o.order_id) for o in left_out))
            raise Conflict(
                "no label to print: "
                + "; ".join(f"order {o.order_id}: {o.reason}" for o in left_out)
            )
        account_id, by_shipment = next(iter(printable.items()))
        for other, more in list(printable.items())[1:]:
            for ids in more.values():
                left_out += [
                    LeftOut(i, f"of account {other}, not {account_id}: print it apart") for i in ids
                ]
        file = await self._gateway.labels(account_id, tuple(by_shipment), fmt)
        printed = tuple(i for ids in by_shipment.values() for i in ids)
        return PrintedLabels(file, printed, tuple(left_out))
