"""The MercadoLibre gateway for questions and answers (mercadolibre-api.md §7), as the use
cases see it. Errors as for application.ports.marketplace; every read asks for the
`api_version=4` shape and reads the older one too (§0.3)."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

import attrs

from domain.questions import Question


@attrs.define(frozen=True)
class QuestionPage:
    """One page of a question search. `scroll_id` is set in scan mode until the end (a
    page without questions), and None with offset paging."""

    questions: tuple[Question, ...]
    total: int
    scroll_id: str | None = None
    # Results that could not be read as a question (one bad record is its own error).
    unreadable: tuple[str, ...] = ()


@attrs.define(frozen=True)
class ResponseTime:
    """§7 GET /users/{id}/questions/response_time, in minutes (None: not given)."""

    total: float | None
    weekend: float | None = None
    weekdays_working_hours: float | None = None
    weekdays_extra_hours: float | None = None


@attrs.define(frozen=True)
class BlockedBuyer:
    user_id: int
    blocked_at: datetime | None = None


class QuestionGateway(Protocol):
    """Calls on behalf of a connected account (its token, one renewal after a 401)."""

    async def search(
        self,
        account_id: int,
        seller_id: int,
        *,
        status: str | None = None,
        offset: int = 0,
        limit: int = 50,
    ) -> QuestionPage:
        """GET /questions/search?seller_id=&api_version=4, newest first, with offset paging
        (offset + limit at most 1000, §4.11). Idempotent."""
        ...

    async def scan(
        self,
        account_id: int,
        seller_id: int,
        *,
        status: str | None = None,
        scroll_id: str | None = None,
        limit: int = 100,
    ) -> QuestionPage:
        """The same search with `search_type=scan` (§4.11, §7), past 1,000 results: the
        first call without `scroll_id`, each next one with the latest. Raises
        ScrollExpired when the scroll is gone (it lives 5 minutes). Idempotent."""
        ...

    async def get(self, account_id: int, question_id: int) -> Question:
        """GET /questions/{id}?api_version=4. Raises NotFound. Idempotent."""
        ...

    async def answer(self, account_id: int, question_id: int, text: str) -> Question:
        """POST /answers {question_id, text}: the question with its answer. NOT
        idempotent: never repeated by the gateway once sent (a time-out or a 5xx is
        Unavailable, and whether MercadoLibre took it is unknown: read the question back).
        MercadoLibre's refusals (a second answer, a closed or banned listing) are
        ValidationFailed / Forbidden / NotFound with its message."""
        ...

    async def delete(self, account_id: int, question_id: int) -> None:
        """DELETE /questions/{id} (the seller's own item). Raises NotFound. Idempotent."""
        ...

    async def block_buyer(self, account_id: int, seller_id: int, buyer_id: int) -> None:
        """POST /users/{seller_id}/questions_blacklist {user_id}: the buyer can no longer
        ask the seller. Idempotent (blocking twice is the same)."""
        ...

    async def unblock_buyer(self, account_id: int, seller_id: int, buyer_id: int) -> None:
        """DELETE /users/{seller_id}/questions_blacklist/{buyer_id}. Raises NotFound if the
        buyer was not blocked. Idempotent otherwise."""
        ...

    async def blocked_buyers(self, account_id: int, seller_id: int) -> tuple[BlockedBuyer, ...]:
        """GET /users/{seller_id}/questions_blacklist. Idempotent."""
        ...

    async def response_time(self, account_id: int, seller_id: int) -> ResponseTime | None:
        """GET /users/{seller_id}/questions/response_time; None when MercadoLibre has none
        for the seller (its 404). Idempotent."""
        ...

    async def user_nickname(self, account_id: int, user_id: int) -> str | None:
        """The nickname of a MercadoLibre user (GET /users/{id}, public, §3); None when
        the user is unknown. Idempotent."""
        ...
