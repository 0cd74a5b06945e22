"""The periodic `reputation` job on the in-memory adapters: every active account's
reputation (§3 GET /users/{id}) is read and stored, and the metrics of any process show
the stored level, not only the one that served GET /analytics/reputation."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime
from decimal import Decimal

from prometheus_client import CollectorRegistry

from adapters.memory import InMemoryJobQueue, InMemoryStore, InMemoryUnitOfWork
from adapters.metrics.business import BusinessMetrics
from adapters.metrics.operations import OperationsMetrics
from adapters.system.clock import ManualClock
from application.accounts.count_accounts import CountAccountsByStatus
from application.analytics.read_business_figures import ReadBusinessFigures
from application.analytics.record_reputations import RecordReputations
from application.dead_letters.count_open_dead_letters import CountOpenDeadLetters
from application.errors import NotFound, Unavailable
from application.operations.report_gauges import ReportGauges
from domain.accounts import Account, AccountStatus
from domain.reputation import GREEN_LIMITS, RateMetric, Reputation

NOW = datetime(2026, 12, 1, 15, tzinfo=UTC)


class SellersReputations:
    """AnalyticsGateway as MercadoLibre answers it for our sellers: each seller's
    reputation, or the error MercadoLibre gives for it."""

    def __init__(self) -> None:
        self.reputations: dict[int, Reputation | Exception] = {}
        self.calls: list[int] = []

    async def seller_reputation(self, account_id: int, seller_id: int) -> Reputation:
        self.calls.append(seller_id)
        found = self.reputations.get(seller_id)
        if found is None:
            raise NotFound("user", seller_id)
        if isinstance(found, Exception):
            raise found
        return found

    async def item_visits(
        self, account_id: int, item_ids: Sequence[str], day: date
    ) -> Mapping[str, int]:
        return {}

    async def seller_visits(self, account_id: int, seller_id: int, day: date) -> int:
        return 0


def reputation(level_id: str | None, claims: str = "0.004") -> Reputation:
    return Reputation(
        level_id,
        "gold" if level_id == "5_green" else None,
        120,
        (RateMetric("claims", Decimal(claims), 1, "60 days", GREEN_LIMITS["claims"]),),
    )


def level_shown(registry: CollectorRegistry, account_id: int) -> float | None:
    return registry.get_sample_value("meli_reputation_level", {"account": str(account_id)})


class World:
    def __init__(self) -> None:
        self.store = InMemoryStore()
        self.queue = InMemoryJobQueue()
        self.clock = ManualClock(NOW)
        self.gateway = SellersReputations()
        self.registry = CollectorRegistry()
        self.gauges = BusinessMetrics(self.registry)
        self.job = RecordReputations(self.uow, self.gateway, self.clock, self.gauges)

    def uow(self) -> InMemoryUnitOfWork:
        return InMemoryUnitOfWork(self.store, self.queue)

    async def account(self, seller_id: int, status: AccountStatus = AccountStatus.ACTIVE) -> int:
        async with self.uow() as uow:
            account = await uow.accounts.add(
                Account(seller_id, "MLA", f"S{seller_id}", status=status)
            )
            await uow.commit()
        assert account.id is not None
        return account.id

    async def stored_levels(self) -> dict[int, int | None]:
        async with self.uow() as uow:
            return await uow.analytics.reputation_levels(None)


async def test_every_active_accounts_reputation_is_read_stored_and_shown():
    world = World()
    green = await world.account(101)
    new = await world.account(102)
    unauthorised = await world.account(103, AccountStatus.NEEDS_REAUTHORIZATION)
    world.gateway.reputations = {101: reputation("5_green"), 102: reputation(None)}

    assert await world.job() == {green: 5, new: None}

    assert world.gateway.calls == [101, 102]  # one call per active account, none for 103
    assert await world.stored_levels() == {green: 5, new: None}
    assert level_shown(world.registry, green) == 5
    assert level_shown(world.registry, new) == 0  # no level yet
    assert level_shown(world.registry, unauthorised) is None


async def test_a_later_read_replaces_the_stored_one():
    world = World()
    seller = await world.account(101)
    world.gateway.reputations = {101: reputation("5_green")}
    await world.job()
    world.gateway.reputations = {101: reputation("3_yellow", claims="0.02")}
    world.clock.advance(3600)

    assert await world.job() == {seller: 3}
    assert await world.stored_levels() == {seller: 3}
    assert level_shown(world.registry, seller) == 3


async def test_an_account_mercadolibre_refuses_keeps_its_last_reading_and_the_others_go_on():
    world = World()
    failing = await world.account(101)
    fine = await world.account(102)
    world.gateway.reputations = {101: reputation("4_light_green"), 102: reputation("5_green")}
    await world.job()
    world.gateway.reputations = {
        101: Unavailable("MercadoLibre answered 503"),
        102: reputation("2_orange", claims="0.05"),
    }

    assert await world.job() == {fine: 2}
    assert await world.stored_levels() == {failing: 4, fine: 2}


async def test_another_processs_scrape_shows_the_levels_the_job_stored():
    world = World()
    seller = await world.account(101)
    world.gateway.reputations = {101: reputation("4_light_green")}
    await world.job()

    # The API process: its own registry, never told by the worker that ran the job.
    registry = CollectorRegistry()
    report = ReportGauges(
        CountAccountsByStatus(world.uow),
        CountOpenDeadLetters(world.uow),
        OperationsMetrics(registry),
        business=ReadBusinessFigures(world.uow, world.clock),
        business_gauges=BusinessMetrics(registry),
    )
    assert level_shown(registry, seller) is None
    await report()
    assert level_shown(registry, seller) == 4
