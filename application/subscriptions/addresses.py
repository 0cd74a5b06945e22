"""Which addresses a subscriber's callback may reach (SSRF guard).

An IPv6 address can carry an IPv4 one that routers or the host's own stack translate
back to IPv4: IPv4-mapped (::ffff:0:0/96), IPv4-compatible (::/96, deprecated), 6to4
(2002::/16, RFC 3056), Teredo (2001::/32, RFC 4380: server and obfuscated client) and
NAT64 (64:ff9b::/96, RFC 6052; 64:ff9b:1::/48 for local use, RFC 8215). Such an address
is only as public as every IPv4 address it embeds, whatever the IPv6 registry says of
the prefix: `[2002:7f00:1::]` is 127.0.0.1 to a host with a 6to4 relay.
"""

from __future__ import annotations

import ipaddress
from ipaddress import IPv4Address, IPv6Address

_IPV4_COMPATIBLE = ipaddress.IPv6Network("::/96")
_NAT64 = ipaddress.IPv6Network("64:ff9b::/96")
# The local-use prefix may embed the IPv4 address at any of RFC 6052's positions: no
# address in it is trusted.
_LOCAL_NAT64 = ipaddress.IPv6Network("64:ff9b:1::/48")


def embedded_ipv4(ip: IPv6Address) -> list[IPv4Address]:
    """Every IPv4 address an IPv6 one stands for (none for a plain IPv6 address)."""
    found: list[IPv4Address] = []
    if ip.ipv4_mapped is not None:
        found.append(ip.ipv4_mapped)
    if ip.sixtofour is not None:
        found.append(ip.sixtofour)
    if ip.teredo is not None:
        found.extend(ip.teredo)
    if ip in _NAT64 or (ip in _IPV4_COMPATIBLE and int(ip) > 0xFFFF):
        found.append(IPv4Address(int(ip) & 0xFFFF_FFFF))
    return found


def _routable(ip: IPv4Address | IPv6Address) -> bool:
    return ip.is_global and not (
        ip.is_private
        or ip.is_loopback
        or ip.is_link_local
        or ip.is_multicast
        or ip.is_reserved
        or ip.is_unspecified
    )


def is_public_address(address: str) -> bool:
    """Whether an IP address is one the public internet routes to: not private, loopback,
    link-local, multicast, reserved, unspecified or shared (RFC 6598), nor an IPv6 address
    embedding one of those. An address that does not parse is not public."""
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    if isinstance(ip, IPv4Address):
        return _routable(ip)
    if ip in _LOCAL_NAT64:
        return False
    embedded = embedded_ipv4(ip)
    if not all(_routable(v4) for v4 in embedded):
        return False
    if ip.ipv4_mapped is not None:
        # The mapped form is the IPv4 address itself, seen through an IPv6 socket.
        return True
    return _routable(ip)
