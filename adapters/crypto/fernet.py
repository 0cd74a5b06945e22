"""Token encryption at rest with Fernet (AES-128-CBC + HMAC-SHA256), keys rotatable.

The first key encrypts; every key decrypts, so a new key can be put in front and the
stored tokens re-encrypted (`meli keys rotate`) before the old key is retired.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable, Sequence
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
    """The embedded default's key: created once with mode 0600, then reused. Processes
    starting together agree on one key (see create_secret_file)."""
    key, _ = create_secret_file(path, generate_key)
    if not key:
        raise ValueError(f"{path} is empty; it should hold the key the stored tokens use")
    return key


def create_secret_file(path: Path, make: Callable[[], str]) -> tuple[str, bool]:
    """The stripped content of the secret file `path`, made with `make()` if there is
    none yet; and whether this call made it.

    Of processes creating it at once, one wins and the others read its file, which is
    never seen empty or half written: the content is written and synced to a temporary
    file (mode 0600) in the same directory, then hard-linked to `path`, which fails if
    the name exists already. Then the directory is synced, so a crash cannot lose a key
    that tokens were already encrypted with.
    """
    if path.exists():
        return path.read_text(encoding="utf-8").strip(), False
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    content = make()
    fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".new")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(content + "\n")
            handle.flush()
            os.fsync(handle.fileno())
        try:
            os.link(temporary, path)
        except FileExistsError:
            return path.read_text(encoding="utf-8").strip(), False
    finally:
        os.unlink(temporary)
    _sync_directory(path.parent)
    return content, True


def _sync_directory(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
