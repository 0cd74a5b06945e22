from __future__ import annotations

from collections.abc import Mapping

import attrs


@attrs.define(frozen=True)
class SendMessageCommand:
    """A message to an order's buyer: a `text`, a message `template_id` (rendered for the
    order with `variables` on top), or, through MercadoLibre's action guide (§8.3), an
    `option_id` with a text or a template. `attachments`: ids of uploads (§8.4).
    `account_id` scopes the order when given."""

    order_id: int
    text: str | None = None
    template_id: int | None = None
    variables: Mapping[str, str] = attrs.field(factory=dict)
    attachments: tuple[str, ...] = ()
    option_id: str | None = None
    account_id: int | None = None
    rule_id: int | None = None
