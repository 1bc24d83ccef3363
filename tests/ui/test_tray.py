"""The tray menu's actions, called directly (offscreen there is no tray host)."""

from __future__ import annotations

from typing import Any

import pytest

from conftest import seed_library, stored_feedback, stored_skip_positions
from desktoprec.errors import RecommendError
from desktoprec.storage.tables import RecentlyPlayedRow, SavedTrackRow
from desktoprec.ui.tray import quick_recommend, time_of_day


def test_quick_recommend_gives_five_playable_picks(qtbot: Any, window: Any) -> None:
    tray = window.tray
    assert [a.text() for a in tray.menu.actions() if a.text()] == [
        "Quick recommend", "Play / pause", "Next", "Like", "Sync now", "Show window", "Quit"]
    tray.refresh_quick()
    assert tray.picks is not None and len(tray.picks.items) == 5
    assert len(tray.pick_actions) == 5
    # recent listening seeds the picks
    call = tray.picks.recipe  # what the service was asked, as it answered
    assert call["mode"] == "more_like" and set(call["seeds"]) == {"t06", "t07", "t08"}
    assert tray.picks.recipe["time_of_day"] in ("morning", "afternoon", "evening", "night")
    assert tray.notifications[-1][0] == "New recommendations"
    play, show = tray.pick_actions[2]
    play.trigger()
    assert window.player.current.id == tray.picks.items[2].track.id
    show.trigger()
    assert window.stack.currentWidget() is window.pages["For you"]
    assert len(window.pages["For you"].view.cards) == 5


def test_playback_actions_and_show_window(qtbot: Any, window: Any) -> None:
    tray = window.tray
    tray.refresh_quick()
    tray.pick_actions[0][0].trigger()
    first = window.player.current
    tray.next_action.trigger()
    assert window.player.current is not first
    tray.like_action.trigger()
    assert (window.player.current.id, "like") in stored_feedback(window.ctx.services)
    tray.play_pause_action.trigger()
    window.hide()
    tray.show_action.trigger()
    assert window.isVisible()


def test_sync_now_and_quit(qtbot: Any, window: Any) -> None:
    tray = window.tray
    tray.sync_action.trigger()
    assert window.job is None  # ran (and, with no sign-in in this build, said why not)
    tray.quit_action.trigger()
    assert window._quitting


def test_notifications_without_a_tray_go_to_the_status_bar(qtbot: Any, window: Any) -> None:
    window.ctx.notified.emit("Sync finished", "12 tracks")
    assert window.tray.notifications[-1] == ("Sync finished", "12 tracks")
    assert "Sync finished: 12 tracks" in window.status_label.full_text()


def test_quick_recommend_without_history_uses_for_you(services: Any, tmp_path: Any) -> None:
    with pytest.raises(RecommendError, match="nothing to recommend"):
        quick_recommend(services)  # an empty library: the tray says "No picks: ..."
    seed_library(services, tmp_path / "music")
    with services.db.write() as session:  # saved tracks, but nothing played lately
        session.query(RecentlyPlayedRow).delete()
        for track_id in ("t00", "t01", "t02"):
            session.add(SavedTrackRow(track_id=track_id, added_at="2026-10-01T00:00:00Z"))
    picks = quick_recommend(services)
    assert picks.recipe["mode"] == "for_you"
    assert len(picks.items) == 5
    assert time_of_day(8) == "morning" and time_of_day(23) == "night"


def test_tray_tooltip_says_what_plays_and_picks_can_be_queued(qtbot: Any, window: Any) -> None:
    tray = window.tray
    assert tray.tooltip == "desktoprec"
    tray.refresh_quick()
    tray.pick_actions[0][0].trigger()
    playing = window.player.current
    assert tray.tooltip.startswith("desktoprec — playing: ") and playing.name[:20] in tray.tooltip
    assert tray.like_action.text().startswith("Like ♥")
    window.player.toggle()
    assert "paused" in tray.tooltip
    play_next, add = tray.queue_actions[3]
    play_next.trigger()
    assert window.player.up_next()[0].id == tray.picks.items[3].track.id
    add.trigger()
    assert window.player.up_next()[-1].id == tray.picks.items[3].track.id
    window.player.queue_model.index = len(window.player.queue) - 1
    window.player.advance(user=False)
    assert window.player.state == "finished" and tray.tooltip == "desktoprec"


def test_tray_next_uses_the_one_skip_rule(qtbot: Any, window: Any) -> None:
    tray = window.tray
    tray.refresh_quick()
    tray.pick_actions[0][0].trigger()
    tray.next_action.trigger()
    tray.next_action.trigger()
    positions = stored_skip_positions(window.ctx.services)
    assert positions and all(p is not None and p < 30_000 for p in positions)
    assert window.player.refreshes == 1  # the service answered the second quick skip
