"""The A → B path page, Insights' summary and the Connect Spotify page in an 800×600 window."""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import QApplication


def _small(qtbot: Any, window: Any) -> None:
    window.show()
    window.resize(800, 600)
    qtbot.waitUntil(lambda: window.width() <= 800 and window.height() <= 600)


def test_the_path_gets_most_of_the_page_once_both_ends_are_chosen(qtbot: Any,
                                                                  window: Any) -> None:
    _small(qtbot, window)
    page = window.go_to("A → B path")
    qtbot.waitUntil(lambda: page.to_picker.results.count() > 5)
    assert page.from_picker.isVisible() and not page.change_button.isVisible()
    page.from_picker.pick_row(0)
    assert page.from_picker.isVisible()  # one end is not enough to fold them
    page.to_picker.pick_row(5)
    QApplication.processEvents()
    assert not page.from_picker.isVisible() and not page.to_picker.isVisible()
    assert page.start is not None and page.end is not None
    assert page.start.name in page.from_label.full_text()  # the chosen ends stay named
    assert page.end.name in page.to_label.full_text()
    assert page.view.height() >= page.height() / 2, (page.view.height(), page.height())
    page.go_button.click()
    assert page.view.cards
    page.change_button.click()
    QApplication.processEvents()
    assert page.from_picker.isVisible() and page.to_picker.isVisible()
    assert not page.change_button.isVisible()


def test_the_insights_summary_wraps_whole_at_800_by_600(qtbot: Any, window: Any) -> None:
    from PySide6.QtCore import QRect, Qt
    from PySide6.QtGui import QFontMetrics

    _small(qtbot, window)
    page = window.go_to("Insights")
    qtbot.waitUntil(lambda: page.data is not None, timeout=20000)
    QApplication.processEvents()
    summary = page.summary
    assert "tracks in the library" in summary.full_text()
    assert summary.wordWrap() and summary.text() == summary.full_text()  # nothing elided
    viewport = summary.parentWidget().parentWidget()  # the scroll area's viewport
    assert summary.mapTo(viewport, summary.rect().topRight()).x() <= viewport.width()
    needed = QFontMetrics(summary.font()).boundingRect(
        QRect(0, 0, summary.contentsRect().width(), 10000), Qt.TextFlag.TextWordWrap,
        summary.text())
    assert needed.width() <= summary.contentsRect().width()
    assert needed.height() <= summary.contentsRect().height(), (needed, summary.contentsRect())


def test_connect_spotify_from_the_demo_links_the_dashboard_and_names_no_command(
        qtbot: Any, window: Any) -> None:
    from PySide6.QtCore import QRect, Qt
    from PySide6.QtGui import QFontMetrics
    from PySide6.QtWidgets import QLineEdit

    from desktoprec.demo.service import DEMO_CLIENT_ID
    from desktoprec.spotify.service import AuthService
    from desktoprec.ui.wizard import DASHBOARD_URL

    window.services.settings.client_id = DEMO_CLIENT_ID  # as while the demo runs
    opened: list[str] = []
    window.ctx.open_url_hook = opened.append
    window.run_wizard()
    dialog = window.wizard
    qtbot.addWidget(dialog)
    dialog.spotify_button.click()
    QApplication.processEvents()
    # the real help text, as the window shows it: steps, but no terminal command
    real_help = window.services.auth.client_id_help(in_window=True)
    assert isinstance(window.services.auth, AuthService)
    assert "desktoprec login" not in real_help and "--client-id" not in real_help
    assert "field below" in real_help and "http://127.0.0.1/callback" in real_help
    assert "desktoprec login" in window.services.auth.client_id_help()  # terminal
    assert "desktoprec login" not in dialog.help.toPlainText()
    # a link that opens the dashboard, and the redirect URI ready to copy
    assert dialog.dashboard_link.textFormat() == Qt.TextFormat.RichText
    assert f'href="{DASHBOARD_URL}"' in dialog.dashboard_link.text()
    dialog.dashboard_link.linkActivated.emit(DASHBOARD_URL)
    assert opened == [DASHBOARD_URL]
    assert isinstance(dialog.redirect_field, QLineEdit) and dialog.redirect_field.isReadOnly()
    assert dialog.redirect_field.text() == "http://127.0.0.1/callback"
    dialog.copy_redirect_button.click()
    assert QApplication.clipboard().text() == "http://127.0.0.1/callback"
    # the demo's own ID is not offered as the user's
    assert dialog.client_id_edit.text() == ""
    # a bad ID: one whole message, wrapped within the dialog, nothing accepted
    dialog.client_id_edit.setText("not an id!")
    dialog.connect_button.click()
    QApplication.processEvents()
    error = dialog.client_id_error
    assert dialog.choice is None and "does not look like a client ID" in error.full_text()
    assert error.wordWrap() and error.text() == error.full_text()
    needed = QFontMetrics(error.font()).boundingRect(
        QRect(0, 0, error.contentsRect().width(), 10000), Qt.TextFlag.TextWordWrap, error.text())
    assert needed.height() <= error.contentsRect().height(), (needed, error.contentsRect())
    assert error.mapTo(dialog, error.rect().topRight()).x() <= dialog.width()
    dialog.reject()


def test_the_path_shows_no_controls_it_does_not_use(qtbot: Any, window: Any) -> None:
    """An A→B path is made without the dials, mood, activity and Include saved: the path page
    hides them (and Refresh), while For you keeps them."""
    window.show()
    path = window.go_to("A → B path").view
    QApplication.processEvents()
    unused = (path.dial, path.new_dial, path.mood, path.activity, path.include_saved,
              path.refresh_button)
    assert not any(widget.isVisible() for widget in unused)
    assert path.play_all_button.isVisible() and path.export_button.isVisible()
    for_you = window.go_to("For you").view
    QApplication.processEvents()
    assert all(widget.isVisible() for widget in (for_you.dial, for_you.new_dial, for_you.mood,
                                                 for_you.activity, for_you.include_saved,
                                                 for_you.refresh_button))
