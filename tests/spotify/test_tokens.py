"""Tokens in the real Secret Service (gnome-keyring), the no-keyring fallback, and refreshing
before expiry, on 401, without a new refresh token, and after invalid_grant."""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import keyring.backend
import keyring.backends.fail
import keyring.backends.null
import keyring.backends.SecretService
import pytest

from desktoprec.errors import SignInRequired
from desktoprec.spotify.auth import EXPIRED_MESSAGE, TokenSet
from desktoprec.spotify.client import SpotifyClient
from desktoprec.spotify.emulator import EmulatorServer, generate_account
from desktoprec.spotify.tokens import (
    ENTRY_ACCESS,
    ENTRY_EXPIRY,
    ENTRY_REFRESH,
    KEYRING_SERVICE,
    MAX_SECRET_CHARS,
    NO_KEYRING_WARNING,
    TokenManager,
    TokenStore,
    profile_key,
)


def _secret_service_works() -> bool:
    if not os.environ.get("DBUS_SESSION_BUS_ADDRESS"):
        return False
    backend = keyring.backends.SecretService.Keyring()
    try:
        backend.set_password("desktoprec-test-probe", "probe", "ok")
        return backend.get_password("desktoprec-test-probe", "probe") == "ok"
    except Exception:  # noqa: BLE001 - any failure: start a private one
        return False


def _secrets_name_owned(address: str) -> bool:
    """Whether our daemon holds org.freedesktop.secrets yet (asked without auto-starting one:
    the bus would otherwise start a second, locked daemon from its service file)."""
    from jeepney.bus_messages import message_bus
    from jeepney.io.blocking import open_dbus_connection

    with open_dbus_connection(bus=address) as connection:
        reply = connection.send_and_get_reply(
            message_bus.NameHasOwner("org.freedesktop.secrets"), timeout=5)
    return bool(reply.body[0])


@pytest.fixture(scope="module")
def secret_service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """The real Secret Service: the session's (scripts/run-tests.sh) or a private one started
    here with dbus-daemon and an unlocked gnome-keyring in a temporary XDG_DATA_HOME."""
    if _secret_service_works():
        yield keyring.backends.SecretService.Keyring()
        return
    assert shutil.which("dbus-daemon") and shutil.which("gnome-keyring-daemon"), \
        "install dbus and gnome-keyring (scripts/install-system-deps.sh)"
    saved = {k: os.environ.get(k) for k in ("DBUS_SESSION_BUS_ADDRESS", "XDG_DATA_HOME")}
    data_home = tmp_path_factory.mktemp("xdg-data")
    private_env = {**os.environ, "XDG_DATA_HOME": str(data_home)}
    private_env.pop("DBUS_SESSION_BUS_ADDRESS", None)
    bus = subprocess.Popen(["dbus-daemon", "--session", "--nofork", "--print-address=1"],
                           stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True,
                           env=private_env)
    assert bus.stdout is not None
    address = bus.stdout.readline().strip()
    daemon = subprocess.Popen(["gnome-keyring-daemon", "--foreground", "--unlock",
                               "--components=secrets"], stdin=subprocess.PIPE,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                              env={**private_env, "DBUS_SESSION_BUS_ADDRESS": address})
    assert daemon.stdin is not None
    daemon.stdin.write(b"desktoprec-test")
    daemon.stdin.close()
    try:
        for _ in range(100):
            if _secrets_name_owned(address):
                break
            time.sleep(0.1)
        else:
            raise AssertionError("the private gnome-keyring did not come up")
        os.environ.update(DBUS_SESSION_BUS_ADDRESS=address, XDG_DATA_HOME=str(data_home))
        assert _secret_service_works(), "the private gnome-keyring is not usable"
        yield keyring.backends.SecretService.Keyring()
    finally:
        for process in (daemon, bus):
            process.terminate()
            process.wait(5)
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def _tokens(access: str = "A" * 200, refresh: str | None = "R" * 131,
            lifetime: float = 3600) -> TokenSet:
    return TokenSet(access_token=access, refresh_token=refresh,
                    expires_at=time.time() + lifetime)


# --- the store -----------------------------------------------------------------------------------


def test_secret_service_keeps_each_secret_in_its_own_small_entry(secret_service: Any) -> None:
    store = TokenStore(profile_key("/home/a", "cid"), backend=secret_service)
    assert store.persistent and store.warning is None
    assert "SecretService" in store.backend_name()
    tokens = _tokens()
    store.save(tokens)
    stored = {name: secret_service.get_password(KEYRING_SERVICE, f"{name}:{store.key}")
              for name in (ENTRY_REFRESH, ENTRY_ACCESS, ENTRY_EXPIRY)}
    assert stored[ENTRY_REFRESH] == tokens.refresh_token
    assert stored[ENTRY_ACCESS] == tokens.access_token
    assert abs(float(stored[ENTRY_EXPIRY]) - tokens.expires_at) < 1
    assert all(len(value) <= MAX_SECRET_CHARS for value in stored.values())
    # a new store (a new run) reads them back
    again = TokenStore(store.key, backend=secret_service).load()
    assert again is not None
    assert (again.access_token, again.refresh_token) == (tokens.access_token,
                                                         tokens.refresh_token)
    store.clear()
    assert TokenStore(store.key, backend=secret_service).load() is None
    assert secret_service.get_password(KEYRING_SERVICE, f"{ENTRY_REFRESH}:{store.key}") is None


def test_oversized_access_token_is_not_stored(secret_service: Any) -> None:
    store = TokenStore(profile_key("/home/b", "cid"), backend=secret_service)
    store.save(_tokens(access="A" * 3000))
    assert secret_service.get_password(KEYRING_SERVICE, f"{ENTRY_ACCESS}:{store.key}") is None
    loaded = TokenStore(store.key, backend=secret_service).load()
    assert loaded is not None and loaded.refresh_token == "R" * 131
    assert loaded.access_token == "" and loaded.expires_within(60)
    store.clear()


def test_profiles_do_not_share_tokens(secret_service: Any) -> None:
    one = TokenStore(profile_key("/home/one", "cid"), backend=secret_service)
    two = TokenStore(profile_key("/home/two", "cid"), backend=secret_service)
    one.save(_tokens(refresh="R1" * 40))
    assert two.load() is None
    one.clear()


@pytest.mark.parametrize("backend", [keyring.backends.fail.Keyring(),
                                     keyring.backends.null.Keyring()])
def test_no_keyring_keeps_tokens_in_memory_only(backend: Any) -> None:
    store = TokenStore("k", backend=backend)
    assert not store.persistent
    assert store.warning == NO_KEYRING_WARNING
    assert "memory only" in store.backend_name()
    tokens = _tokens()
    store.save(tokens)
    assert store.load() is tokens
    assert TokenStore("k", backend=backend).load() is None  # nothing survives this process


class _BrokenWindowsLikeKeyring(keyring.backend.KeyringBackend):
    """Fails the way Windows does for a too-big secret: an OSError, not a KeyringError."""

    priority = 1  # type: ignore[assignment]

    def get_password(self, service: str, username: str) -> str | None:
        return None

    def set_password(self, service: str, username: str, password: str) -> None:
        raise OSError(1783, "The stub received bad data")

    def delete_password(self, service: str, username: str) -> None:
        return None


def test_a_failing_backend_falls_back_to_memory() -> None:
    store = TokenStore("k", backend=_BrokenWindowsLikeKeyring())
    assert store.persistent
    tokens = _tokens()
    store.save(tokens)
    assert not store.persistent and store.warning == NO_KEYRING_WARNING
    assert store.load() is tokens


# --- the manager against the emulator ------------------------------------------------------------


@pytest.fixture
def emulator() -> Iterator[EmulatorServer]:
    with EmulatorServer(generate_account(seed=4, saved_tracks=10, playlists=1)) as server:
        yield server


def _manager(server: EmulatorServer, store: TokenStore, lifetime: float = 3600,
             client_id: str = "cid") -> tuple[TokenManager, dict[str, Any]]:
    issued = server.issue_tokens(client_id=client_id)
    manager = TokenManager(store, accounts_url=lambda: server.accounts_url,
                           client_id=lambda: client_id)
    manager.set_tokens(TokenSet(issued["access_token"], issued["refresh_token"],
                                time.time() + lifetime))
    return manager, issued


def test_valid_token_is_used_without_refreshing(emulator: EmulatorServer,
                                                secret_service: Any) -> None:
    store = TokenStore(profile_key("/home/valid", "cid"), backend=secret_service)
    manager, issued = _manager(emulator, store)
    assert manager.access_token() == issued["access_token"]
    assert manager.refresh_count == 0
    assert emulator.count("/api/token") == 0
    store.clear()


def test_refresh_before_expiry_keeps_old_refresh_token(emulator: EmulatorServer,
                                                       secret_service: Any) -> None:
    store = TokenStore(profile_key("/home/soon", "cid"), backend=secret_service)
    manager, issued = _manager(emulator, store, lifetime=30)  # inside the 60 s margin
    fresh = manager.access_token()
    assert fresh != issued["access_token"]
    assert manager.refresh_count == 1
    stored = TokenStore(store.key, backend=secret_service).load()
    assert stored is not None
    assert stored.access_token == fresh
    assert stored.refresh_token == issued["refresh_token"]  # the answer had none
    assert manager.access_token() == fresh  # now valid for an hour: no second refresh
    assert manager.refresh_count == 1
    store.clear()


def test_a_rotated_refresh_token_replaces_the_old_one(emulator: EmulatorServer,
                                                      secret_service: Any) -> None:
    emulator.refresh_returns_refresh_token = True
    store = TokenStore(profile_key("/home/rotate", "cid"), backend=secret_service)
    manager, issued = _manager(emulator, store, lifetime=0)
    manager.access_token()
    stored = TokenStore(store.key, backend=secret_service).load()
    assert stored is not None and stored.refresh_token not in (None, issued["refresh_token"])
    store.clear()


def test_refresh_on_401_through_the_api_client(emulator: EmulatorServer) -> None:
    store = TokenStore("k", backend=keyring.backends.null.Keyring())
    manager, _ = _manager(emulator, store)
    with SpotifyClient(emulator.api_url, manager) as client:
        assert client.me()["id"] == emulator.account.user_id
        emulator.expire_all_tokens()
        assert client.me()["id"] == emulator.account.user_id
    assert manager.refresh_count == 1
    assert emulator.count("/v1/me", status=401) == 1


def test_invalid_grant_asks_to_sign_in_again_and_forgets(emulator: EmulatorServer,
                                                         secret_service: Any) -> None:
    store = TokenStore(profile_key("/home/revoked", "cid"), backend=secret_service)
    manager, _ = _manager(emulator, store, lifetime=0)
    emulator.revoke_refresh_tokens()
    with pytest.raises(SignInRequired) as caught:
        manager.access_token()
    assert str(caught.value) == EXPIRED_MESSAGE
    assert TokenStore(store.key, backend=secret_service).load() is None
    assert not manager.has_tokens()
    with pytest.raises(SignInRequired):
        manager.access_token()


def test_no_tokens_at_all_is_sign_in_required(tmp_path: Path) -> None:
    manager = TokenManager(TokenStore("none", backend=keyring.backends.null.Keyring()),
                           accounts_url=lambda: "http://127.0.0.1:9", client_id=lambda: "c")
    with pytest.raises(SignInRequired):
        manager.access_token()
    with pytest.raises(SignInRequired):
        manager.refresh()


def test_a_failed_early_refresh_keeps_using_the_still_valid_token(
        emulator: EmulatorServer) -> None:
    from desktoprec.errors import NetworkError

    store = TokenStore("k", backend=keyring.backends.null.Keyring())
    manager, issued = _manager(emulator, store, lifetime=30)  # due for refresh, still valid
    emulator.faults.add("/api/token", status=503)
    assert manager.access_token() == issued["access_token"]
    manager.set_tokens(TokenSet(issued["access_token"], issued["refresh_token"],
                                time.time() - 5))  # expired: nothing to fall back on
    emulator.faults.add("/api/token", status=503)
    with pytest.raises(NetworkError):
        manager.access_token()
    assert manager.access_token() != issued["access_token"]  # Spotify is back
