"""Logging set-up, with a filter that keeps secrets out of every log line."""

from __future__ import annotations

import json
import logging
import re
import sys
from datetime import UTC, datetime

# MercadoLibre token shapes (mercadolibre-api.md §1.1, §1.2) and bearer credentials.
_SECRET_PATTERNS = (
    re.compile(r"APP_USR-[\w-]+"),
    re.compile(r"TG-[\w-]+"),
    re.compile(r"(?i)(bearer\s+)[\w.~+/=-]+"),
    re.compile(r"(?i)((?:access_token|refresh_token|client_secret|code|code_verifier)=)[^&\s]+"),
    re.compile(r'(?i)("(?:access_token|refresh_token|client_secret)"\s*:\s*")[^"]+'),
)


def redact(text: str) -> str:
    for pattern in _SECRET_PATTERNS:
        text = pattern.sub(lambda m: (m.group(1) if m.groups() else "") + "[redacted]", text)
    return text


class RedactingFilter(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = redact(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        if record.exc_info and record.exc_info[1] is not None:
            record.exc_text = redact(logging.Formatter().formatException(record.exc_info))
            record.exc_info = None
        return True


class ClientErrorFilter(logging.Filter):
    """A client's error is no error of ours: aiohttp logs a request it could not read to
    the end (a body that is not what its Content-Encoding says) as an ERROR with a
    traceback, after the app already answered it 400. Such a record becomes one INFO
    line; an error of the server keeps its level and traceback."""

    def filter(self, record: logging.LogRecord) -> bool:
        error = record.exc_info[1] if record.exc_info else None
        client_error = _client_error(error)
        if client_error is not None:
            record.levelno, record.levelname = logging.INFO, "INFO"
            reason = " ".join(str(client_error).split())
            record.msg, record.args = f"a client's request could not be read: {reason}", None
            record.exc_info, record.exc_text = None, None
        return True


def _client_error(error: BaseException | None) -> BaseException | None:
    """The client's fault behind `error` (itself or a cause), or None."""
    # Imported here: the logging set-up must not need the HTTP stack to be importable.
    from aiohttp.http_exceptions import HttpProcessingError
    from aiohttp.web_protocol import RequestPayloadError

    seen = 0
    while error is not None and seen < 10:
        if isinstance(error, RequestPayloadError):
            return error
        if isinstance(error, HttpProcessingError) and 400 <= (error.code or 0) < 500:
            return error
        error = error.__cause__ or error.__context__
        seen += 1
    return None


CLIENT_ERRORS = ClientErrorFilter()


def quiet_client_errors() -> None:
    """Install ClientErrorFilter on aiohttp's server logger (idempotent)."""
    logging.getLogger("aiohttp.server").addFilter(CLIENT_ERRORS)


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        if record.exc_text:
            entry["exception"] = record.exc_text
        return json.dumps(entry)


def configure_logging(level: str = "INFO", fmt: str = "text") -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.addFilter(RedactingFilter())
    handler.setFormatter(
        JsonFormatter()
        if fmt == "json"
        else logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s")
    )
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    # aiohttp's access log repeats what the metrics already count.
    logging.getLogger("aiohttp.access").setLevel(logging.WARNING)
    quiet_client_errors()
