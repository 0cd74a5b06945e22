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
