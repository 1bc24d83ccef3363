"""The export dialog: name, privacy, description with the recipe, preview; Spotify, M3U or CSV."""

from __future__ import annotations

import logging
from datetime import datetime
from pathlib import Path
from typing import Any

from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QLineEdit,
    QListWidget,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

from desktoprec.domain import Track
from desktoprec.errors import ExportError, NetworkError
from desktoprec.ui.context import AppContext
from desktoprec.ui.errors import describe
from desktoprec.ui.widgets import PlainLabel, clip

log = logging.getLogger(__name__)

MODE_WORDS = {"for_you": "For you", "more_like": "More like this", "playlist": "Continue",
              "path": "A→B path", "cold_start": "First picks", "quick": "Quick picks"}


def recipe_text(recipe: dict[str, Any]) -> str:
    """The recipe in one line, so the playlist can be made again."""
    parts = [f"mode={recipe.get('mode', '?')}"]
    for key in ("seeds", "playlist_id", "diversity", "mood", "activity", "n"):
        value = recipe.get(key)
        if value in (None, "", (), []):
            continue
        if isinstance(value, (list, tuple)):
            value = ",".join(str(v) for v in value)
        parts.append(f"{key}={value}")
    return "Made by desktoprec; recipe: " + "; ".join(parts)


class ExportDialog(QDialog):
    """Export a list of tracks; what happened is shown in `result_label` (and kept in `outcome`)."""

    def __init__(self, ctx: AppContext, tracks: list[Track], recipe: dict[str, Any],
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.tracks = list(tracks)
        self.recipe = recipe
        self.outcome: dict[str, Any] | None = None
        self.setWindowTitle("desktoprec — add to playlist")
        layout = QVBoxLayout(self)
        form = QFormLayout()
        mode = MODE_WORDS.get(str(recipe.get("mode", "")), "Mix")
        self.name = QLineEdit(f"desktoprec — {mode} {datetime.now():%Y-%m-%d}")
        self.name.setMaxLength(100)
        form.addRow("Name", self.name)
        self.public = QCheckBox("Public on my Spotify profile")
        self.public.setChecked(False)
        form.addRow("", self.public)
        self.description = QPlainTextEdit(recipe_text(recipe))
        self.description.setMaximumHeight(70)
        form.addRow("Description", self.description)
        layout.addLayout(form)
        layout.addWidget(PlainLabel(f"{len(self.tracks)} tracks", bold=True))
        self.preview = QListWidget()
        for i, track in enumerate(self.tracks, 1):
            self.preview.addItem(clip(f"{i}. {track.name} — {', '.join(track.artists)}", 140))
        layout.addWidget(self.preview, 1)
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
        layout.addWidget(buttons)
        self.resize(560, 520)

    def _spotify_uris(self) -> list[str]:
        return [t.uri for t in self.tracks if t.uri and t.uri.startswith("spotify:track:")]

    def _set_busy(self, busy: bool) -> None:
        for b in (self.spotify_button, self.m3u_button, self.csv_button):
            b.setEnabled(not busy)

    def export_to_spotify(self) -> None:
        service = self.ctx.services.export
        uris = self._spotify_uris()
        if not uris:
            self.result_label.set_plain("None of these tracks is on Spotify; save an M3U instead.")
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
        else:
            text = f"Saved to Spotify as “{clip(self.name.text(), 80)}”.{extra}"
        self.result_label.set_plain(text)
        self.ctx.status_message.emit(text)

    def _on_failed(self, exc: BaseException) -> None:
        self._set_busy(False)
        self.outcome = {"error": describe(exc)}
        self.result_label.set_plain(f"Not exported: {describe(exc)}")

    def export_to_file(self, fmt: str, path: str | None = None) -> None:
        service = self.ctx.services.export
        if path is None:
            safe = "".join(c for c in self.name.text() if c.isalnum() or c in " -_").strip()
            default = str(self.ctx.services.paths.exports_dir / f"{safe or 'desktoprec'}.{fmt}")
            path, _ = QFileDialog.getSaveFileName(self, "Save playlist", default,
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
