"""Dead letters: notifications and jobs that failed for good, and their replay."""

from __future__ import annotations

from aiohttp import web

from application.queries import DeadLetterQuery
from domain.dead_letters import DeadLetterSource
from entrypoints.http.context import container_of
from entrypoints.http.converter import json_response
from entrypoints.http.endpoints import Endpoint, Param, Reply
from entrypoints.http.notification_views import DeadLetterPage, ReplayView, dead_letter_view
from entrypoints.http.params import (
    PAGING_PARAMS,
    paging,
    path_int,
    query_bool,
    query_enum,
    query_int,
)
from entrypoints.http.views import PageInfo

LIST_PARAMS = (
    Param.choice("source", "notification or job", DeadLetterSource),
    Param(
        "open",
        "true: only those not replayed yet; false: only replayed ones; absent: all",
        "boolean",
    ),
    Param.id("account_id", "Only this account's", location="query"),
    *PAGING_PARAMS,
)
SOURCE, OPEN, ACCOUNT_FILTER = LIST_PARAMS[:3]
DEAD_LETTER = Param.id("dead_letter_id", "Dead letter id")


async def list_dead_letters(request: web.Request) -> web.Response:
    source = query_enum(request, SOURCE, DeadLetterSource)
    is_open = query_bool(request, OPEN)
    query = DeadLetterQuery(
        source=source.value if source else None,
        # open=true: not replayed yet; open=false: replayed; absent: all.
        replayed=None if is_open is None else not is_open,
        account_id=query_int(request, ACCOUNT_FILTER),
        paging=paging(request),
    )
    page = await container_of(request).list_dead_letters()(query)
    return json_response(
        DeadLetterPage(
            [dead_letter_view(letter) for letter in page.items],
            PageInfo(page.total, page.offset, page.limit),
        )
    )


async def replay_dead_letter(request: web.Request) -> web.Response:
    replay = await container_of(request).replay_dead_letter()(path_int(request, DEAD_LETTER))
    return json_response(ReplayView(dead_letter_view(replay.letter), replay.action), status=202)


ENDPOINTS = (
    Endpoint(
        "GET",
        "/dead-letters",
        list_dead_letters,
        "Notifications and jobs that failed for good, newest first",
        "notifications",
        params=LIST_PARAMS,
        replies={200: Reply("A page of dead letters", DeadLetterPage)},
    ),
    Endpoint(
        "POST",
        "/dead-letters/{dead_letter_id}/replay",
        replay_dead_letter,
        "Replay a dead letter",
        "notifications",
        description="A notification goes back to `received` with its failures reset and "
        "is queued; a job is queued again. Each dead letter replays once: a second replay "
        "is a 409 (if the work failed again, it left a new dead letter).",
        params=(DEAD_LETTER,),
        replies={
            202: Reply("Replayed", ReplayView),
            404: Reply("No such dead letter"),
            409: Reply("Already replayed"),
        },
    ),
)
