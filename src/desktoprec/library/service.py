"""LibraryService: music folders, matching, analysis with its cache, sound and genre sources."""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import select

from desktoprec.domain import JsonRecord, Progress
from desktoprec.errors import Cancelled
from desktoprec.library.scan import ScanReport, content_hash, scan_folders
from desktoprec.storage.tables import AnalysisRow, LocalFileRow, TrackRow
from desktoprec.timeutil import db_now

if TYPE_CHECKING:
    from desktoprec.catalogs.enrich import EnrichReport
    from desktoprec.catalogs.http import Limits
    from desktoprec.domain import Track
    from desktoprec.services import Services
    from desktoprec.spotify.client import SpotifyClient

log = logging.getLogger(__name__)

SAVE_EVERY_S = 2.0

# the keys every `analyze --json` object has, in this order
RESULT_HEAD = ("path", "ok", "error", "duration_s", "tempo_bpm", "key", "mode", "loudness_db",
               "spectral_centroid_hz")


def result_object(path: str, ok: bool, error: str | None,
                  descriptors: dict[str, Any] | None, cached: bool = False) -> dict[str, Any]:
    """One `analyze --json` object: the fixed head, then every other descriptor."""
    values = dict(descriptors or {})
    head = {"path": path, "ok": ok, "error": error}
    for name in RESULT_HEAD[3:]:
        head[name] = values.pop(name, None)
    head.update(values)
    head["cached"] = cached
    return head


@dataclass(frozen=True, slots=True)
class AnalysisResult:
    """What analysing one file gave (`analyze FILE --json` prints `to_json()` per file)."""

    path: str
    ok: bool
    error: str | None
    duration_s: float | None = None
    tempo_bpm: float | None = None
    key: str | None = None
    mode: str | None = None
    loudness_db: float | None = None
    spectral_centroid_hz: float | None = None
    others: dict[str, object] = field(default_factory=dict)  # every other descriptor, by name
    cached: bool = False

    def to_json(self) -> dict[str, object]:
        """The fixed head, then every other descriptor, then `cached`."""
        descriptors = {name: getattr(self, name) for name in RESULT_HEAD[3:]}
        return result_object(self.path, self.ok, self.error, {**descriptors, **self.others},
                             cached=self.cached)


def _analysis_result(path: str, ok: bool, error: str | None,
                     descriptors: dict[str, Any] | None, cached: bool = False) -> AnalysisResult:
    values = dict(descriptors or {})
    head = {name: values.pop(name, None) for name in RESULT_HEAD[3:]}
    return AnalysisResult(path=path, ok=ok, error=error, others=values, cached=cached, **head)


@dataclass(frozen=True, slots=True)
class AnalysisFailure:
    path: str
    error: str


@dataclass(frozen=True, slots=True)
class SourcesRefresh(JsonRecord):
    """How many tracks each sound and genre source serves after a refresh of the sources."""

    sound: dict[str, int]  # own_file | preview | spotify | none -> tracks
    genres: dict[str, int]  # source -> tracks with a genre from it; none; clusters
    sound_evidence: int


@dataclass(frozen=True, slots=True)
class LibraryAnalysis:
    """What `analyze --library` did (`--json` prints `to_json()`)."""

    files: int
    already_analyzed: int
    analyzed: int
    failed: int
    seconds: float
    failures: list[AnalysisFailure]  # the first 50
    sources: SourcesRefresh | None = None  # when the sources were refreshed afterwards

    def to_json(self) -> dict[str, object]:
        data: dict[str, object] = {
            "files": self.files, "already_analyzed": self.already_analyzed,
            "analyzed": self.analyzed, "failed": self.failed, "seconds": self.seconds,
            "failures": [{"path": f.path, "error": f.error} for f in self.failures]}
        if self.sources is not None:
            data["sources"] = self.sources.to_json()
        return data


@dataclass(frozen=True, slots=True)
class MatchCounts(JsonRecord):
    """How local files matched Spotify tracks."""

    files: int
    by_isrc: int
    by_name: int
    local_tracks: int


@dataclass(frozen=True, slots=True)
class LibraryCounts(JsonRecord):
    """Counts for status displays."""

    local_files: int
    matched_files: int
    analyzed_files: int


@dataclass(frozen=True, slots=True)
class SourceChoice(JsonRecord):
    """One catalogue source as the user chooses it: on/off, what it contacts, what it sends."""

    name: str
    label: str
    enabled: bool
    contacts: str
    sends: str
    gives: str


class _ResultWriter:
    """Stores analyses as they arrive, a batch every couple of seconds (resumable work)."""

    def __init__(self, db: Any) -> None:
        self.db = db
        self.pending: dict[str, AnalysisRow] = {}
        self.last_save = time.monotonic()

    def add(self, content_hash_: str, ok: bool, error: str | None,
            descriptors: dict[str, Any] | None, version: str) -> None:
        now = db_now()
        self.pending[content_hash_] = AnalysisRow(
            content_hash=content_hash_, analyzer_version=version, ok=ok, error=error,
            descriptors=descriptors, analyzed_at=now)
        if time.monotonic() - self.last_save >= SAVE_EVERY_S:
            self.flush()

    def flush(self) -> None:
        if not self.pending:
            return
        with self.db.write() as session:
            for row in self.pending.values():
                session.merge(row)
        self.pending.clear()
        self.last_save = time.monotonic()


class LibraryService:
    """One method per user action on local music; see docs/CONTRACTS.md (library and sound)."""

    def __init__(self, services: Services) -> None:
        self.services = services
        # Base addresses to use instead of the public ones (the demo's own emulator sets these).
        self.catalog_urls: dict[str, str] = {}

    # --- folders -------------------------------------------------------------------------------

    def scan(self, dirs: Iterable[str | os.PathLike[str]] | None = None,
             progress: Progress | None = None, cancel: threading.Event | None = None
             ) -> ScanReport:
        """Scan the folders (default: the Music folders setting), then match files to tracks."""
        from desktoprec.library.match import match_files

        folders = list(dirs) if dirs is not None else list(self.services.settings.music_folders)
        report = scan_folders(self.services.db, folders, progress, cancel)
        if cancel is not None and cancel.is_set():
            raise Cancelled()
        matched = match_files(self.services.db)
        report.matched = matched.matched
        report.local_tracks = matched.local_tracks
        return report

    def remember_folders(self, dirs: Iterable[str | os.PathLike[str]]) -> list[str]:
        """Add folders to the Music folders setting (saved); returns the new list."""
        wanted = [str(Path(folder).expanduser().resolve()) for folder in dirs]
        with self.services.change_settings() as settings:  # scans run on worker threads
            folders = list(settings.music_folders)
            for text in wanted:
                if text not in folders:
                    folders.append(text)
            settings.music_folders = folders
        return folders

    def match(self) -> MatchCounts:
        from desktoprec.library.match import match_files

        report = match_files(self.services.db)
        return MatchCounts(files=report.files, by_isrc=report.by_isrc, by_name=report.by_name,
                           local_tracks=report.local_tracks)

    # --- analysis ------------------------------------------------------------------------------

    def analyze_files(self, paths: Sequence[str | os.PathLike[str]], *,
                      use_cache: bool = True, progress: Progress | None = None,
                      cancel: threading.Event | None = None,
                      workers: int | None = None) -> list[AnalysisResult]:
        """The `analyze --json` objects for these files, in order; a bad file never stops others.

        Files are analysed in worker processes (a decoder crash costs one file); results for
        readable files are cached by content hash and analyzer version.
        """
        from desktoprec.features.dsp import ANALYZER_VERSION
        from desktoprec.features.pool import analyze_many

        texts = [str(p) for p in paths]
        results: dict[int, AnalysisResult] = {}
        hashes: dict[int, str] = {}
        jobs: list[tuple[str, str]] = []
        cached_rows = {}
        for index, text in enumerate(texts):
            try:
                target = Path(text)
                if target.is_file() and target.stat().st_size > 0:
                    hashes[index] = content_hash(target)
            except OSError:
                pass
        if use_cache and hashes:
            with self.services.db.read() as session:
                for row in session.scalars(select(AnalysisRow).where(
                        AnalysisRow.content_hash.in_(set(hashes.values())),
                        AnalysisRow.analyzer_version == ANALYZER_VERSION,
                        AnalysisRow.ok.is_(True))):
                    cached_rows[row.content_hash] = row.descriptors
        for index, text in enumerate(texts):
            digest = hashes.get(index)
            if digest and digest in cached_rows:
                results[index] = _analysis_result(text, True, None, cached_rows[digest],
                                                  cached=True)
            else:
                jobs.append((str(index), text))
        writer = _ResultWriter(self.services.db)

        def on_result(result: Any) -> None:
            index = int(result.key)
            results[index] = _analysis_result(result.path, result.ok, result.error,
                                              result.descriptors)
            digest = hashes.get(index)
            if digest and result.ok:
                writer.add(digest, True, None, result.descriptors, ANALYZER_VERSION)

        try:
            analyze_many(jobs, on_result, workers=workers, progress=progress, cancel=cancel)
        finally:
            writer.flush()
        return [results[i] for i in range(len(texts))]

    def analyze_library(self, progress: Progress | None = None,
                        cancel: threading.Event | None = None, *, workers: int | None = None,
                        refresh_sources: bool = True, retry_failed: bool = False
                        ) -> LibraryAnalysis:
        """Analyse every present local file not yet analysed by this analyzer version.

        Results are saved as they come, so after a crash, quit or cancel a new run continues
        where the last one stopped. Files that failed stay failed for this analyzer version
        unless retry_failed is set. Then sound and genre sources are refreshed.
        """
        from desktoprec.features.dsp import ANALYZER_VERSION
        from desktoprec.features.pool import analyze_many

        db = self.services.db
        with db.read() as session:
            done = select(AnalysisRow.content_hash).where(
                AnalysisRow.analyzer_version == ANALYZER_VERSION)
            if retry_failed:
                done = done.where(AnalysisRow.ok.is_(True))
            done_hashes = set(session.scalars(done))
            files = session.execute(
                select(LocalFileRow.path, LocalFileRow.content_hash)
                .where(LocalFileRow.removed.is_(False), LocalFileRow.content_hash.is_not(None))
                .order_by(LocalFileRow.path)).all()
        todo: dict[str, str] = {}
        for path, digest in files:
            if digest is not None and digest not in done_hashes and digest not in todo:
                todo[digest] = path
        writer = _ResultWriter(db)
        failures: list[AnalysisFailure] = []

        def on_result(result: Any) -> None:
            writer.add(result.key, result.ok, result.error, result.descriptors, ANALYZER_VERSION)
            if not result.ok:
                failures.append(AnalysisFailure(path=result.path, error=result.error or ""))

        started = time.monotonic()
        try:
            counts = analyze_many(list(todo.items()), on_result, workers=workers,
                                  progress=progress, cancel=cancel)
        finally:
            writer.flush()
        return LibraryAnalysis(
            files=len(files), already_analyzed=len(files) - len(todo),
            analyzed=counts["ok"], failed=counts["failed"],
            seconds=round(time.monotonic() - started, 2), failures=failures[:50],
            sources=self.refresh_sources(progress, cancel) if refresh_sources else None)

    # --- sound and genre sources ---------------------------------------------------------------

    def refresh_sources(self, progress: Progress | None = None,
                        cancel: threading.Event | None = None) -> SourcesRefresh:
        """Fill `track_sound`, `track_genres`, sound families and sound evidence from what is
        stored (own files, Spotify features, what enrich fetched); contacts nothing."""
        from desktoprec.features.genres import refresh_track_genres
        from desktoprec.features.sources import refresh_sound_evidence, refresh_track_sound

        settings = self.services.settings
        sound = refresh_track_sound(self.services.db, progress, cancel)
        genres = refresh_track_genres(self.services.db, settings, progress, cancel)
        evidence = refresh_sound_evidence(self.services.db)
        return SourcesRefresh(sound=sound, genres=genres, sound_evidence=evidence)

    # --- catalogue sources (issue 10) ----------------------------------------------------------

    def enrich(self, progress: Progress | None = None, cancel: threading.Event | None = None,
               *, sources: list[str] | None = None, urls: dict[str, str] | None = None,
               spotify: SpotifyClient | None = None, limits: dict[str, Limits] | None = None,
               sleep: Callable[[float], None] = time.sleep,
               refresh: bool = True) -> EnrichReport:
        """Sound, genre and new-artist candidates from the enabled catalogue sources (or
        `sources`), then the offline refresh (catalogs/enrich.py)."""
        from desktoprec.catalogs.enrich import enrich

        if self.catalog_urls:  # the demo's own emulator (in memory only): all its sources
            urls = dict(self.catalog_urls) if urls is None else urls
            sources = list(self.catalog_urls) if sources is None else sources
        return enrich(self.services, sources=sources, urls=urls, spotify=spotify, limits=limits,
                      progress=progress, cancel=cancel, sleep=sleep, refresh=refresh)

    def source_choices(self) -> list[SourceChoice]:
        """Each catalogue source: name, label, on/off, what it contacts, what it sends."""
        from desktoprec.catalogs import SOURCES

        enabled = set(self.services.settings.enabled_source_names())
        return [SourceChoice(name=info.name, label=info.label, enabled=info.name in enabled,
                             contacts=info.contacts, sends=info.sends, gives=info.gives)
                for info in SOURCES.values()]

    def set_sources(self, enable: Iterable[str] = (), disable: Iterable[str] = ()) -> list[str]:
        """Switch sources on/off and save the choice; returns the enabled names."""
        with self.services.change_settings() as settings:
            for name in disable:
                settings.set_source_enabled(name, False)
            for name in enable:
                settings.set_source_enabled(name, True)
            settings.sources_asked = True
            return settings.enabled_source_names()

    def find_tracks(self, text: str, limit: int = 50) -> list[Track]:
        """Tracks whose title, artist, album or genre contains `text` (title order)."""
        from desktoprec.library.lookup import text_match, tracks_from_rows
        
        with self.services.db.read() as session:
            rows = list(session.scalars(select(TrackRow).where(text_match(text))
                                        .order_by(TrackRow.name).limit(limit)))
            return tracks_from_rows(session, rows)

    def resolve_track(self, text: str) -> str:
        """The id of the one track `text` names (id, URI, link or "Artist – Title")."""
        from desktoprec.library.lookup import resolve_track_id, track_line, tracks_from_rows
        
        with self.services.db.read() as session:
            def describe(track_id: str) -> str:
                row = session.get(TrackRow, track_id)
                track = tracks_from_rows(session, [row])[0] if row is not None else None
                return track_line(track) + f" ({track_id})" if track else track_id

            return resolve_track_id(session, text, describe)

    def summary(self) -> LibraryCounts:
        """Counts for status displays: files, matched files, analysed files."""
        from sqlalchemy import func

        from desktoprec.features.dsp import ANALYZER_VERSION

        with self.services.db.read() as session:
            present = LocalFileRow.removed.is_(False)
            files = session.scalar(select(func.count()).select_from(LocalFileRow).where(present))
            matched = session.scalar(select(func.count()).select_from(LocalFileRow).where(
                present, LocalFileRow.match_method.in_(("isrc", "name"))))
            analyzed = session.scalar(
                select(func.count()).select_from(LocalFileRow)
                .join(AnalysisRow, AnalysisRow.content_hash == LocalFileRow.content_hash)
                .where(present, AnalysisRow.analyzer_version == ANALYZER_VERSION,
                       AnalysisRow.ok.is_(True)))
        return LibraryCounts(local_files=int(files or 0), matched_files=int(matched or 0),
                             analyzed_files=int(analyzed or 0))
