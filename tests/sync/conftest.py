"""Sync/export test set-up: a running Spotify emulator, tokens it issued, and a SyncService."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from desktoprec.benchmarks.sync import EmulatorTokens, emulator_tokens
from desktoprec.services import Services
from desktoprec.spotify.client import SpotifyClient
from desktoprec.spotify.emulator import EmulatorServer, generate_account
from desktoprec.sync.service import SyncService

SAVED, PLAYLISTS, PER_PLAYLIST = 120, 6, 60


@pytest.fixture()
def emulator() -> Iterator[EmulatorServer]:
    account = generate_account(seed=3, saved_tracks=SAVED, playlists=PLAYLISTS,
                               tracks_per_playlist=PER_PLAYLIST)
    with EmulatorServer(account=account) as server:
        yield server


@pytest.fixture()
def services() -> Iterator[Services]:
    svc = Services()
    yield svc
    svc.close()


SyncFactory = Callable[..., tuple[SyncService, EmulatorTokens, SpotifyClient]]


@pytest.fixture()
def make_sync() -> SyncFactory:
    """make_sync(services, server, **client_kw) -> (SyncService, tokens, client)."""

    def factory(services: Services, server: EmulatorServer,
                **client_kw: Any) -> tuple[SyncService, EmulatorTokens, SpotifyClient]:
        tokens = emulator_tokens(server)
        client = SpotifyClient(server.api_url, tokens, sleep=lambda s: None, retry_delay=0.0,
                               **client_kw)
        return SyncService(services, client=client), tokens, client

    return factory
