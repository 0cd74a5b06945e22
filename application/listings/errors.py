"""Errors of the listing use cases."""

from __future__ import annotations

from typing import Any

from application.errors import Unavailable
from domain.listings import Listing


class WrittenNotStored(Unavailable):
    """MercadoLibre took a change that the local copy could not store, even after the
    listing was read again: the two copies disagree until the next sync. `shows` is what
    MercadoLibre showed last (None when it could not even be read)."""

    def __init__(self, item_id: str, cause: str, shows: Listing | None) -> None:
        seen = (
            "MercadoLibre shows it as described"
            if shows is not None
            else "reading it back from MercadoLibre failed too"
        )
        super().__init__(
            f"MercadoLibre took the change to {item_id}, but the local copy could not "
            f"store it ({cause}); {seen}; the next sync brings the local copy up to date"
        )
        self.item_id = item_id
        self.shows = shows

    def shown(self) -> dict[str, Any] | None:
        """What MercadoLibre shows, in plain values (for an answer)."""
        listing = self.shows
        if listing is None:
            return None
        return {
            "item_id": listing.item_id,
            "status": listing.status.value,
            "title": listing.title,
            "price": str(listing.price.amount),
            "currency_id": listing.price.currency_id,
            "available_quantity": listing.total_quantity,
            "variations": [
                {
                    "id": v.id,
                    "available_quantity": v.available_quantity,
                    "price": str(v.price.amount),
                }
                for v in listing.variations
            ],
            "last_updated": None
            if listing.last_updated is None
            else listing.last_updated.isoformat(),
        }
