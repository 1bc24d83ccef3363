"""What every page has: its title, a line saying what it is for, and `on_shown`; pages whose data
is read the first time they come into view."""

from __future__ import annotations

from PySide6.QtWidgets import QVBoxLayout, QWidget

from desktoprec.ui.context import AppContext
from desktoprec.ui.widgets import PlainLabel


class PageBase(QWidget):
    title = ""
    blurb = ""

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.layout_ = QVBoxLayout(self)
        self.heading = PlainLabel(self.title, bold=True, point_delta=4)
        self.layout_.addWidget(self.heading)
        if self.blurb:
            self.blurb_label = PlainLabel(self.blurb, elide=False)
            self.blurb_label.set_muted()
            self.layout_.addWidget(self.blurb_label)

    def on_shown(self) -> None:
        """Called when the page becomes visible."""


class LoadsWhenFirstShown:
    """A page that reads its data the first time it is shown (put it first among the bases):
    `reload()` reads it, then or whenever asked, and sets `loaded`."""

    loaded = False

    def on_shown(self) -> None:
        if not self.loaded:
            self.reload()

    def reload(self) -> None:
        raise NotImplementedError
