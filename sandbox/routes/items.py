"""§4: items, their descriptions, variations and pictures, the seller search, health."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from sandbox import health
from sandbox.catalogue_data import LISTABLE_TYPES
from sandbox.errors import bad_request, cause, error_body, forbidden, not_found, validation_error
from sandbox.http import (
    access_of,
    attributes_param,
    caller,
    ids_param,
    json_body,
    path,
    public_read,
    respond,
    respond_in_parts,
    state_of,
    user_id_param,
    viewer_id,
)
from sandbox.item_shape import trim
from sandbox.pictures import check_upload, upload_json
from sandbox.relist import relist_item
from sandbox.users import User

# §0.3: the item sections a partial (206) answer leaves out.
MISSING_SECTIONS = ("location", "geolocation", "seller_address")


def include_attributes(request: web.Request) -> bool:
    return request.query.get("include_attributes") == "all"


# -- items ------------------------------------------------------------------------------


async def create(request: web.Request) -> web.Response:
    """§4.2: POST /items answers 201 with the item."""
    body = await json_body(request)
    item = state_of(request).create_item(body, caller(request))
    return respond(request, item, 201)


async def validate(request: web.Request) -> web.Response:
    """§4.2: POST /items/validate answers 204 when the body would be accepted."""
    body = await json_body(request)
    state_of(request).rules.create(body, caller(request))
    return web.Response(status=204)


@public_read
async def get_item(request: web.Request) -> web.Response:
    """§4.1: GET /items/{id}; non-owners (and calls without a token) get the public
    view."""
    state = state_of(request)
    item = state.item(request.match_info["id"])
    body = state.item_view(item, viewer_id(request), include_attributes=include_attributes(request))
    return respond_in_parts(request, body, MISSING_SECTIONS)


@public_read
async def multiget(request: web.Request) -> web.Response:
    """§4.11: GET /items?ids= (max 20), `[{code, body}]` in request order, with
    `attributes=` applied to each body; public views but for the owner's items."""
    state = state_of(request)
    viewer = viewer_id(request)
    attributes = attributes_param(request)
    result = []
    for item_id in ids_param(request):
        item = state.items.get(item_id)
        if item is None:
            body = error_body(404, "not_found", f"Item with id {item_id} not found")
            result.append({"code": 404, "body": body})
            continue
        body = state.item_view(item, viewer, include_attributes=include_attributes(request))
        result.append({"code": 200, "body": trim(body, attributes)})
    return respond(request, result, trimmed=False)


async def update(request: web.Request) -> web.Response:
    """§4.3-§4.6: PUT /items/{id}."""
    body = await json_body(request)
    user = caller(request)
    item = state_of(request).update_item(request.match_info["id"], body, user)
    return respond(request, item)


async def relist(request: web.Request) -> web.Response:
    """POST /items/{id}/relist: a closed item published again as a new one (§4.3)."""
    user = caller(request)
    item = relist_item(state_of(request), request.match_info["id"], await json_body(request), user)
    return respond(request, item, 201)


async def switch_listing_type(request: web.Request) -> web.Response:
    """§4.10: POST /items/{id}/listing_type switches gold_special <-> gold_pro."""
    state = state_of(request)
    user = caller(request)
    item = state.owned_item(request.match_info["id"], user.id)
    new = state.rules.switch_listing_type(item, await json_body(request))
    state.save_item(new)
    return respond(request, state.item_view(new, user.id))


async def available_listing_types(request: web.Request) -> web.Response:
    """§4.10: GET /users/{id}/available_listing_types?category_id=."""
    state = state_of(request)
    user = owner_in_path(request)
    category_id = request.query.get("category_id")
    category = state.catalogue.category(category_id or "")
    if category is None or category.site_id != user.site_id:
        raise not_found("Category not found")
    names = {t["id"]: t["name"] for t in state.catalogue.listing_types_json(user.site_id)}
    available = [
        {"site_id": user.site_id, "id": t, "name": names[t], "remaining_listings": None}
        for t in LISTABLE_TYPES
    ]
    return respond(request, {"category_id": category.id, "available": available})


# -- descriptions (§4.7) ------------------------------------------------------------------


async def get_description(request: web.Request) -> web.Response:
    state = state_of(request)
    item_id = request.match_info["id"]
    state.item(item_id)
    description = state.items.description(item_id)
    if description is None:
        raise not_found(f"Description for item {item_id} not found")
    return respond(request, description)


async def create_description(request: web.Request) -> web.Response:
    """POST fails when the item already has a description [OBS: 400]."""
    state = state_of(request)
    item = state.owned_item(request.match_info["id"], caller(request).id)
    text = state.rules.description_text(
        item, await json_body(request), request.query.get("api_version")
    )
    if state.items.has_description(item["id"]):
        raise validation_error(
            [
                cause(
                    "item.description.already_exists",
                    "The item already has a description; use PUT to change it.",
                    ["item.description"],
                )
            ]
        )
    return respond(request, state.set_description(item, text), 201)


async def update_description(request: web.Request) -> web.Response:
    state = state_of(request)
    item = state.owned_item(request.match_info["id"], caller(request).id)
    text = state.rules.description_text(
        item, await json_body(request), request.query.get("api_version")
    )
    return respond(request, state.set_description(item, text))


# -- variations (§4.6) ----------------------------------------------------------------------


def variation_id_of(request: web.Request) -> int:
    raw = request.match_info["vid"]
    if not raw.isdigit():
        raise not_found(f"Variation {raw} not found")
    return int(raw)


def find_variation(item: dict[str, Any], variation_id: int) -> dict[str, Any]:
    found = next((v for v in item["variations"] if v["id"] == variation_id), None)
    if found is None:
        raise not_found(f"Variation {variation_id} not found")
    return found


async def list_variations(request: web.Request) -> web.Response:
    state = state_of(request)
    item = state.item(request.match_info["id"])
    body = state.item_view(
        item, access_of(request).user_id, include_attributes=include_attributes(request)
    )
    return respond(request, body["variations"])


async def get_variation(request: web.Request) -> web.Response:
    state = state_of(request)
    item = state.item(request.match_info["id"])
    body = state.item_view(
        item, access_of(request).user_id, include_attributes=include_attributes(request)
    )
    return respond(request, find_variation(body, variation_id_of(request)))


async def add_variation(request: web.Request) -> web.Response:
    state = state_of(request)
    user = caller(request)
    item = state.owned_item(request.match_info["id"], user.id)
    new = state.rules.add_variation(item, await json_body(request), user)
    state.save_item(new)
    known = {v["id"] for v in item["variations"]}
    added = next(v for v in new["variations"] if v["id"] not in known)
    return respond(request, added, 201)


async def update_variation(request: web.Request) -> web.Response:
    state = state_of(request)
    user = caller(request)
    item = state.owned_item(request.match_info["id"], user.id)
    variation_id = variation_id_of(request)
    find_variation(item, variation_id)
    new = state.rules.update_variation(item, variation_id, await json_body(request), user)
    state.save_item(new)
    return respond(request, find_variation(new, variation_id))


async def delete_variation(request: web.Request) -> web.Response:
    state = state_of(request)
    user = caller(request)
    item = state.owned_item(request.match_info["id"], user.id)
    variation_id = variation_id_of(request)
    find_variation(item, variation_id)
    state.save_item(state.rules.delete_variation(item, variation_id, user))
    return respond(request, {})


# -- pictures (§4.8) ------------------------------------------------------------------------


async def upload_picture(request: web.Request) -> web.Response:
    """POST /pictures/items/upload, multipart field `file`."""
    state = state_of(request)
    user = caller(request)
    if not request.content_type.startswith("multipart/"):
        raise bad_request("The picture must be sent as multipart/form-data in the field 'file'")
    form = await request.post()
    field = form.get("file")
    if field is None or isinstance(field, str | bytes | bytearray):
        raise bad_request("The multipart field 'file' is required")
    width, height = check_upload(field.file.read())
    picture_id = state.items.new_picture_id(user.site_id)
    state.items.uploads[picture_id] = {
        "id": picture_id,
        "owner": user.id,
        "size": f"{width}x{height}",
    }
    return respond(request, upload_json(picture_id, width, height), 201)


async def link_picture(request: web.Request) -> web.Response:
    """POST /items/{id}/pictures {"id": "<picture id>"}."""
    state = state_of(request)
    user = caller(request)
    item = state.owned_item(request.match_info["id"], user.id)
    body = await json_body(request)
    new = state.rules.link_picture(item, body, user)
    state.save_item(new)
    picture = next(p for p in new["pictures"] if p["id"] == body["id"])
    return respond(request, picture)


# -- health (§4.12) -------------------------------------------------------------------------


async def item_health(request: web.Request) -> web.Response:
    state = state_of(request)
    item = state.item(request.match_info["id"])
    health.check_supported(item)
    category = state.catalogue.categories[item["category_id"]]
    body = health.health_json(item, category, state.items.has_description(item["id"]))
    return respond(request, body)


async def item_health_actions(request: web.Request) -> web.Response:
    state = state_of(request)
    item = state.item(request.match_info["id"])
    health.check_supported(item)
    category = state.catalogue.categories[item["category_id"]]
    body = health.actions_json(item, category, state.items.has_description(item["id"]))
    return respond(request, body)


# -- seller search (§4.11) -------------------------------------------------------------------


def owner_in_path(request: web.Request) -> User:
    """The user of `/users/{user_id}/...`, who must be the caller (§2.3)."""
    state = state_of(request)
    user_id = user_id_param(request)
    user = state.user(user_id) if user_id is not None else None
    if user is None:
        raise not_found("User not found")
    if user.id != access_of(request).user_id:
        raise forbidden("The User ID must match the consultant's")
    return user


async def seller_search(request: web.Request) -> web.Response:
    state = state_of(request)
    user = owner_in_path(request)
    listings = state.items.listings_of(user.id, user.site_id)
    status, body = state.search.search(listings, request.query)
    return respond(request, body, status)


async def search_restrictions(request: web.Request) -> web.Response:
    owner_in_path(request)
    return respond(
        request, {"aggregations_allowed": True, "query_allowed": True, "sort_allowed": True}
    )


def register(app: web.Application) -> None:
    router = app.router
    router.add_post("/items", create)
    router.add_get("/items", multiget)
    router.add_post("/items/validate", validate)
    router.add_get(path("/items/{id:item}"), get_item)
    router.add_put(path("/items/{id:item}"), update)
    router.add_post(path("/items/{id:item}/listing_type"), switch_listing_type)
    router.add_post(path("/items/{id:item}/relist"), relist)
    router.add_get(path("/items/{id:item}/description"), get_description)
    router.add_post(path("/items/{id:item}/description"), create_description)
    router.add_put(path("/items/{id:item}/description"), update_description)
    router.add_get(path("/items/{id:item}/variations"), list_variations)
    router.add_post(path("/items/{id:item}/variations"), add_variation)
    router.add_get(path("/items/{id:item}/variations/{vid:number}"), get_variation)
    router.add_put(path("/items/{id:item}/variations/{vid:number}"), update_variation)
    router.add_delete(path("/items/{id:item}/variations/{vid:number}"), delete_variation)
    router.add_post(path("/items/{id:item}/pictures"), link_picture)
    router.add_post("/pictures/items/upload", upload_picture)
    router.add_get(path("/items/{id:item}/health"), item_health)
    router.add_get(path("/items/{id:item}/health/actions"), item_health_actions)
    router.add_get(path("/users/{user_id:number}/items/search"), seller_search)
    router.add_get(path("/users/{user_id:number}/items/search/restrictions"), search_restrictions)
    router.add_get(path("/users/{user_id:number}/available_listing_types"), available_listing_types)
