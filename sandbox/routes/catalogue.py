"""§4.9, §4.10, §10: sites, currencies, categories, listing types, the predictor: public
reads, which answer without a token unless `public_reads` is off."""

from __future__ import annotations

from aiohttp import web

from sandbox import health
from sandbox.catalogue import Category
from sandbox.catalogue_data import Site
from sandbox.errors import bad_request, not_found
from sandbox.http import path, public_read, respond, state_of

PREDICTOR_DEFAULT_LIMIT = 4
PREDICTOR_MAX_LIMIT = 8


def site_of(request: web.Request) -> Site:
    site = state_of(request).catalogue.site(request.match_info["site_id"])
    if site is None:
        raise not_found("Site not found")
    return site


def category_of(request: web.Request) -> Category:
    category = state_of(request).catalogue.category(request.match_info["id"])
    if category is None:
        raise not_found("Category not found")
    return category


@public_read
async def sites(request: web.Request) -> web.Response:
    return respond(request, state_of(request).catalogue.sites_json())


@public_read
async def site(request: web.Request) -> web.Response:
    return respond(request, state_of(request).catalogue.site_json(site_of(request)))


@public_read
async def site_categories(request: web.Request) -> web.Response:
    return respond(request, state_of(request).catalogue.top_categories_json(site_of(request).id))


@public_read
async def listing_types(request: web.Request) -> web.Response:
    return respond(request, state_of(request).catalogue.listing_types_json(site_of(request).id))


@public_read
async def listing_type(request: web.Request) -> web.Response:
    body = state_of(request).catalogue.listing_type_json(
        site_of(request).id, request.match_info["id"]
    )
    if body is None:
        raise not_found("Listing type not found")
    return respond(request, body)


def predictor_limit(request: web.Request) -> int:
    raw = request.query.get("limit", str(PREDICTOR_DEFAULT_LIMIT))
    if not raw.isdigit() or not 1 <= int(raw) <= PREDICTOR_MAX_LIMIT:
        raise bad_request(f"limit must be between 1 and {PREDICTOR_MAX_LIMIT}")
    return int(raw)


@public_read
async def domain_discovery(request: web.Request) -> web.Response:
    """§4.9: GET /sites/{site_id}/domain_discovery/search?q=&limit=1..8 (default 4)."""
    query = request.query.get("q", "").strip()
    if not query:
        raise bad_request("The q parameter is required")
    site_id = site_of(request).id
    body = state_of(request).catalogue.predict(site_id, query, predictor_limit(request))
    return respond(request, body)


@public_read
async def legacy_predictor(request: web.Request) -> web.Response:
    """§4.9 legacy: /sites/{site}/category_predictor/predict?title= answers the best one."""
    catalogue = state_of(request).catalogue
    title = request.query.get("title", "").strip()
    if not title:
        raise bad_request("The title parameter is required")
    best = catalogue.predict(site_of(request).id, title, 1)
    if not best:
        raise not_found("No category could be predicted for this title")
    category = catalogue.categories[best[0]["category_id"]]
    body = catalogue.category_json(category)
    return respond(
        request,
        {
            "id": category.id,
            "name": category.name,
            "prediction_probability": 0.9,
            "path_from_root": body["path_from_root"],
        },
    )


async def health_levels(request: web.Request) -> web.Response:
    site_of(request)
    return respond(request, health.levels_json())


@public_read
async def category(request: web.Request) -> web.Response:
    return respond(request, state_of(request).catalogue.category_json(category_of(request)))


@public_read
async def category_attributes(request: web.Request) -> web.Response:
    return respond(request, state_of(request).catalogue.attributes_json(category_of(request)))


@public_read
async def category_sale_terms(request: web.Request) -> web.Response:
    return respond(request, state_of(request).catalogue.sale_terms_json(category_of(request)))


@public_read
async def currencies(request: web.Request) -> web.Response:
    return respond(request, [c.as_json() for c in state_of(request).catalogue.currencies.values()])


@public_read
async def currency(request: web.Request) -> web.Response:
    found = state_of(request).catalogue.currencies.get(request.match_info["id"])
    if found is None:
        raise not_found("Currency not found")
    return respond(request, found.as_json())


def register(app: web.Application) -> None:
    """Every read here but the health levels (§4.12) is public (§4.9, §4.10, §10)."""
    router = app.router
    router.add_get("/sites", sites)
    router.add_get(path("/sites/{site_id:site}"), site)
    router.add_get(path("/sites/{site_id:site}/categories"), site_categories)
    router.add_get(path("/sites/{site_id:site}/listing_types"), listing_types)
    router.add_get(path("/sites/{site_id:site}/listing_types/{id}"), listing_type)
    router.add_get(path("/sites/{site_id:site}/domain_discovery/search"), domain_discovery)
    router.add_get(path("/sites/{site_id:site}/category_predictor/predict"), legacy_predictor)
    router.add_get(path("/sites/{site_id:site}/health_levels"), health_levels)
    router.add_get(path("/categories/{id:category}"), category)
    router.add_get(path("/categories/{id:category}/attributes"), category_attributes)
    router.add_get(path("/categories/{id:category}/sale_terms"), category_sale_terms)
    router.add_get("/currencies", currencies)
    router.add_get(path("/currencies/{id:currency}"), currency)
