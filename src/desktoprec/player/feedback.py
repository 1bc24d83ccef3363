"""FeedbackService: ♥ saves to the Spotify library (queued while offline), unlike, the hidden list.

A like is stored as feedback (the recommender learns from it) and sent as `PUT /me/library?uris=`;
unlike removes both. A dislike hides a track from recommendations; `hidden()` lists them and
`unhide()` takes one back (also the undo of a dislike). Library changes that could not reach Spotify
wait in a pending queue (kept in the sync_state table) and are sent by `flush_pending()`, which the
sync calls, in order, at most 40 URIs per call as the 2026 API allows.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from sqlalchemy import delete, select

from desktoprec.errors import DesktopRecError, NetworkError, RateLimited, SignInRequired
from desktoprec.timeutil import db_now

if TYPE_CHECKING:
    from desktoprec.services import Services

log = logging.getLogger(__name__)

PENDING_KEY = "pending_library_changes"
MAX_URIS = 40  # PUT/DELETE /me/library and GET /me/library/contains take at most 40 URIs


@dataclass(frozen=True, slots=True)
class LibraryChange:
    """What a like or an unlike did: saved to (or removed from) Spotify, or queued, and a line
    for the listener."""

    track_id: str
    op: str  # like | unlike
    saved: bool = False
    queued: bool = False
    message: str = ""


@dataclass(frozen=True, slots=True)
class FeedbackTrack:
    """A liked or hidden track, as the hidden-and-liked lists show it."""

    id: str
    name: str
    artists: list[str]
    uri: str | None
    at: str | None  # when, ISO 8601


class FeedbackService:
    def __init__(self, services: Services) -> None:
        self.services = services

    # --- likes -------------------------------------------------------------------------------

    def like(self, track_id: str, uri: str | None = None) -> LibraryChange:
        """♥: remember the like, and save the track to the Spotify library (queued offline)."""
        self._store_feedback(track_id, "like")
        return self._library_change("PUT", track_id, uri)

    def unlike(self, track_id: str, uri: str | None = None) -> LibraryChange:
        """Take a like back: the feedback goes, and the track leaves the Spotify library."""
        from desktoprec.storage.tables import FeedbackRow

        with self.services.db.write() as session:
            session.execute(delete(FeedbackRow).where(FeedbackRow.track_id == track_id,
                                                      FeedbackRow.kind == "like"))
        return self._library_change("DELETE", track_id, uri)

    def is_liked(self, track_id: str) -> bool:
        from desktoprec.storage.tables import FeedbackRow

        with self.services.db.read() as session:
            return session.scalar(select(FeedbackRow.id).where(
                FeedbackRow.track_id == track_id, FeedbackRow.kind == "like").limit(1)) is not None

    def liked(self) -> list[FeedbackTrack]:
        """Liked tracks, most recent first: id, name, artists, uri, at."""
        return self._tracks_with("like")

    # --- dislikes and the hidden list --------------------------------------------------------

    def dislike(self, track_id: str) -> None:
        """Hide a track from recommendations; `unhide(track_id)` undoes it."""
        self._store_feedback(track_id, "dislike")

    def hidden(self) -> list[FeedbackTrack]:
        """Disliked (hidden) tracks, most recent first."""
        return self._tracks_with("dislike")

    def unhide(self, track_id: str) -> bool:
        """Take a dislike back (the undo of a dislike, and the hidden list's "Show again")."""
        from desktoprec.storage.tables import FeedbackRow

        with self.services.db.write() as session:
            result = session.execute(delete(FeedbackRow).where(
                FeedbackRow.track_id == track_id, FeedbackRow.kind == "dislike"))
            return bool(getattr(result, "rowcount", 0))

    # --- the pending queue -------------------------------------------------------------------

    def pending(self) -> list[dict[str, str]]:
        from desktoprec.storage.tables import SyncStateRow

        with self.services.db.read() as session:
            row = session.get(SyncStateRow, PENDING_KEY)
            value = row.value if row is not None else None
        if not isinstance(value, list):
            return []
        return [c for c in value if isinstance(c, dict) and c.get("op") in ("PUT", "DELETE")
                and isinstance(c.get("uri"), str)]

    def _set_pending(self, changes: list[dict[str, str]]) -> None:
        from desktoprec.storage.tables import SyncStateRow

        with self.services.db.write() as session:
            row = session.get(SyncStateRow, PENDING_KEY)
            if row is None:
                row = SyncStateRow(key=PENDING_KEY)
                session.add(row)
            row.value = list(changes)
            row.updated_at = db_now()

    def _queue(self, op: str, uri: str) -> None:
        # the newest wish for a track wins: like then unlike offline sends only the unlike
        changes = [c for c in self.pending() if c["uri"] != uri]
        changes.append({"op": op, "uri": uri})
        self._set_pending(changes)

    def flush_pending(self) -> int:
        """Send queued library changes in order, ≤ 40 URIs a call; stops while still offline."""
        changes = self.pending()
        if not changes:
            return 0
        api = self.services.auth.api()
        sent = 0
        while changes:
            op = changes[0]["op"]
            run: list[str] = []
            for change in changes:
                if change["op"] != op or len(run) == MAX_URIS:
                    break
                run.append(change["uri"])
            try:
                api.request(op, "/me/library", params={"uris": ",".join(run)})
            except (NetworkError, RateLimited):
                break
            except DesktopRecError as exc:  # refused for good (e.g. an unknown URI): drop it
                log.warning("library change %s %s refused: %s", op, run, exc)
            changes = changes[len(run):]
            self._set_pending(changes)
            sent += len(run)
        return sent

    def contains(self, uris: list[str]) -> list[bool]:
        """`GET /me/library/contains` for up to 40 URIs at a time."""
        api = self.services.auth.api()
        answer: list[bool] = []
        for start in range(0, len(uris), MAX_URIS):
            part = uris[start:start + MAX_URIS]
            result = api.request("GET", "/me/library/contains", params={"uris": ",".join(part)})
            answer.extend(bool(v) for v in (result or [])[:len(part)])
        return answer

    # --- helpers -----------------------------------------------------------------------------

    def _store_feedback(self, track_id: str, kind: str) -> None:
        self.services.recommend.feedback(track_id, kind)

    def _library_change(self, op: str, track_id: str, uri: str | None) -> LibraryChange:
        verb = "like" if op == "PUT" else "unlike"
        uri = uri if uri and uri.startswith("spotify:track:") else self._uri_of(track_id)
        if uri is None:
            return LibraryChange(track_id, verb, message=(
                "Liked in desktoprec (this track is not on Spotify)." if op == "PUT"
                else "Like taken back."))
        self._mirror_saved(op, uri.rsplit(":", 1)[-1])
        auth = self.services.auth
        if not auth.is_signed_in():
            return LibraryChange(track_id, verb, message=(
                "Liked in desktoprec; sign in to Spotify to save it there too." if op == "PUT"
                else "Like taken back."))
        try:
            auth.api().request(op, "/me/library", params={"uris": uri})
        except (NetworkError, RateLimited, SignInRequired) as exc:
            self._queue(op, uri)
            return LibraryChange(track_id, verb, queued=True, message=(
                f"Spotify could not be reached ({exc.user_text()}); the {verb} will be sent "
                "with the next sync."))
        return LibraryChange(track_id, verb, saved=True, message=(
            "Saved to your Spotify library." if op == "PUT"
            else "Removed from your Spotify library."))

    def _uri_of(self, track_id: str) -> str | None:
        from desktoprec.storage.tables import TrackRow

        with self.services.db.read() as session:
            row = session.get(TrackRow, track_id)
            uri = row.uri if row is not None else None
        return uri if uri and uri.startswith("spotify:track:") else None

    def _mirror_saved(self, op: str, track_id: str) -> None:
        """Keep the local saved-tracks table in step, so the app shows it before the next sync."""
        from desktoprec.storage.tables import SavedTrackRow, TrackRow

        with self.services.db.write() as session:
            if session.get(TrackRow, track_id) is None:
                return
            row = session.get(SavedTrackRow, track_id)
            if op == "PUT" and row is None:
                session.add(SavedTrackRow(track_id=track_id, added_at=datetime.now(UTC)
                                          .strftime("%Y-%m-%dT%H:%M:%SZ")))
            elif op == "DELETE" and row is not None:
                session.delete(row)

    def _tracks_with(self, kind: str) -> list[FeedbackTrack]:
        from desktoprec.storage.tables import ArtistRow, FeedbackRow, TrackArtistRow, TrackRow

        with self.services.db.read() as session:
            rows = session.execute(select(FeedbackRow.track_id, FeedbackRow.at)
                                   .where(FeedbackRow.kind == kind)
                                   .order_by(FeedbackRow.at.desc(), FeedbackRow.id.desc())).all()
            seen: dict[str, datetime] = {}
            for track_id, at in rows:
                seen.setdefault(track_id, at)
            out = []
            for track_id, at in seen.items():
                track = session.get(TrackRow, track_id)
                artists = [name for (name,) in session.execute(
                    select(ArtistRow.name).join(TrackArtistRow,
                                                TrackArtistRow.artist_id == ArtistRow.id)
                    .where(TrackArtistRow.track_id == track_id)
                    .order_by(TrackArtistRow.position))]
                out.append(FeedbackTrack(id=track_id, name=track.name if track else track_id,
                                         artists=artists, uri=track.uri if track else None,
                                         at=at.isoformat() if at else None))
        return out
