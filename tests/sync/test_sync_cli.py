"""The real `desktoprec` command: login, a SIGKILL mid-sync, the resumed sync, status, export.

Each scenario runs in a private D-Bus session with an unlocked GNOME Keyring, so tokens travel
between the separate `desktoprec` processes the way they do for a user.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from cli_session import cli_env, needs_keyring_tools
from desktoprec.benchmarks.sync import emulator_tokens
from desktoprec.paths import AppPaths
from desktoprec.services import Services
from desktoprec.spotify.client import SpotifyClient
from desktoprec.spotify.emulator import EmulatorServer, generate_account
from desktoprec.sync.service import SyncService

COUNT_KEYS = ("tracks", "saved_tracks", "playlists", "playlists_skipped", "playlist_items",
              "local_items", "unavailable_items", "episode_items", "followed_artists", "artists")

KEYRING_SESSION = """
set -u
echo -n desktoprec-test | gnome-keyring-daemon --unlock --components=secrets >/dev/null 2>&1
"$PY" -m desktoprec login --open-with "$OPENER" --timeout 30 \
    > "$OUT/login.out" 2> "$OUT/login.err" || echo "login failed" >> "$OUT/login.err"
{script}
"""


def _last_json(path: Path) -> dict[str, Any]:
    lines = [line for line in path.read_text().splitlines() if line.strip()]
    assert lines, f"{path.name} is empty"
    return dict(json.loads(lines[-1]))


def _reference_status(server: EmulatorServer, root: Path) -> dict[str, Any]:
    """What an uninterrupted sync stores, for the same account."""
    services = Services(AppPaths(data_dir=root / "data", config_dir=root / "config",
                                 cache_dir=root / "cache", log_dir=root / "logs"))
    try:
        client = SpotifyClient(server.api_url, emulator_tokens(server))
        sync = SyncService(services, client=client)
        assert sync.sync().ok
        return sync.status().to_json()
    finally:
        services.close()


def _signal_the_sync_when_it_stalls(tmp_path: Path, server: EmulatorServer, script: str,
                                    stall: Any, sig: int,
                                    after: Callable[[], None] | None = None) -> None:
    """Run `script` in a keyring session; once the sync it started reaches the stalled request,
    send its process `sig` (then run `after`) and let the script finish."""
    proc = subprocess.Popen(["dbus-run-session", "--", "sh", "-c", script],
                            env=cli_env(tmp_path, server), stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 90
        while stall.used == 0:
            assert proc.poll() is None, (tmp_path / "login.err").read_text()
            assert time.monotonic() < deadline, "the sync never reached the stalled request"
            time.sleep(0.05)
        os.kill(int((tmp_path / "sync.pid").read_text()), sig)
        if after is not None:
            after()
        output, _ = proc.communicate(timeout=120)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0, output.decode(errors="replace")


def test_sigkill_mid_sync_then_resume_matches_uninterrupted(tmp_path: Path) -> None:
    needs_keyring_tools()
    account = generate_account(seed=11, saved_tracks=180, playlists=8, tracks_per_playlist=70)
    with EmulatorServer(account=account) as server:
        readable = [p for p in account.playlists
                    if p.owner_id == account.user_id or p.collaborative]
        # the third readable playlist's items hang long enough to kill the sync during them
        stall = server.faults.add(f"/playlists/{readable[2].id}/items", mode="slow", delay=20,
                                  times=1)
        script = KEYRING_SESSION.format(script="""
"$PY" -m desktoprec sync --json > "$OUT/first.out" 2> "$OUT/first.err" &
echo $! > "$OUT/sync.pid"
wait $!
echo $? > "$OUT/first.rc"
while [ ! -e "$OUT/go" ]; do sleep 0.1; done
"$PY" -m desktoprec status --json > "$OUT/mid.out" 2> "$OUT/mid.err"
"$PY" -m desktoprec sync --json > "$OUT/second.out" 2> "$OUT/second.err"
echo $? > "$OUT/second.rc"
"$PY" -m desktoprec status --json > "$OUT/status.out" 2> "$OUT/status.err"
""")
        def reaped_then_go() -> None:
            deadline = time.monotonic() + 30
            while not (tmp_path / "first.rc").exists():
                assert time.monotonic() < deadline, "the killed sync was not reaped"
                time.sleep(0.05)
            (tmp_path / "go").touch()

        _signal_the_sync_when_it_stalls(tmp_path, server, script, stall, signal.SIGKILL,
                                        reaped_then_go)
        assert (tmp_path / "first.rc").read_text().strip() == str(128 + signal.SIGKILL)
        mid = _last_json(tmp_path / "mid.out")
        assert mid["saved_tracks"] == 180 and mid["last_sync"] is None
        assert mid["sync_interrupted"] is True
        # only whole playlists were stored: 2 fetched before the kill, none half-written
        assert mid["playlist_items"] == sum(len(p.entries) for p in readable[:2])
        assert (tmp_path / "second.rc").read_text().strip() == "0", (
            (tmp_path / "second.err").read_text())
        report = _last_json(tmp_path / "second.out")
        assert report["ok"] and report["kind"] == "full"
        assert report["requests"]["saved_tracks"] == 1  # resumed: nothing to re-read
        assert report["counts"]["playlists_fetched"] == len(readable) - 2
        final = _last_json(tmp_path / "status.out")
        assert final["signed_in"] is True and final["user"]["id"] == account.user_id
        assert final["last_sync"] and not final["sync_interrupted"]
        assert "SecretService" in final["keyring"]
        reference = _reference_status(server, tmp_path / "reference")
    assert {k: final[k] for k in COUNT_KEYS} == {k: reference[k] for k in COUNT_KEYS}
    # no token reached the output or any file under the home folder
    for path in [*tmp_path.glob("*.out"), *tmp_path.glob("*.err"),
                 *(tmp_path / "home").rglob("*")]:
        if path.is_file():
            assert b"EMU-AT-" not in path.read_bytes() and b"EMU-RT-" not in path.read_bytes()


def test_cli_status_export_and_errors(tmp_path: Path) -> None:
    needs_keyring_tools()
    account = generate_account(seed=12, saved_tracks=40, playlists=3, tracks_per_playlist=10,
                               catalog_size=300)
    uris = [f"spotify:track:{t}" for t in list(account.tracks)[:130]]
    (tmp_path / "uris.txt").write_text("# picks\n" + "\n".join(uris) + "\n")
    with EmulatorServer(account=account) as server:
        server.faults.add("/me/tracks", status=429, headers={"Retry-After": "7200"}, times=1,
                          body={"error": {"status": 429, "message": "API rate limit exceeded",
                                          "reason": "QUOTA_EXCEEDED"}})
        script = KEYRING_SESSION.format(script="""
"$PY" -m desktoprec sync --json > "$OUT/limited.out" 2> "$OUT/limited.err"
echo $? > "$OUT/limited.rc"
"$PY" -m desktoprec sync > "$OUT/sync.out" 2> "$OUT/sync.err"; echo $? > "$OUT/sync.rc"
for n in 1 2; do
  "$PY" -m desktoprec export --name "Picks" --uris-file "$OUT/uris.txt" --json \
      > "$OUT/export$n.out" 2> "$OUT/export$n.err"
done
"$PY" -m desktoprec export --name "Picks" --uris-file "$OUT/uris.txt" \
    --to-file "$OUT/picks.m3u" > "$OUT/file.out" 2>&1
"$PY" -m desktoprec export --name "Picks" --from-last > "$OUT/last.out" 2> "$OUT/last.err"
echo $? > "$OUT/last.rc"
"$PY" -m desktoprec status --json > "$OUT/status.out" 2> "$OUT/status.err"
""")
        done = subprocess.run(["dbus-run-session", "--", "sh", "-c", script], check=False,
                              env=cli_env(tmp_path, server), capture_output=True, timeout=180)
        assert done.returncode == 0, done.stdout + done.stderr
        assert (tmp_path / "limited.rc").read_text().strip() == "1"
        limited_err = (tmp_path / "limited.err").read_text().strip().splitlines()
        assert len(limited_err) == 1 and "try again in about 2.0 hours" in limited_err[0]
        assert "quota" in limited_err[0]
        assert _last_json(tmp_path / "limited.out")["retry_after"] == 7200
        assert (tmp_path / "sync.rc").read_text().strip() == "0"
        assert "full sync" in (tmp_path / "sync.out").read_text()
        first, second = (_last_json(tmp_path / f"export{n}.out") for n in (1, 2))
        assert first["created"] and not second["created"]
        assert first["playlist_id"] == second["playlist_id"] and second["tracks"] == 130
        assert [p.name for p in account.playlists].count("Picks") == 1
        made = account.playlist(first["playlist_id"])
        assert made is not None and made.public is False
        assert [e.uri for e in made.entries] == uris
        m3u = (tmp_path / "picks.m3u").read_text().splitlines()
        assert m3u[0] == "#EXTM3U" and len(m3u) == 1 + 2 * 130
        assert (tmp_path / "last.rc").read_text().strip() == "1"
        assert "recommendation" in (tmp_path / "last.err").read_text()
        status = _last_json(tmp_path / "status.out")
        assert status["saved_tracks"] == 40 and status["signed_in"] is True


def test_ctrl_c_mid_sync_exits_130_as_an_interruption_and_keeps_what_was_done(
        tmp_path: Path) -> None:
    needs_keyring_tools()
    account = generate_account(seed=12, saved_tracks=60, playlists=4, tracks_per_playlist=30)
    with EmulatorServer(account=account) as server:
        readable = [p for p in account.playlists
                    if p.owner_id == account.user_id or p.collaborative]
        stall = server.faults.add(f"/playlists/{readable[1].id}/items", mode="slow", delay=20,
                                  times=1)
        # a background job of a script starts with SIGINT ignored; a terminal's does not
        script = KEYRING_SESSION.format(script="""
"$PY" -c 'import runpy, signal, sys
signal.signal(signal.SIGINT, signal.default_int_handler)
sys.argv = ["desktoprec", "sync"]
runpy.run_module("desktoprec", run_name="__main__")' > "$OUT/first.out" 2> "$OUT/first.err" &
echo $! > "$OUT/sync.pid"
wait $!
echo $? > "$OUT/first.rc"
"$PY" -m desktoprec status --json > "$OUT/status.out" 2> "$OUT/status.err"
""")
        _signal_the_sync_when_it_stalls(tmp_path, server, script, stall, signal.SIGINT)
    errors = (tmp_path / "first.err").read_text()
    assert (tmp_path / "first.rc").read_text().strip() == "130", errors
    assert "interrupted" in errors and "Traceback" not in errors
    status = _last_json(tmp_path / "status.out")
    assert status["saved_tracks"] == 60 and status["sync_interrupted"] is True
