"""Errors of the question use cases."""

from __future__ import annotations

from application.errors import Conflict


class QuestionNotOpen(Conflict):
    """Only an UNANSWERED question takes an answer (§7): this one is not (or already has
    one, sent or being sent). `status` is the question's status."""

    def __init__(self, question_id: int, status: str, reason: str = "") -> None:
        detail = reason or f"its status is {status}"
        super().__init__(f"question {question_id} cannot be answered: {detail}")
        self.question_id = question_id
        self.status = status
