"""Reading and writing the Spotify library tables: bulk upserts for sync, domain objects to read.

Writers take an open write session (`db.write()`) so the caller decides what is one transaction;
readers take any session and return plain values or `domain.Track`s, never ORM rows.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, select, text, true
from sqlalchemy.dialects.sqlite import insert
from sqlalchemy.orm import Session

from desktoprec.domain import CandidateEvidence, Track
from desktoprec.spotify.parse import Album, ApiTrack, Artist, ArtistRef, PlaylistEntry, UserProfile
from desktoprec.storage.tables import (
    AccountRow,
    AlbumRow,
    ArtistRow,
    CandidateEvidenceRow,
    DislikedRow,
    FeedbackRow,
    FollowedArtistRow,
    IsrcRow,
    LocalFileRow,
    PlaylistEntryRow,
    PlaylistRow,
    RecentlyPlayedRow,
    RecommendationListRow,
    RecommendedRow,
    SavedTrackRow,
    SoundEvidenceRow,
    SyncStateRow,
    TopArtistRow,
    TopTrackRow,
    TrackArtistRow,
    TrackGenreRow,
    TrackRow,
    TrackSoundFamilyRow,
    TrackSoundRow,
)
from desktoprec.timeutil import db_now

log = logging.getLogger(__name__)

# SQLite allows 32766 bound variables; keep each executemany chunk far below it.
_CHUNK = 400


def utcnow() -> datetime:
    """Now as the database keeps it (naive UTC)."""
    return db_now()


def _chunks(rows: Sequence[dict[str, Any]],
            size: int = _CHUNK) -> Iterable[Sequence[dict[str, Any]]]:
    for start in range(0, len(rows), size):
        yield rows[start:start + size]


# --- sync state -----------------------------------------------------------------------------------


def get_state(session: Session, key: str, default: Any = None) -> Any:
    row = session.get(SyncStateRow, key)
    return default if row is None or row.value is None else row.value


def set_state(session: Session, key: str, value: Any) -> None:
    stmt = insert(SyncStateRow).values(key=key, value=value, updated_at=utcnow())
    session.execute(stmt.on_conflict_do_update(
        index_elements=[SyncStateRow.key],
        set_={"value": stmt.excluded.value, "updated_at": stmt.excluded.updated_at},
    ))


def clear_state(session: Session, key: str) -> None:
    session.execute(delete(SyncStateRow).where(SyncStateRow.key == key))


# --- catalogue upserts ----------------------------------------------------------------------------


def upsert_account(session: Session, user: UserProfile) -> None:
    stmt = insert(AccountRow).values(id=user.id, display_name=user.display_name, uri=user.uri,
                                     updated_at=utcnow())
    session.execute(stmt.on_conflict_do_update(
        index_elements=[AccountRow.id],
        set_={"display_name": stmt.excluded.display_name, "uri": stmt.excluded.uri,
              "updated_at": stmt.excluded.updated_at},
    ))


def upsert_artist_refs(session: Session, refs: Iterable[ArtistRef]) -> None:
    """Artists named inside tracks/albums: id, name and URI only (genres/images untouched)."""
    rows: dict[str, dict[str, Any]] = {}
    for ref in refs:
        if ref.id:
            rows[ref.id] = {"id": ref.id, "name": ref.name, "uri": ref.uri, "genres": []}
    if not rows:
        return
    for chunk in _chunks(list(rows.values())):
        stmt = insert(ArtistRow)
        session.execute(stmt.on_conflict_do_update(
            index_elements=[ArtistRow.id],
            set_={"name": stmt.excluded.name,
                  "uri": func.coalesce(stmt.excluded.uri, ArtistRow.uri)},
        ), chunk)


def upsert_artists(session: Session, artists: Iterable[Artist]) -> None:
    """Full artist objects (top/followed): genres only replace stored ones when not empty."""
    rows: dict[str, dict[str, Any]] = {}
    now = utcnow()
    for artist in artists:
        rows[artist.id] = {"id": artist.id, "name": artist.name, "uri": artist.uri,
                           "genres": list(artist.genres), "image_url": artist.image_url,
                           "updated_at": now}
    for chunk in _chunks(list(rows.values())):
        stmt = insert(ArtistRow)
        session.execute(stmt.on_conflict_do_update(
            index_elements=[ArtistRow.id],
            set_={
                "name": stmt.excluded.name,
                "uri": func.coalesce(stmt.excluded.uri, ArtistRow.uri),
                "image_url": func.coalesce(stmt.excluded.image_url, ArtistRow.image_url),
                # Spotify now sends [] for genres it used to know: never forget a real list.
                "genres": func.iif(func.json_array_length(stmt.excluded.genres) > 0,
                                   stmt.excluded.genres, ArtistRow.genres),
                "updated_at": stmt.excluded.updated_at,
            },
        ), chunk)


def _album_row(album: Album) -> dict[str, Any]:
    return {"id": album.id, "name": album.name, "uri": album.uri, "album_type": album.album_type,
            "release_date": album.release_date, "release_year": album.release_year,
            "image_url": album.image_url, "artist_ids": [a.id for a in album.artists if a.id]}


def upsert_tracks(session: Session, tracks: Iterable[ApiTrack],
                  source: str = "spotify") -> list[str]:
    """Insert or update Spotify tracks with their albums, artists and ISRCs; returns their ids.

    `source="spotify"` (the library) marks every given track as the user's; any other source
    (e.g. "discovery") applies to new rows only and never demotes a library track. Local files
    and episodes are not catalogue tracks and are skipped here.
    """
    now = utcnow()
    track_rows: dict[str, dict[str, Any]] = {}
    album_rows: dict[str, dict[str, Any]] = {}
    refs: list[ArtistRef] = []
    links: dict[str, list[str]] = {}
    isrcs: set[tuple[str, str]] = set()
    for track in tracks:
        if track.id is None or track.is_local or track.kind != "track":
            continue
        album_id = track.album.id if track.album and track.album.id else None
        if track.album is not None and album_id:
            album_rows[album_id] = _album_row(track.album)
            refs.extend(track.album.artists)
        refs.extend(track.artists)
        track_rows[track.id] = {
            "id": track.id, "uri": track.uri, "name": track.name, "album_id": album_id,
            "duration_ms": track.duration_ms, "isrc": track.isrc, "explicit": track.explicit,
            "track_number": track.track_number, "source": source,
            "is_playable": track.is_playable, "updated_at": now,
        }
        links[track.id] = [a.id for a in track.artists if a.id]
        if track.isrc:
            isrcs.add((track.isrc, track.id))
    if not track_rows:
        return []
    upsert_artist_refs(session, refs)
    for chunk in _chunks(list(album_rows.values())):
        stmt = insert(AlbumRow)
        session.execute(stmt.on_conflict_do_update(
            index_elements=[AlbumRow.id],
            set_={key: getattr(stmt.excluded, key) for key in
                  ("name", "uri", "album_type", "release_date", "release_year", "image_url",
                   "artist_ids")},
        ), chunk)
    for chunk in _chunks(list(track_rows.values())):
        stmt = insert(TrackRow)
        session.execute(stmt.on_conflict_do_update(
            index_elements=[TrackRow.id],
            set_={
                **{key: getattr(stmt.excluded, key) for key in
                   ("uri", "name", "album_id", "duration_ms", "explicit", "track_number",
                    "updated_at")},
                "source": stmt.excluded.source if source == "spotify" else TrackRow.source,
                "isrc": func.coalesce(stmt.excluded.isrc, TrackRow.isrc),
                "is_playable": func.coalesce(stmt.excluded.is_playable, TrackRow.is_playable),
            },
        ), chunk)
    ids = list(track_rows)
    for start in range(0, len(ids), _CHUNK):
        session.execute(delete(TrackArtistRow).where(
            TrackArtistRow.track_id.in_(ids[start:start + _CHUNK])))
    artist_links = [{"track_id": tid, "position": pos, "artist_id": aid}
                    for tid, aids in links.items() for pos, aid in enumerate(dict.fromkeys(aids))]
    for chunk in _chunks(artist_links):
        session.execute(insert(TrackArtistRow).on_conflict_do_nothing(), chunk)
    isrc_rows = [{"isrc": isrc, "track_id": tid} for isrc, tid in sorted(isrcs)]
    for chunk in _chunks(isrc_rows):
        session.execute(insert(IsrcRow).on_conflict_do_nothing(), chunk)
    return ids


# --- the user's library ---------------------------------------------------------------------------


def add_saved_tracks(session: Session, saved: Iterable[tuple[str, str]]) -> int:
    """(track_id, added_at) pairs; returns how many rows were written."""
    rows = [{"track_id": tid, "added_at": added} for tid, added in saved]
    for chunk in _chunks(rows):
        stmt = insert(SavedTrackRow)
        session.execute(stmt.on_conflict_do_update(
            index_elements=[SavedTrackRow.track_id], set_={"added_at": stmt.excluded.added_at},
        ), chunk)
    return len(rows)


def saved_pairs(session: Session) -> set[tuple[str, str]]:
    return {(tid, added) for tid, added in session.execute(
        select(SavedTrackRow.track_id, SavedTrackRow.added_at))}


def remove_saved_tracks_except(session: Session, keep: set[str]) -> int:
    stored = set(session.scalars(select(SavedTrackRow.track_id)))
    gone = list(stored - keep)
    for start in range(0, len(gone), _CHUNK):
        session.execute(delete(SavedTrackRow).where(
            SavedTrackRow.track_id.in_(gone[start:start + _CHUNK])))
    return len(gone)


def count(session: Session, column: Any, *where: Any) -> int:
    stmt = select(func.count()).select_from(column.class_ if hasattr(column, "class_") else column)
    for clause in where:
        stmt = stmt.where(clause)
    return int(session.execute(stmt).scalar() or 0)


def replace_playlist_entries(session: Session, playlist_id: str,
                             entries: Sequence[PlaylistEntry]) -> None:
    """All entries of one playlist, in order (tracks must be upserted first)."""
    session.execute(delete(PlaylistEntryRow).where(PlaylistEntryRow.playlist_id == playlist_id))
    rows = []
    for position, entry in enumerate(entries):
        track_id = entry.track.id if entry.kind == "track" and entry.track else None
        rows.append({
            "playlist_id": playlist_id, "position": position, "kind": entry.kind,
            "track_id": track_id, "added_at": entry.added_at, "uri": entry.uri,
            "name": entry.name, "artist_name": entry.artist_name,
            "album_name": entry.album_name, "duration_ms": entry.duration_ms,
        })
    for chunk in _chunks(rows):
        session.execute(insert(PlaylistEntryRow), chunk)


def replace_top_tracks(session: Session, time_range: str, track_ids: Sequence[str]) -> None:
    _replace_ranked(session, TopTrackRow, "track_id", time_range, track_ids)


def replace_top_artists(session: Session, time_range: str, artist_ids: Sequence[str]) -> None:
    _replace_ranked(session, TopArtistRow, "artist_id", time_range, artist_ids)


def _replace_ranked(session: Session, table: type[TopTrackRow | TopArtistRow], column: str,
                    time_range: str, ids: Sequence[str]) -> None:
    """One time range's top list, in rank order, in place of the stored one."""
    session.execute(delete(table).where(table.time_range == time_range))
    rows = [{"time_range": time_range, "rank": rank, column: item} for rank, item in enumerate(ids)]
    if rows:
        session.execute(insert(table), rows)


def add_recently_played(session: Session, plays: Iterable[tuple[str, str, str | None]]) -> int:
    rows = [{"played_at": at, "track_id": tid, "context_uri": ctx} for at, tid, ctx in plays]
    for chunk in _chunks(rows):
        session.execute(insert(RecentlyPlayedRow).on_conflict_do_nothing(), chunk)
    return len(rows)


def replace_followed_artists(session: Session, artist_ids: Sequence[str]) -> None:
    session.execute(delete(FollowedArtistRow))
    rows = [{"artist_id": aid, "position": pos}
            for pos, aid in enumerate(dict.fromkeys(artist_ids))]
    for chunk in _chunks(rows):
        session.execute(insert(FollowedArtistRow), chunk)


def clear_library(session: Session) -> None:
    """Forget one account's library (a different user signed in); the catalogue stays."""
    for table in (PlaylistEntryRow, PlaylistRow, SavedTrackRow, TopTrackRow, TopArtistRow,
                  RecentlyPlayedRow, FollowedArtistRow, AccountRow):
        session.execute(delete(table))
    session.execute(delete(SyncStateRow).where(SyncStateRow.key.like("sync.%")))


# --- readers --------------------------------------------------------------------------------------


def local_paths(session: Session, track_ids: Iterable[str]) -> dict[str, str]:
    """A playable local file for each track id that has one."""
    ids = list(dict.fromkeys(track_ids))
    out: dict[str, str] = {}
    for start in range(0, len(ids), _CHUNK):
        rows = session.execute(
            select(LocalFileRow.track_id, LocalFileRow.path)
            .where(LocalFileRow.track_id.in_(ids[start:start + _CHUNK]))
            .where(LocalFileRow.removed.is_(False))
            .order_by(LocalFileRow.path)
        )
        for tid, path in rows:
            if tid is not None:
                out.setdefault(tid, path)
    return out


def tracks_by_ids(session: Session, track_ids: Iterable[str]) -> dict[str, Track]:
    """domain.Track for each stored id (artists in order, local file path when there is one)."""
    ids = list(dict.fromkeys(track_ids))
    found: dict[str, Track] = {}
    paths = local_paths(session, ids)
    for start in range(0, len(ids), _CHUNK):
        part = ids[start:start + _CHUNK]
        rows = session.execute(
            select(TrackRow, AlbumRow).outerjoin(AlbumRow, AlbumRow.id == TrackRow.album_id)
            .where(TrackRow.id.in_(part))
        ).all()
        artist_rows = session.execute(
            select(TrackArtistRow.track_id, ArtistRow.id, ArtistRow.name)
            .join(ArtistRow, ArtistRow.id == TrackArtistRow.artist_id)
            .where(TrackArtistRow.track_id.in_(part))
            .order_by(TrackArtistRow.track_id, TrackArtistRow.position)
        ).all()
        artists: dict[str, list[tuple[str, str]]] = {}
        for tid, aid, name in artist_rows:
            artists.setdefault(tid, []).append((aid, name))
        for track, album in rows:
            pairs = artists.get(track.id, [])
            found[track.id] = Track(
                id=track.id, name=track.name, artists=tuple(n for _, n in pairs),
                artist_ids=tuple(a for a, _ in pairs), album=album.name if album else None,
                uri=track.uri, duration_ms=track.duration_ms, isrc=track.isrc,
                image_url=album.image_url if album else None,
                release_year=album.release_year if album else None, source=track.source,
                local_path=paths.get(track.id),
            )
    return found


def track_id_for_isrc(session: Session, isrc: str) -> list[str]:
    return list(session.scalars(select(IsrcRow.track_id).where(IsrcRow.isrc == isrc.upper())))


# --- new-artist candidates (issue 10) -------------------------------------------------------------


def upsert_candidate_evidence(session: Session, track_id: str,
                              evidence: Iterable[CandidateEvidence]) -> int:
    """Store (or refresh) each service's word about one candidate track; returns rows written."""
    now = utcnow()
    rows = [{"track_id": track_id, "service": ev.service, "relation": ev.relation,
             "via_artist_id": ev.via_artist_id, "via_artist_name": ev.via_artist_name,
             "candidate_artist_name": ev.candidate_artist_name, "score": float(ev.score),
             "fetched_at": now} for ev in evidence]
    for chunk in _chunks(rows):
        stmt = insert(CandidateEvidenceRow)
        session.execute(stmt.on_conflict_do_update(
            index_elements=[CandidateEvidenceRow.track_id, CandidateEvidenceRow.service,
                            CandidateEvidenceRow.via_artist_id],
            set_={key: getattr(stmt.excluded, key) for key in
                  ("relation", "via_artist_name", "candidate_artist_name", "score",
                   "fetched_at")},
        ), chunk)
    return len(rows)


def candidate_evidence(session: Session,
                       track_ids: Iterable[str]) -> dict[str, list[CandidateEvidence]]:
    """Every stored piece of evidence for each given track id, closest (highest score) first."""
    ids = list(dict.fromkeys(track_ids))
    out: dict[str, list[CandidateEvidence]] = {}
    for start in range(0, len(ids), _CHUNK):
        rows = session.scalars(
            select(CandidateEvidenceRow)
            .where(CandidateEvidenceRow.track_id.in_(ids[start:start + _CHUNK]))
        )
        for row in rows:
            out.setdefault(row.track_id, []).append(CandidateEvidence(
                service=row.service, relation=row.relation, via_artist_id=row.via_artist_id,
                via_artist_name=row.via_artist_name or "",
                candidate_artist_name=row.candidate_artist_name or "",
                score=float(row.score or 0.0)))
    for items in out.values():
        items.sort(key=lambda ev: (-ev.score, ev.service, ev.via_artist_id))
    return out


def candidate_track_ids(session: Session) -> list[str]:
    """The ids of every track that has candidate evidence."""
    return list(session.scalars(select(CandidateEvidenceRow.track_id).distinct()))


def user_artist_ids(session: Session) -> set[str]:
    """The artists the user knows: saved a track by, played, followed, or had in a top list."""
    known: set[str] = set()
    track_sources = (
        select(SavedTrackRow.track_id),
        select(RecentlyPlayedRow.track_id),
        select(TopTrackRow.track_id),
        select(PlaylistEntryRow.track_id).where(PlaylistEntryRow.track_id.is_not(None)),
    )
    for source in track_sources:
        known.update(session.scalars(
            select(TrackArtistRow.artist_id).where(TrackArtistRow.track_id.in_(source))
            .distinct()))
    known.update(session.scalars(select(FollowedArtistRow.artist_id)))
    known.update(session.scalars(select(TopArtistRow.artist_id)))
    return known


# --- read models for browsing (browse/service.py) -------------------------------------------------


@dataclass(frozen=True)
class PlaylistSummary:
    """One of the user's playlists as the pages list it."""

    id: str
    name: str
    uri: str | None
    owner: str
    total: int | None
    readable: bool
    skipped_reason: str | None
    made_by_desktoprec: bool
    image_url: str | None


@dataclass(frozen=True)
class AccountSummary:
    """The signed-in Spotify account as the window shows it."""

    id: str
    display_name: str
    premium: bool | None


def _in_chunks(ids: Iterable[str]) -> Iterable[Sequence[str]]:
    """The distinct ids, in their first order, in chunks one query's IN clause can take."""
    unique = list(dict.fromkeys(ids))
    for start in range(0, len(unique), _CHUNK):
        yield unique[start:start + _CHUNK]


def saved_added_at(session: Session, track_ids: Iterable[str]) -> dict[str, str]:
    """When each of these tracks was saved to the library (ISO 8601 as Spotify sent it)."""
    out: dict[str, str] = {}
    for part in _in_chunks(track_ids):
        out.update(session.execute(select(SavedTrackRow.track_id, SavedTrackRow.added_at)
                                   .where(SavedTrackRow.track_id.in_(part))).all())
    return out


def album_ids(session: Session, track_ids: Iterable[str]) -> dict[str, str]:
    """The album of each of these tracks that has one."""
    out: dict[str, str] = {}
    for part in _in_chunks(track_ids):
        out.update((tid, aid) for tid, aid in session.execute(
            select(TrackRow.id, TrackRow.album_id).where(TrackRow.id.in_(part))).all() if aid)
    return out


def play_counts(session: Session, track_ids: Iterable[str]) -> dict[str, int]:
    """How often desktoprec's player recorded each of these tracks as played (absent: never)."""
    out: dict[str, int] = {}
    for part in _in_chunks(track_ids):
        out.update((tid, int(n)) for tid, n in session.execute(
            select(FeedbackRow.track_id, func.count()).where(
                FeedbackRow.kind == "play", FeedbackRow.track_id.in_(part))
            .group_by(FeedbackRow.track_id)).all())
    return out


def track_genres(session: Session, track_ids: Iterable[str]) -> dict[str, list[tuple[str, str]]]:
    """(genre, source) per track, strongest first; sound families (`cluster`) are not genres."""
    out: dict[str, list[tuple[str, str]]] = {}
    for part in _in_chunks(track_ids):
        for tid, genre, source in session.execute(
                select(TrackGenreRow.track_id, TrackGenreRow.genre, TrackGenreRow.source)
                .where(TrackGenreRow.track_id.in_(part), TrackGenreRow.source != "cluster")
                .order_by(TrackGenreRow.track_id, TrackGenreRow.weight.desc(),
                          TrackGenreRow.genre)).all():
            out.setdefault(tid, []).append((genre, source))
    return out


def sound_sources(session: Session, track_ids: Iterable[str]) -> dict[str, str]:
    """Where each track's sound description came from (own_file | spotify | preview | none)."""
    out: dict[str, str] = {}
    for part in _in_chunks(track_ids):
        out.update(session.execute(select(TrackSoundRow.track_id, TrackSoundRow.source)
                                   .where(TrackSoundRow.track_id.in_(part))).all())
    return out


def sound_family_names(session: Session) -> dict[str, str]:
    """The sound family of every track that has one (older databases kept them as `cluster`
    genres; those count when no family row says otherwise)."""
    out = dict(session.execute(select(TrackGenreRow.track_id, TrackGenreRow.genre)
                               .where(TrackGenreRow.source == "cluster")).all())
    out.update(session.execute(select(TrackSoundFamilyRow.track_id,
                                      TrackSoundFamilyRow.name)).all())
    return out


def playlists(session: Session) -> list[PlaylistSummary]:
    """The user's playlists that are still there, in Spotify's order."""
    rows = session.scalars(select(PlaylistRow).where(PlaylistRow.removed.is_(False))
                           .order_by(PlaylistRow.list_position, PlaylistRow.name))
    return [PlaylistSummary(id=p.id, name=p.name or "", uri=p.uri, owner=p.owner_name or "",
                            total=p.total, readable=bool(p.readable),
                            skipped_reason=p.skipped_reason,
                            made_by_desktoprec=bool(p.made_by_desktoprec),
                            image_url=p.image_url) for p in rows]


def playlist_tracks(session: Session, playlist_id: str) -> list[Track]:
    """A playlist's entries in order; entries without a stored track (local files, episodes,
    gone tracks) become tracks of what the entry itself says."""
    entries = list(session.scalars(
        select(PlaylistEntryRow).where(PlaylistEntryRow.playlist_id == playlist_id)
        .order_by(PlaylistEntryRow.position)))
    by_id = tracks_by_ids(session, [e.track_id for e in entries if e.track_id])
    result = []
    for entry in entries:
        if entry.track_id and entry.track_id in by_id:
            result.append(by_id[entry.track_id])
        elif entry.name:
            result.append(Track(id=f"entry:{playlist_id}:{entry.position}", name=entry.name,
                                artists=(entry.artist_name,) if entry.artist_name else (),
                                album=entry.album_name, uri=entry.uri,
                                duration_ms=entry.duration_ms, source=entry.kind))
    return result


def account(session: Session) -> AccountSummary | None:
    row = session.scalars(select(AccountRow)).first()
    if row is None:
        return None
    return AccountSummary(id=row.id, display_name=row.display_name or row.id,
                          premium=row.premium)


def recent_track_ids(session: Session, limit: int = 20) -> list[str]:
    """The tracks Spotify says were played last, newest first."""
    return list(session.scalars(select(RecentlyPlayedRow.track_id)
                                .order_by(RecentlyPlayedRow.played_at.desc()).limit(limit)))


@dataclass(frozen=True)
class ArtistSummary:
    """An artist as search results and the artist view name it."""

    id: str
    name: str
    image_url: str | None
    genres: tuple[str, ...]  # as Spotify lists them for the artist (often none now)
    track_count: int  # tracks of theirs in the database


@dataclass(frozen=True)
class AlbumSummary:
    """An album as search results, the artist view and the album view show it."""

    id: str
    name: str
    artists: tuple[str, ...]
    artist_ids: tuple[str, ...]
    release_year: int | None
    image_url: str | None
    track_count: int  # tracks of it in the database


def artist_summaries(session: Session, artist_ids: Iterable[str]) -> dict[str, ArtistSummary]:
    out: dict[str, ArtistSummary] = {}
    for part in _in_chunks(artist_ids):
        counts = dict(session.execute(
            select(TrackArtistRow.artist_id, func.count(func.distinct(TrackArtistRow.track_id)))
            .where(TrackArtistRow.artist_id.in_(part))
            .group_by(TrackArtistRow.artist_id)).all())
        for row in session.scalars(select(ArtistRow).where(ArtistRow.id.in_(part))):
            genres = tuple(g for g in (row.genres or []) if isinstance(g, str))
            out[row.id] = ArtistSummary(row.id, row.name or "", row.image_url, genres,
                                        int(counts.get(row.id, 0)))
    return out


def album_summaries(session: Session, album_ids: Iterable[str]) -> dict[str, AlbumSummary]:
    """Albums with their artists: the album's own list, else the artists of its tracks."""
    out: dict[str, AlbumSummary] = {}
    for part in _in_chunks(album_ids):
        counts = dict(session.execute(
            select(TrackRow.album_id, func.count()).where(TrackRow.album_id.in_(part))
            .group_by(TrackRow.album_id)).all())
        albums = list(session.scalars(select(AlbumRow).where(AlbumRow.id.in_(part))))
        track_artists: dict[str, list[str]] = {}
        for album_id, artist_id in session.execute(
                select(TrackRow.album_id, TrackArtistRow.artist_id)
                .join(TrackArtistRow, TrackArtistRow.track_id == TrackRow.id)
                .where(TrackRow.album_id.in_(part))
                .order_by(TrackRow.album_id, TrackRow.track_number, TrackArtistRow.position)
        ).all():
            if album_id is not None and artist_id not in track_artists.setdefault(album_id, []):
                track_artists[album_id].append(artist_id)
        wanted = {a for album in albums for a in (album.artist_ids or []) if isinstance(a, str)}
        wanted.update(a for found in track_artists.values() for a in found)
        names = dict(session.execute(select(ArtistRow.id, ArtistRow.name)
                                     .where(ArtistRow.id.in_(wanted))).all())
        for album in albums:
            own = [a for a in (album.artist_ids or []) if isinstance(a, str) and a in names]
            artist_ids = tuple(own or [a for a in track_artists.get(album.id, []) if a in names])
            out[album.id] = AlbumSummary(
                album.id, album.name or "", tuple(names[a] or "" for a in artist_ids), artist_ids,
                album.release_year, album.image_url, int(counts.get(album.id, 0)))
    return out


def artist_track_ids(session: Session, artist_id: str) -> list[str]:
    """Every stored track the artist is credited on, by title."""
    return list(session.scalars(
        select(TrackRow.id).join(TrackArtistRow, TrackArtistRow.track_id == TrackRow.id)
        .where(TrackArtistRow.artist_id == artist_id).distinct()
        .order_by(TrackRow.name, TrackRow.id)))


def artist_album_ids(session: Session, artist_id: str) -> list[str]:
    """Albums the artist made or has a stored track on, newest first."""
    on_tracks = select(TrackRow.album_id).join(
        TrackArtistRow, TrackArtistRow.track_id == TrackRow.id).where(
        TrackArtistRow.artist_id == artist_id, TrackRow.album_id.is_not(None))
    each = func.json_each(AlbumRow.artist_ids).table_valued("value")
    own = select(AlbumRow.id).join(each, true()).where(each.c.value == artist_id)
    return list(session.scalars(
        select(AlbumRow.id).where(AlbumRow.id.in_(on_tracks) | AlbumRow.id.in_(own))
        .order_by(AlbumRow.release_year.desc().nulls_last(), AlbumRow.name)))


def album_track_ids(session: Session, album_id: str) -> list[str]:
    """The album's stored tracks in album order (track number, then title)."""
    return list(session.scalars(
        select(TrackRow.id).where(TrackRow.album_id == album_id)
        .order_by(TrackRow.track_number.is_(None), TrackRow.track_number, TrackRow.name)))


# --- the recommender's reads and writes (recommend/service.py) ------------------------------------

# What the recommender's cached engine depends on: when any figure changes, it is rebuilt.
_LIBRARY_STAMP_SQL = text(
    "SELECT (SELECT count(*) FROM tracks), (SELECT max(updated_at) FROM tracks),"
    " (SELECT count(*) FROM track_artists), (SELECT count(*) FROM albums),"
    " (SELECT count(*) FROM playlist_entries), (SELECT count(*) FROM playlists),"
    " (SELECT count(*) FROM track_sound), (SELECT max(updated_at) FROM track_sound),"
    " (SELECT count(*) FROM track_genres), (SELECT sum(weight) FROM track_genres),"
    " (SELECT count(*) FROM recently_played)"
)


# counts, sums and the latest time stamp (text in SQLite): equal stamps, the same catalog
LibraryStamp = tuple[int | float | str | None, ...]


def library_stamp(session: Session) -> LibraryStamp:
    """Counts and latest changes of the tables the recommender's catalog is built from."""
    return tuple(session.execute(_LIBRARY_STAMP_SQL).one())


@dataclass(frozen=True)
class ListeningRows:
    """The user's own signals as stored, for the recommender's user state (ids, not positions)."""

    saved: list[tuple[str, str | None]]  # (track id, added_at ISO 8601)
    top: list[tuple[str, int, str]]  # (time range, rank, track id)
    plays: list[tuple[str, str]]  # (played_at ISO 8601, track id)
    feedback: list[tuple[str, str, datetime]]  # (track id, kind, at), newest first
    deezer_bpm: list[tuple[str, float]]  # (track id, Deezer's tempo)
    disliked: list[tuple[str, str]]  # (artist | genre, value)
    recommended: list[tuple[str, datetime]]  # (track id, when it was recommended)


def listening_rows(session: Session, *, recommended_since: datetime,
                   feedback_limit: int = 5000) -> ListeningRows:
    """Everything the user did that steers recommendations, read in one session."""
    def rows(stmt: Any) -> list[Any]:
        return [tuple(row) for row in session.execute(stmt)]

    return ListeningRows(
        saved=rows(select(SavedTrackRow.track_id, SavedTrackRow.added_at)),
        top=rows(select(TopTrackRow.time_range, TopTrackRow.rank, TopTrackRow.track_id)),
        plays=rows(select(RecentlyPlayedRow.played_at, RecentlyPlayedRow.track_id)),
        feedback=rows(select(FeedbackRow.track_id, FeedbackRow.kind, FeedbackRow.at)
                      .order_by(FeedbackRow.at.desc()).limit(feedback_limit)),
        deezer_bpm=rows(select(SoundEvidenceRow.track_id, SoundEvidenceRow.bpm).where(
            SoundEvidenceRow.service == "deezer", SoundEvidenceRow.bpm.is_not(None))),
        disliked=rows(select(DislikedRow.kind, DislikedRow.value)),
        recommended=rows(select(RecommendedRow.track_id, RecommendedRow.at)
                         .where(RecommendedRow.at >= recommended_since)),
    )


def add_recommendation_list(session: Session, *, at: datetime, recipe: dict[str, Any],
                            track_ids: Sequence[str]) -> int:
    """Store a list and mark its tracks as recommended at `at`; returns the list's id."""
    row = RecommendationListRow(created_at=at, recipe=recipe, track_ids=list(track_ids))
    session.add(row)
    for track_id in track_ids:
        session.merge(RecommendedRow(track_id=track_id, at=at))
    session.flush()
    return int(row.id)


def last_recommendation_list(session: Session) -> tuple[int, dict[str, Any], list[str]] | None:
    """The newest stored list as (id, recipe, track ids), or None when there is none."""
    row = session.scalars(select(RecommendationListRow).order_by(
        RecommendationListRow.id.desc()).limit(1)).first()
    if row is None:
        return None
    return row.id, dict(row.recipe or {}), list(row.track_ids or [])


def add_feedback(session: Session, track_id: str, kind: str, at: datetime,
                 position_ms: int | None = None, context: str | None = None) -> None:
    session.add(FeedbackRow(track_id=track_id, kind=kind, at=at, position_ms=position_ms,
                            context=context))


def quick_skips(session: Session, *, since: datetime, before_ms: int) -> list[str]:
    """Track ids skipped since `since` within `before_ms` of the start (or at no known position)."""
    return list(session.scalars(select(FeedbackRow.track_id).where(
        FeedbackRow.kind == "skip", FeedbackRow.at >= since,
        FeedbackRow.position_ms.is_(None) | (FeedbackRow.position_ms < before_ms))))


def add_dislike(session: Session, kind: str, value: str, at: datetime) -> None:
    """Never recommend this artist or genre again (a second dislike only moves its date)."""
    session.merge(DislikedRow(kind=kind, value=value, at=at))


def sound_families_of(session: Session, track_ids: Iterable[str]) -> dict[str, str]:
    """The sound family (never a genre) of each of these tracks that has one."""
    out: dict[str, str] = {}
    for part in _in_chunks(track_ids):
        out.update(session.execute(select(TrackSoundFamilyRow.track_id, TrackSoundFamilyRow.name)
                                   .where(TrackSoundFamilyRow.track_id.in_(part))).all())
    return out
