"""BusinessGauges: the sellers' figures as Prometheus families, from the latest report.

A collector of its own: the figures are replaced whole at each report (an order status or
currency that disappears leaves the families), and the answer times are a gauge
histogram (the questions answered in the last 7 days, bucketed now), not a counter that
each scrape would add to again."""

from __future__ import annotations

from collections.abc import Iterator, Mapping

from prometheus_client import CollectorRegistry
from prometheus_client.metrics_core import (
    GaugeHistogramMetricFamily,
    GaugeMetricFamily,
    Metric,
)
from prometheus_client.registry import Collector

from application.ports.events import BusinessFigures

# Minutes to answer: MercadoLibre's reputation and buyers care about the first hours.
ANSWER_BUCKETS_SECONDS = (300, 900, 1800, 3600, 3 * 3600, 6 * 3600, 12 * 3600, 24 * 3600)


class BusinessMetrics(Collector):
    def __init__(self, registry: CollectorRegistry) -> None:
        self._figures: BusinessFigures | None = None
        self._levels: dict[int, int | None] = {}
        registry.register(self)

    def business(self, figures: BusinessFigures) -> None:
        self._figures = figures

    def reputation(self, levels: Mapping[int, int | None]) -> None:
        self._levels.update(levels)

    def collect(self) -> Iterator[Metric]:
        figures = self._figures
        if figures is not None:
            orders = GaugeMetricFamily(
                "meli_orders_last_30_days",
                "Orders created in the last 30 days, by status",
                labels=["status"],
            )
            for status, count in sorted(figures.orders_by_status.items()):
                orders.add_metric([status], count)
            yield orders
            sales = GaugeMetricFamily(
                "meli_sales_last_30_days",
                "Sales of the last 30 days (gross less refunds), by currency; never added "
                "across currencies",
                labels=["currency"],
            )
            for currency, amount in sorted(figures.sales_by_currency.items()):
                sales.add_metric([currency], float(amount))
            yield sales
            yield GaugeMetricFamily(
                "meli_unanswered_questions",
                "Questions waiting for an answer now",
                value=figures.unanswered_questions,
            )
            yield GaugeMetricFamily(
                "meli_labels_to_print",
                "Shipments ready to ship whose label waits to be printed",
                value=figures.labels_to_print,
            )
            waits = sorted(figures.answer_waits_seconds)
            buckets = [
                (str(bound), sum(1 for w in waits if w <= bound))
                for bound in ANSWER_BUCKETS_SECONDS
            ]
            buckets.append(("+Inf", len(waits)))
            yield GaugeHistogramMetricFamily(
                "meli_question_answer_seconds",
                "Time to answer the questions answered in the last 7 days",
                buckets=buckets,
                gsum_value=sum(waits),
            )
        if self._levels:
            levels = GaugeMetricFamily(
                "meli_reputation_level",
                "Reputation level as last read, 1 (red) to 5 (green); 0: none yet",
                labels=["account"],
            )
            for account_id, level in sorted(self._levels.items()):
                levels.add_metric([str(account_id)], level or 0)
            yield levels
