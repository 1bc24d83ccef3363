"""MPRIS on Linux: the player on the session bus (org.mpris.MediaPlayer2 + .Player) via QtDBus.

Desktop widgets, media keys (the desktop routes them to MPRIS players) and `playerctl` see what
plays and control it. QtDBus comes with PySide6-Essentials; calls arrive on the UI thread through
Qt's event loop, so no thread touches the controller. Without a session bus nothing is exported.
"""

from __future__ import annotations

import logging
import os
import re
import sys
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import ClassInfo, Property, QObject, Slot
from PySide6.QtDBus import (
    QDBusAbstractAdaptor,
    QDBusConnection,
    QDBusMessage,
    QDBusObjectPath,
)

from desktoprec.domain import Track
from desktoprec.spotify import uris

log = logging.getLogger(__name__)

OBJECT_PATH = "/org/mpris/MediaPlayer2"
BUS_NAME = "org.mpris.MediaPlayer2.desktoprec"
PLAYER_IFACE = "org.mpris.MediaPlayer2.Player"
ROOT_IFACE = "org.mpris.MediaPlayer2"
NO_TRACK = "/org/mpris/MediaPlayer2/TrackList/NoTrack"
_LOOP = {"off": "None", "all": "Playlist", "one": "Track"}
_LOOP_BACK = {v: k for k, v in _LOOP.items()}


def track_object_path(track: Track | None) -> str:
    """A D-Bus object path naming the track (paths allow only [A-Za-z0-9_])."""
    if track is None:
        return NO_TRACK
    return "/org/desktoprec/track/" + (re.sub(r"[^A-Za-z0-9_]", "_", track.id) or "unknown")


def playback_status(state: str) -> str:
    return {"playing": "Playing", "paused": "Paused"}.get(state, "Stopped")


@ClassInfo({"D-Bus Interface": ROOT_IFACE})  # type: ignore[call-arg]
class _RootAdaptor(QDBusAbstractAdaptor):  # type: ignore[operator]
    def __init__(self, parent: MprisBridge) -> None:
        super().__init__(parent)
        self.bridge = parent

    def _identity(self) -> str:
        return "desktoprec"

    def _desktop_entry(self) -> str:
        return "desktoprec"

    def _true(self) -> bool:
        return True

    def _false(self) -> bool:
        return False

    def _empty(self) -> list[str]:
        return []

    Identity = Property(str, _identity)
    DesktopEntry = Property(str, _desktop_entry)
    CanQuit = Property(bool, _true)
    CanRaise = Property(bool, _true)
    HasTrackList = Property(bool, _false)
    SupportedUriSchemes = Property("QStringList", _empty)  # type: ignore[arg-type]
    SupportedMimeTypes = Property("QStringList", _empty)  # type: ignore[arg-type]

    @Slot()
    def Raise(self) -> None:
        self.bridge.raise_window()

    @Slot()
    def Quit(self) -> None:
        self.bridge.quit_app()


@ClassInfo({"D-Bus Interface": PLAYER_IFACE})  # type: ignore[call-arg]
class _PlayerAdaptor(QDBusAbstractAdaptor):  # type: ignore[operator]
    def __init__(self, parent: MprisBridge) -> None:
        super().__init__(parent)
        self.bridge = parent
        self.controller = parent.controller

    # properties
    def _status(self) -> str:
        return playback_status(self.controller.state)

    def _metadata(self) -> dict[str, Any]:
        return self.bridge.metadata()

    def _position(self) -> int:
        return int(self.controller.position_ms) * 1000

    def _volume(self) -> float:
        return float(self.controller.volume) / 100.0

    def _set_volume(self, value: float) -> None:
        self.controller.set_volume(round(max(0.0, min(1.0, float(value))) * 100))

    def _shuffle(self) -> bool:
        return bool(self.controller.shuffle)

    def _set_shuffle(self, value: bool) -> None:
        self.controller.set_shuffle(bool(value))

    def _loop(self) -> str:
        return _LOOP.get(self.controller.repeat, "None")

    def _set_loop(self, value: str) -> None:
        if value in _LOOP_BACK:
            self.controller.set_repeat(_LOOP_BACK[value])

    def _rate(self) -> float:
        return 1.0

    def _set_rate(self, _value: float) -> None:
        pass  # one speed only

    def _can_next(self) -> bool:
        return bool(self.controller.up_next() or self.controller.repeat == "all")

    def _can_previous(self) -> bool:
        return self.controller.current is not None

    def _can_play(self) -> bool:
        return bool(self.controller.queue)

    def _can_seek(self) -> bool:
        return bool(self.controller.backend == "local")

    def _true(self) -> bool:
        return True

    PlaybackStatus = Property(str, _status)
    LoopStatus = Property(str, _loop, _set_loop)
    Rate = Property(float, _rate, _set_rate)
    Shuffle = Property(bool, _shuffle, _set_shuffle)
    Metadata = Property("QVariantMap", _metadata)  # type: ignore[arg-type]
    Volume = Property(float, _volume, _set_volume)
    Position = Property("qlonglong", _position)  # type: ignore[arg-type]
    MinimumRate = Property(float, _rate)
    MaximumRate = Property(float, _rate)
    CanGoNext = Property(bool, _can_next)
    CanGoPrevious = Property(bool, _can_previous)
    CanPlay = Property(bool, _can_play)
    CanPause = Property(bool, _can_play)
    CanSeek = Property(bool, _can_seek)
    CanControl = Property(bool, _true)

    # methods
    @Slot()
    def Next(self) -> None:
        self.controller.advance(user=True)

    @Slot()
    def Previous(self) -> None:
        self.controller.previous()

    @Slot()
    def Pause(self) -> None:
        self.controller.pause()

    @Slot()
    def PlayPause(self) -> None:
        self.controller.toggle()

    @Slot()
    def Stop(self) -> None:
        self.controller.pause()

    @Slot()
    def Play(self) -> None:
        self.controller.play()

    @Slot("qlonglong")
    def Seek(self, offset_us: int) -> None:
        target = max(0, self.controller.position_ms + int(offset_us) // 1000)
        self.controller.seek(target)
        self.bridge.seeked()

    @Slot(QDBusObjectPath, "qlonglong")
    def SetPosition(self, track: QDBusObjectPath, position_us: int) -> None:
        if track.path() == track_object_path(self.controller.current):
            self.controller.seek(max(0, int(position_us) // 1000))
            self.bridge.seeked()

    @Slot(str)
    def OpenUri(self, _uri: str) -> None:
        pass  # desktoprec plays its own queue; opening arbitrary URIs is not offered


class MprisBridge(QObject):
    """Exports the controller on the session bus and tells listeners what changed."""

    def __init__(self, controller: Any, *, raise_window: Callable[[], None],
                 quit_app: Callable[[], None], bus: QDBusConnection | None = None,
                 name: str = BUS_NAME, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.wanted_name = name
        self.controller = controller
        self.raise_window = raise_window
        self.quit_app = quit_app
        self.bus = bus if bus is not None else QDBusConnection.sessionBus()
        self.bus_name = ""
        self._root = _RootAdaptor(self)
        self._player = _PlayerAdaptor(self)
        controller.state_changed.connect(lambda _s: self._changed("PlaybackStatus", "CanPlay",
                                                                   "CanGoNext", "CanSeek"))
        controller.track_changed.connect(lambda _t: self._changed("Metadata", "CanGoNext",
                                                                   "CanGoPrevious"))
        controller.queue_changed.connect(lambda _q: self._changed("CanGoNext"))
        controller.modes_changed.connect(lambda: self._changed("Volume", "Shuffle", "LoopStatus"))

    def start(self) -> bool:
        """Register on the bus; False (and nothing exported) without a session bus."""
        if not self.bus.isConnected():
            log.info("no D-Bus session bus: MPRIS is off")
            return False
        if not self.bus.registerObject(OBJECT_PATH, self):
            log.info("MPRIS object could not be registered")
            return False
        for name in (self.wanted_name, f"{self.wanted_name}.instance{os.getpid()}"):
            if self.bus.registerService(name):
                self.bus_name = name
                return True
        self.bus.unregisterObject(OBJECT_PATH)
        log.info("MPRIS bus name taken")
        return False

    def stop(self) -> None:
        if self.bus_name:
            self.bus.unregisterService(self.bus_name)
            self.bus.unregisterObject(OBJECT_PATH)
            self.bus_name = ""

    def metadata(self) -> dict[str, Any]:
        track = self.controller.current
        if track is None:
            return {"mpris:trackid": QDBusObjectPath(NO_TRACK)}
        data: dict[str, Any] = {
            "mpris:trackid": QDBusObjectPath(track_object_path(track)),
            "xesam:title": track.name,
            "xesam:artist": list(track.artists),
        }
        duration = int(self.controller.duration_ms or track.duration_ms or 0)
        if duration > 0:
            data["mpris:length"] = duration * 1000
        if track.album:
            data["xesam:album"] = track.album
        if track.image_url:
            data["mpris:artUrl"] = track.image_url
        parsed = uris.parse(track.uri or "")
        if parsed is not None and parsed[0] == "track":
            data["xesam:url"] = uris.web_url(track.uri or "")
        return data

    def _changed(self, *names: str) -> None:
        if not self.bus_name:
            return
        values: dict[str, Any] = {}
        for name in names:
            values[name] = getattr(self._player, name)
        message = QDBusMessage.createSignal(OBJECT_PATH, "org.freedesktop.DBus.Properties",
                                            "PropertiesChanged")
        message.setArguments([PLAYER_IFACE, values, ["Position"]])
        self.bus.send(message)

    def seeked(self) -> None:
        if not self.bus_name:
            return
        message = QDBusMessage.createSignal(OBJECT_PATH, PLAYER_IFACE, "Seeked")
        message.setArguments([int(self.controller.position_ms) * 1000])
        self.bus.send(message)


def start_mpris(controller: Any, *, raise_window: Callable[[], None],
                quit_app: Callable[[], None], parent: QObject | None = None) -> MprisBridge | None:
    """The app's MPRIS bridge, or None where there is no session bus (macOS, Windows, CI)."""
    if not sys.platform.startswith("linux"):
        return None
    bridge = MprisBridge(controller, raise_window=raise_window, quit_app=quit_app,
                         parent=parent)
    return bridge if bridge.start() else None
