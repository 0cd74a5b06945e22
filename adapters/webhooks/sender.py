"""WebhookSender over aiohttp, and the address checks that keep deliveries off private
networks (SSRF): at registration (SystemAddressResolver) and again when connecting (the
session's resolver drops non-public addresses, so a host that changes its DNS after
registering gains nothing)."""

from __future__ import annotations

import asyncio
import ipaddress
import json
import socket
import time
from collections.abc import AsyncIterator, Callable, Mapping
from typing import Any
from urllib.parse import urlsplit

import aiohttp
from aiohttp.abc import AbstractResolver, ResolveResult

from adapters.webhooks.signing import SIGNATURE_HEADER, TIMESTAMP_HEADER, signature
from application.errors import FieldProblem, ValidationFailed
from application.ports.webhooks import SendResult
from application.subscriptions.addresses import is_public_address

USER_AGENT = "meli-integration-webhooks/0.1"
TIMEOUT_SECONDS = 10.0
RESPONSE_LIMIT = 4096  # bytes of a subscriber's answer read, then ignored


def _is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


class PublicOnlyResolver(AbstractResolver):
    """Resolves like aiohttp's default, minus the addresses deliveries may not reach."""

    def __init__(self, allow_private: bool) -> None:
        self._inner = aiohttp.DefaultResolver()
        self._allow_private = allow_private

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        found = await self._inner.resolve(host, port, family)
        if self._allow_private:
            return found
        public = [result for result in found if is_public_address(result["host"])]
        if not public:
            raise OSError(f"{host} resolves only to private, loopback or reserved addresses")
        return public

    async def close(self) -> None:
        await self._inner.close()


class AiohttpWebhookSender:
    """POSTs signed JSON; redirects are not followed (a redirect could lead anywhere)."""

    def __init__(
        self,
        session: aiohttp.ClientSession,
        allow_private: bool = False,
        timeout: float = TIMEOUT_SECONDS,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._session = session
        self._allow_private = allow_private
        self._timeout = timeout
        self._clock = clock

    async def send(
        self, url: str, payload: Mapping[str, object], secret: str, delivery_id: int
    ) -> SendResult:
        host = urlsplit(url).hostname or ""
        if not self._allow_private and _is_ip(host) and not is_public_address(host):
            return SendResult(None, f"{host} is not a public address")
        body = json.dumps(payload, separators=(",", ":"), sort_keys=True, default=str).encode()
        timestamp = int(self._clock())
        headers = {
            "Content-Type": "application/json",
            "User-Agent": USER_AGENT,
            TIMESTAMP_HEADER: str(timestamp),
            SIGNATURE_HEADER: signature(secret, timestamp, body),
            "X-Meli-Event": str(payload.get("id", "")),
            "X-Meli-Topic": str(payload.get("topic", "")),
            "X-Meli-Delivery": str(delivery_id),
        }
        try:
            async with self._session.post(
                url,
                data=body,
                headers=headers,
                allow_redirects=False,
                timeout=aiohttp.ClientTimeout(total=self._timeout),
            ) as response:
                await response.content.read(RESPONSE_LIMIT)
                return SendResult(response.status)
        except TimeoutError:
            return SendResult(None, f"no answer within {self._timeout:g}s")
        except (aiohttp.ClientError, OSError, ValueError) as error:
            return SendResult(None, f"{type(error).__name__}: {error}"[:300])


async def webhook_sender_resource(
    allow_private: bool = False,
) -> AsyncIterator[AiohttpWebhookSender]:
    """The sender with a session of its own, as a dependency-injector Resource."""
    session = aiohttp.ClientSession(
        connector=aiohttp.TCPConnector(
            resolver=PublicOnlyResolver(allow_private), limit=50, limit_per_host=8
        ),
        headers={"User-Agent": USER_AGENT},
    )
    try:
        yield AiohttpWebhookSender(session, allow_private)
    finally:
        await session.close()


class SystemAddressResolver:
    """AddressResolver on the system's resolver (getaddrinfo)."""

    async def addresses(self, host: str) -> list[str]:
        if _is_ip(host):
            return [host]
        loop = asyncio.get_running_loop()
        try:
            infos: list[Any] = await loop.getaddrinfo(host, None, type=socket.SOCK_STREAM)
        except (socket.gaierror, UnicodeError) as error:
            raise ValidationFailed(
                [FieldProblem("callback_url", f"the host {host} does not resolve: {error}")]
            ) from None
        return sorted({str(info[4][0]) for info in infos})
