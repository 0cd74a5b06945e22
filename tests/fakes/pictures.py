"""FakePictureGateway: the PictureGateway port over FakeListingGateway's listings.

Held to the same contract suite as AiohttpPictureGateway on the sandbox
(tests/contracts/test_picture_gateway.py)."""

from __future__ import annotations

import itertools
from collections import Counter

import attrs

from application.errors import FieldProblem, NotFound, ValidationFailed
from application.ports.picture_gateway import PictureSize, UploadedPicture
from domain.listings import ListingStatus, Picture
from domain.pictures import MAX_PICTURE_BYTES, picture_format
from domain.sites import site_of_item
from tests.fakes.listings import FakeListingGateway, is_deleted

PICTURE_HOST = "http2.mlstatic.com"


class FakePictureGateway:
    """Uploads (§4.8: JPG, PNG or WEBP up to 10 MB, read from the bytes) kept by id with
    the seller that uploaded them; a listing links only its seller's uploads, once each,
    and a closed one links none. `calls` counts by method, `uploads` maps id to
    (seller id, bytes)."""

    def __init__(self, listings: FakeListingGateway) -> None:
        self.listings = listings
        self.uploads: dict[str, tuple[int, bytes]] = {}
        self.calls: Counter[str] = Counter()
        self._numbers = itertools.count(700_001)

    async def upload_picture(
        self, account_id: int, content: bytes, filename: str, content_type: str
    ) -> UploadedPicture:
        self.calls["upload_picture"] += 1
        if len(content) > MAX_PICTURE_BYTES:
            raise _refused("picture.size.invalid", "The file exceeds the 10 MB limit.")
        if picture_format(content) is None:
            raise _refused("picture.status.error", "Only JPG, PNG and WEBP files are accepted.")
        seller_id = self.listings.accounts.get(account_id)
        if seller_id is None:
            raise NotFound("account", account_id)
        picture_id = f"{next(self._numbers)}-MLA{seller_id}_012026"
        self.uploads[picture_id] = (seller_id, content)
        url = f"http://{PICTURE_HOST}/D_{picture_id}-F.jpg"
        return UploadedPicture(
            picture_id, (PictureSize("800x800", url, url.replace("http:", "https:", 1)),)
        )

    async def add_picture(self, account_id: int, item_id: str, picture_id: str) -> None:
        self.calls["add_picture"] += 1
        try:
            site_of_item(item_id)
        except Exception:
            raise NotFound("listing", item_id) from None
        listing = self.listings.items.get(item_id)
        if listing is None or is_deleted(listing):
            raise NotFound("listing", item_id)
        upload = self.uploads.get(picture_id)
        if upload is None or upload[0] != listing.seller_id:
            raise _refused("item.pictures.invalid", f"Picture {picture_id} is not yours.")
        if listing.status is ListingStatus.CLOSED:
            raise _refused("field_not_updatable", "A closed item cannot change.")
        if any(p.id == picture_id for p in listing.pictures):
            return
        url = f"http://{PICTURE_HOST}/D_{picture_id}-O.jpg"
        self.listings.items[item_id] = attrs.evolve(
            listing, pictures=(*listing.pictures, Picture(id=picture_id, url=url))
        )


def _refused(code: str, message: str) -> ValidationFailed:
    return ValidationFailed([FieldProblem("file", message, code)], "MercadoLibre refused it")
