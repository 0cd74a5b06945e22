from __future__ import annotations

import logging

from application.accounts.token_vault import TokenVault
from application.accounts.usable import profile_pending, store_profile
from application.ports.clock import Clock
from application.ports.oauth import OAuthGateway
from application.ports.unit_of_work import UnitOfWorkFactory
from domain.accounts import Account

log = logging.getLogger(__name__)


class RefreshAccount:
    """An operator's forced refresh (REST and CLI): returns the account afterwards.

    An account whose profile could not be read when it was connected (profile_pending)
    gets it now, with the new token (GET /users/me, §3).
    """

    def __init__(
        self, uow: UnitOfWorkFactory, vault: TokenVault, oauth: OAuthGateway, clock: Clock
    ) -> None:
        self._uow = uow
        self._vault = vault
        self._oauth = oauth
        self._clock = clock

    async def __call__(self, account_id: int) -> Account:
        token = await self._vault.refresh(account_id)
        async with self._uow() as uow:
            account = await uow.accounts.get(account_id)
        if not profile_pending(account):
            return account
        profile = await self._oauth.profile(token)
        async with self._uow() as uow:
            account = await store_profile(uow, account_id, profile, self._clock.now())
            await uow.commit()
        return account
