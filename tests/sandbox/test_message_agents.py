"""Post-sale messaging beyond plain conversations (§8.1 moderation, §8.2 the agent
architecture and blocked conversations, §8.3 the action guide), and the fault that loses
an answer after the message was taken."""

from __future__ import annotations

import aiohttp
import pytest

from sandbox.testing import running_sandbox
from tests.sandbox.conftest import Sandbox
from tests.sandbox.test_messages import BLOCKED, TAG, conversation_path, message, paid_sale

AGENT_MLA = 3037674934


async def test_an_agent_conversation_takes_messages_to_the_agent_one_at_a_time(
    sandbox: Sandbox,
) -> None:
    """ref: mercadolibre-api.md §8.2 (agent architecture: to.user_id is the country
    agent, received messages come from it, the path gains /conversations/{type}; one
    message at a time to the agent)."""
    seller = sandbox.seller()
    order = await paid_sale(sandbox)
    path = conversation_path(order, seller)
    written = await sandbox.event(
        "message", seller_id=seller, order_id=order["id"], text="Hola", **{"from": "agent"}
    )
    assert written["from"] == {"user_id": AGENT_MLA}
    _, listed = await sandbox.get(path, params={**TAG, "mark_as_read": "false"})
    status_path = listed["conversation_status"]["path"]
    assert status_path == f"/packs/{order['pack_id']}/sellers/{seller}/conversations/delivery"

    to_buyer = message(sandbox, order, "Hola")
    status, body = await sandbox.post(path, params=TAG, json=to_buyer)
    assert status == 403 and body["message"].startswith("Receiver does not belong")
    to_agent = {**to_buyer, "to": {"user_id": str(AGENT_MLA)}}
    status, body = await sandbox.post(path, params=TAG, json=to_agent)
    assert status == 201 and body["to"] == {"user_id": AGENT_MLA}
    status, body = await sandbox.post(path, params=TAG, json=to_agent)
    assert status == 403 and "one message at a time" in body["message"].lower()


async def test_personal_data_is_moderated_and_hidden_from_the_buyer(sandbox: Sandbox) -> None:
    """ref: mercadolibre-api.md §8.1 (status moderated, message_moderation rejected with
    reason PERSONAL_DATA; moderated seller messages stay visible to the seller)."""
    seller = sandbox.seller()
    order = await paid_sale(sandbox)
    path = conversation_path(order, seller)
    text = "Escribime a juan@example.com"
    status, body = await sandbox.post(path, params=TAG, json=message(sandbox, order, text))
    assert status == 201 and body["status"] == "moderated"
    assert body["message_moderation"]["status"] == "rejected"
    assert body["message_moderation"]["reason"] == "PERSONAL_DATA"
    _, seen = await sandbox.get(path, params={**TAG, "mark_as_read": "false"})
    assert [m["text"] for m in seen["messages"]] == [text]
    conversation = sandbox.state.market.messaging.conversation(str(order["pack_id"]))
    assert conversation.page_json(0, 10, order["buyer"]["id"])["messages"] == []


async def test_a_conversation_blocked_by_the_buyer_refuses_and_reopens(sandbox: Sandbox) -> None:
    """ref: mercadolibre-api.md §8.1 (conversation_status blocked with a substatus), §8.2
    (the blocked-conversation 403 body)."""
    seller = sandbox.seller()
    order = await paid_sale(sandbox)
    path = conversation_path(order, seller)
    status = await sandbox.event(
        "message", seller_id=seller, order_id=order["id"], blocked="blocked_by_buyer"
    )
    assert (status["status"], status["substatus"]) == ("blocked", "blocked_by_buyer")
    answer = await sandbox.post(path, params=TAG, json=message(sandbox, order, "Hola"))
    assert answer == (403, BLOCKED)
    await sandbox.event("message", seller_id=seller, order_id=order["id"], blocked=None)
    assert (await sandbox.post(path, params=TAG, json=message(sandbox, order, "Hola")))[0] == 201


async def test_the_action_guide_lists_reasons_and_sends_through_one_once(sandbox: Sandbox) -> None:
    """ref: mercadolibre-api.md §8.3 (GET /messages/action_guide/packs/{pack}: options
    with type, templates, char_limit and cap_available; POST .../option {option_id,
    text | template_id})."""
    order = await paid_sale(sandbox)
    pack = order["pack_id"] or order["id"]
    status, guide = await sandbox.get(f"/messages/action_guide/packs/{pack}", params=TAG)
    assert status == 200
    options = {o["id"]: o for o in guide["options"]}
    assert set(options) >= {"REQUEST_BILLING_INFO", "SEND_INVOICE_LINK", "OTHER"}
    assert options["REQUEST_BILLING_INFO"]["templates"][0]["id"] == (
        "TEMPLATE___REQUEST_BILLING_INFO___1"
    )
    assert options["OTHER"]["cap_available"] == 1 and options["OTHER"]["char_limit"] == 350

    send = f"/messages/action_guide/packs/{pack}/option"
    status, sent = await sandbox.post(
        send, params=TAG, json={"option_id": "OTHER", "text": "¿Qué talle preferís?"}
    )
    assert status == 201 and sent["text"] == "¿Qué talle preferís?" and "from" not in sent
    assert sent["to"]["user_id"] == order["buyer"]["id"]
    status, body = await sandbox.post(send, params=TAG, json={"option_id": "OTHER", "text": "x"})
    assert status == 403 and "cap" in body["message"]
    status, sent = await sandbox.post(
        send,
        params=TAG,
        json={
            "option_id": "REQUEST_BILLING_INFO",
            "template_id": "TEMPLATE___REQUEST_BILLING_INFO___1",
        },
    )
    assert status == 201 and sent["text"].startswith("Este es un template")
    status, body = await sandbox.post(send, params=TAG, json={"option_id": "NOPE", "text": "x"})
    assert status == 400
    _, guide = await sandbox.get(f"/messages/action_guide/packs/{pack}", params=TAG)
    assert {o["id"]: o["cap_available"] for o in guide["options"]}["OTHER"] == 0


async def test_a_drop_after_fault_takes_the_message_and_loses_the_answer() -> None:
    """A `drop` rule with `after` lets the request through and cuts the connection before
    the answer (ref: §8.2's POST is not idempotent; §12 faults)."""
    async with running_sandbox(rate_limit=0, orders_per_seller=0) as sb:
        seller = sb.sellers[0]["id"]
        token = (await sb.token_for(seller))["access_token"]
        order = await sb.event("order", seller_id=seller, logistic_type="cross_docking")
        sb.state.faults.add(
            {"path": "/messages/packs/*", "method": "POST", "drop": True, "after": True}
        )
        path = f"/messages/packs/{order['pack_id'] or order['id']}/sellers/{seller}"
        body = {
            "from": {"user_id": str(seller)},
            "to": {"user_id": str(order["buyer"]["id"])},
            "text": "Hola",
        }
        headers = {"Authorization": f"Bearer {token}"}
        connector = aiohttp.TCPConnector(force_close=True)
        async with aiohttp.ClientSession(connector=connector) as session:
            with pytest.raises(aiohttp.ClientConnectionError):
                await session.post(f"{sb.url}{path}", params=TAG, json=body, headers=headers)
        conversation = sb.state.market.messaging.conversation(str(order["pack_id"] or order["id"]))
        assert [m.text for m in conversation.messages] == ["Hola"]


async def test_after_needs_drop() -> None:
    async with running_sandbox(rate_limit=0) as sb:
        with pytest.raises(ValueError, match="after"):
            sb.state.faults.add({"path": "/x", "status": 500, "after": True})
