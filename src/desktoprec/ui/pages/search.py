"""The one search box in the window's toolbar (Ctrl+F), its results page grouped by kind, and the
way between the results, the artist and album views and the window's own pages (with Back)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QEvent, QObject, Qt, QTimer
from PySide6.QtGui import QAction, QKeyEvent, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QLineEdit,
    QPushButton,
    QSizePolicy,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from desktoprec.browse.service import SearchResults
from desktoprec.domain import Track
from desktoprec.ui.context import AppContext
from desktoprec.ui.pages.album import AlbumPage
from desktoprec.ui.pages.artist import ArtistPage
from desktoprec.ui.pages.recommendations import RecommendationsView
from desktoprec.ui.widgets import PlainLabel, clip, format_duration, safe_tooltip

if TYPE_CHECKING:
    from desktoprec.ui.main_window import MainWindow

UNKNOWN = "—"
KIND_ROLE = Qt.ItemDataRole.UserRole
ID_ROLE = Qt.ItemDataRole.UserRole + 1
GROUPS = (("track", "Tracks"), ("artist", "Artists"), ("album", "Albums"),
          ("playlist", "Playlists"))


def _tracks(n: int) -> str:
    return f"{n} track{'s' if n != 1 else ''}"


class SearchPage(QWidget):
    title = "Search"

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.results: SearchResults | None = None
        self.tracks_by_id: dict[str, Track] = {}
        self.on_artist: Callable[[str], None] | None = None
        self.on_album: Callable[[str], None] | None = None
        self.on_playlist: Callable[[str], None] | None = None
        self.on_more_like: Callable[[Track], None] | None = None
        self.on_album_of: Callable[[Track], None] | None = None
        layout = QVBoxLayout(self)
        layout.addWidget(PlainLabel(self.title, bold=True, point_delta=4))
        self.summary = PlainLabel("Type in the search box above (Ctrl+F): tracks, artists, "
                                  "albums and playlists in your library.", elide=False)
        self.summary.set_muted()
        layout.addWidget(self.summary)
        self.tree = QTreeWidget()
        self.tree.setHeaderLabels(["Name", "Artists", "Album", "Length"])
        self.tree.setUniformRowHeights(True)
        self.tree.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.tree.setColumnWidth(0, 280)
        self.tree.setColumnWidth(1, 180)
        self.tree.setColumnWidth(2, 200)
        self.tree.setAccessibleName("Search results")
        layout.addWidget(self.tree, 1)
        actions = QHBoxLayout()
        self.open_button = QPushButton("Open")
        self.more_like_button = QPushButton("More like this")
        self.artist_button = QPushButton("Go to artist")
        self.album_button = QPushButton("Go to album")
        for button in (self.open_button, self.more_like_button, self.artist_button,
                       self.album_button):
            actions.addWidget(button)
        actions.addStretch(1)
        layout.addLayout(actions)
        self.tree.itemActivated.connect(lambda item, _c: self.activate(item))
        self.tree.currentItemChanged.connect(lambda _new, _old: self._update_buttons())
        self.open_button.clicked.connect(lambda: self.activate(self.tree.currentItem()))
        self.more_like_button.clicked.connect(self._more_like)
        self.artist_button.clicked.connect(self._go_to_artist)
        self.album_button.clicked.connect(self._go_to_album)
        self._generation = 0
        self._update_buttons()
        ctx.library_changed.connect(self._search_again)

    def _search_again(self) -> None:
        """The library changed (a sync, a scan): results on screen are searched for again."""
        if self.results is not None and self.isVisible():
            self.run(self.results.text)

    def on_shown(self) -> None:
        """Shown again (Back): the results stay."""

    def run(self, text: str) -> None:
        """Search for `text` in the database lane; only the newest search's answer is shown."""
        self._generation += 1
        generation = self._generation
        if not text.strip():
            self.results = None
            self.tree.clear()
            self.summary.set_plain("Type something to search for.")
            self._update_buttons()
            return
        self.summary.set_plain("Searching…")
        services = self.ctx.services
        self.ctx.runner.run(lambda: services.browse.search(text), lane="db", name="search",
                            on_done=lambda found: self._show(generation, found),
                            on_error=lambda exc: self.summary.set_plain(
                                f"The search could not be done: {exc}"))

    def _show(self, generation: int, found: SearchResults) -> None:
        if generation != self._generation:
            return
        self.results = found
        self.tree.clear()
        self.tracks_by_id = {i.track.id: i.track for i in found.tracks}
        rows: dict[str, list[tuple[list[str], str]]] = {
            "track": [([i.track.name, ", ".join(i.track.artists), i.track.album or UNKNOWN,
                        format_duration(i.track.duration_ms) or UNKNOWN], i.track.id)
                      for i in found.tracks],
            "artist": [([a.name, "", "", _tracks(a.track_count)], a.id) for a in found.artists],
            "album": [([a.name, ", ".join(a.artists), str(a.release_year or ""),
                        _tracks(a.track_count)], a.id) for a in found.albums],
            "playlist": [([p.name, p.owner, "", _tracks(p.total or 0)], p.id)
                         for p in found.playlists],
        }
        first: QTreeWidgetItem | None = None
        for kind, label in GROUPS:
            if not rows[kind]:
                continue
            shown = len(rows[kind])
            total = found.track_total if kind == "track" else shown
            more = f", first {shown} shown" if total > shown else ""
            group = QTreeWidgetItem([f"{label} ({total}{more})"])
            group.setFirstColumnSpanned(True)
            group.setFlags(Qt.ItemFlag.ItemIsEnabled)
            font = group.font(0)
            font.setBold(True)
            group.setFont(0, font)
            self.tree.addTopLevelItem(group)
            for values, item_id in rows[kind]:
                item = QTreeWidgetItem([clip(v, 160) for v in values])
                for column, value in enumerate(values):
                    item.setToolTip(column, safe_tooltip(value))
                item.setData(0, KIND_ROLE, kind)
                item.setData(0, ID_ROLE, item_id)
                group.addChild(item)
                first = first or item
            group.setExpanded(True)
        if first is not None:
            self.tree.setCurrentItem(first)
        self.summary.set_plain(
            f"Nothing in your library matches “{clip(found.text, 80)}”." if found.empty else
            f"Results for “{clip(found.text, 80)}”: Enter plays a track or opens an artist, "
            "album or playlist.")
        self._update_buttons()

    # --- what a result does ----------------------------------------------------------------

    def current(self) -> tuple[str, str] | None:
        item = self.tree.currentItem()
        if item is None or item.data(0, KIND_ROLE) is None:
            return None
        return str(item.data(0, KIND_ROLE)), str(item.data(0, ID_ROLE))

    def current_track(self) -> Track | None:
        chosen = self.current()
        return self.tracks_by_id.get(chosen[1]) if chosen and chosen[0] == "track" else None

    def _update_buttons(self) -> None:
        chosen = self.current()
        track = self.current_track()
        self.open_button.setEnabled(chosen is not None)
        self.open_button.setText("Play" if track is not None else "Open")
        self.more_like_button.setEnabled(track is not None)
        self.artist_button.setEnabled(track is not None and bool(track.artist_ids))
        self.album_button.setEnabled(track is not None)

    def activate(self, item: QTreeWidgetItem | None) -> None:
        """A track plays from here (the other tracks found follow); an artist, album or
        playlist opens."""
        if item is None or item.data(0, KIND_ROLE) is None:
            return
        kind, item_id = str(item.data(0, KIND_ROLE)), str(item.data(0, ID_ROLE))
        if kind == "track":
            tracks = list(self.tracks_by_id.values())
            if self.ctx.player is not None and item_id in self.tracks_by_id:
                self.ctx.player.play_queue(tracks, list(self.tracks_by_id).index(item_id))
        elif kind == "artist" and self.on_artist is not None:
            self.on_artist(item_id)
        elif kind == "album" and self.on_album is not None:
            self.on_album(item_id)
        elif kind == "playlist" and self.on_playlist is not None:
            self.on_playlist(item_id)

    def _more_like(self) -> None:
        track = self.current_track()
        if track is not None and self.on_more_like is not None:
            self.on_more_like(track)

    def _go_to_artist(self) -> None:
        track = self.current_track()
        if track is not None and track.artist_ids and self.on_artist is not None:
            self.on_artist(track.artist_ids[0])

    def _go_to_album(self) -> None:
        track = self.current_track()
        if track is not None and self.on_album_of is not None:
            self.on_album_of(track)


class Browsing(QObject):
    """The search box and the search, artist and album pages of one main window: they sit in
    its page stack without a place in its page list, and Back returns to what was shown before."""

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.window = window
        ctx = window.ctx
        self.search_page = SearchPage(ctx)
        self.artist_page = ArtistPage(ctx)
        self.album_page = AlbumPage(ctx)
        for page in (self.search_page, self.artist_page, self.album_page):
            window.stack.addWidget(page)
        self.history: list[QWidget] = []
        self.field = QLineEdit()
        self.field.setPlaceholderText("Search tracks, artists, albums, playlists (Ctrl+F)")
        self.field.setClearButtonEnabled(True)
        self.field.setAccessibleName("Search the library")
        self.field.setMinimumWidth(220)
        self.field.setMaximumWidth(360)
        spacer = QWidget()
        spacer.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Preferred)
        window.toolbar.addWidget(spacer)
        window.toolbar.addWidget(self.field)
        self.focus_action = QAction("Search", window)
        self.focus_action.setShortcut(QKeySequence.StandardKey.Find)
        self.focus_action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        self.focus_action.triggered.connect(self.focus_field)
        window.addAction(self.focus_action)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(250)
        self._timer.timeout.connect(self.search_now)
        self.field.textEdited.connect(lambda _t: self._timer.start())
        self.field.returnPressed.connect(self.search_now)
        self.field.installEventFilter(self)
        self.search_page.on_artist = self.show_artist
        self.search_page.on_album = self.show_album
        self.search_page.on_playlist = self.show_playlist
        self.search_page.on_more_like = window.more_like
        self.search_page.on_album_of = self.show_album_of
        self.artist_page.on_album = self.show_album
        self.artist_page.on_back = self.back
        self.artist_page.track_actions.on_more_like = window.more_like
        self.album_page.on_artist = self.show_artist
        self.album_page.on_back = self.back
        self.album_page.track_actions.on_more_like = window.more_like
        library = window.library_page
        library.on_artist = self.show_artist
        library.on_album = self.show_album
        for view in window.recommendation_views():  # a recommendation card's menu goes there too
            view.list.more_actions = lambda row, v=view: self.card_actions(v, row)

    def card_actions(self, view: RecommendationsView,
                     row: int) -> list[tuple[str, Callable[[], None] | None]]:
        """Go to artist / Go to album for the card in `row` (None: not possible)."""
        if not 0 <= row < len(view.cards):
            return []
        track = view.cards[row].rec.track
        artist_id = track.artist_ids[0] if track.artist_ids else None
        return [("Go to artist", (lambda: self.show_artist(artist_id)) if artist_id else None),
                ("Go to album", lambda: self.show_album_of(track))]

    def show_album_of(self, track: Track) -> None:
        """The album view of a track's album (looked up in the db lane)."""
        services = self.window.ctx.services
        self.window.ctx.runner.run(
            lambda: services.browse.album_of(track.id), lane="db", name="album-of",
            on_done=lambda album_id: self.show_album(album_id) if album_id else
            self.window.ctx.status_message.emit("This track has no album in your library."),
            on_error=lambda exc: self.window.ctx.error("Album", exc, background=True))

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        """Down in the search box moves into the results shown."""
        if watched is self.field and event.type() == QEvent.Type.KeyPress \
                and isinstance(event, QKeyEvent) and event.key() == Qt.Key.Key_Down \
                and self.window.stack.currentWidget() is self.search_page \
                and self.search_page.tree.topLevelItemCount():
            self.search_page.tree.setFocus(Qt.FocusReason.OtherFocusReason)
            return True
        return False

    def focus_field(self) -> None:
        self.field.setFocus(Qt.FocusReason.ShortcutFocusReason)
        self.field.selectAll()

    def search_now(self) -> None:
        self._timer.stop()
        text = self.field.text()
        if text.strip():
            self._show(self.search_page)
        self.search_page.run(text)

    def _show(self, page: QWidget) -> None:
        """Bring one of the browsing pages forward, remembering what was there for Back."""
        current = self.window.stack.currentWidget()
        if current is not page and current is not None:
            self.history.append(current)
            del self.history[:-30]
        self.window.nav.blockSignals(True)
        self.window.nav.setCurrentRow(-1)
        self.window.nav.blockSignals(False)
        self.window.stack.setCurrentWidget(page)

    def show_artist(self, artist_id: str) -> None:
        self._show(self.artist_page)
        self.artist_page.show_artist(artist_id)

    def show_album(self, album_id: str) -> None:
        self._show(self.album_page)
        self.album_page.show_album(album_id)

    def show_playlist(self, playlist_id: str) -> None:
        page: Any = self.window.go_to("Playlists")
        page.select_playlist(playlist_id)

    def back(self) -> None:
        while self.history:
            previous = self.history.pop()
            names = [n for n, p in self.window.pages.items() if p is previous]
            if names:
                self.window.go_to(names[0])
                return
            if self.window.stack.indexOf(previous) >= 0:
                self._show_without_history(previous)
                return
        self.window.go_to("Library")

    def _show_without_history(self, page: QWidget) -> None:
        self.window.nav.blockSignals(True)
        self.window.nav.setCurrentRow(-1)
        self.window.nav.blockSignals(False)
        self.window.stack.setCurrentWidget(page)


def install_browsing(window: MainWindow) -> Browsing:
    """Add the search box and the browsing pages to `window`."""
    return Browsing(window)
