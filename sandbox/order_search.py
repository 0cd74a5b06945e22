"""§5.3: the order search's parameters: status, item, text, tags and date filters, the
sort and the offset/limit page."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

import attrs

from sandbox.clock import parse_iso
from sandbox.errors import bad_request
from sandbox.orders import ORDER_STATUSES, Order

# §5.3: default page size.
DEFAULT_LIMIT = 50
SORTS = {"date_asc": "Date ascending", "date_desc": "Date descending"}
# §5.3: the date ranges a search accepts, each as `<name>.from` and `<name>.to`.
DATE_FILTERS = {
    "order.date_created": "date_created",
    "order.date_closed": "date_closed",
    "order.date_last_updated": "last_updated",
}


@attrs.define
class OrderQuery:
    statuses: tuple[str, ...] | None = None
    item: str | None = None
    text: str | None = None
    tags: tuple[str, ...] = ()
    tags_not: tuple[str, ...] = ()
    ranges: tuple[tuple[str, float | None, float | None], ...] = ()
    sort: str = "date_asc"
    offset: int = 0
    limit: int = DEFAULT_LIMIT
    hide_cancelled: bool = True

    @classmethod
    def parse(
        cls, params: Mapping[str, str], *, max_limit: int, hide_cancelled: bool
    ) -> OrderQuery:
        statuses = None
        raw_status = params.get("order.status")
        if raw_status:
            statuses = tuple(s.strip() for s in raw_status.split(",") if s.strip())
            for status in statuses:
                if status not in ORDER_STATUSES:
                    raise bad_request(f"Invalid order.status: {status}")
        ranges = []
        for name, field in DATE_FILTERS.items():
            low = _date_param(params, f"{name}.from")
            high = _date_param(params, f"{name}.to")
            if low is not None or high is not None:
                ranges.append((field, low, high))
        sort = params.get("sort", "date_asc")
        if sort not in SORTS:
            raise bad_request(f"Invalid sort: {sort}. Valid values: {', '.join(SORTS)}")
        limit = _int_param(params, "limit", DEFAULT_LIMIT, 1)
        if limit > max_limit:
            # §13: the real cap is undocumented [INF: 400 past it].
            raise bad_request(f"Limit must be lower or equal than {max_limit}")
        return cls(
            statuses=statuses,
            item=params.get("item") or None,
            text=params.get("q") or None,
            tags=_list_param(params, "tags"),
            tags_not=_list_param(params, "tags.not"),
            ranges=tuple(ranges),
            sort=sort,
            offset=_int_param(params, "offset", 0, 0),
            limit=limit,
            hide_cancelled=hide_cancelled and statuses is None,
        )

    def accepts(self, order: Order, nickname: Callable[[int], str]) -> bool:
        if self.statuses is not None and order.status not in self.statuses:
            return False
        if self.hide_cancelled and order.status == "cancelled":
            return False
        if self.item is not None and all(line.item_id != self.item for line in order.lines):
            return False
        for field, low, high in self.ranges:
            value = getattr(order, field)
            if value is None:
                return False
            # Stored dates have microseconds; the API shows milliseconds and compares
            # what it shows (integer milliseconds, rounded as the dates are printed).
            shown = round(value * 1_000_000) // 1000
            if (low is not None and shown < round(low * 1000)) or (
                high is not None and shown > round(high * 1000)
            ):
                return False
        if self.tags or self.tags_not:
            tags = order.tags()
            if any(t not in tags for t in self.tags) or any(t in tags for t in self.tags_not):
                return False
        return self.text is None or order.matches_text(self.text, nickname(order.buyer_id))

    def applied_filters(self) -> list[dict[str, Any]]:
        filters = []
        if self.statuses:
            filters.append(
                {
                    "id": "order.status",
                    "name": "Order Status",
                    "type": "text",
                    "values": [{"id": s, "name": s} for s in self.statuses],
                }
            )
        if self.item:
            filters.append(
                {"id": "item", "name": "Item", "type": "text", "values": [{"id": self.item}]}
            )
        return filters


def _list_param(params: Mapping[str, str], name: str) -> tuple[str, ...]:
    return tuple(t.strip() for t in params.get(name, "").split(",") if t.strip())


def _date_param(params: Mapping[str, str], name: str) -> float | None:
    raw = params.get(name)
    if raw is None or raw == "":
        return None
    value = parse_iso(raw)
    if value is None:
        raise bad_request(
            f"Invalid date for {name}: {raw}. Use ISO-8601, e.g. 2015-07-01T00:00:00.000-00:00"
        )
    return value


def _int_param(params: Mapping[str, str], name: str, default: int, minimum: int) -> int:
    raw = params.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise bad_request(f"Invalid {name}: {raw}") from None
    if value < minimum:
        raise bad_request(f"{name} must be {minimum} or more")
    return value


def search_orders(
    orders: list[Order], query: OrderQuery, nickname: Callable[[int], str]
) -> tuple[int, list[Order]]:
    """(total, page): a scan of the user's orders that keeps only the page."""
    walk: Iterable[Order] = reversed(orders) if query.sort == "date_desc" else orders
    total = 0
    page = []
    end = query.offset + query.limit
    for order in walk:
        if query.accepts(order, nickname):
            if query.offset <= total < end:
                page.append(order)
            total += 1
    return total, page
