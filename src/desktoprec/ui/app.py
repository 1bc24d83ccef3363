"""Starting the desktop app: QApplication, theme, single instance, crash handler, signals, quit."""

from __future__ import annotations

import logging
import os
import signal
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QLoggingCategory, QTimer
from PySide6.QtWidgets import QApplication

from desktoprec import APP_NAME, __version__
from desktoprec.ui.context import AppContext, freeze_long_lived_objects
from desktoprec.ui.errors import CrashHandler, crash_dialogs_wanted
from desktoprec.ui.single_instance import SingleInstance
from desktoprec.ui.tasks import TaskRunner
from desktoprec.ui.theme import theme_manager

if TYPE_CHECKING:
    from desktoprec.services import Services

log = logging.getLogger(__name__)

SIGNAL_WAKE_MS = 200
AV_LOG_ERROR = 16  # FFmpeg's level: errors only (its default prints every stream's layout)


def apply_theme(app: QApplication, theme: str) -> str:
    """Show `theme` ("system", "light" or "dark") now, on every window; returns the one shown."""
    return theme_manager(app).apply(theme)


def quiet_media_logging() -> None:
    """Before the QApplication: Qt Multimedia's own messages ("Using Qt multimedia with FFmpeg
    …", its warnings) are turned off; they say nothing to a listener."""
    rules = [r for r in os.environ.get("QT_LOGGING_RULES", "").split(";") if r]
    for rule in ("qt.multimedia*=false",):
        if rule not in rules:
            rules.append(rule)
    os.environ["QT_LOGGING_RULES"] = ";".join(rules)


def quiet_ffmpeg() -> bool:
    """FFmpeg itself prints each file's stream layout ("Input #0, flac …") while playing. Its
    log level is set to errors only, in the libavutil Qt's FFmpeg back end has loaded (loading
    it first by hand fails: it resolves its OpenSSL stubs only inside Qt). True when set."""
    if os.environ.get("QT_FFMPEG_DEBUG"):  # asked for on purpose: leave FFmpeg talking
        return False
    import ctypes

    from PySide6.QtMultimedia import QMediaFormat

    QMediaFormat().supportedFileFormats(QMediaFormat.ConversionMode.Decode)  # loads the back end
    try:
        with open("/proc/self/maps", encoding="utf-8") as maps:
            loaded = {line.split()[-1] for line in maps if "libavutil" in line}
    except OSError:  # not Linux: FFmpeg's default level stays
        return False
    for path in sorted(loaded):
        try:
            ctypes.CDLL(path, mode=os.RTLD_NOLOAD).av_log_set_level(AV_LOG_ERROR)
        except (OSError, AttributeError) as exc:
            log.info("FFmpeg's log level not set (%s): %s", path, exc)
        else:
            return True
    return False


def install_signal_handlers(quit_app: Any) -> QTimer:
    """SIGTERM/SIGINT quit cleanly. A timer wakes the interpreter so Python's handler can run."""

    def handler(signum: int, _frame: Any) -> None:
        log.info("signal %s: quitting", signum)
        QTimer.singleShot(0, quit_app)

    for sig in (signal.SIGTERM, signal.SIGINT):
        try:
            signal.signal(sig, handler)
        except (ValueError, OSError):  # not the main thread, or not supported here
            pass
    timer = QTimer()
    timer.setInterval(SIGNAL_WAKE_MS)
    timer.timeout.connect(lambda: None)
    timer.start()
    return timer


def _stop_demo(services: Services) -> None:
    try:
        services.demo.stop()  # the demo's emulator thread
    except Exception as exc:  # noqa: BLE001 - quitting goes on regardless
        log.warning("the demo emulator did not stop cleanly: %s", exc)


def _write_visible_time(path: str) -> None:
    import time
    from pathlib import Path

    try:
        Path(path).write_text(f"{time.time():.6f}", encoding="utf-8")
    except OSError as exc:
        log.warning("could not write %s: %s", path, exc)


def _mark_first_list_and_demo(ctx: AppContext) -> None:
    """For `bench demo`: the moment the first non-empty list is on screen (and how big the
    library was then), and the moment the demo's preparation finished, written to the files
    DESKTOPREC_FIRST_LIST_FILE and DESKTOPREC_DEMO_READY_FILE name."""
    first_file = os.environ.get("DESKTOPREC_FIRST_LIST_FILE")
    ready_file = os.environ.get("DESKTOPREC_DEMO_READY_FILE")
    if first_file:
        def on_list(result: Any) -> None:
            if getattr(result, "items", None) and not os.path.exists(first_file):
                _write_visible_time(first_file)

        ctx.recommendations_shown.connect(on_list)
    if ready_file:
        ctx.demo_prepared.connect(lambda: _write_visible_time(ready_file))


def create_application(argv: Sequence[str] | None = None) -> QApplication:
    app = QApplication.instance()
    if app is None:
        quiet_media_logging()
        app = QApplication(list(argv) if argv is not None else [sys.argv[0]])
        QLoggingCategory.setFilterRules("qt.multimedia*=false")  # the env rules may come late
    assert isinstance(app, QApplication)
    app.setApplicationName(APP_NAME)
    app.setApplicationDisplayName(APP_NAME)
    app.setApplicationVersion(__version__)
    app.setDesktopFileName("io.github.desktoprec")  # the .desktop id (packaging/linux)
    app.setQuitOnLastWindowClosed(False)
    return app


def run(services: Services, *, demo: bool = False, argv: Sequence[str] | None = None,
        crash_dialog: bool = True, start_in_tray: bool = False) -> int:
    """Start the desktop app on `services`; returns the exit code when the user quits.

    `start_in_tray` (autostart at log-in) keeps the window hidden when there is a tray icon to
    bring it back; without a tray the window is shown, so the app is never invisible.
    """
    from desktoprec.ui.main_window import MainWindow, app_icon

    app = create_application(argv)
    single = SingleInstance(services.paths.data_dir)
    if not single.claim():  # checks and listens under one lock (two quick launches: one runs)
        print("desktoprec is already running; its window was brought to the front.",
              file=sys.stderr)
        return 0
    crash = CrashHandler(str(services.paths.log_file),
                         dialogs=crash_dialogs_wanted(not crash_dialog)).install()
    apply_theme(app, services.settings.theme)
    app.setWindowIcon(app_icon())
    runner = TaskRunner()
    ctx = AppContext(services, runner, demo=demo or bool(services.settings.demo_mode))
    window = MainWindow(ctx)
    single.activation_requested.connect(window.show_and_raise)
    wake = install_signal_handlers(window.quit_app)
    if start_in_tray and window.tray.available:
        log.info("started in the tray")
    else:
        window.show()
    visible_file = os.environ.get("DESKTOPREC_VISIBLE_FILE")  # `bench ui` launch timing
    if visible_file:
        QTimer.singleShot(0, lambda: _write_visible_time(visible_file))
    _mark_first_list_and_demo(ctx)  # `bench demo` timing
    QTimer.singleShot(0, freeze_long_lived_objects)
    QTimer.singleShot(300, quiet_ffmpeg)
    QTimer.singleShot(0, window.start)
    if os.environ.get("DESKTOPREC_QUIT_AFTER_MS"):  # smoke runs: start, then quit cleanly
        QTimer.singleShot(int(os.environ["DESKTOPREC_QUIT_AFTER_MS"]), window.quit_app)
    try:
        code = app.exec()
    finally:
        wake.stop()
        runner.shutdown(timeout=4.0)
        if ctx.demo:
            _stop_demo(services)
        single.close()
        crash.uninstall()
    log.info("the app ended with code %s", code)
    return int(code)
