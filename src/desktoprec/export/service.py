"""ExportService: playlists to Spotify (queued while offline), M3U and CSV files."""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, TypedDict

from sqlalchemy import select

from desktoprec.domain import Track
from desktoprec.errors import DesktopRecError, ExportError, NetworkError
from desktoprec.export.files import render_csv, render_m3u, write_text_atomically
from desktoprec.export.spotify import (
    BATCH,
    ExportOutcome,
    exportable,
    make_description,
    push_playlist,
    result_dict,
)
from desktoprec.spotify.client import SpotifyClient
from desktoprec.spotify.uris import spotify_id
from desktoprec.storage import repo
from desktoprec.storage.tables import (
    AccountRow,
    ExportRow,
    PendingExportRow,
    PlaylistEntryRow,
    PlaylistRow,
    TrackRow,
)

if TYPE_CHECKING:
    from desktoprec.services import Services

log = logging.getLogger(__name__)

MAX_NAME = 100


class PendingExport(TypedDict):
    """An export waiting for the network (`export --pending`)."""

    id: int
    name: str
    tracks: int
    last_error: str | None


@dataclass(frozen=True, slots=True)
class PlaylistRef:
    """One of the user's own playlists, one tracks can be added to."""

    id: str
    name: str
    total: int


def recipe_text(recipe: Mapping[str, object] | str | None) -> str | None:
    """A recommendation recipe as a short line: `mode=for_you, diversity=0.5, ...`."""
    if recipe is None or isinstance(recipe, str):
        return recipe
    parts = []
    for key, value in recipe.items():
        if value is None or value == [] or value == ():
            continue
        if isinstance(value, (list, tuple)):
            value = "+".join(str(v) for v in value)
        parts.append(f"{key}={value}")
    return ", ".join(parts) or None


def _track_id(value: str) -> str:
    return spotify_id(value, "track")


class ExportService:
    def __init__(self, services: Services, client: SpotifyClient | None = None) -> None:
        self.services = services
        self._client = client

    def client(self) -> SpotifyClient:
        return self._client if self._client is not None else self.services.auth.api()

    # --- Spotify --------------------------------------------------------------------------------

    def to_spotify(self, name: str, uris: Sequence[str], public: bool = False,
                   description: str | None = None, *,
                   recipe: Mapping[str, object] | str | None = None,
                   queue_when_offline: bool = True) -> ExportOutcome:
        """Make or update the playlist `name`; offline, it is queued and sent with the next sync."""
        name = " ".join(name.split())[:MAX_NAME]
        if not name:
            raise ExportError("A playlist needs a name.")
        uris = [u.strip() for u in uris if u and u.strip()]
        if not uris:
            raise ExportError("There are no tracks to export.")
        text = make_description(recipe_text(recipe), description)
        with self.services.db.read() as session:
            existing = session.get(ExportRow, name)
            existing_id = existing.playlist_id if existing else None
        try:
            result = push_playlist(self.client(), name=name, uris=uris, public=public,
                                   description=text, existing_id=existing_id,
                                   on_created=lambda pid, uri: self._remember(name, pid, uri))
        except NetworkError as exc:
            if not queue_when_offline:
                raise
            pending_id = self.queue(name, uris, public=public, description=text,
                                    error=exc.user_text())
            return {"name": name, "queued": True, "pending_id": pending_id,
                    "message": f"Spotify could not be reached; the playlist {name!r} will be "
                               "sent with the next sync.", "tracks": len(uris)}
        self._remember(name, result.playlist_id, result.uri)
        self._store_locally(result.playlist_id, uris, name=name, uri=result.uri, public=public,
                            description=text, replace=True)
        return result_dict(name, result, public)

    def own_playlists(self) -> list[PlaylistRef]:
        """The user's own playlists, the ones tracks can be added to (id, name, total)."""
        with self.services.db.read() as session:
            account = session.scalars(select(AccountRow)).first()
            if account is None:
                return []
            rows = session.scalars(select(PlaylistRow).where(
                PlaylistRow.owner_id == account.id, PlaylistRow.removed.is_(False))
                .order_by(PlaylistRow.list_position, PlaylistRow.name))
            return [PlaylistRef(id=r.id, name=r.name or "", total=r.total or 0) for r in rows]

    def add_to_playlist(self, playlist_id: str, uris: Sequence[str]) -> ExportOutcome:
        """Append tracks to one of the user's own playlists (Spotify refuses others' anyway)."""
        with self.services.db.read() as session:
            account = session.scalars(select(AccountRow)).first()
            playlist = session.get(PlaylistRow, playlist_id)
            if playlist is None or playlist.removed:
                raise ExportError("That playlist is not in your library; sync and try again.")
            if account is None or playlist.owner_id != account.id:
                raise ExportError(f"“{playlist.name}” is not yours, so tracks cannot be added "
                                  "to it.", hint="add them to a playlist you made")
            name = playlist.name or playlist_id
        keep, skipped = exportable(uris)
        if not keep:
            raise ExportError("None of these tracks is on Spotify, so none can be added.")
        client = self.client()
        before = client.requests_made
        for start in range(0, len(keep), BATCH):
            client.request("POST", f"/playlists/{playlist_id}/items",
                           json={"uris": keep[start:start + BATCH]})
        self._store_locally(playlist_id, keep, replace=False)
        return {"name": name, "playlist_id": playlist_id, "uri": f"spotify:playlist:{playlist_id}",
                "created": False, "added": len(keep), "tracks": len(keep), "skipped": skipped,
                "requests": client.requests_made - before, "queued": False}

    def _store_locally(self, playlist_id: str, uris: Sequence[str], *, name: str | None = None,
                       uri: str | None = None, public: bool | None = None,
                       description: str | None = None, replace: bool) -> None:
        """What was just sent, in the local library too: Playlists shows it without a sync (the
        next sync reads it from Spotify again, as it reads every playlist)."""
        keep, _ = exportable(uris)
        with self.services.db.write() as session:
            playlist = session.get(PlaylistRow, playlist_id)
            account = session.scalars(select(AccountRow)).first()
            if playlist is None:
                playlist = PlaylistRow(id=playlist_id, name=name or "", readable=True,
                                       owner_id=account.id if account else None,
                                       owner_name=account.display_name if account else None,
                                       made_by_desktoprec=True, list_position=-1)
                session.add(playlist)
            if name is not None:
                playlist.name = name
            playlist.uri = uri or playlist.uri or f"spotify:playlist:{playlist_id}"
            if public is not None:
                playlist.public = public
            if description is not None:
                playlist.description = description
            entries = list(session.scalars(select(PlaylistEntryRow).where(
                PlaylistEntryRow.playlist_id == playlist_id)))
            if replace:
                for entry in entries:
                    session.delete(entry)
                session.flush()
                start = 0
            else:
                start = max((e.position for e in entries), default=-1) + 1
            known = set(session.scalars(select(TrackRow.id).where(
                TrackRow.id.in_([_track_id(u) for u in keep]))))
            for offset, track_uri in enumerate(keep):
                track_id = _track_id(track_uri)
                session.add(PlaylistEntryRow(playlist_id=playlist_id, position=start + offset,
                                             uri=track_uri,
                                             track_id=track_id if track_id in known else None))
            playlist.total = start + len(keep)

    def _remember(self, name: str, playlist_id: str, uri: str | None) -> None:
        """The playlist desktoprec made under `name`, so the next export updates it."""
        with self.services.db.write() as session:
            row = session.get(ExportRow, name)
            if row is None:
                row = ExportRow(name=name, playlist_id=playlist_id)
                session.add(row)
            row.playlist_id = playlist_id
            row.uri = uri or f"spotify:playlist:{playlist_id}"
            row.updated_at = repo.utcnow()
            playlist = session.get(PlaylistRow, playlist_id)
            if playlist is not None:
                playlist.made_by_desktoprec = True

    def queue(self, name: str, uris: Sequence[str], *, public: bool = False,
              description: str | None = None, error: str | None = None) -> int:
        with self.services.db.write() as session:
            row = PendingExportRow(name=name, public=public, description=description,
                                   uris=list(uris), created_at=repo.utcnow(), last_error=error)
            session.add(row)
            session.flush()
            return int(row.id)

    def pending(self) -> list[PendingExport]:
        with self.services.db.read() as session:
            rows = session.scalars(select(PendingExportRow).order_by(PendingExportRow.id)).all()
            return [{"id": r.id, "name": r.name, "tracks": len(r.uris or []),
                     "last_error": r.last_error} for r in rows]

    def flush_pending(self) -> int:
        """Send queued exports in order; stops at the first network failure. Returns how many."""
        with self.services.db.read() as session:
            rows = [(r.id, r.name, list(r.uris or []), bool(r.public), r.description)
                    for r in session.scalars(select(PendingExportRow)
                                             .order_by(PendingExportRow.id))]
        sent = 0
        for pending_id, name, uris, public, description in rows:
            try:
                self.to_spotify(name, uris, public=public, description=description,
                                queue_when_offline=False)
            except NetworkError:
                break  # still offline: keep the rest queued
            except DesktopRecError as exc:
                log.warning("queued export %r failed: %s", name, exc)
                with self.services.db.write() as session:
                    row = session.get(PendingExportRow, pending_id)
                    if row is not None:
                        row.last_error = exc.user_text()
                continue
            with self.services.db.write() as session:
                row = session.get(PendingExportRow, pending_id)
                if row is not None:
                    session.delete(row)
            sent += 1
        return sent

    # --- files ----------------------------------------------------------------------------------

    def to_file(self, path: str | Path, track_ids: Sequence[str], fmt: str | None = None) -> Path:
        """Write an M3U (`#EXTINF`, local path or Spotify URI) or CSV of the given tracks."""
        target = Path(path)
        fmt = (fmt or target.suffix.lstrip(".") or "m3u").lower()
        if fmt == "m3u8":
            fmt = "m3u"
        if fmt not in ("m3u", "csv"):
            raise ExportError(f"Unknown export format {fmt!r}; use .m3u or .csv.")
        ids = [_track_id(t) for t in track_ids if t and t.strip()]
        with self.services.db.read() as session:
            known = repo.tracks_by_ids(session, ids)
        tracks = [known.get(tid) or Track(
            id=tid, name=tid, artists=(),
            uri=None if tid.startswith("local:") else f"spotify:track:{tid}") for tid in ids]
        text = render_m3u(tracks) if fmt == "m3u" else render_csv(tracks)
        return write_text_atomically(target, text)
