"""The player: local files in-app, Spotify Connect through the emulator, messages, quick skips."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from PySide6.QtGui import QShortcut

from conftest import emulator_services, stored_feedback, write_wav
from desktoprec.domain import Track
from desktoprec.spotify.emulator import EmulatorServer, generate_account
from desktoprec.ui.context import AppContext
from desktoprec.ui.player_window import PlaybackController, PlayerWindow, format_ms
from desktoprec.ui.tasks import TaskRunner


@dataclass
class RemotePlayer:
    """A player on Spotify Connect: the emulated account's server, the app's side, the window."""

    server: EmulatorServer
    ctx: AppContext
    controller: PlaybackController
    window: PlayerWindow

    def __iter__(self) -> Iterator[Any]:
        return iter((self.server, self.ctx, self.controller, self.window))


@pytest.fixture
def player(qtbot: Any, ctx: Any) -> Iterator[tuple[PlaybackController, PlayerWindow]]:
    """The controller and its window on the test's services; stopped after the test."""
    controller = PlaybackController(ctx)
    window = PlayerWindow(ctx, controller)
    qtbot.addWidget(window)
    yield controller, window
    controller.stop()


@pytest.fixture
def remote_player(qtbot: Any) -> Iterator[Callable[..., RemotePlayer]]:
    """Start a player on an emulated Spotify account (`generate_account`'s options); the
    controller, the services and the server are closed after the test, in that order."""
    with contextlib.ExitStack() as stack:
        def start(**account: Any) -> RemotePlayer:
            server = stack.enter_context(EmulatorServer(generate_account(**account)))
            ctx = AppContext(emulator_services(server), TaskRunner(inline=True))
            ctx.open_url_hook = lambda url: None
            stack.callback(ctx.services.close)
            controller = PlaybackController(ctx)
            stack.callback(controller.stop)
            window = PlayerWindow(ctx, controller)
            qtbot.addWidget(window)
            return RemotePlayer(server, ctx, controller, window)

        yield start


def _spotify_tracks(server: Any, n: int = 4) -> list[Track]:
    return [Track(id=tid, name=f"Remote {i}", artists=("Someone",),
                  uri=f"spotify:track:{tid}", duration_ms=200_000)
            for i, tid in enumerate(list(server.account.tracks)[:n])]


def test_local_file_plays_in_app(qtbot: Any, ctx: Any, player: Any, tmp_path: Any) -> None:
    path = write_wav(tmp_path / "a.wav", seconds=2.0)
    controller, window = player
    track = Track(id="local:a", name="<b>My file</b>", artists=("Me",), local_path=str(path),
                  source="local")
    controller.play_queue([track, track], 0)
    assert controller.backend == "local"
    assert controller.state == "playing"
    assert window.title.full_text() == "<b>My file</b>"
    assert "your file" in window.where.full_text()
    assert window.up_next.count() == 1
    qtbot.waitUntil(lambda: controller._media.duration() > 0, timeout=5000)
    window.buttons["toggle"].click()
    assert controller.state == "paused" and window.buttons["toggle"].text() == "▶"
    window.buttons["toggle"].click()
    assert controller.state == "playing"


def test_spotify_connect_with_premium_and_devices(qtbot: Any, remote_player: Any) -> None:
    server, _ctx, controller, window = remote_player(seed=8, saved_tracks=8, playlists=1, devices=2)
    tracks = _spotify_tracks(server)
    controller.play_queue(tracks, 0)
    assert controller.backend == "spotify"
    assert server.account.playback["is_playing"] is True
    assert not window.message_row.isVisibleTo(window)
    window.refresh_devices_button.click()
    assert window.devices.count() == 2
    window.devices.setCurrentIndex(1)
    target = window.devices.currentData()
    window.transfer_button.click()
    assert next(d for d in server.account.devices if d["id"] == target)["is_active"]
    window.buttons["toggle"].click()
    assert server.account.playback["is_playing"] is False
    controller.poll_remote_state()


@pytest.mark.parametrize("premium,devices,words", [(False, 1, "Premium"),
                                                   (True, 0, "No Spotify device")])
def test_premium_required_or_no_device_gives_a_plain_message(qtbot: Any, remote_player: Any,
                                                             premium: bool, devices: int,
                                                             words: str) -> None:
    server, ctx, controller, window = remote_player(seed=9, saved_tracks=5, playlists=1,
                                                    premium=premium, devices=devices)
    tracks = _spotify_tracks(server, 2)
    controller.play_queue(tracks, 0)
    assert window.message_row.isVisibleTo(window)
    assert words in window.message.full_text()
    assert window.open_button.isVisibleTo(window)
    window.open_button.click()
    assert ctx.opened_urls[-1] == f"https://open.spotify.com/track/{tracks[0].id}"
    assert controller.state == "stopped"


def test_two_quick_skips_refresh_up_next(qtbot: Any, ctx: Any, library: list[str]) -> None:
    controller = PlaybackController(ctx)
    tracks = [i.track for i in ctx.services.browse.library_items()][:6]
    tracks = [Track(id=t.id, name=t.name, artists=t.artists) for t in tracks]  # not playable
    controller.play_queue(tracks, 0)
    controller.advance(user=True)
    assert controller.refreshes == 0
    controller.advance(user=True)
    assert controller.refreshes == 1
    kinds = [k for _, k in stored_feedback(ctx.services)]
    assert kinds.count("skip") == 2 and "play" in kinds
    assert len(controller.queue) > 6  # the refreshed picks were appended after the current one


def test_shortcuts_and_controls(qtbot: Any, ctx: Any, player: Any) -> None:
    controller, window = player
    keys = {s.key().toString() for s in window.findChildren(QShortcut)}
    assert {"Space", "Ctrl+Right", "Ctrl+Left", "Ctrl+L"} <= keys
    tracks = [Track(id=f"x{i}", name=f"X{i}", artists=("A",)) for i in range(3)]
    controller.play_queue(tracks, 0)
    assert "no playable file" in window.message.full_text()
    controller.advance(user=False)
    assert controller.index == 1
    controller.previous()
    assert controller.index == 0
    window.set_compact(True)
    assert window.windowTitle() == "Mini player"
    assert format_ms(61_000) == "1:01"


# --- issue 13: Mini/Full, the screen, Play there, the end of the queue, no browser ---------------


def test_mini_and_full_keep_the_window_shown_and_in_place(qtbot: Any, ctx: Any,
                                                          player: Any) -> None:
    from PySide6.QtCore import Qt

    _controller, window = player
    window.show()
    qtbot.waitExposed(window)
    window.move(120, 90)
    full = window.geometry()
    window.buttons["compact"].click()
    assert window.compact and window.isVisible()
    assert window.windowFlags() & Qt.WindowType.WindowStaysOnTopHint
    assert window.buttons["compact"].text() == "Full"
    assert not window.queue_view.isVisible() and window.height() < full.height()
    window.move(300, 200)
    mini = window.geometry()
    window.buttons["compact"].click()
    assert not window.compact and window.isVisible()
    assert not window.windowFlags() & Qt.WindowType.WindowStaysOnTopHint
    assert window.geometry() == full  # the full player comes back where it was
    window.buttons["compact"].click()
    assert window.isVisible() and window.geometry() == mini


def test_player_is_kept_on_the_screen(qtbot: Any, ctx: Any, player: Any) -> None:
    _controller, window = player
    area = window.screen().availableGeometry()
    window.move(area.right() - 50, area.bottom() - 40)  # mostly off-screen
    window.show()
    qtbot.waitExposed(window)
    frame = window.frameGeometry()
    assert area.contains(frame), (area, frame)
    window.resize(area.width() + 500, area.height() + 500)
    window.clamp_to_screen()
    assert area.contains(window.frameGeometry())


def test_open_in_spotify_without_a_browser_says_so_with_the_link(qtbot: Any,
                                                                 remote_player: Any) -> None:
    server, ctx, controller, window = remote_player(seed=9, saved_tracks=5, playlists=1,
                                                    premium=False)
    ctx.open_url_hook = None  # the real QDesktopServices: offscreen, nothing can open a URL
    tracks = _spotify_tracks(server, 1)
    controller.play_queue(tracks, 0)
    assert "Premium" in window.message.full_text()
    window.open_button.click()
    assert "No browser" in window.message.full_text()
    assert window.link.isVisibleTo(window)
    assert window.link.text() == f"https://open.spotify.com/track/{tracks[0].id}"
    window.copy_button.click()
    from PySide6.QtGui import QGuiApplication

    assert QGuiApplication.clipboard().text() == window.link.text()


def test_play_there_stops_local_audio_and_shows_the_device(qtbot: Any, remote_player: Any,
                                                           tmp_path: Any) -> None:
    server, _ctx, controller, window = remote_player(seed=8, saved_tracks=8, playlists=1, devices=2)
    path = write_wav(tmp_path / "both.wav", seconds=3.0)
    remote = _spotify_tracks(server, 2)
    both = Track(id=remote[0].id, name="On disk and on Spotify", artists=("A",),
                 uri=remote[0].uri, local_path=str(path), duration_ms=3000)
    controller.play_queue([both, remote[1]], 0)
    assert controller.backend == "local" and "your file" in window.where.full_text()
    qtbot.waitUntil(lambda: controller.local_playing, timeout=5000)
    window.refresh_devices_button.click()
    window.devices.setCurrentIndex(1)
    target = window.devices.currentData()
    name = next(d["name"] for d in server.account.devices if d["id"] == target)
    window.transfer_button.click()
    assert controller.backend == "spotify"
    assert not controller.local_playing  # no more sound here
    playback = server.account.playback
    assert playback["is_playing"] and playback["device_id"] == target
    assert playback["uris"][playback["index"]] == both.uri
    assert f"playing on {name}" in window.where.full_text()
    assert "your file" not in window.where.full_text()


def test_end_of_the_queue_shows_finished_not_playing(qtbot: Any, ctx: Any, player: Any,
                                                     tmp_path: Any) -> None:
    path = write_wav(tmp_path / "short.wav", seconds=1.0)
    controller, window = player
    track = Track(id="local:s", name="Short", artists=("Me",), local_path=str(path))
    controller.play_queue([track], 0)
    assert window.buttons["toggle"].text() == "||"
    controller.advance(user=False)  # what the end of the media does
    assert controller.state == "finished"
    assert window.buttons["toggle"].text() == "▶"
    assert "Finished" in window.where.full_text()
    assert window.time.full_text().startswith("0:00 /")
    assert controller.now_playing_id is None and not controller.local_playing
    window.buttons["toggle"].click()  # play again from the start of the queue
    assert controller.state == "playing" and controller.current.id == "local:s"
    controller.stop()


# --- issue 13: the queue, volume/shuffle/repeat, likes, hidden, radio, output device -----------


def _local_tracks(tmp_path: Any, n: int) -> list[Track]:
    return [Track(id=f"local:q{i}", name=f"Q{i}", artists=("Me",),
                  local_path=str(write_wav(tmp_path / f"q{i}.wav", seconds=1.0)))
            for i in range(n)]


def test_queue_view_play_next_add_reorder_remove(qtbot: Any, ctx: Any, player: Any,
                                                 tmp_path: Any) -> None:
    controller, window = player
    tracks = _local_tracks(tmp_path, 5)
    controller.play_queue(tracks[:3], 0)
    view = window.queue_view
    assert view.titles() == ["Q1 — Me", "Q2 — Me"]
    controller.play_next(tracks[3])
    controller.add_to_queue(tracks[4])
    assert view.titles() == ["Q3 — Me", "Q1 — Me", "Q2 — Me", "Q4 — Me"]
    view.list.setCurrentRow(0)
    view.down_button.click()
    assert view.titles()[:2] == ["Q1 — Me", "Q3 — Me"] and view.list.currentRow() == 1
    view.list.setCurrentRow(3)
    view.up_button.click()
    assert view.titles() == ["Q1 — Me", "Q3 — Me", "Q4 — Me", "Q2 — Me"]
    view.list.setCurrentRow(0)
    view.remove_button.click()
    assert view.titles() == ["Q3 — Me", "Q4 — Me", "Q2 — Me"]
    view.list.setCurrentRow(1)
    view.play_button.click()
    assert controller.current.name == "Q4" and view.titles() == ["Q2 — Me"]
    # a drag in the list is the same move in the queue
    controller.add_to_queue(tracks[:2])
    assert view.titles() == ["Q2 — Me", "Q0 — Me", "Q1 — Me"]
    view._on_rows_moved(None, 2, 2, None, 0)  # type: ignore[arg-type]
    assert [t.name for t in controller.up_next()] == ["Q1", "Q2", "Q0"]
    view.clear_button.click()
    assert view.titles() == [] and controller.current.name == "Q4"


def test_volume_shuffle_repeat_in_app(qtbot: Any, ctx: Any, player: Any, tmp_path: Any) -> None:
    controller, window = player
    controller.play_queue(_local_tracks(tmp_path, 8), 0)
    window.volume.setValue(35)
    assert controller.volume == 35
    assert abs(controller._audio.volume() - 0.35) < 0.01  # the real QAudioOutput
    assert ctx.services.settings.volume == 35
    before = [t.id for t in controller.up_next()]
    window.buttons["shuffle"].click()
    assert controller.shuffle and sorted(t.id for t in controller.up_next()) == sorted(before)
    window.buttons["shuffle"].click()
    assert not controller.shuffle and [t.id for t in controller.up_next()] == before
    window.buttons["repeat"].click()
    assert controller.repeat == "all" and window.buttons["repeat"].text() == "↻ all"
    window.buttons["repeat"].click()
    assert controller.repeat == "one"
    controller.advance(user=False)  # the track ended by itself: repeat one plays it again
    assert controller.current.id == "local:q0" and controller.state == "playing"
    window.buttons["repeat"].click()
    assert controller.repeat == "off" and window.buttons["repeat"].text() == "↻"


def test_volume_shuffle_repeat_and_queue_through_spotify_connect(qtbot: Any,
                                                                 remote_player: Any) -> None:
    server, ctx, controller, window = remote_player(seed=8, saved_tracks=8, playlists=1, devices=2)
    tracks = _spotify_tracks(server, 5)
    controller.play_queue(tracks[:3], 0)
    controller.set_volume(42)
    device = next(d for d in server.account.devices if d["is_active"])
    assert device["volume_percent"] == 42
    window.buttons["shuffle"].click()
    assert server.account.playback["shuffle"] is True
    window.buttons["repeat"].click()
    assert server.account.playback["repeat"] == "context"
    window.buttons["repeat"].click()
    assert server.account.playback["repeat"] == "track"
    controller.add_to_queue(tracks[4])
    assert server.account.playback["queue"] == [tracks[4].uri]
    assert controller.up_next()[-1].id == tracks[4].id
    state = ctx.services.player.state()
    assert state.shuffle_state is True and state.repeat_state == "track"


def test_heart_saves_to_the_spotify_library_and_undo_unlikes(qtbot: Any,
                                                             remote_player: Any) -> None:
    server, ctx, controller, window = remote_player(seed=8, saved_tracks=0, playlists=1, devices=1)
    tracks = _spotify_tracks(server, 2)
    controller.play_queue(tracks, 0)
    window.buttons["like"].click()
    assert server.account.is_saved(tracks[0].id)
    assert "Saved to your Spotify library" in window.message.full_text()
    assert window.buttons["like"].isChecked() and window.undo_button.isVisibleTo(window)
    controller.advance(user=False)
    controller.previous()  # back to the liked track: the ♥ shows it is liked
    assert window.buttons["like"].isChecked()
    window.buttons["like"].click()  # ♥ again: unlike
    assert not server.account.is_saved(tracks[0].id)
    assert not window.buttons["like"].isChecked()
    window.buttons["like"].click()
    assert server.account.is_saved(tracks[0].id)
    window.undo_button.click()
    assert not server.account.is_saved(tracks[0].id)
    assert not window.buttons["like"].isChecked()
    # offline: the like waits for the next sync, and says so
    server.faults.add("/me/library", mode="drop", times=-1)
    window.buttons["like"].click()
    assert "next sync" in window.message.full_text()
    assert ctx.services.feedback.pending() == [{"op": "PUT", "uri": tracks[0].uri}]


def test_dislike_undo_and_the_hidden_list(qtbot: Any, ctx: Any, player: Any,
                                          library: list[str]) -> None:
    from desktoprec.storage.tables import FeedbackRow

    controller, window = player
    tracks = [Track(id=tid, name=f"Song {tid}", artists=("A",)) for tid in library[:3]]
    controller.play_queue(tracks, 0)
    window.buttons["dislike"].click()
    assert controller.current.id == library[1]
    assert "Hidden" in window.message.full_text() and window.undo_button.isVisibleTo(window)
    window.undo_button.click()
    assert controller.up_next()[0].id == library[0]  # back, and it plays next
    with ctx.services.db.read() as session:
        assert session.query(FeedbackRow).filter_by(track_id=library[0],
                                                    kind="dislike").count() == 0
    controller.dislike()  # hides library[1]
    window.hidden_button.click()
    dialog = window.hidden_dialog
    qtbot.addWidget(dialog)
    assert dialog.hidden_list.count() == 1
    assert dialog.hidden_list.item(0).data(0x0100).id == library[1]
    dialog.hidden_list.setCurrentRow(0)
    dialog.unhide_button.click()
    assert "can be recommended again" in dialog.message.full_text()
    assert dialog.hidden_list.item(0).text() == "Nothing is hidden."
    assert ctx.services.feedback.hidden() == []


def test_radio_keeps_the_queue_going_without_repeats(qtbot: Any, ctx: Any, player: Any,
                                                      library: list[str]) -> None:
    controller, window = player
    tracks = [Track(id=tid, name=f"Song {tid}", artists=("A",)) for tid in library[:2]]
    controller.play_queue(tracks, 0)
    window.radio_box.setChecked(True)
    assert controller.radio and controller.radio_batches == 1
    assert len(controller.up_next()) > 2
    asked = ctx.services.recommend.last_list()  # the service keeps each list it made
    assert asked is not None
    call = asked.recipe
    assert call["mode"] == "more_like" and library[0] in call["seeds"]
    for _ in range(12):
        controller.advance(user=False)
    ids = [t.id for t in controller.queue]
    assert len(ids) == len(set(ids))  # nothing suggested twice
    assert controller.radio_batches >= 2 and controller.state != "finished"
    window.radio_box.setChecked(False)
    assert not controller.radio


def test_output_device_selector_saves_and_applies_live(qtbot: Any, ctx: Any,
                                                        tmp_path: Any) -> None:
    from PySide6.QtMultimedia import QMediaDevices

    from desktoprec.settings import load_settings
    from desktoprec.ui.output_device import DEFAULT_LABEL, OutputDeviceSelector, device_id

    controller = PlaybackController(ctx)
    ctx.player = controller
    controller.play_queue(_local_tracks(tmp_path, 1), 0)
    selector = OutputDeviceSelector(ctx)
    qtbot.addWidget(selector)
    outputs = QMediaDevices.audioOutputs()
    assert selector.itemText(0) == DEFAULT_LABEL and selector.count() == 1 + len(outputs)
    if outputs:  # a real sound card or sound server: pick it
        selector.setCurrentIndex(1)
        assert controller._audio.device().id() == outputs[0].id()
        wanted = device_id(outputs[0])
    else:  # none here: a remembered device that is not connected is kept and said so
        ctx.services.settings.audio_output = "usb-headset"
        selector.reload()
        assert selector.count() == 2 and "not connected" in selector.itemText(1)
        selector.setCurrentIndex(0)
        selector.setCurrentIndex(1)
        wanted = "usb-headset"
    assert controller.output_device_id == wanted
    assert load_settings(ctx.services.paths.settings_file).audio_output == wanted
    selector.setCurrentIndex(0)
    assert controller.output_device_id == ""
    controller.stop()


def test_cards_mark_the_track_that_plays_and_their_heart_is_a_real_like(qtbot: Any,
                                                                        window: Any) -> None:
    page = window.pages["For you"]
    view = page.view
    view.refresh()
    assert len(view.cards) >= 3
    view.cards[1].buttons["play"].click()
    playing = window.player.current.id
    assert playing == view.cards[1].rec.track.id
    assert view.cards[1].title.full_text().startswith("▶ ")
    assert not view.cards[0].title.full_text().startswith("▶ ")
    window.player.advance(user=False)
    assert view.cards[2].title.full_text().startswith("▶ ")
    assert not view.cards[1].title.full_text().startswith("▶ ")
    view.cards[0].buttons["like"].click()
    liked = view.cards[0].rec.track.id
    assert window.ctx.services.feedback.is_liked(liked)
    assert (liked, "like") in stored_feedback(window.ctx.services)


def test_library_list_marks_the_track_that_plays(qtbot: Any, window: Any) -> None:
    from PySide6.QtCore import Qt

    page = window.pages["Library"]
    page.on_shown()
    qtbot.waitUntil(lambda: page.model.rowCount() > 3, timeout=10_000)
    model = page.model
    tracks = [model.items[i].track for i in range(3)]
    window.player.play_queue(tracks, 1)
    marked = [r for r in range(model.rowCount())
              if model.data(model.index(r, 0), Qt.ItemDataRole.DecorationRole) is not None]
    assert [model.items[r].track.id for r in marked] == [tracks[1].id]
    window.player.advance(user=False)
    marked = [r for r in range(model.rowCount())
              if model.data(model.index(r, 0), Qt.ItemDataRole.DecorationRole) is not None]
    assert [model.items[r].track.id for r in marked] == [tracks[2].id]
    window.player.stop()
