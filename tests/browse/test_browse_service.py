"""BrowseService on a real SQLite file: library rows with their columns, playlists, insights."""

from __future__ import annotations

from desktoprec.browse.service import BrowseService
from desktoprec.services import Services
from desktoprec.storage.tables import SavedTrackRow, TrackRow


def test_the_area_is_one_shared_instance(services: Services) -> None:
    assert isinstance(services.browse, BrowseService)
    assert services.browse is services.browse


def test_library_rows_carry_date_added_plays_and_genre_source(services: Services) -> None:
    rows = {i.track.id: i for i in services.browse.library_items()}
    assert set(rows) == {"t1", "t2", "t3", "t4", "t5", "t6"}
    assert rows["t1"].added_at == "2025-03-04T10:00:00Z" and rows["t1"].plays == 3
    assert rows["t1"].genres == ("r&b", "pop") and rows["t1"].genre_source == "spotify"
    assert rows["t1"].sound_source == "preview"
    assert rows["t4"].plays == 1  # a skip is not a play
    assert rows["t4"].genre_source == "musicbrainz" and rows["t5"].genre_source == "deezer"
    # nothing known: nothing invented
    assert rows["t2"].added_at is None and rows["t2"].plays == 0
    assert rows["t2"].genre_source is None and rows["t2"].genres == ()
    assert rows["t3"].track.artists == ("Beyoncé", "Sigur Rós")


def test_many_ids_are_read_in_chunks(services: Services) -> None:
    """More ids than SQLite binds in one statement on old builds: every one still answers."""
    ids = [f"x{i}" for i in range(1200)]
    with services.db.write() as s:
        s.add_all(TrackRow(id=i, name=f"Bulk {i}", source="spotify") for i in ids)
        s.flush()
        s.add_all(SavedTrackRow(track_id=i, added_at="2020-01-01T00:00:00Z") for i in ids[::2])
    assert services.browse.saved_track_ids(ids + ["t1"]) == set(ids[::2]) | {"t1"}
    assert [i.track.id for i in services.browse.items_for(ids)] == ids


def test_playlists_and_their_tracks(services: Services) -> None:
    lists = services.browse.playlists()
    assert [p.name for p in lists] == ["夜のドライブ", "Café mornings"]
    tracks = services.browse.playlist_tracks("pl1")
    assert [t.name for t in tracks] == ["丸の内サディスティック", "A file of mine"]
    assert tracks[1].artists == ("Me",) and tracks[1].source == "local"


def test_insights_colour_by_sound_family(services: Services) -> None:
    import numpy as np

    from desktoprec.storage.tables import TrackSoundRow

    with services.db.write() as s:
        row = s.get(TrackSoundRow, "t1")
        assert row is not None
        row.vector = np.arange(4, dtype=np.float32).tobytes()
        s.add(TrackSoundRow(track_id="t2", source="preview",
                            vector=np.array([1, np.nan, 0, 2], dtype=np.float32).tobytes()))
    data = services.browse.insights("cluster")
    assert data.track_count == 6
    assert {p[2]: p[4] for p in data.points} == {"t1": "bright and busy", "t2": "no cluster"}
    assert all(np.isfinite([p[0] for p in data.points]))
    assert {g for g, _ in data.top_genres} == {"r&b", "pop", "j-rock", "j-pop"}
