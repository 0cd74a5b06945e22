"""Building a listing: a category, its attributes, and a listing validated without
publishing it."""

from __future__ import annotations

from aiohttp import web

from domain.sites import SITES
from entrypoints.http.category_views import (
    CategoryAttributesView,
    CategoryView,
    ListingValidationView,
    attributes_view,
    category_view,
    validation_view,
)
from entrypoints.http.context import container_of
from entrypoints.http.converter import json_response, read_body
from entrypoints.http.endpoints import Endpoint, Param, Reply
from entrypoints.http.params import path_str, query_int
from entrypoints.http.routes.product_bodies import CreateProductBody, create_command

# §4.9: a category id is its site's id and digits (MLA3530).
CATEGORY = Param(
    "category_id",
    "MercadoLibre category id, e.g. MLA3530",
    location="path",
    pattern=f"^(?:{'|'.join(sorted(SITES))})[0-9]{{1,18}}$",
    hint="MLA3530",
)
ACCOUNT = Param.id(
    "account_id",
    "The account whose token MercadoLibre is asked with, and whose listing types are "
    "answered (default: a connected account of the category's site)",
    location="query",
)


async def get_category(request: web.Request) -> web.Response:
    details = await container_of(request).get_category()(
        path_str(request, CATEGORY), query_int(request, ACCOUNT)
    )
    return json_response(category_view(details))


async def get_category_attributes(request: web.Request) -> web.Response:
    category_id = path_str(request, CATEGORY)
    attributes = await container_of(request).get_category_attributes()(
        category_id, query_int(request, ACCOUNT)
    )
    return json_response(attributes_view(category_id, attributes))


async def validate_product(request: web.Request) -> web.Response:
    command = create_command(await read_body(request, CreateProductBody))
    result = await container_of(request).validate_listing()(command)
    return json_response(validation_view(result))


CACHED = (
    "Read from MercadoLibre and kept for MELI_CATEGORY_CACHE_TTL seconds (one hour by "
    "default): categories change rarely, and publishing checks them again."
)
NO_ACCOUNT = Reply("No connected account to ask MercadoLibre with")

ENDPOINTS = (
    Endpoint(
        "GET",
        "/categories/{category_id}",
        get_category,
        "A category: its path from the root, settings and the listing types allowed",
        "products",
        calls_mercadolibre=True,
        params=(CATEGORY, ACCOUNT),
        description=CACHED,
        replies={
            200: Reply("The category", CategoryView),
            404: Reply("No such category on MercadoLibre, or no such account"),
            409: Reply("The account must be connected again"),
            422: NO_ACCOUNT,
        },
    ),
    Endpoint(
        "GET",
        "/categories/{category_id}/attributes",
        get_category_attributes,
        "A category's attributes: required, recommended and optional, with their values",
        "products",
        calls_mercadolibre=True,
        params=(CATEGORY, ACCOUNT),
        description=CACHED + " A category that takes no listings has no attributes.",
        replies={
            200: Reply("The attributes", CategoryAttributesView),
            404: Reply("No such category on MercadoLibre, or no such account"),
            409: Reply("The account must be connected again"),
            422: NO_ACCOUNT,
        },
    ),
    Endpoint(
        "POST",
        "/products/validate",
        validate_product,
        "Validate a listing without publishing it",
        "products",
        calls_mercadolibre=True,
        body=CreateProductBody,
        description="The body of POST /products, checked three ways, every problem in "
        "one answer: the local checks of a publication, the category's settings and "
        "required attributes, and MercadoLibre's own dry run (POST /items/validate), "
        "which is sent only a body that passes the local checks. Nothing is published "
        "or stored. A listing that would be refused is still a 200, with `valid` false.",
        replies={
            200: Reply("The verdict and every problem found", ListingValidationView),
            404: Reply("No such account"),
            409: Reply("The account must be connected again"),
        },
    ),
)
