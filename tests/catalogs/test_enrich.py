"""Enrich end to end in one process: Spotify emulator + catalogue emulator + real DSP + SQLite."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import select

from desktoprec.benchmarks.sync import emulator_tokens
from desktoprec.catalogs.emulator import CatalogEmulator, world_for_account
from desktoprec.catalogs.http import Limits
from desktoprec.errors import Cancelled
from desktoprec.services import Services
from desktoprec.spotify.client import SpotifyClient
from desktoprec.spotify.emulator import EmulatorServer, generate_account
from desktoprec.storage import repo
from desktoprec.storage.tables import SoundEvidenceRow, TrackGenreRow, TrackRow
from desktoprec.sync.service import SyncService

ALL = ["deezer", "itunes", "musicbrainz", "listenbrainz"]
FAST = {name: Limits(1000, 1.0, 100_000) for name in ALL}


@pytest.fixture()
def world() -> Iterator[tuple[EmulatorServer, CatalogEmulator, SpotifyClient, Services]]:
    account = generate_account(seed=21, saved_tracks=40, playlists=2, tracks_per_playlist=10)
    catalog = world_for_account(account, seed=21, outsiders=8, tracks_per_outsider=2)
    with EmulatorServer(account=account) as spotify, CatalogEmulator(catalog, clip_seconds=6.0) as catalogs:
        client = SpotifyClient(spotify.api_url, emulator_tokens(spotify), sleep=lambda s: None,
                               retry_delay=0.0)
        services = Services()
        services.memo("sync", lambda: SyncService(services, client=client))
        try:
            assert services.sync.sync().ok
            yield spotify, catalogs, client, services
        finally:
            services.close()


def _enrich(services: Services, catalogs: CatalogEmulator, client: SpotifyClient,
            **kw: Any) -> Any:
    return services.library.enrich(urls=catalogs.urls(), spotify=client, limits=FAST, **kw)


def test_off_by_default_contacts_nothing(world: Any) -> None:
    _, catalogs, client, services = world
    assert services.settings.enabled_source_names() == []
    report = services.library.enrich(urls=catalogs.urls(), spotify=client)
    assert report.sources == [] and catalogs.requests == []
    assert report.refresh.sound["preview"] == 0


def test_sound_genre_candidates_evidence_then_all_cached(world: Any) -> None:
    spotify, catalogs, client, services = world
    report = _enrich(services, catalogs, client, sources=ALL)
    assert report.warnings == []
    sound, genres = report.refresh.sound, report.refresh.genres
    with services.db.read() as session:
        with_isrc = repo.count(session, TrackRow, TrackRow.isrc.is_not(None))
        cluster_rows = repo.count(session, TrackGenreRow, TrackGenreRow.source == "cluster")
        evidence_rows = list(session.scalars(select(SoundEvidenceRow)))
        candidates = repo.candidate_track_ids(session)
        found = repo.candidate_evidence(session, candidates)
        known = repo.user_artist_ids(session)
        tracks = repo.tracks_by_ids(session, candidates)
    assert sound["preview"] >= 0.8 * with_isrc  # previews analysed by our DSP
    real = sum(v for k, v in genres.items() if k in ("deezer", "musicbrainz", "itunes"))
    assert real >= 0.8 * with_isrc and cluster_rows == 0
    assert any(e.bpm for e in evidence_rows) and all(e.service == "deezer" for e in evidence_rows)
    assert report.candidates_added > 0 and len(candidates) == report.candidates_added
    for tid in candidates:  # every candidate is by a new artist and says who brought it
        assert not set(tracks[tid].artist_ids) & known
        assert found[tid] and all(e.via_artist_id in known for e in found[tid])
    assert {e.service for items in found.values() for e in items} == {"deezer", "listenbrainz"}
    spotify.reset_requests()
    asked = len(catalogs.requests)
    again = _enrich(services, catalogs, client, sources=ALL)
    assert len(catalogs.requests) == asked  # everything came from the cache
    assert spotify.count("/search") == 0
    assert again.refresh.sound["preview"] == sound["preview"]


def test_a_source_that_is_down_costs_one_warning(world: Any) -> None:
    _, catalogs, client, services = world
    catalogs.faults["deezer"] = "down"
    catalogs.faults["listenbrainz"] = "503"
    report = _enrich(services, catalogs, client, sources=ALL)
    assert len(report.warnings) == 2, report.warnings
    assert any("Deezer" in w for w in report.warnings)
    assert any("ListenBrainz" in w for w in report.warnings)
    assert catalogs.count("deezer") == 1  # given up after the first failure
    # the other sources still did their part: iTunes previews, MusicBrainz genres
    assert report.refresh.sound["preview"] > 0
    assert report.refresh.genres["musicbrainz"] > 0


def test_cancel_keeps_what_was_fetched_and_the_next_run_continues(world: Any) -> None:
    _, catalogs, client, services = world
    cancel = threading.Event()

    def progress(phase: str, done: int, total: int) -> None:
        if phase == "previews" and done >= 25:
            cancel.set()

    with pytest.raises(Cancelled):
        _enrich(services, catalogs, client, sources=["deezer"], progress=progress,
                cancel=cancel)
    first = catalogs.count("deezer", "/track/isrc:")
    assert first > 0
    report = _enrich(services, catalogs, client, sources=["deezer"])
    assert catalogs.count("deezer", "/track/isrc:") - first < first  # no lookup asked twice
    assert report.refresh.sound["preview"] > 0
