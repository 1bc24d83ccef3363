"""The first-run wizard: a Spotify client ID (with help), the demo, or just music folders."""

from __future__ import annotations

import logging
from typing import cast

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QApplication,
    QDialog,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from desktoprec.demo.service import DEMO_CLIENT_ID
from desktoprec.spotify.service import REGISTERED_REDIRECT_URI
from desktoprec.ui.context import AppContext
from desktoprec.ui.widgets import PlainLabel, scrolling_body, source_options

log = logging.getLogger(__name__)

DASHBOARD_URL = "https://developer.spotify.com/dashboard"
# What each of the three ways in means, under its button on the first page.
WAYS_IN = (
    ("Your saved tracks, playlists and listening. Spotify asks for a client ID of your own: "
     "free, about two minutes, step by step next."),
    ("A made-up listener's library, served and played on this computer: nothing leaves it, and "
     "you can connect Spotify later."),
    ("desktoprec listens to your own music files and suggests from their sound; no account "
     "needed."),
)


class FirstRunDialog(QDialog):
    """`choice` is "spotify", "demo" or "folders" after accept; `client_id`/`folder` filled."""

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.choice: str | None = None
        self.client_id = ""
        self.folder = ""
        self.setWindowTitle("desktoprec — welcome")
        layout = QVBoxLayout(self)
        self.pages = QStackedWidget()
        layout.addWidget(self.pages)
        self.pages.addWidget(self._start_page())
        self.pages.addWidget(self._client_id_page())
        self.spotify_button.clicked.connect(lambda: self.pages.setCurrentIndex(1))
        self.back_button.clicked.connect(lambda: self.pages.setCurrentIndex(0))
        self.connect_button.clicked.connect(self._accept_client_id)
        self.demo_button.clicked.connect(lambda: self._finish("demo"))
        self.folders_button.clicked.connect(self._choose_folder)
        self.resize(580, 520)

    def _start_page(self) -> QWidget:
        """Page 0: the three ways in."""
        start = QWidget()
        s = QVBoxLayout(start)
        s.addWidget(PlainLabel("Welcome to desktoprec", bold=True, point_delta=4))
        s.addWidget(PlainLabel("Explained, genre-diverse recommendations from your Spotify "
                               "library and your own music files. How do you want to start?",
                               elide=False))
        self.spotify_button = QPushButton("Connect my Spotify account…")
        self.demo_button = QPushButton("Try the demo (no account needed)")
        self.folders_button = QPushButton("Just my music folders (no Spotify)")
        for button, what in zip((self.spotify_button, self.demo_button, self.folders_button),
                                WAYS_IN, strict=True):
            button.setMinimumHeight(44)
            s.addWidget(button)
            note = PlainLabel(what, elide=False)
            note.set_muted()
            s.addWidget(note)
            s.addSpacing(8)
        s.addStretch(1)
        return start

    def _client_id_page(self) -> QWidget:
        """Page 1: the client ID with step-by-step help, and the online sources; it scrolls, so
        the dialog fits an 800×600 screen, and its buttons stay in view beneath."""
        page = QWidget()
        self.client_id_scroll, p = scrolling_body(page)
        p.addWidget(PlainLabel("Your own Spotify client ID", bold=True, point_delta=2))
        p.addWidget(PlainLabel("Spotify asks every user of an API app to register one (free; "
                               "it stays in Development Mode for up to 5 users).", elide=False))
        self.dashboard_link = QLabel(f'<a href="{DASHBOARD_URL}">Open the Spotify developer '
                                     'dashboard</a> (in your browser) to register the app.')
        self.dashboard_link.setTextFormat(Qt.TextFormat.RichText)  # our own fixed text
        self.dashboard_link.setWordWrap(True)
        self.dashboard_link.setTextInteractionFlags(Qt.TextInteractionFlag.LinksAccessibleByMouse
                                                    | Qt.TextInteractionFlag.LinksAccessibleByKeyboard)
        self.dashboard_link.linkActivated.connect(self.ctx.open_url)
        p.addWidget(self.dashboard_link)
        # The redirect URI must be typed into the dashboard exactly: offer it to copy.
        p.addWidget(PlainLabel("Redirect URI to add to the app (exactly this):", elide=False))
        redirect_row = QHBoxLayout()
        self.redirect_field = QLineEdit(REGISTERED_REDIRECT_URI)
        self.redirect_field.setReadOnly(True)
        redirect_row.addWidget(self.redirect_field, 1)
        self.copy_redirect_button = QPushButton("Copy")
        self.copy_redirect_button.clicked.connect(self._copy_redirect)
        redirect_row.addWidget(self.copy_redirect_button)
        p.addLayout(redirect_row)
        self.help = QPlainTextEdit(self._help_text())
        self.help.setReadOnly(True)
        self.help.setMinimumHeight(150)
        p.addWidget(self.help)
        current = self.ctx.services.settings.client_id
        # the demo's own ID is not the user's: it would only be refused
        self.client_id_edit = QLineEdit("" if current == DEMO_CLIENT_ID else current)
        self.client_id_edit.setPlaceholderText("Client ID (32 hexadecimal characters)")
        self.client_id_edit.setMaxLength(128)
        p.addWidget(self.client_id_edit)
        self.client_id_error = PlainLabel("", elide=False)  # the whole message, wrapped
        p.addWidget(self.client_id_error)
        # Asked once: which online catalogues may be contacted (each says what it is sent).
        p.addWidget(PlainLabel("Sound, genres and new artists for tracks you have no file for "
                               "(off unless you tick them):", elide=False))
        self.source_boxes = source_options(self.ctx.services.settings.enabled_source_names())
        for option in self.source_boxes.values():
            p.addWidget(option)
        p.addStretch(1)
        row = QHBoxLayout()
        self.back_button = QPushButton("Back")
        self.connect_button = QPushButton("Save and sign in")
        self.connect_button.setDefault(True)
        row.addWidget(self.back_button)
        row.addStretch(1)
        row.addWidget(self.connect_button)
        cast(QVBoxLayout, page.layout()).addLayout(row)  # beneath the scrolling part
        return page

    def _help_text(self) -> str:
        return self.ctx.services.auth.client_id_help(in_window=True)

    def _copy_redirect(self) -> None:
        QApplication.clipboard().setText(self.redirect_field.text())
        self.copy_redirect_button.setText("Copied")

    def _accept_client_id(self) -> None:
        value = self.client_id_edit.text().strip()
        if not value or not value.isalnum() or len(value) < 16:
            self.client_id_error.set_plain("That does not look like a client ID: copy the "
                                           "32-character Client ID from the dashboard.")
            return
        self.client_id = value
        chosen = [n for n, box in self.source_boxes.items() if box.isChecked()]
        self.ctx.services.library.set_sources(
            enable=chosen, disable=[n for n in self.source_boxes if n not in chosen])
        self._finish("spotify")

    def _choose_folder(self, folder: str | None = None) -> None:
        if not folder:
            folder = QFileDialog.getExistingDirectory(self, "Your music folder")
        if folder:
            self.folder = folder
            self._finish("folders")

    def _finish(self, choice: str) -> None:
        self.choice = choice
        self.accept()


class SignInDialog(QDialog):
    """Waiting for the browser: shows the address to open by hand, and Cancel."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("desktoprec — sign in to Spotify")
        layout = QVBoxLayout(self)
        layout.addWidget(PlainLabel("Finish signing in in your browser. This window closes by "
                                    "itself when Spotify sends you back.", elide=False))
        self.url = QLineEdit()
        self.url.setReadOnly(True)
        self.url.setPlaceholderText("preparing the sign-in address…")
        layout.addWidget(PlainLabel("If no browser opened, open this address:"))
        layout.addWidget(self.url)
        self.cancel_button = QPushButton("Cancel")
        layout.addWidget(self.cancel_button, alignment=Qt.AlignmentFlag.AlignRight)
        self.cancel_button.clicked.connect(self.reject)
        self.resize(520, 160)

    def set_url(self, url: str) -> None:
        self.url.setText(url)
