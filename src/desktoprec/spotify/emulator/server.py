"""A real threaded HTTP server on 127.0.0.1 that behaves like Spotify's accounts service and Web API
as of late 2026 (docs: SPOTIFY_API_2026.md): PKCE checked exactly, expiring tokens, closed
endpoints, 2026 response shapes, paging limits, rate limits and injectable faults.

This module is the core (the server, the HTTP handler, dispatch and faults); the accounts service
is accounts.py and the Web API's routes are library.py, playlists.py, player.py and catalogue.py.
"""

from __future__ import annotations

import logging
import math
import socket
import time
from collections import deque
from dataclasses import dataclass
from typing import Any, Self
from urllib.parse import parse_qsl, urlsplit

from desktoprec.loopback import LoopbackHandler, LoopbackServer
from desktoprec.spotify.emulator import catalogue, library, player, playlists
from desktoprec.spotify.emulator.account import EmulatorAccount
from desktoprec.spotify.emulator.accounts import (
    ALL_SCOPES,
    AccountsService,
    loopback_redirect_ok,
)
from desktoprec.spotify.emulator.faults import Fault, Faults
from desktoprec.spotify.emulator.request import (
    ApiError,
    ApiRequest,
    Response,
    Route,
    json_bytes,
)

__all__ = ["ALL_SCOPES", "NOT_REGISTERED_TEXT", "EmulatorServer", "RecordedRequest",
           "loopback_redirect_ok"]

log = logging.getLogger(__name__)

NOT_REGISTERED_TEXT = "User not registered in the Developer Dashboard"

_ROUTES: tuple[Route, ...] = tuple(
    library.routes.routes + playlists.routes.routes + player.routes.routes
    + catalogue.routes.routes)


@dataclass(frozen=True)
class RecordedRequest:
    method: str
    path: str
    query: dict[str, str]
    status: int


class EmulatorServer(AccountsService, LoopbackServer):
    """Serve one `EmulatorAccount` on 127.0.0.1 (accounts service at the root, Web API at /v1).

    Switches tests may flip while it runs: `deny` (the user clicks Cancel on the consent page),
    `registered` (False: every API call answers 403 "User not registered ..."),
    `refresh_returns_refresh_token` (Spotify's answer before July 2026), `rate_limit_per_30s`.
    `port` is still known after stop(), so tests can see the network go away.
    """

    thread_name = "spotify-emulator"

    def __init__(self, account: EmulatorAccount | None = None, port: int = 0,
                 token_lifetime: float = 3600, *, client_id: str | None = None,
                 rate_limit_per_30s: int | None = None,
                 refresh_returns_refresh_token: bool = False, host: str = "127.0.0.1") -> None:
        if account is None:
            from desktoprec.spotify.emulator.account import generate_account

            account = generate_account()
        AccountsService.__init__(self, token_lifetime, client_id, refresh_returns_refresh_token)
        LoopbackServer.__init__(self, _Handler, host, port)
        self.account = account
        self.rate_limit_per_30s = rate_limit_per_30s
        self.registered = True
        self.faults = Faults()
        self.requests: list[RecordedRequest] = []
        self._recent_calls: deque[float] = deque()

    # --- life cycle ----------------------------------------------------------------------------

    def start(self) -> Self:
        if self._httpd is None:
            super().start()
            log.info("Spotify emulator serving at %s", self.accounts_url)
        return self

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

    # --- Web API -------------------------------------------------------------------------------

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
        api = ApiRequest(self.account, query, body, scope, self.api_url)
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
            return Response(200, json_bytes(result))
        if any(p.match(path) for _, p, _ in _ROUTES):
            raise ApiError(405, "Method not allowed")
        raise ApiError(404, "Service not found")


class _Handler(LoopbackHandler["EmulatorServer"]):
    """Turns one HTTP request into an emulator call, applying faults and recording it."""

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

    def _handle(self, method: str) -> None:
        emulator = self.owner
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
        emulator = self.owner
        try:
            if api_path is not None:
                return emulator.api(method, api_path, query, body,
                                    self.headers.get("Authorization"))
            if path == "/authorize" and method == "GET":
                return emulator.authorize(query)
            if path == "/api/token" and method == "POST":
                content_type = (self.headers.get("Content-Type") or "").split(";")[0].strip()
                if content_type != "application/x-www-form-urlencoded":
                    return Response(400, json_bytes({
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
            return Response(exc.status, json_bytes(payload), headers=exc.headers)
        except Exception:  # a bug in the emulator: say so as a 500, like a server would
            log.exception("emulator: %s %s failed", method, path)
            return Response(500, json_bytes({"error": {"status": 500,
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
    return Response(fault.status, json_bytes(body), headers=fault.headers)

