"""The periodic jobs and their intervals (configurable through the settings)."""

from __future__ import annotations

from entrypoints.settings import Settings
from entrypoints.worker.scheduler import PeriodicJob


def periodic_jobs(settings: Settings) -> list[PeriodicJob]:
    """Every periodic job of the service; each is also triggerable by hand."""
    return []
