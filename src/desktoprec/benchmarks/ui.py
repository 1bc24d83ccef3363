"""Desktop app speed: worst event-loop stall during the demo's sync + analysis; launch time.

Stall: the real main window prepares the offline demo (emulator, sign-in, sync, scan, analysis,
index) in its worker lanes while a 5 ms timer on the main thread records how late each tick comes;
the worst lateness is the longest the window could not react. Launch: `desktoprec app` is started
as a new process several times on an empty home; the time from spawn to the window being shown and
its first events processed is reported (first = cold, then the median of the warm runs).
Both run on a private temporary DESKTOPREC_HOME; the user's own data is not touched.
"""

from __future__ import annotations

import argparse
import gc
import logging
import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from desktoprec.benchmarks.launching import add_launch_options, platform_env

if TYPE_CHECKING:
    from desktoprec.services import Services
    from desktoprec.ui.main_window import MainWindow

log = logging.getLogger(__name__)

TICK_MS = 5
STALL_GOAL_MS = 100.0
LAUNCH_GOAL_S = 1.5


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--tracks-per-style", type=int, default=18,
                        help="demo size for the stall measurement (18: the full demo)")
    add_launch_options(parser, 4, "app launches for the launch time (the first is the cold one)",
                       "give up on the demo preparation after this many seconds")
    parser.add_argument("--skip-stall", action="store_true", help="only measure launch time")


class _LoopWatch:
    """How late each 5 ms tick of the main thread's timer comes, and the long garbage
    collections (a collection on the main thread stalls the window too)."""

    def __init__(self, status: Callable[[], str]) -> None:
        from PySide6.QtCore import QElapsedTimer

        self.status = status
        self.gaps: list[float] = []
        self.stalls: list[tuple[float, float, str]] = []
        self.collections: list[tuple[int, float, bool]] = []
        self._gc_started: dict[int, float] = {}
        self.clock = QElapsedTimer()
        self.clock.start()
        self._last = self.clock.nsecsElapsed()

    def tick(self) -> None:
        now = self.clock.nsecsElapsed()
        gap = (now - self._last) / 1e6
        self.gaps.append(gap)
        self._last = now
        if gap - TICK_MS > STALL_GOAL_MS / 2:  # where the long ones happen, for the report
            self.stalls.append((round(now / 1e9, 2), round(gap - TICK_MS, 1),
                                self.status()[:80]))

    def on_gc(self, phase: str, info: dict[str, Any]) -> None:
        ident = threading.get_ident()
        if phase == "start":
            self._gc_started[ident] = time.perf_counter()
        elif ident in self._gc_started:
            spent = (time.perf_counter() - self._gc_started.pop(ident)) * 1000
            if spent > 20:
                self.collections.append((int(info.get("generation", -1)), round(spent, 1),
                                         ident == threading.main_thread().ident))

    def lateness(self) -> list[float]:
        """How late each tick came (ms), smallest first."""
        return sorted(max(0.0, g - TICK_MS) for g in self.gaps)


def _run_demo_until_shown(window: MainWindow, timeout_s: float) -> None:
    """Start the window's demo preparation and run the event loop until it has finished and
    shown a list (or failed, or `timeout_s` passed), then one more second to draw it."""
    from PySide6.QtCore import QEventLoop, QTimer

    from desktoprec.ui.context import freeze_long_lived_objects

    started = time.perf_counter()
    freeze_long_lived_objects()  # as ui.app.run does once the window is up
    window.start()
    loop = QEventLoop()

    def check() -> None:
        finished = window.job is None and window.last_job_result is not None
        shown = window.for_you_page.view.current is not None
        if (finished and (shown or isinstance(window.last_job_result, BaseException))) \
                or time.perf_counter() - started > timeout_s:
            loop.quit()

    poll = QTimer()
    poll.setInterval(100)
    poll.timeout.connect(check)
    poll.start()
    loop.exec()
    # let the last list be drawn, still measuring
    settle = QEventLoop()
    QTimer.singleShot(1000, settle.quit)
    settle.exec()
    poll.stop()


def measure_stall(tracks_per_style: int, timeout_s: float) -> dict[str, Any]:
    os.environ.update({k: v for k, v in platform_env().items() if k == "QT_QPA_PLATFORM"})
    from PySide6.QtCore import QTimer

    from desktoprec.paths import AppPaths
    from desktoprec.services import Services
    from desktoprec.ui.app import create_application
    from desktoprec.ui.context import AppContext
    from desktoprec.ui.main_window import MainWindow
    from desktoprec.ui.tasks import TaskRunner

    app = create_application([])
    platform = app.platformName()
    with tempfile.TemporaryDirectory(prefix="desktoprec-bench-ui-") as tmp:
        root = Path(tmp)
        services = Services(AppPaths(root / "data", root / "config", root / "cache",
                                     root / "logs"))
        services.demo.requested_tracks_per_style = tracks_per_style
        runner = TaskRunner()
        ctx = AppContext(services, runner, demo=True)
        window = MainWindow(ctx, show_wizard=False)
        window.show()
        watch = _LoopWatch(window.status_label.full_text)
        gc.callbacks.append(watch.on_gc)
        timer = QTimer()
        timer.setInterval(TICK_MS)
        timer.timeout.connect(watch.tick)
        timer.start()
        started = time.perf_counter()
        _run_demo_until_shown(window, timeout_s)
        elapsed = time.perf_counter() - started
        timer.stop()
        gc.callbacks.remove(watch.on_gc)
        result = window.last_job_result
        failed = isinstance(result, BaseException)
        view = window.for_you_page.view
        window.quit_app()
        try:
            services.demo.stop()
        except Exception as exc:  # noqa: BLE001 - the figures are still valid
            log.info("demo emulator did not stop cleanly: %s", exc)
        services.close()
        app.processEvents()
    lateness = watch.lateness()
    worst = lateness[-1] if lateness else 0.0
    p99 = lateness[int(0.99 * (len(lateness) - 1))] if lateness else 0.0
    return {
        "stall_worst_ms": round(worst, 1),
        "stall_p99_ms": round(p99, 1),
        "stalls_over_100ms": sum(1 for v in lateness if v > STALL_GOAL_MS),
        "stall_goal_ms": STALL_GOAL_MS,
        "stall_goal_met": worst <= STALL_GOAL_MS and not failed,
        "demo_seconds": round(elapsed, 1),
        "demo_tracks_per_style": tracks_per_style,
        "demo_ok": not failed,
        "demo_error": str(result) if failed else None,
        "recommendations_shown": len(view.cards),
        "ticks": len(watch.gaps),
        "stalls_over_50ms_at": watch.stalls[:10],
        "gc_pauses_over_20ms": watch.collections[:10],
        "slow_ui_callbacks": sorted(runner.slow_callbacks, key=lambda kv: -kv[1])[:8],
        "platform": platform,
    }


def measure_launch(launches: int) -> dict[str, Any]:
    times: list[float] = []
    with tempfile.TemporaryDirectory(prefix="desktoprec-bench-launch-") as tmp:
        env = platform_env()
        env.update({"DESKTOPREC_HOME": str(Path(tmp) / "home"), "CI": "1",
                    "DESKTOPREC_QUIT_AFTER_MS": "300",
                    "PYTHON_KEYRING_BACKEND": "keyring.backends.fail.Keyring"})
        for number in range(max(1, launches)):
            marker = Path(tmp) / f"visible-{number}"
            env["DESKTOPREC_VISIBLE_FILE"] = str(marker)
            spawned = time.time()
            done = subprocess.run([sys.executable, "-m", "desktoprec", "app"], env=env, check=False,
                                  capture_output=True, text=True, timeout=120)
            if not marker.exists():
                raise RuntimeError(f"the app did not show its window: {done.stderr[-500:]}")
            times.append(float(marker.read_text()) - spawned)
    warm = times[1:] or times
    median_warm = statistics.median(warm)
    return {
        "launch_cold_s": round(times[0], 3),
        "launch_warm_median_s": round(median_warm, 3),
        "launch_all_s": [round(t, 3) for t in times],
        "launch_goal_s": LAUNCH_GOAL_S,
        "launch_goal_met": median_warm <= LAUNCH_GOAL_S,
    }


def run(args: argparse.Namespace, services: Services) -> dict[str, Any]:
    figures: dict[str, Any] = {}
    if not args.skip_stall:
        figures.update(measure_stall(args.tracks_per_style, args.timeout))
    figures.update(measure_launch(args.launches))
    figures["cpu_count"] = os.cpu_count()
    return figures
