"""The admin API of the marketplace side (not MercadoLibre): events by hand, the
notifications sent and their outcome, and the market-activity simulator."""

from __future__ import annotations

from aiohttp import web

from sandbox.errors import bad_request
from sandbox.events import perform
from sandbox.http import state_of
from sandbox.notifications import Delivery
from sandbox.questions import ANSWER_STATUSES, QUESTION_STATUSES
from sandbox.routes.admin import PREFIX, object_body

OUTCOMES = ("pending", "delivered", "lost")


async def event(request: web.Request) -> web.Response:
    """POST /_sandbox/events {"type": "order"|"question"|"message"|"shipment"|"item"|
    "payment"|"claim", "seller_id": ..., ...}: the resource created (201) or changed
    (200)."""
    body = await object_body(request)
    status, result = perform(state_of(request), body)
    return web.json_response(result, status=status)


async def deliveries(request: web.Request) -> web.Response:
    """GET /_sandbox/deliveries[?topic=&outcome=&limit=]: every notification sent, oldest
    first, with each attempt's time, HTTP status and latency."""
    topic = request.query.get("topic") or None
    outcome = request.query.get("outcome") or None
    if outcome is not None and outcome not in OUTCOMES:
        raise bad_request(f"outcome must be one of {', '.join(OUTCOMES)}")
    found: list[Delivery] = state_of(request).notifier.deliveries(topic=topic, outcome=outcome)
    raw = request.query.get("limit")
    if raw:
        if not raw.isdigit():
            raise bad_request("limit must be a positive integer")
        found = found[-int(raw) :] if int(raw) else []
    return web.json_response([d.as_json() for d in found])


async def clear_deliveries(request: web.Request) -> web.Response:
    """Forget every notification (pending ones are not sent); topics are active again."""
    state_of(request).notifier.reset()
    return web.json_response([])


async def notifications(request: web.Request) -> web.Response:
    """The callback URL, counts by outcome and each topic's state (§9.4 deactivation)."""
    return web.json_response(state_of(request).notifier.summary())


async def activity(request: web.Request) -> web.Response:
    return web.json_response(state_of(request).activity.as_json())


async def start_activity(request: web.Request) -> web.Response:
    """POST /_sandbox/activity {"rate": events_per_second, "seed", "kinds": ["question",
    ...], "seller_id"} (the last three optional)."""
    body = await object_body(request)
    rate = body.get("rate")
    if isinstance(rate, bool) or not isinstance(rate, int | float) or not 0 < rate <= 1000:
        raise bad_request("rate must be a number of events per second, above 0 and at most 1000")
    seed = body.get("seed")
    if seed is not None and (isinstance(seed, bool) or not isinstance(seed, int)):
        raise bad_request("seed must be an integer")
    kinds = body.get("kinds")
    if kinds is not None and (
        not isinstance(kinds, list) or not all(isinstance(k, str) for k in kinds)
    ):
        raise bad_request("kinds must be a list of kinds of event")
    seller_id = body.get("seller_id")
    if seller_id is not None and (isinstance(seller_id, bool) or not isinstance(seller_id, int)):
        raise bad_request("seller_id must be an integer")
    if seller_id is not None and state_of(request).user(seller_id) is None:
        raise bad_request(f"no user {seller_id}")
    simulator = state_of(request).activity
    try:
        await simulator.start(float(rate), seed, tuple(kinds) if kinds else None, seller_id)
    except ValueError as error:
        raise bad_request(str(error)) from None
    return web.json_response(simulator.as_json())


async def stop_activity(request: web.Request) -> web.Response:
    simulator = state_of(request).activity
    await simulator.stop()
    return web.json_response(simulator.as_json())


async def step_activity(request: web.Request) -> web.Response:
    """POST /_sandbox/activity/step {"count": n, "seed": optional}: n simulated events
    at once, without the timer (repeatable tests and demos)."""
    body = await object_body(request)
    count = body.get("count", 1)
    if isinstance(count, bool) or not isinstance(count, int) or not 1 <= count <= 10_000:
        raise bad_request("count must be an integer from 1 to 10000")
    simulator = state_of(request).activity
    if "seed" in body:
        seed = body["seed"]
        if isinstance(seed, bool) or not isinstance(seed, int):
            raise bad_request("seed must be an integer")
        simulator.reseed(seed)
    steps = [simulator.step() for _ in range(count)]
    return web.json_response([{"type": kind, "result": result} for kind, result in steps])


async def patch_question(request: web.Request) -> web.Response:
    """PATCH /_sandbox/questions/{id} {"status": "UNDER_REVIEW", "answer_status":
    "BANNED"}: states that moderation reaches, not the API (§7); notified as topic
    questions."""
    body = await object_body(request)
    if not body or set(body) - {"status", "answer_status"}:
        raise bad_request("only status and answer_status can change")
    state = state_of(request)
    question = state.market.questions.get(request.match_info["id"])
    status = body.get("status")
    if status is not None:
        if status not in QUESTION_STATUSES:
            raise bad_request(f"status must be one of {', '.join(QUESTION_STATUSES)}")
        question.status = status
    answer_status = body.get("answer_status")
    if answer_status is not None:
        if question.answer is None or answer_status not in ANSWER_STATUSES:
            raise bad_request(
                f"answer_status must be one of {', '.join(ANSWER_STATUSES)}, on an answer"
            )
        question.answer.status = answer_status
    question.last_updated = state.clock.now()
    state.market.notify("questions", f"/questions/{question.id}", question.seller_id)
    return web.json_response(question.as_json(single=True))


async def market(request: web.Request) -> web.Response:
    """How many orders, packs, shipments, questions, messages and claims exist."""
    return web.json_response(state_of(request).market.snapshot())


def register(app: web.Application) -> None:
    add = app.router.add_route
    add("POST", f"{PREFIX}/events", event)
    add("GET", f"{PREFIX}/deliveries", deliveries)
    add("DELETE", f"{PREFIX}/deliveries", clear_deliveries)
    add("GET", f"{PREFIX}/notifications", notifications)
    add("GET", f"{PREFIX}/activity", activity)
    add("POST", f"{PREFIX}/activity", start_activity)
    add("DELETE", f"{PREFIX}/activity", stop_activity)
    add("POST", f"{PREFIX}/activity/step", step_activity)
    add("GET", f"{PREFIX}/market", market)
    add("PATCH", f"{PREFIX}/questions/{{id}}", patch_question)
