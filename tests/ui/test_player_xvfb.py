"""The player's Mini/Full on a real X server with a real window manager (openbox).

Qt offscreen has no window manager: a window that a flag change unmaps still says it is visible.
Here the window is looked at from outside, as the user sees it: xdotool finds it mapped, xprop
reads the window manager's "above" state, and the frame stays on the screen.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.xvfb

HERE = Path(__file__).parent


def _wait_for(check: Any, what: str, seconds: float = 30.0) -> Any:
    """Poll `check` until it gives something truthy (a wait for the X server, not a timing)."""
    deadline = time.monotonic() + seconds
    while True:
        value = check()
        if value:
            return value
        assert time.monotonic() < deadline, f"gave up waiting for {what}"
        time.sleep(0.1)


class _Child:
    def __init__(self, env: dict[str, str], log: Path) -> None:
        self.log = log.open("w")
        self.proc = subprocess.Popen([sys.executable, str(HERE / "player_xvfb_child.py")],
                                     env=env, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=self.log, text=True)

    def read(self) -> dict[str, Any]:
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline()
        assert line, "the player process ended"
        return json.loads(line)

    def send(self, command: str) -> dict[str, Any]:
        assert self.proc.stdin is not None
        self.proc.stdin.write(command + "\n")
        self.proc.stdin.flush()
        return self.read()

    def close(self) -> None:
        if self.proc.poll() is None:
            try:
                self.send("quit")
            except (AssertionError, BrokenPipeError):
                pass
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
        self.log.close()


def _visible_windows(env: dict[str, str], name: str) -> list[str]:
    found = subprocess.run(["xdotool", "search", "--onlyvisible", "--name", name], env=env,
                           capture_output=True, text=True, check=False)
    return found.stdout.split()


def _wm_state(env: dict[str, str], wid: str) -> str:
    return subprocess.run(["xprop", "-id", wid, "_NET_WM_STATE"], env=env, capture_output=True,
                          text=True, check=False).stdout


def _frame_on_screen(env: dict[str, str], wid: str, width: int, height: int) -> bool:
    """The window with the window manager's frame (title bar, borders) inside the screen."""
    info = subprocess.run(["xwininfo", "-frame", "-id", wid], env=env, capture_output=True,
                          text=True, check=False).stdout
    values: dict[str, int] = {}
    for line in info.splitlines():
        key, _, value = line.strip().partition(":")
        if key in ("Absolute upper-left X", "Absolute upper-left Y", "Width", "Height"):
            values[key] = int(value.strip())
    if len(values) < 4:
        return False
    x, y = values["Absolute upper-left X"], values["Absolute upper-left Y"]
    return x >= 0 and y >= 0 and x + values["Width"] <= width and y + values["Height"] <= height


def test_mini_and_full_stay_on_screen_under_a_window_manager(desktoprec_home: Path,
                                                             tmp_path: Path,
                                                             x_server: Any) -> None:
    for tool in ("Xvfb", "openbox", "xdotool", "xprop", "xwininfo", "import"):
        assert shutil.which(tool), f"{tool} is needed: scripts/install-system-deps.sh test"
    display = x_server("1024x700x24")
    env = {**os.environ, "DISPLAY": display, "QT_QPA_PLATFORM": "xcb",
           "DESKTOPREC_HOME": str(desktoprec_home),
           "PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring"}
    wm = subprocess.Popen(["openbox", "--sm-disable"], env=env, stdout=subprocess.DEVNULL,
                          stderr=subprocess.DEVNULL)
    child = None
    try:
        _wait_for(lambda: "_NET_SUPPORTING_WM_CHECK(WINDOW)" in subprocess.run(
            ["xprop", "-root", "_NET_SUPPORTING_WM_CHECK"], env=env, capture_output=True,
            text=True, check=False).stdout, "openbox to manage the screen")
        child = _Child(env, tmp_path / "player.log")
        first = child.read()
        full = _wait_for(lambda: _visible_windows(env, "^Player"),
                         "the full player to be mapped")[0]
        assert "_NET_WM_STATE_ABOVE" not in _wm_state(env, full)

        mini = child.send("mini")
        assert mini["compact"] and mini["title"] == "Mini player"
        wid = _wait_for(lambda: _visible_windows(env, "^Mini player"),
                        "the mini player to be mapped (it vanished before the fix)")[0]
        _wait_for(lambda: "_NET_WM_STATE_ABOVE" in _wm_state(env, wid),
                  "the window manager to keep the mini player above")
        assert _frame_on_screen(env, wid, 1024, 700)
        subprocess.run(["import", "-window", "root", str(tmp_path / "mini.png")], env=env,
                       check=True)

        back = child.send("full")
        assert not back["compact"]
        wid = _wait_for(lambda: _visible_windows(env, "^Player"),
                        "the full player to come back")[0]
        _wait_for(lambda: "_NET_WM_STATE_ABOVE" not in _wm_state(env, wid),
                  "the full player to stop staying on top")
        again = child.send("state")
        assert again["geometry"][2:] == first["geometry"][2:]  # the full size came back
        assert again["visible"] and again["on_screen"]

        moved = child.send("offscreen")
        assert moved["visible"]
        wid = _wait_for(lambda: _visible_windows(env, "^Player"),
                        "the moved player to be mapped")[0]
        _wait_for(lambda: _frame_on_screen(env, wid, 1024, 700),
                  "the player to be kept on the screen")
        subprocess.run(["import", "-window", "root", str(tmp_path / "full.png")], env=env,
                       check=True)
        shots = os.environ.get("DESKTOPREC_SHOTS_DIR")
        if shots:  # keep the pictures to look at them
            for name in ("mini.png", "full.png"):
                shutil.copy(tmp_path / name, Path(shots) / f"player-xvfb-{name}")
    finally:
        if child is not None:
            child.close()
        wm.terminate()
        wm.wait(timeout=10)
