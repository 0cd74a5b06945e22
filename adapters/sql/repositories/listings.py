"""Listings in SQL: the columns filtered and sorted on, the rest as JSON."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import (
    ColumnElement,
    func,
    or_,
    select,
    update,
)

from adapters.sql.repositories.base import (
    MAX_IN_IDS,
    JsonObject,
    Row,
    SqlRepository,
    chunks,
    compact,
    money_from_json,
    money_json,
    page_of,
)
from adapters.sql.tables import (
    products,
)
from application.errors import NotFound
from application.queries import (
    ListingQuery,
    Page,
)
from domain.listings import (
    Attribute,
    Condition,
    Listing,
    ListingStatus,
    Picture,
    Shipping,
    Variation,
)
from domain.money import Money


def _attribute_json(attribute: Attribute) -> JsonObject:
    return compact(
        {
            "id": attribute.id,
            "value_name": attribute.value_name,
            "value_id": attribute.value_id,
            "name": attribute.name,
        }
    )


def _attribute_from_json(data: JsonObject) -> Attribute:
    return Attribute(
        id=data.get("id"),
        value_name=data.get("value_name"),
        value_id=data.get("value_id"),
        name=data.get("name"),
    )


def _variation_json(variation: Variation) -> JsonObject:
    return compact(
        {
            "id": variation.id,
            "attribute_combinations": [
                _attribute_json(a) for a in variation.attribute_combinations
            ],
            "price": money_json(variation.price),
            "available_quantity": variation.available_quantity,
            "sold_quantity": variation.sold_quantity,
            "picture_ids": list(variation.picture_ids),
            "seller_sku": variation.seller_sku,
        }
    )


def _variation_from_json(data: JsonObject) -> Variation:
    return Variation(
        id=data.get("id"),
        attribute_combinations=tuple(
            _attribute_from_json(a) for a in data["attribute_combinations"]
        ),
        price=money_from_json(data["price"]),
        available_quantity=data["available_quantity"],
        sold_quantity=data["sold_quantity"],
        picture_ids=tuple(data["picture_ids"]),
        seller_sku=data.get("seller_sku"),
    )


def title_search_key(title: str) -> str:
    """What the title search compares, on every store: the title in lower case."""
    return title.lower()


def item_number(item_id: str) -> int:
    """The digits after the site prefix; orders item ids numerically."""
    return int(item_id[3:])


def listing_to_row(listing: Listing) -> JsonObject:
    return {
        "item_id": listing.item_id,
        "account_id": listing.account_id,
        "seller_id": listing.seller_id,
        "site_id": listing.site_id,
        "item_number": item_number(listing.item_id),
        "title": listing.title,
        "title_search": title_search_key(listing.title),
        "category_id": listing.category_id,
        "price_amount": listing.price.amount,
        "currency_id": listing.price.currency_id,
        "available_quantity": listing.available_quantity,
        "sold_quantity": listing.sold_quantity,
        "status": listing.status.value,
        "sub_status": list(listing.sub_status),
        "condition": listing.condition.value,
        "listing_type_id": listing.listing_type_id,
        "buying_mode": listing.buying_mode,
        "permalink": listing.permalink,
        "thumbnail": listing.thumbnail,
        "pictures": [
            compact({"id": p.id, "url": p.url, "source": p.source}) for p in listing.pictures
        ],
        "variations": [_variation_json(v) for v in listing.variations],
        "attributes": [_attribute_json(a) for a in listing.attributes],
        "shipping": {
            "mode": listing.shipping.mode,
            "free_shipping": listing.shipping.free_shipping,
            "local_pick_up": listing.shipping.local_pick_up,
            "logistic_type": listing.shipping.logistic_type,
        },
        "description": listing.description,
        "video_id": listing.video_id,
        "seller_sku": listing.seller_sku,
        "health": listing.health,
        "tags": list(listing.tags),
        "date_created": listing.date_created,
        "last_updated": listing.last_updated,
        "removed_at": listing.removed_at,
        "relisted_from": listing.relisted_from,
    }


def listing_to_domain(row: Row) -> Listing:
    shipping = row["shipping"]
    return Listing(
        item_id=row["item_id"],
        account_id=row["account_id"],
        seller_id=row["seller_id"],
        title=row["title"],
        category_id=row["category_id"],
        price=Money.of(row["price_amount"], row["currency_id"]),
        available_quantity=row["available_quantity"],
        status=ListingStatus(row["status"]),
        sold_quantity=row["sold_quantity"],
        sub_status=tuple(row["sub_status"]),
        condition=Condition(row["condition"]),
        listing_type_id=row["listing_type_id"],
        buying_mode=row["buying_mode"],
        permalink=row["permalink"],
        thumbnail=row["thumbnail"],
        pictures=tuple(
            Picture(id=p.get("id"), url=p.get("url"), source=p.get("source"))
            for p in row["pictures"]
        ),
        variations=tuple(_variation_from_json(v) for v in row["variations"]),
        attributes=tuple(_attribute_from_json(a) for a in row["attributes"]),
        shipping=Shipping(
            mode=shipping["mode"],
            free_shipping=shipping["free_shipping"],
            local_pick_up=shipping["local_pick_up"],
            logistic_type=shipping.get("logistic_type"),
        ),
        description=row["description"],
        video_id=row["video_id"],
        seller_sku=row["seller_sku"],
        health=row["health"],
        tags=tuple(row["tags"]),
        date_created=row["date_created"],
        last_updated=row["last_updated"],
        removed_at=row["removed_at"],
        relisted_from=row["relisted_from"],
    )


class SqlListingRepository(SqlRepository):
    async def get(self, item_id: str) -> Listing:
        listing = await self.find(item_id)
        if listing is None:
            raise NotFound("listing", item_id)
        return listing

    async def find(self, item_id: str) -> Listing | None:
        row = await self._one(select(products).where(products.c.item_id == item_id))
        return None if row is None else listing_to_domain(row)

    async def find_many(self, item_ids: Iterable[str]) -> dict[str, Listing]:
        wanted = list(dict.fromkeys(item_ids))
        found: dict[str, Listing] = {}
        for chunk in chunks(wanted, MAX_IN_IDS):
            rows = await self._all(select(products).where(products.c.item_id.in_(chunk)))
            for row in rows:
                found[row["item_id"]] = listing_to_domain(row)
        return found

    async def upsert(self, listings: Iterable[Listing]) -> None:
        # One row per id, merged in order as the memory adapter does: a copy without
        # description keeps the one an earlier copy in the batch brought.
        rows: dict[str, dict[str, Any]] = {}
        for listing in listings:
            row = listing_to_row(listing)
            earlier = rows.get(listing.item_id)
            if row["description"] is None and earlier is not None:
                row["description"] = earlier["description"]
            rows[listing.item_id] = row
        if not rows:
            return
        # As _upsert, except that a description of None keeps the stored one.
        statement = self._insert(products)
        kept = {
            "description": func.coalesce(statement.excluded.description, products.c.description)
        }
        statement = statement.on_conflict_do_update(
            index_elements=[products.c.item_id],
            set_={
                c.name: kept.get(c.name, statement.excluded[c.name])
                for c in products.columns
                if c.name != "item_id"
            },
        ).returning(products.c.item_id)
        await self._write(statement, list(rows.values()))

    async def search(self, query: ListingQuery) -> Page[Listing]:
        conditions: list[ColumnElement[bool]] = []
        if query.account_id is not None:
            conditions.append(products.c.account_id == query.account_id)
        if query.status is not None:
            conditions.append(products.c.status == query.status)
        if query.title:
            needle = title_search_key(query.title)
            conditions.append(products.c.title_search.contains(needle, autoescape=True))
        if query.sku is not None:
            conditions.append(products.c.seller_sku == query.sku)
        if query.relisted_from is not None:
            conditions.append(products.c.relisted_from == query.relisted_from)
        if not query.include_removed:
            conditions.append(products.c.removed_at.is_(None))
        statement = (
            select(products)
            .where(*conditions)
            .order_by(products.c.item_number.desc(), self._binary(products.c.item_id).desc())
            .offset(query.paging.offset)
            .limit(query.paging.limit)
        )
        items = [listing_to_domain(row) for row in await self._all(statement)]
        return page_of(items, await self._count(products, conditions), query.paging)

    async def item_ids(self, account_id: int) -> set[str]:
        result = await self._execute(
            select(products.c.item_id).where(
                products.c.account_id == account_id, products.c.removed_at.is_(None)
            )
        )
        return set(result.scalars().all())

    async def described(self, account_id: int) -> dict[str, datetime | None]:
        result = await self._execute(
            select(products.c.item_id, products.c.last_updated).where(
                products.c.account_id == account_id, products.c.description.is_not(None)
            )
        )
        return {row.item_id: row.last_updated for row in result}

    async def mark_removed(
        self,
        item_ids: Iterable[str],
        now: datetime,
        *,
        last_updated_before: datetime | None = None,
    ) -> int:
        conditions = [products.c.removed_at.is_(None)]
        if last_updated_before is not None:
            # In the UPDATE itself, so a change committed meanwhile is seen (PostgreSQL
            # re-checks the condition on a row another transaction just updated).
            conditions.append(
                or_(
                    products.c.last_updated.is_(None),
                    products.c.last_updated < last_updated_before,
                )
            )
        changed = 0
        for chunk in chunks(list(dict.fromkeys(item_ids)), MAX_IN_IDS):
            result = await self._write(
                update(products)
                .where(products.c.item_id.in_(chunk), *conditions)
                .values(removed_at=now)
            )
            changed += result.rowcount
        return changed
