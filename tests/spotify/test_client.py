"""SpotifyClient against a scripted real HTTP server: 401, 429, 5xx, drops, bad JSON, paging."""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from desktoprec.errors import (
    AuthError,
    MalformedResponse,
    NetworkError,
    NotAvailable,
    PremiumRequired,
    RateLimited,
)
from desktoprec.spotify.client import SpotifyClient, closed_endpoint, describe_wait


class Script:
    """Per-path queues of canned answers; the last answer of a queue repeats."""

    def __init__(self) -> None:
        self.answers: dict[str, list[dict[str, Any]]] = {}
        self.log: list[tuple[str, str, str]] = []  # (method, path+query, auth header)

    def on(self, path: str, *answers: dict[str, Any]) -> None:
        self.answers[path] = list(answers)

    def next_for(self, path: str) -> dict[str, Any]:
        queue = self.answers.get(path)
        if not queue:
            return {"status": 404, "json": {"error": {"status": 404, "message": "nope"}}}
        return queue.pop(0) if len(queue) > 1 else queue[0]


class _Handler(BaseHTTPRequestHandler):
    script: Script

    def _answer(self) -> None:
        path = self.path.split("?")[0]
        length = int(self.headers.get("Content-Length") or 0)
        if length:
            self.rfile.read(length)
        self.script.log.append((self.command, self.path, self.headers.get("Authorization", "")))
        answer = self.script.next_for(path)
        if answer.get("drop"):
            self.connection.shutdown(socket.SHUT_RDWR)
            return
        body = answer.get("raw")
        if body is None:
            body = json.dumps(answer.get("json", {})).encode()
        self.send_response(answer.get("status", 200))
        for key, value in answer.get("headers", {}).items():
            self.send_header(key, value)
        declared = answer.get("length", len(body))
        self.send_header("Content-Length", str(declared))
        self.end_headers()
        self.wfile.write(body)

    do_GET = do_POST = do_PUT = _answer

    def log_message(self, *args: Any) -> None:
        pass


class Tokens:
    def __init__(self) -> None:
        self.current = "token-1"
        self.refreshes = 0

    def access_token(self) -> str:
        return self.current

    def refresh(self) -> str:
        self.refreshes += 1
        self.current = f"token-{self.refreshes + 1}"
        return self.current


@pytest.fixture()
def api() -> Iterator[tuple[SpotifyClient, Script, Tokens, list[float]]]:
    script = Script()
    handler = type("H", (_Handler,), {"script": script})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    tokens = Tokens()
    sleeps: list[float] = []
    client = SpotifyClient(f"http://127.0.0.1:{server.server_address[1]}/v1", tokens,
                           sleep=sleeps.append, max_body_bytes=64_000)
    try:
        yield client, script, tokens, sleeps
    finally:
        client.close()
        server.shutdown()
        server.server_close()


OK = {"status": 200, "json": {"id": "me", "display_name": "Me"}}


def test_401_refreshes_once_and_retries(api: Any) -> None:
    client, script, tokens, _ = api
    script.on("/v1/me", {"status": 401, "json": {"error": {"status": 401}}}, OK)
    assert client.me()["id"] == "me"
    assert tokens.refreshes == 1
    assert [entry[2] for entry in script.log] == ["Bearer token-1", "Bearer token-2"]
    assert client.requests_made == 2


def test_401_loop_is_one_auth_error(api: Any) -> None:
    client, script, tokens, _ = api
    script.on("/v1/me", {"status": 401, "json": {}})
    with pytest.raises(AuthError, match="even after refreshing"):
        client.me()
    assert tokens.refreshes == 1 and len(script.log) == 2


def test_short_429_waits_then_succeeds(api: Any) -> None:
    client, script, _, sleeps = api
    waits: list[tuple[float, str | None]] = []
    client.on_wait = lambda seconds, reason: waits.append((seconds, reason))
    script.on("/v1/me", {"status": 429, "headers": {"Retry-After": "2"}, "json": {}}, OK)
    assert client.me()["id"] == "me"
    assert sleeps == [2.0] and waits == [(2.0, None)]


def test_long_429_raises_with_when_and_quota_reason(api: Any) -> None:
    client, script, _, sleeps = api
    script.on("/v1/me", {"status": 429, "headers": {"Retry-After": "3600"},
                         "json": {"error": {"status": 429, "reason": "QUOTA_EXCEEDED"}}})
    with pytest.raises(RateLimited) as info:
        client.me()
    assert info.value.retry_after == 3600 and info.value.reason == "QUOTA_EXCEEDED"
    assert "quota" in str(info.value) and "try again in about 60 minutes" in str(info.value)
    assert sleeps == [] and len(script.log) == 1


def test_429_that_never_ends_stops_after_a_few_waits(api: Any) -> None:
    client, script, _, sleeps = api
    script.on("/v1/me", {"status": 429, "headers": {"Retry-After": "1"}, "json": {}})
    with pytest.raises(RateLimited):
        client.me()
    assert len(sleeps) == client.max_rate_limit_waits


def test_500_retried_then_network_error(api: Any) -> None:
    client, script, _, sleeps = api
    script.on("/v1/me", {"status": 500, "raw": b"oops"})
    with pytest.raises(NetworkError, match="HTTP 500"):
        client.me()
    assert len(script.log) == 1 + client.retries and len(sleeps) == client.retries


def test_single_503_recovers(api: Any) -> None:
    client, script, _, _ = api
    script.on("/v1/me", {"status": 503, "raw": b""}, OK)
    assert client.me()["id"] == "me"


def test_dropped_connection_is_network_error(api: Any) -> None:
    client, script, _, _ = api
    script.on("/v1/me", {"drop": True})
    with pytest.raises(NetworkError, match="dropped|connection"):
        client.me()


def test_no_server_is_network_error() -> None:
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    client = SpotifyClient(f"http://127.0.0.1:{port}/v1", Tokens(), sleep=lambda s: None)
    with pytest.raises(NetworkError, match="no connection"):
        client.me()


def test_truncated_and_malformed_json(api: Any) -> None:
    client, script, _, _ = api
    script.on("/v1/me", {"raw": b'{"id": "me", "disp'})
    with pytest.raises(MalformedResponse, match="not valid JSON"):
        client.me()
    script.on("/v1/me", {"raw": b"[1, 2]"})
    with pytest.raises(MalformedResponse, match="not a profile"):
        client.me()
    # a body shorter than its Content-Length: the connection ends early
    script.on("/v1/me", {"raw": b'{"id": "m', "length": 500})
    with pytest.raises((MalformedResponse, NetworkError)):
        client.me()


def test_oversized_body_rejected(api: Any) -> None:
    client, script, _, _ = api
    script.on("/v1/me", {"raw": b'{"id": "' + b"x" * 100_000 + b'"}'})
    with pytest.raises(MalformedResponse, match="too large"):
        client.me()


def test_not_registered_is_auth_error_about_allow_list(api: Any) -> None:
    client, script, _, _ = api
    script.on("/v1/me", {"status": 403, "raw": b"User not registered in the Developer Dashboard",
                         "headers": {"Content-Type": "text/plain"}})
    with pytest.raises(AuthError, match="allow list") as info:
        client.me()
    assert "dashboard" in info.value.user_text()


def test_403_and_404_not_available_and_premium(api: Any) -> None:
    client, script, _, _ = api
    forbidden = {"error": {"status": 403, "message": "Forbidden"}}
    script.on("/v1/playlists/p/items", {"status": 403, "json": forbidden})
    with pytest.raises(NotAvailable) as info:
        client.request("GET", "/playlists/p/items")
    assert info.value.status == 403
    script.on("/v1/me/player/play", {"status": 403, "json": {"error": {
        "status": 403, "reason": "PREMIUM_REQUIRED"}}})
    with pytest.raises(PremiumRequired):
        client.request("PUT", "/me/player/play", json={})


def test_closed_endpoints_never_called(api: Any) -> None:
    client, script, _, _ = api
    for path in ("/audio-features?ids=a", "/recommendations", "/artists/x/related-artists",
                 "/tracks?ids=a,b", "/artists?ids=a", "/browse/new-releases", "/users/bob",
                 "/users/bob/playlists", "/playlists/p/tracks", "/artists/a/top-tracks"):
        with pytest.raises(NotAvailable, match="closed"):
            client.request("GET", path)
    assert script.log == [] and client.requests_made == 0
    assert closed_endpoint("/me/playlists") is None
    assert closed_endpoint("/playlists/p/items") is None
    script.on("/v1/audio-features/t1", {"status": 403, "json": {}})
    assert client.audio_features_probe("t1") is None
    assert len(script.log) == 1


def test_pages_follow_next_on_any_host(api: Any) -> None:
    client, script, _, _ = api
    script.on("/v1/me/tracks", {"json": {
        "items": [{"n": 1}], "total": 2,
        "next": "https://api.spotify.com/v1/me/tracks/page2?offset=1&limit=50"}})
    script.on("/v1/me/tracks/page2", {"json": {"items": [{"n": 2}], "total": 2, "next": None}})
    pages = list(client.pages("/me/tracks"))
    assert [p["items"][0]["n"] for p in pages] == [1, 2]
    assert "limit=50" in script.log[0][1]
    path, _, query = script.log[1][1].partition("?")
    assert path == "/v1/me/tracks/page2" and sorted(query.split("&")) == ["limit=50", "offset=1"]


def test_pages_cursor_wrapper_and_loop_guard(api: Any) -> None:
    client, script, _, _ = api
    loop = "http://127.0.0.1/v1/me/following?type=artist&after=x"
    script.on("/v1/me/following", {"json": {"artists": {"items": [{"id": "a"}], "next": loop,
                                                        "cursors": {"after": "x"}}}})
    with pytest.raises(MalformedResponse, match="circle"):
        list(client.pages("/me/following", {"type": "artist"}, wrapper="artists"))


def test_search_limit_capped(api: Any) -> None:
    client, script, _, _ = api
    script.on("/v1/search", {"json": {"tracks": {"items": []}}})
    client.search("abba", limit=50)
    assert "limit=10" in script.log[0][1]


def test_describe_wait_spans() -> None:
    assert "30 seconds" in describe_wait(30)
    assert "5 minutes" in describe_wait(300)
    assert "3.0 hours" in describe_wait(10800)


def test_post_not_repeated_after_5xx(api: Any) -> None:
    client, script, _, _ = api
    script.on("/v1/me/playlists", {"status": 502, "raw": b""})
    with pytest.raises(NetworkError):
        client.request("POST", "/me/playlists", json={"name": "x"})
    assert len(script.log) == 1


def test_deeply_nested_and_nan_json_rejected(api: Any) -> None:
    client, script, _, _ = api
    script.on("/v1/me", {"raw": b"[" * 5000 + b"]" * 5000})
    with pytest.raises(MalformedResponse):
        client.me()
    script.on("/v1/me", {"raw": b'{"id": "me", "n": NaN}'})
    with pytest.raises(MalformedResponse):
        client.me()


def test_bad_content_encoding_is_malformed(api: Any) -> None:
    client, script, _, _ = api
    script.on("/v1/me", {"raw": b"not gzip at all", "headers": {"Content-Encoding": "gzip"}})
    with pytest.raises(MalformedResponse, match="decoded"):
        client.me()


def test_artist_albums_asks_for_ten_a_page_and_pages_past_them() -> None:
    """Since 2026-02 /artists/{id}/albums gives at most 10 a page (a larger limit is a 400)."""
    from desktoprec.spotify.emulator import EmulatorServer, generate_account
    from desktoprec.spotify.emulator.account import album_json, artist_json, make_id

    account = generate_account(seed=5, saved_tracks=2, playlists=0)
    artist = artist_json(make_id("prolific"), "Prolific")
    account.add_artist(artist)
    for k in range(23):
        account.add_album(album_json(make_id("prolific", str(k)), f"Album {k}", [artist],
                                     f"20{k:02d}-01-01", total_tracks=1))
    with EmulatorServer(account) as server:
        from emulator_auth import EmulatorTokens

        client = SpotifyClient(server.api_url, EmulatorTokens(server))
        assert len(client.artist_albums(artist["id"])) == 10
        assert len(client.artist_albums(artist["id"], limit=23)) == 23
        limits = {r.query.get("limit") for r in server.requests if "/albums" in r.path}
        assert limits == {"10"}
        refused = server.count("/artists/", status=400)
        assert refused == 0
        client.close()
