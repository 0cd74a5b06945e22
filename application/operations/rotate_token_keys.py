from __future__ import annotations

import logging

import attrs

from application.errors import (
    UndecryptableToken,
)
from application.ports.clock import Clock
from application.ports.crypto import TokenCipher
from application.ports.unit_of_work import UnitOfWorkFactory
from application.subscriptions.rotate_secrets import rotate_subscription_secrets

log = logging.getLogger(__name__)


@attrs.define(frozen=True)
class KeyRotation:
    """What a key rotation re-encrypted, and what no configured key could open."""

    accounts: int = 0
    subscriptions: int = 0
    unreadable_accounts: tuple[int, ...] = ()
    unreadable_subscriptions: tuple[int, ...] = ()
    purged_connect_flows: int = 0

    @property
    def complete(self) -> bool:
        """Whether every stored secret now opens with the current key alone."""
        return not (self.unreadable_accounts or self.unreadable_subscriptions)


class RotateTokenKeys:
    """Re-encrypt with the current (first) key every secret sealed at rest, so older
    keys can be retired: the accounts' OAuth tokens and the signing secrets of the
    outbound webhook subscriptions (sealed with the same cipher). Idempotent; what no
    configured key opens is reported, not fatal, so the rest still moves to the new key.

    Connect flows in progress keep their PKCE verifier sealed with the key that was
    current when they started; they last 10 minutes at most (the expired ones are purged
    here), so the old key must stay that long after a rotation.
    """

    def __init__(self, uow: UnitOfWorkFactory, cipher: TokenCipher, clock: Clock) -> None:
        self._uow = uow
        self._cipher = cipher
        self._clock = clock

    async def __call__(self) -> KeyRotation:
        accounts, unreadable_accounts = await self._rotate_tokens()
        subscriptions, unreadable_subscriptions = await rotate_subscription_secrets(
            self._uow, self._cipher
        )
        async with self._uow() as uow:
            purged = await uow.authorization_requests.purge_expired(self._clock.now())
            await uow.commit()
        rotation = KeyRotation(
            accounts,
            subscriptions,
            tuple(unreadable_accounts),
            tuple(unreadable_subscriptions),
            purged,
        )
        if not rotation.complete:
            log.warning(
                "no configured key decrypts the tokens of accounts %s or the secrets of "
                "subscriptions %s",
                list(rotation.unreadable_accounts),
                list(rotation.unreadable_subscriptions),
            )
        return rotation

    async def _rotate_tokens(self) -> tuple[int, list[int]]:
        rotated = 0
        unreadable: list[int] = []
        async with self._uow() as uow:
            accounts = await uow.accounts.list()
        for account in accounts:
            assert account.id is not None
            async with self._uow() as uow:
                sealed = await uow.accounts.get_tokens(account.id, for_update=True)
                if sealed is None:
                    continue
                secrets_ = [sealed.access_token, sealed.refresh_token]
                if not any(s and self._cipher.needs_rotation(s) for s in secrets_):
                    continue
                try:
                    access_token = self._cipher.rotate(sealed.access_token)
                    refresh_token = (
                        self._cipher.rotate(sealed.refresh_token) if sealed.refresh_token else None
                    )
                except UndecryptableToken:
                    unreadable.append(account.id)
                    continue
                await uow.accounts.store_tokens(
                    account.id,
                    attrs.evolve(sealed, access_token=access_token, refresh_token=refresh_token),
                )
                await uow.commit()
                rotated += 1
        return rotated, unreadable
