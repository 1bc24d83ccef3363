"""The real app on a real X server: first-run demo to explained picks, a screenshot, then SIGTERM.

The test starts Xvfb itself, runs `desktoprec demo` (a small demo: 2 tracks per style) as a user
would, waits until the recommend service has stored a list, grabs the screen, checks the window
is there and the picture is not blank, then sends SIGTERM and expects a clean exit.
"""

from __future__ import annotations

import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.xvfb

BIN = Path(sys.executable).parent


def _lists_stored(database: Path) -> int:
    if not database.exists():
        return 0
    try:
        with sqlite3.connect(f"file:{database}?mode=ro", uri=True, timeout=1) as conn:
            return int(conn.execute("SELECT count(*) FROM recommendation_lists").fetchone()[0])
    except sqlite3.Error:
        return 0


def _distinct_colours(png: Path) -> int:
    from PySide6.QtGui import QImage

    image = QImage(str(png))
    assert not image.isNull()
    colours = set()
    for y in range(0, image.height(), 8):
        for x in range(0, image.width(), 8):
            colours.add(image.pixel(x, y))
    return len(colours)


def test_demo_window_screenshot_and_sigterm(desktoprec_home: Path, tmp_path: Path,
                                            qapp: Any, x_server: Any) -> None:
    for tool in ("Xvfb", "import", "xdotool"):
        assert shutil.which(tool), f"{tool} is needed: scripts/install-system-deps.sh test"
    display = x_server("1280x800x24")
    env = {**os.environ, "DISPLAY": display, "QT_QPA_PLATFORM": "xcb", "CI": "1",
           "DESKTOPREC_HOME": str(desktoprec_home),
           "PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring"}
    log = (tmp_path / "app.log").open("w")
    app = subprocess.Popen([str(BIN / "desktoprec"), "demo", "--tracks-per-style", "2"],
                           env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        database = desktoprec_home / "data" / "library.sqlite3"
        deadline = time.monotonic() + 150
        while _lists_stored(database) == 0:
            assert app.poll() is None, (tmp_path / "app.log").read_text()
            assert time.monotonic() < deadline, "no recommendations within 150 s"
            time.sleep(0.5)
        time.sleep(2.0)  # the list is drawn right after it is stored
        found = subprocess.run(["xdotool", "search", "--onlyvisible", "--name", "desktoprec$"],
                               env=env, capture_output=True, text=True, timeout=20,
                               check=False)
        assert found.stdout.strip(), "no visible window titled desktoprec"
        shot = tmp_path / "shot.png"
        subprocess.run(["import", "-window", "root", str(shot)], env=env, check=True, timeout=30)
        assert shot.stat().st_size > 10_000
        assert _distinct_colours(shot) > 20  # text, covers, charts: far from a blank screen
        keep = os.environ.get("DESKTOPREC_KEEP_SCREENSHOT")
        if keep:
            shutil.copy(shot, keep)
        app.send_signal(signal.SIGTERM)
        code = app.wait(timeout=10)
        assert code == 0, (tmp_path / "app.log").read_text()
        text = (desktoprec_home / "logs" / "desktoprec.log").read_text(encoding="utf-8")
        assert "quitting" in text
    finally:
        if app.poll() is None:
            app.kill()
            app.wait()
        log.close()
