"""The two ListingGateway implementations of the contract suite, each with a harness that
seeds the same starting state: a seller of ours with listings with and without
variations, and the sales buyers make meanwhile."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime
from typing import Any, Protocol

import aiohttp
import attrs

from adapters.mercadolibre import AccountCalls, AiohttpListingGateway
from adapters.mercadolibre.listings import ConflictPolicy
from adapters.mercadolibre.pictures import AiohttpPictureGateway
from application.ports.listing_gateway import ListingGateway, NewListing
from application.ports.picture_gateway import PictureGateway
from domain.listings import Attribute, Listing, Picture, Variation
from domain.money import Money
from sandbox.testing import RunningSandbox
from tests.contracts.sandbox_sellers import SandboxSellers, gateway_client, no_wait
from tests.fakes import FakeListingGateway
from tests.fakes.pictures import FakePictureGateway
from tests.sandbox.images import png

PRICE = Money.of("15000", "ARS")


def plain(**changes: Any) -> NewListing:
    """§4.2's official example (MLA3530), without variations."""
    listing = NewListing(
        site_id="MLA",
        title="Item de test - No Ofertar",
        category_id="MLA3530",
        price=Money.of("350", "ARS"),
        available_quantity=10,
        pictures=(
            Picture(source="http://mla-s2-p.mlstatic.com/968521-MLA20805195516_072016-O.jpg"),
        ),
        attributes=(Attribute("BRAND", value_name="Marca del producto"),),
    )
    return attrs.evolve(listing, **changes)


def combination(color: str, size: str = "40") -> tuple[Attribute, ...]:
    return (Attribute("COLOR", value_name=color), Attribute("SIZE", value_name=size))


def shoes(picture_id: str, black: int = 5, white: int = 3, **changes: Any) -> NewListing:
    """MLA109027 (BRAND and GENDER required) with two COLOR x SIZE variations (§4.6)."""
    listing = NewListing(
        site_id="MLA",
        title="Zapatillas Nike Revolution 6 Hombre",
        category_id="MLA109027",
        price=PRICE,
        available_quantity=black + white,
        pictures=(Picture(id=picture_id),),
        attributes=(Attribute("BRAND", value_name="Nike"), Attribute("GENDER", value_id="339666")),
        variations=(
            Variation(
                combination("Negro"), PRICE, black, picture_ids=(picture_id,), seller_sku="NK-N"
            ),
            Variation(
                combination("Blanco"), PRICE, white, picture_ids=(picture_id,), seller_sku="NK-B"
            ),
        ),
    )
    return attrs.evolve(listing, **changes)


class ListingWorld(Protocol):
    gateway: ListingGateway
    pictures: PictureGateway
    account_id: int
    seller_id: int

    async def picture(self) -> str:
        """A picture id the seller may give a variation (§4.8)."""
        ...

    async def listing(self, new: NewListing) -> Listing:
        """The listing published for the seller, as MercadoLibre has it."""
        ...

    async def sell(self, item_id: str, units: int, variation_id: int | None = None) -> None:
        """A buyer takes `units` (stock falls, §12.5)."""
        ...

    async def other_seller_id(self) -> int:
        """A seller the account is not."""
        ...


class SandboxListingWorld:
    """AiohttpListingGateway on the sandbox, for a new seller; listings are published
    with POST /items (the gateway's create_listing), sales through the admin API."""

    def __init__(
        self, sandbox: RunningSandbox, sellers: SandboxSellers, account_id: int, seller_id: int
    ) -> None:
        self.sandbox = sandbox
        self.sellers = sellers
        self.account_id = account_id
        self.seller_id = seller_id
        self.gateway: AiohttpListingGateway
        self.pictures: AiohttpPictureGateway

    @classmethod
    async def start(
        cls, sandbox: RunningSandbox, session: aiohttp.ClientSession
    ) -> SandboxListingWorld:
        sellers = SandboxSellers(sandbox)
        account_id, user = await sellers.new_seller("MLA")
        world = cls(sandbox, sellers, account_id, user["id"])
        calls = AccountCalls(gateway_client(sandbox, session), sellers)
        world.gateway = AiohttpListingGateway(calls, ConflictPolicy(delays=(), sleep=no_wait))
        world.pictures = AiohttpPictureGateway(calls)
        return world

    async def picture(self) -> str:
        form = aiohttp.FormData()
        form.add_field("file", png(800, 800), filename="photo.png", content_type="image/png")
        body = await self.sellers.call(self.account_id, "POST", "/pictures/items/upload", data=form)
        assert isinstance(body, dict)
        return str(body["id"])

    async def listing(self, new: NewListing) -> Listing:
        return await self.gateway.create_listing(self.account_id, new)

    async def sell(self, item_id: str, units: int, variation_id: int | None = None) -> None:
        sale: dict[str, int] = {"quantity": units}
        if variation_id is not None:
            sale["variation_id"] = variation_id
        await self.sandbox.admin("POST", f"/items/{item_id}/sale", sale)

    async def other_seller_id(self) -> int:
        return int(self.sandbox.sellers[0]["id"])


_item_numbers = itertools.count(9_200_000_001)
_picture_numbers = itertools.count(100_001)


class FakeListingWorld:
    """FakeListingGateway, seeded as the use-case tests seed it: listings put in with
    `add`, sales with `sell`."""

    def __init__(self) -> None:
        self.account_id = 1
        self.seller_id = 202593498
        self.gateway = FakeListingGateway()
        self.gateway.connect(self.account_id, self.seller_id)
        self.pictures = FakePictureGateway(self.gateway)
        self._variation_ids = itertools.count(170_000_000_010)

    async def picture(self) -> str:
        return f"{next(_picture_numbers)}-MLA40000000000_012026"

    async def listing(self, new: NewListing) -> Listing:
        variations = tuple(attrs.evolve(v, id=next(self._variation_ids)) for v in new.variations)
        listing = Listing(
            item_id=f"MLA{next(_item_numbers)}",
            account_id=self.account_id,
            seller_id=self.seller_id,
            title=new.title,
            category_id=new.category_id,
            price=new.price,
            available_quantity=sum(v.available_quantity for v in variations)
            if variations
            else new.available_quantity,
            pictures=new.pictures,
            variations=variations,
            attributes=new.attributes,
            description=new.description,
            seller_sku=new.seller_sku,
            # Published now, as POST /items answers it (§4.2).
            last_updated=datetime.now(UTC),
        )
        self.gateway.add(listing)
        return listing

    async def sell(self, item_id: str, units: int, variation_id: int | None = None) -> None:
        self.gateway.sell(item_id, units, variation_id)

    async def other_seller_id(self) -> int:
        return self.seller_id + 1
