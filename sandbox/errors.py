from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

INVALID_GRANT_DESCRIPTION = (
    "Error validating grant. Your authorization code or refresh token may be expired or it "
    "was already used"
)

# Cause ids are not documented except 323 (§2.1) and 508/509 (§4.8); the others are
# stable numbers of our own so that tests and logs can rely on them [INF].
CAUSE_IDS: dict[str, int] = {
    "item.status.invalid": 323,
    "item.category_id.invalid": 101,
    "item.title.invalid": 102,
    "item.title.length.invalid": 103,
    "item.title.not_modifiable": 104,
    "item.price.invalid": 105,
    "item.currency_id.invalid": 106,
    "item.available_quantity.invalid": 107,
    "item.buying_mode.invalid": 108,
    "item.buying_mode.not_modifiable": 109,
    "item.listing_type_id.invalid": 110,
    "item.listing_type_id.not_modifiable": 111,
    "item.condition.invalid": 112,
    "item.attributes.missing_required": 147,
    "item.attribute.invalid": 148,
    "item.pictures.invalid": 130,
    "item.pictures.max": 131,
    "item.variations.max": 140,
    "item.variations.invalid": 141,
    "item.variations.attribute_combinations.invalid": 142,
    "item.variations.attribute_combinations.duplicated": 143,
    "item.variations.attribute_combinations.not_modifiable": 144,
    "item.variations.id.invalid": 145,
    "item.variations.picture_ids.invalid": 146,
    "item.sale_terms.invalid": 150,
    "item.category_id.not_modifiable": 151,
    "item.deleted.invalid": 152,
    "item.description.type.invalid": 160,
    "item.description.max_length": 161,
    "item.description.already_exists": 162,
    "item.shipping.invalid": 170,
    "item.channels.invalid": 171,
    "body.required_fields": 1,
    "picture.status.error": 508,
    "picture.size.invalid": 509,
}


class ApiError(Exception):
    """An HTTP error answered with a MercadoLibre-shaped JSON body."""

    def __init__(
        self, status: int, body: Mapping[str, Any], headers: Mapping[str, str] | None = None
    ) -> None:
        super().__init__(body.get("message") or body.get("error_description") or status)
        self.status = status
        self.body = dict(body)
        self.headers = dict(headers or {})


def error_body(
    status: int, error: str, message: str, cause: Sequence[Any] | None = ()
) -> dict[str, Any]:
    """The standard body of §2.1: `{message, error, status, cause}`."""
    return {
        "message": message,
        "error": error,
        "status": status,
        "cause": None if cause is None else list(cause),
    }


def api_error(status: int, error: str, message: str, cause: Sequence[Any] | None = ()) -> ApiError:
    return ApiError(status, error_body(status, error, message, cause))


def bad_request(message: str, error: str = "bad_request") -> ApiError:
    return api_error(400, error, message)


def not_found(message: str) -> ApiError:
    return api_error(404, "not_found", message)


def item_not_found(item_id: str) -> ApiError:
    return not_found(f"Item with id {item_id} not found")


def not_simulated(method: str, path: str) -> ApiError:
    """A path (or a method on it) the sandbox does not simulate: 501, never an answer
    that could pass for MercadoLibre's own."""
    return api_error(501, "not_simulated", f"The sandbox does not simulate {method} {path}")


def conflict(message: str) -> ApiError:
    """A simulated event that does not apply to the resource's current state."""
    return api_error(409, "conflict", message)


def forbidden(message: str) -> ApiError:
    """§2.3: the official SDK mock uses `error: forbidden` with a human message."""
    return api_error(403, "forbidden", message)


def invalid_token(message: str = "invalid access token") -> ApiError:
    """§2.2: the simulator emits the first observed 401 variant."""
    return api_error(401, "invalid_token", message)


def cause(
    code: str,
    message: str,
    references: Sequence[str] = (),
    *,
    department: str = "items",
    kind: str = "error",
) -> dict[str, Any]:
    """A structured validation cause as in §2.1."""
    return {
        "department": department,
        "cause_id": CAUSE_IDS.get(code, 0),
        "type": kind,
        "code": code,
        "references": list(references),
        "message": message,
    }


def validation_error(causes: Sequence[Mapping[str, Any]]) -> ApiError:
    """§2.1: validation failures on writes carry structured cause objects."""
    return api_error(400, "validation_error", "Validation error", list(causes))


def oauth_error(error: str, description: str, status: int = 400) -> ApiError:
    """§1.5: OAuth errors use `error_description` instead of `message`."""
    return ApiError(
        status, {"error_description": description, "error": error, "status": status, "cause": []}
    )


def invalid_grant() -> ApiError:
    """§1.5: the exact documented invalid_grant body."""
    return oauth_error("invalid_grant", INVALID_GRANT_DESCRIPTION)


def too_many_requests(retry_after: int | None = None) -> ApiError:
    """§2.4: the chosen 429 body; Retry-After only when the caller asks for it."""
    headers = {"Retry-After": str(retry_after)} if retry_after is not None else None
    return ApiError(429, error_body(429, "local_rate_limited", "Too Many Requests"), headers)
