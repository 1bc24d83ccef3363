"""The wizard and the Settings page ask about each catalogue source and store the choice."""

from __future__ import annotations

from typing import Any

from desktoprec.services import Services
from desktoprec.settings import load_settings
from desktoprec.ui.context import AppContext
from desktoprec.ui.tasks import TaskRunner
from desktoprec.ui.wizard import FirstRunDialog


def test_wizard_stores_the_chosen_sources(qtbot: Any) -> None:
    services = Services()
    try:
        dialog = FirstRunDialog(AppContext(services, TaskRunner(inline=True)))
        qtbot.addWidget(dialog)
        assert not any(box.isChecked() for box in dialog.source_boxes.values())  # off by default
        assert "ISRC" in dialog.source_boxes["deezer"].text()
        assert "artist + title" in dialog.source_boxes["itunes"].text()
        dialog.spotify_button.click()
        dialog.source_boxes["deezer"].setChecked(True)
        dialog.source_boxes["listenbrainz"].setChecked(True)
        dialog.client_id_edit.setText("0123456789abcdef0123456789abcdef")
        dialog.connect_button.click()
        assert dialog.choice == "spotify"
        saved = load_settings(services.paths.settings_file)
        assert saved.enabled_source_names() == ["deezer", "listenbrainz"]
        assert saved.sources_asked and saved.preview_source_enabled
    finally:
        services.close()
