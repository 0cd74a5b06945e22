"""What the database can hold: every value a write to MercadoLibre would make us store is
checked against it before the call (ARCHITECTURE §3). A value MercadoLibre took that the
local copy then cannot store leaves the two copies disagreeing, and the caller with a
failure for a change that was made.

The SQL schema (adapters/sql/tables.py) declares its columns with these limits, so the
two cannot drift apart. Each check answers the reason a value cannot be stored, or None.
"""

from __future__ import annotations

from decimal import Decimal

# Integer columns (quantities, safety stock); BigInteger ones (MercadoLibre's ids).
MAX_INT32 = 2**31 - 1
MAX_INT64 = 2**63 - 1

# Amounts: NUMERIC(20, 2). Two places are the most any MercadoLibre currency uses.
AMOUNT_DIGITS = 20
AMOUNT_PLACES = 2
MAX_AMOUNT = Decimal(10) ** (AMOUNT_DIGITS - AMOUNT_PLACES) - Decimal(1).scaleb(-AMOUNT_PLACES)

# Text columns with a length (characters).
MAX_ITEM_ID = 32
MAX_CATEGORY_ID = 32
MAX_SHORT_CODE = 64  # listing types, shipping modes, statuses
MAX_VIDEO_ID = 255
MAX_SKU = 255


def text_problem(text: str, max_length: int | None = None) -> str | None:
    """Why `text` cannot be stored, or None. PostgreSQL's text and JSONB refuse NUL; a
    lone UTF-16 surrogate (`\\ud800`, which JSON can carry) is no character at all and
    cannot be encoded as UTF-8; a column with a length refuses a longer value."""
    if "\x00" in text:
        return "must not contain NUL characters"
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as error:
        return f"holds an invalid character (a lone UTF-16 surrogate at position {error.start})"
    if max_length is not None and len(text) > max_length:
        return f"is {len(text)} characters long; at most {max_length} can be stored"
    return None


def integer_problem(value: int, maximum: int = MAX_INT32, minimum: int = 0) -> str | None:
    """Why an integer cannot be stored in its column, or None."""
    if isinstance(value, bool) or not isinstance(value, int):
        return "must be a whole number"
    if not minimum <= value <= maximum:
        return f"must be between {minimum} and {maximum}"
    return None


def amount_problem(amount: Decimal) -> str | None:
    """Why an amount cannot be stored (NUMERIC(20, 2)), or None."""
    if not amount.is_finite() or abs(amount) > MAX_AMOUNT:
        return f"must be at most {MAX_AMOUNT:,}"
    return None
