"""For you on real accounts: the demo (own files) and an emulated Spotify-only listener.

Every pick's explanation is checked claim by claim against the numbers (tests/recommend/claims.py);
moods and activities must change the list and move its energy the asked way; the familiar/new
control must give artists new to the listener their share.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from claims import check_list

from desktoprec.benchmarks.sync import emulator_tokens
from desktoprec.errors import RecommendError
from desktoprec.services import Services
from desktoprec.spotify.client import SpotifyClient
from desktoprec.spotify.emulator import EmulatorServer, generate_account
from desktoprec.sync.service import SyncService

# A smaller demo than the default 216 tracks (the same styles, artists and playlists per style).
DEMO_TRACKS_PER_STYLE = 9


def _services(home: Path) -> Services:
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DESKTOPREC_HOME", str(home))
        return Services()


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Services]:
    services = _services(tmp_path_factory.mktemp("demo-home"))
    services.demo.prepare(tracks_per_style=DEMO_TRACKS_PER_STYLE)
    services.demo.stop()
    yield services
    services.close()


@pytest.fixture(scope="module")
def spotify_only(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Services]:
    """A listener with 300 saved tracks and 8 playlists, no music folder, nothing analysed."""
    services = _services(tmp_path_factory.mktemp("spotify-home"))
    with EmulatorServer(generate_account(seed=21, saved_tracks=300, playlists=8)) as server:
        client = SpotifyClient(server.api_url, emulator_tokens(server), sleep=lambda s: None)
        report = SyncService(services, client=client).sync()
        assert report.ok, report.error
    yield services
    services.close()


def add_candidates(services: Services, artists: int = 10, per_artist: int = 4) -> dict[str, str]:
    """New-artist candidates stored as the catalogue sources store them (contract with
    `sources`): tracks with source "discovery" and their evidence. Returns artist id -> the
    user's artist that brought it."""
    from desktoprec.domain import CandidateEvidence
    from desktoprec.spotify.emulator.account import album_json, artist_json, make_id, track_json
    from desktoprec.spotify.parse import parse_track
    from desktoprec.storage import repo

    with services.db.read() as session:
        known = sorted(repo.user_artist_ids(session))
        from desktoprec.storage.tables import ArtistRow

        names = {row.id: row.name for row in session.query(ArtistRow).filter(
            ArtistRow.id.in_(known[:artists]))}
    brought: dict[str, str] = {}
    with services.db.write() as session:
        for a in range(artists):
            via = known[a % len(known)]
            artist = artist_json(make_id("candidate-artist", a), f"Candidate Artist {a}")
            album = album_json(make_id("candidate-album", a), f"Candidate Album {a}", [artist],
                               f"{2010 + a}-05-01")
            tracks = [parse_track(track_json(make_id("candidate", a, t), f"Candidate {a}.{t}",
                                             album, [artist], 200_000 + 1000 * t,
                                             f"QZCAN{a:02d}{t:05d}", t + 1))
                      for t in range(per_artist)]
            repo.upsert_tracks(session, tracks, source="discovery")
            for track in tracks:
                repo.upsert_candidate_evidence(session, track.id, [CandidateEvidence(
                    service="deezer", relation="related", via_artist_id=via,
                    via_artist_name=names.get(via, via), candidate_artist_name=artist["name"],
                    score=1.0 - a / artists)])
            brought[artist["id"]] = via
    return brought


def _energy(services: Services, result: Any) -> float:
    catalog = services.recommend.engine().catalog
    col = catalog.sound_names.index("energy")
    return float(np.nanmean([catalog.sound[catalog.index[item.track.id], col]
                             for item in result.items]))


def test_demo_for_you_explanations_are_true(demo: Services) -> None:
    engine = demo.recommend.engine()
    for query in ({}, {"mood": "calm"}, {"activity": "exercise"}, {"new": 0.0}, {"new": 1.0},
                  {"diversity": 0.0}, {"diversity": 1.0}):
        result = demo.recommend.recommend(mode="for_you", n=20, remember=False, **query)
        assert len(result.items) == 20
        assert check_list(result, engine, query) == [], query


def test_demo_new_artists_get_their_share(demo: Services) -> None:
    rec = demo.recommend
    state = rec.user_state(rec.engine().catalog)
    assert state.known_artists
    catalog = rec.engine().catalog
    # The artists of the user's own files are known: their music is on the disk.
    assert all(set(catalog.artist_keys[p]) <= state.known_artists
               for p, source in enumerate(catalog.track_source or ()) if source == "local")
    candidates = {catalog.version_keys[p] for p in range(len(catalog))
                  if not set(catalog.artist_keys[p]) & state.known_artists
                  and p not in state.saved}
    result = rec.recommend(mode="for_you", n=20, remember=False)
    assert result.recipe["new"] == demo.settings.new_artists == 0.4
    new = [item for item in result.items if item.new_artist]
    # At least 30 % where the candidates allow it.
    assert len(new) >= min(6, len(candidates))
    assert result.figures["new_artist_picks"] == len(new)
    for item in result.items:
        assert item.new_artist == (not set(item.track.artist_ids) & state.known_artists)
        assert item.to_dict()["new_artist"] is item.new_artist
    for item in new:
        assert item.explanation.reasons[0].text.startswith("new to you")
    familiar = rec.recommend(mode="for_you", n=20, remember=False, new=0.0)
    assert not any(item.new_artist for item in familiar.items)
    fresh = rec.recommend(mode="for_you", n=20, remember=False, new=1.0)
    assert sum(item.new_artist for item in fresh.items) >= min(20, len(candidates))


@pytest.mark.parametrize(("kind", "low", "high"), [
    ("mood", "calm", "energetic"),
    ("activity", "relax", "exercise"),
    ("activity", "focus", "party"),
])
def test_demo_moods_and_activities_do_what_they_say(demo: Services, kind: str, low: str,
                                                    high: str) -> None:
    rec = demo.recommend
    quiet = rec.recommend(mode="for_you", n=20, remember=False, **{kind: low})
    lively = rec.recommend(mode="for_you", n=20, remember=False, **{kind: high})
    assert len(quiet.items) == len(lively.items) == 20
    shared = {i.track.id for i in quiet.items} & {i.track.id for i in lively.items}
    assert len(shared) <= 10
    assert _energy(demo, lively) - _energy(demo, quiet) >= 0.1
    engine = rec.engine()
    assert check_list(quiet, engine, {kind: low}) == []
    assert check_list(lively, engine, {kind: high}) == []


def test_spotify_only_account_gets_a_full_true_list(spotify_only: Services) -> None:
    rec = spotify_only.recommend
    engine = rec.engine()
    assert not engine.catalog.has_sound.any()  # no music folder, nothing analysed
    for query in ({}, {"new": 1.0}, {"mood": "calm"}, {"diversity": 0.0}):
        result = rec.recommend(mode="for_you", n=20, remember=False, **query)
        assert len(result.items) == 20
        assert check_list(result, engine, query) == [], query
        for item in result.items:
            assert item.explanation.sources["sound"] == "none"
            assert not any(r.block == "sound" for r in item.explanation.reasons)
    # Without sound a mood cannot be applied, and the list says so.
    calm = rec.recommend(mode="for_you", n=20, remember=False, mood="calm")
    assert "could not be applied" in calm.figures.get("context_note", "")


def test_spotify_only_account_with_candidates_meets_new_artists(spotify_only: Services) -> None:
    brought = add_candidates(spotify_only)
    rec = spotify_only.recommend
    result = rec.recommend(mode="for_you", n=20, remember=False)
    engine = rec.engine()
    assert check_list(result, engine, {}) == []
    new = [item for item in result.items if item.new_artist]
    assert len(new) >= 0.3 * len(result.items)
    for item in new:
        assert item.track.artist_ids[0] in brought
        first = item.explanation.reasons[0]
        assert first.block == "evidence"
        assert first.text.startswith("new to you: Deezer lists Candidate Artist")
        assert " as related to " in first.text
        payload = item.to_dict()
        assert payload["new_artist"] is True and payload["reasons"][0] == first.text
    # "whom you play most" only for the artist the profile weighs most
    seeds, weights = engine.profile(rec.user_state(engine.catalog))
    weight_of: dict[str, float] = {}
    for pos, w in zip(seeds, weights):
        key = engine.catalog.artist_keys[pos][0]
        weight_of[key] = weight_of.get(key, 0.0) + w
    top = max(weight_of, key=lambda k: weight_of[k])
    for item in new:
        if "whom you play most" in item.explanation.reasons[0].text:
            assert brought[item.track.artist_ids[0]] == top


def test_a_library_with_nothing_else_still_gets_a_full_list(tmp_path: Path) -> None:
    """Every track is saved, played or on top (as on the account of the recorded responses):
    For you fills the list from the library and says so, instead of answering one track."""
    services = _services(tmp_path / "small")
    try:
        account = generate_account(seed=5, saved_tracks=40, playlists=2, catalog_size=40)
        with EmulatorServer(account) as server:
            client = SpotifyClient(server.api_url, emulator_tokens(server), sleep=lambda s: None)
            assert SyncService(services, client=client).sync().ok
        rec = services.recommend
        engine = rec.engine()
        state = rec.user_state(engine.catalog)
        assert len(engine.catalog) - len(state.saved) < 20
        # "Include saved" off: not one saved track, however short the list gets (here none is
        # left, and the message says what would help)
        with pytest.raises(RecommendError, match="filtered out") as refused:
            rec.recommend(mode="for_you", n=20, remember=False, include_saved=False)
        assert "saved" in (refused.value.hint or "")
        # on: the saved tracks the profile is made of come in, so the list is full; a pick
        # that only fills the list says so (a saved track brought in by "Include saved" is an
        # ordinary candidate now, so here there may be none)
        result = rec.recommend(mode="for_you", n=20, remember=False, include_saved=True)
        assert len(result.items) == 20
        assert check_list(result, engine, {}) == []
        assert sum(engine.catalog.index[i.track.id] in state.saved for i in result.items) > 0
        from_library = [item for item in result.items
                        if any(r.block == "library" for r in item.explanation.reasons)]
        assert result.figures["library_picks"] == len(from_library)
        for item in from_library:
            assert engine.catalog.index[item.track.id] in state.saved | set(state.top) | {
                p for p, _ in state.recent_plays}
        # the others come first
        flags = [any(r.block == "library" for r in item.explanation.reasons)
                 for item in result.items]
        assert flags == sorted(flags)
    finally:
        services.close()
