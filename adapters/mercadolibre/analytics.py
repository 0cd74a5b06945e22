"""AnalyticsGateway over HTTP: the reputation from §3 GET /users/{id}, visits from
/items/visits and /users/{id}/items_visits [INF]."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from adapters.mercadolibre.account_calls import AccountCalls
from application.errors import Unavailable
from application.ports.analytics_gateway import MAX_VISIT_IDS
from domain.reputation import GREEN_LIMITS, RateMetric, Reputation


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def _int(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return None


def _rate(value: Any) -> Decimal | None:
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        return None
    try:
        rate = Decimal(str(value))
    except InvalidOperation:
        return None
    return rate if rate.is_finite() and rate >= 0 else None


def read_reputation(body: Any) -> Reputation:
    if not isinstance(body, Mapping):
        raise Unavailable("GET /users/{id} answered something other than an object")
    reputation = body.get("seller_reputation")
    reputation = reputation if isinstance(reputation, Mapping) else {}
    metrics = reputation.get("metrics")
    metrics = metrics if isinstance(metrics, Mapping) else {}
    sales = metrics.get("sales")
    read = []
    for name, limit in GREEN_LIMITS.items():
        part = metrics.get(name)
        part = part if isinstance(part, Mapping) else {}
        read.append(
            RateMetric(
                name=name,
                rate=_rate(part.get("rate")),
                value=_int(part.get("value")),
                period=_text(part.get("period")),
                limit=limit,
            )
        )
    return Reputation(
        level_id=_text(reputation.get("level_id")),
        power_seller_status=_text(reputation.get("power_seller_status")),
        completed_sales=_int(sales.get("completed")) if isinstance(sales, Mapping) else None,
        metrics=tuple(read),
    )


def _visits(body: Any) -> int:
    total = _int(body.get("total_visits")) if isinstance(body, Mapping) else None
    if total is None or total < 0:
        raise Unavailable("a visits answer without total_visits")
    return total


class AiohttpAnalyticsGateway:
    def __init__(self, calls: AccountCalls) -> None:
        self._calls = calls

    async def seller_reputation(self, account_id: int, seller_id: int) -> Reputation:
        return read_reputation(await self._calls.get(account_id, f"/users/{int(seller_id)}"))

    async def item_visits(
        self, account_id: int, item_ids: Sequence[str], day: date
    ) -> Mapping[str, int]:
        if len(item_ids) > MAX_VISIT_IDS:
            raise ValueError(f"at most {MAX_VISIT_IDS} listings per visits call")
        if not item_ids:
            return {}
        body = await self._calls.get(
            account_id,
            "/items/visits",
            params={
                "ids": ",".join(item_ids),
                "date_from": day.isoformat(),
                "date_to": day.isoformat(),
            },
        )
        if not isinstance(body, list):
            raise Unavailable("GET /items/visits answered something other than a list")
        found: dict[str, int] = {}
        for entry in body:
            item_id = entry.get("item_id") if isinstance(entry, Mapping) else None
            if isinstance(item_id, str) and item_id in item_ids:
                try:
                    found[item_id] = _visits(entry)
                except Unavailable:
                    continue  # one unreadable entry is that listing's, not the call's
        return found

    async def seller_visits(self, account_id: int, seller_id: int, day: date) -> int:
        body = await self._calls.get(
            account_id,
            f"/users/{int(seller_id)}/items_visits",
            params={"date_from": day.isoformat(), "date_to": day.isoformat()},
        )
        return _visits(body)
