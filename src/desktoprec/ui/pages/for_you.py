"""The For you page: picks from everything known about the listener; a list that a sync or scan
makes later is offered, never swapped in under the reader."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtWidgets import QWidget

from desktoprec.domain import RecommendationList
from desktoprec.ui.context import AppContext
from desktoprec.ui.pages.base import LoadsWhenFirstShown, PageBase
from desktoprec.ui.pages.recommendations import RecommendationsView, RecommendRequest


class ForYouPage(LoadsWhenFirstShown, PageBase):
    title = "For you"
    blurb = ("Picks from everything desktoprec knows about your listening, spread over artists "
             "and genres. Move the dial towards Similar for closer matches.")

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        self.view = RecommendationsView(ctx, RecommendRequest(mode="for_you"))
        self.layout_.addWidget(self.view, 1)
        self.library_size: int | None = None  # when the list on screen was made
        ctx.library_changed.connect(self._on_library_changed)

    def reload(self) -> None:
        """A list now (replacing what is shown: the user asked, or nothing is shown)."""
        self.loaded = True
        self.view.refresh(note=self._count_note())

    def show_given(self, picks: RecommendationList) -> None:
        """A list made elsewhere (the tray's quick picks) becomes the one on this page."""
        self.loaded = True
        self.view.show_list(picks)

    def expect_list(self, text: str) -> None:
        """The first list comes from elsewhere (the demo's preparation): say so, ask nothing."""
        self.loaded = True
        self.view.clear_list(text)

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
        if self.loaded:
            self.view.refresh(offer=True, note=self._count_note())
