from __future__ import annotations

from application.errors import NotFound
from application.messages.conversation import store_messages
from application.notifications.record_resource import TypedRead
from application.ports.clock import Clock
from application.ports.message_gateway import MessageGateway, MessageRead
from application.ports.unit_of_work import UnitOfWork
from domain.accounts import Account
from domain.resources import ResourceSnapshot


class RecordMessages:
    """How a `messages` notification is read and stored (the TopicRecorder of
    RecordResource): its resource is a bare message id, or `/messages/{id}` (§9.2, §9.3);
    GET /messages/{id}?tag=post_sale (§8.4) gives the message and, in the current shape,
    its conversation's status; both are stored (a read or created action alike)."""

    def __init__(self, gateway: MessageGateway, clock: Clock) -> None:
        self._gateway = gateway
        self._clock = clock

    async def read(self, account: Account, resource: str) -> TypedRead:
        assert account.id is not None
        message_id = resource.partition("?")[0].rstrip("/").rsplit("/", 1)[-1]
        if not message_id or not message_id.isalnum():
            raise NotFound("message", resource)
        read = await self._gateway.get(account.id, message_id)
        snapshot = ResourceSnapshot(
            f"/messages/{read.message.id}", read.raw, self._clock.now(), "messages", account.id
        )
        return TypedRead(snapshot, read)

    async def store(self, uow: UnitOfWork, read: TypedRead, account: Account) -> None:
        assert isinstance(read.value, MessageRead)
        await store_messages(uow, [read.value.message])
        if read.value.status is not None:
            await uow.conversations.upsert(read.value.status)
