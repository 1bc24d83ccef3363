"""Genre-diverse re-ranking: MMR over the track vectors with hard per-artist and genre rules."""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

DEFAULT_DIVERSITY = 0.5
# MMR terms: relevance decays with rank (half-life in places), similarity to the list so far,
# and repeats of an artist or genre already in it.
RELEVANCE_HALF_LIFE = 20.0
SIMILARITY_PENALTY = 0.05
ARTIST_PENALTY = 0.15
GENRE_PENALTY = 0.1


@dataclass(frozen=True)
class Rules:
    """The hard rules a dial setting implies (per window of 20 places)."""

    max_per_artist_per_20: int | None  # None: no limit
    no_artist_twice_in_a_row: bool
    max_genre_share: float | None  # of the list so far, once it has 5 or more places
    min_artists_per_20: int = 0  # distinct artists in each window of 20 places


def rules_for(diversity: float) -> Rules:
    if diversity <= 0.0:
        return Rules(None, False, None)
    if diversity < DEFAULT_DIVERSITY:
        return Rules(4, True, None)
    if diversity < 1.0:
        return Rules(2, True, 0.4, min_artists_per_20=12)
    return Rules(1, True, 0.25, min_artists_per_20=20)


@dataclass(frozen=True)
class Picked:
    position: int  # index into the candidate arrays
    diversity_pick: bool
    new_genre: bool
    new_artist: bool


def rerank(
    relevance: np.ndarray,
    vectors: np.ndarray,
    artists: np.ndarray,
    genres: np.ndarray,
    n: int,
    diversity: float,
    *,
    is_new: np.ndarray | None = None,
    new_share: float | None = None,
) -> list[Picked]:
    """Choose n of the candidates (sorted best first by `relevance`), trading relevance for variety.

    MMR: each place takes the candidate with the best
    (1 - d) * relevance - d * (max similarity to the list + artist and genre repetition),
    where relevance is rank-based in [0, 1]. Hard rules (see `rules_for`) are kept whenever the
    candidates allow; if they cannot be kept the list is filled with the best remaining tracks.
    `genres` holds one genre id per candidate (-1 for none).

    Familiar <-> new: with `is_new` (candidates by artists the user does not know) and
    `new_share` t in [0, 1], after every place k the list holds at least floor(t * k) new-artist
    and floor((1 - t) * k) familiar picks, whenever such candidates are left.
    """
    count = len(relevance)
    if count == 0 or n <= 0:
        return []
    diversity = min(1.0, max(0.0, float(diversity)))
    order = np.argsort(-relevance, kind="stable")
    quota = is_new is not None and new_share is not None
    if diversity <= 0.0 and not quota:
        return [Picked(int(i), False, False, False) for i in order[:n]]
    rank_relevance = np.empty(count, dtype=np.float64)
    rank_relevance[order] = np.exp2(-np.arange(count) / RELEVANCE_HALF_LIFE)
    pool = _Pool(rank_relevance, vectors, artists, genres, rules_for(diversity))
    if quota:
        pool.new_mask = np.asarray(is_new, dtype=bool)
        share = min(1.0, max(0.0, float(new_share))) if new_share is not None else 0.0
    while len(pool.picks) < min(n, count):
        allowed = pool.allowed()
        if quota:
            allowed = pool.keep_quota(allowed, share)
        pool.take(pool.best(allowed, diversity), allowed)
    return pool.picks


class _Pool:
    """The candidates of one re-ranking and the list built from them so far."""

    def __init__(self, rank_relevance: np.ndarray, vectors: np.ndarray, artists: np.ndarray,
                 genres: np.ndarray, rules: Rules) -> None:
        count = len(rank_relevance)
        self.rank_relevance = rank_relevance
        self.rules = rules
        self.unit = vectors / np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-9)
        self.max_sim = np.zeros(count, dtype=np.float64)  # similarity to the list so far
        self.taken = np.zeros(count, dtype=bool)
        self.new_mask = np.zeros(count, dtype=bool)  # by artists new to the user
        self.new_count = 0
        # Local ids so per-artist and per-genre counts are plain arrays.
        _, self.artist_local = np.unique(artists, return_inverse=True)
        self.has_genre = genres >= 0
        _, self.genre_local = np.unique(np.where(self.has_genre, genres, -1), return_inverse=True)
        self.artist_counts = np.zeros(int(self.artist_local.max()) + 1, dtype=np.int64)
        self.genre_counts = np.zeros(int(self.genre_local.max()) + 1, dtype=np.int64)
        self.picks: list[Picked] = []
        self.last_artist: int | None = None
        self.window_artists: set[int] = set()  # artists in the current window of 20 places

    def allowed(self) -> np.ndarray:
        """The candidates the rules allow at the next place (all left, if the rules allow none)."""
        rules, place = self.rules, len(self.picks)
        if place % 20 == 0:
            self.window_artists.clear()
        allowed = ~self.taken
        repeats_in_window = place % 20 - len(self.window_artists)
        if rules.min_artists_per_20 and repeats_in_window >= 20 - rules.min_artists_per_20:
            # One more repeat would leave this window of 20 short of distinct artists.
            fresh = allowed & ~np.isin(self.artist_local, list(self.window_artists))
            if fresh.any():
                allowed = fresh
        if rules.max_per_artist_per_20 is not None:
            cap = rules.max_per_artist_per_20 * (place // 20 + 1)
            allowed &= self.artist_counts[self.artist_local] < cap
        if rules.no_artist_twice_in_a_row and self.last_artist is not None:
            allowed &= self.artist_local != self.last_artist
        if rules.max_genre_share is not None and place >= 5:
            limit = math.floor(rules.max_genre_share * (place + 1))
            crowded = self.has_genre & (self.genre_counts[self.genre_local] >= limit)
            if (allowed & ~crowded).any():
                allowed &= ~crowded
        if not allowed.any():
            allowed = ~self.taken  # the candidates cannot keep the rules: fill with the best left
        return allowed

    def keep_quota(self, allowed: np.ndarray, share: float) -> np.ndarray:
        """Narrow `allowed` to the new or familiar side when that side is behind its share."""
        place = len(self.picks)
        new_behind = self.new_count < math.floor(share * (place + 1) + 1e-9)
        if new_behind:
            side = allowed & self.new_mask
        elif place - self.new_count < math.floor((1 - share) * (place + 1) + 1e-9):
            side = allowed & ~self.new_mask
        else:
            side = allowed
        if not side.any():  # the other side is out of candidates under the rules
            side = ~self.taken & (self.new_mask if new_behind else ~self.new_mask)
        return side if side.any() else allowed

    def best(self, allowed: np.ndarray, diversity: float) -> int:
        """The allowed candidate with the best MMR score."""
        place = len(self.picks)
        artist_repeat = self.artist_counts[self.artist_local].astype(np.float64)
        genre_share = np.where(self.has_genre,
                               self.genre_counts[self.genre_local] / (place + 1), 0.0)
        penalty = (SIMILARITY_PENALTY * self.max_sim + ARTIST_PENALTY * artist_repeat
                   + GENRE_PENALTY * genre_share)
        score = (1.0 - diversity) * self.rank_relevance - diversity * penalty
        score[~allowed] = -np.inf
        return int(np.argmax(score))

    def take(self, choice: int, allowed: np.ndarray) -> None:
        """Put `choice` at the next place, saying whether it was chosen for variety."""
        place, relevance = len(self.picks), self.rank_relevance
        # How many allowed tracks with more relevance were passed over for this one.
        passed_over = int(np.count_nonzero(allowed & (relevance > relevance[choice])))
        genre = int(self.genre_local[choice]) if self.has_genre[choice] else -1
        new_genre = genre >= 0 and self.genre_counts[genre] == 0 and place > 0
        artist = int(self.artist_local[choice])
        new_artist = bool(self.artist_counts[artist] == 0)
        diversity_pick = passed_over >= 3 and (new_genre or new_artist)
        self.picks.append(Picked(choice, diversity_pick, new_genre, new_artist))
        self.taken[choice] = True
        self.new_count += int(self.new_mask[choice])
        self.artist_counts[artist] += 1
        if genre >= 0:
            self.genre_counts[genre] += 1
        self.last_artist = artist
        self.window_artists.add(artist)
        np.maximum(self.max_sim, self.unit @ self.unit[choice], out=self.max_sim)


def list_figures(artist_keys: Sequence[str], genre_names: Sequence[str | None]) -> dict[str, float]:
    """Distinct artists, distinct genres and the largest share of one artist in a list."""
    total = len(artist_keys)
    counts = Counter(artist_keys)
    genres = {g for g in genre_names if g}
    return {
        "count": total,
        "distinct_artists": len(counts),
        "distinct_genres": len(genres),
        "largest_artist_share": round(max(counts.values()) / total, 4) if total else 0.0,
    }
