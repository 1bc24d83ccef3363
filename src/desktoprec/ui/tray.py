"""The tray icon and its menu: quick recommend, playback, sync, show, quit; and notifications."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QAction, QIcon
from PySide6.QtWidgets import QMenu, QSystemTrayIcon

from desktoprec.domain import RecommendationList, Track
from desktoprec.recommend.context import time_of_day
from desktoprec.ui.context import AppContext
from desktoprec.ui.widgets import clip

if TYPE_CHECKING:
    from desktoprec.services import Services

log = logging.getLogger(__name__)

QUICK_PICKS = 5


def quick_recommend(services: Services, n: int = QUICK_PICKS) -> RecommendationList:
    """Five picks for now: seeded by what was played last (recent listening), else "For you".

    The recommend service adds the time of day to the context itself; the recipe records it.
    """
    recent = services.browse.recent_track_ids(limit=5)
    service = services.recommend
    if recent:
        try:
            result = service.recommend(mode="more_like", seeds=tuple(recent), n=n)
        except Exception as exc:  # noqa: BLE001 - recent ids may be unknown to the index
            log.info("quick recommend from recent listening failed (%s); using For you", exc)
            result = service.recommend(mode="for_you", n=n)
    else:
        result = service.recommend(mode="for_you", n=n)
    recipe = dict(result.recipe)
    recipe.setdefault("mode", "quick")
    recipe["time_of_day"] = time_of_day()
    return RecommendationList(items=result.items[:n], recipe=recipe, figures=dict(result.figures),
                              list_id=result.list_id)


class TrayController(QObject):
    """Builds the tray menu (usable without a tray host: tests call its actions directly)."""

    picks_changed = Signal(object)  # RecommendationList

    def __init__(self, ctx: AppContext, *, icon: QIcon, show_window: Callable[[], None],
                 sync_now: Callable[[], None], quit_app: Callable[[], None],
                 show_picks: Callable[[RecommendationList], None]) -> None:
        super().__init__()
        self.ctx = ctx
        self._show_window = show_window
        self._show_picks = show_picks
        self.picks: RecommendationList | None = None
        self.notifications: list[tuple[str, str]] = []
        self.menu = QMenu()
        self.quick_menu = self.menu.addMenu("Quick recommend")
        self.quick_refresh_action = QAction("Refresh picks", self)
        self.quick_refresh_action.triggered.connect(self.refresh_quick)
        self.quick_open_action = QAction("Show them in the window", self)
        self.quick_open_action.triggered.connect(self.open_picks)
        self.pick_actions: list[tuple[QAction, QAction]] = []
        self._rebuild_quick_menu()
        self.menu.addSeparator()
        self.play_pause_action = self.menu.addAction("Play / pause")
        self.next_action = self.menu.addAction("Next")
        self.like_action = self.menu.addAction("Like")
        self.menu.addSeparator()
        self.sync_action = self.menu.addAction("Sync now")
        self.show_action = self.menu.addAction("Show window")
        self.menu.addSeparator()
        self.quit_action = self.menu.addAction("Quit")
        self.play_pause_action.triggered.connect(self._toggle)
        self.next_action.triggered.connect(self._next)
        self.like_action.triggered.connect(self._like)
        self.sync_action.triggered.connect(sync_now)
        self.show_action.triggered.connect(show_window)
        self.quit_action.triggered.connect(quit_app)
        self.icon: QSystemTrayIcon | None = None
        if QSystemTrayIcon.isSystemTrayAvailable():
            self.icon = QSystemTrayIcon(icon, self)
            self.icon.setToolTip("desktoprec")
            self.icon.setContextMenu(self.menu)
            self.icon.activated.connect(self._on_activated)
            self.icon.show()
        self.quick_menu.aboutToShow.connect(self._on_quick_menu_shown)
        ctx.notified.connect(self.notify)
        self.tooltip = "desktoprec"
        if ctx.player is not None:
            ctx.player.now_playing.connect(self._on_now_playing)

    def _on_now_playing(self, track: Track | None, state: str) -> None:
        """The tooltip says what plays (or is paused); the Like entry names the track."""
        if track is None:
            self.tooltip = "desktoprec"
            self.like_action.setText("Like")
        else:
            what = f"{track.name} — {', '.join(track.artists)}"
            self.tooltip = clip(f"desktoprec — {'paused' if state == 'paused' else 'playing'}: "
                                f"{what}", 120)
            self.like_action.setText(clip(f"Like ♥ {track.name}", 60))
        if self.icon is not None:
            self.icon.setToolTip(self.tooltip)

    @property
    def available(self) -> bool:
        return self.icon is not None

    # --- quick recommend -----------------------------------------------------------------

    def _on_quick_menu_shown(self) -> None:
        if self.picks is None:
            self.refresh_quick()

    def refresh_quick(self) -> None:
        services = self.ctx.services
        self._rebuild_quick_menu(note="Finding five picks…")
        self.ctx.runner.run(lambda: quick_recommend(services), lane="cpu", name="quick",
                            on_done=self._on_picks,
                            on_error=lambda exc: self._rebuild_quick_menu(
                                note=clip(f"No picks: {exc}", 80)))

    def _on_picks(self, picks: RecommendationList) -> None:
        self.picks = picks
        self._rebuild_quick_menu()
        self.picks_changed.emit(picks)
        if picks.items:
            self.notify("New recommendations",
                        f"{len(picks.items)} picks for this {picks.recipe.get('time_of_day', '')}")

    def _rebuild_quick_menu(self, note: str | None = None) -> None:
        self.quick_menu.clear()
        self.pick_actions = []
        self.queue_actions: list[tuple[QAction, QAction]] = []
        if note:
            info = self.quick_menu.addAction(note)
            info.setEnabled(False)
        if self.picks is not None:
            for rec in self.picks.items:
                sub = self.quick_menu.addMenu(
                    clip(f"{rec.track.name} — {', '.join(rec.track.artists)}", 60))
                play = sub.addAction("Play")
                play_next = sub.addAction("Play next")
                add = sub.addAction("Add to queue")
                show = sub.addAction("Open in the window")
                play.triggered.connect(lambda _=False, t=rec.track: self.play_pick(t))
                play_next.triggered.connect(lambda _=False, t=rec.track: self._queue(t, True))
                add.triggered.connect(lambda _=False, t=rec.track: self._queue(t, False))
                show.triggered.connect(self.open_picks)
                self.pick_actions.append((play, show))
                self.queue_actions.append((play_next, add))
        self.quick_menu.addSeparator()
        self.quick_menu.addAction(self.quick_refresh_action)
        self.quick_menu.addAction(self.quick_open_action)
        self.quick_open_action.setEnabled(self.picks is not None and bool(self.picks.items))

    def play_pick(self, track: Track) -> None:
        if self.ctx.player is None or self.picks is None:
            return
        tracks = [r.track for r in self.picks.items]
        start = next((i for i, t in enumerate(tracks) if t.id == track.id), 0)
        self.ctx.player.play_queue(tracks, start)

    def _queue(self, track: Track, play_next: bool) -> None:
        if self.ctx.player is None:
            return
        if play_next:
            self.ctx.player.play_next(track)
        else:
            self.ctx.player.add_to_queue(track)

    def open_picks(self) -> None:
        if self.picks is not None:
            self._show_window()
            self._show_picks(self.picks)

    # --- playback ------------------------------------------------------------------------

    def _toggle(self) -> None:
        if self.ctx.player is not None:
            self.ctx.player.toggle()

    def _next(self) -> None:
        if self.ctx.player is not None:
            self.ctx.player.advance(user=True)

    def _like(self) -> None:
        if self.ctx.player is not None:
            self.ctx.player.like()

    def _on_activated(self, reason: QSystemTrayIcon.ActivationReason) -> None:
        if reason == QSystemTrayIcon.ActivationReason.Trigger:
            self._show_window()

    # --- notifications -------------------------------------------------------------------

    def notify(self, title: str, text: str) -> None:
        self.notifications.append((title, text))
        if self.icon is not None and QSystemTrayIcon.supportsMessages():
            self.icon.showMessage(clip(f"desktoprec — {title}", 80), clip(text, 240),
                                  QSystemTrayIcon.MessageIcon.Information, 5000)

    def hide(self) -> None:
        if self.icon is not None:
            self.icon.hide()
