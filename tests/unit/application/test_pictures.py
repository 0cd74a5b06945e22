"""Pictures (issue 18, §4.8): uploads checked before they are sent, pictures added to a
listing without dropping the others."""

from __future__ import annotations

from datetime import UTC, datetime

import attrs
import pytest

from adapters.memory import InMemoryJobQueue, InMemoryStore, InMemoryUnitOfWork
from adapters.system.clock import ManualClock
from application.errors import Conflict, ValidationFailed
from application.listings.add_pictures import AddPictures, AddPicturesCommand
from application.listings.upload_picture import UploadPicture
from domain.accounts import Account
from domain.listings import Listing, ListingStatus, Picture
from domain.money import Money
from domain.pictures import MAX_PICTURE_BYTES
from tests.fakes import FakeListingGateway
from tests.fakes.pictures import FakePictureGateway
from tests.sandbox.images import png, webp


class World:
    def __init__(self) -> None:
        self.store = InMemoryStore()
        self.listings = FakeListingGateway()
        self.pictures = FakePictureGateway(self.listings)
        self.clock = ManualClock(datetime(2026, 12, 3, tzinfo=UTC))

    def uow(self) -> InMemoryUnitOfWork:
        return InMemoryUnitOfWork(self.store, InMemoryJobQueue())

    async def seller(self, *listings: Listing) -> int:
        async with self.uow() as uow:
            account = await uow.accounts.add(Account(202593498, "MLA", "SELLER"))
            await uow.commit()
        self.listings.connect(account.id, 202593498)
        for listing in listings:
            self.listings.add(attrs.evolve(listing, account_id=account.id))
            async with self.uow() as uow:
                await uow.listings.upsert([attrs.evolve(listing, account_id=account.id)])
                await uow.commit()
        return account.id


def a_listing(item_id: str = "MLA1000000001", **changes) -> Listing:
    listing = Listing(
        item_id,
        1,
        202593498,
        "Mate",
        "MLA1055",
        Money.of(100, "ARS"),
        5,
        pictures=(Picture(id="111-MLA1_012026", url="http://x/1.jpg"),),
    )
    return attrs.evolve(listing, **changes)


@pytest.mark.parametrize(
    "content",
    [b"", b"GIF89a", b"\x89PNG\r\n\x1a\n" + b"\x00" * MAX_PICTURE_BYTES],
    ids=["empty", "gif", "over 10 MB"],
)
async def test_what_mercadolibre_would_refuse_is_refused_before_it_is_sent(content):
    world = World()
    account_id = await world.seller()
    with pytest.raises(ValidationFailed) as refused:
        await UploadPicture(world.uow, world.pictures)(account_id, content, "x.png")
    assert refused.value.problems[0].field == "file"
    assert world.pictures.calls == {}


async def test_a_webp_uploads_with_its_content_type_told_from_its_bytes():
    world = World()
    account_id = await world.seller()
    uploaded = await UploadPicture(world.uow, world.pictures)(account_id, webp(900, 900), "")
    assert uploaded.id in world.pictures.uploads and uploaded.sizes


async def test_pictures_and_a_video_are_added_after_the_listings_own_and_stored():
    world = World()
    account_id = await world.seller(a_listing())
    first = await UploadPicture(world.uow, world.pictures)(account_id, png(800, 800), "a.png")
    second = await UploadPicture(world.uow, world.pictures)(account_id, png(900, 900), "b.png")
    add = AddPictures(world.uow, world.listings, world.pictures, world.clock)
    command = AddPicturesCommand("MLA1000000001", (first.id, second.id, first.id), "dQw4w9WgXcQ")

    added = await add(command)
    again = await add(command)

    ids = ["111-MLA1_012026", first.id, second.id]
    assert [p.id for p in added.listing.pictures] == ids
    assert [p.id for p in again.listing.pictures] == ids
    assert world.pictures.calls["add_picture"] == 2, "a picture shown is not linked again"
    async with world.uow() as uow:
        stored = await uow.listings.get("MLA1000000001")
    assert [p.id for p in stored.pictures] == ids and stored.video_id == "dQw4w9WgXcQ"


async def test_bad_ids_and_closed_listings_are_refused_without_a_call():
    world = World()
    await world.seller(a_listing(), a_listing("MLA1000000002", status=ListingStatus.CLOSED))
    add = AddPictures(world.uow, world.listings, world.pictures, world.clock)
    for bad in (
        AddPicturesCommand("MLA1000000001"),
        AddPicturesCommand("MLA1000000001", ("../etc",)),
        AddPicturesCommand("MLA1000000001", video_id="https://youtu.be/x"),
    ):
        with pytest.raises(ValidationFailed):
            await add(bad)
    with pytest.raises(Conflict):
        await add(AddPicturesCommand("MLA1000000002", ("111-MLA1_012026",)))
    assert world.pictures.calls == {} and "get_listing" not in world.listings.calls
