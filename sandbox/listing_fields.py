"""Field by field checks of a listing body (§4.2, §4.3, §4.7, §4.8).

Checks collect every problem of a request in a `Causes` list, so one 400 names them all
(§2.1); normalisers answer the field in the stored shape.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any

from sandbox.catalogue import Catalogue, Category
from sandbox.catalogue_data import (
    CONDITION_NAMES,
    CONDITION_VALUE_IDS,
    ITEM_CONDITIONS,
    LISTABLE_TYPES,
    MAX_STOCK_PER_ITEM,
    Currency,
)
from sandbox.errors import ApiError, api_error, cause, validation_error
from sandbox.item_shape import picture_json
from sandbox.items import ItemStore
from sandbox.users import User

CHANNELS = ("marketplace", "mshops")
DEFAULT_SHIPPING = {
    "mode": "not_specified",
    "methods": [],
    "tags": [],
    "dimensions": None,
    "local_pick_up": False,
    "free_shipping": False,
    "logistic_type": "not_specified",
    "store_pick_up": False,
}
HTML = re.compile(r"<\s*/?\s*[a-zA-Z!][^>]*>")
WARRANTY = re.compile(r"(\d+)\s*([a-záéíóúñ]+)")
WARRANTY_DAYS = {
    **dict.fromkeys(("dia", "dias", "día", "días", "day", "days"), 1),
    **dict.fromkeys(("mes", "meses", "month", "months"), 30),
    **dict.fromkeys(("año", "años", "ano", "anos", "year", "years"), 365),
}
RECONDITIONED = "2230582"


class Causes(list[dict[str, Any]]):
    """The validation causes of one request."""

    def add(self, code: str, message: str, *references: str) -> bool:
        """Record a cause; answers False so that checks can `return causes.add(...)`."""
        self.append(cause(code, message, references))
        return False

    def raise_if_any(self) -> None:
        if self:
            raise validation_error(self)


def reject(code: str, message: str, *references: str) -> ApiError:
    """A validation error with one cause."""
    return validation_error([cause(code, message, references)])


def is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def decimals(value: float | int) -> int:
    """Decimal places as the client wrote them (repr gives the shortest round trip)."""
    if isinstance(value, int):
        return 0
    exponent = Decimal(repr(value)).normalize().as_tuple().exponent
    return max(0, -exponent) if isinstance(exponent, int) else 0


def plain_number(value: float | int) -> float | int:
    """JSON numbers as MercadoLibre writes them: whole values without a fraction."""
    return int(value) if float(value).is_integer() else float(value)


class FieldRules:
    def __init__(self, catalogue: Catalogue, store: ItemStore) -> None:
        self.catalogue = catalogue
        self.store = store

    @staticmethod
    def title(title: Any, settings: Mapping[str, Any], causes: Causes) -> bool:
        if not isinstance(title, str) or not title.strip():
            return causes.add("item.title.invalid", "The title must not be empty.", "item.title")
        limit = settings["max_title_length"]
        if len(title.strip()) > limit:
            # §4.2: the limit is the category's max_title_length.
            message = f"The title must not exceed {limit} characters."
            return causes.add("item.title.length.invalid", message, "item.title")
        return True

    @staticmethod
    def price(
        price: Any,
        currency: Currency,
        settings: Mapping[str, Any],
        causes: Causes,
        reference: str = "item.price",
    ) -> bool:
        code = "item.price.invalid"
        if not is_number(price) or price <= 0:
            return causes.add(code, "The price must be greater than 0.", reference)
        if decimals(price) > currency.decimal_places:
            places = currency.decimal_places
            message = (
                f"The price {price} has more decimal places than {currency.id} allows ({places})."
            )
            return causes.add(code, message, reference)
        minimum = settings["minimum_price"]
        if price < minimum:
            return causes.add(
                code, f"The price must be at least {minimum} {currency.id}.", reference
            )
        return True

    @staticmethod
    def quantity(
        quantity: Any, listing_type: str, causes: Causes, reference: str = "item.available_quantity"
    ) -> bool:
        """§4.10: up to max_stock_per_item (1 for free listings)."""
        code = "item.available_quantity.invalid"
        limit = 1 if listing_type == "free" else MAX_STOCK_PER_ITEM
        if not is_number(quantity) or not float(quantity).is_integer() or quantity < 0:
            message = "available_quantity must be a whole number, 0 or more."
            return causes.add(code, message, reference)
        if quantity > limit:
            message = f"available_quantity must not exceed {limit} for listing type {listing_type}."
            return causes.add(code, message, reference)
        return True

    @staticmethod
    def listing_type(listing_type: Any, causes: Causes) -> bool:
        if listing_type not in LISTABLE_TYPES:
            message = f"Listing type {listing_type} is not valid."
            return causes.add("item.listing_type_id.invalid", message, "item.listing_type_id")
        return True

    @staticmethod
    def channels(value: Any, causes: Causes) -> list[str] | None:
        if value is None:
            return None
        if not value or not all(isinstance(c, str) and c in CHANNELS for c in value):
            message = f"Channels must be some of {list(CHANNELS)}."
            causes.add("item.channels.invalid", message, "item.channels")
            return None
        return list(dict.fromkeys(value))

    @staticmethod
    def shipping(value: Any, current: Mapping[str, Any] | None) -> dict[str, Any]:
        shipping = dict(current or DEFAULT_SHIPPING)
        shipping.update(value or {})
        return shipping

    # -- attributes ---------------------------------------------------------------------

    def attributes(
        self,
        entries: Iterable[Any],
        category: Category,
        current: list[dict[str, Any]],
        causes: Causes,
        reference: str = "item.attributes",
    ) -> list[dict[str, Any]]:
        """Normalised attributes merged by id into `current` [INF: attributes left out of a
        PUT are kept]. Unknown attribute ids are kept as sent [INF]."""
        merged = {a["id"]: a for a in copy.deepcopy(current)}
        for entry in entries:
            normalised = self.attribute(entry, category, causes, reference)
            if normalised is not None:
                merged[normalised["id"]] = normalised
        return list(merged.values())

    def attribute(
        self, entry: Any, category: Category, causes: Causes, reference: str
    ) -> dict[str, Any] | None:
        code = "item.attribute.invalid"
        if not isinstance(entry, dict) or not isinstance(entry.get("id"), str):
            return causes.add(code, "Each attribute needs an id.", reference) or None
        attribute_id = entry["id"]
        lang = 0 if category.language == "es" else 1
        spec = self.catalogue.attribute_spec(category, attribute_id)
        value_id = None if entry.get("value_id") is None else str(entry["value_id"])
        value_name = None if entry.get("value_name") is None else str(entry["value_name"])
        if spec is not None and spec.value_type == "list":
            if value_id is not None:
                match = next((v for v in spec.values if v[0] == value_id), None)
                if match is None:
                    message = f"Attribute [{attribute_id}] has an invalid value_id [{value_id}]."
                    return causes.add(code, message, reference) or None
                value_name = value_name or match[1 + lang]
            elif value_name is not None:
                folded = value_name.casefold()
                match = next((v for v in spec.values if folded in map(str.casefold, v[1:])), None)
                value_id = match[0] if match else None
        if value_id is None and value_name is None and not entry.get("value_struct"):
            message = f"Attribute [{attribute_id}] needs a value_id or a value_name."
            return causes.add(code, message, reference) or None
        normalised = {
            "id": attribute_id,
            "name": spec.names[lang] if spec else entry.get("name", attribute_id),
            "value_id": value_id,
            "value_name": value_name,
        }
        if entry.get("value_struct"):
            normalised["value_struct"] = entry["value_struct"]
        return normalised

    @staticmethod
    def condition(
        condition: Any, attributes: list[dict[str, Any]], category: Category, causes: Causes
    ) -> str:
        """§4.2: `condition` is deprecated in favour of ITEM_CONDITION. Either one does and
        they must agree; the attribute is added when only the field came."""
        code = "item.condition.invalid"
        attribute = next((a for a in attributes if a["id"] == "ITEM_CONDITION"), None)
        from_attribute = CONDITION_VALUE_IDS.get(attribute["value_id"] or "") if attribute else None
        if condition is not None and condition not in ITEM_CONDITIONS:
            causes.add(code, f"Condition {condition} is not valid.", "item.condition")
            return "not_specified"
        if condition and from_attribute and condition != from_attribute:
            message = "condition and the ITEM_CONDITION attribute do not agree."
            causes.add(code, message, "item.condition", "item.attributes")
        if condition in ("new", "used") and attribute is None:
            value_id = "2230284" if condition == "new" else "2230581"
            names = CONDITION_NAMES[category.language]
            name = "Condición del ítem" if category.language == "es" else "Condição do item"
            attributes.append(
                {
                    "id": "ITEM_CONDITION",
                    "name": name,
                    "value_id": value_id,
                    "value_name": names[value_id],
                }
            )
        return condition or from_attribute or "not_specified"

    @staticmethod
    def required_attributes(
        attributes: list[dict[str, Any]],
        variations: list[dict[str, Any]],
        category: Category,
        causes: Causes,
    ) -> None:
        """§4.2: attributes tagged `required` must be present, in the attributes or in
        every variation's combinations."""
        template = category.template
        assert template is not None
        present = {a["id"] for a in attributes}
        if variations:
            combined = [{c["id"] for c in v["attribute_combinations"]} for v in variations]
            present |= set.intersection(*combined)
        missing = [a.id for a in template.attributes if a.id in template.required - present]
        if missing:
            causes.add(
                "item.attributes.missing_required",
                f"The attributes [{', '.join(missing)}] are required for category "
                f"{category.id}. Check the attribute is present in the attributes list or in "
                "all variation's attributes_combination or attributes.",
                "item.attributes",
            )

    # -- pictures (§4.8) ----------------------------------------------------------------

    def pictures(
        self,
        entries: Iterable[Any],
        current: list[dict[str, Any]],
        owner: User,
        settings: Mapping[str, Any],
        causes: Causes,
    ) -> tuple[list[dict[str, Any]], set[str]]:
        """Resolve `[{source}|{id}]`; answer the pictures and the ids still processing."""
        code = "item.pictures.invalid"
        known = {p["id"]: p for p in current}
        pictures: dict[str, dict[str, Any]] = {}
        processing: set[str] = set()
        for entry in entries:
            picture_id = entry.get("id") if isinstance(entry, dict) else None
            source = entry.get("source") if isinstance(entry, dict) else None
            if isinstance(picture_id, str):
                if picture_id in known:
                    pictures[picture_id] = known[picture_id]
                elif self.uploaded_by(picture_id, owner):
                    pictures[picture_id] = picture_json(picture_id)
                else:
                    causes.add(code, f"Picture {picture_id} does not exist.", "item.pictures")
            elif isinstance(source, str) and source.startswith(("http://", "https://")):
                picture_id = self.store.new_picture_id(owner.site_id)
                pictures[picture_id] = picture_json(picture_id)
                processing.add(picture_id)
            else:
                message = "Each picture needs an http(s) source or an uploaded id."
                causes.add(code, message, "item.pictures")
        limit = settings["max_pictures_per_item"]
        if len(pictures) > limit:
            message = f"The maximum number of pictures per item is {limit}."
            causes.add("item.pictures.max", message, "item.pictures")
        return list(pictures.values()), processing

    def uploaded_by(self, picture_id: str, owner: User) -> bool:
        upload = self.store.uploads.get(picture_id)
        return upload is not None and upload["owner"] == owner.id

    # -- sale terms ---------------------------------------------------------------------

    def sale_terms(
        self,
        entries: Iterable[Any],
        current: list[dict[str, Any]],
        category: Category,
        causes: Causes,
    ) -> list[dict[str, Any]]:
        """Merge sale terms by id; only the category's terms (§4.3) are accepted."""
        known = {t["id"]: t for t in self.catalogue.sale_terms_json(category)}
        merged = {t["id"]: t for t in copy.deepcopy(current)}
        for entry in entries:
            term = entry.get("id") if isinstance(entry, dict) else entry
            if term not in known:
                message = f"Sale term [{term}] is not valid for category {category.id}."
                causes.add("item.sale_terms.invalid", message, "item.sale_terms")
                continue
            merged[term] = {
                "id": term,
                "name": known[term]["name"],
                "value_id": None if entry.get("value_id") is None else str(entry["value_id"]),
                "value_name": (
                    None if entry.get("value_name") is None else str(entry["value_name"])
                ),
            }
        return list(merged.values())

    @staticmethod
    def warranty(
        attributes: list[dict[str, Any]], sale_terms: list[dict[str, Any]], causes: Causes
    ) -> None:
        """§4.2: reconditioned items need at least 90 days of warranty."""
        if not any(
            a["id"] == "ITEM_CONDITION" and a["value_id"] == RECONDITIONED for a in attributes
        ):
            return
        term = next((t for t in sale_terms if t["id"] == "WARRANTY_TIME"), None)
        match = WARRANTY.search((term or {}).get("value_name") or "")
        days = int(match.group(1)) * WARRANTY_DAYS.get(match.group(2), 0) if match else 0
        if days < 90:
            message = "Reconditioned items need a warranty of at least 90 days."
            causes.add("item.sale_terms.invalid", message, "item.sale_terms")

    # -- descriptions (§4.7) ------------------------------------------------------------

    @staticmethod
    def plain_text(
        text: str, settings: Mapping[str, Any], causes: Causes, api_version: str | None = None
    ) -> None:
        html = HTML.search(text)
        if html:
            message = "HTML is not allowed in plain_text descriptions."
            if api_version == "2":
                # §4.7: with api_version=2 the error points at the invalid character.
                message = f"Invalid character '<' found at position {html.start()}."
            causes.add("item.description.type.invalid", message, "item.description.plain_text")
        limit = settings["max_description_length"]
        if len(text) > limit:
            message = f"The description must not exceed {limit} characters."
            causes.add("item.description.max_length", message, "item.description.plain_text")

    def description(self, body: Any, settings: Mapping[str, Any], api_version: str | None) -> str:
        """The plain text of a description body, or the §4.7 error."""
        if not isinstance(body, dict):
            raise api_error(400, "bad_request", "The body must be a JSON object")
        unknown = [key for key in body if key not in ("plain_text", "text")]
        if unknown:
            message = f"The fields [{', '.join(unknown)}] are invalid for requested call."
            raise api_error(400, "body.invalid_fields", message)
        causes = Causes()
        text = self.inline_description(body, settings, causes, api_version)
        causes.raise_if_any()
        assert text is not None
        return text

    def inline_description(
        self,
        value: Any,
        settings: Mapping[str, Any],
        causes: Causes,
        api_version: str | None = None,
    ) -> str | None:
        """§4.7 plain text only: the HTML `text` field is refused like HTML content. §4.2:
        official examples still send the description inline in POST /items."""
        if value is None:
            return None
        text = value.get("plain_text") if isinstance(value, dict) else value
        if not isinstance(text, str) or (isinstance(value, dict) and value.get("text")):
            message = "Only plain_text descriptions are allowed."
            causes.add("item.description.type.invalid", message, "item.description")
            return None
        self.plain_text(text, settings, causes, api_version)
        return text
