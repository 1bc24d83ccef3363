"""Discovery candidates: tracks on albums of the user's top and followed artists, within a budget.

Uses `/artists/{id}/albums` and `/albums/{id}/tracks` (both still open to Development Mode apps).
Every call counts against `settings.discovery_request_budget`; an album whose tracks are stored
(`albums.tracks_fetched`) is never fetched again. Tracks new to the database are marked
`source="discovery"`, so the candidate pool grows without touching the user's library.
"""

from __future__ import annotations

import dataclasses
import logging
import threading
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sqlalchemy import select, update

from desktoprec.domain import Progress
from desktoprec.errors import Cancelled, NotAvailable, RateLimited, SpotifyError

if TYPE_CHECKING:
    from desktoprec.services import Services

log = logging.getLogger(__name__)

ALBUMS_PER_ARTIST = 10


@dataclass
class DiscoveryReport:
    artists_considered: int = 0
    albums_seen: int = 0
    albums_fetched: int = 0
    albums_cached: int = 0
    tracks_added: int = 0
    requests: int = 0
    budget: int = 0
    stopped: str | None = None  # why it stopped early: budget | rate_limited | closed | error
    message: str | None = None
    artist_ids: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


def _candidate_artists(session: Any) -> list[str]:
    from desktoprec.storage.tables import FollowedArtistRow, TopArtistRow

    order = {"short_term": 0, "medium_term": 1, "long_term": 2}
    tops = sorted(session.execute(select(TopArtistRow.time_range, TopArtistRow.rank,
                                         TopArtistRow.artist_id)),
                  key=lambda r: (order.get(r[0], 3), r[1]))
    followed = session.scalars(select(FollowedArtistRow.artist_id)
                               .order_by(FollowedArtistRow.position)).all()
    # Interleave top and followed artists so a small budget reaches both.
    merged: list[str] = []
    top_ids = [r[2] for r in tops]
    for i in range(max(len(top_ids), len(followed))):
        for source in (top_ids, followed):
            if i < len(source) and source[i] not in merged:
                merged.append(source[i])
    return merged


def discover(
    services: Services,
    client: Any = None,
    *,
    budget: int | None = None,
    progress: Progress | None = None,
    cancel: threading.Event | None = None,
) -> DiscoveryReport:
    from desktoprec.spotify.parse import parse_album, parse_track
    from desktoprec.storage import repo
    from desktoprec.storage.tables import AlbumRow, TrackRow

    client = client if client is not None else services.auth.api()
    budget = int(services.settings.discovery_request_budget if budget is None else budget)
    report = DiscoveryReport(budget=budget)
    start = int(getattr(client, "requests_made", 0))

    def used() -> int:
        return int(getattr(client, "requests_made", 0)) - start

    with services.db.read() as session:
        artists = _candidate_artists(session)
        fetched = set(session.scalars(select(AlbumRow.id).where(AlbumRow.tracks_fetched)))
    report.artists_considered = len(artists)
    try:
        for done, artist_id in enumerate(artists):
            if cancel is not None and cancel.is_set():
                raise Cancelled()
            if progress:
                progress("discovery", done, len(artists))
            if used() >= budget:
                report.stopped = "budget"
                break
            report.artist_ids.append(artist_id)
            albums = [parse_album(a, "album") for a in
                      client.artist_albums(artist_id, limit=ALBUMS_PER_ARTIST)]
            for album in albums:
                if not album.id:
                    continue
                report.albums_seen += 1
                if album.id in fetched:
                    report.albums_cached += 1
                    continue
                if used() >= budget:
                    report.stopped = "budget"
                    break
                items = client.album_tracks(album.id)
                tracks = []
                for i, item in enumerate(items):
                    try:
                        track = parse_track(item, f"album.tracks[{i}]")
                    except SpotifyError:
                        continue  # one malformed track does not lose the album
                    tracks.append(dataclasses.replace(track, album=album))
                with services.db.write() as session:
                    ids = [t.id for t in tracks if t.id]
                    known = set(session.scalars(select(TrackRow.id).where(TrackRow.id.in_(ids))))
                    repo.upsert_tracks(session, tracks)
                    new = [t for t in ids if t not in known]
                    if new:
                        session.execute(update(TrackRow).where(TrackRow.id.in_(new))
                                        .values(source="discovery"))
                    session.execute(update(AlbumRow).where(AlbumRow.id == album.id)
                                    .values(tracks_fetched=True))
                fetched.add(album.id)
                report.albums_fetched += 1
                report.tracks_added += len(new)
            if report.stopped:
                break
    except RateLimited as exc:
        report.stopped, report.message = "rate_limited", exc.user_text()
    except NotAvailable as exc:
        report.stopped, report.message = "closed", exc.user_text()
    except SpotifyError as exc:
        report.stopped, report.message = "error", exc.user_text()
    report.requests = used()
    if progress:
        progress("discovery", len(artists), len(artists))
    log.info("discovery: %s", report.to_dict())
    return report
