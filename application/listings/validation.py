"""The local checks a listing passes before any MercadoLibre call (§4.2, §4.6, §4.7):
MercadoLibre's rules, and what the database can hold (application.storable), so that a
change MercadoLibre takes can always be stored.

Every problem is collected and named with its field, then refused at once
(ValidationFailed); what MercadoLibre itself refuses comes back with its own causes.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from decimal import Decimal

from application.errors import (
    FieldProblem,
    ValidationFailed,
)
from application.storable import (
    MAX_SKU,
    MAX_VIDEO_ID,
    amount_problem,
    text_problem,
)
from domain.errors import InvalidValue
from domain.listings import (
    DEFAULT_MAX_TITLE_LENGTH,
    MAX_VARIATIONS,
    Attribute,
    Picture,
    Shipping,
    Variation,
    check_variations,
    has_control_characters,
)
from domain.money import Money, currency

MAX_PICTURES = 12  # category max_pictures_per_item of the common categories (§4.2)


MAX_DESCRIPTION = 50_000  # §4.7


LISTING_TYPES = frozenset(
    {"free", "bronze", "silver", "gold", "gold_special", "gold_premium", "gold_pro"}
)


SHIPPING_MODES = frozenset({"me1", "me2", "custom", "not_specified"})


_HTML = re.compile(r"<\s*/?\s*[a-zA-Z][^>]*>")


_PICTURE_ID = re.compile(r"^[\w-]+$")


class Problems:
    def __init__(self) -> None:
        self.items: list[FieldProblem] = []

    def add(self, field: str, reason: str) -> None:
        self.items.append(FieldProblem(field, reason))

    def check(self, message: str = "the listing is not valid") -> None:
        if self.items:
            raise ValidationFailed(self.items, message)


def check_storable(
    problems: Problems, field: str, text: str | None, max_length: int | None = None
) -> bool:
    """Whether the database can hold `text` (None: nothing to hold); a problem if not."""
    if text is None:
        return True
    reason = text_problem(text, max_length)
    if reason is not None:
        problems.add(field, reason)
    return reason is None


def checked_money(
    problems: Problems, field: str, amount: Decimal | None, currency_id: str
) -> Money | None:
    if amount is None:
        return None
    if not isinstance(amount, Decimal) or not amount.is_finite() or amount <= 0:
        problems.add(field, "must be a positive number")
        return None
    too_large = amount_problem(amount)
    if too_large is not None:
        problems.add(field, too_large)
        return None
    money = Money.of(amount, currency_id)
    if money.amount != amount:
        places = currency(currency_id).decimal_places
        problems.add(field, f"{currency_id} prices take {places} decimal places")
        return None
    return money


def combination_key(attributes: Sequence[Attribute]) -> tuple[tuple[str, str], ...]:
    """A variation's identity across our input and MercadoLibre's answer, which adds
    names and value ids (§4.6)."""
    return tuple(
        sorted((a.key.upper(), (a.value_name or a.value_id or "").casefold()) for a in attributes)
    )


def check_title(problems: Problems, title: str | None) -> None:
    if title is None:
        return
    if not check_storable(problems, "title", title):
        return
    if not title.strip():
        problems.add("title", "must not be empty")
    elif len(title) > DEFAULT_MAX_TITLE_LENGTH:
        problems.add(
            "title", f"is {len(title)} characters long; the limit is {DEFAULT_MAX_TITLE_LENGTH}"
        )
    elif has_control_characters(title):
        problems.add("title", "must not contain control characters")


def check_quantity(problems: Problems, field: str, quantity: int | None) -> None:
    if quantity is None:
        return
    if isinstance(quantity, bool) or not isinstance(quantity, int) or quantity < 0:
        problems.add(field, "must be a whole number of zero or more")
    elif quantity > 99_999:
        problems.add(field, "must be at most 99999 (max_stock_per_item, §4.10)")


def checked_pictures(problems: Problems, pictures: Sequence[str] | None) -> tuple[Picture, ...]:
    if pictures is None:
        return ()
    if len(pictures) > MAX_PICTURES:
        problems.add("pictures", f"at most {MAX_PICTURES} pictures per listing")
    result = []
    for index, picture in enumerate(pictures):
        if not check_storable(problems, f"pictures[{index}]", picture):
            continue
        if picture.startswith(("http://", "https://")):
            result.append(Picture(source=picture))
        elif _PICTURE_ID.match(picture):
            result.append(Picture(id=picture))
        else:
            problems.add(f"pictures[{index}]", "must be an http(s) URL or a picture id")
    return tuple(result)


def check_description(problems: Problems, text: str | None) -> None:
    if text is None:
        return
    if not check_storable(problems, "description", text):
        return
    if len(text) > MAX_DESCRIPTION:
        problems.add("description", f"at most {MAX_DESCRIPTION} characters")
    if has_control_characters(text, multiline=True):
        problems.add(
            "description", "must not contain control characters other than tabs and line breaks"
        )
    if _HTML.search(text):
        problems.add(
            "description",
            "plain text only: MercadoLibre refuses HTML (item.description.type.invalid, §4.7)",
        )


def checked_attributes(
    problems: Problems, field: str, pairs: Sequence[tuple[str, str]] | None
) -> tuple[Attribute, ...]:
    if pairs is None:
        return ()
    attributes = []
    seen = set()
    for index, (attribute_id, value) in enumerate(pairs):
        if not attribute_id or not str(value).strip():
            problems.add(f"{field}[{index}]", "needs an id and a value")
            continue
        if not check_storable(problems, f"{field}[{index}].id", attribute_id):
            continue
        if not check_storable(problems, f"{field}[{index}].value", str(value)):
            continue
        if attribute_id in seen:
            problems.add(f"{field}[{index}]", f"{attribute_id} is given twice")
        seen.add(attribute_id)
        attributes.append(Attribute(attribute_id.upper(), str(value)))
    return tuple(attributes)


def checked_shipping(
    problems: Problems, mode: str | None, free: bool | None, pick_up: bool | None
) -> Shipping | None:
    if mode is None and free is None and pick_up is None:
        return None
    if mode is not None and mode not in SHIPPING_MODES:
        problems.add("shipping.mode", f"must be one of {', '.join(sorted(SHIPPING_MODES))}")
    return Shipping(
        mode=mode or "not_specified", free_shipping=bool(free), local_pick_up=bool(pick_up)
    )


def check_variation_set(problems: Problems, variations: Sequence[Variation]) -> None:
    try:
        check_variations(variations, MAX_VARIATIONS)
    except InvalidValue as error:
        problems.add("variations", error.reason)


def check_references(
    problems: Problems,
    video_id: str | None,
    seller_sku: str | None,
    variations: Sequence[tuple[int, str | None, Sequence[str]]] = (),
) -> None:
    """The identifiers a listing stores as given: its video, its SKU, and each
    variation's (index, SKU, picture ids)."""
    check_storable(problems, "video_id", video_id, MAX_VIDEO_ID)
    check_storable(problems, "seller_sku", seller_sku, MAX_SKU)
    for index, sku, picture_ids in variations:
        check_storable(problems, f"variations[{index}].seller_sku", sku, MAX_SKU)
        for position, picture_id in enumerate(picture_ids):
            check_storable(problems, f"variations[{index}].picture_ids[{position}]", picture_id)
