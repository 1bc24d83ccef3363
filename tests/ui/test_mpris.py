"""MPRIS on the test's private D-Bus session bus (scripts/run-tests.sh), driven by real playerctl."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtDBus import QDBusConnection

from conftest import write_wav
from desktoprec.domain import Track
from desktoprec.ui.mpris import BUS_NAME, MprisBridge, track_object_path
from desktoprec.ui.player_window import PlaybackController

pytestmark = pytest.mark.skipif(not os.environ.get("DBUS_SESSION_BUS_ADDRESS"),
                                reason="needs a D-Bus session: scripts/run-tests.sh")


def playerctl(qtbot: Any, bridge: MprisBridge, *args: str) -> str:
    """Run playerctl while Qt's event loop keeps answering its D-Bus calls."""
    assert shutil.which("playerctl"), "playerctl is needed: scripts/install-system-deps.sh test"
    player = bridge.bus_name.removeprefix("org.mpris.MediaPlayer2.")
    proc = subprocess.Popen(["playerctl", "-p", player, *args], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    qtbot.waitUntil(lambda: proc.poll() is not None, timeout=20_000)
    out, err = proc.communicate()
    assert proc.returncode == 0, err
    return out.strip()


@pytest.fixture
def playing(qtbot: Any, ctx: Any, tmp_path: Path) -> Any:
    controller = PlaybackController(ctx)
    raised: list[bool] = []
    # a private connection and name: a main window of another test may hold the app's own
    bus = QDBusConnection.connectToBus(QDBusConnection.BusType.SessionBus, f"mpris-{id(ctx)}")
    bridge = MprisBridge(controller, raise_window=lambda: raised.append(True),
                         quit_app=lambda: None, bus=bus, name=f"{BUS_NAME}.test{os.getpid()}")
    assert bridge.start(), "the MPRIS name could not be registered on the session bus"
    tracks = [Track(id=f"local:m{i}", name=f"Tune {i}", artists=("Band", "Guest"),
                    album="Album M", local_path=str(write_wav(tmp_path / f"m{i}.wav", 3.0)))
              for i in range(3)]
    controller.play_queue(tracks, 0)
    yield controller, bridge, raised
    bridge.stop()
    controller.stop()
    QDBusConnection.disconnectFromBus(f"mpris-{id(ctx)}")


def test_playerctl_sees_the_player_and_its_metadata(qtbot: Any, playing: Any) -> None:
    controller, bridge, _ = playing
    listed = subprocess.run(["playerctl", "--list-all"], capture_output=True, text=True, check=True,
                            timeout=20).stdout.split()
    assert bridge.bus_name.removeprefix("org.mpris.MediaPlayer2.") in listed
    assert playerctl(qtbot, bridge, "status") == "Playing"
    assert playerctl(qtbot, bridge, "metadata", "title") == "Tune 0"
    assert playerctl(qtbot, bridge, "metadata", "artist") == "Band, Guest"
    assert playerctl(qtbot, bridge, "metadata", "album") == "Album M"
    assert playerctl(qtbot, bridge, "metadata", "mpris:trackid").strip("'") == \
        track_object_path(controller.current)


def test_playerctl_play_pause_next_previous_volume_shuffle_loop(qtbot: Any,
                                                                playing: Any) -> None:
    controller, bridge, _ = playing
    playerctl(qtbot, bridge, "play-pause")
    assert controller.state == "paused"
    assert playerctl(qtbot, bridge, "status") == "Paused"
    playerctl(qtbot, bridge, "play-pause")
    assert controller.state == "playing"
    playerctl(qtbot, bridge, "next")
    assert controller.current.name == "Tune 1"
    assert playerctl(qtbot, bridge, "metadata", "title") == "Tune 1"
    playerctl(qtbot, bridge, "previous")
    assert controller.current.name == "Tune 0"
    playerctl(qtbot, bridge, "volume", "0.3")
    assert controller.volume == 30
    playerctl(qtbot, bridge, "shuffle", "On")
    assert controller.shuffle
    playerctl(qtbot, bridge, "loop", "Track")
    assert controller.repeat == "one"
    assert playerctl(qtbot, bridge, "loop") == "Track"
    playerctl(qtbot, bridge, "pause")
    assert controller.state == "paused"
    playerctl(qtbot, bridge, "play")
    assert controller.state == "playing"


def test_no_track_gives_the_no_track_path(qtbot: Any, ctx: Any) -> None:
    controller = PlaybackController(ctx)
    bridge = MprisBridge(controller, raise_window=lambda: None, quit_app=lambda: None)
    assert bridge.metadata()["mpris:trackid"].path() == "/org/mpris/MediaPlayer2/TrackList/NoTrack"
