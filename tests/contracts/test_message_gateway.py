"""MessageGateway contract (application/ports/message_gateway.py): AiohttpMessageGateway
on the sandbox over loopback, and FakeMessageGateway, the fake the message use-case tests
drive (mercadolibre-api.md §8)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
import pytest_asyncio

from application.errors import Forbidden, NotFound, ValidationFailed, meli_refusal
from domain.messages import agent_id
from tests.contracts.message_worlds import FakeMessageWorld, MessageWorld, SandboxMessageWorld

pytestmark = pytest.mark.asyncio(loop_scope="module")

PDF = b"%PDF-1.4\n%%EOF\n"


@pytest.fixture(params=[pytest.param("sandbox", marks=pytest.mark.sandbox), "fake"])
def implementation(request: pytest.FixtureRequest) -> tuple[str, object, object]:
    if request.param == "sandbox":
        sandbox = request.getfixturevalue("gateway_sandbox")
        return request.param, sandbox, request.getfixturevalue("gateway_session")
    return request.param, None, None


@pytest_asyncio.fixture(loop_scope="module")
async def world(implementation) -> AsyncIterator[MessageWorld]:
    kind, sandbox, session = implementation
    if kind == "sandbox":
        yield await SandboxMessageWorld.start(sandbox, session)
    else:
        yield FakeMessageWorld()


async def test_a_conversation_reads_oldest_first_without_marking_it_read(world):
    pack_id, buyer = await world.sale()
    first = await world.buyer_writes(pack_id, "¿Cuándo llega?")
    second = await world.buyer_writes(pack_id, "¿Me mandan la factura?")

    conversation = await world.gateway.conversation(world.account_id, world.seller_id, pack_id)

    assert [m.id for m in conversation.messages] == [first, second]
    message = conversation.messages[0]
    assert (message.pack_id, message.from_user_id, message.to_user_id) == (
        pack_id,
        buyer,
        world.seller_id,
    )
    assert message.text == "¿Cuándo llega?" and message.date_read is None
    assert message.moderation_status == "clean" and message.raw
    assert conversation.status.status == "active" and not conversation.status.blocked
    assert conversation.seller_max_length == 350
    unread = await world.gateway.unread(world.account_id)
    assert {(u.pack_id, u.count) for u in unread} >= {(pack_id, 2)}


async def test_reading_with_mark_as_read_marks_the_buyers_messages(world):
    pack_id, _ = await world.sale()
    await world.buyer_writes(pack_id, "Hola")

    await world.gateway.conversation(world.account_id, world.seller_id, pack_id, mark_as_read=True)
    again = await world.gateway.conversation(world.account_id, world.seller_id, pack_id)

    assert again.messages[0].date_read is not None
    assert pack_id not in {u.pack_id for u in await world.gateway.unread(world.account_id)}


async def test_a_sent_message_is_the_sellers_to_the_buyer_and_reads_back_once(world):
    pack_id, buyer = await world.sale()

    sent = await world.gateway.send(
        world.account_id, world.seller_id, pack_id, buyer, "¡Gracias por tu compra!"
    )

    assert (sent.from_user_id, sent.to_user_id, sent.pack_id) == (world.seller_id, buyer, pack_id)
    assert sent.text == "¡Gracias por tu compra!" and sent.status == "available"
    read = await world.gateway.conversation(world.account_id, world.seller_id, pack_id)
    assert [m.id for m in read.messages] == [sent.id]
    by_id = await world.gateway.get(world.account_id, sent.id)
    assert by_id.message.id == sent.id and by_id.message.pack_id == pack_id
    assert by_id.status is not None and by_id.status.pack_id == pack_id
    assert await world.seller_messages_held(pack_id) == ["¡Gracias por tu compra!"]


async def test_a_blocked_conversation_refuses_with_mercadolibres_reason(world):
    pack_id, buyer = await world.sale()
    await world.block(pack_id, "blocked_by_buyer")

    read = await world.gateway.conversation(world.account_id, world.seller_id, pack_id)
    assert read.status.blocked and read.status.substatus == "blocked_by_buyer"
    with pytest.raises(Forbidden) as refusal:
        await world.gateway.send(world.account_id, world.seller_id, pack_id, buyer, "Hola")

    found = meli_refusal(refusal.value)
    assert found is not None and found.message == "blocked_conversation_send_message_forbidden"
    assert await world.seller_messages_held(pack_id) == []
    await world.block(pack_id, None)
    await world.gateway.send(world.account_id, world.seller_id, pack_id, buyer, "Hola")


async def test_personal_data_comes_back_moderated_with_its_reason(world):
    pack_id, buyer = await world.sale()

    sent = await world.gateway.send(
        world.account_id, world.seller_id, pack_id, buyer, "Mi mail es ana@example.com"
    )

    assert sent.status == "moderated" and sent.moderation_status == "rejected"
    assert sent.moderation_reason == "PERSONAL_DATA" and sent.hidden


async def test_an_agent_conversation_takes_messages_to_the_agent(world):
    pack_id, buyer = await world.sale()
    written = await world.agent_writes(pack_id, "Hola, soy el agente")

    read = await world.gateway.conversation(world.account_id, world.seller_id, pack_id)
    assert read.status.with_agent
    assert read.messages[-1].id == written
    assert read.messages[-1].from_user_id == agent_id("MLA")
    with pytest.raises(Forbidden):
        await world.gateway.send(world.account_id, world.seller_id, pack_id, buyer, "Hola")
    sent = await world.gateway.send(
        world.account_id, world.seller_id, pack_id, agent_id("MLA"), "Ya lo despaché"
    )
    assert sent.to_user_id == agent_id("MLA")


async def test_an_attachment_uploads_downloads_and_goes_with_a_message(world):
    pack_id, buyer = await world.sale()

    attachment = await world.gateway.upload(world.account_id, "MLA", "factura.pdf", PDF)
    assert attachment.startswith(f"{world.seller_id}_") and attachment.endswith(".pdf")
    download = await world.gateway.download(world.account_id, "MLA", attachment)
    assert (download.content, download.content_type) == (PDF, "application/pdf")
    sent = await world.gateway.send(
        world.account_id, world.seller_id, pack_id, buyer, "Tu factura", (attachment,)
    )
    assert sent.attachments == (attachment,)
    with pytest.raises(ValidationFailed):
        await world.gateway.send(
            world.account_id, world.seller_id, pack_id, buyer, "Otra", ("nope.pdf",)
        )
    with pytest.raises(ValidationFailed):
        await world.gateway.upload(world.account_id, "MLA", "virus.exe", b"MZ")
    with pytest.raises(NotFound):
        await world.gateway.download(world.account_id, "MLA", f"{world.seller_id}_nope.pdf")


async def test_the_action_guide_lists_options_and_sends_through_one(world):
    pack_id, buyer = await world.sale()

    options = {o.id: o for o in await world.gateway.options(world.account_id, pack_id)}
    assert options["OTHER"].enabled and options["OTHER"].cap_available == 1
    sent = await world.gateway.send_option(
        world.account_id, world.seller_id, pack_id, "OTHER", text="¿Qué talle?"
    )
    assert (sent.from_user_id, sent.to_user_id, sent.text) == (
        world.seller_id,
        buyer,
        "¿Qué talle?",
    )
    with pytest.raises(Forbidden):
        await world.gateway.send_option(
            world.account_id, world.seller_id, pack_id, "OTHER", text="otra vez"
        )


async def test_another_sellers_conversation_is_forbidden_and_an_unknown_one_not_found(world):
    foreign = await world.foreign_sale()
    with pytest.raises(Forbidden):
        await world.gateway.conversation(world.account_id, world.seller_id, foreign)
    with pytest.raises(NotFound):
        await world.gateway.conversation(world.account_id, world.seller_id, 9_999_999_999)
    with pytest.raises(NotFound):
        await world.gateway.get(world.account_id, "0" * 32)
