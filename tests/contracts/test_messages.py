from __future__ import annotations

import attrs
import pytest

from application.errors import Conflict, NotFound
from application.queries import Paging
from domain.message_rules import MessageRule, MessageRuleRun, OrderEvent, RuleMode, RunStatus
from domain.messages import ConversationStatus, MessageSend, SendStatus

from .builders import BIG, NOW, a_message, given_account, minutes


async def test_a_message_reads_back_with_every_field(uow_factory):
    account = await given_account(uow_factory)
    message = a_message(account_id=account.id)
    async with uow_factory() as uow:
        await uow.messages.upsert([message])
        await uow.commit()

    async with uow_factory() as uow:
        assert await uow.messages.find(message.id) == message


async def test_a_message_with_only_the_required_fields_reads_back_as_stored(uow_factory):
    account = await given_account(uow_factory)
    message = a_message(
        account_id=account.id,
        attachments=(),
        moderation_status=None,
        date_read=None,
        order_id=None,
        text="",
    )
    async with uow_factory() as uow:
        await uow.messages.upsert([message])
        assert await uow.messages.find(message.id) == message


async def test_finding_an_unknown_message_returns_none(uow_factory):
    async with uow_factory() as uow:
        assert await uow.messages.find("404") is None


async def test_upsert_replaces_a_stored_message(uow_factory):
    account = await given_account(uow_factory)
    message = a_message(account_id=account.id, date_read=None)
    read = attrs.evolve(message, date_read=NOW + minutes(10), moderation_status="rejected")
    async with uow_factory() as uow:
        await uow.messages.upsert([message])
        await uow.commit()
    async with uow_factory() as uow:
        await uow.messages.upsert([read])
        await uow.commit()

    async with uow_factory() as uow:
        assert await uow.messages.find(message.id) == read


async def test_a_conversation_holds_the_messages_of_one_pack_oldest_first(uow_factory):
    first = await given_account(uow_factory, seller_id=1)
    second = await given_account(uow_factory, seller_id=2)
    pack = BIG + 6
    messages = [
        a_message("c", first.id, date_created=NOW + minutes(2)),
        a_message("a", first.id, date_created=NOW),
        a_message("b", first.id, date_created=NOW),
        a_message("other-pack", first.id, pack_id=pack + 1),
        a_message("other-account", second.id),
    ]
    async with uow_factory() as uow:
        await uow.messages.upsert(messages)
        await uow.commit()

    async with uow_factory() as uow:
        conversation = await uow.messages.conversation(first.id, pack)
        assert await uow.messages.conversation(first.id, 404) == []

    assert [message.id for message in conversation] == ["a", "b", "c"]


async def test_a_message_of_an_unknown_account_is_refused_with_conflict(uow_factory):
    async with uow_factory() as uow:
        with pytest.raises(Conflict):
            await uow.messages.upsert([a_message(account_id=404)])


async def test_the_raw_json_and_the_moderation_reason_read_back(uow_factory):
    account = await given_account(uow_factory)
    message = a_message(
        account_id=account.id,
        status="rejected",
        moderation_status="rejected",
        moderation_reason="PERSONAL_DATA",
        raw={"id": "0a1b2c3d4e5f", "text": "mi teléfono"},
    )
    async with uow_factory() as uow:
        await uow.messages.upsert([message])
        await uow.commit()

    async with uow_factory() as uow:
        stored = await uow.messages.find(message.id)
    assert stored is not None and stored.moderation_reason == "PERSONAL_DATA"
    assert stored.raw == {"id": "0a1b2c3d4e5f", "text": "mi teléfono"} and stored.hidden


async def test_unread_lists_conversations_with_messages_to_the_seller_oldest_first(uow_factory):
    account = await given_account(uow_factory)
    buyer = BIG + 3
    seller = account.seller_id
    messages = [
        a_message(
            "late",
            account.id,
            pack_id=2,
            from_user_id=buyer,
            to_user_id=seller,
            date_read=None,
            date_created=NOW + minutes(5),
        ),
        a_message(
            "early",
            account.id,
            pack_id=1,
            from_user_id=buyer,
            to_user_id=seller,
            date_read=None,
            date_created=NOW + minutes(1),
        ),
        a_message(
            "early-2",
            account.id,
            pack_id=1,
            from_user_id=buyer,
            to_user_id=seller,
            date_read=None,
            date_created=NOW + minutes(9),
        ),
        a_message(
            "read", account.id, pack_id=3, from_user_id=buyer, to_user_id=seller, date_read=NOW
        ),
        a_message(
            "ours", account.id, pack_id=4, from_user_id=seller, to_user_id=buyer, date_read=None
        ),
    ]
    async with uow_factory() as uow:
        await uow.messages.upsert(messages)
        await uow.commit()

    async with uow_factory() as uow:
        unread = await uow.messages.unread(account.id, seller)

    assert [(c.pack_id, c.unread, c.oldest.id) for c in unread] == [(1, 2, "early"), (2, 1, "late")]


async def test_a_conversation_status_reads_back_and_is_replaced(uow_factory):
    account = await given_account(uow_factory)
    active = ConversationStatus(
        account.id, BIG + 6, "active", shipping_id=5, path="/packs/1/seller/2"
    )
    blocked = attrs.evolve(
        active, status="blocked", substatus="blocked_by_mediation", status_date=NOW, claim_id=7
    )
    async with uow_factory() as uow:
        assert await uow.conversations.find(account.id, BIG + 6) is None
        await uow.conversations.upsert(active)
        await uow.commit()
    async with uow_factory() as uow:
        assert await uow.conversations.find(account.id, BIG + 6) == active
        await uow.conversations.upsert(blocked)
        await uow.commit()
    async with uow_factory() as uow:
        assert await uow.conversations.find(account.id, BIG + 6) == blocked


def a_send(account_id: int, **changes) -> MessageSend:
    send = MessageSend(
        account_id=account_id,
        pack_id=BIG + 6,
        order_id=BIG + 7,
        to_user_id=BIG + 3,
        text="¡Gracias!",
        requested_at=NOW,
        attachments=("1_a.pdf",),
        template_id=3,
        option_id="OTHER",
    )
    return attrs.evolve(send, **changes)


async def test_a_send_is_recorded_settled_and_read_back(uow_factory):
    account = await given_account(uow_factory)
    async with uow_factory() as uow:
        send = await uow.message_sends.add(a_send(account.id))
        await uow.commit()
    assert send.id is not None

    async with uow_factory() as uow:
        assert await uow.message_sends.get(send.id) == send
        assert await uow.message_sends.pending_of(account.id, BIG + 6) == send
        send.settle(SendStatus.SENT, NOW + minutes(1), message_id="m-1")
        await uow.message_sends.save(send)
        await uow.commit()

    async with uow_factory() as uow:
        assert await uow.message_sends.get(send.id) == send
        assert await uow.message_sends.pending_of(account.id, BIG + 6) is None
        assert await uow.message_sends.of_conversation(account.id, BIG + 6) == [send]
        assert await uow.message_sends.sent_message_ids(account.id, BIG + 6) == {"m-1"}
        with pytest.raises(NotFound):
            await uow.message_sends.get(404)


async def test_a_second_pending_send_to_one_conversation_is_refused(uow_factory):
    account = await given_account(uow_factory)
    async with uow_factory() as uow:
        await uow.message_sends.add(a_send(account.id))
        await uow.commit()

    with pytest.raises(Conflict, match="being sent"):
        async with uow_factory() as uow:
            await uow.message_sends.add(a_send(account.id, text="otra"))
            await uow.commit()
    async with uow_factory() as uow:
        other = await uow.message_sends.add(a_send(account.id, pack_id=BIG + 8))
        await uow.commit()
    assert other.id is not None


def a_rule(**changes) -> MessageRule:
    rule = MessageRule("Enviado", OrderEvent.SHIPPED, 3, NOW, delay_seconds=600, account_ids=(1,))
    return attrs.evolve(rule, **changes)


async def test_a_message_rule_is_added_listed_replaced_and_deleted(uow_factory):
    async with uow_factory() as uow:
        rule = await uow.message_rules.add(a_rule())
        other = await uow.message_rules.add(a_rule(name="Pagado", event=OrderEvent.PAID))
        await uow.commit()
    assert rule.id is not None and other.id is not None

    async with uow_factory() as uow:
        assert await uow.message_rules.list() == [rule, other]
        changed = attrs.evolve(rule, mode=RuleMode.DRY_RUN, enabled=False)
        await uow.message_rules.save(changed)
        await uow.message_rules.delete(other.id)
        await uow.commit()

    async with uow_factory() as uow:
        assert await uow.message_rules.list() == [changed]
        with pytest.raises(NotFound):
            await uow.message_rules.get(other.id)
        with pytest.raises(NotFound):
            await uow.message_rules.delete(other.id)


async def test_a_rule_meets_an_order_once_and_its_runs_are_due_then_logged(uow_factory):
    account = await given_account(uow_factory)
    run = MessageRuleRun(7, BIG + 7, account.id, OrderEvent.SHIPPED, NOW + minutes(10), NOW)
    async with uow_factory() as uow:
        stored = await uow.message_rule_runs.add(run)
        assert await uow.message_rule_runs.add(attrs.evolve(run, due_at=NOW)) is None
        later = await uow.message_rule_runs.add(attrs.evolve(run, order_id=BIG + 8, due_at=NOW))
        await uow.commit()
    assert stored is not None and later is not None

    async with uow_factory() as uow:
        assert [r.id for r in await uow.message_rule_runs.due(NOW + minutes(10), 10)] == [
            later.id,
            stored.id,
        ]
        assert await uow.message_rule_runs.due(NOW, 10) == [later]
        later.finish(RunStatus.SENT, NOW + minutes(1), text="¡Ya salió!")
        await uow.message_rule_runs.save(later)
        await uow.commit()

    async with uow_factory() as uow:
        assert await uow.message_rule_runs.get(later.id) == later
        assert [r.id for r in await uow.message_rule_runs.due(NOW + minutes(20), 10)] == [stored.id]
        page = await uow.message_rule_runs.for_rule(7, Paging(0, 10))
        assert page.total == 2 and {r.id for r in page.items} == {stored.id, later.id}


async def test_pending_sends_are_found_oldest_first_past_a_cursor(uow_factory):
    account = await given_account(uow_factory)
    async with uow_factory() as uow:
        old = await uow.message_sends.add(a_send(account.id, pack_id=1))
        new = await uow.message_sends.add(
            a_send(account.id, pack_id=2, requested_at=NOW + minutes(1))
        )
        done = await uow.message_sends.add(a_send(account.id, pack_id=3))
        done.settle(SendStatus.FAILED, NOW, "refused")
        await uow.message_sends.save(done)
        await uow.commit()

    async with uow_factory() as uow:
        found = await uow.message_sends.pending(NOW + minutes(5), 10)
        assert [s.id for s in found] == [old.id, new.id]
        assert await uow.message_sends.pending(NOW + minutes(1), 10) == [old]
        after = await uow.message_sends.pending(NOW + minutes(5), 10, (old.requested_at, old.id))
        assert after == [new]
        runs = await uow.message_rule_runs.due(NOW, 10, (NOW, 0))
        assert runs == []
