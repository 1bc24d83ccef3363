"""A local Spotify (accounts service + Web API, late-2026 behaviour) for tests and the demo.

    from desktoprec.spotify.emulator import EmulatorServer, generate_account
    with EmulatorServer(generate_account(seed=1, saved_tracks=500)) as server:
        server.api_url, server.accounts_url
"""

from __future__ import annotations

from desktoprec.spotify.emulator.account import (
    EmulatorAccount,
    EmulatorPlaylist,
    Play,
    PlaylistEntry,
    album_json,
    artist_json,
    episode_json,
    generate_account,
    local_track_json,
    make_id,
    track_json,
)
from desktoprec.spotify.emulator.accounts import ALL_SCOPES, loopback_redirect_ok
from desktoprec.spotify.emulator.faults import Fault, Faults
from desktoprec.spotify.emulator.server import NOT_REGISTERED_TEXT, EmulatorServer, RecordedRequest

__all__ = [
    "ALL_SCOPES",
    "NOT_REGISTERED_TEXT",
    "EmulatorAccount",
    "EmulatorPlaylist",
    "EmulatorServer",
    "Fault",
    "Faults",
    "Play",
    "PlaylistEntry",
    "RecordedRequest",
    "album_json",
    "artist_json",
    "episode_json",
    "generate_account",
    "local_track_json",
    "loopback_redirect_ok",
    "make_id",
    "track_json",
]
