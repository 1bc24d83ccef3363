"""Small reusable widgets: plain-text labels, cover art, and charts drawn with QPainter."""

from __future__ import annotations

import hashlib
import html
import math
from collections.abc import Sequence
from dataclasses import dataclass

from PySide6.QtCore import QPointF, QRectF, QSize, Qt, Signal
from PySide6.QtGui import (
    QColor,
    QFont,
    QFontMetrics,
    QImage,
    QMouseEvent,
    QPainter,
    QPen,
    QPixmap,
)
from PySide6.QtWidgets import (
    QCheckBox,
    QGraphicsEllipseItem,
    QGraphicsScene,
    QGraphicsView,
    QLabel,
    QScrollArea,
    QSizePolicy,
    QStyle,
    QVBoxLayout,
    QWidget,
)

from desktoprec import words
from desktoprec.library.lookup import format_duration, track_line

MAX_SHOWN_CHARS = 300
__all__ = ["format_duration", "track_line"]  # from library.lookup, for the pages
PALETTE = [
    "#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f", "#edc948", "#b07aa1", "#ff9da7",
    "#9c755f", "#bab0ac", "#1f77b4", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#17becf",
]


def clip(text: object, limit: int = MAX_SHOWN_CHARS) -> str:
    """A single line of at most `limit` characters (untrusted names can be 10,000 long)."""
    value = " ".join(str(text if text is not None else "").split())
    return value if len(value) <= limit else value[: limit - 1] + "…"


def safe_tooltip(text: object) -> str:
    """Tooltip markup that shows `text` literally (Qt would otherwise guess it is rich text)."""
    return f"<p style='white-space:pre-wrap'>{html.escape(clip(text, 500))}</p>"


def color_for(key: str) -> QColor:
    return QColor(PALETTE[sum(map(ord, key)) % len(PALETTE)])


def colours_for(keys: Sequence[str]) -> dict[str, QColor]:
    """One distinct colour per key, in order (the map, its legend and the genre bars share it)."""
    return {key: QColor(PALETTE[i % len(PALETTE)]) for i, key in enumerate(dict.fromkeys(keys))}


def readable_number(value: float) -> str:
    """An axis or bar number people read at a glance: 4,470 · 12.5 · 0.42 (never 4.47e+03)."""
    size = abs(value)
    if size >= 1000:
        return f"{value:,.0f}"
    if size >= 100:
        return f"{value:.0f}"
    if size >= 10 or size == 0 or float(value).is_integer():
        return f"{value:.1f}".rstrip("0").rstrip(".")
    return f"{value:.2f}"


def cover_colour(key: str) -> QColor:
    """A colour from a hash of `key`, dark enough that white text on it has contrast ≥ 4.5."""
    digest = hashlib.sha1(key.encode("utf-8", "replace")).digest()
    colour = QColor.fromHsv(int.from_bytes(digest[:2], "big") % 360, 150 + digest[2] % 80,
                            150 + digest[3] % 60)
    from desktoprec.ui.theme import contrast_ratio

    white = QColor("white")
    while contrast_ratio(colour, white) < 4.8:
        colour = colour.darker(110)
    return colour


def initials(text: str) -> str:
    """Up to two letters from the first words of `text` ("♪" when it has none)."""
    letters = [w[0] for w in text.split() if w[:1].isalnum()]
    return "".join(letters[:2]).upper() or "♪"


def generated_cover(key: str, title: str, size: int) -> QPixmap:
    """A readable placeholder cover: a colour of its own per album and its initials in white."""
    pixmap = QPixmap(size, size)
    pixmap.fill(cover_colour(key or title or "?"))
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    painter.setPen(QColor("white"))
    font = QFont()
    font.setBold(True)
    font.setPixelSize(max(9, int(size * 0.36)))
    painter.setFont(font)
    painter.drawText(pixmap.rect(), Qt.AlignmentFlag.AlignCenter, initials(title or key))
    painter.end()
    return pixmap


class PlainLabel(QLabel):
    """A QLabel that never interprets markup and elides long text to its width."""

    def __init__(self, text: object = "", parent: QWidget | None = None, *,
                 elide: bool = True, bold: bool = False, point_delta: int = 0) -> None:
        super().__init__(parent)
        self.setTextFormat(Qt.TextFormat.PlainText)
        self._elide = elide
        self._full = ""
        if bold or point_delta:
            font = self.font()
            font.setBold(bold)
            if point_delta:
                font.setPointSize(max(6, font.pointSize() + point_delta))
            self.setFont(font)
        if elide:
            self.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
            self.setMinimumWidth(40)
        else:
            self.setWordWrap(True)
        self.set_plain(text)

    def set_muted(self, muted: bool = True) -> None:
        """Secondary text: the theme's muted colour (still readable: contrast ≥ 4.5)."""
        self.setProperty("muted", muted)
        self.style().unpolish(self)
        self.style().polish(self)

    def set_plain(self, text: object) -> None:
        if self._elide:
            self._full = clip(text, MAX_SHOWN_CHARS)
        else:  # keep the line breaks, clip each line and the number of lines
            lines = str(text if text is not None else "").splitlines()[:40]
            self._full = "\n".join(clip(line, 1000) for line in lines)
        self.setToolTip(safe_tooltip(self._full) if self._full else "")
        self._apply()

    def full_text(self) -> str:
        return self._full

    def _apply(self) -> None:
        if not self._elide:
            super().setText(self._full)
            return
        metrics = QFontMetrics(self.font())
        width = max(40, self.width())
        super().setText(metrics.elidedText(self._full, Qt.TextElideMode.ElideRight, width))

    def resizeEvent(self, event: object) -> None:
        super().resizeEvent(event)  # type: ignore[arg-type]
        if self._elide:
            self._apply()


class SourceOption(QWidget):
    """An opt-in checkbox with a short name and, beneath it, a word-wrapped description (what it
    gives, contacts and sends), so long option texts never make a dialog wider than the screen."""

    toggled = Signal(bool)

    def __init__(self, name: str, description: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 2)
        layout.setSpacing(0)
        self.box = QCheckBox(clip(name, 60))
        self.box.setAccessibleDescription(clip(description, 500))
        self.description = PlainLabel(description, elide=False)
        self.description.set_muted()
        # the text starts under the name, past the box's indicator
        indent = self.box.style().pixelMetric(QStyle.PixelMetric.PM_IndicatorWidth) + \
            self.box.style().pixelMetric(QStyle.PixelMetric.PM_CheckBoxLabelSpacing)
        self.description.setContentsMargins(indent, 0, 0, 0)
        self.description.setBuddy(self.box)
        layout.addWidget(self.box)
        layout.addWidget(self.description)
        self.box.toggled.connect(self.toggled)

    def isChecked(self) -> bool:
        return self.box.isChecked()

    def setChecked(self, checked: bool) -> None:
        self.box.setChecked(checked)

    def text(self) -> str:
        """All the option says: its name and its description."""
        return f"{self.box.text()}: {self.description.full_text()}"


def source_options(enabled: Sequence[str]) -> dict[str, SourceOption]:
    """One SourceOption per online catalogue (desktoprec.catalogs.SOURCES), ticked if enabled."""
    from desktoprec.catalogs import SOURCES

    options = {}
    for name, info in SOURCES.items():
        option = SourceOption(info.label, f"Gives {info.gives}. Contacts {info.contacts}; "
                                          f"sends {info.sends}.")
        option.setChecked(name in enabled)
        options[name] = option
    return options


def scrolling_body(owner: QWidget) -> tuple[QScrollArea, QVBoxLayout]:
    """Fill `owner` with a frameless, vertically scrolling area; returns it and the layout of its
    body. Wide texts wrap instead of scrolling sideways, so the owner never outgrows the screen."""
    outer = QVBoxLayout(owner)
    outer.setContentsMargins(0, 0, 0, 0)
    scroll = QScrollArea()
    scroll.setWidgetResizable(True)
    scroll.setFrameShape(QScrollArea.Shape.NoFrame)
    scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
    body = QWidget()
    scroll.setWidget(body)
    outer.addWidget(scroll, 1)
    return scroll, QVBoxLayout(body)


class CoverLabel(QLabel):
    """Square cover art with a drawn placeholder until the image arrives."""

    def __init__(self, size: int = 64, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._size = size
        self.setFixedSize(size, size)
        self.has_image = False
        self.wanted_url = ""  # the real cover on its way (ui/covers.show_cover)
        self.placeholder_colour = QColor()
        self.set_placeholder("♪")

    def set_placeholder(self, key: str, title: str | None = None) -> None:
        """A generated cover for `key` (the album, say) showing the initials of `title`."""
        self.placeholder_colour = cover_colour(key or "?")
        self.setPixmap(generated_cover(key, title if title is not None else key, self._size))
        self.setAccessibleName(f"cover: {clip(title or key, 60)}")
        self.has_image = False

    def set_image(self, image: QImage) -> bool:
        """Show a decoded cover (cropped to the square); a null image keeps the placeholder."""
        if image.isNull():
            return False
        pixmap = QPixmap.fromImage(image.scaled(
            self._size, self._size, Qt.AspectRatioMode.KeepAspectRatioByExpanding,
            Qt.TransformationMode.SmoothTransformation))
        if pixmap.width() > self._size or pixmap.height() > self._size:
            pixmap = pixmap.copy((pixmap.width() - self._size) // 2,
                                 (pixmap.height() - self._size) // 2, self._size, self._size)
        self.setPixmap(pixmap)
        self.has_image = True
        return True


class BarChartWidget(QWidget):
    """Horizontal bars with labels: top genres, block shares, anything label → value."""

    def __init__(self, parent: QWidget | None = None, *, value_format: str = "{:.0f}",
                 max_bars: int = 12) -> None:
        super().__init__(parent)
        self._items: list[tuple[str, float]] = []
        self._format = value_format
        self._max = max_bars
        self._colours: dict[str, QColor] = {}
        self.setMinimumHeight(60)

    def set_items(self, items: Sequence[tuple[str, float]],
                  colours: dict[str, QColor] | None = None) -> None:
        """Bars for (label, value); `colours` gives a label its colour (else one from a table)."""
        self._items = [(clip(label, 40), float(value)) for label, value in items][: self._max]
        self._colours = {clip(k, 40): v for k, v in (colours or {}).items()}
        self.setMinimumHeight(max(60, 22 * len(self._items) + 8))
        self.update()

    def items(self) -> list[tuple[str, float]]:
        return list(self._items)

    def colour_of(self, label: str) -> QColor:
        return self._colours.get(label) or color_for(label)

    def sizeHint(self) -> QSize:
        return QSize(320, max(60, 22 * len(self._items) + 8))

    def paintEvent(self, event: object) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        if not self._items:
            painter.setPen(self.palette().placeholderText().color())
            painter.drawText(self.rect(), Qt.AlignmentFlag.AlignCenter, "nothing to show yet")
            return
        label_w = self.label_width()
        value_w = self.value_width()
        peak = max((abs(v) for _, v in self._items), default=1.0) or 1.0
        bar_room = max(10, self.width() - label_w - value_w - 4)
        text_color = self.palette().windowText().color()
        for row, (label, value) in enumerate(self._items):
            y = 4 + row * 22
            painter.setPen(text_color)
            painter.drawText(QRectF(0, y, label_w - 6, 18),
                             Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter,
                             self.shown_label(label))
            width = bar_room * abs(value) / peak
            painter.fillRect(QRectF(label_w, y + 2, width, 14), self.colour_of(label))
            painter.drawText(QRectF(label_w + width + 4, y, value_w, 18),
                             Qt.AlignmentFlag.AlignVCenter, self.value_text(value))

    def value_text(self, value: float) -> str:
        return self._format.format(value) if self._format else readable_number(value)

    def value_width(self) -> int:
        metrics = self.fontMetrics()
        return max((metrics.horizontalAdvance(self.value_text(v)) for _, v in self._items),
                   default=0) + 4

    def label_width(self) -> int:
        """The label column: as wide as the longest label, at most 45 % of the chart."""
        metrics = self.fontMetrics()
        longest = max((metrics.horizontalAdvance(label) for label, _ in self._items), default=0)
        return min(longest + 8, max(40, int(self.width() * 0.45)))

    def shown_label(self, label: str) -> str:
        """The label as drawn: whole when the column has room, else elided with "…"."""
        return self.fontMetrics().elidedText(label, Qt.TextElideMode.ElideRight,
                                             self.label_width() - 6)


# The descriptors a person can read, in the order they matter most, each with the range its bar
# spans: a bar shows where the value sits in that range, so both bars of a row are comparable and a
# row is not rescaled to make the larger value look full. Names cover own-file and Spotify keys.
SOUND_CHART_ROWS: tuple[tuple[str, tuple[str, ...], float, float, str], ...] = (
    ("tempo", ("tempo", "tempo_bpm"), 50.0, 200.0, "{:.0f} BPM"),
    ("energy", ("energy",), 0.0, 1.0, "{:.2f}"),
    ("danceability", ("danceability",), 0.0, 1.0, "{:.2f}"),
    ("brightness", ("brightness",), 0.0, 1.0, "{:.2f}"),
    ("acousticness", ("acousticness",), 0.0, 1.0, "{:.2f}"),
    ("mood (valence)", ("valence",), 0.0, 1.0, "{:.2f}"),
    ("loudness", ("loudness", "loudness_db"), -40.0, 0.0, "{:.0f} dB"),
    ("beat strength", ("beat_strength",), 0.0, 1.0, "{:.2f}"),
)


def descriptor_words(name: str) -> tuple[str, str]:
    """(words, unit) for a stored descriptor name, from the one table of listener words
    (words.py); names it does not know lose their underscores."""
    return words.label(name) or name.replace("_", " "), words.DESCRIPTOR_UNITS.get(name, "")


def _first_number(values: dict[str, float], keys: tuple[str, ...]) -> float | None:
    for key in keys:
        value = values.get(key)
        if isinstance(value, (int, float)) and math.isfinite(value):
            return float(value)
    return None


@dataclass(frozen=True)
class SoundRowPlace:
    """Where one row of the sound chart is drawn: its label, its bars' span and its numbers."""

    label: str
    label_rect: QRectF
    bar_x: float
    bar_room: float
    bar_y: float
    numbers: str
    numbers_rect: QRectF


class SoundCompareWidget(QWidget):
    """Paired bars per descriptor: this track's sound (filled) against the seeds' (outlined).

    Wide enough, a row is label · bars · numbers on one line; narrow (the why card at 800×600), the
    label and numbers share a line and the bars take the whole width beneath, so no label is cut.
    """

    ROW = 20  # one line of a row
    GAP = 6

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        # label, track value, seed value (or None), low, high, number format
        self._rows: list[tuple[str, float, float | None, float, float, str]] = []
        self.setMinimumHeight(80)
        self.setMinimumWidth(160)

    def set_values(self, track: dict[str, float], seeds: dict[str, float]) -> None:
        rows = []
        for label, keys, low, high, fmt in SOUND_CHART_ROWS:
            value = _first_number(track, keys)
            if value is None:
                continue
            rows.append((label, value, _first_number(seeds, keys), low, high, fmt))
        self._rows = rows
        self.updateGeometry()
        self._fit_height()
        self.update()

    def row_count(self) -> int:
        return len(self._rows)

    def _numbers(self, row: tuple[str, float, float | None, float, float, str]) -> str:
        _name, value, seed, _low, _high, fmt = row
        return fmt.format(value) + (f"  ({fmt.format(seed)})" if seed is not None else "")

    def stacked(self, width: int | None = None) -> bool:
        """True when `width` is too narrow for label, bars and numbers on one line."""
        width = self.width() if width is None else width
        metrics = self.fontMetrics()
        label_w = max((metrics.horizontalAdvance(r[0]) for r in self._rows), default=0)
        value_w = max((metrics.horizontalAdvance(self._numbers(r)) for r in self._rows),
                      default=0)
        return width - label_w - value_w - 3 * self.GAP < 80

    def _legend_height(self, width: int) -> int:
        return 2 * self.ROW if width < self._legend_width() else self.ROW

    def _legend_width(self) -> int:
        metrics = self.fontMetrics()
        return 2 * 16 + metrics.horizontalAdvance("this track") + \
            metrics.horizontalAdvance("your seeds (in brackets)") + 3 * self.GAP

    def height_for(self, width: int) -> int:
        lines = len(self._rows) * (2 if self.stacked(width) else 1)
        return max(40, lines * self.ROW + self._legend_height(width) + 8)

    def hasHeightForWidth(self) -> bool:
        return True

    def heightForWidth(self, width: int) -> int:
        return self.height_for(width)

    def sizeHint(self) -> QSize:
        return QSize(320, self.height_for(320))

    def _fit_height(self) -> None:
        self.setMinimumHeight(self.height_for(max(self.width(), 1)))

    def resizeEvent(self, event: object) -> None:
        super().resizeEvent(event)  # type: ignore[arg-type]
        self._fit_height()

    def places(self, width: int | None = None) -> list[SoundRowPlace]:
        """Where each row goes at `width` (this widget's width by default): painting uses it and
        tests check that every label and number fits its box whole."""
        width = self.width() if width is None else width
        metrics = self.fontMetrics()
        line = self.ROW
        if self.stacked(width):  # the label on its own line, the bars and numbers beneath
            places = []
            for i, row in enumerate(self._rows):
                y = 2 + i * 2 * line
                numbers = self._numbers(row)
                numbers_w = metrics.horizontalAdvance(numbers) + 2
                label = metrics.elidedText(row[0], Qt.TextElideMode.ElideRight, width)
                room = max(10.0, width - numbers_w - self.GAP)
                places.append(SoundRowPlace(
                    label, QRectF(0, y, width, line - 4), 0.0, room, y + line + 2, numbers,
                    QRectF(room + self.GAP, y + line, numbers_w, line - 4)))
            return places
        label_w = max(metrics.horizontalAdvance(r[0]) for r in self._rows) + 2 if self._rows \
            else 0
        value_w = max((metrics.horizontalAdvance(self._numbers(r)) for r in self._rows),
                      default=0) + 2
        room = max(10.0, width - label_w - value_w - 3 * self.GAP)
        bar_x = label_w + self.GAP
        return [SoundRowPlace(row[0], QRectF(0, 2 + i * line, label_w, line - 4), bar_x, room,
                              2 + i * line + 2, self._numbers(row),
                              QRectF(bar_x + room + self.GAP, 2 + i * line, value_w, line - 4))
                for i, row in enumerate(self._rows)]

    def paintEvent(self, event: object) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        text_color = self.palette().windowText().color()
        if not self._rows:
            painter.setPen(self.palette().placeholderText().color())
            painter.drawText(self.rect(), Qt.AlignmentFlag.AlignCenter,
                             "no sound data for this track")
            return
        stacked = self.stacked()

        def fraction(value: float, low: float, high: float) -> float:
            return min(1.0, max(0.02, (value - low) / ((high - low) or 1.0)))

        track_colour, seed_colour = QColor(PALETTE[0]), QColor(PALETTE[1])
        places = self.places()
        for place, (_name, value, seed, low, high, _fmt) in zip(places, self._rows, strict=True):
            painter.setPen(text_color)
            label_align = Qt.AlignmentFlag.AlignLeft if stacked else Qt.AlignmentFlag.AlignRight
            painter.drawText(place.label_rect, label_align | Qt.AlignmentFlag.AlignVCenter,
                             place.label)
            painter.drawText(place.numbers_rect,
                             Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignVCenter,
                             place.numbers)
            painter.fillRect(QRectF(place.bar_x, place.bar_y,
                                    place.bar_room * fraction(value, low, high), 7), track_colour)
            if seed is not None:
                painter.setPen(QPen(seed_colour, 2))
                painter.drawRect(QRectF(place.bar_x, place.bar_y + 8,
                                        place.bar_room * fraction(seed, low, high), 5))
        lines = len(self._rows) * (2 if stacked else 1)
        self._paint_legend(painter, 4 + lines * self.ROW, text_color, track_colour, seed_colour)

    def _paint_legend(self, painter: QPainter, y: float, text_color: QColor,
                      track_colour: QColor, seed_colour: QColor) -> None:
        """"this track" and "your seeds", side by side, or one under the other when narrow."""
        metrics = self.fontMetrics()
        x = 0.0
        second_x, second_y = 16.0 + metrics.horizontalAdvance("this track") + 2 * self.GAP, y
        if self.width() < self._legend_width():
            second_x, second_y = 0.0, y + self.ROW
        painter.fillRect(QRectF(x, y + 4, 12, 8), track_colour)
        painter.setPen(text_color)
        painter.drawText(QPointF(x + 16, y + 12), "this track")
        painter.setPen(QPen(seed_colour, 2))
        painter.drawRect(QRectF(second_x, second_y + 4, 12, 8))
        painter.setPen(text_color)
        painter.drawText(QPointF(second_x + 16, second_y + 12), "your seeds (in brackets)")


class HistogramWidget(QWidget):
    """A small histogram of one feature across the library."""

    def __init__(self, title: str, parent: QWidget | None = None, bins: int = 16,
                 unit: str = "") -> None:
        super().__init__(parent)
        self.title = clip(title, 40)
        self.unit = unit
        self._bins = bins
        self._counts: list[int] = []
        self._range = (0.0, 1.0)
        self.setMinimumSize(150, 110)  # three in a row fit the Insights page at 800×600

    def set_values(self, values: Sequence[float]) -> None:
        finite = [float(v) for v in values if isinstance(v, (int, float)) and math.isfinite(v)]
        if not finite:
            self._counts = []
            self.update()
            return
        low, high = min(finite), max(finite)
        span = (high - low) or 1.0
        counts = [0] * self._bins
        for v in finite:
            counts[min(self._bins - 1, int((v - low) / span * self._bins))] += 1
        self._counts, self._range = counts, (low, high)
        self.update()

    def counts(self) -> list[int]:
        return list(self._counts)

    def paintEvent(self, event: object) -> None:
        painter = QPainter(self)
        text_color = self.palette().windowText().color()
        painter.setPen(text_color)
        painter.drawText(QRectF(0, 0, self.width(), 16), Qt.AlignmentFlag.AlignLeft, self.title)
        if not self._counts:
            painter.drawText(self.rect(), Qt.AlignmentFlag.AlignCenter, "no data")
            return
        top, bottom = 20, self.height() - 16
        peak = max(self._counts) or 1
        width = self.width() / len(self._counts)
        color = color_for(self.title)
        for i, count in enumerate(self._counts):
            h = (bottom - top) * count / peak
            painter.fillRect(QRectF(i * width + 1, bottom - h, width - 2, h), color)
        painter.setPen(text_color)
        for text, align, x in ((self.axis_labels()[0], Qt.AlignmentFlag.AlignLeft, 0.0),
                               (self.axis_labels()[1], Qt.AlignmentFlag.AlignRight,
                                self.width() / 2)):
            painter.drawText(QRectF(x, bottom, self.width() / 2, 16), align, text)

    def axis_labels(self) -> tuple[str, str]:
        """The two ends of the axis in readable numbers with the unit ("60 BPM", "4,470 Hz")."""
        low, high = self._range
        unit = f" {self.unit}" if self.unit else ""
        return f"{readable_number(low)}{unit}", f"{readable_number(high)}{unit}"


class ScatterMapView(QGraphicsView):
    """The library map: one dot per track; hovering names the track."""

    hovered = Signal(str)  # the plain-text description of the dot under the mouse ("" if none)
    activated = Signal(str)  # track id of a clicked dot

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setScene(QGraphicsScene(self))
        self.setRenderHint(QPainter.RenderHint.Antialiasing)
        self.setMouseTracking(True)
        self.setMinimumSize(320, 260)
        self._dots: list[QGraphicsEllipseItem] = []

    def set_points(self, points: Sequence[tuple[float, float, str, str, str]],
                   colours: dict[str, QColor] | None = None) -> dict[str, QColor]:
        """points: (x, y, track id, description, colour key). Returns the legend (key → colour,
        the keys with most dots first); `colours` fixes the colours of keys."""
        scene = self.scene()
        scene.clear()
        self._dots = []
        counts: dict[str, int] = {}
        for p in points:
            counts[p[4]] = counts.get(p[4], 0) + 1
        order = sorted(counts, key=lambda k: (-counts[k], k))
        fixed = {k: v for k, v in (colours or {}).items() if k in counts}
        spare = [QColor(c) for c in PALETTE if QColor(c) not in fixed.values()] or \
            [QColor(c) for c in PALETTE]
        others = [k for k in order if k not in fixed]
        legend = {**fixed, **{k: spare[i % len(spare)] for i, k in enumerate(others)}}
        legend = {k: legend[k] for k in order}
        if not points:
            scene.addText("No sound vectors yet: sync and analyse your music first.")
            return legend
        xs = [p[0] for p in points]
        ys = [p[1] for p in points]
        x0, x1, y0, y1 = min(xs), max(xs), min(ys), max(ys)
        sx = 500 / ((x1 - x0) or 1.0)
        sy = 380 / ((y1 - y0) or 1.0)
        for x, y, track_id, description, key in points:
            color = legend[key]
            dot = scene.addEllipse(QRectF((x - x0) * sx - 4, (y1 - y) * sy - 4, 8, 8),
                                   QPen(color.darker(140)), color)
            dot.setData(0, track_id)
            dot.setData(1, f"{description}  [{key}]")
            dot.setToolTip(safe_tooltip(f"{description}  [{key}]"))
            self._dots.append(dot)
        self.fitInView(scene.itemsBoundingRect().adjusted(-10, -10, 10, 10),
                       Qt.AspectRatioMode.KeepAspectRatio)
        return legend

    def dot_count(self) -> int:
        return len(self._dots)

    def describe_at(self, scene_x: float, scene_y: float) -> str:
        for item in self.scene().items(QPointF(scene_x, scene_y)):
            text = item.data(1)
            if text:
                return str(text)
        return ""

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        point = self.mapToScene(event.position().toPoint())
        self.hovered.emit(self.describe_at(point.x(), point.y()))
        super().mouseMoveEvent(event)

    def mousePressEvent(self, event: QMouseEvent) -> None:
        point = self.mapToScene(event.position().toPoint())
        for item in self.scene().items(point):
            if item.data(0):
                self.activated.emit(str(item.data(0)))
                break
        super().mousePressEvent(event)

    def resizeEvent(self, event: object) -> None:
        super().resizeEvent(event)  # type: ignore[arg-type]
        if self._dots:
            self.fitInView(self.scene().itemsBoundingRect().adjusted(-10, -10, 10, 10),
                           Qt.AspectRatioMode.KeepAspectRatio)


class LegendWidget(QWidget):
    """The map's legend: a coloured swatch and the name of each key, in the map's colours."""

    def __init__(self, parent: QWidget | None = None, max_rows: int = 16) -> None:
        super().__init__(parent)
        self._rows: list[tuple[str, QColor]] = []
        self._more = 0
        self._max = max_rows
        self.setMinimumWidth(150)

    def set_entries(self, entries: dict[str, QColor]) -> None:
        rows = [(clip(k, 30), c) for k, c in entries.items()]
        self._rows, self._more = rows[: self._max], max(0, len(rows) - self._max)
        self.setMinimumHeight(20 * (len(self._rows) + (1 if self._more else 0)) + 6)
        self.setAccessibleDescription(", ".join(k for k, _ in self._rows))
        self.update()

    def entries(self) -> list[tuple[str, QColor]]:
        return list(self._rows)

    def sizeHint(self) -> QSize:
        return QSize(180, 20 * (len(self._rows) + 1) + 6)

    def paintEvent(self, event: object) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        text_color = self.palette().windowText().color()
        metrics = painter.fontMetrics()
        for row, (label, colour) in enumerate(self._rows):
            y = 4 + row * 20
            painter.setPen(QPen(colour.darker(140)))
            painter.setBrush(colour)
            painter.drawRoundedRect(QRectF(2, y + 2, 14, 14), 3, 3)
            painter.setPen(text_color)
            painter.drawText(QRectF(22, y, self.width() - 24, 18), Qt.AlignmentFlag.AlignVCenter,
                             metrics.elidedText(label, Qt.TextElideMode.ElideRight,
                                                self.width() - 24))
        if self._more:
            painter.setPen(self.palette().placeholderText().color())
            painter.drawText(QRectF(22, 4 + len(self._rows) * 20, self.width() - 24, 18),
                             Qt.AlignmentFlag.AlignVCenter, f"and {self._more} more")
