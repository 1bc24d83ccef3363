"""Untrusted names (markup, 10,000 characters) are shown as plain, clipped text everywhere."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel

from desktoprec.domain import Explanation, Reason, Recommendation, Track
from desktoprec.ui.pages.recommendations import TrackCardWidget, WhyCardWidget
from desktoprec.ui.widgets import MAX_SHOWN_CHARS, PlainLabel, clip, safe_tooltip

HOSTILE_TITLE = "<img src=x onerror=alert(1)><b>bold</b>"
LONG_NAME = "L" * 10_000


def test_plain_label_never_renders_markup(qtbot: Any) -> None:
    label = PlainLabel(HOSTILE_TITLE)
    qtbot.addWidget(label)
    label.resize(2000, 30)
    assert label.textFormat() == Qt.TextFormat.PlainText
    assert label.full_text() == HOSTILE_TITLE
    assert "<img" in label.text()


def test_long_names_are_clipped(qtbot: Any) -> None:
    label = PlainLabel(LONG_NAME)
    qtbot.addWidget(label)
    assert len(label.full_text()) <= MAX_SHOWN_CHARS
    assert len(label.text()) <= MAX_SHOWN_CHARS
    assert clip("a\nb\tc") == "a b c"


def test_tooltips_escape_markup() -> None:
    tip = safe_tooltip(HOSTILE_TITLE)
    assert "<img" not in tip
    assert "&lt;img" in tip


def test_track_card_and_why_card_show_hostile_text_literally(qtbot: Any) -> None:
    track = Track(id="t", name=HOSTILE_TITLE, artists=(LONG_NAME,), album="<script>x</script>")
    rec = Recommendation(track=track, score=1.0, explanation=Explanation(
        summary="<a href='http://evil'>click</a>", reasons=(Reason("<b>loud</b>", "sound"),)))
    card = TrackCardWidget(rec)
    why = WhyCardWidget()
    qtbot.addWidget(card)
    qtbot.addWidget(why)
    why.show_recommendation(rec)
    labels = card.findChildren(QLabel) + why.findChildren(QLabel)
    assert labels
    for label in labels:
        if label.text():
            assert label.textFormat() == Qt.TextFormat.PlainText, label.text()[:60]
    assert why.summary.full_text() == "<a href='http://evil'>click</a>"
    assert "<b>loud</b>" in why.reasons.full_text()
    assert len(card.artists.full_text()) <= MAX_SHOWN_CHARS
