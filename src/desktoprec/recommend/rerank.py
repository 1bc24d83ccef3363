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
    rank_relevance = np.empty(count, dtype=np.float64)
    rank_relevance[order] = np.exp2(-np.arange(count) / RELEVANCE_HALF_LIFE)
    quota = is_new is not None and new_share is not None
    if diversity <= 0.0 and not quota:
        return [Picked(int(i), False, False, False) for i in order[:n]]
    share = min(1.0, max(0.0, float(new_share))) if new_share is not None else 0.0
    new_mask = np.asarray(is_new, dtype=bool) if quota else np.zeros(count, dtype=bool)
    new_count = 0
    rules = rules_for(diversity)
    unit = vectors / np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-9)
    max_sim = np.zeros(count, dtype=np.float64)
    taken = np.zeros(count, dtype=bool)
    # Local ids so per-artist and per-genre counts are plain arrays.
    _, artist_local = np.unique(artists, return_inverse=True)
    has_genre = genres >= 0
    _, genre_local = np.unique(np.where(has_genre, genres, -1), return_inverse=True)
    artist_counts = np.zeros(int(artist_local.max()) + 1, dtype=np.int64)
    genre_counts = np.zeros(int(genre_local.max()) + 1, dtype=np.int64)
    picks: list[Picked] = []
    last_artist: int | None = None
    window_artists: set[int] = set()
    while len(picks) < min(n, count):
        place = len(picks)
        window = place // 20 + 1
        if place % 20 == 0:
            window_artists.clear()
        allowed = ~taken
        repeats_in_window = place % 20 - len(window_artists)
        if rules.min_artists_per_20 and repeats_in_window >= 20 - rules.min_artists_per_20:
            # One more repeat would leave this window of 20 short of distinct artists.
            fresh = allowed & ~np.isin(artist_local, list(window_artists))
            if fresh.any():
                allowed = fresh
        if rules.max_per_artist_per_20 is not None:
            cap = rules.max_per_artist_per_20 * window
            allowed &= artist_counts[artist_local] < cap
        if rules.no_artist_twice_in_a_row and last_artist is not None:
            allowed &= artist_local != last_artist
        if rules.max_genre_share is not None and place >= 5:
            limit = math.floor(rules.max_genre_share * (place + 1))
            crowded = has_genre & (genre_counts[genre_local] >= limit)
            if (allowed & ~crowded).any():
                allowed &= ~crowded
        if not allowed.any():
            allowed = ~taken  # the candidates cannot keep the rules: fill with the best left
        if quota:
            if new_count < math.floor(share * (place + 1) + 1e-9):
                side = allowed & new_mask
            elif place - new_count < math.floor((1 - share) * (place + 1) + 1e-9):
                side = allowed & ~new_mask
            else:
                side = allowed
            if not side.any():  # the other side is out of candidates under the rules
                side = ~taken & (new_mask if new_count < math.floor(
                    share * (place + 1) + 1e-9) else ~new_mask)
            if side.any():
                allowed = side
        artist_repeat = artist_counts[artist_local].astype(np.float64)
        genre_share = np.where(has_genre, genre_counts[genre_local] / (place + 1), 0.0)
        penalty = (SIMILARITY_PENALTY * max_sim + ARTIST_PENALTY * artist_repeat
                   + GENRE_PENALTY * genre_share)
        score = (1.0 - diversity) * rank_relevance - diversity * penalty
        score[~allowed] = -np.inf
        choice = int(np.argmax(score))
        # How many allowed tracks with more relevance were passed over for this one.
        passed_over = int(np.count_nonzero(allowed & (rank_relevance > rank_relevance[choice])))
        genre = int(genre_local[choice]) if has_genre[choice] else -1
        new_genre = genre >= 0 and genre_counts[genre] == 0 and place > 0
        new_artist = bool(artist_counts[artist_local[choice]] == 0)
        diversity_pick = passed_over >= 3 and (new_genre or new_artist)
        picks.append(Picked(choice, diversity_pick, new_genre, new_artist))
        taken[choice] = True
        new_count += int(new_mask[choice])
        artist_counts[artist_local[choice]] += 1
        if genre >= 0:
            genre_counts[genre] += 1
        last_artist = int(artist_local[choice])
        window_artists.add(last_artist)
        np.maximum(max_sim, unit @ unit[choice], out=max_sim)
    return picks


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
