"""MercadoLibre's notification body, read leniently (mercadolibre-api.md §0.3, §9.2).

The same shape comes POSTed to the webhook and read back from the missed feeds (§9.5);
this is its one reader.
"""

from __future__ import annotations

import hashlib
import json
import re
import uuid
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from domain.errors import DomainError, InvalidValue
from domain.notifications import MAX_TOPIC, Notification

# §9.3: topics whose resource is a bare id rather than an API path.
_BARE_ID_TOPICS = {"messages": "/messages/{id}"}


def normalise_resource(topic: str, resource: str) -> str:
    """The resource as an API path (§0.3, §9.2): `messages` notifications carry the bare
    message id (§8.4, §9.3), and some documented examples leave out the leading slash
    (`post-purchase/v1/claims/5108684499`, `suggestions/items/{id}/details`)."""
    resource = resource.strip()
    template = _BARE_ID_TOPICS.get(topic)
    if template is not None and resource and "/" not in resource:
        return template.format(id=resource)
    if resource and not resource.startswith("/"):
        return f"/{resource}"
    return resource


# No control characters, and no lone surrogates (PostgreSQL cannot store them).
_SAFE_ID = re.compile(r"[^\x00-\x1f\x7f\ud800-\udfff]+")
_DIGITS = re.compile(r"[0-9]{1,20}")
# A lone UTF-16 surrogate (JSON's `\ud800`) is no text any database can store as UTF-8.
_SURROGATE = re.compile(r"[\ud800-\udfff]")
_NOT_UNICODE = "must be valid Unicode text (a lone UTF-16 surrogate cannot be stored)"


MAX_NOTIFICATION_ID = 64


MAX_ID_VALUE = 2**63 - 1  # user and application ids are 64-bit (§0.3)


class MalformedNotification(DomainError):
    """A notification body that does not say what to read and for whom; `problems`
    lists every field that is wrong, as (field, reason)."""

    def __init__(self, problems: list[tuple[str, str]]) -> None:
        super().__init__("; ".join(f"{field}: {reason}" for field, reason in problems))
        self.problems = problems


def _integer(value: Any) -> int | None:
    """§9.2: ids come as numbers or as strings of digits; positive, 64-bit."""
    number = _any_integer(value)
    return number if number is not None and 0 < number <= MAX_ID_VALUE else None


def _any_integer(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)  # JSON's 123.0 is the number 123
    if isinstance(value, str) and _DIGITS.fullmatch(value.strip()):
        return int(value.strip())
    return None


_EARLIEST_YEAR, _LATEST_YEAR = 1999, 2999  # MercadoLibre was founded in 1999


def _moment(value: Any) -> datetime | None:
    """An ISO-8601 time; without an offset it is UTC (§9.1: all times are UTC). What
    cannot be read is left out: a notification is only a pointer, its times are extra."""
    if not isinstance(value, str):
        return None
    try:
        moment = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=UTC)
        moment = moment.astimezone(UTC)
    except (ValueError, OverflowError):
        return None
    # Far-off years (0001, 9999) are no real notification time and would overflow the
    # arithmetic done on them (a clock-skew margin) or the database's range.
    return moment if _EARLIEST_YEAR <= moment.year <= _LATEST_YEAR else None


CONTENT_ID_PREFIX = "content-"


def content_id(
    application_id: int, user_id: int, topic: str, resource: str, sent: datetime | None
) -> str:
    """The id of a notification that came without one, from what it says (§9.2: dedupe
    such a notification on its content: application, user, topic, resource, sent).

    MercadoLibre's retries of one notification repeat its `sent` (§9.5's missed feed shows
    the first attempt's body with the same `sent` as the fifth), so they get one id and
    the inbox keeps one entry. Without any time to tell two changes of one resource apart
    the id is random: such a notification is never taken for an earlier one (which would
    lose it); the inbox still folds it into a pending read of the same resource."""
    if sent is None:
        return f"{CONTENT_ID_PREFIX}{uuid.uuid4().hex}"
    content = json.dumps(
        [application_id, user_id, topic, resource, sent.astimezone(UTC).isoformat()],
        separators=(",", ":"),
    )
    return CONTENT_ID_PREFIX + hashlib.sha256(content.encode()).hexdigest()[:48]


def _given_id(message: Mapping[str, Any], problems: list[tuple[str, str]]) -> str | None:
    """`_id`, else `id` (§9.2); None when neither is given (the documented orders_v2,
    questions, shipments and messages examples have none)."""
    for key in ("_id", "id"):
        raw = message.get(key)
        if raw is None or (isinstance(raw, str) and not raw.strip()):
            continue
        if isinstance(raw, bool) or not isinstance(raw, str | int):
            problems.append((key, "must be a string or a whole number when given"))
            return None
        given = str(raw).strip()
        if len(given) > MAX_NOTIFICATION_ID:
            problems.append((key, f"must be at most {MAX_NOTIFICATION_ID} characters"))
        elif not _SAFE_ID.fullmatch(given):
            problems.append((key, "must not contain control characters or lone surrogates"))
        return given
    return None


def read_notification(message: Any) -> Notification:
    """A notification as MercadoLibre writes it (§9.2), whether POSTed to us or read back
    from the missed feeds (§9.5), read leniently (§0.3): `_id`, `id` or no id at all (then
    `content_id`), user and application ids as numbers or strings, `received` or
    `recieved`, a bare message id or a path without its leading slash as resource.
    Unknown fields are ignored. The pointer fields (topic, resource, user_id,
    application_id) are required; MalformedNotification lists what is wrong."""
    if not isinstance(message, Mapping):
        raise MalformedNotification([("body", "must be a JSON object (§9.2)")])
    problems: list[tuple[str, str]] = []
    given_id = _given_id(message, problems)
    topic = message.get("topic")
    if not isinstance(topic, str) or not topic.strip():
        problems.append(("topic", "is required: a MercadoLibre topic such as orders_v2"))
        topic = ""
    elif len(topic) > MAX_TOPIC:
        problems.append(("topic", f"must be at most {MAX_TOPIC} characters"))
    elif _SURROGATE.search(topic):
        problems.append(("topic", _NOT_UNICODE))
    resource = message.get("resource")
    if not isinstance(resource, str | int) or isinstance(resource, bool) or not str(resource):
        problems.append(("resource", "is required: the path of the resource, such as /orders/123"))
    elif _SURROGATE.search(str(resource)):
        problems.append(("resource", _NOT_UNICODE))
    user_id = _integer(message.get("user_id"))
    if user_id is None:
        problems.append(("user_id", "is required: the seller's user id, a whole number"))
    application_id = _integer(message.get("application_id"))
    if application_id is None:
        problems.append(("application_id", "is required: the application id, a whole number"))
    if problems or user_id is None or application_id is None:
        raise MalformedNotification(problems)
    attempts = _any_integer(message.get("attempts"))
    actions = message.get("actions")
    sent = _moment(message.get("sent"))
    received = _moment(message.get("received") or message.get("recieved"))
    try:
        path = normalise_resource(topic, str(resource))
        return Notification(
            id=given_id or content_id(application_id, user_id, topic, path, sent or received),
            topic=topic,
            resource=path,
            user_id=user_id,
            application_id=application_id,
            attempts=attempts if attempts is not None and 0 <= attempts <= 10_000 else 1,
            sent=sent,
            received=received,
            # Extra detail (§9.2 typed topics); one that could not be stored (control
            # characters: PostgreSQL's JSONB cannot hold NUL; lone surrogates) is dropped.
            actions=tuple(a for a in actions if isinstance(a, str) and _SAFE_ID.fullmatch(a))
            if isinstance(actions, list)
            else (),
        )
    except InvalidValue as error:
        raise MalformedNotification([(error.field, error.reason)]) from None
