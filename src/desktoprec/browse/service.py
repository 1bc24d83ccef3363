"""BrowseService: every read the pages make of the local database, as typed values (no Qt)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from desktoprec.browse.insights import InsightsData, insights
from desktoprec.browse.search import SearchIndex
from desktoprec.domain import Track
from desktoprec.library.lookup import text_match
from desktoprec.storage import repo
from desktoprec.storage.repo import AccountSummary, AlbumSummary, ArtistSummary, PlaylistSummary
from desktoprec.storage.tables import TrackRow, TrackSoundRow

if TYPE_CHECKING:
    from desktoprec.services import Services

__all__ = ["SOURCE_FILTERS", "AccountSummary", "AlbumSummary", "AlbumView", "ArtistSummary",
           "ArtistView", "BrowseService", "InsightsData", "LibraryItem", "PlaylistSummary",
           "SearchResults"]

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
    """One row of the Library table: the track and what is known about it (None: unknown)."""

    track: Track
    genres: tuple[str, ...] = ()
    sound_source: str = "none"
    genre_source: str | None = None  # spotify | tags | deezer | musicbrainz | itunes
    added_at: str | None = None  # when it was saved to the Spotify library (ISO 8601)
    plays: int = 0  # plays desktoprec's player recorded
    album_id: str | None = None


@dataclass(frozen=True)
class SearchResults:
    """What the one search box found, by kind, best match first."""

    text: str
    tracks: list[LibraryItem]
    artists: list[ArtistSummary]
    albums: list[AlbumSummary]
    playlists: list[PlaylistSummary]
    track_total: int  # tracks that matched (more than `tracks` holds when the list was cut)

    @property
    def empty(self) -> bool:
        return not (self.tracks or self.artists or self.albums or self.playlists)


@dataclass(frozen=True)
class ArtistView:
    """An artist with what the library holds of them."""

    artist: ArtistSummary
    genres: tuple[str, ...]  # the artist's own genres, else the most common of their tracks'
    tracks: list[LibraryItem]
    albums: list[AlbumSummary]
    saved: int  # their tracks the user saved
    played: int  # their tracks desktoprec's player played
    plays: int  # plays of their tracks in all


@dataclass(frozen=True)
class AlbumView:
    """An album's stored tracks in album order."""

    album: AlbumSummary
    tracks: list[LibraryItem]

    @property
    def duration_ms(self) -> int:
        return sum(i.track.duration_ms or 0 for i in self.tracks)


class BrowseService:
    """Read models of the library for the pages: each call opens one read session."""

    def __init__(self, services: Services) -> None:
        self.services = services
        self._search = SearchIndex()

    def _items(self, session: Session, ids: list[str]) -> list[LibraryItem]:
        tracks = repo.tracks_by_ids(session, ids)
        genres = repo.track_genres(session, ids)
        sounds = repo.sound_sources(session, ids)
        added = repo.saved_added_at(session, ids)
        plays = repo.play_counts(session, ids)
        albums = repo.album_ids(session, ids)
        items = []
        for track_id in ids:
            track = tracks.get(track_id)
            if track is None:
                continue
            known = genres.get(track_id, [])
            items.append(LibraryItem(
                track, tuple(g for g, _ in known[:3]), sounds.get(track_id, "none"),
                known[0][1] if known else None, added.get(track_id), plays.get(track_id, 0),
                albums.get(track_id)))
        return items

    def library_items(self, text: str = "", source: str = "all",
                      limit: int = 500) -> list[LibraryItem]:
        """Tracks matching `text` in title, artist, album or genre, filtered by where they came
        from (a key of SOURCE_FILTERS), by title."""
        query = select(TrackRow.id)
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
        with self.services.db.read() as session:
            return self._items(session, list(session.scalars(query)))

    def items_for(self, track_ids: list[str]) -> list[LibraryItem]:
        """Library rows for these tracks, in this order (unknown ids are left out)."""
        with self.services.db.read() as session:
            return self._items(session, list(dict.fromkeys(track_ids)))

    def saved_track_ids(self, track_ids: list[str]) -> set[str]:
        """Which of these tracks the user saved in their library."""
        if not track_ids:
            return set()
        with self.services.db.read() as session:
            return set(repo.saved_added_at(session, track_ids))

    def playlists(self) -> list[PlaylistSummary]:
        with self.services.db.read() as session:
            return repo.playlists(session)

    def playlist_tracks(self, playlist_id: str) -> list[Track]:
        with self.services.db.read() as session:
            return repo.playlist_tracks(session, playlist_id)

    def local_paths(self, track_ids: list[str]) -> dict[str, str]:
        """Playable files of the user's for these tracks (track id → path)."""
        with self.services.db.read() as session:
            return repo.local_paths(session, track_ids)

    def account(self) -> AccountSummary | None:
        with self.services.db.read() as session:
            return repo.account(session)

    def library_size(self) -> int:
        with self.services.db.read() as session:
            return int(session.scalar(select(func.count()).select_from(TrackRow)) or 0)

    def recent_track_ids(self, limit: int = 20) -> list[str]:
        with self.services.db.read() as session:
            return repo.recent_track_ids(session, limit)

    def insights(self, color_by: str = "genre", max_points: int = 3000) -> InsightsData:
        """Everything the Insights page draws: the map, top genres, feature distributions."""
        with self.services.db.read() as session:
            return insights(session, color_by, max_points)

    def search(self, text: str, limit: int = 50) -> SearchResults:
        """Tracks, artists, albums and playlists whose name holds `text`, compared as text.py
        folds names (case, Latin accents, full-width letters); a track is also found by its
        artists and album."""
        with self.services.db.read() as session:
            found = self._search.find(session, text, limit)
            artists = repo.artist_summaries(session, found.artists)
            albums = repo.album_summaries(session, found.albums)
            playlists = {p.id: p for p in repo.playlists(session)}
            return SearchResults(
                text, self._items(session, found.tracks),
                [artists[i] for i in found.artists if i in artists],
                [albums[i] for i in found.albums if i in albums],
                [playlists[i] for i in found.playlists if i in playlists], found.total_tracks)

    def artist(self, artist_id: str) -> ArtistView | None:
        """The artist's page; None when the database does not know them."""
        with self.services.db.read() as session:
            artist = repo.artist_summaries(session, [artist_id]).get(artist_id)
            if artist is None:
                return None
            items = self._items(session, repo.artist_track_ids(session, artist_id))
            album_ids = repo.artist_album_ids(session, artist_id)
            albums = repo.album_summaries(session, album_ids)
        genres = artist.genres
        if not genres:
            counts: dict[str, int] = {}
            for item in items:
                for genre in item.genres:
                    counts[genre] = counts.get(genre, 0) + 1
            genres = tuple(sorted(counts, key=lambda g: (-counts[g], g))[:6])
        return ArtistView(
            artist, genres, items, [albums[i] for i in album_ids if i in albums],
            saved=sum(1 for i in items if i.added_at), played=sum(1 for i in items if i.plays),
            plays=sum(i.plays for i in items))

    def album_of(self, track_id: str) -> str | None:
        """The album id of a stored track (None: no album known)."""
        with self.services.db.read() as session:
            return repo.album_ids(session, [track_id]).get(track_id)

    def album(self, album_id: str) -> AlbumView | None:
        """The album's page; None when the database does not know it."""
        with self.services.db.read() as session:
            album = repo.album_summaries(session, [album_id]).get(album_id)
            if album is None:
                return None
            return AlbumView(album, self._items(session, repo.album_track_ids(session, album_id)))
