from __future__ import annotations

from application.messages.conversation import order_and_account
from application.ports.message_gateway import Download, MessageGateway
from application.ports.unit_of_work import UnitOfWorkFactory


class DownloadAttachment:
    """An attachment of an order's conversation (§8.4 GET /messages/attachments/{id}).
    Raises NotFound for an unknown order or attachment (one MercadoLibre deleted
    included)."""

    def __init__(self, uow: UnitOfWorkFactory, gateway: MessageGateway) -> None:
        self._uow = uow
        self._gateway = gateway

    async def __call__(
        self, order_id: int, attachment_id: str, account_id: int | None = None
    ) -> Download:
        async with self._uow() as uow:
            _order, account = await order_and_account(uow, order_id, account_id)
        assert account.id is not None
        return await self._gateway.download(account.id, account.site_id, attachment_id)
