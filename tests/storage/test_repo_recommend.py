"""The recommender's repo functions on a real SQLite file: the library stamp, the listening rows,
stored lists, feedback with the quick-skip query, and dislikes."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

from desktoprec.storage import open_database, repo
from desktoprec.storage.tables import SoundEvidenceRow, TopTrackRow, TrackRow

NOW = datetime(2026, 12, 1, 12, 0, 0)


def test_recommender_reads_and_writes_go_through_repo(tmp_path: Path) -> None:
    db = open_database(tmp_path / "library.sqlite")
    try:
        with db.read() as session:
            empty = repo.library_stamp(session)
            assert repo.last_recommendation_list(session) is None
        with db.write() as session:
            session.add(TrackRow(id="t1", name="One", updated_at=NOW))
            session.add(TrackRow(id="t2", name="Two", updated_at=NOW))
            session.flush()  # the tracks first: the rows below refer to them
            session.add(TopTrackRow(time_range="short_term", rank=0, track_id="t2"))
            session.add(SoundEvidenceRow(track_id="t1", service="deezer", bpm=120.0))
            session.add(SoundEvidenceRow(track_id="t2", service="deezer", bpm=None))
            repo.add_saved_tracks(session, [("t1", "2024-05-06T07:08:09Z")])
        with db.read() as session:
            stamp = repo.library_stamp(session)
        assert stamp != empty and stamp[0] == 2  # the stamp moves when the library does
        with db.write() as session:
            first = repo.add_recommendation_list(
                session, at=NOW - timedelta(days=40), recipe={"mode": "for_you"},
                track_ids=["t2"])
            second = repo.add_recommendation_list(
                session, at=NOW, recipe={"mode": "more_like", "seeds": ["t1"]},
                track_ids=["t1", "t2"])
            repo.add_feedback(session, "t1", "skip", NOW - timedelta(seconds=10), 5_000)
            repo.add_feedback(session, "t2", "skip", NOW - timedelta(seconds=5), None)
            repo.add_feedback(session, "t2", "skip", NOW - timedelta(seconds=3), 90_000)
            repo.add_feedback(session, "t1", "skip", NOW - timedelta(minutes=5), 1_000)
            repo.add_dislike(session, "genre", "polka", NOW)
            repo.add_dislike(session, "genre", "polka", NOW)  # a second dislike is no error
        assert second > first
        with db.read() as session:
            assert repo.last_recommendation_list(session) == (
                second, {"mode": "more_like", "seeds": ["t1"]}, ["t1", "t2"])
            # quick: within 30 s of the start or at no known position, and within the window
            assert sorted(repo.quick_skips(session, since=NOW - timedelta(seconds=60),
                                           before_ms=30_000)) == ["t1", "t2"]
            rows = repo.listening_rows(session, recommended_since=NOW - timedelta(days=30))
        assert rows.saved == [("t1", "2024-05-06T07:08:09Z")]
        assert rows.top == [("short_term", 0, "t2")]
        assert rows.deezer_bpm == [("t1", 120.0)]  # no tempo: not a row
        assert rows.disliked == [("genre", "polka")]
        assert [kind for _, kind, _ in rows.feedback] == ["skip"] * 4
        assert [at for _, _, at in rows.feedback] == sorted(
            (at for _, _, at in rows.feedback), reverse=True)  # newest first
        assert sorted(track for track, _ in rows.recommended) == ["t1", "t2"]  # the 40-day one
        assert all(at == NOW for _, at in rows.recommended)  # is past the horizon
    finally:
        db.close()
