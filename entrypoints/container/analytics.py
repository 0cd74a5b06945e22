"""Use cases of analytics: the dashboard's figures, sales, top listings, the roll-up."""

from __future__ import annotations

from dependency_injector import providers

from application.analytics.get_dashboard_stats import GetDashboardStats
from application.analytics.get_reputation import GetReputation
from application.analytics.get_sales_report import GetSalesReport
from application.analytics.get_top_listings import GetTopListings
from application.analytics.get_visits import GetVisits
from application.analytics.read_business_figures import ReadBusinessFigures
from application.analytics.rebuild_analytics import RebuildAnalytics
from application.analytics.record_reputations import RecordReputations
from application.analytics.record_visits import RecordVisits
from entrypoints.container.orders import OrderUseCases

B = OrderUseCases
uow = B.unit_of_work.provider


class AnalyticsUseCases(OrderUseCases):
    dashboard_stats = providers.Factory(GetDashboardStats, uow, B.clock)
    sales_report = providers.Factory(GetSalesReport, uow, B.clock)
    top_listings = providers.Factory(GetTopListings, uow, B.clock)
    rebuild_analytics = providers.Factory(RebuildAnalytics, uow)
    reputation = providers.Factory(
        GetReputation, uow, B.analytics_gateway, B.metrics.provided.business
    )
    read_business_figures = providers.Factory(ReadBusinessFigures, uow, B.clock)
    visits = providers.Factory(GetVisits, uow, B.clock)
    record_visits = providers.Factory(RecordVisits, uow, B.analytics_gateway, B.clock)
    record_reputations = providers.Factory(
        RecordReputations, uow, B.analytics_gateway, B.clock, B.metrics.provided.business
    )
