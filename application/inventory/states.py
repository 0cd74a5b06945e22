"""Which listings take stock: a closed or removed one never does."""

from __future__ import annotations

from domain.listings import Listing


def final_state(listing: Listing) -> str | None:
    """The listing and the state that makes it final, for an error message, or None
    when it can still change. A closed listing is final (§4.3, §4.5) and a deleted one
    is closed with sub_status `deleted` (§4.4); one the local copy marks removed is no
    longer on MercadoLibre. Read from the local copy alone: no MercadoLibre call."""
    status = listing.status.value
    if listing.sub_status:
        status += f", sub_status {', '.join(listing.sub_status)}"
    if listing.removed_at is not None:
        return (
            f"{listing.item_id} was removed from MercadoLibre on "
            f"{listing.removed_at.isoformat()} (status {status})"
        )
    if listing.is_final:
        return f"{listing.item_id} is closed (status {status})"
    return None


def state_refusal(listing: Listing) -> str | None:
    """Why the listing's state takes no stock write, or None (see final_state)."""
    state = final_state(listing)
    if state is None:
        return None
    if listing.removed_at is not None:
        return f"{state}: its stock cannot change"
    return f"{state}: the stock of a closed listing cannot change (§4.3)"
