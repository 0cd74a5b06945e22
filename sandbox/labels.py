"""§6.3: shipping labels as a real PDF (one page per label) or as ZPL II.

The PDF is written by hand: the standard Helvetica fonts (no embedding), one content
stream per page, an exact cross-reference table. The tracking number is drawn as an
Interleaved 2 of 5 barcode.
"""

from __future__ import annotations

from collections.abc import Sequence

import attrs

# 4 x 6 inches, the usual thermal label, in PDF points.
PAGE_WIDTH = 288
PAGE_HEIGHT = 432
MARGIN = 14


@attrs.define(frozen=True)
class LabelLine:
    quantity: int
    title: str
    detail: str


@attrs.define(frozen=True)
class Label:
    shipment_id: int
    tracking_number: str
    logistic_type: str
    method: str
    order_ids: tuple[int, ...]
    sender: str
    sender_address: str
    receiver: str
    address: str
    city: str
    zip_code: str
    lines: tuple[LabelLine, ...]
    date: str


# -- PDF ------------------------------------------------------------------------------------


def pdf_text(text: str) -> bytes:
    """A PDF literal string in WinAnsiEncoding; characters outside it become '?'."""
    raw = text.encode("cp1252", errors="replace")
    escaped = raw.replace(b"\\", b"\\\\").replace(b"(", b"\\(").replace(b")", b"\\)")
    return b"(" + escaped.replace(b"\r", b" ").replace(b"\n", b" ") + b")"


def fit(text: str, size: float, width: float) -> str:
    """Cut `text` so that it fits `width` points at `size` [INF: Helvetica's average
    glyph is about half an em wide]."""
    room = int(width / (size * 0.5))
    return text if len(text) <= room else text[: max(1, room - 1)] + "…"


# Interleaved 2 of 5: each digit is five elements, two of them wide.
ITF_PATTERNS = (
    "nnwwn",
    "wnnnw",
    "nwnnw",
    "wwnnn",
    "nnwnw",
    "wnwnn",
    "nwwnn",
    "nnnww",
    "wnnwn",
    "nwnwn",
)


def itf_bars(digits: str) -> list[tuple[bool, int]]:
    """(is_bar, modules) for the Interleaved 2 of 5 code of `digits` (padded to an even
    count with a leading zero)."""
    digits = "".join(c for c in digits if c.isdigit()) or "0"
    if len(digits) % 2:
        digits = "0" + digits
    elements: list[tuple[bool, int]] = [(True, 1), (False, 1), (True, 1), (False, 1)]
    for i in range(0, len(digits), 2):
        bars, spaces = ITF_PATTERNS[int(digits[i])], ITF_PATTERNS[int(digits[i + 1])]
        for bar, space in zip(bars, spaces, strict=True):
            elements.append((True, 3 if bar == "w" else 1))
            elements.append((False, 3 if space == "w" else 1))
    elements += [(True, 3), (False, 1), (True, 1)]
    return elements


def page_content(label: Label) -> bytes:
    out: list[bytes] = []
    left = MARGIN + 8
    width = PAGE_WIDTH - 2 * left

    def text(x: float, y: float, value: str, size: float = 9, bold: bool = False) -> None:
        font = b"/F2" if bold else b"/F1"
        value = fit(value, size, PAGE_WIDTH - x - MARGIN - 4)
        out.append(b"BT " + font + b" %g Tf %g %g Td " % (size, x, y) + pdf_text(value) + b" Tj ET")

    def rule(y: float) -> None:
        out.append(b"%g %g m %g %g l S" % (MARGIN, y, PAGE_WIDTH - MARGIN, y))

    out.append(b"0 0 0 RG 0 0 0 rg 1 w")
    out.append(
        b"%g %g %g %g re S" % (MARGIN, MARGIN, PAGE_WIDTH - 2 * MARGIN, PAGE_HEIGHT - 2 * MARGIN)
    )
    y = PAGE_HEIGHT - MARGIN - 22
    text(left, y, "MERCADO ENVIOS", 14, bold=True)
    text(left + 150, y, label.logistic_type.upper(), 9, bold=True)
    y -= 14
    text(left, y, f"{label.method}  -  {label.date}", 8)
    y -= 8
    rule(y)
    y -= 16
    text(left, y, f"Envio: {label.shipment_id}", 11, bold=True)
    y -= 14
    text(left, y, f"Tracking: {label.tracking_number}", 10)
    y -= 12
    text(left, y, "Venta: " + ", ".join(str(o) for o in label.order_ids), 8)
    y -= 8
    # The barcode: 60 points high, scaled to the label's width.
    bars = itf_bars(label.tracking_number)
    modules = sum(m for _, m in bars)
    unit = width / modules
    x = float(left)
    y -= 62
    for is_bar, count in bars:
        if is_bar:
            out.append(b"%.3f %g %.3f 60 re f" % (x, y, count * unit))
        x += count * unit
    y -= 12
    text(left + width / 2 - 40, y, label.tracking_number, 9)
    y -= 8
    rule(y)
    y -= 16
    text(left, y, "DESTINATARIO", 8, bold=True)
    y -= 14
    text(left, y, label.receiver, 11, bold=True)
    y -= 13
    text(left, y, label.address, 10)
    y -= 13
    text(left, y, f"{label.city}  CP {label.zip_code}", 10)
    y -= 8
    rule(y)
    y -= 14
    text(left, y, "REMITENTE", 8, bold=True)
    y -= 12
    text(left, y, label.sender, 9)
    y -= 11
    text(left, y, label.sender_address, 8)
    y -= 8
    rule(y)
    y -= 14
    text(left, y, "CONTENIDO", 8, bold=True)
    for line in label.lines[:6]:
        y -= 12
        text(left, y, f"{line.quantity} x {line.title}", 8)
        if line.detail:
            y -= 10
            text(left + 12, y, line.detail, 7)
    if len(label.lines) > 6:
        y -= 12
        text(left, y, f"... y {len(label.lines) - 6} más", 8)
    return b"\n".join(out) + b"\n"


def render_pdf(labels: Sequence[Label], title: str = "Etiquetas Mercado Envios") -> bytes:
    """A PDF 1.4 document, one 4x6" page per label."""
    objects: list[bytes] = []

    def add(body: bytes) -> int:
        objects.append(body)
        return len(objects)

    catalog = add(b"")  # filled in below, once the pages object number is known
    pages = add(b"")
    regular = add(
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>"
    )
    bold = add(
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica-Bold /Encoding /WinAnsiEncoding >>"
    )
    page_ids = []
    for label in labels:
        content = page_content(label)
        stream = add(b"<< /Length %d >>\nstream\n" % len(content) + content + b"endstream")
        page_ids.append(
            add(
                b"<< /Type /Page /Parent %d 0 R /MediaBox [0 0 %d %d] "
                % (pages, PAGE_WIDTH, PAGE_HEIGHT)
                + b"/Resources << /Font << /F1 %d 0 R /F2 %d 0 R >> >> " % (regular, bold)
                + b"/Contents %d 0 R >>" % stream
            )
        )
    info = add(b"<< /Title " + pdf_text(title) + b" /Producer (meli sandbox) >>")
    objects[catalog - 1] = b"<< /Type /Catalog /Pages %d 0 R >>" % pages
    kids = b" ".join(b"%d 0 R" % p for p in page_ids)
    objects[pages - 1] = b"<< /Type /Pages /Kids [%s] /Count %d >>" % (kids, len(page_ids))

    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n" % (len(objects) + 1)
    out += b"0000000000 65535 f \n"
    for offset in offsets:
        out += b"%010d 00000 n \n" % offset
    out += b"trailer\n<< /Size %d /Root %d 0 R /Info %d 0 R >>\n" % (
        len(objects) + 1,
        catalog,
        info,
    )
    out += b"startxref\n%d\n%%%%EOF\n" % xref
    return bytes(out)


# -- ZPL II -----------------------------------------------------------------------------


def zpl_field(text: str) -> str:
    """Field data without the ZPL command characters."""
    return text.replace("^", " ").replace("~", " ")


def render_zpl(labels: Sequence[Label]) -> str:
    """One `^XA ... ^XZ` block per label, 4x6" at 203 dpi, UTF-8 text (^CI28)."""
    blocks = []
    for label in labels:
        rows = [
            "^XA",
            "^CI28",
            "^PW812",
            "^LL1218",
            "^FO40,40^A0N,50,50^FDMERCADO ENVIOS^FS",
            f"^FO560,50^A0N,28,28^FD{zpl_field(label.logistic_type.upper())}^FS",
            f"^FO40,100^A0N,26,26^FD{zpl_field(label.method)} - {zpl_field(label.date)}^FS",
            "^FO40,140^GB732,3,3^FS",
            f"^FO40,160^A0N,36,36^FDEnvio: {label.shipment_id}^FS",
            f"^FO40,205^A0N,30,30^FDTracking: {zpl_field(label.tracking_number)}^FS",
            "^FO40,245^A0N,24,24^FDVenta: " + ", ".join(str(o) for o in label.order_ids) + "^FS",
            f"^FO80,285^BY3^B2N,160,Y,N,N^FD{zpl_field(label.tracking_number)}^FS",
            "^FO40,490^GB732,3,3^FS",
            "^FO40,510^A0N,24,24^FDDESTINATARIO^FS",
            f"^FO40,545^A0N,36,36^FD{zpl_field(label.receiver)}^FS",
            f"^FO40,590^A0N,30,30^FD{zpl_field(label.address)}^FS",
            f"^FO40,630^A0N,30,30^FD{zpl_field(label.city)}  CP {zpl_field(label.zip_code)}^FS",
            "^FO40,680^GB732,3,3^FS",
            "^FO40,700^A0N,24,24^FDREMITENTE^FS",
            f"^FO40,730^A0N,26,26^FD{zpl_field(label.sender)}^FS",
            f"^FO40,762^A0N,22,22^FD{zpl_field(label.sender_address)}^FS",
            "^FO40,800^GB732,3,3^FS",
            "^FO40,820^A0N,24,24^FDCONTENIDO^FS",
        ]
        y = 855
        for line in label.lines[:8]:
            rows.append(f"^FO40,{y}^A0N,24,24^FD{line.quantity} x {zpl_field(line.title)}^FS")
            y += 30
            if line.detail:
                rows.append(f"^FO70,{y}^A0N,20,20^FD{zpl_field(line.detail)}^FS")
                y += 26
        rows.append("^XZ")
        blocks.append("\n".join(rows))
    return "\n".join(blocks) + "\n"
