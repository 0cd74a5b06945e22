"""How deliveries are signed, and how a subscriber checks them (the README shows the same
check in a few lines of Python).

Signature: `sha256=` + hex HMAC-SHA256 of `"{timestamp}.{body}"` with the subscription's
secret, sent as X-Meli-Signature; the timestamp (Unix seconds) as X-Meli-Timestamp.
Signing the timestamp with the body lets a subscriber refuse replays of old deliveries.
"""

from __future__ import annotations

import hashlib
import hmac

SIGNATURE_HEADER = "X-Meli-Signature"
TIMESTAMP_HEADER = "X-Meli-Timestamp"
DEFAULT_TOLERANCE = 300  # seconds a subscriber should accept between timestamp and now


def signature(secret: str, timestamp: int, body: bytes) -> str:
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return f"sha256={digest.hexdigest()}"


def verify(
    secret: str,
    timestamp: str,
    body: bytes,
    signature_header: str,
    now: float,
    tolerance: float = DEFAULT_TOLERANCE,
) -> bool:
    """Whether a delivery is authentic and fresh: constant-time comparison of the
    signature, and a timestamp within `tolerance` seconds of `now`."""
    try:
        sent = int(timestamp)
    except ValueError:
        return False
    if abs(now - sent) > tolerance:
        return False
    return hmac.compare_digest(signature(secret, sent, body), signature_header)
