"""Read-only views of the local database for the pages (no Qt: run them in a worker lane)."""

from __future__ import annotations

import logging
import warnings
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
from sqlalchemy import func, select

from desktoprec.domain import Track
from desktoprec.library.lookup import text_match, tracks_from_rows
from desktoprec.storage.tables import (
    AccountRow,
    LocalFileRow,
    PlaylistEntryRow,
    PlaylistRow,
    RecentlyPlayedRow,
    SavedTrackRow,
    TrackGenreRow,
    TrackRow,
    TrackSoundRow,
)

if TYPE_CHECKING:
    from desktoprec.services import Services

log = logging.getLogger(__name__)

SOURCE_FILTERS = {
    "all": "Everything",
    "spotify": "Spotify library",
    "local": "Only my files",
    "discovery": "Discovery picks",
    "own_file": "Sound from my files",
    "no_sound": "No sound data",
}


@dataclass(frozen=True)
class LibraryItem:
    track: Track
    genres: tuple[str, ...] = ()
    sound_source: str = "none"


@dataclass
class InsightsData:
    points: list[tuple[float, float, str, str, str]] = field(default_factory=list)
    top_genres: list[tuple[str, float]] = field(default_factory=list)
    distributions: dict[str, list[float]] = field(default_factory=dict)
    sound_sources: list[tuple[str, float]] = field(default_factory=list)
    track_count: int = 0


def tracks_by_ids(services: Services, ids: list[str]) -> list[Track]:
    with services.db.read() as session:
        rows = list(session.scalars(select(TrackRow).where(TrackRow.id.in_(ids))))
        by_id = {t.id: t for t in tracks_from_rows(session, rows)}
    return [by_id[i] for i in ids if i in by_id]


def library_items(services: Services, text: str = "", source: str = "all",
                  limit: int = 500) -> list[LibraryItem]:
    """Tracks matching `text` in title, artist, album or genre, filtered by where they came from."""
    query = select(TrackRow)
    if text.strip():
        query = query.where(text_match(text))
    if source in ("spotify", "local", "discovery"):
        query = query.where(TrackRow.source == source)
    elif source == "own_file":
        query = query.where(TrackRow.id.in_(
            select(TrackSoundRow.track_id).where(TrackSoundRow.source == "own_file")))
    elif source == "no_sound":
        query = query.where(TrackRow.id.not_in(
            select(TrackSoundRow.track_id).where(TrackSoundRow.source != "none")))
    query = query.order_by(TrackRow.name).limit(limit)
    with services.db.read() as session:
        rows = list(session.scalars(query))
        tracks = tracks_from_rows(session, rows)
        ids = [t.id for t in tracks]
        genres: dict[str, list[str]] = defaultdict(list)
        for g in session.scalars(select(TrackGenreRow).where(TrackGenreRow.track_id.in_(ids))
                                 .order_by(TrackGenreRow.weight.desc())):
            genres[g.track_id].append(g.genre)
        sounds = dict(session.execute(select(TrackSoundRow.track_id, TrackSoundRow.source)
                                      .where(TrackSoundRow.track_id.in_(ids))).all())
    return [LibraryItem(t, tuple(genres.get(t.id, ())[:3]), sounds.get(t.id, "none"))
            for t in tracks]


def saved_track_ids(services: Services, track_ids: list[str]) -> set[str]:
    """Which of these tracks the user saved in their library."""
    if not track_ids:
        return set()
    with services.db.read() as session:
        return set(session.scalars(select(SavedTrackRow.track_id).where(
            SavedTrackRow.track_id.in_(track_ids))))


def playlists(services: Services) -> list[dict[str, Any]]:
    with services.db.read() as session:
        rows = session.scalars(select(PlaylistRow).where(PlaylistRow.removed.is_(False))
                               .order_by(PlaylistRow.list_position, PlaylistRow.name))
        return [{
            "id": p.id, "name": p.name or "", "uri": p.uri, "owner": p.owner_name or "",
            "total": p.total, "readable": p.readable, "skipped_reason": p.skipped_reason,
            "made_by_desktoprec": p.made_by_desktoprec, "image_url": p.image_url,
        } for p in rows]


def playlist_tracks(services: Services, playlist_id: str) -> list[Track]:
    with services.db.read() as session:
        entries = list(session.scalars(
            select(PlaylistEntryRow).where(PlaylistEntryRow.playlist_id == playlist_id)
            .order_by(PlaylistEntryRow.position)))
        ids = [e.track_id for e in entries if e.track_id]
        rows = list(session.scalars(select(TrackRow).where(TrackRow.id.in_(ids))))
        by_id = {t.id: t for t in tracks_from_rows(session, rows)}
    result = []
    for entry in entries:
        if entry.track_id and entry.track_id in by_id:
            result.append(by_id[entry.track_id])
        elif entry.name:
            result.append(Track(id=f"entry:{playlist_id}:{entry.position}", name=entry.name,
                                artists=(entry.artist_name,) if entry.artist_name else (),
                                album=entry.album_name, uri=entry.uri,
                                duration_ms=entry.duration_ms, source=entry.kind))
    return result


def local_paths(services: Services, track_ids: list[str]) -> dict[str, str]:
    """Playable files of the user's for these tracks (track id → path)."""
    with services.db.read() as session:
        rows = session.scalars(select(LocalFileRow).where(
            LocalFileRow.track_id.in_(track_ids), LocalFileRow.removed.is_(False)))
        return {r.track_id: r.path for r in rows if r.track_id}


def account(services: Services) -> dict[str, Any] | None:
    with services.db.read() as session:
        row = session.scalars(select(AccountRow)).first()
        if row is None:
            return None
        return {"id": row.id, "display_name": row.display_name or row.id, "premium": row.premium}


def library_size(services: Services) -> int:
    with services.db.read() as session:
        return int(session.scalar(select(func.count()).select_from(TrackRow)) or 0)


def recent_track_ids(services: Services, limit: int = 20) -> list[str]:
    with services.db.read() as session:
        return list(session.scalars(select(RecentlyPlayedRow.track_id)
                                    .order_by(RecentlyPlayedRow.played_at.desc()).limit(limit)))


def standardize(vectors: np.ndarray) -> np.ndarray:
    """Missing values (NaN/inf) become the column mean; each column gets unit variance."""
    values = np.asarray(vectors, dtype=np.float64).copy()
    values[~np.isfinite(values)] = np.nan
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # an all-missing column: mean 0
        means = np.nanmean(values, axis=0) if len(values) else np.zeros(values.shape[1])
    means = np.where(np.isfinite(means), means, 0.0)
    rows, cols = np.where(np.isnan(values))
    values[rows, cols] = means[cols]
    std = values.std(axis=0)
    return (values - means) / np.where(std > 1e-12, std, 1.0)


def project_2d(vectors: np.ndarray) -> np.ndarray:
    """A PCA projection to two dimensions of the standardized vectors."""
    if len(vectors) == 0:
        return np.zeros((0, 2), dtype=np.float32)
    standardized = standardize(vectors)
    centered = standardized - standardized.mean(axis=0, keepdims=True)
    if len(vectors) == 1 or not np.any(centered):
        return np.zeros((len(vectors), 2), dtype=np.float32)
    _, _, vt = np.linalg.svd(centered, full_matrices=False)
    axes = vt[:2].T
    projected = centered @ axes
    if projected.shape[1] == 1:
        projected = np.hstack([projected, np.zeros_like(projected)])
    return projected.astype(np.float32)


def insights(services: Services, color_by: str = "genre", max_points: int = 3000) -> InsightsData:
    """Everything the Insights page draws: the map, top genres, feature distributions."""
    data = InsightsData()
    with services.db.read() as session:
        sounds = list(session.scalars(select(TrackSoundRow).limit(max_points)))
        genre_rows = list(session.scalars(select(TrackGenreRow)))
        data.track_count = int(session.scalar(select(func.count()).select_from(TrackRow)) or 0)
        named = {t.id: t for t in tracks_from_rows(
            session, list(session.scalars(select(TrackRow).where(
                TrackRow.id.in_([s.track_id for s in sounds])))))}
    best_genre: dict[str, tuple[float, str]] = {}
    cluster: dict[str, str] = {}
    genre_counts: Counter[str] = Counter()
    for g in genre_rows:
        if g.source == "cluster":
            cluster[g.track_id] = g.genre
            continue
        genre_counts[g.genre] += 1
        if g.track_id not in best_genre or g.weight > best_genre[g.track_id][0]:
            best_genre[g.track_id] = (g.weight, g.genre)
    if not genre_counts:  # only sound clusters are known: those are the genres we have
        genre_counts = Counter(cluster.values())
    data.top_genres = [(name, float(n)) for name, n in genre_counts.most_common(12)]
    data.sound_sources = [(k, float(v)) for k, v in
                          Counter(s.source for s in sounds).most_common()]
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
    preferred = ["tempo", "bpm", "energy", "rms", "brightness", "spectral_centroid",
                 "loudness", "danceability", "acousticness", "zcr", "onset_rate"]
    ordered = [n for n in preferred if n in distributions] + sorted(
        n for n in distributions if n not in preferred)
    data.distributions = {n: distributions[n] for n in ordered[:6]}
    if vectors:
        projected = project_2d(np.vstack(vectors))
        for (x, y), track_id in zip(projected.tolist(), keys):
            track = named.get(track_id)
            description = (f"{track.name} — {', '.join(track.artists)}" if track else track_id)
            if color_by == "cluster":
                key = cluster.get(track_id, "no cluster")
            else:
                key = best_genre.get(track_id, (0.0, cluster.get(track_id, "unknown")))[1]
            data.points.append((float(x), float(y), track_id, description, key))
    return data
