"""A real threaded HTTP server on 127.0.0.1 that behaves like Spotify's accounts service and Web API
as of late 2026 (docs: SPOTIFY_API_2026.md): PKCE checked exactly, expiring tokens, closed
endpoints, 2026 response shapes, paging limits, rate limits and injectable faults.
"""

from __future__ import annotations

import base64
import hashlib
import json
import logging
import math
import re
import secrets
import socket
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlencode, urlsplit

from desktoprec.spotify.emulator.account import EmulatorAccount, EmulatorPlaylist, make_id
from desktoprec.spotify.emulator.faults import Fault, Faults

log = logging.getLogger(__name__)

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
NOT_REGISTERED_TEXT = "User not registered in the Developer Dashboard"
_ID_RE = r"([A-Za-z0-9]+)"


@dataclass(frozen=True)
class RecordedRequest:
    method: str
    path: str
    query: dict[str, str]
    status: int


class ApiError(Exception):
    """An error answer: Spotify's `{"error": {status, message[, reason]}}`, or plain text."""

    def __init__(self, status: int, message: str, reason: str | None = None,
                 headers: dict[str, str] | None = None, plain: bool = False) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.reason = reason
        self.headers = headers or {}
        self.plain = plain

    def body(self) -> Any:
        if self.plain:
            return self.message
        error: dict[str, Any] = {"status": self.status, "message": self.message}
        if self.reason:
            error["reason"] = self.reason
        return {"error": error}


@dataclass
class Response:
    status: int
    body: bytes
    content_type: str = "application/json; charset=utf-8"
    headers: dict[str, str] | None = None


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


def _json_bytes(data: Any) -> bytes:
    return json.dumps(data, separators=(",", ":")).encode("utf-8")


def _s256(verifier: str) -> str:
    return base64.urlsafe_b64encode(hashlib.sha256(verifier.encode("ascii")).digest()) \
        .rstrip(b"=").decode("ascii")


def _iso_to_ms(stamp: str) -> int:
    return int(datetime.fromisoformat(stamp).timestamp() * 1000)


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


class EmulatorServer:
    """Serve one `EmulatorAccount` on 127.0.0.1 (accounts service at the root, Web API at /v1).

    Switches tests may flip while it runs: `deny` (the user clicks Cancel on the consent page),
    `registered` (False: every API call answers 403 "User not registered ..."),
    `refresh_returns_refresh_token` (Spotify's answer before July 2026), `rate_limit_per_30s`.
    """

    def __init__(self, account: EmulatorAccount | None = None, port: int = 0,
                 token_lifetime: float = 3600, *, client_id: str | None = None,
                 rate_limit_per_30s: int | None = None,
                 refresh_returns_refresh_token: bool = False, host: str = "127.0.0.1") -> None:
        if account is None:
            from desktoprec.spotify.emulator.account import generate_account

            account = generate_account()
        self.account = account
        self.token_lifetime = float(token_lifetime)
        self.client_id = client_id or "desktoprec-emulator"
        self.accept_any_client_id = client_id is None
        self.rate_limit_per_30s = rate_limit_per_30s
        self.refresh_returns_refresh_token = refresh_returns_refresh_token
        self.deny = False
        self.registered = True
        self.faults = Faults()
        self.requests: list[RecordedRequest] = []
        self._host = host
        self._port = port
        self._httpd: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._lock = threading.RLock()
        self._codes: dict[str, _Code] = {}
        self._access: dict[str, _AccessToken] = {}
        self._refresh: dict[str, tuple[str, str]] = {}  # token -> (client_id, scope)
        self._recent_calls: deque[float] = deque()
        self._issued: list[str] = []
        self._connections: set[socket.socket] = set()
        self._bound_port: int | None = None

    # --- life cycle ----------------------------------------------------------------------------

    def start(self) -> EmulatorServer:
        if self._httpd is not None:
            return self
        server = self

        class Handler(_Handler):
            emulator = server

        # a restart comes back on the same port (the network "returns")
        httpd = ThreadingHTTPServer((self._host, self._bound_port or self._port), Handler)
        httpd.daemon_threads = True
        self._httpd = httpd
        self._bound_port = int(httpd.server_address[1])
        self._thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.1},
                                        name=f"spotify-emulator-{self.port}", daemon=True)
        self._thread.start()
        log.info("Spotify emulator serving at %s", self.accounts_url)
        return self

    def stop(self) -> None:
        httpd, self._httpd = self._httpd, None
        if httpd is not None:
            httpd.shutdown()
            httpd.server_close()
        # kept-alive connections would otherwise still be answered after stop()
        with self._lock:
            open_connections, self._connections = list(self._connections), set()
        for connection in open_connections:
            try:
                connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def __enter__(self) -> EmulatorServer:  # noqa: PYI034
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def port(self) -> int:
        """The bound port (still known after stop(), so tests can see the network go away)."""
        if self._bound_port is None:
            raise RuntimeError("the emulator has not been started")
        return self._bound_port

    @property
    def accounts_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def api_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    # --- request log ---------------------------------------------------------------------------

    def record(self, method: str, path: str, query: dict[str, str], status: int) -> None:
        with self._lock:
            self.requests.append(RecordedRequest(method, path, query, status))

    def reset_requests(self) -> None:
        with self._lock:
            self.requests.clear()

    def count(self, path_prefix: str = "", method: str | None = None,
              status: int | None = None) -> int:
        """How many requests matched (path as requested, e.g. "/v1/me/tracks")."""
        with self._lock:
            return sum(1 for r in self.requests
                       if r.path.startswith(path_prefix)
                       and (method is None or r.method == method.upper())
                       and (status is None or r.status == status))

    # --- tokens --------------------------------------------------------------------------------

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

    # --- accounts service ----------------------------------------------------------------------

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
            return Response(status, _json_bytes({"error": error,
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
                return Response(200, _json_bytes({
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
                return Response(200, _json_bytes(answer))
        return fail("unsupported_grant_type", "grant_type must be authorization_code or "
                    "refresh_token")

    # --- Web API -------------------------------------------------------------------------------

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

    def check_rate_limit(self) -> None:
        if not self.rate_limit_per_30s:
            return
        now = time.monotonic()
        with self._lock:
            while self._recent_calls and self._recent_calls[0] <= now - 30:
                self._recent_calls.popleft()
            if len(self._recent_calls) >= self.rate_limit_per_30s:
                wait = max(1, math.ceil(30 - (now - self._recent_calls[0])))
                raise ApiError(429, "API rate limit exceeded", headers={"Retry-After": str(wait)})
            self._recent_calls.append(now)

    def api(self, method: str, path: str, query: dict[str, str], body: bytes,
            authorization: str | None) -> Response:
        scope = self.check_bearer(authorization)
        if not self.registered:
            raise ApiError(403, NOT_REGISTERED_TEXT, plain=True)
        self.check_rate_limit()
        api = _Api(self, query, body, scope)
        for verb, pattern, handler in _ROUTES:
            match = pattern.match(path)
            if match is None:
                continue
            if verb != "*" and verb != method:
                continue
            with self.account.lock:
                result = handler(api, *match.groups())
            if isinstance(result, Response):
                return result
            if result is None:
                return Response(204, b"")
            return Response(200, _json_bytes(result))
        if any(p.match(path) for _, p, _ in _ROUTES):
            raise ApiError(405, "Method not allowed")
        raise ApiError(404, "Service not found")


def _page(status: int, text: str) -> Response:
    html = f"<!doctype html><title>Spotify</title><p>{text}</p>".encode()
    return Response(status, html, "text/html; charset=utf-8")


class _Api:
    """The Web API endpoints for one request (runs under the account's lock)."""

    def __init__(self, server: EmulatorServer, query: dict[str, str], body: bytes,
                 scope: str) -> None:
        self.server = server
        self.account = server.account
        self.query = query
        self.raw_body = body
        self.scopes = set(scope.split())
        self.base = server.api_url

    # helpers
    def need_scope(self, *any_of: str) -> None:
        if not self.scopes.intersection(any_of):
            raise ApiError(403, "Insufficient client scope")

    def json_body(self) -> dict[str, Any]:
        if not self.raw_body.strip():
            return {}
        try:
            data = json.loads(self.raw_body)
        except (ValueError, UnicodeDecodeError) as exc:
            raise ApiError(400, "Error parsing JSON.") from exc
        if not isinstance(data, dict):
            raise ApiError(400, "Error parsing JSON.")
        return data

    def int_param(self, name: str, default: int, low: int, high: int | None,
                  message: str) -> int:
        raw = self.query.get(name)
        if raw is None or raw == "":
            return default
        try:
            value = int(raw)
        except ValueError as exc:
            raise ApiError(400, message) from exc
        if value < low or (high is not None and value > high):
            raise ApiError(400, message)
        return value

    def limit(self, default: int = 20, maximum: int = 50) -> int:
        return self.int_param("limit", default, 1, maximum, "Invalid limit")

    def offset(self) -> int:
        return self.int_param("offset", 0, 0, 100_000, "Invalid offset")

    def paging(self, path: str, items: list[Any], total: int, offset: int,
               limit: int) -> dict[str, Any]:
        extra = {k: v for k, v in self.query.items() if k not in ("offset", "limit")}

        def link(at: int) -> str:
            return f"{self.base}{path}?{urlencode({**extra, 'offset': at, 'limit': limit})}"

        return {
            "href": link(offset),
            "items": items,
            "limit": limit,
            "next": link(offset + limit) if offset + limit < total else None,
            "offset": offset,
            "previous": link(max(0, offset - limit)) if offset > 0 else None,
            "total": total,
        }

    def track(self, track_id: str) -> dict[str, Any]:
        track = self.account.tracks.get(track_id)
        if track is None:
            raise ApiError(404, "Resource not found")
        return track

    def playlist_or_404(self, playlist_id: str) -> EmulatorPlaylist:
        playlist = self.account.playlist(playlist_id)
        if playlist is None:
            raise ApiError(404, "Resource not found")
        return playlist

    # user
    def me(self) -> Any:
        return self.account.profile()

    def saved_tracks(self) -> Any:
        self.need_scope("user-library-read")
        limit, offset = self.limit(), self.offset()
        rows = self.account.saved[offset: offset + limit]
        items = [{"added_at": added_at, "track": self.account.tracks[track_id]}
                 for track_id, added_at in rows if track_id in self.account.tracks]
        return self.paging("/me/tracks", items, len(self.account.saved), offset, limit)

    def my_playlists(self) -> Any:
        self.need_scope("playlist-read-private", "playlist-read-collaborative")
        limit, offset = self.limit(), self.offset()
        rows = self.account.playlists[offset: offset + limit]
        items = [self.account.playlist_json(p, self.base) for p in rows]
        return self.paging("/me/playlists", items, len(self.account.playlists), offset, limit)

    def create_playlist(self) -> Any:
        self.need_scope("playlist-modify-public", "playlist-modify-private")
        body = self.json_body()
        name = body.get("name")
        if not isinstance(name, str) or not name.strip():
            raise ApiError(400, "Missing required field: name")
        public = body.get("public", True)
        playlist = self.account.add_playlist(
            name, playlist_id=make_id("created", name, time.time_ns()),
            description=str(body.get("description") or ""),
            public=bool(public), collaborative=bool(body.get("collaborative", False)))
        # the newest playlist is listed first, as Spotify does
        self.account.playlists.remove(playlist)
        self.account.playlists.insert(0, playlist)
        return Response(201, _json_bytes(self.account.playlist_json(playlist, self.base,
                                                                    full=True)))

    def get_playlist(self, playlist_id: str) -> Any:
        return self.account.playlist_json(self.playlist_or_404(playlist_id), self.base, full=True)

    def change_playlist(self, playlist_id: str) -> Any:
        playlist = self.playlist_or_404(playlist_id)
        if playlist.owner_id != self.account.user_id:
            raise ApiError(403, "Forbidden")
        body = self.json_body()
        if isinstance(body.get("name"), str):
            playlist.name = body["name"]
        if isinstance(body.get("description"), str):
            playlist.description = body["description"]
        if isinstance(body.get("public"), bool):
            playlist.public = body["public"]
        if isinstance(body.get("collaborative"), bool):
            playlist.collaborative = body["collaborative"]
        return Response(200, b"")

    def playlist_items(self, playlist_id: str) -> Any:
        playlist = self.playlist_or_404(playlist_id)
        if not self.account.can_read_items(playlist):
            raise ApiError(403, "Forbidden")
        limit, offset = self.limit(), self.offset()
        rows = playlist.entries[offset: offset + limit]
        items = [self.account.entry_json(playlist, e) for e in rows]
        return self.paging(f"/playlists/{playlist_id}/items", items, len(playlist.entries),
                           offset, limit)

    def _uris_from(self, body: dict[str, Any]) -> list[str]:
        uris: Any = body.get("uris")
        if uris is None and self.query.get("uris"):
            uris = self.query["uris"].split(",")
        if not isinstance(uris, list) or not all(isinstance(u, str) for u in uris):
            raise ApiError(400, "Missing or invalid uris")
        if len(uris) > 100:
            raise ApiError(400, "Too many ids requested")
        for uri in uris:
            if not re.fullmatch(r"spotify:(track|episode):[A-Za-z0-9]{22}", uri):
                raise ApiError(400, f"Unsupported URL / URI: {uri}")
        return uris

    def _writable(self, playlist_id: str) -> EmulatorPlaylist:
        self.need_scope("playlist-modify-public", "playlist-modify-private")
        playlist = self.playlist_or_404(playlist_id)
        if not self.account.can_read_items(playlist):
            raise ApiError(403, "Forbidden")
        return playlist

    def add_items(self, playlist_id: str) -> Any:
        self._writable(playlist_id)
        body = self.json_body()
        uris = self._uris_from(body)
        position = body.get("position", self.query.get("position"))
        at = int(position) if position is not None else None
        snapshot = self.account.add_to_playlist(playlist_id, uris, at)
        return Response(201, _json_bytes({"snapshot_id": snapshot}))

    def replace_items(self, playlist_id: str) -> Any:
        playlist = self._writable(playlist_id)
        body = self.json_body()
        if "range_start" in body:
            start, before = int(body["range_start"]), int(body.get("insert_before", 0))
            length = int(body.get("range_length", 1))
            moving = playlist.entries[start:start + length]
            rest = playlist.entries[:start] + playlist.entries[start + length:]
            at = before if before <= start else before - length
            playlist.entries = rest[:at] + moving + rest[at:]
            playlist.touch()
            return {"snapshot_id": playlist.snapshot_id}
        return {"snapshot_id": self.account.replace_playlist_items(playlist_id,
                                                                   self._uris_from(body))}

    def unfollow_playlist(self, playlist_id: str) -> Any:
        self.need_scope("playlist-modify-public", "playlist-modify-private")
        self.playlist_or_404(playlist_id)
        self.account.unfollow_playlist(playlist_id)
        return None

    def remove_items(self, playlist_id: str) -> Any:
        self._writable(playlist_id)
        body = self.json_body()
        entries = body.get("items", body.get("tracks"))
        if not isinstance(entries, list) or len(entries) > 100:
            raise ApiError(400, "Missing or invalid items")
        uris = [e.get("uri") for e in entries if isinstance(e, dict)]
        return {"snapshot_id": self.account.remove_from_playlist(
            playlist_id, [u for u in uris if isinstance(u, str)])}

    def top(self, kind: str) -> Any:
        self.need_scope("user-top-read")
        time_range = self.query.get("time_range", "medium_term")
        if time_range not in ("short_term", "medium_term", "long_term"):
            raise ApiError(400, "Invalid time range")
        limit, offset = self.limit(), self.offset()
        if kind == "tracks":
            ids = self.account.top_tracks.get(time_range, [])
            objects = [self.account.tracks[t] for t in ids if t in self.account.tracks]
        else:
            ids = self.account.top_artists.get(time_range, [])
            objects = [self.account.artists[a] for a in ids if a in self.account.artists]
        return self.paging(f"/me/top/{kind}", objects[offset:offset + limit], len(objects),
                           offset, limit)

    def recently_played(self) -> Any:
        self.need_scope("user-read-recently-played")
        limit = self.limit()
        before = self.int_param("before", 0, 0, None, "Invalid before")
        after = self.int_param("after", 0, 0, None, "Invalid after")
        if before and after:
            raise ApiError(400, "Only one of before and after may be given")
        plays = self.account.recently_played[:50]  # Spotify keeps the 50 most recent
        stamped = [(_iso_to_ms(p.played_at), p) for p in plays]
        if before:
            stamped = [(ms, p) for ms, p in stamped if ms < before]
        elif after:
            stamped = [(ms, p) for ms, p in stamped if ms > after][-limit:]
        page = stamped[:limit]
        items = []
        for _, play in page:
            track = self.account.tracks.get(play.track_id)
            if track is None:
                continue
            context = None
            if play.context_uri:
                kind, _, item_id = play.context_uri.removeprefix("spotify:").partition(":")
                context = {"type": kind, "uri": play.context_uri,
                           "href": f"{self.base}/{kind}s/{item_id}",
                           "external_urls": {"spotify":
                                             f"https://open.spotify.com/{kind}/{item_id}"}}
            items.append({"track": track, "played_at": play.played_at, "context": context})
        cursors = ({"after": str(page[0][0]), "before": str(page[-1][0])} if page else None)
        more = bool(page) and len(stamped) > len(page)
        href = f"{self.base}/me/player/recently-played?{urlencode(self.query)}"
        next_url = (f"{self.base}/me/player/recently-played?"
                    f"{urlencode({'before': page[-1][0], 'limit': limit})}" if more else None)
        return {"items": items, "next": next_url, "cursors": cursors, "limit": limit,
                "href": href}

    def following(self) -> Any:
        self.need_scope("user-follow-read")
        if self.query.get("type") != "artist":
            raise ApiError(400, "Only type=artist is supported")
        limit = self.limit()
        ids = self.account.followed_artists
        start = 0
        if self.query.get("after"):
            try:
                start = ids.index(self.query["after"]) + 1
            except ValueError:
                start = len(ids)
        page_ids = ids[start:start + limit]
        more = start + limit < len(ids)
        last = page_ids[-1] if page_ids else None
        next_url = (f"{self.base}/me/following?"
                    f"{urlencode({'type': 'artist', 'after': last, 'limit': limit})}"
                    if more and last else None)
        return {"artists": {
            "items": [self.account.artists[a] for a in page_ids if a in self.account.artists],
            "next": next_url, "total": len(ids), "cursors": {"after": last if more else None},
            "limit": limit, "href": f"{self.base}/me/following?{urlencode(self.query)}"}}

    # catalog
    def get_track(self, track_id: str) -> Any:
        return self.track(track_id)

    def get_artist(self, artist_id: str) -> Any:
        artist = self.account.artists.get(artist_id)
        if artist is None:
            raise ApiError(404, "Resource not found")
        return artist

    def get_album(self, album_id: str) -> Any:
        album = self.account.albums.get(album_id)
        if album is None:
            raise ApiError(404, "Resource not found")
        ids = self.account.album_track_ids(album_id)
        tracks = [_simplified_track(self.account.tracks[t]) for t in ids[:50]]
        return {**album, "copyrights": [], "tracks": self.paging(
            f"/albums/{album_id}/tracks", tracks, len(ids), 0, 50)}

    def album_tracks(self, album_id: str) -> Any:
        if album_id not in self.account.albums:
            raise ApiError(404, "Resource not found")
        limit, offset = self.limit(), self.offset()
        ids = self.account.album_track_ids(album_id)
        items = [_simplified_track(self.account.tracks[t]) for t in ids[offset:offset + limit]]
        return self.paging(f"/albums/{album_id}/tracks", items, len(ids), offset, limit)

    def artist_albums(self, artist_id: str) -> Any:
        if artist_id not in self.account.artists:
            raise ApiError(404, "Resource not found")
        limit, offset = self.limit(default=5, maximum=10), self.offset()  # since 2026-02
        ids = self.account.artist_album_ids(artist_id)
        groups = self.query.get("include_groups")
        albums = [self.account.albums[a] for a in ids]
        if groups:
            wanted = set(groups.split(","))
            albums = [a for a in albums if a.get("album_type") in wanted
                      or ("single" in wanted and a.get("album_type") == "ep")]
        return self.paging(f"/artists/{artist_id}/albums", albums[offset:offset + limit],
                           len(albums), offset, limit)

    def search(self) -> Any:
        query = self.query.get("q", "").strip()
        types = [t for t in self.query.get("type", "").split(",") if t]
        if not query:
            raise ApiError(400, "No search query")
        if not types or any(t not in ("track", "artist", "album", "playlist") for t in types):
            raise ApiError(400, "Missing or bad parameter type")
        limit = self.limit(default=10, maximum=10)
        offset = self.offset()
        filters: dict[str, str] = {}
        words: list[str] = []
        for token in re.findall(r'(\w+:"[^"]*"|\w+:\S+|"[^"]*"|\S+)', query):
            key, colon, value = token.partition(":")
            if colon and key.lower() in ("isrc", "artist", "track", "album", "year", "genre"):
                filters[key.lower()] = value.strip('"').lower()
            else:
                words.append(token.strip('"').lower())
        answer: dict[str, Any] = {}
        for kind in types:
            found = self._search_kind(kind, filters, words)
            answer[f"{kind}s"] = self.paging("/search", found[offset:offset + limit],
                                             len(found), offset, limit)
        return answer

    def _search_kind(self, kind: str, filters: dict[str, str], words: list[str]) -> list[Any]:
        def has_words(text: str) -> bool:
            low = text.lower()
            return all(w in low for w in words)

        if kind == "track":
            out = []
            for track in self.account.tracks.values():
                artists = " ".join(a.get("name", "") for a in track.get("artists", []))
                if "isrc" in filters and (track.get("external_ids") or {}).get(
                        "isrc", "").lower() != filters["isrc"]:
                    continue
                if "artist" in filters and filters["artist"] not in artists.lower():
                    continue
                if "track" in filters and filters["track"] not in track["name"].lower():
                    continue
                if "album" in filters and filters["album"] not in (
                        track.get("album") or {}).get("name", "").lower():
                    continue
                if words and not has_words(f"{track['name']} {artists}"):
                    continue
                out.append(track)
            return out
        if kind == "artist":
            return [a for a in self.account.artists.values()
                    if has_words(a.get("name", "")) and ("artist" not in filters or
                                                          filters["artist"] in a["name"].lower())]
        if kind == "album":
            return [a for a in self.account.albums.values() if has_words(a.get("name", ""))]
        return []

    # library (2026: /me/library with URIs)
    def library_change(self, method: str) -> Any:
        self.need_scope("user-library-modify")
        uris = [u for u in self.query.get("uris", "").split(",") if u]
        if not uris or len(uris) > 40:
            raise ApiError(400, "Between 1 and 40 uris are required")
        for uri in uris:
            if not uri.startswith("spotify:track:"):
                raise ApiError(400, f"Unsupported URL / URI: {uri}")
            track_id = uri.rsplit(":", 1)[1]
            if method == "PUT":
                if track_id in self.account.tracks:
                    self.account.save_track(track_id)
            else:
                self.account.unsave_track(track_id)
        return Response(200, b"")

    def library_contains(self) -> Any:
        self.need_scope("user-library-read")
        uris = [u for u in self.query.get("uris", "").split(",") if u]
        if not uris or len(uris) > 40:
            raise ApiError(400, "Between 1 and 40 uris are required")
        saved = {t for t, _ in self.account.saved}
        return [u.rsplit(":", 1)[1] in saved for u in uris]

    # player
    def _device(self, required: bool = True) -> dict[str, Any] | None:
        wanted = self.query.get("device_id")
        if wanted:
            device = next((d for d in self.account.devices if d["id"] == wanted), None)
            if device is None:
                raise ApiError(404, "Device not found")
            return device
        device = next((d for d in self.account.devices if d.get("is_active")), None)
        if device is None and required:
            raise ApiError(404, "Player command failed: No active device found",
                           reason="NO_ACTIVE_DEVICE")
        return device

    def _control(self) -> dict[str, Any]:
        self.need_scope("user-modify-playback-state")
        if not self.account.premium:
            raise ApiError(403, "Player command failed: Premium required",
                           reason="PREMIUM_REQUIRED")
        device = self._device()
        assert device is not None
        for other in self.account.devices:
            other["is_active"] = other is device
        return device

    def player_state(self) -> Any:
        self.need_scope("user-read-playback-state", "user-read-currently-playing")
        state = self.account.playback
        if not state or not state.get("uris"):
            return None
        device = next((d for d in self.account.devices if d["id"] == state["device_id"]), None)
        item = self.account.resolve_uri(state["uris"][state["index"]])
        context = state.get("context_uri")
        return {
            "device": device, "shuffle_state": bool(state.get("shuffle", False)),
            "repeat_state": state.get("repeat", "off"),
            "timestamp": int(time.time() * 1000),
            "context": {"uri": context, "type": context.split(":")[1]} if context else None,
            "progress_ms": state.get("progress_ms", 0), "is_playing": state["is_playing"],
            "item": item, "currently_playing_type": "track",
            "actions": {"disallows": {}},
        }

    def devices(self) -> Any:
        self.need_scope("user-read-playback-state")
        return {"devices": self.account.devices}

    def play(self) -> Any:
        device = self._control()
        body = self.json_body()
        state = self.account.playback or {}
        uris = body.get("uris")
        context_uri = body.get("context_uri")
        if context_uri:
            uris = self._context_uris(str(context_uri))
        if uris is not None:
            if not isinstance(uris, list) or not uris:
                raise ApiError(400, "Invalid uris")
            for uri in uris:
                if self.account.resolve_uri(str(uri)) is None:
                    raise ApiError(400, f"Unsupported URL / URI: {uri}")
            index = 0
            offset = body.get("offset")
            if isinstance(offset, dict):
                if isinstance(offset.get("position"), int):
                    index = offset["position"]
                elif offset.get("uri") in uris:
                    index = uris.index(offset["uri"])
            if not 0 <= index < len(uris):
                raise ApiError(400, "Invalid offset")
            state = {"uris": list(uris), "index": index, "context_uri": context_uri,
                     "queue": state.get("queue", []), "shuffle": state.get("shuffle", False),
                     "repeat": state.get("repeat", "off")}
        elif not state.get("uris"):
            raise ApiError(404, "Player command failed: Nothing to resume",
                           reason="NO_ACTIVE_DEVICE")
        state.update(device_id=device["id"], is_playing=True,
                     progress_ms=int(body.get("position_ms", 0) or 0))
        self.account.playback = state
        return None

    def _context_uris(self, context_uri: str) -> list[str]:
        kind, _, item_id = context_uri.removeprefix("spotify:").partition(":")
        if kind == "playlist":
            playlist = self.playlist_or_404(item_id)
            return [e.uri for e in playlist.entries if e.uri]
        if kind == "album":
            return [f"spotify:track:{t}" for t in self.account.album_track_ids(item_id)]
        raise ApiError(400, f"Unsupported context: {context_uri}")

    def pause(self) -> Any:
        self._control()
        if self.account.playback:
            self.account.playback["is_playing"] = False
        return None

    def skip(self, step: int) -> Any:
        self._control()
        state = self.account.playback
        if not state or not state.get("uris"):
            return None
        if step > 0 and state.get("queue"):
            state["uris"].insert(state["index"] + 1, state["queue"].pop(0))
        state["index"] = max(0, min(len(state["uris"]) - 1, state["index"] + step))
        state["progress_ms"] = 0
        return None

    def queue_add(self) -> Any:
        self._control()
        uri = self.query.get("uri", "")
        if self.account.resolve_uri(uri) is None:
            raise ApiError(400, f"Unsupported URL / URI: {uri}")
        state = self.account.playback
        if state is None:
            raise ApiError(404, "Player command failed: No active device found",
                           reason="NO_ACTIVE_DEVICE")
        state.setdefault("queue", []).append(uri)
        return None

    def volume(self) -> Any:
        device = self._control()
        raw = self.query.get("volume_percent", "")
        if not raw.lstrip("-").isdigit() or not 0 <= int(raw) <= 100:
            raise ApiError(400, "volume_percent must be between 0 and 100")
        if not device.get("supports_volume", True):
            raise ApiError(403, "Cannot control device volume", reason="VOLUME_CONTROL_DISALLOW")
        device["volume_percent"] = int(raw)
        return None

    def _player_mode(self, key: str, allowed: tuple[str, ...]) -> Any:
        self._control()
        value = self.query.get("state", "")
        if value not in allowed:
            raise ApiError(400, f"state must be one of: {', '.join(allowed)}")
        state = self.account.playback
        if state is None:
            raise ApiError(404, "Player command failed: No active device found",
                           reason="NO_ACTIVE_DEVICE")
        state[key] = (value == "true") if key == "shuffle" else value
        return None

    def queue_get(self) -> Any:
        self.need_scope("user-read-playback-state", "user-read-currently-playing")
        state = self.account.playback or {}
        current = (self.account.resolve_uri(state["uris"][state["index"]])
                   if state.get("uris") else None)
        return {"currently_playing": current,
                "queue": [self.account.resolve_uri(u) for u in state.get("queue", [])]}

    def transfer(self) -> Any:
        self.need_scope("user-modify-playback-state")
        if not self.account.premium:
            raise ApiError(403, "Player command failed: Premium required",
                           reason="PREMIUM_REQUIRED")
        body = self.json_body()
        ids = body.get("device_ids")
        if not isinstance(ids, list) or len(ids) != 1:
            raise ApiError(400, "Exactly one device id is required")
        device = next((d for d in self.account.devices if d["id"] == ids[0]), None)
        if device is None:
            raise ApiError(404, "Device not found")
        for other in self.account.devices:
            other["is_active"] = other is device
        if self.account.playback:
            self.account.playback["device_id"] = device["id"]
            if body.get("play"):
                self.account.playback["is_playing"] = True
        return None

    # closed
    def closed_403(self, *_: str) -> Any:
        raise ApiError(403, "Forbidden")

    def closed_404(self, *_: str) -> Any:
        raise ApiError(404, "Resource not found")

    def batch(self) -> Any:
        if "ids" in self.query:
            raise ApiError(403, "Forbidden")
        raise ApiError(404, "Service not found")


def _simplified_track(track: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in track.items() if k not in ("album", "external_ids")}


Route = tuple[str, re.Pattern[str], Callable[..., Any]]


def _r(verb: str, pattern: str, handler: Callable[..., Any]) -> Route:
    return verb, re.compile(f"^{pattern}$"), handler


_ROUTES: tuple[Route, ...] = (
    _r("GET", "/me", _Api.me),
    _r("GET", "/me/tracks", _Api.saved_tracks),
    _r("GET", "/me/playlists", _Api.my_playlists),
    _r("POST", "/me/playlists", _Api.create_playlist),
    _r("GET", "/me/top/(tracks|artists)", _Api.top),
    _r("GET", "/me/player/recently-played", _Api.recently_played),
    _r("GET", "/me/following", _Api.following),
    _r("PUT", "/me/library", lambda api: api.library_change("PUT")),
    _r("DELETE", "/me/library", lambda api: api.library_change("DELETE")),
    _r("GET", "/me/library/contains", _Api.library_contains),
    _r("GET", "/me/player", _Api.player_state),
    _r("GET", "/me/player/currently-playing", _Api.player_state),
    _r("PUT", "/me/player", _Api.transfer),
    _r("GET", "/me/player/devices", _Api.devices),
    _r("PUT", "/me/player/play", _Api.play),
    _r("PUT", "/me/player/pause", _Api.pause),
    _r("POST", "/me/player/next", lambda api: api.skip(1)),
    _r("POST", "/me/player/previous", lambda api: api.skip(-1)),
    _r("POST", "/me/player/queue", _Api.queue_add),
    _r("GET", "/me/player/queue", _Api.queue_get),
    _r("PUT", "/me/player/volume", _Api.volume),
    _r("PUT", "/me/player/shuffle", lambda api: api._player_mode("shuffle", ("true", "false"))),
    _r("PUT", "/me/player/repeat",
       lambda api: api._player_mode("repeat", ("off", "context", "track"))),
    _r("*", f"/playlists/{_ID_RE}/tracks", _Api.closed_404),  # renamed to /items
    _r("GET", f"/playlists/{_ID_RE}/items", _Api.playlist_items),
    _r("POST", f"/playlists/{_ID_RE}/items", _Api.add_items),
    _r("PUT", f"/playlists/{_ID_RE}/items", _Api.replace_items),
    _r("DELETE", f"/playlists/{_ID_RE}/items", _Api.remove_items),
    _r("DELETE", f"/playlists/{_ID_RE}/followers", _Api.unfollow_playlist),
    _r("GET", f"/playlists/{_ID_RE}", _Api.get_playlist),
    _r("PUT", f"/playlists/{_ID_RE}", _Api.change_playlist),
    _r("GET", "/(?:tracks|artists|albums)", _Api.batch),
    _r("GET", f"/tracks/{_ID_RE}", _Api.get_track),
    _r("GET", f"/artists/{_ID_RE}/albums", _Api.artist_albums),
    _r("GET", f"/artists/{_ID_RE}/top-tracks", _Api.closed_403),
    _r("GET", f"/artists/{_ID_RE}/related-artists", _Api.closed_404),
    _r("GET", f"/artists/{_ID_RE}", _Api.get_artist),
    _r("GET", f"/albums/{_ID_RE}/tracks", _Api.album_tracks),
    _r("GET", f"/albums/{_ID_RE}", _Api.get_album),
    _r("GET", "/search", _Api.search),
    _r("*", "/audio-features(?:/.*)?", _Api.closed_403),
    _r("*", "/audio-analysis(?:/.*)?", _Api.closed_403),
    _r("*", "/recommendations(?:/.*)?", _Api.closed_404),
    _r("*", "/browse(?:/.*)?", _Api.closed_403),
    _r("*", "/markets", _Api.closed_403),
    _r("*", "/users/[^/]+(?:/playlists)?", _Api.closed_403),
)


class _Handler(BaseHTTPRequestHandler):
    """Turns one HTTP request into an emulator call, applying faults and recording it."""

    emulator: EmulatorServer
    protocol_version = "HTTP/1.1"
    # Headers and body leave as two writes; with Nagle on, each keep-alive answer waited ~40 ms
    # for the client's delayed ACK (45 ms per request measured, 0.85 ms without).
    disable_nagle_algorithm = True
    server_version = "SpotifyEmulator/2026"
    sys_version = ""

    def log_message(self, format: str, *args: Any) -> None:
        log.debug("emulator: " + format, *args)

    def do_GET(self) -> None:
        self._handle("GET")

    def do_POST(self) -> None:
        self._handle("POST")

    def do_PUT(self) -> None:
        self._handle("PUT")

    def do_DELETE(self) -> None:
        self._handle("DELETE")

    def setup(self) -> None:
        super().setup()
        with self.emulator._lock:
            self.emulator._connections.add(self.connection)

    def finish(self) -> None:
        try:
            super().finish()
        finally:
            with self.emulator._lock:
                self.emulator._connections.discard(self.connection)

    def _handle(self, method: str) -> None:
        emulator = self.emulator
        parts = urlsplit(self.path)
        path = parts.path
        query = dict(parse_qsl(parts.query, keep_blank_values=True))
        try:
            length = int(self.headers.get("Content-Length") or 0)
        except ValueError:
            length = 0
        body = self.rfile.read(length) if 0 < length <= 5_000_000 else b""
        api_path = path[3:] if path.startswith("/v1/") else None
        fault = emulator.faults.take(method, path, api_path)
        if fault is not None and fault.mode == "drop":
            emulator.record(method, path, query, 0)
            self.close_connection = True
            try:
                self.connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            return
        if fault is not None and fault.mode == "slow":
            time.sleep(fault.delay)
        if fault is not None and fault.mode in ("status", "malformed"):
            response = _fault_response(fault)
        else:
            response = self._dispatch(method, path, api_path, query, body)
        emulator.record(method, path, query, response.status)
        self._send(response, truncate=fault is not None and fault.mode == "truncate")

    def _dispatch(self, method: str, path: str, api_path: str | None, query: dict[str, str],
                  body: bytes) -> Response:
        emulator = self.emulator
        try:
            if api_path is not None:
                return emulator.api(method, api_path, query, body,
                                    self.headers.get("Authorization"))
            if path == "/authorize" and method == "GET":
                return emulator.authorize(query)
            if path == "/api/token" and method == "POST":
                content_type = (self.headers.get("Content-Type") or "").split(";")[0].strip()
                if content_type != "application/x-www-form-urlencoded":
                    return Response(400, _json_bytes({
                        "error": "invalid_request",
                        "error_description": "The body must be form-encoded"}))
                form = dict(parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True))
                return emulator.token(form)
            raise ApiError(404, "Service not found")
        except ApiError as exc:
            payload = exc.body()
            if isinstance(payload, str):
                return Response(exc.status, payload.encode(), "text/plain; charset=utf-8",
                                exc.headers)
            return Response(exc.status, _json_bytes(payload), headers=exc.headers)
        except Exception:  # a bug in the emulator: say so as a 500, like a server would
            log.exception("emulator: %s %s failed", method, path)
            return Response(500, _json_bytes({"error": {"status": 500,
                                                        "message": "Server error"}}))

    def _send(self, response: Response, truncate: bool = False) -> None:
        try:
            self.send_response(response.status)
            self.send_header("Content-Type", response.content_type)
            self.send_header("Content-Length", str(len(response.body)))
            for name, value in (response.headers or {}).items():
                self.send_header(name, value)
            if truncate:
                self.send_header("Connection", "close")
                self.close_connection = True
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(response.body[: len(response.body) // 2] if truncate
                                 else response.body)
            self.wfile.flush()
            if truncate:
                self.connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            self.close_connection = True


def _fault_response(fault: Fault) -> Response:
    if fault.mode == "malformed":
        return Response(200, b'{"items": [{"added_at": "2026-', headers=fault.headers)
    body = fault.body
    if body is None:
        messages = {429: "API rate limit exceeded", 401: "The access token expired",
                    403: "Forbidden", 404: "Resource not found", 502: "Bad gateway",
                    503: "Service unavailable"}
        body = {"error": {"status": fault.status,
                          "message": messages.get(fault.status, "Server error")}}
    if isinstance(body, (bytes, str)):
        raw = body if isinstance(body, bytes) else body.encode()
        return Response(fault.status, raw, "text/plain; charset=utf-8", fault.headers)
    return Response(fault.status, _json_bytes(body), headers=fault.headers)

