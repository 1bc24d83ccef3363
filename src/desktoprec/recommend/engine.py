"""The recommendation engine: query from seeds or profile, candidates, scores, filters, re-rank."""

from __future__ import annotations

import logging
import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np

from desktoprec.domain import RecommendationList
from desktoprec.errors import RecommendError
from desktoprec.index.vectors import (
    BLOCKS,
    VectorIndex,
    VectorSet,
    build_vectors,
    context_matrix,
    single_threaded,
)
from desktoprec.recommend.context import CONTEXT_TARGETS, time_of_day
from desktoprec.recommend.model import YEAR_SCALE, Ranker, load_ranker
from desktoprec.recommend.path import Route, find_path
from desktoprec.recommend.rerank import DEFAULT_DIVERSITY, Picked, list_figures, rerank

log = logging.getLogger(__name__)

MODES = ("for_you", "more_like", "playlist", "cold_start")

# The score of a candidate is the learned model's log-odds (recommend/model.py, fitted by
# `desktoprec eval --fit-ranker`); these figures only shape the candidate pool and the profile.
# How far a chosen context pulls the sound query (which candidates the index finds), per
# standard deviation asked; the score's own context term is the model's `context_fit`.
CONTEXT_PULL = 0.3
# Sound descriptors a context direction can use when the evaluation stands in for one (the seed
# half's own deviation from the catalog: its "mood").
CONTEXT_DESCRIPTORS = ("energy", "tempo", "acousticness", "valence", "danceability", "mode",
                       "instrumentalness", "speechiness", "brightness")

MAX_SEED_ARTISTS = 30
TRACKS_PER_SEED_ARTIST = 200

FEEDBACK_WEIGHTS = {"like": 2.0, "play": 1.0, "skip": -0.5}
SAVED_WEIGHT = 1.0
TOP_WEIGHT = 1.5
RECENCY_DAYS = 90.0

# Context targets as shifts in standard deviations of the sound descriptors. Several names cover
# the same idea, since own-file analysis and Spotify name descriptors differently.
DESCRIPTOR_ALIASES: dict[str, tuple[str, ...]] = {
    "brightness": ("brightness", "spectral_centroid", "spectral_centroid_hz"),
    "tempo": ("tempo", "tempo_bpm"),
    "mode": ("mode", "mode_major"),
    "loudness": ("loudness", "loudness_db"),
}


@dataclass
class UserState:
    """What the user did, as catalog positions: library, feedback, dislikes, novelty memory."""

    saved: set[int] = field(default_factory=set)
    saved_added: dict[int, datetime] = field(default_factory=dict)
    top: list[int] = field(default_factory=list)
    recent_plays: list[tuple[int, datetime]] = field(default_factory=list)
    feedback: list[tuple[int, str, datetime]] = field(default_factory=list)
    disliked_artists: set[str] = field(default_factory=set)
    disliked_genres: set[str] = field(default_factory=set)
    recommended: dict[int, datetime] = field(default_factory=dict)
    playlists: dict[str, list[int]] = field(default_factory=dict)
    # Artist keys the user has saved, played, followed or had in a top list: "known" artists.
    known_artists: set[str] = field(default_factory=set)
    # Candidate evidence per position (what brought a track from outside the library).
    evidence: dict[int, list[Any]] = field(default_factory=dict)
    # A service's own figures about a track's sound per position (Deezer's {"bpm": ...}).
    sound_evidence: dict[int, dict[str, float]] = field(default_factory=dict)
    now: datetime = field(default_factory=lambda: datetime.now(UTC))


@dataclass
class Query:
    mode: str = "more_like"
    seeds: Sequence[int] = ()
    seed_weights: Sequence[float] | None = None
    avoid: Sequence[int] = ()  # steer away from these (recent skips)
    styles: Sequence[str] = ()  # cold start: genre names
    n: int = 20
    diversity: float = DEFAULT_DIVERSITY
    mood: str | None = None
    activity: str | None = None
    hour: int | None = None
    include_saved: bool = False
    exclude_contexts: Sequence[int] = ()  # contexts whose co-occurrence must not count
    novelty_days: float = 3.0
    # Lists from the last minutes belong to the same sitting (the dial moved, a refresh): their
    # tracks may come back, or every nudge of the dial would replace the whole list.
    novelty_grace_minutes: float = 30.0
    playlist_id: str | None = None
    # Familiar <-> new: the share of the list to give to artists the user does not know
    # (UserState.known_artists); None leaves the list as the ranking has it.
    new: float | None = None
    exclude_artists: Sequence[int] = ()  # artist numbers (catalog.artist_vocab) left out
    # Fitting: stand in for a chosen mood with the seeds' own deviation (see Engine.seed_shift).
    context_from_seeds: bool = False


@dataclass
class Scored:
    """A scored candidate pool (positions into the catalog) with each signal's contribution."""

    positions: np.ndarray
    score: np.ndarray
    parts: dict[str, np.ndarray]  # per signal: the model's contribution (coefficient x value)
    cooccur: np.ndarray
    features: np.ndarray  # rows of model.FEATURES values


@dataclass
class Selection:
    """The candidates left after the filters (aligned arrays) and the picks among them."""

    positions: np.ndarray
    score: np.ndarray
    features: np.ndarray
    parts: dict[str, np.ndarray]
    cooccur: np.ndarray
    is_new: np.ndarray  # by an artist the user does not know
    picks: list[Picked]
    chosen: list[int]  # indices into the arrays above, in list order
    from_library: np.ndarray  # a profile track brought back to fill a short list


def _rerank_pool(idx: np.ndarray, is_new: np.ndarray, new_share: float | None,
                 n: int) -> np.ndarray:
    """The best candidates the re-ranking chooses from (`idx` is best first)."""
    pool = idx[: max(5 * n + 50, 150)]
    if new_share is not None and new_share > 0:
        # Familiar/new asks for new artists: the best of them join the pool even when the
        # ranking put them below its cut.
        wanted = math.ceil(new_share * n) * 3
        extra = [int(i) for i in idx[len(pool):] if is_new[int(i)]][:wanted]
        if extra:
            pool = np.concatenate([pool, np.asarray(extra, dtype=np.int64)])
    return pool


def _utc(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


class Engine:
    """Recommends from one Catalog; build once, ask many times (thread-safe for reading)."""

    def __init__(
        self, catalog: Any, vectors: VectorSet | None = None, index: VectorIndex | None = None,
        ranker: Ranker | None = None,
    ) -> None:
        if len(catalog) == 0:
            raise RecommendError("There is nothing to recommend from yet.",
                                 hint="sync your Spotify library or scan a music folder first")
        self.catalog = catalog
        self.ranker = ranker or load_ranker()
        self.vectors = vectors or build_vectors(catalog)
        self.index = index or VectorIndex.build(self.vectors.matrix, catalog.ids,
                                                catalog.fingerprint())
        n = len(catalog)
        self.contexts = context_matrix(catalog.contexts, n)  # contexts x tracks
        self.contexts_by_track = self.contexts.T.tocsr()
        artists = catalog.primary_artist
        order = np.argsort(artists, kind="stable")
        bounds = np.searchsorted(artists[order], np.arange(len(catalog.artist_vocab) + 1))
        self._artist_order = order
        self._artist_bounds = bounds
        self.artist_size = np.diff(bounds).astype(np.float32)
        self.genre_of = catalog.primary_genre
        self._version_index: dict[str, list[int]] = {}
        for pos, key in enumerate(catalog.version_keys):
            self._version_index.setdefault(key, []).append(pos)
        self._isrc_index: dict[str, list[int]] = {}
        for pos, isrc in enumerate(catalog.isrcs):
            if isrc:
                self._isrc_index.setdefault(isrc, []).append(pos)
        # Every artist and genre of a track, for the dislike filters.
        self._by_artist_key: dict[str, list[int]] = {}
        self._by_genre: dict[str, list[int]] = {}
        for pos, (keys, tags) in enumerate(zip(catalog.artist_keys, catalog.genres)):
            for key in keys:
                self._by_artist_key.setdefault(key, []).append(pos)
            for tag in tags:
                self._by_genre.setdefault(tag, []).append(pos)
        version_numbers = {key: i for i, key in enumerate(self._version_index)}
        self.version_id = np.asarray([version_numbers[k] for k in catalog.version_keys],
                                     dtype=np.int64)
        isrc_numbers = {key: i for i, key in enumerate(self._isrc_index)}
        self.isrc_id = np.asarray([isrc_numbers.get(i, -1) if i else -1 for i in catalog.isrcs],
                                  dtype=np.int64)

    # --- pieces ---------------------------------------------------------------------------------

    def tracks_of_artist(self, artist: int) -> np.ndarray:
        return self._artist_order[self._artist_bounds[artist]:self._artist_bounds[artist + 1]]

    def versions(self, positions: Iterable[int]) -> set[int]:
        """The positions plus their other versions (same ISRC, or normalized title + artist)."""
        result: set[int] = set()
        for pos in positions:
            result.add(pos)
            result.update(self._version_index.get(self.catalog.version_keys[pos], ()))
            isrc = self.catalog.isrcs[pos]
            if isrc:
                result.update(self._isrc_index.get(isrc, ()))
        return result

    def context_shift(self, query: Query) -> dict[str, float]:
        """Targets in standard deviations per sound descriptor the catalog has."""
        wanted: dict[str, float] = {}
        chosen = [("mood", query.mood), ("activity", query.activity)]
        # The time of day counts only when no mood or activity was chosen: a choice wins.
        if query.hour is not None and not (query.mood or query.activity):
            chosen.append(("time", time_of_day(query.hour)))
        for kind, value in chosen:
            if not value:
                continue
            table = CONTEXT_TARGETS[kind]
            if value not in table:
                raise RecommendError(
                    f"Unknown {kind} {value!r}.", hint=f"choose one of: {', '.join(table)}"
                )
            for name, shift in table[value].items():
                for alias in DESCRIPTOR_ALIASES.get(name, (name,)):
                    if alias in self.catalog.sound_names:
                        wanted[alias] = wanted.get(alias, 0.0) + shift
                        break  # one column per idea: brightness is not counted twice
        return wanted

    def profile(self, state: UserState) -> tuple[list[int], list[float]]:
        """For you: feedback (like 2, play 1, skip -0.5), saved and top tracks, recency-weighted."""
        weights: dict[int, float] = {}
        now = _utc(state.now)

        def recency(moment: datetime | None) -> float:
            if moment is None:
                return 0.5
            age = (now - _utc(moment)).total_seconds() / 86400.0
            return math.exp(-max(age, 0.0) / RECENCY_DAYS)

        for pos, kind, at in state.feedback:
            if kind in FEEDBACK_WEIGHTS:
                weights[pos] = weights.get(pos, 0.0) + FEEDBACK_WEIGHTS[kind] * recency(at)
        for pos, at in state.recent_plays:
            weights[pos] = weights.get(pos, 0.0) + FEEDBACK_WEIGHTS["play"] * recency(at)
        for pos in state.saved:
            weights[pos] = weights.get(pos, 0.0) + SAVED_WEIGHT * recency(state.saved_added.get(pos))
        for rank, pos in enumerate(state.top):
            weights[pos] = weights.get(pos, 0.0) + TOP_WEIGHT / (1 + rank / 10)
        disliked = {pos for pos, kind, _ in state.feedback if kind == "dislike"}
        items = [(p, w) for p, w in weights.items() if p not in disliked and abs(w) > 1e-6]
        items.sort(key=lambda item: -item[1])
        return [p for p, _ in items[:500]], [w for _, w in items[:500]]

    def query_parts(
        self, seeds: Sequence[int], weights: Sequence[float], avoid: Sequence[int] = (),
        styles: Sequence[str] = (),
    ) -> dict[str, np.ndarray | None]:
        parts: dict[str, np.ndarray | None] = {}
        w = np.asarray(weights, dtype=np.float32)
        seeds_arr = np.asarray(seeds, dtype=np.int64)
        avoid_arr = np.asarray(avoid, dtype=np.int64)
        for block in BLOCKS:
            data = self.vectors.blocks[block]
            mask = self.vectors.masks[block]
            vec = np.zeros(data.shape[1], dtype=np.float32)
            if len(seeds_arr):
                vec += (data[seeds_arr] * (w * mask[seeds_arr])[:, None]).sum(0)
            if len(avoid_arr):
                vec -= 0.5 * data[avoid_arr].sum(0) * (1.0 if len(seeds_arr) else 0.0)
            parts[block] = vec if np.any(vec) else None
        if styles:
            genre_vec = np.zeros(self.vectors.blocks["genre"].shape[1], dtype=np.float32)
            members = np.flatnonzero(
                np.isin(self.genre_of, [self.catalog.genre_vocab[s] for s in styles
                                        if s in self.catalog.genre_vocab])
            )
            for style in styles:
                if style in self.vectors.genre_names:
                    genre_vec[self.vectors.genre_names.index(style)] = 1.0
            if np.any(genre_vec):
                parts["genre"] = genre_vec + (parts["genre"] if parts["genre"] is not None else 0)
            if len(members):
                sound = self.vectors.blocks["sound"][members].mean(0)
                parts["sound"] = sound + (parts["sound"] if parts["sound"] is not None else 0)
        return parts

    # --- scoring --------------------------------------------------------------------------------

    def score(
        self, seeds: Sequence[int], weights: Sequence[float], query: Query,
        shift: Mapping[str, float], pool: int = 400,
    ) -> tuple[Scored, dict[str, np.ndarray | None]]:
        """The candidate pool for these seeds, each candidate scored by the ranking model."""
        parts = self._shifted_parts(self.query_parts(seeds, weights, query.avoid, query.styles),
                                    shift)
        if all(v is None for v in parts.values()):
            raise RecommendError("There is nothing to start from.",
                                 hint="pick a few tracks or styles you like")
        found, _ = self.index.search(self.vectors.combined_query(parts), pool)
        seed_arr = np.asarray(seeds, dtype=np.int64)
        w = np.asarray(weights, dtype=np.float32)
        positive = w > 0
        artist_weight = self._seed_artist_weight(seed_arr, w, positive)
        cooccur_all = self._cooccurrence(seed_arr[positive], query.exclude_contexts) \
            if len(seed_arr) and self.contexts.shape[0] else None
        positions = self._candidates(found, artist_weight, cooccur_all, query.exclude_artists)
        cooccur = (cooccur_all[positions] if cooccur_all is not None
                   else np.zeros(len(positions), dtype=np.float32))
        columns = self._affinity_columns(positions, artist_weight, cooccur)
        columns.update(self._similarity_columns(positions, parts))
        columns.update(self._year_columns(positions, seed_arr, positive))
        direction = self.context_direction(
            self.seed_shift(seed_arr[positive]) if query.context_from_seeds else shift)
        if direction is not None:
            columns["context_fit"] = self.context_fit(positions, direction)
        x = self.ranker.matrix(columns, len(positions))
        total = self.ranker.score(x)
        contributions = self.ranker.contributions(x)
        return Scored(positions, total, contributions, cooccur, x), parts

    def _shifted_parts(self, parts: dict[str, np.ndarray | None],
                       shift: Mapping[str, float]) -> dict[str, np.ndarray | None]:
        """The sound query moved the wanted way (or made of the wanted way alone)."""
        if not shift:
            return parts
        names = self.catalog.sound_names
        if parts.get("sound") is not None:
            sound_q = np.asarray(parts["sound"], dtype=np.float32).copy()
            sound_q /= float(np.linalg.norm(sound_q)) or 1.0
            for name, amount in shift.items():
                sound_q[names.index(name)] += CONTEXT_PULL * amount
        else:
            sound_q = np.zeros(len(names), dtype=np.float32)
            for name, amount in shift.items():
                sound_q[names.index(name)] = amount
        parts["sound"] = sound_q
        return parts

    def _seed_artist_weight(self, seed_arr: np.ndarray, w: np.ndarray,
                            positive: np.ndarray) -> np.ndarray:
        """Artist affinity: the weighted count of (liked) seeds by each artist, in mean weights."""
        artist_weight = np.zeros(len(self.catalog.artist_vocab), dtype=np.float32)
        if len(seed_arr):
            np.add.at(artist_weight, self.catalog.primary_artist[seed_arr[positive]], w[positive])
            mean_w = float(w[positive].mean()) if positive.any() else 1.0
            artist_weight /= mean_w or 1.0
        return artist_weight

    def _cooccurrence(self, liked: np.ndarray, exclude_contexts: Sequence[int]) -> np.ndarray:
        """Each track's count of contexts shared with the liked seeds (weighted by their seeds)."""
        # Seeds per context, then each track's count over the contexts that have seeds:
        # only the rows that matter are touched (a dense pass over every context is slower).
        seed_rows = self.contexts_by_track[np.unique(liked)]
        hits = np.bincount(seed_rows.indices, minlength=self.contexts.shape[0]).astype(np.float32)
        if len(exclude_contexts):
            hits[np.asarray(exclude_contexts, dtype=np.int64)] = 0.0
        active = np.flatnonzero(hits)
        members = self.contexts[active]
        return np.bincount(
            members.indices, weights=np.repeat(hits[active], np.diff(members.indptr)),
            minlength=len(self.catalog)).astype(np.float32)

    def _candidates(self, found: np.ndarray, artist_weight: np.ndarray,
                    cooccur_all: np.ndarray | None, exclude_artists: Sequence[int]) -> np.ndarray:
        """The index's nearest, the tracks of the strongest seed artists, the most co-listened."""
        candidates = [found]
        # The artists with the most seed weight bring their tracks in (a profile of hundreds
        # of tracks would otherwise score half the catalog).
        strongest = np.argsort(-artist_weight)[:MAX_SEED_ARTISTS]
        for artist in strongest[artist_weight[strongest] > 0]:
            candidates.append(self.tracks_of_artist(int(artist))[:TRACKS_PER_SEED_ARTIST])
        if cooccur_all is not None:
            nonzero = np.flatnonzero(cooccur_all)
            if len(nonzero) > 300:
                nonzero = nonzero[np.argpartition(-cooccur_all[nonzero], 300)[:300]]
            candidates.append(nonzero)
        positions = np.unique(np.concatenate(candidates).astype(np.int64))
        if len(exclude_artists):
            positions = positions[~np.isin(self.catalog.primary_artist[positions],
                                           np.asarray(exclude_artists, dtype=np.int64))]
        return positions

    def _affinity_columns(self, positions: np.ndarray, artist_weight: np.ndarray,
                          cooccur: np.ndarray) -> dict[str, np.ndarray]:
        """The artist and co-occurrence features of the candidates."""
        artist = self.catalog.primary_artist[positions]
        seed_count = artist_weight[artist]
        return {
            "artist_affinity": seed_count / (
                np.maximum(self.artist_size[artist] - seed_count, 0) + 1.0),
            "artist_seeded": (seed_count > 0).astype(np.float64),
            "cooccur": np.log1p(cooccur),
            "cooccur_any": (cooccur > 0).astype(np.float64),
        }

    def _similarity_columns(self, positions: np.ndarray,
                            parts: Mapping[str, np.ndarray | None]) -> dict[str, np.ndarray]:
        """Per block the query has: each candidate's similarity and whether it has the block."""
        columns: dict[str, np.ndarray] = {}
        for block in BLOCKS:
            vec = parts.get(block)
            if vec is None:
                continue
            unit = np.asarray(vec, dtype=np.float32) / (float(np.linalg.norm(vec)) or 1.0)
            # A track without the block gets no evidence from it (not a made-up similarity):
            # its row is zeros, and its indicator says so.
            columns[f"{block}_sim"] = self.vectors.blocks[block][positions] @ unit
            columns[f"has_{block}"] = self.vectors.masks[block][positions].astype(np.float64)
        return columns

    def _year_columns(self, positions: np.ndarray, seed_arr: np.ndarray,
                      positive: np.ndarray) -> dict[str, np.ndarray]:
        """Closeness to the seeds' median release year, when the seeds have years."""
        catalog = self.catalog
        if not len(seed_arr):
            return {}
        years = catalog.year[seed_arr[positive]] if positive.any() else catalog.year[seed_arr]
        years = years[np.isfinite(years)]
        if not len(years):
            return {}
        cand_years = catalog.year[positions]
        known = np.isfinite(cand_years)
        return {
            "year_close": np.where(
                known, np.exp(-np.abs(np.nan_to_num(cand_years) - float(np.median(years)))
                              / YEAR_SCALE), 0.0),
            "has_year": known.astype(np.float64),
        }

    def context_direction(self, shift: Mapping[str, float]) -> np.ndarray | None:
        """The wanted direction over the sound descriptors (L1-normalized), or None."""
        if not shift:
            return None
        direction = np.zeros(len(self.catalog.sound_names), dtype=np.float64)
        for name, amount in shift.items():
            direction[self.catalog.sound_names.index(name)] = amount
        norm = float(np.abs(direction).sum())
        return direction / norm if norm > 0 else None

    def context_fit(self, positions: np.ndarray, direction: np.ndarray) -> np.ndarray:
        """How far each candidate's sound goes the wanted way (tanh of standardized units)."""
        z = (self.catalog.sound[positions] - self.vectors.sound_mean) / self.vectors.sound_std
        return np.tanh(np.nan_to_num(z, nan=0.0) @ direction)

    def seed_shift(self, seeds: Sequence[int] | np.ndarray) -> dict[str, float]:
        """The seeds' own deviation from the catalog on the context descriptors: their "mood".

        Fitting uses it in place of a chosen mood, so the model learns what a shift is worth.
        """
        if not len(seeds):
            return {}
        names = self.catalog.sound_names
        raw = self.catalog.sound[np.asarray(seeds, dtype=np.int64)]
        with np.errstate(all="ignore"):
            z = np.nanmean((raw - self.vectors.sound_mean) / self.vectors.sound_std, axis=0)
        shift: dict[str, float] = {}
        for wanted in CONTEXT_DESCRIPTORS:
            for alias in DESCRIPTOR_ALIASES.get(wanted, (wanted,)):
                if alias in names and math.isfinite(float(z[names.index(alias)])):
                    shift[alias] = float(z[names.index(alias)])
                    break
        return shift

    def version_mask(self, positions: np.ndarray, of: Sequence[int]) -> np.ndarray:
        """True where a position is one of `of` or another version of one (vectorized)."""
        if len(of) == 0:
            return np.zeros(len(positions), dtype=bool)
        of_arr = np.asarray(of, dtype=np.int64)
        mask = np.isin(self.version_id[positions], self.version_id[of_arr])
        isrcs = self.isrc_id[of_arr]
        isrcs = isrcs[isrcs >= 0]
        if len(isrcs):
            mask |= np.isin(self.isrc_id[positions], isrcs)
        return mask

    def excluded(self, query: Query, state: UserState, seeds: Sequence[int]) -> set[int]:
        """Positions that must not be recommended, for the filters the query asks for.

        The seeds' other versions are found by `version_mask` over the candidates instead.
        """
        blocked = set(seeds)
        blocked.update(query.avoid)
        now = _utc(state.now)
        if not query.include_saved:
            blocked.update(state.saved)
        blocked.update(self.disliked(state))
        for pos, kind, at in state.feedback:
            if kind == "skip" and now - _utc(at) <= timedelta(hours=24):
                blocked.add(pos)
        if query.novelty_days > 0:
            horizon = timedelta(days=query.novelty_days)
            grace = timedelta(minutes=query.novelty_grace_minutes)
            blocked.update(p for p, at in state.recommended.items()
                           if grace <= now - _utc(at) <= horizon)
        return blocked

    def disliked(self, state: UserState) -> set[int]:
        """Disliked tracks and every track of a disliked artist or genre."""
        blocked = {pos for pos, kind, _ in state.feedback if kind == "dislike"}
        for key in state.disliked_artists:
            blocked.update(self._by_artist_key.get(key, ()))
        for genre in state.disliked_genres:
            blocked.update(self._by_genre.get(genre, ()))
        return blocked

    # --- the public entry point -------------------------------------------------------------------

    def recommend(self, query: Query, state: UserState | None = None) -> RecommendationList:
        with single_threaded():
            return self._recommend(query, state)

    def _recommend(self, query: Query, state: UserState | None = None) -> RecommendationList:
        from desktoprec.recommend.explain import explain_list

        state = state or UserState()
        if query.mode not in MODES:
            raise RecommendError(f"Unknown mode {query.mode!r}.", hint=f"one of: {', '.join(MODES)}")
        seeds = list(query.seeds)
        weights = list(query.seed_weights) if query.seed_weights is not None else [1.0] * len(seeds)
        if query.mode == "for_you" and not seeds:
            seeds, weights = self.profile(state)
            if not seeds:
                raise RecommendError(
                    "There is no listening history to start from yet.",
                    hint="like or play a few tracks, sync your library, or use cold start",
                )
        if query.mode in ("more_like", "playlist") and not seeds:
            raise RecommendError("Pick at least one seed track.")
        if query.mode == "cold_start" and not seeds and not query.styles:
            raise RecommendError("Pick 3 to 5 tracks or styles to start from.")
        shift = self.context_shift(query)
        sel = self._select(query, state, seeds, weights, shift)
        positions, score, picks, chosen = sel.positions, sel.score, sel.picks, sel.chosen
        parts_kept, cooccur = sel.parts, sel.cooccur
        items = explain_list(
            self,
            positions=[int(positions[i]) for i in chosen],
            scores=[float(score[i]) for i in chosen],
            parts=[{k: float(v[i]) for k, v in parts_kept.items()} for i in chosen],
            cooccur=[float(cooccur[i]) for i in chosen],
            picks=picks,
            seeds=[s for s, w in zip(seeds, weights) if w > 0],
            seed_weights=[w for w in weights if w > 0],
            shift=shift,
            query=query,
            features=[sel.features[i] for i in chosen],
            new_artist=[bool(sel.is_new[i]) for i in chosen],
            from_library=[bool(sel.from_library[i]) for i in chosen],
            tempo_evidence=state.sound_evidence,
            evidence=[state.evidence.get(int(positions[i]), []) for i in chosen],
        )
        keys = [self.catalog.artist_keys[int(positions[i])][:1] or ("?",) for i in chosen]
        figures: dict[str, Any] = list_figures(
            [k[0] for k in keys],
            # A sound family (cluster) is not a genre and is not counted as one.
            [self.catalog.genres[int(positions[i])][0] if self.catalog.genres[int(positions[i])]
             and self.catalog.genre_source[int(positions[i])] != "cluster" else None
             for i in chosen],
        )
        figures["diversity_picks"] = sum(1 for p in picks if p.diversity_pick)
        figures["new_artist_picks"] = sum(1 for i in chosen if sel.is_new[i])
        figures["library_picks"] = sum(1 for i in chosen if sel.from_library[i])
        chosen_context = [v for v in (query.mood, query.activity) if v]
        if chosen_context and not shift:
            figures["context_note"] = (
                f"{' and '.join(chosen_context)} could not be applied: no sound data for these "
                "tracks (analyse your music folder to get it)")
        recipe = {
            "mode": query.mode,
            "seeds": [self.catalog.ids[s] for s in query.seeds],
            "styles": list(query.styles),
            "playlist_id": query.playlist_id,
            "diversity": query.diversity,
            "mood": query.mood,
            "activity": query.activity,
            "time_of_day": time_of_day(query.hour) if query.hour is not None else None,
            "include_saved": query.include_saved,
            "new": query.new,
            "n": query.n,
        }
        return RecommendationList(items=tuple(items), recipe=recipe, figures=figures)

    def ranked_ids(self, query: Query, state: UserState | None = None) -> list[str]:
        """Only the ids, best first, without explanations (the evaluation's fast path)."""
        with single_threaded():
            return self._ranked_ids(query, state)

    def _ranked_ids(self, query: Query, state: UserState | None = None) -> list[str]:
        seeds = list(query.seeds)
        sel = self._select(query, state or UserState(), seeds, [1.0] * len(seeds),
                           self.context_shift(query))
        return [self.catalog.ids[int(sel.positions[i])] for i in sel.chosen]

    def _select(self, query: Query, state: UserState, seeds: Sequence[int],
                weights: Sequence[float], shift: Mapping[str, float]) -> Selection:
        """Score, filter, keep one version per song, honour mood and familiar/new, re-rank."""
        scored, _ = self.score(seeds, weights, query, shift, pool=max(400, 8 * query.n))
        liked = [s for s, w in zip(seeds, weights) if w > 0]
        kept_out = liked
        if query.mode == "for_you" and query.include_saved and not query.seeds:
            # For you from the profile with "Include saved": the saved tracks the profile is
            # made of may come back (else every saved track, being a seed, stays out and the
            # box changes nothing); played and top tracks that are not saved still stay out.
            kept_out = [s for s in liked if s not in state.saved]
        blocked = self.excluded(query, state, kept_out)
        keep = ~np.isin(scored.positions, np.fromiter(blocked, dtype=np.int64, count=len(blocked)))
        keep &= ~self.version_mask(scored.positions, [*kept_out, *query.avoid])
        saved_versions = np.zeros(len(scored.positions), dtype=bool)
        if not query.include_saved and state.saved:
            # "Include saved" off: no saved track, nor another version of one (a file of the
            # same song), is recommended, whatever else the list runs short of.
            saved_versions = self.version_mask(scored.positions, sorted(state.saved))
            keep &= ~saved_versions
        if (query.mood or query.activity) and shift:
            # A chosen mood or activity leaves out what does not move its way (when fewer than
            # n do, the n that go furthest its way are kept).
            fit = scored.features[:, self.ranker.features.index("context_fit")] \
                if "context_fit" in self.ranker.features else None
            if fit is not None:
                moving = keep & (fit > 0)
                if int(moving.sum()) < query.n:
                    # Too few move that way: the n that go furthest that way.
                    ranked = np.flatnonzero(keep)[np.argsort(-fit[keep], kind="stable")]
                    moving = np.zeros_like(keep)
                    moving[ranked[:query.n]] = True
                keep = moving
        back = np.zeros(len(scored.positions), dtype=bool)
        if query.mode == "for_you" and len(np.unique(self.version_id[scored.positions[keep]])) \
                < query.n:
            # A small library, where nearly every track is already part of the profile: the
            # list is filled from the profile's own tracks, after every other candidate, and
            # says so. Dislikes, recent skips and the novelty memory still hold, and so does
            # "Include saved": when it is off, only played and top tracks fill the list.
            hard = self.excluded(query, state, [])
            back = ~keep & ~saved_versions & np.isin(scored.positions, liked) & ~np.isin(
                scored.positions, np.fromiter(hard, dtype=np.int64, count=len(hard)))
            keep = keep | back
        positions = scored.positions[keep]
        score = scored.score[keep]
        features = scored.features[keep]
        parts = {k: v[keep] for k, v in scored.parts.items()}
        cooccur = scored.cooccur[keep]
        from_library = back[keep]
        known = state.known_artists
        is_new = np.fromiter(
            (not any(k in known for k in self.catalog.artist_keys[int(p)]) for p in positions),
            dtype=bool, count=len(positions)) if known else np.zeros(len(positions), dtype=bool)
        # The order to choose in: the model's score, with the library fill after the rest.
        rank_score = score - np.where(from_library, float(np.ptp(score)) + 1.0, 0.0) \
            if from_library.any() else score
        idx = self._one_version_each(positions, rank_score, query.n)
        new_share = query.new if (query.new is not None and known) else None
        pool = _rerank_pool(idx, is_new, new_share, query.n)
        picks = rerank(
            rank_score[pool],
            self.vectors.matrix[positions[pool]],
            self.catalog.primary_artist[positions[pool]],
            self.genre_of[positions[pool]],
            query.n,
            query.diversity,
            is_new=is_new[pool] if new_share is not None else None,
            new_share=new_share,
        )
        chosen = [int(pool[p.position]) for p in picks]
        return Selection(positions, score, features, parts, cooccur, is_new, picks, chosen,
                         from_library)

    def _one_version_each(self, positions: np.ndarray, rank_score: np.ndarray,
                          n: int) -> np.ndarray:
        """Indices of the candidates best first, one version of a song each (the best-scored)."""
        order = np.argsort(-rank_score, kind="stable")
        seen_versions: set[str] = set()
        unique: list[int] = []
        for i in order[: max(60 * n, 600)]:
            key = self.catalog.version_keys[int(positions[i])]
            if key in seen_versions:
                continue
            seen_versions.add(key)
            unique.append(int(i))
        if not unique:
            raise RecommendError("Every candidate was filtered out.",
                                 hint="allow saved tracks, or clear some dislikes")
        return np.asarray(unique, dtype=np.int64)

    # --- A -> B ---------------------------------------------------------------------------------

    def path(self, start: int, end: int, steps: int, state: UserState | None = None) -> list[int]:
        """A sequence from `start` to `end` through sound in `steps` places (both ends included):
        a route of small steps, sampled evenly along its length (recommend/path.py)."""
        return self.route(start, end, steps, state).positions

    def route(self, start: int, end: int, steps: int, state: UserState | None = None) -> Route:
        """The path with the route it follows and each track's progress along it."""
        with single_threaded():
            return find_path(self, start, end, steps, state)
