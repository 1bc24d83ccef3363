"""The Settings page: music folders, online sources, diversity default, close to tray, theme."""

from __future__ import annotations

import logging

from PySide6.QtCore import Qt, QUrl, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QListWidget,
    QPushButton,
    QSizePolicy,
    QSlider,
    QVBoxLayout,
    QWidget,
)

from desktoprec import APP_NAME, __version__
from desktoprec.ui.context import AppContext
from desktoprec.ui.output_device import OutputDeviceSelector
from desktoprec.ui.theme import THEME_CHOICES, THEME_WORDS
from desktoprec.ui.widgets import PlainLabel, clip, scrolling_body, source_options

log = logging.getLogger(__name__)

FIELD_WIDTH = 360  # the widest a choice (theme, audio output) grows


class SettingsPage(QWidget):
    title = "Settings"
    scan_requested = Signal()
    saved = Signal()
    signed_out = Signal()

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        # the page scrolls, so however long its texts it never makes the window wider
        self.scroller, layout = scrolling_body(self)
        layout.addWidget(PlainLabel(self.title, bold=True, point_delta=4))
        self._add_music_folders(layout)
        form = QFormLayout()
        form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapLongRows)
        self._add_sources(form)
        self._add_preferences(form)
        self._add_save_row(form)
        self._add_account_and_data(form)  # the same form: its fields line up with the ones above
        layout.addLayout(form)
        layout.addStretch(1)

    def _add_music_folders(self, layout: QVBoxLayout) -> None:
        layout.addWidget(PlainLabel("Music folders (mp3, flac, ogg, opus, m4a, wav): desktoprec "
                                    "listens to these files to learn their sound.", elide=False))
        self.folders = QListWidget()
        self.folders.setMaximumHeight(96)
        for folder in self.ctx.services.settings.music_folders:
            self.folders.addItem(clip(folder, 400))
        layout.addWidget(self.folders)
        row = QHBoxLayout()
        self.add_folder_button = QPushButton("Add folder…")
        self.remove_folder_button = QPushButton("Remove")
        self.scan_button = QPushButton("Scan and analyse now")
        for b in (self.add_folder_button, self.remove_folder_button, self.scan_button):
            row.addWidget(b)
        row.addStretch(1)
        layout.addLayout(row)
        self.add_folder_button.clicked.connect(self.choose_folder)
        self.remove_folder_button.clicked.connect(self.remove_folder)
        self.scan_button.clicked.connect(self._scan)

    def _add_sources(self, form: QFormLayout) -> None:
        """Online catalogues, one option each: its name, then what it gives, contacts and sends
        (the one description lives in desktoprec.catalogs.SOURCES)."""
        self.source_boxes = source_options(self.ctx.services.settings.enabled_source_names())
        sources = QVBoxLayout()
        sources.setSpacing(6)
        for option in self.source_boxes.values():
            sources.addWidget(option)
        form.addRow("Online sources", sources)
        self.preview = self.source_boxes["deezer"]
        self.metadata = self.source_boxes["musicbrainz"]

    def _add_preferences(self, form: QFormLayout) -> None:
        settings = self.ctx.services.settings
        self.include_saved = QCheckBox("Also suggest tracks I have already saved")
        self.include_saved.setChecked(settings.include_saved_in_recommendations)
        form.addRow("Recommendations", self.include_saved)
        self.diversity = QSlider(Qt.Orientation.Horizontal)
        self.diversity.setRange(0, 100)
        self.diversity.setValue(round(settings.diversity * 100))
        self.diversity.setMaximumWidth(240)
        form.addRow("Default diversity", self.diversity)
        self.close_to_tray = QCheckBox("Closing the window keeps desktoprec in the tray")
        self.close_to_tray.setChecked(settings.close_to_tray)
        form.addRow("Window", self.close_to_tray)
        self.theme = QComboBox()
        for key in THEME_CHOICES:
            self.theme.addItem(THEME_WORDS[key], key)
        self.theme.setCurrentIndex(max(0, self.theme.findData(settings.theme)))
        self.theme.setToolTip("“Follow the system” switches with your desktop's dark or light "
                              "setting")
        form.addRow("Theme", self.theme)
        self.audio_output = OutputDeviceSelector(self.ctx)  # saved and applied as soon as chosen
        form.addRow("Audio output", self.audio_output)
        for field in (self.theme, self.audio_output):  # a choice, not a bar across the page
            field.setMaximumWidth(FIELD_WIDTH)

    def _add_save_row(self, form: QFormLayout) -> None:
        buttons = QHBoxLayout()
        self.save_button = QPushButton("Save")
        buttons.addWidget(self.save_button)
        buttons.addStretch(1)
        form.addRow(buttons)
        self.message = PlainLabel("")
        form.addRow(self.message)
        self.save_button.clicked.connect(self.save)

    def _add_account_and_data(self, form: QFormLayout) -> None:
        heading = PlainLabel("Account and data", bold=True)
        heading.setContentsMargins(0, 12, 0, 0)
        form.addRow(heading)
        self.sign_out_button = QPushButton("Sign out of Spotify")
        self.sign_out_button.setToolTip("Forget the sign-in on this computer; your synced library "
                                        "stays")
        self.sign_out_button.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)
        form.addRow("Account", self.sign_out_button)
        data_dir = str(self.ctx.services.paths.data_dir)
        folder_row = QHBoxLayout()
        self.data_folder = PlainLabel(data_dir)
        self.data_folder.set_muted()
        self.open_data_button = QPushButton("Open data folder")
        folder_row.addWidget(self.data_folder, 1)
        folder_row.addWidget(self.open_data_button)
        form.addRow("Data folder", folder_row)
        self.about = PlainLabel(f"{APP_NAME} {__version__}: explained, genre-diverse "
                                "recommendations from your Spotify library and your own music.",
                                elide=False)
        form.addRow("About", self.about)
        self.sign_out_button.clicked.connect(self.sign_out)
        self.open_data_button.clicked.connect(
            lambda: self.ctx.open_url(QUrl.fromLocalFile(data_dir).toString()))

    def on_shown(self) -> None:
        pass

    def sign_out(self) -> None:
        """Forget this computer's Spotify sign-in (the library stays); the banner offers Sign in."""
        try:
            self.ctx.services.auth.logout()
        except Exception as exc:  # noqa: BLE001 - shown to the user
            self.ctx.error("Not signed out", exc)
            return
        self.message.set_plain("Signed out of Spotify. Your library stays on this computer.")
        self.signed_out.emit()

    def folder_list(self) -> list[str]:
        return [self.folders.item(i).text() for i in range(self.folders.count())]

    def add_folder(self, path: str) -> None:
        if path and path not in self.folder_list():
            self.folders.addItem(path)

    def choose_folder(self) -> None:
        path = QFileDialog.getExistingDirectory(self, "Add a music folder")
        if path:
            self.add_folder(path)
            self.save()

    def remove_folder(self) -> None:
        row = self.folders.currentRow()
        if row >= 0:
            self.folders.takeItem(row)
            self.save()

    def _scan(self) -> None:
        self.save()
        self.scan_requested.emit()

    def save(self) -> None:
        settings = self.ctx.services.settings
        settings.music_folders = self.folder_list()
        for name, box in self.source_boxes.items():
            settings.set_source_enabled(name, box.isChecked())
        settings.include_saved_in_recommendations = self.include_saved.isChecked()
        settings.diversity = self.diversity.value() / 100.0
        settings.close_to_tray = self.close_to_tray.isChecked()
        settings.theme = str(self.theme.currentData())
        try:
            self.ctx.services.save_settings()
        except Exception as exc:  # noqa: BLE001 - shown to the user, settings stay in memory
            self.ctx.error("Settings not saved", exc)
            return
        self.message.set_plain("Saved.")
        self.ctx.settings_changed.emit()
        self.saved.emit()
