from __future__ import annotations

import ipaddress
from collections.abc import Iterable

from application.notifications.errors import SourceNotAllowed
from application.notifications.receive_notification import Rejection
from application.ports.events import NoPipelineEvents, PipelineEvents

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


class AdmitNotificationSource:
    """Notifications are accepted only from the configured networks (MELI_WEBHOOK_
    ALLOWED_IPS; §9.6 lists MercadoLibre's), when there are any. An IPv4 address written
    as IPv6 (`::ffff:a.b.c.d`) is the IPv4 one."""

    def __init__(self, networks: Iterable[str], events: PipelineEvents | None = None) -> None:
        """Raises ValueError for a network that is not an IP address or CIDR block."""
        self._networks: tuple[Network, ...] = tuple(ipaddress.ip_network(n) for n in networks)
        self._events = events or NoPipelineEvents()

    def __call__(self, address: str | None) -> None:
        """Raises SourceNotAllowed for an address outside the networks (or none)."""
        if not self._networks or self._allows(address):
            return
        self._events.rejected(Rejection.SOURCE_ADDRESS)
        raise SourceNotAllowed("notifications are accepted only from MELI_WEBHOOK_ALLOWED_IPS")

    def _allows(self, address: str | None) -> bool:
        if not address:
            return False
        try:
            ip = ipaddress.ip_address(address)
        except ValueError:
            return False
        if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
            ip = ip.ipv4_mapped
        return any(ip in network for network in self._networks)
