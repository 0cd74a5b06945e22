"""Automatic post-sale messages (§8): rules that send a message template once per order
when it is paid, shipped or delivered, and what each rule sent."""

from __future__ import annotations

from datetime import datetime

import attrs
from aiohttp import web

from application.messages.rule_commands import MessageRuleInput
from domain.message_rules import (
    MAX_DELAY_SECONDS,
    MAX_NAME_LENGTH,
    MessageRule,
    MessageRuleRun,
    OrderEvent,
    RuleMode,
)
from entrypoints.http.context import container_of
from entrypoints.http.converter import json_response, read_body
from entrypoints.http.endpoints import MAX_ID, Endpoint, Param, Reply, limited
from entrypoints.http.params import PAGING_PARAMS, paging, path_int
from entrypoints.http.views import PageInfo


@attrs.define
class MessageRuleBody:
    name: str = limited(min_length=1, max_length=MAX_NAME_LENGTH)
    event: str = limited(enum=tuple(e.value for e in OrderEvent))
    template_id: int = limited(minimum=1, maximum=MAX_ID)
    delay_seconds: int = limited(0, minimum=0, maximum=MAX_DELAY_SECONDS)
    account_ids: list[int] = limited(factory=list, max_items=100)
    mode: str = limited("live", enum=tuple(m.value for m in RuleMode))
    enabled: bool = True


@attrs.define(frozen=True)
class MessageRuleView:
    id: int
    name: str
    event: str
    template_id: int
    delay_seconds: int
    account_ids: list[int]
    mode: str
    enabled: bool
    created_at: datetime


@attrs.define(frozen=True)
class MessageRuleList:
    rules: list[MessageRuleView]


@attrs.define(frozen=True)
class RuleRunView:
    """A rule meeting an order: `due` until its delay is over, then `sent` (with its
    send), `dry_run` (the text it would have sent) or `failed` (with why)."""

    id: int
    rule_id: int
    order_id: int
    account_id: int
    event: str
    status: str
    due_at: datetime
    created_at: datetime
    finished_at: datetime | None
    text: str | None
    send_id: int | None
    error: str | None


@attrs.define(frozen=True)
class RuleRunPage:
    results: list[RuleRunView]
    paging: PageInfo


def rule_view(rule: MessageRule) -> MessageRuleView:
    assert rule.id is not None
    return MessageRuleView(
        rule.id,
        rule.name,
        rule.event.value,
        rule.template_id,
        rule.delay_seconds,
        list(rule.account_ids),
        rule.mode.value,
        rule.enabled,
        rule.created_at,
    )


def run_view(run: MessageRuleRun) -> RuleRunView:
    assert run.id is not None
    return RuleRunView(
        run.id,
        run.rule_id,
        run.order_id,
        run.account_id,
        run.event.value,
        run.status.value,
        run.due_at,
        run.created_at,
        run.finished_at,
        run.text,
        run.send_id,
        run.error,
    )


def _input(body: MessageRuleBody) -> MessageRuleInput:
    return MessageRuleInput(
        name=body.name,
        event=body.event,
        template_id=body.template_id,
        delay_seconds=body.delay_seconds,
        account_ids=tuple(body.account_ids),
        mode=body.mode,
        enabled=body.enabled,
    )


RULE_ID = Param.id("rule_id", "Rule id")


async def list_message_rules(request: web.Request) -> web.Response:
    rules = await container_of(request).list_message_rules()()
    return json_response(MessageRuleList([rule_view(r) for r in rules]))


async def create_message_rule(request: web.Request) -> web.Response:
    body = await read_body(request, MessageRuleBody)
    rule = await container_of(request).create_message_rule()(_input(body))
    return json_response(rule_view(rule), status=201)


async def update_message_rule(request: web.Request) -> web.Response:
    body = await read_body(request, MessageRuleBody)
    rule = await container_of(request).update_message_rule()(
        path_int(request, RULE_ID), _input(body)
    )
    return json_response(rule_view(rule))


async def delete_message_rule(request: web.Request) -> web.Response:
    await container_of(request).delete_message_rule()(path_int(request, RULE_ID))
    return web.Response(status=204)


async def message_rule_log(request: web.Request) -> web.Response:
    page = await container_of(request).message_rule_log()(
        path_int(request, RULE_ID), paging(request)
    )
    return json_response(
        RuleRunPage(
            [run_view(r) for r in page.items], PageInfo(page.total, page.offset, page.limit)
        )
    )


TAG = "messages"
NO_RULE = Reply("No such rule")
INVALID = Reply("Invalid rule (names the field)")

ENDPOINTS = (
    Endpoint(
        "GET",
        "/messages/rules",
        list_message_rules,
        "Automatic-message rules",
        TAG,
        replies={200: Reply("The rules", MessageRuleList)},
    ),
    Endpoint(
        "POST",
        "/messages/rules",
        create_message_rule,
        "Add an automatic-message rule",
        TAG,
        body=MessageRuleBody,
        description="On an order's event (paid, shipped, delivered) after the rule exists, "
        "send a template of kind message once per order, `delay_seconds` later, for the "
        "`account_ids` (none: all); `mode` live or dry_run (logs the text, sends nothing). "
        "Sent through the same checks as a message by hand: where MercadoLibre does not "
        "let the seller write, the run is logged failed with the reason.",
        replies={201: Reply("Created", MessageRuleView), 422: INVALID},
    ),
    Endpoint(
        "PUT",
        "/messages/rules/{rule_id}",
        update_message_rule,
        "Replace an automatic-message rule (the orders it met are not met again)",
        TAG,
        body=MessageRuleBody,
        params=(RULE_ID,),
        replies={200: Reply("Replaced", MessageRuleView), 404: NO_RULE, 422: INVALID},
    ),
    Endpoint(
        "DELETE",
        "/messages/rules/{rule_id}",
        delete_message_rule,
        "Remove an automatic-message rule (its log stays)",
        TAG,
        params=(RULE_ID,),
        replies={204: Reply("Removed"), 404: NO_RULE},
    ),
    Endpoint(
        "GET",
        "/messages/rules/{rule_id}/log",
        message_rule_log,
        "What a rule sent, would have sent (dry run), waits to send or could not, newest first",
        TAG,
        params=(RULE_ID, *PAGING_PARAMS),
        replies={200: Reply("A page of the log", RuleRunPage), 404: NO_RULE},
    ),
)
