"""A disk that fills up in the middle of a sync: reported as such, nothing half-written, and the
next sync (with space again) completes."""

from __future__ import annotations

import sqlite3
from typing import Any

import pytest
from sqlalchemy import event, text

from desktoprec.benchmarks.sync import emulator_tokens
from desktoprec.errors import StorageError
from desktoprec.services import Services
from desktoprec.spotify.client import SpotifyClient
from desktoprec.spotify.emulator import EmulatorServer, generate_account
from desktoprec.sync.service import SyncService

COUNTS = ("saved_tracks", "playlists", "playlist_items", "tracks")


def _cap_pages(services: Services, extra_pages: int | None) -> None:
    """Every connection of the pool gets SQLite's page cap (SQLITE_FULL, as a full disk gives)."""
    engine = services.db.engine
    with engine.connect() as conn:
        pages = int(conn.execute(text("PRAGMA page_count")).scalar() or 0)
    limit = 1073741823 if extra_pages is None else pages + extra_pages

    def cap(dbapi_conn: sqlite3.Connection, _record: Any) -> None:
        dbapi_conn.execute(f"PRAGMA max_page_count = {limit}")

    engine.dispose()  # pooled connections made before the cap would escape it
    event.listen(engine, "connect", cap)
    services._disk_cap = cap  # type: ignore[attr-defined]


def _uncap(services: Services) -> None:
    engine = services.db.engine
    event.remove(engine, "connect", services._disk_cap)  # type: ignore[attr-defined]
    engine.dispose()


def test_disk_full_mid_sync_is_reported_and_the_next_sync_completes() -> None:
    account = generate_account(seed=4, saved_tracks=150, playlists=4, tracks_per_playlist=40)
    with EmulatorServer(account=account) as emulator:
        services = Services()
        try:
            client = SpotifyClient(emulator.api_url, emulator_tokens(emulator), retry_delay=0.0)
            sync = SyncService(services, client=client)
            # A first, small library fits; then the account grows and the disk is nearly full.
            report = sync.sync()
            assert report.ok
            before = {k: getattr(sync.status(), k) for k in COUNTS}
            bigger = generate_account(seed=8, saved_tracks=400, playlists=2)
            for track_id, track in bigger.tracks.items():
                account.tracks.setdefault(track_id, track)
            for track_id, _added in bigger.saved[:300]:
                account.save_track(track_id, "2026-11-24T00:00:00Z")

            _cap_pages(services, extra_pages=25)  # ~100 kB left: a few pages fit, not all
            with pytest.raises(StorageError) as caught:
                sync.sync(full=True)
            assert "disk is full" in str(caught.value)
            _uncap(services)
            after = {k: getattr(sync.status(), k) for k in COUNTS}
            # Pages of 50 are committed whole or not at all; what the last good sync stored stays.
            added = after["saved_tracks"] - before["saved_tracks"]
            assert 0 < added < 300 and added % 50 == 0, added  # it filled up mid-way
            with services.db.read() as session:
                assert session.execute(text("PRAGMA integrity_check")).scalar() == "ok"

            report = sync.sync()
            assert report.ok
            assert sync.status().saved_tracks == before["saved_tracks"] + 300
        finally:
            services.close()
