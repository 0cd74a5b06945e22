"""§7: questions on items, their answers, and the question search with scan; in the
`api_version=4` shape when asked for it, in the older one otherwise (§0.3)."""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

import attrs

from sandbox.clock import SimulatedClock, iso, local_iso
from sandbox.config import SandboxConfig
from sandbox.errors import ApiError, api_error, bad_request, forbidden, not_found
from sandbox.search import scroll_expired

# §7: question statuses and answer statuses.
QUESTION_STATUSES = (
    "ANSWERED",
    "BANNED",
    "CLOSED_UNANSWERED",
    "DELETED",
    "DISABLED",
    "UNANSWERED",
    "UNDER_REVIEW",
)
ANSWER_STATUSES = ("ACTIVE", "DISABLED", "BANNED")
# §7: at most 2,000 characters for questions and answers.
MAX_TEXT = 2000
DEFAULT_LIMIT = 50
SORT_FIELDS = ("item_id", "from_id", "date_created", "seller_id")
# A search leaves deleted questions out unless `status` asks for them [INF].
HIDDEN_BY_DEFAULT = ("DELETED",)
# §7: the version parameter that asks for the current shape.
API_VERSION = "4"


def question_not_found(question_id: str | int) -> ApiError:
    return not_found(f"Question {question_id} not found")


def check_text(text: Any, what: str) -> str:
    """§7: a non-empty text of at most 2,000 characters [INF: the error texts]."""
    if not isinstance(text, str) or not text.strip():
        raise bad_request(f"The {what} text is required")
    if len(text) > MAX_TEXT:
        raise bad_request(
            f"The {what} text is too long: {len(text)} characters, the maximum is {MAX_TEXT}"
        )
    return text


@attrs.define
class Answer:
    text: str
    status: str
    date_created: float


@attrs.define(eq=False)
class Question:
    id: int
    seller_id: int
    buyer_id: int
    item_id: str
    site_id: str
    text: str
    status: str
    date_created: float
    last_updated: float
    answer: Answer | None = None
    app_id: int | None = None
    hold: bool = False
    suspected_spam: bool = False
    deleted_from_listing: bool = False

    def as_json(self, *, single: bool = False) -> dict[str, Any]:
        """§7, the `api_version=4` shape. BANNED questions and answers come back with
        empty text. GET /questions/{id} adds buyer_id, app_id and last_updated."""
        site = self.site_id
        body: dict[str, Any] = {
            "date_created": local_iso(self.date_created, site),
            "item_id": self.item_id,
            "seller_id": self.seller_id,
            "status": self.status,
            "text": "" if self.status == "BANNED" else self.text,
            "tags": [],
            "id": self.id,
            "deleted_from_listing": self.deleted_from_listing,
            "hold": self.hold,
            "suspected_spam": self.suspected_spam,
            "answer": self._answer_json(),
            "from": {"id": self.buyer_id},
        }
        if single:
            body["buyer_id"] = self.buyer_id
            body["app_id"] = self.app_id
            body["last_updated"] = local_iso(self.last_updated, site)
        return body

    def legacy_json(self, answered_questions: int) -> dict[str, Any]:
        """§0.3, §7: the shape without `api_version=4`, in searches and by id alike: the
        asker as `from: {id, answered_questions}` (the questions of his that have an
        answer [INF]), no buyer_id, app_id, tags or suspected_spam."""
        return {
            "date_created": local_iso(self.date_created, self.site_id),
            "item_id": self.item_id,
            "seller_id": self.seller_id,
            "status": self.status,
            "text": "" if self.status == "BANNED" else self.text,
            "id": self.id,
            "deleted_from_listing": self.deleted_from_listing,
            "hold": self.hold,
            "answer": self._answer_json(),
            "from": {"id": self.buyer_id, "answered_questions": answered_questions},
        }

    def _answer_json(self) -> dict[str, Any] | None:
        if self.answer is None:
            return None
        return {
            "text": "" if self.answer.status == "BANNED" else self.answer.text,
            "status": self.answer.status,
            "date_created": local_iso(self.answer.date_created, self.site_id),
        }


@attrs.define
class QuestionQuery:
    seller_id: int | None
    item_id: str | None
    from_id: int | None
    status: str | None
    sort_fields: tuple[str, ...]
    descending: bool
    limit: int

    def accepts(self, question: Question) -> bool:
        if self.seller_id is not None and question.seller_id != self.seller_id:
            return False
        if self.item_id is not None and question.item_id != self.item_id:
            return False
        if self.from_id is not None and question.buyer_id != self.from_id:
            return False
        if self.status is not None:
            return question.status == self.status
        return question.status not in HIDDEN_BY_DEFAULT

    def key(self, question: Question) -> tuple[Any, ...]:
        values = {
            "item_id": question.item_id,
            "from_id": question.buyer_id,
            "date_created": question.date_created,
            "seller_id": question.seller_id,
        }
        return (*(values[f] for f in self.sort_fields), question.id)


@attrs.define
class QuestionScroll:
    ids: list[int]
    position: int
    caller: int
    expires_at: float


class QuestionBook:
    def __init__(self, clock: SimulatedClock, config: SandboxConfig) -> None:
        self.clock = clock
        self.config = config
        self.questions: dict[int, Question] = {}
        self.by_seller: dict[int, list[Question]] = {}
        self.by_item: dict[str, list[Question]] = {}
        self.by_buyer: dict[int, list[Question]] = {}
        self.scrolls: dict[str, QuestionScroll] = {}
        # §7: each seller's questions blacklist, buyer id -> when blocked.
        self.blacklists: dict[int, dict[int, float]] = {}

    def add(self, question: Question) -> None:
        self.questions[question.id] = question
        self.by_seller.setdefault(question.seller_id, []).append(question)
        self.by_item.setdefault(question.item_id, []).append(question)
        self.by_buyer.setdefault(question.buyer_id, []).append(question)

    def view(self, question: Question, params: Mapping[str, str], *, single: bool = False) -> Any:
        """The question in the shape the request asks for: §7's `api_version=4` one, or
        the older one without it (§0.3)."""
        return self.views([question], params, single=single)[0]

    def views(
        self, questions: list[Question], params: Mapping[str, str], *, single: bool = False
    ) -> list[dict[str, Any]]:
        """`view` of each question; each asker's answered questions counted once."""
        if params.get("api_version") == API_VERSION:
            return [q.as_json(single=single) for q in questions]
        answered: dict[int, int] = {}
        for buyer_id in {q.buyer_id for q in questions}:
            asked = self.by_buyer.get(buyer_id, [])
            answered[buyer_id] = sum(1 for q in asked if q.answer is not None)
        return [q.legacy_json(answered[q.buyer_id]) for q in questions]

    def get(self, question_id: str | int) -> Question:
        if isinstance(question_id, str):
            if not question_id.isdigit():
                raise question_not_found(question_id)
            question_id = int(question_id)
        question = self.questions.get(question_id)
        if question is None:
            raise question_not_found(question_id)
        return question

    # -- search ---------------------------------------------------------------------------

    def parse(self, params: Mapping[str, str], caller: int) -> QuestionQuery:
        seller_id = _int(params, "seller_id")
        item_id = params.get("item") or params.get("item_id") or None
        if seller_id is None and item_id is None:
            raise bad_request("One of the parameters seller_id or item is required")
        if seller_id is not None and seller_id != caller:
            # Questions by seller are the seller's inbox [INF: 403 for another user].
            raise forbidden("The caller is not the seller of these questions")
        status = params.get("status") or None
        if status is not None and status not in QUESTION_STATUSES:
            raise bad_request(f"Invalid status: {status}")
        fields = tuple(f.strip() for f in params.get("sort_fields", "").split(",") if f.strip())
        for field in fields:
            if field not in SORT_FIELDS:
                raise bad_request(f"Invalid sort field: {field}")
        sort_type = params.get("sort_types", "DESC").upper()
        if sort_type not in ("ASC", "DESC"):
            raise bad_request(f"Invalid sort type: {sort_type}")
        limit = _int(params, "limit") or DEFAULT_LIMIT
        if limit > self.config.search_max_limit:
            raise bad_request(f"Limit must be lower or equal than {self.config.search_max_limit}")
        return QuestionQuery(
            seller_id=seller_id,
            item_id=item_id,
            from_id=_int(params, "from"),
            status=status,
            # [INF] the default order: newest first.
            sort_fields=fields or ("date_created",),
            descending=sort_type == "DESC",
            limit=limit,
        )

    def matching(self, query: QuestionQuery) -> list[Question]:
        if query.item_id is not None:
            pool = self.by_item.get(query.item_id, [])
        else:
            assert query.seller_id is not None
            pool = self.by_seller.get(query.seller_id, [])
        found = [q for q in pool if query.accepts(q)]
        found.sort(key=query.key, reverse=query.descending)
        return found

    def search(self, params: Mapping[str, str], caller: int) -> dict[str, Any]:
        """§7: offset paging up to 1000 results, `search_type=scan` beyond (§4.11)."""
        query = self.parse(params, caller)
        scan = params.get("search_type") == "scan" or "scroll_id" in params
        body: dict[str, Any]
        if scan:
            body = self._scan(query, params, caller)
        else:
            offset = _int(params, "offset") or 0
            if offset + query.limit > self.config.search_max_offset:
                raise bad_request(
                    "The sum of offset and limit must be lower or equal than "
                    f"{self.config.search_max_offset}. Use search_type=scan to read further."
                )
            found = self.matching(query)
            page = found[offset : offset + query.limit]
            body = {"total": len(found), "limit": query.limit, "questions": page}
        filters: dict[str, Any] = {
            "limit": query.limit,
            "offset": _int(params, "offset") or 0,
            "api_version": params.get("api_version"),
            "is_admin": False,
            "sorts": list(query.sort_fields),
            "caller": caller,
        }
        if query.item_id is not None:
            filters["item"] = query.item_id
        if query.seller_id is not None:
            filters["seller"] = query.seller_id
        if query.status is not None:
            filters["status"] = query.status
        body["questions"] = self.views(body["questions"], params)
        body["filters"] = filters
        body["available_filters"] = [
            {"id": "from", "name": "From user id", "type": "number"},
            {"id": "seller", "name": "Seller id", "type": "number"},
            {"id": "item", "name": "Item id", "type": "text"},
            {
                "id": "status",
                "name": "Status",
                "type": "text",
                "values": list(QUESTION_STATUSES),
            },
        ]
        body["available_sorts"] = list(SORT_FIELDS)
        return body

    def _scan(self, query: QuestionQuery, params: Mapping[str, str], caller: int) -> dict[str, Any]:
        if "offset" in params:
            raise bad_request("search_type=scan does not accept offset; follow the scroll_id")
        now = self.clock.now()
        scroll_id = params.get("scroll_id")
        if scroll_id:
            scroll = self.scrolls.get(scroll_id)
            if scroll is None or scroll.expires_at <= now or scroll.caller != caller:
                self.scrolls.pop(scroll_id, None)
                raise scroll_expired()
        else:
            scroll_id = secrets.token_hex(16)
            ids = [q.id for q in self.matching(query)]
            scroll = QuestionScroll(ids, 0, caller, now)
        chunk = scroll.ids[scroll.position : scroll.position + query.limit]
        page = [self.questions[i] for i in chunk]
        total = len(scroll.ids)
        if not page:
            # §4.11: at the end, empty results and a null scroll_id.
            self.scrolls.pop(scroll_id, None)
            return {"total": total, "limit": query.limit, "questions": [], "scroll_id": None}
        scroll.position += len(chunk)
        scroll.expires_at = now + self.config.scroll_ttl
        self.scrolls[scroll_id] = scroll
        for key in [k for k, s in self.scrolls.items() if s.expires_at <= now]:
            del self.scrolls[key]
        return {"total": total, "limit": query.limit, "questions": page, "scroll_id": scroll_id}


def _int(params: Mapping[str, str], name: str) -> int | None:
    raw = params.get(name)
    if raw is None or raw == "":
        return None
    if not raw.isdigit():
        raise bad_request(f"Invalid {name}: {raw}")
    return int(raw)


def already_answered(question: Question) -> ApiError:
    """§7: answering twice is undocumented [INF: 400]."""
    return api_error(
        400,
        "bad_request",
        f"Question {question.id} cannot be answered: its status is {question.status}",
    )


# -- §7: the questions blacklist and the response time ------------------------------------


def blocked_json(book: QuestionBook, seller_id: int) -> dict[str, Any]:
    """GET /users/{seller}/questions_blacklist [OBS: the shape; as the block-api search,
    `{users: [{id, blocked_at}], paging}`]."""
    blocked = book.blacklists.get(seller_id, {})
    users = [{"id": user_id, "blocked_at": iso(at)} for user_id, at in sorted(blocked.items())]
    return {"users": users, "paging": {"total": len(users), "offset": 0, "limit": len(users)}}


def block(book: QuestionBook, seller_id: int, buyer_id: int) -> None:
    if buyer_id == seller_id:
        raise bad_request("A seller cannot block himself")
    book.blacklists.setdefault(seller_id, {}).setdefault(buyer_id, book.clock.now())


def unblock(book: QuestionBook, seller_id: int, buyer_id: int) -> None:
    if book.blacklists.get(seller_id, {}).pop(buyer_id, None) is None:
        raise not_found(f"User {buyer_id} is not blocked by user {seller_id}")


def is_blocked(book: QuestionBook, seller_id: int, buyer_id: int) -> bool:
    return buyer_id in book.blacklists.get(seller_id, {})


def response_time_json(book: QuestionBook, seller_id: int) -> dict[str, Any]:
    """§7 GET /users/{id}/questions/response_time, in minutes: the mean time to answer of
    the seller's answered questions, overall and by when they were asked (weekends,
    weekdays 9-18 and the other weekday hours, in UTC [INF]); 404 with the documented
    body when the seller answered none."""
    spans: dict[str, list[float]] = {"total": [], "weekend": [], "working": [], "extra": []}
    for question in book.by_seller.get(seller_id, []):
        if question.answer is None:
            continue
        minutes = max(0.0, (question.answer.date_created - question.date_created) / 60)
        asked = datetime.fromtimestamp(question.date_created, UTC)
        spans["total"].append(minutes)
        if asked.weekday() >= 5:
            spans["weekend"].append(minutes)
        elif 9 <= asked.hour < 18:
            spans["working"].append(minutes)
        else:
            spans["extra"].append(minutes)
    if not spans["total"]:
        raise api_error(404, "not_found", f"Response time not found for user id: {seller_id}")

    def mean(values: list[float]) -> int | None:
        return round(sum(values) / len(values)) if values else None

    return {
        "user_id": seller_id,
        "total": {"response_time": mean(spans["total"])},
        "weekend": {"response_time": mean(spans["weekend"]), "sales_percent_increase": None},
        "weekdays_working_hours": {
            "response_time": mean(spans["working"]),
            "sales_percent_increase": None,
        },
        "weekdays_extra_hours": {
            "response_time": mean(spans["extra"]),
            "sales_percent_increase": None,
        },
    }
