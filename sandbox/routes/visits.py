"""Visits: `GET /items/visits?ids=&date_from=&date_to=` and
`GET /users/{id}/items_visits?date_from=&date_to=` (sandbox/visits.py)."""

from __future__ import annotations

from aiohttp import web

from sandbox.errors import not_found
from sandbox.http import ids_param, path, respond, state_of
from sandbox.visits import day_param, days_between, item_visits, user_visits


def _days(request: web.Request) -> tuple[str, str, list]:
    raw_from, raw_to = request.query.get("date_from"), request.query.get("date_to")
    days = days_between(day_param(raw_from, "date_from"), day_param(raw_to, "date_to"))
    return raw_from or "", raw_to or "", days


async def items(request: web.Request) -> web.Response:
    state = state_of(request)
    raw_from, raw_to, days = _days(request)
    result = []
    for item_id in ids_param(request, cap=50):
        total = sum(item_visits(state.config.seed, item_id, day) for day in days)
        result.append(
            {
                "item_id": item_id,
                "date_from": raw_from,
                "date_to": raw_to,
                "total_visits": total,
                "visits_detail": [{"company": "mercadolibre", "quantity": total}],
            }
        )
    return respond(request, result, trimmed=False)


async def seller(request: web.Request) -> web.Response:
    state = state_of(request)
    user_id = int(request.match_info["user_id"])
    if state.user(user_id) is None:
        raise not_found("User not found")
    raw_from, raw_to, days = _days(request)
    total = sum(user_visits(state.config.seed, user_id, day) for day in days)
    body = {
        "user_id": user_id,
        "date_from": raw_from,
        "date_to": raw_to,
        "total_visits": total,
        "visits_detail": [{"company": "mercadolibre", "quantity": total}],
    }
    return respond(request, body, trimmed=False)


def register(app: web.Application) -> None:
    app.router.add_get("/items/visits", items)
    app.router.add_get(path("/users/{user_id:number}/items_visits"), seller)
