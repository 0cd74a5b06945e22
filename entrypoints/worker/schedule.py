"""The periodic jobs and their intervals (configurable through the settings)."""

from __future__ import annotations

from entrypoints.settings import Settings
from entrypoints.worker.actors import REFRESH_TOKENS
from entrypoints.worker.scheduler import PeriodicJob


def periodic_jobs(settings: Settings) -> list[PeriodicJob]:
    """Every periodic job of the service; each is also triggerable by hand."""
    return [PeriodicJob("tokens", REFRESH_TOKENS, settings.token_refresh_interval)]
