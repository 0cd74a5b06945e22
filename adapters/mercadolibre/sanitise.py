"""What MercadoLibre sends, made storable before anything reads it (house style rule 13).

MercadoLibre keeps text as sellers and buyers typed it. Two things in such text cannot be
stored by PostgreSQL: NUL (`\\u0000`: neither text nor JSONB holds it) and a lone UTF-16
surrogate (`\\ud800` without its pair: not encodable as UTF-8). One such title or question
would make every sync of its account fail, so both are dealt with at the gateway, once,
for every body: NUL is removed and a lone surrogate becomes U+FFFD, the replacement
character. Numbers JSON cannot carry (`NaN`, `Infinity`, or `1e400`, which Python reads as
infinity) become null.
"""

from __future__ import annotations

import json
import math
import re
from typing import Any

REPLACEMENT = "\ufffd"
# In a decoded Python string a surrogate code point is always a lone one: json.loads joins
# a valid escaped pair into the one character it encodes.
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")
# In the raw JSON text: the escapes that decode to NUL or to a surrogate. Raw surrogates
# cannot occur there (the bytes are decoded as UTF-8 with replacement).
_UNSTORABLE_ESCAPE = re.compile(r"\\u(?:0000|[dD][89a-fA-F][0-9a-fA-F]{2})")


def clean_text(text: str) -> str:
    """`text` without NUL and with each lone surrogate replaced by U+FFFD."""
    if not _UNSTORABLE.search(text):
        return text
    return _UNSTORABLE.sub(lambda match: "" if match.group() == "\x00" else REPLACEMENT, text)


def clean(data: Any) -> Any:
    """`data` (decoded JSON) with every string, keys included, made storable."""
    if isinstance(data, str):
        return clean_text(data)
    if isinstance(data, dict):
        return {clean_text(str(key)): clean(value) for key, value in data.items()}
    if isinstance(data, list):
        return [clean(value) for value in data]
    if isinstance(data, float) and not math.isfinite(data):
        return None
    return data


def _finite(text: str) -> float | None:
    number = float(text)
    return number if math.isfinite(number) else None


def load_json(text: str) -> Any:
    """JSON text as Python data, made storable (see the module's docstring). Raises
    ValueError when `text` is not JSON. The structure is walked only when the text holds an
    escape that needs it, so the common path costs one regular-expression search."""
    data = json.loads(text, parse_float=_finite, parse_constant=lambda _: None)
    return clean(data) if _UNSTORABLE_ESCAPE.search(text) else data
