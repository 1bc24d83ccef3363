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
from typing import TYPE_CHECKING, Any

import httpx

from desktoprec.errors import AuthError

if TYPE_CHECKING:
    from desktoprec.services import Services

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


def _serve_emulator(conn: Any, seed: int, saved: int, playlists: int, per_playlist: int) -> None:
    """Child process: generate the account, serve it, answer the parent's questions."""
    import desktoprec.spotify.emulator.server as emulator_server
    from desktoprec.spotify.emulator import EmulatorServer, generate_account

    # The emulator writes headers and body in two sends; with Nagle's algorithm and delayed
    # ACKs every small answer would wait ~40 ms, which measures the emulator, not the sync.
    emulator_server._Handler.disable_nagle_algorithm = True
    started = time.perf_counter()
    account = generate_account(seed=seed, saved_tracks=saved, playlists=playlists,
                               tracks_per_playlist=per_playlist)
    generated = time.perf_counter() - started
    readable = [len(p.entries) for p in account.playlists
                if p.owner_id == account.user_id or p.collaborative]
    with EmulatorServer(account=account) as server:
        conn.send({"api_url": server.api_url, "accounts_url": server.accounts_url,
                   "client_id": server.client_id, "tokens": server.issue_tokens(),
                   "readable_sizes": readable, "generate_seconds": generated})
        while True:
            command = conn.recv()
            if command == "paths":
                conn.send([r.path for r in server.requests])
                server.reset_requests()
            else:
                break


def run(args: argparse.Namespace, services: Services) -> dict[str, Any]:
    """The emulator runs in its own process, so its work does not share this one's GIL; CPU
    seconds are this (client) process only, wall seconds include waiting for the emulator."""
    import multiprocessing

    from desktoprec.paths import AppPaths
    from desktoprec.services import Services
    from desktoprec.spotify.client import SpotifyClient
    from desktoprec.sync.service import SyncService

    context = multiprocessing.get_context("spawn")
    parent, child = context.Pipe()
    process = context.Process(target=_serve_emulator, daemon=True,
                              args=(child, args.seed, args.saved, args.playlists,
                                    args.per_playlist))
    process.start()
    try:
        if not parent.poll(120):
            raise RuntimeError("the emulator process did not start")
        info = parent.recv()
        with tempfile.TemporaryDirectory(prefix="desktoprec-bench-") as tmp:
            root = Path(tmp)
            bench_services = Services(AppPaths(
                data_dir=root / "data", config_dir=root / "config", cache_dir=root / "cache",
                log_dir=root / "logs"))
            try:
                issued = info["tokens"]
                tokens = EmulatorTokens(info["accounts_url"], info["client_id"],
                                        issued["access_token"], issued["refresh_token"])
                client = SpotifyClient(info["api_url"], tokens)
                sync = SyncService(bench_services, client=client)
                cpu = time.process_time()
                full = sync.sync()
                full_cpu = time.process_time() - cpu
                parent.send("paths")
                full_paths = parent.recv()
                cpu = time.process_time()
                again = sync.sync()
                again_cpu = time.process_time() - cpu
                status = sync.status()
            finally:
                bench_services.close()
    finally:
        parent.send("stop")
        process.join(10)
        if process.is_alive():
            process.terminate()
    generated = info["generate_seconds"]
    readable = info["readable_sizes"]
    playlist_pages = sum(1 for p in full_paths if p.endswith("/items"))
    expected_playlist_pages = sum(math.ceil(max(1, size) / 50) for size in readable)
    saved_pages = sum(1 for p in full_paths if p.endswith("/me/tracks"))
    list_pages = sum(1 for p in full_paths if p.endswith("/me/playlists"))
    return {
        "saved_tracks": args.saved,
        "playlists": args.playlists,
        "readable_playlists": len(readable),
        "generate_seconds": round(generated, 3),
        "full_requests": full.total_requests,
        "full_seconds": full.seconds,
        "full_cpu_seconds": round(full_cpu, 3),
        "full_requests_by_phase": full.requests,
        "saved_pages": saved_pages,
        "saved_pages_ideal": math.ceil(args.saved / 50),
        "playlist_list_pages": list_pages,
        "playlist_list_pages_ideal": math.ceil(args.playlists / 50),
        "playlist_item_pages": playlist_pages,
        "playlist_item_pages_ideal": expected_playlist_pages,
        "incremental_requests": again.total_requests,
        "incremental_seconds": again.seconds,
        "incremental_cpu_seconds": round(again_cpu, 3),
        "incremental_requests_by_phase": again.requests,
        "stored_saved_tracks": status.saved_tracks,
        "stored_playlists": status.playlists,
        "stored_playlist_items": status.playlist_items,
        "goal_full_pages_met": saved_pages <= math.ceil(args.saved / 50)
        and playlist_pages <= expected_playlist_pages,
        "goal_incremental_le_10": again.total_requests <= 10,
    }
