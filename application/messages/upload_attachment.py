from __future__ import annotations

from application.errors import FieldProblem, PayloadTooLarge, UnsupportedMediaType, ValidationFailed
from application.messages.conversation import order_and_account
from application.ports.message_gateway import MessageGateway
from application.ports.unit_of_work import UnitOfWorkFactory

# §8.4: what an attachment may be.
MAX_BYTES = 25 * 1024 * 1024
MAX_NAME = 200
TYPES = {"jpg": b"\xff\xd8", "jpeg": b"\xff\xd8", "png": b"\x89PNG", "pdf": b"%PDF", "txt": b""}


def check_attachment(filename: str, content: bytes) -> None:
    """§8.4, checked before anything is sent: at most 25 MB (PayloadTooLarge), JPG, PNG,
    PDF or TXT by name and content (UnsupportedMediaType), a name of 1 to 200
    characters and a file that is not empty (ValidationFailed)."""
    if len(content) > MAX_BYTES:
        raise PayloadTooLarge(f"the file is {len(content)} bytes; the limit is {MAX_BYTES} (25 MB)")
    extension = filename.rsplit(".", 1)[-1].lower() if "." in filename else ""
    if extension not in TYPES:
        raise UnsupportedMediaType(f"{filename!r} is not a JPG, PNG, PDF or TXT file (§8.4)")
    if not content.startswith(TYPES[extension]) or (extension == "txt" and b"\x00" in content):
        raise UnsupportedMediaType(f"the content of {filename!r} is not a {extension.upper()} file")
    problems = []
    if not filename.strip() or len(filename) > MAX_NAME:
        problems.append(FieldProblem("file", f"the name must have 1 to {MAX_NAME} characters"))
    if not content:
        problems.append(FieldProblem("file", "is empty"))
    if problems:
        raise ValidationFailed(problems, message="the attachment cannot be uploaded")


class UploadAttachment:
    """Upload a file to attach to a message of an order's conversation (§8.4): checked
    first, then POST /messages/attachments; answers its id, to name in a message within
    48 hours (MercadoLibre deletes it otherwise). Raises NotFound for an unknown order."""

    def __init__(self, uow: UnitOfWorkFactory, gateway: MessageGateway) -> None:
        self._uow = uow
        self._gateway = gateway

    async def __call__(
        self, order_id: int, filename: str, content: bytes, account_id: int | None = None
    ) -> str:
        check_attachment(filename, content)
        async with self._uow() as uow:
            _order, account = await order_and_account(uow, order_id, account_id)
        assert account.id is not None
        return await self._gateway.upload(account.id, account.site_id, filename, content)
