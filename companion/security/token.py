"""The API token: made at first start, kept in the OS keyring, or a 0600 file where none works.

A keyring is only trusted if it really encrypts: keyrings.alt's "plaintext" and "encrypted with
a fixed key" backends store the secret in the clear while claiming to be keyrings, so they are
treated as no keyring and the file (honestly named) is used instead. ``cashback-companion
doctor`` says which store is in use.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

import keyring
import keyring.errors

from companion.config import TOKEN_FILENAME

KEYRING_SERVICE = "cashback-companion"
_UNTRUSTED_BACKENDS = ("keyrings.alt", "keyring.backends.fail", "keyring.backends.null")


@dataclass(frozen=True)
class Token:
    value: str
    store: str  # "keyring: <backend>" or "file: <path>"


def _keyring_backend() -> keyring.backend.KeyringBackend | None:
    backend = keyring.get_keyring()
    candidates = getattr(backend, "backends", [backend])  # the chainer wraps several
    usable = [b for b in candidates if not type(b).__module__.startswith(_UNTRUSTED_BACKENDS)]
    return backend if usable else None


def load_or_create(home: Path) -> Token:
    """The token for the companion whose data lives in ``home``; made on first call."""
    # One token per data directory: two companions (say, a test one) never share a secret.
    account = f"api-token:{home.resolve()}"
    backend = _keyring_backend()
    if backend is not None:
        try:
            value = backend.get_password(KEYRING_SERVICE, account)
            if value is None:
                value = secrets.token_urlsafe(32)
                backend.set_password(KEYRING_SERVICE, account, value)
            return Token(value, f"keyring: {type(backend).__module__}.{type(backend).__name__}")
        except (keyring.errors.KeyringError, OSError, RuntimeError):
            pass  # a locked or absent Secret Service on a headless machine: use the file
    return _file_token(home / TOKEN_FILENAME)


def _file_token(path: Path) -> Token:
    try:
        value = path.read_text(encoding="ascii").strip()
        if path.stat().st_mode & 0o077:
            # Made readable by others after we wrote it (a copy, an archive, a chmod): anyone
            # who reads it can use the API, so it is the owner's alone again.
            path.chmod(0o600)
    except FileNotFoundError:
        value = secrets.token_urlsafe(32)
        # O_EXCL: if another process made it first, use theirs rather than overwrite it.
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            return _file_token(path)
        with os.fdopen(fd, "w", encoding="ascii") as handle:
            handle.write(value + "\n")
    return Token(value, f"file: {path}")


# What a proof is the MAC of, besides the challenge: the token is used for nothing else keyed
# this way, so an answer to a challenge of someone's choosing is good for nothing but this.
_PROOF_CONTEXT = b"cashback-companion identify\0"


def proof(token: str, challenge: str) -> str:
    """Proof that whoever answers ``challenge`` holds ``token``, which it does not reveal: the
    CLI asks a port before it trusts it with the token (``GET /api/v1/identify``)."""
    mac = hmac.new(token.encode(), _PROOF_CONTEXT + challenge.encode(), hashlib.sha256)
    return mac.hexdigest()
