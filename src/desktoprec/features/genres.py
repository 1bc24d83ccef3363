"""Where each track's genres come from: Spotify artist genres → file tags → Deezer album genres →
MusicBrainz genres/tags → iTunes' genre; and each track's sound family (k-means over the sound
descriptors, named by what sets each cluster apart), which is NOT a genre and is stored apart.

The catalogue answers are fetched by the opt-in enrich step (catalogs/enrich.py); this refresh
only reads what is stored and never contacts anything. A track with no real genre has none.
"""

from __future__ import annotations

import logging
import math
import re
import threading
from collections import defaultdict
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
from sqlalchemy import delete, select

from desktoprec.domain import Progress
from desktoprec.errors import Cancelled
from desktoprec.features.sources import SOUND_NAMES
from desktoprec.library.tags import clean_text
from desktoprec.numeric import column_scale, kmeans
from desktoprec.storage.tables import (
    ArtistRow,
    CatalogAnswerRow,
    LocalFileRow,
    SoundClusterRow,
    TrackArtistRow,
    TrackGenreRow,
    TrackRow,
    TrackSoundFamilyRow,
    TrackSoundRow,
)
from desktoprec.words import name_clusters

log = logging.getLogger(__name__)

# Descriptors used to cluster; a cluster far above / below the library's mean is named with the
# listener's words for them (words.DESCRIPTOR_WORDS, the table the explanations use too).
CLUSTER_FEATURES = ("tempo", "brightness", "onset_rate", "energy", "acousticness", "danceability",
                    "mode", "loudness", "spectral_flatness", "dynamic_range", "beat_regularity")
MAX_GENRE_CHARS = 60
_SPLIT = re.compile(r"\s*[;/,|]\s*|\x00")


def tag_genres(text: str | None) -> list[str]:
    """'Rock; Indie/Pop' -> ['rock', 'indie', 'pop'] (lower-cased, capped, deduplicated)."""
    cleaned = clean_text(text)
    if not cleaned:
        return []
    out: list[str] = []
    for part in _SPLIT.split(cleaned):
        genre = part.strip().lower()[:MAX_GENRE_CHARS]
        if genre and genre not in out and not genre.isdigit():
            out.append(genre)
    return out[:5]


def sound_clusters(vectors: dict[str, np.ndarray], *, k: int | None = None, seed: int = 0
                   ) -> tuple[dict[str, int], list[str], np.ndarray, list[int]]:
    """Cluster tracks by sound: (track -> cluster, names, standardized centroids, sizes)."""
    columns = [SOUND_NAMES.index(name) for name in CLUSTER_FEATURES]
    # By track id, not in the order the rows were read: k-means seeds from the order, and the
    # database returns rows in the order analysis happened to finish (the same tracks would get
    # other families, and other family names, from one launch to the next).
    ids = sorted(vectors)
    if len(ids) < 2:
        return {}, [], np.zeros((0, len(columns))), []
    raw = np.stack([vectors[i][columns] for i in ids]).astype(np.float64)
    mean, std = column_scale(raw)
    z = np.where(np.isfinite(raw), (raw - mean) / std, 0.0)
    k = k or int(np.clip(round(math.sqrt(len(ids) / 2)), 2, 24))
    labels, centers = kmeans(z, k, seed=seed)
    used = sorted(set(labels.tolist()))
    remap = {old: new for new, old in enumerate(used)}
    centers = centers[used]
    names = name_clusters(centers, CLUSTER_FEATURES)
    sizes = [int((labels == old).sum()) for old in used]
    return {tid: remap[int(label)] for tid, label in zip(ids, labels)}, names, centers, sizes


def _catalog_genres(session: Any) -> tuple[dict[str, list[str]], dict[str, list[str]],
                                           dict[str, list[str]]]:
    """ISRC -> genres from stored enrich answers: Deezer album genres, MusicBrainz, iTunes."""
    album_genres = {key[6:]: value for key, value in session.execute(
        select(CatalogAnswerRow.key, CatalogAnswerRow.value).where(
            CatalogAnswerRow.service == "deezer", CatalogAnswerRow.status == "found",
            CatalogAnswerRow.key.like("album:%"))) if isinstance(value, list)}
    deezer: dict[str, list[str]] = {}
    for key, value in session.execute(
            select(CatalogAnswerRow.key, CatalogAnswerRow.value).where(
                CatalogAnswerRow.service == "deezer", CatalogAnswerRow.status == "found",
                CatalogAnswerRow.key.like("isrc:%"))):
        album = value.get("album") if isinstance(value, dict) else None
        names = album_genres.get(str(album.get("id"))) if isinstance(album, dict) else None
        if names:
            deezer[key[5:]] = names
    musicbrainz = {key[5:]: list(value.get("genres") or []) for key, value in session.execute(
        select(CatalogAnswerRow.key, CatalogAnswerRow.value).where(
            CatalogAnswerRow.service == "musicbrainz", CatalogAnswerRow.status == "found",
            CatalogAnswerRow.key.like("isrc:%"))) if isinstance(value, dict)}
    itunes = {key[5:]: [value["genre"]] for key, value in session.execute(
        select(CatalogAnswerRow.key, CatalogAnswerRow.value).where(
            CatalogAnswerRow.service == "itunes", CatalogAnswerRow.status == "found",
            CatalogAnswerRow.key.like("song:%")))
        if isinstance(value, dict) and isinstance(value.get("genre"), str) and value["genre"]}
    return deezer, musicbrainz, itunes


def _clean(genres: Sequence[str]) -> list[str]:
    out: list[str] = []
    for genre in genres:
        text = (clean_text(genre) or "").lower()[:MAX_GENRE_CHARS] if isinstance(genre, str) \
            else ""
        if text and text not in out and not text.isdigit():
            out.append(text)
    return out[:5]


def refresh_track_genres(db: Any, settings: Any = None, progress: Progress | None = None,
                         cancel: threading.Event | None = None,
                         metadata_cache: Path | None = None) -> dict[str, int]:
    """Rewrite `track_genres`, `track_sound_families` and `sound_clusters` (offline).

    Genres per track: Spotify artist genres → file tags → Deezer album genres → MusicBrainz
    genres/tags → iTunes' genre (the last three as fetched by enrich). Sound families are
    computed for every track with sound and stored apart: they are never genres. Returns how many
    tracks each genre source served, `none` (no real genre), `sound_family` (tracks with a family)
    and `clusters` (families found).
    """
    counts = {"spotify": 0, "tags": 0, "deezer": 0, "musicbrainz": 0, "itunes": 0, "none": 0}
    with db.read() as session:
        track_ids = list(session.scalars(select(TrackRow.id)))
        isrc_of = {tid: (isrc or "").upper() for tid, isrc in session.execute(
            select(TrackRow.id, TrackRow.isrc).where(TrackRow.isrc.is_not(None))).all()}
        artist_genres = {row.id: list(row.genres or []) for row in session.scalars(
            select(ArtistRow).where(ArtistRow.genres.is_not(None)))}
        artists_of: dict[str, list[str]] = defaultdict(list)
        for track_id, artist_id in session.execute(
                select(TrackArtistRow.track_id, TrackArtistRow.artist_id)
                .order_by(TrackArtistRow.track_id, TrackArtistRow.position)).all():
            artists_of[track_id].append(artist_id)
        file_genres: dict[str, list[str]] = defaultdict(list)
        for track_id, genre in session.execute(
                select(LocalFileRow.track_id, LocalFileRow.genre)
                .where(LocalFileRow.removed.is_(False), LocalFileRow.track_id.is_not(None),
                       LocalFileRow.genre.is_not(None))).all():
            for g in tag_genres(genre):
                if g not in file_genres[track_id]:
                    file_genres[track_id].append(g)
        deezer, musicbrainz, itunes = _catalog_genres(session)
        vectors = {track_id: np.frombuffer(vector, dtype=np.float32)
                   for track_id, vector in session.execute(
                       select(TrackSoundRow.track_id, TrackSoundRow.vector).where(
                           TrackSoundRow.vector.is_not(None)))
                   if vector and len(vector) == 4 * len(SOUND_NAMES)}
    rows: dict[tuple[str, str], TrackGenreRow] = {}
    for done, track_id in enumerate(track_ids, start=1):
        if cancel is not None and cancel.is_set():
            raise Cancelled()
        spotify = _clean([g for a in artists_of.get(track_id, []) for g in
                          artist_genres.get(a, [])])
        isrc = isrc_of.get(track_id, "")
        chain = (("spotify", spotify), ("tags", file_genres.get(track_id, [])),
                 ("deezer", _clean(deezer.get(isrc, []))),
                 ("musicbrainz", _clean(musicbrainz.get(isrc, []))),
                 ("itunes", _clean(itunes.get(track_id, []))))
        source, genres = next(((name, found) for name, found in chain if found), ("none", []))
        counts[source] += 1
        for rank, genre in enumerate(genres):
            rows[(track_id, genre)] = TrackGenreRow(track_id=track_id, genre=genre, source=source,
                                                   weight=round(1.0 / (1 + rank), 4))
        if progress and (done % 500 == 0 or done == len(track_ids)):
            progress("genre sources", done, len(track_ids))
    # Sound families: learned on every track with sound, stored apart from genres.
    assignment, names, centers, sizes = sound_clusters(vectors)
    with db.write() as session:
        session.execute(delete(TrackGenreRow))
        session.execute(delete(SoundClusterRow))
        session.execute(delete(TrackSoundFamilyRow))
        session.add_all(rows.values())
        for index, (name, center, size) in enumerate(zip(names, centers, sizes)):
            session.add(SoundClusterRow(cluster_id=index, name=name,
                                        centroid=[round(float(v), 4) for v in center], size=size))
        session.add_all(TrackSoundFamilyRow(track_id=tid, cluster_id=cluster, name=names[cluster])
                        for tid, cluster in assignment.items())
    counts["sound_family"] = len(assignment)
    counts["clusters"] = len(names)
    return counts
