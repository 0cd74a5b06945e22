"""PictureGateway over HTTP (mercadolibre-api.md §4.8)."""

from __future__ import annotations

import attrs

from adapters.mercadolibre.account_calls import AccountCalls
from adapters.mercadolibre.client import Upload
from adapters.mercadolibre.converter import structure
from application.errors import NotFound
from application.ports.picture_gateway import PictureSize, UploadedPicture
from domain.errors import DomainError
from domain.sites import site_of_item


@attrs.define(frozen=True)
class _SizeAnswer:
    size: str = ""
    url: str = ""
    secure_url: str | None = None


@attrs.define(frozen=True)
class _UploadAnswer:
    """§4.8: `{"id", "variations": [{"size", "url", "secure_url"}]}`; `id` may come as a
    number."""

    id: str
    variations: list[_SizeAnswer] = attrs.field(factory=list)


class AiohttpPictureGateway:
    def __init__(self, calls: AccountCalls) -> None:
        self._calls = calls

    async def upload_picture(
        self, account_id: int, content: bytes, filename: str, content_type: str
    ) -> UploadedPicture:
        """One upload, never repeated after an ambiguous failure (idempotent=False): a
        second call would be a second picture."""
        response = await self._calls.call(
            account_id,
            "POST",
            "/pictures/items/upload",
            upload=Upload("file", filename, content, content_type),
            idempotent=False,
        )
        answer = structure(response.body, _UploadAnswer, "POST /pictures/items/upload")
        return UploadedPicture(
            str(answer.id),
            tuple(
                PictureSize(size.size, size.url, size.secure_url)
                for size in answer.variations
                if size.url
            ),
        )

    async def add_picture(self, account_id: int, item_id: str, picture_id: str) -> None:
        """Linking a picture the listing already shows leaves it as it is, so a repeat
        is safe (idempotent=True: retried after an ambiguous failure)."""
        try:
            site_of_item(item_id)
        except DomainError:
            raise NotFound("listing", item_id) from None
        try:
            await self._calls.send(
                account_id,
                "POST",
                f"/items/{item_id}/pictures",
                {"id": picture_id},
                idempotent=True,
            )
        except NotFound as error:
            raise NotFound("listing", item_id) from error
