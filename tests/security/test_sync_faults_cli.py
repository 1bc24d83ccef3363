"""Sync faults as a person meets them: `desktoprec sync` in its own process against the emulator.

Each fault must end in exactly one clear line on stderr (no traceback), exit code 1, and leave what
the last good sync stored untouched; afterwards the next sync completes. Data-level checks of the
same faults live in tests/sync; this file checks the promise at the command line.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from desktoprec.spotify.emulator import EmulatorServer, generate_account

OPENER = f"{sys.executable} {Path(__file__).resolve().parents[1] / 'fake_browser.py'}"
COUNTS = ("saved_tracks", "playlists", "playlist_items", "followed_artists", "tracks")


class Session:
    """A D-Bus session with an unlocked GNOME Keyring, a home folder and a running emulator."""

    def __init__(self, tmp: Path) -> None:
        self.tmp = tmp
        (tmp / "xdg").mkdir()
        env = dict(os.environ)
        env.update(XDG_DATA_HOME=str(tmp / "xdg"), DESKTOPREC_HOME=str(tmp / "home"),
                   PYTHONDONTWRITEBYTECODE="1")
        env.pop("DESKTOPREC_CLIENT_ID", None)
        bus = subprocess.run(["dbus-daemon", "--session", "--fork", "--nopidfile",
                              "--print-address=1", "--print-pid=1"], env=env, check=True,
                             capture_output=True, text=True, timeout=30).stdout.split()
        self.bus_pid = int(bus[1])
        env["DBUS_SESSION_BUS_ADDRESS"] = bus[0]
        subprocess.run(["gnome-keyring-daemon", "--unlock", "--components=secrets"], env=env,
                       input="pw", capture_output=True, text=True, check=True, timeout=30)
        self.emulator = EmulatorServer(generate_account(seed=9, saved_tracks=120, playlists=5))
        self.emulator.start()
        env.update(DESKTOPREC_SPOTIFY_API_URL=self.emulator.api_url,
                   DESKTOPREC_SPOTIFY_ACCOUNTS_URL=self.emulator.accounts_url)
        self.env = env

    def cli(self, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, "-m", "desktoprec", *args], env=env or self.env,
                              capture_output=True, text=True, timeout=120, check=False)

    def status(self) -> dict[str, Any]:
        """What is stored, read in this process straight from the session's database."""
        from desktoprec.paths import AppPaths
        from desktoprec.services import Services
        from desktoprec.sync.service import SyncService

        home = Path(self.env["DESKTOPREC_HOME"])
        services = Services(AppPaths(data_dir=home / "data", config_dir=home / "config",
                                     cache_dir=home / "cache", log_dir=home / "logs"))
        try:
            return SyncService(services).status().to_json()
        finally:
            services.close()

    def close(self) -> None:
        self.emulator.stop()
        os.kill(self.bus_pid, 15)  # the keyring daemon leaves with its bus


@pytest.fixture(scope="module")
def session(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Session]:
    live = Session(tmp_path_factory.mktemp("sync-faults"))
    try:
        login = live.cli("login", "--client-id", "emu-client", "--open-with", OPENER,
                         "--timeout", "60")
        assert login.returncode == 0, login.stderr
        first = live.cli("sync")
        assert first.returncode == 0, first.stderr
        live.baseline = {k: live.status()[k] for k in COUNTS}  # type: ignore[attr-defined]
        yield live
    finally:
        live.close()


def _one_clear_line(done: subprocess.CompletedProcess) -> str:
    lines = [line for line in done.stderr.splitlines() if line.strip()]
    # A progress bar may redraw on stderr with carriage returns; the message is the last line.
    message = lines[-1] if lines else ""
    assert done.returncode == 1, (done.returncode, done.stderr[-1500:])
    assert "Traceback" not in done.stderr and "Error:" not in done.stderr, done.stderr[-1500:]
    assert message.startswith("desktoprec: "), done.stderr[-1500:]
    assert len(message) < 400
    others = [line for line in lines[:-1] if not line.startswith(("\r", "  "))
              and "%" not in line and "/" not in line]
    assert not others, f"more than one message line: {lines}"
    return message


FAULTS: list[tuple[str, dict[str, Any], str]] = [
    ("502-html", {"status": 502, "times": -1, "body": "<html><b>Bad gateway</b></html>"},
     "trouble"),
    ("truncated", {"mode": "truncate", "times": -1}, "Spotify"),
    ("malformed", {"mode": "malformed", "times": -1}, "not valid JSON"),
    ("dropped", {"mode": "drop", "times": -1}, "could not be reached"),
    ("429-an-hour", {"status": 429, "times": -1, "headers": {"Retry-After": "3600"}},
     "try again in about 60 minutes"),
    ("401-loop", {"status": 401, "times": -1,
                  "body": {"error": {"status": 401, "message": "Invalid access token"}}},
     "sign"),
]


@pytest.mark.parametrize(("fault", "message_part"),
                         [(f[1], f[2]) for f in FAULTS], ids=[f[0] for f in FAULTS])
def test_fault_is_one_clear_line_and_keeps_the_library(session: Session, fault: dict[str, Any],
                                                       message_part: str) -> None:
    session.emulator.faults.clear()
    path = "/me" if fault.get("status") == 401 else "/me/tracks"
    session.emulator.faults.add(path, **fault)
    try:
        done = session.cli("sync")
    finally:
        session.emulator.faults.clear()
    message = _one_clear_line(done)
    assert message_part.lower() in message.lower(), message
    after = session.status()
    assert {k: after[k] for k in COUNTS} == session.baseline  # type: ignore[attr-defined]
    assert after["last_error"]


def test_network_gone_is_one_clear_line(session: Session) -> None:
    closed = dict(session.env)
    # Nothing listens on port 9 of 127.0.0.1: the same as a machine with no network.
    closed.update(DESKTOPREC_SPOTIFY_API_URL="http://127.0.0.1:9/v1",
                  DESKTOPREC_SPOTIFY_ACCOUNTS_URL="http://127.0.0.1:9")
    done = session.cli("sync", env=closed)
    message = _one_clear_line(done)
    assert "could not be reached" in message or "no connection" in message, message
    after = session.status()
    assert {k: after[k] for k in COUNTS} == session.baseline  # type: ignore[attr-defined]


def test_next_sync_after_the_faults_completes(session: Session) -> None:
    session.emulator.faults.clear()
    done = session.cli("status", "--json")  # the user's view, once, through the CLI
    assert done.returncode == 0 and json.loads(done.stdout)["last_error"], done.stderr
    done = session.cli("sync", "--json")
    assert done.returncode == 0, done.stderr[-1500:]
    report = json.loads(done.stdout.strip().splitlines()[-1])
    assert report.get("ok", True)
    status = session.status()
    assert not status["last_error"]
    assert {k: status[k] for k in COUNTS} == session.baseline  # type: ignore[attr-defined]


def test_debug_flag_shows_a_traceback_but_no_token(session: Session) -> None:
    """--debug is for reports: a traceback is allowed there, a token never."""
    session.emulator.faults.add("/me/tracks", mode="malformed", times=-1)
    try:
        done = session.cli("--debug", "sync")
    finally:
        session.emulator.faults.clear()
    assert done.returncode == 1
    tokens = list(session.emulator._access) + list(session.emulator._refresh)
    assert tokens
    for token in tokens:
        assert token not in done.stderr and token not in done.stdout
    logs = Path(session.env["DESKTOPREC_HOME"]) / "logs"
    for log_file in logs.glob("*.log*"):
        text = log_file.read_text(encoding="utf-8", errors="replace")
        for token in tokens:
            assert token not in text, log_file


def test_concurrent_syncs_from_several_processes_keep_one_sound_library(session: Session) -> None:
    """The app, the tray and a terminal may all sync at once: SQLite's one writer holds."""
    import sqlite3

    session.emulator.faults.clear()
    procs = [subprocess.Popen([sys.executable, "-m", "desktoprec", "sync", "--full"],
                              env=session.env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              text=True) for _ in range(3)]
    outcomes = []
    for proc in procs:
        out, err = proc.communicate(timeout=180)
        outcomes.append((proc.returncode, out, err))
    for code, _out, err in outcomes:
        # Each either completes or says in one line that another sync is running.
        assert code == 0 or (code == 1 and len(err.strip().splitlines()) == 1), err[-1500:]
        assert "Traceback" not in err and "locked" not in err.lower(), err[-1500:]
    assert any(code == 0 for code, _o, _e in outcomes)
    database = Path(session.env["DESKTOPREC_HOME"]) / "data" / "library.sqlite3"
    conn = sqlite3.connect(database)
    try:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    finally:
        conn.close()
    status = session.status()
    assert {k: status[k] for k in COUNTS} == session.baseline  # type: ignore[attr-defined]
