"""Templates of answers and messages, with strict `{variables}`."""

from __future__ import annotations

import attrs
from aiohttp import web

from application.templates.commands import PreviewInput, TemplateChanges, TemplateInput
from domain.templates import MAX_LENGTH, MAX_NAME_LENGTH, TemplateKind
from entrypoints.http.context import container_of
from entrypoints.http.converter import json_response, read_body
from entrypoints.http.endpoints import MAX_ID, Endpoint, Param, Reply, limited
from entrypoints.http.params import path_int, query_enum, query_int
from entrypoints.http.problems import RequestInvalid
from entrypoints.http.question_views import (
    PreviewView,
    TemplateList,
    TemplateView,
    template_view,
)

# The longest text a template of any kind may have (answers: 2,000, §7).
MAX_TEMPLATE_TEXT = max(MAX_LENGTH.values())
ACCOUNT = Param.id("account_id", "Include this account's templates", "query")
KIND = Param.choice("kind", "Only this kind", TemplateKind)


@attrs.define
class TemplateBody:
    """`kind` answer or message; `text` with {variables} ({{ and }} for braces)."""

    name: str = limited(min_length=1, max_length=MAX_NAME_LENGTH)
    kind: str = limited(enum=tuple(k.value for k in TemplateKind))
    text: str = limited(min_length=1, max_length=MAX_TEMPLATE_TEXT)
    account_id: int | None = limited(None, minimum=1, maximum=MAX_ID)


@attrs.define
class TemplateChangesBody:
    name: str | None = limited(None, min_length=1, max_length=MAX_NAME_LENGTH)
    text: str | None = limited(None, min_length=1, max_length=MAX_TEMPLATE_TEXT)


@attrs.define
class PreviewBody:
    account_id: int | None = limited(None, minimum=1, maximum=MAX_ID)
    item_id: str | None = limited(None, max_length=32)
    variables: dict[str, str] = attrs.field(factory=dict)


def _kind(value: str) -> TemplateKind:
    try:
        return TemplateKind(value)
    except ValueError:
        raise RequestInvalid(
            "invalid kind", [{"field": "kind", "reason": "must be answer or message"}], status=422
        ) from None


async def list_templates(request: web.Request) -> web.Response:
    found = await container_of(request).list_templates()(
        query_int(request, ACCOUNT), query_enum(request, KIND, TemplateKind)
    )
    return json_response(TemplateList([template_view(t) for t in found]))


async def get_template(request: web.Request) -> web.Response:
    found = await container_of(request).get_template()(path_int(request, TEMPLATE_ID))
    return json_response(template_view(found))


async def create_template(request: web.Request) -> web.Response:
    body = await read_body(request, TemplateBody)
    created = await container_of(request).create_template()(
        TemplateInput(body.name, _kind(body.kind), body.text, body.account_id)
    )
    return json_response(template_view(created), status=201)


async def update_template(request: web.Request) -> web.Response:
    body = await read_body(request, TemplateChangesBody)
    changed = await container_of(request).update_template()(
        path_int(request, TEMPLATE_ID), TemplateChanges(body.name, body.text)
    )
    return json_response(template_view(changed))


async def delete_template(request: web.Request) -> web.Response:
    await container_of(request).delete_template()(path_int(request, TEMPLATE_ID))
    return web.Response(status=204)


async def preview_template(request: web.Request) -> web.Response:
    body = await read_body(request, PreviewBody)
    preview = await container_of(request).preview_template()(
        path_int(request, TEMPLATE_ID),
        PreviewInput(body.account_id, body.item_id, dict(body.variables)),
    )
    assert preview.template.id is not None
    return json_response(PreviewView(preview.template.id, preview.text, preview.values))


TEMPLATE_ID = Param.id("template_id", "Template id")
TAG = "templates"

ENDPOINTS = (
    Endpoint(
        "GET",
        "/templates",
        list_templates,
        "The shared templates and, with an account, its own, by name",
        TAG,
        params=(
            ACCOUNT,
            KIND,
        ),
        replies={200: Reply("The templates", TemplateList), 404: Reply("No such account")},
    ),
    Endpoint(
        "POST",
        "/templates",
        create_template,
        "Add a template",
        TAG,
        body=TemplateBody,
        description="Variables: buyer_nickname, seller_nickname, item_id, item_title, price, "
        "stock, shipping, plus item_link for answers and order_id for messages. An unknown "
        "variable or a stray brace is refused, naming it.",
        replies={
            201: Reply("Created", TemplateView),
            404: Reply("No such account"),
            409: Reply("The name is taken"),
            422: Reply("Invalid template (names the field)"),
        },
    ),
    Endpoint(
        "GET",
        "/templates/{template_id}",
        get_template,
        "One template",
        TAG,
        params=(TEMPLATE_ID,),
        replies={200: Reply("The template", TemplateView), 404: Reply("No such template")},
    ),
    Endpoint(
        "PUT",
        "/templates/{template_id}",
        update_template,
        "Change a template's name or text",
        TAG,
        body=TemplateChangesBody,
        params=(TEMPLATE_ID,),
        replies={
            200: Reply("Changed", TemplateView),
            404: Reply("No such template"),
            409: Reply("The name is taken"),
            422: Reply("Invalid template (names the field)"),
        },
    ),
    Endpoint(
        "DELETE",
        "/templates/{template_id}",
        delete_template,
        "Remove a template no rule uses",
        TAG,
        params=(TEMPLATE_ID,),
        replies={
            204: Reply("Removed"),
            404: Reply("No such template"),
            409: Reply("An auto-answer rule uses it"),
        },
    ),
    Endpoint(
        "POST",
        "/templates/{template_id}/preview",
        preview_template,
        "Render a template with an account's and listing's values and the variables given",
        TAG,
        body=PreviewBody,
        params=(TEMPLATE_ID,),
        replies={
            200: Reply("The rendered text", PreviewView),
            404: Reply("No such template or account"),
            422: Reply("A variable has no value (names it)"),
        },
    ),
)
