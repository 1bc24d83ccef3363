"""The crash dialog (what a person copies into a bug report) never shows a token."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from desktoprec.ui.errors import CrashHandler

TOKEN = "BQDcrash-dialog-token_0123456789abcdefXYZ"


def test_crash_dialog_redacts_tokens(qtbot: Any, tmp_path: Path, capsys: Any,
                                     monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DESKTOPREC_NONMODAL_ERRORS", "1")  # shown, not exec()'d: no one clicks
    handler = CrashHandler(str(tmp_path / "log.txt"), dialogs=True)
    try:
        try:
            raise ValueError(f"refresh_token={TOKEN}")
        except ValueError as inner:
            raise RuntimeError(f"GET /v1/me failed: Authorization: Bearer {TOKEN}") from inner
    except RuntimeError as exc:
        handler(type(exc), exc, exc.__traceback__)
    dialog = handler.last_dialog
    assert dialog is not None
    qtbot.addWidget(dialog)
    details = dialog.details.toPlainText()
    assert "RuntimeError" in details and "ValueError" in details  # still a useful report
    assert TOKEN not in details and TOKEN not in dialog.summary_label.text()
    quiet = CrashHandler(str(tmp_path / "log.txt"), dialogs=False)
    quiet(RuntimeError, RuntimeError(f"Bearer {TOKEN}"), None)
    assert TOKEN not in capsys.readouterr().err
