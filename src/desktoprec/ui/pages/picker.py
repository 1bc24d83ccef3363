"""Picking a track from the library (seeds, path ends): title, artist, album and length shown;
a single click chooses."""

from __future__ import annotations

from PySide6.QtCore import QTimer, Signal
from PySide6.QtWidgets import QLineEdit, QListWidget, QListWidgetItem, QVBoxLayout, QWidget

from desktoprec.browse.service import LibraryItem
from desktoprec.domain import Track
from desktoprec.ui.context import AppContext
from desktoprec.ui.widgets import PlainLabel, clip, safe_tooltip, track_line


class TrackPickerWidget(QWidget):
    """Search the library and pick tracks: a click (or Enter) on a result chooses it."""

    picked = Signal(object)  # Track

    def __init__(self, ctx: AppContext, placeholder: str = "Search your library…",
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.search = QLineEdit()
        self.search.setPlaceholderText(placeholder)
        self.search.setClearButtonEnabled(True)
        self.results = QListWidget()
        self.results.setMinimumHeight(90)
        self.results.setMaximumHeight(140)
        self.results.setToolTip("Click a track to choose it")
        self.hint = PlainLabel("")
        self.hint.set_muted()
        layout.addWidget(self.search)
        layout.addWidget(self.results)
        layout.addWidget(self.hint)
        self._tracks: list[Track] = []
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(200)
        self._timer.timeout.connect(self.run_search)
        self.search.textChanged.connect(lambda _t: self._timer.start())
        self.search.returnPressed.connect(self._pick_first)
        self.results.itemClicked.connect(self._on_activated)
        self.results.itemActivated.connect(self._on_activated)
        self._generation = 0

    def run_search(self) -> None:
        text = self.search.text()
        services = self.ctx.services
        self._generation += 1
        generation = self._generation
        self.ctx.runner.run(lambda: services.browse.library_items(text, limit=50), lane="db",
                            name="search",
                            on_done=lambda items: self._show(generation, items),
                            on_error=lambda exc: self.ctx.error("Search failed", exc,
                                                                background=True))

    def _show(self, generation: int, items: list[LibraryItem]) -> None:
        if generation != self._generation:
            return
        self.results.clear()
        self._tracks = [i.track for i in items]
        for track in self._tracks:
            line = clip(track_line(track), 160)
            item = QListWidgetItem(line)
            item.setToolTip(safe_tooltip(line))
            self.results.addItem(item)
        self.hint.set_plain("" if self._tracks else "No track matches.")

    def current_track(self) -> Track | None:
        row = self.results.currentRow()
        return self._tracks[row] if 0 <= row < len(self._tracks) else None

    def pick_row(self, row: int) -> None:
        if 0 <= row < len(self._tracks):
            self.results.setCurrentRow(row)
            self.picked.emit(self._tracks[row])

    def _pick_first(self) -> None:
        self.pick_row(max(0, self.results.currentRow()))

    def _on_activated(self, item: QListWidgetItem) -> None:
        self.pick_row(self.results.row(item))
