"""Property: whatever changes and interruptions happen between syncs, a completed sync stores
exactly the saved tracks Spotify lists (ids and added_at)."""

from __future__ import annotations

import tempfile
import threading
from pathlib import Path

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from desktoprec.benchmarks.sync import emulator_tokens
from desktoprec.errors import Cancelled
from desktoprec.paths import AppPaths
from desktoprec.services import Services
from desktoprec.spotify.client import SpotifyClient
from desktoprec.spotify.emulator import EmulatorServer, generate_account
from desktoprec.storage.tables import SavedTrackRow
from desktoprec.sync.service import SyncService

step = st.fixed_dictionaries({
    "add": st.integers(0, 60),
    "remove": st.lists(st.integers(0, 10_000), max_size=8),
    "stop_after": st.one_of(st.none(), st.integers(0, 180)),  # saved tracks read, then cancel
})


def _stored(services: Services) -> set[tuple[str, str]]:
    with services.db.read() as session:
        return set(session.execute(select(SavedTrackRow.track_id, SavedTrackRow.added_at)))


@settings(max_examples=6, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(steps=st.lists(step, min_size=1, max_size=3), seed=st.integers(0, 50))
# found by this test: a removal above the resume marker once hid a skipped entry
@example(steps=[{"add": 0, "remove": [], "stop_after": 0},
                {"add": 0, "remove": [0], "stop_after": None}], seed=0)
@example(steps=[{"add": 0, "remove": [], "stop_after": 60},
                {"add": 7, "remove": [3, 90], "stop_after": None}], seed=1)
def test_completed_sync_matches_spotify(steps: list[dict], seed: int) -> None:
    account = generate_account(seed=seed, saved_tracks=130, playlists=1, tracks_per_playlist=3,
                               catalog_size=420)
    spare = [t for t in account.tracks if not account.is_saved(t)]
    minute = 0
    with EmulatorServer(account=account) as server, tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        services = Services(AppPaths(root / "d", root / "c", root / "ca", root / "l"))
        try:
            client = SpotifyClient(server.api_url, emulator_tokens(server), sleep=lambda s: 0)
            sync = SyncService(services, client=client)
            for change in [*steps, {"add": 0, "remove": [], "stop_after": None}]:
                for _ in range(change["add"]):
                    if spare:
                        minute += 1
                        account.save_track(spare.pop(), f"2026-12-01T00:{minute // 60:02d}:"
                                                        f"{minute % 60:02d}Z")
                for index in change["remove"]:
                    if account.saved:
                        account.unsave_track(account.saved[index % len(account.saved)][0])
                cancel = threading.Event()
                limit = change["stop_after"]

                def progress(phase: str, done: int, total: int,
                             limit: int | None = limit, cancel: threading.Event = cancel) -> None:
                    if limit is not None and phase == "saved_tracks" and done >= limit:
                        cancel.set()

                try:
                    sync.sync(progress=progress, cancel=cancel)
                except Cancelled:
                    continue
                assert _stored(services) == set(account.saved)
        finally:
            services.close()
