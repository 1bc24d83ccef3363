"""A sync against a naive replay of the recorded real responses (served verbatim, any query)."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, ClassVar

import pytest

from desktoprec.services import Services
from desktoprec.spotify.client import SpotifyClient
from desktoprec.sync.service import SyncService


class _Tokens:
    def access_token(self) -> str:
        return "replay"

    def refresh(self) -> str:
        return "replay"


class _Replay(BaseHTTPRequestHandler):
    routes: ClassVar[dict[str, Any]] = {}
    seen: ClassVar[list[str]] = []

    def do_GET(self) -> None:
        path = self.path.split("?")[0].removeprefix("/v1")
        self.seen.append(path)
        answer = self.routes.get(path)
        status, body = (200, answer) if answer is not None else (
            403 if path.startswith("/audio-features") else 404,
            {"error": {"status": 403, "message": "Forbidden"}})
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args: Any) -> None:
        pass


def _load(base: Path, name: str) -> Any:
    return json.loads((base / name).read_text())


@pytest.fixture()
def replay(shared_data: Path) -> Iterator[tuple[str, dict[str, Any], list[str]]]:
    new = shared_data / "spotify-api" / "spotifyaio-2026"
    old = shared_data / "spotify-api" / "web-api-java"
    me = _load(new, "current_user.json")
    starred = _load(new, "playlist_2.json")  # someone else's: listed, items not readable
    local = _load(old, "playlist-localfiles-response.json")
    local["owner"]["id"] = me["id"]  # make the local-files playlist the user's own
    items_page = _load(new, "playlist_items.json")
    own = {"id": "1Cp6VQCKf2VL4sP09jN9oX", "name": "Own", "snapshot_id": "snap-1",
           "collaborative": False, "public": False, "owner": {"id": me["id"]},
           "uri": "spotify:playlist:1Cp6VQCKf2VL4sP09jN9oX", "items": {"total": 1}}
    listed = [own, {k: v for k, v in local.items() if k != "tracks"} | {"tracks": {"total": 1}},
              {k: v for k, v in starred.items() if k != "tracks"} | {"items": {"total": 2}}]
    artists = _load(new, "artists_pre2026-03.json")["artists"]
    routes: dict[str, Any] = {
        "/me": me,
        "/me/tracks": _load(new, "saved_tracks.json"),
        "/me/playlists": {"items": listed, "next": None, "total": 3, "limit": 50, "offset": 0},
        f"/playlists/{own['id']}/items": items_page,
        f"/playlists/{local['id']}/items": local["tracks"],
        "/me/top/tracks": _load(new, "top_tracks.json"),
        "/me/top/artists": {"items": artists, "next": None, "total": len(artists)},
        "/me/player/recently-played": _load(new, "recently_played_tracks.json"),
        "/me/following": {"artists": {"items": _load(old, "GetSeveralArtistsRequest.json")
                                      ["artists"], "next": None, "total": 2,
                                      "cursors": {"after": None}}},
    }
    seen: list[str] = []
    handler = type("Replay", (_Replay,), {"routes": routes, "seen": seen})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/v1", routes, seen
    finally:
        server.shutdown()
        server.server_close()


def test_sync_of_recorded_real_responses(replay: Any) -> None:
    url, routes, seen = replay
    services = Services()
    try:
        sync = SyncService(services, client=SpotifyClient(url, _Tokens(), sleep=lambda s: None))
        report = sync.sync()
        assert report.ok, report.error
        status = sync.status()
        # the recorded page answers every offset the same: read once, then stopped, with a note
        assert status.saved_tracks == len(routes["/me/tracks"]["items"]) == 48
        assert any("same page" in w for w in report.warnings)
        assert seen.count("/me/tracks") == 2
        assert status.playlists == 2 and status.playlists_skipped == 1
        assert status.playlist_items == 2 and status.local_items == 1
        assert status.followed_artists == 2
        assert status.user.id == routes["/me"]["id"]
        assert status.audio_features_available is False
        assert not any(p.startswith("/playlists/3toMXYM91T55pKzuysH5Ph") for p in seen)
        assert report.counts["recently_played_new"] == 48
        assert report.counts["top_tracks"] == 48 * 3
        # a second sync is incremental and re-reads nothing that did not change
        seen.clear()
        again = sync.sync()
        assert again.ok and again.kind == "incremental"
        assert not any(p.endswith("/items") for p in seen)
    finally:
        services.close()
