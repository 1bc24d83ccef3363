"""The album view: its cover, artists, year, and its tracks in album order with their lengths."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QPushButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from desktoprec.browse.service import AlbumView, ArtistView, LibraryItem
from desktoprec.domain import Track
from desktoprec.ui.context import AppContext
from desktoprec.ui.covers import show_cover
from desktoprec.ui.widgets import CoverLabel, PlainLabel, clip, format_duration, safe_tooltip

UNKNOWN = "—"


def track_rows(tree: QTreeWidget, items: list[LibraryItem], *, numbered: bool) -> None:
    """Fill `tree` (columns: #, Title, Artists, Album, Length, Plays) with one row per track."""
    tree.clear()
    for position, item in enumerate(items, 1):
        track = item.track
        values = [str(position) if numbered else "", track.name, ", ".join(track.artists),
                  track.album or "", format_duration(track.duration_ms) or UNKNOWN,
                  str(item.plays) if item.plays else UNKNOWN]
        row = QTreeWidgetItem([clip(v, 160) for v in values])
        for column, value in enumerate(values):
            row.setToolTip(column, safe_tooltip(value))
        for column in (0, 4, 5):
            row.setTextAlignment(column, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        tree.addTopLevelItem(row)


def track_tree() -> QTreeWidget:
    tree = QTreeWidget()
    tree.setHeaderLabels(["#", "Title", "Artists", "Album", "Length", "Plays"])
    tree.setRootIsDecorated(False)
    tree.setUniformRowHeights(True)
    tree.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    tree.setAlternatingRowColors(True)
    header = tree.header()
    header.setStretchLastSection(False)  # the title takes the spare width, not "Plays"
    header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
    for column, width in ((0, 36), (2, 180), (3, 180), (4, 64), (5, 56)):
        tree.setColumnWidth(column, width)
    return tree


class TrackListActions(QWidget):
    """Play / Play all / More like this under a list of tracks."""

    def __init__(self, ctx: AppContext, tree: QTreeWidget,
                 tracks: Callable[[], list[Track]], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx, self.tree, self.tracks = ctx, tree, tracks
        self.on_more_like: Callable[[Track], None] | None = None
        row = QHBoxLayout(self)
        row.setContentsMargins(0, 0, 0, 0)
        self.play_button = QPushButton("Play")
        self.play_all_button = QPushButton("Play all")
        self.more_like_button = QPushButton("More like this")
        for button in (self.play_button, self.play_all_button, self.more_like_button):
            row.addWidget(button)
        row.addStretch(1)
        self.play_button.clicked.connect(lambda: self.play(self.current_row()))
        self.play_all_button.clicked.connect(lambda: self.play(0))
        self.more_like_button.clicked.connect(self.more_like)
        tree.itemActivated.connect(lambda item, _c: self.play(tree.indexOfTopLevelItem(item)))

    def current_row(self) -> int:
        current = self.tree.currentItem()
        return max(0, self.tree.indexOfTopLevelItem(current)) if current is not None else 0

    def play(self, start: int) -> None:
        tracks = self.tracks()
        if tracks and self.ctx.player is not None:
            self.ctx.player.play_queue(tracks, max(0, min(start, len(tracks) - 1)))

    def more_like(self) -> None:
        tracks = self.tracks()
        if tracks and self.on_more_like is not None:
            self.on_more_like(tracks[min(self.current_row(), len(tracks) - 1)])


class DetailPage(QWidget):
    """What the artist and album views share: Back, a cover beside a name and a line of facts
    (`self.words` takes more), the tracks below with Play / Play all / More like this."""

    def __init__(self, ctx: AppContext, cover_size: int, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.view: AlbumView | ArtistView | None = None
        self.on_back: Callable[[], None] | None = None
        self.layout_ = QVBoxLayout(self)
        top = QHBoxLayout()
        self.back_button = QPushButton("← Back")
        self.back_button.clicked.connect(lambda: self.on_back() if self.on_back else None)
        top.addWidget(self.back_button)
        top.addStretch(1)
        self.layout_.addLayout(top)
        head = QHBoxLayout()
        self.cover = CoverLabel(cover_size)
        head.addWidget(self.cover, 0, Qt.AlignmentFlag.AlignTop)
        self.words = QVBoxLayout()
        self.name = PlainLabel("", bold=True, point_delta=4)
        self.facts = PlainLabel("")
        self.words.addWidget(self.name)
        self.words.addWidget(self.facts)
        head.addLayout(self.words, 1)
        self.layout_.addLayout(head)
        self.tracks = track_tree()
        self.track_actions = TrackListActions(ctx, self.tracks, self.track_list)
        self._generation = 0

    def on_shown(self) -> None:
        """Shown again (Back): nothing to reload."""

    def track_list(self) -> list[Track]:
        return [i.track for i in self.view.tracks] if self.view is not None else []

    def show_tracks(self, items: list[LibraryItem], *, numbered: bool) -> None:
        track_rows(self.tracks, items, numbered=numbered)
        first = self.tracks.topLevelItem(0)
        if first is not None:
            self.tracks.setCurrentItem(first)


class AlbumPage(DetailPage):
    title = "Album"

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(ctx, 128, parent)
        self.view: AlbumView | None = None
        self.album_id: str | None = None
        self.on_artist: Callable[[str], None] | None = None
        self.facts.set_muted()
        self.artist_buttons = QHBoxLayout()
        self.artist_buttons.setContentsMargins(0, 0, 0, 0)
        self.words.insertLayout(1, self.artist_buttons)
        self.words.addStretch(1)
        self.tracks.setColumnHidden(3, True)  # every row is this album
        self.layout_.addWidget(self.tracks, 1)
        self.layout_.addWidget(self.track_actions)

    def show_album(self, album_id: str) -> None:
        self.album_id = album_id
        self._generation += 1
        generation = self._generation
        self.name.set_plain("Reading the album…")
        self.facts.set_plain("")
        self.tracks.clear()
        services = self.ctx.services
        self.ctx.runner.run(lambda: services.browse.album(album_id), lane="db", name="album",
                            on_done=lambda view: self._show(generation, album_id, view),
                            on_error=lambda exc: self.name.set_plain(
                                f"The album could not be read: {exc}"))

    def _show(self, generation: int, album_id: str, view: AlbumView | None) -> None:
        if generation != self._generation:
            return
        self.view = view
        while self.artist_buttons.count():
            taken = self.artist_buttons.takeAt(0)
            widget = taken.widget() if taken is not None else None
            if widget is not None:
                widget.deleteLater()
        if view is None:
            self.name.set_plain("This album is not in your library.")
            self.cover.set_placeholder(album_id)
            return
        album = view.album
        self.name.set_plain(album.name or "Untitled album")
        self.cover.set_placeholder(album.id, album.name)
        show_cover(self.ctx, [self.cover], album.image_url)
        for artist_id, artist in zip(album.artist_ids, album.artists):
            button = QPushButton(clip(artist or "Unknown artist", 60))
            button.setFlat(True)
            button.setToolTip("Go to this artist")
            button.setAccessibleName(f"artist: {clip(artist, 60)}")
            button.clicked.connect(
                lambda _c=False, a=artist_id: self.on_artist(a) if self.on_artist else None)
            self.artist_buttons.addWidget(button)
        self.artist_buttons.addStretch(1)
        count = len(view.tracks)
        parts = [str(album.release_year) if album.release_year else "",
                 f"{count} track{'s' if count != 1 else ''} in your library",
                 format_duration(view.duration_ms)]
        self.facts.set_plain(" · ".join(p for p in parts if p))
        self.show_tracks(view.tracks, numbered=True)
