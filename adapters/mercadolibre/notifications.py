"""MercadoLibre's notification body, read leniently (mercadolibre-api.md §9.2).

The same shape comes POSTed to the webhook and read back from the missed feeds (§9.5);
this is its one reader.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from domain.errors import DomainError, InvalidValue
from domain.notifications import MAX_TOPIC, Notification

# §9.3: topics whose resource is a bare id rather than an API path.
_BARE_ID_TOPICS = {"messages": "/messages/{id}"}


def normalise_resource(topic: str, resource: str) -> str:
    """The resource as an API path: `messages` notifications carry the bare message id
    (§8.4, §9.3), every other topic the path itself."""
    resource = resource.strip()
    template = _BARE_ID_TOPICS.get(topic)
    if template is not None and resource and not resource.startswith("/"):
        return template.format(id=resource)
    return resource


_SAFE_ID = re.compile(r"[^\x00-\x1f\x7f]+")  # no control characters
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
    if isinstance(value, str) and value.strip().isascii() and value.strip().isdigit():
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


def read_notification(message: Any) -> Notification:
    """A notification as MercadoLibre writes it (§9.2), whether POSTed to us or read back
    from the missed feeds (§9.5), read leniently: `_id` or `id`, user and application ids
    as numbers or strings, `received` or `recieved`, a bare message id as resource. The
    pointer fields are required; MalformedNotification lists what is wrong."""
    if not isinstance(message, Mapping):
        raise MalformedNotification([("body", "must be a JSON object (§9.2)")])
    problems: list[tuple[str, str]] = []
    raw_id = message.get("_id")
    if raw_id is None:
        raw_id = message.get("id")
    notification_id = (
        str(raw_id).strip()
        if isinstance(raw_id, str | int) and not isinstance(raw_id, bool)
        else ""
    )
    if not notification_id:
        problems.append(("_id", "is required: the notification's id (`_id` or `id`)"))
    elif _SURROGATE.search(notification_id):
        problems.append(("_id", _NOT_UNICODE))
    elif len(notification_id) > MAX_NOTIFICATION_ID:
        problems.append(("_id", f"must be at most {MAX_NOTIFICATION_ID} characters"))
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
    actions = message.get("actions")
    if isinstance(actions, list) and any(
        isinstance(a, str) and _SURROGATE.search(a) for a in actions
    ):
        problems.append(("actions", _NOT_UNICODE))
    user_id = _integer(message.get("user_id"))
    if user_id is None:
        problems.append(("user_id", "is required: the seller's user id, a whole number"))
    application_id = _integer(message.get("application_id"))
    if application_id is None:
        problems.append(("application_id", "is required: the application id, a whole number"))
    if problems or user_id is None or application_id is None:
        raise MalformedNotification(problems)
    attempts = _any_integer(message.get("attempts"))
    try:
        return Notification(
            id=notification_id,
            topic=topic,
            resource=normalise_resource(topic, str(resource)),
            user_id=user_id,
            application_id=application_id,
            attempts=attempts if attempts is not None and 0 <= attempts <= 10_000 else 1,
            sent=_moment(message.get("sent")),
            received=_moment(message.get("received") or message.get("recieved")),
            # Extra detail (§9.2 typed topics); one with control characters is dropped,
            # never stored (PostgreSQL's JSONB cannot hold NUL).
            actions=tuple(a for a in actions if isinstance(a, str) and _SAFE_ID.fullmatch(a))
            if isinstance(actions, list)
            else (),
        )
    except InvalidValue as error:
        raise MalformedNotification([(error.field, error.reason)]) from None
