"""QuestionGateway over HTTP (mercadolibre-api.md §7): searches (offset and scan), one
question, answers, deletion, the questions blacklist and the response time. Every call
goes through AccountCalls; every read asks for `api_version=4` (§0.3) and reads the older
shape too (question_mapping.py)."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from adapters.mercadolibre.account_calls import AccountCalls
from adapters.mercadolibre.question_mapping import (
    clean_text,
    read_id,
    read_question,
    read_when,
)
from application.errors import (
    NotFound,
    ScrollExpired,
    Unavailable,
    ValidationFailed,
)
from application.ports.question_gateway import BlockedBuyer, QuestionPage, ResponseTime
from domain.questions import Question

log = logging.getLogger(__name__)

API_VERSION = "4"
SCAN_MAX_LIMIT = 100  # §4.11
MAX_OFFSET = 1000  # §4.11: offset + limit past 1,000 needs scan


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)


def _minutes(body: Mapping[str, Any], key: str) -> float | None:
    part = body.get(key)
    return _number(part.get("response_time")) if isinstance(part, Mapping) else None


def _total(body: Mapping[str, Any], fallback: int) -> int:
    paging = body.get("paging")
    total = paging.get("total") if isinstance(paging, Mapping) else body.get("total")
    return total if isinstance(total, int) and not isinstance(total, bool) else fallback


class AiohttpQuestionGateway:
    """QuestionGateway over HTTP."""

    def __init__(self, calls: AccountCalls) -> None:
        self._calls = calls

    def _page(self, body: Any, account_id: int, what: str, scan: bool) -> QuestionPage:
        results = body.get("questions") if isinstance(body, Mapping) else None
        if not isinstance(results, list):
            raise Unavailable(f"{what} answered without a list of questions")
        questions: list[Question] = []
        unreadable: list[str] = []
        for result in results:
            try:
                questions.append(read_question(result, account_id, what))
            except Unavailable as error:
                unreadable.append(str(error))
        scroll_id = body.get("scroll_id") if scan and results else None
        return QuestionPage(
            tuple(questions),
            _total(body, len(results)),
            scroll_id if isinstance(scroll_id, str) and scroll_id else None,
            tuple(unreadable),
        )

    @staticmethod
    def _params(seller_id: int, status: str | None, limit: int) -> dict[str, str | int]:
        params: dict[str, str | int] = {
            "seller_id": int(seller_id),
            "api_version": API_VERSION,
            "sort_fields": "date_created",
            "sort_types": "DESC",
            "limit": limit,
        }
        if status is not None:
            params["status"] = status
        return params

    async def search(
        self,
        account_id: int,
        seller_id: int,
        *,
        status: str | None = None,
        offset: int = 0,
        limit: int = 50,
    ) -> QuestionPage:
        """§7 GET /questions/search?seller_id=&api_version=4, newest first."""
        if offset < 0 or not 1 <= limit or offset + limit > MAX_OFFSET:
            raise ValueError(f"offset + limit stay within {MAX_OFFSET} (§4.11); scan beyond")
        params = {**self._params(seller_id, status, limit), "offset": offset}
        body = await self._calls.get(account_id, "/questions/search", params)
        return self._page(body, account_id, "GET /questions/search", scan=False)

    async def scan(
        self,
        account_id: int,
        seller_id: int,
        *,
        status: str | None = None,
        scroll_id: str | None = None,
        limit: int = SCAN_MAX_LIMIT,
    ) -> QuestionPage:
        """§4.11, §7: search_type=scan; the end is a page without questions (and a null
        scroll_id). An unknown or expired scroll is a 400 about the scroll [INF]."""
        if not 1 <= limit <= SCAN_MAX_LIMIT:
            raise ValueError(f"a scan page holds 1 to {SCAN_MAX_LIMIT} questions, not {limit}")
        params = {**self._params(seller_id, status, limit), "search_type": "scan"}
        if scroll_id is not None:
            params["scroll_id"] = scroll_id
        try:
            body = await self._calls.get(account_id, "/questions/search", params)
        except (ValidationFailed, NotFound) as error:
            if scroll_id is not None and "scroll" in str(error).lower():
                raise ScrollExpired(
                    f"MercadoLibre no longer knows the question scan of seller {seller_id}: {error}"
                ) from error
            raise
        return self._page(body, account_id, "GET /questions/search", scan=True)

    async def get(self, account_id: int, question_id: int) -> Question:
        """§7 GET /questions/{id}?api_version=4."""
        path = f"/questions/{int(question_id)}"
        body = await self._calls.get(account_id, path, {"api_version": API_VERSION})
        return read_question(body, account_id, f"GET {path}")

    async def answer(self, account_id: int, question_id: int, text: str) -> Question:
        """§7 POST /answers {question_id, text}: sent once, never repeated here (the
        client retries a POST only when it could not even connect)."""
        body = await self._calls.send(
            account_id, "POST", "/answers", {"question_id": int(question_id), "text": text}
        )
        if isinstance(body, Mapping) and body.get("id") is not None:
            return read_question(body, account_id, "POST /answers")
        # §13: the answer's body is not documented for sure; read the question instead.
        return await self.get(account_id, question_id)

    async def delete(self, account_id: int, question_id: int) -> None:
        """§7 DELETE /questions/{id} -> ["Question deleted."]."""
        await self._calls.call(account_id, "DELETE", f"/questions/{int(question_id)}")

    async def block_buyer(self, account_id: int, seller_id: int, buyer_id: int) -> None:
        """§7 POST /users/{seller_id}/questions_blacklist {"user_id"} [OBS]."""
        await self._calls.send(
            account_id,
            "POST",
            f"/users/{int(seller_id)}/questions_blacklist",
            {"user_id": int(buyer_id)},
            idempotent=True,
        )

    async def unblock_buyer(self, account_id: int, seller_id: int, buyer_id: int) -> None:
        """§7 DELETE /users/{seller_id}/questions_blacklist/{user_id}."""
        await self._calls.call(
            account_id, "DELETE", f"/users/{int(seller_id)}/questions_blacklist/{int(buyer_id)}"
        )

    async def blocked_buyers(self, account_id: int, seller_id: int) -> tuple[BlockedBuyer, ...]:
        """§7 GET /users/{seller_id}/questions_blacklist: a list of users, bare or under
        `users` (the shape is only observed, so both are read)."""
        path = f"/users/{int(seller_id)}/questions_blacklist"
        body = await self._calls.get(account_id, path)
        users = body.get("users") if isinstance(body, Mapping) else body
        if not isinstance(users, list):
            raise Unavailable(f"GET {path} answered without a list of users")
        found = []
        for user in users:
            user_id = read_id(user.get("id") if isinstance(user, Mapping) else user)
            if user_id is None and isinstance(user, Mapping):
                user_id = read_id(user.get("user_id"))
            if user_id is None:
                log.warning("GET %s: skipped an entry without a user id", path)
                continue
            blocked_at = read_when(user.get("blocked_at")) if isinstance(user, Mapping) else None
            found.append(BlockedBuyer(user_id, blocked_at))
        return tuple(found)

    async def response_time(self, account_id: int, seller_id: int) -> ResponseTime | None:
        """§7 GET /users/{id}/questions/response_time (minutes); 404 when none."""
        path = f"/users/{int(seller_id)}/questions/response_time"
        try:
            body = await self._calls.get(account_id, path)
        except NotFound:
            return None
        if not isinstance(body, Mapping):
            raise Unavailable(f"GET {path} answered something other than an object")
        return ResponseTime(
            total=_minutes(body, "total"),
            weekend=_minutes(body, "weekend"),
            weekdays_working_hours=_minutes(body, "weekdays_working_hours"),
            weekdays_extra_hours=_minutes(body, "weekdays_extra_hours"),
        )

    async def user_nickname(self, account_id: int, user_id: int) -> str | None:
        """§3 GET /users/{id} (public)."""
        try:
            body = await self._calls.get(account_id, f"/users/{int(user_id)}")
        except NotFound:
            return None
        nickname = body.get("nickname") if isinstance(body, Mapping) else None
        return clean_text(nickname) if isinstance(nickname, str) and nickname else None
