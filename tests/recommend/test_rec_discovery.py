"""Discovery candidates against the Spotify emulator: budget, caching, closed endpoints."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from sqlalchemy import func, select

from desktoprec.benchmarks.sync import emulator_tokens
from desktoprec.services import Services
from desktoprec.spotify.client import SpotifyClient
from desktoprec.spotify.emulator import EmulatorServer, generate_account
from desktoprec.storage.tables import AlbumRow, SavedTrackRow, TrackRow
from desktoprec.sync.service import SyncService


@pytest.fixture()
def synced() -> Iterator[tuple[Services, EmulatorServer, SpotifyClient]]:
    account = generate_account(seed=5, saved_tracks=40, playlists=3, tracks_per_playlist=15,
                               catalog_size=300)
    with EmulatorServer(account=account) as server:
        services = Services()
        client = SpotifyClient(server.api_url, emulator_tokens(server), sleep=lambda s: None,
                               retry_delay=0.0)
        SyncService(services, client=client).sync()
        yield services, server, client
        services.close()


def test_discovery_adds_candidates_within_budget_and_caches(synced) -> None:  # type: ignore[no-untyped-def]
    services, server, client = synced
    with services.db.read() as session:
        before = session.scalar(select(func.count()).select_from(TrackRow))
    first = services.recommend.discover(client=client, budget=12)
    assert first.requests <= 12
    assert first.albums_fetched >= 1 and first.tracks_added >= 1
    assert first.stopped == "budget"
    with services.db.read() as session:
        discovered = session.scalars(select(TrackRow.id).where(TrackRow.source == "discovery")
                                     ).all()
        saved = set(session.scalars(select(SavedTrackRow.track_id)))
        fetched = session.scalar(select(func.count()).select_from(AlbumRow)
                                 .where(AlbumRow.tracks_fetched))
        after = session.scalar(select(func.count()).select_from(TrackRow))
    assert len(discovered) == first.tracks_added == after - before
    assert not set(discovered) & saved
    assert fetched == first.albums_fetched
    # Again: the stored albums are not fetched a second time.
    server.reset_requests()
    second = services.recommend.discover(client=client, budget=12)
    album_track_calls = [r for r in server.requests if r.path.endswith("/tracks")
                         and "/albums/" in r.path]
    fetched_ids = {r.path.split("/albums/")[1].split("/")[0] for r in album_track_calls}
    with services.db.read() as session:
        first_round = set(session.scalars(select(AlbumRow.id).where(AlbumRow.tracks_fetched)))
    assert second.albums_cached >= 1
    assert second.requests <= 12
    assert len(fetched_ids) == second.albums_fetched
    # The discovered tracks are candidates: the engine's catalog includes them.
    engine = services.recommend.engine()
    assert set(discovered) <= set(engine.catalog.ids)
    assert {engine.catalog.track_source[engine.catalog.index[t]] for t in discovered} == {
        "discovery"}
    assert first_round


def test_closed_endpoint_is_a_state_not_a_crash(synced) -> None:  # type: ignore[no-untyped-def]
    services, server, client = synced
    server.faults.add("/v1/artists/", status=403, body="Forbidden", times=100)
    report = services.recommend.discover(client=client, budget=10)
    assert report.stopped in ("closed", "error")
    assert report.message and report.tracks_added == 0
