"""FakeQuestionGateway: the QuestionGateway port over questions in memory.

It is held to the same contract suite as AiohttpQuestionGateway on the sandbox
(tests/contracts/test_question_gateway.py), so what a use-case test learns from it is what
MercadoLibre does (mercadolibre-api.md §7). Questions are kept as MercadoLibre keeps them
and read through the gateway's own reader of the `api_version=4` shape, search results
without `last_updated` and `buyer_id` as §7 shows them.
"""

from __future__ import annotations

import itertools
import secrets
from collections import Counter
from datetime import datetime, timedelta
from typing import Any

import attrs

from adapters.mercadolibre.question_mapping import read_question
from application.errors import (
    ApplicationError,
    FieldProblem,
    Forbidden,
    MeliRefusal,
    NotFound,
    ScrollExpired,
    ValidationFailed,
)
from application.ports.question_gateway import BlockedBuyer, QuestionPage, ResponseTime
from domain.questions import MAX_TEXT_LENGTH, Question

# §4.11: offset + limit at most 1,000; a scan page holds at most 100; a scroll lives 5 min.
MAX_OFFSET = 1000
SCAN_MAX_LIMIT = 100
SCROLL_TTL = timedelta(minutes=5)
HIDDEN_BY_DEFAULT = ("DELETED",)  # left out of searches unless asked for by status [INF]


def iso(moment: datetime) -> str:
    return moment.isoformat(timespec="milliseconds")


def refused(status: int, message: str, kind: type[ApplicationError] = ValidationFailed):
    """MercadoLibre's refusal as the gateway raises it: the port error with its answer
    (§2.1) kept in `meli`."""
    error: ApplicationError
    if kind is ValidationFailed:
        error = ValidationFailed(
            [FieldProblem("request", message, "bad_request")],
            message=f"MercadoLibre refused the request: {message}",
        )
    elif kind is NotFound:
        error = NotFound("MercadoLibre resource", message)
        error.args = (message,)
    else:
        error = kind(f"MercadoLibre answered {status}: {message}")
    error.meli = MeliRefusal(status, message, "bad_request" if status == 400 else None)
    return error


@attrs.define
class StoredAnswer:
    text: str
    date_created: datetime
    status: str = "ACTIVE"


@attrs.define
class StoredQuestion:
    """A question as MercadoLibre keeps it (§7)."""

    id: int
    seller_id: int
    buyer_id: int
    item_id: str
    text: str
    date_created: datetime
    last_updated: datetime
    status: str = "UNANSWERED"
    answer: StoredAnswer | None = None
    hold: bool = False
    suspected_spam: bool = False
    deleted_from_listing: bool = False
    app_id: int | None = None

    def body(self, *, single: bool) -> dict[str, Any]:
        """§7's `api_version=4` shape; GET /questions/{id} adds buyer_id, app_id and
        last_updated. BANNED texts come back empty."""
        answer = None
        if self.answer is not None:
            answer = {
                "text": "" if self.answer.status == "BANNED" else self.answer.text,
                "status": self.answer.status,
                "date_created": iso(self.answer.date_created),
            }
        body: dict[str, Any] = {
            "id": self.id,
            "seller_id": self.seller_id,
            "item_id": self.item_id,
            "status": self.status,
            "text": "" if self.status == "BANNED" else self.text,
            "tags": [],
            "date_created": iso(self.date_created),
            "deleted_from_listing": self.deleted_from_listing,
            "hold": self.hold,
            "suspected_spam": self.suspected_spam,
            "answer": answer,
            "from": {"id": self.buyer_id},
        }
        if single:
            body.update(
                buyer_id=self.buyer_id, app_id=self.app_id, last_updated=iso(self.last_updated)
            )
        return body


@attrs.define
class _Scroll:
    ids: list[int]
    position: int
    seller_id: int
    expires_at: datetime


class FakeQuestionGateway:
    """MercadoLibre's questions with MercadoLibre's rules (§7):

    - searches are the account's own seller's (Forbidden otherwise), newest first,
      DELETED questions only when asked for by status; offset + limit within 1,000 and a
      scan page of 1 to 100 (ValueError before any call, as the gateway); a scan ends with
      a page without questions, and a scroll unused for 5 minutes is ScrollExpired;
    - one question is read by anyone (NotFound when it does not exist); answering or
      deleting another seller's question is Forbidden;
    - one answer per question: answering one that is not UNANSWERED, or with an empty or
      too long text, is ValidationFailed with MercadoLibre's message (`meli`);
    - the blacklist is the account's own seller's; unblocking a buyer not blocked is
      NotFound; the response time is None until the seller answered something.

    Accounts are `connect`ed to a seller first; a call for another account is NotFound,
    as the token source answers. Test controls: `ask`, `answer_elsewhere`, `close_item`,
    `questions` (the stored questions, to change in place: hold, spam...), `nicknames`,
    `errors` by method name (raised before the method does anything: a refusal, or a
    call that never reached MercadoLibre), `fail_after_answer` (the answer is taken, then
    this is raised: a time-out on the way back), `calls` and `answers_sent`.
    """

    def __init__(self, clock) -> None:
        self.clock = clock
        self.sellers: dict[int, int] = {}
        self.questions: dict[int, StoredQuestion] = {}
        self.blacklists: dict[int, dict[int, datetime]] = {}
        self.nicknames: dict[int, str] = {}
        self.errors: dict[str, Exception] = {}
        self.fail_after_answer: BaseException | None = None
        self.calls: Counter[str] = Counter()
        self.answers_sent: list[tuple[int, str]] = []
        self._ids = itertools.count(13_000_000_001)
        self._scrolls: dict[str, _Scroll] = {}

    # -- the test's side ------------------------------------------------------------------

    def connect(self, account_id: int, seller_id: int) -> None:
        self.sellers[account_id] = seller_id

    def ask(
        self,
        seller_id: int,
        text: str = "¿Tiene stock?",
        *,
        item_id: str = "MLA1000000001",
        buyer_id: int = 5001,
        **flags: Any,
    ) -> int:
        """A buyer asks now; the question's id. `flags`: hold, suspected_spam, app_id."""
        now = self.clock.now()
        question = StoredQuestion(
            next(self._ids), seller_id, buyer_id, item_id, text, now, now, **flags
        )
        self.questions[question.id] = question
        return question.id

    def answer_elsewhere(self, question_id: int, text: str = "Respondida en el sitio.") -> None:
        """The seller answered on MercadoLibre's own site."""
        self._take_answer(self.questions[question_id], text)

    def close_item(self, item_id: str) -> None:
        """§7: the questions left unanswered on a closed listing are CLOSED_UNANSWERED."""
        now = self.clock.now()
        for question in self.questions.values():
            if question.item_id == item_id and question.status == "UNANSWERED":
                question.status, question.last_updated = "CLOSED_UNANSWERED", now

    def _call(self, name: str, account_id: int) -> int:
        self.calls[name] += 1
        seller_id = self.sellers.get(account_id)
        if seller_id is None:
            raise NotFound("account", account_id)
        if name in self.errors:
            raise self.errors[name]
        return seller_id

    def _read(self, question: StoredQuestion, account_id: int, single: bool) -> Question:
        what = f"GET /questions/{question.id}" if single else "GET /questions/search"
        return read_question(question.body(single=single), account_id, what)

    def _found(self, question_id: int) -> StoredQuestion:
        question = self.questions.get(int(question_id))
        if question is None:
            raise refused(404, f"Question {question_id} not found", NotFound)
        return question

    def _owned(self, question_id: int, seller_id: int) -> StoredQuestion:
        question = self._found(question_id)
        if question.seller_id != seller_id:
            raise refused(
                403, "The caller is not the seller of the item of this question", Forbidden
            )
        return question

    def _take_answer(self, question: StoredQuestion, text: str) -> None:
        if question.status != "UNANSWERED" or question.answer is not None:
            raise refused(
                400, f"Question {question.id} cannot be answered: its status is {question.status}"
            )
        now = self.clock.now()
        question.answer = StoredAnswer(text, now)
        question.status, question.last_updated = "ANSWERED", now

    def _matching(self, seller_id: int, status: str | None) -> list[StoredQuestion]:
        found = [
            q
            for q in self.questions.values()
            if q.seller_id == seller_id
            and (q.status == status if status is not None else q.status not in HIDDEN_BY_DEFAULT)
        ]
        found.sort(key=lambda q: (q.date_created, q.id), reverse=True)
        return found

    def _own_search(self, seller_id: int, asked: int) -> None:
        if asked != seller_id:
            raise refused(403, "The caller is not the seller of these questions", Forbidden)

    # -- the port -------------------------------------------------------------------------

    async def search(
        self,
        account_id: int,
        seller_id: int,
        *,
        status: str | None = None,
        offset: int = 0,
        limit: int = 50,
    ) -> QuestionPage:
        if offset < 0 or not 1 <= limit or offset + limit > MAX_OFFSET:
            raise ValueError(f"offset + limit stay within {MAX_OFFSET} (§4.11); scan beyond")
        own = self._call("search", account_id)
        self._own_search(own, seller_id)
        found = self._matching(seller_id, status)
        page = found[offset : offset + limit]
        return QuestionPage(tuple(self._read(q, account_id, False) for q in page), len(found))

    async def scan(
        self,
        account_id: int,
        seller_id: int,
        *,
        status: str | None = None,
        scroll_id: str | None = None,
        limit: int = SCAN_MAX_LIMIT,
    ) -> QuestionPage:
        if not 1 <= limit <= SCAN_MAX_LIMIT:
            raise ValueError(f"a scan page holds 1 to {SCAN_MAX_LIMIT} questions, not {limit}")
        own = self._call("scan", account_id)
        self._own_search(own, seller_id)
        now = self.clock.now()
        if scroll_id is not None:
            scroll = self._scrolls.get(scroll_id)
            if scroll is None or scroll.expires_at <= now or scroll.seller_id != seller_id:
                self._scrolls.pop(scroll_id, None)
                raise ScrollExpired(
                    f"MercadoLibre no longer knows the question scan of seller {seller_id}"
                )
        else:
            scroll_id = secrets.token_hex(16)
            ids = [q.id for q in self._matching(seller_id, status)]
            scroll = _Scroll(ids, 0, seller_id, now)
        chunk = scroll.ids[scroll.position : scroll.position + limit]
        if not chunk:
            self._scrolls.pop(scroll_id, None)
            return QuestionPage((), len(scroll.ids), None)
        scroll.position += len(chunk)
        scroll.expires_at = now + SCROLL_TTL
        self._scrolls[scroll_id] = scroll
        questions = tuple(self._read(self.questions[i], account_id, False) for i in chunk)
        return QuestionPage(questions, len(scroll.ids), scroll_id)

    async def get(self, account_id: int, question_id: int) -> Question:
        self._call("get", account_id)
        return self._read(self._found(question_id), account_id, True)

    async def answer(self, account_id: int, question_id: int, text: str) -> Question:
        own = self._call("answer", account_id)
        question = self._owned(question_id, own)
        if not isinstance(text, str) or not text.strip():
            raise refused(400, "The answer text is required")
        if len(text) > MAX_TEXT_LENGTH:
            raise refused(
                400,
                f"The answer text is too long: {len(text)} characters, "
                f"the maximum is {MAX_TEXT_LENGTH}",
            )
        self._take_answer(question, text)
        self.answers_sent.append((question.id, text))
        if self.fail_after_answer is not None:
            raise self.fail_after_answer
        return self._read(question, account_id, True)

    async def delete(self, account_id: int, question_id: int) -> None:
        own = self._call("delete", account_id)
        question = self._owned(question_id, own)
        question.status, question.deleted_from_listing = "DELETED", True
        question.last_updated = self.clock.now()

    def _own_list(self, account_id: int, seller_id: int, name: str) -> dict[int, datetime]:
        own = self._call(name, account_id)
        if own != seller_id:
            raise refused(403, "The User ID must match the consultant's", Forbidden)
        return self.blacklists.setdefault(seller_id, {})

    async def block_buyer(self, account_id: int, seller_id: int, buyer_id: int) -> None:
        blocked = self._own_list(account_id, seller_id, "block_buyer")
        if buyer_id == seller_id:
            raise refused(400, "A seller cannot block himself")
        blocked.setdefault(buyer_id, self.clock.now())

    async def unblock_buyer(self, account_id: int, seller_id: int, buyer_id: int) -> None:
        blocked = self._own_list(account_id, seller_id, "unblock_buyer")
        if blocked.pop(buyer_id, None) is None:
            raise refused(404, f"User {buyer_id} is not blocked by user {seller_id}", NotFound)

    async def blocked_buyers(self, account_id: int, seller_id: int) -> tuple[BlockedBuyer, ...]:
        blocked = self._own_list(account_id, seller_id, "blocked_buyers")
        return tuple(BlockedBuyer(user_id, at) for user_id, at in sorted(blocked.items()))

    async def response_time(self, account_id: int, seller_id: int) -> ResponseTime | None:
        """The mean minutes to answer, rounded, as the sandbox computes it [INF]; only
        `total` is kept here (the split by when the question was asked is the sandbox's)."""
        self._call("response_time", account_id)
        minutes = [
            max(0.0, (q.answer.date_created - q.date_created).total_seconds() / 60)
            for q in self.questions.values()
            if q.seller_id == seller_id and q.answer is not None
        ]
        if not minutes:
            return None
        return ResponseTime(total=float(round(sum(minutes) / len(minutes))))

    async def user_nickname(self, account_id: int, user_id: int) -> str | None:
        self._call("user_nickname", account_id)
        return self.nicknames.get(user_id)
