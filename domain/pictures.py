"""Pictures a listing shows (§4.8): what may be uploaded, told from the file's own bytes,
and the video a listing may link."""

from __future__ import annotations

import re

# §4.8: at most 10 MB. The formats: JPG and PNG (§4.8), and WEBP (issue 18).
MAX_PICTURE_BYTES = 10 * 1024 * 1024
CONTENT_TYPES = {"jpg": "image/jpeg", "png": "image/png", "webp": "image/webp"}
# A picture id as MercadoLibre answers an upload (`123-MLA456_112021`, §4.8).
_PICTURE_ID = re.compile(r"^[0-9A-Za-z][0-9A-Za-z_-]{0,99}$")
# A listing's video is a YouTube video id (§4.1 `video_id`, §4.3).
_VIDEO_ID = re.compile(r"^[A-Za-z0-9_-]{11}$")


def picture_format(data: bytes) -> str | None:
    """`jpg`, `png` or `webp` from the file's signature, or None for anything else (the
    name or content type a client gives are not trusted)."""
    if data.startswith(b"\xff\xd8\xff"):
        return "jpg"
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if len(data) >= 12 and data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "webp"
    return None


def is_picture_id(value: object) -> bool:
    return isinstance(value, str) and _PICTURE_ID.match(value) is not None


def is_video_id(value: object) -> bool:
    return isinstance(value, str) and _VIDEO_ID.match(value) is not None
