from __future__ import annotations

import statistics
from datetime import timedelta

from application.errors import ApplicationError
from application.ports.clock import Clock
from application.ports.question_gateway import QuestionGateway, ResponseTime
from application.ports.unit_of_work import UnitOfWorkFactory
from application.questions.views import QuestionStats


def _percentile(values: list[float], fraction: float) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(fraction * (len(ordered) - 1))))
    return ordered[index]


class GetQuestionStats:
    """How the account answers: questions waiting now, the median and 90th percentile of
    the time to answer the questions answered in the last `days`, how many of those the
    rules and people answered here (the rest elsewhere), and MercadoLibre's own response
    time (§7, minutes, updated daily; absent when it has none or cannot be reached)."""

    def __init__(self, uow: UnitOfWorkFactory, gateway: QuestionGateway, clock: Clock) -> None:
        self._uow = uow
        self._gateway = gateway
        self._clock = clock

    async def __call__(self, account_id: int, days: int = 30) -> QuestionStats:
        since = self._clock.now() - timedelta(days=days)
        async with self._uow() as uow:
            account = await uow.accounts.get(account_id)
            unanswered = await uow.questions.count_awaiting(account_id)
            times = await uow.questions.answered_since(account_id, since)
        waits = list(times.waits_seconds)
        response_time: ResponseTime | None = None
        error = None
        try:
            response_time = await self._gateway.response_time(account_id, account.seller_id)
        except ApplicationError as failure:
            error = f"{type(failure).__name__}: {failure}"
        return QuestionStats(
            account_id=account_id,
            window_days=days,
            unanswered=unanswered,
            answered=len(waits),
            median_seconds=statistics.median(waits) if waits else None,
            p90_seconds=_percentile(waits, 0.9),
            by_rule=times.by_rule,
            by_hand=times.by_hand,
            elsewhere=max(0, len(waits) - times.by_rule - times.by_hand),
            response_time=response_time,
            response_time_error=error,
        )
