"""The one search box's index: every track, artist, album and playlist name folded by text.py,
kept in memory until the database's contents change."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from desktoprec.storage.tables import (
    AlbumRow,
    ArtistRow,
    PlaylistRow,
    TrackArtistRow,
    TrackRow,
)
from desktoprec.text import fold_name


@dataclass(frozen=True)
class _Entry:
    id: str
    key: str  # the folded name
    context: str  # folded words that also find it (a track's artists and album)
    label: str  # the name as stored, for ordering equal ranks


@dataclass(frozen=True)
class Matches:
    """Ids per kind, best match first."""

    tracks: list[str]
    artists: list[str]
    albums: list[str]
    playlists: list[str]
    total_tracks: int  # how many tracks matched before the limit


def _rank(entry: _Entry, needle: str, words: list[str]) -> int | None:
    """0 the name is the query, 1 it starts with it, 2 it holds it, 3 it holds every word,
    4 every word is in the name and its context; None: no match."""
    key = entry.key
    if key == needle:
        return 0
    if key.startswith(needle):
        return 1
    if needle in key:
        return 2
    if all(w in key for w in words):
        return 3
    if entry.context and all(w in key or w in entry.context for w in words):
        return 4
    return None


def _find(entries: list[_Entry], needle: str, words: list[str],
          limit: int) -> tuple[list[str], int]:
    ranked = []
    for entry in entries:
        rank = _rank(entry, needle, words)
        if rank is not None:
            ranked.append((rank, entry.label.casefold(), entry.id))
    ranked.sort()
    return [i for _, _, i in ranked[:limit]], len(ranked)


class SearchIndex:
    """Folded names of everything searchable, rebuilt when the library's stamp changes."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._stamp: tuple[Any, ...] | None = None
        self._tracks: list[_Entry] = []
        self._artists: list[_Entry] = []
        self._albums: list[_Entry] = []
        self._playlists: list[_Entry] = []

    @staticmethod
    def stamp(session: Session) -> tuple[Any, ...]:
        """Counts and newest change times of the searched tables: differs once any changed."""
        return tuple(session.execute(select(
            select(func.count()).select_from(TrackRow).scalar_subquery(),
            select(func.max(TrackRow.updated_at)).scalar_subquery(),
            select(func.count()).select_from(TrackArtistRow).scalar_subquery(),
            select(func.count()).select_from(ArtistRow).scalar_subquery(),
            select(func.max(ArtistRow.updated_at)).scalar_subquery(),
            select(func.count()).select_from(AlbumRow).scalar_subquery(),
            select(func.count()).select_from(PlaylistRow).scalar_subquery(),
            select(func.max(PlaylistRow.synced_at)).scalar_subquery(),
        )).one())

    def _build(self, session: Session) -> None:
        artist_names = dict(session.execute(select(ArtistRow.id, ArtistRow.name)).all())
        album_rows = session.execute(
            select(AlbumRow.id, AlbumRow.name, AlbumRow.artist_ids)).all()
        album_names = {aid: name or "" for aid, name, _ in album_rows}
        by_track: dict[str, list[str]] = {}
        for tid, aid in session.execute(
                select(TrackArtistRow.track_id, TrackArtistRow.artist_id)
                .order_by(TrackArtistRow.track_id, TrackArtistRow.position)).all():
            by_track.setdefault(tid, []).append(artist_names.get(aid, ""))
        album_artists: dict[str, set[str]] = {}
        tracks = []
        for tid, name, album_id in session.execute(
                select(TrackRow.id, TrackRow.name, TrackRow.album_id)).all():
            artists = by_track.get(tid, [])
            if album_id:
                album_artists.setdefault(album_id, set()).update(artists)
            context = fold_name(" ".join([*artists, album_names.get(album_id or "", "")]))
            tracks.append(_Entry(tid, fold_name(name or ""), context, name or ""))
        albums = []
        for aid, name, artist_ids in album_rows:
            names = album_artists.get(aid, set()) | {
                artist_names.get(a, "") for a in (artist_ids or []) if isinstance(a, str)}
            albums.append(_Entry(aid, fold_name(name or ""),
                                 fold_name(" ".join(sorted(names))), name or ""))
        self._tracks = tracks
        self._albums = albums
        self._artists = [_Entry(aid, fold_name(name or ""), "", name or "")
                         for aid, name in artist_names.items()]
        self._playlists = [_Entry(pid, fold_name(name or ""), "", name or "")
                           for pid, name in session.execute(
                               select(PlaylistRow.id, PlaylistRow.name)
                               .where(PlaylistRow.removed.is_(False))).all()]

    def find(self, session: Session, text: str, limit: int = 50) -> Matches:
        """Everything whose name holds what was typed (any case, accents, width), best first."""
        needle = fold_name(text) if text.strip() else ""
        if not needle:
            return Matches([], [], [], [], 0)
        words = needle.split()
        with self._lock:
            stamp = self.stamp(session)
            if stamp != self._stamp:
                self._build(session)
                self._stamp = stamp
            tracks, total = _find(self._tracks, needle, words, limit)
            artists, _ = _find(self._artists, needle, words, limit)
            albums, _ = _find(self._albums, needle, words, limit)
            playlists, _ = _find(self._playlists, needle, words, limit)
        return Matches(tracks, artists, albums, playlists, total)
