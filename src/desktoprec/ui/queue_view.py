"""The player's queue view (play now, reorder, remove) and the hidden/liked tracks dialog."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any, TypeVar

from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from desktoprec.domain import Track
from desktoprec.player.feedback import FeedbackService, FeedbackTrack
from desktoprec.ui.context import AppContext
from desktoprec.ui.errors import describe
from desktoprec.ui.widgets import PlainLabel, clip

log = logging.getLogger(__name__)
T = TypeVar("T")

SHOWN = 200


class QueueView(QWidget):
    """Up next as a list: double-click plays, drag or Ctrl+Up/Down reorders, Delete removes."""

    def __init__(self, controller: Any, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.controller = controller
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.list = QListWidget()
        self.list.setAccessibleName("Up next")
        self.list.setDragDropMode(QAbstractItemView.DragDropMode.InternalMove)
        self.list.setDefaultDropAction(Qt.DropAction.MoveAction)
        self.list.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        layout.addWidget(self.list, 1)
        row = QHBoxLayout()
        self.play_button = QPushButton("Play now")
        self.up_button = QPushButton("Move up")
        self.down_button = QPushButton("Move down")
        self.remove_button = QPushButton("Remove")
        self.clear_button = QPushButton("Clear up next")
        for button in (self.play_button, self.up_button, self.down_button, self.remove_button):
            row.addWidget(button)
        row.addStretch(1)
        row.addWidget(self.clear_button)
        layout.addLayout(row)
        self.play_button.clicked.connect(self.play_selected)
        self.up_button.clicked.connect(lambda: self.move_selected(-1))
        self.down_button.clicked.connect(lambda: self.move_selected(1))
        self.remove_button.clicked.connect(self.remove_selected)
        self.clear_button.clicked.connect(self.clear)
        self.list.itemActivated.connect(lambda _item: self.play_selected())
        self.list.model().rowsMoved.connect(self._on_rows_moved)
        for keys, slot in (("Ctrl+Up", lambda: self.move_selected(-1)),
                           ("Ctrl+Down", lambda: self.move_selected(1)),
                           ("Delete", self.remove_selected)):
            shortcut = QShortcut(QKeySequence(keys), self.list)
            shortcut.setContext(Qt.ShortcutContext.WidgetShortcut)
            shortcut.activated.connect(slot)
        controller.queue_changed.connect(self.show_tracks)
        self.show_tracks(controller.up_next())

    def show_tracks(self, tracks: list[Track]) -> None:
        selected = self.list.currentRow()
        self.list.blockSignals(True)
        self.list.clear()
        for t in tracks[:SHOWN]:
            item = QListWidgetItem(clip(f"{t.name} — {', '.join(t.artists)}", 120))
            item.setData(Qt.ItemDataRole.UserRole, t.id)
            self.list.addItem(item)
        if len(tracks) > SHOWN:
            more = QListWidgetItem(f"… and {len(tracks) - SHOWN} more")
            more.setFlags(Qt.ItemFlag.NoItemFlags)
            self.list.addItem(more)
        self.list.blockSignals(False)
        if 0 <= selected < self.list.count():
            self.list.setCurrentRow(selected)
        has = bool(tracks)
        for button in (self.play_button, self.up_button, self.down_button, self.remove_button,
                       self.clear_button):
            button.setEnabled(has)

    def titles(self) -> list[str]:
        return [self.list.item(i).text() for i in range(self.list.count())]

    def _row(self) -> int:
        row = self.list.currentRow()
        return row if 0 <= row < min(SHOWN, len(self.controller.up_next())) else -1

    def play_selected(self) -> None:
        row = self._row()
        if row >= 0:
            self.controller.jump_to(row)

    def move_selected(self, step: int) -> None:
        row = self._row()
        target = row + step
        if row < 0 or not 0 <= target < len(self.controller.up_next()):
            return
        self.controller.move_in_queue(row, target)
        self.list.setCurrentRow(target)

    def remove_selected(self) -> None:
        row = self._row()
        if row >= 0:
            self.controller.remove_from_queue(row)
            self.list.setCurrentRow(min(row, self.list.count() - 1))

    def clear(self) -> None:
        self.controller.queue_model.clear_up_next()
        self.controller.queue_changed.emit(self.controller.up_next())

    def _on_rows_moved(self, _parent: QModelIndex, start: int, _end: int, _dest: QModelIndex,
                       row: int) -> None:
        """A drag in the list: the same move in the queue (Qt's `row` counts before removal)."""
        target = row - 1 if row > start else row
        if target != start:
            self.controller.move_in_queue(start, target)


class HiddenTracksDialog(QDialog):
    """Tracks hidden by a dislike (each can be shown again) and liked tracks (each can be unliked)."""

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.setWindowTitle("desktoprec — hidden and liked tracks")
        layout = QVBoxLayout(self)
        self.tabs = QTabWidget()
        self.hidden_list = QListWidget()
        self.liked_list = QListWidget()
        self.unhide_button = self._add_tab("Hidden", "Tracks you disliked are not recommended. "
                                           "Pick one to show it again.", self.hidden_list,
                                           "Show again")
        self.unlike_button = self._add_tab("Liked", "Tracks you liked (♥), saved to your Spotify "
                                           "library when you are signed in.", self.liked_list,
                                           "Unlike")
        layout.addWidget(self.tabs, 1)
        self.message = PlainLabel("", elide=False)
        layout.addWidget(self.message)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.unhide_button.clicked.connect(self.unhide_selected)
        self.unlike_button.clicked.connect(self.unlike_selected)
        self.resize(480, 420)

    def _add_tab(self, name: str, intro: str, tracks: QListWidget, action: str) -> QPushButton:
        """A tab: what its list is, the list, and the button that acts on the chosen track."""
        page = QWidget()
        page_layout = QVBoxLayout(page)
        page_layout.addWidget(PlainLabel(intro, elide=False))
        page_layout.addWidget(tracks, 1)
        button = QPushButton(action)
        page_layout.addWidget(button)
        self.tabs.addTab(page, name)
        return button

    def _service(self) -> FeedbackService:
        return self.ctx.services.feedback

    def reload(self) -> None:
        service = self._service()
        self.ctx.runner.run(lambda: (service.hidden(), service.liked()), lane="db",
                            name="hidden-liked", on_done=self._show,
                            on_error=lambda exc: self.message.set_plain(describe(exc)))

    def _show(self, lists: tuple[list[FeedbackTrack], list[FeedbackTrack]]) -> None:
        hidden, liked = lists
        for widget, rows, empty in ((self.hidden_list, hidden, "Nothing is hidden."),
                                    (self.liked_list, liked, "No likes yet.")):
            widget.clear()
            for row in rows:
                item = QListWidgetItem(clip(f"{row.name} — {', '.join(row.artists)}", 120))
                item.setData(Qt.ItemDataRole.UserRole, row)
                widget.addItem(item)
            if not rows:
                placeholder = QListWidgetItem(empty)
                placeholder.setFlags(Qt.ItemFlag.NoItemFlags)
                widget.addItem(placeholder)
        self.unhide_button.setEnabled(bool(hidden))
        self.unlike_button.setEnabled(bool(liked))

    def _selected(self, widget: QListWidget) -> FeedbackTrack | None:
        item = widget.currentItem() or (widget.item(0) if widget.count() == 1 else None)
        data = item.data(Qt.ItemDataRole.UserRole) if item is not None else None
        return data if isinstance(data, FeedbackTrack) else None

    def unhide_selected(self) -> None:
        self._act_on_selected(self.hidden_list, "unhide", "db",
                              lambda service, row: service.unhide(row.id),
                              lambda row, _ok: f"{clip(row.name, 60)} can be recommended again.")

    def unlike_selected(self) -> None:
        self._act_on_selected(self.liked_list, "unlike", "network",
                              lambda service, row: service.unlike(row.id, row.uri),
                              lambda row, answer: f"{clip(row.name, 60)}: {answer.message}")

    def _act_on_selected(self, tracks: QListWidget, name: str, lane: str,
                         work: Callable[[FeedbackService, FeedbackTrack], T],
                         said: Callable[[FeedbackTrack, T], str]) -> None:
        """Run `work` on the chosen track of `tracks` in `lane`, then say what it did and read
        both lists again."""
        row, service = self._selected(tracks), self._service()
        if row is None:
            return

        def done(answer: T) -> None:
            self.message.set_plain(said(row, answer))
            self.reload()

        self.ctx.runner.run(lambda: work(service, row), lane=lane, name=name, on_done=done,
                            on_error=lambda exc: self.message.set_plain(describe(exc)))
