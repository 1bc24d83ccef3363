"""The Continue a playlist page: tracks that carry on one of the user's readable playlists."""

from __future__ import annotations

from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QPushButton, QWidget

from desktoprec.browse.service import PlaylistSummary
from desktoprec.ui.context import AppContext
from desktoprec.ui.pages.base import LoadsWhenFirstShown, PageBase
from desktoprec.ui.pages.recommendations import RecommendationsView, RecommendRequest
from desktoprec.ui.widgets import clip

UNREADABLE = ("Spotify only lets apps read playlists you own or collaborate on, so desktoprec "
              "cannot continue it.")


class ContinuePlaylistPage(LoadsWhenFirstShown, PageBase):
    title = "Continue a playlist"
    blurb = "Tracks that carry on one of your playlists (only playlists you own or collaborate " \
            "on can be read)."

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        row = QHBoxLayout()
        self.playlist = QComboBox()
        self.playlist.setMinimumWidth(200)
        self.go_button = QPushButton("Continue it")
        row.addWidget(QLabel("Playlist"))
        row.addWidget(self.playlist, 1)
        row.addWidget(self.go_button)
        self.layout_.addLayout(row)
        self.view = RecommendationsView(ctx, RecommendRequest(mode="playlist"))
        self.layout_.addWidget(self.view, 1)
        self.go_button.clicked.connect(self.run)
        ctx.library_changed.connect(self.reload)
        self._pending_playlist: str | None = None
        self.all_playlists: list[PlaylistSummary] = []

    def reload(self) -> None:
        """Read the playlists again (the choice stays when it is still there)."""
        self.loaded = True
        services = self.ctx.services
        self.ctx.runner.run(services.browse.playlists, lane="db", name="playlists",
                            on_done=self._show_playlists,
                            on_error=lambda exc: self.ctx.error("Playlists", exc, background=True))

    def _show_playlists(self, playlists: list[PlaylistSummary]) -> None:
        self.all_playlists = playlists
        current = self.playlist.currentData()
        self.playlist.blockSignals(True)
        self.playlist.clear()
        for p in playlists:
            if p.readable:
                self.playlist.addItem(clip(f"{p.name} ({p.total or 0})", 80), p.id)
        if current is not None:
            index = self.playlist.findData(current)
            if index >= 0:
                self.playlist.setCurrentIndex(index)
        self.playlist.blockSignals(False)
        self.go_button.setEnabled(self.playlist.count() > 0)
        pending, self._pending_playlist = self._pending_playlist, None
        if pending is not None:
            if self.select_playlist(pending):
                self.run()
            else:
                self._say_unreadable(pending)

    def _say_unreadable(self, playlist_id: str) -> None:
        known = next((p for p in self.all_playlists if p.id == playlist_id), None)
        name = clip(known.name, 80) if known else "This playlist"
        reason = (known.skipped_reason if known else None) or UNREADABLE
        self.view.clear_list(f"“{name}” cannot be continued: {clip(reason, 200)}")

    def continue_with(self, playlist_id: str) -> None:
        """Select the playlist once the list is (re)loaded, then recommend."""
        self._pending_playlist = playlist_id
        self.view.clear_list("Reading the playlist…")
        self.reload()

    def select_playlist(self, playlist_id: str) -> bool:
        index = self.playlist.findData(playlist_id)
        if index >= 0:
            self.playlist.setCurrentIndex(index)
        return index >= 0

    def run(self) -> None:
        playlist_id = self.playlist.currentData()
        if playlist_id:
            self.view.set_request(RecommendRequest(mode="playlist", playlist_id=playlist_id))
