"""Prometheus: every collector of the service, in one registry per process.

The use cases and the gateway report through ports (application.ports.events); the
collectors here count what they report. Collectors that only some processes feed are
registered when first used, so a process never reports a family it does not measure (a
worker has no HTTP routes and counts no accounts).
"""

from __future__ import annotations

from functools import cached_property

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest

from adapters.metrics.business import BusinessMetrics
from adapters.metrics.gateway import GatewayMetrics
from adapters.metrics.http import HttpMetrics
from adapters.metrics.operations import OperationsMetrics, TokenRefreshMetrics
from adapters.metrics.pipeline import PipelineMetrics

__all__ = ["CONTENT_TYPE", "PrometheusMetrics"]

CONTENT_TYPE = CONTENT_TYPE_LATEST


class PrometheusMetrics:
    """The process's registry and its collectors."""

    def __init__(self, registry: CollectorRegistry | None = None) -> None:
        self.registry = registry or CollectorRegistry()

    @cached_property
    def pipeline(self) -> PipelineMetrics:
        return PipelineMetrics(self.registry)

    @cached_property
    def gateway(self) -> GatewayMetrics:
        return GatewayMetrics(self.registry)

    @cached_property
    def http(self) -> HttpMetrics:
        return HttpMetrics(self.registry)

    @cached_property
    def operations(self) -> OperationsMetrics:
        return OperationsMetrics(self.registry)

    @cached_property
    def business(self) -> BusinessMetrics:
        return BusinessMetrics(self.registry)

    @cached_property
    def token_refreshes(self) -> TokenRefreshMetrics:
        return TokenRefreshMetrics(self.registry)

    def register(self, *families: str) -> None:
        """Register these collectors now (`pipeline`, `gateway`...), so that a scrape
        before their first event already finds them."""
        for family in families:
            getattr(self, family)

    def render(self) -> bytes:
        """Everything registered, in Prometheus' text format (CONTENT_TYPE)."""
        return generate_latest(self.registry)
