"""Playback: the controller (own files in-app, Spotify Connect otherwise) and the player window."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, QRect, Qt, QTimer, QUrl, Signal
from PySide6.QtGui import QGuiApplication, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSlider,
    QStyle,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from desktoprec.domain import Track
from desktoprec.errors import NoActiveDevice, PremiumRequired
from desktoprec.player.queue import REPEAT_MODES, PlayQueue
from desktoprec.ui.context import AppContext, spotify_web_url
from desktoprec.ui.covers import show_cover
from desktoprec.ui.errors import describe
from desktoprec.ui.queue_view import HiddenTracksDialog, QueueView
from desktoprec.ui.widgets import CoverLabel, PlainLabel, clip

if TYPE_CHECKING:
    from PySide6.QtMultimedia import QAudioOutput, QMediaPlayer

    from desktoprec.player.feedback import FeedbackService
    from desktoprec.player.service import Device, PlayerService, PlayerState
    from desktoprec.recommend.results import FeedbackResult

log = logging.getLogger(__name__)

REMOTE_POLL_MS = 5000
LOCAL_POLL_MS = 200


def format_ms(ms: int | None) -> str:
    if not ms or ms < 0:
        return "0:00"
    seconds = int(ms // 1000)
    return f"{seconds // 60}:{seconds % 60:02d}"


class PlaybackController(QObject):
    """Plays the listener's queue where it can: a local file in-app, else Spotify Connect.

    The queue itself is `PlayQueue` (player/queue.py, no Qt), shared through PlayerService.
    Spotify calls run in the network lane. PREMIUM_REQUIRED and NO_ACTIVE_DEVICE become a plain
    message with "Open in Spotify" (`blocked` signal), never an error dialog. States are
    playing | paused | stopped | finished (the end of the queue was reached).
    """

    track_changed = Signal(object)  # Track | None
    state_changed = Signal(str)  # playing | paused | stopped | finished
    position_changed = Signal(int, int)  # position ms, duration ms
    queue_changed = Signal(list)  # the tracks after the current one
    blocked = Signal(str, str)  # message, uri to open in Spotify
    devices_changed = Signal(list)
    liked = Signal(object)
    now_playing = Signal(object, str)  # Track | None, state: cards and lists mark this track
    modes_changed = Signal()  # volume, shuffle, repeat, radio, where it plays
    feedback_message = Signal(str, str)  # text, undo kind ("" | "dislike" | "like")

    def __init__(self, ctx: AppContext) -> None:
        super().__init__()
        self.ctx = ctx
        self.queue_model: PlayQueue = ctx.services.player.queue_model
        self.state = "stopped"
        self.backend = "none"  # local | spotify | none
        self.request: Any = None  # the RecommendRequest behind the queue
        self.refreshes = 0
        self.devices: list[Device] = []
        self.device_id: str | None = None
        self.radio = False
        self.radio_batches = 0
        self._radio_busy = False
        settings = ctx.services.settings
        self.volume = settings.volume
        self.output_device_id = settings.audio_output
        self.last_disliked: Track | None = None
        self._started_at = 0.0
        self._position = 0
        self._duration = 0
        self._media: QMediaPlayer | None = None  # made on the first local file
        self._audio: QAudioOutput | None = None
        self._local_poll = QTimer(self)
        self._local_poll.setInterval(LOCAL_POLL_MS)
        self._local_poll.timeout.connect(self._poll_local)
        self._local_error_shown = False
        self._tick = QTimer(self)
        self._tick.setInterval(1000)
        self._tick.timeout.connect(self._on_tick)
        self._poll = QTimer(self)
        self._poll.setInterval(REMOTE_POLL_MS)
        self._poll.timeout.connect(self.poll_remote_state)

    # --- the queue -----------------------------------------------------------------------

    @property
    def queue(self) -> list[Track]:
        return self.queue_model.tracks

    @property
    def index(self) -> int:
        return self.queue_model.index

    @property
    def current(self) -> Track | None:
        return self.queue_model.current

    @property
    def now_playing_id(self) -> str | None:
        """The id of the track playing or paused (None when stopped or finished)."""
        current = self.current
        return current.id if current is not None and self.state in ("playing", "paused") else None

    @property
    def position_ms(self) -> int:
        return self._position

    @property
    def duration_ms(self) -> int:
        return self._duration

    @property
    def shuffle(self) -> bool:
        return self.queue_model.shuffle

    @property
    def repeat(self) -> str:
        return self.queue_model.repeat

    def up_next(self) -> list[Track]:
        return self.queue_model.up_next()

    def _with_paths(self, tracks: list[Track], then: Callable[[list[Track]], None]) -> None:
        """Fill in local files of the user's for these tracks (db lane), then call `then`."""
        missing = [t.id for t in tracks if not t.local_path]
        if not missing:
            then(list(tracks))
            return
        services = self.ctx.services
        self.ctx.runner.run(lambda: services.browse.local_paths(missing), lane="db",
                            name="local-paths",
                            on_done=lambda paths: then(
                                [replace(t, local_path=paths[t.id]) if t.id in paths else t
                                 for t in tracks]),
                            on_error=lambda exc: then(list(tracks)))

    def _emit_queue(self) -> None:
        self.queue_changed.emit(self.up_next())

    def play_next(self, tracks: Track | list[Track]) -> None:
        """Put tracks right after the current one (Spotify Connect: also its own queue)."""
        self._enqueue(tracks, next_up=True)

    def add_to_queue(self, tracks: Track | list[Track]) -> None:
        """Add tracks at the end of the queue (Spotify Connect: `POST /me/player/queue`)."""
        self._enqueue(tracks, next_up=False)

    def _enqueue(self, tracks: Track | list[Track], *, next_up: bool) -> None:
        """Into the queue right after the current track or at its end; with nothing playing
        they start it. Added at the end of a finished queue, the first of them plays."""
        items = [tracks] if isinstance(tracks, Track) else list(tracks)

        def apply(found: list[Track]) -> None:
            if self.current is None and not self.queue_model.finished:
                self._start_queue(found, 0)
                return
            was_finished = self.queue_model.finished
            if next_up:
                self.queue_model.play_next(found)
            else:
                self.queue_model.add(found)
            self._emit_queue()
            self._queue_remote(found)
            self.ctx.status_message.emit(
                _count_text(found, "plays next" if next_up else "added to the queue"))
            if was_finished and not next_up:
                self.advance(user=False)

        self._with_paths(items, apply)

    def _queue_remote(self, tracks: list[Track]) -> None:
        if self.backend != "spotify":
            return
        device = self.device_id
        for track in tracks:
            if track.uri and track.uri.startswith("spotify:track:"):
                uri = track.uri
                self._remote("queue", lambda s, u=uri: s.queue(u, device_id=device))

    def move_in_queue(self, source: int, target: int) -> None:
        """Reorder up next (positions count from the first track after the current one)."""
        self.queue_model.move(source, target)
        self._emit_queue()

    def remove_from_queue(self, position: int) -> Track:
        track: Track = self.queue_model.remove(position)
        self._emit_queue()
        return track

    def jump_to(self, position: int) -> None:
        """Play the up-next track at `position` now."""
        self.queue_model.jump(position)
        self._play_current()

    def play_queue(self, tracks: list[Track], start: int = 0, *, request: Any = None) -> None:
        """Play `tracks` from `start`; tracks with a file of the user's play in-app."""
        self.request = request
        start = max(0, min(start, len(tracks) - 1))
        self._with_paths(list(tracks), lambda found: self._start_queue(found, start))

    def _start_queue(self, tracks: list[Track], start: int) -> None:
        self.queue_model.set(tracks, start)
        self._play_current()

    def _play_index(self, index: int) -> None:
        self.queue_model.index = index
        self._play_current()

    def _play_current(self) -> None:
        self._stop_local()
        track = self.current
        self.track_changed.emit(track)
        self._emit_queue()
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
        self._top_up_radio()

    def _set_state(self, state: str) -> None:
        self.state = state
        self.state_changed.emit(state)
        self.now_playing.emit(self.current if state in ("playing", "paused") else None, state)
        if state == "playing" and self.backend == "spotify":
            self._tick.start()
            self._poll.start()
        elif state != "playing":
            self._tick.stop()
            if state in ("stopped", "finished"):
                self._poll.stop()

    def where_text(self) -> str:
        """Where the current track plays, for the player window and MPRIS."""
        if self.state == "finished":
            return "Finished: the end of the queue"
        track = self.current
        if track is None:
            return ""
        if self.backend == "local":
            return "playing your file in desktoprec"
        if self.backend == "spotify":
            name = self.device_name()
            return (f"playing on {name} through Spotify Connect" if name
                    else "playing through Spotify Connect")
        return ""

    def device_name(self) -> str:
        device = next((d for d in self.devices if d.id == self.device_id), None)
        return device.name if device else ""

    # --- local files ---------------------------------------------------------------------

    def _ensure_media(self) -> QMediaPlayer:
        if self._media is None:
            from PySide6.QtMultimedia import QAudioOutput, QMediaPlayer

            # No Python slot is connected to the media player's signals: Qt's media threads
            # would then need the GIL, and stop() (which keeps the GIL while it joins them)
            # deadlocked. A main-thread timer reads its state instead.
            self._media = QMediaPlayer(self)
            self._audio = QAudioOutput(self)
            self._audio.setVolume(self.volume / 100.0)
            self._apply_output_device()
            self._media.setAudioOutput(self._audio)
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

    @property
    def local_playing(self) -> bool:
        """Whether the in-app media player is producing sound now (for tests and MPRIS)."""
        if self._media is None:
            return False
        from PySide6.QtMultimedia import QMediaPlayer

        return self._media.playbackState() == QMediaPlayer.PlaybackState.PlayingState

    def seek(self, position_ms: int) -> None:
        if self.backend == "local" and self._media is not None:
            self._media.setPosition(int(position_ms))
            self._position = int(position_ms)

    def set_output_device(self, device_id: str) -> bool:
        """Send in-app audio to this output (QMediaDevices id; "" = system default), live."""
        self.output_device_id = device_id or ""
        return self._apply_output_device()

    def _apply_output_device(self) -> bool:
        if self._audio is None:
            return True
        from PySide6.QtMultimedia import QMediaDevices

        wanted = self.output_device_id
        device = next((d for d in QMediaDevices.audioOutputs()
                       if bytes(d.id().data()).decode(errors="replace") == wanted), None) \
            if wanted else None
        self._audio.setDevice(device if device is not None else QMediaDevices.defaultAudioOutput())
        return device is not None or not wanted

    # --- volume, shuffle, repeat, radio ----------------------------------------------------

    def set_volume(self, percent: int) -> None:
        """0-100: the in-app output, or the Spotify device's volume."""
        self.volume = max(0, min(100, int(percent)))
        if self._audio is not None:
            self._audio.setVolume(self.volume / 100.0)
        if self.backend == "spotify":
            volume, device = self.volume, self.device_id
            self._remote("volume", lambda s: s.volume(volume, device_id=device))
        self.modes_changed.emit()

    def set_shuffle(self, on: bool) -> None:
        self.queue_model.set_shuffle(on)
        self._emit_queue()
        if self.backend == "spotify":
            device = self.device_id
            self._remote("shuffle", lambda s: s.shuffle(bool(on), device_id=device))
        self.modes_changed.emit()

    def set_repeat(self, mode: str) -> None:
        self.queue_model.set_repeat(mode)
        if self.backend == "spotify":
            device = self.device_id
            self._remote("repeat", lambda s: s.repeat(mode, device_id=device))
        self.modes_changed.emit()

    def cycle_repeat(self) -> str:
        modes = REPEAT_MODES
        mode = modes[(modes.index(self.repeat) + 1) % len(modes)]
        self.set_repeat(mode)
        return mode

    def set_radio(self, on: bool) -> None:
        """Keep playing similar: the queue is topped up from the recommender as it runs low."""
        self.radio = bool(on)
        self.modes_changed.emit()
        if self.radio:
            self._top_up_radio()

    def _top_up_radio(self) -> None:
        service = self._player_service()
        if (not self.radio or self._radio_busy
                or not service.radio_needs_more(self.queue_model)):
            return
        self._radio_busy = True
        queue = self.queue_model

        def done(tracks: list[Track]) -> None:
            self._radio_busy = False
            if not tracks:
                self.ctx.status_message.emit("Radio: nothing new to add right now.")
                return
            self.radio_batches += 1
            self.add_to_queue(tracks)

        def failed(exc: BaseException) -> None:
            self._radio_busy = False
            self.ctx.status_message.emit(f"Radio: {describe(exc)}")

        self.ctx.runner.run(lambda: service.radio_next_batch(queue), lane="cpu", name="radio",
                            on_done=done, on_error=failed)

    # --- Spotify Connect -----------------------------------------------------------------

    def _player_service(self) -> PlayerService:
        return self.ctx.services.player

    def _remote(self, name: str, work: Any, on_done: Any = None) -> None:
        service = self._player_service()
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

    def _play_remote(self, track: Track, position_ms: int | None = None) -> None:
        self.backend = "spotify"
        uris = [track.uri] + [t.uri for t in self.up_next()[:20]
                              if t.uri and t.uri.startswith("spotify:track:")]
        device = self.device_id
        self._set_state("playing")
        self.modes_changed.emit()
        self._remote("play", lambda s: s.play(uris=[u for u in uris if u], device_id=device,
                                              position_ms=position_ms))

    def poll_remote_state(self) -> None:
        if self.backend != "spotify":
            return
        self._remote("state", lambda s: s.state(), on_done=self._on_remote_state)

    def _on_remote_state(self, state: PlayerState | None) -> None:
        if not state:
            return
        if state.progress_ms is not None:
            self._position = state.progress_ms
        if state.item is not None and state.item.duration_ms is not None:
            self._duration = state.item.duration_ms
        self.position_changed.emit(self._position, self._duration)

    def _on_tick(self) -> None:
        self._position += 1000
        if self._duration and self._position >= self._duration:
            self.advance(user=False)
            return
        self.position_changed.emit(self._position, self._duration)

    def refresh_devices(self) -> None:
        self._remote("devices", lambda s: s.devices(), on_done=self._on_devices)

    def _on_devices(self, devices: list[Device]) -> None:
        self.devices = devices
        active = next((d for d in devices if d.is_active), None)
        if active is not None and self.device_id is None:
            self.device_id = active.id
        self.devices_changed.emit(devices)
        self.modes_changed.emit()

    def transfer(self, device_id: str) -> None:
        """Play there: a Spotify device takes over; in-app audio stops (it can't play both)."""
        track = self.current
        self.device_id = device_id
        name = self.device_name() or "the chosen device"
        if self.backend == "local" or (self.backend == "none" and track is not None):
            if track is None or not (track.uri and track.uri.startswith("spotify:track:")):
                self.ctx.status_message.emit(
                    "This track is a file of yours; only tracks on Spotify can play on a "
                    "Spotify device.")
                return
            position = self._position
            self._stop_local()
            self.backend = "spotify"
            self._play_remote(track, position_ms=position or None)
            self.ctx.status_message.emit(f"Playing on {name}.")
            return
        playing = self.state == "playing"
        self.modes_changed.emit()
        self._remote("transfer", lambda s: s.transfer(device_id, play=playing),
                     on_done=lambda _r: self.ctx.status_message.emit(f"Playing on {name}."))

    # --- controls ------------------------------------------------------------------------

    def toggle(self) -> None:
        if self.state == "finished":
            self._play_index(0)
            return
        if self.current is None:
            return
        if self.backend == "local" and self._media is not None:
            if self.state == "playing":
                self._media.pause()
                self._set_state("paused")
            else:
                self._media.play()
                self._local_poll.start()
                self._set_state("playing")
        elif self.backend == "spotify":
            if self.state == "playing":
                self._set_state("paused")
                self._remote("pause", lambda s: s.pause())
            else:
                self._set_state("playing")
                self._remote("resume", lambda s: s.play())
        else:
            self._play_current()

    def play(self) -> None:
        if self.state != "playing":
            self.toggle()

    def pause(self) -> None:
        if self.state == "playing":
            self.toggle()

    def advance(self, *, user: bool = True) -> None:
        """Next track. A user's skip goes to the recommend service, which owns the skip rule."""
        current = self.current
        if user and current is not None:
            self._record_skip(current)
        following = self.queue_model.advance(user=user)
        if following is not None:
            self._play_current()
            return
        self._stop_local()
        self._position = 0
        self.position_changed.emit(0, self._duration)
        self._set_state("finished" if self.queue else "stopped")
        self._emit_queue()
        if self.queue:
            self.ctx.status_message.emit("Finished: the end of the queue. Press play to start "
                                         "it again.")

    def previous(self) -> None:
        if self.backend == "local" and self._position > 3000 and self._media is not None:
            self._media.setPosition(0)
            return
        before = self.index
        self.queue_model.previous()
        if self.index != before or self.state == "finished":
            self._play_current()

    def stop(self) -> None:
        self._stop_local()
        self._tick.stop()
        self._poll.stop()
        self.state = "stopped"

    # --- likes, dislikes and the skip rule -----------------------------------------------

    def _feedback_service(self) -> FeedbackService:
        return self.ctx.services.feedback

    def like(self, track: Track | None = None) -> None:
        """♥: saved to the Spotify library (queued while offline) and remembered."""
        track = track or self.current
        service = self._feedback_service()
        if track is None:
            return
        self.liked.emit(track)
        self.ctx.runner.run(lambda: service.like(track.id, track.uri), lane="network",
                            name="like", on_done=lambda a: self.feedback_message.emit(
                                f"♥ {clip(track.name, 60)}: {a.message}", "like"),
                            on_error=lambda exc: self.feedback_message.emit(
                                f"Not liked: {describe(exc)}", ""))

    def unlike(self, track: Track | None = None) -> None:
        track = track or self.current
        service = self._feedback_service()
        if track is None:
            return
        self.ctx.runner.run(lambda: service.unlike(track.id, track.uri), lane="network",
                            name="unlike", on_done=lambda a: self.feedback_message.emit(
                                f"{clip(track.name, 60)}: {a.message}", ""),
                            on_error=lambda exc: self.feedback_message.emit(
                                f"Like not taken back: {describe(exc)}", ""))

    def dislike(self) -> None:
        """Hide the current track from recommendations and move on; `undo_dislike` takes it back."""
        track = self.current
        service = self._feedback_service()
        if track is None:
            return
        self.last_disliked = track
        self.ctx.runner.run(lambda: service.dislike(track.id), lane="db", name="dislike",
                            on_error=lambda exc: log.info("dislike not stored: %s", exc))
        self.advance(user=False)
        self.feedback_message.emit(f"Hidden: {clip(track.name, 60)}", "dislike")

    def undo_dislike(self) -> None:
        track, self.last_disliked = self.last_disliked, None
        service = self._feedback_service()
        if track is None:
            return
        self.ctx.runner.run(lambda: service.unhide(track.id), lane="db", name="unhide",
                            on_error=lambda exc: log.info("unhide failed: %s", exc))
        self.play_next(track)
        self.feedback_message.emit(f"Back: {clip(track.name, 60)} plays next", "")

    def _record(self, kind: str, track: Track, position_ms: int | None = None,
                on_done: Callable[[Any], None] | None = None) -> None:
        service = self.ctx.services.recommend
        if track.id.startswith("entry:"):
            return
        self.ctx.runner.run(lambda: service.feedback(track.id, kind, position_ms=position_ms),
                            lane="db", name=f"feedback-{kind}", on_done=on_done,
                            on_error=lambda exc: log.info("feedback %s not stored: %s", kind, exc))

    def _record_skip(self, track: Track) -> None:
        """The skip and where in the track it happened; the service decides whether two quick
        skips ask for a fresh list (RecommendService.feedback owns that rule) and answers it."""
        position = self._position if self.backend != "none" else None
        if position is None:
            position = int((time.monotonic() - self._started_at) * 1000)
        played = set(self.queue_model.ids()[: self.index + 1])

        def answered(answer: FeedbackResult) -> None:
            fresh = answer.fresh
            if fresh is None or not fresh.items:
                return
            tracks = [r.track for r in fresh.items if r.track.id not in played]
            if not tracks:
                return
            self.refreshes += 1
            self.queue_model.replace_up_next(self.up_next()[:1] + tracks)
            self._emit_queue()
            self.ctx.status_message.emit("Two quick skips: up next was refreshed.")

        self._record("skip", track, position_ms=position, on_done=answered)


def _count_text(tracks: list[Track], what: str) -> str:
    if len(tracks) == 1:
        return f"{clip(tracks[0].name, 60)} {what}."
    return f"{len(tracks)} tracks {what}."


class PlayerWindow(QWidget):
    """Now playing, controls, devices and the queue; `set_compact(True)` makes it the mini-player."""

    FULL_SIZE = (600, 620)
    MINI_SIZE = (420, 120)

    def __init__(self, ctx: AppContext, controller: PlaybackController,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent, Qt.WindowType.Window)
        self.ctx = ctx
        self.controller = controller
        self.compact = False
        self._geometries: dict[bool, QRect] = {}
        self._clamp_after_frame = False
        self._blocked_uri = ""
        self._undo_kind = ""
        self.hidden_dialog: HiddenTracksDialog | None = None
        self.setWindowTitle("Player")  # Qt adds " — desktoprec" (the application's name)
        layout = QVBoxLayout(self)
        layout.addLayout(self._build_now_playing())
        layout.addWidget(self._build_message_row())
        layout.addWidget(self._build_devices_row())
        layout.addWidget(self._build_queue_head())
        self.queue_view = QueueView(controller)
        self.up_next = self.queue_view.list
        layout.addWidget(self.queue_view, 1)
        self._connect_controls()
        self._connect_controller()
        install_playback_shortcuts(self, controller)
        self.resize(*self.FULL_SIZE)
        self._on_modes()
        if controller.current is not None:  # a window opened while something plays shows it
            self._on_track_changed(controller.current)
            self._on_state_changed(controller.state)

    # --- building ----------------------------------------------------------------------------

    def _build_now_playing(self) -> QHBoxLayout:
        """The cover beside the title, artists, where it plays, the position and the controls."""
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
        info.addLayout(self._build_controls())
        top.addLayout(info, 1)
        return top

    def _build_controls(self) -> QHBoxLayout:
        """Previous, play/pause, next, shuffle, repeat, like, hide, mini, and the volume."""
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
                                ("shuffle", "⇄", "Shuffle"),
                                ("repeat", "↻", "Repeat: off"),
                                ("like", "♥", "Like: save to your library (Ctrl+L)"),
                                ("dislike", "✕", "Hide this track"),
                                ("compact", "Mini", "Mini-player")):
            button = QToolButton()
            button.setText(text)
            if name in icons:
                button.setIcon(icons[name])
            button.setToolTip(tip)
            button.setAccessibleName(tip)
            controls.addWidget(button)
            self.buttons[name] = button
        self.buttons["shuffle"].setCheckable(True)
        self.buttons["like"].setCheckable(True)
        self.volume = QSlider(Qt.Orientation.Horizontal)
        self.volume.setRange(0, 100)
        self.volume.setValue(self.controller.volume)
        self.volume.setMaximumWidth(110)
        self.volume.setToolTip("Volume")
        self.volume.setAccessibleName("Volume")
        controls.addStretch(1)
        controls.addWidget(QLabel("Vol"))
        controls.addWidget(self.volume)
        return controls

    def _build_message_row(self) -> QWidget:
        """Messages: blocked playback, likes (with undo), a link no browser could open."""
        self.message_row = QWidget()
        message_layout = QHBoxLayout(self.message_row)
        message_layout.setContentsMargins(0, 0, 0, 0)
        self.message = PlainLabel("", elide=False)
        self.message.setWordWrap(True)
        self.link = QLineEdit()
        self.link.setReadOnly(True)
        self.link.setAccessibleName("Link to copy")
        self.link.hide()
        self.copy_button = QPushButton("Copy link")
        self.copy_button.hide()
        self.undo_button = QPushButton("Undo")
        self.undo_button.hide()
        self.open_button = QPushButton("Open in Spotify")
        message_layout.addWidget(self.message, 1)
        message_layout.addWidget(self.link, 1)
        message_layout.addWidget(self.copy_button)
        message_layout.addWidget(self.undo_button)
        message_layout.addWidget(self.open_button)
        self.message_row.hide()
        return self.message_row

    def _build_devices_row(self) -> QWidget:
        """The Spotify Connect devices, Find devices and Play there."""
        self.devices_row = QWidget()
        devices_layout = QHBoxLayout(self.devices_row)
        devices_layout.setContentsMargins(0, 0, 0, 0)
        self.devices = QComboBox()
        self.devices.setMinimumWidth(160)
        self.refresh_devices_button = QPushButton("Find devices")
        self.transfer_button = QPushButton("Play there")
        devices_layout.addWidget(QLabel("Spotify device"))
        devices_layout.addWidget(self.devices, 1)
        devices_layout.addWidget(self.refresh_devices_button)
        devices_layout.addWidget(self.transfer_button)
        return self.devices_row

    def _build_queue_head(self) -> QWidget:
        """Above the queue: its title, the radio switch and the hidden tracks."""
        self.queue_row = QWidget()
        queue_head = QHBoxLayout(self.queue_row)
        queue_head.setContentsMargins(0, 0, 0, 0)
        self.up_next_label = PlainLabel("Up next", bold=True)
        self.radio_box = QCheckBox("Radio: keep playing similar")
        self.radio_box.setToolTip("When the queue runs low, more tracks like the recent ones are "
                                  "added (not ones suggested lately)")
        self.hidden_button = QPushButton("Hidden tracks…")
        queue_head.addWidget(self.up_next_label, 1)
        queue_head.addWidget(self.radio_box)
        queue_head.addWidget(self.hidden_button)
        return self.queue_row

    def _connect_controls(self) -> None:
        """The window's buttons, sliders and boxes to the controller (and to its own slots)."""
        controller = self.controller
        self.buttons["previous"].clicked.connect(controller.previous)
        self.buttons["toggle"].clicked.connect(controller.toggle)
        self.buttons["next"].clicked.connect(lambda: controller.advance(user=True))
        self.buttons["shuffle"].toggled.connect(controller.set_shuffle)
        self.buttons["repeat"].clicked.connect(controller.cycle_repeat)
        self.buttons["like"].clicked.connect(self._like_clicked)
        self.buttons["dislike"].clicked.connect(controller.dislike)
        self.buttons["compact"].clicked.connect(lambda: self.set_compact(not self.compact))
        self.volume.valueChanged.connect(self._volume_moved)
        self.volume.sliderReleased.connect(self._save_volume)
        self.open_button.clicked.connect(self._open_in_spotify)
        self.copy_button.clicked.connect(self._copy_link)
        self.undo_button.clicked.connect(self._undo)
        self.refresh_devices_button.clicked.connect(controller.refresh_devices)
        self.transfer_button.clicked.connect(self._transfer)
        self.radio_box.toggled.connect(controller.set_radio)
        self.hidden_button.clicked.connect(self.show_hidden)
        self.progress.sliderReleased.connect(self._seek)

    def _connect_controller(self) -> None:
        """What the controller says (track, state, position, devices, ...) to the window."""
        controller = self.controller
        controller.track_changed.connect(self._on_track_changed)
        controller.state_changed.connect(self._on_state_changed)
        controller.position_changed.connect(self._on_position)
        controller.blocked.connect(self._on_blocked)
        controller.devices_changed.connect(self._on_devices)
        controller.modes_changed.connect(self._on_modes)
        controller.feedback_message.connect(self._on_feedback)
        controller.liked.connect(lambda _t: self.buttons["like"].setChecked(True))

    # --- mini / full -----------------------------------------------------------------------

    def set_compact(self, compact: bool) -> None:
        """Mini-player (small, stays on top) or the full player; the window stays on screen.

        Changing a window flag hides a visible window (Qt recreates the native window), so it is
        shown again, at the place and size this mode had last time.
        """
        was_visible = self.isVisible()
        if was_visible:
            self._geometries[self.compact] = self.geometry()
        self.compact = compact
        for w in (self.cover, self.devices_row, self.queue_view, self.queue_row):
            w.setVisible(not compact)
        self.small_cover.setVisible(compact)
        self.setWindowTitle("Mini player" if compact else "Player")
        self.buttons["compact"].setToolTip("Full player" if compact else "Mini-player")
        self.buttons["compact"].setText("Full" if compact else "Mini")
        if bool(self.windowFlags() & Qt.WindowType.WindowStaysOnTopHint) != compact:
            self.setWindowFlag(Qt.WindowType.WindowStaysOnTopHint, compact)
        saved = self._geometries.get(compact)
        if saved is not None:
            self.setGeometry(saved)
        else:
            width, height = self.MINI_SIZE if compact else self.FULL_SIZE
            self.resize(width, height)
        if was_visible:
            self.show()
            self.raise_()
        self.clamp_to_screen()

    def clamp_to_screen(self) -> None:
        """Keep the whole window on the screen's available area (not under panels, not off it)."""
        screen = self.screen() or QGuiApplication.primaryScreen()
        if screen is None:
            return
        area = screen.availableGeometry()
        frame = self.frameGeometry()
        extra_w = frame.width() - self.width()
        extra_h = frame.height() - self.height()
        width = min(self.width(), max(200, area.width() - extra_w))
        height = min(self.height(), max(80, area.height() - extra_h))
        if (width, height) != (self.width(), self.height()):
            self.resize(width, height)
            frame = self.frameGeometry()
        x = min(max(frame.x(), area.left()), area.right() + 1 - frame.width())
        y = min(max(frame.y(), area.top()), area.bottom() + 1 - frame.height())
        if (x, y) != (frame.x(), frame.y()):
            self.move(max(x, area.left()), max(y, area.top()))

    def showEvent(self, event: Any) -> None:
        super().showEvent(event)
        self.clamp_to_screen()
        # The window manager adds its frame (title bar) after the window is mapped: clamp again
        # once the frame is known, so the title bar is not pushed off the bottom of the screen.
        self._clamp_after_frame = True
        QTimer.singleShot(500, self._late_clamp)  # in case no move follows the framing

    def _late_clamp(self) -> None:
        if self._clamp_after_frame and self.isVisible():
            self._clamp_after_frame = False
            self.clamp_to_screen()

    def _frame_known(self) -> bool:
        frame = self.frameGeometry()
        return frame.width() >= self.width() and frame.height() > self.height()

    def moveEvent(self, event: Any) -> None:
        super().moveEvent(event)
        if self._clamp_after_frame and self._frame_known():
            self._clamp_after_frame = False
            QTimer.singleShot(0, self.clamp_to_screen)
        if self.controller.backend == "spotify" and not self.controller.devices:
            self.controller.refresh_devices()

    # --- now playing -----------------------------------------------------------------------

    def _on_track_changed(self, track: Track | None) -> None:
        self._hide_message()
        self.buttons["like"].setChecked(False)
        if track is None:
            self.title.set_plain("Nothing playing")
            self.artists.set_plain("")
            self.where.set_plain("")
            return
        self.title.set_plain(track.name)
        self.artists.set_plain(", ".join(track.artists))
        self._show_where()
        feedback = self.ctx.services.feedback
        self.ctx.runner.run(lambda: feedback.is_liked(track.id), lane="db", name="is-liked",
                            on_done=lambda liked: self._show_liked(track, bool(liked)),
                            on_error=lambda exc: log.info("like state not read: %s", exc))
        for cover in (self.cover, self.small_cover):
            cover.set_placeholder(track.album or track.name)
        show_cover(self.ctx, [self.cover, self.small_cover], track.image_url)

    def _show_liked(self, track: Track, liked: bool) -> None:
        if self.controller.current is not None and self.controller.current.id == track.id:
            button = self.buttons["like"]
            button.blockSignals(True)
            button.setChecked(liked)
            button.blockSignals(False)

    def _show_where(self) -> None:
        track = self.controller.current
        where = self.controller.where_text()
        album = clip(track.album or "", 80) if track is not None else ""
        self.where.set_plain(f"{album} · {where}" if album and where else where)

    def _on_state_changed(self, state: str) -> None:
        playing = state == "playing"
        self.buttons["toggle"].setText("||" if playing else "▶")
        self.buttons["toggle"].setIcon(self._pause_icon if playing else self._play_icon)
        self.buttons["toggle"].setToolTip("Pause (Space)" if playing else "Play (Space)")
        if state == "finished":
            self.progress.setValue(0)
        self._show_where()

    def _on_position(self, position: int, duration: int) -> None:
        if not self.progress.isSliderDown():
            self.progress.setValue(int(1000 * position / duration) if duration else 0)
        self.time.set_plain(f"{format_ms(position)} / {format_ms(duration)}")

    def _seek(self) -> None:
        duration = self.controller.duration_ms
        if duration:
            self.controller.seek(int(self.progress.value() / 1000 * duration))

    def _on_modes(self) -> None:
        c = self.controller
        shuffle = self.buttons["shuffle"]
        if shuffle.isChecked() != c.shuffle:
            shuffle.blockSignals(True)
            shuffle.setChecked(c.shuffle)
            shuffle.blockSignals(False)
        repeat_text = {"off": "↻", "all": "↻ all", "one": "↻ 1"}[c.repeat]
        self.buttons["repeat"].setText(repeat_text)
        self.buttons["repeat"].setToolTip(f"Repeat: {c.repeat}")
        self.buttons["repeat"].setAccessibleName(f"Repeat: {c.repeat}")
        if self.radio_box.isChecked() != c.radio:
            self.radio_box.blockSignals(True)
            self.radio_box.setChecked(c.radio)
            self.radio_box.blockSignals(False)
        if self.volume.value() != c.volume and not self.volume.isSliderDown():
            self.volume.blockSignals(True)
            self.volume.setValue(c.volume)
            self.volume.blockSignals(False)
        self._show_where()

    def _volume_moved(self, value: int) -> None:
        if self.controller.backend == "spotify" and self.volume.isSliderDown():
            return  # one Connect call when the slider is let go, not one per pixel
        self.controller.set_volume(value)
        if not self.volume.isSliderDown():
            self._save_volume()

    def _save_volume(self) -> None:
        self.controller.set_volume(self.volume.value())
        settings = self.ctx.services.settings
        if settings.volume != self.volume.value():
            settings.volume = self.volume.value()
            try:
                self.ctx.services.save_settings()
            except Exception as exc:  # noqa: BLE001 - a read-only disk must not stop the player
                log.info("volume not saved: %s", exc)

    # --- messages --------------------------------------------------------------------------

    def _hide_message(self) -> None:
        self.message_row.hide()
        self.link.hide()
        self.copy_button.hide()
        self.undo_button.hide()

    def _show_message(self, text: str, *, uri: str = "", link: str = "", undo: str = "") -> None:
        self.message.set_plain(text)
        self._blocked_uri = uri
        self.open_button.setVisible(bool(uri))
        self.link.setText(link)
        self.link.setVisible(bool(link))
        self.copy_button.setVisible(bool(link))
        self._undo_kind = undo
        self.undo_button.setVisible(bool(undo))
        self.message_row.show()

    def _on_blocked(self, message: str, uri: str) -> None:
        self._show_message(message, uri=uri)

    def _on_feedback(self, text: str, undo_kind: str) -> None:
        self._show_message(text, undo=undo_kind if undo_kind in ("dislike", "like") else "")
        self.ctx.status_message.emit(text)

    def _undo(self) -> None:
        if self._undo_kind == "dislike":
            self.controller.undo_dislike()
        elif self._undo_kind == "like":
            self.controller.unlike()
            self.buttons["like"].setChecked(False)
        self.undo_button.hide()

    def _like_clicked(self, checked: bool) -> None:
        if checked:
            self.controller.like()
        else:
            self.controller.unlike()

    def _open_in_spotify(self) -> None:
        uri = self._blocked_uri or (self.controller.current.uri if self.controller.current
                                    else None)
        if not uri:
            return
        if not self.ctx.open_in_spotify(uri):
            url = spotify_web_url(uri) if uri.startswith("spotify:") else uri
            self._show_message("No browser or Spotify app could open the link on this system. "
                               "Copy it and open it yourself:", uri=uri, link=url)

    def _copy_link(self) -> None:
        clipboard = QGuiApplication.clipboard()
        if clipboard is not None:
            clipboard.setText(self.link.text())
        self.ctx.status_message.emit("Link copied.")

    # --- devices and the hidden list --------------------------------------------------------

    def _on_devices(self, devices: list[Device]) -> None:
        self.devices.clear()
        for d in devices:
            mark = " (active)" if d.is_active else ""
            self.devices.addItem(clip(f"{d.name or '?'} · {d.type}{mark}", 80), d.id)
        if not devices:
            self.devices.addItem("no devices: open Spotify somewhere", None)

    def _transfer(self) -> None:
        device_id = self.devices.currentData()
        if device_id:
            self.controller.transfer(device_id)

    def show_hidden(self) -> None:
        if self.hidden_dialog is None:
            self.hidden_dialog = HiddenTracksDialog(self.ctx, self)
        self.hidden_dialog.reload()
        self.hidden_dialog.show()
        self.hidden_dialog.raise_()


def install_playback_shortcuts(widget: QWidget, controller: PlaybackController) -> list[QShortcut]:
    """Space, Ctrl+Right, Ctrl+Left, Ctrl+L and the keyboard's media keys on `widget` (Ctrl+Q is
    the app's quit action). Desktop-wide media keys reach the app through MPRIS (ui/mpris.py)."""
    shortcuts = []
    for keys, slot in (("Space", controller.toggle),
                       ("Ctrl+Right", lambda: controller.advance(user=True)),
                       ("Ctrl+Left", controller.previous), ("Ctrl+L", controller.like),
                       (QKeySequence(Qt.Key.Key_MediaTogglePlayPause), controller.toggle),
                       (QKeySequence(Qt.Key.Key_MediaPlay), controller.play),
                       (QKeySequence(Qt.Key.Key_MediaPause), controller.pause),
                       (QKeySequence(Qt.Key.Key_MediaNext), lambda: controller.advance(user=True)),
                       (QKeySequence(Qt.Key.Key_MediaPrevious), controller.previous),
                       (QKeySequence(Qt.Key.Key_MediaStop), controller.pause)):
        shortcut = QShortcut(QKeySequence(keys), widget)
        shortcut.activated.connect(slot)
        shortcuts.append(shortcut)
    return shortcuts
