"""Fixtures shared by every test layer.

Tests that need PostgreSQL or Redis read MELI_TEST_DATABASE_URL / MELI_TEST_REDIS_URL.
Without them they skip with the reason, unless MELI_TEST_REQUIRE_SERVICES=1 (CI), where a
missing service is a failure: a green CI run always exercised the real services.
"""

from __future__ import annotations

import os

import pytest

REQUIRE_SERVICES = os.environ.get("MELI_TEST_REQUIRE_SERVICES") == "1"


def service_url(variable: str, what: str) -> str:
    url = os.environ.get(variable)
    if not url:
        message = f"{what} not configured: set {variable} to run this test"
        if REQUIRE_SERVICES:
            pytest.fail(f"{message} (MELI_TEST_REQUIRE_SERVICES=1 forbids skipping)")
        pytest.skip(message)
    return url


@pytest.fixture(scope="session")
def postgres_url() -> str:
    return service_url("MELI_TEST_DATABASE_URL", "PostgreSQL")


@pytest.fixture(scope="session")
def redis_url() -> str:
    return service_url("MELI_TEST_REDIS_URL", "Redis")
