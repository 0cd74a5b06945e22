"""Post-sale messages on the in-memory adapters (mercadolibre-api.md §8): reading an
order's conversation, sending exactly once with the local checks first, attachments,
unread conversations and the `messages` notifications."""

from __future__ import annotations

import attrs
import pytest

from application.errors import (
    Forbidden,
    NotFound,
    PayloadTooLarge,
    QuotaExhausted,
    Unavailable,
    UnsupportedMediaType,
    ValidationFailed,
)
from application.messages.commands import SendMessageCommand
from application.messages.errors import ConversationClosed
from application.templates.commands import TemplateInput
from application.templates.create_template import CreateTemplate
from domain.accounts import AccountStatus
from domain.messages import MessageSend, SendStatus, agent_id
from domain.orders import OrderStatus
from tests.fakes.questions import refused
from tests.unit.application.message_world import BUYER, SELLER, MessageWorld


@pytest.fixture
async def world() -> MessageWorld:
    return await MessageWorld().start()


async def sends(world: MessageWorld, order) -> list:
    async with world.uow() as uow:
        return list(
            await uow.message_sends.of_conversation(world.account_id, order.pack_id or order.id)
        )


async def test_a_text_goes_once_to_the_buyer_of_the_pack_and_is_stored_with_its_order(world):
    order = await world.sale()

    sent = await world.send(SendMessageCommand(order.id, text="¡Gracias por tu compra!"))

    assert sent.send.status is SendStatus.SENT and sent.message is not None
    assert (sent.send.pack_id, sent.send.to_user_id) == (order.pack_id, BUYER)
    assert world.held(order) == ["¡Gracias por tu compra!"]
    async with world.uow() as uow:
        stored = await uow.messages.find(sent.message.id)
    assert stored is not None and stored.order_id == order.id and stored.pack_id == order.pack_id


async def test_an_order_without_pack_talks_in_its_own_conversation(world):
    order = await world.sale(pack=False)

    sent = await world.send(SendMessageCommand(order.id, text="Hola"))

    assert sent.send.pack_id == order.id and world.held(order) == ["Hola"]


async def test_a_template_renders_the_orders_variables_strictly(world):
    order = await world.sale(shipped=True)
    template = await CreateTemplate(world.uow, world.clock)(
        TemplateInput(
            name="Enviado",
            kind="message",
            text="Hola {buyer_first_name}, tu pedido {order_id} ({items}, {total}) va con "
            "{tracking_number}: {tracking_url}",
        )
    )

    sent = await world.send(SendMessageCommand(order.id, template_id=template.id))

    assert sent.send.text == (
        f"Hola Ana, tu pedido {order.id} (2 x Mate, $ 3.999,80) va con AR123: "
        "https://envios.example/AR123"
    )
    assert sent.send.template_id == template.id
    unshipped = await world.sale()
    with pytest.raises(ValidationFailed) as refused:
        await world.send(SendMessageCommand(unshipped.id, template_id=template.id))
    assert {p.field for p in refused.value.problems} >= {"variables.tracking_number"}
    assert world.held(unshipped) == []


async def test_local_checks_refuse_before_anything_is_sent(world):
    order = await world.sale()
    for command, field in (
        (SendMessageCommand(order.id, text="a" * 351), "text"),
        (SendMessageCommand(order.id, text="   "), "text"),
        (SendMessageCommand(order.id, text="Hola ✈︎ 中"), "text"),
        (SendMessageCommand(order.id), "text"),
        (
            SendMessageCommand(
                order.id, text="x", attachments=tuple(f"{i}.pdf" for i in range(26))
            ),
            "attachments",
        ),
    ):
        with pytest.raises(ValidationFailed) as refused:
            await world.send(command)
        assert refused.value.problems[0].field == field
    assert world.posts() == 0 and await sends(world, order) == []
    with pytest.raises(NotFound):
        await world.send(SendMessageCommand(404, text="Hola"))
    with pytest.raises(NotFound):
        await world.send(SendMessageCommand(order.id, text="Hola", account_id=world.account_id + 1))


async def test_a_blocked_conversation_is_refused_with_its_reason_and_nothing_sent(world):
    order = await world.sale()
    world.gateway.block(order.pack_id, "blocked_by_mediation")

    with pytest.raises(ConversationClosed) as closed:
        await world.send(SendMessageCommand(order.id, text="Hola"))

    assert closed.value.rule == "blocked" and "blocked_by_mediation" in str(closed.value)
    assert world.posts() == 0 and await sends(world, order) == []
    async with world.uow() as uow:
        status = await uow.conversations.find(world.account_id, order.pack_id)
    assert status is not None and status.substatus == "blocked_by_mediation"


async def test_a_cancelled_order_takes_messages_only_in_an_earlier_conversation(world):
    quiet = await world.sale(status=OrderStatus.CANCELLED)
    talked = await world.sale(status=OrderStatus.CANCELLED)
    world.gateway.write(talked.pack_id, "¿Por qué se canceló?")

    with pytest.raises(ConversationClosed) as closed:
        await world.send(SendMessageCommand(quiet.id, text="Hola"))
    sent = await world.send(SendMessageCommand(talked.id, text="Perdón, sin stock"))

    assert closed.value.rule == "cancelled_order" and world.held(quiet) == []
    assert sent.send.status is SendStatus.SENT


async def test_mercadolibres_403_comes_back_as_a_conflict_with_its_message(world):
    order = await world.sale()
    world.gateway.refuse_next = refused(
        403, "You can not send the message because a mediation is in process", Forbidden
    )

    with pytest.raises(ConversationClosed) as closed:
        await world.send(SendMessageCommand(order.id, text="Hola"))

    assert closed.value.rule == "refused" and "mediation is in process" in str(closed.value)
    [send] = await sends(world, order)
    assert send.status is SendStatus.FAILED and "mediation" in (send.error or "")


async def test_a_lost_answer_is_read_back_and_the_message_counted_once(world):
    order = await world.sale()
    world.gateway.lose_answers = 1

    sent = await world.send(SendMessageCommand(order.id, text="Ya despachamos"))

    assert sent.send.status is SendStatus.SENT and sent.message is not None
    assert world.held(order) == ["Ya despachamos"] and world.posts() == 1
    [send] = await sends(world, order)
    assert send.message_id == sent.message.id


async def test_an_unconfirmed_send_stays_pending_until_a_stale_read_back_settles_it(world):
    """A call whose outcome is unknown (here it never reached MercadoLibre, but the
    service cannot tell) is read back at once without failing it: MercadoLibre may store
    the message after our call gave up. The conversation is held until the send is stale;
    then a read-back that still does not find it fails it and the new message goes."""
    order = await world.sale()
    world.gateway.refuse_next = Unavailable("connection reset before the body was sent")

    with pytest.raises(Unavailable, match="stays pending"):
        await world.send(SendMessageCommand(order.id, text="Hola"))
    assert [s.status for s in await sends(world, order)] == [SendStatus.PENDING]
    with pytest.raises(ConversationClosed) as closed:
        await world.send(SendMessageCommand(order.id, text="Hola"))
    assert closed.value.rule == "being_sent" and world.held(order) == []

    world.clock.advance(180)
    await world.send(SendMessageCommand(order.id, text="Hola"))

    assert world.held(order) == ["Hola"]
    assert [s.status for s in await sends(world, order)] == [SendStatus.FAILED, SendStatus.SENT]


async def test_a_message_stored_after_the_call_gave_up_is_found_by_the_later_read_back(world):
    """The retry of the same text, once the send is stale, reads the conversation back,
    finds the message MercadoLibre stored late and answers it: sent once."""
    order = await world.sale()
    world.gateway.refuse_next = Unavailable("read timeout")

    with pytest.raises(Unavailable, match="stays pending"):
        await world.send(SendMessageCommand(order.id, text="Hola"))
    late = world.gateway.store_late(order.pack_id, "Hola")
    world.clock.advance(180)
    again = await world.send(SendMessageCommand(order.id, text="Hola"))

    assert world.held(order) == ["Hola"]
    [send] = await sends(world, order)
    assert send.status is SendStatus.SENT and send.message_id == late
    assert again.message is not None and again.message.id == late


async def test_the_hourly_quota_refuses_with_retry_after_and_the_send_is_accounted_failed(world):
    order = await world.sale()
    world.gateway.refuse_next = QuotaExhausted("message_send quota used up", retry_after=120)

    with pytest.raises(QuotaExhausted) as refused:
        await world.send(SendMessageCommand(order.id, text="Hola"))

    assert refused.value.retry_after == 120 and world.held(order) == []
    [send] = await sends(world, order)
    assert send.status is SendStatus.FAILED


async def test_a_send_in_progress_holds_the_conversation_until_it_is_stale(world):
    order = await world.sale()
    world.gateway.lose_answers = 1
    async with world.uow() as uow:
        pending = await uow.message_sends.add(
            MessageSend(
                world.account_id, order.pack_id, order.id, BUYER, "Primero", world.clock.now()
            )
        )
        await uow.commit()

    with pytest.raises(ConversationClosed) as closed:
        await world.send(SendMessageCommand(order.id, text="Segundo"))
    assert closed.value.rule == "being_sent"
    world.clock.advance(180)
    world.gateway.lose_answers = 0
    await world.send(SendMessageCommand(order.id, text="Segundo"))

    assert (await world.settle(pending.id)).status is SendStatus.FAILED
    assert world.held(order) == ["Segundo"]


async def test_a_pending_send_whose_conversation_cannot_be_read_is_failed_with_the_reason(world):
    """The sweep's read-back meets a 404 (the conversation is gone): the outcome can never
    be learnt, so the send is failed with why instead of being read back every minute."""
    order = await world.sale()
    async with world.uow() as uow:
        pending = await uow.message_sends.add(
            MessageSend(world.account_id, order.pack_id, order.id, BUYER, "Hola", world.clock.now())
        )
        await uow.commit()
    del world.gateway.conversations[order.pack_id]

    settled = await world.settle(pending.id)

    assert settled.status is SendStatus.FAILED and "cannot be learnt" in (settled.error or "")
    assert (await world.settle(pending.id)).status is SendStatus.FAILED


async def test_an_agent_conversation_writes_to_the_agent(world):
    order = await world.sale()
    world.gateway.write(order.pack_id, "Soy el agente", agent=True)

    view = await world.get(order.id)
    sent = await world.send(SendMessageCommand(order.id, text="Ya salió"))

    assert view.writer == "agent" and view.write_to == agent_id("MLA")
    assert sent.send.to_user_id == agent_id("MLA")


async def test_reading_does_not_mark_read_and_unread_lists_the_oldest_first(world):
    first = await world.sale()
    second = await world.sale()
    world.gateway.write(second.pack_id, "¿Y mi pedido?")
    world.clock.advance(60)
    world.gateway.write(first.pack_id, "Hola")

    unread = await world.unread(world.account_id, refresh=True)
    assert [(u.pack_id, u.unread) for u in unread] == [(second.pack_id, 1), (first.pack_id, 1)]
    view = await world.get(second.id)
    assert view.messages[0].date_read is None and view.char_limit == 350
    await world.mark_read(second.id)

    assert [u.pack_id for u in await world.unread(world.account_id)] == [first.pack_id]


async def test_a_conversation_read_in_mercadolibres_app_leaves_the_unread_list(world):
    order = await world.sale()
    world.gateway.write(order.pack_id, "¿Hola?")
    assert len(await world.unread(world.account_id, refresh=True)) == 1
    world.clock.advance(60)
    for message in world.gateway.conversations[order.pack_id].messages:  # read elsewhere
        message["message_date"]["read"] = "2026-12-03T12:00:00.000Z"

    assert await world.unread(world.account_id, refresh=True) == []
    assert await world.unread(world.account_id) == []


async def test_a_disconnected_accounts_unread_messages_are_not_shown(world):
    order = await world.sale()
    world.gateway.write(order.pack_id, "¿Hola?")
    assert len(await world.unread(world.account_id, refresh=True)) == 1
    async with world.uow() as uow:
        account = await uow.accounts.get(world.account_id)
        await uow.accounts.save(attrs.evolve(account, status=AccountStatus.DISCONNECTED))
        await uow.commit()

    with pytest.raises(NotFound):
        await world.unread(world.account_id)


async def test_a_messages_notification_stores_the_message_and_its_conversation(world):
    order = await world.sale()
    message_id = world.gateway.write(order.pack_id, "¿Llega mañana?")
    async with world.uow() as uow:
        account = await uow.accounts.get(world.account_id)

    read = await world.record.read(account, message_id)
    async with world.uow() as uow:
        await world.record.store(uow, read, account)
        await uow.commit()

    async with world.uow() as uow:
        stored = await uow.messages.find(message_id)
        status = await uow.conversations.find(world.account_id, order.pack_id)
    assert stored is not None and stored.text == "¿Llega mañana?" and stored.to_user_id == SELLER
    assert status is not None and status.status == "active"


async def test_attachments_are_checked_before_any_upload(world):
    order = await world.sale()
    with pytest.raises(PayloadTooLarge):
        await world.upload(order.id, "big.pdf", b"%PDF" + b"0" * (25 * 1024 * 1024))
    with pytest.raises(UnsupportedMediaType):
        await world.upload(order.id, "virus.exe", b"MZ")
    with pytest.raises(UnsupportedMediaType):
        await world.upload(order.id, "fake.pdf", b"not a pdf")
    with pytest.raises(ValidationFailed):
        await world.upload(order.id, "a" * 197 + ".pdf", b"%PDF-1.4")
    assert not [c for c in world.gateway.calls if c[0] == "upload"]

    attachment = await world.upload(order.id, "factura.pdf", b"%PDF-1.4")
    sent = await world.send(
        SendMessageCommand(order.id, text="Tu factura", attachments=(attachment,))
    )
    assert sent.message is not None and sent.message.attachments == (attachment,)


async def test_a_lost_answer_that_cannot_be_read_back_stays_pending_and_a_retry_learns_it(world):
    order = await world.sale()
    world.gateway.lose_answers = 1
    world.gateway.unreadable_after_loss = 1

    with pytest.raises(Unavailable, match="stays pending"):
        await world.send(SendMessageCommand(order.id, text="Ya despachamos"))
    [pending] = await sends(world, order)
    assert pending.status is SendStatus.PENDING
    retried = await world.send(SendMessageCommand(order.id, text="Ya despachamos"))
    assert retried.send.id == pending.id and retried.send.status is SendStatus.SENT
    assert world.held(order) == ["Ya despachamos"] and world.posts() == 1

    await world.send(SendMessageCommand(order.id, text="Otro texto"))
    assert world.held(order) == ["Ya despachamos", "Otro texto"]


async def test_the_periodic_read_stores_every_accounts_unread_conversations(world):
    from application.messages.read_unread_messages import ReadUnreadMessages

    order = await world.sale()
    message_id = world.gateway.write(order.pack_id, "¿Hay novedades?")

    found = await ReadUnreadMessages(world.uow, world.unread)()

    assert found == {world.account_id: 1}
    async with world.uow() as uow:
        stored = await uow.messages.find(message_id)
    assert stored is not None and stored.date_read is None, "read, not marked read"
