"""Pulls the user's Spotify library into SQLite: full the first time, then incremental.

Phases, in order: me → saved tracks → playlists → top tracks/artists → recently played →
followed artists → one audio-features probe. Every page (saved tracks) or playlist is written in
one transaction, so a crash, a kill or a bad response never leaves half a playlist and never loses
what an earlier sync stored; markers in `sync_state` let the next sync pick up where this one
stopped.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import delete, select

from desktoprec.domain import Progress
from desktoprec.errors import (
    Cancelled,
    DesktopRecError,
    MalformedResponse,
    NetworkError,
    NotAvailable,
    RateLimited,
    SpotifyError,
)
from desktoprec.spotify import parse
from desktoprec.spotify.client import PAGE_SIZE, SpotifyClient
from desktoprec.storage import Database, repo
from desktoprec.storage.tables import (
    AccountRow,
    AudioFeaturesRow,
    FollowedArtistRow,
    PlaylistEntryRow,
    PlaylistRow,
    SavedTrackRow,
)
from desktoprec.timeutil import iso_seconds, parse_iso

log = logging.getLogger(__name__)

PHASES = ("me", "saved_tracks", "playlists", "top", "recently_played", "followed_artists",
          "audio_features")
TIME_RANGES = ("short_term", "medium_term", "long_term")
# Spotify recomputes top lists about once a day; re-reading them on every sync costs 6 requests.
TOP_MAX_AGE = timedelta(hours=6)
# Followed artists rarely change; a change past the first page is caught within a day.
FOLLOWED_MAX_AGE = timedelta(hours=24)
# The audio-features answer changes only if Spotify changes the app's quota: re-ask weekly.
AUDIO_PROBE_MAX_AGE = timedelta(days=7)

_TRACK_FIELDS = ("id,uri,name,type,duration_ms,explicit,track_number,is_playable,is_local,"
                 "artists(id,name,uri),album(id,name,uri,album_type,release_date,images,"
                 "artists(id,name,uri)),external_ids,show(id,name,uri)")
PLAYLIST_ITEM_FIELDS = (f"next,total,items(added_at,is_local,item({_TRACK_FIELDS}),"
                        f"track({_TRACK_FIELDS}))")

KEY_SAVED = "sync.saved_tracks"
KEY_TOP = "sync.top_fetched_at"
KEY_RECENT = "sync.recently_played_after"
KEY_AUDIO = "sync.audio_features"
KEY_FOLLOWED = "sync.followed_read_at"
KEY_LAST = "sync.last_sync"
KEY_LAST_ERROR = "sync.last_error"
KEY_RUNNING = "sync.running"

MAX_WARNINGS = 20
UNREADABLE_ENTRY = parse.PlaylistEntry(kind="unavailable", added_at=None, track=None)

SKIP_NOT_OWNED = ("followed playlist: Spotify lets apps read the items of playlists you own or "
                  "collaborate on only")
SKIP_FORBIDDEN = "Spotify refused to share this playlist's items (403)"


@dataclass
class SyncReport:
    """What one sync did: requests per phase, counts, skipped playlists, warnings, error."""

    kind: str = "incremental"  # full | incremental
    ok: bool = False
    started_at: str = ""
    finished_at: str | None = None
    seconds: float = 0.0
    requests: dict[str, int] = field(default_factory=dict)
    counts: dict[str, int] = field(default_factory=dict)
    skipped: list[dict[str, str]] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    error: str | None = None
    retry_after: float | None = None
    audio_features: str = "unknown"  # available | closed | unknown
    pending_exports_sent: int = 0

    @property
    def total_requests(self) -> int:
        return sum(self.requests.values())

    def bump(self, key: str, by: int = 1) -> None:
        self.counts[key] = self.counts.get(key, 0) + by

    def summary(self) -> str:
        """One line for people: what changed, in how many requests."""
        counts = self.counts
        saved = (f"{counts.get('saved_tracks', 0)} saved tracks "
                 f"(+{counts.get('saved_tracks_new', 0)} new, "
                 f"-{counts.get('saved_tracks_removed', 0)} removed)")
        playlists = (f"{counts.get('playlists_fetched', 0)} playlists updated, "
                     f"{counts.get('playlists_unchanged', 0)} unchanged, "
                     f"{len(self.skipped)} skipped")
        parts = [f"{self.kind} sync in {self.total_requests} requests", saved, playlists]
        if self.warnings:
            parts.append(f"{len(self.warnings)} warnings")
        return "; ".join(parts)

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["total_requests"] = self.total_requests
        data["summary"] = self.summary()
        return data


class LibrarySync:
    """One run of the sync against one client and one database."""

    def __init__(
        self,
        db: Database,
        client: SpotifyClient,
        *,
        progress: Progress | None = None,
        cancel: threading.Event | None = None,
        full: bool = False,
        now: Callable[[], datetime] | None = None,
    ) -> None:
        self.db = db
        self.client = client
        self.progress = progress or (lambda phase, done, total: None)
        self.cancel = cancel
        self.force_full = full
        self.now = now or (lambda: datetime.now(UTC))
        self.report = SyncReport()
        self.user_id: str | None = None

    # --- driver ---------------------------------------------------------------------------------

    def run(self) -> SyncReport:
        report = self.report
        started = time.monotonic()
        report.started_at = iso_seconds(self.now())
        with self.db.read() as session:
            first = repo.get_state(session, KEY_LAST) is None
        report.kind = "full" if first or self.force_full else "incremental"
        self.client.cancel = self.cancel
        earlier_on_wait = self.client.on_wait

        def on_wait(seconds: float, reason: str | None) -> None:
            report.bump("rate_limit_waits")
            report.bump("rate_limit_wait_seconds", round(seconds))
            if earlier_on_wait is not None:
                earlier_on_wait(seconds, reason)

        self.client.on_wait = on_wait
        with self.db.write() as session:
            repo.set_state(session, KEY_RUNNING, {"started_at": report.started_at})
        try:
            for phase in PHASES:
                self._check_cancel()
                before = self.client.requests_made
                try:
                    getattr(self, f"_phase_{phase}")()
                except NotAvailable as exc:
                    if phase in ("me", "saved_tracks", "playlists"):
                        raise
                    # An optional list Spotify will not give this app: note it and go on.
                    report.warnings.append(f"{phase.replace('_', ' ')}: {exc}")
                finally:
                    report.requests[phase] = (report.requests.get(phase, 0)
                                              + self.client.requests_made - before)
        except Cancelled:
            # not a failure: no last error is recorded, and the running mark stays, so `status`
            # says the sync was interrupted and the next one continues
            report.ok = False
            report.seconds = round(time.monotonic() - started, 3)
            raise
        except Exception as exc:
            report.ok = False
            report.error = exc.user_text() if isinstance(exc, DesktopRecError) else str(exc)
            if isinstance(exc, RateLimited):
                report.retry_after = exc.retry_after
            report.seconds = round(time.monotonic() - started, 3)
            self._remember_failure(report)
            raise
        finally:
            self.client.cancel = None
            self.client.on_wait = earlier_on_wait
        report.ok = True
        report.finished_at = iso_seconds(self.now())
        report.seconds = round(time.monotonic() - started, 3)
        with self.db.write() as session:
            repo.set_state(session, KEY_LAST, {
                "at": report.finished_at, "kind": report.kind,
                "requests": report.total_requests, "seconds": report.seconds,
            })
            repo.clear_state(session, KEY_LAST_ERROR)
            repo.clear_state(session, KEY_RUNNING)
        return report

    def _remember_failure(self, report: SyncReport) -> None:
        try:
            with self.db.write() as session:
                repo.set_state(session, KEY_LAST_ERROR, {
                    "at": iso_seconds(self.now()), "error": report.error,
                    "retry_after": report.retry_after,
                })
                repo.clear_state(session, KEY_RUNNING)
        except DesktopRecError:
            log.exception("could not record the failed sync")

    def _check_cancel(self) -> None:
        if self.cancel is not None and self.cancel.is_set():
            raise Cancelled("Sync cancelled; everything finished so far is kept.")

    # --- phases ---------------------------------------------------------------------------------

    def _phase_me(self) -> None:
        self.progress("me", 0, 1)
        user = parse.parse_user(self.client.me())
        with self.db.write() as session:
            stored = session.scalars(select(AccountRow.id)).all()
            if stored and user.id not in stored:
                log.warning("a different Spotify account signed in; forgetting the old library")
                self.report.warnings.append(
                    "A different Spotify account is signed in; the previous account's library "
                    "was replaced.")
                repo.clear_library(session)
                self.report.kind = "full"
            repo.upsert_account(session, user)
        self.user_id = user.id
        self.progress("me", 1, 1)

    def _saved_page(self, offset: int) -> tuple[parse.Page, list[parse.SavedTrack]]:
        self._check_cancel()
        data = self.client.request("GET", "/me/tracks", {"limit": PAGE_SIZE, "offset": offset})
        page = parse.parse_page(data, "me/tracks")
        saved = self._items(page, parse.parse_saved_track, "me/tracks.items")
        return page, saved

    def _read_saved(self, start: int, known: set[tuple[str, str]], seen: set[str], *,
                    stop_at_known: bool, mark_resume: bool,
                    first: tuple[parse.Page, list[parse.SavedTrack]] | None = None,
                    ) -> tuple[int, int, int, bool]:
        """Read `/me/tracks` pages from `start` (`first`: that page, already fetched), writing
        each page's new entries in one transaction. Returns (next offset, new entries, total,
        reached the end)."""
        offset, new_count, total = start, 0, 0
        while True:
            page, saved = first if first is not None else self._saved_page(offset)
            first = None
            total = page.total if page.total is not None else max(total, offset + len(saved))
            fresh = [s for s in saved if s.track.id and (s.track.id, s.added_at) not in known]
            next_offset = offset + len(page.items)
            more = bool(page.next) and bool(page.items) and not (total and next_offset >= total)
            page_ids = {s.track.id for s in saved if s.track.id}
            if more and page_ids and page_ids <= seen:
                # A server that ignores `offset` would send this page for ever.
                self.report.warnings.append("Spotify sent the same page of saved tracks twice; "
                                            "stopped reading them for this sync.")
                more = False
            with self.db.write() as session:
                if fresh:
                    repo.upsert_tracks(session, [s.track for s in fresh])
                    repo.add_saved_tracks(session, [(str(s.track.id), s.added_at)
                                                    for s in fresh])
                if mark_resume:
                    repo.set_state(session, KEY_SAVED, {
                        "complete": False, "resume_offset": next_offset if more else None,
                        "last_added_at": saved[-1].added_at if saved else None})
            new_count += len(fresh)
            seen.update(page_ids)
            known.update((str(s.track.id), s.added_at) for s in fresh)
            self.progress("saved_tracks", min(next_offset, total), total)
            if not more or (stop_at_known and len(fresh) < len(saved)):
                return next_offset, new_count, total, not more
            offset = next_offset

    def _resume_point(self, top_end: int, estimate: int, state: dict[str, Any],
                      known: set[tuple[str, str]],
                      ) -> tuple[int, tuple[parse.Page, list[parse.SavedTrack]]] | None:
        """An offset at or before the first entry older than the last one stored (so nothing is
        skipped), with its page; None when it cannot be found in a few steps back."""
        boundary = state.get("last_added_at")
        if not isinstance(boundary, str) or not boundary:
            return None
        start = max(top_end, estimate)
        for _ in range(4):
            page, saved = self._saved_page(start)
            head = saved[0] if saved else None
            if start <= top_end or (head is not None and (
                    head.added_at > boundary
                    or (head.added_at == boundary and (head.track.id, head.added_at) in known))):
                return start, (page, saved)
            start = max(top_end, start - PAGE_SIZE)
        return None

    def _finish_saved(self, seen: set[str] | None, total: int) -> None:
        """Mark the full read complete; with `seen` (every entry from offset 0 was read in this
        sync) also forget the tracks the user no longer has saved."""
        with self.db.write() as session:
            removed = repo.remove_saved_tracks_except(session, seen) if seen is not None else 0
            stored = repo.count(session, SavedTrackRow)
            repo.set_state(session, KEY_SAVED, {
                "complete": True, "resume_offset": None, "total": total,
                # entries Spotify counts but the app cannot store (e.g. `track: null`)
                "gap": max(0, total - stored) if seen is not None else 0,
            })
        self.report.bump("saved_tracks_removed", removed)

    def _phase_saved_tracks(self) -> None:
        """Newest first. Incremental: stop at the first entry already stored, unless the count
        says something changed further down; an interrupted full read continues where it
        stopped (from the resume marker), and is redone from the top if that went wrong."""
        report = self.report
        with self.db.read() as session:
            state = repo.get_state(session, KEY_SAVED, {}) or {}
            known = repo.saved_pairs(session)
        if not isinstance(state, dict):
            state = {}
        complete = bool(state.get("complete")) and not self.force_full
        resume_raw = state.get("resume_offset") if not state.get("complete") else None
        resume_at = int(resume_raw) if isinstance(resume_raw, int) and resume_raw > 0 else None
        gap = int(state.get("gap") or 0) if complete else 0
        new_total = 0
        done = False
        if known and (complete or resume_at is not None):
            seen: set[str] = set()
            offset, new, total, ended = self._read_saved(0, known, seen, stop_at_known=True,
                                                         mark_resume=False)
            new_total += new
            with self.db.read() as session:
                stored = repo.count(session, SavedTrackRow)
            if resume_at is None and stored + gap == total:
                done = True  # nothing changed below the newest entries
            elif resume_at is not None and not ended and resume_at + new > offset:
                # Finish the interrupted read where it stopped (shifted by the entries added
                # since); `last_added_at` proves no entry was skipped in between.
                start = self._resume_point(offset, resume_at + new - 1, state, known)
                if start is not None:
                    _, more_new, total, _ = self._read_saved(
                        start[0], known, seen, stop_at_known=False, mark_resume=True,
                        first=start[1])
                    new_total += more_new
                    with self.db.read() as session:
                        stored = repo.count(session, SavedTrackRow)
                    if stored == total:  # nothing skipped, so equal counts: nothing removed
                        self._finish_saved(None, total)
                        done = True
                # otherwise entries moved or were removed meanwhile: read it all once more
            else:
                if not ended:
                    _, more_new, total, _ = self._read_saved(offset, known, seen,
                                                             stop_at_known=False,
                                                             mark_resume=True)
                    new_total += more_new
                self._finish_saved(seen, total)
                done = True
        if not done:
            seen = set()
            _, new, total, _ = self._read_saved(0, known, seen, stop_at_known=False,
                                                mark_resume=True)
            new_total += new
            self._finish_saved(seen, total)
        report.bump("saved_tracks_new", new_total)
        with self.db.read() as session:
            report.counts["saved_tracks"] = repo.count(session, SavedTrackRow)

    def _items(self, page: parse.Page, parser: Any, context: str,
               placeholder: Any = None) -> list[Any]:
        """Parse each item; one the app cannot use is skipped (or kept as `placeholder`, so a
        playlist keeps its positions) and reported, instead of failing the whole sync."""
        out: list[Any] = []
        for index, raw in enumerate(page.items):
            try:
                parsed = parser(raw, f"{context}[{index}]")
            except MalformedResponse as exc:
                self.report.bump("items_unreadable")
                if len(self.report.warnings) < MAX_WARNINGS:
                    self.report.warnings.append(f"skipped one entry: {exc}")
                parsed = placeholder
            if parsed is not None:
                out.append(parsed)
        return out

    def _phase_playlists(self) -> None:
        report = self.report
        listed: list[parse.PlaylistSummary] = []
        for page_data in self.client.pages("/me/playlists"):
            self._check_cancel()
            page = parse.parse_page(page_data, "me/playlists")
            listed.extend(self._items(page, parse.parse_playlist, "me/playlists.items"))
            self.progress("playlists", 0, page.total or len(listed))
        # de-duplicate (a playlist can only be listed once, but be safe)
        by_id = {p.id: p for p in listed}
        now = self.now().replace(tzinfo=None)
        with self.db.write() as session:
            stored = {row.id: row for row in session.scalars(select(PlaylistRow))}
            for position, summary in enumerate(by_id.values()):
                row = stored.get(summary.id)
                if row is None:
                    row = PlaylistRow(id=summary.id)
                    session.add(row)
                row.name = summary.name
                row.uri = summary.uri
                row.description = summary.description
                row.owner_id = summary.owner_id
                row.owner_name = summary.owner_name
                row.collaborative = summary.collaborative
                row.public = summary.public
                row.image_url = summary.image_url
                row.snapshot_id = summary.snapshot_id
                row.total = summary.total
                row.list_position = position
                row.removed = False
                if not self._readable(summary):
                    row.readable = False
                    row.skipped_reason = SKIP_NOT_OWNED
            for playlist_id, row in stored.items():
                if playlist_id not in by_id and not row.removed:
                    row.removed = True
                    session.execute(delete(PlaylistEntryRow).where(
                        PlaylistEntryRow.playlist_id == playlist_id))
                    row.items_snapshot_id = None
            stored_snapshots = {pid: (row.items_snapshot_id, row.readable, row.skipped_reason)
                                for pid, row in stored.items()}
        to_fetch: list[parse.PlaylistSummary] = []
        for summary in by_id.values():
            if not self._readable(summary):
                report.skipped.append({"id": summary.id, "name": summary.name,
                                       "reason": SKIP_NOT_OWNED})
                continue
            items_snapshot, readable, reason = stored_snapshots.get(summary.id, (None, True, None))
            unchanged = (summary.snapshot_id is not None and items_snapshot == summary.snapshot_id
                         and not self.force_full)
            if unchanged and not readable:
                report.skipped.append({"id": summary.id, "name": summary.name,
                                       "reason": reason or SKIP_FORBIDDEN})
                continue
            if unchanged:
                report.bump("playlists_unchanged")
                continue
            to_fetch.append(summary)
        report.counts["playlists_listed"] = len(by_id)
        for done, summary in enumerate(to_fetch):
            self._check_cancel()
            self.progress("playlists", done, len(to_fetch))
            self._sync_playlist(summary, now)
        self.progress("playlists", len(to_fetch), len(to_fetch))

    def _readable(self, summary: parse.PlaylistSummary) -> bool:
        return summary.collaborative or summary.owner_id is None or summary.owner_id == self.user_id

    def _sync_playlist(self, summary: parse.PlaylistSummary, now: datetime) -> None:
        report = self.report
        entries: list[parse.PlaylistEntry] = []
        params = {"fields": PLAYLIST_ITEM_FIELDS, "additional_types": "track,episode"}
        try:
            for page_data in self.client.pages(f"/playlists/{summary.id}/items", params):
                self._check_cancel()
                page = parse.parse_page(page_data, f"playlists/{summary.id}/items")
                entries.extend(self._items(page, parse.parse_playlist_entry,
                                           f"playlists/{summary.id}/items.items",
                                           placeholder=UNREADABLE_ENTRY))
        except NotAvailable as exc:
            gone = exc.status == 404
            reason = "the playlist no longer exists" if gone else SKIP_FORBIDDEN
            with self.db.write() as session:
                row = session.get(PlaylistRow, summary.id)
                if row is not None:
                    row.readable = False
                    row.removed = gone
                    row.skipped_reason = reason
                    # Remember which snapshot was refused so it is only retried when it changes.
                    row.items_snapshot_id = summary.snapshot_id
            if not gone:
                report.skipped.append({"id": summary.id, "name": summary.name, "reason": reason})
            else:
                report.warnings.append(f"Playlist {summary.name!r} disappeared during the sync.")
            return
        with self.db.write() as session:
            repo.upsert_tracks(session, [e.track for e in entries
                                         if e.kind == "track" and e.track is not None])
            repo.replace_playlist_entries(session, summary.id, entries)
            row = session.get(PlaylistRow, summary.id)
            if row is not None:
                row.items_snapshot_id = summary.snapshot_id
                row.readable = True
                row.skipped_reason = None
                row.total = len(entries)
                row.synced_at = now
        report.bump("playlists_fetched")
        report.bump("playlist_items_read", len(entries))
        for entry in entries:
            if entry.kind in ("local", "unavailable", "episode"):
                report.bump(f"playlist_{entry.kind}_items")

    def _phase_top(self) -> None:
        report = self.report
        with self.db.read() as session:
            fetched = parse_iso(repo.get_state(session, KEY_TOP))
        if fetched is not None and not self.force_full and self.now() - fetched < TOP_MAX_AGE:
            report.counts["top_lists_fresh"] = 1
            return
        steps = len(TIME_RANGES) * 2
        done = 0
        for time_range in TIME_RANGES:
            self._check_cancel()
            data = self.client.request("GET", "/me/top/tracks",
                                       {"time_range": time_range, "limit": PAGE_SIZE})
            tracks = self._items(parse.parse_page(data, "me/top/tracks"), parse.parse_track,
                                       "me/top/tracks.items")
            with self.db.write() as session:
                ids = repo.upsert_tracks(session, tracks)
                repo.replace_top_tracks(session, time_range, ids)
            report.bump("top_tracks", len(ids))
            done += 1
            self.progress("top", done, steps)
            self._check_cancel()
            data = self.client.request("GET", "/me/top/artists",
                                       {"time_range": time_range, "limit": PAGE_SIZE})
            artists = self._items(parse.parse_page(data, "me/top/artists"),
                                        parse.parse_artist, "me/top/artists.items")
            with self.db.write() as session:
                repo.upsert_artists(session, artists)
                repo.replace_top_artists(session, time_range, [a.id for a in artists])
            report.bump("top_artists", len(artists))
            done += 1
            self.progress("top", done, steps)
        with self.db.write() as session:
            repo.set_state(session, KEY_TOP, iso_seconds(self.now()))

    def _phase_recently_played(self) -> None:
        with self.db.read() as session:
            after = repo.get_state(session, KEY_RECENT)
        params: dict[str, Any] = {"limit": PAGE_SIZE}
        if after and not self.force_full:
            params["after"] = after
        self.progress("recently_played", 0, 1)
        data = self.client.request("GET", "/me/player/recently-played", params)
        page = parse.parse_page(data, "me/player/recently-played")
        plays = self._items(page, parse.parse_play_history, "recently-played.items")
        newest = int(after) if isinstance(after, (int, str)) and str(after).isdigit() else 0
        for play in plays:
            moment = parse_iso(play.played_at)
            if moment is not None:
                newest = max(newest, int(moment.timestamp() * 1000))
        with self.db.write() as session:
            repo.upsert_tracks(session, [p.track for p in plays])
            written = repo.add_recently_played(
                session, [(p.played_at, p.track.id, p.context_uri) for p in plays if p.track.id])
            if newest:
                repo.set_state(session, KEY_RECENT, str(newest))
        self.report.bump("recently_played_new", written)
        self.progress("recently_played", 1, 1)

    def _phase_followed_artists(self) -> None:
        """All followed artists; when the first page and the total match what is stored (and
        the last full read is under a day old) the rest is not re-read."""
        with self.db.read() as session:
            stored = list(session.scalars(select(FollowedArtistRow.artist_id)
                                          .order_by(FollowedArtistRow.position)))
            checked = parse_iso(repo.get_state(session, KEY_FOLLOWED))
        fresh = (checked is not None and not self.force_full
                 and self.now() - checked < FOLLOWED_MAX_AGE)
        artists: list[parse.Artist] = []
        for page_data in self.client.pages("/me/following", {"type": "artist"}, wrapper="artists"):
            self._check_cancel()
            page = parse.parse_page(page_data, "me/following.artists")
            artists.extend(self._items(page, parse.parse_artist, "me/following.items"))
            total = page.total if page.total is not None else len(artists)
            self.progress("followed_artists", len(artists), total)
            if fresh and len(artists) == len(page.items) and total == len(stored) \
                    and [a.id for a in artists] == stored[:len(artists)]:
                with self.db.write() as session:
                    repo.upsert_artists(session, artists)
                self.report.counts["followed_artists"] = len(stored)
                return
            if not page.next:
                break
        with self.db.write() as session:
            repo.upsert_artists(session, artists)
            repo.replace_followed_artists(session, [a.id for a in artists])
            repo.set_state(session, KEY_FOLLOWED, iso_seconds(self.now()))
        self.report.counts["followed_artists"] = len({a.id for a in artists})

    def _phase_audio_features(self) -> None:
        """Ask the closed audio-features endpoint once, for a track the user has; remember."""
        report = self.report
        with self.db.read() as session:
            state = repo.get_state(session, KEY_AUDIO) or {}
            track_id = session.scalars(
                select(SavedTrackRow.track_id).order_by(SavedTrackRow.added_at.desc()).limit(1)
            ).first() or session.scalars(
                select(PlaylistEntryRow.track_id).where(PlaylistEntryRow.track_id.is_not(None))
                .limit(1)).first()
        checked = parse_iso(state.get("checked_at"))
        known = state.get("available")
        if known is not None and checked is not None and not self.force_full \
                and self.now() - checked < AUDIO_PROBE_MAX_AGE:
            report.audio_features = "available" if known else "closed"
            return
        if track_id is None:
            return
        self.progress("audio_features", 0, 1)
        try:
            answer = self.client.audio_features_probe(track_id)
        except RateLimited:
            raise
        except (NetworkError, MalformedResponse, SpotifyError) as exc:
            report.warnings.append(f"The audio-features check did not answer: {exc}")
            return
        available = answer is not None
        with self.db.write() as session:
            repo.set_state(session, KEY_AUDIO, {
                "available": available, "checked_at": iso_seconds(self.now()),
                "track_id": track_id,
                "detail": "answered" if available else "closed for this app",
            })
            if answer is not None:
                try:
                    features = parse.parse_audio_features(answer)
                except MalformedResponse:
                    features = {}
                if features:
                    session.merge(AudioFeaturesRow(track_id=track_id, features=features))
        report.audio_features = "available" if available else "closed"
        self.progress("audio_features", 1, 1)
