"""Prometheus metrics of the notification pipeline: what the use cases report through
the PipelineEvents port.

Counters live in the process that does the work: notifications received live are counted
by the API; processing, recovery and deliveries by whichever process runs the jobs (the
API itself without Redis; with Redis, `meli worker`, which serves them on its own port).
"""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter

from domain.notifications import Topic

# Labels stay bounded whatever a caller sends.
_KNOWN_TOPICS = frozenset(topic.value for topic in Topic)


def _topic(topic: str) -> str:
    return topic if topic in _KNOWN_TOPICS else "other"


class PipelineMetrics:
    """PipelineEvents as Prometheus counters."""

    def __init__(self, registry: CollectorRegistry) -> None:
        self.received_total = Counter(
            "meli_notifications_received_total",
            "Notifications stored for processing, by topic and origin (live: MercadoLibre "
            "delivered it; recovered: read back from the missed feeds)",
            ["topic", "origin"],
            registry=registry,
        )
        self.duplicates_total = Counter(
            "meli_notifications_duplicates_total",
            "Notifications acknowledged as duplicates (same id, or resource already pending)",
            ["topic", "origin"],
            registry=registry,
        )
        self.rejected_total = Counter(
            "meli_notifications_rejected_total",
            "Notifications refused: foreign_application, unknown_seller, "
            "disconnected_seller, source_address, unknown_topic, unexpected_resource",
            ["reason"],
            registry=registry,
        )
        self.processed_total = Counter(
            "meli_notifications_processed_total",
            "Processing attempts by outcome (processed, coalesced, gone, retry, dead, superseded)",
            ["topic", "outcome"],
            registry=registry,
        )
        self.deliveries_total = Counter(
            "meli_webhook_deliveries_total",
            "Attempts to deliver events to subscribers, by outcome",
            ["outcome"],
            registry=registry,
        )

    def received(self, topic: str, origin: str) -> None:
        self.received_total.labels(_topic(topic), origin).inc()

    def duplicate(self, topic: str, origin: str) -> None:
        self.duplicates_total.labels(_topic(topic), origin).inc()

    def rejected(self, reason: str) -> None:
        self.rejected_total.labels(str(reason)).inc()

    def processed(self, topic: str, outcome: str) -> None:
        self.processed_total.labels(_topic(topic), str(outcome)).inc()

    def delivered(self, outcome: str) -> None:
        self.deliveries_total.labels(outcome).inc()
