"""The export dialog: a new playlist or one of the user's own, the tracks edited before export
(remove, reorder), a description in words; Spotify, M3U or CSV."""

from __future__ import annotations

import logging
from datetime import datetime
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QButtonGroup,
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QPushButton,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from desktoprec.domain import Track
from desktoprec.errors import ExportError, NetworkError
from desktoprec.export.service import PlaylistRef
from desktoprec.ui.context import AppContext
from desktoprec.ui.errors import describe
from desktoprec.ui.widgets import PlainLabel, clip, safe_tooltip, track_line

log = logging.getLogger(__name__)

MODE_WORDS = {"for_you": "For you", "more_like": "More like this", "playlist": "Continue",
              "path": "A→B path", "cold_start": "First picks", "quick": "Quick picks"}
_TRACK_ROLE = Qt.ItemDataRole.UserRole


def describe_recipe(recipe: dict[str, Any], count: int, when: datetime | None = None) -> str:
    """The playlist's description for people: what kind of list, when, how spread out. (The
    recipe itself stays machine-readable with the list in the database.)"""
    when = when or datetime.now()
    mode = str(recipe.get("mode", ""))
    kind = {"for_you": "Picks for you", "more_like": "Tracks like the ones you chose",
            "playlist": "Tracks that continue one of your playlists",
            "path": "A path through sound from one track to another",
            "cold_start": "First picks in the styles you chose"}.get(mode, "A mix")
    parts = [f"{kind}, made by desktoprec on {when:%-d %B %Y}", f"{count} tracks"]
    diversity = recipe.get("diversity")
    if isinstance(diversity, (int, float)) and mode != "path":
        spread = ("close matches" if diversity < 0.34 else
                  "spread over artists and genres" if diversity > 0.66 else "a balanced mix")
        parts.append(spread)
    for key, word in (("mood", "mood"), ("activity", "for")):
        value = recipe.get(key)
        if value:
            parts.append(f"{word} {value}" if key == "activity" else f"{value} {word}")
    return ", ".join(parts) + "."


def file_stem(name: str) -> str:
    """A file name from a playlist name: letters, digits, single spaces, - and _."""
    kept = "".join(c if (c.isalnum() or c in "-_") else " " for c in name)
    return " ".join(kept.split()) or "desktoprec"


class ExportDialog(QDialog):
    """Export a list of tracks; what happened is shown in `result_label` (and kept in `outcome`)."""

    def __init__(self, ctx: AppContext, tracks: list[Track], recipe: dict[str, Any],
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.recipe = recipe
        self.outcome: dict[str, Any] | None = None
        self.setWindowTitle("Add to a playlist")
        layout = QVBoxLayout(self)
        where = QHBoxLayout()
        self.new_choice = QRadioButton("A new playlist")
        self.existing_choice = QRadioButton("Add to one of my playlists")
        self.new_choice.setChecked(True)
        group = QButtonGroup(self)
        group.addButton(self.new_choice)
        group.addButton(self.existing_choice)
        where.addWidget(self.new_choice)
        where.addWidget(self.existing_choice)
        where.addStretch(1)
        layout.addLayout(where)
        form = QFormLayout()
        mode = MODE_WORDS.get(str(recipe.get("mode", "")), "Mix")
        self.name = QLineEdit(f"desktoprec {mode} {datetime.now():%Y-%m-%d}")
        self.name.setMaxLength(100)
        form.addRow("Name", self.name)
        self.existing = QComboBox()
        self.existing.setEnabled(False)
        self.existing.setPlaceholderText("no playlist of yours yet")
        form.addRow("Playlist", self.existing)
        self.public = QCheckBox("Public on my Spotify profile")
        self.public.setChecked(False)
        form.addRow("", self.public)
        self.description = QPlainTextEdit(describe_recipe(recipe, len(tracks)))
        self.description.setMaximumHeight(70)
        form.addRow("Description", self.description)
        layout.addLayout(form)
        self.count = PlainLabel("", bold=True)
        layout.addWidget(self.count)
        edit = QHBoxLayout()
        self.preview = QListWidget()
        self.preview.setDragDropMode(QAbstractItemView.DragDropMode.InternalMove)
        self.preview.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.preview.setToolTip("Drag tracks to reorder them; Delete removes the selected ones")
        for track in tracks:
            line = clip(track_line(track), 160)
            item = QListWidgetItem(line)
            item.setData(_TRACK_ROLE, track)
            item.setToolTip(safe_tooltip(line))
            self.preview.addItem(item)
        edit.addWidget(self.preview, 1)
        side = QVBoxLayout()
        self.up_button = QPushButton("Up")
        self.down_button = QPushButton("Down")
        self.remove_button = QPushButton("Remove")
        for b in (self.up_button, self.down_button, self.remove_button):
            side.addWidget(b)
        side.addStretch(1)
        edit.addLayout(side)
        layout.addLayout(edit, 1)
        self.result_label = PlainLabel("", elide=False)
        layout.addWidget(self.result_label)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        self.spotify_button = buttons.addButton("Export to Spotify",
                                                QDialogButtonBox.ButtonRole.ActionRole)
        self.m3u_button = buttons.addButton("Save M3U…", QDialogButtonBox.ButtonRole.ActionRole)
        self.csv_button = buttons.addButton("Save CSV…", QDialogButtonBox.ButtonRole.ActionRole)
        buttons.rejected.connect(self.reject)
        self.spotify_button.clicked.connect(self.export_to_spotify)
        self.m3u_button.clicked.connect(lambda: self.export_to_file("m3u"))
        self.csv_button.clicked.connect(lambda: self.export_to_file("csv"))
        self.up_button.clicked.connect(lambda: self.move_selected(-1))
        self.down_button.clicked.connect(lambda: self.move_selected(1))
        self.remove_button.clicked.connect(self.remove_selected)
        self.existing_choice.toggled.connect(self._on_where_changed)
        self.preview.model().rowsMoved.connect(lambda *_: self._update_count())
        layout.addWidget(buttons)
        self._update_count()
        self._on_where_changed(False)
        self.resize(600, 560)
        self.load_own_playlists()

    # --- the tracks ----------------------------------------------------------------------

    @property
    def tracks(self) -> list[Track]:
        """The tracks to export, in the order shown."""
        return [self.preview.item(i).data(_TRACK_ROLE) for i in range(self.preview.count())]

    @tracks.setter
    def tracks(self, tracks: list[Track]) -> None:
        self.preview.clear()
        for track in tracks:
            item = QListWidgetItem(clip(track_line(track), 160))
            item.setData(_TRACK_ROLE, track)
            self.preview.addItem(item)
        self._update_count()

    def _update_count(self) -> None:
        n = self.preview.count()
        self.count.set_plain(f"{n} track{'s' if n != 1 else ''}")
        for b in (self.spotify_button, self.m3u_button, self.csv_button):
            b.setEnabled(n > 0)

    def remove_selected(self) -> None:
        for item in self.preview.selectedItems():
            self.preview.takeItem(self.preview.row(item))
        self._update_count()

    def move_selected(self, step: int) -> None:
        row = self.preview.currentRow()
        target = row + step
        if row < 0 or not 0 <= target < self.preview.count():
            return
        item = self.preview.takeItem(row)
        self.preview.insertItem(target, item)
        self.preview.setCurrentRow(target)

    def keyPressEvent(self, event: Any) -> None:
        if event.key() == Qt.Key.Key_Delete and self.preview.hasFocus():
            self.remove_selected()
            return
        super().keyPressEvent(event)

    # --- where to ------------------------------------------------------------------------

    def load_own_playlists(self) -> None:
        service = self.ctx.services.export
        self.ctx.runner.run(service.own_playlists, lane="db", name="own-playlists",
                            on_done=self._show_own_playlists,
                            on_error=lambda exc: log.info("own playlists: %s", exc))

    def _show_own_playlists(self, playlists: list[PlaylistRef]) -> None:
        self.existing.clear()
        for p in playlists:
            self.existing.addItem(clip(f"{p.name} ({p.total} tracks)", 80), p.id)
        self.existing_choice.setEnabled(bool(playlists))
        if not playlists:
            self.existing_choice.setToolTip("You have no playlist of your own yet")

    def _on_where_changed(self, existing: bool) -> None:
        self.existing.setEnabled(existing)
        self.name.setEnabled(not existing)
        self.public.setEnabled(not existing)
        self.description.setEnabled(not existing)
        self.spotify_button.setText("Add to Spotify playlist" if existing else
                                    "Export to Spotify")

    def _spotify_uris(self) -> list[str]:
        return [t.uri for t in self.tracks if t.uri and t.uri.startswith("spotify:track:")]

    def _set_busy(self, busy: bool) -> None:
        for b in (self.spotify_button, self.m3u_button, self.csv_button):
            b.setEnabled(not busy and self.preview.count() > 0)

    # --- Spotify -------------------------------------------------------------------------

    def export_to_spotify(self) -> None:
        service = self.ctx.services.export
        uris = self._spotify_uris()
        if not uris:
            self.result_label.set_plain("None of these tracks is on Spotify; save an M3U instead.")
            return
        if self.existing_choice.isChecked():
            playlist_id = self.existing.currentData()
            if not playlist_id:
                self.result_label.set_plain("Choose one of your playlists first.")
                return
            self._set_busy(True)
            self.result_label.set_plain("Adding the tracks on Spotify…")
            self.ctx.runner.run(lambda: service.add_to_playlist(str(playlist_id), uris),
                                lane="network", name="export-add",
                                on_done=self._on_spotify_done, on_error=self._on_failed)
            return
        name = self.name.text().strip() or "desktoprec mix"
        public = self.public.isChecked()
        description = self.description.toPlainText().strip()[:300] or None

        def work() -> dict[str, Any]:
            try:
                return dict(service.to_spotify(name, uris, public=public, description=description)
                            or {})
            except NetworkError:
                service.queue(name=name, uris=uris, public=public, description=description)
                return {"queued": True}

        self._set_busy(True)
        self.result_label.set_plain("Exporting to Spotify…")
        self.ctx.runner.run(work, lane="network", name="export",
                            on_done=self._on_spotify_done, on_error=self._on_failed)

    def _on_spotify_done(self, result: dict[str, Any]) -> None:
        self._set_busy(False)
        self.outcome = result
        skipped = len(self.tracks) - len(self._spotify_uris())
        extra = f" ({skipped} local tracks left out)" if skipped else ""
        if result.get("queued"):
            text = ("You are offline: the playlist is queued and will be sent to Spotify when "
                    "the network is back." + extra)
        elif "added" in result:
            text = (f"Added {result['added']} tracks to “{clip(result.get('name'), 80)}” on "
                    f"Spotify.{extra}")
        else:
            text = f"Saved to Spotify as “{clip(self.name.text(), 80)}”.{extra}"
        self.result_label.set_plain(text)
        self.ctx.status_message.emit(text)
        if not result.get("queued"):
            self.ctx.library_changed.emit()  # Playlists shows it now, no sync needed

    def _on_failed(self, exc: BaseException) -> None:
        self._set_busy(False)
        self.outcome = {"error": describe(exc)}
        self.result_label.set_plain(f"Not exported: {describe(exc)}")

    # --- files ---------------------------------------------------------------------------

    def default_file(self, fmt: str) -> Path:
        return self.ctx.services.paths.exports_dir / f"{file_stem(self.name.text())}.{fmt}"

    def export_to_file(self, fmt: str, path: str | None = None) -> None:
        service = self.ctx.services.export
        if path is None:
            path, _ = QFileDialog.getSaveFileName(self, "Save playlist",
                                                  str(self.default_file(fmt)),
                                                  f"{fmt.upper()} files (*.{fmt})")
            if not path:
                return
        ids = [t.id for t in self.tracks]
        target = Path(path)

        def work() -> Path:
            written = service.to_file(target, ids, fmt=fmt)
            if written is None:
                raise ExportError("Nothing was written.")
            return Path(written)

        self._set_busy(True)
        self.ctx.runner.run(work, lane="db", name="export-file",
                            on_done=self._on_file_done, on_error=self._on_failed)

    def _on_file_done(self, written: Path) -> None:
        self._set_busy(False)
        self.outcome = {"path": str(written)}
        self.result_label.set_plain(f"Saved {written}")
        self.ctx.status_message.emit(f"Saved {written}")
