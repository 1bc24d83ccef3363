"""Scanning folders (incremental, removals) and matching files to synced Spotify tracks."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import select

from desktoprec.library.match import normalize_artist, normalize_title, split_artists
from desktoprec.library.scan import content_hash
from desktoprec.services import Services
from desktoprec.storage.tables import (
    ArtistRow,
    IsrcRow,
    LocalFileRow,
    TrackArtistRow,
    TrackRow,
)


@pytest.fixture
def services() -> Services:
    services = Services()
    yield services
    services.close()


def add_spotify_track(services: Services, track_id: str, name: str, artists: list[str],
                      duration_s: float, isrc: str | None = None) -> None:
    with services.db.write() as session:
        session.add(TrackRow(id=track_id, name=name, duration_ms=int(duration_s * 1000),
                             isrc=isrc, source="spotify"))
        for position, artist in enumerate(artists):
            artist_id = "sp-" + artist.lower().replace(" ", "")
            if session.get(ArtistRow, artist_id) is None:
                session.add(ArtistRow(id=artist_id, name=artist, genres=[]))
                session.flush()
            session.add(TrackArtistRow(track_id=track_id, position=position, artist_id=artist_id))
        if isrc:
            session.add(IsrcRow(isrc=isrc, track_id=track_id))


def files_by_name(services: Services) -> dict[str, LocalFileRow]:
    with services.db.read() as session:
        return {Path(r.path).name: r for r in session.scalars(select(LocalFileRow))}


@pytest.mark.parametrize(("raw", "expected"), [
    ("Let It Be - Remastered 2009", "let it be"),
    ("Señorita (feat. Camila Cabello)", "senorita"),
    ("Song [Live at Wembley]", "song"),
    ("Halo ft. Someone", "halo"),
    ("Don't Stop Me Now - Live", "don t stop me now"),
    ("Title - Part Two", "title part two"),
])
def test_title_normalization(raw: str, expected: str) -> None:
    assert normalize_title(raw) == expected


def test_artist_normalization() -> None:
    assert normalize_artist("Beyoncé feat. JAY-Z") == "beyonce"
    assert "jay z" in split_artists("Beyoncé feat. JAY-Z")
    assert "simon garfunkel" in split_artists("Simon & Garfunkel")


def test_scan_is_incremental_and_marks_removed(tmp_path: Path, services: Services,
                                               tagged: Callable[..., Path]) -> None:
    music = tmp_path / "music"
    (music / "sub").mkdir(parents=True)
    a = tagged(music / "a.flac", artist="Alpha", title="One")
    b = tagged(music / "sub" / "b.mp3", artist="Beta", title="Two")
    (music / "cover.jpg").write_bytes(b"\xff\xd8 not audio")
    (music / "notes.txt").write_text("hello")
    first = services.library.scan([music])
    assert (first.found, first.new, first.unchanged) == (2, 2, 0)
    rows = files_by_name(services)
    assert rows["a.flac"].content_hash == content_hash(a)
    assert rows["a.flac"].artist == "Alpha" and rows["b.mp3"].format == "mp3"

    second = services.library.scan([music])
    assert (second.new, second.changed, second.unchanged) == (0, 0, 2)

    tagged(a, artist="Alpha", title="One (new mix)", seconds=4.0)
    os.utime(a, (a.stat().st_atime, a.stat().st_mtime + 10))
    b.unlink()
    third = services.library.scan([music])
    assert (third.changed, third.removed, third.unchanged) == (1, 1, 0)
    rows = files_by_name(services)
    assert rows["b.mp3"].removed is True  # kept, marked
    assert rows["a.flac"].title == "One (new mix)"

    tagged(b, artist="Beta", title="Two")
    fourth = services.library.scan([music])
    assert fourth.new + fourth.restored + fourth.changed == 1
    assert files_by_name(services)["b.mp3"].removed is False


def test_missing_folder_is_reported_not_emptied(tmp_path: Path, services: Services,
                                                tagged: Callable[..., Path]) -> None:
    drive = tmp_path / "drive"
    tagged(drive / "x.ogg", artist="X", title="Y")
    services.library.scan([drive])
    drive.rename(tmp_path / "unplugged")
    report = services.library.scan([drive])
    assert report.missing_folders == [str(drive.resolve())]
    assert files_by_name(services)["x.ogg"].removed is False


def test_matching_by_isrc_then_name_then_local(tmp_path: Path, services: Services,
                                               tagged: Callable[..., Path]) -> None:
    add_spotify_track(services, "sp1", "Some Other Title", ["Whoever"], 3.0,
                      isrc="USABC2400001")
    add_spotify_track(services, "sp2", "Let It Be - Remastered 2009", ["The Beatles"], 3.0)
    add_spotify_track(services, "sp3", "Halo", ["Beyoncé"], 3.0)
    add_spotify_track(services, "sp4", "Long Song", ["Band"], 60.0)  # duration far off
    music = tmp_path / "music"
    tagged(music / "isrc.m4a", artist="Nobody", title="Nothing", isrc="USABC2400001")
    tagged(music / "name.mp3", artist="the beatles", title="Let It Be")
    tagged(music / "accents.flac", artist="Beyonce feat. Someone", title="Halo (Live)")
    tagged(music / "far.ogg", artist="Band", title="Long Song")
    tagged(music / "untagged.wav")
    report = services.library.scan([music])
    assert report.matched == 3 and report.local_tracks == 2
    rows = files_by_name(services)
    assert (rows["isrc.m4a"].track_id, rows["isrc.m4a"].match_method) == ("sp1", "isrc")
    assert (rows["name.mp3"].track_id, rows["name.mp3"].match_method) == ("sp2", "name")
    assert rows["accents.flac"].track_id == "sp3"
    assert rows["far.ogg"].match_method == "none"
    assert rows["far.ogg"].track_id == f"local:{rows['far.ogg'].content_hash}"
    with services.db.read() as session:
        local = session.get(TrackRow, rows["far.ogg"].track_id)
        assert local.source == "local" and local.name == "Long Song"
        artist_ids = list(session.scalars(select(TrackArtistRow.artist_id).where(
            TrackArtistRow.track_id == local.id)))
        assert artist_ids == ["local-artist:band"]
        untagged = session.get(TrackRow, rows["untagged.wav"].track_id)
        assert untagged.name == "untagged"
    status = services.library.summary()
    assert status.local_files == 5 and status.matched_files == 3

    # once Spotify has the track, the file matches it and its local track goes away
    add_spotify_track(services, "sp5", "Long Song", ["Band"], 3.2)
    services.library.scan([music])
    rows = files_by_name(services)
    assert rows["far.ogg"].track_id == "sp5"
    with services.db.read() as session:
        assert session.get(TrackRow, f"local:{rows['far.ogg'].content_hash}") is None


def test_fuzzy_fallback_within_three_seconds(tmp_path: Path, services: Services,
                                             tagged: Callable[..., Path]) -> None:
    add_spotify_track(services, "sp1", "Let It Be", ["The Beatles"], 3.0)
    add_spotify_track(services, "sp2", "Back in Black", ["AC/DC"], 4.0)
    add_spotify_track(services, "sp3", "So What", ["P!nk"], 5.0)
    add_spotify_track(services, "sp4", "Colour Me Blue", ["Someone"], 6.0)
    add_spotify_track(services, "sp5", "Highway to Hell", ["AC/DC"], 12.0)
    add_spotify_track(services, "sp6", "Song One", ["Band"], 8.0)
    music = tmp_path / "music"
    tagged(music / "beatles.flac", artist="Beatles, The", title="Let It Be", seconds=3.0)
    tagged(music / "acdc.flac", artist="ACDC", title="Back In Black", seconds=4.0)
    tagged(music / "pink.flac", artist="Pink", title="So What", seconds=5.0)
    tagged(music / "color.flac", artist="Someone", title="Color Me Blue", seconds=6.0)
    # alike but 5 s away from the only candidate: not the same recording
    tagged(music / "far.flac", artist="ACDC", title="Highway To Hell", seconds=7.0)
    # the same artist and length, another song: names that differ are never matched
    tagged(music / "other.flac", artist="Band", title="Song Two", seconds=8.0)
    services.library.scan([music])
    rows = files_by_name(services)
    found = {name: (row.track_id, row.match_method) for name, row in rows.items()}
    assert found["beatles.flac"] == ("sp1", "name")
    assert found["acdc.flac"] == ("sp2", "name")
    assert found["pink.flac"] == ("sp3", "name")
    assert found["color.flac"] == ("sp4", "name")
    assert found["far.flac"][1] == "none" and found["other.flac"][1] == "none"


def test_symlink_loops_and_hidden_files_are_handled(tmp_path: Path, services: Services,
                                                    tagged: Callable[..., Path]) -> None:
    music = tmp_path / "music"
    tagged(music / "a" / "song.ogg", artist="A", title="S")
    (music / "a" / "loop").symlink_to(music, target_is_directory=True)
    tagged(music / ".hidden" / "secret.flac")
    (music / "a" / "._song.ogg").write_bytes(b"AppleDouble junk")
    report = services.library.scan([music])
    assert report.found == 1 and report.new == 1
