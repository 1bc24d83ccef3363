"""RecommendService: the catalog and index kept in step with the database, lists, paths, feedback."""

from __future__ import annotations

import logging
import math
import threading
import time
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from desktoprec.domain import (
    Explanation,
    Progress,
    Reason,
    Recommendation,
    RecommendationList,
    SourceBlock,
    SourceCode,
)
from desktoprec.errors import Cancelled, IndexError_, RecommendError
from desktoprec.index.vectors import (
    IndexDamaged,
    VectorIndex,
    build_vectors,
    load_vector_set,
    save_vector_set,
)
from desktoprec.recommend.catalog import Catalog
from desktoprec.recommend.engine import Engine, Query, UserState
from desktoprec.recommend.explain import sound_source
from desktoprec.recommend.rerank import list_figures
from desktoprec.recommend.results import FeedbackResult, IndexReport, StyleChoice
from desktoprec.spotify.uris import spotify_id
from desktoprec.storage import repo
from desktoprec.timeutil import parse_iso, to_db, utcnow
from desktoprec.words import describe

if TYPE_CHECKING:
    from desktoprec.recommend.discovery import DiscoveryReport
    from desktoprec.services import Services
    from desktoprec.spotify.client import SpotifyClient

log = logging.getLogger(__name__)

FEEDBACK_KINDS = ("like", "dislike", "skip", "play")
SKIP_REFRESH_WINDOW = timedelta(seconds=60)
QUICK_SKIP_MS = 30_000  # a skip this early in a track (or at an unknown position) is "quick"
NOVELTY_DAYS = 3.0

def _optional_float(value: Any) -> float | None:
    return float(value) if isinstance(value, (int, float)) and not isinstance(value, bool) \
        else None


def _optional_bool(value: Any) -> bool | None:
    return value if isinstance(value, bool) else None


def _aware(moment: datetime) -> datetime:
    """The database keeps UTC without a zone: give it back its zone."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment


def _state_from_rows(catalog: Catalog, rows: repo.ListeningRows, now: datetime) -> UserState:
    """The user's stored signals as catalog positions (tracks not in the catalog are left out)."""
    state = UserState(now=now)
    index = catalog.index
    for track_id, added_at in rows.saved:
        if track_id in index:
            state.saved.add(index[track_id])
            added = parse_iso(added_at)
            if added is not None:
                state.saved_added[index[track_id]] = added
    range_order = {"short_term": 0, "medium_term": 1, "long_term": 2}
    seen: set[int] = set()
    for _, _, track_id in sorted(rows.top, key=lambda r: (range_order.get(r[0], 3), r[1])):
        if track_id in index and index[track_id] not in seen:
            seen.add(index[track_id])
            state.top.append(index[track_id])
    for played_at, track_id in rows.plays:
        moment = parse_iso(played_at)
        if track_id in index and moment is not None:
            state.recent_plays.append((index[track_id], moment))
    for track_id, kind, at in rows.feedback:
        if track_id in index:
            state.feedback.append((index[track_id], kind, _aware(at)))
    for track_id, bpm in rows.deezer_bpm:
        if track_id in index and bpm:
            state.sound_evidence[index[track_id]] = {"bpm": float(bpm)}
    for kind, value in rows.disliked:
        (state.disliked_artists if kind == "artist" else state.disliked_genres).add(value)
    for track_id, at in rows.recommended:
        if track_id in index:
            moment, pos = _aware(at), index[track_id]
            if pos not in state.recommended or state.recommended[pos] < moment:
                state.recommended[pos] = moment
    return state


class RecommendService:
    def __init__(self, services: Services) -> None:
        self.services = services
        self._lock = threading.RLock()
        self._engine: Engine | None = None
        self._stamp: repo.LibraryStamp | None = None
        self._last: RecommendationList | None = None

    # --- catalog and index ----------------------------------------------------------------------

    def _library_stamp(self) -> repo.LibraryStamp:
        with self.services.db.read() as session:
            return repo.library_stamp(session)

    def engine(self, progress: Progress | None = None,
               cancel: threading.Event | None = None) -> Engine:
        """The engine for the database as it is now (rebuilt only when the library changed)."""
        with self._lock:
            stamp = self._library_stamp()
            if self._engine is not None and stamp == self._stamp:
                return self._engine
            self._engine = self._build(progress, cancel, force=False)
            self._stamp = stamp
            return self._engine

    def _build(self, progress: Progress | None, cancel: threading.Event | None,
               force: bool) -> Engine:
        def step(phase: str, done: int) -> None:
            if cancel is not None and cancel.is_set():
                raise Cancelled()
            if progress:
                progress(phase, done, 4)

        step("catalog", 0)
        catalog = Catalog.from_database(self.services.db)
        if len(catalog) == 0:
            raise RecommendError("There is nothing to recommend from yet.",
                                 hint="sync your Spotify library or scan a music folder first")
        fingerprint = catalog.fingerprint()
        folder = self.services.paths.index_dir
        step("vectors", 1)
        vectors = index = None
        if not force:
            try:
                vectors = load_vector_set(folder, fingerprint)
                index = VectorIndex.load(folder, fingerprint)
                log.info("index loaded from %s (%d tracks)", folder, len(index))
            except IndexDamaged as exc:  # told once; the rebuild below replaces every file
                log.warning("the saved index was damaged (%s); rebuilding it", exc)
                self.services.notice(f"The saved recommendation index was damaged "
                                     f"({exc.message}); it was rebuilt.")
                vectors = index = None
            except IndexError_ as exc:
                log.info("index not reused: %s", exc)
                vectors = index = None
        if vectors is None or index is None:
            vectors = build_vectors(catalog)
            step("index", 2)
            index = VectorIndex.build(vectors.matrix, catalog.ids, fingerprint)
            index.save(folder)
            save_vector_set(vectors, folder, fingerprint)
        step("engine", 3)
        engine = Engine(catalog, vectors, index)
        if progress:
            progress("index", 4, 4)
        return engine

    def rebuild_index(self, progress: Progress | None = None,
                      cancel: threading.Event | None = None) -> IndexReport:
        started = time.perf_counter()
        with self._lock:
            stamp = self._library_stamp()
            self._engine = self._build(progress, cancel, force=True)
            self._stamp = stamp
            engine = self._engine
        masks = engine.vectors.masks
        return IndexReport(
            tracks=len(engine.catalog),
            dimensions=engine.vectors.dim,
            with_sound=int(masks["sound"].sum()),
            with_genre=int(masks["genre"].sum()),
            with_colisten=int(masks["colisten"].sum()),
            contexts=len(engine.catalog.contexts),
            index_dir=str(self.services.paths.index_dir),
            seconds=round(time.perf_counter() - started, 3),
        )

    # --- the user's state -------------------------------------------------------------------------

    def user_state(self, catalog: Catalog, now: datetime | None = None) -> UserState:
        now = now or utcnow()
        with self.services.db.read() as session:
            rows = repo.listening_rows(session, recommended_since=to_db(now - timedelta(days=30)))
            state = _state_from_rows(catalog, rows, now)
            state.known_artists = repo.user_artist_ids(session)
            # The artists of the user's own files are known too: their music is on the disk.
            for pos, source in enumerate(catalog.track_source or ()):
                if source == "local":
                    state.known_artists.update(catalog.artist_keys[pos])
            discovery = [i for i, source in enumerate(catalog.track_source or ())
                         if source == "discovery"]
            if discovery:
                found = repo.candidate_evidence(session, [catalog.ids[i] for i in discovery])
                state.evidence = {catalog.index[tid]: list(items) for tid, items in found.items()
                                  if tid in catalog.index}
        return state

    # --- recommending ---------------------------------------------------------------------------

    def recommend(
        self,
        mode: str = "for_you",
        seeds: Sequence[str] = (),
        playlist_id: str | None = None,
        n: int = 20,
        mood: str | None = None,
        activity: str | None = None,
        diversity: float | None = None,
        include_saved: bool | None = None,
        styles: Sequence[str] = (),
        hour: int | None = None,
        avoid: Sequence[str] = (),
        remember: bool = True,
        new: float | None = None,
    ) -> RecommendationList:
        """A list with its explanations; `new` is the familiar <-> new control (0 = only artists
        you know, 1 = only artists new to you; default from settings.new_artists)."""
        engine = self.engine()
        catalog = engine.catalog
        state = self.user_state(catalog)
        if n <= 0:
            raise RecommendError("Ask for at least one recommendation.")
        seed_positions = self._resolve_seeds(catalog, seeds)
        exclude_contexts: list[int] = []
        if mode == "playlist" or playlist_id:
            if not playlist_id and not seeds:
                raise RecommendError("Pick a playlist to continue.")
            if playlist_id:
                pid = spotify_id(playlist_id, "playlist")
                if pid not in catalog.context_ids:
                    raise RecommendError(f"The playlist {playlist_id!r} has no readable tracks.",
                                         hint="sync first; only your own playlists can be read")
                context = catalog.context_ids.index(pid)
                exclude_contexts.append(context)
                seed_positions = list(dict.fromkeys(
                    seed_positions + catalog.contexts[context].tolist()))
                playlist_id = pid
            mode = "playlist"
        if mode == "cold_start" and styles:
            unknown = [s for s in styles if s not in catalog.genre_vocab]
            if unknown:
                raise RecommendError(f"Unknown style {unknown[0]!r}.",
                                     hint="see the styles offered for cold start")
        if diversity is None:
            diversity = float(self.services.settings.diversity)
        if include_saved is None:
            include_saved = bool(self.services.settings.include_saved_in_recommendations)
        if hour is None:
            hour = datetime.now().hour
        if new is None:
            new = float(getattr(self.services.settings, "new_artists", 0.4))
        if math.isnan(new):
            raise RecommendError("The familiar/new control takes a number from 0 to 1.")
        query = Query(
            mode=mode, seeds=seed_positions, n=n, diversity=min(1.0, max(0.0, diversity)),
            mood=mood, activity=activity, hour=hour, include_saved=include_saved,
            exclude_contexts=exclude_contexts, novelty_days=NOVELTY_DAYS,
            playlist_id=playlist_id, styles=tuple(styles),
            avoid=[catalog.resolve(a) for a in avoid if a in catalog.index],
            new=min(1.0, max(0.0, float(new))),
        )
        try:
            result = engine.recommend(query, state)
        except RecommendError:
            if not state.recommended:
                raise
            result = None
        if result is None or len(result.items) < n:
            # Novelty memory would leave the list short: allow recently recommended tracks.
            query.novelty_days = 0.0
            retry = engine.recommend(query, state)
            if result is None or len(retry.items) > len(result.items):
                result = retry
        if remember:
            result = self._remember(result)
        return result

    @staticmethod
    def _resolve_seeds(catalog: Catalog, seeds: Sequence[str]) -> list[int]:
        """Seed positions; unknown seeds are skipped (logged) unless none is known."""
        positions: list[int] = []
        unknown: list[RecommendError] = []
        for seed in seeds:
            try:
                positions.append(catalog.resolve(seed))
            except RecommendError as exc:
                unknown.append(exc)
        if unknown and not positions:
            raise unknown[0]
        if unknown:
            log.info("%d seed(s) not in the catalog were left out", len(unknown))
        return list(dict.fromkeys(positions))

    def _remember(self, result: RecommendationList) -> RecommendationList:
        now = to_db(utcnow())
        recipe = dict(result.recipe)
        recipe["figures"] = dict(result.figures)
        recipe["summaries"] = [item.explanation.summary for item in result.items]
        with self.services.db.write() as session:
            list_id = repo.add_recommendation_list(
                session, at=now, recipe=recipe, track_ids=[item.track.id for item in result.items])
        stored = RecommendationList(items=result.items, recipe=result.recipe,
                                    figures=result.figures, list_id=list_id)
        self._last = stored
        return stored

    def last_list(self) -> RecommendationList | None:
        """The most recent list (this session's, or rebuilt from the database)."""
        with self.services.db.read() as session:
            stored = repo.last_recommendation_list(session)
        if stored is None:
            return self._last
        list_id, recipe, track_ids = stored
        if self._last is not None and self._last.list_id == list_id:
            return self._last
        try:
            catalog = self.engine().catalog
        except RecommendError:
            catalog = None
        summaries = recipe.pop("summaries", [])
        figures = recipe.pop("figures", {})
        items = []
        for i, track_id in enumerate(track_ids):
            if catalog is not None and track_id in catalog.index:
                track = catalog.track(catalog.index[track_id])
            else:
                from desktoprec.domain import Track

                track = Track(id=track_id, name=track_id, artists=(),
                              uri=f"spotify:track:{track_id}")
            summary = summaries[i] if i < len(summaries) else ""
            items.append(Recommendation(track=track, score=0.0, explanation=Explanation(
                summary=summary, reasons=(Reason(summary, "profile"),) if summary else ())))
        return RecommendationList(items=tuple(items), recipe=recipe, figures=figures,
                                  list_id=list_id)

    def path(self, from_id: str, to_id: str, n: int = 8) -> RecommendationList:
        """A→B: n tracks (both ends included) along a route of small steps in sound from one
        track to the other; each says how far along the route it lies and which genres it is in,
        so the bridge between the two styles can be seen."""
        engine = self.engine()
        catalog = engine.catalog
        start, end = catalog.resolve(from_id), catalog.resolve(to_id)
        route = engine.route(start, end, n, self.user_state(catalog))
        positions = route.positions
        total = len(positions) - 1
        a_name, b_name = catalog.names[start], catalog.names[end]
        families = self._sound_families([catalog.ids[p] for p in positions])
        items = []
        for step, (pos, fraction) in enumerate(zip(positions, route.progress)):
            track = catalog.track(pos)
            sound = catalog.sound_dict(pos)
            genres = tuple(catalog.genres[pos])
            family = families.get(catalog.ids[pos])
            genre_text = (" · ".join(genres[:2]) if genres else
                          f"no genre known, sound family \u201c{family}\u201d" if family else
                          "no genre known")
            where = ("the start" if step == 0 else "the end" if step == total else
                     f"nearer \u201c{a_name}\u201d in sound" if fraction < 0.4 else
                     f"nearer \u201c{b_name}\u201d in sound" if fraction > 0.6 else
                     "halfway between the two in sound")
            reasons = [Reason(f"step {step} of {total}: {where}", "sound", round(fraction, 3)),
                       Reason(f"genre: {genre_text}", "genre")]
            for name in ("tempo", "tempo_bpm", "energy"):
                if name in sound:
                    reasons.append(Reason(describe(name, sound[name]), "sound", sound[name]))
                    break
            summary = (f"Step {step} of {total}: \u201c{track.name}\u201d ({genre_text}), "
                       f"{round(100 * fraction)}% of the way in sound from "
                       f"\u201c{a_name}\u201d to \u201c{b_name}\u201d.")
            sources: dict[SourceBlock, SourceCode] = {"sound": sound_source(catalog, pos)}
            items.append(Recommendation(
                track=track, score=round(fraction, 4),
                explanation=Explanation(summary=summary, reasons=tuple(reasons),
                                        block_shares={"sound": 1.0}, sources=sources),
                genres=genres, sources=sources, sound=sound))
        figures: dict[str, Any] = list_figures(
            [catalog.artist_keys[p][0] for p in positions],
            [catalog.genres[p][0] if catalog.genres[p] else None for p in positions])
        # the bridge: the genres the path goes through, in order, each once
        figures["path_genres"] = list(dict.fromkeys(
            catalog.genres[p][0] for p in positions if catalog.genres[p]))
        figures["path_largest_step_ratio"] = round(route.largest_step_ratio, 3)
        figures["path_route_tracks"] = len(route.route)
        recipe = {"mode": "path", "seeds": [catalog.ids[start], catalog.ids[end]], "n": n}
        return self._remember(RecommendationList(items=tuple(items), recipe=recipe,
                                                 figures=figures))

    def _sound_families(self, track_ids: Sequence[str]) -> dict[str, str]:
        """The sound family (never a genre) of each of these tracks that has one."""
        with self.services.db.read() as session:
            return repo.sound_families_of(session, track_ids)

    # --- feedback -------------------------------------------------------------------------------

    def feedback(self, track_id: str, kind: str, position_ms: int | None = None,
                 context: str | None = None) -> FeedbackResult:
        """Store like/dislike/skip/play. The one skip rule (the player window and the tray use it
        too): two quick skips (each within QUICK_SKIP_MS of a track's start, or at an unknown
        position) within SKIP_REFRESH_WINDOW refresh the last list, steering away from what was
        skipped; the answer then says `refreshed` and carries the new list as `fresh`."""
        if kind not in FEEDBACK_KINDS:
            raise RecommendError(f"Unknown feedback {kind!r}.",
                                 hint=f"one of: {', '.join(FEEDBACK_KINDS)}")
        track_id = self._track_ref(track_id)
        now = utcnow()
        with self.services.db.write() as session:
            repo.add_feedback(session, track_id, kind, to_db(now), position_ms, context)
        answer = FeedbackResult(track_id=track_id, kind=kind)
        if kind != "skip":
            return answer
        with self.services.db.read() as session:
            recent = repo.quick_skips(session, since=to_db(now - SKIP_REFRESH_WINDOW),
                                      before_ms=QUICK_SKIP_MS)
        if position_ms is not None and position_ms >= QUICK_SKIP_MS:
            return answer  # a skip late in a track is not a sign the list is wrong
        if len(recent) < 2:
            return answer
        last = self.last_list()
        recipe = dict(last.recipe) if last is not None else {"mode": "for_you"}
        mode = recipe.get("mode") or "for_you"
        if mode == "path":
            mode = "more_like"
        try:
            refreshed = self.recommend(
                mode=mode, seeds=recipe.get("seeds") or (),
                playlist_id=recipe.get("playlist_id"), n=int(recipe.get("n") or 20),
                mood=recipe.get("mood"), activity=recipe.get("activity"),
                diversity=_optional_float(recipe.get("diversity")),
                include_saved=_optional_bool(recipe.get("include_saved")),
                styles=recipe.get("styles") or (), avoid=list(dict.fromkeys(recent)),
                new=_optional_float(recipe.get("new")),
            )
        except RecommendError as exc:
            return FeedbackResult(track_id=track_id, kind=kind, refresh_error=exc.user_text())
        return FeedbackResult(track_id=track_id, kind=kind, refreshed=True,
                              steered_away_from=tuple(dict.fromkeys(recent)), fresh=refreshed)

    def _track_ref(self, ref: str) -> str:
        """A catalog id from an id, URI or link; local tracks keep their `local:` prefix."""
        ref = ref.strip()
        if not ref:
            raise RecommendError("Which track? Give a track id or URI.")
        try:
            catalog = self.engine().catalog
            return str(catalog.ids[catalog.resolve(ref)])
        except RecommendError:
            pass
        return spotify_id(ref, "track")

    def dislike(self, kind: str, value: str) -> None:
        """Never recommend this artist (id) or genre again."""
        if kind not in ("artist", "genre"):
            raise RecommendError("Only artists and genres can be disliked.")
        with self.services.db.write() as session:
            repo.add_dislike(session, kind, value, to_db(utcnow()))

    def discover(self, client: SpotifyClient | None = None, budget: int | None = None,
                 progress: Progress | None = None,
                 cancel: threading.Event | None = None) -> DiscoveryReport:
        """Add discovery candidates (albums of top and followed artists) within the budget."""
        from desktoprec.recommend.discovery import discover

        return discover(self.services, client, budget=budget, progress=progress, cancel=cancel)

    def dislike_track_parts(self, track_id: str, *, artist: bool = False,
                            genre: bool = False) -> dict[str, str]:
        """Dislike the artist and/or the first genre of a track; returns what was disliked."""
        catalog = self.engine().catalog
        position = catalog.resolve(track_id)
        done: dict[str, str] = {}
        if artist and catalog.artist_keys[position]:
            self.dislike("artist", catalog.artist_keys[position][0])
            done["artist"] = catalog.artists[position][0] if catalog.artists[position] else \
                catalog.artist_keys[position][0]
        if genre and catalog.genres[position]:
            self.dislike("genre", catalog.genres[position][0])
            done["genre"] = catalog.genres[position][0]
        return done

    def styles_for_cold_start(self, limit: int = 30) -> list[StyleChoice]:
        """The genres the library knows, most common first, each with a few example tracks."""
        catalog = self.engine().catalog
        members: dict[str, list[int]] = {}
        for pos, tags in enumerate(catalog.genres):
            for tag in tags[:1]:
                members.setdefault(tag, []).append(pos)
        ranked = sorted(members.items(), key=lambda item: -len(item[1]))[:limit]
        return [StyleChoice(style=style, tracks=len(positions),
                            examples=[catalog.names[p] for p in positions[:3]])
                for style, positions in ranked]
