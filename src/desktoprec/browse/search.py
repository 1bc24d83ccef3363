"""The one search box's index: every track, artist, album and playlist name folded by text.py,
kept in memory until the database's contents change."""

from __future__ import annotations

import threading
from bisect import bisect_right
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


class _Kind:
    """One kind's entries and, for finding candidates fast, all their words in one string."""

    def __init__(self, entries: list[_Entry]) -> None:
        self.entries = entries
        # "key<TAB>context" per entry, one per line; folded words never hold a tab or newline
        self.starts: list[int] = []
        parts, at = [], 0
        for entry in entries:
            self.starts.append(at)
            line = f"{entry.key}\t{entry.context}\n"
            parts.append(line)
            at += len(line)
        self.blob = "".join(parts)

    def candidates(self, word: str) -> list[int]:
        """Indexes of the entries whose key or context holds `word` (str.find does the scan)."""
        found, pos, blob, starts = [], 0, self.blob, self.starts
        while (pos := blob.find(word, pos)) >= 0:
            index = bisect_right(starts, pos) - 1
            found.append(index)
            pos = starts[index + 1] if index + 1 < len(starts) else len(blob)
        return found

    def find(self, needle: str, words: list[str], limit: int) -> tuple[list[str], int]:
        ranked = []
        for index in self.candidates(max(words, key=len)):
            entry = self.entries[index]
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
        self._tracks = self._artists = self._albums = self._playlists = _Kind([])

    @staticmethod
    def stamp(session: Session) -> tuple[Any, ...]:
        """Counts and newest change times of the searched tables: differs once any changed."""
        return tuple(session.execute(select(
            select(func.count()).select_from(TrackRow).scalar_subquery(),
            select(func.max(TrackRow.updated_at)).scalar_subquery(),
            select(func.count()).select_from(TrackArtistRow).scalar_subquery(),
            select(func.count()).select_from(ArtistRow).scalar_subquery(),
            select(func.max(ArtistRow.updated_at)).scalar_subquery(),
            # a renamed artist or album changes no time stamp: the names' total length may
            select(func.total(func.length(ArtistRow.name))).scalar_subquery(),
            select(func.count()).select_from(AlbumRow).scalar_subquery(),
            select(func.total(func.length(AlbumRow.name))).scalar_subquery(),
            select(func.count()).select_from(PlaylistRow).scalar_subquery(),
            select(func.max(PlaylistRow.synced_at)).scalar_subquery(),
        )).one())

    def _build(self, session: Session) -> None:
        artist_names = dict(session.execute(select(ArtistRow.id, ArtistRow.name)).all())
        artist_keys = {aid: fold_name(name or "") for aid, name in artist_names.items()}
        album_rows = session.execute(
            select(AlbumRow.id, AlbumRow.name, AlbumRow.artist_ids)).all()
        album_keys = {aid: fold_name(name or "") for aid, name, _ in album_rows}
        by_track: dict[str, list[str]] = {}
        for tid, aid in session.execute(
                select(TrackArtistRow.track_id, TrackArtistRow.artist_id)
                .order_by(TrackArtistRow.track_id, TrackArtistRow.position)).all():
            by_track.setdefault(tid, []).append(aid)
        album_artists: dict[str, set[str]] = {}
        tracks = []
        for tid, name, album_id in session.execute(
                select(TrackRow.id, TrackRow.name, TrackRow.album_id)).all():
            artists = by_track.get(tid, [])
            if album_id:
                album_artists.setdefault(album_id, set()).update(artists)
            context = " ".join([*(artist_keys.get(a, "") for a in artists),
                                album_keys.get(album_id or "", "")])
            tracks.append(_Entry(tid, fold_name(name or ""), context, name or ""))
        albums = []
        for aid, name, artist_ids in album_rows:
            credited = album_artists.get(aid, set()) | {
                a for a in (artist_ids or []) if isinstance(a, str)}
            albums.append(_Entry(aid, album_keys[aid],
                                 " ".join(sorted(artist_keys.get(a, "") for a in credited)),
                                 name or ""))
        self._tracks = _Kind(tracks)
        self._albums = _Kind(albums)
        self._artists = _Kind([_Entry(aid, artist_keys[aid], "", name or "")
                               for aid, name in artist_names.items()])
        self._playlists = _Kind([_Entry(pid, fold_name(name or ""), "", name or "")
                                 for pid, name in session.execute(
                                     select(PlaylistRow.id, PlaylistRow.name)
                                     .where(PlaylistRow.removed.is_(False))).all()])

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
            tracks, total = self._tracks.find(needle, words, limit)
            artists, _ = self._artists.find(needle, words, limit)
            albums, _ = self._albums.find(needle, words, limit)
            playlists, _ = self._playlists.find(needle, words, limit)
        return Matches(tracks, artists, albums, playlists, total)
