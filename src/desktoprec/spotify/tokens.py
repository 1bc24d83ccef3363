"""Spotify tokens: kept in the OS keyring (or, with none, in memory only) and refreshed in time.

Each secret is its own small keyring entry under the service "desktoprec" — the refresh token,
and the access token with its expiry only when it fits — because Windows Credential Manager holds
at most 2,560 bytes (UTF-16) per secret. Entry names carry a short key of the profile (the
DESKTOPREC_HOME folder and the client ID), so the demo, tests and a real account never share
tokens. Tokens never go to SQLite, settings, logs or output.
"""

from __future__ import annotations

import hashlib
import logging
import threading
from collections.abc import Callable
from typing import Any

import httpx
import keyring
import keyring.backends.fail
import keyring.backends.null
import keyring.errors

from desktoprec.errors import AuthError, KeyringUnavailable, NetworkError, SignInRequired
from desktoprec.logs import forget_secrets, register_secret
from desktoprec.spotify.auth import EXPIRED_MESSAGE, TokenSet, refresh_tokens

log = logging.getLogger(__name__)

KEYRING_SERVICE = "desktoprec"
MAX_SECRET_CHARS = 1200  # Windows: 2,560 bytes of UTF-16 per secret, with room to spare
REFRESH_MARGIN_S = 60.0
ENTRY_REFRESH = "spotify-refresh-token"
ENTRY_ACCESS = "spotify-access-token"
ENTRY_EXPIRY = "spotify-access-token-expires-at"
NO_KEYRING_WARNING = (
    "No system keyring is available, so your Spotify sign-in is kept in memory for this run "
    "only and you will need to sign in again next time. Install and unlock a keyring (GNOME "
    "Keyring or KWallet) to stay signed in.")


def profile_key(home: str, client_id: str) -> str:
    """A short stable key for one profile (home folder + client ID) used in entry names."""
    return hashlib.sha256(f"{home}\x1f{client_id}".encode()).hexdigest()[:12]


def backend_is_usable(backend: Any) -> bool:
    """False for the `fail` backend (nothing found) and the `null` one (drops what it is given)."""
    if isinstance(backend, (keyring.backends.fail.Keyring, keyring.backends.null.Keyring)):
        return False
    inner = getattr(backend, "backends", None)  # the chainer: usable if any member is
    if inner is not None:
        return any(backend_is_usable(b) for b in inner)
    return True


def describe_backend(backend: Any) -> str:
    cls = type(backend)
    name = f"{cls.__module__.removeprefix('keyring.backends.')}.{cls.__name__}"
    inner = getattr(backend, "backends", None)
    if inner:
        name += " (" + ", ".join(describe_backend(b) for b in inner) + ")"
    return name


class TokenStore:
    """Reads and writes the tokens of one profile; memory-only when no keyring is usable."""

    def __init__(self, key: str, backend: Any | None = None) -> None:
        self.key = key
        self._backend = backend if backend is not None else keyring.get_keyring()
        self._memory: TokenSet | None = None
        self.warning: str | None = None
        self.read_error: str | None = None  # set when the keyring refused to be read
        self.persistent = backend_is_usable(self._backend)
        if not self.persistent:
            self._fall_back("no usable keyring backend "
                            f"({describe_backend(self._backend)})")

    def backend_name(self) -> str:
        if not self.persistent:
            return f"memory only (no keyring: {describe_backend(self._backend)})"
        return describe_backend(self._backend)

    def _entry(self, name: str) -> str:
        return f"{name}:{self.key}"

    def _fall_back(self, why: str) -> None:
        if self.warning is None:
            log.warning("keyring: %s; tokens stay in memory for this run", why)
        self.persistent = False
        self.warning = NO_KEYRING_WARNING

    def load(self) -> TokenSet | None:
        if not self.persistent:
            return self._memory
        try:
            refresh = self._backend.get_password(KEYRING_SERVICE, self._entry(ENTRY_REFRESH))
            access = self._backend.get_password(KEYRING_SERVICE, self._entry(ENTRY_ACCESS))
            expiry = self._backend.get_password(KEYRING_SERVICE, self._entry(ENTRY_EXPIRY))
        except Exception as exc:  # noqa: BLE001 - any backend failure means: no keyring
            self._fall_back(f"reading failed ({type(exc).__name__})")
            # A locked or broken keyring may well hold a sign-in: say so, not "not signed in".
            self.read_error = type(exc).__name__
            return self._memory
        if not refresh and not access:
            return None
        try:
            expires_at = float(expiry) if expiry else 0.0
        except ValueError:
            expires_at = 0.0
        tokens = TokenSet(access_token=access or "", refresh_token=refresh or None,
                          expires_at=expires_at if access else 0.0)
        register_secret(tokens.access_token)
        register_secret(tokens.refresh_token)
        return tokens

    def save(self, tokens: TokenSet) -> None:
        self._memory = tokens
        if not self.persistent:
            return
        try:
            if tokens.refresh_token:
                if len(tokens.refresh_token) > MAX_SECRET_CHARS:
                    raise ValueError("the refresh token is too long for a keyring entry")
                self._set(ENTRY_REFRESH, tokens.refresh_token)
            else:
                self._delete(ENTRY_REFRESH)
            if tokens.access_token and len(tokens.access_token) <= MAX_SECRET_CHARS:
                self._set(ENTRY_ACCESS, tokens.access_token)
                self._set(ENTRY_EXPIRY, f"{tokens.expires_at:.0f}")
            else:  # too big to keep: it is fetched again with the refresh token next run
                self._delete(ENTRY_ACCESS)
                self._delete(ENTRY_EXPIRY)
        except Exception as exc:  # noqa: BLE001 - e.g. Windows error 1783 is no KeyringError
            self._fall_back(f"writing failed ({type(exc).__name__})")

    def clear(self) -> None:
        self._memory = None
        if not self.persistent:
            return
        for name in (ENTRY_ACCESS, ENTRY_EXPIRY, ENTRY_REFRESH):
            try:
                self._delete(name)
            except Exception as exc:  # noqa: BLE001
                log.warning("keyring: could not delete %s (%s)", name, type(exc).__name__)

    def _set(self, name: str, value: str) -> None:
        self._backend.set_password(KEYRING_SERVICE, self._entry(name), value)

    def _delete(self, name: str) -> None:
        try:
            self._backend.delete_password(KEYRING_SERVICE, self._entry(name))
        except keyring.errors.PasswordDeleteError:
            pass


class TokenManager:
    """The token provider the API client uses: a valid access token, refreshed in time.

    Refreshes `REFRESH_MARGIN_S` before expiry and whenever the client saw a 401 (`refresh()`);
    keeps the old refresh token when Spotify's answer has none; turns invalid_grant into
    `SignInRequired`. Thread-safe: one refresh at a time.
    """

    def __init__(self, store: TokenStore, accounts_url: Callable[[], str],
                 client_id: Callable[[], str], *, margin: float = REFRESH_MARGIN_S,
                 transport: httpx.BaseTransport | None = None) -> None:
        self.store = store
        self._accounts_url = accounts_url
        self._client_id = client_id
        self.margin = margin
        self._transport = transport
        self._lock = threading.RLock()
        self._tokens: TokenSet | None = None
        self._loaded = False
        self.refresh_count = 0

    def _current(self) -> TokenSet | None:
        if not self._loaded:
            self._tokens = self.store.load()
            self._loaded = True
        return self._tokens

    def set_tokens(self, tokens: TokenSet) -> None:
        with self._lock:
            self._tokens = tokens
            self._loaded = True
            self.store.save(tokens)

    def has_tokens(self) -> bool:
        with self._lock:
            tokens = self._current()
            return bool(tokens and (tokens.refresh_token or not tokens.expires_within(0)))

    def _no_tokens(self) -> AuthError:
        if self.store.read_error:
            return KeyringUnavailable(
                f"Your Spotify sign-in could not be read from the system keyring "
                f"({self.store.read_error}).",
                hint="unlock the keyring (log in to your desktop session), then try again")
        return SignInRequired()

    def access_token(self) -> str:
        with self._lock:
            tokens = self._current()
            if tokens is None:
                raise self._no_tokens()
            if tokens.access_token and not tokens.expires_within(self.margin):
                return tokens.access_token
            try:
                return self._refresh_locked()
            except NetworkError:
                # inside the margin the old token still works: use it while Spotify is away
                if tokens.access_token and not tokens.expires_within(1.0):
                    log.info("token refresh failed (network); the current token is still valid")
                    return tokens.access_token
                raise

    def refresh(self) -> str:
        with self._lock:
            if self._current() is None:
                raise self._no_tokens()
            return self._refresh_locked()

    def _refresh_locked(self) -> str:
        tokens = self._tokens
        if tokens is None or not tokens.refresh_token:
            raise SignInRequired(EXPIRED_MESSAGE)
        try:
            fresh = refresh_tokens(self._accounts_url(), self._client_id(), tokens.refresh_token,
                                   self._transport)
        except SignInRequired:
            log.info("the refresh token was refused; signing in again is needed")
            self.clear()
            raise
        self.refresh_count += 1
        self._tokens = fresh
        self.store.save(fresh)
        return fresh.access_token

    def clear(self) -> None:
        with self._lock:
            self._tokens = None
            self._loaded = True
            self.store.clear()
            forget_secrets()

    def expires_at(self) -> float | None:
        with self._lock:
            tokens = self._current()
            return tokens.expires_at if tokens else None
