from __future__ import annotations

from collections.abc import Sequence

from application.errors import (
    FieldProblem,
    ValidationFailed,
)
from application.storable import MAX_INT64, integer_problem
from domain.errors import InvalidValue
from domain.inventory import (
    MAX_BATCH,
    MAX_QUANTITY,
    StockRequest,
)
from domain.sites import site_of_item


def check_requests(requests: Sequence[StockRequest], field: str = "updates") -> None:
    """Refuse a bad batch as a whole, naming every problem (nothing is applied). `field`
    names the list in the problems; "" for a single request, whose fields are named
    bare (`quantity`)."""

    def at(index: int, name: str = "") -> str:
        if not field:
            return name or "body"
        return f"{field}[{index}].{name}" if name else f"{field}[{index}]"

    problems = []
    if field and not 1 <= len(requests) <= MAX_BATCH:
        problems.append(
            FieldProblem(
                field, f"between 1 and {MAX_BATCH} updates per request, got {len(requests)}"
            )
        )
    seen = set()
    for index, request in enumerate(requests):
        try:
            site_of_item(request.item_id)
        except InvalidValue:
            problems.append(
                FieldProblem(
                    at(index, "item_id"), f"{request.item_id!r} is not a MercadoLibre item id"
                )
            )
        if request.quantity > MAX_QUANTITY:
            problems.append(
                FieldProblem(
                    at(index, "quantity"),
                    f"must be at most {MAX_QUANTITY} (max_stock_per_item, §4.10)",
                )
            )
        key = (request.item_id, request.variation_id)
        if key in seen:
            problems.append(FieldProblem(at(index), "the same stock appears twice"))
        seen.add(key)
        if request.safety_stock is not None:
            # Checked against what the database holds before MercadoLibre is written:
            # a figure it cannot store would be published, then fail.
            unstorable = integer_problem(request.safety_stock)
            if unstorable is not None:
                problems.append(FieldProblem(at(index, "safety_stock"), unstorable))
        if request.variation_id is not None:
            unstorable = integer_problem(request.variation_id, MAX_INT64, minimum=1)
            if unstorable is not None:
                problems.append(FieldProblem(at(index, "variation_id"), unstorable))
    if problems:
        raise ValidationFailed(problems, "the stock update was refused")
