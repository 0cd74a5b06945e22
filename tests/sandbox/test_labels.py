"""Shipping labels: a real PDF and ZPL II, only when the shipment can print (§6.3)."""

from __future__ import annotations

import asyncio
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from sandbox.labels import itf_bars
from tests.helpers import render_pdf
from tests.sandbox.conftest import NEW_FORMAT, Sandbox


async def printable(sb: Sandbox, logistic_type: str = "cross_docking") -> dict[str, Any]:
    """A paid ME2 sale whose shipment is ready_to_ship / ready_to_print."""
    order = await sb.event("order", seller_id=sb.seller(), mode="me2", logistic_type=logistic_type)
    shipment_id = order["shipping"]["id"]
    await sb.event("shipment", seller_id=sb.seller(), shipment_id=shipment_id)
    shipment = await sb.event("shipment", seller_id=sb.seller(), shipment_id=shipment_id)
    assert (shipment["status"], shipment["substatus"]) == ("ready_to_ship", "ready_to_print")
    return {"order": order, "shipment": shipment}


def run(*command: str) -> tuple[int, str]:
    """A PDF tool's exit code and output (qpdf and pdftotext, when installed)."""
    result = subprocess.run(command, capture_output=True, text=True, check=False)
    return result.returncode, result.stdout + result.stderr


def check_pdf_structure(data: bytes) -> int:
    """The checks a PDF reader relies on: header, every xref offset pointing at its
    object, startxref pointing at the xref table, %%EOF; answers the page count."""
    assert data.startswith(b"%PDF-1.")
    assert data.rstrip().endswith(b"%%EOF")
    startxref = int(re.search(rb"startxref\s+(\d+)\s+%%EOF\s*$", data).group(1))  # type: ignore[union-attr]
    assert data[startxref:].startswith(b"xref\n")
    header = re.match(rb"xref\n0 (\d+)\n", data[startxref:])
    assert header is not None
    count = int(header.group(1))
    rows = data[startxref + header.end() :].split(b"\n")[:count]
    assert rows[0] == b"0000000000 65535 f "
    for number, row in enumerate(rows[1:], 1):
        offset = int(row[:10])
        assert row.endswith(b" 00000 n "), row
        assert data[offset:].startswith(b"%d 0 obj\n" % number), number
    for match in re.finditer(rb"<< /Length (\d+) >>\nstream\n", data):
        length = int(match.group(1))
        assert data[match.end() + length : match.end() + length + 9] == b"endstream"
    pages = re.search(rb"/Type /Pages /Kids \[[^\]]*\] /Count (\d+)", data)
    assert pages is not None
    return int(pages.group(1))


async def test_pdf_label_is_a_valid_pdf_with_the_label_data(
    sandbox: Sandbox, tmp_path: Path
) -> None:
    """ref: mercadolibre-api.md §6.3 (GET /shipment_labels?response_type=pdf returns a
    PDF; printing moves ready_to_print to printed [INF])."""
    sale = await printable(sandbox)
    shipment = sale["shipment"]
    response = await sandbox.client.get(
        "/shipment_labels",
        params={"shipment_ids": str(shipment["id"]), "response_type": "pdf"},
        headers=sandbox.headers(),
    )
    assert response.status == 200 and response.content_type == "application/pdf"
    pdf = await response.read()
    assert check_pdf_structure(pdf) == 1
    _, after = await sandbox.get(f"/shipments/{shipment['id']}", headers=NEW_FORMAT)
    assert (after["status"], after["substatus"]) == ("ready_to_ship", "printed")
    _, history = await sandbox.get(f"/shipments/{shipment['id']}/history")
    assert history[-1]["substatus"] == "printed"
    path = tmp_path / "label.pdf"
    path.write_bytes(pdf)
    if shutil.which("qpdf"):
        code, output = await asyncio.to_thread(run, "qpdf", "--check", str(path))
        assert code == 0, output
    if shutil.which("pdftotext"):
        code, text = await asyncio.to_thread(run, "pdftotext", str(path), "-")
        assert code == 0, text
        order = sale["order"]
        _, full = await sandbox.get(f"/shipments/{shipment['id']}", headers=NEW_FORMAT)
        address = full["destination"]["shipping_address"]
        assert str(shipment["id"]) in text
        assert after["tracking_number"] in text
        assert full["destination"]["receiver_name"] in text
        assert address["address_line"] in text and address["zip_code"] in text
        assert order["order_items"][0]["item"]["title"][:20] in text
        assert str(order["id"]) in text


async def test_pdf_of_several_shipments_has_one_page_each(sandbox: Sandbox, tmp_path: Path) -> None:
    """ref: mercadolibre-api.md §6.3 (shipment_ids=ID1,ID2 in one call); each page
    renders with pdftoppm and has the label drawn on it."""
    first = (await printable(sandbox))["shipment"]["id"]
    second = (await printable(sandbox, "drop_off"))["shipment"]["id"]
    response = await sandbox.client.get(
        "/shipment_labels",
        params={"shipment_ids": f"{first},{second}", "response_type": "pdf"},
        headers=sandbox.headers(),
    )
    pdf = await response.read()
    assert response.status == 200 and check_pdf_structure(pdf) == 2
    pages = await asyncio.to_thread(render_pdf, pdf, tmp_path)
    assert len(pages) == 2
    for pixels in pages:
        dark = sum(1 for p in pixels if p < 64)
        assert 0.01 < dark / len(pixels) < 0.6, "text, lines and the barcode; not blank"


async def test_zpl_label_has_one_block_per_shipment(sandbox: Sandbox) -> None:
    """ref: mercadolibre-api.md §6.3 (response_type=zpl2: ZPL II text)."""
    first = (await printable(sandbox))["shipment"]
    second = (await printable(sandbox, "xd_drop_off"))["shipment"]
    response = await sandbox.client.get(
        "/shipment_labels",
        params={"shipment_ids": f"{first['id']},{second['id']}", "response_type": "zpl2"},
        headers=sandbox.headers(),
    )
    assert response.status == 200 and response.content_type == "text/plain"
    text = await response.text()
    blocks = re.findall(r"\^XA.*?\^XZ", text, flags=re.S)
    assert len(blocks) == 2 and text.count("^XA") == 2
    for block, shipment in zip(blocks, (first, second), strict=True):
        _, stored = await sandbox.get(f"/shipments/{shipment['id']}", headers=NEW_FORMAT)
        assert str(shipment["id"]) in block
        assert stored["tracking_number"] in block
        assert stored["destination"]["receiver_name"] in block
        assert stored["substatus"] == "printed"


async def test_printed_labels_can_be_printed_again(sandbox: Sandbox) -> None:
    """ref: mercadolibre-api.md §6.3 (ready_to_print or printed)."""
    shipment_id = (await printable(sandbox))["shipment"]["id"]
    params = {"shipment_ids": str(shipment_id), "response_type": "zpl2"}
    assert (await sandbox.get("/shipment_labels", params=params))[0] == 200
    assert (await sandbox.get("/shipment_labels", params=params))[0] == 200


async def test_no_label_before_ready_to_print_answers_json(sandbox: Sandbox) -> None:
    """ref: mercadolibre-api.md §6.3 (no label available: a JSON error instead of a PDF,
    for pending/handling shipments, ME1, and fulfillment)."""
    seller = sandbox.seller()
    handling = await sandbox.event("order", seller_id=seller, logistic_type="drop_off", mode="me2")
    await sandbox.event("shipment", seller_id=seller, shipment_id=handling["shipping"]["id"])
    me1 = await sandbox.event("order", seller_id=seller, mode="me1", logistic_type="default")
    full = await sandbox.event("order", seller_id=seller, mode="me2", logistic_type="fulfillment")
    for order in (handling, me1, full):
        response = await sandbox.client.get(
            "/shipment_labels",
            params={"shipment_ids": str(order["shipping"]["id"]), "response_type": "pdf"},
            headers=sandbox.headers(),
        )
        assert response.status == 400
        assert response.content_type == "application/json"
        body = await response.json()
        assert set(body) == {"message", "error", "status", "cause"}
        assert body["cause"][0]["shipment_id"] == order["shipping"]["id"]
    _, still = await sandbox.get(f"/shipments/{handling['shipping']['id']}", headers=NEW_FORMAT)
    assert still["status"] == "handling"


async def test_label_request_errors(sandbox: Sandbox) -> None:
    """ref: mercadolibre-api.md §6.3 (400 validation, required fields, ID format; 403;
    404; more than 50 shipments)."""
    shipment_id = (await printable(sandbox))["shipment"]["id"]
    assert (await sandbox.get("/shipment_labels"))[0] == 400
    assert (await sandbox.get("/shipment_labels", params={"shipment_ids": "12a"}))[0] == 400
    params = {"shipment_ids": str(shipment_id), "response_type": "png"}
    assert (await sandbox.get("/shipment_labels", params=params))[0] == 400
    assert (await sandbox.get("/shipment_labels", params={"shipment_ids": "40000000001"}))[0] == 404
    other = sandbox.order_of(sandbox.seller(1), lambda o: o.shipment_id is not None)
    status, _ = await sandbox.get("/shipment_labels", params={"shipment_ids": other.shipment_id})
    assert status == 403
    # At most 50 shipments a call [INF]; 51 is refused before any is looked up.
    many = ",".join([str(shipment_id)] * 51)
    status, body = await sandbox.get("/shipment_labels", params={"shipment_ids": many})
    assert (status, body["message"]) == (400, "At most 50 shipment_ids per call")
    _, shipment = await sandbox.get(f"/shipments/{shipment_id}", headers=NEW_FORMAT)
    assert shipment["substatus"] == "ready_to_print", "nothing printed"


def test_the_barcode_encodes_interleaved_2_of_5() -> None:
    """ref: mercadolibre-api.md §6.3 (the label's tracking barcode) [INF: ITF]."""
    bars = itf_bars("12")
    # start (4 narrow), digits 1 and 2 interleaved (10 elements), stop (3 elements).
    assert len(bars) == 4 + 10 + 3
    assert bars[4:14] == [
        (True, 3),
        (False, 1),
        (True, 1),
        (False, 3),
        (True, 1),
        (False, 1),
        (True, 1),
        (False, 1),
        (True, 3),
        (False, 3),
    ]
    assert len(itf_bars("123")) == len(itf_bars("0123"))


@pytest.mark.parametrize(
    "logistic_type", ["drop_off", "xd_drop_off", "cross_docking", "self_service"]
)
async def test_labels_for_every_label_logistic_type(make_sandbox: Any, logistic_type: str) -> None:
    """ref: mercadolibre-api.md §6.3 (logistic.type in drop_off, xd_drop_off,
    cross_docking, self_service)."""
    sb = await make_sandbox(orders_per_seller=0, questions_per_seller=0)
    await sb.login()
    shipment_id = (await printable(sb, logistic_type))["shipment"]["id"]
    response = await sb.client.get(
        "/shipment_labels", params={"shipment_ids": shipment_id}, headers=sb.headers()
    )
    assert response.status == 200
    assert check_pdf_structure(await response.read()) == 1
