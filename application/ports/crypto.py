from __future__ import annotations

from typing import Protocol


class TokenCipher(Protocol):
    """Encrypts secrets (OAuth tokens) before they are stored."""

    def encrypt(self, plaintext: str) -> str:
        """Ciphertext safe to store; never equal to or containing the plaintext."""
        ...

    def decrypt(self, ciphertext: str) -> str:
        """The plaintext. Raises UndecryptableToken if no configured key opens it."""
        ...

    def needs_rotation(self, ciphertext: str) -> bool:
        """True if the ciphertext was made with a key other than the current one."""
        ...

    def rotate(self, ciphertext: str) -> str:
        """Re-encrypt with the current key. Raises UndecryptableToken. Idempotent."""
        ...
