"""The two QuestionGateway implementations of the contract suite, each with a harness that
seeds the same starting state: a seller of ours with one listing, the questions buyers
ask on it, and what happens to them outside the service (an answer on MercadoLibre's own
site, a closed listing, a question held for review)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Protocol

import aiohttp

from adapters.mercadolibre import AccountCalls, AiohttpQuestionGateway
from adapters.system.clock import ManualClock
from application.ports.question_gateway import QuestionGateway
from sandbox.testing import RunningSandbox
from tests.contracts.marketplace_worlds import ITEM
from tests.contracts.sandbox_sellers import SandboxSellers, gateway_client
from tests.fakes.questions import FakeQuestionGateway

START = datetime(2026, 11, 27, 12, tzinfo=UTC)


class QuestionWorld(Protocol):
    gateway: QuestionGateway
    account_id: int
    seller_id: int
    nickname: str

    def now(self) -> datetime: ...

    async def advance(self, seconds: float) -> None:
        """MercadoLibre's clock moves on."""
        ...

    async def ask(self, text: str = "¿Tiene stock?") -> int:
        """A buyer asks on the seller's listing, now; the question's id."""
        ...

    async def foreign_question(self) -> int:
        """A question on another seller's listing; its id."""
        ...

    async def answer_elsewhere(self, question_id: int, text: str) -> None:
        """The seller answers on MercadoLibre's own site."""
        ...

    async def close_listing(self) -> None:
        """The seller closes the listing (§7: its open questions become CLOSED_UNANSWERED)."""
        ...

    async def hold(self, question_id: int) -> None:
        """MercadoLibre holds the question for review and suspects it of spam."""
        ...


class SandboxQuestionWorld:
    """AiohttpQuestionGateway on the sandbox, for a new seller with one item on sale;
    questions come from the sandbox's events."""

    def __init__(self, sandbox: RunningSandbox, sellers: SandboxSellers) -> None:
        self.sandbox = sandbox
        self.sellers = sellers
        self.gateway: AiohttpQuestionGateway
        self.account_id: int
        self.seller_id: int
        self.nickname: str
        self.item_id: str

    @classmethod
    async def start(
        cls, sandbox: RunningSandbox, session: aiohttp.ClientSession
    ) -> SandboxQuestionWorld:
        world = cls(sandbox, SandboxSellers(sandbox))
        world.gateway = AiohttpQuestionGateway(
            AccountCalls(gateway_client(sandbox, session), world.sellers)
        )
        world.account_id, user = await world.sellers.new_seller("MLA")
        world.seller_id, world.nickname = user["id"], user["nickname"]
        world.item_id = await world._item(world.account_id)
        return world

    async def _item(self, account_id: int) -> str:
        item = await self.sellers.call(account_id, "POST", "/items", json=ITEM)
        assert isinstance(item, dict)
        return str(item["id"])

    def now(self) -> datetime:
        return datetime.fromtimestamp(self.sandbox.state.clock.now(), UTC)

    async def advance(self, seconds: float) -> None:
        self.sandbox.advance_clock(seconds)

    async def ask(self, text: str = "¿Tiene stock?") -> int:
        question = await self.sandbox.event(
            "question", seller_id=self.seller_id, item_id=self.item_id, text=text
        )
        return int(question["id"])

    async def foreign_question(self) -> int:
        account_id, user = await self.sellers.new_seller("MLA")
        item_id = await self._item(account_id)
        question = await self.sandbox.event("question", seller_id=user["id"], item_id=item_id)
        return int(question["id"])

    async def answer_elsewhere(self, question_id: int, text: str) -> None:
        answer = {"question_id": question_id, "text": text}
        await self.sellers.call(self.account_id, "POST", "/answers", json=answer)

    async def close_listing(self) -> None:
        await self.sellers.call(
            self.account_id, "PUT", f"/items/{self.item_id}", json={"status": "closed"}
        )

    async def hold(self, question_id: int) -> None:
        question = self.sandbox.state.market.questions.get(question_id)
        question.hold = question.suspected_spam = True


class FakeQuestionWorld:
    """FakeQuestionGateway, seeded as the use-case tests seed it."""

    ITEM_ID = "MLA1000000001"

    def __init__(self) -> None:
        self.clock = ManualClock(START)
        self.gateway = FakeQuestionGateway(self.clock)
        self.account_id = 1
        self.seller_id = 202593498
        self.nickname = "TETE2870021"
        self.gateway.connect(self.account_id, self.seller_id)
        self.gateway.nicknames[self.seller_id] = self.nickname

    def now(self) -> datetime:
        return self.clock.now()

    async def advance(self, seconds: float) -> None:
        self.clock.advance(seconds)

    async def ask(self, text: str = "¿Tiene stock?") -> int:
        return self.gateway.ask(self.seller_id, text, item_id=self.ITEM_ID)

    async def foreign_question(self) -> int:
        return self.gateway.ask(self.seller_id + 1, item_id="MLA1000000002")

    async def answer_elsewhere(self, question_id: int, text: str) -> None:
        self.gateway.answer_elsewhere(question_id, text)

    async def close_listing(self) -> None:
        self.gateway.close_item(self.ITEM_ID)

    async def hold(self, question_id: int) -> None:
        question = self.gateway.questions[question_id]
        question.hold = question.suspected_spam = True
