"""RecommendService over a real SQLite library: index cache, lists, novelty, feedback, commands."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import get_args

import pytest
from rec_catalogs import ARTISTS, make_catalog
from sqlalchemy import func, select

from desktoprec.domain import SourceCode
from desktoprec.errors import RecommendError
from desktoprec.services import Services
from desktoprec.storage.tables import (
    AlbumRow,
    ArtistRow,
    FeedbackRow,
    PlaylistEntryRow,
    PlaylistRow,
    RecommendationListRow,
    RecommendedRow,
    SavedTrackRow,
    TrackArtistRow,
    TrackGenreRow,
    TrackRow,
    TrackSoundRow,
)


def fill_library(services: Services) -> None:
    cat = make_catalog()
    with services.db.write() as session:
        for artist in ARTISTS:
            session.add(ArtistRow(id=artist, name=artist.upper()))
            session.add(AlbumRow(id=f"alb_{artist}", name=f"{artist} album", release_year=2010))
        session.flush()
        for i, tid in enumerate(cat.ids):
            artist = cat.artist_keys[i][0]
            session.add(TrackRow(id=tid, name=cat.names[i], uri=f"spotify:track:{tid}",
                                 album_id=f"alb_{artist}", duration_ms=200_000,
                                 isrc=cat.isrcs[i]))
            session.flush()
            session.add(TrackArtistRow(track_id=tid, position=0, artist_id=artist))
            session.add(TrackSoundRow(track_id=tid, source="spotify" if i % 5 else "own_file",
                                      descriptors=cat.sound_dict(i)))
            session.add(TrackGenreRow(track_id=tid, genre=cat.genres[i][0], source="tags",
                                      weight=1.0))
        for c, members in enumerate(cat.contexts):
            session.add(PlaylistRow(id=f"pl{c}", name=f"Playlist {c}", snapshot_id="s"))
            session.flush()
            for position, pos in enumerate(members.tolist()):
                session.add(PlaylistEntryRow(playlist_id=f"pl{c}", position=position,
                                             track_id=cat.ids[pos], kind="track"))
        session.add(SavedTrackRow(track_id="pop1_t5", added_at="2026-11-01T10:00:00Z"))
        session.add(SavedTrackRow(track_id="pop2_t5", added_at="2026-11-02T10:00:00Z"))


@pytest.fixture
def services() -> Services:
    svc = Services()
    fill_library(svc)
    yield svc
    svc.close()


def test_catalog_from_database(services: Services) -> None:
    engine = services.recommend.engine()
    cat = engine.catalog
    assert len(cat) == len(make_catalog())
    i = cat.index["jazz1_t0"]
    assert cat.artists[i] == ("JAZZ1",) and cat.artist_keys[i] == ("jazz1",)
    assert cat.genres[i] == ("jazz",) and cat.year[i] == 2010
    assert set(cat.sound_names) == {"energy", "tempo", "valence", "acousticness",
                                    "danceability"}
    assert cat.sound_source[cat.index["rock1_t0"]] == "own_file"
    assert len(cat.contexts) == 5 and cat.context_kinds[0] == "playlist"


def test_index_is_saved_reused_and_rebuilt_on_change(services: Services) -> None:
    first = services.recommend.rebuild_index()
    folder = Path(first.index_dir)
    assert (folder / "manifest.json").exists() and (folder / "vectors.faiss").exists()
    assert first.tracks == len(make_catalog())
    manifest = json.loads((folder / "manifest.json").read_text())
    # A fresh service (a new start of the app) loads the saved index when nothing changed.
    fresh = Services()
    try:
        engine = fresh.recommend.engine()
        assert engine.index.fingerprint == manifest["fingerprint"]
        # The library changes: the index no longer matches and is rebuilt.
        with fresh.db.write() as session:
            session.add(TrackRow(id="new_track", name="New", uri="spotify:track:new_track"))
        engine2 = fresh.recommend.engine()
        assert "new_track" in engine2.catalog.index
        assert json.loads((folder / "manifest.json").read_text())["fingerprint"] != \
            manifest["fingerprint"]
    finally:
        fresh.close()


def test_corrupt_saved_index_is_rebuilt(services: Services) -> None:
    folder = Path(services.recommend.rebuild_index().index_dir)
    (folder / "vectors.faiss").write_bytes(b"garbage")
    fresh = Services()
    try:
        result = fresh.recommend.recommend(mode="more_like", seeds=("jazz1_t0",), n=3)
        assert len(result.items) == 3
        assert (folder / "vectors.faiss").stat().st_size > 100  # written again
    finally:
        fresh.close()


def test_recommend_persists_list_and_novelty(services: Services) -> None:
    service = services.recommend
    first = service.recommend(mode="more_like", seeds=("spotify:track:jazz1_t0",), n=5)
    assert first.list_id is not None and len(first.items) == 5
    with services.db.read() as session:
        rows = session.scalars(select(RecommendationListRow)).all()
        assert len(rows) == 1 and rows[0].track_ids == [i.track.id for i in first.items]
        assert rows[0].recipe["mode"] == "more_like"
        assert session.scalar(select(func.count()).select_from(RecommendedRow)) == 5
        assert rows[0].recipe["figures"]["distinct_artists"] >= 1
    # Asking again at once (the dial moved) may show the same tracks ...
    again = service.recommend(mode="more_like", seeds=("jazz1_t0",), n=5)
    assert {i.track.id for i in first.items} & {i.track.id for i in again.items}
    # ... but lists from an earlier sitting are not repeated (novelty memory).
    with services.db.write() as session:
        for row in session.scalars(select(RecommendedRow)):
            row.at = row.at - timedelta(hours=2)
    second = service.recommend(mode="more_like", seeds=("jazz1_t0",), n=5)
    assert not {i.track.id for i in first.items} & {i.track.id for i in second.items}
    last = service.last_list()
    assert last is not None and last.list_id == second.list_id
    # A new service (the export command in another process) rebuilds it from the database.
    other = Services()
    try:
        again = other.recommend.last_list()
        assert [i.track.id for i in again.items] == [i.track.id for i in second.items]
        assert again.items[0].track.uri == f"spotify:track:{second.items[0].track.id}"
        assert again.recipe["seeds"] == ["jazz1_t0"]
    finally:
        other.close()


def test_unknown_seeds_are_left_out_unless_all_are(services: Services) -> None:
    result = services.recommend.recommend(mode="more_like", seeds=("nope", "jazz1_t0"), n=3)
    assert result.recipe["seeds"] == ["jazz1_t0"]
    with pytest.raises(RecommendError, match="not in your library"):
        services.recommend.recommend(mode="more_like", seeds=("nope",))


def test_saved_excluded_by_default_setting_switches(services: Services) -> None:
    service = services.recommend
    got = {i.track.id for i in service.recommend(mode="more_like", seeds=("pop1_t0",), n=12,
                                                 diversity=0.0, hour=14).items}
    assert not {"pop1_t5", "pop2_t5"} & got
    got = {i.track.id for i in service.recommend(mode="more_like", seeds=("pop2_t0",), n=14,
                                                 diversity=0.0, include_saved=True, hour=14).items}
    assert {"pop1_t5", "pop2_t5"} & got


def test_for_you_from_saved_tracks(services: Services) -> None:
    result = services.recommend.recommend(mode="for_you", n=5, diversity=0.0, hour=14)
    assert sum(1 for i in result.items if i.genres == ("pop",)) >= 4


def test_playlist_mode_by_id(services: Services) -> None:
    result = services.recommend.recommend(mode="playlist", playlist_id="pl2", n=5)
    assert result.recipe["playlist_id"] == "pl2"
    assert all(i.track.id not in {"jazz1_t0", "jazz1_t1", "jazz2_t0", "jazz2_t1"}
               for i in result.items)
    with pytest.raises(RecommendError, match="no readable tracks"):
        services.recommend.recommend(mode="playlist", playlist_id="nope")


def test_two_skips_within_a_minute_refresh_and_steer_away(services: Services) -> None:
    service = services.recommend
    base = service.recommend(mode="more_like", seeds=("jazz1_t0", "pop1_t0"), n=6)
    skipped = [i.track.id for i in base.items[:2]]
    one = service.feedback(skipped[0], "skip")
    assert one.stored and not one.refreshed
    two = service.feedback(f"spotify:track:{skipped[1]}", "skip")
    assert two.refreshed and set(two.steered_away_from) == set(skipped)
    fresh = two.fresh
    assert not set(skipped) & {i.track.id for i in fresh.items}
    with services.db.read() as session:
        kinds = session.scalars(select(FeedbackRow.kind)).all()
    assert kinds == ["skip", "skip"]
    with pytest.raises(RecommendError, match="Unknown feedback"):
        service.feedback("jazz1_t0", "love")


def test_feedback_keeps_local_ids_and_reads_uris(services: Services) -> None:
    service = services.recommend
    assert service.feedback("spotify:track:jazz1_t0", "like").track_id == "jazz1_t0"
    assert service.feedback("https://open.spotify.com/track/jazz1_t1?si=1", "play"
                            ).track_id == "jazz1_t1"
    assert service.feedback("local:0123abcd", "dislike").track_id == "local:0123abcd"


def test_listening_sessions_become_contexts(services: Services) -> None:
    from desktoprec.recommend.catalog import Catalog
    from desktoprec.storage.tables import RecentlyPlayedRow

    with services.db.write() as session:
        for minute, track in ((0, "jazz1_t5"), (4, "pop2_t6"), (8, "rock1_t6"),
                              (200, "jazz2_t6"), (203, "pop1_t6")):
            session.add(RecentlyPlayedRow(
                played_at=f"2026-11-20T10:{minute % 60:02d}:00Z".replace(
                    "10:", f"{10 + minute // 60:02d}:"), track_id=track))
    cat = Catalog.from_database(services.db)
    sessions = [sorted(cat.ids[i] for i in c) for c, kind in zip(cat.contexts, cat.context_kinds)
                if kind == "session"]
    assert sessions == [["jazz1_t5", "pop2_t6", "rock1_t6"], ["jazz2_t6", "pop1_t6"]]


def test_old_skips_do_not_refresh(services: Services) -> None:
    with services.db.write() as session:
        session.add(FeedbackRow(track_id="jazz1_t3", kind="skip",
                                at=datetime.now(UTC).replace(tzinfo=None)
                                - timedelta(minutes=5)))
    answer = services.recommend.feedback("jazz1_t4", "skip")
    assert not answer.refreshed


def test_path_and_cold_start_styles(services: Services) -> None:
    service = services.recommend
    styles = service.styles_for_cold_start()
    assert {s.style for s in styles} == {"rock", "jazz", "pop"}
    result = service.path("jazz1_t0", "rock1_t4", 5)
    assert next(i.track.id for i in result.items) == "jazz1_t0"
    assert [i.track.id for i in result.items][-1] == "rock1_t4"
    assert all(i.explanation.summary.startswith("Step") for i in result.items)
    # "x % of the way" is where the track's sound lies between the ends, rising step by step
    shares = [i.score for i in result.items]
    assert shares[0] == 0.0 and shares[-1] == 1.0 and shares == sorted(shares)
    for item in result.items:
        assert f"{round(100 * item.score)}% of the way in sound" in item.explanation.summary
        assert "similarity" not in " ".join(r.text for r in item.explanation.reasons)
        assert item.explanation.sources["sound"] in ("spotify", "own_file", "preview", "none")
    cold = service.recommend(mode="cold_start", styles=("jazz",), n=4, diversity=0.0, hour=14)
    assert all(i.genres == ("jazz",) for i in cold.items)
    assert all(set(i.explanation.sources.values()) <= set(get_args(SourceCode))
               for i in cold.items)
    with pytest.raises(RecommendError, match="Unknown style"):
        service.recommend(mode="cold_start", styles=("polka",))


def test_empty_library_is_a_clear_error() -> None:
    services = Services()
    try:
        with pytest.raises(RecommendError, match="nothing to recommend"):
            services.recommend.recommend(mode="for_you")
    finally:
        services.close()


def run_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "desktoprec", *args], capture_output=True, check=False,
                          text=True, timeout=120)


def test_recommend_command_json_keys(services: Services) -> None:
    services.close()
    proc = run_cli("recommend", "--json", "-n", "5", "--seed-track", "jazz1_t0", "rock1_t0",
                   "--mood", "calm", "--diversity", "0.5")
    assert proc.returncode == 0, proc.stderr
    items = json.loads(proc.stdout)
    assert len(items) == 5
    for item in items:
        assert {"track_id", "uri", "name", "artists", "score", "explanation", "diversity_pick",
                "sources", "new_artist", "block_shares", "reasons"} <= set(item)
        assert isinstance(item["new_artist"], bool)
        assert item["block_shares"] == item["explanation"]["block_shares"]
        assert item["reasons"] == item["explanation"]["reasons"]
        assert isinstance(item["artists"], list) and item["artists"]
        assert item["explanation"]["summary"] and item["explanation"]["reasons"]
    proc = run_cli("path", "--from", "jazz1_t0", "--to", "rock1_t4", "-n", "4", "--json")
    assert proc.returncode == 0, proc.stderr
    assert len(json.loads(proc.stdout)) == 4
    proc = run_cli("feedback", "jazz1_t1", "like", "--json")
    assert proc.returncode == 0 and json.loads(proc.stdout)["stored"] is True
    proc = run_cli("feedback", "pop2_t3", "dislike", "--artist", "--json")
    assert proc.returncode == 0 and json.loads(proc.stdout)["never"] == {"artist": "POP2"}
    proc = run_cli("recommend", "--json", "-n", "10", "--seed-track", "pop2_t0",
                   "--diversity", "0")
    assert proc.returncode == 0, proc.stderr
    assert not [i for i in json.loads(proc.stdout) if i["artists"] == ["POP2"]]
    proc = run_cli("recommend", "--list-styles", "--json")
    assert {s["style"] for s in json.loads(proc.stdout)} == {"rock", "jazz", "pop"}
    proc = run_cli("index", "--json")
    assert proc.returncode == 0 and json.loads(proc.stdout)["tracks"] == len(make_catalog())
    proc = run_cli("recommend", "--seed-track", "no_such_track")
    assert proc.returncode == 1 and "No track in your library matches" in proc.stderr
    assert "tracks --search" in proc.stderr
    assert "Traceback" not in proc.stderr
    proc = run_cli("recommend", "--diversity", "3")
    assert proc.returncode == 2
    # the human output: no unexplained score numbers; the familiar/new control is checked
    proc = run_cli("recommend", "-n", "5", "--new", "0.5")
    assert proc.returncode == 0, proc.stderr
    assert not re.search(r"\(\d+\.\d{3}\)", proc.stdout)
    assert proc.stdout.count("\n    ") == 5
    proc = run_cli("recommend", "--new", "1.5")
    assert proc.returncode == 2 and "familiar/new" in proc.stderr


def test_library_without_sound_or_genres_still_recommends(services: Services) -> None:
    """The common 2026 case: Spotify gives no audio features and no genres, no local files."""
    from sqlalchemy import delete

    with services.db.write() as session:
        session.execute(delete(TrackSoundRow))
        session.execute(delete(TrackGenreRow))
    result = services.recommend.recommend(mode="more_like", seeds=("rock1_t3",), n=6,
                                          mood="calm", hour=14)
    assert len(result.items) == 6
    for item in result.items:
        assert item.explanation.sources["sound"] == "none"
        assert item.explanation.sources["genre"] == "none"
        assert item.explanation.reasons and item.explanation.summary
    # co-listening and artist affinity carry the list: rock1_t3's playlist mates come first
    assert {i.track.id for i in result.items[:3]} & {"rock2_t2", "rock2_t3", "pop1_t0"}
    assert result.figures["distinct_genres"] == 0
    assert "calm could not be applied" in result.figures["context_note"]
