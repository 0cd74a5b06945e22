"""QuestionGateway contract (application/ports/question_gateway.py): AiohttpQuestionGateway
on the sandbox over loopback, and FakeQuestionGateway, the fake the question use-case
tests drive (mercadolibre-api.md §7; searches §4.11; refusals §2.1)."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
import pytest_asyncio

from application.errors import (
    Forbidden,
    NotFound,
    ScrollExpired,
    ValidationFailed,
    meli_refusal,
)
from domain.questions import QuestionStatus
from tests.contracts.question_worlds import (
    FakeQuestionWorld,
    QuestionWorld,
    SandboxQuestionWorld,
)

pytestmark = pytest.mark.asyncio(loop_scope="module")


@pytest.fixture(params=[pytest.param("sandbox", marks=pytest.mark.sandbox), "fake"])
def implementation(request: pytest.FixtureRequest) -> tuple[str, object, object]:
    if request.param == "sandbox":
        sandbox = request.getfixturevalue("gateway_sandbox")
        return request.param, sandbox, request.getfixturevalue("gateway_session")
    return request.param, None, None


@pytest_asyncio.fixture(loop_scope="module")
async def world(implementation) -> AsyncIterator[QuestionWorld]:
    kind, sandbox, session = implementation
    if kind == "sandbox":
        yield await SandboxQuestionWorld.start(sandbox, session)
    else:
        yield FakeQuestionWorld()


# -- reading (§7, api_version=4) -------------------------------------------------------------


async def test_a_question_reads_whole_with_its_buyer_and_last_update(world):
    question_id = await world.ask("¿Hacen envíos a Córdoba?")

    question = await world.gateway.get(world.account_id, question_id)

    assert (question.id, question.account_id, question.seller_id) == (
        question_id,
        world.account_id,
        world.seller_id,
    )
    assert question.status is QuestionStatus.UNANSWERED and question.answer is None
    assert question.text == "¿Hacen envíos a Córdoba?"
    assert question.buyer_id is not None and question.last_updated is not None
    assert question.date_created.utcoffset() is not None
    assert (question.hold, question.suspected_spam, question.deleted_from_listing) == (
        False,
        False,
        False,
    )
    assert question.open_to_rules


async def test_a_question_held_for_review_reads_as_held_and_suspected(world):
    question_id = await world.ask()
    await world.hold(question_id)

    question = await world.gateway.get(world.account_id, question_id)

    assert question.hold and question.suspected_spam and not question.open_to_rules


async def test_a_question_that_does_not_exist_is_not_found(world):
    with pytest.raises(NotFound):
        await world.gateway.get(world.account_id, 1)


# -- the search: offset paging and scan (§7, §4.11) -------------------------------------------


async def test_the_search_is_newest_first_with_its_total_and_a_status_filter(world):
    asked = []
    for n in range(5):
        asked.append(await world.ask(f"pregunta {n}"))
        await world.advance(1)
    await world.answer_elsewhere(asked[0], "Sí.")
    search = world.gateway.search

    pages = [
        await search(world.account_id, world.seller_id, offset=offset, limit=2)
        for offset in (0, 2, 4)
    ]
    unanswered = await search(world.account_id, world.seller_id, status="UNANSWERED")

    assert {page.total for page in pages} == {5}
    assert [q.id for page in pages for q in page.questions] == asked[::-1]
    assert all(page.scroll_id is None and not page.unreadable for page in pages)
    # §7: a search result has no last_updated (GET /questions/{id} does).
    assert all(q.last_updated is None for page in pages for q in page.questions)
    assert unanswered.total == 4 and [q.id for q in unanswered.questions] == asked[:0:-1]
    answered = pages[-1].questions[-1]
    assert answered.status is QuestionStatus.ANSWERED and answered.answer.text == "Sí."


async def test_the_search_is_the_accounts_seller_within_a_thousand_results(world):
    await world.ask()
    with pytest.raises(Forbidden):
        await world.gateway.search(world.account_id, world.seller_id + 1)
    with pytest.raises(ValueError, match="scan"):
        await world.gateway.search(world.account_id, world.seller_id, offset=990, limit=20)
    assert (await world.gateway.search(world.account_id, world.seller_id)).total == 1


async def test_a_scan_pages_until_a_page_without_questions(world):
    asked = [await world.ask(f"pregunta {n}") for n in range(5)]
    scan = world.gateway.scan

    pages = [await scan(world.account_id, world.seller_id, status="UNANSWERED", limit=2)]
    while pages[-1].questions:
        assert pages[-1].scroll_id is not None
        pages.append(
            await scan(
                world.account_id,
                world.seller_id,
                status="UNANSWERED",
                scroll_id=pages[-1].scroll_id,
                limit=2,
            )
        )

    assert [len(page.questions) for page in pages] == [2, 2, 1, 0]
    assert sorted(q.id for page in pages for q in page.questions) == sorted(asked)
    assert pages[-1].scroll_id is None
    with pytest.raises(ValueError):
        await scan(world.account_id, world.seller_id, limit=101)
    with pytest.raises(Forbidden):
        await scan(world.account_id, world.seller_id + 1)


async def test_a_scroll_unused_for_five_minutes_is_expired(world):
    for n in range(3):
        await world.ask(f"pregunta {n}")
    first = await world.gateway.scan(world.account_id, world.seller_id, limit=1)
    assert first.scroll_id is not None

    await world.advance(301)

    with pytest.raises(ScrollExpired):
        await world.gateway.scan(
            world.account_id, world.seller_id, scroll_id=first.scroll_id, limit=1
        )


# -- answering: once (§7) ----------------------------------------------------------------------


async def test_an_answer_is_taken_once_and_a_second_is_refused_with_mercadolibres_message(world):
    question_id = await world.ask()

    answered = await world.gateway.answer(world.account_id, question_id, "Sí, hay stock.")

    assert answered.id == question_id and answered.status is QuestionStatus.ANSWERED
    assert answered.answer is not None and answered.answer.text == "Sí, hay stock."
    assert answered.answer.date_created is not None
    with pytest.raises(ValidationFailed) as second:
        await world.gateway.answer(world.account_id, question_id, "Otra vez.")
    refusal = meli_refusal(second.value)
    assert refusal is not None and refusal.status == 400
    assert "cannot be answered" in refusal.message and "ANSWERED" in refusal.message
    read = await world.gateway.get(world.account_id, question_id)
    assert read.answer is not None and read.answer.text == "Sí, hay stock."


async def test_an_answer_to_another_sellers_question_is_forbidden_and_to_none_not_found(world):
    foreign = await world.foreign_question()
    with pytest.raises(Forbidden):
        await world.gateway.answer(world.account_id, foreign, "Sí.")
    with pytest.raises(NotFound):
        await world.gateway.answer(world.account_id, 1, "Sí.")
    assert (await world.gateway.get(world.account_id, foreign)).answer is None


async def test_an_empty_or_too_long_answer_is_refused_and_changes_nothing(world):
    question_id = await world.ask()
    for text in ("   ", "a" * 2001):
        with pytest.raises(ValidationFailed) as refused:
            await world.gateway.answer(world.account_id, question_id, text)
        assert meli_refusal(refused.value) is not None
    assert (await world.gateway.get(world.account_id, question_id)).awaits_answer


async def test_a_closed_listings_questions_are_closed_and_take_no_answer(world):
    question_id = await world.ask()

    await world.close_listing()

    read = await world.gateway.get(world.account_id, question_id)
    assert read.status is QuestionStatus.CLOSED_UNANSWERED
    with pytest.raises(ValidationFailed) as refused:
        await world.gateway.answer(world.account_id, question_id, "Sí.")
    assert "CLOSED_UNANSWERED" in meli_refusal(refused.value).message


# -- deleting (§7) -------------------------------------------------------------------------------


async def test_a_deleted_question_leaves_the_default_search(world):
    kept, deleted = await world.ask("uno"), await world.ask("dos")

    await world.gateway.delete(world.account_id, deleted)

    read = await world.gateway.get(world.account_id, deleted)
    assert read.status is QuestionStatus.DELETED and read.deleted_from_listing
    default = await world.gateway.search(world.account_id, world.seller_id)
    only_deleted = await world.gateway.search(world.account_id, world.seller_id, status="DELETED")
    assert [q.id for q in default.questions] == [kept]
    assert [q.id for q in only_deleted.questions] == [deleted]


async def test_deleting_another_sellers_question_is_forbidden_and_none_not_found(world):
    foreign = await world.foreign_question()
    with pytest.raises(Forbidden):
        await world.gateway.delete(world.account_id, foreign)
    with pytest.raises(NotFound):
        await world.gateway.delete(world.account_id, 1)
    assert (await world.gateway.get(world.account_id, foreign)).status is QuestionStatus.UNANSWERED


# -- the questions blacklist (§7) ------------------------------------------------------------


async def test_a_buyer_blocked_twice_is_blocked_once_and_unblocked_once(world):
    buyer_id = (await world.gateway.get(world.account_id, await world.ask())).buyer_id
    gateway, account, seller = world.gateway, world.account_id, world.seller_id

    await gateway.block_buyer(account, seller, buyer_id)
    await gateway.block_buyer(account, seller, buyer_id)
    blocked = await gateway.blocked_buyers(account, seller)
    await gateway.unblock_buyer(account, seller, buyer_id)

    assert [b.user_id for b in blocked] == [buyer_id]
    assert blocked[0].blocked_at is not None and blocked[0].blocked_at.utcoffset() is not None
    assert await gateway.blocked_buyers(account, seller) == ()
    with pytest.raises(NotFound):
        await gateway.unblock_buyer(account, seller, buyer_id)


async def test_the_blacklist_is_the_accounts_seller_who_cannot_block_himself(world):
    gateway, account, seller = world.gateway, world.account_id, world.seller_id
    with pytest.raises(ValidationFailed):
        await gateway.block_buyer(account, seller, seller)
    with pytest.raises(Forbidden):
        await gateway.blocked_buyers(account, seller + 1)
    with pytest.raises(Forbidden):
        await gateway.block_buyer(account, seller + 1, 5001)


# -- the response time and users (§7, §3) -------------------------------------------------------


async def test_the_response_time_is_none_until_an_answer_then_minutes(world):
    assert await world.gateway.response_time(world.account_id, world.seller_id) is None
    question_id = await world.ask()
    await world.advance(30 * 60)
    await world.gateway.answer(world.account_id, question_id, "Sí.")

    measured = await world.gateway.response_time(world.account_id, world.seller_id)

    assert measured is not None and measured.total == 30


async def test_a_users_nickname_is_read_and_an_unknown_user_has_none(world):
    assert await world.gateway.user_nickname(world.account_id, world.seller_id) == world.nickname
    assert await world.gateway.user_nickname(world.account_id, 1) is None
