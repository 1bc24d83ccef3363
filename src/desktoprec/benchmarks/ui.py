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
import logging
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from desktoprec.services import Services

log = logging.getLogger(__name__)

TICK_MS = 5
STALL_GOAL_MS = 100.0
LAUNCH_GOAL_S = 1.5


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--tracks-per-style", type=int, default=18,
                        help="demo size for the stall measurement (18: the full demo)")
    parser.add_argument("--launches", type=int, default=4,
                        help="app launches for the launch time (the first is the cold one)")
    parser.add_argument("--skip-stall", action="store_true", help="only measure launch time")
    parser.add_argument("--timeout", type=float, default=600.0,
                        help="give up on the demo preparation after this many seconds")


def _platform_env() -> dict[str, str]:
    env = dict(os.environ)
    if not env.get("DISPLAY") and not env.get("WAYLAND_DISPLAY"):
        env.setdefault("QT_QPA_PLATFORM", "offscreen")
    return env


def measure_stall(tracks_per_style: int, timeout_s: float) -> dict[str, Any]:
    os.environ.update({k: v for k, v in _platform_env().items() if k == "QT_QPA_PLATFORM"})
    from PySide6.QtCore import QElapsedTimer, QEventLoop, QTimer

    from desktoprec.paths import AppPaths
    from desktoprec.services import Services
    from desktoprec.ui.app import create_application
    from desktoprec.ui.context import AppContext, freeze_long_lived_objects
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
        gaps: list[float] = []
        clock = QElapsedTimer()
        clock.start()
        last = [clock.nsecsElapsed()]

        stalls: list[tuple[float, float, str]] = []

        def tick() -> None:
            now = clock.nsecsElapsed()
            gap = (now - last[0]) / 1e6
            gaps.append(gap)
            last[0] = now
            if gap - TICK_MS > STALL_GOAL_MS / 2:  # where the long ones happen, for the report
                stalls.append((round(now / 1e9, 2), round(gap - TICK_MS, 1),
                               window.status_label.full_text()[:80]))

        import gc
        import threading

        collections: list[tuple[int, float, bool]] = []
        gc_started: dict[int, float] = {}

        def on_gc(phase: str, info: dict[str, Any]) -> None:
            ident = threading.get_ident()
            if phase == "start":
                gc_started[ident] = time.perf_counter()
            elif ident in gc_started:
                spent = (time.perf_counter() - gc_started.pop(ident)) * 1000
                if spent > 20:
                    collections.append((int(info.get("generation", -1)), round(spent, 1),
                                        ident == threading.main_thread().ident))

        gc.callbacks.append(on_gc)
        timer = QTimer()
        timer.setInterval(TICK_MS)
        timer.timeout.connect(tick)
        timer.start()
        started = time.perf_counter()
        freeze_long_lived_objects()  # as ui.app.run does once the window is up
        window.start()
        loop = QEventLoop()
        phases: list[str] = []
        ctx.status_message.connect(lambda text: phases.append(text))

        def check() -> None:
            finished = window.job is None and window.last_job_result is not None
            shown = window.pages["For you"].view.current is not None
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
        elapsed = time.perf_counter() - started
        timer.stop()
        poll.stop()
        gc.callbacks.remove(on_gc)
        result = window.last_job_result
        failed = isinstance(result, BaseException)
        view = window.pages["For you"].view
        window.quit_app()
        try:
            services.demo.stop()
        except Exception as exc:  # noqa: BLE001 - the figures are still valid
            log.info("demo emulator did not stop cleanly: %s", exc)
        services.close()
        app.processEvents()
    lateness = sorted(max(0.0, g - TICK_MS) for g in gaps)
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
        "ticks": len(gaps),
        "stalls_over_50ms_at": stalls[:10],
        "gc_pauses_over_20ms": collections[:10],
        "slow_ui_callbacks": sorted(runner.slow_callbacks, key=lambda kv: -kv[1])[:8],
        "platform": platform,
    }


def measure_launch(launches: int) -> dict[str, Any]:
    times: list[float] = []
    with tempfile.TemporaryDirectory(prefix="desktoprec-bench-launch-") as tmp:
        env = _platform_env()
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
