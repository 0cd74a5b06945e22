from __future__ import annotations

from application.errors import ApplicationError


class ForeignNotification(ApplicationError):
    """A notification for another MercadoLibre application: not ours to process (§9.6)."""


class SourceNotAllowed(ApplicationError):
    """A notification from an address outside the configured networks (§9.6)."""
