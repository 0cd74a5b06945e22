"""AnswerQuestion and SettleAnswer on the in-memory adapters and FakeQuestionGateway
(mercadolibre-api.md §7): checked locally first, changing nothing; sent exactly once, the
intent recorded before the call; never retried blind (the question is read back); a
refusal from MercadoLibre keeps its message."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator

import pytest

from application.errors import (
    Forbidden,
    NotFound,
    Unavailable,
    ValidationFailed,
    meli_refusal,
)
from application.questions.commands import AnswerCommand
from application.questions.errors import QuestionNotOpen
from domain.questions import AnswerSource, AttemptStatus, QuestionStatus
from entrypoints.http.problems import problem_for
from tests.fakes.questions import refused
from tests.unit.application.question_world import ITEM, QuestionWorld


@pytest.fixture
async def world() -> AsyncIterator[QuestionWorld]:
    yield await QuestionWorld().start()


async def test_an_answer_is_recorded_sent_once_and_stored(world):
    question_id = await world.arrive()

    answered = await world.answer(AnswerCommand(question_id, text="Sí, quedan 7."))

    assert answered.status is QuestionStatus.ANSWERED
    assert world.gateway.answers_sent == [(question_id, "Sí, quedan 7.")]
    assert (await world.stored(question_id)).answer.text == "Sí, quedan 7."
    [attempt] = await world.attempts(question_id)
    assert (attempt.source, attempt.status, attempt.text) == (
        AnswerSource.HAND,
        AttemptStatus.SENT,
        "Sí, quedan 7.",
    )


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("a" * 2001, "2001 characters long; the limit is 2000"),
        ("   ", "must not be empty"),
        ("Sí 😀", "U+1F600"),
        ("Sí\x07", "control characters"),
    ],
    ids=["too long", "empty", "outside the site's charset", "control character"],
)
async def test_a_text_mercadolibre_would_refuse_is_refused_first_and_nothing_changes(
    world, text, reason
):
    """§7: at most 2,000 characters; §8.2: the site's charset (ISO-8859-1 on MLA)."""
    question_id = await world.arrive()

    with pytest.raises(ValidationFailed) as refusal:
        await world.answer(AnswerCommand(question_id, text=text))

    [problem] = refusal.value.problems
    assert problem.field == "text" and reason in problem.reason
    assert world.gateway.calls["answer"] == 0
    assert await world.attempts(question_id) == []


async def test_a_question_already_answered_is_refused_with_its_status_before_any_call(world):
    question_id = await world.asked()
    world.gateway.answer_elsewhere(question_id, "Ya respondida.")
    await world.read_again(question_id)

    with pytest.raises(QuestionNotOpen) as refusal:
        await world.answer(AnswerCommand(question_id, text="Otra vez."))

    assert refusal.value.status == "ANSWERED"
    assert world.gateway.calls["answer"] == 0 and await world.attempts(question_id) == []


async def test_another_sellers_question_and_an_unknown_one_are_not_found(world):
    question_id = await world.arrive()
    with pytest.raises(NotFound):
        await world.answer(AnswerCommand(question_id, text="Sí.", account_id=world.account_id + 1))
    with pytest.raises(NotFound):
        await world.answer(AnswerCommand(1, text="Sí."))
    assert world.gateway.calls["answer"] == 0


async def test_a_template_answer_is_rendered_for_the_listing_and_a_missing_value_is_named(world):
    question_id = await world.arrive()
    priced = await world.template("Hola {buyer_nickname}: {item_title} a {price}, quedan {stock}.")
    linked = await world.template("Mirá {item_link}", name="enlace")
    world.gateway.nicknames[5001] = "COMPRADOR_1"

    with pytest.raises(ValidationFailed) as missing:
        await world.answer(AnswerCommand(question_id, template_id=linked.id))
    answered = await world.answer(AnswerCommand(question_id, template_id=priced.id))

    assert [p.field for p in missing.value.problems] == ["variables.item_link"]
    expected = "Hola COMPRADOR_1: Zapatillas Running a $ 15.000,00, quedan 7."
    assert answered.answer.text == expected
    assert world.gateway.answers_sent == [(question_id, expected)]


async def test_a_refusal_from_mercadolibre_keeps_its_message_and_leaves_the_question_open(world):
    """§2.1: a banned or closed listing is MercadoLibre's to say; its words reach the caller."""
    question_id = await world.arrive()
    world.gateway.errors["answer"] = refused(403, "The item MLA1000000001 is banned", Forbidden)

    with pytest.raises(Forbidden) as refusal:
        await world.answer(AnswerCommand(question_id, text="Sí."))

    assert meli_refusal(refusal.value).message == "The item MLA1000000001 is banned"
    problem = json.loads(problem_for(refusal.value).text)
    assert problem["meli_message"] == "The item MLA1000000001 is banned"
    [attempt] = await world.attempts(question_id)
    assert attempt.status is AttemptStatus.FAILED and "banned" in attempt.error
    assert (await world.stored(question_id)).awaits_answer
    del world.gateway.errors["answer"]
    assert (await world.answer(AnswerCommand(question_id, text="Sí."))).answer.text == "Sí."


async def test_a_question_closed_on_mercadolibre_is_refused_there_and_read_back(world):
    question_id = await world.arrive()
    world.gateway.close_item(ITEM)

    with pytest.raises(QuestionNotOpen) as refusal:
        await world.answer(AnswerCommand(question_id, text="Sí."))

    assert refusal.value.status == "CLOSED_UNANSWERED"
    assert "cannot be answered" in meli_refusal(refusal.value).message
    assert (await world.stored(question_id)).status is QuestionStatus.CLOSED_UNANSWERED


async def test_a_call_that_fails_is_read_back_never_repeated_and_safe_to_answer_again(world):
    question_id = await world.arrive()
    world.gateway.errors["answer"] = Unavailable("POST /answers: 503 from MercadoLibre")

    with pytest.raises(Unavailable, match="nothing was sent twice"):
        await world.answer(AnswerCommand(question_id, text="Sí."))

    assert world.gateway.calls["answer"] == 1 and world.gateway.calls["get"] >= 2
    [attempt] = await world.attempts(question_id)
    assert attempt.status is AttemptStatus.FAILED
    del world.gateway.errors["answer"]
    await world.answer(AnswerCommand(question_id, text="Sí."))
    assert world.gateway.answers_sent == [(question_id, "Sí.")]


async def test_a_time_out_after_mercadolibre_took_the_answer_returns_what_it_has(world):
    question_id = await world.arrive()
    world.gateway.fail_after_answer = Unavailable("POST /answers timed out")

    answered = await world.answer(AnswerCommand(question_id, text="Sí, hay stock."))

    assert answered.answer.text == "Sí, hay stock."
    assert world.gateway.calls["answer"] == 1
    assert [a.status for a in await world.attempts(question_id)] == [AttemptStatus.SENT]


async def test_a_crash_between_sending_and_storing_is_settled_by_reading_back(world):
    question_id = await world.arrive()
    world.gateway.fail_after_answer = SystemExit("killed")
    with pytest.raises(SystemExit):
        await world.answer(AnswerCommand(question_id, text="Sí, original."))
    world.gateway.fail_after_answer = None

    with pytest.raises(QuestionNotOpen, match="being sent"):
        await world.answer(AnswerCommand(question_id, text="Otra respuesta."))
    [pending] = await world.attempts(question_id)
    assert pending.status is AttemptStatus.PENDING
    settled = await world.settle(pending.id)

    assert settled.status is AttemptStatus.SENT
    assert (await world.stored(question_id)).answer.text == "Sí, original."
    assert world.gateway.answers_sent == [(question_id, "Sí, original.")]


async def test_a_stale_pending_answer_is_read_back_before_a_new_one_is_sent(world):
    """Nobody settled the crashed answer: two minutes on, a new answer reads the question
    back first, finds MercadoLibre took the first one, and sends nothing."""
    question_id = await world.arrive()
    world.gateway.fail_after_answer = SystemExit("killed")
    with pytest.raises(SystemExit):
        await world.answer(AnswerCommand(question_id, text="Primera."))
    world.gateway.fail_after_answer = None
    world.clock.advance(180)

    with pytest.raises(QuestionNotOpen) as refusal:
        await world.answer(AnswerCommand(question_id, text="Segunda."))

    assert refusal.value.status == "ANSWERED"
    assert world.gateway.answers_sent == [(question_id, "Primera.")]
    assert [a.status for a in await world.attempts(question_id)] == [AttemptStatus.SENT]


async def test_two_concurrent_answers_send_one_and_refuse_the_other(world):
    question_id = await world.arrive()

    results = await asyncio.gather(
        world.answer(AnswerCommand(question_id, text="Una.")),
        world.answer(AnswerCommand(question_id, text="Otra.")),
        return_exceptions=True,
    )

    assert sorted(type(r).__name__ for r in results) == ["Question", "QuestionNotOpen"]
    assert len(world.gateway.answers_sent) == 1
