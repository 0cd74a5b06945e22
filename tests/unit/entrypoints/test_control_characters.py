"""Control characters in input are refused at the edges, and NUL read from MercadoLibre
is dropped: PostgreSQL's text and JSONB cannot hold NUL, and once one is stored nowhere
(or a batch upsert of a sync fails on it) the caller got a 500 after a change was made."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import make_mocked_request

from adapters.mercadolibre import MercadoLibreClient, RetryPolicy, create_session
from application.errors import ValidationFailed
from application.listings.commands import CreateListingCommand, UpdateListingCommand
from application.ports.rate_limiter import API_CALLS
from domain.errors import InvalidValue
from domain.listings import ListingStatus, check_title, has_control_characters
from domain.subscriptions import Subscription
from entrypoints.http.converter import read_body
from entrypoints.http.params import path_int, path_str, query_bool, query_enum, query_int, query_str
from entrypoints.http.problems import RequestInvalid
from entrypoints.http.routes.product_bodies import UpdateProductBody
from tests.unit.application.test_inventory import SIMPLE, World, a_listing, running_world

NOW = datetime(2026, 1, 1, 12, tzinfo=UTC)


# -- REST bodies ---------------------------------------------------------------------------


@pytest.fixture
async def body_reader(aiohttp_client: Any):
    """POST /body answers 200 with what read_body built, or the RequestInvalid it raised."""

    async def handle(request: web.Request) -> web.Response:
        try:
            body = await read_body(request, UpdateProductBody)
        except RequestInvalid as error:
            return web.json_response(
                {"status": error.status, "errors": error.errors}, status=error.status
            )
        return web.json_response({"title": body.title, "description": body.description})

    app = web.Application()
    app.router.add_post("/body", handle)
    client = await aiohttp_client(app)

    async def post(payload: Any) -> tuple[int, dict]:
        response = await client.post("/body", json=payload)
        return response.status, await response.json()

    return post


async def test_a_body_with_a_nul_in_a_string_is_a_422_naming_the_field(body_reader):
    status, answer = await body_reader({"title": "Titulo con \u0000 nulo"})
    assert status == 422
    assert [e["field"] for e in answer["errors"]] == ["title"]
    assert "control characters" in answer["errors"][0]["reason"]


async def test_control_characters_are_found_at_any_depth_and_each_is_named(body_reader):
    status, answer = await body_reader(
        {
            "title": "ok",
            "variations": [
                {
                    "attribute_combinations": [
                        {"id": "COLOR", "value_name": "Negro"},
                        {"id": "SIZE", "value_name": "4\u001b2"},
                    ]
                }
            ],
            "description": "bell\u0007",
            "pictures": [{"source": "https://example.com/\u007f.jpg"}],
        }
    )
    assert status == 422
    assert {e["field"] for e in answer["errors"]} == {
        "variations[0].attribute_combinations[1].value_name",
        "description",
        "pictures[0].source",
    }


async def test_an_object_key_with_a_control_character_is_refused_too(body_reader):
    status, answer = await body_reader({"tit\u0000le": "x"})
    assert status == 422 and len(answer["errors"]) == 1
    assert "tit" in answer["errors"][0]["field"]


async def test_tabs_and_line_breaks_pass_the_body_guard(body_reader):
    status, answer = await body_reader({"description": "Linea 1\r\nLinea 2\n\tfin"})
    assert status == 200 and answer["description"] == "Linea 1\r\nLinea 2\n\tfin"


async def test_malformed_json_is_still_a_400(body_reader):
    status, _ = await body_reader(None)
    assert status == 400


# -- query and path parameters ----------------------------------------------------------------


def _refused(call, *args) -> RequestInvalid:
    with pytest.raises(RequestInvalid) as refused:
        call(*args)
    return refused.value


@pytest.mark.parametrize("query", ["q=%00abc", "q=a%0Ab", "q=%1B", "q=%7F"])
def test_a_query_string_with_a_control_character_is_a_400_naming_it(query):
    refused = _refused(query_str, make_mocked_request("GET", f"/products?{query}"), "q")
    assert refused.status == 400 and refused.errors[0]["field"] == "q"
    assert "control characters" in refused.errors[0]["reason"]


def test_every_query_helper_refuses_control_characters():
    request = make_mocked_request("GET", "/x?n=1%00&e=a%00&b=true%00")
    assert _refused(query_int, request, "n").errors[0]["field"] == "n"
    assert "control" in _refused(query_enum, request, "e", ListingStatus).errors[0]["reason"]
    assert _refused(query_bool, request, "b").errors[0]["field"] == "b"


def test_query_bool_reads_true_and_false_as_the_openapi_document_says_and_refuses_the_rest():
    request = make_mocked_request("GET", "/x?a=true&b=false&c=yes&d=TRUE&e=0&f=")
    assert (query_bool(request, "a"), query_bool(request, "b"), query_bool(request, "z")) == (
        True,
        False,
        None,
    )
    for name in "cde":
        assert _refused(query_bool, request, name).errors[0]["reason"] == "must be true or false"
    assert _refused(query_bool, request, "f").errors[0]["reason"] == "must not be empty"


def test_path_parameters_with_control_characters_are_refused():
    request = make_mocked_request(
        "POST", "/x", match_info={"item_id": "MLA1\n", "account_id": "1\x00"}
    )
    assert _refused(path_str, request, "item_id").errors[0]["field"] == "item_id"
    assert _refused(path_int, request, "account_id").errors[0]["field"] == "account_id"


def test_clean_parameters_pass_unchanged():
    request = make_mocked_request("GET", "/x?q=zapatillas%20rojas", match_info={"name": "sync"})
    assert query_str(request, "q") == "zapatillas rojas"
    assert path_str(request, "name") == "sync"


# -- domain and use-case validators (for embedders calling the use cases) ---------------------


def test_a_title_is_one_line_and_a_description_may_have_tabs_and_line_breaks():
    assert has_control_characters("a\tb") and has_control_characters("a\nb")
    assert not has_control_characters("a\tb\r\nc", multiline=True)
    assert has_control_characters("a\x00b", multiline=True)
    assert has_control_characters("a\x7f", multiline=True)
    assert not has_control_characters("Zapatillas ñandú")
    with pytest.raises(InvalidValue, match="control characters"):
        check_title("Titulo con \x00 nulo")


@pytest.mark.parametrize(
    "url", ["http://127.0.0.1:1/x\x00y", "https://hooks.example.com/\n", "https://a\tb.com/"]
)
def test_a_callback_url_with_a_control_character_is_refused(url):
    with pytest.raises(InvalidValue, match="control characters") as refused:
        Subscription("*", url, "sealed", NOW)
    assert refused.value.field == "callback_url"


@pytest.fixture
async def world(tmp_path) -> AsyncIterator[World]:
    async with running_world(tmp_path) as running:
        yield running


async def test_creating_a_listing_with_a_nul_title_or_description_names_both(world):
    command = CreateListingCommand(
        account_id=world.account_id,
        title="Titulo con \x00 nulo",
        category_id="MLA1055",
        price=Decimal("1000"),
        available_quantity=1,
        pictures=("https://example.com/a.jpg",),
        description="Linea 1\nLinea 2\x00",
    )
    with pytest.raises(ValidationFailed) as refused:
        await world.container.create_listing()(command)
    assert {p.field for p in refused.value.problems} == {"title", "description"}
    assert sum(world.market.calls.values()) == 0


async def test_updating_a_listing_with_a_nul_title_changes_nothing_on_mercadolibre(world):
    await world.publish(a_listing())
    with pytest.raises(ValidationFailed) as refused:
        await world.container.update_listing()(UpdateListingCommand(SIMPLE, title="a\x00b"))
    assert [p.field for p in refused.value.problems] == ["title"]
    assert world.market.calls["update_listing"] == 0
    assert world.market.calls["set_description"] == 0


# -- what MercadoLibre answers ----------------------------------------------------------------


async def no_sleep(seconds: float) -> None:
    return None


class NoLimit:
    async def acquire(
        self, key: str = API_CALLS, cost: int = 1, call_class: object = None
    ) -> float:
        return 0.0


@pytest.fixture
async def answering(aiohttp_server: Any):
    """A MercadoLibre that answers every call with the raw bytes given."""
    answer: dict[str, bytes] = {}

    async def handle(request: web.Request) -> web.Response:
        return web.Response(body=answer["body"], content_type="application/json")

    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", handle)
    server = await aiohttp_server(app)
    session = create_session(total_timeout=5, read_timeout=5)
    client = MercadoLibreClient(
        session,
        NoLimit(),
        api_url=str(server.make_url("")),
        retry=RetryPolicy(max_attempts=1, base=0.1, cap=1.0),
        sleep=no_sleep,
    )

    async def get(body: bytes) -> Any:
        answer["body"] = body
        return (await client.request("GET", "/items/MLA1")).body

    try:
        yield get
    finally:
        await session.close()


async def test_nul_characters_are_dropped_from_every_string_mercadolibre_answers(answering):
    body = (
        b'{"id": "MLA1", "title": "Titulo con \\u0000 nulo", "price": 10, '
        b'"attributes": [{"id": "BRAND", "value_name": "\\u0000Nike\\u0000"}], '
        b'"ke\\u0000y": [null, true, "\\u0000"]}'
    )
    assert await answering(body) == {
        "id": "MLA1",
        "title": "Titulo con  nulo",
        "price": 10,
        "attributes": [{"id": "BRAND", "value_name": "Nike"}],
        "key": [None, True, ""],
    }


async def test_answers_without_nul_come_back_as_they_were(answering):
    body = b'{"title": "Linea\\n\\u00f1and\\u00fa", "escaped": "\\\\u0000 is text"}'
    assert await answering(body) == {"title": "Linea\nñandú", "escaped": "\\u0000 is text"}
