"""The demo is the same from launch to launch: track count, every track's genre label and family."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import numpy as np

from desktoprec.features.genres import sound_clusters
from desktoprec.features.sources import SOUND_NAMES

TRACKS_PER_STYLE = 3


def _launch(home: Path) -> dict[str, object]:
    """One launch in a process of its own: prepare the demo (finished work is reused)."""
    code = ("import json, sys\n"
            "from desktoprec.services import Services\n"
            "services = Services()\n"
            "try:\n"
            f"    summary = services.demo.prepare(tracks_per_style={TRACKS_PER_STYLE})\n"
            "finally:\n"
            "    services.close()\n"
            "json.dump({'discovery': summary.to_json().get('discovery')}, sys.stdout,\n"
            "          default=str)\n")
    env = {**os.environ, "DESKTOPREC_HOME": str(home),
           "PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring"}
    done = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                          timeout=600, check=False)
    assert done.returncode == 0, done.stderr[-3000:]
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def _library(home: Path) -> tuple[int, dict[str, tuple[str, ...]], dict[str, str]]:
    """Track count, each track's genres as the Library shows them (strongest first), families."""
    with sqlite3.connect(home / "data" / "library.sqlite3") as con:
        count = int(con.execute("select count(*) from tracks").fetchone()[0])
        genres: dict[str, list[str]] = {}
        for track_id, genre in con.execute(
                "select track_id, genre from track_genres where source != 'cluster' "
                "order by track_id, weight desc, genre"):
            genres.setdefault(track_id, []).append(genre)
        ids = [tid for (tid,) in con.execute("select id from tracks order by id")]
        families = dict(con.execute("select track_id, name from track_sound_families"))
    return count, {tid: tuple(genres.get(tid, ())[:3]) for tid in ids}, families


def test_two_launches_on_one_home_show_the_same_library(tmp_path: Path) -> None:
    home = tmp_path / "home"
    first = _launch(home)
    count, genres, families = _library(home)
    second = _launch(home)
    again = _library(home)
    assert again[0] == count > 0
    assert again[1] == genres  # the same genre label for every track
    assert again[2] == families  # and the same sound family
    discovered = second["discovery"]
    assert isinstance(discovered, dict) and discovered.get("tracks_added") == 0
    assert isinstance(first["discovery"], dict)


def test_two_fresh_homes_get_the_same_library(tmp_path: Path, desktoprec_home: Path) -> None:
    """Nothing depends on timing or on the order work finished in: a second machine (here a
    second home) gets the very same tracks, genres and sound families."""
    _launch(desktoprec_home)
    other = tmp_path / "other"
    _launch(other)
    assert _library(other) == _library(desktoprec_home)


def test_sound_families_do_not_depend_on_the_order_rows_are_read() -> None:
    rng = np.random.default_rng(3)
    vectors = {f"t{i:03d}": rng.normal(size=len(SOUND_NAMES)).astype(np.float32)
               for i in range(80)}
    forward = sound_clusters(vectors)
    backward = sound_clusters(dict(reversed(list(vectors.items()))))
    assert forward[0] == backward[0] and forward[1] == backward[1]
