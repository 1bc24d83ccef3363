"""The Library page (search title/artist/album/genre, filter by source, choose the columns) and
the Playlists page."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QPersistentModelIndex,
    QPoint,
    Qt,
    QTimer,
)
from PySide6.QtGui import QAction
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLineEdit,
    QListWidget,
    QMenu,
    QPushButton,
    QSplitter,
    QStyle,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from desktoprec.browse.service import SOURCE_FILTERS, LibraryItem, PlaylistSummary
from desktoprec.domain import Track
from desktoprec.ui.context import AppContext
from desktoprec.ui.covers import show_cover
from desktoprec.ui.widgets import CoverLabel, PlainLabel, clip, format_duration, safe_tooltip
from desktoprec.words import source_word

_ROOT = QModelIndex()
SOURCE_WORDS = {"spotify": "Spotify library", "local": "my files", "discovery": "discovery"}
UNKNOWN = "—"
# (key kept in the settings, header); the first seven are the table's original columns
COLUMNS = (("title", "Title"), ("artists", "Artists"), ("album", "Album"), ("length", "Length"),
           ("genres", "Genres"), ("source", "Source"), ("sound", "Sound from"),
           ("genre_source", "Genre from"), ("added", "Date added"), ("plays", "Plays"))
COLUMN_KEYS = tuple(key for key, _ in COLUMNS)
LENGTH_COLUMN = COLUMN_KEYS.index("length")
_TIPS = {
    "genre_source": "Which source gave the track its genres: Spotify, the file's tag, Deezer, "
                    "MusicBrainz or iTunes",
    "added": "When you saved the track to your Spotify library",
    "plays": "Plays desktoprec's player recorded",
}


def _date(iso: str | None) -> str:
    return iso[:10] if iso else UNKNOWN


class LibraryTableModel(QAbstractTableModel):
    """Library items as rows; every cell is plain text, clipped; "—" where nothing is known."""

    HEADERS = tuple(header for _, header in COLUMNS)

    def __init__(self) -> None:
        super().__init__()
        self.items: list[LibraryItem] = []
        self.now_playing_id: str | None = None  # marked with a play icon (player's now_playing)
        self.now_playing_icon: Any = None

    def set_now_playing(self, track_id: str | None, icon: Any) -> None:
        self.now_playing_id, self.now_playing_icon = track_id, icon
        if self.items:
            self.dataChanged.emit(self.index(0, 0), self.index(len(self.items) - 1, 0))

    def set_items(self, items: list[LibraryItem]) -> None:
        self.beginResetModel()
        self.items = list(items)
        self.endResetModel()

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = _ROOT) -> int:
        return 0 if parent.isValid() else len(self.items)

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = _ROOT) -> int:
        return len(self.HEADERS)

    def cell(self, row: int, column: int) -> str:
        return self.text_of(self.items[row], column)

    @staticmethod
    def text_of(item: LibraryItem, column: int) -> str:
        track = item.track
        key = COLUMN_KEYS[column]
        if key == "title":
            value = track.name
        elif key == "artists":
            value = ", ".join(track.artists)
        elif key == "album":
            value = track.album or ""
        elif key == "length":
            value = format_duration(track.duration_ms) or UNKNOWN
        elif key == "genres":
            value = ", ".join(item.genres) or UNKNOWN
        elif key == "source":
            value = SOURCE_WORDS.get(track.source, track.source)
        elif key == "sound":
            value = source_word(item.sound_source) if item.sound_source != "none" else UNKNOWN
        elif key == "genre_source":
            value = source_word(item.genre_source) if item.genre_source else UNKNOWN
        elif key == "added":
            value = _date(item.added_at)
        else:
            value = str(item.plays) if item.plays else UNKNOWN
        return clip(value, 200)

    def sort(self, column: int, order: Qt.SortOrder = Qt.SortOrder.AscendingOrder) -> None:
        """Click a header to sort by it (length by time, plays by count, date added by date,
        the rest by text, any case); unknown values sort first going up."""
        key_name = COLUMN_KEYS[column] if 0 <= column < len(COLUMN_KEYS) else "title"

        def key(item: LibraryItem) -> Any:
            if key_name == "length":
                return item.track.duration_ms or 0
            if key_name == "plays":
                return item.plays
            if key_name == "added":
                return item.added_at or ""
            return self.text_of(item, column).casefold()

        self.layoutAboutToBeChanged.emit()
        self.items.sort(key=key, reverse=order == Qt.SortOrder.DescendingOrder)
        self.layoutChanged.emit()

    def data(self, index: QModelIndex | QPersistentModelIndex,
             role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return self.cell(index.row(), index.column())
        if role == Qt.ItemDataRole.ToolTipRole:
            return safe_tooltip(self.cell(index.row(), index.column()))
        if role == Qt.ItemDataRole.TextAlignmentRole and COLUMN_KEYS[index.column()] in (
                "length", "plays"):
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if (role == Qt.ItemDataRole.DecorationRole and index.column() == 0
                and self.now_playing_id is not None
                and self.items[index.row()].track.id == self.now_playing_id):
            return self.now_playing_icon
        return None

    def headerData(self, section: int, orientation: Qt.Orientation,
                   role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if orientation != Qt.Orientation.Horizontal or not 0 <= section < len(COLUMNS):
            return None
        if role == Qt.ItemDataRole.DisplayRole:
            return self.HEADERS[section]
        if role == Qt.ItemDataRole.ToolTipRole:
            return _TIPS.get(COLUMN_KEYS[section])
        return None


class LibraryPage(QWidget):
    title = "Library"

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        layout = QVBoxLayout(self)
        layout.addWidget(PlainLabel(self.title, bold=True, point_delta=4))
        row = QHBoxLayout()
        self.search = QLineEdit()
        self.search.setPlaceholderText("Search title, artist, album or genre…")
        self.search.setClearButtonEnabled(True)
        self.source = QComboBox()
        for key, label in SOURCE_FILTERS.items():
            self.source.addItem(label, key)
        row.addWidget(self.search, 1)
        row.addWidget(self.source)
        layout.addLayout(row)
        self.count = PlainLabel("")
        layout.addWidget(self.count)
        self.model = LibraryTableModel()
        if ctx.player is not None:
            icon = self.style().standardIcon(QStyle.StandardPixmap.SP_MediaPlay)
            ctx.player.now_playing.connect(
                lambda _t, _s: self.model.set_now_playing(ctx.player.now_playing_id, icon))
        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        self.table.horizontalHeader().setStretchLastSection(True)
        # size columns from the first rows only: measuring 500 rows took ~60 ms of the UI thread
        self.table.horizontalHeader().setResizeContentsPrecision(40)
        self.table.verticalHeader().setVisible(False)
        self.table.setWordWrap(False)  # one line a row: long names are elided, the tip has all
        self.table.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.table.setSortingEnabled(True)
        header = self.table.horizontalHeader()
        header.setSortIndicator(0, Qt.SortOrder.AscendingOrder)
        header.setToolTip("Click a column to sort by it; right-click to choose the columns")
        header.setContextMenuPolicy(Qt.ContextMenuPolicy.ActionsContextMenu)
        hidden = set(ctx.services.settings.library_hidden_columns)
        self.column_actions = []
        for column, name in enumerate(LibraryTableModel.HEADERS):
            action = QAction(name, header)
            action.setCheckable(True)
            shown = column == 0 or COLUMN_KEYS[column] not in hidden  # the title always shows
            action.setChecked(shown)
            self.table.setColumnHidden(column, not shown)
            action.setEnabled(column != 0)
            action.toggled.connect(lambda on, c=column: self._show_column(c, on))
            header.addAction(action)
            self.column_actions.append(action)
        self.table.doubleClicked.connect(self._on_double_clicked)
        self.table.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.table.customContextMenuRequested.connect(self._row_menu)
        layout.addWidget(self.table, 1)
        actions = QHBoxLayout()
        self.play_button = QPushButton("Play")
        self.more_like_button = QPushButton("More like this")
        self.open_button = QPushButton("Open in Spotify")
        for b in (self.play_button, self.more_like_button, self.open_button):
            actions.addWidget(b)
        actions.addStretch(1)
        layout.addLayout(actions)
        self.play_button.clicked.connect(self.play_selected)
        self.more_like_button.clicked.connect(self.more_like_selected)
        self.open_button.clicked.connect(
            lambda: self.ctx.open_in_spotify(t.uri) if (t := self.selected_track()) else None)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(200)
        self._timer.timeout.connect(self.reload)
        self.search.textChanged.connect(lambda _t: self._timer.start())
        self.source.currentIndexChanged.connect(lambda _i: self.reload())
        ctx.library_changed.connect(self.reload)
        self._generation = 0
        self._fitted_width = -1  # the table's width when the columns were last fitted to it
        self.on_more_like: Callable[[Track], None] | None = None  # set by the main window
        # set by the browsing pages (ui/pages/search.py): callable(artist id), callable(album id)
        self.on_artist: Callable[[str], None] | None = None
        self.on_album: Callable[[str], None] | None = None

    def _show_column(self, column: int, shown: bool) -> None:
        """Show or hide a column and remember the choice in the settings."""
        self.table.setColumnHidden(column, not shown)
        self.fit_columns()
        hidden = [COLUMN_KEYS[c] for c in range(1, len(COLUMN_KEYS))
                  if self.table.isColumnHidden(c)]
        try:
            with self.ctx.services.change_settings() as settings:
                settings.library_hidden_columns = hidden
        except Exception as exc:  # noqa: BLE001 - shown for this session, only not remembered
            self.ctx.status_message.emit(f"The column choice could not be saved: {exc}")

    def fit_columns(self) -> None:
        """Columns as wide as their contents (at most 260 px); when the shown ones are wider
        than the table, the text columns give up width (down to 72 px, elided) so all fit."""
        self.table.resizeColumnsToContents()
        self._fitted_width = self.table.width()
        shown = [c for c in range(self.model.columnCount()) if not self.table.isColumnHidden(c)]
        for column in shown:
            self.table.setColumnWidth(column, min(self.table.columnWidth(column), 260))
        # the room left of a vertical scroll bar, whether or not it is shown yet
        room = (self.table.width() - 2 * self.table.frameWidth()
                - self.table.verticalScrollBar().sizeHint().width() - 2)
        flexible = [c for c in shown if COLUMN_KEYS[c] not in ("length", "added", "plays")]
        for _ in range(3):  # a resized section can move the others' widths: check again
            spare = room - sum(self.table.columnWidth(c) for c in shown)
            give = sum(max(0, self.table.columnWidth(c) - 72) for c in flexible)
            if spare >= 0 or give <= 0:
                break
            share = min(1.0, -spare / give)
            for column in flexible:
                width = self.table.columnWidth(column)
                self.table.setColumnWidth(column, int(width - max(0, width - 72) * share))

    def selected_item(self) -> LibraryItem | None:
        rows = self.table.selectionModel().selectedRows()
        row = rows[0].row() if rows else self.table.currentIndex().row()
        return self.model.items[row] if 0 <= row < len(self.model.items) else None

    def row_actions(self, item: LibraryItem) -> list[tuple[str, Callable[[], None] | None]]:
        """The row menu's entries for `item` (label, action; None: not possible here)."""
        track = item.track
        on_artist, on_album = self.on_artist, self.on_album
        pairs = list(zip(track.artist_ids, track.artists)) or [("", "")]
        artists: list[tuple[str, Callable[[], None] | None]] = []
        for artist_id, name in pairs:
            label = "Go to artist" if len(pairs) == 1 else f"Go to {clip(name, 40)}"
            go: Callable[[], None] | None = None
            if on_artist is not None and artist_id:
                go = partial(on_artist, artist_id)
            artists.append((label, go))
        return [
            ("Play", self.play_selected if self.ctx.player is not None else None),
            ("More like this", self.more_like_selected if self.on_more_like else None),
            *artists,
            ("Go to album", (lambda: on_album(item.album_id or ""))
             if on_album is not None and item.album_id else None),
        ]

    def _row_menu(self, point: QPoint) -> None:
        index = self.table.indexAt(point)
        if not index.isValid():
            return
        self.table.selectRow(index.row())
        item = self.model.items[index.row()]
        menu = QMenu(self)
        for label, action in self.row_actions(item):
            entry = menu.addAction(label)
            if action is None:
                entry.setEnabled(False)
            else:
                entry.triggered.connect(action)
        menu.exec(self.table.viewport().mapToGlobal(point))

    def on_shown(self) -> None:
        if not self.model.items:
            self.reload()
        else:  # read while hidden, or resized since: fitted again once laid out, if too wide
            QTimer.singleShot(0, self._fit_if_too_wide)

    def _fit_if_too_wide(self) -> None:
        shown = [c for c in range(self.model.columnCount()) if not self.table.isColumnHidden(c)]
        if self.table.width() != self._fitted_width or \
                sum(self.table.columnWidth(c) for c in shown) > self.table.viewport().width():
            self.fit_columns()

    def reload(self) -> None:
        text, source = self.search.text(), self.source.currentData()
        services = self.ctx.services
        self._generation += 1
        generation = self._generation
        self.ctx.runner.run(lambda: services.browse.library_items(text, source), lane="db",
                            name="library",
                            on_done=lambda items: self._show(generation, items),
                            on_error=lambda exc: self.count.set_plain(
                                f"The library could not be read: {exc}"))

    def _show(self, generation: int, items: list[LibraryItem]) -> None:
        if generation != self._generation:
            return
        self.model.set_items(items)
        header = self.table.horizontalHeader()  # the order the user chose stays
        self.model.sort(header.sortIndicatorSection(), header.sortIndicatorOrder())
        self.fit_columns()
        more = " (first 500 shown)" if len(items) >= 500 else ""
        self.count.set_plain(f"{len(items)} tracks{more}" if items else
                             "No tracks match. Sync your Spotify library or add a music folder "
                             "in Settings.")

    def selected_track(self) -> Track | None:
        item = self.selected_item()
        return item.track if item is not None else None

    def _on_double_clicked(self, index: QModelIndex) -> None:
        self.table.selectRow(index.row())
        self.play_selected()

    def play_selected(self) -> None:
        track = self.selected_track()
        if track is not None and self.ctx.player is not None:
            self.ctx.player.play_queue([track], 0)

    def more_like_selected(self) -> None:
        track = self.selected_track()
        if track is not None and self.on_more_like is not None:
            self.on_more_like(track)


class PlaylistsPage(QWidget):
    title = "Playlists"

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        layout = QVBoxLayout(self)
        layout.addWidget(PlainLabel(self.title, bold=True, point_delta=4))
        splitter = QSplitter()
        self.playlists = QListWidget()
        self.tracks = QListWidget()
        splitter.addWidget(self.playlists)
        splitter.addWidget(self._playlist_view())
        splitter.setStretchFactor(1, 2)
        layout.addWidget(splitter, 1)
        self.note = PlainLabel("", elide=False)
        layout.addWidget(self.note)
        actions = QHBoxLayout()
        self.play_button = QPushButton("Play")
        self.continue_button = QPushButton("Continue this playlist")
        self.open_button = QPushButton("Open in Spotify")
        for b in (self.play_button, self.continue_button, self.open_button):
            actions.addWidget(b)
        actions.addStretch(1)
        layout.addLayout(actions)
        self.data: list[PlaylistSummary] = []
        self.current_tracks: list[Track] = []
        self.playlists.currentRowChanged.connect(self._on_playlist_changed)
        self.play_button.clicked.connect(self.play)
        self.continue_button.clicked.connect(self._continue)
        self.open_button.clicked.connect(self._open)
        ctx.library_changed.connect(self.reload)
        self.on_continue: Callable[[str], None] | None = None  # set by the main window

    def _playlist_view(self) -> QWidget:
        """The chosen playlist: its cover (Spotify's, else a generated one), name, and tracks."""
        view = QWidget()
        column = QVBoxLayout(view)
        column.setContentsMargins(0, 0, 0, 0)
        header = QHBoxLayout()
        self.cover = CoverLabel(72)
        header.addWidget(self.cover)
        words = QVBoxLayout()
        self.playlist_name = PlainLabel("", bold=True, point_delta=2)
        self.playlist_detail = PlainLabel("")
        self.playlist_detail.set_muted()
        words.addWidget(self.playlist_name)
        words.addWidget(self.playlist_detail)
        words.addStretch(1)
        header.addLayout(words, 1)
        column.addLayout(header)
        column.addWidget(self.tracks, 1)
        return view

    def on_shown(self) -> None:
        if not self.data:
            self.reload()

    def reload(self) -> None:
        services = self.ctx.services
        self.ctx.runner.run(services.browse.playlists, lane="db", name="playlists",
                            on_done=self._show,
                            on_error=lambda exc: self.note.set_plain(f"Not readable: {exc}"))

    def _show(self, data: list[PlaylistSummary]) -> None:
        self.data = data
        self.playlists.clear()
        for p in data:
            mark = "" if p.readable else "  (not readable)"
            self.playlists.addItem(clip(f"{p.name} · {p.total or 0}{mark}", 100))
        if not data:
            self.note.set_plain("No playlists yet. Sync your Spotify library first.")
        elif self.playlists.currentRow() < 0:
            self.playlists.setCurrentRow(0)

    def current(self) -> PlaylistSummary | None:
        row = self.playlists.currentRow()
        return self.data[row] if 0 <= row < len(self.data) else None

    def _on_playlist_changed(self, row: int) -> None:
        playlist = self.current()
        self.tracks.clear()
        if playlist is None:
            return
        self.cover.set_placeholder(playlist.id, playlist.name)
        show_cover(self.ctx, [self.cover], playlist.image_url)
        self.playlist_name.set_plain(playlist.name)
        self.playlist_detail.set_plain(f"{playlist.total or 0} tracks"
                                       + (" · made by desktoprec" if playlist.made_by_desktoprec
                                          else ""))
        if not playlist.readable:
            self.note.set_plain(clip(playlist.skipped_reason or
                                     "Spotify only lets apps read playlists you own or "
                                     "collaborate on.", 300))
            return
        self.note.set_plain("")
        services = self.ctx.services
        playlist_id = playlist.id
        self.ctx.runner.run(lambda: services.browse.playlist_tracks(playlist_id), lane="db",
                            name="playlist-tracks", on_done=self._show_tracks,
                            on_error=lambda exc: self.note.set_plain(f"Not readable: {exc}"))

    def _show_tracks(self, tracks: list[Track]) -> None:
        self.current_tracks = tracks
        self.tracks.clear()
        for i, t in enumerate(tracks, 1):
            self.tracks.addItem(clip(f"{i}. {t.name} — {', '.join(t.artists)}", 140))

    def play(self) -> None:
        if self.current_tracks and self.ctx.player is not None:
            start = max(0, self.tracks.currentRow())
            self.ctx.player.play_queue(self.current_tracks, start)

    def _continue(self) -> None:
        playlist = self.current()
        if playlist and self.on_continue is not None:
            self.on_continue(playlist.id)

    def select_playlist(self, playlist_id: str) -> None:
        """Show this playlist (once the list is read, when it is not yet)."""
        row = next((i for i, p in enumerate(self.data) if p.id == playlist_id), -1)
        if row >= 0:
            self.playlists.setCurrentRow(row)
            return
        services = self.ctx.services

        def then(data: list[PlaylistSummary]) -> None:
            self._show(data)
            found = next((i for i, p in enumerate(data) if p.id == playlist_id), -1)
            if found >= 0:
                self.playlists.setCurrentRow(found)

        self.ctx.runner.run(services.browse.playlists, lane="db", name="playlists",
                            on_done=then,
                            on_error=lambda exc: self.note.set_plain(f"Not readable: {exc}"))

    def _open(self) -> None:
        playlist = self.current()
        if playlist:
            self.ctx.open_in_spotify(playlist.uri)
