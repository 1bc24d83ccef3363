"""The For you page: picks from everything known about the listener; a list that a sync or scan
makes later is offered, never swapped in under the reader."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtWidgets import QWidget

from desktoprec.ui.context import AppContext
from desktoprec.ui.pages.base import PageBase
from desktoprec.ui.pages.recommendations import RecommendationsView, RecommendRequest


class ForYouPage(PageBase):
    title = "For you"
    blurb = ("Picks from everything desktoprec knows about your listening, spread over artists "
             "and genres. Move the dial towards Similar for closer matches.")

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        self.view = RecommendationsView(ctx, RecommendRequest(mode="for_you"))
        self.layout_.addWidget(self.view, 1)
        self._loaded = False
        self.library_size: int | None = None  # when the list on screen was made
        ctx.library_changed.connect(self._on_library_changed)

    def on_shown(self) -> None:
        if not self._loaded:
            self.load()

    def load(self) -> None:
        """A list now (replacing what is shown: the user asked, or nothing is shown)."""
        self._loaded = True
        self.view.refresh(note=self._count_note())

    def _count_note(self) -> Callable[[], str]:
        """A worker-side note on how the library grew since the list on screen was made."""
        services = self.ctx.services
        before = self.library_size

        def note() -> str:
            size = services.browse.library_size()
            self.library_size = size
            if before is None or size == before:
                return ""
            if size > before:
                return f"{size - before} new tracks found"
            return f"{before - size} tracks fewer in your library"

        return note

    def _on_library_changed(self) -> None:
        if self._loaded:
            self.view.refresh(offer=True, note=self._count_note())
