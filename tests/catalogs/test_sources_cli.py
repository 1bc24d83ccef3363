"""The real `desktoprec` command end to end: sources --enable, sync (enriches at its end),
status --json coverage, enrich --json, sources --list; the emulators are real local servers."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from cli_session import cli_env, needs_keyring_tools
from desktoprec.catalogs.emulator import CatalogEmulator, world_for_account
from desktoprec.spotify.emulator import EmulatorServer, generate_account

SCRIPT = """
set -u
echo -n desktoprec-test | gnome-keyring-daemon --unlock --components=secrets >/dev/null 2>&1
"$PY" -m desktoprec login --open-with "$OPENER" --timeout 30 > "$OUT/login.out" 2>&1
"$PY" -m desktoprec sources --list > "$OUT/list.out" 2>&1
"$PY" -m desktoprec sources --enable deezer,itunes,musicbrainz,listenbrainz --json \
    > "$OUT/enable.out" 2>&1
"$PY" -m desktoprec sync --json > "$OUT/sync.out" 2> "$OUT/sync.err"
echo $? > "$OUT/sync.rc"
"$PY" -m desktoprec status --json > "$OUT/status.out" 2> "$OUT/status.err"
"$PY" -m desktoprec enrich --json > "$OUT/enrich.out" 2> "$OUT/enrich.err"
echo $? > "$OUT/enrich.rc"
"$PY" -m desktoprec sources --disable listenbrainz --json > "$OUT/disable.out" 2>&1
"""


def _last_json(path: Path) -> dict:
    lines = [line for line in path.read_text().splitlines() if line.strip().startswith("{")]
    assert lines, f"{path.name}: {path.read_text()[-2000:]}"
    return dict(json.loads(lines[-1]))


def test_cli_enables_sources_and_sync_gives_sound_genre_and_new_artists(tmp_path: Path) -> None:
    needs_keyring_tools()
    account = generate_account(seed=31, saved_tracks=30, playlists=2, tracks_per_playlist=8)
    world = world_for_account(account, seed=31, outsiders=6, tracks_per_outsider=2)
    with EmulatorServer(account=account) as spotify, \
            CatalogEmulator(world, clip_seconds=6.0) as catalogs:
        env = cli_env(tmp_path, spotify, DESKTOPREC_CATALOG_LIMITS="relaxed",
                      **catalogs.env())
        done = subprocess.run(["dbus-run-session", "--", "sh", "-c", SCRIPT], env=env,
                              capture_output=True, timeout=600, check=False)
        assert done.returncode == 0, done.stderr.decode(errors="replace")
        listed = (tmp_path / "list.out").read_text()
        assert "[off] deezer" in listed and "sends:    the ISRC" in listed
        assert "artist + title" in listed  # iTunes says what it sends
        enabled = _last_json(tmp_path / "enable.out")
        assert all(s["enabled"] for s in enabled["sources"])
        assert (tmp_path / "sync.rc").read_text().strip() == "0", (
            (tmp_path / "sync.err").read_text())
        sync = _last_json(tmp_path / "sync.out")
        assert sync["ok"] and sync["enrich"]["sources"] == [
            "deezer", "itunes", "musicbrainz", "listenbrainz"]
        assert sync["enrich"]["candidates_added"] > 0 and sync["index"] is not None
        status = _last_json(tmp_path / "status.out")
        sound, genres = status["sound_coverage"], status["genre_coverage"]
        assert set(sound) >= {"own_file", "preview", "spotify", "none"}
        total = sum(sound.values())
        assert sound["preview"] >= 0.8 * total
        assert "cluster" not in genres and genres["none"] <= 0.2 * total
        assert status["new_artist_candidates"] == sync["enrich"]["candidates_added"]
        assert status["sources_enabled"] == ["deezer", "itunes", "musicbrainz", "listenbrainz"]
        asked = len(catalogs.requests)
        assert (tmp_path / "enrich.rc").read_text().strip() == "0"
        again = _last_json(tmp_path / "enrich.out")
        assert again["candidates_added"] == 0 and len(catalogs.requests) == asked  # cached
        disabled = _last_json(tmp_path / "disable.out")
        assert [s["name"] for s in disabled["sources"] if s["enabled"]] == [
            "deezer", "itunes", "musicbrainz"]
