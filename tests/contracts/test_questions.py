from __future__ import annotations

from datetime import timedelta

import pytest

from application.errors import Conflict, NotFound
from application.queries import Paging, QuestionQuery
from domain.questions import QuestionStatus

from .builders import NOW, a_question, given_account


async def test_an_answered_question_reads_back_with_every_field(uow_factory):
    account = await given_account(uow_factory)
    question = a_question(account_id=account.id)
    async with uow_factory() as uow:
        await uow.questions.upsert([question])
        await uow.commit()

    async with uow_factory() as uow:
        assert await uow.questions.get(question.id) == question


async def test_an_unanswered_question_reads_back_without_answer(uow_factory):
    account = await given_account(uow_factory)
    question = a_question(
        account_id=account.id,
        status=QuestionStatus.UNANSWERED,
        answer=None,
        buyer_id=None,
        last_updated=None,
        text="",
    )
    async with uow_factory() as uow:
        await uow.questions.upsert([question])
        assert await uow.questions.get(question.id) == question


async def test_getting_an_unknown_question_raises_not_found(uow_factory):
    async with uow_factory() as uow:
        with pytest.raises(NotFound):
            await uow.questions.get(404)
        assert await uow.questions.find(404) is None


async def test_an_answer_is_stored_by_upserting_the_question_again(uow_factory):
    account = await given_account(uow_factory)
    question = a_question(account_id=account.id, status=QuestionStatus.UNANSWERED, answer=None)
    async with uow_factory() as uow:
        await uow.questions.upsert([question])
        await uow.commit()

    question.answer_with("Sí, hay stock.", NOW)
    async with uow_factory() as uow:
        await uow.questions.upsert([question])
        await uow.commit()

    async with uow_factory() as uow:
        stored = await uow.questions.get(question.id)
    assert stored == question
    assert stored.answer.text == "Sí, hay stock."


async def test_a_question_of_an_unknown_account_is_refused_with_conflict(uow_factory):
    async with uow_factory() as uow:
        with pytest.raises(Conflict):
            await uow.questions.upsert([a_question(account_id=404)])


async def _given_questions(uow_factory):
    first = await given_account(uow_factory, seller_id=1)
    second = await given_account(uow_factory, seller_id=2)
    unanswered = {"status": QuestionStatus.UNANSWERED, "answer": None}
    questions = [
        a_question(1, first.id, date_created=NOW - timedelta(hours=3), **unanswered),
        a_question(2, first.id, date_created=NOW - timedelta(hours=1)),
        a_question(3, first.id, date_created=NOW, item_id="MLA2", **unanswered),
        a_question(4, second.id, date_created=NOW - timedelta(hours=2), **unanswered),
    ]
    async with uow_factory() as uow:
        await uow.questions.upsert(questions)
        await uow.commit()
    return first, second


def _ids(page):
    return [question.id for question in page.items]


async def test_question_search_returns_the_newest_first(uow_factory):
    await _given_questions(uow_factory)

    async with uow_factory() as uow:
        page = await uow.questions.search(QuestionQuery())

    assert _ids(page) == [3, 2, 4, 1]
    assert page.total == 4


async def test_question_search_filters_by_account_status_and_item(uow_factory):
    first, second = await _given_questions(uow_factory)

    async with uow_factory() as uow:
        assert _ids(await uow.questions.search(QuestionQuery(account_id=second.id))) == [4]
        assert _ids(await uow.questions.search(QuestionQuery(status="ANSWERED"))) == [2]
        assert _ids(await uow.questions.search(QuestionQuery(item_id="MLA2"))) == [3]
        waiting = QuestionQuery(account_id=first.id, status="UNANSWERED", item_id="MLA1000000001")
        assert _ids(await uow.questions.search(waiting)) == [1]


async def test_question_search_pages_and_counts_every_match(uow_factory):
    await _given_questions(uow_factory)

    async with uow_factory() as uow:
        page = await uow.questions.search(
            QuestionQuery(status="UNANSWERED", paging=Paging(offset=1, limit=1))
        )

    assert _ids(page) == [4]
    assert (page.total, page.offset, page.limit) == (3, 1, 1)
