from __future__ import annotations

from collections.abc import Iterable

import attrs
from attrs import validators as v

DAY = 86_400

# §9.3: the topics a sandbox application subscribes to by default. Claims are notified
# under `post_purchase` (resource `/post-purchase/v1/claims/{id}`), the current name;
# older pages call the topic `claims`, which is accepted as an alias of it.
TOPICS = ("orders_v2", "items", "questions", "messages", "shipments", "payments", "post_purchase")
TOPIC_ALIASES = {"claims": "post_purchase"}
NOTIFICATION_VARIANTS = ("canonical", "varied")
MESSAGE_ANSWERS = ("full", "documented", "varied")


def topic_name(name: str) -> str:
    return TOPIC_ALIASES.get(name, name)


def _url(attribute: attrs.Attribute, value: object) -> None:
    if value is None:
        return
    if not isinstance(value, str) or not value.startswith(("http://", "https://")):
        raise ValueError(f"{attribute.name} must be an http:// or https:// URL")


def topics_tuple(value: Iterable[str] | str) -> tuple[str, ...]:
    """The subscribed topics, aliases resolved, each once, in the order given."""
    names = [value] if isinstance(value, str) else list(value)
    result: list[str] = []
    for name in names:
        if not isinstance(name, str):
            raise ValueError("topics must be a list of topic names")
        canonical = topic_name(name)
        if canonical not in TOPICS:
            raise ValueError(f"unknown topic {name!r}; known: {', '.join(TOPICS)} (or claims)")
        if canonical not in result:
            result.append(canonical)
    return tuple(result)


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

    # -- sales history of the demo sellers (orders, packs, shipments, questions, messages)
    orders_per_seller: int = attrs.field(default=20, validator=[v.ge(0), v.le(200_000)])
    questions_per_seller: int = attrs.field(default=10, validator=[v.ge(0), v.le(200_000)])

    # §5.3 / §13: the maximum `limit` of /orders/search is undocumented [INF: 51, the
    # value clients meet in practice; larger limits get 400]. The offset is not capped
    # [INF], so that thousands of orders can be paged through.
    orders_max_limit: int = attrs.field(default=51, validator=v.ge(1))
    # §5.3: cancelled orders are left out of seller searches unless `order.status` asks
    # for them [DOC-S, marked unclear by the reference: re-verify].
    orders_hide_cancelled: bool = True
    # §8.3: the docs disagree on whether a seller may open a post-sale conversation; the
    # sandbox lets him by default [INF]. Off: the first message must be the buyer's.
    seller_may_start_conversation: bool = True
    # §3, §4.1, §4.9, §4.10, §10: what MercadoLibre documents as public (sites,
    # currencies, categories and their attributes, the predictor, GET /items/{id}, the
    # items multiget, GET /users/{id}) answers without a token, with the public fields.
    # Off: every MercadoLibre call needs a Bearer token.
    public_reads: bool = True

    # -- notifications (§9) ------------------------------------------------------------
    # The application's callback URL (DevCenter, §9.1); None sends nothing.
    callback_url: str | None = attrs.field(
        default=None, validator=lambda _, a, value: _url(a, value)
    )
    topics: tuple[str, ...] = attrs.field(default=TOPICS, converter=topics_tuple)
    # §9.4: only HTTP 200 within 500 ms counts as delivered.
    delivery_timeout_ms: int = attrs.field(default=500, validator=v.gt(0))
    # §9.4: "eight attempts (1 hour)". The spacing is undocumented [INF: intervals that
    # double, the last attempt one hour after the first].
    max_attempts: int = attrs.field(default=8, validator=v.ge(1))
    retry_window: float = attrs.field(default=3600.0, validator=v.ge(0))
    # §9.5: lost notifications are kept for 2 days.
    missed_feeds_ttl: float = attrs.field(default=2 * DAY, validator=v.gt(0))
    # §9.4: sustained failures "can" deactivate a topic. After this many lost
    # notifications in a row the topic stops sending until it is subscribed again
    # (PATCH topics); 0 never deactivates [INF].
    deactivate_after_lost: int = attrs.field(default=0, validator=v.ge(0))
    # §9.4: "expect duplicates anyway": the share of notifications sent twice (same _id),
    # and whether notifications are held back a random while so they arrive out of order.
    duplicate_rate: float = attrs.field(default=0.0, validator=[v.ge(0), v.le(1)])
    shuffle: bool = False
    shuffle_window_ms: int = attrs.field(default=2000, validator=v.ge(0))
    # §9.2, §0.3: "canonical" sends every notification in one shape (`_id`, a numeric
    # user_id, `actions` on typed topics); "varied" draws, per notification and from the
    # seed, among the shapes MercadoLibre documents (no id or `id` instead of `_id`,
    # user_id as a string, `recieved`, a messages resource with or without `/messages/`).
    # Varied by default, so that every test and every demo meets them all.
    notification_variants: str = attrs.field(
        default="varied", validator=v.in_(NOTIFICATION_VARIANTS)
    )
    # §8.2: what a sent message is answered with. "documented": only the fields the
    # page names (`id` or `message_id`, `status`, `text`, `message_moderation`); "full":
    # the whole §8.1 message; "varied" (the default) draws one of them per message.
    message_answers: str = attrs.field(default="varied", validator=v.in_(MESSAGE_ANSWERS))

    # -- market activity ---------------------------------------------------------------
    # Simulated buyers' events per second (orders, payments, questions, messages,
    # shipment progress); 0 is quiet. The seed makes the sequence of events repeatable.
    activity_rate: float = attrs.field(default=0.0, validator=[v.ge(0), v.le(1000)])
    activity_seed: int | None = None

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
        "orders_max_limit",
        "orders_hide_cancelled",
        "seller_may_start_conversation",
        "public_reads",
        "callback_url",
        "topics",
        "delivery_timeout_ms",
        "max_attempts",
        "retry_window",
        "missed_feeds_ttl",
        "deactivate_after_lost",
        "duplicate_rate",
        "shuffle",
        "shuffle_window_ms",
        "notification_variants",
        "message_answers",
    }
)
