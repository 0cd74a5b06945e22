from __future__ import annotations

import ipaddress


def is_public_address(address: str) -> bool:
    """Whether an IP address is one the public internet routes to: not private, loopback,
    link-local, multicast, reserved, unspecified or shared (RFC 6598)."""
    ip = ipaddress.ip_address(address)
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_global and not (
        ip.is_private
        or ip.is_loopback
        or ip.is_link_local
        or ip.is_multicast
        or ip.is_reserved
        or ip.is_unspecified
    )
