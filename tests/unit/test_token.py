"""Where the API token is kept: a real keyring when there is one, else a 0600 file; never a fake keyring."""

from __future__ import annotations

import stat
from collections.abc import Iterator
from pathlib import Path

import keyring
import pytest
from keyring.backend import KeyringBackend

from companion.security.token import load_or_create


class MemoryKeyring(KeyringBackend):
    priority = 1  # type: ignore[assignment]

    def __init__(self) -> None:
        super().__init__()
        self.secrets: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.secrets.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.secrets[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        self.secrets.pop((service, username), None)


class BrokenKeyring(MemoryKeyring):
    """A Secret Service that is installed but has no session bus, as on a headless machine."""

    def get_password(self, service: str, username: str) -> str | None:
        raise keyring.errors.KeyringError("no D-Bus session")


class PlaintextKeyring(MemoryKeyring):
    """Stands for keyrings.alt's file backends, which store secrets in the clear."""


PlaintextKeyring.__module__ = "keyrings.alt.file"


@pytest.fixture
def use_keyring() -> Iterator[object]:
    before = keyring.get_keyring()

    def install(backend: KeyringBackend) -> KeyringBackend:
        keyring.set_keyring(backend)
        return backend

    yield install
    keyring.set_keyring(before)


def test_file_fallback_is_owner_only_and_stable(tmp_path: Path) -> None:
    token = load_or_create(tmp_path)
    path = tmp_path / "api-token"
    assert token.store == f"file: {path}"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert load_or_create(tmp_path).value == token.value
    assert len(token.value) >= 40


def test_a_token_file_opened_to_others_is_owner_only_again(tmp_path: Path) -> None:
    first = load_or_create(tmp_path)
    path = tmp_path / "api-token"
    path.chmod(0o644)
    assert load_or_create(tmp_path).value == first.value
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_real_keyring_is_used(tmp_path: Path, use_keyring) -> None:  # type: ignore[no-untyped-def]
    backend = use_keyring(MemoryKeyring())
    token = load_or_create(tmp_path)
    assert token.store.startswith("keyring:")
    assert list(backend.secrets.values()) == [token.value]
    assert not (tmp_path / "api-token").exists()
    assert load_or_create(tmp_path).value == token.value


def test_each_data_directory_has_its_own_token(tmp_path: Path, use_keyring) -> None:  # type: ignore[no-untyped-def]
    use_keyring(MemoryKeyring())
    assert load_or_create(tmp_path / "a").value != load_or_create(tmp_path / "b").value


@pytest.mark.parametrize("backend", [BrokenKeyring, PlaintextKeyring])
def test_unusable_or_plaintext_keyrings_fall_back_to_the_file(
    tmp_path: Path, use_keyring, backend
) -> None:  # type: ignore[no-untyped-def]
    installed = use_keyring(backend())
    token = load_or_create(tmp_path)
    assert token.store.startswith("file:")
    assert installed.secrets == {}
