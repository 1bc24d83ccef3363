"""The task helper: lanes, callbacks on the main thread, throttled progress, cancel, shutdown."""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest

from desktoprec.errors import Cancelled, NetworkError
from desktoprec.ui.tasks import TaskRunner


@pytest.fixture
def runner(qtbot: Any) -> Any:
    r = TaskRunner()
    yield r
    r.shutdown(timeout=5)


def test_work_runs_off_the_main_thread_and_calls_back_on_it(qtbot: Any, runner: Any) -> None:
    main = threading.get_ident()
    seen: dict[str, Any] = {}

    def work() -> int:
        seen["worker"] = threading.get_ident()
        return 42

    runner.run(work, lane="cpu", on_done=lambda v: seen.update(value=v,
                                                               callback=threading.get_ident()))
    qtbot.waitUntil(lambda: "value" in seen, timeout=5000)
    assert seen["value"] == 42
    assert seen["worker"] != main
    assert seen["callback"] == main


def test_errors_reach_on_error_or_the_task_failed_signal(qtbot: Any, runner: Any) -> None:
    errors: list[BaseException] = []
    runner.run(lambda: (_ for _ in ()).throw(NetworkError()), on_error=errors.append)
    qtbot.waitUntil(lambda: bool(errors), timeout=5000)
    assert isinstance(errors[0], NetworkError)
    with qtbot.waitSignal(runner.task_failed, timeout=5000) as blocker:
        runner.run(lambda: 1 / 0, name="divide")
    assert blocker.args[0] == "divide"
    assert isinstance(blocker.args[1], ZeroDivisionError)


def test_progress_is_throttled_and_cancel_stops_long_work(qtbot: Any, runner: Any) -> None:
    updates: list[tuple[str, int, int]] = []
    cancelled: list[bool] = []
    started = threading.Event()

    def long_work(progress: Any, cancel: threading.Event) -> None:
        for i in range(100_000):
            progress("counting", i, 100_000)
            started.set()
            if cancel.is_set():
                raise Cancelled()
            time.sleep(0.00001)

    task = runner.run(long_work, long=True, on_progress=lambda *a: updates.append(a),
                      on_cancelled=lambda: cancelled.append(True))
    assert started.wait(5)
    qtbot.waitUntil(lambda: len(updates) >= 1, timeout=5000)
    task.cancel()
    qtbot.waitUntil(lambda: bool(cancelled), timeout=5000)
    assert updates[0][0] == "counting"
    # 100,000 calls, but only a handful of deliveries reached the main thread
    assert len(updates) < 200


def test_db_lane_runs_one_task_at_a_time(qtbot: Any, runner: Any) -> None:
    active = []
    peak = []
    done = []
    lock = threading.Lock()

    def work() -> None:
        with lock:
            active.append(1)
            peak.append(len(active))
        time.sleep(0.02)
        with lock:
            active.pop()

    for _ in range(5):
        runner.run(work, lane="db", on_done=lambda _v: done.append(1))
    qtbot.waitUntil(lambda: len(done) == 5, timeout=5000)
    assert max(peak) == 1


def test_shutdown_cancels_and_stops_every_executor(qtbot: Any) -> None:
    runner = TaskRunner()
    started = threading.Event()

    def long_work(progress: Any, cancel: threading.Event) -> str:
        started.set()
        cancel.wait(30)
        return "stopped"

    runner.run(long_work, long=True, lane="network")
    runner.run(lambda: None, lane="cpu")
    assert started.wait(5)
    t0 = time.monotonic()
    assert runner.shutdown(timeout=5) is True
    assert time.monotonic() - t0 < 5
    assert runner._executors == {}


def test_unknown_lane_is_refused(runner: Any) -> None:
    with pytest.raises(ValueError):
        runner.run(lambda: None, lane="gpu")


def test_inline_runner_calls_back_immediately() -> None:
    runner = TaskRunner(inline=True)
    got = []
    runner.run(lambda: "x", on_done=got.append)
    assert got == ["x"]
