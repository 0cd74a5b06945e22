"""Use cases of running the service: health, metrics figures, the periodic jobs and the
sweep that puts lost work back, sync logs."""

from __future__ import annotations

from dependency_injector import providers

from application.inventory.count_low_stock import CountLowStock
from application.operations.check_health import CheckHealth
from application.operations.fan_out import FanOut
from application.operations.report_gauges import ReportGauges
from application.operations.requeue_lost_work import RequeueLostWork
from application.operations.run_periodic_job import RunPeriodicJob
from application.operations.schedule import Intervals, periodic_jobs
from application.quota.plan_periodic_work import PlanPeriodicWork, QuotaSettings
from application.sync_logs.get_sync_log import GetSyncLog
from application.sync_logs.list_sync_logs import ListSyncLogs
from domain.quota_plan import PlannedKind
from entrypoints.container.infrastructure import seconds
from entrypoints.container.notifications import NotificationUseCases
from entrypoints.settings import Settings

N = NotificationUseCases
uow = N.unit_of_work.provider


def intervals(settings: Settings) -> Intervals:
    return Intervals(
        tokens=settings.token_refresh_interval,
        products=settings.sync_products_interval,
        inventory=settings.sync_inventory_interval,
        orders=settings.sync_orders_interval,
        questions=settings.sync_questions_interval,
        sweep=settings.sweep_interval,
        missed_feeds=settings.missed_feeds_interval,
        messages=settings.sync_messages_interval,
        reputation=settings.reputation_interval,
    )


def quota_settings(settings: Settings) -> QuotaSettings:
    return QuotaSettings(
        quota_per_hour=settings.quota_calls_per_hour,
        budget_share=settings.periodic_budget,
        intervals={
            PlannedKind.PRODUCTS: settings.sync_products_interval,
            PlannedKind.INVENTORY: settings.sync_inventory_interval,
            PlannedKind.ORDERS: settings.sync_orders_interval,
            PlannedKind.QUESTIONS: settings.sync_questions_interval,
            PlannedKind.MISSED_FEEDS: settings.missed_feeds_interval,
            PlannedKind.MESSAGES: settings.sync_messages_interval,
            PlannedKind.REPUTATION: settings.reputation_interval,
        },
        calls_per_second=settings.rate_limit_per_second,
    )


class OperationUseCases(NotificationUseCases):
    plan_periodic_work = providers.Factory(
        PlanPeriodicWork,
        uow,
        providers.Callable(quota_settings, N.settings),
        N.clock,
        N.rate_limiter,
    )
    check_health = providers.Factory(
        CheckHealth,
        probes=providers.List(N.database_probe, N.broker_probe),
        clock=N.clock,
        planner=plan_periodic_work,
    )
    report_gauges = providers.Factory(
        ReportGauges,
        N.count_accounts,
        N.count_open_dead_letters,
        N.metrics.provided.operations,
        plan_periodic_work,
        providers.Factory(CountLowStock, uow),
        business=N.read_business_figures,
        business_gauges=N.metrics.provided.business,
    )
    periodic_jobs = providers.Singleton(periodic_jobs, providers.Callable(intervals, N.settings))
    run_periodic_job = providers.Factory(RunPeriodicJob, periodic_jobs, N.job_queue)
    fan_out = providers.Factory(FanOut, uow, N.clock, plan_periodic_work)
    requeue_lost_work = providers.Factory(
        RequeueLostWork,
        uow,
        N.job_queue,
        N.clock,
        grace=providers.Callable(seconds, N.settings.provided.inbox_grace),
    )
    list_sync_logs = providers.Factory(ListSyncLogs, uow)
    get_sync_log = providers.Factory(GetSyncLog, uow)
