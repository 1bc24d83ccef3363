"""Screenshots of every page of the main window, in the light and the dark theme, from the demo.

    xvfb-run -a -s "-screen 0 1280x800x24" .venv/bin/python scripts/screenshots.py --out shots

Prepares the offline demo in a private temporary home (the user's data is not touched), opens the
real main window and saves `<page>-<theme>.png` for each page, each page again at 800×600
(`<page>-800x600-<theme>.png`), the export dialog, the first-run wizard (its start, its client-ID
page and that page scrolled to the online sources), and the search results (reached by Ctrl+F and
typing), an artist and an album view. Without a display it renders offscreen.
"""

from __future__ import annotations

import argparse
import os
import re
import sys
import tempfile
import time
from pathlib import Path


def _slug(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, required=True, help="folder for the PNG files")
    parser.add_argument("--tracks-per-style", type=int, default=3,
                        help="demo size (3: quick; 18: the full demo)")
    parser.add_argument("--size", default="1180x760", help="window size, WIDTHxHEIGHT")
    args = parser.parse_args(argv)
    if not os.environ.get("DISPLAY") and not os.environ.get("WAYLAND_DISPLAY"):
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    os.environ.setdefault("PYTHON_KEYRING_BACKEND", "keyring.backends.fail.Keyring")
    args.out.mkdir(parents=True, exist_ok=True)
    width, height = (int(x) for x in args.size.split("x"))
    with tempfile.TemporaryDirectory(prefix="desktoprec-shots-") as tmp:
        os.environ["DESKTOPREC_HOME"] = str(Path(tmp) / "home")
        return _shoot(args.out, args.tracks_per_style, width, height)


def _shoot(out: Path, tracks_per_style: int, width: int, height: int) -> int:
    from PySide6.QtCore import QEventLoop, QTimer
    from PySide6.QtWidgets import QApplication, QWidget

    from desktoprec.services import Services
    from desktoprec.ui.app import create_application
    from desktoprec.ui.context import AppContext
    from desktoprec.ui.main_window import PAGE_NAMES, MainWindow
    from desktoprec.ui.tasks import TaskRunner
    from desktoprec.ui.theme import theme_manager

    app = create_application([])
    themes = theme_manager(app)
    themes.apply("light")
    services = Services()
    print(f"preparing the demo ({tracks_per_style} tracks per style)…", flush=True)
    started = time.perf_counter()
    services.demo.prepare(tracks_per_style=tracks_per_style)
    print(f"demo ready in {time.perf_counter() - started:.0f} s", flush=True)
    runner = TaskRunner()
    ctx = AppContext(services, runner, demo=True)
    window = MainWindow(ctx, show_wizard=False)
    window.demo_ready = True
    window.resize(width, height)
    window.show()

    def settle(ms: int = 600, until: object = None) -> None:
        deadline = time.perf_counter() + 30
        while True:
            loop = QEventLoop()
            QTimer.singleShot(ms, loop.quit)
            loop.exec()
            if until is None or until() or time.perf_counter() > deadline:  # type: ignore[operator]
                return

    def save(widget: QWidget, name: str) -> None:
        path = out / f"{name}.png"
        widget.grab().save(str(path))
        print(path, flush=True)

    window._started = True
    window.check_sign_in()
    window.load_account()
    for_you = window.pages["For you"]
    for_you.reload()
    settle(until=lambda: bool(for_you.view.cards))
    more = window.pages["More like this"]
    more.picker.run_search()
    settle(until=lambda: more.picker.results.count() > 0)
    if more.picker.results.count():
        more.picker.pick_row(0)
        more.run()
    path_page = window.pages["A → B path"]
    path_page.from_picker.run_search()
    path_page.to_picker.run_search()
    settle(until=lambda: path_page.to_picker.results.count() > 1)
    if path_page.to_picker.results.count() > 1:
        path_page.from_picker.pick_row(0)
        path_page.to_picker.pick_row(path_page.to_picker.results.count() - 1)
        path_page.run()
    playlists = window.pages["Continue a playlist"]
    playlists.reload()
    settle(until=lambda: playlists.playlist.count() > 0)
    playlists.run()
    for theme in ("light", "dark"):
        themes.apply(theme)
        window.resize(width, height)
        for name in PAGE_NAMES:
            page = window.go_to(name)
            page.on_shown()
            settle(900)
            save(window, f"{_slug(name)}-{theme}")
        window.resize(800, 600)  # the smallest window the app promises to be usable at
        for name in PAGE_NAMES:
            page = window.go_to(name)
            page.on_shown()
            settle(700)
            save(window, f"{_slug(name)}-800x600-{theme}")
        window.resize(width, height)
        _shoot_browsing(window, services, settle, save, theme)
        settings_page = window.go_to("Settings")
        bar = settings_page.scroller.verticalScrollBar()
        bar.setValue(bar.maximum())  # the rest of Settings: account, data folder, About
        settle(400)
        save(window, f"settings-end-800x600-{theme}")
        bar.setValue(0)
        window.resize(width, height)
        view = for_you.view
        if view.cards:
            view.export()
            settle(600)
            save(view.export_dialog, f"export-dialog-{theme}")
            view.export_dialog.close()
        from desktoprec.ui.wizard import FirstRunDialog

        wizard = FirstRunDialog(ctx, window)
        wizard.show()
        settle(400)
        save(wizard, f"wizard-start-{theme}")
        wizard.spotify_button.click()
        settle(400)
        save(wizard, f"wizard-client-id-{theme}")
        wizard.client_id_scroll.verticalScrollBar().setValue(
            wizard.client_id_scroll.verticalScrollBar().maximum())
        settle(300)
        save(wizard, f"wizard-sources-{theme}")
        wizard.close()
    window._quitting = True
    window.player.stop()
    runner.shutdown(timeout=4.0)
    services.demo.stop()
    services.close()
    QApplication.processEvents()
    return 0


def _shoot_browsing(window: object, services: object, settle: object, save: object,
                    theme: str) -> None:
    """Ctrl+F, a search for the first track's artist, that artist's view and its album's."""
    from PySide6.QtCore import Qt
    from PySide6.QtTest import QTest

    browsing = window.browsing  # type: ignore[attr-defined]
    window.go_to("Library")  # type: ignore[attr-defined]
    window.activateWindow()  # type: ignore[attr-defined]
    settle(300)  # type: ignore[operator]
    QTest.keyClick(window, Qt.Key.Key_F, Qt.KeyboardModifier.ControlModifier)  # type: ignore
    settle(200)  # type: ignore[operator]
    print(f"Ctrl+F puts the keyboard in the search box: {browsing.field.hasFocus()}", flush=True)
    items = services.browse.library_items(limit=1)  # type: ignore[attr-defined]
    track = items[0].track if items else None
    browsing.field.setText(track.artists[0] if track and track.artists else "a")
    browsing.search_now()
    settle(until=lambda: browsing.search_page.results is not None)  # type: ignore[operator]
    save(window, f"search-{theme}")  # type: ignore[operator]
    if track and track.artist_ids:
        browsing.show_artist(track.artist_ids[0])
        settle(until=lambda: browsing.artist_page.view is not None)  # type: ignore[operator]
        save(window, f"artist-{theme}")  # type: ignore[operator]
    if items and items[0].album_id:
        browsing.show_album(items[0].album_id)
        settle(until=lambda: browsing.album_page.view is not None)  # type: ignore[operator]
        save(window, f"album-{theme}")  # type: ignore[operator]


if __name__ == "__main__":
    sys.exit(main())
