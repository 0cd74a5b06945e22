from __future__ import annotations

from application.inventory.requests import check_requests
from application.inventory.stock_writer import StockWriter
from application.ports.clock import Clock
from domain.inventory import (
    StockRequest,
    StockResult,
)


class UpdateStock:
    """PATCH one listing's stock (or one variation's), applied at once.

    Raises ValidationFailed for bad input (before any call); NotFound for a listing not
    in the local copy and Conflict for one closed or removed (its state, not the input,
    refuses the write; nothing is called); and, when MercadoLibre could not be written,
    the port error itself (NotFound, Conflict, RateLimited, Unavailable, ...), so that
    the caller gets its status rather than a refusal.
    """

    def __init__(self, writer: StockWriter, clock: Clock) -> None:
        self._writer = writer
        self._clock = clock

    async def __call__(self, request: StockRequest, source: str = "api") -> StockResult:
        check_requests([request], field="")
        write = await self._writer.apply(request.item_id, [request], self._clock.now(), source)
        [result] = write.or_raise()
        return result
