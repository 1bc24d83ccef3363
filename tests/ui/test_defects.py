"""Issue 13's defects, each driven on the real main window (offscreen): theme, keyboard, layout,
stale texts, Cancel → Resume, pickers, covers, the why card, the new-list bar, Refresh and
Include saved, unreadable playlists, jargon."""

from __future__ import annotations

from typing import Any

import pytest
from PySide6.QtCore import QEvent, Qt
from PySide6.QtGui import QColor, QKeyEvent, QPalette
from PySide6.QtWidgets import QApplication, QPushButton, QWidget

from conftest import stored_feedback
from desktoprec.domain import Track
from desktoprec.storage.tables import SavedTrackRow
from desktoprec.ui.theme import COLOURS, contrast_ratio, system_theme, theme_manager


def _colour(widget: QWidget, role: QPalette.ColorRole) -> QColor:
    return widget.palette().color(role)


def _shown_colours(widget: QWidget) -> tuple[QColor, QColor]:
    """The text and background colours `widget` is painted with (its palette after polish)."""
    widget.ensurePolished()
    return (_colour(widget, widget.foregroundRole()), _colour(widget, widget.backgroundRole()))


@pytest.mark.parametrize("theme", ["dark", "light"])
def test_theme_switch_is_live_and_complete(qtbot: Any, window: Any, qapp: Any,
                                           theme: str) -> None:
    """Lists, side menu, why card and labels all take the new theme at once, readable (≥ 4.5)."""
    other = "light" if theme == "dark" else "dark"
    window.show()
    manager = theme_manager(qapp)
    manager.apply(other)
    page = window.pages["For you"]
    before = _shown_colours(page.view.list)[1]
    window.services.settings.theme = theme
    window.pages["Settings"].theme.setCurrentIndex(
        window.pages["Settings"].theme.findData(theme))
    window.pages["Settings"].save()  # Settings → Save switches the theme now
    assert manager.current == theme
    qapp.processEvents()
    expected_base = QColor(COLOURS[theme]["base"])
    cards_text, cards_base = _shown_colours(page.view.list)
    assert cards_base == expected_base and cards_base != before
    nav_text, nav_base = _shown_colours(window.nav)
    assert nav_base == QColor(COLOURS[theme]["nav"])
    why = page.view.why
    for label in (why.summary, why.heading, page.heading, page.blurb_label, page.view.figures,
                  window.status_label):
        text, _ = _shown_colours(label)
        back = QColor(COLOURS[theme]["base"]) if label in (why.summary, why.heading) \
            else QColor(COLOURS[theme]["window"])
        assert contrast_ratio(text, back) >= 4.5, (label, text.name(), back.name())
    assert contrast_ratio(cards_text, cards_base) >= 4.5
    assert contrast_ratio(nav_text, nav_base) >= 4.5
    # a card's muted line is still readable
    card = page.view.cards[0]
    assert card.detail.property("muted") is True
    muted = QColor(COLOURS[theme]["muted"])
    assert contrast_ratio(muted, cards_base) >= 4.5
    assert window.pages["Settings"].theme.currentData() == theme


def test_theme_follows_the_system_by_default(qapp: Any) -> None:
    manager = theme_manager(qapp)
    assert manager.apply("system") == system_theme(qapp)
    manager.apply("dark")
    manager._on_system_changed(None)  # a change of the desktop's scheme while "dark" is chosen
    assert manager.current == "dark"
    manager.apply("system")
    assert manager.choice == "system"
    for theme in ("light", "dark"):
        colours = COLOURS[theme]
        for fg, bg in (("text", "base"), ("window_text", "window"), ("muted", "base"),
                       ("muted", "window"), ("banner_text", "banner"),
                       ("highlighted_text", "highlight"), ("placeholder", "base"),
                       ("text", "card_selected"), ("muted", "card_selected"),
                       ("text", "new_list"), ("window_text", "nav")):
            assert contrast_ratio(QColor(colours[fg]), QColor(colours[bg])) >= 4.5, (theme, fg)
    manager.apply("light")


def _override_accepted(widget: QWidget, key: Qt.Key) -> bool:
    event = QKeyEvent(QEvent.Type.ShortcutOverride, key, Qt.KeyboardModifier.NoModifier, " ")
    event.ignore()
    QApplication.sendEvent(widget, event)
    return event.isAccepted()


def test_keyboard_cards_are_one_tab_stop_and_keys_act_on_the_focused_card(
        qtbot: Any, window: Any) -> None:
    window.show()
    view = window.pages["For you"].view
    qtbot.waitUntil(lambda: len(view.cards) == 20)
    # one tab stop for the whole list: no card button takes focus
    for card in view.cards:
        takers = [w for w in card.findChildren(QWidget)
                  if w.focusPolicy() & Qt.FocusPolicy.TabFocus]
        assert takers == []
    assert view.list.focusPolicy() & Qt.FocusPolicy.TabFocus
    assert "P" in view.list.toolTip() and "Up/Down" in view.list.toolTip()
    # Space and Enter on the focused list (or a focused button) are theirs, not play/pause's
    view.list.setFocus()
    assert _override_accepted(view.list, Qt.Key.Key_Space)
    assert _override_accepted(view.list, Qt.Key.Key_Return)
    assert _override_accepted(view.refresh_button, Qt.Key.Key_Space)
    plain = QWidget()
    qtbot.addWidget(plain)
    assert not _override_accepted(plain, Qt.Key.Key_Space)  # elsewhere Space is play/pause
    played: list[tuple[list[Track], int]] = []
    window.player.play_queue = lambda tracks, start=0, request=None: played.append(
        (tracks, start))
    qtbot.keyClick(view.list, Qt.Key.Key_Down)
    assert view.list.currentRow() == 1
    qtbot.keyClick(view.list, Qt.Key.Key_Space)
    assert played and played[-1][1] == 1
    qtbot.keyClick(view.list, Qt.Key.Key_Return)
    assert len(played) == 2
    second = view.cards[1].rec.track.id
    qtbot.keyClick(view.list, Qt.Key.Key_L)
    assert view.cards[1].buttons["like"].text() == "♥✓"
    qtbot.keyClick(view.list, Qt.Key.Key_D)
    assert second not in [c.rec.track.id for c in view.cards]
    assert view.list.currentRow() == 1
    assert (second, "dislike") in stored_feedback(window.services)
    qtbot.keyClick(view.list, Qt.Key.Key_W)
    assert view.why.current is view.cards[1].rec
    # a plain button is pressed by Space
    button = QPushButton("x")
    qtbot.addWidget(button)
    pressed: list[bool] = []
    button.clicked.connect(lambda: pressed.append(True))
    button.show()
    button.setFocus()
    qtbot.keyClick(button, Qt.Key.Key_Space)
    assert pressed == [True]


def test_800_by_600_is_usable(qtbot: Any, window: Any) -> None:
    from desktoprec.ui.main_window import PAGE_NAMES

    window.show()
    window.resize(800, 600)
    qtbot.waitUntil(lambda: window.width() <= 800)
    assert window.minimumSizeHint().width() <= 800
    for name in PAGE_NAMES:
        page = window.go_to(name)
        QApplication.processEvents()
        assert page.minimumSizeHint().width() <= window.stack.width() + 1, name
        for child in page.findChildren(QWidget):
            if child.isVisibleTo(page) and child.minimumWidth() > 0:
                assert child.width() >= child.minimumWidth(), (name, type(child).__name__)
    view = window.go_to("For you").view
    QApplication.processEvents()
    assert view.dial.isVisible() and view.dial.width() >= 120  # the dial does not collapse
    # the value label keeps its width whatever the number
    width = view.dial_value.width()
    view.dial.setValue(100)
    view.dial.setValue(7)
    assert view.dial_value.width() == width
    card = view.cards[0]
    assert card.title.toolTip()  # titles elide, the whole one is in the tooltip


def test_why_card_starts_at_the_top_for_each_card(qtbot: Any, window: Any) -> None:
    from desktoprec.ui.pages.recommendations import WhyCardWidget

    view = window.pages["For you"].view
    why = WhyCardWidget()
    qtbot.addWidget(why)
    why.resize(300, 140)
    why.show()
    why.show_recommendation(view.cards[0].rec)
    QApplication.processEvents()
    bar = why.scroller.verticalScrollBar()
    assert bar.maximum() > 0
    bar.setValue(bar.maximum())
    why.show_recommendation(view.cards[2].rec)
    assert bar.value() == 0


def test_placeholder_covers_are_readable_and_differ_per_album(qtbot: Any, window: Any) -> None:
    from desktoprec.ui.widgets import cover_colour, generated_cover, initials

    view = window.pages["For you"].view
    colours = {c.cover.placeholder_colour.name() for c in view.cards}
    assert len(colours) >= 4  # 6 albums: not one pale colour for all
    for card in view.cards:
        assert contrast_ratio(card.cover.placeholder_colour, QColor("white")) >= 4.5
    assert initials("Album 5") == "A5" and initials("") == "♪"
    image = generated_cover("x", "Night Drive", 56).toImage()
    assert image.pixelColor(2, 2).rgb() == cover_colour("x").rgb()


def test_stale_status_texts_are_cleared(qtbot: Any, window: Any) -> None:
    window.run_job("Scanning your music", lambda progress, cancel: progress("index", 1, 1),
                   on_done=lambda r: None, lane="cpu")
    qtbot.waitUntil(lambda: window.job is None)
    assert "index" not in window.status_label.full_text()


def test_cancel_demo_offers_resume_and_no_stale_text(qtbot: Any, services: Any) -> None:
    import threading

    from desktoprec.ui.context import AppContext
    from desktoprec.ui.main_window import MainWindow
    from desktoprec.ui.tasks import TaskRunner

    started = threading.Event()
    calls: list[str] = []

    def prepare(progress: Any = None, cancel: Any = None, **_kw: Any) -> dict[str, Any]:
        calls.append("prepare")
        started.set()
        assert cancel.wait(30)
        from desktoprec.errors import Cancelled

        raise Cancelled("cancelled")

    services.demo.prepare = prepare  # the real preparation is driven in the Xvfb test
    ctx = AppContext(services, TaskRunner(), demo=True)
    win = MainWindow(ctx, show_wizard=False)
    qtbot.addWidget(win)
    win.start()
    view = win.pages["For you"].view
    assert "Preparing the demo" in view.state.full_text()
    assert started.wait(10)
    win.cancel_job()
    qtbot.waitUntil(lambda: win.job is None, timeout=20000)
    assert "Preparing" not in view.state.full_text()
    assert "cancelled" in view.state.full_text() and "Resume" in view.state.full_text()
    assert win.banner_button.text() == "Resume" and not win.banner_button.isHidden()
    assert "Preparing" not in win.banner_text.full_text()
    # Sync on a demo that is not ready resumes the preparation instead of "not signed in"
    win.start_sync()
    qtbot.waitUntil(lambda: calls == ["prepare", "prepare"], timeout=20000)
    assert "Preparing the demo" in win.banner_text.full_text()
    assert "not signed in" not in win.status_label.full_text().lower()
    win.cancel_job()
    qtbot.waitUntil(lambda: win.job is None, timeout=20000)
    win.banner_button.click()  # Resume
    qtbot.waitUntil(lambda: len(calls) == 3, timeout=20000)
    win.cancel_job()
    qtbot.waitUntil(lambda: win.job is None, timeout=20000)
    win.quit_app()


def test_pickers_show_album_and_length_and_a_click_chooses(qtbot: Any, window: Any) -> None:
    page = window.go_to("A → B path")
    page.from_picker.search.setText("Song 12")
    page.from_picker.run_search()
    line = page.from_picker.results.item(0).text()
    assert "Song 12 — Artist 4" in line and "Album 0" in line and "3:12" in line
    rect = page.from_picker.results.visualItemRect(page.from_picker.results.item(0))
    qtbot.mouseClick(page.from_picker.results.viewport(), Qt.MouseButton.LeftButton,
                     pos=rect.center())
    assert page.start is not None and page.start.id == "t12"
    assert "Song 12" in page.from_label.full_text() and "not chosen" not in \
        page.from_label.full_text()
    assert "not chosen" in page.to_label.full_text()


def test_a_new_list_is_offered_not_swapped_in(qtbot: Any, window: Any) -> None:
    view = window.pages["For you"].view
    shown = [c.rec.track.id for c in view.cards]
    window.services.recommend.feedback(shown[0], "dislike")  # the next list differs
    window.ctx.library_changed.emit()  # as after a sync or a scan
    assert [c.rec.track.id for c in view.cards] == shown  # the list on screen stays
    assert view.new_list_bar.isVisibleTo(view)
    assert "A new list is ready" in view.new_list_text.full_text()
    view.new_list_button.click()
    assert shown[0] not in [c.rec.track.id for c in view.cards]
    assert not view.new_list_bar.isVisibleTo(view)


def test_refresh_gives_a_fresh_list_and_include_saved_brings_saved_tracks(
        qtbot: Any, window: Any) -> None:
    view = window.pages["For you"].view
    first = {c.rec.track.id for c in view.cards}
    view.refresh_button.click()
    second = {c.rec.track.id for c in view.cards}
    assert second and not (first & second)  # none of the tracks just shown: they were avoided
    with window.services.db.write() as s:
        for track_id in ("t00", "t01", "t02"):
            s.add(SavedTrackRow(track_id=track_id, added_at="2026-10-01T00:00:00Z"))
    view.include_saved.setChecked(True)
    view.refresh()
    assert view.current.recipe["include_saved"] is True
    saved = [c for c in view.cards if c.saved]
    assert saved and all("saved" in c.detail.full_text() for c in saved)
    assert "of these are tracks you saved" in view.state.full_text()


def test_unreadable_playlist_says_so_and_shows_no_old_list(qtbot: Any, window: Any) -> None:
    page = window.go_to("Continue a playlist")
    page.continue_with("pl1")
    assert page.view.cards
    page.continue_with("pl2")  # "Someone else's": not readable
    assert page.view.cards == [] and page.view.list.count() == 0
    assert "cannot be continued" in page.view.state.full_text()
    assert "Only playlists you own" in page.view.state.full_text()


def test_plain_words_for_sync_title_and_toolbar(qtbot: Any, window: Any) -> None:
    from desktoprec.ui.main_window import sync_summary

    text = sync_summary({"counts": {"saved_tracks_new": 3, "playlists_fetched": 1},
                         "pending_exports_sent": 0, "total_requests": 6})
    assert text == "Synced: 3 new saved tracks, 1 playlist updated."
    assert "requests" not in sync_summary({"counts": {}, "total_requests": 6})
    from desktoprec.storage.repo import AccountSummary

    window._on_account(AccountSummary(id="tester", display_name="Test Listener", premium=True))
    assert window.windowTitle() == "Test Listener — desktoprec"
    assert window.account_label.full_text().strip() == "Signed in as Test Listener · " \
        "Spotify Premium"
    window.ctx.demo = True
    window._on_account(AccountSummary(id="demo", display_name="Demo Listener", premium=True))
    assert window.windowTitle().count("desktoprec") == 1
    assert "Premium" not in window.account_label.full_text()
    why = window.pages["For you"].view.why
    assert "'" not in why.sound_title.full_text()


def test_wizard_does_not_offer_the_demo_id_and_links_the_dashboard(qtbot: Any, ctx: Any) -> None:
    from desktoprec.demo.service import DEMO_CLIENT_ID
    from desktoprec.ui.wizard import DASHBOARD_URL, FirstRunDialog

    ctx.services.settings.client_id = DEMO_CLIENT_ID
    opened: list[str] = []
    ctx.open_url_hook = opened.append
    dialog = FirstRunDialog(ctx)
    qtbot.addWidget(dialog)
    assert dialog.client_id_edit.text() == ""
    dialog.dashboard_link.linkActivated.emit(DASHBOARD_URL)
    assert opened == [DASHBOARD_URL]
    dialog.connect_button.click()
    assert not dialog.client_id_error._elide  # the whole message shows, wrapped


def test_playing_does_not_flood_the_terminal(qtbot: Any, tmp_path: Any, capfd: Any) -> None:
    """FFmpeg's stream dump ("Input #0, wav …") stays out of the terminal."""
    from PySide6.QtCore import QUrl
    from PySide6.QtMultimedia import QAudioOutput, QMediaPlayer

    from conftest import write_wav
    from desktoprec.ui.app import quiet_ffmpeg

    assert quiet_ffmpeg()
    path = write_wav(tmp_path / "quiet.wav")
    player = QMediaPlayer()
    output = QAudioOutput()
    player.setAudioOutput(output)
    capfd.readouterr()
    player.setSource(QUrl.fromLocalFile(str(path)))
    qtbot.waitUntil(lambda: player.mediaStatus() in (QMediaPlayer.MediaStatus.LoadedMedia,
                                                     QMediaPlayer.MediaStatus.InvalidMedia),
                    timeout=10000)
    assert player.mediaStatus() == QMediaPlayer.MediaStatus.LoadedMedia
    player.stop()
    err = capfd.readouterr().err
    assert "Input #0" not in err and "Stream #0" not in err


def test_no_browser_is_reported_and_xdg_open_stays_quiet(tmp_path: Any, capfd: Any,
                                                         monkeypatch: Any) -> None:
    from desktoprec.ui.context import xdg_open

    fake = tmp_path / "bin" / "xdg-open"
    fake.parent.mkdir()
    fake.write_text("#!/bin/sh\necho 'xdg-open: no method available for opening' >&2\nexit 3\n")
    fake.chmod(0o755)
    monkeypatch.setenv("PATH", f"{fake.parent}:/usr/bin:/bin")
    capfd.readouterr()
    assert xdg_open("https://open.spotify.com/track/x") is False
    assert "no method available" not in capfd.readouterr().err
    fake.write_text("#!/bin/sh\nexit 0\n")
    assert xdg_open("https://open.spotify.com/track/x") is True


def test_insights_legend_colours_units_and_words(qtbot: Any, window: Any) -> None:
    from desktoprec.ui.widgets import HistogramWidget, PlainLabel, readable_number

    page = window.go_to("Insights")
    page.reload()
    assert page.data is not None and page.map.dot_count() == 24
    entries = dict(page.legend.entries())
    assert set(entries) == {"indie pop", "techno", "jazz", "ambient", "metal"}
    dot_colours: dict[str, QColor] = {}
    for dot in page.map._dots:
        key = str(dot.data(1)).rsplit("[", 1)[1].rstrip("]")
        dot_colours.setdefault(key, dot.brush().color())
    for key, colour in entries.items():
        assert dot_colours[key] == colour  # the swatch is the dots' colour
    assert len({c.name() for c in entries.values()}) == len(entries)  # and tells them apart
    bar_labels = [bar[0] for bar in page.genres.items()]
    for label in bar_labels:
        if label in entries:
            assert page.genres.colour_of(label) == entries[label]  # bars match the map
    words = [lbl.full_text() for lbl in page.findChildren(PlainLabel)]
    words += [h.title for h in page.findChildren(HistogramWidget)]
    words += [label for label, _ in page.sources.items()]
    for raw in ("own_file", "spectral_centroid", "_"):
        assert not any(raw in w for w in words), raw
    tempo = next(h for h in page.histograms if h.title == "tempo")
    assert tempo.axis_labels() == ("90 BPM", "113 BPM")
    assert readable_number(4470.0) == "4,470" and "e+" not in readable_number(12345678.0)
    assert readable_number(0.1234) == "0.12"


def test_demo_shows_a_first_list_before_the_audio_and_offers_the_better_one(
        qtbot: Any, services: Any, library: list[str]) -> None:
    """prepare() calls on_first_index once the account is indexed (tests/demo checks that it
    comes before the audio); the window shows that list at once and offers the final one."""
    import threading

    from desktoprec.ui.context import AppContext
    from desktoprec.ui.main_window import MainWindow
    from desktoprec.ui.tasks import TaskRunner

    go_on = threading.Event()

    def prepare(progress: Any = None, cancel: Any = None, on_first_index: Any = None,
                **_kw: Any) -> dict[str, Any]:
        on_first_index()
        assert go_on.wait(30)
        return {}

    services.demo.prepare = prepare
    ctx = AppContext(services, TaskRunner(), demo=True)
    win = MainWindow(ctx, show_wizard=False)
    qtbot.addWidget(win)
    win.start()
    view = win.pages["For you"].view
    qtbot.waitUntil(lambda: len(view.cards) == 20, timeout=20000)
    assert win.job is not None  # still preparing: the sound comes later
    assert "first recommendations are ready" in win.banner_text.full_text()
    shown = [c.rec.track.id for c in view.cards]
    services.recommend.feedback(shown[0], "skip")  # the final list differs
    go_on.set()
    qtbot.waitUntil(lambda: win.job is None and not view.loading, timeout=20000)
    qtbot.waitUntil(lambda: view.new_list_bar.isVisibleTo(view), timeout=20000)
    assert [c.rec.track.id for c in view.cards] == shown  # not swapped under the reader
    win.quit_app()


def test_settings_account_data_folder_and_about(qtbot: Any, window: Any) -> None:
    from desktoprec import __version__

    page = window.go_to("Settings")
    assert __version__ in page.about.full_text()
    opened: list[str] = []
    window.ctx.open_url_hook = opened.append
    page.open_data_button.click()
    assert opened and opened[-1].startswith("file://")
    assert opened[-1].endswith(str(window.services.paths.data_dir))
    window.services.settings.client_id = "0123456789abcdef0123456789abcdef"
    window.signed_in = True
    page.sign_out_button.click()
    assert "Signed out" in page.message.full_text()
    assert window.signed_in is False
    assert "not signed in" in window.banner_text.full_text()


def test_library_sorts_by_any_column_and_columns_can_be_hidden(qtbot: Any, window: Any) -> None:
    from desktoprec.ui.pages.library import LENGTH_COLUMN

    page = window.go_to("Library")
    page.reload()
    header = page.table.horizontalHeader()
    assert page.model.HEADERS[LENGTH_COLUMN] == "Length"
    page.table.sortByColumn(LENGTH_COLUMN, Qt.SortOrder.DescendingOrder)
    lengths = [i.track.duration_ms for i in page.model.items]
    assert lengths == sorted(lengths, reverse=True) and lengths[0] == 203_000
    assert page.model.cell(0, LENGTH_COLUMN) == "3:23"
    page.reload()  # a reload keeps the chosen order
    assert [i.track.duration_ms for i in page.model.items] == lengths
    assert header.sortIndicatorSection() == LENGTH_COLUMN
    assert page.model.cell(0, 5) in ("Spotify library", "my files")  # words, not "spotify"
    page.column_actions[4].setChecked(False)
    assert page.table.isColumnHidden(4)
    page.column_actions[4].setChecked(True)
    assert not page.table.isColumnHidden(4)
    assert not page.column_actions[0].isEnabled()  # the title always shows
