"""Questions and answers (§7)."""

from __future__ import annotations

from typing import Any

from tests.sandbox.conftest import MLA_ITEM, MakeSandbox, Sandbox

QUESTION_KEYS = {
    "date_created",
    "item_id",
    "seller_id",
    "status",
    "text",
    "id",
    "deleted_from_listing",
    "hold",
    "suspected_spam",
    "answer",
    "from",
}


async def ask(sb: Sandbox, **fields: Any) -> dict[str, Any]:
    return await sb.event("question", seller_id=sb.seller(), **fields)


async def test_search_has_the_api_version_4_shape(sandbox: Sandbox) -> None:
    """ref: mercadolibre-api.md §7 (GET /questions/search?seller_id=&api_version=4 ->
    {total, limit, questions, filters, available_filters, available_sorts})."""
    seller = sandbox.seller()
    status, body = await sandbox.get(
        "/questions/search", params={"seller_id": seller, "api_version": "4"}
    )
    assert status == 200
    assert set(body) >= {
        "total",
        "limit",
        "questions",
        "filters",
        "available_filters",
        "available_sorts",
    }
    assert body["total"] == 10 and body["limit"] == 50
    assert QUESTION_KEYS <= set(body["questions"][0])
    assert body["filters"]["caller"] == seller and body["filters"]["api_version"] == "4"
    statuses = next(f for f in body["available_filters"] if f["id"] == "status")["values"]
    assert "CLOSED_UNANSWERED" in statuses and "UNDER_REVIEW" in statuses
    assert set(body["available_sorts"]) == {"item_id", "from_id", "date_created", "seller_id"}
    answered = next(q for q in body["questions"] if q["status"] == "ANSWERED")
    assert answered["answer"]["status"] == "ACTIVE" and answered["answer"]["text"]


async def test_search_filters_sorts_and_pages(sandbox: Sandbox) -> None:
    """ref: mercadolibre-api.md §7 (item, from, status filters; sort_fields/sort_types;
    offset/limit)."""
    seller = sandbox.seller()
    question = await ask(sandbox)
    base = {"seller_id": str(seller), "api_version": "4"}
    _, unanswered = await sandbox.get("/questions/search", params={**base, "status": "UNANSWERED"})
    assert {q["status"] for q in unanswered["questions"]} == {"UNANSWERED"}
    assert question["id"] in [q["id"] for q in unanswered["questions"]]
    _, by_item = await sandbox.get(
        "/questions/search", params={"item": question["item_id"], "api_version": "4"}
    )
    assert all(q["item_id"] == question["item_id"] for q in by_item["questions"])
    _, by_buyer = await sandbox.get(
        "/questions/search", params={**base, "from": str(question["from"]["id"])}
    )
    assert all(q["from"]["id"] == question["from"]["id"] for q in by_buyer["questions"])
    _, ascending = await sandbox.get(
        "/questions/search",
        params={**base, "sort_fields": "date_created", "sort_types": "ASC"},
    )
    dates = [q["date_created"] for q in ascending["questions"]]
    assert dates == sorted(dates)
    _, descending = await sandbox.get("/questions/search", params=base)
    assert descending["questions"][0]["id"] == question["id"]
    _, page = await sandbox.get("/questions/search", params={**base, "offset": "2", "limit": "3"})
    assert [q["id"] for q in page["questions"]] == [q["id"] for q in descending["questions"][2:5]]
    assert page["total"] == descending["total"] and page["limit"] == 3
    status, _ = await sandbox.get("/questions/search", params={**base, "status": "OPEN"})
    assert status == 400
    status, _ = await sandbox.get("/questions/search", params={**base, "sort_fields": "price"})
    assert status == 400
    assert (await sandbox.get("/questions/search"))[0] == 400
    status, _ = await sandbox.get("/questions/search", params={"seller_id": sandbox.seller(1)})
    assert status == 403


async def test_search_scans_past_1000(make_sandbox: MakeSandbox) -> None:
    """ref: mercadolibre-api.md §7, §4.11 (offset+limit beyond 1000 refused; scan with
    scroll_id, null at the end, scroll valid 5 minutes)."""
    sb = await make_sandbox(questions_per_seller=1100, orders_per_seller=0, sellers=1)
    await sb.login()
    base = {"seller_id": str(sb.seller()), "api_version": "4"}
    status, _ = await sb.get("/questions/search", params={**base, "offset": "960", "limit": "50"})
    assert status == 400
    status, first = await sb.get(
        "/questions/search", params={**base, "search_type": "scan", "limit": "100"}
    )
    assert status == 200 and first["scroll_id"] and len(first["questions"]) == 100
    seen = [q["id"] for q in first["questions"]]
    scroll = first["scroll_id"]
    while True:
        _, page = await sb.get(
            "/questions/search", params={**base, "scroll_id": scroll, "limit": "100"}
        )
        if not page["questions"]:
            assert page["scroll_id"] is None
            break
        seen += [q["id"] for q in page["questions"]]
        scroll = page["scroll_id"]
    assert len(seen) == len(set(seen)) == first["total"] == 1100
    _, again = await sb.get("/questions/search", params={**base, "search_type": "scan"})
    sb.advance(301)
    status, _ = await sb.get("/questions/search", params={**base, "scroll_id": again["scroll_id"]})
    assert status == 400


async def test_get_one_question(sandbox: Sandbox) -> None:
    """ref: mercadolibre-api.md §7 (GET /questions/{id}?api_version=4 with buyer_id,
    app_id, last_updated)."""
    question = await ask(sandbox, text="¿Tenés talle 42?")
    status, body = await sandbox.get(f"/questions/{question['id']}", params={"api_version": "4"})
    assert status == 200
    assert QUESTION_KEYS | {"buyer_id", "app_id", "last_updated"} <= set(body)
    assert (body["text"], body["status"], body["answer"]) == (
        "¿Tenés talle 42?",
        "UNANSWERED",
        None,
    )
    assert (await sandbox.get("/questions/99"))[0] == 404


async def test_a_question_is_answered_once_and_only_once(sandbox: Sandbox) -> None:
    """ref: mercadolibre-api.md §7 (POST /answers: answer ACTIVE, status ANSWERED, at most
    2,000 characters; a second answer -> 400 [INF])."""
    question = await ask(sandbox)
    status, body = await sandbox.post(
        "/answers", json={"question_id": question["id"], "text": "x" * 2001}
    )
    assert status == 400 and "2000" in body["message"]
    status, body = await sandbox.post(
        "/answers", json={"question_id": question["id"], "text": "y" * 2000}
    )
    assert status == 200
    assert body["status"] == "ANSWERED"
    assert body["answer"]["status"] == "ACTIVE" and body["answer"]["text"] == "y" * 2000
    status, body = await sandbox.post(
        "/answers", json={"question_id": question["id"], "text": "again"}
    )
    assert status == 400 and body["error"] == "bad_request"
    _, stored = await sandbox.get(f"/questions/{question['id']}")
    assert stored["answer"]["text"] == "y" * 2000
    assert (await sandbox.post("/answers", json={"question_id": 1, "text": "a"}))[0] == 404
    assert (await sandbox.post("/answers", json={"text": "a"}))[0] == 400
    assert (await sandbox.post("/answers", json={"question_id": question["id"]}))[0] == 400


async def test_another_seller_cannot_answer_or_delete(sandbox: Sandbox) -> None:
    """ref: mercadolibre-api.md §7, §12.2 (only the item's seller answers and deletes)."""
    question = await sandbox.event("question", seller_id=sandbox.seller(1))
    status, _ = await sandbox.post("/answers", json={"question_id": question["id"], "text": "a"})
    assert status == 403
    assert (await sandbox.delete(f"/questions/{question['id']}"))[0] == 403


async def test_delete_a_question(sandbox: Sandbox) -> None:
    """ref: mercadolibre-api.md §7 (DELETE /questions/{id} -> ["Question deleted."])."""
    question = await ask(sandbox)
    status, body = await sandbox.delete(f"/questions/{question['id']}")
    assert (status, body) == (200, ["Question deleted."])
    _, stored = await sandbox.get(f"/questions/{question['id']}")
    assert stored["status"] == "DELETED"
    _, search = await sandbox.get("/questions/search", params={"item": question["item_id"]})
    assert question["id"] not in [q["id"] for q in search["questions"]]
    _, deleted = await sandbox.get(
        "/questions/search", params={"item": question["item_id"], "status": "DELETED"}
    )
    assert question["id"] in [q["id"] for q in deleted["questions"]]


async def test_closing_an_item_closes_its_unanswered_questions(sandbox: Sandbox) -> None:
    """ref: mercadolibre-api.md §7 (CLOSED_UNANSWERED: item closed)."""
    item = await sandbox.create_item(MLA_ITEM)
    open_question = await ask(sandbox, item_id=item["id"])
    answered = await ask(sandbox, item_id=item["id"])
    await sandbox.post("/answers", json={"question_id": answered["id"], "text": "Sí"})
    status, _ = await sandbox.put(f"/items/{item['id']}", json={"status": "closed"})
    assert status == 200
    _, closed = await sandbox.get(f"/questions/{open_question['id']}")
    assert closed["status"] == "CLOSED_UNANSWERED"
    assert (await sandbox.get(f"/questions/{answered['id']}"))[1]["status"] == "ANSWERED"


async def test_a_buyer_asks(sandbox: Sandbox) -> None:
    """ref: mercadolibre-api.md §7 (POST /questions {"text","item_id"}; at most 2,000
    characters)."""
    item = await sandbox.create_item(MLA_ITEM)
    status, body = await sandbox.post("/questions", json={"text": "¿?", "item_id": item["id"]})
    assert status == 400  # a seller does not ask on his own item
    buyer = sandbox.state.market.buyers_of("MLA")[0]
    await sandbox.login(buyer.id)
    status, body = await sandbox.post("/questions", json={"text": "Hola", "item_id": item["id"]})
    assert status == 201
    assert (body["status"], body["from"]["id"], body["seller_id"]) == (
        "UNANSWERED",
        buyer.id,
        item["seller_id"],
    )
    long = {"text": "x" * 2001, "item_id": item["id"]}
    assert (await sandbox.post("/questions", json=long))[0] == 400


async def test_banned_questions_come_back_with_empty_text(sandbox: Sandbox) -> None:
    """ref: mercadolibre-api.md §7 (BANNED questions and answers have empty text)."""
    question = await ask(sandbox)
    sandbox.state.market.questions.get(question["id"]).status = "BANNED"
    _, body = await sandbox.get(f"/questions/{question['id']}")
    assert (body["status"], body["text"]) == ("BANNED", "")


async def test_received_questions(sandbox: Sandbox) -> None:
    """ref: mercadolibre-api.md §7 (GET /my/received_questions/search -> {total, limit,
    questions})."""
    status, body = await sandbox.get(
        "/my/received_questions/search",
        params={"status": "UNANSWERED", "sort_fields": "date_created", "sort_types": "DESC"},
    )
    assert status == 200 and set(body) == {"total", "limit", "questions"}
    assert {q["seller_id"] for q in body["questions"]} == {sandbox.seller()}


async def test_moderation_states_by_hand(sandbox: Sandbox) -> None:
    """ref: mercadolibre-api.md §7 (UNDER_REVIEW, DISABLED, BANNED questions; answer
    statuses ACTIVE, DISABLED, BANNED) through PATCH /_sandbox/questions/{id}."""
    question = await ask(sandbox)
    path = f"/_sandbox/questions/{question['id']}"
    status, body = await sandbox.call("PATCH", path, json={"status": "UNDER_REVIEW"})
    assert (status, body["status"]) == (200, "UNDER_REVIEW")
    assert (await sandbox.post("/answers", json={"question_id": question["id"], "text": "a"}))[
        0
    ] == 400
    await sandbox.call("PATCH", path, json={"status": "UNANSWERED"})
    await sandbox.post("/answers", json={"question_id": question["id"], "text": "Sí"})
    status, body = await sandbox.call("PATCH", path, json={"answer_status": "BANNED"})
    assert body["answer"] == {
        "text": "",
        "status": "BANNED",
        "date_created": body["answer"]["date_created"],
    }
    assert (await sandbox.call("PATCH", path, json={"status": "GONE"}))[0] == 400
    assert (await sandbox.call("PATCH", path, json={"text": "x"}))[0] == 400


V4_ONLY = {"buyer_id", "app_id", "last_updated", "tags", "suspected_spam"}


async def test_without_api_version_4_a_search_answers_the_older_shape(sandbox: Sandbox) -> None:
    """ref: mercadolibre-api.md §0.3, §7 (without api_version=4: `from: {id,
    answered_questions}` instead of buyer_id)."""
    seller = sandbox.seller()
    status, body = await sandbox.get("/questions/search", params={"seller_id": seller})
    assert status == 200 and body["total"] == 10
    for question in body["questions"]:
        assert not V4_ONLY & set(question)
        assert set(question["from"]) == {"id", "answered_questions"}
        assert question["seller_id"] == seller
    _, current = await sandbox.get(
        "/questions/search", params={"seller_id": seller, "api_version": "4"}
    )
    assert [q["id"] for q in current["questions"]] == [q["id"] for q in body["questions"]]
    assert all(set(q["from"]) == {"id"} for q in current["questions"])


async def test_without_api_version_4_a_question_by_id_has_no_buyer_id(sandbox: Sandbox) -> None:
    """ref: mercadolibre-api.md §0.3, §7 (GET /questions/{id}: buyer_id, app_id and
    last_updated only with api_version=4; the older shape names the asker in `from`)."""
    question = await ask(sandbox, text="¿Tenés talle 42?")
    path = f"/questions/{question['id']}"
    for params in ({}, {"api_version": "3"}):
        status, older = await sandbox.get(path, params=params)
        assert status == 200
        assert not V4_ONLY & set(older)
        assert older["from"]["id"] == question["buyer_id"]
        assert older["text"] == "¿Tenés talle 42?"
    _, current = await sandbox.get(path, params={"api_version": "4"})
    assert current["buyer_id"] == older["from"]["id"] and current["from"] == {
        "id": older["from"]["id"]
    }


async def test_answered_questions_counts_the_askers_answered_questions(sandbox: Sandbox) -> None:
    """ref: mercadolibre-api.md §7 (`from.answered_questions` of the older shape)
    [INF: the asker's questions that have an answer]."""
    buyer = sandbox.state.market.buyers_of("MLA")[0].id
    first = await ask(sandbox, buyer_id=buyer)
    path = f"/questions/{first['id']}"
    before = (await sandbox.get(path))[1]["from"]["answered_questions"]
    second = await ask(sandbox, buyer_id=buyer)
    status, _ = await sandbox.post("/answers", json={"question_id": second["id"], "text": "Sí"})
    assert status == 200
    assert (await sandbox.get(path))[1]["from"]["answered_questions"] == before + 1


async def test_received_questions_follow_api_version(sandbox: Sandbox) -> None:
    """ref: mercadolibre-api.md §0.3, §7 (GET /my/received_questions/search: the same
    question fields as the search, in the shape asked for)."""
    _, older = await sandbox.get("/my/received_questions/search")
    assert all("answered_questions" in q["from"] for q in older["questions"])
    _, current = await sandbox.get("/my/received_questions/search", params={"api_version": "4"})
    assert all(q["from"].keys() == {"id"} and "tags" in q for q in current["questions"])


async def test_a_seller_blocks_and_unblocks_a_buyer_from_asking(sandbox: Sandbox) -> None:
    """ref: mercadolibre-api.md §7 (POST /users/{seller}/questions_blacklist {user_id} [OBS],
    GET the same path, DELETE .../questions_blacklist/{user_id} [DOC-S]); a blocked buyer
    cannot ask [INF: 403]."""
    seller = sandbox.seller()
    question = await ask(sandbox)
    buyer = question["from"]["id"]
    path = f"/users/{seller}/questions_blacklist"
    assert await sandbox.get(path) == (
        200,
        {"users": [], "paging": {"total": 0, "offset": 0, "limit": 0}},
    )
    status, body = await sandbox.post(path, json={"user_id": buyer})
    assert status == 200 and [u["id"] for u in body["users"]] == [buyer]
    assert (await sandbox.post(path, json={"user_id": buyer}))[0] == 200, "blocking twice is one"
    _, listed = await sandbox.get(path)
    assert [u["id"] for u in listed["users"]] == [buyer] and listed["users"][0]["blocked_at"]
    refused = await sandbox.client.post(
        "/_sandbox/events", json={"type": "question", "seller_id": seller, "buyer_id": buyer}
    )
    assert refused.status == 403
    assert (await sandbox.post(path, json={"user_id": "x"}))[0] == 400
    other = sandbox.seller(1)
    assert (await sandbox.get(f"/users/{other}/questions_blacklist"))[0] == 403

    assert (await sandbox.delete(f"{path}/{buyer}"))[0] == 200
    assert (await sandbox.delete(f"{path}/{buyer}"))[0] == 404
    again = await sandbox.client.post(
        "/_sandbox/events", json={"type": "question", "seller_id": seller, "buyer_id": buyer}
    )
    assert again.status == 201


async def test_the_response_time_is_in_minutes_and_absent_without_answers(
    sandbox: Sandbox,
) -> None:
    """ref: mercadolibre-api.md §7 (GET /users/{id}/questions/response_time -> {user_id,
    total, weekend, weekdays_working_hours, weekdays_extra_hours}; none -> the documented
    404 body)."""
    seller = sandbox.seller()
    status, body = await sandbox.get(f"/users/{seller}/questions/response_time")
    assert status == 200, body
    assert body["user_id"] == seller
    assert isinstance(body["total"]["response_time"], int)
    assert set(body) == {
        "user_id",
        "total",
        "weekend",
        "weekdays_working_hours",
        "weekdays_extra_hours",
    }
    nobody = sandbox.seller(1)
    for question in sandbox.state.market.questions.by_seller.get(nobody, []):
        question.answer = None
    status, body = await sandbox.get(f"/users/{nobody}/questions/response_time")
    assert status == 404
    assert body == {
        "message": f"Response time not found for user id: {nobody}",
        "error": "not_found",
        "status": 404,
        "cause": [],
    }
