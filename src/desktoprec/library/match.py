"""Matches local files to synced Spotify tracks (ISRC, then normalized artist + title + duration,
then a fuzzy comparison of artist and title among the tracks of about the same length).

A file that matches nothing becomes a track of its own (`local:<content hash>`, source "local",
with artists `local-artist:<normalized name>`), so the recommender sees it like any other track.
"""

from __future__ import annotations

import bisect
import logging
import re
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

from rapidfuzz import fuzz
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from desktoprec.storage.db import Database
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
from desktoprec.timeutil import db_now

log = logging.getLogger(__name__)

DURATION_TOLERANCE_S = 3.0
# how alike (0-100) artist and title must both be for a fuzzy match ("P!nk"/"Pink" is 86)
FUZZY_THRESHOLD = 85.0
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


@dataclass(frozen=True)
class _Timed:
    """A track for the fuzzy fallback: its length, normalized title and artist keys."""

    duration_s: float
    track_id: str
    title: str
    artists: tuple[str, ...]


def _alike(a: str, b: str) -> float:
    """0-100: word order ("beatles the") and spacing ("ac dc") do not count."""
    return max(fuzz.token_sort_ratio(a, b), fuzz.ratio(a.replace(" ", ""), b.replace(" ", "")))


def _fuzzy(file: LocalFileRow, timed: list[_Timed]) -> str | None:
    """The most alike track within DURATION_TOLERANCE_S whose artist and title both pass."""
    if not file.artist or not file.title or file.duration_s is None:
        return None
    title = normalize_title(file.title)
    artists = split_artists(file.artist)
    start = bisect.bisect_left(timed, file.duration_s - DURATION_TOLERANCE_S,
                               key=lambda t: t.duration_s)
    best: tuple[float, float, str] | None = None
    for candidate in timed[start:]:
        gap = candidate.duration_s - file.duration_s
        if gap > DURATION_TOLERANCE_S:
            break
        title_score = _alike(title, candidate.title)
        if title_score < FUZZY_THRESHOLD:
            continue
        artist_score = max((_alike(a, b) for a in artists for b in candidate.artists), default=0)
        score = min(title_score, artist_score)
        if score >= FUZZY_THRESHOLD and (best is None or (score, -abs(gap)) > best[:2]):
            best = (score, -abs(gap), candidate.track_id)
    return best[2] if best else None


def _spotify_index(session: Session) -> tuple[dict[str, str], NameIndex, list[_Timed]]:
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
    timed: list[_Timed] = []
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
        if duration is not None and keys:
            timed.append(_Timed(duration, track_id, title, tuple(sorted(keys))))
    timed.sort(key=lambda t: t.duration_s)
    return by_isrc, by_name, timed


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


def match_files(db: Database) -> MatchReport:
    """Match every present local file; make local tracks for the rest; drop orphaned ones."""
    report = MatchReport()
    now = db_now()
    with db.write() as session:
        by_isrc, by_name, timed = _spotify_index(session)
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
                track_id = _by_name(file, by_name) or _fuzzy(file, timed)
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
