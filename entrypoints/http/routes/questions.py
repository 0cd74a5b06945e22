"""Questions and answers (mercadolibre-api.md §7): the inbox, answering exactly once,
deleting, the questions blacklist, the figures, and the auto-answer rules."""

from __future__ import annotations

from datetime import datetime

import attrs
from aiohttp import web

from application.questions.commands import AnswerCommand, QuestionFilter, RuleInput
from domain.answer_rules import MAX_KEYWORDS, MAX_PATTERN_LENGTH, ActiveHours, RuleMode
from domain.questions import MAX_TEXT_LENGTH, QuestionStatus
from domain.templates import MAX_NAME_LENGTH
from entrypoints.http.context import container_of
from entrypoints.http.converter import json_response, read_body
from entrypoints.http.endpoints import MAX_ID, Endpoint, Param, Reply, limited
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

    text: str | None = limited(None, max_length=MAX_TEXT_LENGTH)
    template_id: int | None = limited(None, minimum=1, maximum=MAX_ID)
    variables: dict[str, str] = attrs.field(factory=dict)


@attrs.define
class HoursBody:
    """Days (mon..sun) and times of day (HH:MM) in the seller's site's time zone."""

    days: list[str] = limited(max_items=7)
    start: str = limited(max_length=5)
    end: str = limited(max_length=5)


@attrs.define
class RuleBody:
    name: str = limited(min_length=1, max_length=MAX_NAME_LENGTH)
    template_id: int = limited(minimum=1, maximum=MAX_ID)
    keywords: list[str] = limited(factory=list, max_items=MAX_KEYWORDS)
    pattern: str | None = limited(None, max_length=MAX_PATTERN_LENGTH)
    priority: int = limited(0, minimum=-1000, maximum=1000)
    account_ids: list[int] = limited(factory=list, max_items=100)
    item_ids: list[str] = limited(factory=list, max_items=1000)
    category_ids: list[str] = limited(factory=list, max_items=1000)
    active_hours: HoursBody | None = None
    mode: str = limited("live", enum=tuple(m.value for m in RuleMode))
    enabled: bool = True


@attrs.define
class BlockBody:
    account_id: int = limited(minimum=1, maximum=MAX_ID)
    buyer_id: int = limited(minimum=1, maximum=MAX_ID)


ACCOUNT = Param.id("account_id", "Only this account's (another account's is not found)", "query")
REQUIRED_ACCOUNT = Param(
    "account_id", "Account", "integer", required=True, minimum=1, maximum=MAX_ID
)
QUESTION_ID = Param.id("question_id", "MercadoLibre's question id")
RULE_ID = Param.id("rule_id", "Rule id")
BUYER_ID = Param.id("buyer_id", "The buyer's user id")
STATUS = Param.choice("status", "Only this status", QuestionStatus)
ITEM_ID = Param("item_id", "Only questions on this listing", max_length=32)
# An ISO-8601 date-time with its offset, e.g. 2026-11-30T10:00:00-03:00 (empty: absent,
# as for every optional text parameter).
MOMENT = (
    r"^([0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}(:[0-9]{2}(\.[0-9]{1,9})?)?"
    r"(Z|[+-][0-9]{2}:?[0-9]{2}))?$"
)
CREATED_FROM = Param(
    "from",
    "Asked at or after (ISO-8601 with offset)",
    max_length=40,
    pattern=MOMENT,
    hint="2026-11-30T10:00:00-03:00",
)
CREATED_TO = Param(
    "to",
    "Asked before (ISO-8601 with offset)",
    max_length=40,
    pattern=MOMENT,
    hint="2026-11-30T10:00:00-03:00",
)
TEXT = Param("q", "Text contained, without regard to case or accents", max_length=200)
DAYS = Param(
    "days",
    "Window of answered questions, 1 to 365 days (default 30)",
    "integer",
    minimum=1,
    maximum=365,
)


def _when(request: web.Request, param: Param) -> datetime | None:
    name = param.name
    raw = query_str(request, param)
    if raw is None:
        return None
    try:
        moment = datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        # The shape is right (the reader checked it) but it names no moment: 2026-13-40.
        raise RequestInvalid(
            f"invalid parameter {name}",
            [{"field": name, "reason": "is not a real date and time"}],
            status=422,
        ) from None
    return moment


async def list_questions(request: web.Request) -> web.Response:
    status = query_enum(request, STATUS, QuestionStatus)
    given = QuestionFilter(
        account_id=query_int(request, ACCOUNT),
        status=status.value if status else None,
        item_id=query_str(request, ITEM_ID),
        created_from=_when(request, CREATED_FROM),
        created_to=_when(request, CREATED_TO),
        text=query_str(request, TEXT),
    )
    page = await container_of(request).list_questions()(given, paging(request))
    return json_response(
        QuestionPage(
            [question_view(s) for s in page.items], PageInfo(page.total, page.offset, page.limit)
        )
    )


async def get_question(request: web.Request) -> web.Response:
    detail = await container_of(request).get_question()(
        path_int(request, QUESTION_ID), query_int(request, ACCOUNT)
    )
    return json_response(question_detail_view(detail))


async def answer_question(request: web.Request) -> web.Response:
    body = await read_body(request, AnswerBody)
    container = container_of(request)
    answered = await container.answer_question()(
        AnswerCommand(
            question_id=path_int(request, QUESTION_ID),
            text=body.text,
            template_id=body.template_id,
            variables=dict(body.variables),
            account_id=query_int(request, ACCOUNT),
        )
    )
    return json_response(answered_view(answered, container.clock().now()))


async def delete_question(request: web.Request) -> web.Response:
    container = container_of(request)
    deleted = await container.delete_question()(
        path_int(request, QUESTION_ID), query_int(request, ACCOUNT)
    )
    return json_response(answered_view(deleted, container.clock().now()))


def _account(request: web.Request) -> int:
    account_id = query_int(request, REQUIRED_ACCOUNT)
    assert account_id is not None  # required: the reader refuses it absent
    return account_id


async def question_stats(request: web.Request) -> web.Response:
    days = query_int(request, DAYS, 30) or 30
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
    await container_of(request).unblock_buyer()(_account(request), path_int(request, BUYER_ID))
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
    rules = await container_of(request).list_rules()(query_int(request, ACCOUNT))
    return json_response(RuleList([rule_view(r) for r in rules]))


async def create_rule(request: web.Request) -> web.Response:
    body = await read_body(request, RuleBody)
    rule = await container_of(request).create_rule()(_rule_input(body))
    return json_response(rule_view(rule), status=201)


async def update_rule(request: web.Request) -> web.Response:
    body = await read_body(request, RuleBody)
    rule = await container_of(request).update_rule()(path_int(request, RULE_ID), _rule_input(body))
    return json_response(rule_view(rule))


async def delete_rule(request: web.Request) -> web.Response:
    await container_of(request).delete_rule()(path_int(request, RULE_ID))
    return web.Response(status=204)


async def rule_log(request: web.Request) -> web.Response:
    page = await container_of(request).rule_log()(path_int(request, RULE_ID), paging(request))
    return json_response(
        AttemptPage(
            [attempt_view(a) for a in page.items], PageInfo(page.total, page.offset, page.limit)
        )
    )


TAG = "questions"

ENDPOINTS = (
    Endpoint(
        "GET",
        "/questions",
        list_questions,
        "The question inbox: unanswered first, oldest first, with how long each waited",
        TAG,
        params=(
            ACCOUNT,
            STATUS,
            ITEM_ID,
            CREATED_FROM,
            CREATED_TO,
            TEXT,
            *PAGING_PARAMS,
        ),
        replies={
            200: Reply("A page of questions", QuestionPage),
            404: Reply("No such account"),
            422: Reply("`from` or `to` has the shape of a date but names no real one"),
        },
    ),
    Endpoint(
        "GET",
        "/questions/stats",
        question_stats,
        "How the account answers: waiting, time to answer, by rule or by hand",
        TAG,
        params=(
            REQUIRED_ACCOUNT,
            DAYS,
        ),
        replies={200: Reply("The figures", StatsView), 404: Reply("No such account")},
        calls_mercadolibre=True,
    ),
    Endpoint(
        "GET",
        "/questions/blacklist",
        list_blocked,
        "Buyers blocked from asking the seller",
        TAG,
        params=(REQUIRED_ACCOUNT,),
        replies={
            200: Reply("The blocked buyers", BlockedBuyerList),
            404: Reply("No such account"),
            409: Reply("The account must be connected again"),
        },
        calls_mercadolibre=True,
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
        calls_mercadolibre=True,
    ),
    Endpoint(
        "DELETE",
        "/questions/blacklist/{buyer_id}",
        unblock_buyer,
        "Let a blocked buyer ask again",
        TAG,
        params=(
            BUYER_ID,
            REQUIRED_ACCOUNT,
        ),
        replies={204: Reply("Unblocked"), 404: Reply("No such account, or not blocked")},
        calls_mercadolibre=True,
    ),
    Endpoint(
        "GET",
        "/questions/rules",
        list_rules,
        "Auto-answer rules, in the order they are tried",
        TAG,
        params=(Param.id("account_id", "Only those that apply to this account", "query"),),
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
        calls_mercadolibre=True,
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
        calls_mercadolibre=True,
    ),
)
