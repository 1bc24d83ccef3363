"""The candidate pool as numpy arrays: tracks, artists, sound, genres and listening contexts."""

from __future__ import annotations

import csv
import gzip
import hashlib
import logging
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from desktoprec.errors import RecommendError
from desktoprec.numeric import kmeans, standardize
from desktoprec.spotify.uris import spotify_id
from desktoprec.text import fold_name, version_title
from desktoprec.words import DESCRIPTOR_WORDS

log = logging.getLogger(__name__)

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
class Catalog:
    """Everything the engine knows about each track, one row per track, aligned by position."""

    ids: list[str]
    names: list[str]
    artists: list[tuple[str, ...]]  # display names
    artist_keys: list[tuple[str, ...]]  # stable keys (Spotify id, or normalized name)
    albums: list[str | None]
    album_keys: list[str | None]
    uris: list[str | None]
    isrcs: list[str | None]
    year: np.ndarray  # float32, nan when unknown
    duration_ms: np.ndarray  # float32, nan when unknown
    sound: np.ndarray  # float32 (n, len(sound_names)), nan where a descriptor is missing
    sound_names: tuple[str, ...]
    sound_source: list[str]  # own_file | spotify | preview | none
    genres: list[tuple[str, ...]]
    genre_source: list[str]  # spotify | tags | metadata | cluster | none
    contexts: list[np.ndarray] = field(default_factory=list)  # track positions per playlist/session
    context_ids: list[str] = field(default_factory=list)
    context_kinds: list[str] = field(default_factory=list)  # playlist | session | library
    popularity: np.ndarray | None = None  # float32; larger = more popular
    track_source: list[str] | None = None  # spotify | local | discovery
    image_urls: list[str | None] | None = None

    def __post_init__(self) -> None:
        n = len(self.ids)
        self.index: dict[str, int] = {tid: i for i, tid in enumerate(self.ids)}
        if len(self.index) != n:
            raise RecommendError("The catalog has duplicate track ids.")
        if self.popularity is None:
            self.popularity = np.zeros(n, dtype=np.float32)
        if self.track_source is None:
            self.track_source = ["spotify"] * n
        if self.image_urls is None:
            self.image_urls = [None] * n
        self.has_sound = ~np.all(np.isnan(self.sound), axis=1) if n else np.zeros(0, bool)
        # Primary artist as an integer, for fast per-artist rules.
        self.artist_vocab: dict[str, int] = {}
        primary = np.empty(n, dtype=np.int32)
        for i, keys in enumerate(self.artist_keys):
            key = keys[0] if keys else f"unknown:{i}"
            primary[i] = self.artist_vocab.setdefault(key, len(self.artist_vocab))
        self.primary_artist = primary
        self.artist_display = {k: "" for k in self.artist_vocab}
        for keys, names in zip(self.artist_keys, self.artists):
            for key, name in zip(keys, names):
                if key in self.artist_display and not self.artist_display[key]:
                    self.artist_display[key] = name
        self.genre_vocab: dict[str, int] = {}
        for tags in self.genres:
            for tag in tags:
                self.genre_vocab.setdefault(tag, len(self.genre_vocab))
        self.primary_genre = np.array(
            [self.genre_vocab[g[0]] if g else -1 for g in self.genres], dtype=np.int32
        )
        self.version_keys = [
            version_title(name) + "|" + (keys[0] if keys else "")
            for name, keys in zip(self.names, self.artist_keys)
        ]

    def __len__(self) -> int:
        return len(self.ids)

    def positions(self, track_ids: Iterable[str]) -> list[int]:
        return [self.index[t] for t in track_ids if t in self.index]

    def resolve(self, ref: str) -> int:
        """A track position from an id, a `spotify:track:` URI or an open.spotify.com link."""
        ref = ref.strip()
        if ref in self.index:
            return self.index[ref]
        candidate = spotify_id(ref, "track")
        if candidate in self.index:
            return self.index[candidate]
        raise RecommendError(f"The track {ref!r} is not in your library or the catalog.",
                             hint="sync first, or look it up: desktoprec tracks --search TEXT")

    def versions_of(self, position: int) -> list[int]:
        """Other versions of the same recording: same ISRC, or same normalized title + artist."""
        key = self.version_keys[position]
        isrc = self.isrcs[position]
        return [
            i for i in range(len(self.ids))
            if i != position and (self.version_keys[i] == key or (isrc and self.isrcs[i] == isrc))
        ]

    def fingerprint(self) -> str:
        """A checksum of what the vectors depend on; a saved index is only used when it matches."""
        digest = hashlib.sha256()
        digest.update(str(len(self.ids)).encode())
        for tid in self.ids:
            digest.update(tid.encode())
            digest.update(b"\0")
        digest.update(np.ascontiguousarray(np.nan_to_num(self.sound, nan=-7.0)).tobytes())
        digest.update(repr(self.sound_names).encode())
        digest.update(repr(self.genres).encode())
        digest.update(repr(self.artist_keys).encode())
        for ctx in self.contexts:
            digest.update(np.asarray(ctx, dtype=np.int64).tobytes())
            digest.update(b"|")
        digest.update(np.nan_to_num(self.year, nan=-1).tobytes())
        return digest.hexdigest()

    def sound_dict(self, position: int) -> dict[str, float]:
        row = self.sound[position]
        return {name: float(v) for name, v in zip(self.sound_names, row) if not math.isnan(v)}

    def track(self, position: int) -> Any:
        from desktoprec.domain import Track

        year = self.year[position]
        duration = self.duration_ms[position]
        assert self.track_source is not None and self.image_urls is not None
        return Track(
            id=self.ids[position],
            name=self.names[position],
            artists=self.artists[position],
            artist_ids=self.artist_keys[position],
            album=self.albums[position],
            uri=self.uris[position],
            duration_ms=None if math.isnan(duration) else int(duration),
            isrc=self.isrcs[position],
            image_url=self.image_urls[position],
            release_year=None if math.isnan(year) else int(year),
            source=self.track_source[position],
        )

    def with_contexts(
        self, contexts: Sequence[np.ndarray], ids: Sequence[str], kinds: Sequence[str]
    ) -> Catalog:
        """The same tracks with other listening contexts (the evaluation hides half of some)."""
        return Catalog(
            ids=self.ids, names=self.names, artists=self.artists, artist_keys=self.artist_keys,
            albums=self.albums, album_keys=self.album_keys, uris=self.uris, isrcs=self.isrcs,
            year=self.year, duration_ms=self.duration_ms, sound=self.sound,
            sound_names=self.sound_names, sound_source=self.sound_source, genres=self.genres,
            genre_source=self.genre_source, contexts=list(contexts), context_ids=list(ids),
            context_kinds=list(kinds), popularity=self.popularity, track_source=self.track_source,
            image_urls=self.image_urls,
        )

    # --- builders -----------------------------------------------------------------------------

    @classmethod
    def from_database(cls, db: Any) -> Catalog:
        """Tracks, artists, albums, sound and genre sources, playlists and listening sessions."""
        return _catalog_from_database(db)

    @classmethod
    def from_dataset(cls, path: Path, *, cluster_genres: int = 24) -> tuple[Catalog, Dataset]:
        """The TidyTuesday `spotify_songs` file: tracks, audio features and 471 playlists.

        The playlist_genre/playlist_subgenre columns describe playlists, not tracks, and are not
        read. Genres come from clusters of the audio features instead (source `cluster`).
        """
        dataset = read_dataset(path)
        n = len(dataset.track_ids)
        sound = dataset.features
        genres, _ = sound_cluster_genres(sound, AUDIO_FEATURE_NAMES, k=cluster_genres)
        contexts = [np.asarray(p, dtype=np.int32) for p in dataset.playlist_tracks]
        catalog = cls(
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


# --- genres from sound clusters -----------------------------------------------------------------

_DESCRIPTOR_WORDS = DESCRIPTOR_WORDS  # one table: words.py


def sound_cluster_genres(
    sound: np.ndarray, names: Sequence[str], *, k: int = 24, seed: int = 0, iterations: int = 25
) -> tuple[list[str | None], np.ndarray]:
    """Cluster the sound descriptors (k-means) and name each cluster by what sets it apart.

    Returns one genre name per track (None without sound) and the cluster centroids (standardized).
    """
    n = len(sound)
    has = ~np.all(np.isnan(sound), axis=1) if n else np.zeros(0, bool)
    result: list[str | None] = [None] * n
    if has.sum() < 2:
        return result, np.zeros((0, len(names)), np.float32)
    z, _, _ = standardize(sound[has])
    z = np.nan_to_num(z, nan=0.0)
    labels, centroids = kmeans(z, k, seed=seed, iterations=iterations)
    cluster_names: list[str] = []
    used: dict[str, int] = {}
    for centroid in centroids:
        order = np.argsort(-np.abs(centroid))[:2]
        words = []
        for col in order:
            pair = _DESCRIPTOR_WORDS.get(names[col], (f"high {names[col]}", f"low {names[col]}"))
            words.append(pair[0] if centroid[col] > 0 else pair[1])
        label = " ".join(words)
        used[label] = used.get(label, 0) + 1
        cluster_names.append(label if used[label] == 1 else f"{label} {used[label]}")
    for pos, cluster in zip(np.flatnonzero(has), labels):
        result[int(pos)] = cluster_names[int(cluster)]
    return result, centroids.astype(np.float32)


# --- from the database --------------------------------------------------------------------------

# Own-file descriptors that describe timbre in detail (MFCC, chroma) stay out of the sound block:
# they would outweigh the summary descriptors that Spotify-sourced tracks share with own files.
_SKIPPED_DESCRIPTOR_PREFIXES = ("mfcc_", "chroma_")
_SKIPPED_DESCRIPTORS = {"key", "silent", "duration_s", "time_signature", "duration_ms"}
SESSION_GAP_SECONDS = 30 * 60


def _descriptor_columns(descriptor_sets: Iterable[dict[str, Any]]) -> tuple[str, ...]:
    names: set[str] = set()
    for values in descriptor_sets:
        for name, value in values.items():
            if name in _SKIPPED_DESCRIPTORS or name.startswith(_SKIPPED_DESCRIPTOR_PREFIXES):
                continue
            if isinstance(value, (int, float)) and not isinstance(value, bool):
                names.add(name)
    return tuple(sorted(names))


def _parse_time(value: str | None) -> float | None:
    from datetime import datetime

    if not value:
        return None
    try:
        return datetime.fromisoformat(value).timestamp()
    except ValueError:
        return None


def _catalog_from_database(db: Any) -> Catalog:
    from sqlalchemy import select

    from desktoprec.storage.tables import (
        AlbumRow,
        ArtistRow,
        PlaylistEntryRow,
        PlaylistRow,
        RecentlyPlayedRow,
        TrackArtistRow,
        TrackGenreRow,
        TrackRow,
        TrackSoundRow,
    )

    with db.read() as session:
        tracks = list(session.execute(select(
            TrackRow.id, TrackRow.name, TrackRow.uri, TrackRow.album_id, TrackRow.duration_ms,
            TrackRow.isrc, TrackRow.source).order_by(TrackRow.id)))
        albums = {row.id: row for row in session.execute(select(
            AlbumRow.id, AlbumRow.name, AlbumRow.release_year, AlbumRow.release_date,
            AlbumRow.image_url))}
        artist_names = dict(session.execute(select(ArtistRow.id, ArtistRow.name)).all())
        links: dict[str, list[tuple[int, str]]] = {}
        for track_id, position, artist_id in session.execute(select(
                TrackArtistRow.track_id, TrackArtistRow.position, TrackArtistRow.artist_id)):
            links.setdefault(track_id, []).append((position, artist_id))
        sounds = {row.track_id: row for row in session.execute(select(
            TrackSoundRow.track_id, TrackSoundRow.source, TrackSoundRow.descriptors))}
        genre_rows: dict[str, list[tuple[float, str, str]]] = {}
        for track_id, genre, source, weight in session.execute(select(
                TrackGenreRow.track_id, TrackGenreRow.genre, TrackGenreRow.source,
                TrackGenreRow.weight)):
            genre_rows.setdefault(track_id, []).append((-(weight or 0.0), genre, source))
        readable = {pid for pid, in session.execute(select(PlaylistRow.id).where(
            PlaylistRow.removed.is_(False), PlaylistRow.made_by_desktoprec.is_(False)))}
        entries: dict[str, list[str]] = {}
        for playlist_id, track_id in session.execute(select(
                PlaylistEntryRow.playlist_id, PlaylistEntryRow.track_id).where(
                PlaylistEntryRow.track_id.is_not(None)).order_by(
                PlaylistEntryRow.playlist_id, PlaylistEntryRow.position)):
            if playlist_id in readable:
                entries.setdefault(playlist_id, []).append(track_id)
        plays = list(session.execute(select(RecentlyPlayedRow.played_at,
                                            RecentlyPlayedRow.track_id)
                                     .order_by(RecentlyPlayedRow.played_at)))
    ids = [row.id for row in tracks]
    n = len(ids)
    descriptor_sets = [sounds[t].descriptors for t in ids
                       if t in sounds and isinstance(sounds[t].descriptors, dict)
                       and sounds[t].source != "none"]
    columns = _descriptor_columns(descriptor_sets)
    sound = np.full((n, len(columns)), np.nan, dtype=np.float32)
    sound_source = ["none"] * n
    col_of = {name: i for i, name in enumerate(columns)}
    artists: list[tuple[str, ...]] = []
    artist_keys: list[tuple[str, ...]] = []
    album_names: list[str | None] = []
    years = np.full(n, np.nan, dtype=np.float32)
    durations = np.full(n, np.nan, dtype=np.float32)
    genres: list[tuple[str, ...]] = []
    genre_source: list[str] = []
    image_urls: list[str | None] = []
    for i, row in enumerate(tracks):
        linked = sorted(links.get(row.id, []))
        artist_keys.append(tuple(a for _, a in linked))
        artists.append(tuple(artist_names.get(a, "") or a for _, a in linked))
        album = albums.get(row.album_id) if row.album_id else None
        album_names.append(album.name if album else None)
        image_urls.append(album.image_url if album else None)
        if album is not None:
            year = album.release_year
            if year is None and album.release_date:
                year = int(album.release_date[:4]) if album.release_date[:4].isdigit() else None
            if year:
                years[i] = float(year)
        if row.duration_ms:
            durations[i] = float(row.duration_ms)
        found = sounds.get(row.id)
        if found is not None and found.source != "none" and isinstance(found.descriptors, dict):
            for name, value in found.descriptors.items():
                col = col_of.get(name)
                if col is not None and isinstance(value, (int, float)) and not isinstance(
                        value, bool) and math.isfinite(float(value)):
                    sound[i, col] = float(value)
            if not np.all(np.isnan(sound[i])):
                sound_source[i] = found.source
        tags = sorted(genre_rows.get(row.id, []))
        genres.append(tuple(dict.fromkeys(g for _, g, _ in tags)))
        genre_source.append(tags[0][2] if tags else "none")
    index = {tid: i for i, tid in enumerate(ids)}
    contexts: list[np.ndarray] = []
    context_ids: list[str] = []
    kinds: list[str] = []
    for playlist_id, members in entries.items():
        positions = list(dict.fromkeys(index[t] for t in members if t in index))
        if len(positions) >= 2:
            contexts.append(np.asarray(positions, dtype=np.int32))
            context_ids.append(playlist_id)
            kinds.append("playlist")
    # Listening sessions: recent plays split where the gap exceeds 30 minutes.
    session_tracks: list[int] = []
    last_time: float | None = None
    for played_at, track_id in plays:
        moment = _parse_time(played_at)
        if last_time is not None and moment is not None and moment - last_time > \
                SESSION_GAP_SECONDS:
            if len(set(session_tracks)) >= 2:
                contexts.append(np.asarray(list(dict.fromkeys(session_tracks)), dtype=np.int32))
                context_ids.append(f"session:{len(contexts)}")
                kinds.append("session")
            session_tracks = []
        if track_id in index:
            session_tracks.append(index[track_id])
        last_time = moment if moment is not None else last_time
    if len(set(session_tracks)) >= 2:
        contexts.append(np.asarray(list(dict.fromkeys(session_tracks)), dtype=np.int32))
        context_ids.append(f"session:{len(contexts)}")
        kinds.append("session")
    popularity = np.zeros(n, dtype=np.float32)
    for ctx in contexts:
        popularity[ctx] += 1.0
    return Catalog(
        ids=ids, names=[row.name or "" for row in tracks], artists=artists,
        artist_keys=[k if k else (f"track:{tid}",) for k, tid in zip(artist_keys, ids)],
        albums=album_names, album_keys=[row.album_id for row in tracks],
        uris=[row.uri or (f"spotify:track:{row.id}" if row.source != "local" else None)
              for row in tracks],
        isrcs=[row.isrc for row in tracks], year=years, duration_ms=durations, sound=sound,
        sound_names=columns, sound_source=sound_source, genres=genres, genre_source=genre_source,
        contexts=contexts, context_ids=context_ids, context_kinds=kinds, popularity=popularity,
        track_source=[row.source or "spotify" for row in tracks], image_urls=image_urls,
    )

