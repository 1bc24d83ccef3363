"""The Insights page's picture of the library: the sound map, top genres, descriptor spreads."""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field

import numpy as np
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from desktoprec.numeric import standardize
from desktoprec.storage import repo
from desktoprec.storage.tables import TrackGenreRow, TrackRow, TrackSoundRow

# the descriptors shown first, when the library has them
_PREFERRED = ("tempo", "bpm", "energy", "rms", "brightness", "spectral_centroid", "loudness",
              "danceability", "acousticness", "zcr", "onset_rate")


@dataclass
class InsightsData:
    """points: (x, y, track id, description, colour key: a genre or a sound family)."""

    points: list[tuple[float, float, str, str, str]] = field(default_factory=list)
    top_genres: list[tuple[str, float]] = field(default_factory=list)
    distributions: dict[str, list[float]] = field(default_factory=dict)
    sound_sources: list[tuple[str, float]] = field(default_factory=list)
    track_count: int = 0


def project_2d(vectors: np.ndarray) -> np.ndarray:
    """A PCA projection to two dimensions of the standardised vectors (a missing value sits at
    its column's mean, i.e. 0 once standardised)."""
    if len(vectors) == 0:
        return np.zeros((0, 2), dtype=np.float32)
    standardized, _, _ = standardize(np.asarray(vectors, dtype=np.float64))
    standardized = np.nan_to_num(standardized.astype(np.float64), nan=0.0, posinf=0.0,
                                 neginf=0.0)
    centered = standardized - standardized.mean(axis=0, keepdims=True)
    if len(vectors) == 1 or not np.any(centered):
        return np.zeros((len(vectors), 2), dtype=np.float32)
    _, _, vt = np.linalg.svd(centered, full_matrices=False)
    projected = centered @ vt[:2].T
    if projected.shape[1] == 1:
        projected = np.hstack([projected, np.zeros_like(projected)])
    return projected.astype(np.float32)


def insights(session: Session, color_by: str = "genre", max_points: int = 3000) -> InsightsData:
    """Everything the Insights page draws, read in one session."""
    data = InsightsData()
    sounds = list(session.scalars(select(TrackSoundRow).limit(max_points)))
    genre_rows = list(session.execute(
        select(TrackGenreRow.track_id, TrackGenreRow.genre, TrackGenreRow.weight)
        .where(TrackGenreRow.source != "cluster")).all())
    family = repo.sound_family_names(session)
    data.track_count = int(session.scalar(select(func.count()).select_from(TrackRow)) or 0)
    named = repo.tracks_by_ids(session, [s.track_id for s in sounds])
    best_genre: dict[str, tuple[float, str]] = {}
    genre_counts: Counter[str] = Counter()
    for track_id, genre, weight in genre_rows:
        genre_counts[genre] += 1
        if track_id not in best_genre or weight > best_genre[track_id][0]:
            best_genre[track_id] = (weight, genre)
    if not genre_counts:  # only sound families are known: those are what we can show
        genre_counts = Counter(family.values())
    data.top_genres = [(name, float(n)) for name, n in genre_counts.most_common(12)]
    data.sound_sources = [(k, float(v)) for k, v in Counter(s.source for s in sounds).most_common()]
    vectors, keys = [], []
    distributions: dict[str, list[float]] = defaultdict(list)
    dim = None
    for s in sounds:
        for name, value in (s.descriptors or {}).items():
            if isinstance(value, (int, float)) and not isinstance(value, bool):
                distributions[name].append(float(value))
        if not s.vector:
            continue
        vec = np.frombuffer(s.vector, dtype=np.float32)
        if dim is None:
            dim = vec.shape[0]
        if vec.shape[0] != dim or not np.any(np.isfinite(vec)):
            continue
        vectors.append(vec)
        keys.append(s.track_id)
    ordered = [n for n in _PREFERRED if n in distributions] + sorted(
        n for n in distributions if n not in _PREFERRED)
    data.distributions = {n: distributions[n] for n in ordered[:6]}
    if vectors:
        projected = project_2d(np.vstack(vectors))
        for (x, y), track_id in zip(projected.tolist(), keys):
            track = named.get(track_id)
            description = f"{track.name} — {', '.join(track.artists)}" if track else track_id
            if color_by == "cluster":
                key = family.get(track_id, "no cluster")
            else:
                key = best_genre.get(track_id, (0.0, family.get(track_id, "unknown")))[1]
            data.points.append((float(x), float(y), track_id, description, key))
    return data
