"""The one background-task helper: work runs in a lane, callbacks come back on the main thread.

Lanes: `network` (Spotify, cover art), `cpu` (analysis, re-ranking, projections) and `db` (one
worker, so database writes never race). Workers take and return plain values; only the callbacks,
which run on the main thread through a queued signal, touch widgets.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import wait as wait_futures
from dataclasses import dataclass, field
from typing import Any

from PySide6.QtCore import QObject, Qt, Signal

from desktoprec.errors import Cancelled

log = logging.getLogger(__name__)

ProgressFn = Callable[[str, int, int], None]
LANE_WORKERS = {"network": 4, "cpu": max(1, min(2, os.cpu_count() or 1)), "db": 1}
PROGRESS_INTERVAL_S = 0.1
SLOW_CALLBACK_MS = 30.0


@dataclass(eq=False)
class Task:
    """A handle on one piece of background work."""

    name: str
    lane: str
    cancel_event: threading.Event = field(default_factory=threading.Event)
    future: Future[Any] | None = None
    finished: bool = False

    def cancel(self) -> None:
        self.cancel_event.set()
        if self.future is not None:
            self.future.cancel()

    @property
    def cancelled(self) -> bool:
        return self.cancel_event.is_set()


class _MainThreadDispatcher(QObject):
    """Lives on the main thread; anything emitted to it from a worker runs there."""

    delivered = Signal(object)

    def __init__(self) -> None:
        super().__init__()
        self.slow_callbacks: list[tuple[str, float]] = []  # what kept the UI thread busy
        self.delivered.connect(self._on_delivered, Qt.ConnectionType.QueuedConnection)

    def _on_delivered(self, callback: Callable[[], None]) -> None:
        started = time.perf_counter()
        try:
            callback()
        except Exception:  # a failing callback is a bug: report it, keep the loop alive
            log.exception("a task callback failed")
            import sys

            sys.excepthook(*sys.exc_info())
        finally:
            spent_ms = (time.perf_counter() - started) * 1000
            if spent_ms > SLOW_CALLBACK_MS:
                label = getattr(callback, "task_label", "") or getattr(callback, "__qualname__", "")
                self.slow_callbacks.append((label, round(spent_ms, 1)))
                log.info("slow UI callback %s: %.0f ms", label, spent_ms)


class TaskRunner(QObject):
    """Runs callables in lanes and calls back on the main thread.

    `inline=True` runs everything synchronously on the calling thread (for tests).
    """

    task_failed = Signal(str, object)  # task name, exception (when no on_error was given)
    busy_changed = Signal(bool)

    def __init__(self, parent: QObject | None = None, *, inline: bool = False) -> None:
        super().__init__(parent)
        self.inline = inline
        self._dispatcher = _MainThreadDispatcher()
        self._executors: dict[str, ThreadPoolExecutor] = {}
        self._tasks: set[Task] = set()
        self._lock = threading.Lock()
        self._closing = False

    # --- main-thread delivery ---------------------------------------------------------------

    def post(self, callback: Callable[[], None]) -> None:
        """Run `callback` on the main thread (callable from any thread)."""
        if self._closing:
            return
        if self.inline:
            callback()
        else:
            self._dispatcher.delivered.emit(callback)

    def _executor(self, lane: str) -> ThreadPoolExecutor:
        if lane not in LANE_WORKERS:
            raise ValueError(f"unknown lane {lane!r}")
        with self._lock:
            executor = self._executors.get(lane)
            if executor is None:
                executor = ThreadPoolExecutor(LANE_WORKERS[lane], thread_name_prefix=f"dr-{lane}")
                self._executors[lane] = executor
            return executor

    # --- running work -----------------------------------------------------------------------

    def run(
        self,
        work: Callable[..., Any],
        *,
        lane: str = "network",
        name: str = "",
        on_done: Callable[[Any], None] | None = None,
        on_error: Callable[[BaseException], None] | None = None,
        on_progress: Callable[[str, int, int], None] | None = None,
        on_cancelled: Callable[[], None] | None = None,
        long: bool = False,
    ) -> Task:
        """Run `work()` (or `work(progress, cancel_event)` when `long`) in `lane`."""
        task = Task(name=name or getattr(work, "__name__", "task"), lane=lane)
        throttle = _ProgressThrottle(self, task, on_progress)

        def body() -> None:
            if task.cancelled:
                outcome: tuple[str, Any] = ("cancelled", None)
            else:
                try:
                    value = work(throttle, task.cancel_event) if long else work()
                    outcome = ("done", value)
                except Cancelled:
                    outcome = ("cancelled", None)
                except BaseException as exc:
                    if isinstance(exc, (KeyboardInterrupt, SystemExit)):
                        raise
                    outcome = ("error", exc)
            throttle.flush()

            def finish() -> None:
                self._finish(task, outcome, on_done, on_error, on_cancelled)

            finish.task_label = task.name  # type: ignore[attr-defined]
            self.post(finish)

        with self._lock:
            self._tasks.add(task)
            was_idle = len(self._tasks) == 1
        if was_idle:
            self.busy_changed.emit(True)
        if self.inline or self._closing:
            if self._closing:
                task.cancel_event.set()
            body()
        else:
            task.future = self._executor(lane).submit(body)
        return task

    def _finish(self, task: Task, outcome: tuple[str, Any], on_done: Any, on_error: Any,
                on_cancelled: Any) -> None:
        task.finished = True
        with self._lock:
            self._tasks.discard(task)
            now_idle = not self._tasks
        kind, value = outcome
        try:
            if kind == "done":
                if on_done is not None and not task.cancelled:
                    on_done(value)
            elif kind == "cancelled":
                if on_cancelled is not None:
                    on_cancelled()
            else:
                log.warning("task %s failed: %s", task.name, value, exc_info=value)
                if on_error is not None:
                    on_error(value)
                else:
                    self.task_failed.emit(task.name, value)
        finally:
            if now_idle:
                self.busy_changed.emit(False)

    @property
    def slow_callbacks(self) -> list[tuple[str, float]]:
        return self._dispatcher.slow_callbacks

    def active_tasks(self) -> list[Task]:
        with self._lock:
            return list(self._tasks)

    def shutdown(self, timeout: float = 4.0) -> bool:
        """Cancel everything, let running work reach a safe point, stop every executor.

        Returns True when all workers stopped within `timeout` seconds.
        """
        self._closing = True
        tasks = self.active_tasks()
        for task in tasks:
            task.cancel_event.set()
        futures = [t.future for t in tasks if t.future is not None]
        with self._lock:
            executors = list(self._executors.values())
            self._executors.clear()
        for executor in executors:
            executor.shutdown(wait=False, cancel_futures=True)
        if not futures:
            return True
        _, pending = wait_futures(futures, timeout=timeout)
        if pending:
            log.warning("%d background tasks still running at quit", len(pending))
        return not pending


class _ProgressThrottle:
    """The `progress(phase, done, total)` a worker calls; forwards at most every 100 ms."""

    def __init__(self, runner: TaskRunner, task: Task,
                 on_progress: Callable[[str, int, int], None] | None) -> None:
        self._runner = runner
        self._task = task
        self._on_progress = on_progress
        self._last_sent = 0.0
        self._last_phase: str | None = None
        self._pending: tuple[str, int, int] | None = None

    def __call__(self, phase: str, done: int, total: int) -> None:
        if self._task.cancelled:
            raise Cancelled()
        if self._on_progress is None:
            return
        now = time.monotonic()
        self._pending = (phase, int(done), int(total))
        if (phase != self._last_phase or now - self._last_sent >= PROGRESS_INTERVAL_S
                or (total and done >= total)):
            self.flush()
            self._last_sent = now
            self._last_phase = phase

    def flush(self) -> None:
        pending, self._pending = self._pending, None
        if pending is None or self._on_progress is None:
            return
        callback = self._on_progress
        task = self._task
        self._runner.post(lambda: None if task.finished else callback(*pending))
