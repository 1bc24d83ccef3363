"""The Insights page: a map of the library by sound, feature distributions, top genres."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from desktoprec.browse.insights import InsightsData
from desktoprec.ui.context import AppContext
from desktoprec.ui.pages.base import LoadsWhenFirstShown
from desktoprec.ui.widgets import (
    BarChartWidget,
    HistogramWidget,
    LegendWidget,
    PlainLabel,
    ScatterMapView,
    colours_for,
    descriptor_words,
)
from desktoprec.words import source_word


class InsightsPage(LoadsWhenFirstShown, QWidget):
    title = "Insights"

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.data: InsightsData | None = None
        self.histograms: list[HistogramWidget] = []
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setWidget(self._build_body())
        QVBoxLayout(self).addWidget(scroll)
        self.map.hovered.connect(self._on_hovered)
        self.color_by.currentIndexChanged.connect(lambda _i: self.reload())
        self.reload_button.clicked.connect(self.reload)
        ctx.library_changed.connect(self.reload)

    def _build_body(self) -> QWidget:
        """Title, the colour choice, the map with its legend, the charts, the distributions."""
        body = QWidget()
        layout = QVBoxLayout(body)
        layout.addWidget(PlainLabel(self.title, bold=True, point_delta=4))
        layout.addLayout(self._build_colour_choice())
        self.summary = PlainLabel("", elide=False)  # wrapped: whole at 800×600 too
        layout.addWidget(self.summary)
        map_row = QHBoxLayout()
        self.map = ScatterMapView()
        self.map.setMinimumHeight(340)
        map_row.addWidget(self.map, 3)
        self.legend = LegendWidget()
        map_row.addWidget(self.legend, 1, Qt.AlignmentFlag.AlignTop)
        layout.addLayout(map_row)
        self.hover = PlainLabel("Hover over a dot to see the track.")
        layout.addWidget(self.hover)
        layout.addWidget(PlainLabel("Top genres", bold=True))
        self.genres = BarChartWidget()
        layout.addWidget(self.genres)
        layout.addWidget(PlainLabel("Where the sound came from", bold=True))
        self.sources = BarChartWidget()
        layout.addWidget(self.sources)
        layout.addWidget(PlainLabel("Feature distributions", bold=True))
        self.grid = QGridLayout()
        layout.addLayout(self.grid)
        return body

    def _build_colour_choice(self) -> QHBoxLayout:
        """Colour the map by genre or by sound cluster; Redraw."""
        row = QHBoxLayout()
        row.addWidget(QLabel("Colour by"))
        self.color_by = QComboBox()
        self.color_by.addItem("genre", "genre")
        self.color_by.addItem("sound cluster", "cluster")
        row.addWidget(self.color_by)
        self.reload_button = QPushButton("Redraw")
        row.addWidget(self.reload_button)
        row.addStretch(1)
        return row

    def reload(self) -> None:
        self.loaded = True
        services = self.ctx.services
        color_by = self.color_by.currentData()
        self.summary.set_plain("Drawing…")
        self.ctx.runner.run(lambda: services.browse.insights(color_by), lane="cpu",
                            name="insights", on_done=self.show_data,
                            on_error=lambda exc: self.summary.set_plain(
                                f"Insights could not be computed: {exc}"))

    def show_data(self, data: InsightsData) -> None:
        self.data = data
        # one colour per genre for the map, its legend and the Top genres bars
        genre_colours = colours_for([g for g, _ in data.top_genres])
        by_genre = self.color_by.currentData() == "genre"
        legend = self.map.set_points(data.points, genre_colours if by_genre else None)
        self.legend.set_entries(legend)
        self.genres.set_items(data.top_genres, genre_colours)
        self.sources.set_items([(source_word(k), v) for k, v in data.sound_sources])
        for h in self.histograms:
            self.grid.removeWidget(h)
            h.deleteLater()
        self.histograms = []
        for i, (name, values) in enumerate(data.distributions.items()):
            words, unit = descriptor_words(name)
            h = HistogramWidget(words, unit=unit)
            h.set_values(values)
            self.grid.addWidget(h, i // 3, i % 3)
            self.histograms.append(h)
        self.summary.set_plain(
            f"{data.track_count} tracks in the library; {len(data.points)} have a sound vector "
            "(the map is a 2-D projection of them: near means similar sound)."
            if data.track_count else "The library is empty: sync or add a music folder first.")

    def _on_hovered(self, text: str) -> None:
        if text:
            self.hover.set_plain(text)
