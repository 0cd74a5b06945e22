"""MercadoLibre's rules for creating and changing listings (§4.2-§4.8).

Each operation takes the current item (a dict in the §4.1 shape) and a request body and
answers the new item, or raises the error MercadoLibre would answer. Nothing is stored
here: the caller saves the result, so a refused request changes nothing.
"""

from __future__ import annotations

import copy
from typing import Any

from sandbox.catalogue import Catalogue
from sandbox.catalogue_data import ITEM_CONDITIONS
from sandbox.clock import SimulatedClock, iso
from sandbox.errors import ApiError, api_error, cause
from sandbox.item_shape import new_item, refresh_derived
from sandbox.items import ItemStore
from sandbox.listing_body import (
    CREATE_FIELDS,
    REQUIRED_FIELDS,
    UPDATE_FIELDS,
    check_body,
    field_not_updatable,
    required_fields_error,
)
from sandbox.listing_fields import Causes, FieldRules, is_number, plain_number, reject
from sandbox.users import User
from sandbox.variation_rules import VariationRules

STATUSES_BY_PUT = ("active", "paused", "closed")
EDITABLE_STATUSES = ("active", "paused")
# §4.2: quantity 0 at creation is allowed for Fulfillment in AR, MX and BR.
FULFILLMENT_ZERO_STOCK_SITES = ("MLA", "MLM", "MLB")
# §4.10: the two listing types a seller may switch between freely.
SWITCHABLE_TYPES = ("gold_special", "gold_pro")
NOT_ACTIVE_WITHOUT_STOCK = "Is not possible to activate an item without stock."  # §2.1


def optimistic_lock_conflict() -> ApiError:
    """§2.5 / §4.4: too fast a second PUT to the same item."""
    return api_error(409, "conflict", "item optimistic locking error: conflict")


def seller_unable_to_list() -> ApiError:
    """§4.2: code seller.unable_to_list, the reason in `cause`."""
    reason = cause(
        "seller.unable_to_list",
        "Listing is disabled for this seller.",
        ["seller_id"],
        department="users",
    )
    return api_error(
        403, "seller.unable_to_list", "The seller is not allowed to publish.", [reason]
    )


class ListingRules:
    def __init__(self, catalogue: Catalogue, store: ItemStore, clock: SimulatedClock) -> None:
        self.catalogue = catalogue
        self.store = store
        self.clock = clock
        self.fields = FieldRules(catalogue, store)
        self.variation_rules = VariationRules(self.fields)

    # -- POST /items (§4.2) -------------------------------------------------------------

    def create(self, body: Any, seller: User) -> tuple[dict[str, Any], set[str], str | None]:
        """Validate a new listing; answer (item, ids of pictures still processing, the
        inline description or None). Nothing is stored."""
        body = check_body(body, CREATE_FIELDS)
        missing = [f for f in REQUIRED_FIELDS if body.get(f) is None]
        if missing:
            raise required_fields_error(missing)
        if not seller.list_allowed:
            raise seller_unable_to_list()
        site = seller.site
        category_id = body["category_id"]
        category = self.catalogue.category(category_id)
        if category is None or category.site_id != site.id:
            raise reject(
                "item.category_id.invalid",
                f"Category {category_id} does not exist.",  # §4.2
                "item.category_id",
            )
        if not category.is_leaf:
            message = f"Category {category_id} is not a leaf category."
            raise reject("item.category_id.invalid", message, "item.category_id")
        fields = self.fields
        settings = self.catalogue.settings(category)
        causes = Causes()
        if body.get("site_id") not in (None, site.id):
            message = f"The seller lists on {site.id}, not on {body['site_id']}."
            causes.add("item.site_id.invalid", message, "item.site_id")
        currency_id = body["currency_id"]
        if currency_id not in settings["currencies"]:
            message = f"Currency {currency_id} is not valid for category {category_id}."
            causes.add("item.currency_id.invalid", message, "item.currency_id")
        currency = self.catalogue.currencies[settings["currencies"][0]]
        listing_type = body["listing_type_id"]
        fields.listing_type(listing_type, causes)
        if body["buying_mode"] not in settings["buying_modes"]:
            message = f"Buying mode {body['buying_mode']} is not valid for category {category_id}."
            causes.add("item.buying_mode.invalid", message, "item.buying_mode")
        fields.title(body["title"], settings, causes)
        fields.price(body["price"], currency, settings, causes)
        quantity = body["available_quantity"]
        fields.quantity(quantity, listing_type, causes)
        shipping = fields.shipping(body.get("shipping"), None)
        fulfillment = shipping["logistic_type"] == "fulfillment"
        if quantity == 0 and not (fulfillment and site.id in FULFILLMENT_ZERO_STOCK_SITES):
            message = "available_quantity must be greater than 0."
            causes.add("item.available_quantity.invalid", message, "item.available_quantity")
        attributes = fields.attributes(body.get("attributes") or [], category, [], causes)
        condition = fields.condition(body.get("condition"), attributes, category, causes)
        pictures, processing = fields.pictures(
            body.get("pictures") or [], [], seller, settings, causes
        )
        if not body.get("pictures") and listing_type != "free":
            message = f"Listing type {listing_type} requires at least one picture."  # §4.10
            causes.add("item.pictures.invalid", message, "item.pictures")
        price = plain_number(body["price"]) if is_number(body["price"]) else 0
        variations = self.variation_rules.variations(
            body.get("variations") or [], [], category, price, currency, pictures, seller, causes
        )
        fields.required_attributes(attributes, variations, category, causes)
        sale_terms = fields.sale_terms(body.get("sale_terms") or [], [], category, causes)
        fields.warranty(attributes, sale_terms, causes)
        channels = fields.channels(body.get("channels"), causes)
        description = fields.inline_description(body.get("description"), settings, causes)
        causes.raise_if_any()
        for variation in variations:
            variation["id"] = self.store.new_variation_id()
        out_of_stock = quantity == 0
        item = new_item(
            item_id=self.store.new_item_id(site.id),
            site_id=site.id,
            seller_id=seller.id,
            title=body["title"].strip(),
            category_id=category.id,
            domain_id=category.domain_id,
            price=price,
            currency_id=currency_id,
            available_quantity=int(quantity),
            buying_mode=body["buying_mode"],
            listing_type_id=listing_type,
            condition=condition,
            created_at=iso(self.clock.now()),
            pictures=pictures,
            attributes=attributes,
            variations=variations,
            sale_terms=sale_terms,
            shipping=shipping,
            status="paused" if out_of_stock else "active",
            sub_status=["out_of_stock"] if out_of_stock else [],
            seller_custom_field=body.get("seller_custom_field"),
            channels=channels or ("marketplace",),
            tags=("test_item", "immediate_payment", "cart_eligible", *(body.get("tags") or ())),
            video_id=body.get("video_id"),
        )
        return item, processing, description

    # -- PUT /items/{id} (§4.3-§4.6, §4.8) ------------------------------------------------

    def update(self, item: dict[str, Any], body: Any, owner: User) -> dict[str, Any]:
        body = check_body(body, UPDATE_FIELDS)
        if not body:
            raise api_error(400, "bad_request", "The body must contain at least one field")
        if "deleted" in body:
            return self._delete(item, body["deleted"])
        if item["status"] not in EDITABLE_STATUSES or "deleted" in (item.get("sub_status") or []):
            # §4.3: closed is final; other non-editable statuses answer alike [INF].
            raise field_not_updatable(item)
        new = copy.deepcopy(item)
        causes = Causes()
        self._update_terms(item, new, body, causes)
        self._update_content(item, new, body, owner, causes)
        status = body.get("status")
        if status is not None and status not in STATUSES_BY_PUT:
            # §4.3: values are lowercase and case-sensitive.
            message = f"Invalid status {status}. Valid values: active, paused, closed."
            causes.add("item.status.invalid", message, "item.status")
        causes.raise_if_any()
        refresh_derived(new)
        self._apply_status(new, item, status)
        if new["listing_type_id"] != item["listing_type_id"]:
            self.store.listing_type_changed.add(item["id"])
        return new

    def _update_terms(
        self, item: dict[str, Any], new: dict[str, Any], body: dict[str, Any], causes: Causes
    ) -> None:
        """The commercial terms: title, buying mode, listing type, category, currency,
        condition, price and stock."""
        fields = self.fields
        category = self.catalogue.categories[item["category_id"]]
        settings = self.catalogue.settings(category)
        sold = item.get("sold_quantity", 0) > 0

        def changes(field: str) -> bool:
            return field in body and body[field] != item[field]

        if changes("category_id"):
            message = "The category of an item cannot be changed."  # §4.3
            causes.add("item.category_id.not_modifiable", message, "item.category_id")
        if changes("title"):
            if sold:
                # §4.3: an item with sales keeps its title.
                message = "The title cannot be modified on an item with sales."
                causes.add("item.title.not_modifiable", message, "item.title")
            elif fields.title(body["title"], settings, causes):
                new["title"] = body["title"].strip()
        if changes("buying_mode"):
            if sold:
                message = "The buying mode cannot be modified on an item with sales."
                causes.add("item.buying_mode.not_modifiable", message, "item.buying_mode")
            elif body["buying_mode"] not in settings["buying_modes"]:
                message = f"Buying mode {body['buying_mode']} is not valid."
                causes.add("item.buying_mode.invalid", message, "item.buying_mode")
            else:
                new["buying_mode"] = body["buying_mode"]
        if changes("listing_type_id"):
            if item["id"] in self.store.listing_type_changed:
                # §4.3: "modifiable only once" through PUT.
                message = "The listing type can only be modified once."
                causes.add("item.listing_type_id.not_modifiable", message, "item.listing_type_id")
            elif fields.listing_type(body["listing_type_id"], causes):
                new["listing_type_id"] = body["listing_type_id"]
        if changes("currency_id"):
            message = f"Currency {body['currency_id']} is not valid for this item."
            causes.add("item.currency_id.invalid", message, "item.currency_id")
        if changes("condition"):
            if body["condition"] not in ITEM_CONDITIONS:
                message = f"Condition {body['condition']} is not valid."
                causes.add("item.condition.invalid", message, "item.condition")
            else:
                new["condition"] = body["condition"]
        currency = self.catalogue.currencies[item["currency_id"]]
        if "price" in body and fields.price(body["price"], currency, settings, causes):
            new["price"] = new["base_price"] = plain_number(body["price"])
            # One price for all variations is the recommendation (§4.6) [INF: a top-level
            # price applies to every variation].
            for variation in new["variations"]:
                variation["price"] = new["price"]
        if "available_quantity" in body:
            if new["variations"] and "variations" not in body:
                message = "The stock of an item with variations is set per variation."
                causes.add("item.available_quantity.invalid", message, "item.available_quantity")
            elif fields.quantity(body["available_quantity"], new["listing_type_id"], causes):
                new["available_quantity"] = int(body["available_quantity"])

    def _update_content(
        self,
        item: dict[str, Any],
        new: dict[str, Any],
        body: dict[str, Any],
        owner: User,
        causes: Causes,
    ) -> None:
        """What the listing shows: pictures, attributes, variations, terms, shipping."""
        fields = self.fields
        category = self.catalogue.categories[item["category_id"]]
        settings = self.catalogue.settings(category)
        if "pictures" in body:
            # §4.8: PUT replaces the pictures; those left out are removed.
            new["pictures"], _ = fields.pictures(
                body["pictures"], item["pictures"], owner, settings, causes
            )
        if "attributes" in body:
            new["attributes"] = fields.attributes(
                body["attributes"], category, new["attributes"], causes
            )
        if "variations" in body:
            # §4.6: send every variation to keep; the ones left out are deleted.
            currency = self.catalogue.currencies[item["currency_id"]]
            new["variations"] = self.variation_rules.variations(
                body["variations"],
                item["variations"],
                category,
                new["price"],
                currency,
                new["pictures"],
                owner,
                causes,
            )
            for variation in new["variations"]:
                if variation["id"] is None:
                    variation["id"] = self.store.new_variation_id()
        if "sale_terms" in body:
            new["sale_terms"] = fields.sale_terms(
                body["sale_terms"], new["sale_terms"], category, causes
            )
        if "shipping" in body:
            new["shipping"] = fields.shipping(body["shipping"], new["shipping"])
        if "channels" in body:
            new["channels"] = fields.channels(body["channels"], causes) or new["channels"]
        for field in ("seller_custom_field", "video_id", "warranty", "catalog_product_id"):
            if field in body:
                new[field] = body[field]

    def _apply_status(self, new: dict[str, Any], old: dict[str, Any], status: str | None) -> None:
        """§4.3: zero stock pauses (sub_status out_of_stock), a restock reactivates an
        item paused that way, an explicit status wins, and an item without stock cannot
        be activated. The same holds through variations, whose stock adds up."""
        quantity = new["available_quantity"]
        kept = [s for s in new.get("sub_status") or [] if s != "out_of_stock"]
        out_of_stock = "out_of_stock" in (old.get("sub_status") or [])
        if status == "closed":
            new["status"], new["sub_status"] = "closed", []
            new["stop_time"] = new["end_time"] = iso(self.clock.now())
        elif status == "paused":
            # The seller's own pause: a later restock does not undo it.
            new["status"], new["sub_status"] = "paused", kept
        elif status == "active" or (out_of_stock and quantity > 0 and old["status"] == "paused"):
            if quantity == 0:
                message = NOT_ACTIVE_WITHOUT_STOCK
                raise reject(
                    "item.status.invalid", message, "item.status", "item.available_quantity"
                )
            new["status"], new["sub_status"] = "active", kept
        elif quantity == 0 and new["status"] == "active":
            if new["condition"] != "new" or new["listing_type_id"] == "free":
                # §4.3: the pause through quantity 0 works only for new items not listed as
                # free. What happens otherwise is undocumented [INF: the PUT is refused].
                message = (
                    "Quantity 0 pauses only new items that are not listed as free; close the "
                    "item instead."
                )
                raise reject("item.available_quantity.invalid", message, "item.available_quantity")
            new["status"], new["sub_status"] = "paused", [*kept, "out_of_stock"]

    def _delete(self, item: dict[str, Any], value: Any) -> dict[str, Any]:
        """§4.4 step 2: `{"deleted":"true"}` on a closed item (or under_review+forbidden)."""
        if value not in ("true", True):
            raise reject(
                "item.deleted.invalid", 'The only accepted value is "true".', "item.deleted"
            )
        sub_status = item.get("sub_status") or []
        if "deleted" in sub_status:
            return copy.deepcopy(item)
        forbidden = item["status"] == "under_review" and "forbidden" in sub_status
        if item["status"] != "closed" and not forbidden:
            message = "Only closed items can be deleted: close it first."
            raise reject("item.deleted.invalid", message, "item.status", "item.deleted")
        new = copy.deepcopy(item)
        new["status"], new["sub_status"] = "closed", ["deleted"]
        return new

    # -- POST /items/{id}/listing_type (§4.3, §4.10) --------------------------------------

    def switch_listing_type(self, item: dict[str, Any], body: Any) -> dict[str, Any]:
        """The free switch between gold_special and gold_pro, at any time."""
        if not isinstance(body, dict) or not isinstance(body.get("id"), str):
            raise api_error(400, "bad_request", 'The body must be {"id": "<listing type>"}')
        if item["status"] not in EDITABLE_STATUSES:
            raise field_not_updatable(item)
        target = body["id"]
        if target not in SWITCHABLE_TYPES or item["listing_type_id"] not in SWITCHABLE_TYPES:
            message = f"Cannot switch from {item['listing_type_id']} to {target}."
            raise reject("item.listing_type_id.invalid", message, "item.listing_type_id")
        new = copy.deepcopy(item)
        new["listing_type_id"] = target
        return new

    # -- variation sub-resources (§4.6) -----------------------------------------------------

    def add_variation(self, item: dict[str, Any], body: Any, owner: User) -> dict[str, Any]:
        if not isinstance(body, dict) or "id" in body:
            raise api_error(400, "bad_request", "The body must be one new variation, without id")
        kept = [{"id": v["id"]} for v in item["variations"]]
        return self.update(item, {"variations": [*kept, body]}, owner)

    def update_variation(
        self, item: dict[str, Any], variation_id: int, body: Any, owner: User
    ) -> dict[str, Any]:
        if not isinstance(body, dict) or "id" in body:
            raise api_error(400, "bad_request", "The body must be a JSON object without id")
        entries = [
            {**body, "id": v["id"]} if v["id"] == variation_id else {"id": v["id"]}
            for v in item["variations"]
        ]
        return self.update(item, {"variations": entries}, owner)

    def delete_variation(
        self, item: dict[str, Any], variation_id: int, owner: User
    ) -> dict[str, Any]:
        entries = [{"id": v["id"]} for v in item["variations"] if v["id"] != variation_id]
        return self.update(item, {"variations": entries}, owner)

    # -- pictures (§4.8) ----------------------------------------------------------------

    def link_picture(self, item: dict[str, Any], body: Any, owner: User) -> dict[str, Any]:
        """POST /items/{id}/pictures {"id": picture_id}: add an uploaded picture."""
        if not isinstance(body, dict) or not isinstance(body.get("id"), str):
            raise api_error(400, "bad_request", 'The body must be {"id": "<picture id>"}')
        if item["status"] not in EDITABLE_STATUSES:
            raise field_not_updatable(item)
        entries = [{"id": p["id"]} for p in item["pictures"]]
        if all(p["id"] != body["id"] for p in item["pictures"]):
            entries.append({"id": body["id"]})
        category = self.catalogue.categories[item["category_id"]]
        causes = Causes()
        settings = self.catalogue.settings(category)
        pictures, _ = self.fields.pictures(entries, item["pictures"], owner, settings, causes)
        causes.raise_if_any()
        new = copy.deepcopy(item)
        new["pictures"] = pictures
        refresh_derived(new)
        return new

    # -- descriptions (§4.7) ------------------------------------------------------------

    def description_text(self, item: dict[str, Any], body: Any, api_version: str | None) -> str:
        category = self.catalogue.categories[item["category_id"]]
        return self.fields.description(body, self.catalogue.settings(category), api_version)

    # -- sales (the item side of §12.5, driven through the admin API) --------------------

    def record_sale(
        self, item: dict[str, Any], quantity: int, variation_id: int | None
    ) -> dict[str, Any]:
        """Take `quantity` units off the stock; zero stock pauses the item (§4.3)."""
        if item["status"] != "active":
            raise api_error(400, "bad_request", f"Item {item['id']} is not active")
        new = copy.deepcopy(item)
        target = new
        if new["variations"]:
            target = next((v for v in new["variations"] if v["id"] == variation_id), None)
            if target is None:
                message = "variation_id must name one of the item's variations"
                raise api_error(400, "bad_request", message)
        stock = target["available_quantity"]
        if not 1 <= quantity <= stock:
            raise api_error(400, "bad_request", f"Cannot sell {quantity} of {stock} in stock")
        target["available_quantity"] -= quantity
        target["sold_quantity"] = target.get("sold_quantity", 0) + quantity
        refresh_derived(new)
        if new["available_quantity"] == 0:
            if new["condition"] == "new" and new["listing_type_id"] != "free":
                new["status"], new["sub_status"] = "paused", ["out_of_stock"]
            else:
                # A used or free listing that sells its last unit ends [INF].
                new["status"], new["sub_status"] = "closed", []
        return new
