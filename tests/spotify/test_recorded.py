"""Every recorded real Spotify response (old and 2026 shapes) is served verbatim and parses."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, ClassVar

import pytest

from desktoprec.errors import NotAvailable, RateLimited
from desktoprec.spotify import parse
from desktoprec.spotify.client import SpotifyClient


class _Tokens:
    def access_token(self) -> str:
        return "recorded-token"

    def refresh(self) -> str:
        return "recorded-token"


class _FileHandler(BaseHTTPRequestHandler):
    routes: ClassVar[dict[str, tuple[int, Path]]] = {}

    def do_GET(self) -> None:
        path = self.path.split("?")[0]
        status, file = self.routes.get(path, (404, None))  # type: ignore[arg-type]
        body = file.read_bytes() if file else b'{"error":{"status":404,"message":"no"}}'
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        if status == 429:
            self.send_header("Retry-After", "7200")
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture()
def recorded_api(shared_data: Path) -> Iterator[tuple[SpotifyClient, dict[str, tuple[int, Path]]]]:
    routes: ClassVar[dict[str, tuple[int, Path]]] = {}
    handler = type("Handler", (_FileHandler,), {"routes": routes})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    client = SpotifyClient(f"http://127.0.0.1:{server.server_address[1]}/v1", _Tokens(),
                           sleep=lambda s: None)
    try:
        yield client, routes
    finally:
        client.close()
        server.shutdown()
        server.server_close()


def _all_recorded(shared_data: Path) -> list[Path]:
    files = sorted((shared_data / "spotify-api").glob("*/*.json"))
    assert len(files) >= 20
    return files


def _parse_any(name: str, data: Any) -> int:
    """Parse a recorded body with the parser its endpoint needs; returns objects parsed."""
    lowered = name.lower()
    if "audio" in lowered and "features" in lowered:
        rows = data.get("audio_features", [data])
        return len([parse.parse_audio_features(r) for r in rows if r is not None])
    if "artists" in lowered and "artists" in data:
        return len([parse.parse_artist(a) for a in data["artists"]])
    if lowered.startswith("artist"):
        return int(bool(parse.parse_artist(data)))
    if "user" in lowered and "profile" in lowered or lowered.startswith("current_user"):
        return int(bool(parse.parse_user(data)))
    if "error" in data:
        return 0
    if "snapshot_id" in data:
        parse.parse_playlist(data)
        page = parse.embedded_playlist_entries(data)
        assert page is not None
        return 1 + len(parse.parse_items(page, parse.parse_playlist_entry, "tracks.items"))
    page = parse.parse_page(data)
    if "recently" in lowered:
        return len(parse.parse_items(page, parse.parse_play_history, "items"))
    if "saved" in lowered:
        return len(parse.parse_items(page, parse.parse_saved_track, "items"))
    if "top" in lowered:
        return len(parse.parse_items(page, parse.parse_track, "items"))
    if "playlist" in lowered:
        return len(parse.parse_items(page, parse.parse_playlist_entry, "items"))
    raise AssertionError(f"no parser chosen for {name}")


def test_every_recorded_file_parses_over_http(recorded_api: Any, shared_data: Path) -> None:
    client, routes = recorded_api
    parsed_any = 0
    for file in _all_recorded(shared_data):
        data = json.loads(file.read_text())
        status = 200
        if isinstance(data, dict) and isinstance(data.get("error"), dict):
            status = int(data["error"].get("status", 500))
        route = f"/v1/recorded/{file.parent.name}/{file.stem}"
        routes[route] = (status, file)
        if status == 200:
            served = client.request("GET", f"/recorded/{file.parent.name}/{file.stem}")
            assert served == data
            count = _parse_any(file.stem, served)
            assert count >= 1, file.name
            parsed_any += count
    assert parsed_any > 150


def test_recorded_errors_become_clear_errors(recorded_api: Any, shared_data: Path) -> None:
    client, routes = recorded_api
    base = shared_data / "spotify-api" / "spotifyaio-2026"
    routes["/v1/playlists/missing"] = (404, base / "playlist_not_found.json")
    routes["/v1/me/tracks"] = (429, base / "rate_limit.json")
    with pytest.raises(NotAvailable, match="not found"):
        client.request("GET", "/playlists/missing")
    with pytest.raises(RateLimited, match="try again in about 2.0 hours") as info:
        client.request("GET", "/me/tracks")
    assert info.value.retry_after == 7200


def test_recorded_local_and_item_shapes(shared_data: Path) -> None:
    base = shared_data / "spotify-api"
    local = json.loads((base / "web-api-java" / "playlist-localfiles-response.json").read_text())
    page = parse.embedded_playlist_entries(local)
    assert page is not None
    (entry,) = parse.parse_items(page, parse.parse_playlist_entry, "tracks.items")
    assert (entry.kind, entry.name, entry.artist_name, entry.duration_ms) == (
        "local", "Run Boy Run", "Woodkid", 215000)
    items = json.loads((base / "spotifyaio-2026" / "playlist_items.json").read_text())
    entries = parse.parse_items(parse.parse_page(items), parse.parse_playlist_entry, "items")
    assert entries and all(e.kind == "track" for e in entries)
    starred = json.loads((base / "spotifyaio-2026" / "playlist_2.json").read_text())
    kinds = [e.kind for e in parse.parse_items(parse.embedded_playlist_entries(starred),
                                               parse.parse_playlist_entry, "x")]
    assert "local" in kinds
    saved = json.loads((base / "spotifyaio-2026" / "saved_tracks.json").read_text())
    tracks = parse.parse_items(parse.parse_page(saved), parse.parse_saved_track, "items")
    assert tracks and all(t.track.isrc for t in tracks)
    artist = parse.parse_artist(json.loads((base / "spotifyaio-2026" / "artist.json").read_text()))
    assert artist.genres == ()
    old = parse.parse_artist(
        json.loads((base / "spotifyaio-2026" / "artist_pre2026-03.json").read_text()))
    assert "pop" in old.genres
