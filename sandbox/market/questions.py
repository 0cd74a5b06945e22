"""§7: questions buyers ask on items and the seller's answers, each change notified under
topic questions (§12.6)."""

from __future__ import annotations

import random
from typing import Any

from sandbox.errors import bad_request, forbidden
from sandbox.market.context import MarketContext
from sandbox.market.records import MarketRecords
from sandbox.orders import MARKETPLACE_APP_ID
from sandbox.questions import Answer, Question, already_answered, check_text, is_blocked
from sandbox.users import User

QUESTIONS_ES = (
    "Hola, ¿tenés stock disponible?",
    "¿Hacen envíos al interior?",
    "¿Es original? ¿Tiene garantía?",
    "¿Viene con factura A?",
    "¿Cuánto tarda en llegar a Córdoba?",
    "¿Tienen otros colores?",
    "Buenas, ¿el precio es por unidad?",
    "¿Puedo retirar en persona?",
)
QUESTIONS_PT = (
    "Olá, tem em estoque?",
    "Vocês enviam para o Nordeste?",
    "É original? Tem garantia?",
    "Emite nota fiscal?",
    "Quanto tempo demora para chegar?",
    "Tem outras cores?",
)


class QuestionDesk:
    def __init__(self, context: MarketContext, records: MarketRecords) -> None:
        self.context = context
        self.records = records

    def _notify(self, question: Question) -> None:
        self.context.notify("questions", f"/questions/{question.id}", question.seller_id)

    def ask(
        self,
        buyer: User,
        item: dict[str, Any],
        text: str,
        *,
        app_id: int | None = MARKETPLACE_APP_ID,
    ) -> Question:
        """§7 POST /questions, and topic questions on creation (§12.6)."""
        text = check_text(text, "question")
        if item["seller_id"] == buyer.id:
            raise bad_request("A seller cannot ask on his own item")
        if is_blocked(self.context.questions, item["seller_id"], buyer.id):
            # §7: a blocked buyer cannot ask the seller [INF: the status and wording].
            raise forbidden(f"User {buyer.id} is blocked from asking seller {item['seller_id']}")
        if item["status"] != "active":
            raise bad_request(f"Item {item['id']} is not active; it does not take questions")
        question = self.records.new_question(
            item, buyer.id, text, self.context.clock.now(), app_id=app_id
        )
        self._notify(question)
        return question

    def answer(self, question: Question, text: str) -> Question:
        """§7 POST /answers: one answer per question [INF: a second one is 400]."""
        text = check_text(text, "answer")
        if question.status != "UNANSWERED" or question.answer is not None:
            raise already_answered(question)
        now = self.context.clock.now()
        question.answer = Answer(text, "ACTIVE", now)
        question.status = "ANSWERED"
        question.last_updated = now
        self._notify(question)
        return question

    def delete(self, question: Question) -> None:
        """§7 DELETE /questions/{id}."""
        question.status = "DELETED"
        question.deleted_from_listing = True
        question.last_updated = self.context.clock.now()
        self._notify(question)

    def close_questions(self, item_id: str) -> None:
        """§7: questions left unanswered on a closed item become CLOSED_UNANSWERED."""
        now = self.context.clock.now()
        for question in self.context.questions.by_item.get(item_id, []):
            if question.status == "UNANSWERED":
                question.status = "CLOSED_UNANSWERED"
                question.last_updated = now
                self._notify(question)

    def random_text(self, site_id: str, rng: random.Random | None = None) -> str:
        """A question a buyer of the site might ask, in the site's language."""
        rng = rng or self.context.rng
        return rng.choice(QUESTIONS_PT if site_id == "MLB" else QUESTIONS_ES)
