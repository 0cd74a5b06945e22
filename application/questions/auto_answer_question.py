from __future__ import annotations

import enum
import logging

from application import jobs
from application.errors import ApplicationError, RateLimited, Unavailable
from application.ports.clock import Clock
from application.ports.question_gateway import QuestionGateway
from application.ports.unit_of_work import UnitOfWorkFactory
from application.questions.rule_choice import Choice, choose
from application.questions.sending import AnswerSender, check_answer_text
from domain.answer_rules import RuleMode
from domain.errors import DomainError
from domain.questions import AnswerAttempt, AnswerSource, AttemptStatus

log = logging.getLogger(__name__)

# A 429, a 5xx or a time-out is not a refusal of the answer: the question waits for the
# rules again (the sweep queues it), up to this many tries in all.
MAX_RULE_TRIES = 3
RETRY_DELAY_SECONDS = 30.0


class AutoAnswerOutcome(enum.StrEnum):
    ANSWERED = "answered"
    DRY_RUN = "dry_run"
    NOT_SENT = "not_sent"  # a rule matched but its text could not be made or sent
    NO_RULE = "no_rule"
    CLOSED = "closed"  # answered (by hand or elsewhere), held, spam, gone: no rule answers
    SKIPPED = "skipped"  # not waiting for the rules (another run took it)


class AutoAnswerQuestion:
    """Let the rules answer a question that arrived (the `auto_answer_question` job): the
    highest-priority rule that matches answers it once (sending.py), or records what it
    would have sent (dry run), or why it could not (a variable without a value); every
    automatic answer is an AnswerAttempt with its rule, template, text and outcome.

    No rule answers a question someone already answered or is answering, one on hold or
    suspected of spam (§7), or outside the rules' active hours. The question's mark is
    taken in the same transaction as the attempt is recorded, so two runs answer once and
    a run that dies before it leaves the mark for the sweep. An answer MercadoLibre did
    not take for now (a 429, a quota, a 5xx or a time-out, read back without our answer)
    marks the question for the rules again, up to MAX_RULE_TRIES tries in all; a refusal
    of the answer itself (§2.1) is only logged."""

    def __init__(self, uow: UnitOfWorkFactory, gateway: QuestionGateway, clock: Clock) -> None:
        self._uow = uow
        self._gateway = gateway
        self._clock = clock
        self._sender = AnswerSender(uow, gateway, clock)

    async def __call__(self, question_id: int) -> AutoAnswerOutcome:
        now = self._clock.now()
        async with self._uow() as uow:
            question = await uow.questions.find(question_id)
            account = None if question is None else await uow.accounts.get(question.account_id)
            holding = await uow.answers.holding(question_id)
            closed = (
                question is None
                or account is None
                or not account.is_usable
                or not question.open_to_rules
                or holding is not None
            )
            choice: Choice | None = None
            if not closed:
                assert question is not None and account is not None
                choice = await choose(uow, account, question.item_id, question.text, now)
        if closed or choice is None:
            return await self._unmark(
                question_id, AutoAnswerOutcome.CLOSED if closed else AutoAnswerOutcome.NO_RULE
            )
        assert question is not None and account is not None and account.id is not None
        if "buyer_nickname" in choice.template.variables and question.buyer_id is not None:
            try:
                nickname = await self._gateway.user_nickname(account.id, question.buyer_id)
            except ApplicationError as error:
                log.info("buyer %s's nickname unavailable: %s", question.buyer_id, error)
                nickname = None
            async with self._uow() as uow:
                choice = await choose(uow, account, question.item_id, question.text, now, nickname)
            if choice is None:
                return await self._unmark(question_id, AutoAnswerOutcome.NO_RULE)
        attempt, outcome = self._attempt(choice, question.id, account.id, account.site_id)
        async with self._uow() as uow:
            if not await uow.questions.unmark_for_rules(question_id):
                return AutoAnswerOutcome.SKIPPED
            current = await uow.questions.find(question_id)
            if (
                current is None
                or not current.open_to_rules
                or await uow.answers.holding(question_id)
            ):
                await uow.commit()
                return AutoAnswerOutcome.CLOSED
            attempt = await uow.answers.add(attempt)
            await uow.commit()
        if outcome is not AutoAnswerOutcome.ANSWERED:
            return outcome
        try:
            await self._sender.send(attempt)
        except (RateLimited, Unavailable) as error:
            delay = getattr(error, "retry_after", None) or RETRY_DELAY_SECONDS
            again = await self._wait_again(question_id, delay)
            log.warning(
                "rule %s could not answer question %s for now (%s); %s",
                choice.rule.id,
                question_id,
                error,
                "it waits for the rules again" if again else "no more tries",
            )
            return AutoAnswerOutcome.NOT_SENT
        except ApplicationError as error:
            log.warning(
                "rule %s could not answer question %s: %s", choice.rule.id, question_id, error
            )
            return AutoAnswerOutcome.NOT_SENT
        return AutoAnswerOutcome.ANSWERED

    def _attempt(
        self, choice: Choice, question_id: int, account_id: int, site_id: str
    ) -> tuple[AnswerAttempt, AutoAnswerOutcome]:
        now = self._clock.now()
        error = None
        text = choice.text
        if text is None:
            error = "no value for " + ", ".join(f"{{{name}}}" for name in choice.missing)
        else:
            try:
                check_answer_text(text, site_id)
            except ApplicationError as refusal:
                error = str(refusal)
            except DomainError as refusal:
                error = str(refusal)
        if error is not None:
            status, outcome = AttemptStatus.NOT_SENT, AutoAnswerOutcome.NOT_SENT
        elif choice.rule.mode is RuleMode.DRY_RUN:
            status, outcome = AttemptStatus.DRY_RUN, AutoAnswerOutcome.DRY_RUN
        else:
            status, outcome = AttemptStatus.PENDING, AutoAnswerOutcome.ANSWERED
        attempt = AnswerAttempt(
            question_id,
            account_id,
            (text or "")[:2000],
            AnswerSource.RULE,
            now,
            status=status,
            rule_id=choice.rule.id,
            template_id=choice.template.id,
            finished_at=None if status is AttemptStatus.PENDING else now,
            error=error,
        )
        return attempt, outcome

    async def _wait_again(self, question_id: int, delay: float) -> bool:
        """Mark the question for the rules again after MercadoLibre did not take a rule's
        answer for now (nothing of ours is on the question, read back), and queue its job
        after `delay` seconds: whether it was marked (not when an answer holds it or the
        tries are used up)."""
        async with self._uow() as uow:
            if await uow.answers.holding(question_id) is not None:
                return False
            tries = sum(
                1
                for attempt in await uow.answers.for_question(question_id)
                if attempt.source is AnswerSource.RULE and attempt.status is AttemptStatus.FAILED
            )
            if tries >= MAX_RULE_TRIES:
                return False
            await uow.questions.mark_for_rules([question_id], self._clock.now())
            uow.enqueue_after_commit(jobs.AutoAnswerQuestion(question_id), delay)
            await uow.commit()
        return True

    async def _unmark(self, question_id: int, outcome: AutoAnswerOutcome) -> AutoAnswerOutcome:
        async with self._uow() as uow:
            taken = await uow.questions.unmark_for_rules(question_id)
            await uow.commit()
        return outcome if taken else AutoAnswerOutcome.SKIPPED
