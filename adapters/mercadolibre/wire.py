"""MercadoLibre's JSON shapes, as far as the gateway reads them.

Only the fields the gateway uses are declared; the converter ignores the rest
(mercadolibre-api.md preamble: the real API adds fields all the time).
"""

from __future__ import annotations

import attrs


@attrs.define(frozen=True)
class TokenAnswer:
    """§1.2 / §1.3: the token endpoint's answer. No refresh_token without the
    offline_access scope."""

    access_token: str = attrs.field(repr=False)
    expires_in: int
    refresh_token: str | None = attrs.field(default=None, repr=False)
    scope: str = ""
    user_id: int | None = None
    token_type: str = "bearer"


@attrs.define(frozen=True)
class UserAnswer:
    """§3: GET /users/me (private shape); ids exceed Int32 (§0.3)."""

    id: int
    nickname: str
    site_id: str
    email: str | None = None
