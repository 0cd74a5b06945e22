"""The rest of the question use cases on the in-memory adapters and FakeQuestionGateway
(mercadolibre-api.md §7): deleting, blocking buyers, the figures, and the installation's
rate limit applied to answers."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from application.errors import NotFound, QuotaExhausted, Unavailable
from application.questions.block_buyer import BlockBuyer
from application.questions.commands import AnswerCommand
from application.questions.delete_question import DeleteQuestion
from application.questions.get_question_stats import GetQuestionStats
from application.questions.list_blocked_buyers import ListBlockedBuyers
from application.questions.unblock_buyer import UnblockBuyer
from domain.questions import AttemptStatus, QuestionStatus
from entrypoints.http.problems import problem_for
from tests.unit.application.question_world import QuestionWorld


@pytest.fixture
async def world() -> AsyncIterator[QuestionWorld]:
    yield await QuestionWorld().start()


async def test_a_deleted_question_is_stored_deleted_and_waits_for_no_rule(world):
    question_id = await world.arrive()
    delete = DeleteQuestion(world.uow, world.gateway, world.clock)

    deleted = await delete(question_id, world.account_id)

    assert deleted.status is QuestionStatus.DELETED and deleted.deleted_from_listing
    assert (await world.stored(question_id)).status is QuestionStatus.DELETED
    assert world.gateway.questions[question_id].status == "DELETED"
    async with world.uow() as uow:
        assert not await uow.questions.unmark_for_rules(question_id)


async def test_another_accounts_question_is_not_deleted(world):
    question_id = await world.arrive()
    delete = DeleteQuestion(world.uow, world.gateway, world.clock)

    with pytest.raises(NotFound):
        await delete(question_id, world.account_id + 1)

    assert world.gateway.calls["delete"] == 0
    assert world.gateway.questions[question_id].status == "UNANSWERED"


async def test_a_buyer_is_blocked_listed_and_unblocked(world):
    block = BlockBuyer(world.uow, world.gateway)
    listed = ListBlockedBuyers(world.uow, world.gateway)

    await block(world.account_id, 5001)
    await block(world.account_id, 5001)
    blocked = await listed(world.account_id)
    await UnblockBuyer(world.uow, world.gateway)(world.account_id, 5001)

    assert [b.user_id for b in blocked] == [5001]
    assert await listed(world.account_id) == ()


async def test_the_figures_count_answers_by_rule_by_hand_and_elsewhere(world):
    await world.rule()
    by_rule = await world.arrive("¿Envío?")
    by_hand = await world.arrive("¿Color?")
    elsewhere = await world.arrive("¿Talle?")
    await world.arrive("¿Garantía?")
    world.clock.advance(600)
    await world.auto_answer(by_rule)
    await world.answer(AnswerCommand(by_hand, text="Negro."))
    world.gateway.answer_elsewhere(elsewhere, "Del 40.")
    await world.read_again(elsewhere)

    stats = await GetQuestionStats(world.uow, world.gateway, world.clock)(world.account_id)

    assert (stats.unanswered, stats.answered) == (1, 3)
    assert (stats.by_rule, stats.by_hand, stats.elsewhere) == (1, 1, 1)
    assert stats.median_seconds == 600
    assert stats.response_time is not None and stats.response_time.total == 10


async def test_the_figures_stand_when_mercadolibres_response_time_cannot_be_read(world):
    world.gateway.errors["response_time"] = Unavailable("503 from MercadoLibre")

    stats = await GetQuestionStats(world.uow, world.gateway, world.clock)(world.account_id)

    assert stats.response_time is None and "503" in stats.response_time_error


async def test_an_answer_over_the_installations_quota_is_a_429_and_nothing_is_sent(world):
    question_id = await world.arrive()
    world.gateway.errors["answer"] = QuotaExhausted("hourly quota used up", retry_after=120)

    with pytest.raises(QuotaExhausted) as refusal:
        await world.answer(AnswerCommand(question_id, text="Sí."))

    answer = problem_for(refusal.value)
    assert answer.status == 429 and answer.headers["Retry-After"] == "120"
    assert world.gateway.answers_sent == []
    assert [a.status for a in await world.attempts(question_id)] == [AttemptStatus.FAILED]
    assert (await world.stored(question_id)).awaits_answer
