"""The audio output device selector (QMediaDevices): stored in settings, applied to the player live."""

from __future__ import annotations

import logging

from PySide6.QtMultimedia import QMediaDevices
from PySide6.QtWidgets import QComboBox, QWidget

from desktoprec.ui.context import AppContext
from desktoprec.ui.widgets import clip

log = logging.getLogger(__name__)

DEFAULT_LABEL = "System default"


def device_id(device: object) -> str:
    return bytes(device.id().data()).decode(errors="replace")  # type: ignore[attr-defined]


class OutputDeviceSelector(QComboBox):
    """"System default" and each audio output; choosing one saves it and switches the player now.

    The list follows devices being plugged in or out (QMediaDevices.audioOutputsChanged).
    """

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.setAccessibleName("Audio output device")
        self.setToolTip("Where desktoprec plays your own files")
        self._devices = QMediaDevices(self)
        self._devices.audioOutputsChanged.connect(self.reload)
        self.reload()
        self.currentIndexChanged.connect(self._chosen)

    def reload(self) -> None:
        wanted = str(getattr(self.ctx.services.settings, "audio_output", "") or "")
        self.blockSignals(True)
        self.clear()
        self.addItem(DEFAULT_LABEL, "")
        for device in QMediaDevices.audioOutputs():
            self.addItem(clip(device.description() or device_id(device), 80), device_id(device))
        index = self.findData(wanted)
        if index < 0 and wanted:
            # remembered but not plugged in now: keep it listed, so the choice is not lost
            self.addItem(f"{clip(wanted, 60)} (not connected)", wanted)
            index = self.count() - 1
        self.setCurrentIndex(max(0, index))
        self.blockSignals(False)

    def _chosen(self, index: int) -> None:
        chosen = str(self.itemData(index) or "")
        settings = self.ctx.services.settings
        settings.audio_output = chosen
        try:
            self.ctx.services.save_settings()
        except Exception as exc:  # noqa: BLE001 - unsaved, but still applied for this session
            log.info("audio output not saved: %s", exc)
        player = self.ctx.player
        if player is not None and not player.set_output_device(chosen):
            self.ctx.status_message.emit("That audio output is not connected; the system "
                                         "default is used until it is.")
        self.ctx.settings_changed.emit()
