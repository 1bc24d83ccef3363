"""The catalog of the user's own database: tracks, sound, genres, playlists and listening sessions."""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from desktoprec.recommend.catalog import Catalog

if TYPE_CHECKING:
    from desktoprec.storage.db import Database

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


@dataclass
class _LibraryRows:
    """The database rows a catalog is made of, read in one session."""

    tracks: list[Any]  # (id, name, uri, album_id, duration_ms, isrc, source), by id
    albums: dict[str, Any]  # id -> (id, name, release_year, release_date, image_url)
    artist_names: dict[str, str]
    links: dict[str, list[tuple[int, str]]]  # track id -> (position, artist id)
    sounds: dict[str, Any]  # track id -> (track_id, source, descriptors)
    genre_rows: dict[str, list[tuple[float, str, str]]]  # track id -> (-weight, genre, source)
    entries: dict[str, list[str]]  # readable playlist id -> its track ids in order
    plays: list[Any]  # (played_at, track id), oldest first


def _read_library(db: Database) -> _LibraryRows:
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
        rows = _LibraryRows(
            tracks=list(session.execute(select(
                TrackRow.id, TrackRow.name, TrackRow.uri, TrackRow.album_id, TrackRow.duration_ms,
                TrackRow.isrc, TrackRow.source).order_by(TrackRow.id))),
            albums={row.id: row for row in session.execute(select(
                AlbumRow.id, AlbumRow.name, AlbumRow.release_year, AlbumRow.release_date,
                AlbumRow.image_url))},
            artist_names=dict(session.execute(select(ArtistRow.id, ArtistRow.name)).all()),
            links={},
            sounds={row.track_id: row for row in session.execute(select(
                TrackSoundRow.track_id, TrackSoundRow.source, TrackSoundRow.descriptors))},
            genre_rows={}, entries={},
            plays=list(session.execute(select(RecentlyPlayedRow.played_at,
                                              RecentlyPlayedRow.track_id)
                                       .order_by(RecentlyPlayedRow.played_at))))
        for track_id, position, artist_id in session.execute(select(
                TrackArtistRow.track_id, TrackArtistRow.position, TrackArtistRow.artist_id)):
            rows.links.setdefault(track_id, []).append((position, artist_id))
        for track_id, genre, source, weight in session.execute(select(
                TrackGenreRow.track_id, TrackGenreRow.genre, TrackGenreRow.source,
                TrackGenreRow.weight)):
            rows.genre_rows.setdefault(track_id, []).append((-(weight or 0.0), genre, source))
        readable = {pid for pid, in session.execute(select(PlaylistRow.id).where(
            PlaylistRow.removed.is_(False), PlaylistRow.made_by_desktoprec.is_(False)))}
        for playlist_id, entry in session.execute(select(
                PlaylistEntryRow.playlist_id, PlaylistEntryRow.track_id).where(
                PlaylistEntryRow.track_id.is_not(None)).order_by(
                PlaylistEntryRow.playlist_id, PlaylistEntryRow.position)):
            if playlist_id in readable and entry is not None:  # the query leaves out None
                rows.entries.setdefault(playlist_id, []).append(entry)
    return rows


def _album_year(album: Any) -> float:
    """The album's release year (from its date when the year is not stored), nan when unknown."""
    year = album.release_year
    if year is None and album.release_date:
        year = int(album.release_date[:4]) if album.release_date[:4].isdigit() else None
    return float(year) if year else math.nan


@dataclass
class _TrackColumns:
    """Per track: artists, album, year and length, in the order of the rows."""

    artists: list[tuple[str, ...]] = field(default_factory=list)
    artist_keys: list[tuple[str, ...]] = field(default_factory=list)
    album_names: list[str | None] = field(default_factory=list)
    image_urls: list[str | None] = field(default_factory=list)
    years: list[float] = field(default_factory=list)
    durations: list[float] = field(default_factory=list)


def _track_columns(rows: _LibraryRows) -> _TrackColumns:
    out = _TrackColumns()
    for row in rows.tracks:
        linked = sorted(rows.links.get(row.id, []))
        keys = tuple(a for _, a in linked)
        out.artist_keys.append(keys if keys else (f"track:{row.id}",))
        out.artists.append(tuple(rows.artist_names.get(a, "") or a for _, a in linked))
        album = rows.albums.get(row.album_id) if row.album_id else None
        out.album_names.append(album.name if album else None)
        out.image_urls.append(album.image_url if album else None)
        out.years.append(_album_year(album) if album is not None else math.nan)
        out.durations.append(float(row.duration_ms) if row.duration_ms else math.nan)
    return out


def _sound_columns(rows: _LibraryRows, ids: Sequence[str]
                   ) -> tuple[tuple[str, ...], np.ndarray, list[str]]:
    """The descriptor names, the (tracks x descriptors) matrix (nan where missing), the sources."""
    usable = {t: found for t, found in rows.sounds.items()
              if found.source != "none" and isinstance(found.descriptors, dict)}
    columns = _descriptor_columns(usable[t].descriptors for t in ids if t in usable)
    col_of = {name: i for i, name in enumerate(columns)}
    sound = np.full((len(ids), len(columns)), np.nan, dtype=np.float32)
    sound_source = ["none"] * len(ids)
    for i, track_id in enumerate(ids):
        found = usable.get(track_id)
        if found is None:
            continue
        for name, value in found.descriptors.items():
            col = col_of.get(name)
            if col is not None and isinstance(value, (int, float)) and not isinstance(
                    value, bool) and math.isfinite(float(value)):
                sound[i, col] = float(value)
        if not np.all(np.isnan(sound[i])):
            sound_source[i] = found.source
    return columns, sound, sound_source


def _genre_columns(rows: _LibraryRows, ids: Sequence[str]
                   ) -> tuple[list[tuple[str, ...]], list[str]]:
    """Each track's genres, heaviest first, and where its heaviest came from."""
    genres: list[tuple[str, ...]] = []
    genre_source: list[str] = []
    for track_id in ids:
        tags = sorted(rows.genre_rows.get(track_id, []))
        genres.append(tuple(dict.fromkeys(g for _, g, _ in tags)))
        genre_source.append(tags[0][2] if tags else "none")
    return genres, genre_source


@dataclass
class _Contexts:
    """Listening contexts as they are found: track positions, ids and kinds."""

    members: list[np.ndarray] = field(default_factory=list)
    ids: list[str] = field(default_factory=list)
    kinds: list[str] = field(default_factory=list)

    def add_session(self, positions: Sequence[int]) -> None:
        """A listening session, when it holds two or more different tracks."""
        if len(set(positions)) >= 2:
            self.members.append(np.asarray(list(dict.fromkeys(positions)), dtype=np.int32))
            self.ids.append(f"session:{len(self.members)}")
            self.kinds.append("session")


def _contexts(rows: _LibraryRows, index: dict[str, int]) -> _Contexts:
    """The readable playlists with two or more known tracks, then the listening sessions:
    recent plays split where the gap exceeds SESSION_GAP_SECONDS."""
    found = _Contexts()
    for playlist_id, members in rows.entries.items():
        positions = list(dict.fromkeys(index[t] for t in members if t in index))
        if len(positions) >= 2:
            found.members.append(np.asarray(positions, dtype=np.int32))
            found.ids.append(playlist_id)
            found.kinds.append("playlist")
    session_tracks: list[int] = []
    last_time: float | None = None
    for played_at, track_id in rows.plays:
        moment = _parse_time(played_at)
        if last_time is not None and moment is not None and moment - last_time > \
                SESSION_GAP_SECONDS:
            found.add_session(session_tracks)
            session_tracks = []
        if track_id in index:
            session_tracks.append(index[track_id])
        last_time = moment if moment is not None else last_time
    found.add_session(session_tracks)
    return found


def catalog_from_database(db: Database) -> Catalog:
    """Tracks, artists, albums, sound and genre sources, playlists and listening sessions."""
    rows = _read_library(db)
    tracks = rows.tracks
    ids = [row.id for row in tracks]
    columns = _track_columns(rows)
    sound_names, sound, sound_source = _sound_columns(rows, ids)
    genres, genre_source = _genre_columns(rows, ids)
    contexts = _contexts(rows, {tid: i for i, tid in enumerate(ids)})
    popularity = np.zeros(len(ids), dtype=np.float32)
    for ctx in contexts.members:
        popularity[ctx] += 1.0
    return Catalog(
        ids=ids, names=[row.name or "" for row in tracks], artists=columns.artists,
        artist_keys=columns.artist_keys, albums=columns.album_names,
        album_keys=[row.album_id for row in tracks],
        uris=[row.uri or (f"spotify:track:{row.id}" if row.source != "local" else None)
              for row in tracks],
        isrcs=[row.isrc for row in tracks],
        year=np.asarray(columns.years, dtype=np.float32).reshape(len(ids)),
        duration_ms=np.asarray(columns.durations, dtype=np.float32).reshape(len(ids)),
        sound=sound, sound_names=sound_names, sound_source=sound_source, genres=genres,
        genre_source=genre_source, contexts=contexts.members, context_ids=contexts.ids,
        context_kinds=contexts.kinds, popularity=popularity,
        track_source=[row.source or "spotify" for row in tracks], image_urls=columns.image_urls,
    )
