"""Test helper: the environment of a real `desktoprec` process signed in to the emulator.

The CLI tests run `desktoprec` in a private D-Bus session with a real GNOME Keyring; this is the
environment those processes share (home, client id, emulator addresses, the fake browser).
"""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path
from typing import Any

import pytest

FAKE_BROWSER = Path(__file__).resolve().parent / "fake_browser.py"


def needs_keyring_tools() -> None:
    missing = [t for t in ("dbus-run-session", "gnome-keyring-daemon") if shutil.which(t) is None]
    if missing:  # scripts/install-system-deps.sh test installs them
        pytest.fail(f"missing test tools: {', '.join(missing)}")


def cli_env(tmp_path: Path, spotify: Any, **extra: str) -> dict[str, str]:
    """os.environ for a `desktoprec` run against `spotify` (an EmulatorServer), plus `extra`."""
    env = dict(os.environ)
    env.update({
        "DESKTOPREC_HOME": str(tmp_path / "home"),
        "DESKTOPREC_CLIENT_ID": "desktoprec-test-client",
        "DESKTOPREC_SPOTIFY_API_URL": spotify.api_url,
        "DESKTOPREC_SPOTIFY_ACCOUNTS_URL": spotify.accounts_url,
        "XDG_DATA_HOME": str(tmp_path / "xdg"),
        "PY": sys.executable,
        "OUT": str(tmp_path),
        # the browser: reads the private forwarding page desktoprec gives it, follows it to the
        # loopback callback
        "OPENER": f"{sys.executable} {FAKE_BROWSER}",
        "PYTHONDONTWRITEBYTECODE": "1",
        **extra,
    })
    env.pop("PYTHON_KEYRING_BACKEND", None)
    env.pop("DBUS_SESSION_BUS_ADDRESS", None)
    (tmp_path / "xdg").mkdir(exist_ok=True)
    return env
