"""Descriptions (§4.7) and pictures (§4.8)."""

from __future__ import annotations

from typing import Any

from aiohttp import FormData

from sandbox.pictures import image_size
from tests.sandbox.conftest import MLA_ITEM, Sandbox
from tests.sandbox.images import jpeg_header, png, webp


def codes(body: dict[str, Any]) -> list[str]:
    return [c["code"] for c in body["cause"]]


async def test_description_lifecycle(sandbox: Sandbox) -> None:
    """ref: mercadolibre-api.md §4.7 (POST creates, GET shape, PUT updates)."""
    item = await sandbox.create_item(MLA_ITEM)
    path = f"/items/{item['id']}/description"
    assert (await sandbox.get(path))[0] == 404
    status, created = await sandbox.post(path, json={"plain_text": "line1\nline2"})
    assert status == 201
    assert set(created) == {"text", "plain_text", "last_updated", "date_created", "snapshot"}
    assert created["plain_text"] == "line1\nline2"
    status, updated = await sandbox.put(
        path, json={"plain_text": "otra"}, params={"api_version": "2"}
    )
    assert (status, updated["plain_text"]) == (200, "otra")
    assert updated["date_created"] == created["date_created"]
    assert (await sandbox.get(path))[1]["plain_text"] == "otra"


async def test_post_when_a_description_exists_fails(sandbox: Sandbox) -> None:
    """ref: mercadolibre-api.md §4.7 (POST fails if one already exists [OBS: 400])."""
    item = await sandbox.create_item(MLA_ITEM)
    path = f"/items/{item['id']}/description"
    await sandbox.post(path, json={"plain_text": "first"})
    status, body = await sandbox.post(path, json={"plain_text": "second"})
    assert (status, codes(body)) == (400, ["item.description.already_exists"])


async def test_html_is_refused(sandbox: Sandbox) -> None:
    """ref: mercadolibre-api.md §4.7 (HTML -> 400 item.description.type.invalid)."""
    item = await sandbox.create_item(MLA_ITEM)
    path = f"/items/{item['id']}/description"
    status, body = await sandbox.post(path, json={"plain_text": "Hola <b>mundo</b>"})
    assert (status, codes(body)) == (400, ["item.description.type.invalid"])
    status, body = await sandbox.post(path, json={"text": "<p>Hola</p>"})
    assert (status, codes(body)) == (400, ["item.description.type.invalid"])
    status, body = await sandbox.put(
        path, json={"plain_text": "ab <i>c</i>"}, params={"api_version": "2"}
    )
    assert "position 3" in body["cause"][0]["message"]
    assert (await sandbox.post(path, json={"plain_text": "5 < 6 y 7 > 2"}))[0] == 201


async def test_description_length_limit(sandbox: Sandbox) -> None:
    """ref: mercadolibre-api.md §4.7 (max length from settings.max_description_length)."""
    item = await sandbox.create_item(MLA_ITEM)
    path = f"/items/{item['id']}/description"
    status, body = await sandbox.post(path, json={"plain_text": "x" * 50_001})
    assert (status, codes(body)) == (400, ["item.description.max_length"])
    assert (await sandbox.post(path, json={"plain_text": "x" * 50_000}))[0] == 201


async def test_demo_items_mostly_have_descriptions(sandbox: Sandbox) -> None:
    """ref: mercadolibre-api.md §4.7 (GET /items/{id}/description on demo data)."""
    listings = sandbox.state.items.listings[sandbox.seller(1)]
    status, body = await sandbox.get(f"/items/{listings.item_id(0)}/description")
    assert status == 200
    assert body["plain_text"].startswith(sandbox.state.items.get(listings.item_id(0))["title"])
    assert (await sandbox.get(f"/items/{listings.item_id(3)}/description"))[0] == 404
    status, _ = await sandbox.post(
        f"/items/{listings.item_id(0)}/description", json={"plain_text": "x"}
    )
    assert status == 403


async def test_upload_answers_id_and_sizes(sandbox: Sandbox) -> None:
    """ref: mercadolibre-api.md §4.8 (POST /pictures/items/upload multipart -> {id,
    variations})."""
    form = FormData()
    form.add_field("file", png(1200, 900), filename="p.png", content_type="image/png")
    status, body = await sandbox.post("/pictures/items/upload", data=form)
    assert status == 201
    assert body["id"].split("-")[1].startswith("MLA")
    assert body["variations"][0]["size"] == "1200x900"
    assert body["variations"][0]["url"].endswith("-F.jpg")
    assert all(v["secure_url"].startswith("https://") for v in body["variations"])


async def test_upload_refuses_small_and_non_images(sandbox: Sandbox) -> None:
    """ref: mercadolibre-api.md §4.8 (JPG/PNG only; min 500x500 -> cause 509)."""
    for content in (png(200, 800), webp(499, 900), b"GIF89a not a picture"):
        form = FormData()
        form.add_field("file", content, filename="p", content_type="application/octet-stream")
        status, body = await sandbox.post("/pictures/items/upload", data=form)
        assert status == 400
        assert body["cause"][0]["cause_id"] in (508, 509)
    status, body = await sandbox.post("/pictures/items/upload", json={"file": "x"})
    assert status == 400


def test_image_sizes_are_read_from_headers() -> None:
    """ref: mercadolibre-api.md §4.8 (JPG/JPEG/PNG with their pixel sizes)."""
    assert image_size(png(640, 480)) == ("png", 640, 480)
    assert image_size(jpeg_header(1920, 1080)) == ("jpg", 1920, 1080)
    assert image_size(b"hello") is None


def test_webp_sizes_are_read_from_each_kind_of_header() -> None:
    """Issue 18: WEBP uploads too; extended (VP8X), lossy (VP8) and lossless (VP8L)."""
    assert image_size(webp(1200, 700)) == ("webp", 1200, 700)
    lossy = b"VP8 " + b"\x00" * 4 + b"\x00\x00\x00" + b"\x9d\x01\x2a" + (800).to_bytes(2, "little")
    lossy += (600).to_bytes(2, "little")
    riff = b"RIFF" + len(lossy).to_bytes(4, "little") + b"WEBP"
    assert image_size(riff + lossy) == ("webp", 800, 600)
    bits = (1023 - 1) | ((511 - 1) << 14)
    lossless = b"VP8L" + b"\x00" * 4 + b"\x2f" + bits.to_bytes(4, "little")
    assert image_size(riff + lossless) == ("webp", 1023, 511)
    assert image_size(b"RIFF\x00\x00\x00\x00WEBPVP8Z") is None


async def test_link_uploaded_picture_to_item(sandbox: Sandbox) -> None:
    """ref: mercadolibre-api.md §4.8 (POST /items/{id}/pictures {"id": picture_id})."""
    item = await sandbox.create_item(MLA_ITEM)
    picture = await sandbox.upload_picture()
    status, body = await sandbox.post(f"/items/{item['id']}/pictures", json={"id": picture})
    assert (status, body["id"]) == (200, picture)
    _, stored = await sandbox.get(f"/items/{item['id']}")
    assert [p["id"] for p in stored["pictures"]][-1] == picture
    status, body = await sandbox.post(f"/items/{item['id']}/pictures", json={"id": "123-X"})
    assert (status, codes(body)) == (400, ["item.pictures.invalid"])


async def test_another_sellers_upload_cannot_be_linked(sandbox: Sandbox) -> None:
    """ref: mercadolibre-api.md §4.8, §12.2 (pictures belong to the uploader)."""
    picture = await sandbox.upload_picture()
    await sandbox.login(sandbox.seller(1))
    cop = {
        **MLA_ITEM,
        "category_id": "MCO3530",
        "currency_id": "COP",
        "price": 35000,
        "pictures": [{"id": picture}],
    }
    status, body = await sandbox.post("/items", json=cop)
    assert (status, codes(body)) == (400, ["item.pictures.invalid"])


async def test_pictures_are_replaced_by_put(sandbox: Sandbox) -> None:
    """ref: mercadolibre-api.md §4.8 (PUT pictures: omitted pictures are removed)."""
    item = await sandbox.create_item(
        {
            **MLA_ITEM,
            "pictures": [
                {"source": "https://example.com/1.jpg"},
                {"source": "https://example.com/2.jpg"},
            ],
        }
    )
    first, second = (p["id"] for p in item["pictures"])
    picture = await sandbox.upload_picture()
    _, body = await sandbox.put(
        f"/items/{item['id']}", json={"pictures": [{"id": picture}, {"id": second}]}
    )
    assert [p["id"] for p in body["pictures"]] == [picture, second]
    assert body["thumbnail_id"] == picture
    status, body = await sandbox.put(f"/items/{item['id']}", json={"pictures": [{"id": first}]})
    assert (status, codes(body)) == (400, ["item.pictures.invalid"])


async def test_linking_beyond_the_category_maximum(sandbox: Sandbox) -> None:
    """ref: mercadolibre-api.md §4.8 (max pictures per category)."""
    pictures = [{"source": f"https://example.com/{n}.jpg"} for n in range(12)]
    item = await sandbox.create_item({**MLA_ITEM, "pictures": pictures})
    picture = await sandbox.upload_picture()
    status, body = await sandbox.post(f"/items/{item['id']}/pictures", json={"id": picture})
    assert (status, codes(body)) == (400, ["item.pictures.max"])
