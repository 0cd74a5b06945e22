from __future__ import annotations

import attrs
from attrs import validators as v

DAY = 86_400


@attrs.define(frozen=True, kw_only=True)
class SandboxConfig:
    """Every knob of the simulator.

    Values tagged [INF] in mercadolibre-api.md are defaults chosen by the reference, not
    confirmed MercadoLibre behaviour; they are options precisely so that tests can pin
    them either way.
    """

    seed: int = 42
    sellers: int = attrs.field(default=2, validator=[v.ge(0), v.le(50)])
    items_per_seller: int = attrs.field(default=50, validator=[v.ge(0), v.le(5_000_000)])

    # The application id equals the client id, as on MercadoLibre (§1.2).
    client_id: str = "1000000000000001"
    client_secret: str = "sandbox-secret"
    redirect_uri: str = "http://localhost:8012/auth/callback"
    # §1.4: PKCE is switched on per application; when on, the PKCE fields are mandatory.
    pkce_required: bool = False
    # §1.2: without offline_access no refresh_token is issued.
    offline_access: bool = True

    # §2.4 / §12.3: requests per second and bucket size per application; 0 means no limit.
    # The 10 rps default is the product's documented limit, the burst of 10 is [INF].
    rate_limit: float = attrs.field(default=10.0, validator=v.ge(0))
    burst: int = attrs.field(default=10, validator=v.ge(1))
    # §2.4: Retry-After is undocumented, so it is only sent behind this flag.
    retry_after_header: bool = False

    # §1.2: 21600 s is what real responses carry; the gateway must trust expires_in [INF].
    token_ttl: int = attrs.field(default=21_600, validator=v.gt(0))
    # §12.1: codes are short-lived, "minutes" [INF: 10 minutes].
    code_ttl: int = attrs.field(default=600, validator=v.gt(0))
    # §1.3: a refresh token expires after 6 months.
    refresh_token_ttl: int = attrs.field(default=180 * DAY, validator=v.gt(0))
    # §1.3: an app that makes no call for 4 months loses its grants [INF: 120 days].
    app_inactivity_ttl: int = attrs.field(default=120 * DAY, validator=v.gt(0))

    # §4.11: a scan scroll_id lives 5 minutes; each use renews it [INF, as scroll APIs do].
    scroll_ttl: int = attrs.field(default=300, validator=v.gt(0))
    # §4.11: offset+limit beyond 1000 is not served [DOC]; max limit 100 [INF].
    search_max_offset: int = attrs.field(default=1000, validator=v.gt(0))
    search_max_limit: int = attrs.field(default=100, validator=v.gt(0))

    # §2.5 / §4.4: a PUT to an item within this many seconds of the previous successful PUT
    # gets 409 "item optimistic locking error: conflict". The real window is unknown ("wait
    # a few seconds") [INF: 1 s]; 0 switches the conflict off.
    optimistic_lock_window: float = attrs.field(default=1.0, validator=v.ge(0))

    # Seed of the random draws of fault injection (error rates); None uses `seed`.
    fault_seed: int | None = None

    def public_view(self) -> dict[str, object]:
        """The configuration as JSON, for the admin API and the CLI banner."""
        return attrs.asdict(self)


# Options that the admin API may change on a running sandbox (PATCH /_sandbox/config).
RUNTIME_OPTIONS = frozenset(
    {
        "rate_limit",
        "burst",
        "retry_after_header",
        "token_ttl",
        "code_ttl",
        "scroll_ttl",
        "optimistic_lock_window",
        "search_max_offset",
        "search_max_limit",
    }
)
