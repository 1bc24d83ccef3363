"""The demo end to end in real processes: `demo --headless`, then `recommend --json` in that home."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

# A smaller demo than the default 216 tracks keeps this test near half a minute on two cores.
TRACKS_PER_STYLE = "6"


def _desktoprec(*args: str, home: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DESKTOPREC_HOME": str(home)}
    return subprocess.run([sys.executable, "-m", "desktoprec", *args], env=env,
                          capture_output=True, text=True, timeout=240, check=False)


def test_headless_demo_then_recommend(desktoprec_home: Path) -> None:
    first = _desktoprec("demo", "--headless", "--json", "--tracks-per-style", TRACKS_PER_STYLE,
                        home=desktoprec_home)
    assert first.returncode == 0, first.stderr[-3000:]
    summary = json.loads(first.stdout)
    # each artist's first track has a file; the other 48 are heard only through their previews
    assert summary["tracks"] == 72 and summary["files_written"] == 24
    enrich = summary["enrich"]
    assert enrich["sources"] == ["deezer", "itunes", "musicbrainz", "listenbrainz"]
    assert enrich["previews_analysed"] >= 0.8 * 48 and enrich["warnings"] == []
    assert enrich["refresh"]["sound"]["preview"] >= 0.8 * 48
    assert summary["signed_in_as"] == "Demo Listener"
    assert set(summary["seconds"]) >= {"audio", "emulator", "sign_in", "sync", "scan", "analyze",
                                       "index", "enrich"}

    picks = _desktoprec("recommend", "--json", "-n", "20", home=desktoprec_home)
    assert picks.returncode == 0, picks.stderr[-3000:]
    items = json.loads(picks.stdout)
    assert len(items) == 20
    assert len({item["artists"][0] for item in items}) >= 12
    for item in items:
        assert item["explanation"]["summary"] and item["explanation"]["reasons"]
    assert any(item["sources"].get("sound") for item in items)


    # ending the demo hands the profile back for a real account
    left = _desktoprec("demo", "--leave", home=desktoprec_home)
    assert left.returncode == 0, left.stderr[-3000:]
    assert not (desktoprec_home / "data" / "demo").exists()
    assert 'demo_mode = false' in (desktoprec_home / "config" / "settings.toml").read_text()
