"""The installation self-test: checks that Qt, the database, audio analysis, FAISS and the keyring work.

It runs the same way from a source checkout and inside the frozen bundle, where it is what proves
that PyInstaller collected everything the app loads at run time (plugins, shared libraries,
dynamically imported backends). Each check returns a `CheckResult`; none raises.
"""

from __future__ import annotations

import importlib
import logging
import math
import os
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

CHECK_NAMES = ("qt", "database", "dsp", "index", "keyring")
CLIP_RESOURCE = "resources/selftest/clip.flac"
CLIP_BPM = 120.0
KEYRING_TIMEOUT_S = 20.0
QT_SHOW_TIMEOUT_S = 10.0


@dataclass(frozen=True)
class CheckResult:
    """The outcome of one check: `detail` says what was seen, or what failed and what to do."""

    name: str
    ok: bool
    detail: str
    seconds: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        return {"ok": self.ok, "detail": self.detail}


class CheckFailed(Exception):
    """Raised inside a check to fail it with a message for a person."""


def is_frozen() -> bool:
    return bool(getattr(sys, "frozen", False))


def clip_path() -> Path:
    """The bundled self-test clip (a real file both from source and in the frozen bundle)."""
    path = Path(str(resources.files("desktoprec").joinpath(CLIP_RESOURCE)))
    if not path.is_file():
        raise CheckFailed(f"the bundled test clip is missing ({path})")
    return path


# --- qt -------------------------------------------------------------------------------------


def _choose_qt_platform() -> None:
    """No display at all (a CI runner, `env -i`): draw offscreen instead of aborting."""
    if os.environ.get("QT_QPA_PLATFORM"):
        return
    if sys.platform.startswith("linux") and not (
        os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY")
    ):
        os.environ["QT_QPA_PLATFORM"] = "offscreen"


def check_qt() -> str:
    _choose_qt_platform()
    started = time.perf_counter()
    try:
        from PySide6 import __version__ as pyside_version
        from PySide6.QtCore import QCoreApplication
        from PySide6.QtWidgets import QApplication, QLabel, QMainWindow
    except ImportError as exc:
        raise CheckFailed(f"Qt (PySide6) could not be loaded: {exc}") from exc
    existing = QCoreApplication.instance()
    if existing is not None and not isinstance(existing, QApplication):
        raise CheckFailed("a non-GUI Qt application already runs in this process")
    app = existing or QApplication([sys.argv[0] if sys.argv else "desktoprec", "self-test"])
    window = QMainWindow()
    window.setWindowTitle("desktoprec self-test")
    window.setCentralWidget(QLabel("desktoprec self-test"))
    window.resize(320, 120)
    window.show()
    deadline = time.monotonic() + QT_SHOW_TIMEOUT_S
    handle = window.windowHandle()
    while time.monotonic() < deadline:
        app.processEvents()
        if window.isVisible() and handle is not None and handle.isExposed():
            break
        time.sleep(0.01)
    shown_after = time.perf_counter() - started
    exposed = handle is not None and handle.isExposed()
    pixels = window.grab()
    window.close()
    window.deleteLater()
    app.processEvents()
    if not exposed:
        raise CheckFailed(
            f"the window was not shown within {QT_SHOW_TIMEOUT_S:.0f} s on platform "
            f"{app.platformName()!r}"
        )
    if pixels.isNull() or pixels.width() == 0:
        raise CheckFailed("the window was shown but could not be drawn")
    multimedia = _check_multimedia()
    return (
        f"window shown on platform {app.platformName()!r} in {shown_after:.2f} s "
        f"(PySide6 {pyside_version}); {multimedia}"
    )


def _check_multimedia() -> str:
    """Previews play through QtMultimedia; its backend plugin is loaded on the first player."""
    try:
        from PySide6.QtMultimedia import QMediaPlayer
    except ImportError as exc:
        raise CheckFailed(f"QtMultimedia could not be loaded (previews won't play): {exc}") from exc
    player = QMediaPlayer()
    available = player.isAvailable()
    player.deleteLater()
    if not available:
        raise CheckFailed("QtMultimedia has no usable backend plugin (previews won't play)")
    return "multimedia backend available"


# --- database -------------------------------------------------------------------------------


def check_database() -> str:
    from sqlalchemy import inspect, text

    from desktoprec.storage import open_database
    from desktoprec.storage.migrations import LATEST_VERSION

    with tempfile.TemporaryDirectory(prefix="desktoprec-selftest-") as folder:
        db = open_database(Path(folder) / "selftest.sqlite3")
        try:
            with db.read() as session:
                version = int(session.execute(text("PRAGMA user_version")).scalar() or 0)
                journal = str(session.execute(text("PRAGMA journal_mode")).scalar())
                tables = inspect(session.connection()).get_table_names()
        finally:
            db.close()
    if version != LATEST_VERSION:
        raise CheckFailed(f"migrations stopped at schema {version} of {LATEST_VERSION}")
    if not tables:
        raise CheckFailed("the migrated database has no tables")
    return f"created and migrated to schema {version}: {len(tables)} tables, journal {journal}"


# --- dsp ------------------------------------------------------------------------------------


def _tempo_matches(tempo: float) -> bool:
    """Within 10 % of the clip's tempo, or of its half or double (a common, harmless octave error)."""
    return any(abs(tempo - bpm) <= 0.1 * bpm for bpm in (CLIP_BPM / 2, CLIP_BPM, CLIP_BPM * 2))


def _find_tempo(descriptors: dict[str, Any]) -> float | None:
    """The analyzer's `tempo_bpm` (features/dsp.py names it so); None for no pulse."""
    value = descriptors.get("tempo_bpm")
    if isinstance(value, (int, float)) and math.isfinite(value):
        return float(value)
    return None


def _optional_module(name: str) -> Any | None:
    try:
        return importlib.import_module(name)
    except ModuleNotFoundError as exc:
        if exc.name is not None and name.startswith(exc.name):
            return None  # that part of the app is not installed
        raise


def check_dsp() -> str:
    path = clip_path()
    started = time.perf_counter()
    dsp = _optional_module("desktoprec.features.dsp")
    if dsp is None:
        raise CheckFailed("the audio analysis (desktoprec.features.dsp) is not installed")
    descriptors = dict(dsp.analyze(path))
    _check_descriptors(descriptors)
    seconds = time.perf_counter() - started
    tempo = _find_tempo(descriptors)
    tempo_text = f"tempo {tempo:.1f} BPM, " if tempo is not None else ""
    worker_text = _analyze_in_worker(path)
    return (
        f"analyzed {path.name} with desktoprec.features.dsp "
        f"{getattr(dsp, 'ANALYZER_VERSION', '?')}: {tempo_text}{len(descriptors)} descriptors "
        f"in {seconds:.1f} s{worker_text}"
    )


def _check_descriptors(descriptors: dict[str, Any]) -> None:
    numeric = [v for v in descriptors.values() if isinstance(v, (int, float))]
    if not numeric or any(not math.isfinite(v) for v in numeric):
        raise CheckFailed(f"the analysis returned unusable descriptors: {descriptors!r:.200}")
    tempo = _find_tempo(descriptors)
    if tempo is not None and not _tempo_matches(tempo):
        raise CheckFailed(f"the clip's tempo came out {tempo:.1f} BPM, expected ~{CLIP_BPM:.0f}")


def _analyze_in_worker(path: Path) -> str:
    """The library analysis runs in spawned worker processes; in a frozen app that only works when
    the entry point calls multiprocessing.freeze_support(), so run the clip through one worker."""
    pool = _optional_module("desktoprec.features.pool")
    if pool is None or not hasattr(pool, "analyze_many"):
        return ""
    started = time.perf_counter()
    results: list[Any] = []
    pool.analyze_many([("selftest", str(path))], results.append, workers=1, time_limit_s=120.0)
    if len(results) != 1 or not results[0].ok:
        error = results[0].error if results else "no result came back"
        raise CheckFailed(f"a worker process could not analyse the clip: {error}")
    _check_descriptors(dict(results[0].descriptors or {}))
    return f"; again in a worker process in {time.perf_counter() - started:.1f} s"


# --- index ----------------------------------------------------------------------------------


def check_index() -> str:
    import faiss
    import numpy as np

    rng = np.random.default_rng(3)
    vectors = rng.standard_normal((2000, 32)).astype("float32")
    faiss.normalize_L2(vectors)
    index = faiss.IndexFlatIP(vectors.shape[1])
    index.add(vectors)
    with tempfile.TemporaryDirectory(prefix="desktoprec-selftest-") as folder:
        saved = str(Path(folder) / "selftest.faiss")
        faiss.write_index(index, saved)
        loaded = faiss.read_index(saved)
    queries = vectors[[0, 17, 1999]]
    _scores, ids = loaded.search(queries, 5)
    if [int(row[0]) for row in ids] != [0, 17, 1999]:
        raise CheckFailed(f"the index did not find the query vectors themselves: {ids[:, 0]}")
    return (
        f"built, saved, loaded and queried a {loaded.ntotal}-vector index "
        f"(faiss {getattr(faiss, '__version__', '?')})"
    )


# --- keyring --------------------------------------------------------------------------------

_UNUSABLE_BACKENDS = ("keyring.backends.fail", "keyring.backends.null")
KEYRING_ADVICE = (
    "install and unlock a Secret Service keyring (GNOME Keyring or KWallet) on Linux; "
    "until then desktoprec keeps your Spotify sign-in only while it runs"
)


def _backend_name(backend: Any) -> str:
    return f"{type(backend).__module__}.{type(backend).__name__}"


def _usable_backends(backend: Any) -> list[Any]:
    children = getattr(backend, "backends", None)  # keyring's ChainerBackend
    if children is not None:
        return [child for child in children if not _backend_name(child).startswith(
            _UNUSABLE_BACKENDS)]
    return [] if _backend_name(backend).startswith(_UNUSABLE_BACKENDS) else [backend]


def check_keyring() -> str:
    import keyring

    backend = keyring.get_keyring()
    name = _backend_name(backend)
    if not _usable_backends(backend):
        raise CheckFailed(f"no keyring backend is available ({name}): {KEYRING_ADVICE}")
    outcome: dict[str, Any] = {}

    def round_trip() -> None:
        service, user = "desktoprec-self-test", f"check-{os.getpid()}"
        secret = f"selftest-{time.time_ns()}"
        try:
            keyring.set_password(service, user, secret)
            outcome["read"] = keyring.get_password(service, user)
            keyring.delete_password(service, user)
        except Exception as exc:  # noqa: BLE001 - any backend error fails the check, with its text
            outcome["error"] = exc

    worker = threading.Thread(target=round_trip, name="selftest-keyring", daemon=True)
    worker.start()
    worker.join(KEYRING_TIMEOUT_S)
    if worker.is_alive():
        raise CheckFailed(
            f"the keyring ({name}) did not answer within {KEYRING_TIMEOUT_S:.0f} s; it may be "
            f"locked and waiting for a password prompt: {KEYRING_ADVICE}"
        )
    if "error" in outcome:
        error = outcome["error"]
        raise CheckFailed(
            f"the keyring ({name}) refused a test secret ({type(error).__name__}: {error}): "
            f"{KEYRING_ADVICE}"
        )
    if outcome.get("read") is None:
        raise CheckFailed(f"the keyring ({name}) did not give back a test secret")
    return f"backend {name} stored, read and deleted a test secret"


# --- running --------------------------------------------------------------------------------

CHECKS: dict[str, Callable[[], str]] = {
    "qt": check_qt,
    "database": check_database,
    "dsp": check_dsp,
    "index": check_index,
    "keyring": check_keyring,
}


def run_check(name: str) -> CheckResult:
    started = time.perf_counter()
    try:
        detail = CHECKS[name]()
        ok = True
    except CheckFailed as exc:
        detail, ok = str(exc), False
    except Exception as exc:  # a broken bundle shows up as an import or library error
        log.exception("self-test check %s failed", name)
        detail, ok = f"{type(exc).__name__}: {exc}", False
    return CheckResult(name, ok, detail, time.perf_counter() - started)


def run_checks(
    names: Iterable[str] = CHECK_NAMES,
    on_result: Callable[[CheckResult], None] | None = None,
) -> dict[str, CheckResult]:
    """Run the named checks in order (Qt first: it must own the main thread's event loop)."""
    results: dict[str, CheckResult] = {}
    for name in names:
        if name not in CHECKS:
            raise ValueError(f"unknown self-test check {name!r}")
        result = run_check(name)
        results[name] = result
        if on_result is not None:
            on_result(result)
    return results
