from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import aiohttp

USER_AGENT = "meli-integration/0.1 (+aiohttp)"


def create_session(
    *,
    total_timeout: float = 30.0,
    connect_timeout: float = 5.0,
    read_timeout: float = 25.0,
    connections: int = 100,
    connections_per_host: int = 32,
) -> aiohttp.ClientSession:
    """The one HTTP session of the process, for every MercadoLibre call.

    Call it from the running event loop at start-up (the composition root does) and
    close it at shutdown; never at import time. The timeouts bound one attempt, the
    gateway's retries come on top. Connection limits cap what a burst of jobs can open
    against api.mercadolibre.com; the shared rate limiter is what paces the calls.
    """
    return aiohttp.ClientSession(
        timeout=aiohttp.ClientTimeout(
            total=total_timeout, sock_connect=connect_timeout, sock_read=read_timeout
        ),
        connector=aiohttp.TCPConnector(
            limit=connections, limit_per_host=connections_per_host, ttl_dns_cache=300
        ),
        headers={"User-Agent": USER_AGENT, "Accept": "application/json"},
        raise_for_status=False,
    )


async def session_resource(**options: Any) -> AsyncIterator[aiohttp.ClientSession]:
    """`create_session` as a dependency-injector Resource: closed at shutdown."""
    session = create_session(**options)
    try:
        yield session
    finally:
        await session.close()
