from __future__ import annotations

import logging

from application.accounts.count_accounts import CountAccountsByStatus
from application.analytics.read_business_figures import ReadBusinessFigures
from application.dead_letters.count_open_dead_letters import CountOpenDeadLetters
from application.errors import Unavailable
from application.inventory.count_low_stock import CountLowStock
from application.ports.events import BusinessGauges, OperationsGauges
from application.quota.plan_periodic_work import PlanPeriodicWork

log = logging.getLogger(__name__)


class ReportGauges:
    """Read from the store the figures a metrics scrape shows (accounts by status, open
    dead letters, stock levels under their low-stock threshold, the quota plan and the
    quota used this hour, the business figures of analytics) and report them. A store
    that does not answer leaves the last figures and is logged: the scrape still gets
    every counter."""

    def __init__(
        self,
        count_accounts: CountAccountsByStatus,
        count_dead_letters: CountOpenDeadLetters,
        gauges: OperationsGauges,
        planner: PlanPeriodicWork | None = None,
        count_low_stock: CountLowStock | None = None,
        business: ReadBusinessFigures | None = None,
        business_gauges: BusinessGauges | None = None,
    ) -> None:
        self._count_accounts = count_accounts
        self._count_dead_letters = count_dead_letters
        self._gauges = gauges
        self._planner = planner
        self._count_low_stock = count_low_stock
        self._business = business
        self._business_gauges = business_gauges

    async def __call__(self) -> None:
        try:
            self._gauges.accounts(await self._count_accounts())
        except Unavailable:
            log.warning("metrics served without account counts: the database is unavailable")
        try:
            self._gauges.open_dead_letters(await self._count_dead_letters())
        except Unavailable:
            log.warning("metrics served without dead letters: the database is unavailable")
        if self._count_low_stock is not None:
            try:
                self._gauges.low_stock(await self._count_low_stock())
            except Unavailable:
                log.warning("metrics served without low stock: the database is unavailable")
        if self._business is not None and self._business_gauges is not None:
            try:
                figures = await self._business()
                self._business_gauges.business(figures)
                # The levels the periodic `reputation` job stored, whichever process read
                # them (GET /analytics/reputation reports its own reads too).
                self._business_gauges.reputation(figures.reputation_levels)
            except Unavailable:
                log.warning("metrics served without sales figures: the database is unavailable")
        if self._planner is None:
            return
        try:
            planned = await self._planner()
        except Unavailable:
            log.warning("metrics served without the quota plan: the database is unavailable")
            return
        plan = planned.plan
        self._gauges.quota_plan(
            {a.account_id: a.staleness_seconds for a in plan.accounts},
            {a.account_id: a.calls_per_hour for a in plan.accounts},
            plan.left_for_people,
        )
        if planned.used_this_hour is not None:
            self._gauges.quota_used({c.value: n for c, n in planned.used_this_hour.items()})
