"""The question use cases on the in-memory adapters with FakeQuestionGateway as
MercadoLibre (mercadolibre-api.md §7): one seller of ours, its listing, templates and
rules, and questions that arrive as a notification's read would store them."""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from adapters.memory import InMemoryJobQueue, InMemoryStore, InMemoryUnitOfWork
from adapters.system.clock import ManualClock
from application import jobs
from application.questions.answer_question import AnswerQuestion
from application.questions.auto_answer_question import AutoAnswerQuestion
from application.questions.commands import RuleInput
from application.questions.create_rule import CreateRule
from application.questions.reconcile_questions import ReconcileQuestions
from application.questions.record_questions import RecordQuestions
from application.questions.settle_answer import SettleAnswer
from application.templates.commands import TemplateInput
from application.templates.create_template import CreateTemplate
from domain.accounts import Account
from domain.answer_rules import AnswerRule
from domain.listings import Listing
from domain.money import Money
from domain.questions import AnswerAttempt, Question
from domain.templates import Template
from tests.fakes import FakeQuestionGateway

# A Tuesday, noon in Buenos Aires (MLA's time zone, UTC-3).
NOW = datetime(2026, 12, 1, 15, tzinfo=UTC)
SELLER = 202593498
ITEM = "MLA1000000001"


class QuestionWorld:
    def __init__(self) -> None:
        self.clock = ManualClock(NOW)
        self.store = InMemoryStore()
        self.queue = InMemoryJobQueue()
        self.gateway = FakeQuestionGateway(self.clock)
        self.record = RecordQuestions(self.gateway, self.clock)
        self.reconcile = ReconcileQuestions(self.uow, self.gateway, self.record, self.clock)
        self.answer = AnswerQuestion(self.uow, self.gateway, self.clock)
        self.auto_answer = AutoAnswerQuestion(self.uow, self.gateway, self.clock)
        self.settle = SettleAnswer(self.uow, self.gateway, self.clock)
        self.account_id = 0
        self._names = itertools.count(1)

    def uow(self) -> InMemoryUnitOfWork:
        return InMemoryUnitOfWork(self.store, self.queue)

    async def start(self) -> QuestionWorld:
        """The seller connected, with one listing stored."""
        async with self.uow() as uow:
            account = await uow.accounts.add(Account(SELLER, "MLA", "TIENDA_SUR"))
            assert account.id is not None
            self.account_id = account.id
            await uow.listings.upsert(
                [
                    Listing(
                        item_id=ITEM,
                        account_id=account.id,
                        seller_id=SELLER,
                        title="Zapatillas Running",
                        category_id="MLA109027",
                        price=Money.of("15000", "ARS"),
                        available_quantity=7,
                    )
                ]
            )
            await uow.commit()
        self.gateway.connect(self.account_id, SELLER)
        return self

    async def asked(self, text: str = "¿Tiene stock?", **flags: Any) -> int:
        """A buyer asks on MercadoLibre; nothing is stored yet."""
        return self.gateway.ask(SELLER, text, item_id=ITEM, **flags)

    async def arrive(self, text: str = "¿Tiene stock?", **flags: Any) -> int:
        """A buyer asks and the `questions` notification's read is stored: the question is
        marked for the rules and their job queued."""
        question_id = await self.asked(text, **flags)
        await self.read_again(question_id)
        return question_id

    async def read_again(self, question_id: int) -> None:
        """A notification's read of the question (GET /questions/{id}), stored."""
        question = await self.gateway.get(self.account_id, question_id)
        async with self.uow() as uow:
            await self.record.store_many(uow, [question])
            await uow.commit()

    async def template(self, text: str, name: str = "respuesta") -> Template:
        return await CreateTemplate(self.uow, self.clock)(TemplateInput(name, "answer", text))

    async def rule(self, text: str = "¡Hola! Sí, hacemos envíos.", **given: Any) -> AnswerRule:
        template = await self.template(text, name=f"plantilla {next(self._names)}")
        assert template.id is not None
        values: dict[str, Any] = {"name": "Envíos", "keywords": ("envío",), **given}
        return await CreateRule(self.uow, self.clock)(RuleInput(template_id=template.id, **values))

    async def stored(self, question_id: int) -> Question:
        async with self.uow() as uow:
            return await uow.questions.get(question_id)

    async def attempts(self, question_id: int) -> Sequence[AnswerAttempt]:
        async with self.uow() as uow:
            return await uow.answers.for_question(question_id)

    def queued_for_rules(self) -> list[int]:
        return [j.question_id for j in self.queue.jobs if isinstance(j, jobs.AutoAnswerQuestion)]
