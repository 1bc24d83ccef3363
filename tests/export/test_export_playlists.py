"""Export to Spotify (idempotent by name, batched, private by default, offline queue) and files."""

from __future__ import annotations

import csv
import socket
from pathlib import Path

import pytest

from desktoprec.errors import ExportError
from desktoprec.export.service import ExportService
from desktoprec.services import Services
from desktoprec.spotify.client import SpotifyClient
from desktoprec.spotify.emulator import EmulatorServer
from desktoprec.storage.tables import LocalFileRow, PendingExportRow
from desktoprec.sync.service import SyncService


def _writes(server: EmulatorServer) -> list[tuple[str, str]]:
    return [(r.method, r.path.removeprefix("/v1")) for r in server.requests
            if r.method in ("POST", "PUT")]


def _uris(server: EmulatorServer, n: int) -> list[str]:
    return [f"spotify:track:{t}" for t in list(server.account.tracks)[:n]]


def _entries(server: EmulatorServer, playlist_id: str) -> list[str | None]:
    playlist = server.account.playlist(playlist_id)
    assert playlist is not None
    return [e.uri for e in playlist.entries]


def test_export_twice_same_name_updates_one_playlist(services: Services, client: SpotifyClient,
                                                     emulator: EmulatorServer) -> None:
    export = ExportService(services, client=client)
    uris = _uris(emulator, 250)
    before = len(emulator.account.playlists)
    first = export.to_spotify("Evening", uris, recipe={"mode": "for_you", "diversity": 0.7})
    assert first["created"] and first["tracks"] == 250 and first["public"] is False
    pid = first["playlist_id"]
    made = emulator.account.playlist(pid)
    assert made is not None and made.public is False
    assert made.description.startswith("Made by desktoprec") and "mode=for_you" in made.description
    assert _writes(emulator) == [("POST", "/me/playlists")] + [
        ("POST", f"/playlists/{pid}/items")] * 3
    assert _entries(emulator, pid) == uris
    emulator.reset_requests()
    second = export.to_spotify("Evening", uris[:120] + ["spotify:local:a:b:c:1"])
    assert not second["created"] and second["playlist_id"] == pid
    assert second["tracks"] == 120 and second["skipped"] == 1
    assert len(emulator.account.playlists) == before + 1
    assert _writes(emulator) == [("PUT", f"/playlists/{pid}"), ("PUT", f"/playlists/{pid}/items"),
                                 ("POST", f"/playlists/{pid}/items")]
    assert _entries(emulator, pid) == uris[:120]


def test_export_public_when_asked_and_deleted_playlist_remade(
        services: Services, client: SpotifyClient, emulator: EmulatorServer) -> None:
    export = ExportService(services, client=client)
    first = export.to_spotify("Loud", _uris(emulator, 1), public=True)
    made = emulator.account.playlist(first["playlist_id"])
    assert made is not None and made.public is True
    emulator.account.playlists.remove(made)  # the user deleted it on Spotify
    again = export.to_spotify("Loud", _uris(emulator, 2))
    assert again["created"] and again["playlist_id"] != first["playlist_id"]


def test_export_after_the_user_deleted_it_in_spotify_makes_a_new_playlist(
        services: Services, client: SpotifyClient, emulator: EmulatorServer) -> None:
    """On Spotify "Delete" is an unfollow: the old playlist still takes updates, out of sight."""
    export = ExportService(services, client=client)
    first = export.to_spotify("Night", _uris(emulator, 3))
    old = first["playlist_id"]
    client.request("DELETE", f"/playlists/{old}/followers")
    assert emulator.account.playlist(old) is not None  # still there by id
    assert old not in [p.id for p in emulator.account.playlists]
    emulator.reset_requests()
    again = export.to_spotify("Night", _uris(emulator, 4))
    assert again["created"] and again["playlist_id"] != old
    assert again["playlist_id"] in [p.id for p in emulator.account.playlists]
    assert _entries(emulator, old) == _uris(emulator, 3)  # the unfollowed one was left alone
    assert ("PUT", f"/playlists/{old}") not in _writes(emulator)
    # and the new one is the one updated next time
    third = export.to_spotify("Night", _uris(emulator, 2))
    assert not third["created"] and third["playlist_id"] == again["playlist_id"]


def test_offline_export_is_queued_then_sent_by_next_sync(
        services: Services, client: SpotifyClient, emulator: EmulatorServer) -> None:
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    dead_port = sock.getsockname()[1]
    sock.close()
    dead = SpotifyClient(f"http://127.0.0.1:{dead_port}/v1", client.tokens,
                         sleep=lambda s: None, retry_delay=0.0)
    offline = ExportService(services, client=dead)
    result = offline.to_spotify("Later", _uris(emulator, 2))
    assert result["queued"] and "next sync" in result["message"]
    with services.db.read() as session:
        assert session.query(PendingExportRow).count() == 1
    services._cache["export"] = ExportService(services, client=client)
    report = SyncService(services, client=client).sync()
    assert report.pending_exports_sent == 1
    assert [p.name for p in emulator.account.playlists].count("Later") == 1
    with services.db.read() as session:
        assert session.query(PendingExportRow).count() == 0


def test_export_rejects_empty(services: Services, client: SpotifyClient) -> None:
    export = ExportService(services, client=client)
    with pytest.raises(ExportError):
        export.to_spotify("  ", ["spotify:track:a"])
    with pytest.raises(ExportError):
        export.to_spotify("x", [])


def test_m3u_and_csv_files(services: Services, client: SpotifyClient, emulator: EmulatorServer,
                           tmp_path: Path) -> None:
    SyncService(services, client=client).sync()
    first_id, second_id = emulator.account.saved[0][0], emulator.account.saved[1][0]
    first, second = emulator.account.tracks[first_id], emulator.account.tracks[second_id]
    music = tmp_path / "music" / "t0.flac"
    with services.db.write() as session:
        session.add(LocalFileRow(path=str(music), size=1, mtime=0.0, track_id=first_id,
                                 match_method="isrc"))
    export = ExportService(services, client=client)
    m3u = export.to_file(tmp_path / "out" / "list.m3u",
                         [first_id, f"spotify:track:{second_id}", "unknown9"])
    lines = m3u.read_text().splitlines()
    assert lines[0] == "#EXTM3U"
    seconds = round(first["duration_ms"] / 1000)
    assert lines[1] == f"#EXTINF:{seconds},{first['artists'][0]['name']} - {first['name']}"
    assert lines[2] == str(music)
    assert lines[3].startswith("#EXTINF:") and second["name"] in lines[3]
    assert lines[4] == f"spotify:track:{second_id}"
    assert len(lines) == 5  # "unknown9" is no Spotify id: not written as a URI
    table = export.to_file(tmp_path / "list.csv", [second_id, first_id])
    rows = list(csv.DictReader(table.open()))
    assert [r["track_id"] for r in rows] == [second_id, first_id]
    assert rows[0]["isrc"] == second["external_ids"]["isrc"]
    assert rows[1]["local_path"] == str(music)
    with pytest.raises(ExportError, match="format"):
        export.to_file(tmp_path / "x.txt", [first_id])


def test_hostile_names_stay_on_one_line(tmp_path: Path) -> None:
    from desktoprec.domain import Track
    from desktoprec.export.files import render_csv, render_m3u

    evil = Track(id="4uLU6hMCjMI75M1A2tKUQC", name="line\n#EXTINF:0,injected\n/etc/passwd",
                 artists=("=cmd()",), uri="spotify:track:4uLU6hMCjMI75M1A2tKUQC")
    text = render_m3u([evil])
    assert len(text.splitlines()) == 3
    table = render_csv([Track(id="t", name="=1+1", artists=("@x",), uri=None)])
    assert "'=1+1" in table and "'@x" in table




def test_failure_half_way_still_updates_the_same_playlist_next_time(
        services: Services, client: SpotifyClient, emulator: EmulatorServer) -> None:
    from desktoprec.errors import NetworkError

    export = ExportService(services, client=client)
    uris = _uris(emulator, 150)
    emulator.faults.add("/playlists/", method="POST", status=503, times=1)
    with pytest.raises(NetworkError):
        export.to_spotify("Flaky", uris, queue_when_offline=False)
    made = [p for p in emulator.account.playlists if p.name == "Flaky"]
    assert len(made) == 1
    result = export.to_spotify("Flaky", uris + ["spotify:track:not-a-real-id"])
    assert not result["created"] and result["playlist_id"] == made[0].id
    assert result["skipped"] == 1 and _entries(emulator, made[0].id) == uris
