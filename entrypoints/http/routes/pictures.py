"""Pictures (§4.8): uploading one, and adding pictures (or a video) to a listing."""

from __future__ import annotations

import attrs
from aiohttp import web

from application.listings.add_pictures import MAX_PICTURES_PER_CALL, AddPicturesCommand
from domain.pictures import MAX_PICTURE_BYTES, picture_format
from entrypoints.http.context import container_of
from entrypoints.http.converter import json_response, read_body
from entrypoints.http.endpoints import Endpoint, Param, Reply, limited
from entrypoints.http.listing_views import ListingView, listing_view
from entrypoints.http.params import query_int
from entrypoints.http.problems import RequestInvalid
from entrypoints.http.routes.products import ITEM, NOT_FOUND, item_id_of
from entrypoints.http.uploads import read_file

ACCOUNT = Param.id("account_id", "The account whose listings will use the picture", "query")
FILE_REASON = "send the picture as multipart/form-data in the field 'file'"


@attrs.define(frozen=True)
class PictureSizeView:
    size: str
    url: str
    secure_url: str | None


@attrs.define(frozen=True)
class UploadedPictureView:
    """An uploaded picture: give its `id` in `pictures` of POST/PUT /products or in
    `picture_ids` of POST /products/{item_id}/pictures. The sizes show MercadoLibre's
    processing placeholder until the picture is ready."""

    id: str
    sizes: list[PictureSizeView]


@attrs.define
class AddPicturesBody:
    """Pictures to add after the listing's own (ids from POST /pictures), and/or the
    YouTube video to link."""

    picture_ids: list[str] = limited(factory=list, max_items=MAX_PICTURES_PER_CALL)
    video_id: str | None = limited(None, max_length=64)


async def _file(request: web.Request) -> tuple[bytes, str]:
    """The multipart field `file`, read up to 10 MB: 415 when the request is not
    multipart or the file not a JPG, PNG or WEBP, 413 past 10 MB, 400 without a file."""
    if not request.content_type.startswith("multipart/form-data"):
        raise RequestInvalid(
            "a picture upload is multipart/form-data",
            [{"field": "file", "reason": FILE_REASON}],
            status=415,
        )
    filename, content = await read_file(
        request,
        "file",
        MAX_PICTURE_BYTES,
        RequestInvalid(
            "the picture has at most 10 MB",
            [{"field": "file", "reason": "must be at most 10 MB (§4.8)"}],
            status=413,
            close_connection=True,
        ),
        RequestInvalid("no picture sent", [{"field": "file", "reason": FILE_REASON}]),
    )
    if picture_format(content) is None:
        raise RequestInvalid(
            "the file is not a picture MercadoLibre takes",
            [{"field": "file", "reason": "must be a JPG, PNG or WEBP picture"}],
            status=415,
        )
    return content, filename


async def upload_picture(request: web.Request) -> web.Response:
    account_id = query_int(request, ACCOUNT)
    if account_id is None:
        raise RequestInvalid(
            "which account?", [{"field": "account_id", "reason": "is required"}], status=422
        )
    content, filename = await _file(request)
    uploaded = await container_of(request).upload_picture()(account_id, content, filename)
    sizes = [PictureSizeView(s.size, s.url, s.secure_url) for s in uploaded.sizes]
    return json_response(UploadedPictureView(uploaded.id, sizes), status=201)


async def add_product_pictures(request: web.Request) -> web.Response:
    body = await read_body(request, AddPicturesBody)
    added = await container_of(request).add_pictures()(
        AddPicturesCommand(item_id_of(request), tuple(body.picture_ids), body.video_id)
    )
    return json_response(listing_view(added.listing, added.stock))


ENDPOINTS = (
    Endpoint(
        "POST",
        "/pictures",
        upload_picture,
        "Upload a picture (multipart field `file`: JPG, PNG or WEBP, up to 10 MB)",
        "products",
        params=(ACCOUNT,),
        upload="file",
        calls_mercadolibre=True,
        description="Checked before it is sent (the format from the file's bytes, the "
        "size): 415 for another format or a request that is not multipart/form-data, 413 "
        "past 10 MB, and MercadoLibre is not called. Uploaded once to "
        "/pictures/items/upload (§4.8); answers the picture id.",
        replies={
            201: Reply("Uploaded", UploadedPictureView),
            404: Reply("No such account"),
            413: Reply("Larger than 10 MB"),
            415: Reply("Not a JPG, PNG or WEBP picture, or not multipart/form-data"),
            422: Reply("MercadoLibre refused the picture (e.g. smaller than 500x500)"),
        },
    ),
    Endpoint(
        "POST",
        "/products/{item_id}/pictures",
        add_product_pictures,
        "Add pictures (and/or a video) to a listing, keeping the others",
        "products",
        params=(ITEM,),
        body=AddPicturesBody,
        calls_mercadolibre=True,
        description="The listing's pictures stay, in their order, the new ones after "
        "them; its variations keep theirs. A picture it already shows is not added "
        "again. `video_id` is a YouTube video id. Answers the listing as MercadoLibre "
        "now shows it.",
        replies={
            200: Reply("The listing", ListingView),
            404: NOT_FOUND,
            409: Reply("The listing is closed or removed"),
            422: Reply("Bad ids, or MercadoLibre refused a picture"),
        },
    ),
)
