"""The OpenAPI document lists every status an operation can answer, and its constraints
are the ones the readers enforce, because both come from the same declarations (Param,
endpoints.limited). Schemathesis checks the served document against the running
service (tests/e2e/test_openapi_conformance.py); these check the document's shape."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest
from aiohttp.test_utils import make_mocked_request

from entrypoints.http.app import all_endpoints
from entrypoints.http.converter import structure
from entrypoints.http.endpoints import MAX_ID, Param
from entrypoints.http.openapi import build_document
from entrypoints.http.params import path_int, query_int, query_str
from entrypoints.http.problems import STATUS_BY_ERROR, RequestInvalid
from entrypoints.http.routes.inventory import BulkUpdateBody
from entrypoints.http.routes.product_bodies import MAX_PRICE, CreateProductBody, StockBody

DOCUMENT = build_document(all_endpoints(), "test")
OPERATIONS = [
    (path, method, operation)
    for path, methods in DOCUMENT["paths"].items()
    for method, operation in methods.items()
]


def test_no_operation_hides_its_statuses_behind_a_default_answer():
    assert all("default" not in op["responses"] for _, _, op in OPERATIONS)


@pytest.mark.parametrize(("path", "method", "op"), OPERATIONS, ids=lambda v: str(v)[:40])
def test_every_operation_lists_the_statuses_of_the_checks_that_apply_to_it(path, method, op):
    statuses = set(op["responses"])
    if op.get("parameters") or "requestBody" in op:
        assert "400" in statuses, "a parameter or body outside its schema"
    if op.get("security") != []:
        assert "401" in statuses, "the API key"
    if "requestBody" in op:
        assert {"413"} <= statuses and ({"422"} <= statuses or "400" in statuses)
    for status, response in op["responses"].items():
        if int(status) >= 400 and path != "/health":  # /health's 503 is its report
            assert "application/problem+json" in response["content"], (status, response)


def test_every_status_the_error_table_maps_to_is_documented_somewhere():
    documented = {int(s) for _, _, op in OPERATIONS for s in op["responses"]}
    assert {status for _, status, _ in STATUS_BY_ERROR} - {500} <= documented


def test_a_parameter_is_documented_with_the_bounds_its_reader_enforces():
    param = Param.id("account_id", "", location="query")
    [documented] = [
        p for p in DOCUMENT["paths"]["/sync-logs"]["get"]["parameters"] if p["name"] == "account_id"
    ]
    assert documented["schema"] == {"type": "integer", "minimum": 1, "maximum": MAX_ID}
    request = make_mocked_request("GET", f"/sync-logs?account_id={MAX_ID}")
    assert query_int(request, param) == MAX_ID
    for beyond in (MAX_ID + 1, 0, -1):
        with pytest.raises(RequestInvalid):
            query_int(make_mocked_request("GET", f"/x?account_id={beyond}"), param)


def test_path_ids_and_text_limits_hold_at_their_documented_edge():
    param = Param.id("batch_id", "")
    assert path_int(make_mocked_request("GET", "/", match_info={"batch_id": str(MAX_ID)}), param)
    with pytest.raises(RequestInvalid):
        path_int(make_mocked_request("GET", "/", match_info={"batch_id": str(MAX_ID + 1)}), param)
    text = Param("q", "", max_length=3)
    assert query_str(make_mocked_request("GET", "/?q=abc"), text) == "abc"
    with pytest.raises(RequestInvalid):
        query_str(make_mocked_request("GET", "/?q=abcd"), text)


def schema_of(name: str) -> dict:
    return DOCUMENT["components"]["schemas"][name]


def test_body_limits_are_documented_as_the_converter_enforces_them():
    stock = schema_of("StockBody")["properties"]
    assert stock["quantity"] == {"type": "integer", "minimum": 0, "maximum": 99_999}
    structure({"quantity": 99_999}, StockBody)
    with pytest.raises(RequestInvalid) as refused:
        structure({"quantity": 100_000}, StockBody)
    assert refused.value.errors == [{"field": "quantity", "reason": "must be at most 99999"}]

    price = schema_of("CreateProductBody")["properties"]["price"]
    assert {"type": "number", "maximum": 10**17} in price["anyOf"]
    body = {"account_id": 1, "title": "t", "category_id": "c", "available_quantity": 1}
    structure({**body, "price": str(MAX_PRICE)}, CreateProductBody)
    structure({**body, "price": 1e17}, CreateProductBody)
    with pytest.raises(RequestInvalid):
        structure({**body, "price": str(MAX_PRICE + Decimal("0.01"))}, CreateProductBody)

    updates = schema_of("BulkUpdateBody")["properties"]["updates"]
    assert (updates["minItems"], updates["maxItems"]) == (1, 100)
    with pytest.raises(RequestInvalid):
        structure({"updates": []}, BulkUpdateBody)


@pytest.mark.parametrize("given", [{}, "BRAND", {"id": "BRAND", "value_name": "Nike"}])
def test_a_list_field_takes_a_json_array_and_nothing_else(given):
    """cattrs would read an object's keys or a string's characters as the items."""
    body = {"account_id": 1, "title": "t", "category_id": "c", "price": 1, "available_quantity": 1}
    with pytest.raises(RequestInvalid) as refused:
        structure({**body, "attributes": given}, CreateProductBody)
    assert refused.value.errors[0]["field"] == "attributes"
    assert structure({**body, "attributes": []}, CreateProductBody).attributes == []


def test_an_incoming_body_refuses_unknown_fields_and_a_lenient_one_says_it_does_not():
    assert schema_of("StockBody")["additionalProperties"] is False
    assert schema_of("NotificationBody")["additionalProperties"] is True


def test_the_document_is_json():
    assert json.loads(json.dumps(DOCUMENT)) == DOCUMENT


def test_aiohttp_logging_a_client_error_becomes_one_info_line():
    import logging

    from aiohttp.http_exceptions import ContentEncodingError
    from aiohttp.web_protocol import RequestPayloadError

    from entrypoints.logs import ClientErrorFilter

    try:
        try:
            raise ContentEncodingError("Can not decode content-encoding: deflate")
        except ContentEncodingError as cause:
            raise RequestPayloadError("400, message: Can not decode") from cause
    except RequestPayloadError as error:
        exc_info = (type(error), error, error.__traceback__)
    record = logging.LogRecord(
        "aiohttp.server", logging.ERROR, "x", 1, "Unhandled exception", None, exc_info
    )
    assert ClientErrorFilter().filter(record)
    assert (record.levelno, record.levelname, record.exc_info) == (logging.INFO, "INFO", None)
    assert "could not be read" in record.getMessage()

    try:
        raise RuntimeError("ours")
    except RuntimeError as error:
        ours = logging.LogRecord(
            "aiohttp.server",
            logging.ERROR,
            "x",
            1,
            "Error handling request",
            None,
            (RuntimeError, error, error.__traceback__),
        )
    ClientErrorFilter().filter(ours)
    assert ours.levelno == logging.ERROR and ours.exc_info is not None


def test_a_text_parameter_with_options_accepts_only_those_documented():
    site = Param("site_id", "", enum=("MLA", "MLB"))
    assert query_str(make_mocked_request("GET", "/?site_id=MLB"), site) == "MLB"
    for value in ("XYZ", "mla", "MLA%0A"):
        with pytest.raises(RequestInvalid) as refused:
            query_str(make_mocked_request("GET", f"/?site_id={value}"), site)
        assert refused.value.errors[0]["field"] == "site_id"
