"""Errors of the message use cases."""

from __future__ import annotations

from application.errors import Conflict


class ConversationClosed(Conflict):
    """The seller may not write in the conversation now (§8.2, §8.3). `rule` names why:
    `blocked` (with MercadoLibre's substatus), `cancelled_order` (a cancelled order
    without an earlier conversation), `refused` (MercadoLibre's 403: a mediation, Full
    not delivered yet, a receiver that does not belong...), `being_sent` (another message
    to the conversation is on its way)."""

    def __init__(self, order_id: int, rule: str, detail: str) -> None:
        super().__init__(f"no message can be sent for order {order_id}: {detail}")
        self.order_id = order_id
        self.rule = rule
