"""The Spotify Web API client: bearer tokens, 401 refresh, capped 429 waits, retries, paging.

Every call goes through `SpotifyClient.request`, which turns whatever the network or Spotify does
into the `SpotifyError` tree with one message a person can act on. It never sleeps longer than
`max_wait` for a rate limit, never retries a 401 more than once, never calls an endpoint that
Spotify has closed to Development Mode apps (unless asked to probe one), and never accepts a body
larger than `max_body_bytes`.
"""

from __future__ import annotations

import json
import logging
import math
import re
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol, Self
from urllib.parse import parse_qsl, urlsplit

import httpx

from desktoprec import netjson
from desktoprec.errors import (
    AuthError,
    Cancelled,
    MalformedResponse,
    NetworkError,
    NoActiveDevice,
    NotAvailable,
    PremiumRequired,
    RateLimited,
    SpotifyError,
)
from desktoprec.httpdeadline import RequestDeadline, default_deadline

log = logging.getLogger(__name__)

PAGE_SIZE = 50
ARTIST_ALBUMS_PAGE = 10  # the most /artists/{id}/albums gives per page since 2026-02
MAX_BODY_BYTES = 10 * 1024 * 1024
NOT_REGISTERED_TEXT = "User not registered in the Developer Dashboard"

# Endpoints closed to Development Mode apps (see docs: SPOTIFY_API_2026.md §1). Checked against
# the path below the API root, before any request is made.
CLOSED_ENDPOINTS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("audio features", re.compile(r"^/audio-features(/|$)")),
    ("audio analysis", re.compile(r"^/audio-analysis(/|$)")),
    ("recommendations", re.compile(r"^/recommendations(/|$)")),
    ("related artists", re.compile(r"^/artists/[^/]+/related-artists$")),
    ("artist top tracks", re.compile(r"^/artists/[^/]+/top-tracks$")),
    ("browse", re.compile(r"^/browse(/|$)")),
    ("markets", re.compile(r"^/markets$")),
    ("other users' profiles", re.compile(r"^/users/[^/]+$")),
    ("other users' playlists", re.compile(r"^/users/[^/]+/playlists$")),
    ("batch tracks", re.compile(r"^/tracks$")),
    ("batch artists", re.compile(r"^/artists$")),
    ("batch albums", re.compile(r"^/albums$")),
    ("playlist /tracks (renamed /items)", re.compile(r"^/playlists/[^/]+/tracks$")),
)


class TokenProvider(Protocol):
    def access_token(self) -> str: ...

    def refresh(self) -> str: ...


def closed_endpoint(path: str) -> str | None:
    """The name of the closed endpoint `path` would call, or None when it is open."""
    for name, pattern in CLOSED_ENDPOINTS:
        if pattern.search(path):
            return name
    return None


def describe_wait(seconds: float, now: datetime | None = None) -> str:
    """'in about 1 hour (after 21:14 UTC)' — when to try again, for a person."""
    now = now or datetime.now(UTC)
    if not math.isfinite(seconds) or seconds > 3650 * 86400:
        return "in more than ten years (Spotify named no usable time)"
    seconds = max(0.0, seconds)
    at = now + timedelta(seconds=seconds)
    if seconds < 90:
        span = f"{round(seconds)} seconds"
    elif seconds < 5400:
        span = f"{round(seconds / 60)} minutes"
    elif seconds < 172800:
        span = f"{seconds / 3600:.1f} hours"
    else:
        span = f"{seconds / 86400:.0f} days"
    # another day than today: the date too, or "after 21:22" would read as today
    when = at.strftime("%H:%M") if at.date() == now.date() else at.strftime("%Y-%m-%d %H:%M")
    return f"in about {span} (after {when} UTC)"


def _error_reason(body: Any) -> tuple[str | None, str | None]:
    """(reason, message) from Spotify's `{"error": {...}}` body, when it has one."""
    if isinstance(body, dict):
        err = body.get("error")
        if isinstance(err, dict):
            reason = err.get("reason") if isinstance(err.get("reason"), str) else None
            message = err.get("message") if isinstance(err.get("message"), str) else None
            return reason, message
        if isinstance(body.get("reason"), str):
            return body["reason"], None
    return None, None


@dataclass
class _Tries:
    """What one request() has been through: retries after failures, rate-limit waits, refresh."""

    failures: int = 0
    rate_waits: int = 0
    refreshed: bool = False


class SpotifyClient:
    """A synchronous client for api.spotify.com (or the emulator); safe to share between threads."""

    def __init__(
        self,
        api_url: str,
        token_provider: TokenProvider,
        *,
        transport: httpx.BaseTransport | None = None,
        max_wait: float = 30.0,
        on_wait: Callable[[float, str | None], None] | None = None,
        timeout: float = 20.0,
        retries: int = 2,
        retry_delay: float = 0.5,
        max_body_bytes: int = MAX_BODY_BYTES,
        max_rate_limit_waits: int = 5,
        sleep: Callable[[float], None] | None = None,
        deadline: float | None = None,
    ) -> None:
        self.api_url = api_url.rstrip("/")
        # the most one request (headers and body) may take, however slowly the server drips
        self.deadline = default_deadline(deadline)
        self._base_path = urlsplit(self.api_url).path.rstrip("/")
        self.tokens = token_provider
        self.max_wait = max_wait
        self.on_wait = on_wait
        self.retries = retries
        self.retry_delay = retry_delay
        self.max_body_bytes = max_body_bytes
        self.max_rate_limit_waits = max_rate_limit_waits
        self._sleep = sleep or time.sleep
        self._http = httpx.Client(
            transport=transport,
            timeout=httpx.Timeout(timeout, connect=min(timeout, 10.0)),
            follow_redirects=False,
            headers={"Accept": "application/json", "User-Agent": "desktoprec"},
        )
        self._lock = threading.Lock()
        self.requests_made = 0
        self.cancel: threading.Event | None = None

    # --- plumbing -----------------------------------------------------------------------------

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _split(self, path_or_url: str) -> tuple[str, dict[str, str]]:
        """API-relative path and query of a path or a `next` URL (any host: replays, emulator)."""
        if path_or_url.startswith(("http://", "https://")):
            parts = urlsplit(path_or_url)
            path = parts.path
            for prefix in (self._base_path, "/v1"):
                if prefix and path.startswith(prefix + "/"):
                    path = path[len(prefix):]
                    break
            return path, dict(parse_qsl(parts.query, keep_blank_values=True))
        path, _, query = path_or_url.partition("?")
        path = path if path.startswith("/") else "/" + path
        return path, dict(parse_qsl(query, keep_blank_values=True))

    def _count(self) -> None:
        with self._lock:
            self.requests_made += 1

    def _pause(self, seconds: float) -> None:
        cancel = self.cancel
        if cancel is not None:
            if cancel.wait(seconds):
                raise Cancelled()
        else:
            self._sleep(seconds)

    def _read_body(self, response: httpx.Response, path: str,
                   guard: RequestDeadline | None = None) -> bytes:
        declared = response.headers.get("content-length")
        if declared and declared.isdigit() and int(declared) > self.max_body_bytes:
            raise MalformedResponse(
                f"Spotify's answer to {path} was too large ({int(declared)} bytes); ignored."
            )
        chunks: list[bytes] = []
        size = 0
        for chunk in (guard.iter_bytes(response) if guard else response.iter_bytes()):
            size += len(chunk)
            if size > self.max_body_bytes:
                raise MalformedResponse(
                    f"Spotify's answer to {path} was larger than "
                    f"{self.max_body_bytes // (1024 * 1024)} MB; ignored."
                )
            chunks.append(chunk)
        return b"".join(chunks)

    def _send_with(
        self, method: str, path: str, params: dict[str, Any] | None, body: Any, token: str
    ) -> tuple[int, httpx.Headers, bytes]:
        self._count()
        headers = {"Authorization": f"Bearer {token}"}
        with RequestDeadline(self.deadline, self.cancel, "Spotify") as guard:
            try:
                with self._http.stream(
                    method, self.api_url + path, params=params, json=body, headers=headers,
                    extensions={"trace": guard.trace},
                ) as response:
                    content = self._read_body(response, path, guard)
                    return response.status_code, response.headers, content
            except (httpx.HTTPError, OSError):
                guard.raise_if_stopped()  # the deadline or Cancel cut it: say so, no retry
                raise

    # --- the one entry point --------------------------------------------------------------------

    def request(
        self,
        method: str,
        path: str,
        params: dict[str, Any] | None = None,
        json: Any = None,
        *,
        allow_closed: bool = False,
    ) -> Any:
        """Call the API; returns the decoded JSON (None for an empty answer) or raises."""
        rel_path, query = self._split(path)
        merged = {**query, **(params or {})}
        name = closed_endpoint(rel_path)
        if name and not allow_closed:
            raise NotAvailable(
                f"Spotify has closed {name} to apps in Development Mode; desktoprec does not "
                "call it.",
                status=403,
            )
        method = method.upper()
        tries = _Tries()
        token = self.tokens.access_token()
        while True:
            if self.cancel is not None and self.cancel.is_set():
                raise Cancelled()
            try:
                status, headers, content = self._send_with(
                    method, rel_path, merged or None, json, token
                )
            except (httpx.HTTPError, OSError, ValueError) as exc:
                self._after_transport_error(exc, method, rel_path, tries)
                continue
            if status == 401:
                token = self._after_unauthorized(rel_path, tries)
                continue
            if status == 429:
                self._after_rate_limit(headers, content, rel_path, tries)
                continue
            if 500 <= status < 600:
                self._after_server_error(status, method, rel_path, tries)
                continue
            if status >= 400:
                raise _status_error(status, rel_path, content)
            if status == 204 or not content.strip():
                return None
            return _decode(content, rel_path)

    # --- what request() does after an answer it cannot use: wait and retry, or raise -----------

    def _after_transport_error(self, exc: Exception, method: str, rel_path: str,
                               tries: _Tries) -> None:
        if isinstance(exc, httpx.TransportError):
            # A POST that may have reached Spotify is not repeated (it could create twice).
            safe = method in ("GET", "PUT", "DELETE") or isinstance(
                exc, (httpx.ConnectError, httpx.ConnectTimeout)
            )
            tries.failures += 1
            if safe and tries.failures <= self.retries:
                log.info("network error on %s %s (%s); retrying", method, rel_path,
                         type(exc).__name__)
                self._pause(self.retry_delay * tries.failures)
                return
            raise NetworkError(
                f"Spotify could not be reached ({_describe_transport(exc)})."
            ) from exc
        if isinstance(exc, httpx.DecodingError):  # a body that claims gzip/br and is not
            raise MalformedResponse(
                f"Spotify's answer to {rel_path} could not be decoded; nothing from it was "
                "stored."
            ) from exc
        # Anything else the HTTP stack can raise (bad headers, stream errors, odd URLs).
        raise NetworkError(f"Spotify could not be reached ({type(exc).__name__}).") from exc

    def _after_unauthorized(self, rel_path: str, tries: _Tries) -> str:
        if tries.refreshed:
            raise AuthError(
                "Spotify refused the sign-in even after refreshing it.",
                hint="sign in again with `desktoprec login`",
            )
        tries.refreshed = True
        log.info("401 on %s; refreshing the access token once", rel_path)
        return str(self.tokens.refresh())

    def _after_rate_limit(self, headers: Any, content: bytes, rel_path: str,
                          tries: _Tries) -> None:
        retry_after = _retry_after(headers)
        reason, _ = _error_reason(_loads_quietly(content))
        if retry_after <= self.max_wait and tries.rate_waits < self.max_rate_limit_waits:
            tries.rate_waits += 1
            log.info("rate limited on %s; waiting %.1f s", rel_path, retry_after)
            if self.on_wait is not None:
                self.on_wait(retry_after, reason)
            self._pause(retry_after)
            return
        quota = " (the app's quota is used up)" if reason == "QUOTA_EXCEEDED" else ""
        raise RateLimited(
            f"Spotify's rate limit was reached{quota}; try again "
            f"{describe_wait(retry_after)}. Everything synced so far is kept.",
            retry_after=retry_after,
            reason=reason,
        )

    def _after_server_error(self, status: int, method: str, rel_path: str,
                            tries: _Tries) -> None:
        tries.failures += 1
        # A POST may have been carried out before the error: never repeat it blindly.
        if tries.failures <= self.retries and method != "POST":
            log.info("Spotify answered %d on %s; retrying", status, rel_path)
            self._pause(self.retry_delay * tries.failures)
            return
        raise NetworkError(
            f"Spotify is having trouble (HTTP {status} on {rel_path}).",
            status=status,
            hint="try again later; nothing stored was lost",
        )

    # --- paging -----------------------------------------------------------------------------------

    def pages(
        self,
        path: str,
        params: dict[str, Any] | None = None,
        *,
        wrapper: str | None = None,
        max_pages: int = 10_000,
    ) -> Iterator[dict[str, Any]]:
        """Each page's paging object (offset or cursor); follows `next` until it is null."""
        query: dict[str, Any] = {"limit": PAGE_SIZE, **(params or {})}
        # `next` links do not always repeat `fields`/`additional_types`: carry them over.
        sticky = {k: v for k, v in query.items() if k not in ("offset", "after", "before")}
        target: str | None = path
        seen: set[str] = set()
        first = True
        for _ in range(max_pages):
            if target is None:
                return
            if first:
                data = self.request("GET", target, query)
            else:
                next_path, next_query = self._split(target)
                data = self.request("GET", next_path, {**sticky, **next_query})
            first = False
            if not isinstance(data, dict):
                raise MalformedResponse(f"Spotify's answer to {path} was not a page of results.")
            page = data.get(wrapper) if wrapper else data
            if not isinstance(page, dict):
                raise MalformedResponse(
                    f"Spotify's answer to {path} has no `{wrapper}` page."
                )
            yield page
            next_url = page.get("next")
            if next_url is not None and not isinstance(next_url, str):
                raise MalformedResponse(f"Spotify's answer to {path} has a bad `next` link.")
            if next_url in seen:  # a server that loops must not loop us
                raise MalformedResponse(f"Spotify's paging of {path} went round in a circle.")
            if next_url:
                seen.add(next_url)
            items = page.get("items")
            target = next_url if next_url and isinstance(items, list) and items else None

    # --- endpoints used across the app ------------------------------------------------------------

    def me(self) -> dict[str, Any]:
        data = self.request("GET", "/me")
        if not isinstance(data, dict):
            raise MalformedResponse("Spotify's answer to /me was not a profile.")
        return data

    def artist(self, artist_id: str) -> dict[str, Any]:
        return self._object("GET", f"/artists/{artist_id}")

    def artist_albums(self, artist_id: str, limit: int = ARTIST_ALBUMS_PAGE,
                      include_groups: str = "album,single") -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = []
        params = {"limit": min(limit, ARTIST_ALBUMS_PAGE), "include_groups": include_groups}
        for page in self.pages(f"/artists/{artist_id}/albums", params):
            out.extend(i for i in page.get("items", []) if isinstance(i, dict))
            if len(out) >= limit:
                break
        return out[:limit]

    def album_tracks(self, album_id: str) -> list[dict[str, Any]]:
        out: list[dict[str, Any]] = []
        for page in self.pages(f"/albums/{album_id}/tracks"):
            out.extend(i for i in page.get("items", []) if isinstance(i, dict))
        return out

    def track(self, track_id: str) -> dict[str, Any]:
        return self._object("GET", f"/tracks/{track_id}")

    def search(self, q: str, type: str = "track", limit: int = 10) -> dict[str, Any]:
        """`GET /search`; Spotify caps `limit` at 10 for Development Mode apps."""
        params = {"q": q, "type": type, "limit": max(1, min(int(limit), 10))}
        return self._object("GET", "/search", params)

    def audio_features_probe(self, track_id: str) -> dict[str, Any] | None:
        """The one allowed call to the closed audio-features endpoint: its answer, or None."""
        try:
            return self._object("GET", f"/audio-features/{track_id}", allow_closed=True)
        except NotAvailable:
            return None

    def _object(self, method: str, path: str, params: dict[str, Any] | None = None,
                **kw: Any) -> dict[str, Any]:
        data = self.request(method, path, params, **kw)
        if not isinstance(data, dict):
            raise MalformedResponse(f"Spotify's answer to {path} was not an object.")
        return data


# --- helpers --------------------------------------------------------------------------------------


def _retry_after(headers: httpx.Headers) -> float:
    raw = headers.get("retry-after", "")
    try:
        value = float(raw)
    except ValueError:
        return 5.0  # Spotify always sends one; a missing header gets a short, polite pause
    if math.isnan(value):
        return 5.0
    # A hostile or broken header (inf, 1e308) must not overflow the date arithmetic that tells
    # the user when to try again: a week is longer than any real wait.
    return min(max(0.0, value), 7 * 24 * 3600.0)


def _loads_quietly(content: bytes) -> Any:
    try:
        return json.loads(content)
    except (ValueError, UnicodeDecodeError, RecursionError):
        return None


def _decode(content: bytes, path: str) -> Any:
    """Bounded JSON (size, nesting depth, no NaN) via netjson; garbage is one MalformedResponse."""
    return netjson.loads(content, source=f"Spotify ({path})")


def _describe_transport(exc: httpx.TransportError) -> str:
    if isinstance(exc, httpx.TimeoutException):
        return "the connection timed out"
    if isinstance(exc, httpx.ConnectError):
        return "no connection"
    if isinstance(exc, httpx.RemoteProtocolError):
        return "the connection was dropped"
    return type(exc).__name__


def _status_error(status: int, path: str, content: bytes) -> SpotifyError | AuthError:
    text = content[:2000].decode("utf-8", errors="replace").strip()
    body = _loads_quietly(content)
    reason, message = _error_reason(body)
    if status == 403 and NOT_REGISTERED_TEXT.lower() in text.lower():
        return AuthError(
            "This Spotify account is not on the app's allow list (a Development Mode app serves "
            "at most 5 users).",
            hint="add the account under Users and Access in your app in Spotify's developer "
            "dashboard",
        )
    if reason == "PREMIUM_REQUIRED":
        return PremiumRequired(status=status)
    if reason == "NO_ACTIVE_DEVICE":
        return NoActiveDevice(status=status)
    detail = f": {message}" if message else ""
    if status in (403, 404):
        what = "is not available to this app" if status == 403 else "was not found"
        return NotAvailable(f"Spotify says {path} {what}{detail}.", status=status)
    if status == 400:
        return SpotifyError(f"Spotify rejected the request to {path}{detail}.", status=status)
    return SpotifyError(f"Spotify answered HTTP {status} to {path}{detail}.", status=status)
