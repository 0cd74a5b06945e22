"""Which priority class the MercadoLibre calls made in this task belong to.

The worker sets it around each job (a periodic read, a notification, anything else is a
person's or another service's request); the gateway reads it at every call and asks the
rate limiter for a permit of that class. A context variable, so concurrent jobs on one
event loop each keep their own.
"""

from __future__ import annotations

import contextlib
import contextvars
from collections.abc import Iterator

from application.ports.rate_limiter import CallClass

_current: contextvars.ContextVar[CallClass] = contextvars.ContextVar(
    "meli_call_class", default=CallClass.INTERACTIVE
)


def current_call_class() -> CallClass:
    """The class of the calls made now; INTERACTIVE unless a job said otherwise."""
    return _current.get()


@contextlib.contextmanager
def calls_as(call_class: CallClass) -> Iterator[None]:
    """Make the MercadoLibre calls within the block calls of `call_class`."""
    token = _current.set(call_class)
    try:
        yield
    finally:
        _current.reset(token)
