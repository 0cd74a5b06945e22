"""Fakes of the ports for use-case tests: they behave like the real thing, in memory.

Each gateway fake runs the contract suite of its port next to the real adapter on the
sandbox (tests/contracts/test_listing_gateway.py, test_category_gateway.py,
test_marketplace.py, test_oauth_gateway.py, test_order_gateway.py,
test_question_gateway.py, test_message_gateway.py), so a fake cannot drift from what
MercadoLibre does.
"""

from tests.fakes.categories import FakeCategoryGateway
from tests.fakes.listings import FakeListingGateway
from tests.fakes.lock import ProcessLock
from tests.fakes.marketplace import FakeMarketplace, order_body, question_body
from tests.fakes.messages import FakeMessageGateway
from tests.fakes.oauth import FakeOAuthGateway
from tests.fakes.orders import FakeOrderGateway
from tests.fakes.questions import FakeQuestionGateway

__all__ = [
    "FakeCategoryGateway",
    "FakeListingGateway",
    "FakeMarketplace",
    "FakeMessageGateway",
    "FakeOAuthGateway",
    "FakeOrderGateway",
    "FakeQuestionGateway",
    "ProcessLock",
    "order_body",
    "question_body",
]
