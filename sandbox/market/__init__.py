"""What happens after a listing is live: sales, payments, shipments, questions, post-sale
messages and claims, and the notifications each change sends (§5-§9, §12.5-§12.6).

Every flow lives here once; the API routes, the admin events, the market-activity
simulator and the demo history all go through it. The market is its shared state (the
context: every store and the one random source of ids) plus one part per concern:

    records        builders of single records, without consequences (the demo history)
    listings       item changes the market causes: notifications, restock
    sales          purchases, payments, refunds, cancellations, order notes
    shipping       shipment steps, splits, labels
    question_desk  questions and answers
    messaging      post-sale conversations and attachments
    mediations     claims
"""

from __future__ import annotations

from sandbox.clock import SimulatedClock
from sandbox.config import SandboxConfig
from sandbox.items import ItemStore
from sandbox.listing_rules import ListingRules
from sandbox.market.context import MarketContext
from sandbox.market.listings import ListingChanges
from sandbox.market.mediations import Mediations
from sandbox.market.messaging import Messaging
from sandbox.market.questions import QuestionDesk
from sandbox.market.records import MarketRecords
from sandbox.market.sales import Sales
from sandbox.market.shipping import Shipping
from sandbox.notifications import Notifier
from sandbox.users import UserDirectory

__all__ = ["MarketContext", "SimulatedMarket"]


class SimulatedMarket(MarketContext):
    """The simulated marketplace: the shared stores, and the parts that change them."""

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
        super().__init__(
            config=config,
            clock=clock,
            users=users,
            items=items,
            rules=rules,
            notifier=notifier,
            seed=seed,
        )
        self.records = MarketRecords(self)
        self.question_desk = QuestionDesk(self, self.records)
        self.listings = ListingChanges(self, self.question_desk)
        self.sales = Sales(self, self.records, self.listings)
        self.shipping = Shipping(self, self.records)
        self.messaging = Messaging(self, self.records)
        self.mediations = Mediations(self, self.records)
