"""AuthorizationRequestRepository contract: a pending connect flow is taken once."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from domain.accounts import AuthorizationRequest

NOW = datetime(2026, 11, 26, 12, tzinfo=UTC)


def a_request(state: str = "s" * 43, minutes: int = 10) -> AuthorizationRequest:
    return AuthorizationRequest(
        state=state,
        site_id="MCO",
        sealed_code_verifier="gAAAA-sealed",
        created_at=NOW,
        expires_at=NOW + timedelta(minutes=minutes),
    )


async def test_a_request_reads_back_once_then_is_gone(uow_factory):
    request = a_request()
    async with uow_factory() as uow:
        await uow.authorization_requests.add(request)
        await uow.commit()
    async with uow_factory() as uow:
        assert await uow.authorization_requests.take(request.state) == request
        await uow.commit()
    async with uow_factory() as uow:
        assert await uow.authorization_requests.take(request.state) is None


async def test_a_take_that_is_rolled_back_leaves_the_request(uow_factory):
    async with uow_factory() as uow:
        await uow.authorization_requests.add(a_request())
        await uow.commit()
    async with uow_factory() as uow:
        assert await uow.authorization_requests.take("s" * 43) is not None
    async with uow_factory() as uow:
        assert await uow.authorization_requests.take("s" * 43) is not None


async def test_two_concurrent_takes_give_the_request_to_only_one(uow_factory):
    async with uow_factory() as uow:
        await uow.authorization_requests.add(a_request())
        await uow.commit()

    async def take():
        async with uow_factory() as uow:
            found = await uow.authorization_requests.take("s" * 43)
            await asyncio.sleep(0.05)
            await uow.commit()
            return found

    results = await asyncio.gather(take(), take())
    assert sum(result is not None for result in results) == 1


async def test_expired_requests_are_purged(uow_factory):
    async with uow_factory() as uow:
        await uow.authorization_requests.add(a_request("a" * 43, minutes=1))
        await uow.authorization_requests.add(a_request("b" * 43, minutes=30))
        await uow.commit()
    async with uow_factory() as uow:
        assert await uow.authorization_requests.purge_expired(NOW + timedelta(minutes=5)) == 1
        await uow.commit()
    async with uow_factory() as uow:
        assert await uow.authorization_requests.take("a" * 43) is None
        assert await uow.authorization_requests.take("b" * 43) is not None
