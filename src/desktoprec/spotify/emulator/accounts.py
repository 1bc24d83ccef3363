"""The emulator's accounts service: PKCE authorization codes, access and refresh tokens."""

from __future__ import annotations

import base64
import hashlib
import re
import secrets
import threading
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode, urlsplit

from desktoprec.spotify.emulator.request import ApiError, Response, json_bytes

KNOWN_SCOPES = frozenset((
    "ugc-image-upload", "user-read-playback-state", "user-modify-playback-state",
    "user-read-currently-playing", "app-remote-control", "streaming", "playlist-read-private",
    "playlist-read-collaborative", "playlist-modify-private", "playlist-modify-public",
    "user-follow-modify", "user-follow-read", "user-read-playback-position", "user-top-read",
    "user-read-recently-played", "user-library-modify", "user-library-read", "user-read-email",
    "user-read-private", "user-personalized",
))
ALL_SCOPES = " ".join(sorted(KNOWN_SCOPES))
CODE_LIFETIME_S = 600
VERIFIER_RE = re.compile(r"^[A-Za-z0-9\-._~]{43,128}$")
CHALLENGE_RE = re.compile(r"^[A-Za-z0-9\-_]{43}$")

@dataclass
class _Code:
    client_id: str
    redirect_uri: str
    challenge: str
    scope: str
    expires_at: float


@dataclass
class _AccessToken:
    scope: str
    expires_at: float



def _s256(verifier: str) -> str:
    return base64.urlsafe_b64encode(hashlib.sha256(verifier.encode("ascii")).digest()) \
        .rstrip(b"=").decode("ascii")



def loopback_redirect_ok(redirect_uri: str) -> bool:
    """Spotify's 2025 rule: http loopback only as an IP literal (127.0.0.1 or [::1]) — no
    `localhost` — and, for this app, the path /callback."""
    try:
        parts = urlsplit(redirect_uri)
        _ = parts.port
    except ValueError:
        return False
    return (parts.scheme == "http" and parts.hostname in ("127.0.0.1", "::1")
            and parts.path == "/callback" and not parts.query and not parts.fragment
            and not parts.username)



def _page(status: int, text: str) -> Response:
    html = f"<!doctype html><title>Spotify</title><p>{text}</p>".encode()
    return Response(status, html, "text/html; charset=utf-8")



class AccountsService:
    """/authorize and /api/token as Spotify answers them, and the tokens they hand out.

    `deny` (the user clicks Cancel on the consent page) and `refresh_returns_refresh_token`
    (Spotify's answer before July 2026) may be flipped while the server runs.
    """

    def __init__(self, token_lifetime: float, client_id: str | None,
                 refresh_returns_refresh_token: bool) -> None:
        self.token_lifetime = float(token_lifetime)
        self.client_id = client_id or "desktoprec-emulator"
        self.accept_any_client_id = client_id is None
        self.refresh_returns_refresh_token = refresh_returns_refresh_token
        self.deny = False
        self._lock = threading.RLock()
        self._codes: dict[str, _Code] = {}
        self._access: dict[str, _AccessToken] = {}
        self._refresh: dict[str, tuple[str, str]] = {}  # token -> (client_id, scope)
        self._issued: list[str] = []

    def issue_tokens(self, scope: str = ALL_SCOPES, client_id: str | None = None
                     ) -> dict[str, Any]:
        """Tokens as /api/token would give them, for tests that do not sign in first."""
        with self._lock:
            access = "EMU-AT-" + secrets.token_urlsafe(32)
            refresh = "EMU-RT-" + secrets.token_urlsafe(32)
            self._access[access] = _AccessToken(scope, time.monotonic() + self.token_lifetime)
            self._refresh[refresh] = (client_id or self.client_id, scope)
            self._issued += [access, refresh]
        return {"access_token": access, "token_type": "Bearer", "scope": scope,
                "expires_in": int(self.token_lifetime), "refresh_token": refresh}

    def issued_secrets(self) -> list[str]:
        """Every code, access token and refresh token handed out (for leak checks in tests)."""
        with self._lock:
            return list(self._issued)

    def expire_all_tokens(self) -> None:
        with self._lock:
            for token in self._access.values():
                token.expires_at = 0.0

    def revoke_refresh_tokens(self) -> None:
        with self._lock:
            self._refresh.clear()

    def _new_access_token(self, scope: str) -> str:
        token = "EMU-AT-" + secrets.token_urlsafe(32)
        self._access[token] = _AccessToken(scope, time.monotonic() + self.token_lifetime)
        self._issued.append(token)
        return token

    def authorize(self, query: dict[str, str]) -> Response:
        client_id = query.get("client_id", "")
        if not client_id or (not self.accept_any_client_id and client_id != self.client_id):
            return _page(400, "INVALID_CLIENT: Invalid client")
        redirect_uri = query.get("redirect_uri", "")
        if not loopback_redirect_ok(redirect_uri):
            return _page(400, "INVALID_CLIENT: Invalid redirect URI")
        state = query.get("state")

        def back(**params: str) -> Response:
            if state is not None:
                params["state"] = state
            sep = "&" if "?" in redirect_uri else "?"
            return Response(302, b"", "text/plain",
                            {"Location": f"{redirect_uri}{sep}{urlencode(params)}"})

        if query.get("response_type") != "code":
            return back(error="unsupported_response_type")
        if query.get("code_challenge_method") != "S256":
            return back(error="invalid_request",
                        error_description="code_challenge_method must be S256")
        challenge = query.get("code_challenge", "")
        if not CHALLENGE_RE.match(challenge):
            return back(error="invalid_request", error_description="code_challenge is invalid")
        scope = " ".join(query.get("scope", "").split())
        if any(s not in KNOWN_SCOPES for s in scope.split()):
            return back(error="invalid_scope")
        if self.deny:
            return back(error="access_denied")
        code = "EMU-CODE-" + secrets.token_urlsafe(32)
        with self._lock:
            self._codes[code] = _Code(client_id, redirect_uri, challenge, scope,
                                      time.monotonic() + CODE_LIFETIME_S)
            self._issued.append(code)
        return back(code=code)

    def token(self, form: dict[str, str]) -> Response:
        def fail(error: str, description: str, status: int = 400) -> Response:
            return Response(status, json_bytes({"error": error,
                                                 "error_description": description}))

        grant = form.get("grant_type")
        client_id = form.get("client_id", "")
        if not client_id:
            return fail("invalid_client", "Invalid client")
        if "client_secret" in form:
            return fail("invalid_client", "A PKCE client sends no secret")
        with self._lock:
            if grant == "authorization_code":
                code = self._codes.pop(form.get("code", ""), None)  # single use, even on failure
                if code is None or code.expires_at < time.monotonic():
                    return fail("invalid_grant", "Invalid authorization code")
                if code.client_id != client_id:
                    return fail("invalid_client", "Invalid client")
                if form.get("redirect_uri") != code.redirect_uri:
                    return fail("invalid_grant", "Invalid redirect URI")
                verifier = form.get("code_verifier", "")
                if not VERIFIER_RE.match(verifier) or _s256(verifier) != code.challenge:
                    return fail("invalid_grant", "code_verifier was incorrect")
                refresh = "EMU-RT-" + secrets.token_urlsafe(32)
                self._refresh[refresh] = (client_id, code.scope)
                self._issued.append(refresh)
                return Response(200, json_bytes({
                    "access_token": self._new_access_token(code.scope), "token_type": "Bearer",
                    "scope": code.scope, "expires_in": int(self.token_lifetime),
                    "refresh_token": refresh}))
            if grant == "refresh_token":
                old = form.get("refresh_token", "")
                known = self._refresh.get(old)
                if known is None:
                    return fail("invalid_grant", "Refresh token revoked")
                if known[0] != client_id:
                    return fail("invalid_client", "Invalid client")
                answer: dict[str, Any] = {
                    "access_token": self._new_access_token(known[1]), "token_type": "Bearer",
                    "scope": known[1], "expires_in": int(self.token_lifetime)}
                if self.refresh_returns_refresh_token:
                    del self._refresh[old]
                    new = "EMU-RT-" + secrets.token_urlsafe(32)
                    self._refresh[new] = known
                    self._issued.append(new)
                    answer["refresh_token"] = new
                return Response(200, json_bytes(answer))
        return fail("unsupported_grant_type", "grant_type must be authorization_code or "
                    "refresh_token")

    def check_bearer(self, header: str | None) -> str:
        """The scope of a valid token, or an ApiError(401) as Spotify words it."""
        if not header or not header.startswith("Bearer "):
            raise ApiError(401, "No token provided")
        with self._lock:
            token = self._access.get(header[len("Bearer "):].strip())
            if token is None:
                raise ApiError(401, "Invalid access token")
            if token.expires_at <= time.monotonic():
                raise ApiError(401, "The access token expired")
            return token.scope
