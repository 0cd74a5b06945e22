from __future__ import annotations

import asyncio
from datetime import timedelta

import attrs
import pytest

from application.errors import Conflict, NotFound
from domain.accounts import AccountStatus

from .builders import BIG, NOW, a_sync_log, an_account, given_account, sealed_tokens


async def test_an_added_account_gets_an_id_and_reads_back_with_every_field(uow_factory):
    account = an_account(status=AccountStatus.NEEDS_REAUTHORIZATION, status_reason="invalid_grant")
    async with uow_factory() as uow:
        added = await uow.accounts.add(account)
        await uow.commit()

    assert added.id is not None
    assert added == attrs.evolve(account, id=added.id)
    async with uow_factory() as uow:
        assert await uow.accounts.get(added.id) == added
        assert await uow.accounts.find_by_seller(account.seller_id) == added


async def test_accounts_get_distinct_ids(uow_factory):
    first = await given_account(uow_factory, seller_id=1)
    second = await given_account(uow_factory, seller_id=2)

    assert first.id != second.id


async def test_adding_a_seller_that_is_already_connected_raises_conflict(uow_factory):
    await given_account(uow_factory, seller_id=BIG)

    async with uow_factory() as uow:
        with pytest.raises(Conflict):
            await uow.accounts.add(an_account(seller_id=BIG, nickname="OTHER"))


async def test_a_conflict_on_add_leaves_the_unit_of_work_usable(uow_factory):
    await given_account(uow_factory, seller_id=10)

    async with uow_factory() as uow:
        with pytest.raises(Conflict):
            await uow.accounts.add(an_account(seller_id=10))
        existing = await uow.accounts.find_by_seller(10)
        other = await uow.accounts.add(an_account(seller_id=11))
        await uow.commit()

    async with uow_factory() as uow:
        assert [a.id for a in await uow.accounts.list()] == [existing.id, other.id]


async def test_getting_an_unknown_account_raises_not_found(uow_factory):
    async with uow_factory() as uow:
        with pytest.raises(NotFound):
            await uow.accounts.get(404)


async def test_finding_an_unknown_seller_returns_none(uow_factory):
    async with uow_factory() as uow:
        assert await uow.accounts.find_by_seller(404) is None


async def test_saving_an_unknown_account_raises_not_found(uow_factory):
    async with uow_factory() as uow:
        with pytest.raises(NotFound):
            await uow.accounts.save(an_account(id=404))


async def test_saved_changes_are_read_back_after_commit(uow_factory):
    account = await given_account(uow_factory)
    later = NOW + timedelta(days=1)

    async with uow_factory() as uow:
        stored = await uow.accounts.get(account.id)
        stored.needs_reauthorization("invalid_grant", later)
        await uow.accounts.save(stored)
        await uow.commit()

    async with uow_factory() as uow:
        again = await uow.accounts.get(account.id)
    assert again.status is AccountStatus.NEEDS_REAUTHORIZATION
    assert again.status_reason == "invalid_grant"
    assert again.updated_at == later
    assert again == stored


async def test_accounts_are_listed_by_id_and_filtered_by_status(uow_factory):
    first = await given_account(uow_factory, seller_id=3)
    second = await given_account(uow_factory, seller_id=1, status=AccountStatus.DISCONNECTED)
    third = await given_account(uow_factory, seller_id=2)

    async with uow_factory() as uow:
        everyone = await uow.accounts.list()
        active = await uow.accounts.list(AccountStatus.ACTIVE)
        disconnected = await uow.accounts.list(AccountStatus.DISCONNECTED)

    assert [a.id for a in everyone] == [first.id, second.id, third.id]
    assert [a.id for a in active] == [first.id, third.id]
    assert disconnected == [second]


async def test_an_account_without_tokens_has_none(uow_factory):
    account = await given_account(uow_factory)

    async with uow_factory() as uow:
        assert await uow.accounts.get_tokens(account.id) is None
        assert await uow.accounts.get_tokens(account.id, for_update=True) is None
        assert (await uow.accounts.get(account.id)).token_expires_at is None


async def test_stored_tokens_read_back_sealed_exactly_as_stored(uow_factory):
    account = await given_account(uow_factory)
    tokens = sealed_tokens(refresh_token=None, scope="")

    async with uow_factory() as uow:
        stored = await uow.accounts.store_tokens(account.id, tokens)
        await uow.commit()

    assert stored == attrs.evolve(tokens, version=1)
    async with uow_factory() as uow:
        assert await uow.accounts.get_tokens(account.id) == stored


async def test_storing_tokens_bumps_the_version_every_time(uow_factory):
    account = await given_account(uow_factory)

    versions = []
    for n in range(3):
        async with uow_factory() as uow:
            stored = await uow.accounts.store_tokens(
                account.id, sealed_tokens(access_token=f"sealed:{n}", version=99)
            )
            await uow.commit()
        versions.append(stored.version)

    assert versions == [1, 2, 3]
    async with uow_factory() as uow:
        latest = await uow.accounts.get_tokens(account.id)
    assert (latest.access_token, latest.version) == ("sealed:2", 3)


async def test_storing_tokens_for_an_unknown_account_raises_not_found(uow_factory):
    async with uow_factory() as uow:
        with pytest.raises(NotFound):
            await uow.accounts.store_tokens(404, sealed_tokens())


async def test_the_account_token_expiry_follows_the_stored_tokens(uow_factory):
    account = await given_account(uow_factory)
    tokens = sealed_tokens()

    async with uow_factory() as uow:
        await uow.accounts.store_tokens(account.id, tokens)
        stored = await uow.accounts.get(account.id)
        # A save carrying another expiry does not move the tokens' one.
        await uow.accounts.save(attrs.evolve(stored, token_expires_at=NOW))
        await uow.commit()

    async with uow_factory() as uow:
        assert (await uow.accounts.get(account.id)).token_expires_at == tokens.expires_at
        assert (await uow.accounts.list())[0].token_expires_at == tokens.expires_at


async def test_erasing_tokens_forgets_them_and_can_be_repeated(uow_factory):
    account = await given_account(uow_factory)
    async with uow_factory() as uow:
        await uow.accounts.store_tokens(account.id, sealed_tokens())
        await uow.commit()

    for _ in range(2):
        async with uow_factory() as uow:
            await uow.accounts.erase_tokens(account.id)
            await uow.commit()

    async with uow_factory() as uow:
        assert await uow.accounts.get_tokens(account.id) is None
        assert (await uow.accounts.get(account.id)).token_expires_at is None
        await uow.accounts.erase_tokens(404)


async def test_the_version_keeps_growing_after_tokens_were_erased(uow_factory):
    account = await given_account(uow_factory)
    async with uow_factory() as uow:
        await uow.accounts.store_tokens(account.id, sealed_tokens())
        await uow.accounts.erase_tokens(account.id)
        stored = await uow.accounts.store_tokens(account.id, sealed_tokens())
        await uow.commit()

    assert stored.version == 2


async def test_a_token_read_for_update_sees_the_latest_committed_version(uow_factory):
    account = await given_account(uow_factory)
    async with uow_factory() as reader:
        async with uow_factory() as writer:
            await writer.accounts.store_tokens(account.id, sealed_tokens(access_token="new"))
            await writer.commit()
        latest = await reader.accounts.get_tokens(account.id, for_update=True)

    assert (latest.access_token, latest.version) == ("new", 1)


async def test_a_token_read_for_update_waits_until_the_holder_commits(uow_factory):
    account = await given_account(uow_factory)
    async with uow_factory() as uow:
        await uow.accounts.store_tokens(account.id, sealed_tokens(access_token="first"))
        await uow.commit()

    holder_committed = asyncio.Event()

    async def refresh_in_another_unit_of_work() -> int:
        async with uow_factory() as other:
            tokens = await other.accounts.get_tokens(account.id, for_update=True)
            assert holder_committed.is_set(), "read before the holder released the row"
            stored = await other.accounts.store_tokens(
                account.id, sealed_tokens(access_token=f"after-{tokens.access_token}")
            )
            await other.commit()
        return stored.version

    async with uow_factory() as holder:
        tokens = await holder.accounts.get_tokens(account.id, for_update=True)
        waiter = asyncio.create_task(refresh_in_another_unit_of_work())
        await asyncio.sleep(0.2)
        assert not waiter.done()
        await holder.accounts.store_tokens(account.id, sealed_tokens(access_token="second"))
        holder_committed.set()
        await holder.commit()

    assert await asyncio.wait_for(waiter, timeout=10) == 3
    async with uow_factory() as uow:
        assert (await uow.accounts.get_tokens(account.id)).access_token == "after-second"
    assert tokens.version == 1


async def test_deleting_an_account_removes_it_and_its_tokens(uow_factory):
    account = await given_account(uow_factory, seller_id=BIG)
    kept = await given_account(uow_factory, seller_id=2)
    async with uow_factory() as uow:
        await uow.accounts.store_tokens(account.id, sealed_tokens())
        await uow.commit()

    async with uow_factory() as uow:
        await uow.accounts.delete(account.id)
        await uow.commit()

    async with uow_factory() as uow:
        assert await uow.accounts.find_by_seller(BIG) is None
        assert await uow.accounts.get_tokens(account.id) is None
        assert [a.id for a in await uow.accounts.list()] == [kept.id]
        with pytest.raises(NotFound):
            await uow.accounts.get(account.id)
        with pytest.raises(NotFound):
            await uow.accounts.delete(account.id)
    again = await given_account(uow_factory, seller_id=BIG)
    assert again.id != account.id, "the seller can be connected again, under a new id"


async def test_an_account_that_anything_refers_to_is_not_deleted(uow_factory):
    account = await given_account(uow_factory)
    async with uow_factory() as uow:
        await uow.accounts.store_tokens(account.id, sealed_tokens())
        await uow.sync_logs.add(a_sync_log(account_id=account.id))
        await uow.commit()

    async with uow_factory() as uow:
        with pytest.raises(Conflict):
            await uow.accounts.delete(account.id)
        # The refusal leaves the unit of work usable, as every Conflict does.
        await uow.accounts.erase_tokens(account.id)
        await uow.commit()

    async with uow_factory() as uow:
        assert await uow.accounts.get(account.id) == attrs.evolve(account, token_expires_at=None)
        assert await uow.accounts.get_tokens(account.id) is None


async def test_a_delete_rolled_back_keeps_the_account(uow_factory):
    account = await given_account(uow_factory)
    async with uow_factory() as uow:
        await uow.accounts.delete(account.id)

    async with uow_factory() as uow:
        assert await uow.accounts.get(account.id) == account
