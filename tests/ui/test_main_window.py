"""The main window: wizard, banner, long jobs with progress and Cancel, quitting, crash dialog."""

from __future__ import annotations

import threading
import time
from pathlib import Path
from typing import Any

from desktoprec.errors import Cancelled
from desktoprec.settings import load_settings
from desktoprec.ui.context import AppContext
from desktoprec.ui.errors import CrashHandler, crash_dialogs_wanted
from desktoprec.ui.main_window import MainWindow, needs_first_run
from desktoprec.ui.single_instance import SingleInstance
from desktoprec.ui.tasks import TaskRunner
from desktoprec.ui.wizard import FirstRunDialog, SignInDialog


def test_first_run_is_detected_and_the_banner_says_what_to_do(qtbot: Any, services: Any) -> None:
    assert needs_first_run(services)
    ctx = AppContext(services, TaskRunner(inline=True))
    win = MainWindow(ctx, show_wizard=False)
    qtbot.addWidget(win)
    win.update_banner()
    assert "Start by connecting Spotify" in win.banner_text.full_text()
    assert win.banner_button.text() == "Get started…"
    services.settings.music_folders = ["/music"]
    win.update_banner()
    assert "only your music folders" in win.banner_text.full_text()
    assert not needs_first_run(services)


def test_wizard_offers_three_ways_in(qtbot: Any, ctx: Any, tmp_path: Path) -> None:
    dialog = FirstRunDialog(ctx)
    qtbot.addWidget(dialog)
    assert "developer.spotify.com" in dialog.help.toPlainText()
    dialog.spotify_button.click()
    assert dialog.pages.currentIndex() == 1
    dialog.client_id_edit.setText("not an id!")
    dialog.connect_button.click()
    assert dialog.choice is None and "does not look like" in dialog.client_id_error.full_text()
    dialog.client_id_edit.setText("0123456789abcdef0123456789abcdef")
    dialog.connect_button.click()
    assert dialog.choice == "spotify" and dialog.client_id.startswith("0123")
    demo = FirstRunDialog(ctx)
    qtbot.addWidget(demo)
    demo.demo_button.click()
    assert demo.choice == "demo"
    folders = FirstRunDialog(ctx)
    qtbot.addWidget(folders)
    folders._choose_folder(str(tmp_path))
    assert folders.choice == "folders" and folders.folder == str(tmp_path)


def test_wizard_spotify_choice_signs_in_and_syncs(qtbot: Any, services: Any,
                                                  monkeypatch: Any) -> None:
    """Client ID → PKCE sign-in in the browser (an HTTP client here) → sync, on the emulator."""
    import httpx

    from desktoprec.spotify.emulator import EmulatorServer, generate_account
    from desktoprec.ui import main_window

    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "keyring.backends.fail.Keyring")
    monkeypatch.setattr(main_window, "SIGN_IN_TIMEOUT_S", 20.0)
    with EmulatorServer(generate_account(seed=11, saved_tracks=12, playlists=2)) as server:
        monkeypatch.setenv("DESKTOPREC_SPOTIFY_API_URL", server.api_url)
        monkeypatch.setenv("DESKTOPREC_SPOTIFY_ACCOUNTS_URL", server.accounts_url)
        ctx = AppContext(services, TaskRunner(inline=True))
        from fake_browser import target_of  # reads the private page the browser is given

        ctx.open_url_hook = lambda url: httpx.get(target_of(url), follow_redirects=True,
                                                  timeout=10)
        win = MainWindow(ctx, show_wizard=False)
        qtbot.addWidget(win)

        class Choice:
            choice = "spotify"
            client_id = "0123456789abcdef0123456789abcdef"
            folder = ""

        win.apply_wizard_choice(Choice())
        assert load_settings(services.paths.settings_file).client_id == Choice.client_id
        assert win.signed_in is True, win.describe_last_error()
        assert ctx.opened_urls and ctx.opened_urls[0].startswith("file://")
        assert "state=" not in ctx.opened_urls[0]
        qtbot.waitUntil(lambda: win.job is None and services.browse.library_size() > 0,
                        timeout=20000)
        assert "Synced" in win.status_label.full_text() or "up to date" in \
            win.status_label.full_text()
        win._quitting = True


def test_wizard_refused_client_id_is_shown_and_starts_no_sign_in(qtbot: Any,
                                                                  window: Any) -> None:
    """A client ID the auth service refuses ends in one message on the window, not an exception
    in the event loop, and no sign-in is started."""
    from PySide6.QtWidgets import QMessageBox

    before = window.services.settings.client_id

    class Choice:
        choice = "spotify"
        client_id = "not a client id!"
        folder = ""

    window.apply_wizard_choice(Choice())
    boxes = [w for w in window.findChildren(QMessageBox) if w.isVisible()]
    assert boxes and "client ID" in boxes[-1].text()
    assert getattr(window, "sign_in_dialog", None) is None
    assert window.services.settings.client_id == before


def test_wizard_folder_choice_scans(qtbot: Any, window: Any, tmp_path: Path) -> None:
    class Choice:
        choice = "folders"
        client_id = ""
        folder = str(tmp_path)

    window.apply_wizard_choice(Choice())
    assert window.services.settings.music_folders == [str(tmp_path)]
    assert load_settings(window.services.paths.settings_file).music_folders == [str(tmp_path)]
    assert window.job is None  # the (empty) folder was scanned and the job ended


def test_long_job_shows_progress_and_cancel_stops_it(qtbot: Any, services: Any) -> None:
    runner = TaskRunner()
    ctx = AppContext(services, runner)
    win = MainWindow(ctx, show_wizard=False)
    qtbot.addWidget(win)
    win.show()
    started = threading.Event()

    def work(progress: Any, cancel: threading.Event) -> str:
        for i in range(10_000):
            progress("counting songs", i, 10_000)
            started.set()
            if cancel.is_set():
                raise Cancelled()
            time.sleep(0.001)
        return "finished"

    win.run_job("Test job", work, on_done=lambda r: None)
    assert win.progress.isVisible() and win.cancel_button.isVisible()
    assert win.run_job("Another", work, on_done=lambda r: None) is None  # one at a time
    assert started.wait(5)
    qtbot.waitUntil(lambda: win.progress.maximum() == 10_000, timeout=5000)
    assert "counting songs" in win.status_label.full_text()
    win.cancel_button.click()
    qtbot.waitUntil(lambda: win.job is None, timeout=5000)
    assert not win.progress.isVisible()
    assert "cancelled" in win.status_label.full_text()
    runner.shutdown()


def test_failed_background_work_is_reported_in_the_status_bar(qtbot: Any, window: Any) -> None:
    window.start_sync()
    assert window.job is None
    assert "Sync" in window.status_label.full_text()


def test_player_windows_and_picks(qtbot: Any, window: Any) -> None:
    window.show_player(compact=True)
    assert window.player_window.isVisible() and window.player_window.compact
    assert not window.player_window.up_next.isVisible()
    window.show_player(compact=False)
    assert window.player_window.up_next.isVisible()
    picks = window.ctx.services.recommend.recommend(n=5)
    window.show_picks(picks)
    assert window.stack.currentWidget() is window.pages["For you"]
    assert len(window.pages["For you"].view.cards) == 5


def test_close_without_tray_quits_cleanly(qtbot: Any, window: Any) -> None:
    window.show()
    assert not window.tray.available  # offscreen has no tray host
    window.close()
    assert window._quitting
    assert window.ctx.runner._closing


def test_ctrl_q_is_an_application_shortcut(window: Any) -> None:
    assert window.quit_action.shortcut().toString() == "Ctrl+Q"
    window.quit_action.trigger()
    assert window._quitting


def test_crash_handler_shows_a_dialog_or_only_logs(qtbot: Any, tmp_path: Path) -> None:
    handler = CrashHandler(str(tmp_path / "log.txt"), dialogs=True)
    try:
        raise RuntimeError("boom <b>x</b>")
    except RuntimeError as exc:
        handler(type(exc), exc, exc.__traceback__)
    assert handler.last_dialog is not None
    qtbot.addWidget(handler.last_dialog)
    assert "RuntimeError: boom <b>x</b>" in handler.last_dialog.summary_label.text()
    assert "Traceback" in handler.last_dialog.details.toPlainText()
    quiet = CrashHandler(str(tmp_path / "log.txt"), dialogs=False)
    quiet(RuntimeError, RuntimeError("quiet"), None)
    assert quiet.last_dialog is None
    assert crash_dialogs_wanted(False, env={}) is True
    assert crash_dialogs_wanted(True, env={}) is False
    assert crash_dialogs_wanted(False, env={"CI": "1"}) is False


def test_second_launch_asks_the_first_to_show_itself(qtbot: Any, tmp_path: Path) -> None:
    first = SingleInstance(tmp_path)
    assert first.listen()
    second = SingleInstance(tmp_path)
    with qtbot.waitSignal(first.activation_requested, timeout=5000):
        assert second.another_is_running()
    first.close()
    other_home = SingleInstance(tmp_path / "elsewhere")
    assert not other_home.another_is_running()


def test_sign_in_dialog_shows_the_address(qtbot: Any) -> None:
    dialog = SignInDialog()
    qtbot.addWidget(dialog)
    dialog.set_url("http://127.0.0.1:1/authorize?x=1")
    assert dialog.url.text().startswith("http://127.0.0.1")


def test_launch_picks_the_demo_without_a_client_id(services: Any, monkeypatch: Any) -> None:
    import argparse

    from desktoprec.commands import app as app_command
    from desktoprec.ui import app as ui_app

    calls: list[dict[str, Any]] = []
    monkeypatch.setattr(ui_app, "run", lambda svc, **kw: calls.append(kw) or 0)
    args = argparse.Namespace(no_crash_dialog=True)
    assert app_command._launch(args, services) == 0
    assert calls[-1] == {"demo": True, "crash_dialog": False, "start_in_tray": False}
    services.settings.client_id = "0123456789abcdef0123456789abcdef"
    app_command._launch(args, services)
    assert calls[-1]["demo"] is False
    app_command._app(argparse.Namespace(), services)
    assert calls[-1] == {"demo": False, "crash_dialog": True, "start_in_tray": False}
    app_command._app(argparse.Namespace(tray=True), services)
    assert calls[-1]["start_in_tray"] is True


def test_demo_start_says_it_is_preparing(qtbot: Any, services: Any) -> None:
    ctx = AppContext(services, TaskRunner(), demo=True)
    win = MainWindow(ctx, show_wizard=False)
    qtbot.addWidget(win)
    win.start()
    assert "Preparing the demo" in win.pages["For you"].view.state.full_text()
    assert "Preparing the demo account" in win.banner_text.full_text()
    win.cancel_job()
    qtbot.waitUntil(lambda: win.job is None, timeout=60000)
    win.quit_app()


def test_start_in_tray_without_a_tray_still_shows_the_window(qtbot, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """Offscreen there is no tray host: `app --tray` must not leave the app invisible."""
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication

    from desktoprec.services import Services
    from desktoprec.ui import app as ui_app

    shown: list[bool] = []

    def check_and_quit() -> None:
        windows = [w for w in QApplication.topLevelWidgets()
                   if w.windowTitle().startswith("desktoprec")]
        shown.append(any(w.isVisible() for w in windows))
        for w in windows:
            quit_app = getattr(w, "quit_app", None)
            if quit_app:
                quit_app()

    monkeypatch.setenv("DESKTOPREC_QUIT_AFTER_MS", "4000")
    QTimer.singleShot(800, check_and_quit)
    services = Services()
    try:
        code = ui_app.run(services, crash_dialog=False, start_in_tray=True)
    finally:
        services.close()
    assert code == 0
    assert shown == [True]
