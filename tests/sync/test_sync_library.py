"""Library sync against the Spotify emulator: full, incremental, entries, faults, resume."""

from __future__ import annotations

import copy
import math
import threading
from typing import Any

import pytest

from desktoprec.errors import AuthError, Cancelled, MalformedResponse, NetworkError, RateLimited
from desktoprec.services import Services
from desktoprec.spotify.emulator import EmulatorServer
from desktoprec.storage import repo

SAVED, PER_PLAYLIST = 120, 60  # as the emulator fixture generates them


def _readable(server: EmulatorServer) -> list[Any]:
    account = server.account
    return [p for p in account.playlists if p.owner_id == account.user_id or p.collaborative]


def _paths(server: EmulatorServer) -> list[str]:
    return [r.path.removeprefix("/v1") for r in server.requests]


def test_full_then_incremental_request_counts(services: Services,
                                              emulator: EmulatorServer, make_sync: Any) -> None:
    sync, _, _ = make_sync(services, emulator)
    phases: list[str] = []
    report = sync.sync(progress=lambda phase, done, total: phases.append(phase))
    readable = _readable(emulator)
    assert report.ok and report.kind == "full"
    assert report.requests["saved_tracks"] == math.ceil(SAVED / 50)
    item_pages = sum(math.ceil(len(p.entries) / 50) for p in readable)
    assert report.requests["playlists"] == 1 + item_pages
    assert report.requests["top"] == 6
    assert report.audio_features == "closed"
    assert {"me", "saved_tracks", "playlists", "top", "followed_artists"} <= set(phases)
    status = sync.status()
    assert status.saved_tracks == SAVED
    assert status.playlists == len(readable)
    assert status.playlists_skipped == len(emulator.account.playlists) - len(readable)
    assert status.playlist_items == sum(len(p.entries) for p in readable)
    assert status.local_items == 1 and status.unavailable_items == 1
    assert status.episode_items == 1
    assert status.followed_artists == len(emulator.account.followed_artists)
    assert status.last_sync and status.audio_features_available is False
    paths = _paths(emulator)
    assert not any(p.startswith("/playlists/") and p.endswith("/tracks") for p in paths)
    assert sum(p.startswith("/audio-features") for p in paths) == 1
    assert all("fields" in r.query for r in emulator.requests if r.path.endswith("/items"))
    emulator.reset_requests()
    again = sync.sync()
    assert again.ok and again.kind == "incremental"
    assert again.total_requests <= 10, again.requests
    assert len(emulator.requests) == again.total_requests
    assert sync.status().saved_tracks == SAVED


def test_incremental_picks_up_changes(services: Services, emulator: EmulatorServer,
                                      make_sync: Any) -> None:
    sync, _, _ = make_sync(services, emulator)
    sync.sync()
    account = emulator.account
    saved_ids = {t for t, _ in account.saved}
    newcomer = next(t for t in account.tracks if t not in saved_ids)
    account.save_track(newcomer, "2026-11-20T00:00:00Z")
    account.unsave_track(account.saved[70][0])  # a removal below the first page
    changed = _readable(emulator)[1]
    changed.entries = changed.entries[:10]
    changed.touch()
    emulator.reset_requests()
    report = sync.sync()
    assert report.counts["saved_tracks_new"] == 1
    assert report.counts["saved_tracks_removed"] == 1
    assert report.counts["playlists_fetched"] == 1
    status = sync.status()
    assert status.saved_tracks == SAVED
    assert status.playlist_items == sum(len(p.entries) for p in _readable(emulator))
    assert [p for p in _paths(emulator) if p.endswith("/items")] == [
        f"/playlists/{changed.id}/items"]
    with services.db.read() as session:
        assert newcomer in repo.tracks_by_ids(session, [newcomer])


def test_forbidden_playlists_are_skipped_not_failures(services: Services,
                                                      emulator: EmulatorServer,
                                                      make_sync: Any) -> None:
    own = _readable(emulator)[2]
    emulator.faults.add(f"/playlists/{own.id}/items", status=403, times=-1)
    sync, _, _ = make_sync(services, emulator)
    report = sync.sync()
    assert report.ok
    foreign = [p.id for p in emulator.account.playlists if p not in _readable(emulator)]
    reasons = {s["id"]: s["reason"] for s in report.skipped}
    assert set(reasons) == {own.id, *foreign}
    assert "403" in reasons[own.id]
    assert all("own or collaborate" in reasons[f] for f in foreign)
    assert not any(f"/playlists/{f}/items" in _paths(emulator) for f in foreign)
    assert sync.status().playlists_skipped == len(foreign) + 1
    emulator.reset_requests()
    sync.sync()  # not asked again while the refused snapshot is unchanged
    assert f"/playlists/{own.id}/items" not in _paths(emulator)


def test_entries_null_local_episode_and_old_track_key(services: Services,
                                                      emulator: EmulatorServer,
                                                      make_sync: Any) -> None:
    sync, _, _ = make_sync(services, emulator)
    sync.sync()
    first = _readable(emulator)[0]
    with services.db.read() as session:
        from sqlalchemy import select

        from desktoprec.storage.tables import PlaylistEntryRow

        rows = session.scalars(select(PlaylistEntryRow).where(
            PlaylistEntryRow.playlist_id == first.id).order_by(PlaylistEntryRow.position)).all()
        kinds = [r.kind for r in rows]
        local = next(r for r in rows if r.kind == "local")
    assert kinds.count("local") == kinds.count("unavailable") == kinds.count("episode") == 1
    assert len(kinds) == len(first.entries)
    assert (local.name, local.artist_name, local.album_name, local.duration_ms) == (
        "Home Demo", "Me", "Voice Memos", 143000)


def test_401_refresh_then_continue(services: Services, emulator: EmulatorServer,
                                   make_sync: Any) -> None:
    sync, tokens, _ = make_sync(services, emulator)
    emulator.expire_all_tokens()
    report = sync.sync()
    assert report.ok and tokens.refreshes == 1


def test_401_loop_is_one_clear_error(services: Services, emulator: EmulatorServer,
                                     make_sync: Any) -> None:
    sync, tokens, _ = make_sync(services, emulator)
    emulator.faults.add("/me", status=401, times=-1,
                        body={"error": {"status": 401, "message": "Invalid access token"}})
    with pytest.raises(AuthError, match="even after refreshing"):
        sync.sync()
    assert tokens.refreshes == 1 and emulator.count("/v1/me", method="GET") == 2


def test_not_registered_user(services: Services, emulator: EmulatorServer, make_sync: Any) -> None:
    sync, _, _ = make_sync(services, emulator)
    emulator.registered = False
    with pytest.raises(AuthError, match="allow list"):
        sync.sync()


def test_long_429_stops_keeps_data_and_next_sync_completes(services: Services,
                                                           emulator: EmulatorServer,
                                                           make_sync: Any) -> None:
    sync, _, _ = make_sync(services, emulator)
    target = _readable(emulator)[3]
    emulator.faults.add(f"/playlists/{target.id}/items", status=429,
                        headers={"Retry-After": "3600"},
                        body={"error": {"status": 429, "message": "API rate limit exceeded",
                                        "reason": "QUOTA_EXCEEDED"}})
    with pytest.raises(RateLimited, match="try again in about 60 minutes") as info:
        sync.sync()
    partial = info.value.report  # type: ignore[attr-defined]
    assert partial.retry_after == 3600 and not partial.ok
    status = sync.status()
    assert status.saved_tracks == SAVED and status.last_sync is None
    assert "rate limit" in status.last_error
    report = sync.sync()
    assert report.ok and report.kind == "full"
    assert sync.status().playlist_items == sum(len(p.entries) for p in _readable(emulator))


def test_short_429_waits_and_succeeds(services: Services, emulator: EmulatorServer,
                                      make_sync: Any) -> None:
    waits: list[float] = []
    sync, _, _ = make_sync(services, emulator, on_wait=lambda s, r: waits.append(s))
    emulator.faults.add("/me/tracks", status=429, headers={"Retry-After": "1"})
    report = sync.sync()
    assert report.ok and waits == [1.0]
    assert report.counts["rate_limit_waits"] == 1


@pytest.mark.parametrize("fault", [
    {"status": 500, "times": 5},
    {"status": 502, "times": 5, "body": "<html>Bad gateway</html>"},
    {"mode": "truncate", "times": 5},
    {"mode": "malformed", "times": 1},
    {"mode": "drop", "times": 5},
], ids=["500", "502-html", "truncate", "malformed", "drop"])
def test_faults_keep_last_good_data(services: Services, emulator: EmulatorServer,
                                    fault: dict[str, Any], make_sync: Any) -> None:
    sync, _, _ = make_sync(services, emulator)
    sync.sync()
    before = sync.status().to_json()
    changed = _readable(emulator)[3]
    changed.entries = changed.entries[:5]
    changed.touch()
    emulator.faults.add(f"/playlists/{changed.id}/items", **fault)
    with pytest.raises((NetworkError, MalformedResponse)) as info:
        sync.sync()
    assert len(str(info.value)) < 300 and "\n" not in str(info.value)
    after = sync.status().to_json()
    for key in ("saved_tracks", "playlists", "playlist_items", "followed_artists", "tracks"):
        assert after[key] == before[key], key
    assert after["last_sync"] == before["last_sync"] and after["last_error"]
    assert sync.sync().ok
    assert sync.status().playlist_items == before["playlist_items"] - (PER_PLAYLIST - 5)


def test_cancel_between_pages_then_resume(services: Services, emulator: EmulatorServer,
                                          make_sync: Any) -> None:
    sync, _, _ = make_sync(services, emulator)
    cancel = threading.Event()

    def progress(phase: str, done: int, total: int) -> None:
        if phase == "saved_tracks" and done >= 50:
            cancel.set()

    with pytest.raises(Cancelled):
        sync.sync(progress=progress, cancel=cancel)
    assert sync.status().saved_tracks == 50
    # a cancel is an interruption, not a failure
    assert sync.status().last_error is None and sync.status().sync_interrupted is True
    emulator.reset_requests()
    report = sync.sync()
    assert report.ok and sync.status().saved_tracks == SAVED
    assert sync.status().sync_interrupted is False
    # page 0 once to look for new entries, then on from the resume marker
    offsets = [r.query.get("offset", "0") for r in emulator.requests
               if r.path == "/v1/me/tracks"]
    assert offsets == ["0", "50", "100"]


def test_relinked_track_deduplicated_by_isrc(services: Services,
                                             emulator: EmulatorServer, make_sync: Any) -> None:
    account = emulator.account
    original_id = account.saved[5][0]
    relinked = copy.deepcopy(account.tracks[original_id])
    new_id = "R" * 22
    relinked.update(id=new_id, uri=f"spotify:track:{new_id}")
    account.tracks[new_id] = relinked
    account.save_track(new_id, "2026-11-21T00:00:00Z")
    sync, _, _ = make_sync(services, emulator)
    sync.sync()
    status = sync.status()
    assert status.track_ids == status.tracks + 1
    with services.db.read() as session:
        isrc = relinked["external_ids"]["isrc"]
        assert sorted(repo.track_id_for_isrc(session, isrc)) == sorted([original_id, new_id])


def test_recorded_playlist_entries_sync(services: Services, emulator: EmulatorServer,
                                        shared_data: Any, make_sync: Any) -> None:
    """The real recorded local-file playlist, put into the emulator verbatim, syncs."""
    import json

    from desktoprec.spotify.emulator import PlaylistEntry

    recorded = json.loads((shared_data / "spotify-api" / "spotifyaio-2026" /
                           "playlist_2.json").read_text())
    playlist = emulator.account.add_playlist("Recorded", playlist_id="3toMXYM91T55pKzuysH5Ph")
    for raw in recorded["tracks"]["items"]:
        playlist.entries.append(PlaylistEntry(raw["added_at"], "me",
                                              inline_item=raw.get("item") or raw["track"]))
    sync, _, _ = make_sync(services, emulator)
    assert sync.sync().ok
    from sqlalchemy import select

    from desktoprec.storage.tables import PlaylistEntryRow

    with services.db.read() as session:
        rows = session.scalars(select(PlaylistEntryRow).where(
            PlaylistEntryRow.playlist_id == playlist.id)).all()
    assert len(rows) == len(recorded["tracks"]["items"])
    assert any(r.kind == "local" and r.name == "No Woman, No Cry" for r in rows)


def test_one_unusable_entry_does_not_fail_the_sync(services: Services, emulator: EmulatorServer,
                                                   make_sync: Any) -> None:
    from desktoprec.spotify.emulator import PlaylistEntry

    target = _readable(emulator)[1]
    target.entries.insert(0, PlaylistEntry("2026-01-01T00:00:00Z", "me",
                                           inline_item={"id": None, "name": 5, "type": "track"}))
    target.touch()
    sync, _, _ = make_sync(services, emulator)
    report = sync.sync()
    assert report.ok and report.counts["items_unreadable"] == 1
    assert any("uri" in w for w in report.warnings)
    assert sync.status().unavailable_items == 2  # the generated one and this one


def test_network_gone_keeps_everything(services: Services, emulator: EmulatorServer,
                                       make_sync: Any) -> None:
    import socket

    from desktoprec.spotify.client import SpotifyClient
    from desktoprec.sync.service import SyncService

    sync, tokens, _ = make_sync(services, emulator)
    sync.sync()
    before = sync.status().to_json()
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    dead = f"http://127.0.0.1:{sock.getsockname()[1]}/v1"
    sock.close()
    offline = SyncService(services, client=SpotifyClient(dead, tokens, sleep=lambda s: None,
                                                         retry_delay=0.0))
    with pytest.raises(NetworkError) as info:
        offline.sync()
    assert "could not be reached" in info.value.user_text()
    assert "nothing stored was lost" in info.value.user_text()
    after = offline.status().to_json()
    assert {k: after[k] for k in ("saved_tracks", "playlist_items", "last_sync")} == {
        k: before[k] for k in ("saved_tracks", "playlist_items", "last_sync")}
    assert sync.sync().ok
