"""Storing what MercadoLibre answered to a write, whatever happens (ARCHITECTURE §3).

Everything a write stores is checked before MercadoLibre is called (validation.py,
application.storable), so storing its answer should not fail; if it does all the same
(the database went away, an answer no check foresaw), the listing is read again from
MercadoLibre and stored, and when that fails too the caller is told what MercadoLibre
now shows (WrittenNotStored), never a bare error that reads as "nothing happened".
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from typing import TypeVar

from application.errors import ApplicationError
from application.listings.errors import WrittenNotStored
from application.ports.listing_gateway import ListingGateway
from domain.listings import Listing

log = logging.getLogger(__name__)

T = TypeVar("T")


async def stored_after_write(
    listings: ListingGateway,
    account_id: int,
    written: Listing,
    store: Callable[[Listing], Awaitable[T]],
) -> T:
    """`store(written)`; if it fails, `store` of the listing as MercadoLibre shows it now.
    Raises WrittenNotStored when neither could be stored."""
    try:
        return await store(written)
    except Exception as error:
        # Any failure: MercadoLibre has the change, so none may pass as "not done".
        log.error(
            "MercadoLibre took the change to %s but storing it failed; reading it again",
            written.item_id,
            exc_info=error,
        )
        first = _reason(error)
    try:
        current = await listings.get_listing(account_id, written.item_id)
    except ApplicationError as error:
        raise WrittenNotStored(written.item_id, first, None) from error
    try:
        return await store(current)
    except Exception as error:
        log.error("storing %s as read again failed too", written.item_id, exc_info=error)
        raise WrittenNotStored(written.item_id, _reason(error), current) from error


def _reason(error: BaseException) -> str:
    message = str(error).strip().splitlines()
    return f"{type(error).__name__}: {message[0][:300]}" if message else type(error).__name__
