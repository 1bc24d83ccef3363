"""What every page shares: the services, the task runner, and the app-wide signals and actions."""

from __future__ import annotations

import logging
import shutil
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, QUrl, Signal
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import QWidget

from desktoprec.errors import DesktopRecError
from desktoprec.spotify.uris import web_url
from desktoprec.ui.errors import describe, show_error
from desktoprec.ui.tasks import TaskRunner

if TYPE_CHECKING:
    from desktoprec.services import Services
    from desktoprec.ui.player_window import PlaybackController

log = logging.getLogger(__name__)


def freeze_long_lived_objects() -> None:
    """Move everything alive now out of the cyclic GC's reach (gc.freeze, O(1)).

    Imported libraries leave about a million objects; a full collection over them took 180-280 ms
    here, holding the GIL, so the window froze whichever thread triggered it. Objects made later
    are still collected.
    """
    import gc

    gc.freeze()


XDG_OPEN_WAIT_S = 0.8


def xdg_open(url: str) -> bool:
    """Open `url` with xdg-open, its complaints kept out of the terminal (they go to our log).

    False when xdg-open gives up at once (no browser); a browser that is still starting counts
    as opened.
    """
    import subprocess
    import tempfile

    with tempfile.TemporaryFile() as errors:
        try:
            process = subprocess.Popen(["xdg-open", url], stdin=subprocess.DEVNULL,
                                       stdout=subprocess.DEVNULL, stderr=errors,
                                       start_new_session=True)
        except OSError as exc:
            log.info("xdg-open could not start: %s", exc)
            return False
        try:
            code = process.wait(timeout=XDG_OPEN_WAIT_S)
        except subprocess.TimeoutExpired:
            return True
        errors.seek(0)
        said = errors.read(2000).decode("utf-8", "replace").strip()
    if code != 0:
        log.info("xdg-open %s failed (%s): %s", url, code, said)
    return code == 0


spotify_web_url = web_url  # `spotify:track:ID` → its open.spotify.com link


class AppContext(QObject):
    """Handed to windows and pages; they reach services only through it."""

    library_changed = Signal()  # after a sync, scan or analysis
    settings_changed = Signal()
    status_message = Signal(str)  # short, for the status bar
    notified = Signal(str, str)  # title, text: tray notifications (status bar without a tray)
    recommendations_shown = Signal(object)  # the RecommendationList on screen
    demo_prepared = Signal()  # the demo's preparation finished (its sound analysed)

    def __init__(self, services: Services, runner: TaskRunner, *, demo: bool = False) -> None:
        super().__init__()
        self.services = services
        self.runner = runner
        self.demo = demo
        self.main_window: QWidget | None = None
        self.player: PlaybackController | None = None  # set by the main window
        self.opened_urls: list[str] = []  # what "Open in Spotify" asked for (for tests)
        self.open_url_hook: Callable[[str], None] | None = None

    def warm_up(self) -> None:
        """Import the area services in a worker, so the first click does not wait on imports."""
        services = self.services

        def load() -> None:
            for area in (services.auth, services.sync, services.library, services.recommend,
                         services.export, services.player, services.demo):
                log.debug("loaded %s", type(area).__name__)

        def loaded(_: None) -> None:
            freeze_long_lived_objects()

        self.runner.run(load, lane="cpu", name="warm-up", on_done=loaded,
                        on_error=lambda exc: log.info("warm-up: %s", exc))

    def error(self, title: str, exc: BaseException | str, *, background: bool = False) -> None:
        """Foreground: a dialog. Background: the status bar and a tray notification."""
        text = exc if isinstance(exc, str) else describe(exc)
        if not isinstance(exc, (str, DesktopRecError)):
            log.error("%s: %s", title, text, exc_info=exc)
        if background:
            self.status_message.emit(f"{title}: {text}")
            self.notified.emit(title, text)
        else:
            self.status_message.emit(f"{title}: {text}")
            show_error(self.main_window, title, text)

    def open_url(self, uri_or_url: str) -> bool:
        """Open a Spotify URI (the app, if installed) or a web URL in the browser.

        False when nothing on this system could open it (no browser): the caller says so.
        """
        self.opened_urls.append(uri_or_url)
        if self.open_url_hook is not None:
            return self.open_url_hook(uri_or_url) is not False
        if sys.platform.startswith("linux") and shutil.which("xdg-open"):
            # the web address opens the Spotify app too when it is installed
            return xdg_open(spotify_web_url(uri_or_url))
        url = QUrl(uri_or_url)
        if uri_or_url.startswith("spotify:"):
            return (QDesktopServices.openUrl(url)
                    or QDesktopServices.openUrl(QUrl(spotify_web_url(uri_or_url))))
        return bool(QDesktopServices.openUrl(url))

    def open_in_spotify(self, uri: str | None) -> bool:
        if uri and not uri.startswith("spotify:local:"):
            return self.open_url(spotify_web_url(uri) if uri.startswith("spotify:") else uri)
        self.status_message.emit("This track is not on Spotify (a local file).")
        return True
