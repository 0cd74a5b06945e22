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
    """An order (or, asked by shipment, a shipment) whose label was not printed, and
    why."""

    order_id: int | None
    reason: str
    shipment_id: int | None = None

    @property
    def asked(self) -> int:
        """The id as it was asked for."""
        return self.order_id if self.order_id is not None else self.shipment_id or 0


@attrs.define(frozen=True)
class PrintedLabels:
    """The labels of `shipment_ids` (carrying `order_ids`) in one file, and why each
    other order or shipment asked for was left out."""

    file: LabelFile
    order_ids: tuple[int, ...]
    left_out: tuple[LeftOut, ...] = ()
    shipment_ids: tuple[int, ...] = ()


def check_request(ids: Sequence[int], fmt: str, field: str) -> list[int]:
    """The ids without repeats; ValidationFailed for none, more than MAX_LABELS or an
    unknown format, before anything is read."""
    wanted = list(dict.fromkeys(ids))
    problems = []
    if not wanted:
        problems.append(FieldProblem(field, "name at least one"))
    if len(wanted) > MAX_LABELS:
        problems.append(FieldProblem(field, f"at most {MAX_LABELS} at a time"))
    if fmt not in FORMATS:
        problems.append(FieldProblem("format", "must be pdf or zpl"))
    if problems:
        raise ValidationFailed(problems)
    return wanted


# account -> shipment -> the orders (or the shipment itself) asked for that it carries
Printable = dict[int, dict[int, list[LeftOut]]]
UNKNOWN = "no such order"


async def print_first_account(
    gateway: OrderGateway, printable: Printable, left_out: list[LeftOut], fmt: str, kind: str
) -> PrintedLabels:
    """One MercadoLibre call for the first account with something to print (each
    account has its own token); the others' are left out. With nothing to print:
    NotFound when nothing asked for is known, else Conflict naming the reasons."""
    if not printable:
        if all(o.reason.startswith("no such ") for o in left_out):
            raise NotFound(kind, ", ".join(str(o.asked) for o in left_out))
        raise Conflict(
            "no label to print: " + "; ".join(f"{kind} {o.asked}: {o.reason}" for o in left_out)
        )
    account_id, by_shipment = next(iter(printable.items()))
    for other, more in list(printable.items())[1:]:
        for asked in more.values():
            reason = f"of account {other}, not {account_id}: print it apart"
            left_out += [attrs.evolve(a, reason=reason) for a in asked]
    file = await gateway.labels(account_id, tuple(by_shipment), fmt)
    orders = tuple(a.order_id for asked in by_shipment.values() for a in asked if a.order_id)
    return PrintedLabels(file, orders, tuple(left_out), tuple(by_shipment))


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
        wanted = check_request(order_ids, fmt, "order_ids")
        left_out: list[LeftOut] = []
        printable: Printable = {}
        async with self._uow() as uow:
            connected = await connected_account_ids(uow)
            orders = await uow.orders.find_many(wanted)
            shipments = await uow.shipments.find_many(
                o.shipping_id for o in orders.values() if o.shipping_id is not None
            )
        for order_id in wanted:
            order = orders.get(order_id)
            if order is None or order.account_id not in connected:
                left_out.append(LeftOut(order_id, UNKNOWN))
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
            by_shipment.setdefault(shipment.id, []).append(LeftOut(order_id, ""))
        return await print_first_account(self._gateway, printable, left_out, fmt, "order")
