from __future__ import annotations

from datetime import timedelta

import attrs
import pytest

from application.errors import Conflict, NotFound
from application.queries import Paging, QuestionQuery
from domain.questions import AnswerAttempt, AnswerSource, AttemptStatus, QuestionStatus

from .builders import NOW, a_question, a_rule, a_template, given_account

BIG_APP = 8304540643508652


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


async def test_question_search_returns_the_oldest_unanswered_first_then_the_newest(uow_factory):
    await _given_questions(uow_factory)

    async with uow_factory() as uow:
        page = await uow.questions.search(QuestionQuery())

    assert _ids(page) == [1, 4, 3, 2]
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


async def test_a_question_keeps_its_flags_and_raw_json(uow_factory):
    """ref: mercadolibre-api.md §7 (hold, suspected_spam, deleted_from_listing, app_id)."""
    account = await given_account(uow_factory)
    raw = {"id": 5, "from": {"id": 7, "answered_questions": 0}, "text": "¿Envío?"}
    question = a_question(
        5,
        account.id,
        hold=True,
        suspected_spam=True,
        deleted_from_listing=True,
        app_id=BIG_APP,
        raw=raw,
    )
    async with uow_factory() as uow:
        await uow.questions.upsert([question])
        await uow.commit()

    async with uow_factory() as uow:
        stored = await uow.questions.get(5)
    assert stored == question
    assert (stored.hold, stored.suspected_spam, stored.deleted_from_listing) == (True, True, True)
    assert stored.app_id == BIG_APP and stored.raw == raw


async def test_question_search_filters_by_text_without_accents_or_case_and_by_dates(uow_factory):
    first, _ = await _given_questions(uow_factory)
    async with uow_factory() as uow:
        await uow.questions.upsert(
            [a_question(9, first.id, text="¿Hacen ENVÍOS al 100%?", date_created=NOW)]
        )
        await uow.commit()

    async with uow_factory() as uow:
        assert _ids(await uow.questions.search(QuestionQuery(text="envios"))) == [9]
        assert _ids(await uow.questions.search(QuestionQuery(text="100%"))) == [9]
        assert _ids(await uow.questions.search(QuestionQuery(text="_"))) == []
        window = QuestionQuery(
            created_from=NOW - timedelta(hours=2), created_to=NOW, account_id=first.id
        )
        assert _ids(await uow.questions.search(window)) == [2]


async def test_questions_are_marked_for_the_rules_until_one_evaluation_takes_the_mark(
    uow_factory,
):
    account = await given_account(uow_factory)
    async with uow_factory() as uow:
        await uow.questions.upsert([a_question(1, account.id), a_question(2, account.id)])
        await uow.questions.mark_for_rules([1, 2], NOW - timedelta(minutes=5))
        await uow.commit()

    async with uow_factory() as uow:
        # Storing the question again leaves the mark alone.
        await uow.questions.upsert([a_question(1, account.id, text="otra")])
        assert await uow.questions.waiting_for_rules(NOW, 10) == [
            (NOW - timedelta(minutes=5), 1),
            (NOW - timedelta(minutes=5), 2),
        ]
        assert await uow.questions.waiting_for_rules(
            NOW, 10, after=(NOW - timedelta(minutes=5), 1)
        ) == [(NOW - timedelta(minutes=5), 2)]
        assert await uow.questions.waiting_for_rules(NOW - timedelta(minutes=6), 10) == []
        assert await uow.questions.unmark_for_rules(1) is True
        assert await uow.questions.unmark_for_rules(1) is False
        await uow.commit()

    async with uow_factory() as uow:
        assert [q for _, q in await uow.questions.waiting_for_rules(NOW, 10)] == [2]


def _attempt(question_id: int, account_id: int, **changes) -> AnswerAttempt:
    attempt = AnswerAttempt(
        question_id, account_id, "Sí, hay stock.", AnswerSource.HAND, NOW - timedelta(minutes=1)
    )
    return attrs.evolve(attempt, **changes)


async def test_one_answer_per_question_is_pending_or_sent_at_a_time(uow_factory):
    account = await given_account(uow_factory)
    unanswered = {"status": QuestionStatus.UNANSWERED, "answer": None}
    async with uow_factory() as uow:
        await uow.questions.upsert([a_question(1, account.id, **unanswered)])
        first = await uow.answers.add(_attempt(1, account.id))
        await uow.commit()

    async with uow_factory() as uow:
        with pytest.raises(Conflict):
            await uow.answers.add(_attempt(1, account.id, source=AnswerSource.RULE, rule_id=3))
        # Dry runs and failures do not hold the question.
        dry = await uow.answers.add(
            _attempt(1, account.id, source=AnswerSource.RULE, status=AttemptStatus.DRY_RUN)
        )
        assert (await uow.answers.holding(1)) == first
        await uow.commit()

    first.settle(AttemptStatus.FAILED, NOW, "MercadoLibre refused it")
    async with uow_factory() as uow:
        await uow.answers.save(first)
        assert await uow.answers.holding(1) is None
        again = await uow.answers.add(_attempt(1, account.id, requested_at=NOW))
        await uow.commit()

    async with uow_factory() as uow:
        assert [a.id for a in await uow.answers.for_question(1)] == [first.id, dry.id, again.id]
        assert (await uow.answers.get(first.id)).error == "MercadoLibre refused it"
        assert [a.id for a in await uow.answers.pending(NOW + timedelta(seconds=1), 10)] == [
            again.id
        ]


async def test_an_answer_to_an_unknown_question_is_refused_with_conflict(uow_factory):
    account = await given_account(uow_factory)
    async with uow_factory() as uow:
        with pytest.raises(Conflict):
            await uow.answers.add(_attempt(404, account.id))
        with pytest.raises(NotFound):
            await uow.answers.get(404)


async def test_pending_answers_page_oldest_first(uow_factory):
    account = await given_account(uow_factory)
    async with uow_factory() as uow:
        await uow.questions.upsert([a_question(n, account.id) for n in (1, 2, 3)])
        added = [
            await uow.answers.add(_attempt(n, account.id, requested_at=NOW - timedelta(minutes=n)))
            for n in (1, 2, 3)
        ]
        await uow.commit()

    async with uow_factory() as uow:
        oldest = await uow.answers.pending(NOW, 2)
        rest = await uow.answers.pending(NOW, 2, after=(oldest[-1].requested_at, oldest[-1].id))
    assert [a.id for a in oldest] == [added[2].id, added[1].id]
    assert [a.id for a in rest] == [added[0].id]


async def test_answered_questions_since_a_moment_give_their_waits_and_who_answered(uow_factory):
    account = await given_account(uow_factory)
    async with uow_factory() as uow:
        await uow.questions.upsert([a_question(1, account.id), a_question(2, account.id)])
        by_rule = await uow.answers.add(
            _attempt(1, account.id, source=AnswerSource.RULE, rule_id=1)
        )
        by_rule.settle(AttemptStatus.SENT, NOW)
        await uow.answers.save(by_rule)
        await uow.commit()

    async with uow_factory() as uow:
        times = await uow.questions.answered_since(account.id, NOW - timedelta(days=1))
        later = await uow.questions.answered_since(account.id, NOW)
    # a_question: asked 3 hours before NOW, answered 2 hours before.
    assert times.waits_seconds == (3600.0, 3600.0)
    assert (times.by_rule, times.by_hand) == (1, 0)
    assert later.waits_seconds == ()


async def test_rules_read_back_change_and_go(uow_factory):
    async with uow_factory() as uow:
        template = await uow.templates.add(a_template(kind="answer", text="Sí"))
        rule = await uow.answer_rules.add(a_rule(template.id))
        await uow.commit()

    async with uow_factory() as uow:
        assert await uow.answer_rules.get(rule.id) == rule
        changed = attrs.evolve(rule, keywords=(), pattern=r"env[ií]os?", active_hours=None)
        await uow.answer_rules.save(changed)
        assert await uow.answer_rules.list() == [changed]
        assert await uow.answer_rules.using_template(template.id) == [changed]
        with pytest.raises(Conflict):
            await uow.templates.delete(template.id)
        await uow.commit()

    async with uow_factory() as uow:
        await uow.answer_rules.delete(rule.id)
        with pytest.raises(NotFound):
            await uow.answer_rules.get(rule.id)
        with pytest.raises(NotFound):
            await uow.answer_rules.delete(rule.id)
        await uow.templates.delete(template.id)
        await uow.commit()


async def test_a_rule_with_an_unknown_template_is_refused_with_conflict(uow_factory):
    async with uow_factory() as uow:
        with pytest.raises(Conflict):
            await uow.answer_rules.add(a_rule(404))
