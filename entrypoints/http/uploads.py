"""Reading one file from a multipart/form-data body, for every upload route (pictures,
§4.8; message attachments, §8.4): refused before reading when the declared length is
already too large, read in chunks and stopped at the limit otherwise, and any body
aiohttp's reader cannot parse is the client's 400, never a 500."""

from __future__ import annotations

from aiohttp import BodyPartReader, web

from entrypoints.http.problems import RequestInvalid

# Room for the multipart framing and the other fields around a file at the limit.
MULTIPART_MARGIN = 64 * 1024


async def read_file(
    request: web.Request,
    field: str,
    max_bytes: int,
    too_large: Exception,
    missing: RequestInvalid,
) -> tuple[str, bytes]:
    """The filename and content of the multipart field `field`. Raises `too_large` past
    `max_bytes` (by the declared Content-Length, before reading anything, or while
    reading), `missing` when the body has no such file, and a 400 RequestInvalid when
    the body cannot be read as multipart/form-data. The caller checks the content type."""
    if request.content_length is not None and request.content_length > max_bytes + (
        MULTIPART_MARGIN
    ):
        raise too_large
    try:
        reader = await request.multipart()
        while (part := await reader.next()) is not None:
            if not isinstance(part, BodyPartReader) or part.name != field:
                await part.release()
                continue
            content = bytearray()
            while chunk := await part.read_chunk():
                content += chunk
                if len(content) > max_bytes:
                    raise too_large
            return part.filename or "", bytes(content)
    except (RequestInvalid, type(too_large)):
        raise
    except Exception:
        # aiohttp's multipart reader raises many types (ValueError without a boundary,
        # AssertionError for a part without a name, InvalidHeader for a header with
        # control characters): all mean the client's body is not a form to read.
        raise RequestInvalid(
            "the multipart/form-data body cannot be read",
            [{"field": field, "reason": f"send the file as multipart/form-data in {field!r}"}],
            close_connection=True,
        ) from None
    raise missing
