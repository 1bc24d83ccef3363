"""Library sync against a real local HTTP server: full, incremental, faults, resume."""

from __future__ import annotations

import math
from collections.abc import Iterator
from typing import Any

import pytest
from fake_library import FakeSpotify, Library, make_track

from desktoprec.errors import (
    AuthError,
    Cancelled,
    MalformedResponse,
    NetworkError,
    RateLimited,
)
from desktoprec.services import Services
from desktoprec.spotify.client import SpotifyClient
from desktoprec.sync.service import SyncService


class Tokens:
    def __init__(self, fake: FakeSpotify) -> None:
        self.fake = fake
        self.current = "good-token"
        self.refreshes = 0

    def access_token(self) -> str:
        return self.current

    def refresh(self) -> str:
        self.refreshes += 1
        self.current = "good-token"
        return self.current


@pytest.fixture()
def fake() -> Iterator[FakeSpotify]:
    with FakeSpotify(Library.generate(saved=120, playlists=4, per_playlist=60)) as server:
        yield server


@pytest.fixture()
def services() -> Iterator[Services]:
    svc = Services()
    yield svc
    svc.close()


def make_sync(services: Services, fake: FakeSpotify, **kw: Any) -> tuple[SyncService, Tokens]:
    tokens = Tokens(fake)
    client = SpotifyClient(fake.api_url, tokens, sleep=lambda s: None, retry_delay=0.0, **kw)
    return SyncService(services, client=client), tokens


def test_full_then_incremental_request_counts(services: Services, fake: FakeSpotify) -> None:
    sync, _ = make_sync(services, fake)
    phases: list[str] = []
    report = sync.sync(progress=lambda phase, done, total: phases.append(phase))
    assert report.ok and report.kind == "full"
    assert report.requests["saved_tracks"] == math.ceil(120 / 50)
    # 4 playlists of 60 entries → 2 pages each, + 1 list page
    assert report.requests["playlists"] == 1 + 4 * math.ceil(60 / 50)
    assert report.requests["top"] == 6
    assert report.audio_features == "closed"
    assert {"me", "saved_tracks", "playlists", "top"} <= set(phases)
    status = sync.status()
    assert status["saved_tracks"] == 120 and status["playlists"] == 4
    assert status["playlist_items"] == 240
    assert status["followed_artists"] == 5 and status["last_sync"]
    assert status["audio_features_available"] is False
    # no playlist request used the closed /tracks path, and the items call trims fields
    paths = fake.paths()
    assert not any(p.endswith("/tracks") and p.startswith("/playlists/") for p in paths)
    assert all("fields" in q for _, p, q, _ in fake.requests if p.endswith("/items"))
    fake.reset_requests()
    again = sync.sync()
    assert again.ok and again.kind == "incremental"
    assert again.total_requests <= 10, again.requests
    assert len(fake.requests) == again.total_requests
    assert sync.status()["saved_tracks"] == 120


def test_incremental_picks_up_changes(services: Services, fake: FakeSpotify) -> None:
    sync, _ = make_sync(services, fake)
    sync.sync()
    fake.library.saved.insert(0, ("2026-03-01T00:00:00Z", make_track(5000)))
    del fake.library.saved[60]  # a removal below the first page
    playlist = fake.library.playlists["pl1"]
    playlist["entries"] = playlist["entries"][:10]
    playlist["snapshot"] = "s2"
    fake.reset_requests()
    report = sync.sync()
    assert report.counts["saved_tracks_new"] == 1
    assert report.counts["saved_tracks_removed"] == 1
    assert report.counts["playlists_fetched"] == 1
    status = sync.status()
    assert status["saved_tracks"] == 120 and status["playlist_items"] == 190
    items_calls = [p for p in fake.paths() if p.endswith("/items")]
    assert items_calls == ["/playlists/pl1/items"]


def test_null_local_episode_and_forbidden_playlists(services: Services,
                                                    fake: FakeSpotify) -> None:
    lib = fake.library
    entries = lib.playlists["pl0"]["entries"]
    entries[0] = {"added_at": None, "is_local": False, "item": None, "track": None}
    entries[1] = {"added_at": None, "is_local": True, "item": {
        "id": None, "uri": "spotify:local:Woodkid:The+Golden+Age:Run+Boy+Run:215", "name": "",
        "type": "track", "artists": [], "is_local": True}}
    entries[2] = {"added_at": None, "is_local": False, "item": {
        "id": "ep1", "uri": "spotify:episode:ep1", "name": "A talk", "type": "episode",
        "duration_ms": 5000, "show": {"id": "sh", "name": "Show"}}}
    entries[3] = {"added_at": None, "is_local": False, "track": make_track(9999)}  # old key only
    lib.playlists["theirs"] = {"name": "Someone else's", "owner": "other",
                               "collaborative": False, "snapshot": "x", "entries": []}
    lib.playlists["collab"] = {"name": "Shared", "owner": "other", "collaborative": True,
                               "snapshot": "c", "entries": [
                                   {"added_at": None, "item": make_track(7777)}]}
    fake.faults.add("/playlists/pl2/items", status=403,
                    body={"error": {"status": 403, "message": "Forbidden"}}, times=-1)
    sync, _ = make_sync(services, fake)
    report = sync.sync()
    assert report.ok
    reasons = {s["id"]: s["reason"] for s in report.skipped}
    assert set(reasons) == {"theirs", "pl2"}
    assert "own or collaborate" in reasons["theirs"] and "403" in reasons["pl2"]
    assert not any(p == "/playlists/theirs/items" for p in fake.paths())
    status = sync.status()
    assert status["local_items"] == 1 and status["unavailable_items"] == 1
    assert status["episode_items"] == 1
    assert status["playlists"] == 4 and status["playlists_skipped"] == 2
    # the forbidden playlist is not asked again while its snapshot is unchanged
    fake.reset_requests()
    sync.sync()
    assert "/playlists/pl2/items" not in fake.paths()
    from desktoprec.storage import repo
    with services.db.read() as session:
        tracks = repo.tracks_by_ids(session, ["tr9999", "tr7777", "ep1"])
    assert set(tracks) == {"tr9999", "tr7777"}


def test_401_refresh_then_continue(services: Services, fake: FakeSpotify) -> None:
    sync, tokens = make_sync(services, fake)
    tokens.current = "expired"
    report = sync.sync()
    assert report.ok and tokens.refreshes == 1


def test_401_loop_is_one_clear_error(services: Services, fake: FakeSpotify) -> None:
    sync, tokens = make_sync(services, fake)
    fake.tokens.clear()
    with pytest.raises(AuthError, match="even after refreshing"):
        sync.sync()
    assert tokens.refreshes == 1 and len(fake.requests) == 2


def test_long_429_stops_keeps_data_next_sync_completes(services: Services,
                                                        fake: FakeSpotify) -> None:
    sync, _ = make_sync(services, fake)
    fake.faults.add("/playlists/pl2/items", status=429, headers={"Retry-After": "3600"},
                    body={"error": {"status": 429, "message": "API rate limit exceeded",
                                    "reason": "QUOTA_EXCEEDED"}})
    with pytest.raises(RateLimited, match="try again in about 60 minutes") as info:
        sync.sync()
    partial = info.value.report  # type: ignore[attr-defined]
    assert partial.retry_after == 3600 and not partial.ok
    status = sync.status()
    assert status["saved_tracks"] == 120 and status["last_sync"] is None
    assert "rate limit" in status["last_error"]
    report = sync.sync()
    assert report.ok and report.kind == "full"
    assert sync.status()["playlist_items"] == 240


def test_short_429_waits_and_succeeds(services: Services, fake: FakeSpotify) -> None:
    waits: list[float] = []
    sync, _ = make_sync(services, fake, on_wait=lambda s, r: waits.append(s))
    fake.faults.add("/me/tracks", status=429, headers={"Retry-After": "1"},
                    body={"error": {"status": 429}})
    assert sync.sync().ok and waits == [1.0]


@pytest.mark.parametrize("fault", [
    {"status": 500, "times": 5},
    {"mode": "truncate", "times": 1},
    {"mode": "malformed", "times": 1},
    {"mode": "drop", "times": 5},
])
def test_faults_keep_last_good_data(services: Services, fake: FakeSpotify,
                                    fault: dict[str, Any]) -> None:
    sync, _ = make_sync(services, fake)
    sync.sync()
    before = sync.status()
    fake.library.playlists["pl3"]["snapshot"] = "changed"
    fake.library.playlists["pl3"]["entries"] = fake.library.playlists["pl3"]["entries"][:5]
    fake.faults.add("/playlists/pl3/items", **fault)
    with pytest.raises((NetworkError, MalformedResponse)) as info:
        sync.sync()
    assert len(str(info.value)) < 300 and "\n" not in str(info.value)
    after = sync.status()
    for key in ("saved_tracks", "playlists", "playlist_items", "followed_artists"):
        assert after[key] == before[key], key
    assert after["last_sync"] == before["last_sync"]
    assert sync.sync().ok
    assert sync.status()["playlist_items"] == before["playlist_items"] - 55


def test_cancel_between_pages_keeps_whole_pages(services: Services, fake: FakeSpotify) -> None:
    import threading

    sync, _ = make_sync(services, fake)
    cancel = threading.Event()

    def progress(phase: str, done: int, total: int) -> None:
        if phase == "saved_tracks" and done >= 50:
            cancel.set()

    with pytest.raises(Cancelled):
        sync.sync(progress=progress, cancel=cancel)
    assert sync.status()["saved_tracks"] == 50
    fake.reset_requests()
    report = sync.sync()
    assert report.ok and sync.status()["saved_tracks"] == 120
    # resumed: page 0 once to look for new entries, then from the resume offset
    offsets = [q.get("offset", ["0"])[0] for _, p, q, _ in fake.requests if p == "/me/tracks"]
    assert offsets == ["0", "50", "100"]


def test_isrc_dedupe_in_status(services: Services, fake: FakeSpotify) -> None:
    relinked = make_track(3)
    relinked["id"], relinked["uri"] = "relinked3", "spotify:track:relinked3"
    fake.library.saved.insert(0, ("2026-03-02T00:00:00Z", relinked))
    sync, _ = make_sync(services, fake)
    sync.sync()
    status = sync.status()
    assert status["track_ids"] == status["tracks"] + 1
    from desktoprec.storage import repo
    with services.db.read() as session:
        assert sorted(repo.track_id_for_isrc(session, relinked["external_ids"]["isrc"])) == [
            "relinked3", "tr3"]
