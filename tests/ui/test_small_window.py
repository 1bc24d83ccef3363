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
