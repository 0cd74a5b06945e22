"""Questions through the REST app with the worker and the sandbox (mercadolibre-api.md §7):
a buyer's question answered by a rule within seconds, answers by hand that no rule
repeats, and a crash between MercadoLibre taking an answer and us storing it that never
sends a second one."""

from __future__ import annotations

import asyncio
import time

import pytest
from dependency_injector import providers

from application.errors import Unavailable
from sandbox.testing import running_sandbox
from tests.e2e.conftest import AUTH, service_on_sandbox


async def eventually(check, timeout: float = 10.0, interval: float = 0.05):
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if asyncio.iscoroutine(result):
            result = await result
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"not true within {timeout}s")
        await asyncio.sleep(interval)


@pytest.fixture
async def world(tmp_path, aiohttp_client):
    async with (
        running_sandbox(rate_limit=0, questions_per_seller=0) as sb,
        service_on_sandbox(sb, tmp_path, aiohttp_client, RATE_LIMIT_BURST="1000") as service,
    ):
        client = service["client"]
        await sb.admin(
            "PATCH", "/config", {"callback_url": str(client.make_url("/webhooks/notification"))}
        )
        yield service


async def _json(response, status: int = 200):
    body = await response.json()
    assert response.status == status, body
    return body


async def _rule(client, account_id: int, **changes) -> dict:
    template = await _json(
        await client.post(
            "/templates",
            json={
                "name": f"envíos {time.monotonic_ns()}",
                "kind": "answer",
                "text": "¡Hola! Sí, {seller_nickname} hace envíos a todo el país.",
            },
            headers=AUTH,
        ),
        201,
    )
    body = {
        "name": "Envíos",
        "template_id": template["id"],
        "keywords": ["envío"],
        "account_ids": [account_id],
        **changes,
    }
    return await _json(await client.post("/questions/rules", json=body, headers=AUTH), 201)


async def _answer_posts(sb) -> list:
    return [r for r in await sb.admin("GET", "/requests?path=/answers") if r["method"] == "POST"]


async def test_a_buyer_question_is_answered_by_a_rule_within_seconds(world):
    """ref: mercadolibre-api.md §7, §9.3 (questions notified on creation and answer):
    `envío` matches `ENVIOS` (case and accents); the answer shows in GET /questions and
    in the rule's log."""
    sb, client, account_id = world["sb"], world["client"], world["account_id"]
    rule = await _rule(client, account_id)
    seller = world["seller"]
    asked = await sb.event("question", seller_id=seller["id"], text="¿Hacen ENVIOS a Salta?")

    async def answered():
        page = await _json(await client.get("/questions?status=ANSWERED", headers=AUTH))
        return page["results"]

    [question] = await eventually(answered)
    assert question["id"] == asked["id"]
    assert question["answer"]["text"] == (
        f"¡Hola! Sí, {seller['nickname']} hace envíos a todo el país."
    )
    assert question["waited_seconds"] < 10
    on_sandbox = sb.state.market.questions.get(asked["id"])
    assert on_sandbox.answer is not None and on_sandbox.answer.text == question["answer"]["text"]
    detail = await _json(await client.get(f"/questions/{asked['id']}", headers=AUTH))
    [attempt] = detail["answers"]
    assert (attempt["source"], attempt["status"], attempt["rule_id"]) == (
        "rule",
        "sent",
        rule["id"],
    )
    log = await _json(await client.get(f"/questions/rules/{rule['id']}/log", headers=AUTH))
    assert [entry["question_id"] for entry in log["results"]] == [asked["id"]]
    assert len(await _answer_posts(sb)) == 1

    # A question no rule matches waits in the inbox, first.
    other = await sb.event("question", seller_id=seller["id"], text="¿Tienen otros colores?")

    async def stored():
        page = await _json(await client.get("/questions", headers=AUTH))
        return page if page["paging"]["total"] == 2 else None

    page = await eventually(stored)
    assert [q["id"] for q in page["results"]] == [other["id"], asked["id"]]
    assert page["results"][0]["status"] == "UNANSWERED"


async def test_a_question_answered_by_hand_is_never_answered_again_by_a_rule(world):
    """ref: mercadolibre-api.md §7 (one answer per question): answered through the API,
    then a matching rule, a reconciliation and the rules' job: still one answer."""
    sb, client, account_id, container = (
        world["sb"],
        world["client"],
        world["account_id"],
        world["container"],
    )
    asked = await sb.event("question", seller_id=world["seller"]["id"], text="¿Envío gratis?")

    async def stored():
        return await client.get(f"/questions/{asked['id']}", headers=AUTH)

    await eventually(lambda: _status_is(stored, 200))
    answered = await _json(
        await client.post(
            f"/questions/{asked['id']}/answer", json={"text": "Sí, es gratis."}, headers=AUTH
        )
    )
    assert answered["status"] == "ANSWERED" and answered["answer"]["text"] == "Sí, es gratis."
    again = await client.post(
        f"/questions/{asked['id']}/answer", json={"text": "otra vez"}, headers=AUTH
    )
    assert again.status == 409 and (await again.json())["question_status"] == "ANSWERED"

    await _rule(client, account_id)
    run = await client.post("/jobs/questions/run", headers=AUTH)
    assert run.status == 202
    outcome = await container.auto_answer_question()(asked["id"])
    assert outcome.value in ("skipped", "closed")
    await asyncio.sleep(0.5)
    assert len(await _answer_posts(sb)) == 1
    assert sb.state.market.questions.get(asked["id"]).answer.text == "Sí, es gratis."


async def _status_is(request, status: int) -> bool:
    return (await request()).status == status


class TakesThenTimesOut:
    """The real gateway, except that every answer MercadoLibre takes is then lost on the
    way back (a time-out or a crash after the POST, before anything is stored)."""

    def __init__(self, real, error: BaseException) -> None:
        self._real = real
        self._error = error

    def __getattr__(self, name):
        return getattr(self._real, name)

    async def answer(self, account_id, question_id, text):
        await self._real.answer(account_id, question_id, text)
        raise self._error


async def test_a_time_out_after_mercadolibre_took_the_answer_never_sends_it_twice(world):
    """ref: mercadolibre-api.md §7 (POST /answers is not idempotent): the answer is read
    back before anything else; the request succeeds with the answer MercadoLibre has."""
    sb, client, container = world["sb"], world["client"], world["container"]
    real = container.question_gateway()
    container.question_gateway.override(
        providers.Object(TakesThenTimesOut(real, Unavailable("POST /answers timed out")))
    )
    asked = await sb.event("question", seller_id=world["seller"]["id"], text="¿Factura A?")

    async def stored():
        return await client.get(f"/questions/{asked['id']}", headers=AUTH)

    await eventually(lambda: _status_is(stored, 200))
    answered = await _json(
        await client.post(
            f"/questions/{asked['id']}/answer",
            json={"text": "Sí, hacemos factura A."},
            headers=AUTH,
        )
    )
    assert answered["answer"]["text"] == "Sí, hacemos factura A."
    assert len(await _answer_posts(sb)) == 1
    detail = await _json(await stored())
    assert [a["status"] for a in detail["answers"]] == ["sent"]


async def test_a_crash_between_sending_and_storing_never_sends_twice(world):
    """ref: mercadolibre-api.md §7: the process dies after MercadoLibre took the answer and
    before it was stored (the intent stays pending). Another answer is refused while the
    outcome is unknown; the sweep's read-back settles it as sent; nothing is sent twice."""
    sb, client, container = world["sb"], world["client"], world["container"]
    real = container.question_gateway()
    container.question_gateway.override(
        providers.Object(TakesThenTimesOut(real, SystemExit("killed")))
    )
    asked = await sb.event("question", seller_id=world["seller"]["id"], text="¿Es original?")

    async def stored():
        return await client.get(f"/questions/{asked['id']}", headers=AUTH)

    await eventually(lambda: _status_is(stored, 200))
    from application.questions.commands import AnswerCommand

    with pytest.raises(SystemExit):
        await container.answer_question()(AnswerCommand(asked["id"], text="Sí, original."))
    container.question_gateway.reset_override()

    retry = await client.post(
        f"/questions/{asked['id']}/answer", json={"text": "Sí, es original."}, headers=AUTH
    )
    assert retry.status == 409, "the first answer's outcome is not known yet"
    [pending] = (await _json(await stored()))["answers"]
    assert pending["status"] == "pending"

    settled = await container.settle_answer()(pending["id"])
    assert settled.status.value == "sent"
    after = await client.post(
        f"/questions/{asked['id']}/answer", json={"text": "Sí, es original."}, headers=AUTH
    )
    assert after.status == 409 and (await after.json())["question_status"] == "ANSWERED"
    assert len(await _answer_posts(sb)) == 1
    assert sb.state.market.questions.get(asked["id"]).answer.text == "Sí, original."


async def test_answers_are_checked_locally_first_and_unknown_questions_are_not_found(world):
    """ref: mercadolibre-api.md §7 (2,000 characters), §8.2 (ISO-8859-1)."""
    sb, client = world["sb"], world["client"]
    asked = await sb.event("question", seller_id=world["seller"]["id"], text="¿Stock?")

    async def stored():
        return await client.get(f"/questions/{asked['id']}", headers=AUTH)

    await eventually(lambda: _status_is(stored, 200))
    path = f"/questions/{asked['id']}/answer"
    too_long = await client.post(path, json={"text": "a" * 2001}, headers=AUTH)
    assert too_long.status == 422
    assert (await too_long.json())["errors"][0]["field"] == "text"
    emoji = await client.post(path, json={"text": "Sí 😀"}, headers=AUTH)
    assert emoji.status == 422 and "U+1F600" in (await emoji.json())["errors"][0]["reason"]
    assert (
        await client.post("/questions/1/answer", json={"text": "x"}, headers=AUTH)
    ).status == 404
    other_account = await client.post(f"{path}?account_id=999", json={"text": "x"}, headers=AUTH)
    assert other_account.status == 404
    assert await _answer_posts(sb) == []
