"""The artist view: their tracks in the library, their albums, genres, and what was saved and
played of them."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QHBoxLayout,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from desktoprec.browse.service import ArtistView
from desktoprec.domain import Track
from desktoprec.ui.context import AppContext
from desktoprec.ui.pages.album import TrackListActions, show_cover, track_rows, track_tree
from desktoprec.ui.widgets import CoverLabel, PlainLabel, clip, safe_tooltip


class ArtistPage(QWidget):
    title = "Artist"

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.view: ArtistView | None = None
        self.artist_id: str | None = None
        self.on_back: Callable[[], None] | None = None
        self.on_album: Callable[[str], None] | None = None
        layout = QVBoxLayout(self)
        top = QHBoxLayout()
        self.back_button = QPushButton("← Back")
        self.back_button.clicked.connect(lambda: self.on_back() if self.on_back else None)
        top.addWidget(self.back_button)
        top.addStretch(1)
        layout.addLayout(top)
        head = QHBoxLayout()
        self.cover = CoverLabel(96)
        head.addWidget(self.cover, 0, Qt.AlignmentFlag.AlignTop)
        words = QVBoxLayout()
        self.name = PlainLabel("", bold=True, point_delta=4)
        self.facts = PlainLabel("")
        self.genres = PlainLabel("")
        self.genres.set_muted()
        for label in (self.name, self.facts, self.genres):
            words.addWidget(label)
        words.addStretch(1)
        head.addLayout(words, 1)
        layout.addLayout(head)
        splitter = QSplitter(Qt.Orientation.Vertical)
        albums_box = QWidget()
        albums_layout = QVBoxLayout(albums_box)
        albums_layout.setContentsMargins(0, 0, 0, 0)
        albums_layout.addWidget(PlainLabel("Albums", bold=True))
        self.albums = QListWidget()
        self.albums.setAccessibleName("Albums")
        albums_layout.addWidget(self.albums)
        tracks_box = QWidget()
        tracks_layout = QVBoxLayout(tracks_box)
        tracks_layout.setContentsMargins(0, 0, 0, 0)
        tracks_layout.addWidget(PlainLabel("Tracks in your library", bold=True))
        self.tracks = track_tree()
        tracks_layout.addWidget(self.tracks, 1)
        self.track_actions = TrackListActions(ctx, self.tracks, self.track_list)
        tracks_layout.addWidget(self.track_actions)
        splitter.addWidget(albums_box)
        splitter.addWidget(tracks_box)
        splitter.setStretchFactor(1, 3)
        layout.addWidget(splitter, 1)
        self.albums.itemActivated.connect(self._open_album)
        self._generation = 0

    def on_shown(self) -> None:
        """Shown again (Back): nothing to reload."""

    def track_list(self) -> list[Track]:
        return [i.track for i in self.view.tracks] if self.view is not None else []

    def show_artist(self, artist_id: str) -> None:
        self.artist_id = artist_id
        self._generation += 1
        generation = self._generation
        self.name.set_plain("Reading the artist…")
        self.facts.set_plain("")
        self.genres.set_plain("")
        self.albums.clear()
        self.tracks.clear()
        services = self.ctx.services
        self.ctx.runner.run(lambda: services.browse.artist(artist_id), lane="db", name="artist",
                            on_done=lambda view: self._show(generation, artist_id, view),
                            on_error=lambda exc: self.name.set_plain(
                                f"The artist could not be read: {exc}"))

    def _show(self, generation: int, artist_id: str, view: ArtistView | None) -> None:
        if generation != self._generation:
            return
        self.view = view
        if view is None:
            self.name.set_plain("This artist is not in your library.")
            self.cover.set_placeholder(artist_id)
            return
        artist = view.artist
        self.name.set_plain(artist.name or "Unknown artist")
        self.cover.set_placeholder(artist.id, artist.name)
        show_cover(self.ctx, self.cover, artist.image_url, lambda: self.artist_id == artist_id)
        count = len(view.tracks)
        played = (f"{view.played} played ({view.plays} play{'s' if view.plays != 1 else ''})"
                  if view.plays else "none played in desktoprec yet")
        self.facts.set_plain(f"{count} track{'s' if count != 1 else ''} in your library · "
                             f"{view.saved} saved · {played}")
        self.genres.set_plain("Genres: " + ", ".join(view.genres) if view.genres
                              else "Genres: — (no source named any yet)")
        for album in view.albums:
            year = f" ({album.release_year})" if album.release_year else ""
            text = clip(f"{album.name or 'Untitled album'}{year} · "
                        f"{album.track_count} track{'s' if album.track_count != 1 else ''}", 140)
            item = QListWidgetItem(text)
            item.setToolTip(safe_tooltip(text))
            item.setData(Qt.ItemDataRole.UserRole, album.id)
            self.albums.addItem(item)
        track_rows(self.tracks, view.tracks, numbered=False)
        first = self.tracks.topLevelItem(0)
        if first is not None:
            self.tracks.setCurrentItem(first)

    def _open_album(self, item: QListWidgetItem) -> None:
        album_id = item.data(Qt.ItemDataRole.UserRole)
        if album_id and self.on_album is not None:
            self.on_album(str(album_id))
