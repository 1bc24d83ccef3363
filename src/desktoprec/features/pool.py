"""Analyses many files in worker processes: all cores, a time and memory limit per file, and a
crashed or hung worker costs only the file it was working on.

Workers are started with the spawn method (the app has Qt and threads; fork would copy their locks).
Each worker takes one file at a time over its own pipe, so the parent always knows which file a
dead worker was holding. Results are handed to a callback as they arrive, which lets the caller
store them at once (resumption after a crash or quit comes from that).
"""

from __future__ import annotations

import importlib
import logging
import multiprocessing
import os
import threading
import time
import traceback
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from multiprocessing.connection import Connection, wait
from typing import Any

from desktoprec.domain import Progress
from desktoprec.errors import Cancelled

log = logging.getLogger(__name__)

DEFAULT_TIME_LIMIT_S = 120.0
DEFAULT_MEMORY_LIMIT_MB = 2048
DEFAULT_ANALYZER = "desktoprec.features.dsp:analyze"
STARTUP_LIMIT_S = 180.0  # importing numpy/scipy in a fresh process, on a busy machine
READY = "ready"


@dataclass(frozen=True)
class FileResult:
    """What one file's analysis gave: descriptors, or an error for a person."""

    key: str
    path: str
    ok: bool
    descriptors: dict[str, Any] | None
    error: str | None
    cpu_s: float = 0.0


def _limit_memory(megabytes: int) -> None:
    try:
        import resource

        limit = int(megabytes) * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    except (ImportError, ValueError, OSError) as exc:  # not on this platform, or not allowed
        log.debug("no memory limit in worker: %s", exc)


def _silence_native_stderr() -> None:
    """Decoders written in C (mpg123, vorbis) print warnings on fd 2 about damaged frames; in a
    worker they would spill into the user's terminal. What matters reaches the parent as the
    file's error."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, 2)
        os.close(devnull)
    except OSError:
        pass


def _worker_main(conn: Connection, analyzer_spec: str, memory_mb: int,
                 env: dict[str, str]) -> None:
    """Runs in the child: limits memory, imports the analyzer, analyses what it is sent."""
    os.environ.update(env)  # single-threaded BLAS, before any import
    _silence_native_stderr()
    if memory_mb > 0:
        _limit_memory(memory_mb)
    module_name, _, function_name = analyzer_spec.partition(":")
    from desktoprec.errors import DesktopRecError

    module = importlib.import_module(module_name)
    analyzer = getattr(module, function_name)
    if callable(getattr(module, "warm_up", None)):
        module.warm_up()
    conn.send(READY)  # the per-file time limit starts after these imports
    while True:
        try:
            message = conn.recv()
        except (EOFError, OSError):
            return
        if message is None:
            return
        key, path = message
        started = time.process_time()
        reply: tuple[str, bool, Any, str | None]
        try:
            descriptors = analyzer(path)
            reply = (key, True, descriptors, None)
        except DesktopRecError as exc:
            reply = (key, False, None, str(exc))
        except MemoryError:
            reply = (key, False, None, "too large to analyse within the memory limit")
        except Exception as exc:  # noqa: BLE001 - a decoder bug must cost this file only
            log.debug("analysis of %s failed:\n%s", path, traceback.format_exc())
            reply = (key, False, None, f"could not be analysed ({type(exc).__name__}: {exc})"[:300])
        try:
            conn.send((*reply, time.process_time() - started))
        except (OSError, ValueError, MemoryError):
            conn.send((key, False, None, "the analysis result could not be returned", 0.0))


class _Worker:
    def __init__(self, context: Any, analyzer: str, memory_mb: int, env: dict[str, str]) -> None:
        self.conn, child = context.Pipe(duplex=True)
        self.process = context.Process(target=_worker_main, args=(child, analyzer, memory_mb, env),
                                       daemon=True, name="desktoprec-analysis")
        self.process.start()
        child.close()
        self.job: tuple[str, str] | None = None
        self.deadline = 0.0
        self.ready = False
        self.time_limit = 0.0

    def give(self, job: tuple[str, str], time_limit: float) -> None:
        self.job = job
        self.time_limit = time_limit
        limit = time_limit if self.ready else STARTUP_LIMIT_S + time_limit
        self.deadline = time.monotonic() + limit
        try:
            self.conn.send(job)
        except (OSError, ValueError):
            pass  # a dead worker is noticed through its sentinel and replaced

    def mark_ready(self) -> None:
        self.ready = True
        self.deadline = time.monotonic() + self.time_limit

    def stop(self, kill: bool = False) -> None:
        if kill:
            self.process.kill()
        else:
            try:
                self.conn.send(None)
            except (OSError, ValueError):
                self.process.kill()
        self.process.join(timeout=5)
        if self.process.is_alive():
            self.process.kill()
            self.process.join(timeout=5)
        self.conn.close()


def worker_environment() -> dict[str, str]:
    """What every worker needs before it imports numpy."""
    env = {name: "1" for name in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")}
    for name in ("DESKTOPREC_HOME", "PYTHONPATH"):
        if os.environ.get(name):
            env[name] = os.environ[name]
    return env


class _PoolRun:
    """One analyze_many call: the job queue, the workers, the counts and the progress."""

    def __init__(self, jobs: deque[tuple[str, str]], on_result: Callable[[FileResult], None],
                 spawn: Callable[[], _Worker], time_limit_s: float,
                 progress: Progress | None, task: str) -> None:
        self.queue = jobs
        self.total = len(jobs)
        self.counts = {"total": self.total, "ok": 0, "failed": 0, "crashed": 0, "timed_out": 0}
        self.on_result = on_result
        self.spawn = spawn
        self.time_limit_s = time_limit_s
        self.progress = progress
        self.task = task
        self.pool: list[_Worker] = []
        self.done = 0

    def report(self, result: FileResult) -> None:
        self.done += 1
        self.counts["ok" if result.ok else "failed"] += 1
        self.on_result(result)
        if self.progress:
            self.progress("analyze", self.done, self.total)

    def start(self, size: int) -> None:
        self.pool = [self.spawn() for _ in range(size)]
        for worker in self.pool:
            if self.queue:
                worker.give(self.queue.popleft(), self.time_limit_s)

    def busy(self) -> list[_Worker]:
        return [w for w in self.pool if w.job is not None]

    def wait_round(self, cancel: threading.Event | None) -> None:
        """Wait (a quarter of a second at most) for a worker to answer, die or run late, and
        deal with each that did."""
        if cancel is not None and cancel.is_set():
            raise Cancelled()
        busy = self.busy()
        waitables: list[Any] = [w.conn for w in busy] + [w.process.sentinel for w in busy]
        now = time.monotonic()
        timeout = max(0.0, min(min(w.deadline for w in busy) - now, 0.25))
        ready = wait(waitables, timeout=timeout)
        for index, worker in enumerate(self.pool):
            if worker.job is not None:
                self._check(index, worker, ready)

    def _check(self, index: int, worker: _Worker, ready: list[Any]) -> None:
        assert worker.job is not None
        key, path = worker.job
        result: FileResult | None = None
        replace = False
        if worker.conn in ready:
            try:
                message = worker.conn.recv()
            except (EOFError, OSError):
                message = None
                replace = True
            if message == READY:
                worker.mark_ready()
                return
            if message is not None:
                r_key, ok, descriptors, error, cpu = message
                result = FileResult(r_key, path, ok, descriptors, error, cpu)
        elif worker.process.sentinel in ready or not worker.process.is_alive():
            replace = True
        elif time.monotonic() > worker.deadline:
            self.counts["timed_out"] += 1
            result = FileResult(key, path, False, None,
                                f"{self.task} took longer than {self.time_limit_s:g} s and was "
                                "stopped (the file may be crafted to hang its reader)")
            worker = self._replace(index, worker)
        if replace:
            worker.process.join(timeout=1)
            code = worker.process.exitcode
            self.counts["crashed"] += 1
            result = FileResult(key, path, False, None,
                                f"{self.task} crashed or ran out of memory on this file"
                                + (f" (signal {-code})" if code and code < 0 else ""))
            worker = self._replace(index, worker)
        if result is not None:
            worker.job = None
            self.report(result)
            if self.queue:
                worker.give(self.queue.popleft(), self.time_limit_s)

    def _replace(self, index: int, worker: _Worker) -> _Worker:
        worker.stop(kill=True)
        self.pool[index] = fresh = self.spawn()
        return fresh

    def stop(self, kill: bool) -> None:
        for worker in self.pool:
            worker.stop(kill=kill)


def analyze_many(
    jobs: Iterable[tuple[str, str]],
    on_result: Callable[[FileResult], None],
    *,
    workers: int | None = None,
    time_limit_s: float = DEFAULT_TIME_LIMIT_S,
    memory_limit_mb: int = DEFAULT_MEMORY_LIMIT_MB,
    analyzer: str = DEFAULT_ANALYZER,
    progress: Progress | None = None,
    cancel: threading.Event | None = None,
    task: str = "analysis",
) -> dict[str, int]:
    """Analyse (key, path) jobs in worker processes; on_result gets each FileResult in the parent.

    `task` names the work in the messages of files that hung ("analysis took longer than …").

    Raises Cancelled (after stopping the workers) when `cancel` is set; results already handed to
    on_result stay handed over.
    """
    queue = deque(jobs)
    total = len(queue)
    if progress:
        progress("analyze", 0, total)
    if not queue:
        return {"total": total, "ok": 0, "failed": 0, "crashed": 0, "timed_out": 0}
    context = multiprocessing.get_context("spawn")
    size = max(1, min(workers or os.cpu_count() or 1, total))
    env = worker_environment()
    run = _PoolRun(queue, on_result, lambda: _Worker(context, analyzer, memory_limit_mb, env),
                   time_limit_s, progress, task)
    try:
        run.start(size)
        while run.busy():
            run.wait_round(cancel)
    finally:
        run.stop(kill=bool(cancel is not None and cancel.is_set()))
    return run.counts
