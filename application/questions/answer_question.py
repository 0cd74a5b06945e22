from __future__ import annotations

from datetime import timedelta

from application.accounts.usable import require_usable
from application.errors import Conflict, FieldProblem, NotFound, ValidationFailed
from application.ports.clock import Clock
from application.ports.question_gateway import QuestionGateway
from application.ports.unit_of_work import UnitOfWork, UnitOfWorkFactory
from application.questions.commands import AnswerCommand
from application.questions.errors import QuestionNotOpen
from application.questions.sending import AnswerSender, check_answer_text
from application.templates.preview_template import missing_as_problems
from application.templates.values import template_values
from domain.accounts import Account
from domain.questions import AnswerAttempt, AnswerSource, AttemptStatus, Question
from domain.templates import MissingVariables, Template, TemplateKind

# A pending answer older than this is no longer being sent by anyone: its outcome is
# learnt by reading the question back before anything else may answer.
STALE_PENDING = timedelta(minutes=2)


async def open_question(
    uow: UnitOfWork, question_id: int, account_id: int | None, now, stale_after: timedelta
) -> tuple[Question, Account, AnswerAttempt | None]:
    """The question, its usable account and a stale pending attempt to settle first (or
    None). Raises NotFound (another seller's question included) and QuestionNotOpen."""
    question = await uow.questions.find(question_id)
    if question is None or (account_id is not None and question.account_id != account_id):
        raise NotFound("question", question_id)
    account = require_usable(await uow.accounts.get(question.account_id))
    holding = await uow.answers.holding(question.id)
    if holding is not None and holding.status is AttemptStatus.PENDING:
        if now - holding.requested_at < stale_after:
            raise QuestionNotOpen(
                question.id,
                question.status.value,
                f"an answer is being sent since {holding.requested_at.isoformat()}",
            )
        return question, account, holding
    if holding is not None or not question.awaits_answer:
        raise QuestionNotOpen(question.id, question.status.value)
    return question, account, None


class AnswerQuestion:
    """Answer a question by hand, exactly once (§7; see sending.py): with a text, or a
    template rendered strictly for the question's listing.

    Checked first, changing nothing: the question exists and is the account's (NotFound
    otherwise, another seller's included), it is UNANSWERED with no answer sent or being
    sent (QuestionNotOpen: 409 with its status), the text fits MercadoLibre's rules
    (ValidationFailed naming the field). Then the intent is recorded, MercadoLibre called,
    and its answer stored. Two concurrent answers: one sends, the other is refused."""

    def __init__(
        self,
        uow: UnitOfWorkFactory,
        gateway: QuestionGateway,
        clock: Clock,
        stale_after: timedelta = STALE_PENDING,
    ) -> None:
        self._uow = uow
        self._gateway = gateway
        self._clock = clock
        self._sender = AnswerSender(uow, gateway, clock)
        self._stale_after = stale_after

    async def __call__(self, command: AnswerCommand) -> Question:
        if (command.text is None) == (command.template_id is None):
            raise ValidationFailed(
                [FieldProblem("text", "give a text or a template_id, not both nor neither")]
            )
        text, template_id = await self._text(command)
        attempt = await self._record(command, text, template_id)
        return await self._sender.send(attempt)

    async def _text(self, command: AnswerCommand) -> tuple[str, int | None]:
        async with self._uow() as uow:
            question, account, _ = await open_question(
                uow, command.question_id, command.account_id, self._clock.now(), self._stale_after
            )
            if command.text is not None:
                return check_answer_text(command.text, account.site_id), None
            assert command.template_id is not None
            template = await uow.templates.get(command.template_id)
            values = await template_values(uow, account, question.item_id)
        if template.kind is not TemplateKind.ANSWER or template.account_id not in (
            None,
            account.id,
        ):
            raise ValidationFailed(
                [FieldProblem("template_id", "is not an answer template of this account")]
            )
        return await self._render(template, values, command, account, question), template.id

    async def _render(
        self,
        template: Template,
        values: dict[str, str | None],
        command: AnswerCommand,
        account: Account,
        question: Question,
    ) -> str:
        if "buyer_nickname" in template.variables and question.buyer_id is not None:
            assert account.id is not None
            values["buyer_nickname"] = await self._gateway.user_nickname(
                account.id, question.buyer_id
            )
        values.update(command.variables)
        try:
            text = template.render(values)
        except MissingVariables as error:
            raise missing_as_problems(error) from None
        return check_answer_text(text, account.site_id)

    async def _record(
        self, command: AnswerCommand, text: str, template_id: int | None
    ) -> AnswerAttempt:
        for _ in range(2):
            async with self._uow() as uow:
                question, _account, stale = await open_question(
                    uow,
                    command.question_id,
                    command.account_id,
                    self._clock.now(),
                    self._stale_after,
                )
                if stale is None:
                    attempt = await uow.answers.add(
                        AnswerAttempt(
                            question.id,
                            question.account_id,
                            text,
                            AnswerSource.HAND,
                            self._clock.now(),
                            template_id=template_id,
                        )
                    )
                    await uow.commit()
                    return attempt
            # A pending answer nobody is sending any more: read back, then decide.
            await self._sender.settle(stale)
        raise Conflict(f"question {command.question_id} is being answered; try again")
