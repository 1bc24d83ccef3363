"""A small real library on a real SQLite file for the browse tests: Latin, accented and Japanese
names, two albums of one artist, saved dates, recorded plays and genres from several sources."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime

import pytest

from desktoprec.services import Services
from desktoprec.storage.tables import (
    AlbumRow,
    ArtistRow,
    FeedbackRow,
    PlaylistEntryRow,
    PlaylistRow,
    SavedTrackRow,
    TrackArtistRow,
    TrackGenreRow,
    TrackRow,
    TrackSoundFamilyRow,
    TrackSoundRow,
)

# (id, title, album, artists, duration ms, track number)
TRACKS = [
    ("t1", "Halo", "al1", ("ar1",), 261_000, 2),
    ("t2", "Single Ladies", "al1", ("ar1",), 193_000, 1),
    ("t3", "Halo", "al3", ("ar1", "ar3"), 240_000, 1),  # a second "Halo": told apart by album
    ("t4", "群青日和", "al2", ("ar2",), 221_000, 1),
    ("t5", "丸の内サディスティック", "al2", ("ar2",), 236_000, 2),
    ("t6", "Ｆｕｌｌ Ｗｉｄｔｈ", "al2", ("ar2",), 100_000, 3),
]


@pytest.fixture
def services() -> Iterator[Services]:
    svc = Services()
    with svc.db.write() as s:
        s.add(ArtistRow(id="ar1", name="Beyoncé", genres=["r&b", "pop"]))
        s.add(ArtistRow(id="ar2", name="東京事変", genres=[]))
        s.add(ArtistRow(id="ar3", name="Sigur Rós", genres=[]))
        s.add(AlbumRow(id="al1", name="I Am... Sasha Fierce", release_year=2008,
                       image_url="https://i.scdn.co/image/al1", artist_ids=["ar1"]))
        s.add(AlbumRow(id="al2", name="教育", release_year=2004, artist_ids=["ar2"]))
        s.add(AlbumRow(id="al3", name="Live Sessions", release_year=2010, artist_ids=["ar1"]))
        s.flush()
        for tid, name, album, artists, ms, number in TRACKS:
            s.add(TrackRow(id=tid, uri=f"spotify:track:{tid}", name=name, album_id=album,
                           duration_ms=ms, track_number=number, source="spotify"))
            s.flush()
            for pos, aid in enumerate(artists):
                s.add(TrackArtistRow(track_id=tid, position=pos, artist_id=aid))
        s.add(SavedTrackRow(track_id="t1", added_at="2025-03-04T10:00:00Z"))
        s.add(SavedTrackRow(track_id="t4", added_at="2024-01-02T08:30:00Z"))
        for _ in range(3):
            s.add(FeedbackRow(track_id="t1", kind="play", at=datetime(2026, 1, 1)))
        s.add(FeedbackRow(track_id="t4", kind="play", at=datetime(2026, 1, 2)))
        s.add(FeedbackRow(track_id="t4", kind="skip", at=datetime(2026, 1, 3)))
        s.add(TrackGenreRow(track_id="t1", genre="r&b", source="spotify", weight=1.0))
        s.add(TrackGenreRow(track_id="t1", genre="pop", source="spotify", weight=0.5))
        s.add(TrackGenreRow(track_id="t4", genre="j-rock", source="musicbrainz", weight=1.0))
        s.add(TrackGenreRow(track_id="t5", genre="j-pop", source="deezer", weight=1.0))
        s.add(TrackSoundRow(track_id="t1", source="preview"))
        s.add(TrackSoundFamilyRow(track_id="t1", cluster_id=0, name="bright and busy"))
        s.add(PlaylistRow(id="pl1", name="夜のドライブ", uri="spotify:playlist:pl1",
                          owner_id="me", total=2, readable=True, list_position=0))
        s.add(PlaylistRow(id="pl2", name="Café mornings", uri="spotify:playlist:pl2",
                          owner_id="me", total=1, readable=True, list_position=1))
        s.flush()
        s.add(PlaylistEntryRow(playlist_id="pl1", position=0, track_id="t5"))
        s.add(PlaylistEntryRow(playlist_id="pl1", position=1, track_id=None, kind="local",
                               name="A file of mine", artist_name="Me"))
        s.add(PlaylistEntryRow(playlist_id="pl2", position=0, track_id="t2"))
    yield svc
    svc.close()
