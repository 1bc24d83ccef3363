"""scripts/screenshots.py, the script the README gives for looking at every page, still runs: on a
real X server it shoots every page in both themes and at 800x600, the browsing pages and the
wizard, and none of the pictures is blank."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from desktoprec.ui.main_window import PAGE_NAMES

pytestmark = pytest.mark.xvfb

REPO = Path(__file__).resolve().parents[2]


def _slug(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")  # as the script names its files


def test_the_screenshot_script_shoots_every_page(desktoprec_home: Path, tmp_path: Path,
                                                 qapp: Any, x_server: Any) -> None:
    from PySide6.QtGui import QImage

    display = x_server("1280x800x24")
    out = tmp_path / "shots"
    env = {**os.environ, "DISPLAY": display, "QT_QPA_PLATFORM": "xcb",
           "DESKTOPREC_HOME": str(desktoprec_home),
           "PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring"}
    result = subprocess.run([sys.executable, str(REPO / "scripts" / "screenshots.py"),
                             "--out", str(out), "--tracks-per-style", "2"], env=env, cwd=REPO,
                            capture_output=True, text=True, timeout=280, check=False)
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-4000:]
    shots = {path.stem for path in out.glob("*.png")}
    wanted = {f"{page}-{size}{theme}" for page in map(_slug, PAGE_NAMES)
              for theme in ("light", "dark") for size in ("", "800x600-")}
    wanted |= {f"{name}-{theme}" for name in ("search", "artist", "album", "wizard-start")
               for theme in ("light", "dark")}
    assert wanted <= shots, sorted(wanted - shots)
    for stem in wanted:
        image = QImage(str(out / f"{stem}.png"))
        colours = {image.pixel(x, y) for x in range(0, image.width(), 7)
                   for y in range(0, image.height(), 7)}
        assert len(colours) > 20, stem  # text, covers and charts, not an empty window
