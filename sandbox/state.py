"""The one object that holds the sandbox's state; every change goes through it."""

from __future__ import annotations

from typing import Any

import aiohttp
import attrs

from sandbox import health
from sandbox.activity import ActivitySimulator
from sandbox.catalogue import Catalogue
from sandbox.clock import SimulatedClock
from sandbox.config import RUNTIME_OPTIONS, SandboxConfig
from sandbox.demo import DemoCatalogue
from sandbox.errors import ApiError, api_error, forbidden, item_not_found
from sandbox.faults import FaultInjector
from sandbox.history import build_history
from sandbox.item_shape import picture_json, view
from sandbox.items import ItemStore
from sandbox.listing_rules import ListingRules, optimistic_lock_conflict
from sandbox.market import SimulatedMarket
from sandbox.notifications import Notifier
from sandbox.oauth import OAuthServer
from sandbox.ratelimit import CallThrottle
from sandbox.search import ItemSearch
from sandbox.stats import CallStats
from sandbox.users import SELLER_SITES, User, UserDirectory


def item_forbidden() -> ApiError:
    """§2.3 / §12.2: another seller's item [INF: wording after the order errors of §5.1]."""
    return forbidden("The user has not access to the item")


class SandboxState:
    def __init__(self, config: SandboxConfig) -> None:
        self.config = config
        self.clock = SimulatedClock()
        self.catalogue = Catalogue()
        self.stats = CallStats()
        # The notifier outlives a reset: its sender task belongs to the running app.
        self.notifier = Notifier(self.clock, config, config.seed)
        self.activity = ActivitySimulator(self)
        self._build()

    def _build(self) -> None:
        config = self.config
        seed = config.seed
        self.faults = FaultInjector(seed if config.fault_seed is None else config.fault_seed)
        self.throttle = CallThrottle(self.clock.monotonic, config.rate_limit, config.burst)
        self.users = UserDirectory(seed)
        self.demo = DemoCatalogue(self.catalogue, seed)
        self.items = ItemStore(self.demo, self.clock, seed)
        for n in range(config.sellers):
            site_id = SELLER_SITES[n % len(SELLER_SITES)]
            seller = self.users.create(site_id, seller=True)
            self.items.add_seller(seller.id, site_id, config.items_per_seller)
        self.oauth = OAuthServer(config, self.clock, self.users)
        self.rules = ListingRules(self.catalogue, self.items, self.clock)
        self.search = ItemSearch(self.items, self.clock, config)
        self.market = SimulatedMarket(
            config=config,
            clock=self.clock,
            users=self.users,
            items=self.items,
            rules=self.rules,
            notifier=self.notifier,
            seed=seed,
        )
        build_history(self.market, self.users.sellers, config, self.clock)

    # -- background work ------------------------------------------------------------------

    async def start(self, session: aiohttp.ClientSession) -> None:
        """Start the notification sender and, when configured, the market activity."""
        self.notifier.start(session)
        if self.config.activity_rate:
            await self.activity.start(self.config.activity_rate, self.config.activity_seed)

    async def stop(self) -> None:
        await self.activity.stop()
        await self.notifier.stop()

    # -- administration -------------------------------------------------------------------

    def reset(self) -> None:
        """Back to the freshly generated demo data. The clock keeps its offset: time only
        moves forwards."""
        self.stats.reset()
        self.notifier.reset()
        self._build()

    def reconfigure(self, changes: dict[str, Any]) -> SandboxConfig:
        unknown = set(changes) - RUNTIME_OPTIONS
        if unknown:
            raise ValueError(f"options that cannot change at run time: {sorted(unknown)}")
        config = attrs.evolve(self.config, **changes)
        self.config = self.oauth.config = self.search.config = config
        self.market.configure(config)
        self.throttle.configure(config.rate_limit, config.burst)
        self.notifier.configure(config)
        return config

    @property
    def sellers(self) -> list[User]:
        return self.users.sellers

    def user(self, user_id: int) -> User | None:
        return self.users.get(user_id)

    # -- items ----------------------------------------------------------------------------

    def item(self, item_id: str) -> dict[str, Any]:
        item = self.items.get(item_id)
        if item is None:
            raise item_not_found(item_id)
        return item

    def owned_item(self, item_id: str, user_id: int) -> dict[str, Any]:
        """The item if `user_id` sells it; 404 for an unknown id, 403 otherwise (§12.2)."""
        item = self.item(item_id)
        if item["seller_id"] != user_id:
            raise item_forbidden()
        return item

    def item_view(
        self, item: dict[str, Any], viewer_id: int | None, *, include_attributes: bool = False
    ) -> dict[str, Any]:
        """The item as `viewer_id` may see it (§4.1), with its health score (§4.12)."""
        body = view(
            item, owner=item["seller_id"] == viewer_id, include_attributes=include_attributes
        )
        category = self.catalogue.category(item["category_id"])
        if category is not None and item["status"] in health.SUPPORTED_STATUSES:
            has_description = self.items.has_description(item["id"])
            body["health"] = health.score(health.goals(item, category, has_description))
        return body

    def create_item(self, body: Any, seller: User) -> dict[str, Any]:
        """POST /items: the stored item as the response shows it (§4.2: pictures given by
        source still point to the processing placeholder)."""
        item, processing, description = self.rules.create(body, seller)
        self.items.insert(item)
        if description is not None:
            self.items.set_description(item["id"], description)
        self.market.listings.item_changed(item)
        response = self.item_view(item, seller.id)
        response["pictures"] = [
            picture_json(p["id"], processing=p["id"] in processing) for p in item["pictures"]
        ]
        return response

    def update_item(self, item_id: str, body: Any, user: User) -> dict[str, Any]:
        """PUT /items/{id} with the optimistic lock of §2.5."""
        item = self.owned_item(item_id, user.id)
        window = self.config.optimistic_lock_window
        now = self.clock.now()
        last = self.items.last_put.get(item_id)
        if window and last is not None and now - last < window:
            raise optimistic_lock_conflict()
        new = self.rules.update(item, body, user)
        self.items.save(new)
        self.items.last_put[item_id] = now
        self.market.listings.item_changed(new, item["status"])
        return self.item_view(new, user.id)

    def save_item(self, item: dict[str, Any], previous_status: str | None = None) -> None:
        """Store a changed item and notify it (§12.6)."""
        self.items.save(item)
        self.market.listings.item_changed(item, previous_status)

    def set_description(self, item: dict[str, Any], text: str) -> dict[str, Any]:
        description = self.items.set_description(item["id"], text)
        self.market.listings.item_changed(item, item["status"])
        return description

    def admin_patch_item(self, item_id: str, changes: dict[str, Any]) -> dict[str, Any]:
        """Overwrite stored fields as given (tests set states the API cannot reach)."""
        item = self.item(item_id)
        if "id" in changes and changes["id"] != item_id:
            raise api_error(400, "bad_request", "the id of an item cannot change")
        previous = item["status"]
        item.update(changes)
        self.save_item(item, previous)
        return item
