"""The candidate-evidence contract: table, migration from schema 1, and the two readers."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from desktoprec.domain import CandidateEvidence
from desktoprec.services import Services
from desktoprec.spotify import parse
from desktoprec.storage import repo
from desktoprec.storage.db import open_database
from desktoprec.storage.migrations import LATEST_VERSION


def _track(tid: str, artist: str) -> parse.ApiTrack:
    # built directly: these readable ids are not Spotify ids, which parse_track would refuse
    return parse.ApiTrack(
        id=tid, uri=f"spotify:track:{tid}", name=tid.upper(), duration_ms=1000,
        artists=(parse.ArtistRef(id=artist, name=artist.upper(), uri=None),),
        album=parse.Album(id="al", name="Al"), isrc=f"XX{tid.upper()}")


def test_evidence_round_trip_and_known_artists() -> None:
    svc = Services()
    try:
        with svc.db.write() as session:
            repo.upsert_tracks(session, [_track("saved", "a_saved"), _track("played", "a_play"),
                                         _track("top", "a_top")])
            repo.upsert_tracks(session, [_track("cand", "a_new")], source="discovery")
            repo.add_saved_tracks(session, [("saved", "2024-01-01T00:00:00Z")])
            repo.add_recently_played(session, [("2024-01-02T00:00:00Z", "played", None)])
            repo.replace_top_tracks(session, "short_term", ["top"])
            repo.upsert_artist_refs(session, [parse.ArtistRef(id="a_follow", name="F",
                                                              uri=None)])
            repo.replace_followed_artists(session, ["a_follow"])
            ev = [CandidateEvidence("deezer", "related", "a_saved", "A_SAVED", "A_NEW", 0.9),
                  CandidateEvidence("listenbrainz", "similar", "a_play", "A_PLAY", "A_NEW",
                                    0.95)]
            assert repo.upsert_candidate_evidence(session, "cand", ev) == 2
            # refreshing the same (track, service, via artist) replaces, never duplicates
            repo.upsert_candidate_evidence(session, "cand", [
                CandidateEvidence("deezer", "top_tracks", "a_saved", "A_SAVED", "A_NEW", 0.5)])
        with svc.db.read() as session:
            found = repo.candidate_evidence(session, ["cand", "saved", "missing"])
            known = repo.user_artist_ids(session)
            ids = repo.candidate_track_ids(session)
        assert list(found) == ["cand"]
        assert [(e.service, e.relation, e.score) for e in found["cand"]] == [
            ("listenbrainz", "similar", 0.95), ("deezer", "top_tracks", 0.5)]
        assert known == {"a_saved", "a_play", "a_top", "a_follow"}
        assert "a_new" not in known and ids == ["cand"]
    finally:
        svc.close()


def test_schema_one_database_gains_the_table(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite3"
    db = open_database(path)
    db.close()
    conn = sqlite3.connect(path)
    conn.execute("DROP TABLE candidate_evidence")
    conn.execute("PRAGMA user_version = 1")
    conn.commit()
    conn.close()
    db = open_database(path)
    try:
        with db.write() as session:
            repo.upsert_candidate_evidence(session, "t", [
                CandidateEvidence("spotify", "album", "a", "A", "B", 1.0)])
        with db.read() as session:
            assert repo.candidate_evidence(session, ["t"])["t"][0].relation == "album"
    finally:
        db.close()
    conn = sqlite3.connect(path)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == LATEST_VERSION >= 2
    conn.close()
