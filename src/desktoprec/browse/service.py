"""BrowseService: every read the pages make of the local database, as typed values (no Qt)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from desktoprec.browse.insights import InsightsData, insights
from desktoprec.domain import Track
from desktoprec.library.lookup import text_match
from desktoprec.storage import repo
from desktoprec.storage.repo import AccountSummary, PlaylistSummary
from desktoprec.storage.tables import TrackRow, TrackSoundRow

if TYPE_CHECKING:
    from desktoprec.services import Services

__all__ = ["SOURCE_FILTERS", "AccountSummary", "BrowseService", "InsightsData", "LibraryItem",
           "PlaylistSummary"]

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


class BrowseService:
    """Read models of the library for the pages: each call opens one read session."""

    def __init__(self, services: Services) -> None:
        self.services = services

    def _items(self, session: Session, ids: list[str]) -> list[LibraryItem]:
        tracks = repo.tracks_by_ids(session, ids)
        genres = repo.track_genres(session, ids)
        sounds = repo.sound_sources(session, ids)
        added = repo.saved_added_at(session, ids)
        plays = repo.play_counts(session, ids)
        items = []
        for track_id in ids:
            track = tracks.get(track_id)
            if track is None:
                continue
            known = genres.get(track_id, [])
            items.append(LibraryItem(
                track, tuple(g for g, _ in known[:3]), sounds.get(track_id, "none"),
                known[0][1] if known else None, added.get(track_id), plays.get(track_id, 0)))
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
