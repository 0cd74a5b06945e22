"""Pictures on MercadoLibre (mercadolibre-api.md §4.8), as the use cases see them.

Errors as for application.ports.marketplace.
"""

from __future__ import annotations

from typing import Protocol

import attrs


@attrs.define(frozen=True)
class PictureSize:
    """One size MercadoLibre made of an uploaded picture (`1920x1076`, its URLs)."""

    size: str
    url: str
    secure_url: str | None = None


@attrs.define(frozen=True)
class UploadedPicture:
    """An uploaded picture: its `id` goes into a listing's pictures (or a variation's
    `picture_ids`); the sizes show while MercadoLibre processes it."""

    id: str
    sizes: tuple[PictureSize, ...] = ()


class PictureGateway(Protocol):
    async def upload_picture(
        self, account_id: int, content: bytes, filename: str, content_type: str
    ) -> UploadedPicture:
        """POST /pictures/items/upload, multipart `file` (§4.8). ValidationFailed with
        MercadoLibre's causes for a file it refuses (format, size, too small). Not
        idempotent (each call is one more picture): never repeated after an ambiguous
        failure."""
        ...

    async def add_picture(self, account_id: int, item_id: str, picture_id: str) -> None:
        """POST /items/{id}/pictures {"id"} (§4.8): the listing shows one more picture and
        keeps the others (its variations keep theirs). A picture already on the listing
        stays once. NotFound for an unknown listing; ValidationFailed for a picture
        MercadoLibre refuses (not uploaded by the seller, over the category's maximum) or
        a listing that takes no change (closed)."""
        ...
