"""The catalogue as the API serves it: sites, currencies, categories with their
attributes and settings, listing types, and the category predictor (§4.9, §4.10, §10)."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from typing import Any

import attrs

from sandbox.catalogue_data import (
    BUYING_MODES,
    CURRENCIES,
    DOMAINS,
    ITEM_CONDITIONS,
    KNOWN_BRANDS,
    LISTING_TYPES,
    MAX_STOCK_PER_ITEM,
    RELEVANCE_BY_HIERARCHY,
    ROOTS,
    SITES,
    AttributeSpec,
    Currency,
    DomainTemplate,
    Site,
)


@attrs.define(frozen=True)
class Category:
    id: str
    site_id: str
    name: str
    parent_id: str | None
    template: DomainTemplate | None  # None for the root categories
    children: tuple[tuple[str, str], ...]  # (id, name)

    @property
    def is_leaf(self) -> bool:
        return self.template is not None

    @property
    def domain_id(self) -> str | None:
        return f"{self.site_id}-{self.template.domain}" if self.template else None

    @property
    def language(self) -> str:
        return SITES[self.site_id].language


def minimum_price(currency: Currency) -> float | int:
    """§4.9 settings.minimum_price: about ten US cents, whole units at least [INF]."""
    return max(1, round(currency.per_usd * 0.1))


class Catalogue:
    """Sites, currencies, categories, listing types and the category predictor.

    Static data (§4.9, §4.10, §10): built once, never changed by requests.
    """

    def __init__(self) -> None:
        self.sites = SITES
        self.currencies = CURRENCIES
        self.categories: dict[str, Category] = {}
        for site in SITES.values():
            lang = 0 if site.language == "es" else 1
            for number, names in ROOTS.items():
                children = tuple(
                    (f"{site.id}{d.number}", d.names[lang]) for d in DOMAINS if d.parent == number
                )
                root = Category(f"{site.id}{number}", site.id, names[lang], None, None, children)
                self.categories[root.id] = root
            for d in DOMAINS:
                leaf = Category(
                    f"{site.id}{d.number}", site.id, d.names[lang], f"{site.id}{d.parent}", d, ()
                )
                self.categories[leaf.id] = leaf

    def site(self, site_id: str) -> Site | None:
        return self.sites.get(site_id)

    def category(self, category_id: str) -> Category | None:
        return self.categories.get(category_id)

    def leaves(self, site_id: str) -> list[Category]:
        return [c for c in self.categories.values() if c.site_id == site_id and c.is_leaf]

    # -- JSON views ---------------------------------------------------------------------

    def sites_json(self) -> list[dict[str, Any]]:
        """§4.10 / §10: `[{id, name}]`, with the newer `default_currency_id`."""
        return [
            {"default_currency_id": s.currency_id, "id": s.id, "name": s.name}
            for s in self.sites.values()
        ]

    def site_json(self, site: Site) -> dict[str, Any]:
        currency = self.currencies[site.currency_id]
        return {
            "id": site.id,
            "name": site.name,
            "country_id": site.country_id,
            "sale_fees_mode": "not_free",
            "mercadopago_version": 3,
            "default_currency_id": site.currency_id,
            "immediate_payment": "required",
            "payment_method_ids": ["account_money", "visa", "master"],
            "settings": {
                "identification_types": [site.identification_type],
                "taxpayer_types": [],
                "identification_types_rules": None,
            },
            "currencies": [{"id": currency.id, "symbol": currency.symbol}],
            "categories": self.top_categories_json(site.id),
        }

    def top_categories_json(self, site_id: str) -> list[dict[str, str]]:
        return [
            {"id": c.id, "name": c.name}
            for c in self.categories.values()
            if c.site_id == site_id and c.parent_id is None
        ]

    def settings(self, category: Category) -> dict[str, Any]:
        """§4.9 category settings; the limits are those of MLA3530 in the reference."""
        site = self.sites[category.site_id]
        currency = self.currencies[site.listing_currencies[0]]
        template = category.template
        return {
            "adult_content": False,
            "buying_allowed": category.is_leaf,
            "buying_modes": list(BUYING_MODES),
            "catalog_domain": category.domain_id,
            "coverage_areas": "not_allowed",
            "currencies": list(site.listing_currencies),
            "fragile": False,
            "immediate_payment": "required",
            "item_conditions": list(ITEM_CONDITIONS),
            "items_reviews_allowed": False,
            "listing_allowed": category.is_leaf,
            "max_description_length": 50_000,
            "max_pictures_per_item": 12,
            "max_pictures_per_item_var": 10,
            "max_sub_title_length": 70,
            "max_title_length": 60,
            "max_variations_allowed": template.max_variations if template else 100,
            "maximum_price": None,
            "maximum_price_currency": currency.id,
            "minimum_price": minimum_price(currency),
            "minimum_price_currency": currency.id,
            "mirror_category": None,
            "mirror_master_category": None,
            "mirror_slave_categories": [],
            "price": "required",
            "reservation_allowed": "not_allowed",
            "restrictions": [],
            "rounded_address": False,
            "seller_contact": "not_allowed",
            "shipping_options": ["custom"],
            "shipping_profile": "optional",
            "show_contact_information": False,
            "simple_shipping": "optional",
            "stock": "required",
            "sub_vertical": None,
            "subscribable": False,
            "tags": [],
            "vertical": None,
            "vip_subdomain": "articulo",
            "buyer_protection_programs": ["delivered", "undelivered"],
            "status": "enabled",
        }

    def category_json(self, category: Category) -> dict[str, Any]:
        """§4.9: GET /categories/{id}."""
        path = []
        if category.parent_id:
            parent = self.categories[category.parent_id]
            path.append({"id": parent.id, "name": parent.name})
        path.append({"id": category.id, "name": category.name})
        site = self.sites[category.site_id]
        return {
            "id": category.id,
            "name": category.name,
            "picture": f"https://http2.mlstatic.com/storage/categories-api/images/{category.id}.png",
            "permalink": f"https://www.{site.permalink_domain}/c/{category.id}",
            "total_items_in_this_category": 0,
            "path_from_root": path,
            "children_categories": [
                {"id": cid, "name": name, "total_items_in_this_category": 0}
                for cid, name in category.children
            ],
            "attribute_types": "attributes" if category.is_leaf else "none",
            "settings": self.settings(category),
            "channels_settings": [
                {"channel": "mshops", "settings": {"minimum_price": 0, "status": "enabled"}}
            ],
            "meta_categ_id": None,
            "attributable": False,
            "date_created": "2018-04-25T08:12:56.000Z",
        }

    def attributes_json(self, category: Category) -> list[dict[str, Any]]:
        """§4.1 attribute schema, as GET /categories/{id}/attributes answers it."""
        template = category.template
        if template is None:
            return []
        lang = 0 if category.language == "es" else 1
        result = []
        for spec in template.attributes:
            tags: dict[str, bool] = {}
            if spec.id in template.required:
                tags["required"] = True
            if spec.id in template.variation_attributes:
                tags["allow_variations"] = True
                tags["defines_picture"] = spec.id == "COLOR"
            if spec.id == "SELLER_SKU":
                tags["variation_attribute"] = True
                tags["hidden"] = True
            if spec.id == "ITEM_CONDITION":
                tags["hidden"] = True
            entry: dict[str, Any] = {
                "id": spec.id,
                "name": spec.names[lang],
                "tags": tags,
                "hierarchy": spec.hierarchy,
                "relevance": RELEVANCE_BY_HIERARCHY.get(spec.hierarchy, 2),
                "value_type": spec.value_type,
                "value_max_length": 255,
                "attribute_group_id": spec.group,
                "attribute_group_name": "Principales" if spec.group == "MAIN" else "Otros",
            }
            if spec.values:
                entry["values"] = [{"id": vid, "name": names[lang]} for vid, *names in spec.values]
            if spec.allowed_units:
                entry["allowed_units"] = [{"id": u, "name": u} for u in spec.allowed_units]
                entry["default_unit"] = spec.allowed_units[0]
            result.append(entry)
        return result

    def attribute_spec(self, category: Category, attribute_id: str) -> AttributeSpec | None:
        if category.template is None:
            return None
        return next((a for a in category.template.attributes if a.id == attribute_id), None)

    def sale_terms_json(self, category: Category) -> list[dict[str, Any]]:
        """§4.3: the sale terms a category accepts."""
        es = category.language == "es"
        return [
            {
                "id": "WARRANTY_TYPE",
                "name": "Tipo de garantía" if es else "Tipo de garantia",
                "value_type": "list",
                "values": [
                    {"id": "2230280", "name": "Garantía del vendedor"},
                    {"id": "2230279", "name": "Garantía de fábrica"},
                    {"id": "6150835", "name": "Sin garantía"},
                ],
            },
            {
                "id": "WARRANTY_TIME",
                "name": "Tiempo de garantía" if es else "Tempo de garantia",
                "value_type": "number_unit",
                "allowed_units": [{"id": u, "name": u} for u in ("días", "meses", "años")],
            },
            {
                "id": "MANUFACTURING_TIME",
                "name": "Disponibilidad de stock",
                "value_type": "number_unit",
                "allowed_units": [{"id": "días", "name": "días"}],
            },
            {
                "id": "PURCHASE_MAX_QUANTITY",
                "name": "Cantidad máxima de compra",
                "value_type": "number",
            },
        ]

    def listing_types_json(self, site_id: str) -> list[dict[str, str]]:
        """§4.10: GET /sites/{site}/listing_types."""
        pt = self.sites[site_id].language == "pt"
        return [
            {"site_id": site_id, "id": i, "name": pt_name if pt else es_name}
            for i, es_name, pt_name in LISTING_TYPES
        ]

    def listing_type_json(self, site_id: str, listing_type_id: str) -> dict[str, Any] | None:
        """§4.10: one listing type with its configuration."""
        names = {i: (es, pt) for i, es, pt in LISTING_TYPES}
        if listing_type_id not in names:
            return None
        pt = self.sites[site_id].language == "pt"
        fee = {"gold_pro": 16.5, "gold_special": 13.0, "free": 0.0}.get(listing_type_id, 11.0)
        unlimited = listing_type_id in ("gold_pro", "gold_special")
        return {
            "id": listing_type_id,
            "not_available_in_categories": [],
            "configuration": {
                "name": names[listing_type_id][1 if pt else 0],
                "listing_exposure": {"gold_pro": "highest", "free": "lowest"}.get(
                    listing_type_id, "high"
                ),
                "requires_picture": listing_type_id != "free",
                "max_stock_per_item": 1 if listing_type_id == "free" else MAX_STOCK_PER_ITEM,
                "duration_days": {"buy_it_now": 7300 if unlimited else 60, "auction": 7},
                "mercado_pago": "mandatory",
                "listing_fee_criteria": {
                    "min_fee_amount": 0,
                    "max_fee_amount": 0,
                    "percentage_of_fee_amount": 0,
                    "currency": None,
                },
                "sale_fee_criteria": {
                    "min_fee_amount": 0,
                    "max_fee_amount": 0,
                    "percentage_of_fee_amount": fee,
                    "currency": None,
                },
            },
            "exceptions_by_category": [],
        }

    # -- category predictor -------------------------------------------------------------

    def predict(self, site_id: str, query: str, limit: int) -> list[dict[str, Any]]:
        """§4.9 domain_discovery: categories ordered by how well the title's words match.

        A title with no known word gets an empty list [INF].
        """
        words = set(_words(query))
        scored = []
        for order, category in enumerate(self.leaves(site_id)):
            template = category.template
            assert template is not None
            score = 3 * len(words & template.keywords) + len(words & template.hints)
            if score:
                scored.append((-score, order, category))
        scored.sort(key=lambda entry: entry[:2])
        brand = _brand_in(query)
        lang = 0 if self.sites[site_id].language == "es" else 1
        result = []
        for _, _, category in scored[:limit]:
            template = category.template
            assert template is not None
            attributes = []
            if brand is not None:
                attributes.append(
                    {"id": "BRAND", "name": "Marca", "value_id": brand[0], "value_name": brand[1]}
                )
            result.append(
                {
                    "domain_id": category.domain_id,
                    "domain_name": template.domain_names[lang],
                    "category_id": category.id,
                    "category_name": category.name,
                    "attributes": attributes,
                }
            )
        return result


def _words(text: str) -> Iterable[str]:
    plain = unicodedata.normalize("NFKD", text.lower()).encode("ascii", "ignore").decode()
    return re.findall(r"[a-z0-9\-]+", plain)


def _brand_in(text: str) -> tuple[str, str] | None:
    for word in _words(text):
        if word in KNOWN_BRANDS:
            return KNOWN_BRANDS[word]
    return None
