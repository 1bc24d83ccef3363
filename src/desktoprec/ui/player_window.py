"""Playback: the controller (own files in-app, Spotify Connect otherwise) and the player window."""

from __future__ import annotations

import logging
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, Qt, QTimer, QUrl, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QPushButton,
    QSlider,
    QStyle,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from desktoprec.domain import Track
from desktoprec.errors import NoActiveDevice, PremiumRequired
from desktoprec.ui import queries
from desktoprec.ui.context import AppContext
from desktoprec.ui.covers import cached_cover, fetch_cover
from desktoprec.ui.errors import describe
from desktoprec.ui.widgets import CoverLabel, PlainLabel, clip

log = logging.getLogger(__name__)

QUICK_SKIP_S = 30.0  # a skip this soon after a track started is a "quick" skip
SKIP_WINDOW_S = 60.0  # two quick skips within this refresh the up-next queue
REMOTE_POLL_MS = 5000
LOCAL_POLL_MS = 200


def format_ms(ms: int | None) -> str:
    if not ms or ms < 0:
        return "0:00"
    seconds = int(ms // 1000)
    return f"{seconds // 60}:{seconds % 60:02d}"


class PlaybackController(QObject):
    """Owns the queue and plays each track where it can: a local file in-app, else Spotify Connect.

    Spotify calls run in the network lane. PREMIUM_REQUIRED and NO_ACTIVE_DEVICE become a plain
    message with "Open in Spotify" (`blocked` signal), never an error dialog.
    """

    track_changed = Signal(object)  # Track | None
    state_changed = Signal(str)  # playing | paused | stopped
    position_changed = Signal(int, int)  # position ms, duration ms
    queue_changed = Signal(list)  # the tracks after the current one
    blocked = Signal(str, str)  # message, uri to open in Spotify
    devices_changed = Signal(list)
    liked = Signal(object)

    def __init__(self, ctx: AppContext) -> None:
        super().__init__()
        self.ctx = ctx
        self.queue: list[Track] = []
        self.index = -1
        self.state = "stopped"
        self.backend = "none"  # local | spotify | none
        self.request: Any = None  # the RecommendRequest behind the queue, for refreshing it
        self.quick_skips: list[float] = []
        self.refreshes = 0
        self.devices: list[dict[str, Any]] = []
        self.device_id: str | None = None
        self._started_at = 0.0
        self._position = 0
        self._duration = 0
        self._media: Any = None
        self._audio: Any = None
        self._local_poll: Any = None
        self._local_error_shown = False
        self._tick = QTimer(self)
        self._tick.setInterval(1000)
        self._tick.timeout.connect(self._on_tick)
        self._poll = QTimer(self)
        self._poll.setInterval(REMOTE_POLL_MS)
        self._poll.timeout.connect(self.poll_remote_state)

    # --- the queue -----------------------------------------------------------------------

    @property
    def current(self) -> Track | None:
        return self.queue[self.index] if 0 <= self.index < len(self.queue) else None

    def up_next(self) -> list[Track]:
        return self.queue[self.index + 1:] if self.index >= 0 else list(self.queue)

    def play_queue(self, tracks: list[Track], start: int = 0, *, request: Any = None) -> None:
        """Play `tracks` from `start`; tracks with a file of the user's play in-app."""
        self.request = request
        self.quick_skips = []
        start = max(0, min(start, len(tracks) - 1))
        missing = [t.id for t in tracks if not t.local_path]
        if not missing:
            self._start_queue(list(tracks), start)
            return
        services = self.ctx.services
        self.ctx.runner.run(lambda: queries.local_paths(services, missing), lane="db",
                            name="local-paths",
                            on_done=lambda paths: self._start_queue(
                                [replace(t, local_path=paths[t.id]) if t.id in paths else t
                                 for t in tracks], start),
                            on_error=lambda exc: self._start_queue(list(tracks), start))

    def _start_queue(self, tracks: list[Track], start: int) -> None:
        self.queue = tracks
        self._play_index(start)

    def _play_index(self, index: int) -> None:
        self._stop_local()
        self.index = index
        track = self.current
        self.track_changed.emit(track)
        self.queue_changed.emit(self.up_next())
        self._started_at = time.monotonic()
        self._position = 0
        self._duration = int(track.duration_ms or 0) if track else 0
        if track is None:
            self._set_state("stopped")
            return
        if track.local_path and Path(track.local_path).is_file():
            self._play_local(track)
        elif track.uri and track.uri.startswith("spotify:track:"):
            self._play_remote(track)
        else:
            self.backend = "none"
            self._set_state("stopped")
            self.blocked.emit("This track has no playable file and is not on Spotify.", "")
        self._record("play", track)

    def _set_state(self, state: str) -> None:
        self.state = state
        self.state_changed.emit(state)
        if state == "playing" and self.backend == "spotify":
            self._tick.start()
            self._poll.start()
        elif state != "playing":
            self._tick.stop()
            if state == "stopped":
                self._poll.stop()

    # --- local files ---------------------------------------------------------------------

    def _ensure_media(self) -> Any:
        if self._media is None:
            from PySide6.QtMultimedia import QAudioOutput, QMediaPlayer

            # No Python slot is connected to the media player's signals: Qt's media threads
            # would then need the GIL, and stop() (which keeps the GIL while it joins them)
            # deadlocked. A main-thread timer reads its state instead.
            self._media = QMediaPlayer(self)
            self._audio = QAudioOutput(self)
            self._media.setAudioOutput(self._audio)
            self._local_poll = QTimer(self)
            self._local_poll.setInterval(LOCAL_POLL_MS)
            self._local_poll.timeout.connect(self._poll_local)
        return self._media

    def _poll_local(self) -> None:
        from PySide6.QtMultimedia import QMediaPlayer

        media = self._media
        if media is None or self.backend != "local":
            self._local_poll.stop()
            return
        if media.error() != QMediaPlayer.Error.NoError and not self._local_error_shown:
            self._local_error_shown = True
            self.ctx.status_message.emit(
                f"This file could not be played: {clip(media.errorString(), 200)}")
        duration = int(media.duration())
        if duration > 0:
            self._duration = duration
        self._position = int(media.position())
        self.position_changed.emit(self._position, self._duration)
        if media.mediaStatus() == QMediaPlayer.MediaStatus.EndOfMedia:
            self._local_poll.stop()
            self.advance(user=False)

    def _play_local(self, track: Track) -> None:
        self.backend = "local"
        media = self._ensure_media()
        self._local_error_shown = False
        media.setSource(QUrl.fromLocalFile(str(track.local_path)))
        media.play()
        self._local_poll.start()
        self._set_state("playing")

    def _stop_local(self) -> None:
        if self._media is not None:
            self._local_poll.stop()
            self._media.stop()

    def seek(self, position_ms: int) -> None:
        if self.backend == "local" and self._media is not None:
            self._media.setPosition(int(position_ms))

    # --- Spotify Connect -----------------------------------------------------------------

    def _remote(self, name: str, work: Any, on_done: Any = None) -> None:
        service = self.ctx.services.player
        self.ctx.runner.run(lambda: work(service), lane="network", name=f"player-{name}",
                            on_done=on_done, on_error=self._on_remote_error)

    def _on_remote_error(self, exc: BaseException) -> None:
        uri = self.current.uri if self.current and self.current.uri else ""
        if isinstance(exc, PremiumRequired):
            self._set_state("stopped")
            self.blocked.emit("Playing through Spotify needs Spotify Premium. You can still "
                              "open the track in Spotify.", uri)
        elif isinstance(exc, NoActiveDevice):
            self._set_state("stopped")
            self.blocked.emit("No Spotify device is active. Open Spotify on a device (or pick "
                              "one below), then press play.", uri)
        else:
            self.ctx.status_message.emit(f"Playback: {describe(exc)}")

    def _play_remote(self, track: Track) -> None:
        self.backend = "spotify"
        uris = [track.uri] + [t.uri for t in self.up_next()[:20]
                              if t.uri and t.uri.startswith("spotify:track:")]
        device = self.device_id
        self._set_state("playing")
        self._remote("play", lambda s: s.play(uris=[u for u in uris if u], device_id=device))

    def poll_remote_state(self) -> None:
        if self.backend != "spotify":
            return
        self._remote("state", lambda s: s.state(), on_done=self._on_remote_state)

    def _on_remote_state(self, state: dict[str, Any] | None) -> None:
        if not state:
            return
        progress = state.get("progress_ms")
        item = state.get("item") or {}
        if isinstance(progress, int):
            self._position = progress
        if isinstance(item, dict) and isinstance(item.get("duration_ms"), int):
            self._duration = item["duration_ms"]
        self.position_changed.emit(self._position, self._duration)

    def _on_tick(self) -> None:
        self._position += 1000
        if self._duration and self._position >= self._duration:
            self.advance(user=False)
            return
        self.position_changed.emit(self._position, self._duration)

    def refresh_devices(self) -> None:
        self._remote("devices", lambda s: s.devices(), on_done=self._on_devices)

    def _on_devices(self, devices: list[dict[str, Any]]) -> None:
        self.devices = devices
        active = next((d for d in devices if d.get("is_active")), None)
        if active is not None and self.device_id is None:
            self.device_id = str(active.get("id"))
        self.devices_changed.emit(devices)

    def transfer(self, device_id: str) -> None:
        self.device_id = device_id
        self._remote("transfer", lambda s: s.transfer(device_id, play=self.state == "playing"),
                     on_done=lambda _r: self.ctx.status_message.emit("Playback moved."))

    # --- controls ------------------------------------------------------------------------

    def toggle(self) -> None:
        if self.current is None:
            return
        if self.backend == "local" and self._media is not None:
            if self.state == "playing":
                self._media.pause()
                self._set_state("paused")
            else:
                self._media.play()
                self._set_state("playing")
        elif self.backend == "spotify":
            if self.state == "playing":
                self._set_state("paused")
                self._remote("pause", lambda s: s.pause())
            else:
                self._set_state("playing")
                self._remote("resume", lambda s: s.play())
        else:
            self._play_index(self.index)

    def advance(self, *, user: bool = True) -> None:
        """Next track. A user's skip soon after the start counts as a quick skip."""
        current = self.current
        if user and current is not None:
            elapsed = time.monotonic() - self._started_at
            self._record("skip", current)
            if elapsed < QUICK_SKIP_S:
                now = time.monotonic()
                self.quick_skips = [t for t in self.quick_skips if now - t < SKIP_WINDOW_S]
                self.quick_skips.append(now)
                if len(self.quick_skips) >= 2:
                    self.quick_skips = []
                    self.refresh_up_next()
        if self.index + 1 < len(self.queue):
            self._play_index(self.index + 1)
        else:
            self._stop_local()
            self._set_state("stopped")

    def previous(self) -> None:
        if self.backend == "local" and self._position > 3000 and self._media is not None:
            self._media.setPosition(0)
            return
        if self.index > 0:
            self._play_index(self.index - 1)

    def like(self) -> None:
        if self.current is not None:
            self._record("like", self.current)
            self.liked.emit(self.current)
            self.ctx.status_message.emit(f"Liked {clip(self.current.name, 60)}")

    def dislike(self) -> None:
        if self.current is not None:
            self._record("dislike", self.current)
            self.advance(user=False)

    def stop(self) -> None:
        self._stop_local()
        self._tick.stop()
        self._poll.stop()
        self.state = "stopped"

    def open_current_in_spotify(self) -> None:
        if self.current is not None:
            self.ctx.open_in_spotify(self.current.uri)

    # --- feedback and the up-next refresh ------------------------------------------------

    def _record(self, kind: str, track: Track) -> None:
        service = self.ctx.services.recommend
        if track.id.startswith("entry:"):
            return
        self.ctx.runner.run(lambda: service.feedback(track.id, kind), lane="db",
                            name=f"feedback-{kind}", on_error=lambda exc: log.info(
                                "feedback %s not stored: %s", kind, exc))

    def refresh_up_next(self) -> None:
        """Two quick skips: ask again (the service steers away from what was skipped)."""
        service = self.ctx.services.recommend
        self.refreshes += 1
        request = self.request
        played = {t.id for t in self.queue[: self.index + 1]}

        def work() -> list[Track]:
            if request is not None and hasattr(request, "call"):
                result = request.call(service)
            else:
                result = service.recommend(mode="for_you", n=20)
            return [r.track for r in result.items if r.track.id not in played]

        def apply(tracks: list[Track]) -> None:
            if not tracks:
                return
            self.queue = self.queue[: self.index + 2] + tracks
            self.queue_changed.emit(self.up_next())
            self.ctx.status_message.emit("Two quick skips: up next was refreshed.")

        self.ctx.runner.run(work, lane="cpu", name="refresh-up-next", on_done=apply,
                            on_error=lambda exc: log.info("up next not refreshed: %s", exc))


class PlayerWindow(QWidget):
    """Now playing, controls, devices and up next; `set_compact(True)` makes it the mini-player."""

    def __init__(self, ctx: AppContext, controller: PlaybackController,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent, Qt.WindowType.Window)
        self.ctx = ctx
        self.controller = controller
        self.compact = False
        self.setWindowTitle("desktoprec — player")
        layout = QVBoxLayout(self)
        top = QHBoxLayout()
        self.cover = CoverLabel(140)
        self.small_cover = CoverLabel(44)
        self.small_cover.hide()
        top.addWidget(self.cover)
        top.addWidget(self.small_cover)
        info = QVBoxLayout()
        self.title = PlainLabel("Nothing playing", bold=True, point_delta=2)
        self.artists = PlainLabel("")
        self.where = PlainLabel("")
        info.addWidget(self.title)
        info.addWidget(self.artists)
        info.addWidget(self.where)
        progress_row = QHBoxLayout()
        self.progress = QSlider(Qt.Orientation.Horizontal)
        self.progress.setRange(0, 1000)
        self.progress.setAccessibleName("Position")
        self.time = PlainLabel("0:00 / 0:00", elide=False)
        progress_row.addWidget(self.progress, 1)
        progress_row.addWidget(self.time)
        info.addLayout(progress_row)
        controls = QHBoxLayout()
        self.buttons: dict[str, QToolButton] = {}
        style = self.style()
        self._play_icon = style.standardIcon(QStyle.StandardPixmap.SP_MediaPlay)
        self._pause_icon = style.standardIcon(QStyle.StandardPixmap.SP_MediaPause)
        icons = {"previous": style.standardIcon(QStyle.StandardPixmap.SP_MediaSkipBackward),
                 "toggle": self._play_icon,
                 "next": style.standardIcon(QStyle.StandardPixmap.SP_MediaSkipForward)}
        for name, text, tip in (("previous", "«", "Previous (Ctrl+Left)"),
                                ("toggle", "▶", "Play/pause (Space)"),
                                ("next", "»", "Next (Ctrl+Right)"),
                                ("like", "♥", "Like (Ctrl+L)"), ("dislike", "✕", "Dislike"),
                                ("compact", "Mini", "Mini-player")):
            button = QToolButton()
            button.setText(text)
            if name in icons:
                button.setIcon(icons[name])
            button.setToolTip(tip)
            button.setAccessibleName(tip)
            controls.addWidget(button)
            self.buttons[name] = button
        controls.addStretch(1)
        info.addLayout(controls)
        top.addLayout(info, 1)
        layout.addLayout(top)
        self.message_row = QWidget()
        message_layout = QHBoxLayout(self.message_row)
        message_layout.setContentsMargins(0, 0, 0, 0)
        self.message = PlainLabel("", elide=False)
        self.open_button = QPushButton("Open in Spotify")
        message_layout.addWidget(self.message, 1)
        message_layout.addWidget(self.open_button)
        self.message_row.hide()
        layout.addWidget(self.message_row)
        self.devices_row = QWidget()
        devices_layout = QHBoxLayout(self.devices_row)
        devices_layout.setContentsMargins(0, 0, 0, 0)
        self.devices = QComboBox()
        self.devices.setMinimumWidth(200)
        self.refresh_devices_button = QPushButton("Find devices")
        self.transfer_button = QPushButton("Play there")
        devices_layout.addWidget(QLabel("Spotify device"))
        devices_layout.addWidget(self.devices, 1)
        devices_layout.addWidget(self.refresh_devices_button)
        devices_layout.addWidget(self.transfer_button)
        layout.addWidget(self.devices_row)
        self.up_next_label = PlainLabel("Up next", bold=True)
        layout.addWidget(self.up_next_label)
        self.up_next = QListWidget()
        layout.addWidget(self.up_next, 1)
        self.buttons["previous"].clicked.connect(controller.previous)
        self.buttons["toggle"].clicked.connect(controller.toggle)
        self.buttons["next"].clicked.connect(lambda: controller.advance(user=True))
        self.buttons["like"].clicked.connect(controller.like)
        self.buttons["dislike"].clicked.connect(controller.dislike)
        self.buttons["compact"].clicked.connect(lambda: self.set_compact(not self.compact))
        self.open_button.clicked.connect(self._open_in_spotify)
        self.refresh_devices_button.clicked.connect(controller.refresh_devices)
        self.transfer_button.clicked.connect(self._transfer)
        self.progress.sliderReleased.connect(self._seek)
        controller.track_changed.connect(self._on_track_changed)
        controller.state_changed.connect(self._on_state_changed)
        controller.position_changed.connect(self._on_position)
        controller.queue_changed.connect(self._on_queue_changed)
        controller.blocked.connect(self._on_blocked)
        controller.devices_changed.connect(self._on_devices)
        self._blocked_uri = ""
        install_playback_shortcuts(self, controller)
        self.resize(560, 520)

    def set_compact(self, compact: bool) -> None:
        self.compact = compact
        for w in (self.cover, self.devices_row, self.up_next, self.up_next_label, self.where):
            w.setVisible(not compact)
        self.small_cover.setVisible(compact)
        self.setWindowTitle("desktoprec — mini player" if compact else "desktoprec — player")
        self.setWindowFlag(Qt.WindowType.WindowStaysOnTopHint, compact)
        self.buttons["compact"].setToolTip("Full player" if compact else "Mini-player")
        self.buttons["compact"].setText("Full" if compact else "Mini")
        self.resize(380, 110) if compact else self.resize(560, 520)
        if self.isHidden():
            return
        self.show()

    def _on_track_changed(self, track: Track | None) -> None:
        self.message_row.hide()
        if track is None:
            self.title.set_plain("Nothing playing")
            self.artists.set_plain("")
            self.where.set_plain("")
            return
        self.title.set_plain(track.name)
        self.artists.set_plain(", ".join(track.artists))
        where = ("playing your file in desktoprec" if track.local_path
                 else "playing through Spotify Connect")
        self.where.set_plain(f"{clip(track.album or '', 80)} · {where}")
        for cover in (self.cover, self.small_cover):
            cover.set_placeholder(track.album or track.name)
        url = track.image_url
        covers_dir = self.ctx.services.paths.covers_dir
        cached = cached_cover(covers_dir, url)
        if cached is not None:
            self._set_cover(str(cached))
        elif url:
            self.ctx.runner.run(lambda: fetch_cover(covers_dir, url), lane="network",
                                name="cover", on_done=lambda p: p and self._set_cover(str(p)),
                                on_error=lambda exc: None)

    def _set_cover(self, path: str) -> None:
        self.cover.set_image_file(path)
        self.small_cover.set_image_file(path)

    def showEvent(self, event: Any) -> None:
        super().showEvent(event)
        if self.controller.backend == "spotify" and not self.controller.devices:
            self.controller.refresh_devices()

    def _on_state_changed(self, state: str) -> None:
        playing = state == "playing"
        self.buttons["toggle"].setText("||" if playing else "▶")
        self.buttons["toggle"].setIcon(self._pause_icon if playing else self._play_icon)

    def _on_position(self, position: int, duration: int) -> None:
        if not self.progress.isSliderDown():
            self.progress.setValue(int(1000 * position / duration) if duration else 0)
        self.time.set_plain(f"{format_ms(position)} / {format_ms(duration)}")

    def _seek(self) -> None:
        duration = self.controller._duration
        if duration:
            self.controller.seek(int(self.progress.value() / 1000 * duration))

    def _on_queue_changed(self, tracks: list[Track]) -> None:
        self.up_next.clear()
        for t in tracks[:50]:
            self.up_next.addItem(clip(f"{t.name} — {', '.join(t.artists)}", 120))

    def _on_blocked(self, message: str, uri: str) -> None:
        self.message.set_plain(message)
        self._blocked_uri = uri
        self.open_button.setVisible(bool(uri))
        self.message_row.show()

    def _open_in_spotify(self) -> None:
        self.ctx.open_in_spotify(self._blocked_uri or
                                 (self.controller.current.uri if self.controller.current else None))

    def _on_devices(self, devices: list[dict[str, Any]]) -> None:
        self.devices.clear()
        for d in devices:
            mark = " (active)" if d.get("is_active") else ""
            self.devices.addItem(clip(f"{d.get('name', '?')} · {d.get('type', '')}{mark}", 80),
                                 str(d.get("id")))
        if not devices:
            self.devices.addItem("no devices: open Spotify somewhere", None)

    def _transfer(self) -> None:
        device_id = self.devices.currentData()
        if device_id:
            self.controller.transfer(device_id)


def install_playback_shortcuts(widget: QWidget, controller: PlaybackController) -> list[QShortcut]:
    """Space, Ctrl+Right, Ctrl+Left and Ctrl+L on `widget` (Ctrl+Q is the app's quit action)."""
    shortcuts = []
    for keys, slot in (("Space", controller.toggle),
                       ("Ctrl+Right", lambda: controller.advance(user=True)),
                       ("Ctrl+Left", controller.previous), ("Ctrl+L", controller.like)):
        shortcut = QShortcut(QKeySequence(keys), widget)
        shortcut.activated.connect(slot)
        shortcuts.append(shortcut)
    return shortcuts
