"""The token grep: a whole session through the real CLI, then every file and every line of output
is searched for the tokens the emulator issued. None may appear outside the keyring.

The session runs inside its own D-Bus session with a real, unlocked GNOME Keyring (as a user's
desktop has), so tokens really are kept between the separate `desktoprec` processes.
"""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from desktoprec.spotify.emulator import EmulatorServer, generate_account

DESKTOPREC = [sys.executable, "-m", "desktoprec"]
OPENER = f"{sys.executable} {Path(__file__).resolve().parents[1] / 'fake_browser.py'}"
TOKEN_PREFIXES = (b"EMU-AT-", b"EMU-RT-", b"EMU-CODE-")


def _cli(*args: str) -> str:
    return " ".join(shlex.quote(a) for a in [*DESKTOPREC, *args])


@pytest.fixture()
def emulator() -> EmulatorServer:
    with EmulatorServer(account=generate_account(seed=5, saved_tracks=60, playlists=4)) as server:
        yield server


def _issued_tokens(server: EmulatorServer) -> list[bytes]:
    """Every access and refresh token the emulator handed out during the session."""
    values = list(server._access) + list(server._refresh)
    return [v.encode() for v in values]


def _session_env(server: EmulatorServer, home: Path, tmp: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.update(
        DESKTOPREC_HOME=str(home),
        DESKTOPREC_SPOTIFY_API_URL=server.api_url,
        DESKTOPREC_SPOTIFY_ACCOUNTS_URL=server.accounts_url,
        XDG_DATA_HOME=str(tmp / "xdg-data"),  # a fresh keyring: an old one would not unlock
        PYTHONDONTWRITEBYTECODE="1",
    )
    env.pop("DESKTOPREC_CLIENT_ID", None)
    (tmp / "xdg-data").mkdir(exist_ok=True)
    return env


def _run_session(script: list[tuple[str, str]], env: dict[str, str], out: Path,
                 with_keyring: bool, locked: bool = False) -> dict[str, int]:
    """Run named shell commands one after another; each one's stdout/stderr/exit code to `out`.

    with_keyring: inside a fresh D-Bus session with GNOME Keyring, unlocked unless `locked`.
    """
    lines = ["set -u"]
    if with_keyring and locked:
        lines.append("gnome-keyring-daemon --start --components=secrets >/dev/null 2>&1")
    elif with_keyring:
        lines.append("echo -n pw | gnome-keyring-daemon --unlock --components=secrets "
                     ">/dev/null 2>&1")
    for name, command in script:
        lines.append(f"{command} >{out / (name + '.out')} 2>{out / (name + '.err')}; "
                     f"echo $? >{out / (name + '.rc')}")
    shell = ["sh", "-c", "\n".join(lines)]
    argv = ["dbus-run-session", "--", *shell] if with_keyring else shell
    subprocess.run(argv, env=env, timeout=240, check=False, stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL)
    return {name: int((out / f"{name}.rc").read_text().strip() or 99) for name, _ in script}


def _leaks(folders: list[Path], tokens: list[bytes]) -> list[str]:
    found = []
    for folder in folders:
        for path in folder.rglob("*"):
            if not path.is_file():
                continue
            data = path.read_bytes()
            for needle in [*tokens, *TOKEN_PREFIXES]:
                if needle in data:
                    found.append(f"{path}: {needle[:14]!r}…")
    return found


def test_full_session_leaves_no_token_anywhere(emulator: EmulatorServer, tmp_path: Path) -> None:
    assert shutil.which("dbus-run-session") and shutil.which("gnome-keyring-daemon"), \
        "needs dbus and gnome-keyring: sh scripts/install-system-deps.sh test"
    home, out = tmp_path / "home", tmp_path / "out"
    out.mkdir()
    env = _session_env(emulator, home, tmp_path)
    export_file = tmp_path / "exported" / "mix.m3u"
    export_csv = tmp_path / "exported" / "mix.csv"
    script = [
        ("login", _cli("login", "--client-id", "emu-client", "--open-with", OPENER,
                       "--timeout", "60")),
        ("sync", _cli("sync")),
        ("status", _cli("status", "--json")),
        ("index", _cli("index")),
        # A damaged index file is found by its checksum and rebuilt, not trusted or fatal.
        ("damage_index",
         "printf garbage > " + shlex.quote(str(home / "data" / "index" / "vectors.faiss"))),
        ("recommend", _cli("recommend", "-n", "5", "--json")),
        ("export_file", _cli("export", "--name", "Mix", "--from-last", "--to-file",
                             str(export_file))),
        ("export_csv", _cli("export", "--name", "Mix", "--from-last", "--to-file",
                            str(export_csv))),
        ("export_spotify", _cli("export", "--name", "Mix", "--from-last")),
        ("keyring", "secret-tool search --all --unlock service desktoprec"),
    ]
    codes = _run_session(script, env, out, with_keyring=True)
    for name in ("login", "sync", "status", "index", "damage_index", "recommend", "export_file",
                 "export_csv", "export_spotify"):
        assert codes[name] == 0, (name, (out / f"{name}.err").read_text()[-2000:])

    tokens = _issued_tokens(emulator)
    assert tokens, "the emulator issued no tokens: the session did not sign in"
    # Positive control: the tokens are real and findable — in the keyring, where they belong.
    keyring_dump = (out / "keyring.out").read_bytes()
    assert any(t in keyring_dump for t in tokens), "the refresh token is not in the keyring"
    (out / "keyring.out").unlink()

    assert "SecretService" in (out / "login.out").read_text()
    # Exporting listening data to Spotify does not publish it unless asked (--public).
    exported = [p for p in emulator.account.playlists if p.name == "Mix"]
    assert len(exported) == 1 and exported[0].public is False
    assert export_file.exists() and export_csv.exists()
    leaks = _leaks([home, out, export_file.parent], tokens)
    assert not leaks, leaks
    # No client secret is ever used or stored.
    for path in home.rglob("*"):
        if path.is_file():
            assert b"client_secret" not in path.read_bytes(), path


def test_without_a_keyring_tokens_live_in_memory_only(emulator: EmulatorServer,
                                                      tmp_path: Path) -> None:
    home, out = tmp_path / "home", tmp_path / "out"
    out.mkdir()
    env = _session_env(emulator, home, tmp_path)
    env["PYTHON_KEYRING_BACKEND"] = "keyring.backends.fail.Keyring"
    script = [
        ("login", _cli("login", "--client-id", "emu-client", "--open-with", OPENER,
                       "--timeout", "60")),
        ("sync", _cli("sync")),
        ("status", _cli("status", "--json")),
    ]
    codes = _run_session(script, env, out, with_keyring=False)
    login_err = (out / "login.err").read_text()
    assert codes["login"] == 0, login_err
    # One clear message about the keyring, and the user knows the sign-in will not last.
    assert "No system keyring is available" in login_err
    assert "memory" in login_err
    # The next process has no tokens: it asks for a sign-in in one line, no traceback.
    sync_err = (out / "sync.err").read_text().strip()
    assert codes["sync"] == 1
    assert "not signed in" in sync_err.lower() and "Traceback" not in sync_err
    assert len(sync_err.splitlines()) == 1, sync_err
    tokens = _issued_tokens(emulator)
    assert tokens
    assert not _leaks([home, out], tokens)


def test_a_locked_keyring_is_named_not_mistaken_for_signed_out(emulator: EmulatorServer,
                                                               tmp_path: Path) -> None:
    """Signed in yesterday; today the keyring is locked (an SSH session, a headless start)."""
    home, out = tmp_path / "home", tmp_path / "out"
    out.mkdir()
    env = _session_env(emulator, home, tmp_path)
    login = [("login", _cli("login", "--client-id", "emu-client", "--open-with", OPENER,
                            "--timeout", "60"))]
    assert _run_session(login, env, out, with_keyring=True)["login"] == 0
    codes = _run_session([("sync", _cli("sync"))], env, out, with_keyring=True, locked=True)
    message = (out / "sync.err").read_text().strip()
    assert codes["sync"] == 1
    assert len(message.splitlines()) == 1 and "Traceback" not in message, message
    assert "keyring" in message.lower() and "unlock" in message.lower(), message
    assert not _leaks([home, out], _issued_tokens(emulator))
