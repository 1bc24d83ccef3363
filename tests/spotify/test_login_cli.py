"""`desktoprec login/logout/emulator` as a user runs them: subprocesses against the emulator, with
the real Secret Service (a private dbus session + gnome-keyring) or with no keyring at all."""

from __future__ import annotations

import os
import shutil
import signal
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from desktoprec.spotify.emulator import EmulatorServer, generate_account

REPO = Path(__file__).resolve().parents[2]
DESKTOPREC = str(Path(sys.executable).parent / "desktoprec")
PYTHON = sys.executable
# the browser: reads desktoprec's private forwarding page, then follows it (and redirects)
CURL = f"{sys.executable} {Path(__file__).resolve().parents[1] / 'fake_browser.py'}"


@pytest.fixture
def emulator() -> Iterator[EmulatorServer]:
    with EmulatorServer(generate_account(seed=6, saved_tracks=15, playlists=2)) as server:
        yield server


def _env(home: Path, emulator: EmulatorServer | None, tmp_path: Path,
         client_id: str | None = "emu-client", **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("DESKTOPREC_", "DBUS_", "PYTHON_KEYRING"))}
    env.update(DESKTOPREC_HOME=str(home), XDG_DATA_HOME=str(tmp_path / "xdg-data"))
    if emulator is not None:
        env.update(DESKTOPREC_SPOTIFY_API_URL=emulator.api_url,
                   DESKTOPREC_SPOTIFY_ACCOUNTS_URL=emulator.accounts_url)
    if client_id:
        env["DESKTOPREC_CLIENT_ID"] = client_id
    env.update(extra)
    return env


def _run(argv: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """Run in its own process group; on a hang, kill the whole group (daemons a dbus session
    started would otherwise keep the pipes open and the wait would never end)."""
    process = subprocess.Popen(argv, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               stdin=subprocess.DEVNULL, text=True, start_new_session=True)
    try:
        out, err = process.communicate(timeout=120)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        out, err = process.communicate(timeout=30)
        raise AssertionError(f"{argv[0]} hung; output so far:\n{out}\n{err}") from None
    return subprocess.CompletedProcess(argv, process.returncode, out, err)


def _in_keyring_session(script: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """Run a shell script inside a private D-Bus session with an unlocked gnome-keyring."""
    assert shutil.which("dbus-run-session") and shutil.which("gnome-keyring-daemon")
    wrapped = ("echo -n desktoprec-test | gnome-keyring-daemon --unlock --components=secrets "
               ">/dev/null 2>&1\n" + script)
    return _run(["dbus-run-session", "--", "sh", "-c", wrapped], env)


def _files_containing(home: Path, secrets: list[str]) -> list[str]:
    hits = []
    for path in home.rglob("*"):
        if path.is_file():
            data = path.read_bytes()
            hits.extend(f"{path.name}: {s[:12]}..." for s in secrets if s.encode() in data)
    return hits


_STATUS = (f'{PYTHON} -c "from desktoprec.services import Services; a = Services().auth; '
           "print('SIGNED_IN', a.is_signed_in()); print('BACKEND', a.keyring_backend())\"")


def test_login_keyring_logout_and_no_secret_on_disk(emulator: EmulatorServer,
                                                    desktoprec_home: Path,
                                                    tmp_path: Path) -> None:
    script = (f'{DESKTOPREC} login --open-with "{CURL}" --timeout 30 || exit 9\n'
              f"{_STATUS}\n"
              f"{DESKTOPREC} logout || exit 8\n"
              f"{_STATUS}\n")
    done = _in_keyring_session(script, _env(desktoprec_home, emulator, tmp_path))
    assert done.returncode == 0, done.stderr
    assert "Signed in to Spotify as Listener 6." in done.stdout
    assert "kept in the system keyring (SecretService" in done.stdout
    lines = done.stdout.splitlines()
    assert [line for line in lines if line.startswith("SIGNED_IN")] == ["SIGNED_IN True",
                                                                       "SIGNED_IN False"]
    assert "BACKEND SecretService.Keyring" in lines
    assert "Signed out of Spotify" in done.stdout
    # the PKCE flow really ran: authorize, token exchange, then /me with the new token
    assert emulator.count("/authorize", status=302) == 1
    assert emulator.count("/api/token", method="POST", status=200) == 1
    assert emulator.count("/v1/me", status=200) == 1
    secrets = emulator.issued_secrets()
    assert len(secrets) == 3  # code, access token, refresh token
    assert _files_containing(desktoprec_home, secrets) == []
    assert "Bearer" not in done.stdout + done.stderr
    assert not any(s in done.stdout + done.stderr for s in secrets)
    with sqlite3.connect(desktoprec_home / "data" / "library.sqlite3") as db:
        rows = db.execute("select id, display_name from account").fetchall()
    assert rows == [(emulator.account.user_id, "Listener 6")]


def test_tokens_survive_between_runs_in_the_keyring(emulator: EmulatorServer,
                                                    desktoprec_home: Path,
                                                    tmp_path: Path) -> None:
    fetch_me = (f'{PYTHON} -c "from desktoprec.services import Services; '
                "print('ME', Services().auth.api().me()['id'])\"")
    script = (f'{DESKTOPREC} login --open-with "{CURL}" --timeout 30 >/dev/null || exit 9\n'
              f"{fetch_me}\n")
    done = _in_keyring_session(script, _env(desktoprec_home, emulator, tmp_path))
    assert done.returncode == 0, done.stderr
    assert f"ME {emulator.account.user_id}" in done.stdout
    assert emulator.count("/api/token") == 1  # the second process used the stored token


def test_login_without_a_keyring_warns_and_keeps_nothing(emulator: EmulatorServer,
                                                         desktoprec_home: Path,
                                                         tmp_path: Path) -> None:
    env = _env(desktoprec_home, emulator, tmp_path,
               PYTHON_KEYRING_BACKEND="keyring.backends.fail.Keyring")
    done = _run([DESKTOPREC, "login", "--open-with", CURL, "--timeout", "30"], env)
    assert done.returncode == 0, done.stderr
    assert "Signed in to Spotify" in done.stdout
    assert "No system keyring is available" in done.stderr
    assert "memory for this run only" in done.stderr
    assert _files_containing(desktoprec_home, emulator.issued_secrets()) == []
    status = _run([PYTHON, "-c", ("from desktoprec.services import Services; "
                                  "print(Services().auth.is_signed_in())")], env)
    assert status.stdout.strip() == "False"


def test_denied_consent_fails_with_one_clear_line(emulator: EmulatorServer,
                                                  desktoprec_home: Path,
                                                  tmp_path: Path) -> None:
    emulator.deny = True
    done = _run([DESKTOPREC, "login", "--open-with", CURL, "--timeout", "30"],
                _env(desktoprec_home, emulator, tmp_path,
                     PYTHON_KEYRING_BACKEND="keyring.backends.null.Keyring"))
    assert done.returncode == 1
    last = done.stderr.strip().splitlines()[-1]
    assert last.startswith("desktoprec: Spotify sign-in was cancelled")
    assert "Traceback" not in done.stderr


def test_no_answer_times_out(emulator: EmulatorServer, desktoprec_home: Path,
                             tmp_path: Path) -> None:
    done = _run([DESKTOPREC, "login", "--open-with", "true", "--timeout", "1"],
                _env(desktoprec_home, emulator, tmp_path,
                     PYTHON_KEYRING_BACKEND="keyring.backends.null.Keyring"))
    assert done.returncode == 1
    assert "timed out" in done.stderr


def test_first_run_explains_the_client_id_and_saves_one(emulator: EmulatorServer,
                                                       desktoprec_home: Path,
                                                       tmp_path: Path) -> None:
    env = _env(desktoprec_home, emulator, tmp_path, client_id=None,
               PYTHON_KEYRING_BACKEND="keyring.backends.null.Keyring")
    done = _run([DESKTOPREC, "login", "--open-with", CURL], env)
    assert done.returncode == 1
    assert "developer.spotify.com/dashboard" in done.stdout
    assert "http://127.0.0.1/callback" in done.stdout and "User Management" in done.stdout
    assert "--client-id" in done.stderr
    done = _run([DESKTOPREC, "login", "--client-id", "abc123def456", "--open-with", CURL,
                 "--timeout", "30"], env)
    assert done.returncode == 0, done.stderr
    settings = (desktoprec_home / "config" / "settings.toml").read_text()
    assert 'client_id = "abc123def456"' in settings
    bad = _run([DESKTOPREC, "login", "--client-id", "not valid!"], env)
    assert bad.returncode == 1 and "client ID" in bad.stderr


def test_emulator_command_serves_until_interrupted(desktoprec_home: Path,
                                                  tmp_path: Path) -> None:
    process = subprocess.Popen(
        [DESKTOPREC, "emulator", "--saved", "30", "--playlists", "3", "--seed", "1"],
        env=_env(desktoprec_home, None, tmp_path, client_id=None), stdout=subprocess.PIPE,
        stderr=subprocess.PIPE, text=True)
    try:
        assert process.stdout is not None
        lines = [process.stdout.readline() for _ in range(3)]
        assert "30 saved tracks, 3 playlists" in lines[0]
        api_url = lines[1].split()[-1]
        assert api_url.startswith("http://127.0.0.1:") and api_url.endswith("/v1")
        assert httpx.get(f"{api_url}/me", timeout=10).status_code == 401
    finally:
        process.send_signal(signal.SIGINT)
        out, err = process.communicate(timeout=30)
    assert process.returncode == 0, err
    assert "Emulator stopped." in out
