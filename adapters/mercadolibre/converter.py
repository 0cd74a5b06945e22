"""The private cattrs converter of the MercadoLibre boundary (house style rules 6, 13).

MercadoLibre adds fields all the time and sends `null` where a field has nothing, so
this converter ignores unknown keys and lets `null` fall back to a field's default. Ids
come as numbers or as strings (§0.3, §9.2): a number is read where text is expected and a
string of digits where a number is, integers within 64 bits. A null where a value is
required is an error, never the text "None"; so is a value of a truly wrong type (an
object for a title, 12.5 for a quantity, `true` for an id). It never touches the global
cattrs functions, and its errors name the JSON path of the problem but never a value (a
token response must not end up in a log).
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any, TypeVar

import attrs
import cattrs
from cattrs.gen import make_dict_structure_fn

from application.errors import Unavailable

T = TypeVar("T")

_TRUE = frozenset({"true", "1", "yes"})
_FALSE = frozenset({"false", "0", "no"})
INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1
_INTEGER = re.compile(r"[+-]?[0-9]{1,20}")


def _structure_bool(value: Any, _: type) -> bool:
    """Strict: cattrs' default would take the string "false" for True."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    if isinstance(value, str) and value.strip().lower() in _TRUE | _FALSE:
        return value.strip().lower() in _TRUE
    raise ValueError("not a boolean")


def _structure_str(value: Any, _: type) -> str:
    """Text, or a number sent where text is expected (an id as 123 rather than "123").
    Never None (that would become "None"), a boolean, an object or a list."""
    if isinstance(value, str):
        return value
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError("not a string")
    if isinstance(value, float) and not math.isfinite(value):
        raise ValueError("not a string")
    return str(value)


def _structure_int(value: Any, _: type) -> int:
    """A whole number within 64 bits (ids are stored as int64, §0.3), sent as a number, a
    string of digits, or a float with nothing after the point (168.0)."""
    number: int
    if isinstance(value, bool):
        raise ValueError("not a whole number")
    if isinstance(value, int):
        number = value
    elif isinstance(value, float) and math.isfinite(value) and value.is_integer():
        number = int(value)
    elif isinstance(value, str) and _INTEGER.fullmatch(value.strip()):
        number = int(value.strip())
    else:
        raise ValueError("not a whole number")
    if not INT64_MIN <= number <= INT64_MAX:
        raise ValueError("a whole number beyond 64 bits")
    return number


def _structure_float(value: Any, _: type) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise ValueError("not a number")
    try:
        number = float(value)
    except ValueError:
        raise ValueError("not a number") from None
    if not math.isfinite(number):
        raise ValueError("not a finite number")
    return number


def _structure_decimal(value: Any, _: type) -> Decimal:
    """Prices arrive as JSON numbers; str() first keeps 0.1 from becoming
    0.1000000000000000055511151231257827."""
    if isinstance(value, bool) or not isinstance(value, int | float | str | Decimal):
        raise ValueError("not a number")
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        raise ValueError("not a number") from None
    if not number.is_finite():
        raise ValueError("not a finite number")
    return number


def _structure_datetime(value: Any, _: type) -> datetime:
    """§0.3: ISO-8601 with an offset or `Z`; a time without one is taken as UTC."""
    if not isinstance(value, str):
        raise ValueError("not an ISO-8601 timestamp")
    moment = datetime.fromisoformat(value)
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def _structure_completion(value: Any, _: type) -> bool | datetime | None:
    """§4.12: a goal's `completed`, a boolean or the time the goal was met."""
    if value is None or isinstance(value, bool):
        return value
    if isinstance(value, str):
        try:
            return _structure_datetime(value, datetime)
        except ValueError:
            pass
    raise ValueError("not a boolean nor an ISO-8601 timestamp")


def _lenient_attrs(cls: type[T], converter: cattrs.Converter) -> Callable[[Any, type], T]:
    structure = make_dict_structure_fn(cls, converter, _cattrs_forbid_extra_keys=False)
    defaulted = frozenset(
        field.name for field in attrs.fields(cls) if field.default is not attrs.NOTHING
    )

    def lenient(value: Any, _: type) -> T:
        if not isinstance(value, Mapping):
            raise ValueError(f"expected a JSON object for {cls.__name__}")
        present = {k: v for k, v in value.items() if not (v is None and k in defaulted)}
        return structure(present, cls)

    return lenient


def make_converter() -> cattrs.Converter:
    converter = cattrs.Converter(forbid_extra_keys=False)
    converter.register_structure_hook(bool, _structure_bool)
    converter.register_structure_hook(str, _structure_str)
    converter.register_structure_hook(int, _structure_int)
    converter.register_structure_hook(float, _structure_float)
    converter.register_structure_hook_func(
        lambda cls: cls == (bool | datetime | None), _structure_completion
    )
    converter.register_structure_hook(Decimal, _structure_decimal)
    converter.register_structure_hook(datetime, _structure_datetime)
    converter.register_structure_hook_factory(attrs.has, lambda cls: _lenient_attrs(cls, converter))
    return converter


_converter = make_converter()


def structure(data: Any, cls: type[T], what: str) -> T:
    """`data` as a `cls`, or Unavailable naming `what` answered an unexpected body and
    the JSON paths at fault (MercadoLibre broke its contract; a retry later may help)."""
    try:
        return _converter.structure(data, cls)
    except Exception as error:  # cattrs raises many types; all mean "not the shape"
        problems = "; ".join(cattrs.transform_error(error, path="$"))
        # `from None`: the original exception may quote the values, tokens included.
        raise Unavailable(
            f"MercadoLibre answered {what} with an unexpected body: {problems}"
        ) from None
