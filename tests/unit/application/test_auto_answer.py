"""AutoAnswerQuestion on the in-memory adapters and FakeQuestionGateway (mercadolibre-api.md
§7): the highest-priority matching rule answers a question once; no rule answers one
already answered, on hold, suspected of spam or outside its active hours; a dry run
records without sending; every automatic answer is logged with its rule, template, text
and outcome."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import timedelta

import pytest

from application import jobs
from application.errors import Forbidden, RateLimited, Unavailable
from application.queries import Paging
from application.questions.auto_answer_question import AutoAnswerOutcome
from application.questions.commands import AnswerCommand
from domain.answer_rules import ActiveHours, RuleMode
from domain.questions import AnswerSource, AttemptStatus, QuestionStatus
from tests.fakes.questions import refused
from tests.unit.application.question_world import ITEM, QuestionWorld

Outcome = AutoAnswerOutcome


@pytest.fixture
async def world() -> AsyncIterator[QuestionWorld]:
    yield await QuestionWorld().start()


async def rule_log(world: QuestionWorld, rule_id: int):
    async with world.uow() as uow:
        return (await uow.answers.for_rule(rule_id, Paging())).items


async def test_a_matching_rule_answers_once_and_the_answer_is_logged(world):
    """`envío` matches `ENVIOS` (case and accents)."""
    rule = await world.rule("Hola, {seller_nickname} envía a todo el país ({shipping}).")
    question_id = await world.arrive("¿Hacen ENVIOS a Salta?")

    assert await world.auto_answer(question_id) is Outcome.ANSWERED

    text = "Hola, TIENDA_SUR envía a todo el país (envío a cargo del comprador)."
    assert world.gateway.answers_sent == [(question_id, text)]
    assert (await world.stored(question_id)).status is QuestionStatus.ANSWERED
    [logged] = await rule_log(world, rule.id)
    assert (logged.question_id, logged.source, logged.status) == (
        question_id,
        AnswerSource.RULE,
        AttemptStatus.SENT,
    )
    assert (logged.rule_id, logged.template_id, logged.text) == (rule.id, rule.template_id, text)


async def test_a_question_is_answered_exactly_once_however_often_its_job_runs(world):
    await world.rule()
    question_id = await world.arrive("¿Envío gratis?")

    outcomes = await asyncio.gather(*(world.auto_answer(question_id) for _ in range(3)))
    again = await world.auto_answer(question_id)

    assert sorted(outcomes) == sorted([Outcome.ANSWERED, Outcome.SKIPPED, Outcome.SKIPPED])
    assert again is Outcome.SKIPPED
    assert len(world.gateway.answers_sent) == 1
    assert len(await world.attempts(question_id)) == 1


async def test_the_highest_priority_matching_rule_answers(world):
    await world.rule("Respuesta general.", priority=1)
    first = await world.rule("Respuesta de envíos.", priority=5, name="Primera")
    await world.rule("Respuesta de stock.", priority=9, keywords=("stock",))
    question_id = await world.arrive("¿Envío a Córdoba?")

    await world.auto_answer(question_id)

    assert world.gateway.answers_sent == [(question_id, "Respuesta de envíos.")]
    assert [a.rule_id for a in await world.attempts(question_id)] == [first.id]


async def test_a_question_answered_by_hand_is_never_answered_by_a_rule(world):
    await world.rule()
    question_id = await world.arrive("¿Hacen envíos?")
    await world.answer(AnswerCommand(question_id, text="Sí, a mano."))

    assert await world.auto_answer(question_id) in (Outcome.CLOSED, Outcome.SKIPPED)

    assert world.gateway.answers_sent == [(question_id, "Sí, a mano.")]
    assert [a.source for a in await world.attempts(question_id)] == [AnswerSource.HAND]


async def test_a_question_answered_on_mercadolibre_meanwhile_gets_no_second_answer(world):
    """The local copy still says UNANSWERED; MercadoLibre refuses the second answer
    (§7), the question is read back, and the refusal is logged."""
    rule = await world.rule()
    question_id = await world.arrive("¿Hacen envíos?")
    world.gateway.answer_elsewhere(question_id, "Respondida en el sitio.")

    assert await world.auto_answer(question_id) is Outcome.NOT_SENT

    assert world.gateway.answers_sent == []
    stored = await world.stored(question_id)
    assert stored.answer is not None and stored.answer.text == "Respondida en el sitio."
    [logged] = await rule_log(world, rule.id)
    assert logged.status is AttemptStatus.FAILED and "cannot be answered" in logged.error


@pytest.mark.parametrize("flag", ["hold", "suspected_spam"])
async def test_no_rule_answers_a_question_on_hold_or_suspected_of_spam(world, flag):
    await world.rule()
    arrived_held = await world.arrive("¿Hacen envíos?", **{flag: True})
    held_later = await world.arrive("¿Hacen envíos a Jujuy?")
    setattr(world.gateway.questions[held_later], flag, True)
    await world.read_again(held_later)

    assert world.queued_for_rules() == [held_later], "a held question is not even queued"
    assert await world.auto_answer(arrived_held) is Outcome.SKIPPED
    assert await world.auto_answer(held_later) is Outcome.CLOSED

    assert world.gateway.answers_sent == []
    assert await world.attempts(arrived_held) == [] and await world.attempts(held_later) == []


async def test_no_rule_answers_outside_its_active_hours_in_the_sellers_time_zone(world):
    """Weekdays 09:00-18:00 in Buenos Aires (UTC-3): noon answers, 22:00 does not."""
    office = ActiveHours(days=("mon", "tue", "wed", "thu", "fri"), start="09:00", end="18:00")
    await world.rule(active_hours=office)
    at_noon = await world.arrive("¿Envío?")
    assert await world.auto_answer(at_noon) is Outcome.ANSWERED

    world.clock.advance(10 * 3600)  # 22:00 in Buenos Aires, 01:00 UTC the next day
    at_night = await world.arrive("¿Envío?")

    assert await world.auto_answer(at_night) is Outcome.NO_RULE
    assert [q for q, _ in world.gateway.answers_sent] == [at_noon]
    assert await world.attempts(at_night) == []
    assert (await world.stored(at_night)).awaits_answer


async def test_outside_one_rules_hours_the_next_rule_that_is_active_answers(world):
    night = ActiveHours(start="20:00", end="08:00")
    await world.rule("De día.", priority=9, active_hours=ActiveHours(start="08:00", end="20:00"))
    await world.rule("De noche.", priority=1, active_hours=night, name="Noche")
    world.clock.advance(10 * 3600)
    question_id = await world.arrive("¿Envío?")

    await world.auto_answer(question_id)

    assert world.gateway.answers_sent == [(question_id, "De noche.")]


async def test_a_dry_run_records_what_it_would_send_and_sends_nothing(world):
    rule = await world.rule("Hacemos envíos a {item_id}.", mode=RuleMode.DRY_RUN)
    question_id = await world.arrive("¿Envío?")

    assert await world.auto_answer(question_id) is Outcome.DRY_RUN

    assert world.gateway.calls["answer"] == 0
    [logged] = await rule_log(world, rule.id)
    assert (logged.status, logged.text) == (AttemptStatus.DRY_RUN, f"Hacemos envíos a {ITEM}.")
    assert (await world.stored(question_id)).awaits_answer
    answered = await world.answer(AnswerCommand(question_id, text="A mano."))
    assert answered.answer.text == "A mano.", "a dry run does not hold the question"


async def test_a_rule_outside_its_scope_does_not_answer(world):
    await world.rule(item_ids=("MLA999",))
    await world.rule(category_ids=("MLA1234",), name="Otra categoría")
    question_id = await world.arrive("¿Envío?")

    assert await world.auto_answer(question_id) is Outcome.NO_RULE
    assert world.gateway.calls["answer"] == 0


async def test_a_variable_without_a_value_is_logged_and_nothing_is_sent(world):
    rule = await world.rule("Mirá la publicación: {item_link}")
    question_id = await world.arrive("¿Envío?")

    assert await world.auto_answer(question_id) is Outcome.NOT_SENT

    [logged] = await rule_log(world, rule.id)
    assert logged.status is AttemptStatus.NOT_SENT and "{item_link}" in logged.error
    assert world.gateway.calls["answer"] == 0


async def test_a_refusal_from_mercadolibre_is_logged_with_its_message(world):
    rule = await world.rule()
    question_id = await world.arrive("¿Envío?")
    world.gateway.errors["answer"] = refused(403, "The item MLA1000000001 is banned", Forbidden)

    assert await world.auto_answer(question_id) is Outcome.NOT_SENT

    [logged] = await rule_log(world, rule.id)
    assert logged.status is AttemptStatus.FAILED and "is banned" in logged.error


@pytest.mark.parametrize(
    "error",
    [RateLimited("429 from MercadoLibre", retry_after=2), Unavailable("503 from MercadoLibre")],
    ids=["rate limited", "unavailable"],
)
async def test_an_answer_mercadolibre_did_not_take_for_now_is_tried_again_later(world, error):
    """A 429 or a 503 is not a refusal of the answer: the question stays waiting for the
    rules (the sweep queues it again), and the next run answers it, once."""
    await world.rule()
    question_id = await world.arrive("¿Envío?")
    world.gateway.errors["answer"] = error

    assert await world.auto_answer(question_id) is Outcome.NOT_SENT
    del world.gateway.errors["answer"]
    async with world.uow() as uow:
        waiting = await uow.questions.waiting_for_rules(world.clock.now() + timedelta(1), 10)
    assert [question for _, question in waiting] == [question_id]
    [_, retry] = [q for q in world.queue.queued if q.job == jobs.AutoAnswerQuestion(question_id)]
    assert retry.delay_seconds == (2 if isinstance(error, RateLimited) else 30)

    assert await world.auto_answer(question_id) is Outcome.ANSWERED
    assert len(world.gateway.answers_sent) == 1
    assert [a.status for a in await world.attempts(question_id)] == [
        AttemptStatus.FAILED,
        AttemptStatus.SENT,
    ]


async def test_an_answer_that_keeps_failing_is_tried_a_bounded_number_of_times(world):
    await world.rule()
    question_id = await world.arrive("¿Envío?")
    world.gateway.errors["answer"] = Unavailable("503 from MercadoLibre")

    outcomes = [await world.auto_answer(question_id) for _ in range(5)]

    assert outcomes[:3] == [Outcome.NOT_SENT] * 3
    assert set(outcomes[3:]) == {Outcome.SKIPPED}
    assert world.gateway.calls["answer"] == 3
