"""Auto-answer rules through the REST app, with the worker and the sandbox
(mercadolibre-api.md §7): dry runs, active hours in the seller's time zone, scopes, the
rule's log, and rules refused when they are saved."""

from __future__ import annotations

import time
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from tests.e2e.conftest import AUTH
from tests.e2e.test_questions_api import _answer_posts, _json, eventually, world

__all__ = ["world"]

BUENOS_AIRES = ZoneInfo("America/Argentina/Buenos_Aires")  # MLA's sellers (domain/sites.py)


async def _template(client, text: str) -> dict:
    body = {"name": f"plantilla {time.monotonic_ns()}", "kind": "answer", "text": text}
    return await _json(await client.post("/templates", json=body, headers=AUTH), 201)


async def _rule(client, text: str, **given) -> dict:
    template = await _template(client, text)
    body = {"name": "Envíos", "template_id": template["id"], "keywords": ["envío"], **given}
    return await _json(await client.post("/questions/rules", json=body, headers=AUTH), 201)


async def _answers(client, question_id: int) -> list:
    response = await client.get(f"/questions/{question_id}", headers=AUTH)
    return (await response.json())["answers"] if response.status == 200 else []


async def test_a_dry_run_rule_logs_what_it_would_send_and_sends_nothing(world):
    sb, client = world["sb"], world["client"]
    rule = await _rule(client, "Enviamos desde {seller_nickname}.", mode="dry_run")
    asked = await sb.event("question", seller_id=world["seller"]["id"], text="¿Envío a Salta?")

    [attempt] = await eventually(lambda: _answers(client, asked["id"]))

    text = f"Enviamos desde {world['seller']['nickname']}."
    assert (attempt["source"], attempt["status"], attempt["text"]) == ("rule", "dry_run", text)
    assert (attempt["rule_id"], attempt["template_id"]) == (rule["id"], rule["template_id"])
    log = await _json(await client.get(f"/questions/rules/{rule['id']}/log", headers=AUTH))
    assert [(e["question_id"], e["status"], e["text"]) for e in log["results"]] == [
        (asked["id"], "dry_run", text)
    ]
    assert await _answer_posts(sb) == []
    assert sb.state.market.questions.get(asked["id"]).answer is None
    by_hand = await client.post(
        f"/questions/{asked['id']}/answer", json={"text": "Sí, a mano."}, headers=AUTH
    )
    assert by_hand.status == 200, "a dry run does not hold the question"


async def test_a_rule_outside_its_active_hours_or_scope_leaves_the_question_to_the_next(world):
    """Hours are the seller's (Buenos Aires for MLA): a rule active two hours from now
    and one scoped to another listing do not answer; the unscoped all-day one does."""
    sb, client, account_id = world["sb"], world["client"], world["account_id"]
    later = datetime.now(BUENOS_AIRES) + timedelta(hours=2)
    hours = {
        "days": ["mon", "tue", "wed", "thu", "fri", "sat", "sun"],
        "start": later.strftime("%H:%M"),
        "end": (later + timedelta(hours=1)).strftime("%H:%M"),
    }
    closed = await _rule(client, "Fuera de horario.", priority=9, active_hours=hours)
    elsewhere = await _rule(client, "Otra publicación.", priority=8, item_ids=["MLA999999999"])
    mine = await _rule(client, "Sí, enviamos.", priority=1, account_ids=[account_id])
    asked = await sb.event("question", seller_id=world["seller"]["id"], text="¿Hacen envíos?")

    [attempt] = await eventually(lambda: _answers(client, asked["id"]))

    assert (attempt["rule_id"], attempt["status"]) == (mine["id"], "sent")
    assert sb.state.market.questions.get(asked["id"]).answer.text == "Sí, enviamos."
    for rule in (closed, elsewhere):
        log = await _json(await client.get(f"/questions/rules/{rule['id']}/log", headers=AUTH))
        assert log["results"] == []
    assert len(await _answer_posts(sb)) == 1


async def test_a_held_question_is_left_to_the_seller(world):
    """§7: a question MercadoLibre holds is answered by no rule; reconciliation reads it
    and the seller sees it in the inbox."""
    sb, client, container = world["sb"], world["client"], world["container"]
    await _rule(client, "Sí, enviamos.")
    await sb.admin("PATCH", "/config", {"callback_url": None})
    asked = await sb.event("question", seller_id=world["seller"]["id"], text="¿Envío gratis?")
    held = sb.state.market.questions.get(asked["id"])
    held.hold = held.suspected_spam = True

    run = await client.post("/jobs/questions/run", headers=AUTH)
    assert run.status == 202

    async def stored():
        response = await client.get(f"/questions/{asked['id']}", headers=AUTH)
        return await response.json() if response.status == 200 else None

    question = await eventually(stored)
    assert (question["hold"], question["suspected_spam"], question["answers"]) == (True, True, [])
    outcome = await container.auto_answer_question()(asked["id"])
    assert outcome.value in ("closed", "skipped")
    assert await _answer_posts(sb) == []


async def test_a_rule_with_a_bad_pattern_or_template_is_refused_and_nothing_is_saved(world):
    client = world["client"]
    good = await _template(client, "Sí.")
    message = await _json(
        await client.post(
            "/templates",
            json={"name": "mensaje", "kind": "message", "text": "Tu pedido {order_id}."},
            headers=AUTH,
        ),
        201,
    )
    rules = "/questions/rules"
    refused = {
        "malformed pattern": {"pattern": "env(i|í"},
        "catastrophic pattern": {"pattern": "(a+)+b"},
        "back-reference": {"pattern": r"(env)\1"},
    }
    for name, change in refused.items():
        body = {"name": name, "template_id": good["id"], **change}
        response = await client.post(rules, json=body, headers=AUTH)
        problem = await response.json()
        assert response.status == 422, (name, problem)
        assert [e["field"] for e in problem["errors"]] == ["pattern"], name

    as_message = {"name": "mensaje", "template_id": message["id"], "keywords": ["envío"]}
    response = await client.post(rules, json=as_message, headers=AUTH)
    assert response.status == 422
    problems = (await response.json())["errors"]
    assert {e["field"] for e in problems} == {"template_id"}
    assert any("message template" in e["reason"] for e in problems)
    unknown = await client.post(
        "/templates",
        json={"name": "cupón", "kind": "answer", "text": "Usá el cupón {coupon}."},
        headers=AUTH,
    )
    assert unknown.status == 422 and "coupon" in (await unknown.text())

    saved = await _rule(client, "Sí.")
    change = await client.put(
        f"{rules}/{saved['id']}",
        json={"name": "Envíos", "template_id": good["id"], "pattern": "(x*)*"},
        headers=AUTH,
    )
    assert change.status == 422
    assert (await _json(await client.get(rules, headers=AUTH)))["results"] == [saved]
