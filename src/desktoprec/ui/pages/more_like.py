"""The More like this page: seeds picked from the library, tracks that sound and sit like them."""

from __future__ import annotations

from PySide6.QtWidgets import QHBoxLayout, QLabel, QListWidget, QPushButton, QVBoxLayout, QWidget

from desktoprec.domain import Track
from desktoprec.ui.context import AppContext
from desktoprec.ui.pages.base import PageBase
from desktoprec.ui.pages.picker import TrackPickerWidget
from desktoprec.ui.pages.recommendations import RecommendationsView, RecommendRequest
from desktoprec.ui.widgets import clip, track_line


class MoreLikePage(PageBase):
    title = "More like this"
    blurb = "Pick one or more tracks from your library; desktoprec finds tracks that sound and " \
            "sit like them."

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        row = QHBoxLayout()
        self.picker = TrackPickerWidget(ctx, "Search for a seed track…")
        row.addWidget(self.picker, 2)
        seeds_box = QVBoxLayout()
        seeds_box.addWidget(QLabel("Seeds"))
        self.seed_list = QListWidget()
        self.seed_list.setMaximumHeight(120)
        seeds_box.addWidget(self.seed_list)
        buttons = QHBoxLayout()
        self.clear_button = QPushButton("Clear")
        self.go_button = QPushButton("Find similar")
        buttons.addWidget(self.clear_button)
        buttons.addWidget(self.go_button)
        seeds_box.addLayout(buttons)
        row.addLayout(seeds_box, 1)
        self.layout_.addLayout(row)
        self.view = RecommendationsView(ctx, RecommendRequest(mode="more_like"))
        self.layout_.addWidget(self.view, 1)
        self.seeds: list[Track] = []
        self.picker.picked.connect(self.add_seed)
        self.clear_button.clicked.connect(self.clear_seeds)
        self.go_button.clicked.connect(self.run)
        self.go_button.setEnabled(False)

    def on_shown(self) -> None:
        if not self.picker.results.count():
            self.picker.run_search()

    def add_seed(self, track: Track) -> None:
        if any(s.id == track.id for s in self.seeds):
            return
        self.seeds.append(track)
        self.seed_list.addItem(clip(track_line(track), 160))
        self.go_button.setEnabled(True)

    def clear_seeds(self) -> None:
        self.seeds = []
        self.seed_list.clear()
        self.go_button.setEnabled(False)

    def run(self) -> None:
        if self.seeds:
            self.view.set_request(RecommendRequest(mode="more_like",
                                                   seeds=tuple(s.id for s in self.seeds)))
