from __future__ import annotations

from application.accounts.usable import require_usable
from application.messages.conversation import store_messages
from application.messages.views import UnreadView
from application.orders.scope import connected_account
from application.ports.message_gateway import MessageGateway
from application.ports.unit_of_work import UnitOfWorkFactory


class ListStoredUnread:
    """The conversations of an account with buyer (or agent) messages the seller has not
    read, the one waiting longest first, from the stored messages alone (no MercadoLibre
    call: the dashboard's panel). Raises NotFound for an unknown or disconnected
    account (its messages are not shown, as for its orders)."""

    def __init__(self, uow: UnitOfWorkFactory) -> None:
        self._uow = uow

    async def __call__(self, account_id: int) -> list[UnreadView]:
        async with self._uow() as uow:
            account = await connected_account(uow, account_id)
            found = await uow.messages.unread(account_id, account.seller_id)
        return [UnreadView(c.pack_id, c.oldest.order_id, c.unread, c.oldest) for c in found]


class ListUnread:
    """The conversations of an account with buyer (or agent) messages the seller has not
    read, the one waiting longest first, from the stored messages; with `refresh`,
    MercadoLibre's unread list (§8.4) is read first and each conversation it names read
    (without marking it read) and stored, as the periodic read does; so is each one
    stored as unread that the list no longer names (read in MercadoLibre's own app).
    Raises NotFound for an unknown or disconnected account."""

    def __init__(self, uow: UnitOfWorkFactory, gateway: MessageGateway) -> None:
        self._uow = uow
        self._gateway = gateway
        self._stored = ListStoredUnread(uow)

    async def __call__(self, account_id: int, *, refresh: bool = False) -> list[UnreadView]:
        async with self._uow() as uow:
            account = await connected_account(uow, account_id)
        if refresh:
            require_usable(account)
            named = [u.pack_id for u in await self._gateway.unread(account_id)]
            async with self._uow() as uow:
                stored = await uow.messages.unread(account_id, account.seller_id)
            # Conversations stored as unread that MercadoLibre no longer lists were read
            # (or answered) elsewhere, in its own app say: read back, they say when.
            gone = [c.pack_id for c in stored if c.pack_id not in set(named)]
            for pack_id in [*named, *gone]:
                conversation = await self._gateway.conversation(
                    account_id, account.seller_id, pack_id
                )
                async with self._uow() as uow:
                    await store_messages(uow, conversation.messages)
                    await uow.conversations.upsert(conversation.status)
                    await uow.commit()
        return await self._stored(account_id)
