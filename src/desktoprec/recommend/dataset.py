"""The TidyTuesday playlist file (spotify_songs.csv.gz): its rows, and the catalog they make."""

from __future__ import annotations

import csv
import gzip
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from desktoprec.errors import RecommendError
from desktoprec.recommend.catalog import Catalog
from desktoprec.recommend.clusters import sound_cluster_genres
from desktoprec.text import fold_name

# Spotify audio features used as sound descriptors when a track has them (key is cyclic and
# says little about similarity, so it is left out).
AUDIO_FEATURE_NAMES = (
    "danceability",
    "energy",
    "loudness",
    "speechiness",
    "acousticness",
    "instrumentalness",
    "liveness",
    "valence",
    "tempo",
    "mode",
)



@dataclass
class Dataset:
    """The rows of the playlist dataset, de-duplicated by track id, with playlists in file order."""

    track_ids: list[str]
    names: list[str]
    artists: list[str]
    albums: list[str | None]
    album_ids: list[str | None]
    year: np.ndarray
    duration_ms: np.ndarray
    features: np.ndarray
    popularity: np.ndarray
    playlist_ids: list[str]
    playlist_names: list[str]
    playlist_tracks: list[list[int]]  # unique track positions, in file order


def _float(value: str) -> float:
    try:
        result = float(value)
    except (TypeError, ValueError):
        return math.nan
    return result if math.isfinite(result) else math.nan


def read_dataset(path: Path) -> Dataset:
    """Read the gzip (or plain) CSV; a missing or malformed file raises RecommendError."""
    path = Path(path)
    opener: Any = gzip.open if path.suffix == ".gz" else open
    try:
        with opener(path, "rt", encoding="utf-8", newline="") as handle:
            reader = csv.DictReader(handle)
            required = {"track_id", "track_name", "track_artist", "playlist_id", *AUDIO_FEATURE_NAMES}
            missing = required - set(reader.fieldnames or ())
            if missing:
                raise RecommendError(
                    f"{path.name} is not a playlist dataset (missing columns: "
                    f"{', '.join(sorted(missing))})."
                )
            rows = list(reader)
    except (OSError, EOFError, UnicodeDecodeError, csv.Error, gzip.BadGzipFile) as exc:
        raise RecommendError(f"The dataset {path} could not be read: {exc}") from exc
    index: dict[str, int] = {}
    names: list[str] = []
    artists: list[str] = []
    albums: list[str | None] = []
    album_ids: list[str | None] = []
    years: list[float] = []
    durations: list[float] = []
    features: list[list[float]] = []
    popularity: list[float] = []
    playlists: dict[str, list[int]] = {}
    playlist_names: dict[str, str] = {}
    for row in rows:
        tid = (row.get("track_id") or "").strip()
        if not tid:
            continue
        pos = index.get(tid)
        if pos is None:
            pos = index[tid] = len(names)
            names.append(row.get("track_name") or "")
            artists.append(row.get("track_artist") or "")
            albums.append(row.get("track_album_name") or None)
            album_ids.append(row.get("track_album_id") or None)
            years.append(_float((row.get("track_album_release_date") or "")[:4]))
            durations.append(_float(row.get("duration_ms", "")))
            features.append([_float(row.get(name, "")) for name in AUDIO_FEATURE_NAMES])
            popularity.append(_float(row.get("track_popularity", "")))
        pid = row.get("playlist_id") or ""
        members = playlists.setdefault(pid, [])
        if pos not in members:
            members.append(pos)
        playlist_names.setdefault(pid, row.get("playlist_name") or pid)
    return Dataset(
        track_ids=list(index),
        names=names,
        artists=artists,
        albums=albums,
        album_ids=album_ids,
        year=np.asarray(years, dtype=np.float32),
        duration_ms=np.asarray(durations, dtype=np.float32),
        features=np.asarray(features, dtype=np.float32).reshape(len(names), len(AUDIO_FEATURE_NAMES)),
        popularity=np.nan_to_num(np.asarray(popularity, dtype=np.float32), nan=0.0),
        playlist_ids=list(playlists),
        playlist_names=[playlist_names[p] for p in playlists],
        playlist_tracks=list(playlists.values()),
    )



def catalog_from_dataset(path: Path, *, cluster_genres: int = 24) -> tuple[Catalog, Dataset]:
    """The TidyTuesday `spotify_songs` file: tracks, audio features and 471 playlists.

    The playlist_genre/playlist_subgenre columns describe playlists, not tracks, and are not
    read. Genres come from clusters of the audio features instead (source `cluster`).
    """
    dataset = read_dataset(path)
    n = len(dataset.track_ids)
    sound = dataset.features
    genres, _ = sound_cluster_genres(sound, AUDIO_FEATURE_NAMES, k=cluster_genres)
    contexts = [np.asarray(p, dtype=np.int32) for p in dataset.playlist_tracks]
    catalog = Catalog(
        ids=dataset.track_ids,
        names=dataset.names,
        artists=[(a,) for a in dataset.artists],
        artist_keys=[(fold_name(a),) for a in dataset.artists],
        albums=dataset.albums,
        album_keys=dataset.album_ids,
        uris=[f"spotify:track:{t}" for t in dataset.track_ids],
        isrcs=[None] * n,
        year=dataset.year,
        duration_ms=dataset.duration_ms,
        sound=sound,
        sound_names=AUDIO_FEATURE_NAMES,
        sound_source=["spotify"] * n,
        genres=[(g,) if g else () for g in genres],
        genre_source=["cluster"] * n,
        contexts=contexts,
        context_ids=list(dataset.playlist_ids),
        context_kinds=["playlist"] * len(contexts),
        popularity=dataset.popularity,
    )
    return catalog, dataset
