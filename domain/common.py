"""Small validators shared by the domain model."""

from __future__ import annotations

import re
from datetime import datetime

import attrs

from domain.errors import InvalidValue


def aware(instance: object, attribute: attrs.Attribute, value: datetime | None) -> None:
    if value is not None and (value.tzinfo is None or value.utcoffset() is None):
        raise InvalidValue(attribute.name, "must be a timezone-aware datetime")


def non_negative_int(instance: object, attribute: attrs.Attribute, value: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise InvalidValue(attribute.name, "must be a whole number of zero or more")


def positive_int(instance: object, attribute: attrs.Attribute, value: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise InvalidValue(attribute.name, "must be a positive integer")


_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


def storable_text(text: str) -> str:
    """`text` as a database can keep it: without NUL, each lone UTF-16 surrogate replaced
    by U+FFFD. For messages that may quote what was refused (a driver's error quoting the
    value it could not store)."""
    return _UNSTORABLE.sub(lambda m: "" if m.group() == "\x00" else "\ufffd", text)


def text_within(field: str, value: str, maximum: int, *, allow_empty: bool = False) -> str:
    """Check a free text against a length limit counted in characters, as MercadoLibre does."""
    if not isinstance(value, str):
        raise InvalidValue(field, "must be text")
    if not allow_empty and not value.strip():
        raise InvalidValue(field, "must not be empty")
    if len(value) > maximum:
        raise InvalidValue(field, f"is {len(value)} characters long; the limit is {maximum}")
    return value
