from __future__ import annotations

from application.accounts.usable import usable_account
from application.errors import FieldProblem, ValidationFailed
from application.ports.picture_gateway import PictureGateway, UploadedPicture
from application.ports.unit_of_work import UnitOfWorkFactory
from domain.pictures import CONTENT_TYPES, MAX_PICTURE_BYTES, picture_format

MAX_FILENAME = 255


class UploadPicture:
    """Upload a picture for an account's listings (§4.8): checked here first (JPG, PNG
    or WEBP, told from the bytes, up to 10 MB), then sent once to
    /pictures/items/upload; the answer's id goes into POST/PUT /products or
    POST /products/{item_id}/pictures. Never repeated after an ambiguous failure (a
    second upload is a second picture)."""

    def __init__(self, uow: UnitOfWorkFactory, pictures: PictureGateway) -> None:
        self._uow = uow
        self._pictures = pictures

    async def __call__(self, account_id: int, content: bytes, filename: str) -> UploadedPicture:
        """Raises ValidationFailed (nothing sent) for an empty, oversized or unknown file,
        or with MercadoLibre's causes (too small a picture); NotFound for an unknown
        account, ReauthorizationRequired for one to connect again."""
        problems = check_picture(content)
        if problems:
            raise ValidationFailed(problems, "the picture cannot be uploaded")
        async with self._uow() as uow:
            await usable_account(uow, account_id)
        kind = picture_format(content)
        assert kind is not None
        name = (filename or f"picture.{kind}")[-MAX_FILENAME:]
        return await self._pictures.upload_picture(account_id, content, name, CONTENT_TYPES[kind])


def check_picture(content: bytes) -> list[FieldProblem]:
    """What MercadoLibre would refuse of the file (§4.8), before it is sent."""
    if not content:
        return [FieldProblem("file", "is empty", "picture.empty")]
    if len(content) > MAX_PICTURE_BYTES:
        return [FieldProblem("file", "must be at most 10 MB", "picture.too_large")]
    if picture_format(content) is None:
        return [FieldProblem("file", "must be a JPG, PNG or WEBP picture", "picture.format")]
    return []
