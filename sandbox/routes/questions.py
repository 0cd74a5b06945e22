"""§7: questions and answers. Reads answer the `api_version=4` shape when asked for it,
the older one otherwise (§0.3); the answers to POST /questions and POST /answers are
the current shape."""

from __future__ import annotations

from aiohttp import web

from sandbox import questions as book_rules
from sandbox.errors import bad_request, forbidden
from sandbox.http import access_of, caller, json_body, path, respond, state_of
from sandbox.questions import Question


def not_the_seller() -> Exception:
    """Another user's question [INF: the wording]."""
    return forbidden("The caller is not the seller of the item of this question")


async def search(request: web.Request) -> web.Response:
    """§7: GET /questions/search?seller_id=|item=&status=&from=&sort_fields=&sort_types=
    with offset paging, or search_type=scan."""
    state = state_of(request)
    body = state.market.questions.search(request.query, access_of(request).user_id)
    return respond(request, body, trimmed=False)


async def received(request: web.Request) -> web.Response:
    """§7: GET /my/received_questions/search -> `{total, limit, questions}`."""
    state = state_of(request)
    user_id = access_of(request).user_id
    params = {**request.query, "seller_id": str(user_id)}
    body = state.market.questions.search(params, user_id)
    body = {k: body[k] for k in ("total", "limit", "questions", "scroll_id") if k in body}
    return respond(request, body, trimmed=False)


async def get_question(request: web.Request) -> web.Response:
    """§7: GET /questions/{id}?api_version=4 (without it, the older shape)."""
    book = state_of(request).market.questions
    question = book.get(request.match_info["id"])
    return respond(request, book.view(question, request.query, single=True))


async def ask(request: web.Request) -> web.Response:
    """§7: POST /questions {"text", "item_id"} as a buyer [INF: 201 with the question]."""
    state = state_of(request)
    buyer = caller(request)
    body = await json_body(request)
    if not isinstance(body, dict) or not isinstance(body.get("item_id"), str):
        raise bad_request('The body must be {"text": "...", "item_id": "..."}')
    item = state.item(body["item_id"])
    app_id = access_of(request).client_id
    question = state.market.question_desk.ask(
        buyer, item, body.get("text"), app_id=int(app_id) if app_id.isdigit() else None
    )
    return respond(request, question.as_json(single=True), 201)


def own_question(request: web.Request, question_id: object) -> Question:
    state = state_of(request)
    question = state.market.questions.get(question_id)  # type: ignore[arg-type]
    if question.seller_id != access_of(request).user_id:
        raise not_the_seller()
    return question


async def delete_question(request: web.Request) -> web.Response:
    """§7: DELETE /questions/{id} -> `["Question deleted."]` (seller, own item)."""
    question = own_question(request, request.match_info["id"])
    state_of(request).market.question_desk.delete(question)
    return respond(request, ["Question deleted."], trimmed=False)


async def answer(request: web.Request) -> web.Response:
    """§7: POST /answers {"question_id", "text"}: the question with its answer
    [INF: 200]; at most 2,000 characters; a second answer is 400 [INF]."""
    body = await json_body(request)
    if not isinstance(body, dict):
        raise bad_request('The body must be {"question_id": <id>, "text": "..."}')
    raw = body.get("question_id")
    if isinstance(raw, bool) or not isinstance(raw, int | str) or not str(raw).isdigit():
        raise bad_request("question_id is required and must be a number")
    question = own_question(request, str(raw))
    state_of(request).market.question_desk.answer(question, body.get("text"))  # type: ignore[arg-type]
    return respond(request, question.as_json(single=True))


def _own_user(request: web.Request) -> int:
    raw = request.match_info["user_id"]
    user_id = int(raw)
    if user_id != access_of(request).user_id:
        raise forbidden("The User ID must match the consultant's")
    return user_id


async def blacklist(request: web.Request) -> web.Response:
    """§7: GET /users/{seller}/questions_blacklist [OBS]."""
    seller_id = _own_user(request)
    return respond(
        request,
        book_rules.blocked_json(state_of(request).market.questions, seller_id),
        trimmed=False,
    )


async def block(request: web.Request) -> web.Response:
    """§7: POST /users/{seller}/questions_blacklist {"user_id"} [OBS; INF: 200 with the
    list]. Blocking twice is the same."""
    seller_id = _own_user(request)
    body = await json_body(request)
    raw = body.get("user_id") if isinstance(body, dict) else None
    if isinstance(raw, bool) or not isinstance(raw, int | str) or not str(raw).isdigit():
        raise bad_request("user_id is required and must be a number")
    book = state_of(request).market.questions
    book_rules.block(book, seller_id, int(raw))
    return respond(request, book_rules.blocked_json(book, seller_id), trimmed=False)


async def unblock(request: web.Request) -> web.Response:
    """§7: DELETE /users/{seller}/questions_blacklist/{user_id} [DOC-S; INF: 200, 404
    when not blocked]."""
    seller_id = _own_user(request)
    book = state_of(request).market.questions
    book_rules.unblock(book, seller_id, int(request.match_info["buyer_id"]))
    return respond(request, book_rules.blocked_json(book, seller_id), trimmed=False)


async def response_time(request: web.Request) -> web.Response:
    """§7: GET /users/{id}/questions/response_time (minutes; 404 when there is none)."""
    user_id = int(request.match_info["user_id"])
    body = book_rules.response_time_json(state_of(request).market.questions, user_id)
    return respond(request, body, trimmed=False)


def register(app: web.Application) -> None:
    router = app.router
    router.add_get("/questions/search", search)
    router.add_get("/my/received_questions/search", received)
    router.add_post("/questions", ask)
    router.add_get(path("/questions/{id:number}"), get_question)
    router.add_delete(path("/questions/{id:number}"), delete_question)
    router.add_post("/answers", answer)
    router.add_get(path("/users/{user_id:number}/questions_blacklist"), blacklist)
    router.add_post(path("/users/{user_id:number}/questions_blacklist"), block)
    router.add_delete(
        path("/users/{user_id:number}/questions_blacklist/{buyer_id:number}"), unblock
    )
    router.add_get(path("/users/{user_id:number}/questions/response_time"), response_time)
