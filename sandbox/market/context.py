"""The state the parts of the market share: the stores of every record, the collaborators
(clock, users, items, listing rules, notifier) and the one random source of the ids."""

from __future__ import annotations

import random
from typing import Any

from sandbox.claims import Claim
from sandbox.clock import SimulatedClock
from sandbox.config import SandboxConfig
from sandbox.errors import not_found
from sandbox.items import ItemStore
from sandbox.listing_rules import ListingRules
from sandbox.messaging import Attachment, Conversation, Message
from sandbox.notifications import Notifier
from sandbox.orders import OrderBook
from sandbox.questions import QuestionBook
from sandbox.shipments import Shipment
from sandbox.users import User, UserDirectory

# Buyers per site that simulated purchases, questions and messages come from.
BUYERS_PER_SITE = 8


class MarketContext:
    """Every part reads and writes these stores; none keeps state of its own.

    All ids and random choices come from one generator seeded from the sandbox's seed, so
    the same seed and the same calls give the same records, whichever part makes them.
    """

    def __init__(
        self,
        *,
        config: SandboxConfig,
        clock: SimulatedClock,
        users: UserDirectory,
        items: ItemStore,
        rules: ListingRules,
        notifier: Notifier,
        seed: int,
    ) -> None:
        self.config = config
        self.clock = clock
        self.users = users
        self.items = items
        self.rules = rules
        self.notifier = notifier
        self.rng = random.Random(f"{seed}:market")
        self.orders = OrderBook()
        self.shipments: dict[int, Shipment] = {}
        self.shipments_by_seller: dict[int, list[Shipment]] = {}
        self.questions = QuestionBook(clock, config)
        self.conversations: dict[int, Conversation] = {}
        self.messages: dict[str, Message] = {}
        self.attachments: dict[str, Attachment] = {}
        self.claims: dict[int, Claim] = {}
        self.buyers: dict[str, list[User]] = {}
        rng = self.rng
        self._next = {
            "order": 2_000_000_000_000_000 + rng.randrange(10**8, 10**9) * 1000,
            "pack": 2_000_005_000_000_000 + rng.randrange(10**8, 10**9) * 1000,
            "shipment": 40_000_000_000 + rng.randrange(10**8, 10**9),
            "payment": 10_000_000_000 + rng.randrange(10**8, 10**9) * 10,
            "question": 12_000_000_000 + rng.randrange(10**8, 10**9),
            "claim": 5_000_000_000 + rng.randrange(10**7, 10**8) * 10,
        }

    def configure(self, config: SandboxConfig) -> None:
        """A new configuration for every part (PATCH /_sandbox/config)."""
        self.config = self.questions.config = config

    # -- identifiers ------------------------------------------------------------------

    def next_id(self, kind: str) -> int:
        """The next id of an order, pack, shipment, payment, question or claim: growing,
        with random gaps, in the ranges of §0.3."""
        self._next[kind] += self.rng.randrange(1, 97)
        return self._next[kind]

    def token(self, hex_digits: int = 32) -> str:
        return f"{self.rng.getrandbits(hex_digits * 4):0{hex_digits}x}"

    def notify(
        self, topic: str, resource: str, user_id: int, actions: list[str] | None = None
    ) -> None:
        self.notifier.publish(topic, resource, user_id, actions)

    # -- users ------------------------------------------------------------------------

    def buyers_of(self, site_id: str) -> list[User]:
        """The simulated buyers of a site, created on first use."""
        pool = self.buyers.get(site_id)
        if pool is None:
            pool = self.buyers[site_id] = [
                self.users.create(site_id) for _ in range(BUYERS_PER_SITE)
            ]
        return pool

    def user(self, user_id: int) -> User:
        user = self.users.get(user_id)
        if user is None:
            raise not_found(f"User {user_id} not found")
        return user

    def user_summary(self, user_id: int) -> dict[str, Any]:
        user = self.users.get(user_id)
        if user is None:
            return {"id": user_id}
        return {
            "id": user.id,
            "nickname": user.nickname,
            "first_name": user.first_name,
            "last_name": user.last_name,
        }

    def nickname(self, user_id: int) -> str:
        user = self.users.get(user_id)
        return user.nickname if user else ""

    def snapshot(self) -> dict[str, int]:
        """Counts, for the admin API and the CLI banner."""
        return {
            "orders": len(self.orders.orders),
            "packs": len(self.orders.packs),
            "shipments": len(self.shipments),
            "questions": len(self.questions.questions),
            "conversations": len(self.conversations),
            "messages": len(self.messages),
            "claims": len(self.claims),
        }
