"""Deterministic demo listings, generated lazily from (seed, seller, position).

A seller with 100,000 demo items costs two small integers and one byte per item (its
status, so that status filters and counts stay fast); an item's JSON is built only when
something reads it, and stored only once something changes it.
"""

from __future__ import annotations

import random
from typing import Any

import attrs

from sandbox.catalogue import Catalogue, Category
from sandbox.catalogue_data import CONDITION_NAMES, CURRENCIES, GENDER, SITES, Currency
from sandbox.clock import iso
from sandbox.item_shape import new_item, picture_json

# Status of each position, as one byte (the search index of §4.11 filters on it).
STATUS_CODES: dict[str, int] = {
    "active": 0,
    "paused": 1,
    "closed": 2,
    "under_review": 3,
    "inactive": 4,
    "not_yet_active": 5,
    "payment_required": 6,
    "pending": 7,
    "programmed": 8,
}
# Deleted items (§4.4) keep answering GET but leave every search.
DELETED = 9

# The demo catalogue repeats this pattern every 50 positions: mostly active items, some
# paused by the seller, some paused for lack of stock (§4.3) and a few closed.
PATTERN_LENGTH = 50


def demo_status(position: int) -> tuple[str, list[str]]:
    if position % 25 == 13:
        return "paused", ["out_of_stock"]
    if position % 25 == 7:
        return "paused", []
    if position % PATTERN_LENGTH == 19:
        return "closed", []
    return "active", []


def status_pattern(count: int) -> bytearray:
    period = bytes(STATUS_CODES[demo_status(p)[0]] for p in range(PATTERN_LENGTH))
    return bytearray((period * (count // PATTERN_LENGTH + 1))[:count])


# Demo item numbers: seller n owns [1e9 + n*150e6, ...) in steps of 10, with a varying last
# digit, so that ids look like real ones and the position is recovered by arithmetic.
DEMO_BASE = 1_000_000_000
SELLER_SPAN = 150_000_000
# Items created through POST /items are numbered above every demo range.
CREATED_BASE = 9_000_000_000


@attrs.define
class SellerListings:
    """The ordered listings of one seller: demo positions first, then created items.

    The order is creation order, which is also `stop_time_asc`, the default sort of the
    seller search (§4.11), since every listing runs for the same time.
    """

    user_id: int
    site_id: str
    ordinal: int
    base: int
    demo_count: int
    created: list[str] = attrs.field(factory=list)
    statuses: bytearray = attrs.field(factory=bytearray)
    # Items stored since they were published or generated, least recently changed first,
    # with the time of their change: the `last_updated_desc` sort walks it backwards.
    changed: dict[str, float] = attrs.field(factory=dict)

    @property
    def size(self) -> int:
        return self.demo_count + len(self.created)

    def _jitter(self, position: int) -> int:
        return (position * 7 + self.ordinal * 3) % 10

    def item_id(self, position: int) -> str:
        if position < self.demo_count:
            return f"{self.site_id}{self.base + position * 10 + self._jitter(position)}"
        return self.created[position - self.demo_count]

    def demo_published(self, position: int) -> float:
        """When the demo item at `position` was published, and last updated (never
        since, until something changes it)."""
        return EPOCH + position * 600 + self.ordinal * 7

    def touch(self, item_id: str, when: float) -> None:
        """Record that the item changed at `when` (the simulated clock, never going
        back): it moves to the head of the `last_updated_desc` order."""
        self.changed.pop(item_id, None)
        self.changed[item_id] = when

    def demo_position(self, number: int) -> int | None:
        offset = number - self.base
        if offset < 0:
            return None
        position, last = divmod(offset, 10)
        if position >= self.demo_count or last != self._jitter(position):
            return None
        return position


@attrs.define(frozen=True)
class DomainDemo:
    title: tuple[str, str]  # (es, pt) with {brand} {model} {extra} {color}
    brands: tuple[tuple[str, tuple[str, ...]], ...]
    extras: tuple[str, ...]
    usd_price: tuple[int, int]


DEMO: dict[str, DomainDemo] = {
    "CELLPHONES": DomainDemo(
        ("Celular {brand} {model} {extra} {color}", "Celular {brand} {model} {extra} {color}"),
        (
            ("Samsung", ("Galaxy A54", "Galaxy S23", "Galaxy A15")),
            ("Apple", ("iPhone 13", "iPhone 14", "iPhone 15 Pro")),
            ("Motorola", ("Moto G84", "Edge 40 Neo")),
            ("Xiaomi", ("Redmi Note 13", "Poco X6")),
        ),
        ("128gb", "256gb", "64gb"),
        (150, 1200),
    ),
    "CELLPHONE_ACCESSORIES": DomainDemo(
        ("Funda Silicona Para {brand} {model}", "Capa Silicone Para {brand} {model}"),
        (
            ("Samsung", ("Galaxy A54", "Galaxy S23")),
            ("Apple", ("iPhone 13", "iPhone 14")),
            ("Motorola", ("Moto G84",)),
        ),
        ("",),
        (5, 25),
    ),
    "NOTEBOOKS": DomainDemo(
        ("Notebook {brand} {model} {extra} Ssd", "Notebook {brand} {model} {extra} Ssd"),
        (
            ("Lenovo", ("IdeaPad 3", "ThinkPad E14")),
            ("HP", ("Pavilion 15", "250 G9")),
            ("Dell", ("Inspiron 15", "Vostro 3520")),
            ("Apple", ("MacBook Air M2",)),
        ),
        ("8gb Ram 256gb", "16gb Ram 512gb", "8gb Ram 512gb"),
        (450, 1800),
    ),
    "SNEAKERS": DomainDemo(
        ("Zapatillas {brand} {model} {extra}", "Tênis {brand} {model} {extra}"),
        (
            ("Nike", ("Air Max 90", "Revolution 6", "Court Vision")),
            ("Adidas", ("Grand Court", "Runfalcon 3")),
            ("Puma", ("Smash V2",)),
            ("Topper", ("Costa",)),
        ),
        ("Hombre", "Mujer"),
        (40, 180),
    ),
    "T_SHIRTS": DomainDemo(
        ("Remera {brand} Algodón {extra}", "Camiseta {brand} Algodão {extra}"),
        (("Nike", ("Sportswear",)), ("Adidas", ("Essentials",)), ("Topper", ("Basic",))),
        ("Hombre", "Mujer"),
        (10, 45),
    ),
    "HEADPHONES": DomainDemo(
        ("Auriculares Bluetooth {brand} {model}", "Fone de Ouvido Bluetooth {brand} {model}"),
        (
            ("Sony", ("WH-CH520", "WF-C500")),
            ("JBL", ("Tune 510BT", "Wave Buds")),
            ("Xiaomi", ("Redmi Buds 4",)),
        ),
        ("",),
        (25, 160),
    ),
    "COFFEE_MAKERS": DomainDemo(
        ("Cafetera {brand} {model}", "Cafeteira {brand} {model}"),
        (
            ("Oster", ("Programable 12 Tazas", "Prima Latte")),
            ("Philips", ("HD7447",)),
            ("Nespresso", ("Essenza Mini", "Vertuo Pop")),
        ),
        ("",),
        (40, 250),
    ),
}

# The GENDER value id of the words the demo titles end with.
GENDER_VALUE = {"Hombre": "339666", "Mujer": "339665"}
EPOCH = 1_704_067_200  # 2024-01-01T00:00:00Z: demo listings were published after it.


def round_price(usd: float, currency: Currency) -> float | int:
    """A price in the currency with its decimal places (§10); whole-unit currencies get
    round hundreds, the others end in .99, as sellers price."""
    value = usd * currency.per_usd
    if currency.decimal_places == 0:
        return int(max(100, round(value, -2)))
    return round(max(1.0, round(value)) - 0.01, 2)


class DemoCatalogue:
    """Builds demo items and descriptions from (seed, seller, position)."""

    def __init__(self, catalogue: Catalogue, seed: int) -> None:
        self.catalogue = catalogue
        self.seed = seed
        self._leaves: dict[str, list[Category]] = {}

    def listings_for(self, user_id: int, site_id: str, ordinal: int, count: int) -> SellerListings:
        rng = random.Random(f"{self.seed}:listings:{ordinal}")
        base = DEMO_BASE + ordinal * SELLER_SPAN + rng.randrange(0, 5_000_000) * 10
        return SellerListings(user_id, site_id, ordinal, base, count, [], status_pattern(count))

    def _leaves_of(self, site_id: str) -> list[Category]:
        if site_id not in self._leaves:
            self._leaves[site_id] = [
                c
                for c in self.catalogue.leaves(site_id)
                if c.template is not None and c.template.domain in DEMO
            ]
        return self._leaves[site_id]

    @staticmethod
    def seller_custom_field(ordinal: int, position: int) -> str:
        return f"CF-{ordinal + 1}-{position:07d}"

    @staticmethod
    def seller_sku(ordinal: int, position: int) -> str:
        return f"SKU-{ordinal + 1}-{position:07d}"

    def has_description(self, position: int) -> bool:
        return position % 4 != 3

    def description_text(self, listings: SellerListings, position: int) -> str:
        item = self.build(listings, position)
        state = "nuevo" if item["condition"] == "new" else "usado"
        lines = [item["title"], "", f"Producto {state}, con garantía del vendedor."]
        lines += [f"{a['name']}: {a['value_name']}" for a in item["attributes"] if a.get("name")]
        return "\n".join(lines)

    def build(self, listings: SellerListings, position: int) -> dict[str, Any]:
        """The demo item at `position`, identical on every call and every run."""
        rng = random.Random(f"{self.seed}:item:{listings.ordinal}:{position}")
        site = SITES[listings.site_id]
        lang = 0 if site.language == "es" else 1
        currency = CURRENCIES[site.listing_currencies[0]]
        category = self._leaves_of(site.id)[position % len(self._leaves_of(site.id))]
        template = category.template
        assert template is not None
        demo = DEMO[template.domain]
        brand, models = rng.choice(demo.brands)
        model = rng.choice(models)
        extra = rng.choice(demo.extras)
        color_id, *color_names = rng.choice(
            next(a for a in template.attributes if a.id == "COLOR").values
            if "COLOR" in {a.id for a in template.attributes}
            else (("52049", "Negro", "Preto"),)
        )
        color = color_names[lang]
        title = demo.title[lang].format(brand=brand, model=model, extra=extra, color=color)
        title = " ".join(title.split())
        status, sub_status = demo_status(position)
        used = position % 10 == 9
        condition = "used" if used else "new"
        condition_id = "2230581" if used else "2230284"
        item_id = listings.item_id(position)
        sku = self.seller_sku(listings.ordinal, position)
        names = {a.id: a.names[lang] for a in template.attributes}

        def attribute(attribute_id: str, value_id: str | None, value_name: str) -> dict:
            return {
                "id": attribute_id,
                "name": names[attribute_id],
                "value_id": value_id,
                "value_name": value_name,
            }

        attributes = [
            attribute("BRAND", None, brand),
            attribute("MODEL", None, model),
            attribute("ITEM_CONDITION", condition_id, CONDITION_NAMES[site.language][condition_id]),
            attribute("SELLER_SKU", None, sku),
        ]
        if extra in GENDER_VALUE:
            gender_id = GENDER_VALUE[extra]
            gender = next(v for v in GENDER.values if v[0] == gender_id)
            attributes.append(attribute("GENDER", gender_id, gender[1 + lang]))
        picture_ids = [
            f"{rng.randrange(600000, 999999)}-{site.id}{rng.randrange(10**10, 10**11)}_052024"
            for _ in range(rng.randrange(3, 7))
        ]
        out_of_stock = "out_of_stock" in sub_status
        if position % 97 == 3:
            quantity = rng.randrange(5_000, 60_000)
        else:
            quantity = rng.randrange(1, 200)
        sold = rng.randrange(1, 30) if position % 4 == 0 else 0
        price = round_price(rng.uniform(*demo.usd_price), currency)
        variations = []
        variation_names = [a for a in template.attributes if a.id in template.variation_attributes]
        if template.domain in ("SNEAKERS", "T_SHIRTS", "CELLPHONE_ACCESSORIES"):
            combos = self._combinations(rng, variation_names, color_id, color, lang)
            for k, combination in enumerate(combos):
                variations.append(
                    {
                        "id": 170_000_000_000 + listings.ordinal * 10**10 + position * 10 + k,
                        "price": price,
                        "attribute_combinations": combination,
                        "available_quantity": 0 if out_of_stock else rng.randrange(1, 40),
                        "sold_quantity": sold if k == 0 else 0,
                        "sale_terms": [],
                        "picture_ids": [picture_ids[k % len(picture_ids)]],
                        "seller_custom_field": None,
                        "catalog_product_id": None,
                        "attributes": [
                            {
                                "id": "SELLER_SKU",
                                "name": "SKU",
                                "value_id": None,
                                "value_name": f"{sku}-{k + 1}",
                            }
                        ],
                    }
                )
        created_at = iso(listings.demo_published(position))
        return new_item(
            item_id=item_id,
            site_id=site.id,
            seller_id=listings.user_id,
            title=title,
            category_id=category.id,
            domain_id=category.domain_id,
            price=price,
            currency_id=currency.id,
            available_quantity=0 if out_of_stock else quantity,
            sold_quantity=sold,
            buying_mode="buy_it_now",
            listing_type_id="gold_pro" if position % 3 == 1 else "gold_special",
            condition=condition,
            created_at=created_at,
            pictures=[picture_json(p) for p in picture_ids],
            attributes=attributes,
            variations=variations,
            sale_terms=[
                {
                    "id": "WARRANTY_TYPE",
                    "name": "Tipo de garantía",
                    "value_id": "2230280",
                    "value_name": "Garantía del vendedor",
                },
                {
                    "id": "WARRANTY_TIME",
                    "name": "Tiempo de garantía",
                    "value_id": None,
                    "value_name": "90 días",
                },
            ],
            status=status,
            sub_status=sub_status,
            seller_custom_field=self.seller_custom_field(listings.ordinal, position),
        )

    @staticmethod
    def _combinations(
        rng: random.Random, specs: list[Any], color_id: str, color: str, lang: int
    ) -> list[list[dict[str, Any]]]:
        names = {a.id: a.names[lang] for a in specs}
        if "SIZE" in names:
            size_spec = next(a for a in specs if a.id == "SIZE")
            start = rng.randrange(0, len(size_spec.values) - 3)
            return [
                [
                    {
                        "id": "COLOR",
                        "name": names["COLOR"],
                        "value_id": color_id,
                        "value_name": color,
                    },
                    {
                        "id": "SIZE",
                        "name": names["SIZE"],
                        "value_id": value[0],
                        "value_name": value[1],
                    },
                ]
                for value in size_spec.values[start : start + 3]
            ]
        color_spec = next(a for a in specs if a.id == "COLOR")
        chosen = rng.sample(list(color_spec.values), 2)
        return [
            [{"id": "COLOR", "name": names["COLOR"], "value_id": vid, "value_name": n[lang]}]
            for vid, *n in chosen
        ]
