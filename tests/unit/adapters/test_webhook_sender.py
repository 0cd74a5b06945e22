"""The delivery adapter checks the address again when it connects (SSRF): an IP literal
before anything is sent, a host name through the session's resolver, which drops every
address that is not public, an IPv6 one embedding a private IPv4 address included."""

from __future__ import annotations

import aiohttp
import pytest
from aiohttp import web

from adapters.webhooks.sender import AiohttpWebhookSender, PublicOnlyResolver


class ListedResolver(aiohttp.abc.AbstractResolver):
    """Answers a fixed list of addresses for any host (a DNS record the test controls)."""

    def __init__(self, addresses: list[str]) -> None:
        self.addresses = addresses

    async def resolve(self, host, port=0, family=0):
        return [
            {"hostname": host, "host": a, "port": port, "family": 0, "proto": 0, "flags": 0}
            for a in self.addresses
        ]

    async def close(self) -> None:
        return None


@pytest.fixture
async def hits(aiohttp_server):
    """A subscriber on 127.0.0.1 that counts what reaches it."""
    received: list[str] = []

    async def hook(request: web.Request) -> web.Response:
        received.append(request.path)
        return web.Response()

    app = web.Application()
    app.router.add_post("/hook", hook)
    server = await aiohttp_server(app)
    return received, server.port


@pytest.mark.parametrize(
    "host",
    ["[2002:7f00:1::]", "[64:ff9b::7f00:1]", "[::ffff:127.0.0.1]", "[::127.0.0.1]", "127.0.0.1"],
)
async def test_a_literal_address_that_is_or_embeds_loopback_is_never_called(host, hits):
    received, port = hits
    async with aiohttp.ClientSession() as session:
        sender = AiohttpWebhookSender(session)
        result = await sender.send(f"http://{host}:{port}/hook", {"id": "e1"}, "s", 1)
    assert result.status is None and "not a public address" in (result.error or "")
    assert received == []


@pytest.mark.parametrize(
    "addresses", [["2002:7f00:1::"], ["127.0.0.1"], ["::ffff:10.0.0.1", "64:ff9b:1::a00:1"]]
)
async def test_a_host_resolving_only_to_such_addresses_is_not_connected_to(addresses):
    resolver = PublicOnlyResolver(allow_private=False)
    resolver._inner = ListedResolver(addresses)
    with pytest.raises(OSError, match="private, loopback or reserved"):
        await resolver.resolve("hooks.example.com", 443)


async def test_the_resolver_keeps_only_the_public_addresses_of_a_host():
    resolver = PublicOnlyResolver(allow_private=False)
    resolver._inner = ListedResolver(["2002:7f00:1::", "93.184.216.34", "10.0.0.1"])
    found = await resolver.resolve("hooks.example.com", 443)
    assert [entry["host"] for entry in found] == ["93.184.216.34"]


async def test_a_host_name_for_loopback_is_refused_when_connecting(hits):
    received, port = hits
    async with aiohttp.ClientSession(
        connector=aiohttp.TCPConnector(resolver=PublicOnlyResolver(allow_private=False))
    ) as session:
        result = await AiohttpWebhookSender(session).send(
            f"http://localhost:{port}/hook", {"id": "e1"}, "s", 1
        )
    assert result.status is None and received == []
