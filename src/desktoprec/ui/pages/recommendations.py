"""The recommendations view the four recommendation pages share: the request, the track cards
(one tab stop per list, keys on the focused card), the "why" card, the dial and the selectors."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QEvent, Qt, QTimer, Signal
from PySide6.QtGui import QContextMenuEvent, QKeyEvent
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFrame,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QMenu,
    QPushButton,
    QScrollArea,
    QSlider,
    QSplitter,
    QStyle,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from desktoprec.domain import Recommendation, RecommendationList, Track
from desktoprec.ui.context import AppContext
from desktoprec.ui.covers import show_cover
from desktoprec.ui.widgets import (
    BarChartWidget,
    CoverLabel,
    PlainLabel,
    SoundCompareWidget,
    clip,
    format_duration,
    safe_tooltip,
)
from desktoprec.words import source_word

if TYPE_CHECKING:
    from desktoprec.recommend.service import RecommendService

log = logging.getLogger(__name__)

MOODS = ["", "happy", "sad", "calm", "energetic"]
ACTIVITIES = ["", "exercise", "relax", "party", "focus"]
# Keys on a focused card (the list of cards is one tab stop; arrows move between cards).
CARD_KEYS: tuple[tuple[str, str, str], ...] = (
    ("Enter / Space / P", "play", "play from this track"),
    ("L", "like", "like"), ("D", "dislike", "dislike: never suggest again"),
    ("S", "skip", "skip"), ("W", "why", "read why it is here"),
    ("O", "open", "open in Spotify"), ("Q", "queue", "add to the queue"),
    ("Shift+Q", "next", "play next"),
)
CARD_KEYS_HELP = "Keys on a card: " + "; ".join(f"{k} {w}" for k, _, w in CARD_KEYS) + \
    ". Up/Down move between cards, Tab leaves the list; a right click (or the Menu key) lists them."
_KEY_ACTIONS = {Qt.Key.Key_Return: "play", Qt.Key.Key_Enter: "play", Qt.Key.Key_Space: "play",
                Qt.Key.Key_P: "play", Qt.Key.Key_L: "like", Qt.Key.Key_D: "dislike",
                Qt.Key.Key_S: "skip", Qt.Key.Key_W: "why", Qt.Key.Key_O: "open",
                Qt.Key.Key_Q: "queue"}
_SHIFT_KEY_ACTIONS = {Qt.Key.Key_Q: "next"}
NARROW_CARD = 430  # below this width a card shows only Play, Like and Dislike
NARROW_HIDDEN = ("skip", "open")


@dataclass
class RecommendRequest:
    """What to ask the recommend service; the dial and selectors edit a copy and ask again."""

    mode: str = "for_you"
    seeds: tuple[str, ...] = ()
    playlist_id: str | None = None
    n: int = 20
    mood: str | None = None
    activity: str | None = None
    diversity: float | None = None
    path: tuple[str, str] | None = None  # (from, to) for the A→B path
    avoid: tuple[str, ...] = ()  # Refresh: tracks just shown, so the new list is a fresh one
    extra: dict[str, Any] = field(default_factory=dict)

    def call(self, recommend_service: RecommendService) -> RecommendationList:
        if self.path is not None:
            return recommend_service.path(self.path[0], self.path[1], self.n)
        return recommend_service.recommend(
            mode=self.mode, seeds=tuple(self.seeds), playlist_id=self.playlist_id, n=self.n,
            mood=self.mood or None, activity=self.activity or None,
            diversity=self.diversity, avoid=tuple(self.avoid), **self.extra)


def describe_figures(figures: dict[str, Any], items: tuple[Recommendation, ...]) -> str:
    """The list's own diversity figures in words (computed here when the service gave none)."""
    artists = figures.get("distinct_artists")
    if artists is None:
        artists = len({a for r in items for a in r.track.artists[:1]})
    genres = figures.get("distinct_genres")
    if genres is None:
        genres = len({g for r in items for g in r.genres})
    share = figures.get("largest_artist_share")
    if share is None and items:
        counts: dict[str, int] = {}
        for r in items:
            key = r.track.artists[0] if r.track.artists else "?"
            counts[key] = counts.get(key, 0) + 1
        share = max(counts.values()) / len(items)
    picks = sum(1 for r in items if r.diversity_pick)
    def count(n: int, word: str) -> str:
        return f"{n} {word}" + ("" if n == 1 else "s")

    parts = [count(len(items), "track"), count(int(artists), "artist"),
             count(int(genres), "genre")]
    if share is not None:
        parts.append(f"largest share of one artist {float(share) * 100:.0f}%")
    parts.append(count(picks, "diversity pick"))
    bridge = figures.get("path_genres")
    if isinstance(bridge, list) and len(bridge) >= 2:  # an A→B path: the genres it goes through
        parts.append("through " + " → ".join(str(g) for g in bridge))
    return " · ".join(parts)


class TrackCardWidget(QFrame):
    """One recommended track: cover, title, artists, and its actions."""

    action_requested = Signal(str, object)  # action name, Recommendation

    def __init__(self, rec: Recommendation, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.rec = rec
        self.saved = False
        self.now_playing = False
        self.setObjectName("card")
        self.setFrameShape(QFrame.Shape.NoFrame)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(6, 4, 6, 4)
        layout.setSpacing(3)
        self.cover = CoverLabel(56)
        album_key = f"{rec.track.album or rec.track.name}|{', '.join(rec.track.artists[:1])}"
        self.cover.set_placeholder(album_key, rec.track.album or rec.track.name)
        layout.addWidget(self.cover)
        text = QVBoxLayout()
        self.title = PlainLabel(rec.track.name, bold=True)
        self.artists = PlainLabel(", ".join(rec.track.artists) or "unknown artist")
        self.detail = PlainLabel("")
        self.detail.set_muted()
        self._set_detail()
        for w in (self.title, self.artists, self.detail):
            text.addWidget(w)
        layout.addLayout(text, 1)
        self.buttons: dict[str, QToolButton] = {}
        style = self.style()
        icons = {"play": QStyle.StandardPixmap.SP_MediaPlay,
                 "skip": QStyle.StandardPixmap.SP_MediaSkipForward}
        for name, label, tip in (("play", "▶", "Play"), ("like", "♥", "Like"),
                                 ("dislike", "✕", "Dislike: never suggest again"),
                                 ("skip", "»", "Skip"), ("open", "↗", "Open in Spotify")):
            button = QToolButton()
            button.setText(label)
            if name in icons:
                button.setIcon(style.standardIcon(icons[name]))
            button.setToolTip(tip)
            button.setAccessibleName(tip)
            # the card's list is the one tab stop; its keys reach these actions (CARD_KEYS)
            button.setFocusPolicy(Qt.FocusPolicy.NoFocus)
            button.setFixedSize(28, 26)
            button.clicked.connect(lambda _=False, n=name: self.action_requested.emit(n, self.rec))
            layout.addWidget(button)
            self.buttons[name] = button
        if not rec.track.uri or rec.track.uri.startswith("spotify:local:"):
            self.buttons["open"].setEnabled(False)

    def _set_detail(self) -> None:
        rec = self.rec
        self.detail.set_plain(" · ".join(x for x in (
            clip(rec.track.album or "", 60), format_duration(rec.track.duration_ms),
            ", ".join(rec.genres[:2]), "diversity pick" if rec.diversity_pick else "",
            "saved" if self.saved else "", "your file" if rec.track.local_path else "") if x))

    def mark_saved(self, saved: bool = True) -> None:
        """A saved track of the user's (shown when "Include saved" brings them in)."""
        self.saved = saved
        self._set_detail()

    def mark_liked(self) -> None:
        self.buttons["like"].setText("♥✓")

    def set_now_playing(self, on: bool) -> None:
        """The now-playing marker (PlaybackController.now_playing drives it)."""
        self.now_playing = on
        self.title.set_plain(f"▶ {self.rec.track.name}" if on else self.rec.track.name)

    def resizeEvent(self, event: Any) -> None:
        super().resizeEvent(event)
        # a narrow card (800×600) gives its title the room of Skip and Open, which stay on the
        # keys (S, O) and in the card's menu
        for name in NARROW_HIDDEN:
            self.buttons[name].setVisible(self.width() >= NARROW_CARD)


class CardListWidget(QListWidget):
    """The cards of one list: a single tab stop; arrows move, keys act on the current card."""

    key_action = Signal(str, int)  # action name, row

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("cards")
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        # more entries for a card's menu: (label, action or None when not possible) per row
        self.more_actions: Callable[[int], list[tuple[str, Callable[[], None] | None]]] | None \
            = None
        self.setToolTip(CARD_KEYS_HELP)
        self.setAccessibleName("Recommended tracks")
        self.setAccessibleDescription(CARD_KEYS_HELP)
        self.setVerticalScrollMode(QListWidget.ScrollMode.ScrollPerPixel)

    def event(self, event: QEvent) -> bool:
        # Space and the card keys belong to the focused card, not to a window-wide shortcut
        if event.type() == QEvent.Type.ShortcutOverride and isinstance(event, QKeyEvent) \
                and event.modifiers() in (Qt.KeyboardModifier.NoModifier,
                                          Qt.KeyboardModifier.KeypadModifier) \
                and event.key() in _KEY_ACTIONS:
            event.accept()
            return True
        return super().event(event)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        action = _KEY_ACTIONS.get(Qt.Key(event.key()))
        plain = event.modifiers() in (Qt.KeyboardModifier.NoModifier,
                                      Qt.KeyboardModifier.KeypadModifier)
        if event.modifiers() == Qt.KeyboardModifier.ShiftModifier:
            action, plain = _SHIFT_KEY_ACTIONS.get(Qt.Key(event.key())), True
        if action is not None and plain and self.currentRow() >= 0:
            self.key_action.emit(action, self.currentRow())
            event.accept()
            return
        super().keyPressEvent(event)

    def card_menu(self, row: int) -> QMenu:
        """The card's actions with their keys (right click, or the Menu key on the card), then
        any `more_actions(row)` gives (the window's Go to artist / Go to album)."""
        menu = QMenu(self)
        for keys, action, words in CARD_KEYS:
            entry = menu.addAction(f"{words[:1].upper()}{words[1:]}\t{keys}")
            entry.triggered.connect(lambda _=False, a=action: self.key_action.emit(a, row))
        more = self.more_actions(row) if self.more_actions is not None else []
        if more:
            menu.addSeparator()
        for label, act in more:
            entry = menu.addAction(label)
            entry.setEnabled(act is not None)
            if act is not None:
                entry.triggered.connect(act)
        return menu

    def contextMenuEvent(self, event: QContextMenuEvent) -> None:
        row = self.currentRow() if event.reason() == QContextMenuEvent.Reason.Keyboard \
            else self.indexAt(event.pos()).row()
        if row < 0:
            return
        self.setCurrentRow(row)
        menu = self.card_menu(row)
        menu.exec(event.globalPos())
        menu.deleteLater()


class WhyCardWidget(QFrame):
    """Why this track: summary, numbered reasons, sound vs seeds, score shares, data sources."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("whyCard")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        outer = QVBoxLayout(self)
        self.scroller = scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        body = QWidget()
        body.setObjectName("whyBody")
        layout = QVBoxLayout(body)
        self.heading = PlainLabel("Why this track?", bold=True, point_delta=2, elide=False)
        self.summary = PlainLabel("Pick a track to see why it is here.", elide=False)
        self.reasons = PlainLabel("", elide=False)
        self.sound_title = PlainLabel("How it sounds, next to what you play", bold=True,
                                      elide=False)
        self.sound_chart = SoundCompareWidget()
        self.shares_title = PlainLabel("What put it here (share of the score, %)", bold=True,
                                       elide=False)
        self.shares_chart = BarChartWidget(value_format="{:.0f}%")
        self.sources = PlainLabel("", elide=False)
        for w in (self.heading, self.summary, self.reasons, self.sound_title, self.sound_chart,
                  self.shares_title, self.shares_chart, self.sources):
            layout.addWidget(w)
        layout.addStretch(1)
        scroll.setWidget(body)
        outer.addWidget(scroll)
        self.current: Recommendation | None = None

    def show_recommendation(self, rec: Recommendation | None) -> None:
        self.current = rec
        self.scroller.verticalScrollBar().setValue(0)  # each card's reasons start at the top
        if rec is None:
            self.heading.set_plain("Why this track?")
            self.summary.set_plain("Pick a track to see why it is here.")
            self.reasons.set_plain("")
            self.sound_chart.set_values({}, {})
            self.shares_chart.set_items([])
            self.sources.set_plain("")
            return
        artists = ", ".join(rec.track.artists)
        self.heading.set_plain(f"Why “{clip(rec.track.name, 80)}” by {clip(artists, 60)}?")
        self.summary.set_plain(rec.explanation.summary)
        reasons = [f"{i}. {clip(r.text, 300)}" for i, r in enumerate(rec.explanation.reasons, 1)]
        if rec.diversity_pick and not any("divers" in r.lower() for r in reasons):
            reasons.append(f"{len(reasons) + 1}. A diversity pick: it widens this list.")
        self.reasons.set_plain("\n".join(reasons) or "No further reasons were given.")
        self.sound_chart.set_values(rec.sound, rec.seed_sound)
        shares = rec.explanation.block_shares or {}
        self.shares_chart.set_items(sorted(((k, float(v) * 100) for k, v in shares.items()),
                                           key=lambda kv: -kv[1]))
        sources = {**rec.sources, **rec.explanation.sources}
        if sources:
            words = [f"{block}: {source_word(src)}"
                     for block, src in sorted(sources.items())]
            self.sources.set_plain("Where its data came from: " + "; ".join(words) + ".")
        else:
            self.sources.set_plain("Where its data came from: not recorded.")


@dataclass(frozen=True)
class ListAnswer:
    """What a worker brings back for the view: the list and which of its tracks are saved."""

    result: RecommendationList
    saved_ids: frozenset[str] = frozenset()
    note: str = ""


# modes whose list the service makes without the dials, mood, activity or Include saved
MODES_WITHOUT_TUNING = frozenset({"path"})


class RecommendationsView(QWidget):
    """Shows one RecommendationList and re-asks the service when the dial or selectors move.

    A list that arrives on its own (after a sync or a scan) never replaces the one on screen: a
    bar offers it ("A new list is ready … Show").
    """

    list_shown = Signal(object)

    def __init__(self, ctx: AppContext, request: RecommendRequest | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.request = request or RecommendRequest()
        settings = ctx.services.settings
        if self.request.diversity is None:
            self.request.diversity = float(settings.diversity)
        self.request.extra.setdefault("include_saved",
                                      bool(settings.include_saved_in_recommendations))
        self.request.extra.setdefault("new", float(settings.new_artists))
        self.current: RecommendationList | None = None
        self.pending: ListAnswer | None = None  # a new list offered by the bar
        self._generation = 0
        self.loading = False
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        # two rows, so the page fits an 800 px wide window
        dials, actions = self._build_dials(), self._build_actions()
        layout.addLayout(dials)
        layout.addLayout(actions)
        layout.addWidget(self._build_new_list_bar())
        self.figures = PlainLabel("")
        self.figures.set_muted()
        layout.addWidget(self.figures)
        self.state = PlainLabel("", elide=False)
        self.state.setAlignment(Qt.AlignmentFlag.AlignCenter)
        layout.addWidget(self.state)
        layout.addWidget(self._build_cards_and_why(), 1)
        self.cards: list[TrackCardWidget] = []
        self._rerank_timer = QTimer(self)
        self._rerank_timer.setSingleShot(True)
        self._rerank_timer.setInterval(250)
        self._rerank_timer.timeout.connect(self.refresh)
        self._connect_signals()
        self._on_dial_moved(self.dial.value(), schedule=False)
        self._set_has_list(False)
        if self.request.mode in MODES_WITHOUT_TUNING:
            self._hide_tuning(dials)

    def _hide_tuning(self, dials: QHBoxLayout) -> None:
        """A list the dials, mood, activity and Include saved do not steer (an A→B path goes
        through the tracks on the route, saved or not) shows none of them, nor Refresh."""
        for i in range(dials.count()):
            item = dials.itemAt(i)
            widget = item.widget() if item is not None else None
            if widget is not None:
                widget.hide()
        for widget in (self.mood, self.activity, self.include_saved, self.refresh_button):
            widget.hide()

    # --- building ------------------------------------------------------------------------

    def _build_dials(self) -> QHBoxLayout:
        """Similar ↔ Diverse (with its number) and Familiar ↔ New."""
        controls = QHBoxLayout()
        controls.addWidget(QLabel("Similar"))
        self.dial = QSlider(Qt.Orientation.Horizontal)
        self.dial.setRange(0, 100)
        self.dial.setValue(round((self.request.diversity or 0.0) * 100))
        self.dial.setToolTip("Diversity: 0 = the closest matches, 100 = spread over artists "
                             "and genres")
        self.dial.setAccessibleName("Diversity")
        self.dial.setMinimumWidth(120)
        self.dial.setMaximumWidth(220)
        controls.addWidget(self.dial, 1)
        controls.addWidget(QLabel("Diverse"))
        self.dial_value = QLabel()
        # a fixed width for "100": the numbers do not push their neighbours about
        self.dial_value.setFixedWidth(self.dial_value.fontMetrics().horizontalAdvance("1000"))
        self.dial_value.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        controls.addWidget(self.dial_value)
        controls.addSpacing(8)
        controls.addWidget(QLabel("Familiar"))
        self.new_dial = QSlider(Qt.Orientation.Horizontal)
        self.new_dial.setRange(0, 100)
        self.new_dial.setValue(round(float(self.request.extra["new"]) * 100))
        self.new_dial.setToolTip("Familiar ↔ New: the share of the list given to artists you "
                                 "have never saved, played or followed")
        self.new_dial.setAccessibleName("Familiar or new artists")
        self.new_dial.setMinimumWidth(80)
        self.new_dial.setMaximumWidth(140)
        controls.addWidget(self.new_dial)
        controls.addWidget(QLabel("New"))
        controls.addStretch(1)
        return controls

    def _build_actions(self) -> QHBoxLayout:
        """Mood, activity, Include saved; Refresh, Play all and Add to playlist."""
        actions = QHBoxLayout()
        self.mood = QComboBox()  # the first item names the selector: no label needed
        self.mood.addItems([m or "any mood" for m in MOODS])
        self.mood.setAccessibleName("Mood")
        self.mood.setToolTip("Mood: lean the list towards happy, sad, calm or energetic tracks")
        actions.addWidget(self.mood)
        self.activity = QComboBox()
        self.activity.addItems([a or "any activity" for a in ACTIVITIES])
        self.activity.setAccessibleName("Activity")
        self.activity.setToolTip("Activity: tracks that suit exercise, relaxing, a party or focus")
        actions.addWidget(self.activity)
        self.include_saved = QCheckBox("Include saved")
        self.include_saved.setToolTip("Also suggest tracks you have already saved (marked "
                                      "“saved” on their cards)")
        self.include_saved.setChecked(
            bool(self.ctx.services.settings.include_saved_in_recommendations))
        actions.addWidget(self.include_saved)
        actions.addStretch(1)
        self.refresh_button = QPushButton("Refresh")
        self.refresh_button.setToolTip("A fresh list: tracks shown now are left out")
        self.play_all_button = QPushButton("Play all")
        self.export_button = QPushButton("Add to playlist…")
        for b in (self.refresh_button, self.play_all_button, self.export_button):
            actions.addWidget(b)
        return actions

    def _build_new_list_bar(self) -> QFrame:
        """The bar that offers a list made on its own (after a sync or a scan)."""
        self.new_list_bar = QFrame()
        self.new_list_bar.setObjectName("newList")
        bar = QHBoxLayout(self.new_list_bar)
        bar.setContentsMargins(8, 4, 8, 4)
        self.new_list_text = PlainLabel("")
        self.new_list_button = QPushButton("Show")
        self.new_list_dismiss = QPushButton("Keep this one")
        bar.addWidget(self.new_list_text, 1)
        bar.addWidget(self.new_list_button)
        bar.addWidget(self.new_list_dismiss)
        self.new_list_bar.hide()
        return self.new_list_bar

    def _build_cards_and_why(self) -> QSplitter:
        """The cards on the left, the why card on the right."""
        self.splitter = splitter = QSplitter()
        splitter.setChildrenCollapsible(False)
        self.list = CardListWidget()
        self.list.setMinimumWidth(260)
        self.why = WhyCardWidget()
        self.why.setMinimumWidth(200)
        splitter.addWidget(self.list)
        splitter.addWidget(self.why)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 2)
        return splitter

    def _connect_signals(self) -> None:
        """Controls that ask again, the buttons, the cards and the player's now-playing."""
        self.dial.valueChanged.connect(self._on_dial_moved)
        self.new_dial.valueChanged.connect(self._on_new_moved)
        self.mood.currentIndexChanged.connect(self._on_context_changed)
        self.activity.currentIndexChanged.connect(self._on_context_changed)
        self.include_saved.toggled.connect(self._on_context_changed)
        self.refresh_button.clicked.connect(self.fresh_list)
        self.play_all_button.clicked.connect(self.play_all)
        self.export_button.clicked.connect(self.export)
        self.new_list_button.clicked.connect(self.show_pending)
        self.new_list_dismiss.clicked.connect(self.dismiss_pending)
        self.list.currentRowChanged.connect(self._on_row_changed)
        if self.ctx.player is not None:
            self.ctx.player.now_playing.connect(lambda _t, _s: self.mark_now_playing())
        self.list.key_action.connect(self._on_key_action)

    def resizeEvent(self, event: Any) -> None:
        super().resizeEvent(event)
        # narrow windows: the cards keep room for their titles, the why card takes the rest
        total = self.splitter.width()
        if total < 760 and self.splitter.sizes()[1] > 240:
            self.splitter.setSizes([total - 240, 240])

    # --- asking --------------------------------------------------------------------------

    def _on_dial_moved(self, value: int, schedule: bool = True) -> None:
        self.dial_value.setText(f"{value}")
        self.request.diversity = value / 100.0
        if schedule and self.current is not None:
            self._rerank_timer.start()

    def _on_new_moved(self, value: int) -> None:
        self.request.extra["new"] = value / 100.0
        if self.current is not None:
            self._rerank_timer.start()

    def _on_context_changed(self) -> None:
        self.request.mood = MOODS[self.mood.currentIndex()] or None
        self.request.activity = ACTIVITIES[self.activity.currentIndex()] or None
        self.request.extra["include_saved"] = self.include_saved.isChecked()
        if self.current is not None:
            self._rerank_timer.start()

    def set_request(self, request: RecommendRequest, *, run: bool = True) -> None:
        request.diversity = self.request.diversity
        request.mood, request.activity = self.request.mood, self.request.activity
        request.extra = dict(self.request.extra)
        self.request = request
        if run:
            self.refresh()

    def fresh_list(self) -> None:
        """Refresh: the same question, with the tracks on screen left out."""
        self.refresh(avoid=tuple(c.rec.track.id for c in self.cards))

    def refresh(self, *, avoid: tuple[str, ...] = (), offer: bool = False,
                note: Callable[[], str] | None = None) -> None:
        """Ask again. `offer`: a list on screen stays; the new one is offered by the bar."""
        services = self.ctx.services  # the service is looked up (maybe imported) in the worker
        self._generation += 1
        generation = self._generation
        request = replace(self.request, seeds=tuple(self.request.seeds), avoid=tuple(avoid))
        offer = offer and bool(self.cards)
        if not offer:
            self.loading = True
            self.show_state("Finding tracks…")

        def work() -> ListAnswer:
            result = request.call(services.recommend)
            saved = services.browse.saved_track_ids([r.track.id for r in result.items])
            return ListAnswer(result, frozenset(saved), note() if note is not None else "")

        self.ctx.runner.run(
            work, lane="cpu", name="recommend",
            on_done=lambda answer: self._on_result(generation, answer, offer),
            on_error=lambda exc: self._on_failed(generation, exc, offer))

    def _on_result(self, generation: int, answer: ListAnswer, offer: bool = False) -> None:
        if generation != self._generation:
            return  # an older request answered after a newer one was made
        self.loading = False
        if offer and self.cards:
            self.offer(answer)
        else:
            self.show_answer(answer)

    def _on_failed(self, generation: int, exc: BaseException, offer: bool = False) -> None:
        if generation != self._generation:
            return
        self.loading = False
        if offer and self.cards:
            log.info("a new list could not be made: %s", exc)
            return  # the list on screen stays as it is
        from desktoprec.ui.errors import describe

        # nothing of the previous list may stay: it would read as the answer to this question
        self.clear_list(f"No recommendations: {describe(exc)}")

    # --- a new list, offered -------------------------------------------------------------

    def offer(self, answer: ListAnswer) -> None:
        shown = [c.rec.track.id for c in self.cards]
        fresh = [r.track.id for r in answer.result.items]
        if fresh == shown:
            return  # nothing new to offer
        self.pending = answer
        changed = len(set(fresh) - set(shown))
        detail = answer.note or (f"{changed} of its tracks are not in this one" if changed
                                 else "the same tracks in a new order")
        self.new_list_text.set_plain(f"A new list is ready ({detail}).")
        self.new_list_bar.show()

    def show_pending(self) -> None:
        answer, self.pending = self.pending, None
        self.new_list_bar.hide()
        if answer is not None:
            self.show_answer(answer)

    def dismiss_pending(self) -> None:
        self.pending = None
        self.new_list_bar.hide()

    # --- showing -------------------------------------------------------------------------

    def show_state(self, text: str) -> None:
        self.state.set_plain(text)
        self.state.setVisible(bool(text))

    def clear_list(self, state: str = "") -> None:
        """No list (e.g. its source could not be read): nothing of an earlier list stays."""
        self._generation += 1  # an answer still on its way is for the old question
        self.loading = False
        self.current = None
        self.list.clear()
        self.cards = []
        self.figures.set_plain("")
        self.why.show_recommendation(None)
        self._set_has_list(False)
        self.dismiss_pending()
        self.show_state(state)

    def _set_has_list(self, has: bool) -> None:
        self.play_all_button.setEnabled(has)
        self.export_button.setEnabled(has)
        self.refresh_button.setEnabled(has or self.current is not None)

    def show_answer(self, answer: ListAnswer) -> None:
        self.show_list(answer.result, saved_ids=answer.saved_ids)

    def show_list(self, result: RecommendationList,
                  saved_ids: frozenset[str] = frozenset()) -> None:
        self.current = result
        self.dismiss_pending()
        self.list.clear()
        self.cards = []
        for rec in result.items:
            card = TrackCardWidget(rec)
            if rec.track.id in saved_ids:
                card.mark_saved()
            card.action_requested.connect(self._on_card_action)
            item = QListWidgetItem()
            item.setSizeHint(card.sizeHint())
            item.setToolTip(safe_tooltip(f"{rec.track.name} — {', '.join(rec.track.artists)}"))
            self.list.addItem(item)
            self.list.setItemWidget(item, card)
            self.cards.append(card)
            self._load_cover(card)
        self.mark_now_playing()
        self.figures.set_plain(describe_figures(result.figures or {}, result.items)
                               if result.items else "")
        saved_count = sum(1 for c in self.cards if c.saved)
        if not result.items:
            state = ("No tracks to suggest yet. Sync your library or add a music folder, "
                     "then try again.")
        elif (len(result.items) < self.request.n and not self.include_saved.isChecked()
              and self.request.path is None):
            state = (f"Only {len(result.items)} tracks you have not saved fit; tick "
                     "“Include saved” to see more.")
        elif self.include_saved.isChecked() and self.request.path is None:
            state = (f"{saved_count} of these are tracks you saved." if saved_count else
                     "None of your saved tracks fits this list better than these.")
        else:
            state = ""
        self.show_state(state)
        self._set_has_list(bool(result.items))
        if result.items:
            self.list.setCurrentRow(0)
        else:
            self.why.show_recommendation(None)
        self.list_shown.emit(result)
        self.ctx.recommendations_shown.emit(result)

    def _load_cover(self, card: TrackCardWidget) -> None:
        show_cover(self.ctx, [card.cover], card.rec.track.image_url)

    def _on_row_changed(self, row: int) -> None:
        rec = self.cards[row].rec if 0 <= row < len(self.cards) else None
        self.why.show_recommendation(rec)

    def tracks(self) -> list[Track]:
        return [c.rec.track for c in self.cards]

    # --- actions -------------------------------------------------------------------------

    def _on_key_action(self, action: str, row: int) -> None:
        if not 0 <= row < len(self.cards):
            return
        card = self.cards[row]
        if action == "why":
            self.why.show_recommendation(card.rec)
            self.why.scroller.setFocus(Qt.FocusReason.ShortcutFocusReason)
            return
        if action == "open" and not card.buttons["open"].isEnabled():
            self.ctx.status_message.emit("This track is not on Spotify (a local file).")
            return
        self._on_card_action(action, card.rec)
        if action in ("dislike", "skip") and self.cards:
            self.list.setCurrentRow(min(row, len(self.cards) - 1))

    def _on_card_action(self, action: str, rec: Recommendation) -> None:
        if action == "play":
            self.play_from(rec)
        elif action == "open":
            self.ctx.open_in_spotify(rec.track.uri)
        elif action == "queue" and self.ctx.player is not None:
            self.ctx.player.add_to_queue(rec.track)
        elif action == "next" and self.ctx.player is not None:
            self.ctx.player.play_next(rec.track)
        elif action in ("like", "dislike", "skip"):
            self.send_feedback(rec, action)

    def mark_now_playing(self) -> None:
        playing = self.ctx.player.now_playing_id if self.ctx.player is not None else None
        for card in self.cards:
            if card.now_playing != (card.rec.track.id == playing):
                card.set_now_playing(card.rec.track.id == playing)

    def send_feedback(self, rec: Recommendation, kind: str) -> None:
        if kind == "like" and self.ctx.player is not None:
            self.ctx.player.like(rec.track)  # ♥ saves to the Spotify library (FeedbackService)
            for card in self.cards:
                if card.rec is rec:
                    card.mark_liked()
            return
        service = self.ctx.services.recommend
        self.ctx.runner.run(lambda: service.feedback(rec.track.id, kind), lane="db",
                            name="feedback", on_done=self._on_feedback_stored,
                            on_error=lambda exc: self.ctx.error("Feedback not saved", exc,
                                                                background=True))
        if kind == "like":
            for card in self.cards:
                if card.rec is rec:
                    card.mark_liked()
            self.ctx.status_message.emit(f"Liked {clip(rec.track.name, 60)}")
        else:
            self.remove(rec)
            self.ctx.status_message.emit(
                f"{'Disliked' if kind == 'dislike' else 'Skipped'} {clip(rec.track.name, 60)}")

    def _on_feedback_stored(self, answer: Any) -> None:
        """Two quick skips: the service answers with a fresh list that steers away from them."""
        fresh = answer.fresh
        if fresh is not None and fresh.items:
            self.show_list(fresh)
            self.ctx.status_message.emit("Two quick skips: here is a fresh list that steers "
                                         "away from them.")

    def remove(self, rec: Recommendation) -> None:
        for row, card in enumerate(self.cards):
            if card.rec is rec:
                self.list.takeItem(row)
                self.cards.pop(row)
                break

    def play_from(self, rec: Recommendation) -> None:
        if self.ctx.player is None:
            return
        tracks = self.tracks()
        start = next((i for i, c in enumerate(self.cards) if c.rec is rec), 0)
        self.ctx.player.play_queue(tracks, start, request=self.request)

    def play_all(self) -> None:
        if self.cards:
            self.play_from(self.cards[0].rec)

    def export(self) -> None:
        if self.current is None:
            return
        from desktoprec.ui.export_dialog import ExportDialog

        recs = tuple(c.rec for c in self.cards)
        dialog = ExportDialog(self.ctx, [r.track for r in recs], dict(self.current.recipe),
                              parent=self)
        dialog.open()
        self.export_dialog = dialog
