from __future__ import annotations

import attrs


@attrs.define(frozen=True)
class MessageRuleInput:
    """An automatic-message rule as given: on `event` (paid, shipped, delivered), send the
    message template `template_id` once per order, `delay_seconds` later, for the
    `account_ids` (none: every account); `mode` live or dry_run."""

    name: str
    event: str
    template_id: int
    delay_seconds: int = 0
    account_ids: tuple[int, ...] = ()
    mode: str = "live"
    enabled: bool = True
