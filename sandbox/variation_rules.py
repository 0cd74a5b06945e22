"""§4.6: the rules of a variation set, as POST /items and PUT /items/{id} send it."""

from __future__ import annotations

import copy
from collections.abc import Mapping
from typing import Any

from sandbox.catalogue import Category
from sandbox.catalogue_data import Currency
from sandbox.item_shape import picture_json
from sandbox.listing_fields import Causes, FieldRules, plain_number
from sandbox.users import User

VARIATION_FIELDS = frozenset(
    {
        "id",
        "price",
        "available_quantity",
        "attribute_combinations",
        "picture_ids",
        "seller_custom_field",
        "attributes",
        "sale_terms",
        "sold_quantity",
        "catalog_product_id",
    }
)
# §4.6: required in a new variation (the price defaults to the item's [INF]).
NEW_VARIATION_FIELDS = ("attribute_combinations", "available_quantity", "picture_ids")
COMBINATIONS = "item.variations.attribute_combinations"


def combination_key(combinations: list[dict[str, Any]]) -> tuple[tuple[str, str], ...]:
    return tuple(
        sorted(
            (c["id"], (c.get("value_name") or c.get("value_id") or "").casefold())
            for c in combinations
        )
    )


def as_int(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def blank_variation(price: float | int) -> dict[str, Any]:
    return {
        "id": None,
        "price": price,
        "attribute_combinations": [],
        "available_quantity": 0,
        "sold_quantity": 0,
        "sale_terms": [],
        "picture_ids": [],
        "seller_custom_field": None,
        "catalog_product_id": None,
        "attributes": [],
    }


class VariationRules:
    def __init__(self, fields: FieldRules) -> None:
        self.fields = fields

    def variations(
        self,
        entries: list[Any],
        current: list[dict[str, Any]],
        category: Category,
        item_price: float | int,
        currency: Currency,
        pictures: list[dict[str, Any]],
        owner: User,
        causes: Causes,
    ) -> list[dict[str, Any]]:
        """The full new set of variations: entries with an id change that variation, the
        others are new (id None until the caller numbers them), and current variations
        left out are gone (§4.6). Pictures the variations bring join `pictures`."""
        settings = self.fields.catalogue.settings(category)
        by_id = {v["id"]: v for v in current}
        result = []
        for n, entry in enumerate(entries):
            reference = f"item.variations[{n}]"
            if not isinstance(entry, dict):
                causes.add("item.variations.invalid", "Each variation is an object.", reference)
                continue
            unknown = sorted(set(entry) - VARIATION_FIELDS)
            if unknown:
                message = f"The fields [{', '.join(unknown)}] are invalid for a variation."
                causes.add("item.variations.invalid", message, reference)
                continue
            if "id" in entry:
                base = by_id.get(as_int(entry["id"]))
                if base is None:
                    message = f"Variation {entry['id']} does not belong to this item."
                    causes.add("item.variations.id.invalid", message, f"{reference}.id")
                    continue
                variation = copy.deepcopy(base)
            else:
                missing = [f for f in NEW_VARIATION_FIELDS if f not in entry]
                if missing:
                    message = f"A new variation needs [{', '.join(missing)}]."
                    causes.add("item.variations.invalid", message, reference)
                    continue
                variation = blank_variation(item_price)
            before = len(causes)
            self._apply(
                entry, variation, category, currency, settings, pictures, owner, causes, reference
            )
            if len(causes) == before:
                # A variation with its own errors stays out of the checks of the whole set.
                result.append(variation)
        self._check_set(result, settings, causes)
        return result

    def _apply(
        self,
        entry: Mapping[str, Any],
        variation: dict[str, Any],
        category: Category,
        currency: Currency,
        settings: Mapping[str, Any],
        pictures: list[dict[str, Any]],
        owner: User,
        causes: Causes,
        reference: str,
    ) -> None:
        fields = self.fields
        if "price" in entry and fields.price(
            entry["price"], currency, settings, causes, f"{reference}.price"
        ):
            variation["price"] = plain_number(entry["price"])
        # Each variation may hold up to the stock limit of the paid listing types (§4.10).
        if "available_quantity" in entry and fields.quantity(
            entry["available_quantity"], "gold_special", causes, f"{reference}.available_quantity"
        ):
            variation["available_quantity"] = int(entry["available_quantity"])
        if "attribute_combinations" in entry:
            combinations = self._combinations(
                entry["attribute_combinations"], category, causes, reference
            )
            changed = combinations is not None and combination_key(combinations) != (
                combination_key(variation["attribute_combinations"])
            )
            if changed and variation["id"] is not None and variation.get("sold_quantity"):
                # §4.6: with sales, attributes can be added but not changed.
                message = "The combinations of a variation with sales cannot change."
                causes.add(
                    f"{COMBINATIONS}.not_modifiable", message, f"{reference}.attribute_combinations"
                )
            elif combinations is not None:
                variation["attribute_combinations"] = combinations
        if "picture_ids" in entry:
            variation["picture_ids"] = self._pictures(
                entry["picture_ids"], pictures, owner, settings, causes, reference
            )
        if "attributes" in entry:
            variation["attributes"] = fields.attributes(
                entry["attributes"],
                category,
                variation.get("attributes") or [],
                causes,
                f"{reference}.attributes",
            )
        for field in ("seller_custom_field", "catalog_product_id"):
            if field in entry:
                variation[field] = entry[field]

    @staticmethod
    def _check_set(
        variations: list[dict[str, Any]], settings: Mapping[str, Any], causes: Causes
    ) -> None:
        limit = settings["max_variations_allowed"]
        if len(variations) > limit:
            # §4.2 / §4.6: the documented message, with the category's limit.
            message = f"Variations should not exceed max size of {limit}"
            causes.add("item.variations.max", message, "item.variations")
        if not variations:
            return
        shapes = {tuple(sorted(c["id"] for c in v["attribute_combinations"])) for v in variations}
        if len(shapes) > 1:
            message = "All variations must combine the same attributes."
            causes.add(f"{COMBINATIONS}.invalid", message, "item.variations")
        keys = [combination_key(v["attribute_combinations"]) for v in variations]
        if len(set(keys)) != len(keys):
            message = "Variations must not repeat an attribute combination."
            causes.add(f"{COMBINATIONS}.duplicated", message, "item.variations")

    def _combinations(
        self, value: Any, category: Category, causes: Causes, reference: str
    ) -> list[dict[str, Any]] | None:
        template = category.template
        assert template is not None
        where = f"{reference}.attribute_combinations"
        if not isinstance(value, list) or not value:
            message = "attribute_combinations must be a non-empty list."
            return causes.add(f"{COMBINATIONS}.invalid", message, where) or None
        result = []
        for entry in value:
            attribute_id = entry.get("id") if isinstance(entry, dict) else None
            if attribute_id not in template.variation_attributes:
                # §4.6: only attributes tagged allow_variations may vary.
                message = f"Attribute [{attribute_id}] cannot vary in category {category.id}."
                return causes.add(f"{COMBINATIONS}.invalid", message, where) or None
            normalised = self.fields.attribute(entry, category, causes, where)
            if normalised is None:
                return None
            result.append(normalised)
        return result

    def _pictures(
        self,
        value: Any,
        pictures: list[dict[str, Any]],
        owner: User,
        settings: Mapping[str, Any],
        causes: Causes,
        reference: str,
    ) -> list[str]:
        """Variation pictures are the item's or uploaded ones; uploaded ones join the
        item's pictures, as on MercadoLibre."""
        code = "item.variations.picture_ids.invalid"
        where = f"{reference}.picture_ids"
        if not isinstance(value, list) or not value or not all(isinstance(p, str) for p in value):
            causes.add(code, "picture_ids must be a non-empty list of picture ids.", where)
            return []
        known = {p["id"] for p in pictures}
        for picture_id in value:
            if picture_id in known:
                continue
            if self.fields.uploaded_by(picture_id, owner):
                pictures.append(picture_json(picture_id))
                known.add(picture_id)
            else:
                causes.add(code, f"Picture {picture_id} does not exist.", where)
        limit = settings["max_pictures_per_item_var"]
        if len(value) > limit:
            causes.add(code, f"Too many pictures for one variation (max {limit}).", where)
        return list(dict.fromkeys(value))
