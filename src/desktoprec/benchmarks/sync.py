"""Sync benchmark: full then unchanged re-sync of a generated emulator account (requests, seconds).

Runs in a temporary DESKTOPREC home so the user's own library and keyring are never touched; the
token is issued by the emulator and held in memory only.
"""

from __future__ import annotations

import argparse
import logging
import math
import tempfile
import time
from pathlib import Path
from typing import Any

import httpx

from desktoprec.errors import AuthError

log = logging.getLogger(__name__)

class EmulatorTokens:
    """Access and refresh token from a PKCE sign-in against the emulator, kept in memory."""

    def __init__(self, accounts_url: str, client_id: str, access: str, refresh: str) -> None:
        self.accounts_url = accounts_url.rstrip("/")
        self.client_id = client_id
        self._access = access
        self._refresh = refresh
        self.refreshes = 0

    def access_token(self) -> str:
        return self._access

    def refresh(self) -> str:
        answer = httpx.post(f"{self.accounts_url}/api/token", data={
            "grant_type": "refresh_token", "refresh_token": self._refresh,
            "client_id": self.client_id}, timeout=10)
        if answer.status_code != 200:
            raise AuthError("The emulator refused the refresh token.")
        data = answer.json()
        self._access = data["access_token"]
        self._refresh = data.get("refresh_token") or self._refresh
        self.refreshes += 1
        return self._access


def emulator_tokens(server: Any) -> EmulatorTokens:
    """Tokens the emulator issues directly (as its /api/token would), held in memory only."""
    issued = server.issue_tokens()
    return EmulatorTokens(server.accounts_url, server.client_id, issued["access_token"],
                          issued.get("refresh_token", ""))


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--saved", type=int, default=10_000, help="saved tracks (default 10000)")
    parser.add_argument("--playlists", type=int, default=200, help="playlists (default 200)")
    parser.add_argument("--per-playlist", type=int, default=20,
                        help="tracks in each playlist (default 20)")
    parser.add_argument("--seed", type=int, default=0)


def run(args: argparse.Namespace, services: Any) -> dict[str, Any]:
    from desktoprec.paths import AppPaths
    from desktoprec.services import Services
    from desktoprec.spotify.client import SpotifyClient
    from desktoprec.spotify.emulator import EmulatorServer, generate_account
    from desktoprec.sync.service import SyncService

    # The emulator writes headers and body in two sends; with Nagle's algorithm and delayed
    # ACKs every small answer would wait ~40 ms, which measures the emulator, not the sync.
    import desktoprec.spotify.emulator.server as emulator_server

    emulator_server._Handler.disable_nagle_algorithm = True  # type: ignore[attr-defined]
    started = time.perf_counter()
    account = generate_account(seed=args.seed, saved_tracks=args.saved,
                               playlists=args.playlists,
                               tracks_per_playlist=args.per_playlist)
    generated = time.perf_counter() - started
    with tempfile.TemporaryDirectory(prefix="desktoprec-bench-") as tmp, \
            EmulatorServer(account=account) as server:
        root = Path(tmp)
        bench_services = Services(AppPaths(data_dir=root / "data", config_dir=root / "config",
                                           cache_dir=root / "cache", log_dir=root / "logs"))
        try:
            tokens = emulator_tokens(server)
            client = SpotifyClient(server.api_url, tokens)
            sync = SyncService(bench_services, client=client)
            server.reset_requests()
            full = sync.sync()
            full_paths = [r.path for r in server.requests]
            server.reset_requests()
            again = sync.sync()
            status = sync.status()
        finally:
            bench_services.close()
    readable = [p for p in account.playlists
                if p.owner_id == account.user_id or p.collaborative]
    playlist_pages = sum(1 for p in full_paths if p.endswith("/items"))
    expected_playlist_pages = sum(math.ceil(max(1, len(p.entries)) / 50) for p in readable)
    saved_pages = sum(1 for p in full_paths if p.endswith("/me/tracks"))
    list_pages = sum(1 for p in full_paths if p.endswith("/me/playlists"))
    return {
        "saved_tracks": args.saved,
        "playlists": args.playlists,
        "readable_playlists": len(readable),
        "generate_seconds": round(generated, 3),
        "full_requests": full.total_requests,
        "full_seconds": full.seconds,
        "full_requests_by_phase": full.requests,
        "saved_pages": saved_pages,
        "saved_pages_ideal": math.ceil(args.saved / 50),
        "playlist_list_pages": list_pages,
        "playlist_list_pages_ideal": math.ceil(args.playlists / 50),
        "playlist_item_pages": playlist_pages,
        "playlist_item_pages_ideal": expected_playlist_pages,
        "incremental_requests": again.total_requests,
        "incremental_seconds": again.seconds,
        "incremental_requests_by_phase": again.requests,
        "stored_saved_tracks": status["saved_tracks"],
        "stored_playlists": status["playlists"],
        "stored_playlist_items": status["playlist_items"],
        "goal_full_pages_met": saved_pages <= math.ceil(args.saved / 50)
        and playlist_pages <= expected_playlist_pages,
        "goal_incremental_le_10": again.total_requests <= 10,
    }
