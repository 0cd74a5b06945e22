from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Histogram

_LATENCY_BUCKETS = (0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)
_WAIT_BUCKETS = (0.0, 0.01, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 15.0, 60.0)


class GatewayMetrics:
    """GatewayEvents as Prometheus metrics, registered on `registry`.

    - meli_api_calls_total{family,method,status}: one per HTTP attempt; status is the
      HTTP status, or `connection_error` / `timeout` when no answer came.
    - meli_api_call_duration_seconds{family,method}: latency of each attempt.
    - meli_api_retries_total{family,reason}: reason is `rate_limited` (429),
      `server_error` (5xx), `connection_error` or `timeout`.
    - meli_rate_limiter_wait_seconds{key}: time spent waiting for the shared limiter.
    - meli_quota_permits_total{call_class,account}: permits of the hourly call quota this
      process took, by priority class and account (`none`: the application's own).
    """

    def __init__(self, registry: CollectorRegistry) -> None:
        self.calls = Counter(
            "meli_api_calls",
            "MercadoLibre API calls (attempts) by endpoint family, method and status.",
            ["family", "method", "status"],
            registry=registry,
        )
        self.latency = Histogram(
            "meli_api_call_duration_seconds",
            "Latency of MercadoLibre API attempts.",
            ["family", "method"],
            buckets=_LATENCY_BUCKETS,
            registry=registry,
        )
        self.retries = Counter(
            "meli_api_retries",
            "MercadoLibre API attempts retried, by endpoint family and reason.",
            ["family", "reason"],
            registry=registry,
        )
        self.limiter_wait = Histogram(
            "meli_rate_limiter_wait_seconds",
            "Seconds waited for the shared MercadoLibre rate limiter.",
            ["key"],
            buckets=_WAIT_BUCKETS,
            registry=registry,
        )
        self.permits = Counter(
            "meli_quota_permits",
            "Permits of the hourly MercadoLibre call quota, by priority class and account.",
            ["call_class", "account"],
            registry=registry,
        )

    def permit(self, call_class: str, account_id: int | None) -> None:
        self.permits.labels(call_class, "none" if account_id is None else str(account_id)).inc()

    def call(self, family: str, method: str, status: str, seconds: float) -> None:
        self.calls.labels(family, method, status).inc()
        self.latency.labels(family, method).observe(seconds)

    def retry(self, family: str, reason: str) -> None:
        self.retries.labels(family, reason).inc()

    def waited(self, key: str, seconds: float) -> None:
        self.limiter_wait.labels(key).observe(seconds)
