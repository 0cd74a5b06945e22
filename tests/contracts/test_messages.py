from __future__ import annotations

import attrs
import pytest

from application.errors import Conflict

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
