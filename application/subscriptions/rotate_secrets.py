from __future__ import annotations

import attrs

from application.errors import UndecryptableToken
from application.ports.crypto import TokenCipher
from application.ports.unit_of_work import UnitOfWorkFactory


async def rotate_subscription_secrets(
    uow: UnitOfWorkFactory, cipher: TokenCipher
) -> tuple[int, list[int]]:
    """Re-encrypt with the cipher's current key the signing secret of every subscription
    not deleted (part of `meli keys rotate`). Returns how many were re-encrypted and the
    ids of those no configured key decrypts. Idempotent.

    A deleted subscription's secret is left as it is: it is never decrypted again
    (DeliverWebhook gives up on a deleted subscription first).
    """
    async with uow() as reading:
        listed = await reading.subscriptions.list()
    rotated = 0
    unreadable: list[int] = []
    for candidate in listed:
        assert candidate.id is not None
        if not cipher.needs_rotation(candidate.sealed_secret):
            continue
        async with uow() as writing:
            # Read again where it is written, so a deletion made meanwhile is not undone.
            subscription = await writing.subscriptions.get(candidate.id)
            if subscription.deleted_at is not None:
                continue
            try:
                sealed = cipher.rotate(subscription.sealed_secret)
            except UndecryptableToken:
                unreadable.append(candidate.id)
                continue
            await writing.subscriptions.save(attrs.evolve(subscription, sealed_secret=sealed))
            await writing.commit()
        rotated += 1
    return rotated, unreadable
