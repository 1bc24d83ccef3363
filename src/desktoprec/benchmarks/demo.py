"""The demo's first list: seconds from starting `desktoprec demo` to recommendations on screen.

`desktoprec demo` is started as a new process on a fresh private home (the first launch: account,
sync, first index, then the audio in the background) and again on the same home (a later launch).
Each run reports launch → first list on screen and launch → preparation finished, and the library
size each launch saw (it must not change from launch to launch). A later launch (a returning
listener) must not wait longer than the first: `later_to_first_ratio` is its slowest first list
over the first launch's. Offscreen when there is no display.
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from desktoprec.benchmarks.launching import add_launch_options, platform_env

if TYPE_CHECKING:
    from desktoprec.services import Services

FIRST_LIST_GOAL_S = 15.0


def add_arguments(parser: argparse.ArgumentParser) -> None:
    add_launch_options(parser, 2, "launches on the same home (the first prepares the demo)",
                       "give up on a launch after this many seconds")
    parser.add_argument("--tracks-per-style", type=int, default=None,
                        help="demo size (default: the demo's own)")
    parser.add_argument("--home", type=Path, default=None,
                        help="run in this DESKTOPREC_HOME and keep it, with each launch's log "
                             "(default: a fresh temporary one, removed after)")


def _library_size(home: Path) -> int:
    import sqlite3

    database = home / "data" / "library.sqlite3"
    try:
        with sqlite3.connect(f"file:{database}?mode=ro", uri=True) as con:
            return int(con.execute("select count(*) from tracks").fetchone()[0])
    except sqlite3.Error:
        return -1


def _launch(home: Path, tmp: Path, number: int, timeout_s: float,
            tracks_per_style: int | None) -> dict[str, Any]:
    first = tmp / f"first-{number}"
    ready = tmp / f"ready-{number}"
    for stale in (first, ready):  # a kept --home holds the files of an earlier run
        stale.unlink(missing_ok=True)
    env = platform_env()
    env.update({"DESKTOPREC_HOME": str(home), "CI": "1",
                "DESKTOPREC_FIRST_LIST_FILE": str(first), "DESKTOPREC_DEMO_READY_FILE": str(ready),
                "PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring"})
    command = [sys.executable, "-m", "desktoprec", "demo"]
    if tracks_per_style:
        command += ["--tracks-per-style", str(tracks_per_style)]
    log = (tmp / f"app-{number}.log").open("w")
    spawned = time.time()
    app = subprocess.Popen(command, env=env, stdout=log, stderr=subprocess.STDOUT)
    size_at_first = -1
    try:
        while not ready.exists():
            if app.poll() is not None:
                raise RuntimeError(f"the demo ended early: {(tmp / f'app-{number}.log').read_text()[-800:]}")
            if first.exists() and size_at_first < 0:
                size_at_first = _library_size(home)
            if time.time() - spawned > timeout_s:
                raise RuntimeError(f"no finished demo within {timeout_s:.0f} s")
            time.sleep(0.1)
        if size_at_first < 0 and first.exists():
            size_at_first = _library_size(home)
    finally:
        app.send_signal(signal.SIGTERM)
        try:
            app.wait(timeout=20)
        except subprocess.TimeoutExpired:
            app.kill()
            app.wait()
        log.close()
    first_s = float(first.read_text()) - spawned if first.exists() else None
    return {"first_list_s": round(first_s, 2) if first_s is not None else None,
            "prepared_s": round(float(ready.read_text()) - spawned, 2),
            "tracks_at_first_list": size_at_first, "tracks_when_prepared": _library_size(home)}


def run(args: argparse.Namespace, services: Services) -> dict[str, Any]:
    runs = []
    with tempfile.TemporaryDirectory(prefix="desktoprec-bench-demo-") as tmp:
        home = args.home or Path(tmp) / "home"
        logs = Path(tmp) if args.home is None else home / "bench"
        logs.mkdir(parents=True, exist_ok=True)
        for number in range(max(1, args.launches)):
            runs.append(_launch(home, logs, number, args.timeout, args.tracks_per_style))
    first = runs[0]["first_list_s"]
    sizes = [r["tracks_when_prepared"] for r in runs]
    later = [r["first_list_s"] for r in runs[1:]]
    ratio = None
    if first and later and None not in later:
        ratio = round(max(later) / first, 2)
    return {
        "first_launch_first_list_s": first,
        "first_launch_prepared_s": runs[0]["prepared_s"],
        "later_launch_first_list_s": later,
        "later_launch_prepared_s": [r["prepared_s"] for r in runs[1:]],
        "later_to_first_ratio": ratio,
        "later_goal_met": ratio is not None and ratio <= 1.0,
        "library_tracks_per_launch": sizes,
        "library_stable": len(set(sizes)) == 1,
        "first_list_goal_s": FIRST_LIST_GOAL_S,
        "first_list_goal_met": first is not None and first <= FIRST_LIST_GOAL_S,
        "runs": runs,
        "cpu_count": os.cpu_count(),
    }
