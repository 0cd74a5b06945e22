"""Questions and answers (mercadolibre-api.md §7): the inbox, answering exactly once,
deleting, the questions blacklist, the figures, and the auto-answer rules."""

from __future__ import annotations

from datetime import datetime

import attrs
from aiohttp import web

from application.questions.commands import AnswerCommand, QuestionFilter, RuleInput
from domain.answer_rules import ActiveHours, RuleMode
from domain.questions import QuestionStatus
from entrypoints.http.context import container_of
from entrypoints.http.converter import json_response, read_body
from entrypoints.http.endpoints import Endpoint, Param, Reply
from entrypoints.http.params import (
    PAGING_PARAMS,
    paging,
    path_int,
    query_enum,
    query_int,
    query_str,
)
from entrypoints.http.problems import RequestInvalid
from entrypoints.http.question_views import (
    AttemptPage,
    BlockedBuyerList,
    QuestionDetailView,
    QuestionPage,
    QuestionView,
    RuleList,
    RuleView,
    StatsView,
    answered_view,
    attempt_view,
    blocked_view,
    question_detail_view,
    question_view,
    rule_view,
    stats_view,
)
from entrypoints.http.views import PageInfo


@attrs.define
class AnswerBody:
    """`{"text"}`, or `{"template_id", "variables"?}` (a template of kind answer)."""

    text: str | None = None
    template_id: int | None = None
    variables: dict[str, str] = attrs.field(factory=dict)


@attrs.define
class HoursBody:
    """Days (mon..sun) and times of day (HH:MM) in the seller's site's time zone."""

    days: list[str]
    start: str
    end: str


@attrs.define
class RuleBody:
    name: str
    template_id: int
    keywords: list[str] = attrs.field(factory=list)
    pattern: str | None = None
    priority: int = 0
    account_ids: list[int] = attrs.field(factory=list)
    item_ids: list[str] = attrs.field(factory=list)
    category_ids: list[str] = attrs.field(factory=list)
    active_hours: HoursBody | None = None
    mode: str = "live"
    enabled: bool = True


@attrs.define
class BlockBody:
    account_id: int
    buyer_id: int


def _when(request: web.Request, name: str) -> datetime | None:
    raw = query_str(request, name, 40)
    if raw is None:
        return None
    try:
        moment = datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        moment = None
    if moment is None or moment.tzinfo is None:
        raise RequestInvalid(
            f"invalid parameter {name}",
            [{"field": name, "reason": "must be an ISO-8601 date-time with an offset"}],
        )
    return moment


async def list_questions(request: web.Request) -> web.Response:
    status = query_enum(request, "status", QuestionStatus)
    given = QuestionFilter(
        account_id=query_int(request, "account_id", minimum=1),
        status=status.value if status else None,
        item_id=query_str(request, "item_id", 32),
        created_from=_when(request, "from"),
        created_to=_when(request, "to"),
        text=query_str(request, "q"),
    )
    page = await container_of(request).list_questions()(given, paging(request))
    return json_response(
        QuestionPage(
            [question_view(s) for s in page.items], PageInfo(page.total, page.offset, page.limit)
        )
    )


async def get_question(request: web.Request) -> web.Response:
    detail = await container_of(request).get_question()(
        path_int(request, "question_id"), query_int(request, "account_id", minimum=1)
    )
    return json_response(question_detail_view(detail))


async def answer_question(request: web.Request) -> web.Response:
    body = await read_body(request, AnswerBody)
    container = container_of(request)
    answered = await container.answer_question()(
        AnswerCommand(
            question_id=path_int(request, "question_id"),
            text=body.text,
            template_id=body.template_id,
            variables=dict(body.variables),
            account_id=query_int(request, "account_id", minimum=1),
        )
    )
    return json_response(answered_view(answered, container.clock().now()))


async def delete_question(request: web.Request) -> web.Response:
    container = container_of(request)
    deleted = await container.delete_question()(
        path_int(request, "question_id"), query_int(request, "account_id", minimum=1)
    )
    return json_response(answered_view(deleted, container.clock().now()))


def _account(request: web.Request) -> int:
    account_id = query_int(request, "account_id", minimum=1)
    if account_id is None:
        raise RequestInvalid(
            "account_id is required", [{"field": "account_id", "reason": "is required"}]
        )
    return account_id


async def question_stats(request: web.Request) -> web.Response:
    days = query_int(request, "days", 30, minimum=1, maximum=365) or 30
    stats = await container_of(request).question_stats()(_account(request), days)
    return json_response(stats_view(stats))


async def list_blocked(request: web.Request) -> web.Response:
    found = await container_of(request).list_blocked_buyers()(_account(request))
    return json_response(BlockedBuyerList([blocked_view(b) for b in found]))


async def block_buyer(request: web.Request) -> web.Response:
    body = await read_body(request, BlockBody)
    await container_of(request).block_buyer()(body.account_id, body.buyer_id)
    return web.Response(status=204)


async def unblock_buyer(request: web.Request) -> web.Response:
    await container_of(request).unblock_buyer()(_account(request), path_int(request, "buyer_id"))
    return web.Response(status=204)


def _rule_input(body: RuleBody) -> RuleInput:
    hours = body.active_hours
    return RuleInput(
        name=body.name,
        template_id=body.template_id,
        keywords=tuple(body.keywords),
        pattern=body.pattern,
        priority=body.priority,
        account_ids=tuple(body.account_ids),
        item_ids=tuple(body.item_ids),
        category_ids=tuple(body.category_ids),
        active_hours=None if hours is None else ActiveHours(hours.days, hours.start, hours.end),
        mode=RuleMode(body.mode) if body.mode in RuleMode._value2member_map_ else _bad_mode(),
        enabled=body.enabled,
    )


def _bad_mode() -> RuleMode:
    raise RequestInvalid(
        "invalid mode", [{"field": "mode", "reason": "must be live or dry_run"}], status=422
    )


async def list_rules(request: web.Request) -> web.Response:
    rules = await container_of(request).list_rules()(query_int(request, "account_id", minimum=1))
    return json_response(RuleList([rule_view(r) for r in rules]))


async def create_rule(request: web.Request) -> web.Response:
    body = await read_body(request, RuleBody)
    rule = await container_of(request).create_rule()(_rule_input(body))
    return json_response(rule_view(rule), status=201)


async def update_rule(request: web.Request) -> web.Response:
    body = await read_body(request, RuleBody)
    rule = await container_of(request).update_rule()(
        path_int(request, "rule_id"), _rule_input(body)
    )
    return json_response(rule_view(rule))


async def delete_rule(request: web.Request) -> web.Response:
    await container_of(request).delete_rule()(path_int(request, "rule_id"))
    return web.Response(status=204)


async def rule_log(request: web.Request) -> web.Response:
    page = await container_of(request).rule_log()(path_int(request, "rule_id"), paging(request))
    return json_response(
        AttemptPage(
            [attempt_view(a) for a in page.items], PageInfo(page.total, page.offset, page.limit)
        )
    )


ACCOUNT = Param("account_id", "Only this account's (another account's is not found)", "integer")
QUESTION_ID = Param("question_id", "MercadoLibre's question id", "integer", location="path")
RULE_ID = Param("rule_id", "Rule id", "integer", location="path")
TAG = "questions"

ENDPOINTS = (
    Endpoint(
        "GET",
        "/questions",
        list_questions,
        "The question inbox: unanswered first, oldest first, with how long each waited",
        TAG,
        params=(
            Param("account_id", "Only this account's", "integer"),
            Param("status", "Only this status", enum=tuple(s.value for s in QuestionStatus)),
            Param("item_id", "Only questions on this listing"),
            Param("from", "Asked at or after (ISO-8601 with offset)"),
            Param("to", "Asked before (ISO-8601 with offset)"),
            Param("q", "Text contained, without regard to case or accents"),
            *PAGING_PARAMS,
        ),
        replies={200: Reply("A page of questions", QuestionPage), 404: Reply("No such account")},
    ),
    Endpoint(
        "GET",
        "/questions/stats",
        question_stats,
        "How the account answers: waiting, time to answer, by rule or by hand",
        TAG,
        params=(
            Param("account_id", "Account", "integer", required=True),
            Param("days", "Window of answered questions, 1 to 365 days (default 30)", "integer"),
        ),
        replies={200: Reply("The figures", StatsView), 404: Reply("No such account")},
    ),
    Endpoint(
        "GET",
        "/questions/blacklist",
        list_blocked,
        "Buyers blocked from asking the seller",
        TAG,
        params=(Param("account_id", "Account", "integer", required=True),),
        replies={
            200: Reply("The blocked buyers", BlockedBuyerList),
            404: Reply("No such account"),
            409: Reply("The account must be connected again"),
        },
    ),
    Endpoint(
        "POST",
        "/questions/blacklist",
        block_buyer,
        "Block a buyer from asking the seller",
        TAG,
        body=BlockBody,
        replies={
            204: Reply("Blocked"),
            404: Reply("No such account"),
            409: Reply("The account must be connected again"),
            422: Reply("Invalid body, or MercadoLibre refused"),
        },
    ),
    Endpoint(
        "DELETE",
        "/questions/blacklist/{buyer_id}",
        unblock_buyer,
        "Let a blocked buyer ask again",
        TAG,
        params=(
            Param("buyer_id", "The buyer's user id", "integer", location="path"),
            Param("account_id", "Account", "integer", required=True),
        ),
        replies={204: Reply("Unblocked"), 404: Reply("No such account, or not blocked")},
    ),
    Endpoint(
        "GET",
        "/questions/rules",
        list_rules,
        "Auto-answer rules, in the order they are tried",
        TAG,
        params=(Param("account_id", "Only those that apply to this account", "integer"),),
        replies={200: Reply("The rules", RuleList)},
    ),
    Endpoint(
        "POST",
        "/questions/rules",
        create_rule,
        "Add an auto-answer rule",
        TAG,
        body=RuleBody,
        description="Keywords (any, each from the start of a word) or a regular expression, "
        "both without regard to case or accents; scopes; active hours in the seller's site's "
        "time zone; a template of kind answer; a priority (highest first); mode live or "
        "dry_run. A bad or unsafe regular expression, or a template variable answers do not "
        "know, is refused.",
        replies={201: Reply("Created", RuleView), 422: Reply("Invalid rule (names the field)")},
    ),
    Endpoint(
        "PUT",
        "/questions/rules/{rule_id}",
        update_rule,
        "Replace an auto-answer rule",
        TAG,
        body=RuleBody,
        params=(RULE_ID,),
        replies={
            200: Reply("Replaced", RuleView),
            404: Reply("No such rule"),
            422: Reply("Invalid rule (names the field)"),
        },
    ),
    Endpoint(
        "DELETE",
        "/questions/rules/{rule_id}",
        delete_rule,
        "Remove an auto-answer rule (its log stays)",
        TAG,
        params=(RULE_ID,),
        replies={204: Reply("Removed"), 404: Reply("No such rule")},
    ),
    Endpoint(
        "GET",
        "/questions/rules/{rule_id}/log",
        rule_log,
        "What a rule answered, would have answered (dry run) or could not, newest first",
        TAG,
        params=(RULE_ID, *PAGING_PARAMS),
        replies={200: Reply("A page of the log", AttemptPage), 404: Reply("No such rule")},
    ),
    Endpoint(
        "GET",
        "/questions/{question_id}",
        get_question,
        "One question, with its listing's title and price and every answer sent",
        TAG,
        params=(QUESTION_ID, ACCOUNT),
        replies={200: Reply("The question", QuestionDetailView), 404: Reply("No such question")},
    ),
    Endpoint(
        "POST",
        "/questions/{question_id}/answer",
        answer_question,
        "Answer a question, exactly once",
        TAG,
        body=AnswerBody,
        params=(QUESTION_ID, ACCOUNT),
        description="The text (or the template rendered for the question's listing) is "
        "checked first: 1 to 2,000 characters of the site's charset. Only an UNANSWERED "
        "question takes an answer; the intent is recorded before MercadoLibre is called, "
        "and an answer whose outcome is unknown is read back before anything may answer "
        "again, so a buyer never gets two. Of two concurrent answers one is a 409.",
        replies={
            200: Reply("Answered", QuestionView),
            404: Reply("No such question (or another account's)"),
            409: Reply("Not UNANSWERED, or already being answered (question_status says)"),
            422: Reply("Invalid text or template, or MercadoLibre refused (its message)"),
            429: Reply("The installation's rate limit or a quota is used up (Retry-After)"),
            503: Reply("MercadoLibre did not confirm; read back, nothing was sent"),
        },
    ),
    Endpoint(
        "DELETE",
        "/questions/{question_id}",
        delete_question,
        "Delete a question from the seller's listing",
        TAG,
        params=(QUESTION_ID, ACCOUNT),
        replies={
            200: Reply("Deleted (as MercadoLibre now shows it)", QuestionView),
            404: Reply("No such question"),
            422: Reply("MercadoLibre refused (its message)"),
        },
    ),
)
