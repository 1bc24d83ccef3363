"""The candidate pool as numpy arrays: tracks, artists, sound, genres and listening contexts.

Built from the user's database by recommend/library_catalog.py and from the TidyTuesday playlist
file by recommend/dataset.py.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from desktoprec.errors import RecommendError
from desktoprec.spotify.uris import spotify_id
from desktoprec.text import version_title

if TYPE_CHECKING:
    from desktoprec.recommend.dataset import Dataset
    from desktoprec.storage.db import Database


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
    def from_database(cls, db: Database) -> Catalog:
        """Tracks, artists, albums, sound and genre sources, playlists and listening sessions."""
        from desktoprec.recommend.library_catalog import catalog_from_database

        return catalog_from_database(db)

    @classmethod
    def from_dataset(cls, path: Path, *, cluster_genres: int = 24) -> tuple[Catalog, Dataset]:
        """The TidyTuesday `spotify_songs` file: tracks, audio features and 471 playlists
        (see recommend/dataset.py)."""
        from desktoprec.recommend.dataset import catalog_from_dataset

        return catalog_from_dataset(path, cluster_genres=cluster_genres)
