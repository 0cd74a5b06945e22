"""API keys for the REST API: configured, or generated once and kept in the data dir."""

from __future__ import annotations

import hmac
import secrets
from pathlib import Path

import attrs

from adapters.crypto.fernet import create_secret_file
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
            # surrogateescape: a header's undecodable bytes compare as bytes, never raise.
            matched |= hmac.compare_digest(
                candidate.encode("utf-8", "surrogateescape"), key.encode()
            )
        return matched


def load_api_keys(settings: Settings) -> ApiKeys:
    if settings.api_keys:
        return ApiKeys(settings.api_keys)
    return _file_key(settings.api_key_file)


def _file_key(path: Path) -> ApiKeys:
    # Processes starting together agree on one key, and none reads a half-written file.
    key, generated = create_secret_file(path, lambda: secrets.token_urlsafe(32))
    if len(key) < 16:
        raise ValueError(f"{path} holds no usable API key; delete it to generate a new one")
    return ApiKeys((key,), generated=key if generated else None, source=str(path))


def load_session_secret(settings: Settings) -> str:
    """What signs the dashboard's session cookies: configured, or generated once into
    the data dir (shared by every process on the machine)."""
    if settings.session_secret:
        return settings.session_secret
    secret, _ = create_secret_file(settings.session_secret_file, lambda: secrets.token_urlsafe(48))
    if len(secret) < 32:
        raise ValueError(
            f"{settings.session_secret_file} holds no usable secret; delete it to generate one"
        )
    return secret
