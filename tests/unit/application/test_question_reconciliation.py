"""ReconcileQuestions on the in-memory adapters and FakeQuestionGateway
(mercadolibre-api.md §7, scan §4.11): what the notifications missed is stored, past 1,000
questions too; one question the database refuses is that question's error, never the
page's nor the run's."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest

from adapters.memory.repositories.questions import InMemoryQuestionRepository
from application.errors import Unavailable
from domain.questions import QuestionStatus
from domain.sync import SyncStatus, SyncTrigger
from tests.unit.application.question_world import QuestionWorld


@pytest.fixture
async def world() -> AsyncIterator[QuestionWorld]:
    yield await QuestionWorld().start()


class RefusedRows(Exception):
    """What a database driver raises for a row it cannot hold (a value too long...)."""


def refuse_storing(monkeypatch: pytest.MonkeyPatch, question_ids: set[int], error=None) -> None:
    """The database refuses any write that holds one of `question_ids`."""
    upsert = InMemoryQuestionRepository.upsert

    async def refusing(repository: Any, questions: Any) -> None:
        questions = list(questions)
        if any(q.id in question_ids for q in questions):
            raise error or RefusedRows("value too long for type character varying(30)")
        await upsert(repository, questions)

    monkeypatch.setattr(InMemoryQuestionRepository, "upsert", refusing)


async def test_every_unanswered_question_is_stored_past_a_thousand_by_scan(world):
    asked = [await world.asked(f"pregunta {n}") for n in range(1005)]

    run = await world.reconcile(world.account_id, SyncTrigger.SCHEDULE)

    assert run is not None and run.status is SyncStatus.SUCCEEDED
    async with world.uow() as uow:
        stored = await uow.questions.find_many(asked)
    assert sorted(stored) == sorted(asked)
    assert world.gateway.calls["scan"] == 12, "11 pages of up to 100, then the empty one"
    assert run.counts["stored"] == 1005
    assert sorted(world.queued_for_rules()) == sorted(asked)


async def test_an_answer_given_on_mercadolibres_site_is_seen_by_the_recent_pass(world):
    question_id = await world.arrive("¿Tiene stock?")
    world.gateway.answer_elsewhere(question_id, "Sí, respondido en el sitio.")

    run = await world.reconcile(world.account_id, SyncTrigger.SCHEDULE)

    assert run is not None and run.status is SyncStatus.SUCCEEDED
    stored = await world.stored(question_id)
    assert stored.status is QuestionStatus.ANSWERED
    assert stored.answer is not None and stored.answer.text == "Sí, respondido en el sitio."
    assert world.gateway.calls["search"] == 1


async def test_the_backfill_at_connect_reads_every_question_of_any_status(world):
    open_one = await world.asked("abierta")
    answered = await world.asked("respondida")
    world.gateway.answer_elsewhere(answered)

    run = await world.reconcile(world.account_id, SyncTrigger.CONNECT)

    assert run is not None and run.status is SyncStatus.SUCCEEDED
    assert (await world.stored(answered)).status is QuestionStatus.ANSWERED
    assert (await world.stored(open_one)).status is QuestionStatus.UNANSWERED
    assert world.gateway.calls["search"] == 0
    assert world.queued_for_rules() == [open_one]


async def test_a_question_already_waiting_for_the_rules_is_not_queued_again(world):
    question_id = await world.arrive()
    held = await world.asked("¿Me pasás tu teléfono?", hold=True, suspected_spam=True)

    await world.reconcile(world.account_id, SyncTrigger.SCHEDULE)

    assert world.queued_for_rules() == [question_id], "held and spam questions wait for no rule"
    assert (await world.stored(held)).hold


async def test_one_question_the_database_refuses_does_not_cost_the_others(world, monkeypatch):
    asked = [await world.asked(f"pregunta {n}") for n in range(5)]
    refuse_storing(monkeypatch, {asked[2]})

    run = await world.reconcile(world.account_id, SyncTrigger.SCHEDULE)

    assert run is not None and run.status is SyncStatus.PARTIAL
    async with world.uow() as uow:
        stored = await uow.questions.find_many(asked)
    assert sorted(stored) == sorted(asked[:2] + asked[3:])
    # Seen by both passes (the unanswered scan and the recent search): its error each time.
    [error] = set(run.errors)
    assert f"question {asked[2]}" in error and "value too long" in error
    assert run.counts["stored"] == 4
    assert sorted(world.queued_for_rules()) == sorted(asked[:2] + asked[3:])


async def test_a_database_that_is_gone_fails_the_run_instead_of_each_question(world, monkeypatch):
    asked = [await world.asked(f"pregunta {n}") for n in range(3)]
    refuse_storing(monkeypatch, set(asked), Unavailable("database unavailable: connection lost"))

    run = await world.reconcile(world.account_id, SyncTrigger.SCHEDULE)

    assert run is not None and run.status is SyncStatus.FAILED
    [error] = run.errors
    assert "connection lost" in error, "the run's failure, not one error per question"
