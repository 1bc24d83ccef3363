"""Export test set-up: a running Spotify emulator and clients holding tokens it issued."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from desktoprec.benchmarks.sync import emulator_tokens
from desktoprec.services import Services
from desktoprec.spotify.client import SpotifyClient
from desktoprec.spotify.emulator import EmulatorServer, generate_account


@pytest.fixture()
def emulator() -> Iterator[EmulatorServer]:
    with EmulatorServer(account=generate_account(seed=5, saved_tracks=30, playlists=2,
                                                 tracks_per_playlist=5,
                                                 catalog_size=400)) as server:
        yield server


@pytest.fixture()
def services() -> Iterator[Services]:
    svc = Services()
    yield svc
    svc.close()


@pytest.fixture()
def client(emulator: EmulatorServer) -> SpotifyClient:
    return SpotifyClient(emulator.api_url, emulator_tokens(emulator), sleep=lambda s: None,
                         retry_delay=0.0)
