"""API keys for the REST API: configured, or generated once and kept in the data dir."""

from __future__ import annotations

import hmac
import os
import secrets
from pathlib import Path

import attrs

from entrypoints.settings import Settings


@attrs.define(frozen=True)
class ApiKeys:
    keys: tuple[str, ...] = attrs.field(repr=False)
    # Set only on the start that created the key file, so it is shown exactly once.
    generated: str | None = attrs.field(default=None, repr=False)
    source: str = "MELI_API_KEYS"

    def accepts(self, candidate: str) -> bool:
        """Constant-time: compare against every key, whatever matched first."""
        matched = False
        for key in self.keys:
            matched |= hmac.compare_digest(candidate.encode(), key.encode())
        return matched


def load_api_keys(settings: Settings) -> ApiKeys:
    if settings.api_keys:
        return ApiKeys(settings.api_keys)
    return _file_key(settings.api_key_file)


def _file_key(path: Path) -> ApiKeys:
    if path.exists():
        key = path.read_text(encoding="utf-8").strip()
        if len(key) < 16:
            raise ValueError(f"{path} holds no usable API key; delete it to generate a new one")
        return ApiKeys((key,), source=str(path))
    path.parent.mkdir(parents=True, exist_ok=True)
    key = secrets.token_urlsafe(32)
    try:
        # O_EXCL: two processes starting together cannot both generate a key.
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return _file_key(path)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(key + "\n")
    return ApiKeys((key,), generated=key, source=str(path))
