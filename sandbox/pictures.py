"""§4.8: what the upload endpoint accepts, read from the file's own header: JPG and PNG
(§4.8), and WEBP (MercadoLibre's upload takes it too, issue 18)."""

from __future__ import annotations

import struct
from typing import Any

from sandbox.errors import ApiError, api_error, cause
from sandbox.item_shape import PICTURE_HOST

MAX_BYTES = 10 * 1024 * 1024
MIN_SIDE = 500
MAX_SIDE = 1920
# Sizes MercadoLibre answers an upload with, largest first.
SIZES = (("F", None), ("O", 500), ("I", 90))
JPEG_SOF = frozenset(range(0xC0, 0xD0)) - {0xC4, 0xC8, 0xCC}


def _webp_size(data: bytes) -> tuple[str, int, int] | None:
    """The canvas of a WEBP: extended (VP8X), lossy (VP8) or lossless (VP8L)."""
    chunk = data[12:16]
    if chunk == b"VP8X" and len(data) >= 30:
        width = int.from_bytes(data[24:27], "little") + 1
        height = int.from_bytes(data[27:30], "little") + 1
        return "webp", width, height
    if chunk == b"VP8 " and len(data) >= 30 and data[23:26] == b"\x9d\x01\x2a":
        width, height = struct.unpack("<HH", data[26:30])
        return "webp", width & 0x3FFF, height & 0x3FFF
    if chunk == b"VP8L" and len(data) >= 25 and data[20] == 0x2F:
        bits = int.from_bytes(data[21:25], "little")
        return "webp", (bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1
    return None


def image_size(data: bytes) -> tuple[str, int, int] | None:
    """(format, width, height) of a PNG, JPEG or WEBP, or None for anything else."""
    if len(data) >= 16 and data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return _webp_size(data)
    if data.startswith(b"\x89PNG\r\n\x1a\n") and len(data) >= 24 and data[12:16] == b"IHDR":
        width, height = struct.unpack(">II", data[16:24])
        return "png", width, height
    if data.startswith(b"\xff\xd8"):
        offset = 2
        while offset + 9 <= len(data):
            if data[offset] != 0xFF:
                return None
            marker = data[offset + 1]
            length = struct.unpack(">H", data[offset + 2 : offset + 4])[0]
            if marker in JPEG_SOF:
                height, width = struct.unpack(">HH", data[offset + 5 : offset + 9])
                return "jpg", width, height
            offset += 2 + length
    return None


def check_upload(data: bytes) -> tuple[int, int]:
    """Width and height of an acceptable picture, or the 400 of §4.8."""
    if len(data) > MAX_BYTES:
        raise upload_error("picture.size.invalid", "The file exceeds the 10 MB limit.")
    size = image_size(data)
    if size is None:
        raise upload_error(
            "picture.status.error", "Only JPG, JPEG, PNG and WEBP files are accepted."
        )
    _, width, height = size
    if min(width, height) < MIN_SIDE:
        raise upload_error(
            "picture.size.invalid",
            f"The picture is {width}x{height}; the minimum is {MIN_SIDE}x{MIN_SIDE}.",
        )
    return width, height


def upload_error(code: str, message: str) -> ApiError:
    return api_error(
        400, "bad_request", message, [cause(code, message, ["file"], department="pictures")]
    )


def upload_json(picture_id: str, width: int, height: int) -> dict[str, Any]:
    """§4.8: `{id, variations:[{size, url, secure_url}]}` of an upload."""
    scale = min(1.0, MAX_SIDE / max(width, height))
    variations = []
    for suffix, side in SIZES:
        if side is None:
            w, h = round(width * scale), round(height * scale)
        else:
            ratio = side / max(width, height)
            w, h = round(width * ratio), round(height * ratio)
        url = f"http://{PICTURE_HOST}/D_{picture_id}-{suffix}.jpg"
        variations.append(
            {"size": f"{w}x{h}", "url": url, "secure_url": url.replace("http://", "https://", 1)}
        )
    return {"id": picture_id, "variations": variations}
