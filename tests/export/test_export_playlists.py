"""Export to Spotify (idempotent by name, batched, private by default, offline queue) and files."""

from __future__ import annotations

import csv
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "sync"))
from fake_library import FakeSpotify, Library  # noqa: E402

from desktoprec.errors import ExportError  # noqa: E402
from desktoprec.export.service import ExportService  # noqa: E402
from desktoprec.services import Services  # noqa: E402
from desktoprec.spotify.client import SpotifyClient  # noqa: E402
from desktoprec.storage.tables import LocalFileRow, PendingExportRow  # noqa: E402
from desktoprec.sync.service import SyncService  # noqa: E402


class Tokens:
    def access_token(self) -> str:
        return "good-token"

    def refresh(self) -> str:
        return "good-token"


@pytest.fixture()
def fake() -> Iterator[FakeSpotify]:
    with FakeSpotify(Library.generate(saved=30, playlists=1, per_playlist=5)) as server:
        yield server


@pytest.fixture()
def services() -> Iterator[Services]:
    svc = Services()
    yield svc
    svc.close()


def _client(url: str) -> SpotifyClient:
    return SpotifyClient(url, Tokens(), sleep=lambda s: None, retry_delay=0.0)


def _writes(fake: FakeSpotify) -> list[tuple[str, str]]:
    return [(m, p) for m, p, _, _ in fake.requests if m in ("POST", "PUT")]


def test_export_twice_same_name_updates_one_playlist(services: Services,
                                                     fake: FakeSpotify) -> None:
    export = ExportService(services, client=_client(fake.api_url))
    uris = [f"spotify:track:x{i}" for i in range(250)]
    first = export.to_spotify("Evening", uris, recipe={"mode": "for_you", "diversity": 0.7})
    assert first["created"] and first["tracks"] == 250 and first["public"] is False
    created = fake.created[0]
    assert created["public"] is False
    assert created["description"].startswith("Made by desktoprec")
    assert "mode=for_you" in created["description"]
    assert _writes(fake) == [("POST", "/me/playlists")] + [
        ("POST", f"/playlists/{first['playlist_id']}/items")] * 3
    fake.reset_requests()
    second = export.to_spotify("Evening", uris[:120] + ["spotify:local:a:b:c:1"])
    assert not second["created"] and second["playlist_id"] == first["playlist_id"]
    assert second["tracks"] == 120 and second["skipped"] == 1
    assert len(fake.created) == 1
    pid = first["playlist_id"]
    assert _writes(fake) == [("PUT", f"/playlists/{pid}"), ("PUT", f"/playlists/{pid}/items"),
                             ("POST", f"/playlists/{pid}/items")]
    entries = fake.library.playlists[pid]["entries"]
    assert [e["item"]["uri"] for e in entries] == uris[:120]


def test_export_public_when_asked_and_deleted_playlist_remade(services: Services,
                                                               fake: FakeSpotify) -> None:
    export = ExportService(services, client=_client(fake.api_url))
    first = export.to_spotify("Loud", ["spotify:track:a"], public=True)
    assert fake.created[0]["public"] is True
    del fake.library.playlists[first["playlist_id"]]  # the user deleted it on Spotify
    again = export.to_spotify("Loud", ["spotify:track:b"])
    assert again["created"] and again["playlist_id"] != first["playlist_id"]


def test_offline_export_is_queued_then_sent_by_next_sync(services: Services,
                                                         fake: FakeSpotify) -> None:
    import socket

    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    dead_port = sock.getsockname()[1]
    sock.close()
    offline = ExportService(services, client=_client(f"http://127.0.0.1:{dead_port}/v1"))
    result = offline.to_spotify("Later", ["spotify:track:a", "spotify:track:b"])
    assert result["queued"] and "next sync" in result["message"]
    with services.db.read() as session:
        assert session.query(PendingExportRow).count() == 1
    client = _client(fake.api_url)
    services._cache["export"] = ExportService(services, client=client)
    report = SyncService(services, client=client).sync()
    assert report.pending_exports_sent == 1
    assert [c["name"] for c in fake.created] == ["Later"]
    with services.db.read() as session:
        assert session.query(PendingExportRow).count() == 0


def test_export_rejects_empty(services: Services, fake: FakeSpotify) -> None:
    export = ExportService(services, client=_client(fake.api_url))
    with pytest.raises(ExportError):
        export.to_spotify("  ", ["spotify:track:a"])
    with pytest.raises(ExportError):
        export.to_spotify("x", [])


def test_m3u_and_csv_files(services: Services, fake: FakeSpotify, tmp_path: Path) -> None:
    client = _client(fake.api_url)
    SyncService(services, client=client).sync()
    music = tmp_path / "music" / "t0.flac"
    with services.db.write() as session:
        session.add(LocalFileRow(path=str(music), size=1, mtime=0.0, track_id="tr0",
                                 match_method="isrc"))
    export = ExportService(services, client=client)
    m3u = export.to_file(tmp_path / "out" / "list.m3u", ["tr0", "spotify:track:tr1", "unknown9"])
    lines = m3u.read_text().splitlines()
    assert lines[0] == "#EXTM3U"
    assert lines[1] == "#EXTINF:180,Artist 0 - Track 0" and lines[2] == str(music)
    assert lines[3].startswith("#EXTINF:180,Artist 1 - Track 1")
    assert lines[4] == "spotify:track:tr1"
    assert lines[6] == "spotify:track:unknown9"
    table = export.to_file(tmp_path / "list.csv", ["tr1", "tr0"])
    rows = list(csv.DictReader(table.open()))
    assert [r["track_id"] for r in rows] == ["tr1", "tr0"]
    assert rows[0]["isrc"] == "QZ0000000001" and rows[1]["local_path"] == str(music)
    with pytest.raises(ExportError, match="format"):
        export.to_file(tmp_path / "x.txt", ["tr0"])


def test_hostile_names_stay_on_one_line(tmp_path: Path) -> None:
    from desktoprec.domain import Track
    from desktoprec.export.files import render_csv, render_m3u

    evil = Track(id="t", name="line\n#EXTINF:0,injected\n/etc/passwd", artists=("=cmd()",),
                 uri="spotify:track:t")
    text = render_m3u([evil])
    assert len(text.splitlines()) == 3
    table = render_csv([Track(id="t", name="=1+1", artists=("@x",), uri=None)])
    assert "'=1+1" in table and "'@x" in table


