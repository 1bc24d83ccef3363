"""The recommendations view (cards, "why" card, diversity dial, mood, activity) and 4 pages."""

from __future__ import annotations

import logging
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QScrollArea,
    QSlider,
    QSpinBox,
    QSplitter,
    QStyle,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from desktoprec.domain import Recommendation, RecommendationList, Track
from desktoprec.ui import queries
from desktoprec.ui.context import AppContext
from desktoprec.ui.covers import cached_cover, fetch_cover
from desktoprec.ui.widgets import BarChartWidget, CoverLabel, PlainLabel, SoundCompareWidget, clip

if TYPE_CHECKING:
    from desktoprec.recommend.service import RecommendService

log = logging.getLogger(__name__)

MOODS = ["", "happy", "sad", "calm", "energetic"]
ACTIVITIES = ["", "exercise", "relax", "party", "focus"]
SOURCE_WORDS = {"own_file": "your own file", "spotify": "Spotify", "preview": "a preview clip",
                "none": "no data", "tags": "file tags", "metadata": "online metadata",
                "cluster": "sound cluster"}


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
    extra: dict[str, Any] = field(default_factory=dict)

    def call(self, recommend_service: RecommendService) -> RecommendationList:
        if self.path is not None:
            return recommend_service.path(self.path[0], self.path[1], self.n)
        return recommend_service.recommend(
            mode=self.mode, seeds=tuple(self.seeds), playlist_id=self.playlist_id, n=self.n,
            mood=self.mood or None, activity=self.activity or None,
            diversity=self.diversity, **self.extra)


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
    return " · ".join(parts)


class TrackCardWidget(QFrame):
    """One recommended track: cover, title, artists, and its actions."""

    action_requested = Signal(str, object)  # action name, Recommendation

    def __init__(self, rec: Recommendation, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.rec = rec
        self.setFrameShape(QFrame.Shape.StyledPanel)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(6, 4, 6, 4)
        self.cover = CoverLabel(56)
        self.cover.set_placeholder(rec.track.album or rec.track.name)
        layout.addWidget(self.cover)
        text = QVBoxLayout()
        self.title = PlainLabel(rec.track.name, bold=True)
        self.artists = PlainLabel(", ".join(rec.track.artists) or "unknown artist")
        detail = " · ".join(x for x in (
            clip(rec.track.album or "", 60), ", ".join(rec.genres[:2]),
            "diversity pick" if rec.diversity_pick else "",
            "your file" if rec.track.local_path else "") if x)
        self.detail = PlainLabel(detail)
        self.detail.setStyleSheet("color: palette(mid);")
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
            button.clicked.connect(lambda _=False, n=name: self.action_requested.emit(n, self.rec))
            layout.addWidget(button)
            self.buttons[name] = button
        if not rec.track.uri or rec.track.uri.startswith("spotify:local:"):
            self.buttons["open"].setEnabled(False)

    def mark_liked(self) -> None:
        self.buttons["like"].setText("♥✓")

    def set_now_playing(self, on: bool) -> None:
        """The now-playing marker (PlaybackController.now_playing drives it)."""
        self.now_playing = on
        self.title.set_plain(f"▶ {self.rec.track.name}" if on else self.rec.track.name)


class WhyCardWidget(QFrame):
    """Why this track: summary, numbered reasons, sound vs seeds, score shares, data sources."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setFrameShape(QFrame.Shape.StyledPanel)
        outer = QVBoxLayout(self)
        scroll = QScrollArea()
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        body = QWidget()
        layout = QVBoxLayout(body)
        self.heading = PlainLabel("Why this track?", bold=True, point_delta=2)
        self.summary = PlainLabel("Pick a track to see why it is here.", elide=False)
        self.reasons = PlainLabel("", elide=False)
        self.sound_title = PlainLabel("Its sound next to your seeds'", bold=True)
        self.sound_chart = SoundCompareWidget()
        self.shares_title = PlainLabel("What put it here (share of the score, %)", bold=True)
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
            words = [f"{block}: {SOURCE_WORDS.get(str(src), str(src))}"
                     for block, src in sorted(sources.items())]
            self.sources.set_plain("Where its data came from — " + "; ".join(words))
        else:
            self.sources.set_plain("Where its data came from: not recorded.")


class RecommendationsView(QWidget):
    """Shows one RecommendationList and re-asks the service when the dial or selectors move."""

    list_shown = Signal(object)

    def __init__(self, ctx: AppContext, request: RecommendRequest | None = None,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.request = request or RecommendRequest()
        if self.request.diversity is None:
            self.request.diversity = float(ctx.services.settings.diversity)
        self.request.extra.setdefault(
            "include_saved", bool(ctx.services.settings.include_saved_in_recommendations))
        self.current: RecommendationList | None = None
        self._generation = 0
        self.loading = False
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        controls = QHBoxLayout()
        controls.addWidget(QLabel("Similar"))
        self.dial = QSlider(Qt.Orientation.Horizontal)
        self.dial.setRange(0, 100)
        self.dial.setValue(round(self.request.diversity * 100))
        self.dial.setToolTip("Diversity: 0 = the closest matches, 100 = spread over artists "
                             "and genres")
        self.dial.setAccessibleName("Diversity")
        self.dial.setMaximumWidth(200)
        controls.addWidget(self.dial)
        controls.addWidget(QLabel("Diverse"))
        self.dial_value = QLabel()
        controls.addWidget(self.dial_value)
        controls.addSpacing(12)
        controls.addWidget(QLabel("Familiar"))
        self.new_dial = QSlider(Qt.Orientation.Horizontal)
        self.new_dial.setRange(0, 100)
        self.request.extra.setdefault("new", float(ctx.services.settings.new_artists))
        self.new_dial.setValue(round(float(self.request.extra["new"]) * 100))
        self.new_dial.setToolTip("Familiar ↔ New: the share of the list given to artists you "
                                 "have never saved, played or followed")
        self.new_dial.setAccessibleName("Familiar or new artists")
        self.new_dial.setMaximumWidth(140)
        controls.addWidget(self.new_dial)
        controls.addWidget(QLabel("New"))
        controls.addSpacing(12)
        controls.addWidget(QLabel("Mood"))
        self.mood = QComboBox()
        self.mood.addItems([m or "any" for m in MOODS])
        controls.addWidget(self.mood)
        controls.addWidget(QLabel("Activity"))
        self.activity = QComboBox()
        self.activity.addItems([a or "any" for a in ACTIVITIES])
        controls.addWidget(self.activity)
        self.include_saved = QCheckBox("Include saved")
        self.include_saved.setToolTip("Also suggest tracks you have already saved")
        self.include_saved.setChecked(
            bool(ctx.services.settings.include_saved_in_recommendations))
        controls.addWidget(self.include_saved)
        controls.addStretch(1)
        self.refresh_button = QPushButton("Refresh")
        self.play_all_button = QPushButton("Play all")
        self.export_button = QPushButton("Add to playlist…")
        for b in (self.refresh_button, self.play_all_button, self.export_button):
            controls.addWidget(b)
        layout.addLayout(controls)
        self.figures = PlainLabel("")
        layout.addWidget(self.figures)
        self.state = PlainLabel("", elide=False)
        self.state.setAlignment(Qt.AlignmentFlag.AlignCenter)
        layout.addWidget(self.state)
        splitter = QSplitter()
        self.list = QListWidget()
        self.list.setVerticalScrollMode(QListWidget.ScrollMode.ScrollPerPixel)
        self.why = WhyCardWidget()
        splitter.addWidget(self.list)
        splitter.addWidget(self.why)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 2)
        layout.addWidget(splitter, 1)
        self.cards: list[TrackCardWidget] = []
        self._rerank_timer = QTimer(self)
        self._rerank_timer.setSingleShot(True)
        self._rerank_timer.setInterval(250)
        self._rerank_timer.timeout.connect(self.refresh)
        self.dial.valueChanged.connect(self._on_dial_moved)
        self.new_dial.valueChanged.connect(self._on_new_moved)
        self.mood.currentIndexChanged.connect(self._on_context_changed)
        self.activity.currentIndexChanged.connect(self._on_context_changed)
        self.include_saved.toggled.connect(self._on_context_changed)
        self.refresh_button.clicked.connect(self.refresh)
        self.play_all_button.clicked.connect(self.play_all)
        self.export_button.clicked.connect(self.export)
        self.list.currentRowChanged.connect(self._on_row_changed)
        if ctx.player is not None:
            ctx.player.now_playing.connect(lambda _t, _s: self.mark_now_playing())
        self._on_dial_moved(self.dial.value(), schedule=False)
        self._set_has_list(False)

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

    def refresh(self) -> None:
        services = self.ctx.services  # the service is looked up (maybe imported) in the worker
        self._generation += 1
        generation = self._generation
        request = replace(self.request, seeds=tuple(self.request.seeds))
        self.loading = True
        self.state.set_plain("Finding tracks…")
        self.ctx.runner.run(
            lambda: request.call(services.recommend), lane="cpu", name="recommend",
            on_done=lambda result: self._on_result(generation, result),
            on_error=lambda exc: self._on_failed(generation, exc))

    def _on_result(self, generation: int, result: RecommendationList) -> None:
        if generation != self._generation:
            return  # an older request answered after a newer one was made
        self.loading = False
        self.show_list(result)

    def _on_failed(self, generation: int, exc: BaseException) -> None:
        if generation != self._generation:
            return
        self.loading = False
        from desktoprec.ui.errors import describe

        self.show_state(f"No recommendations: {describe(exc)}")

    # --- showing -------------------------------------------------------------------------

    def show_state(self, text: str) -> None:
        self.state.set_plain(text)
        self.state.setVisible(bool(text))

    def _set_has_list(self, has: bool) -> None:
        self.play_all_button.setEnabled(has)
        self.export_button.setEnabled(has)

    def show_list(self, result: RecommendationList) -> None:
        self.current = result
        self.list.clear()
        self.cards = []
        for rec in result.items:
            card = TrackCardWidget(rec)
            card.action_requested.connect(self._on_card_action)
            item = QListWidgetItem()
            item.setSizeHint(card.sizeHint())
            self.list.addItem(item)
            self.list.setItemWidget(item, card)
            self.cards.append(card)
            self._load_cover(card)
        self.mark_now_playing()
        self.figures.set_plain(describe_figures(result.figures or {}, result.items)
                               if result.items else "")
        if not result.items:
            state = ("No tracks to suggest yet. Sync your library or add a music folder, "
                     "then try again.")
        elif (len(result.items) < self.request.n and not self.include_saved.isChecked()
              and self.request.path is None):
            state = (f"Only {len(result.items)} tracks you have not saved fit; tick "
                     "“Include saved” to see more.")
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
        url = card.rec.track.image_url
        covers_dir = self.ctx.services.paths.covers_dir
        cached = cached_cover(covers_dir, url)
        if cached is not None:
            card.cover.set_image_file(str(cached))
            return
        if not url:
            return

        def apply(path: Any) -> None:
            if path is not None and card in self.cards:
                card.cover.set_image_file(str(path))

        self.ctx.runner.run(lambda: fetch_cover(covers_dir, url), lane="network", name="cover",
                            on_done=apply, on_error=lambda exc: None)

    def _on_row_changed(self, row: int) -> None:
        rec = self.cards[row].rec if 0 <= row < len(self.cards) else None
        self.why.show_recommendation(rec)

    def tracks(self) -> list[Track]:
        return [c.rec.track for c in self.cards]

    # --- actions -------------------------------------------------------------------------

    def _on_card_action(self, action: str, rec: Recommendation) -> None:
        if action == "play":
            self.play_from(rec)
        elif action == "open":
            self.ctx.open_in_spotify(rec.track.uri)
        elif action in ("like", "dislike", "skip"):
            self.send_feedback(rec, action)

    def mark_now_playing(self) -> None:
        playing = self.ctx.player.now_playing_id if self.ctx.player is not None else None
        for card in self.cards:
            if getattr(card, "now_playing", False) != (card.rec.track.id == playing):
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
        fresh = answer.get("list") if isinstance(answer, dict) else None
        if isinstance(fresh, RecommendationList) and fresh.items:
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


class TrackPickerWidget(QWidget):
    """Search the library and pick tracks (seeds, path ends)."""

    picked = Signal(object)  # Track

    def __init__(self, ctx: AppContext, placeholder: str = "Search your library…",
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.search = QLineEdit()
        self.search.setPlaceholderText(placeholder)
        self.search.setClearButtonEnabled(True)
        self.results = QListWidget()
        self.results.setMaximumHeight(120)
        layout.addWidget(self.search)
        layout.addWidget(self.results)
        self._tracks: list[Track] = []
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(200)
        self._timer.timeout.connect(self.run_search)
        self.search.textChanged.connect(lambda _t: self._timer.start())
        self.results.itemActivated.connect(self._on_activated)
        self.results.itemDoubleClicked.connect(self._on_activated)
        self._generation = 0

    def run_search(self) -> None:
        text = self.search.text()
        services = self.ctx.services
        self._generation += 1
        generation = self._generation
        self.ctx.runner.run(lambda: queries.library_items(services, text, limit=50), lane="db",
                            name="search",
                            on_done=lambda items: self._show(generation, items),
                            on_error=lambda exc: self.ctx.error("Search failed", exc,
                                                                background=True))

    def _show(self, generation: int, items: list[queries.LibraryItem]) -> None:
        if generation != self._generation:
            return
        self.results.clear()
        self._tracks = [i.track for i in items]
        for track in self._tracks:
            self.results.addItem(clip(f"{track.name} — {', '.join(track.artists)}", 120))

    def current_track(self) -> Track | None:
        row = self.results.currentRow()
        return self._tracks[row] if 0 <= row < len(self._tracks) else None

    def pick_row(self, row: int) -> None:
        if 0 <= row < len(self._tracks):
            self.picked.emit(self._tracks[row])

    def _on_activated(self, item: QListWidgetItem) -> None:
        self.pick_row(self.results.row(item))


class _PageBase(QWidget):
    title = ""
    blurb = ""

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.ctx = ctx
        self.layout_ = QVBoxLayout(self)
        heading = PlainLabel(self.title, bold=True, point_delta=4)
        self.layout_.addWidget(heading)
        blurb = PlainLabel(self.blurb, elide=False)
        self.layout_.addWidget(blurb)

    def on_shown(self) -> None:
        """Called when the page becomes visible."""


class ForYouPage(_PageBase):
    title = "For you"
    blurb = ("Picks from everything desktoprec knows about your listening, spread over artists "
             "and genres. Move the dial towards Similar for closer matches.")

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        self.view = RecommendationsView(ctx, RecommendRequest(mode="for_you"))
        self.layout_.addWidget(self.view, 1)
        self._loaded = False
        ctx.library_changed.connect(self._on_library_changed)

    def on_shown(self) -> None:
        if not self._loaded:
            self._loaded = True
            self.view.refresh()

    def _on_library_changed(self) -> None:
        if self._loaded:
            self.view.refresh()


class MoreLikePage(_PageBase):
    title = "More like this"
    blurb = "Pick one or more tracks from your library; desktoprec finds tracks that sound and " \
            "sit like them."

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        row = QHBoxLayout()
        self.picker = TrackPickerWidget(ctx, "Search for a seed track…")
        row.addWidget(self.picker, 2)
        seeds_box = QVBoxLayout()
        seeds_box.addWidget(QLabel("Seeds"))
        self.seed_list = QListWidget()
        self.seed_list.setMaximumHeight(120)
        seeds_box.addWidget(self.seed_list)
        buttons = QHBoxLayout()
        self.clear_button = QPushButton("Clear")
        self.go_button = QPushButton("Find similar")
        buttons.addWidget(self.clear_button)
        buttons.addWidget(self.go_button)
        seeds_box.addLayout(buttons)
        row.addLayout(seeds_box, 1)
        self.layout_.addLayout(row)
        self.view = RecommendationsView(ctx, RecommendRequest(mode="more_like"))
        self.layout_.addWidget(self.view, 1)
        self.seeds: list[Track] = []
        self.picker.picked.connect(self.add_seed)
        self.clear_button.clicked.connect(self.clear_seeds)
        self.go_button.clicked.connect(self.run)
        self.go_button.setEnabled(False)

    def on_shown(self) -> None:
        if not self.picker.results.count():
            self.picker.run_search()

    def add_seed(self, track: Track) -> None:
        if any(s.id == track.id for s in self.seeds):
            return
        self.seeds.append(track)
        self.seed_list.addItem(clip(f"{track.name} — {', '.join(track.artists)}", 120))
        self.go_button.setEnabled(True)

    def clear_seeds(self) -> None:
        self.seeds = []
        self.seed_list.clear()
        self.go_button.setEnabled(False)

    def run(self) -> None:
        if self.seeds:
            self.view.set_request(RecommendRequest(mode="more_like",
                                                   seeds=tuple(s.id for s in self.seeds)))


class ContinuePlaylistPage(_PageBase):
    title = "Continue a playlist"
    blurb = "Tracks that carry on one of your playlists (only playlists you own or collaborate " \
            "on can be read)."

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        row = QHBoxLayout()
        self.playlist = QComboBox()
        self.playlist.setMinimumWidth(280)
        self.go_button = QPushButton("Continue it")
        row.addWidget(QLabel("Playlist"))
        row.addWidget(self.playlist, 1)
        row.addWidget(self.go_button)
        self.layout_.addLayout(row)
        self.view = RecommendationsView(ctx, RecommendRequest(mode="playlist"))
        self.layout_.addWidget(self.view, 1)
        self.go_button.clicked.connect(self.run)
        ctx.library_changed.connect(self.load_playlists)
        self._loaded = False
        self._pending_playlist: str | None = None

    def on_shown(self) -> None:
        if not self._loaded:
            self.load_playlists()

    def load_playlists(self) -> None:
        self._loaded = True
        services = self.ctx.services
        self.ctx.runner.run(lambda: queries.playlists(services), lane="db", name="playlists",
                            on_done=self._show_playlists,
                            on_error=lambda exc: self.ctx.error("Playlists", exc, background=True))

    def _show_playlists(self, playlists: list[dict[str, Any]]) -> None:
        current = self.playlist.currentData()
        self.playlist.clear()
        for p in playlists:
            if p.get("readable", True):
                self.playlist.addItem(clip(f"{p['name']} ({p.get('total') or 0})", 80), p["id"])
        if current is not None:
            index = self.playlist.findData(current)
            if index >= 0:
                self.playlist.setCurrentIndex(index)
        self.go_button.setEnabled(self.playlist.count() > 0)
        pending, self._pending_playlist = self._pending_playlist, None
        if pending is not None:
            self.select_playlist(pending)
            self.run()

    def continue_with(self, playlist_id: str) -> None:
        """Select the playlist once the list is (re)loaded, then recommend."""
        self._pending_playlist = playlist_id
        self.load_playlists()

    def select_playlist(self, playlist_id: str) -> None:
        index = self.playlist.findData(playlist_id)
        if index >= 0:
            self.playlist.setCurrentIndex(index)

    def run(self) -> None:
        playlist_id = self.playlist.currentData()
        if playlist_id:
            self.view.set_request(RecommendRequest(mode="playlist", playlist_id=playlist_id))


class PathPage(_PageBase):
    title = "A → B path"
    blurb = "A sequence that moves step by step through sound from one track to another."

    def __init__(self, ctx: AppContext, parent: QWidget | None = None) -> None:
        super().__init__(ctx, parent)
        row = QHBoxLayout()
        left, right = QVBoxLayout(), QVBoxLayout()
        left.addWidget(QLabel("From"))
        self.from_picker = TrackPickerWidget(ctx, "Start track…")
        left.addWidget(self.from_picker)
        self.from_label = PlainLabel("not chosen")
        left.addWidget(self.from_label)
        right.addWidget(QLabel("To"))
        self.to_picker = TrackPickerWidget(ctx, "End track…")
        right.addWidget(self.to_picker)
        self.to_label = PlainLabel("not chosen")
        right.addWidget(self.to_label)
        row.addLayout(left, 1)
        row.addLayout(right, 1)
        self.layout_.addLayout(row)
        controls = QHBoxLayout()
        controls.addWidget(QLabel("Steps"))
        self.steps = QSpinBox()
        self.steps.setRange(3, 50)
        self.steps.setValue(10)
        controls.addWidget(self.steps)
        self.go_button = QPushButton("Make the path")
        self.go_button.setEnabled(False)
        controls.addWidget(self.go_button)
        controls.addStretch(1)
        self.layout_.addLayout(controls)
        self.view = RecommendationsView(ctx, RecommendRequest(mode="path"))
        self.layout_.addWidget(self.view, 1)
        self.start: Track | None = None
        self.end: Track | None = None
        self.from_picker.picked.connect(self.set_start)
        self.to_picker.picked.connect(self.set_end)
        self.go_button.clicked.connect(self.run)

    def on_shown(self) -> None:
        for picker in (self.from_picker, self.to_picker):
            if not picker.results.count():
                picker.run_search()

    def set_start(self, track: Track) -> None:
        self.start = track
        self.from_label.set_plain(f"{track.name} — {', '.join(track.artists)}")
        self.go_button.setEnabled(self.end is not None)

    def set_end(self, track: Track) -> None:
        self.end = track
        self.to_label.set_plain(f"{track.name} — {', '.join(track.artists)}")
        self.go_button.setEnabled(self.start is not None)

    def run(self) -> None:
        if self.start and self.end:
            self.view.set_request(RecommendRequest(mode="path", n=self.steps.value(),
                                                   path=(self.start.id, self.end.id)))
