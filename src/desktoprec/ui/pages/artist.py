"""The artist view: their tracks in the library, their albums, genres, and what was saved and
played of them."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QListWidget,
    QListWidgetItem,
    QWidget,
)

from desktoprec.browse.service import ArtistView
from desktoprec.ui.context import AppContext
from desktoprec.ui.covers import show_cover
from desktoprec.ui.pages.album import DetailPage
from desktoprec.ui.widgets import PlainLabel, clip, safe_tooltip


class ArtistPage(DetailPage):
    title = "Artist"

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(ctx, 96, parent)
        self.view: ArtistView | None = None
        self.artist_id: str | None = None
        self.on_album: Callable[[str], None] | None = None
        self.genres = PlainLabel("")
        self.genres.set_muted()
        self.words.addWidget(self.genres)
        self.words.addStretch(1)
        self.layout_.addWidget(PlainLabel("Albums", bold=True))
        self.albums = QListWidget()
        self.albums.setAccessibleName("Albums")
        self.albums.setMaximumHeight(120)  # a few rows; the tracks below get the rest
        self.albums.setToolTip("Enter or double-click opens the album")
        self.layout_.addWidget(self.albums)
        self.layout_.addWidget(PlainLabel("Tracks in your library", bold=True))
        self.layout_.addWidget(self.tracks, 1)
        self.layout_.addWidget(self.track_actions)
        self.albums.itemActivated.connect(self._open_album)

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
        show_cover(self.ctx, [self.cover], artist.image_url)
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
        row = self.albums.sizeHintForRow(0) if self.albums.count() else 0
        self.albums.setFixedHeight(min(120, max(1, self.albums.count()) * max(row, 18)
                                       + 2 * self.albums.frameWidth() + 4))
        self.show_tracks(view.tracks, numbered=False)

    def _open_album(self, item: QListWidgetItem) -> None:
        album_id = item.data(Qt.ItemDataRole.UserRole)
        if album_id and self.on_album is not None:
            self.on_album(str(album_id))
