"""Finding 1 (High): after the demo, a real sign-in must never go to the demo's old local port.

The attack: `desktoprec demo --headless` ran an emulator on 127.0.0.1:<port> and (before the fix)
wrote that address into settings.toml. Once the demo ended, another local user listened on the
port; the next `login --client-id …` sent the consent request, the code, the PKCE verifier and
the bearer token there. Here the squatter is a real HTTP server on that very port, and the CLI
runs as a user would run it.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest

from desktoprec.settings import (
    Settings,
    is_loopback_host,
    is_remote_https,
    load_settings,
)

from .conftest import HostileServer

DESKTOPREC = [sys.executable, "-m", "desktoprec"]
REAL_CLIENT_ID = "0123456789abcdef0123456789abcdef"


def _run(home: Path, *args: str, timeout: float = 240) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DESKTOPREC_HOME": str(home), "PYTHONDONTWRITEBYTECODE": "1"}
    for name in ("DESKTOPREC_CLIENT_ID", "DESKTOPREC_SPOTIFY_API_URL",
                 "DESKTOPREC_SPOTIFY_ACCOUNTS_URL"):
        env.pop(name, None)
    return subprocess.run([*DESKTOPREC, *args], env=env, capture_output=True, text=True,
                          timeout=timeout, check=False)


def _consent_url(stderr: str) -> str:
    found = re.findall(r"(https?://\S+/authorize\?\S+)", stderr)
    assert found, stderr[-2000:]
    return found[-1]


def _fake_browser(tmp_path: Path) -> tuple[str, Path]:
    """An opener that only records what it was given (it does not follow the page)."""
    record = tmp_path / "opener-argv.json"
    script = tmp_path / "browser.py"
    script.write_text("import json, sys\n"
                      f"open({str(record)!r}, 'w').write(json.dumps(sys.argv[1:]))\n")
    return f"{sys.executable} {script}", record


def _login_with_squatter(home: Path, tmp_path: Path, port: int) -> tuple[
        subprocess.CompletedProcess[str], HostileServer]:
    squatter = HostileServer(port=port).start()  # "another local user" now owns the port
    try:
        opener, _record = _fake_browser(tmp_path)
        done = _run(home, "login", "--client-id", REAL_CLIENT_ID, "--open-with", opener,
                    "--timeout", "2", timeout=60)
    finally:
        squatter.stop()
    return done, squatter


def _assert_went_to_spotify(done: subprocess.CompletedProcess[str], squatter: HostileServer,
                            home: Path) -> None:
    assert squatter.requests == [], squatter.requests  # nothing reached the squatter
    assert "Signed in" not in done.stdout
    url = urlsplit(_consent_url(done.stderr))
    assert url.scheme == "https" and url.hostname == "accounts.spotify.com", url
    assert parse_qs(url.query)["client_id"] == [REAL_CLIENT_ID]
    settings_text = (home / "config" / "settings.toml").read_text()
    assert "127.0.0.1" not in settings_text and "localhost" not in settings_text
    settings = load_settings(home / "config" / "settings.toml")
    assert not settings.demo_mode and settings.client_id == REAL_CLIENT_ID
    assert settings.effective_api_url() == "https://api.spotify.com/v1"
    assert settings.effective_accounts_url() == "https://accounts.spotify.com"


def test_real_login_after_the_demo_never_reaches_a_squatter_on_the_demo_port(
        tmp_path: Path) -> None:
    home = tmp_path / "home"
    demo = _run(home, "demo", "--headless", "--json", "--tracks-per-style", "1")
    assert demo.returncode == 0, demo.stderr[-3000:]
    port = urlsplit(json.loads(demo.stdout)["emulator"]).port
    assert port
    # the demo's address is its own state, gone with it: not in the user's settings
    assert f":{port}" not in (home / "config" / "settings.toml").read_text()

    # the demo profile, now offline: its commands must not call the (squatted) old port either
    squatter = HostileServer(port=port).start()
    try:
        sync = _run(home, "sync", timeout=60)
    finally:
        squatter.stop()
    assert squatter.requests == []
    assert sync.returncode != 0 and "demo" in sync.stderr and "Traceback" not in sync.stderr

    done, squatter = _login_with_squatter(home, tmp_path, port)
    assert done.returncode != 0  # the fake browser never answers: the sign-in times out
    _assert_went_to_spotify(done, squatter, home)
    # connecting the real account ended the demo and took its data with it
    assert not (home / "data" / "demo").exists()


def test_settings_of_an_older_version_with_the_demo_port_are_repaired(tmp_path: Path) -> None:
    """An older desktoprec saved the emulator's address; loading repairs the file for good."""
    home = tmp_path / "home"
    squatter = HostileServer().start()
    port = squatter.port
    squatter.stop()
    config = home / "config"
    config.mkdir(parents=True)
    (config / "settings.toml").write_text(
        'schema_version = 1\nclient_id = "desktoprec-demo"\ndemo_mode = true\n'
        f'api_url = "http://127.0.0.1:{port}/v1"\naccounts_url = "http://127.0.0.1:{port}"\n')
    status = _run(home, "status", "--json", timeout=60)
    assert status.returncode == 0, status.stderr[-2000:]
    assert "127.0.0.1" not in (config / "settings.toml").read_text()  # repaired on load
    done, squatter = _login_with_squatter(home, tmp_path, port)
    _assert_went_to_spotify(done, squatter, home)


@pytest.mark.parametrize("address", [
    "http://127.0.0.1:{port}", "https://127.0.0.1:{port}", "http://localhost:{port}",
    "https://localhost.:{port}", "https://127.1:{port}", "https://2130706433:{port}",
    "https://0x7f.0.0.1:{port}", "https://[::1]:{port}", "https://[::ffff:127.0.0.1]:{port}",
    "https://0.0.0.0:{port}", "https://sub.localhost:{port}", "http://evil.example",
])
def test_no_spelling_of_this_machine_is_used_from_the_settings_file(
        desktoprec_home: Path, address: str) -> None:
    """The real sign-in path in this process (the CLI case is above), for every spelling."""
    from desktoprec.errors import AuthError
    from desktoprec.services import Services

    squatter = HostileServer().start()
    url = address.format(port=squatter.port)
    config = desktoprec_home / "config"
    config.mkdir(parents=True)
    (config / "settings.toml").write_text(f'api_url = "{url}/v1"\naccounts_url = "{url}"\n')
    services = Services()
    opened: list[str] = []
    try:
        assert services.settings.effective_accounts_url() == "https://accounts.spotify.com"
        assert services.settings.effective_api_url() == "https://api.spotify.com/v1"
        assert url not in (config / "settings.toml").read_text()
        services.auth.set_client_id(REAL_CLIENT_ID)
        with pytest.raises(AuthError, match="timed out"):
            services.auth.login(open_url=opened.append, timeout=0.3)
    finally:
        squatter.stop()
        services.close()
    assert squatter.requests == []
    assert urlsplit(opened[0]).hostname == "accounts.spotify.com"


def test_loopback_is_honoured_from_the_environment_and_never_saved(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    from desktoprec.settings import save_settings

    assert is_loopback_host("127.0.0.2") and is_loopback_host("::1")
    assert not is_loopback_host("accounts.spotify.com") and not is_loopback_host("10.0.0.1")
    assert is_remote_https("https://accounts.spotify.com")
    assert not is_remote_https("https://127.0.0.1:1")
    settings = Settings(api_url="http://127.0.0.1:9/v1", accounts_url="http://127.0.0.1:9")
    assert settings.address_origin("accounts") == "default"  # ignored from the settings
    monkeypatch.setenv("DESKTOPREC_SPOTIFY_ACCOUNTS_URL", "http://127.0.0.1:9")
    assert settings.effective_accounts_url() == "http://127.0.0.1:9"
    assert settings.address_origin("accounts") == "environment"
    monkeypatch.delenv("DESKTOPREC_SPOTIFY_ACCOUNTS_URL")
    settings.use_local_spotify("http://127.0.0.1:9/v1", "http://127.0.0.1:9")  # the demo's
    assert settings.address_origin("api") == "local"
    with pytest.raises(ValueError):
        settings.use_local_spotify("https://api.spotify.com/v1", "https://evil.example")
    save_settings(settings, tmp_path / "s.toml")  # neither the file's nor the demo's: saved clean
    assert "127.0.0.1" not in (tmp_path / "s.toml").read_text()


def test_sign_in_refuses_a_plain_http_accounts_address_not_from_the_environment() -> None:
    from desktoprec.errors import AuthError
    from desktoprec.spotify.auth import run_login

    opened: list[str] = []
    with pytest.raises(AuthError, match="https"):
        run_login("http://127.0.0.1:9", "cid", open_url=opened.append, timeout=1)
    assert opened == []  # refused before any browser or port was involved
