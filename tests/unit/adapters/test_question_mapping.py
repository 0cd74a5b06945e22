"""Every documented question body is read (mercadolibre-api.md §7): both shapes, searches
and single questions, the delete answer, the response time and its 404."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from adapters.mercadolibre.question_mapping import read_question
from adapters.mercadolibre.questions import AiohttpQuestionGateway
from application.errors import Unavailable
from domain.questions import QuestionStatus

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "mercadolibre" / "questions"


def fixture(name: str) -> dict:
    return json.loads((FIXTURES / f"{name}.json").read_text())


class FakeCalls:
    """AccountCalls answering one recorded body (or raising one error)."""

    def __init__(self, body=None, error: Exception | None = None) -> None:
        self.body = body
        self.error = error
        self.requests: list[tuple] = []

    async def get(self, account_id, path, params=None):
        self.requests.append(("GET", path, dict(params or {})))
        if self.error is not None:
            raise self.error
        return self.body

    async def send(self, account_id, method, path, body, *, idempotent=None):
        self.requests.append((method, path, body))
        return self.body

    async def call(self, account_id, method, path, **kwargs):
        self.requests.append((method, path, None))
        return self.body


def test_the_v4_question_reads_buyer_id_and_nanosecond_times():
    body = fixture("question_v4")["body"]
    question = read_question(body, 7, "GET /questions/1")
    assert (question.id, question.account_id, question.buyer_id) == (11751825075, 7, 56801932)
    assert question.status is QuestionStatus.ANSWERED and question.app_id == 8304540643508652
    assert question.answer is not None and question.answer.status == "BANNED"
    assert question.answer.text == "", "§7: a BANNED answer comes back empty"
    assert question.date_created.microsecond == 746608
    assert question.raw == body


def test_the_older_shape_reads_the_asker_from_from_id():
    question = read_question(fixture("question_vehicles_from_object")["body"], 7, "GET")
    assert question.buyer_id == 21547449 and question.answer is None
    assert question.awaits_answer and question.open_to_rules
    assert question.last_updated is None and question.app_id is None


@pytest.mark.parametrize(
    "name", ["search_by_item_v4", "search_by_seller_v4", "search_by_item_empty"]
)
async def test_every_documented_search_is_read(name):
    recorded = fixture(name)
    calls = FakeCalls(recorded["body"])
    page = await AiohttpQuestionGateway(calls).search(7, 419059118)
    assert len(page.questions) == len(recorded["body"]["questions"])
    assert page.total == recorded["body"]["total"] and page.unreadable == ()
    assert calls.requests[0][2]["api_version"] == "4"
    for question, body in zip(page.questions, recorded["body"]["questions"], strict=True):
        assert question.id == body["id"] and question.buyer_id == body["from"]["id"]


def test_a_banned_question_with_empty_text_is_kept():
    body = fixture("search_by_seller_v4")["body"]["questions"][1]
    question = read_question(body, 7, "GET")
    assert question.status is QuestionStatus.BANNED and question.text == ""


async def test_the_response_time_is_read_in_minutes_and_its_404_is_none():
    from application.errors import NotFound

    gateway = AiohttpQuestionGateway(FakeCalls(fixture("response_time")["body"]))
    times = await gateway.response_time(7, 1111111)
    assert (times.total, times.weekend, times.weekdays_extra_hours) == (22, 8, 72)
    missing = AiohttpQuestionGateway(FakeCalls(error=NotFound("resource", "/users")))
    assert await missing.response_time(7, 276274936) is None


async def test_deleting_reads_the_documented_answer():
    calls = FakeCalls(fixture("delete_answer")["body"])
    await AiohttpQuestionGateway(calls).delete(7, 5)
    assert calls.requests == [("DELETE", "/questions/5", None)]


def test_one_unreadable_result_is_that_results_error_and_text_is_cleaned():
    with pytest.raises(Unavailable, match="question 9 lacks a readable date_created"):
        read_question({"id": 9, "seller_id": 1, "item_id": "MLA1", "status": "UNANSWERED"}, 1, "x")
    with pytest.raises(Unavailable, match="unknown status"):
        read_question({"id": 9, "status": "NEW"}, 1, "x")
    question = read_question(
        {
            "id": "9",
            "seller_id": "1",
            "item_id": "MLA1",
            "status": "UNANSWERED",
            "date_created": "2026-01-01T00:00:00Z",
            "text": "a\x00b\ud800c",
        },
        1,
        "x",
    )
    assert question.text == "ab\ufffdc" and question.raw["text"] == "ab\ufffdc"


async def test_a_page_with_a_bad_question_keeps_the_others():
    good = fixture("search_by_item_v4")["body"]
    body = {**good, "questions": [*good["questions"], {"id": 1, "status": "???"}]}
    page = await AiohttpQuestionGateway(FakeCalls(body)).search(7, 1)
    assert len(page.questions) == 1 and len(page.unreadable) == 1
