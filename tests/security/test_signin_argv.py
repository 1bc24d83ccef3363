"""Finding 5: the sign-in's `state` and PKCE challenge must not be readable by other local users.

A command line is world-readable (/proc/<pid>/cmdline): the browser desktoprec starts must be
given only the address of a private page (0600, in a 0700 folder) that forwards to Spotify.
Through the real CLI, with `--open-with` and with the default browser ($BROWSER).
"""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest

from desktoprec.spotify.emulator import EmulatorServer, generate_account

FAKE_BROWSER = Path(__file__).resolve().parents[1] / "fake_browser.py"
RECORDER = """
import json, os, stat, subprocess, sys
from urllib.parse import unquote, urlsplit
address = sys.argv[-1]
record = {"argv": sys.argv[1:]}
if address.startswith("file://"):
    page = unquote(urlsplit(address).path)
    record["page_mode"] = stat.S_IMODE(os.stat(page).st_mode)
    record["folder_mode"] = stat.S_IMODE(os.stat(os.path.dirname(page)).st_mode)
    record["page"] = page
with open(os.environ["RECORD_TO"], "w") as handle:
    json.dump(record, handle)
subprocess.run([sys.executable, os.environ["FAKE_BROWSER"], address], check=True)
"""


@pytest.fixture()
def emulator() -> EmulatorServer:
    with EmulatorServer(account=generate_account(seed=3, saved_tracks=5, playlists=1)) as server:
        yield server


@pytest.mark.parametrize("how", ["--open-with", "$BROWSER"])
def test_the_browser_command_line_carries_no_sign_in_secret(
        emulator: EmulatorServer, tmp_path: Path, how: str) -> None:
    recorder = tmp_path / "recorder.py"
    recorder.write_text(RECORDER)
    record = tmp_path / "record.json"
    env = {**os.environ, "DESKTOPREC_HOME": str(tmp_path / "home"),
           "DESKTOPREC_SPOTIFY_API_URL": emulator.api_url,
           "DESKTOPREC_SPOTIFY_ACCOUNTS_URL": emulator.accounts_url,
           "RECORD_TO": str(record), "FAKE_BROWSER": str(FAKE_BROWSER)}
    args = [sys.executable, "-m", "desktoprec", "login", "--client-id", "emu-client",
            "--timeout", "60"]
    command = f"{sys.executable} {recorder}"
    if how == "--open-with":
        args += ["--open-with", command]
    else:
        env["BROWSER"] = command + " %s"
    done = subprocess.run(args, env=env, capture_output=True, text=True, timeout=120,
                          check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "Signed in" in done.stdout
    seen = json.loads(record.read_text())
    argv = " ".join(seen["argv"])
    for secret in ("state=", "code_challenge", "authorize?", emulator.accounts_url):
        assert secret not in argv, argv
    assert seen["argv"][-1].startswith("file://")
    assert seen["page_mode"] == 0o600 and seen["folder_mode"] == 0o700
    assert not Path(seen["page"]).exists()  # removed when the sign-in ended
    # the state went to the browser through the private page and came back: sign-in succeeded
    authorize = [r for r in emulator.requests if r.path == "/authorize"]
    assert len(authorize) == 1 and "state" in authorize[0].query


def test_the_page_escapes_the_address(tmp_path: Path) -> None:
    from desktoprec.spotify.auth import browser_address, remove_browser_pages

    url = 'https://accounts.spotify.com/authorize?a=1&b="></script><script>x()</script>'
    page = Path(unquote(urlsplit(browser_address(url)).path))
    text = page.read_text()
    # the address cannot close the page's script or attribute: only the page's own </script>
    assert text.count("</script>") == 1 and 'b="><' not in text
    assert stat.S_IMODE(page.stat().st_mode) == 0o600
    remove_browser_pages()
    assert not page.parent.exists()
