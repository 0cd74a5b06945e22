"""Token encryption at rest with Fernet (AES-128-CBC + HMAC-SHA256), keys rotatable.

The first key encrypts; every key decrypts, so a new key can be put in front and the
stored tokens re-encrypted (`meli keys rotate`) before the old key is retired.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

from cryptography.fernet import Fernet, InvalidToken, MultiFernet

from application.errors import UndecryptableToken


class FernetTokenCipher:
    def __init__(self, keys: Sequence[str | bytes]) -> None:
        if not keys:
            raise ValueError("at least one encryption key is needed")
        try:
            self._fernets = [Fernet(key) for key in keys]
        except (ValueError, TypeError) as error:
            raise ValueError(
                "an encryption key is not a valid Fernet key (32 url-safe base64 bytes; "
                "generate one with `meli keys generate`)"
            ) from error
        self._multi = MultiFernet(self._fernets)

    def encrypt(self, plaintext: str) -> str:
        return self._multi.encrypt(plaintext.encode()).decode()

    def decrypt(self, ciphertext: str) -> str:
        try:
            return self._multi.decrypt(ciphertext.encode()).decode()
        except (InvalidToken, ValueError) as error:
            raise UndecryptableToken("no configured key decrypts this token") from error

    def needs_rotation(self, ciphertext: str) -> bool:
        try:
            self._fernets[0].decrypt(ciphertext.encode())
        except (InvalidToken, ValueError):
            return True
        return False

    def rotate(self, ciphertext: str) -> str:
        try:
            return self._multi.rotate(ciphertext.encode()).decode()
        except (InvalidToken, ValueError) as error:
            raise UndecryptableToken("no configured key decrypts this token") from error


def generate_key() -> str:
    return Fernet.generate_key().decode()


def load_or_create_key_file(path: Path) -> str:
    """The embedded default's key: created once with mode 0600, then reused."""
    if path.exists():
        return path.read_text(encoding="utf-8").strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    key = generate_key()
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_text(encoding="utf-8").strip()
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(key + "\n")
    return key
