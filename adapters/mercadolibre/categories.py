"""CategoryGateway over HTTP (mercadolibre-api.md §4.9, §4.1, §4.10).

Category reads are public on MercadoLibre, but they are sent with an account's token like
every other call: MercadoLibre increasingly refuses anonymous calls (§0.3, §4.11), and the
token only identifies the application.
"""

from __future__ import annotations

import re
from typing import Any

from adapters.mercadolibre.account_calls import AccountCalls
from adapters.mercadolibre.converter import structure
from adapters.mercadolibre.wire import (
    AvailableListingTypesAnswer,
    CategoryAnswer,
    CategoryAttributeAnswer,
    CategorySettingsAnswer,
)
from application.errors import NotFound
from application.ports.category_gateway import (
    AttributeValue,
    Category,
    CategoryAttribute,
    CategoryRef,
    CategorySettings,
    Requirement,
)
from domain.sites import SITES

# §4.9: a category id is its site's id and digits (MLA3530); anything else never reaches
# a URL.
_CATEGORY_ID = re.compile(r"[A-Z]{3}[0-9]{1,18}")


def category_path(category_id: str) -> str:
    """`/categories/{id}`, or NotFound for what cannot be a category id."""
    if not _CATEGORY_ID.fullmatch(category_id) or category_id[:3] not in SITES:
        raise NotFound("category", category_id)
    return f"/categories/{category_id}"


class AiohttpCategoryGateway:
    def __init__(self, calls: AccountCalls) -> None:
        self._calls = calls

    async def get_category(self, account_id: int, category_id: str) -> Category:
        path = category_path(category_id)
        body = await self._get(account_id, path, category_id)
        return to_category(structure(body, CategoryAnswer, f"GET {path}"), body)

    async def get_attributes(
        self, account_id: int, category_id: str
    ) -> tuple[CategoryAttribute, ...]:
        path = f"{category_path(category_id)}/attributes"
        body = await self._get(account_id, path, category_id)
        answers = structure(body, list[CategoryAttributeAnswer], f"GET {path}")
        return tuple(to_attribute(a) for a in answers)

    async def listing_types(
        self, account_id: int, seller_id: int, category_id: str
    ) -> tuple[str, ...]:
        category_path(category_id)
        path = f"/users/{int(seller_id)}/available_listing_types"
        try:
            body = await self._calls.get(account_id, path, {"category_id": category_id})
        except NotFound as error:
            raise NotFound("category", category_id) from error
        answer = structure(body, AvailableListingTypesAnswer, f"GET {path}")
        return tuple(dict.fromkeys(t.id for t in answer.available))

    async def _get(self, account_id: int, path: str, category_id: str) -> Any:
        try:
            return await self._calls.get(account_id, path)
        except NotFound as error:
            raise NotFound("category", category_id) from error


def to_category(answer: CategoryAnswer, body: Any) -> Category:
    path = tuple(CategoryRef(r.id, r.name) for r in answer.path_from_root)
    if not path or path[-1].id != answer.id:
        # §4.9: the path ends with the category itself; an answer without it still has one.
        path = (*path, CategoryRef(answer.id, answer.name))
    domain_id = answer.domain_id
    if domain_id is None and isinstance(body, dict) and isinstance(body.get("settings"), dict):
        catalog_domain = body["settings"].get("catalog_domain")
        domain_id = catalog_domain if isinstance(catalog_domain, str) else None
    return Category(
        id=answer.id,
        name=answer.name,
        path_from_root=path,
        children=tuple(CategoryRef(r.id, r.name) for r in answer.children_categories),
        settings=to_settings(answer.settings),
        domain_id=domain_id,
    )


def to_settings(s: CategorySettingsAnswer) -> CategorySettings:
    return CategorySettings(
        listing_allowed=s.listing_allowed,
        buying_modes=tuple(s.buying_modes),
        currencies=tuple(s.currencies),
        item_conditions=tuple(s.item_conditions),
        immediate_payment=s.immediate_payment,
        max_title_length=s.max_title_length,
        max_description_length=s.max_description_length,
        max_pictures_per_item=s.max_pictures_per_item,
        max_pictures_per_item_var=s.max_pictures_per_item_var,
        max_variations_allowed=s.max_variations_allowed,
        minimum_price=s.minimum_price,
        status=s.status,
    )


def tag_names(tags: Any) -> tuple[str, ...]:
    """§4.1 `tags`: an object of flags, only those set; a list of names is read too."""
    if isinstance(tags, dict):
        return tuple(sorted(str(k) for k, v in tags.items() if v is True))
    if isinstance(tags, list):
        return tuple(sorted(str(t) for t in tags if isinstance(t, str)))
    return ()


def to_attribute(a: CategoryAttributeAnswer) -> CategoryAttribute:
    tags = tag_names(a.tags)
    if "required" in tags or "catalog_required" in tags:
        requirement = Requirement.REQUIRED
    elif a.relevance == 1:
        requirement = Requirement.RECOMMENDED
    else:
        requirement = Requirement.OPTIONAL
    return CategoryAttribute(
        id=a.id,
        name=a.name,
        value_type=a.value_type,
        requirement=requirement,
        values=tuple(AttributeValue(v.id, v.name) for v in a.values if v.id is not None),
        allowed_units=tuple(u.id for u in a.allowed_units),
        default_unit=a.default_unit,
        value_max_length=a.value_max_length,
        allow_variations="allow_variations" in tags,
        hidden="hidden" in tags,
        read_only="read_only" in tags,
        tags=tags,
    )
