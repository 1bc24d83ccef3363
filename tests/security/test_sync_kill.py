"""SIGKILL in the middle of a sync, at several moments: the database stays sound, what was
committed is kept, and the next sync completes the job."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from desktoprec.paths import app_paths
from desktoprec.services import Services
from desktoprec.spotify.client import SpotifyClient
from desktoprec.spotify.emulator import EmulatorServer, generate_account
from desktoprec.sync.service import SyncService

SAVED, PLAYLISTS, PER_PLAYLIST = 400, 8, 60

# The child signs nothing in: it gets the emulator's tokens from its parent, in memory.
CHILD = """
import os, sys
from desktoprec.benchmarks.sync import EmulatorTokens
from desktoprec.services import Services
from desktoprec.spotify.client import SpotifyClient
from desktoprec.sync.service import SyncService

tokens = EmulatorTokens(os.environ["T_ACCOUNTS"], os.environ["T_CLIENT"],
                        os.environ["T_ACCESS"], os.environ["T_REFRESH"])
client = SpotifyClient(os.environ["T_API"], tokens, retry_delay=0.0)
services = Services()

def progress(phase, done, total):
    print(phase, done, total, flush=True)

SyncService(services, client=client).sync(progress=progress)
print("FINISHED", flush=True)
"""


def _child_env(server: EmulatorServer) -> dict[str, str]:
    issued = server.issue_tokens()
    env = dict(os.environ)
    env.update(T_ACCOUNTS=server.accounts_url, T_CLIENT=server.client_id, T_API=server.api_url,
               T_ACCESS=issued["access_token"], T_REFRESH=issued.get("refresh_token", ""))
    return env


def _kill_after(server: EmulatorServer, marker: tuple[str, int]) -> list[str]:
    """Run a sync in a child process and SIGKILL it once it reports `marker` (phase, done)."""
    proc = subprocess.Popen([sys.executable, "-c", CHILD], env=_child_env(server),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    seen: list[str] = []
    assert proc.stdout is not None
    try:
        for line in proc.stdout:
            seen.append(line.strip())
            parts = line.split()
            if line.startswith("FINISHED"):
                break
            if len(parts) == 3 and parts[0] == marker[0] and int(parts[1]) >= marker[1]:
                proc.send_signal(signal.SIGKILL)
                break
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.wait(timeout=30)
        proc.stdout.close()
        if proc.stderr is not None:
            proc.stderr.close()
    return seen


def _integrity(path: Path) -> str:
    conn = sqlite3.connect(path)
    try:
        return str(conn.execute("PRAGMA integrity_check").fetchone()[0])
    finally:
        conn.close()


@pytest.fixture()
def emulator() -> EmulatorServer:
    account = generate_account(seed=11, saved_tracks=SAVED, playlists=PLAYLISTS,
                               tracks_per_playlist=PER_PLAYLIST)
    with EmulatorServer(account=account) as server:
        # Slow pages give the kill a window inside a request as well as between commits.
        server.faults.add("/me/tracks", mode="slow", delay=0.05, times=-1)
        yield server


def test_sigkill_at_several_moments_then_the_next_sync_completes(emulator: EmulatorServer) -> None:
    database = app_paths().database
    kill_points = [("saved_tracks", 50), ("saved_tracks", 200), ("playlists", 1),
                   ("playlists", 4)]
    reached = []
    for marker in kill_points:
        seen = _kill_after(emulator, marker)
        reached.append(seen[-1] if seen else "(nothing)")
        assert database.exists()
        assert _integrity(database) == "ok", f"database damaged after a kill at {marker}"

    emulator.faults.clear()
    services = Services()
    try:
        assert services.db.recovered_from is None  # nothing was damaged, nothing moved aside
        tokens_env = _child_env(emulator)
        from desktoprec.benchmarks.sync import EmulatorTokens

        tokens = EmulatorTokens(emulator.accounts_url, emulator.client_id,
                                tokens_env["T_ACCESS"], tokens_env["T_REFRESH"])
        client = SpotifyClient(emulator.api_url, tokens, retry_delay=0.0)
        sync = SyncService(services, client=client)
        report = sync.sync()
        assert report.ok, report
        status = sync.status()
        assert status.saved_tracks == SAVED
        assert status.playlists >= PLAYLISTS - 2  # some generated playlists are unreadable
        assert status.last_error in (None, "")
    finally:
        services.close()
    # Each kill landed where it was aimed (none of the children got to finish).
    assert not any(r.startswith("FINISHED") for r in reached), reached
    assert [r.split()[0] for r in reached] == [p for p, _ in kill_points], reached
