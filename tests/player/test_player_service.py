"""PlayerService against the Spotify emulator: state, devices, transfer, controls, premium."""

from __future__ import annotations

from typing import Any

import pytest

from desktoprec.errors import NoActiveDevice, PremiumRequired
from desktoprec.player.service import PlayerService
from desktoprec.services import Services
from desktoprec.spotify.emulator import EmulatorServer, generate_account
from desktoprec.storage.tables import AccountRow
from emulator_auth import EmulatorAuth


def _services(server: EmulatorServer) -> Any:
    class _Services(Services):
        @property
        def auth(self) -> Any:
            return self.memo("auth", lambda: EmulatorAuth(server))

    services = _Services()
    with services.db.write() as session:
        session.add(AccountRow(id="emulated-listener", display_name="Listener"))
    return services


@pytest.fixture
def premium_server() -> Any:
    with EmulatorServer(generate_account(seed=3, saved_tracks=10, playlists=1, devices=2)) as s:
        yield s


def _track_uris(server: EmulatorServer, n: int = 3) -> list[str]:
    return [f"spotify:track:{tid}" for tid in list(server.account.tracks)[:n]]


def test_premium_account_plays_pauses_skips_and_transfers(premium_server: Any) -> None:
    services = _services(premium_server)
    player = PlayerService(services)
    assert player.premium() is None
    devices = player.devices()
    assert len(devices) == 2
    inactive = next(d for d in devices if not d.is_active)
    uris = _track_uris(premium_server)
    player.play(uris)
    state = player.state()
    assert state is not None and state.is_playing is True
    assert state.item.uri == uris[0]
    player.next()
    assert player.state().item.uri == uris[1]
    player.previous()
    player.pause()
    assert player.state().is_playing is False
    player.queue(uris[2])
    player.transfer(inactive.id, play=True)
    assert next(d for d in player.devices() if d.id == inactive.id).is_active
    assert player.premium() is True
    with services.db.read() as session:
        assert session.get(AccountRow, "emulated-listener").premium is True
    paths = [r.path for r in premium_server.requests]
    assert any(p.endswith("/me/player/play") for p in paths)
    assert any(p.endswith("/me/player/devices") for p in paths)
    services.close()


def test_free_account_gets_premium_required_and_it_is_remembered() -> None:
    account = generate_account(seed=4, saved_tracks=5, playlists=1, premium=False)
    with EmulatorServer(account) as server:
        services = _services(server)
        player = PlayerService(services)
        with pytest.raises(PremiumRequired):
            player.play(_track_uris(server, 1))
        assert player.premium() is False
        with services.db.read() as session:
            assert session.get(AccountRow, "emulated-listener").premium is False
        # a fresh service reads what was learned
        assert PlayerService(services).premium() is False
        services.close()


def test_no_active_device_is_its_own_error() -> None:
    account = generate_account(seed=5, saved_tracks=5, playlists=1, devices=0)
    with EmulatorServer(account) as server:
        services = _services(server)
        player = PlayerService(services)
        assert player.state() is None  # nothing playing anywhere is not an error
        assert player.devices() == []
        with pytest.raises(NoActiveDevice):
            player.play(_track_uris(server, 1))
        services.close()


def test_local_files_cannot_go_through_connect(premium_server: Any) -> None:
    from desktoprec.errors import NotAvailable

    player = PlayerService(_services(premium_server))
    with pytest.raises(NotAvailable):
        player.play(["spotify:local:a:b:c:180"])


def test_volume_shuffle_repeat_on_connect(premium_server: Any) -> None:
    from desktoprec.errors import SpotifyError

    player = PlayerService(_services(premium_server))
    player.play(_track_uris(premium_server))
    player.volume(25)
    active = next(d for d in player.devices() if d.is_active)
    assert active.volume_percent == 25
    player.volume(250)  # clamped to 100 before it is sent
    assert next(d for d in player.devices() if d.is_active).volume_percent == 100
    player.shuffle(True)
    player.repeat("one")
    state = player.state()
    assert state.shuffle_state is True and state.repeat_state == "track"
    player.repeat("all")
    assert player.state().repeat_state == "context"
    with pytest.raises(SpotifyError) as info:
        player._request("PUT", "/me/player/repeat", params={"state": "sometimes"}, control=True)
    assert info.value.status == 400


def test_radio_batch_follows_the_queue_and_leaves_out_what_is_in_it(tmp_path: Any) -> None:
    from desktoprec.domain import Explanation, Recommendation, RecommendationList, Track

    class _Recommend:
        def __init__(self) -> None:
            self.calls: list[dict[str, Any]] = []

        def recommend(self, **kwargs: Any) -> RecommendationList:
            self.calls.append(kwargs)
            items = tuple(Recommendation(track=Track(id=f"r{i}", name=f"R{i}", artists=()),
                                         score=1.0, explanation=Explanation(summary="", reasons=()))
                          for i in range(6))
            return RecommendationList(items=items, recipe={}, figures={})

    class _Services(Services):
        @property
        def recommend(self) -> Any:
            return self.memo("recommend", _Recommend)

    services = _Services()
    player = PlayerService(services)
    queue = player.queue_model
    queue.set([Track(id=f"q{i}", name="", artists=()) for i in range(4)] +
              [Track(id="r1", name="", artists=())], 0)
    assert not player.radio_needs_more(queue)
    queue.index = 3
    assert player.radio_needs_more(queue)
    batch = player.radio_next_batch(queue, n=6)
    assert [t.id for t in batch] == ["r0", "r2", "r3", "r4", "r5"]  # r1 is already queued
    call = services.recommend.calls[-1]
    assert call["mode"] == "more_like" and "r1" in call["seeds"] and "q0" in call["seeds"]
    assert set(call["avoid"]) == {"q0", "q1", "q2", "q3", "r1"}
    services.close()
