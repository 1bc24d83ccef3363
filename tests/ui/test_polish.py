"""Issue 13's last UI items: Q on a card queues it, the why card's charts and the source options
fit an 800×600 window whole, and Settings and the wizard are no wider than that."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QScrollArea, QWidget

from desktoprec.ui.widgets import SOUND_CHART_ROWS, BarChartWidget, SoundCompareWidget

ALL_SOUND = {"tempo": 128.0, "energy": 0.7, "danceability": 0.84, "brightness": 0.57,
             "acousticness": 0.55, "valence": 0.77, "loudness": -15.0, "beat_strength": 0.66}


def test_q_adds_the_focused_card_to_the_queue_and_shift_q_plays_it_next(
        qtbot: Any, window: Any) -> None:
    window.show()
    view = window.pages["For you"].view
    qtbot.waitUntil(lambda: len(view.cards) >= 6)
    player = window.player
    player.queue_model.set([view.cards[0].rec.track], 0)  # something is on, nothing plays
    assert "Q add to the queue" in view.list.toolTip()
    assert "Shift+Q play next" in view.list.toolTip()
    view.list.setFocus()
    view.list.setCurrentRow(2)
    qtbot.keyClick(view.list, Qt.Key.Key_Q)
    queued = view.cards[2].rec.track.id
    assert [t.id for t in player.queue] == [view.cards[0].rec.track.id, queued]
    view.list.setCurrentRow(4)
    qtbot.keyClick(view.list, Qt.Key.Key_Q, Qt.KeyboardModifier.ShiftModifier)
    assert [t.id for t in player.up_next()] == [view.cards[4].rec.track.id, queued]
    assert view.list.currentRow() == 4  # the card stays where it is
    # with the mouse: the card's menu names the same actions and their keys
    menu = view.list.card_menu(5)
    entries = {a.text(): a for a in menu.actions()}
    assert "Add to the queue\tQ" in entries and "Play next\tShift+Q" in entries
    entries["Add to the queue\tQ"].trigger()
    assert player.queue[-1].id == view.cards[5].rec.track.id


def _sound_chart(qtbot: Any, width: int) -> SoundCompareWidget:
    chart = SoundCompareWidget()
    qtbot.addWidget(chart)
    chart.set_values(ALL_SOUND, {k: v * 0.9 for k, v in ALL_SOUND.items()})
    chart.show()
    chart.resize(width, chart.height_for(width))
    QApplication.processEvents()
    return chart


def test_every_sound_chart_label_is_whole_at_any_width(qtbot: Any) -> None:
    for width in (160, 200, 240, 300, 420, 640):
        chart = _sound_chart(qtbot, width)
        metrics = chart.fontMetrics()
        places = chart.places()
        assert [p.label for p in places] == [row[0] for row in SOUND_CHART_ROWS], width
        for place in places:
            assert metrics.horizontalAdvance(place.label) <= place.label_rect.width(), width
            assert metrics.horizontalAdvance(place.numbers) <= place.numbers_rect.width(), width
            assert place.label_rect.right() <= width and place.numbers_rect.right() <= width + 1
            assert place.bar_x + place.bar_room <= width
            # label and numbers never overlap
            if place.label_rect.top() == place.numbers_rect.top():
                assert place.label_rect.right() <= place.numbers_rect.left()
        assert chart.minimumHeight() >= chart.height_for(width)
        chart.grab()
    assert _sound_chart(qtbot, 200).stacked() and not _sound_chart(qtbot, 640).stacked()


def test_the_why_card_shows_whole_labels_at_800_by_600(qtbot: Any, window: Any) -> None:
    for size in ((800, 600), (1180, 760)):
        window.show()
        window.resize(*size)
        view = window.go_to("For you").view
        qtbot.waitUntil(lambda v=view: bool(v.cards))
        # a card whose sound is known (the real service leaves it out for tracks without it)
        view.list.setCurrentRow(next(row for row, c in enumerate(view.cards) if c.rec.sound))
        QApplication.processEvents()
        chart = view.why.sound_chart
        assert chart.row_count() > 0
        assert chart.width() <= view.why.width()
        metrics = chart.fontMetrics()
        for place in chart.places():
            assert place.label in [row[0] for row in SOUND_CHART_ROWS]
            assert metrics.horizontalAdvance(place.label) <= place.label_rect.width(), size
            assert place.numbers_rect.right() <= chart.width() + 1, size
        shares: BarChartWidget = view.why.shares_chart
        labels = [item[0] for item in shares.items()]
        assert labels and [shares.shown_label(label) for label in labels] == labels, size


def _fits(widget: QWidget, width: int) -> None:
    """Every visible child of `widget` ends within `width` pixels of its left edge."""
    for child in widget.findChildren(QWidget):
        if child.isVisibleTo(widget) and child.width() > 0:
            right = child.mapTo(widget, child.rect().topRight()).x()
            assert right <= width, (type(child).__name__, child.objectName(), right)


def test_source_options_wrap_so_settings_fits_800_by_600(qtbot: Any, window: Any) -> None:
    window.show()
    window.resize(800, 600)
    qtbot.waitUntil(lambda: window.width() <= 800)
    page = window.go_to("Settings")
    QApplication.processEvents()
    assert page.minimumSizeHint().width() <= window.stack.width()
    assert not page.scroller.horizontalScrollBar().isVisible()
    body = page.scroller.widget()
    assert body.width() <= page.scroller.viewport().width()
    _fits(body, page.scroller.viewport().width())
    deezer = page.source_boxes["deezer"]
    assert deezer.box.text() == "Deezer"  # a short name; what it sends is beneath, wrapped
    assert "ISRC" in deezer.description.full_text() and deezer.description.wordWrap()
    assert deezer.description.height() > deezer.box.height()  # it takes more than one line
    deezer.box.click()
    assert deezer.isChecked()
    # one column of fields: account and data line up with the choices above them
    column = {page.theme.mapTo(body, page.theme.rect().topLeft()).x()}
    for field in (page.sign_out_button, page.data_folder, page.about, deezer):
        column.add(field.mapTo(body, field.rect().topLeft()).x())
    assert len(column) == 1, column
    assert page.sign_out_button.width() < page.theme.width()  # a button, not a bar


def test_the_wizard_fits_800_by_600(qtbot: Any, ctx: Any) -> None:
    from desktoprec.ui.wizard import FirstRunDialog

    dialog = FirstRunDialog(ctx)
    qtbot.addWidget(dialog)
    dialog.show()
    dialog.spotify_button.click()
    QApplication.processEvents()
    hint = dialog.minimumSizeHint()
    assert hint.width() <= 800 and hint.height() <= 600, hint
    assert dialog.width() <= 800 and dialog.height() <= 600
    _fits(dialog, dialog.width())
    for option in dialog.source_boxes.values():
        assert option.description.wordWrap()
        assert option.box.sizeHint().width() < 300
    assert dialog.connect_button.isVisible()


def test_insights_needs_no_sideways_scrolling_at_800_by_600(qtbot: Any, window: Any) -> None:
    window.show()
    window.resize(800, 600)
    qtbot.waitUntil(lambda: window.width() <= 800)
    page = window.go_to("Insights")
    QApplication.processEvents()
    scroll = page.findChild(QScrollArea)
    assert scroll.widget().minimumSizeHint().width() <= scroll.viewport().width()
    legend = page.legend
    metrics = legend.fontMetrics()
    for label, _colour in legend.entries():  # every genre name is whole beside its swatch
        assert metrics.horizontalAdvance(label) <= legend.width() - 24, label


def test_narrow_cards_give_their_title_the_room_of_skip_and_open(qtbot: Any, window: Any) -> None:
    window.show()
    view = window.go_to("For you").view
    qtbot.waitUntil(lambda: bool(view.cards))
    card = view.cards[0]
    widths = {}
    for width in (340, 600):
        card.resize(width, card.height())
        QApplication.processEvents()
        shown = [n for n, b in card.buttons.items() if b.isVisibleTo(card)]
        widths[width] = card.title.width()
        if width < 430:
            assert shown == ["play", "like", "dislike"]
        else:
            assert shown == ["play", "like", "dislike", "skip", "open"]
    # cover 56, three buttons of 28, margins and spacing: the title keeps the hidden buttons' room
    assert widths[340] >= 340 - 56 - 3 * 28 - 36
