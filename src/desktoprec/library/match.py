"""Matches local files to synced Spotify tracks (ISRC, then normalized artist + title + duration).

A file that matches nothing becomes a track of its own (`local:<content hash>`, source "local",
with artists `local-artist:<normalized name>`), so the recommender sees it like any other track.
"""

from __future__ import annotations

import logging
import re
from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from desktoprec.storage.tables import (
    ArtistRow,
    IsrcRow,
    LocalFileRow,
    TrackArtistRow,
    TrackRow,
)
from desktoprec.text import BRACKETS as _BRACKETS
from desktoprec.text import fold as _fold
from desktoprec.text import match_title as normalize_title
from desktoprec.text import squash as _squash

log = logging.getLogger(__name__)

DURATION_TOLERANCE_S = 3.0
LOCAL_TRACK_PREFIX = "local:"
LOCAL_ARTIST_PREFIX = "local-artist:"

_ARTIST_SPLIT = re.compile(r"\s*(?:,|;|/|&|\band\b|\bx\b|\bvs\.?|\bfeat\.?|\bft\.?|"
                           r"\bfeaturing\b|\bwith\b)\s*", re.IGNORECASE)


def normalize_artist(name: str) -> str:
    """'Beyoncé feat. Jay-Z' -> 'beyonce jay z'... reduced to the main artist: 'beyonce'."""
    parts = split_artists(name)
    return parts[0] if parts else _squash(_fold(name))


def split_artists(name: str) -> list[str]:
    """Every artist named in a credit, normalized ('A & B feat. C' -> ['a', 'b', 'c'])."""
    folded = _fold(_BRACKETS.sub(lambda m: " feat " + m[0][1:-1], name))
    out = []
    for part in _ARTIST_SPLIT.split(folded):
        squashed = _squash(part)
        if squashed and squashed not in out:
            out.append(squashed)
    # "Simon & Garfunkel" is one act: keep the whole credit too
    whole = _squash(_fold(name).replace(" and ", " "))
    if whole and whole not in out:
        out.append(whole)
    whole_and = _squash(_fold(name))
    if whole_and and whole_and not in out:
        out.append(whole_and)
    return out


@dataclass
class MatchReport:
    files: int = 0
    by_isrc: int = 0
    by_name: int = 0
    local_tracks: int = 0

    @property
    def matched(self) -> int:
        return self.by_isrc + self.by_name


@dataclass(frozen=True)
class _Candidate:
    track_id: str
    duration_s: float | None


NameIndex = dict[tuple[str, str], list[_Candidate]]


def _spotify_index(session: Session) -> tuple[dict[str, str], NameIndex]:
    by_isrc: dict[str, str] = {}
    rows = session.execute(
        select(TrackRow.id, TrackRow.name, TrackRow.duration_ms, TrackRow.isrc, TrackRow.source)
        .where(TrackRow.source != "local")
    ).all()
    tracks = {row.id: row for row in rows}
    # library tracks win over discovery tracks for the same ISRC
    for row in sorted(rows, key=lambda r: r.source != "spotify"):
        if row.isrc and row.isrc.upper() not in by_isrc:
            by_isrc[row.isrc.upper()] = row.id
    for isrc, track_id in session.execute(select(IsrcRow.isrc, IsrcRow.track_id)).all():
        if track_id in tracks:
            by_isrc.setdefault(isrc.upper(), track_id)
    names = dict(session.execute(select(ArtistRow.id, ArtistRow.name)).all())
    artists_of: dict[str, list[str]] = defaultdict(list)
    for track_id, artist_id in session.execute(
        select(TrackArtistRow.track_id, TrackArtistRow.artist_id)
        .order_by(TrackArtistRow.track_id, TrackArtistRow.position)
    ).all():
        if track_id in tracks and names.get(artist_id):
            artists_of[track_id].append(names[artist_id])
    by_name: dict[tuple[str, str], list[_Candidate]] = defaultdict(list)
    for track_id, row in tracks.items():
        title = normalize_title(row.name or "")
        if not title:
            continue
        duration = row.duration_ms / 1000.0 if row.duration_ms else None
        keys = {normalize_artist(n) for n in artists_of.get(track_id, [])}
        for name in artists_of.get(track_id, []):
            keys.update(split_artists(name))
        for artist in keys:
            by_name[(artist, title)].append(_Candidate(track_id, duration))
    return by_isrc, by_name


def _by_name(file: LocalFileRow, by_name: dict[tuple[str, str], list[_Candidate]]) -> str | None:
    if not file.artist or not file.title:
        return None
    title = normalize_title(file.title)
    best: tuple[float, str] | None = None
    for artist in split_artists(file.artist):
        for candidate in by_name.get((artist, title), []):
            if file.duration_s is None or candidate.duration_s is None:
                gap = DURATION_TOLERANCE_S  # unknown length: accepted, ranked last
            else:
                gap = abs(file.duration_s - candidate.duration_s)
                if gap > DURATION_TOLERANCE_S:
                    continue
            if best is None or gap < best[0]:
                best = (gap, candidate.track_id)
    return best[1] if best else None


def match_files(db: object) -> MatchReport:
    """Match every present local file; make local tracks for the rest; drop orphaned ones."""
    report = MatchReport()
    now = datetime.now(UTC).replace(tzinfo=None)
    with db.write() as session:
        by_isrc, by_name = _spotify_index(session)
        files = list(session.scalars(select(LocalFileRow).where(LocalFileRow.removed.is_(False))))
        report.files = len(files)
        existing_local = set(session.scalars(
            select(TrackRow.id).where(TrackRow.source == "local")))
        known_artists = set(session.scalars(
            select(ArtistRow.id).where(ArtistRow.id.like(f"{LOCAL_ARTIST_PREFIX}%"))))
        links: list[TrackArtistRow] = []
        for file in files:
            track_id = by_isrc.get(file.isrc.upper()) if file.isrc else None
            method = "isrc" if track_id else None
            if track_id is None:
                track_id = _by_name(file, by_name)
                method = "name" if track_id else None
            if track_id is None:
                if not file.content_hash:
                    file.track_id, file.match_method = None, "none"
                    continue
                track_id = f"{LOCAL_TRACK_PREFIX}{file.content_hash}"
                method = "none"
                if track_id not in existing_local:
                    links += _add_local_track(session, file, track_id, known_artists, now)
                    existing_local.add(track_id)
                report.local_tracks += 1
            elif method == "isrc":
                report.by_isrc += 1
            else:
                report.by_name += 1
            file.track_id, file.match_method = track_id, method
        session.flush()  # tracks and artists first: track_artists refers to both
        session.add_all(links)
        session.flush()
        used = set(session.scalars(select(LocalFileRow.track_id).where(
            LocalFileRow.track_id.like(f"{LOCAL_TRACK_PREFIX}%"))))
        orphans = [t for t in existing_local if t not in used]
        if orphans:
            session.execute(delete(TrackArtistRow).where(TrackArtistRow.track_id.in_(orphans)))
            session.execute(delete(TrackRow).where(TrackRow.id.in_(orphans)))
    log.info("matched %d of %d local files (%d by ISRC)", report.matched, report.files,
             report.by_isrc)
    return report


def _add_local_track(session: Session, file: LocalFileRow, track_id: str,
                     known_artists: set[str], now: datetime) -> list[TrackArtistRow]:
    from pathlib import PurePath

    title = file.title or PurePath(file.path).stem[:300]
    session.add(TrackRow(
        id=track_id, uri=None, name=title,
        duration_ms=int(file.duration_s * 1000) if file.duration_s else None,
        isrc=file.isrc, source="local", is_playable=None, updated_at=now,
    ))
    credits = [file.artist] if file.artist else []
    links = []
    for position, credit in enumerate(credits):
        norm = normalize_artist(credit) or credit.casefold()
        artist_id = f"{LOCAL_ARTIST_PREFIX}{norm}"
        if artist_id not in known_artists:
            session.add(ArtistRow(id=artist_id, name=credit, genres=[], updated_at=now))
            known_artists.add(artist_id)
        links.append(TrackArtistRow(track_id=track_id, position=position, artist_id=artist_id))
    return links
