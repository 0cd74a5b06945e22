"""PictureGateway contract (application/ports/picture_gateway.py, mercadolibre-api.md
§4.8): AiohttpPictureGateway on the sandbox over loopback, and FakePictureGateway."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
import pytest_asyncio

from application.errors import NotFound, ValidationFailed
from tests.contracts.listing_worlds import (
    FakeListingWorld,
    ListingWorld,
    SandboxListingWorld,
    plain,
    shoes,
)
from tests.sandbox.images import jpeg_header, png, webp

pytestmark = pytest.mark.asyncio(loop_scope="module")


@pytest.fixture(params=[pytest.param("sandbox", marks=pytest.mark.sandbox), "fake"])
def implementation(request: pytest.FixtureRequest) -> tuple[str, object, object]:
    if request.param == "sandbox":
        sandbox = request.getfixturevalue("gateway_sandbox")
        return request.param, sandbox, request.getfixturevalue("gateway_session")
    return request.param, None, None


@pytest_asyncio.fixture(loop_scope="module")
async def world(implementation) -> AsyncIterator[ListingWorld]:
    kind, sandbox, session = implementation
    if kind == "sandbox":
        yield await SandboxListingWorld.start(sandbox, session)
    else:
        yield FakeListingWorld()


async def test_jpg_png_and_webp_upload_and_answer_a_picture_id_with_its_sizes(world):
    for content, name, kind in (
        (png(800, 800), "a.png", "image/png"),
        (jpeg_header(1200, 900), "b.jpg", "image/jpeg"),
        (webp(1000, 1000), "c.webp", "image/webp"),
    ):
        uploaded = await world.pictures.upload_picture(world.account_id, content, name, kind)
        assert uploaded.id and uploaded.sizes, name
        assert all(size.url.startswith("http") for size in uploaded.sizes)


async def test_what_is_not_a_picture_is_refused(world):
    with pytest.raises(ValidationFailed):
        await world.pictures.upload_picture(world.account_id, b"%PDF-1.4", "a.pdf", "image/png")


async def test_a_picture_is_added_to_a_listing_and_the_others_stay(world):
    sneakers = await world.listing(shoes(await world.picture()))
    before = [p.id for p in sneakers.pictures]
    variation_pictures = [v.picture_ids for v in sneakers.variations]
    uploaded = await world.pictures.upload_picture(
        world.account_id, png(800, 800), "new.png", "image/png"
    )

    await world.pictures.add_picture(world.account_id, sneakers.item_id, uploaded.id)
    await world.pictures.add_picture(world.account_id, sneakers.item_id, uploaded.id)

    read = await world.gateway.get_listing(world.account_id, sneakers.item_id)
    assert [p.id for p in read.pictures] == [*before, uploaded.id], "added once, others kept"
    assert [v.picture_ids for v in read.variations] == variation_pictures


async def test_pictures_of_unknown_or_closed_listings_are_refused(world):
    uploaded = await world.pictures.upload_picture(
        world.account_id, png(800, 800), "new.png", "image/png"
    )
    for unknown in ("MLA1", "not-an-id"):
        with pytest.raises(NotFound):
            await world.pictures.add_picture(world.account_id, unknown, uploaded.id)
    simple = await world.listing(plain())
    await world.gateway.delete_listing(world.account_id, simple.item_id)
    closed = await world.listing(plain())
    from application.ports.listing_gateway import ListingChanges
    from domain.listings import ListingStatus

    await world.gateway.update_listing(
        world.account_id, closed.item_id, ListingChanges(status=ListingStatus.CLOSED)
    )
    with pytest.raises((ValidationFailed, NotFound)):
        await world.pictures.add_picture(world.account_id, simple.item_id, uploaded.id)
    with pytest.raises(ValidationFailed):
        await world.pictures.add_picture(world.account_id, closed.item_id, uploaded.id)
