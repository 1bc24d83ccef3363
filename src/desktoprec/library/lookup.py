"""Finding tracks by what people type: a search over title, artist, album and genre, and one track
from an id, a Spotify URI or link, or "Artist – Title" (the CLI and the UI both use these)."""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable

from sqlalchemy import ColumnElement, or_, select
from sqlalchemy.orm import Session

from desktoprec.domain import Track
from desktoprec.errors import ConfigError
from desktoprec.storage.tables import (
    AlbumRow,
    ArtistRow,
    LocalFileRow,
    TrackArtistRow,
    TrackGenreRow,
    TrackRow,
)

# "Artist – Title" with an en dash, an em dash or a spaced hyphen
_ARTIST_TITLE = re.compile(r"^\s*(?P<artist>.+?)\s+[–—-]\s+(?P<title>.+?)\s*$")
_SPOTIFY_REF = re.compile(r"(?:spotify:track:|open\.spotify\.com/track/)([A-Za-z0-9]+)")


def tracks_from_rows(session: Session, rows: list[TrackRow]) -> list[Track]:
    """Tracks with their artists, album, cover address and playable file, in the rows' order."""
    ids = [r.id for r in rows]
    if not ids:
        return []
    artists: dict[str, list[tuple[int, str, str]]] = defaultdict(list)
    for link, artist in session.execute(
        select(TrackArtistRow, ArtistRow).join(ArtistRow, ArtistRow.id == TrackArtistRow.artist_id)
        .where(TrackArtistRow.track_id.in_(ids))
    ):
        artists[link.track_id].append((link.position, artist.name, artist.id))
    album_ids = {r.album_id for r in rows if r.album_id}
    albums = {a.id: a for a in session.scalars(select(AlbumRow).where(AlbumRow.id.in_(album_ids)))}
    paths = {
        f.track_id: f.path
        for f in session.scalars(
            select(LocalFileRow).where(LocalFileRow.track_id.in_(ids),
                                       LocalFileRow.removed.is_(False))
        )
    }
    tracks = []
    for row in rows:
        names = sorted(artists.get(row.id, []))
        album = albums.get(row.album_id) if row.album_id else None
        tracks.append(Track(
            id=row.id, name=row.name or "", artists=tuple(n for _, n, _ in names),
            artist_ids=tuple(i for _, _, i in names), album=album.name if album else None,
            uri=row.uri, duration_ms=row.duration_ms, isrc=row.isrc,
            image_url=album.image_url if album else None,
            release_year=album.release_year if album else None, source=row.source or "spotify",
            local_path=paths.get(row.id),
        ))
    return tracks


def format_duration(ms: int | None) -> str:
    """3:07, or 1:02:07 past an hour; "" when unknown."""
    if not ms or ms < 0:
        return ""
    seconds = int(ms // 1000)
    hours, rest = divmod(seconds, 3600)
    return (f"{hours}:{rest // 60:02d}:{rest % 60:02d}" if hours
            else f"{rest // 60}:{rest % 60:02d}")


def track_line(track: Track) -> str:
    """Title — artists · album · 3:07: enough to tell two tracks of the same name apart."""
    artists = ", ".join(track.artists) or "unknown artist"
    duration = format_duration(track.duration_ms)
    return " · ".join(x for x in (f"{track.name} — {artists}", track.album or "", duration) if x)


def text_match(needle: str) -> ColumnElement[bool]:
    """Tracks whose title, an artist, the album or a genre contains `needle` (any case)."""
    like = f"%{needle.strip()}%"
    artist_match = select(TrackArtistRow.track_id).join(
        ArtistRow, ArtistRow.id == TrackArtistRow.artist_id).where(ArtistRow.name.ilike(like))
    album_match = select(AlbumRow.id).where(AlbumRow.name.ilike(like))
    genre_match = select(TrackGenreRow.track_id).where(TrackGenreRow.genre.ilike(like))
    return or_(TrackRow.name.ilike(like), TrackRow.id.in_(artist_match),
               TrackRow.album_id.in_(album_match), TrackRow.id.in_(genre_match))


def _artist_title_matches(session: Session, artist: str, title: str) -> list[str]:
    by_artist = select(TrackArtistRow.track_id).join(
        ArtistRow, ArtistRow.id == TrackArtistRow.artist_id).where(
        ArtistRow.name.ilike(f"%{artist}%"))
    rows = list(session.scalars(select(TrackRow).where(
        TrackRow.name.ilike(f"%{title}%"), TrackRow.id.in_(by_artist)).order_by(TrackRow.name)))
    exact = [r.id for r in rows if (r.name or "").casefold() == title.casefold()]
    return exact or [r.id for r in rows]


def resolve_track_id(session: Session, text: str,
                     describe: Callable[[str], str] | None = None) -> str:
    """The one track `text` names: an id, a `spotify:track:` URI, an open.spotify.com link, or
    "Artist – Title". Several or no matches: a ConfigError saying what was found."""
    ref = text.strip()
    if not ref:
        raise ConfigError("Name a track: an id, a Spotify link or “Artist – Title”.")
    if session.get(TrackRow, ref) is not None:
        return ref
    found = _SPOTIFY_REF.search(ref)
    if found and session.get(TrackRow, found.group(1)) is not None:
        return found.group(1)
    parts = _ARTIST_TITLE.match(ref)
    ids = _artist_title_matches(session, parts["artist"], parts["title"]) if parts else []
    if not ids and not found:
        ids = list(session.scalars(select(TrackRow.id).where(
            TrackRow.name.ilike(ref)).limit(10)))
    if len(ids) == 1:
        return ids[0]
    hint = f"look it up with: desktoprec tracks --search {ref.split(' – ')[-1]!r}"
    if not ids:
        raise ConfigError(f"No track in your library matches {ref!r}.", hint=hint)
    shown = "; ".join(describe(i) if describe else i for i in ids[:5])
    raise ConfigError(f"{len(ids)} tracks match {ref!r}: {shown}.",
                      hint="give its id (the last column of `desktoprec tracks --search`)")
