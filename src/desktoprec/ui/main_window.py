"""The main window: navigation, pages, sign-in, sync/scan/demo jobs with progress, tray, player."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QEvent, QObject, Qt, QTimer
from PySide6.QtGui import QAction, QCloseEvent, QIcon, QKeyEvent, QKeySequence
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QAbstractSlider,
    QAbstractSpinBox,
    QApplication,
    QComboBox,
    QFrame,
    QHBoxLayout,
    QLineEdit,
    QListWidget,
    QMainWindow,
    QProgressBar,
    QPushButton,
    QStackedWidget,
    QToolBar,
    QVBoxLayout,
    QWidget,
)

from desktoprec import APP_NAME
from desktoprec.domain import RecommendationList, Track
from desktoprec.errors import Cancelled, SignInRequired
from desktoprec.ui.context import AppContext, freeze_long_lived_objects
from desktoprec.ui.errors import describe
from desktoprec.ui.mpris import start_mpris
from desktoprec.ui.pages.base import PageBase
from desktoprec.ui.pages.continue_playlist import ContinuePlaylistPage
from desktoprec.ui.pages.for_you import ForYouPage
from desktoprec.ui.pages.insights import InsightsPage
from desktoprec.ui.pages.library import LibraryPage, PlaylistsPage
from desktoprec.ui.pages.more_like import MoreLikePage
from desktoprec.ui.pages.path import PathPage
from desktoprec.ui.pages.recommendations import RecommendationsView
from desktoprec.ui.pages.search import install_browsing
from desktoprec.ui.pages.settings import SettingsPage
from desktoprec.ui.player_window import PlaybackController, PlayerWindow, install_playback_shortcuts
from desktoprec.ui.tasks import Task
from desktoprec.ui.tray import TrayController
from desktoprec.ui.widgets import PlainLabel, clip

if TYPE_CHECKING:
    from desktoprec.services import Services
    from desktoprec.storage.repo import AccountSummary
    from desktoprec.sync.service import AfterSyncReport
    from desktoprec.ui.wizard import FirstRunDialog, SignInDialog

# what the side menu can show: each has on_shown, called when it comes into view
Page = PageBase | InsightsPage | LibraryPage | PlaylistsPage | SettingsPage

log = logging.getLogger(__name__)

SIGN_IN_TIMEOUT_S = 300.0
_PENDING_JOB = Task(name="starting", lane="network")
DEMO_CANCELLED = ("The demo was cancelled before it was ready; what was finished is kept. "
                  "Choose Resume to finish it.")
# Keys a focused control uses itself; a window-wide shortcut on them (Space: play/pause) must wait
DEMO_REFRESH = "Refreshing the demo"  # a returning listener's demo, behind the list on screen
FIRST_LIST_WAIT_MS = 5000  # the refresh starts after the first list, or after this at the latest
_OWN_KEYS = (Qt.Key.Key_Space, Qt.Key.Key_Return, Qt.Key.Key_Enter)
_KEY_USERS = (QAbstractButton, QAbstractItemView, QAbstractSpinBox, QAbstractSlider, QComboBox,
              QLineEdit)
PAGE_NAMES = ("For you", "More like this", "Continue a playlist", "A → B path", "Library",
              "Playlists", "Insights", "Settings")


def app_icon() -> QIcon:
    from pathlib import Path

    import desktoprec

    icon = QIcon()
    folder = Path(desktoprec.__file__).parent / "resources" / "icons"
    for size in (16, 32, 64, 128, 256):
        candidate = folder / f"desktoprec-{size}.png"
        if candidate.is_file():
            icon.addFile(str(candidate))
    return icon


def needs_first_run(services: Services) -> bool:
    settings = services.settings
    if settings.effective_client_id() or settings.music_folders or settings.demo_mode:
        return False
    try:
        return services.browse.library_size() == 0
    except Exception:  # noqa: BLE001 - an unreadable database is reported elsewhere
        return True


def sync_summary(report: Any) -> str:
    """A sync's report in a listener's words ("3 new saved tracks, 2 playlists updated")."""
    if not isinstance(report, dict):
        return "Your library is up to date."
    counts = report.get("counts") or {}
    parts = []
    new = int(counts.get("saved_tracks_new", 0) or 0)
    removed = int(counts.get("saved_tracks_removed", 0) or 0)
    playlists = int(counts.get("playlists_fetched", 0) or 0)
    if new:
        parts.append(f"{new} new saved track{'s' if new != 1 else ''}")
    if removed:
        parts.append(f"{removed} saved track{'s' if removed != 1 else ''} removed")
    if playlists:
        parts.append(f"{playlists} playlist{'s' if playlists != 1 else ''} updated")
    sent = int(report.get("pending_exports_sent", 0) or 0)
    if sent:
        parts.append(f"{sent} waiting playlist{'s' if sent != 1 else ''} sent to Spotify")
    if not parts:
        return "Synced: your library is up to date."
    return "Synced: " + ", ".join(parts) + "."


class FocusedKeys(QObject):
    """Space and Enter go to the focused button, card list or field, not to a window shortcut."""

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.ShortcutOverride and isinstance(event, QKeyEvent) \
                and event.key() in _OWN_KEYS \
                and event.modifiers() == Qt.KeyboardModifier.NoModifier \
                and isinstance(watched, _KEY_USERS):
            event.accept()  # the widget gets the key press; the shortcut does not fire
        return False


class MainWindow(QMainWindow):
    def __init__(self, ctx: AppContext, *, show_wizard: bool = True) -> None:
        super().__init__()
        self.ctx = ctx
        ctx.main_window = self
        self.services = ctx.services
        self._quitting = False
        self._tray_hint_shown = False
        self.job: Task | None = None
        self.job_title = ""
        self.last_job_result: Any = None
        self.signed_in: bool | None = None
        self.account: AccountSummary | None = None
        self.setWindowTitle(APP_NAME)  # a title ending in the app name: Qt does not add it again
        self.setWindowIcon(app_icon())
        self.resize(1180, 760)
        self.demo_ready = False
        self.demo_first_list = False
        self.sign_in_dialog: SignInDialog | None = None
        self._focused_keys = FocusedKeys(self)
        app = QApplication.instance()
        if app is not None:
            app.installEventFilter(self._focused_keys)
        self._build_toolbar()
        central = QWidget()
        outer = QVBoxLayout(central)
        outer.setContentsMargins(6, 6, 6, 0)
        outer.addWidget(self._build_banner())
        outer.addLayout(self._build_body(), 1)
        self.setCentralWidget(central)
        self.player = PlaybackController(ctx)
        ctx.player = self.player
        self.player_window = PlayerWindow(ctx, self.player)
        self._build_pages()
        ctx.settings_changed.connect(self._on_settings_changed)
        self.nav.currentRowChanged.connect(self._on_nav)
        self._build_status_bar()
        ctx.status_message.connect(self.show_status)
        self.player.track_changed.connect(self._on_track_changed)
        install_playback_shortcuts(self, self.player)
        self._build_tray_and_mpris()
        self._show_wizard = show_wizard
        self._started = False
        self.browsing = install_browsing(self)  # the search box, search/artist/album pages
        self.nav.setCurrentRow(0)

    # --- building ------------------------------------------------------------------------

    def _build_banner(self) -> QFrame:
        """The bar above the pages: what to do next (connect, sign in, the demo's progress)."""
        self.banner = QFrame()
        self.banner.setFrameShape(QFrame.Shape.StyledPanel)
        self.banner.setObjectName("banner")
        banner_layout = QHBoxLayout(self.banner)
        self.banner_text = PlainLabel("", elide=False)
        self.banner_button = QPushButton()
        banner_layout.addWidget(self.banner_text, 1)
        banner_layout.addWidget(self.banner_button)
        self.banner.hide()
        self._banner_action: Callable[[], None] | None = None
        self.banner_button.clicked.connect(self._on_banner_clicked)
        return self.banner

    def _on_banner_clicked(self) -> None:
        if self._banner_action is not None:
            self._banner_action()

    def _build_body(self) -> QHBoxLayout:
        """The side menu of pages and the stack that shows the chosen one."""
        body = QHBoxLayout()
        self.nav = QListWidget()
        self.nav.addItems(list(PAGE_NAMES))
        self.nav.setMinimumWidth(120)
        self.nav.setMaximumWidth(180)
        self.nav.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.nav.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.nav.setAccessibleName("Pages")
        self.nav.setObjectName("nav")
        self.stack = QStackedWidget()
        body.addWidget(self.nav)
        body.addWidget(self.stack, 1)
        return body

    def _build_pages(self) -> None:
        """One page per entry of the side menu, in its order, wired to the window's jobs."""
        ctx = self.ctx
        self.for_you_page = ForYouPage(ctx)
        self.more_like_page = MoreLikePage(ctx)
        self.continue_page = ContinuePlaylistPage(ctx)
        self.path_page = PathPage(ctx)
        self.library_page = LibraryPage(ctx)
        self.playlists_page = PlaylistsPage(ctx)
        self.settings_page = SettingsPage(ctx)
        self.pages: dict[str, Page] = {
            "For you": self.for_you_page,
            "More like this": self.more_like_page,
            "Continue a playlist": self.continue_page,
            "A → B path": self.path_page,
            "Library": self.library_page,
            "Playlists": self.playlists_page,
            "Insights": InsightsPage(ctx),
            "Settings": self.settings_page,
        }
        for name in PAGE_NAMES:
            self.stack.addWidget(self.pages[name])
        self.library_page.on_more_like = self.more_like
        self.playlists_page.on_continue = self.continue_playlist
        self.settings_page.scan_requested.connect(self.start_scan)
        self.settings_page.saved.connect(self.update_banner)
        self.settings_page.signed_out.connect(self._on_signed_out)

    def recommendation_views(self) -> list[RecommendationsView]:
        """The card lists of the four recommendation pages."""
        return [self.for_you_page.view, self.more_like_page.view, self.continue_page.view,
                self.path_page.view]

    def _build_tray_and_mpris(self) -> None:
        """The tray menu (its notifications go to the status bar without a tray) and MPRIS."""
        self.tray = TrayController(self.ctx, icon=self.windowIcon(),
                                   show_window=self.show_and_raise, sync_now=self.start_sync,
                                   quit_app=self.quit_app, show_picks=self.show_picks)
        if not self.tray.available:
            self.ctx.notified.connect(lambda title, text: self.show_status(f"{title}: {text}"))
        self.mpris = start_mpris(self.player, raise_window=self.show_and_raise,
                                 quit_app=self.quit_app, parent=self)

    def _build_toolbar(self) -> None:
        bar = QToolBar("Main")
        bar.setMovable(False)
        self.toolbar = bar
        self.addToolBar(bar)
        self.sign_in_action = bar.addAction("Sign in")
        self.sync_action = bar.addAction("Sync now")
        self.scan_action = bar.addAction("Scan my music")
        bar.addSeparator()
        self.player_action = bar.addAction("Player")
        self.mini_player_action = bar.addAction("Mini player")
        bar.addSeparator()
        self.account_label = PlainLabel("")
        self.account_label.setMinimumWidth(120)
        bar.addWidget(self.account_label)
        self.sign_in_action.triggered.connect(self.sign_in)
        self.sync_action.triggered.connect(self.start_sync)
        self.scan_action.triggered.connect(self.start_scan)
        self.player_action.triggered.connect(lambda: self.show_player(compact=False))
        self.mini_player_action.triggered.connect(lambda: self.show_player(compact=True))
        self.quit_action = QAction("Quit", self)
        self.quit_action.setShortcut(QKeySequence("Ctrl+Q"))
        self.quit_action.setShortcutContext(Qt.ShortcutContext.ApplicationShortcut)
        self.quit_action.triggered.connect(self.quit_app)
        self.addAction(self.quit_action)

    def _build_status_bar(self) -> None:
        status = self.statusBar()
        self.status_label = PlainLabel("")
        self.progress = QProgressBar()
        self.progress.setMaximumWidth(260)
        self.progress.setTextVisible(True)
        self.cancel_button = QPushButton("Cancel")
        status.addWidget(self.status_label, 1)
        status.addPermanentWidget(self.progress)
        status.addPermanentWidget(self.cancel_button)
        self.progress.hide()
        self.cancel_button.hide()
        self.cancel_button.clicked.connect(self.cancel_job)

    # --- start-up ------------------------------------------------------------------------

    def start(self) -> None:
        """After the window is shown: first-run wizard, demo, or the usual checks."""
        self._started = True
        warning = self.services.settings.load_warning
        if warning:
            self.show_status(warning)
        services = self.services
        self.ctx.runner.run(lambda: services.db.recovery_notice(), lane="db",
                            name="recovery-notice", on_done=self._on_recovery_notice,
                            on_error=lambda exc: self.ctx.error("Database", exc, background=True))
        if self.ctx.demo:
            self.start_demo()
            self.ctx.warm_up()
            return
        if self._show_wizard and needs_first_run(self.services):
            QTimer.singleShot(0, self.run_wizard)
        self.check_sign_in()
        self.pages[PAGE_NAMES[self.nav.currentRow()]].on_shown()
        self.ctx.warm_up()

    def _on_settings_changed(self) -> None:
        from desktoprec.ui.app import apply_theme

        app = QApplication.instance()
        if isinstance(app, QApplication):
            apply_theme(app, self.services.settings.theme)

    def _on_recovery_notice(self, notice: str | None) -> None:
        if notice:
            self.ctx.error("Database repaired", notice, background=True)

    def run_wizard(self) -> None:
        from desktoprec.ui.wizard import FirstRunDialog

        dialog = FirstRunDialog(self.ctx, self)
        self.wizard = dialog
        dialog.finished.connect(lambda _r: self.apply_wizard_choice(dialog))
        dialog.open()

    def apply_wizard_choice(self, dialog: FirstRunDialog) -> None:
        choice = dialog.choice
        if choice == "spotify":
            self.set_client_id(dialog.client_id, then=self.sign_in)
        elif choice == "demo":
            self.ctx.demo = True
            self.start_demo()
        elif choice == "folders":
            self.settings_page.add_folder(dialog.folder)
            self.settings_page.save()
            self.start_scan()
        self.update_banner()

    def set_client_id(self, client_id: str, then: Callable[[], None] | None = None) -> None:
        """Connect a Spotify app through AuthService.set_client_id on the database lane: it may end
        the demo (closing its database, removing its files), and a refused ID is shown, not
        raised into the event loop."""
        auth = self.services.auth

        def connected(_result: object) -> None:
            self.update_banner()
            if then is not None:
                then()

        self.ctx.runner.run(lambda: auth.set_client_id(client_id), lane="db", name="connect",
                            on_done=connected,
                            on_error=lambda exc: self.ctx.error("Connect Spotify", exc))

    def check_sign_in(self) -> None:
        if not self.services.settings.effective_client_id():
            self.signed_in = False
            self.update_banner()
            return
        services = self.services
        self.ctx.runner.run(lambda: bool(services.auth.is_signed_in()), lane="network",
                            name="signed-in",
                            on_done=self._on_signed_in_known,
                            on_error=lambda exc: self._on_signed_in_known(False))
        self.load_account()

    def _on_signed_out(self) -> None:
        self.signed_in = False
        self.show_status("Signed out of Spotify.")
        self.update_banner()

    def _on_signed_in_known(self, value: bool) -> None:
        self.signed_in = value
        self.update_banner()

    def load_account(self) -> None:
        services = self.services
        self.ctx.runner.run(services.browse.account, lane="db", name="account",
                            on_done=self._on_account, on_error=lambda exc: None)

    def _on_account(self, account: AccountSummary | None) -> None:
        self.account = account
        if account:
            who = clip(account.display_name or account.id, 60)
            self.sign_in_action.setVisible(not self.ctx.demo)  # the demo signs itself in
            if self.ctx.demo:
                self.account_label.set_plain(f"  Demo account: {who}")
                self.setWindowTitle(f"Demo account — {APP_NAME}")
            else:
                premium = account.premium
                plan = (" · Spotify Premium" if premium is True else
                        " · Spotify Free" if premium is False else "")
                self.account_label.set_plain(f"  Signed in as {who}{plan}")
                self.setWindowTitle(f"{who} — {APP_NAME}")
            text = self.account_label.full_text()
            self.account_label.setMinimumWidth(
                min(320, self.account_label.fontMetrics().horizontalAdvance(text) + 12))

    def update_banner(self) -> None:
        settings = self.services.settings
        if self.job is not None and self.job_title == "Preparing the demo" \
                and self.demo_first_list:
            self._set_banner("Your first recommendations are ready. The sound of each demo track "
                             "is being analysed now; a better list will be offered when it is "
                             "done.", None, "")
        elif self.job is not None and self.job_title == "Preparing the demo":
            self._set_banner("Preparing the demo account: signing in and syncing first; your "
                             "first recommendations appear in a few seconds, and the sound of "
                             "each track is analysed after that.", None, "")
        elif self.ctx.demo and not self.demo_ready and self.job is None:
            self._set_banner(DEMO_CANCELLED, self.start_demo, "Resume")
        elif self.ctx.demo:
            self._set_banner("This is the demo account: a generated library served on your own "
                             "machine. Connect your own Spotify account any time.",
                             self.run_wizard, "Connect Spotify…")
        elif not settings.effective_client_id():
            if settings.music_folders:
                self._set_banner("Using only your music folders. Connect Spotify to add your "
                                 "library, playlists and listening.", self.run_wizard,
                                 "Connect Spotify…")
            else:
                self._set_banner("Start by connecting Spotify, trying the demo, or adding a "
                                 "music folder.", self.run_wizard, "Get started…")
        elif self.signed_in is False:
            self._set_banner("You are not signed in to Spotify.", self.sign_in, "Sign in")
        else:
            self.banner.hide()

    def _set_banner(self, text: str, action: Callable[[], None] | None, label: str) -> None:
        self.banner_text.set_plain(text)
        self._banner_action = action
        self.banner_button.setText(label)
        self.banner_button.setVisible(action is not None)
        self.banner.show()

    # --- navigation ----------------------------------------------------------------------

    def _on_nav(self, row: int) -> None:
        if 0 <= row < len(PAGE_NAMES):
            page = self.pages[PAGE_NAMES[row]]
            self.stack.setCurrentWidget(page)
            if self._started:  # pages load their data once the window is up
                page.on_shown()

    def go_to(self, name: str) -> Page:
        self.nav.setCurrentRow(PAGE_NAMES.index(name))
        return self.pages[name]

    def more_like(self, track: Track) -> None:
        page = self.more_like_page
        self.go_to("More like this")
        page.clear_seeds()
        page.add_seed(track)
        page.run()

    def continue_playlist(self, playlist_id: str) -> None:
        self.go_to("Continue a playlist")
        self.continue_page.continue_with(playlist_id)

    def show_picks(self, picks: RecommendationList) -> None:
        self.for_you_page.show_given(picks)
        self.go_to("For you")

    def show_and_raise(self) -> None:
        self.show()
        self.setWindowState(self.windowState() & ~Qt.WindowState.WindowMinimized)
        self.raise_()
        self.activateWindow()

    def show_player(self, compact: bool = False) -> None:
        self.player_window.set_compact(compact)
        self.player_window.show()
        self.player_window.raise_()

    def _on_track_changed(self, track: Track | None) -> None:
        if track is not None:
            self.show_status(f"Now playing: {clip(track.name, 60)} — "
                             f"{clip(', '.join(track.artists), 40)}")

    def show_status(self, text: str) -> None:
        self.status_label.set_plain(text)

    # --- long jobs: one at a time, with progress and Cancel ------------------------------

    def run_job(self, title: str, work: Callable[..., Any], *, on_done: Callable[[Any], None],
                lane: str = "network") -> Task | None:
        if self.job is not None:
            self.show_status(f"{self.job_title} is still running.")
            return None
        self.job_title = title
        self.progress.setRange(0, 0)
        self.progress.setFormat(title)
        self.progress.show()
        self.cancel_button.show()
        self.cancel_button.setEnabled(True)
        self.show_status(f"{title}…")
        self.job = _PENDING_JOB
        task = self.ctx.runner.run(
            work, lane=lane, name=title, long=True, on_progress=self._on_job_progress,
            on_done=lambda result: self._on_job_done(title, result, on_done),
            on_error=lambda exc: self._on_job_failed(title, exc),
            on_cancelled=lambda: self._on_job_cancelled(title))
        if not task.finished:  # an inline runner may already be done
            self.job = task
        self.update_banner()
        return task

    def _on_job_progress(self, phase: str, done: int, total: int) -> None:
        if total > 0:
            self.progress.setRange(0, total)
            self.progress.setValue(min(done, total))
            self.progress.setFormat(f"{clip(phase, 30)} %v/%m")
        else:
            self.progress.setRange(0, 0)
            self.progress.setFormat(clip(phase, 30))
        self.show_status(f"{self.job_title}: {clip(phase, 60)}")

    def _end_job(self) -> None:
        self.job = None
        self.progress.hide()
        self.cancel_button.hide()
        self.show_status("")  # the last phase ("…: index") is over
        self.update_banner()

    def _on_job_done(self, title: str, result: Any, on_done: Callable[[Any], None]) -> None:
        self._end_job()
        freeze_long_lived_objects()
        self.last_job_result = result
        on_done(result)

    def _on_job_failed(self, title: str, exc: BaseException) -> None:
        self._end_job()
        self.last_job_result = exc
        if title == "Preparing the demo":
            self.for_you_page.view.clear_list(f"The demo could not be prepared: "
                                                  f"{describe(exc)} Choose Resume to try again.")
        if isinstance(exc, SignInRequired):
            self.signed_in = False
            self.update_banner()
        self.ctx.error(f"{title} failed", exc, background=True)

    def _on_job_cancelled(self, title: str) -> None:
        self._end_job()
        self.last_job_result = Cancelled()
        self.show_status(f"{title} cancelled; what was finished is kept.")
        if title == "Preparing the demo":
            self.for_you_page.view.clear_list(DEMO_CANCELLED)
            self.update_banner()

    def cancel_job(self) -> None:
        if self.job is not None:
            self.cancel_button.setEnabled(False)
            self.show_status(f"Cancelling {self.job_title.lower()}…")
            self.job.cancel()

    def start_sync(self) -> None:
        if self.ctx.demo and not self.demo_ready:
            self.start_demo()  # the demo account is synced as part of preparing it
            return
        sync = self.services.sync

        def work(progress: Any, cancel: Any) -> Any:
            # one service method: sync, enrich from the enabled sources, refresh, index
            return sync.sync_and_enrich(progress=progress, cancel=cancel)

        self.run_job("Sync", work, on_done=self._on_synced)

    def _on_synced(self, report: AfterSyncReport) -> None:
        summary = sync_summary(report.to_json())
        self.signed_in = True
        self.show_status(summary)
        self.ctx.notified.emit("Sync finished", summary)
        self.ctx.library_changed.emit()
        self.load_account()
        self.update_banner()

    def start_scan(self) -> None:
        library = self.services.library
        folders = list(self.services.settings.music_folders)
        if not folders:
            self.go_to("Settings")
            self.show_status("Add a music folder first.")
            return

        def work(progress: Any, cancel: Any) -> Any:
            report = library.scan(folders, progress=progress, cancel=cancel)
            library.analyze_library(progress=progress, cancel=cancel)
            self.services.recommend.rebuild_index(progress=progress, cancel=cancel)
            return report.to_dict()

        self.run_job("Scanning your music", work, on_done=self._on_scanned, lane="cpu")

    def _on_scanned(self, report: Any) -> None:
        self.show_status("Your music folders are scanned and analysed.")
        self.ctx.notified.emit("Music folders analysed", "Your files are in the library.")
        self.ctx.library_changed.emit()

    def start_demo(self) -> None:
        services = self.services
        if services.demo.is_prepared() and not self.demo_ready:
            self._resume_demo()
            return
        # its first list comes when the demo is ready, not before
        self.for_you_page.expect_list("Preparing the demo account; your recommendations appear "
                                      "here when it is ready.")
        runner = self.ctx.runner
        self.demo_first_list = False
        self.run_job("Preparing the demo", lambda progress, cancel: services.demo.prepare(
            progress=progress, cancel=cancel, enrich=False,
            on_first_index=lambda: runner.post(self._on_demo_first_index)),
            on_done=self._on_demo_ready)

    def _resume_demo(self) -> None:
        """A returning listener: a list from the index already on disk at once; the emulator,
        sign-in and sync follow in the background (cancellable), after that list, and rebuild
        nothing the library did not change (DemoService.prepare)."""
        services = self.services
        page = self.for_you_page
        self.demo_first_list = True
        self.go_to("For you")
        page.on_shown()  # its first list, unless showing it already asked for one
        started = False

        def refresh(*_shown: Any) -> None:
            nonlocal started
            if started:
                return
            started = True
            try:
                self.ctx.recommendations_shown.disconnect(refresh)
            except (RuntimeError, TypeError):  # already gone
                pass
            self.run_job(DEMO_REFRESH, lambda progress, cancel: services.demo.prepare(
                progress=progress, cancel=cancel, enrich=False), on_done=self._on_demo_ready)

        self.ctx.recommendations_shown.connect(refresh)
        QTimer.singleShot(FIRST_LIST_WAIT_MS, refresh)  # a failed first list waits no longer
        self.update_banner()

    def _on_demo_first_index(self) -> None:
        """The account is synced and indexed: a first list now; the sound follows."""
        self.demo_first_list = True
        self.signed_in = True
        self.go_to("For you")
        self.ctx.library_changed.emit()  # For you asks for its first list, the pages reload
        self.load_account()
        self.update_banner()

    def _on_demo_ready(self, info: Any) -> None:
        self.ctx.demo = True
        self.demo_ready = True
        self.signed_in = True
        self.show_status("The demo is ready.")
        self.ctx.demo_prepared.emit()
        self.ctx.notified.emit("Demo ready", "Explained recommendations are waiting in For you.")
        page = self.for_you_page
        if not page.view.cards:
            self.go_to("For you")
        # with the sound analysed: a list on screen stays, the better one is offered by a bar
        self.ctx.library_changed.emit()
        self.load_account()
        self.update_banner()
        # sound, genres and new artists for the demo tracks that have no file
        demo = self.services.demo
        self.run_job("Fetching previews for the demo", lambda progress, cancel: demo.enrich(
            progress=progress, cancel=cancel), on_done=lambda _r: self.ctx.library_changed.emit())

    def sign_in(self) -> None:
        auth = self.services.auth
        if not self.services.settings.effective_client_id():
            self.run_wizard()
            return
        from desktoprec.ui.wizard import SignInDialog

        dialog = SignInDialog(self)
        self.sign_in_dialog = dialog
        runner = self.ctx.runner

        def open_url(url: str) -> None:  # called on a worker thread
            from desktoprec.spotify.auth import browser_address

            page = browser_address(url)  # the browser's command line shows no sign-in state
            def show() -> None:
                dialog.set_url(url)
                self.ctx.open_url(page)

            runner.post(show)

        task = self.run_job("Signing in", lambda progress, cancel: auth.login(
            open_url=open_url, cancel=cancel, timeout=SIGN_IN_TIMEOUT_S),
            on_done=self._on_signed_in)
        if task is None:
            return
        dialog.rejected.connect(task.cancel)
        dialog.open()

    def _on_signed_in(self, profile: Any) -> None:
        dialog = self.sign_in_dialog
        if dialog is not None:
            dialog.accept()
        self.signed_in = True
        name = profile.get("display_name") or profile.get("id") if isinstance(profile, dict) else ""
        self.show_status(f"Signed in as {clip(name or 'you', 60)}. Syncing your library…")
        self.update_banner()
        QTimer.singleShot(0, self.start_sync)

    # --- closing -------------------------------------------------------------------------

    def closeEvent(self, event: QCloseEvent) -> None:
        if (not self._quitting and self.services.settings.close_to_tray
                and self.tray.available):
            event.ignore()
            self.hide()
            self.player_window.hide()
            if not self._tray_hint_shown:
                self._tray_hint_shown = True
                self.tray.notify("Still running", "desktoprec keeps going in the tray; "
                                 "choose Quit there to leave.")
            return
        event.accept()
        self.quit_app()

    def quit_app(self) -> None:
        """Cancel work, let the running DB transaction finish, stop executors, leave."""
        if self._quitting:
            return
        self._quitting = True
        log.info("quitting")
        self.player.stop()
        if self.job is not None:
            self.job.cancel()
        stopped = self.ctx.runner.shutdown(timeout=4.0)
        if not stopped:
            log.warning("some background work did not stop in time")
        self.tray.hide()
        if self.mpris is not None:
            self.mpris.stop()
        self.player_window.close()
        self.close()
        app = QApplication.instance()
        if app is not None:
            app.quit()

    def describe_last_error(self) -> str:
        result = self.last_job_result
        return describe(result) if isinstance(result, BaseException) else ""
