"""The A → B path page: a sequence that moves step by step through sound between two tracks."""

from __future__ import annotations

from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QSpinBox, QVBoxLayout, QWidget

from desktoprec.domain import Track
from desktoprec.ui.context import AppContext
from desktoprec.ui.pages.base import PageBase
from desktoprec.ui.pages.picker import TrackPickerWidget
from desktoprec.ui.pages.recommendations import RecommendationsView, RecommendRequest
from desktoprec.ui.widgets import PlainLabel, track_line

NOT_CHOSEN = "not chosen yet: click a track above"
CHANGE_ENDS = "Change the ends…"


class PathPage(PageBase):
    title = "A → B path"
    blurb = "A sequence that moves step by step through sound from one track to another."

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        row = QHBoxLayout()
        left, right = QVBoxLayout(), QVBoxLayout()
        self.from_heading = QLabel("From")
        left.addWidget(self.from_heading)
        self.from_picker = TrackPickerWidget(ctx, "Start track…")
        left.addWidget(self.from_picker)
        self.from_label = PlainLabel(NOT_CHOSEN, bold=True)
        left.addWidget(self.from_label)
        self.to_heading = QLabel("To")
        right.addWidget(self.to_heading)
        self.to_picker = TrackPickerWidget(ctx, "End track…")
        right.addWidget(self.to_picker)
        self.to_label = PlainLabel(NOT_CHOSEN, bold=True)
        right.addWidget(self.to_label)
        row.addLayout(left, 1)
        row.addLayout(right, 1)
        self.layout_.addLayout(row)
        controls = QHBoxLayout()
        controls.addWidget(QLabel("Steps"))
        self.steps = QSpinBox()
        self.steps.setRange(3, 50)
        self.steps.setValue(10)
        controls.addWidget(self.steps)
        self.go_button = QPushButton("Make the path")
        self.go_button.setEnabled(False)
        controls.addWidget(self.go_button)
        # Once both ends are chosen the pickers fold away, so the path gets the height.
        self.change_button = QPushButton(CHANGE_ENDS)
        self.change_button.setVisible(False)
        controls.addWidget(self.change_button)
        controls.addStretch(1)
        self.layout_.addLayout(controls)
        self.view = RecommendationsView(ctx, RecommendRequest(mode="path"))
        self.layout_.addWidget(self.view, 1)
        self.start: Track | None = None
        self.end: Track | None = None
        self.from_picker.picked.connect(self.set_start)
        self.to_picker.picked.connect(self.set_end)
        self.go_button.clicked.connect(self.run)
        self.change_button.clicked.connect(lambda: self._show_pickers(True))

    def on_shown(self) -> None:
        for picker in (self.from_picker, self.to_picker):
            if not picker.results.count():
                picker.run_search()

    def set_start(self, track: Track) -> None:
        self.start = track
        self.from_label.set_plain(f"From: {track_line(track)}")
        self._both_chosen()

    def set_end(self, track: Track) -> None:
        self.end = track
        self.to_label.set_plain(f"To: {track_line(track)}")
        self._both_chosen()

    def _both_chosen(self) -> None:
        both = self.start is not None and self.end is not None
        self.go_button.setEnabled(both)
        if both:
            self._show_pickers(False)

    def _show_pickers(self, shown: bool) -> None:
        """Unfold the two pickers to choose again, or fold them to the chosen ends' lines."""
        for widget in (self.from_heading, self.from_picker, self.to_heading, self.to_picker):
            widget.setVisible(shown)
        self.change_button.setVisible(not shown)

    def run(self) -> None:
        if self.start and self.end:
            self.view.set_request(RecommendRequest(mode="path", n=self.steps.value(),
                                                   path=(self.start.id, self.end.id)))
