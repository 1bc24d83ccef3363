"""What an emulator route gets and gives: the request (scopes, body, paging), Response, ApiError."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from desktoprec.spotify.emulator.account import EmulatorAccount, EmulatorPlaylist

ID_RE = r"([A-Za-z0-9]+)"


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


def json_bytes(data: Any) -> bytes:
    return json.dumps(data, separators=(",", ":")).encode("utf-8")


class ApiRequest:
    """One Web API request as its route sees it (routes run under the account's lock)."""

    def __init__(self, account: EmulatorAccount, query: dict[str, str], body: bytes,
                 scope: str, base: str) -> None:
        self.account = account
        self.query = query
        self.raw_body = body
        self.scopes = set(scope.split())
        self.base = base

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


Handler = Callable[..., Any]
Route = tuple[str, re.Pattern[str], Handler]


def route(verb: str, pattern: str, handler: Handler) -> Route:
    """A route: the verb ("*" for any), the path below /v1 (a regular expression), the handler."""
    return verb, re.compile(f"^{pattern}$"), handler


def _closed_403(api: ApiRequest, *_: str) -> Any:
    raise ApiError(403, "Forbidden")


def _closed_404(api: ApiRequest, *_: str) -> Any:
    raise ApiError(404, "Resource not found")


class RouteTable:
    """One area's routes: `@routes.add(verb, pattern)` on each handler, `routes.close(...)` for
    the endpoints closed to Development-Mode apps (or renamed)."""

    def __init__(self) -> None:
        self.routes: list[Route] = []

    def add(self, verb: str, pattern: str) -> Callable[[Handler], Handler]:
        def register(handler: Handler) -> Handler:
            self.routes.append(route(verb, pattern, handler))
            return handler

        return register

    def close(self, status: int, *patterns: str, verb: str = "*") -> None:
        handler = _closed_403 if status == 403 else _closed_404
        self.routes.extend(route(verb, pattern, handler) for pattern in patterns)
