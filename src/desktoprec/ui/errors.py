"""Turning errors into words: dialogs for what the user asked, a crash dialog for the unexpected."""

from __future__ import annotations

import logging
import os
import sys
from types import TracebackType
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QApplication,
    QDialog,
    QDialogButtonBox,
    QLabel,
    QMessageBox,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

from desktoprec.errors import DesktopRecError
from desktoprec.logs import format_exception_redacted, redact

log = logging.getLogger(__name__)


def describe(exc: BaseException) -> str:
    """One short line a person can act on (secrets redacted)."""
    return redact(_describe(exc))


def _describe(exc: BaseException) -> str:
    if isinstance(exc, DesktopRecError):
        return exc.user_text()
    if isinstance(exc, ModuleNotFoundError):
        return "This part of desktoprec is not available in this build."
    if isinstance(exc, OSError):
        return f"A file could not be used: {exc.strerror or exc}"
    return f"Unexpected error: {type(exc).__name__}: {exc}"


def show_error(parent: QWidget | None, title: str, exc: BaseException | str) -> None:
    """A modal message for an action the user asked for (plain text: error text may be hostile)."""
    text = exc if isinstance(exc, str) else describe(exc)
    box = QMessageBox(parent)
    box.setIcon(QMessageBox.Icon.Warning)
    box.setWindowTitle(f"desktoprec — {title}")
    box.setTextFormat(Qt.TextFormat.PlainText)
    box.setText(text[:2000])
    box.setStandardButtons(QMessageBox.StandardButton.Ok)
    if os.environ.get("DESKTOPREC_NONMODAL_ERRORS"):
        box.show()  # tests look at it without blocking
    else:
        box.exec()


class CrashDialog(QDialog):
    """Shown by the excepthook: says what happened, where the log is, and offers the details."""

    def __init__(self, summary: str, details: str, log_file: str,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("desktoprec — unexpected error")
        layout = QVBoxLayout(self)
        heading = QLabel(
            "Something went wrong inside desktoprec. Your library and settings are safe.\n"
            "You can keep working; if it happens again, please report it with the details below."
        )
        heading.setTextFormat(Qt.TextFormat.PlainText)
        heading.setWordWrap(True)
        layout.addWidget(heading)
        self.summary_label = QLabel(summary[:500])
        self.summary_label.setTextFormat(Qt.TextFormat.PlainText)
        self.summary_label.setWordWrap(True)
        layout.addWidget(self.summary_label)
        where = QLabel(f"Log file: {log_file}")
        where.setTextFormat(Qt.TextFormat.PlainText)
        where.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(where)
        self.details = QPlainTextEdit(details)
        self.details.setReadOnly(True)
        self.details.setMinimumHeight(160)
        layout.addWidget(self.details)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        copy = buttons.addButton("Copy details", QDialogButtonBox.ButtonRole.ActionRole)
        copy.clicked.connect(lambda: QGuiApplication.clipboard().setText(details))
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self.resize(640, 420)


class CrashHandler:
    """An excepthook that logs, then shows a CrashDialog (or only logs with crash dialogs off)."""

    def __init__(self, log_file: str, *, dialogs: bool = True) -> None:
        self.log_file = log_file
        self.dialogs = dialogs
        self.last_dialog: CrashDialog | None = None
        self._previous = sys.excepthook
        self._showing = False

    def install(self) -> CrashHandler:
        sys.excepthook = self
        return self

    def uninstall(self) -> None:
        if sys.excepthook is self:
            sys.excepthook = self._previous

    def __call__(self, exc_type: type[BaseException], exc: BaseException,
                 tb: TracebackType | None) -> None:
        if issubclass(exc_type, KeyboardInterrupt):
            app = QApplication.instance()
            if app is not None:
                app.quit()
            return
        log.error("unexpected error", exc_info=(exc_type, exc, tb))
        # Crash details are shown, copied and pasted into reports: never with a token in them.
        details = format_exception_redacted((exc_type, exc, tb))
        if not self.dialogs or self._showing or QApplication.instance() is None:
            print(details, file=sys.stderr)
            return
        self._showing = True
        try:
            dialog = CrashDialog(redact(f"{exc_type.__name__}: {exc}"), details, self.log_file)
            self.last_dialog = dialog
            if os.environ.get("DESKTOPREC_NONMODAL_ERRORS"):
                dialog.show()
            else:
                dialog.exec()
        finally:
            self._showing = False


def crash_dialogs_wanted(flag_off: bool = False, env: Any = None) -> bool:
    """False with --no-crash-dialog, or in CI (env CI set), where nobody could close a dialog."""
    env = os.environ if env is None else env
    return not flag_off and not env.get("CI")
