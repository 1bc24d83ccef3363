"""SyncService: the `sync` and `status` actions, shared by the command line and the app."""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, select

from desktoprec.domain import JsonRecord
from desktoprec.errors import Cancelled, DesktopRecError, SyncInProgress
from desktoprec.spotify.client import SpotifyClient
from desktoprec.storage import repo
from desktoprec.storage.tables import (
    AccountRow,
    ArtistRow,
    FollowedArtistRow,
    LocalFileRow,
    PlaylistEntryRow,
    PlaylistRow,
    SavedTrackRow,
    TrackRow,
)
from desktoprec.sync.library import (
    KEY_AUDIO,
    KEY_LAST,
    KEY_LAST_ERROR,
    KEY_RUNNING,
    LibrarySync,
    Progress,
    SyncReport,
)

if TYPE_CHECKING:
    from desktoprec.catalogs.enrich import EnrichReport
    from desktoprec.recommend.results import IndexReport
    from desktoprec.services import Services

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class AfterSyncReport:
    """What the whole after-sync workflow did: the sync, the enrich run (None when no source is
    enabled), the index rebuild (None when skipped or failed), and every warning of the three."""

    sync: SyncReport
    enrich: EnrichReport | None
    index: IndexReport | None
    warnings: tuple[str, ...]

    def summaries(self) -> list[str]:
        """One line per step that has something to say."""
        lines = [self.sync.summary()]
        if self.enrich is not None:
            lines.append(self.enrich.summary())
        return [line for line in lines if line]

    def to_json(self) -> dict[str, Any]:
        """The `sync --json` object: the sync report with `enrich`, `enrich_summary` (when it
        ran) and `index` added, and all the warnings."""
        data = self.sync.to_dict()
        data["warnings"] = list(self.warnings)
        data["enrich"] = self.enrich.to_dict() if self.enrich is not None else None
        if self.enrich is not None:
            data["enrich_summary"] = self.enrich.summary()
        data["index"] = self.index.to_json() if self.index is not None else None
        return data


@dataclass(frozen=True, slots=True)
class AccountRef:
    id: str
    display_name: str | None


@dataclass(frozen=True, slots=True)
class SyncStatus(JsonRecord):
    """What is stored and how the last sync went (`status --json` is `to_json()`). No token."""

    signed_in: bool
    user: AccountRef | None
    tracks: int  # distinct recordings (one per ISRC)
    track_ids: int
    saved_tracks: int
    playlists: int
    playlists_skipped: int
    playlist_items: int
    local_items: int
    unavailable_items: int
    episode_items: int
    followed_artists: int
    artists: int
    last_sync: str | None
    last_sync_kind: str | None
    last_error: str | None
    sync_interrupted: bool
    local_files: int
    matched_files: int
    keyring: str | None
    audio_features_available: bool | None
    pending_exports: int
    sound_coverage: dict[str, int]  # own_file | preview | spotify | none -> tracks
    genre_coverage: dict[str, int]  # source -> tracks with a genre from it; none
    distinct_genres: int
    sound_families: int
    new_artist_candidates: int
    sources_enabled: list[str]


class SyncService:
    """Runs library syncs (one at a time) and reports what is stored."""

    def __init__(self, services: Services, client: SpotifyClient | None = None) -> None:
        self.services = services
        self._client = client
        self._running = threading.Lock()

    def client(self) -> SpotifyClient:
        return self._client if self._client is not None else self.services.auth.api()

    def sync(self, progress: Progress | None = None, cancel: threading.Event | None = None,
             *, full: bool = False) -> SyncReport:
        """Pull the library; raises the SpotifyError tree (with `.report` attached) on failure."""
        if not self._running.acquire(blocking=False):
            raise SyncInProgress()
        try:
            client = self.client()
            sent = self._flush_pending_exports()
            job = LibrarySync(self.services.db, client, progress=progress, cancel=cancel,
                              full=full)
            job.report.pending_exports_sent = sent
            try:
                return job.run()
            except DesktopRecError as exc:
                exc.report = job.report  # type: ignore[attr-defined]
                raise
        finally:
            self._running.release()

    def sync_and_enrich(self, progress: Progress | None = None,
                        cancel: threading.Event | None = None, *, full: bool = False,
                        enrich: bool | None = None, rebuild_index: bool = True
                        ) -> AfterSyncReport:
        """The whole after-sync workflow, for the CLI and the UI alike: sync the library, enrich
        it from the enabled catalogue sources (sound, genres, new-artist candidates), refresh
        sound and genre sources, rebuild the index. `enrich=None`: when any source is enabled.
        A failing optional step becomes one of the report's warnings.
        """
        report = self.sync(progress=progress, cancel=cancel, full=full)
        warnings = list(report.warnings)
        library = self.services.library
        wanted = bool(self.services.settings.enabled_source_names() or library.catalog_urls) \
            if enrich is None else enrich
        enriched = None
        if wanted:
            enriched = library.enrich(progress=progress, cancel=cancel, spotify=self.client())
            warnings += enriched.warnings
        else:
            library.refresh_sources(progress=progress, cancel=cancel)
        index = None
        if rebuild_index:
            try:
                index = self.services.recommend.rebuild_index(progress=progress, cancel=cancel)
            except DesktopRecError as exc:
                if isinstance(exc, Cancelled):
                    raise
                log.warning("the index was not rebuilt: %s", exc)
                warnings.append(f"The index was not rebuilt: {exc.user_text()}")
        return AfterSyncReport(sync=report, enrich=enriched, index=index,
                               warnings=tuple(warnings))

    def _flush_pending_exports(self) -> int:
        try:
            # likes and unlikes made offline go first: an export may list a liked track
            self.services.feedback.flush_pending()
        except DesktopRecError as exc:
            log.warning("queued likes not sent: %s", exc)
        try:
            return int(self.services.export.flush_pending())
        except DesktopRecError as exc:
            log.warning("queued exports not sent: %s", exc)
            return 0
        except ModuleNotFoundError:
            return 0

    # --- status ---------------------------------------------------------------------------------

    def status(self) -> SyncStatus:
        """What is stored and how the last sync went (`status --json`). Never a token."""
        auth = self._auth_facts()
        with self.services.db.read() as session:
            account = session.scalars(select(AccountRow)).first()
            readable = (PlaylistRow.removed.is_(False), PlaylistRow.readable.is_(True))
            live_entries = PlaylistEntryRow.playlist_id.in_(
                select(PlaylistRow.id).where(PlaylistRow.removed.is_(False)))
            entry_kind = PlaylistEntryRow.kind
            tracks = session.execute(
                select(func.count(func.distinct(func.coalesce(TrackRow.isrc, TrackRow.id))))
                .where(TrackRow.source == "spotify")).scalar() or 0
            last_sync = repo.get_state(session, KEY_LAST)
            last_error = repo.get_state(session, KEY_LAST_ERROR)
            audio = repo.get_state(session, KEY_AUDIO) or {}
            running = repo.get_state(session, KEY_RUNNING)
            files = repo.count(session, LocalFileRow, LocalFileRow.removed.is_(False))
            matched = repo.count(session, LocalFileRow, LocalFileRow.removed.is_(False),
                                 LocalFileRow.track_id.is_not(None),
                                 LocalFileRow.match_method.in_(("isrc", "name")))
            return SyncStatus(
                signed_in=auth["signed_in"],
                user=(AccountRef(id=account.id, display_name=account.display_name)
                      if account else None),
                tracks=int(tracks),
                track_ids=repo.count(session, TrackRow, TrackRow.source == "spotify"),
                saved_tracks=repo.count(session, SavedTrackRow),
                playlists=repo.count(session, PlaylistRow, *readable),
                playlists_skipped=repo.count(session, PlaylistRow,
                                             PlaylistRow.removed.is_(False),
                                                PlaylistRow.readable.is_(False)),
                playlist_items=repo.count(session, PlaylistEntryRow, live_entries),
                local_items=repo.count(session, PlaylistEntryRow, live_entries,
                                       entry_kind == "local"),
                unavailable_items=repo.count(session, PlaylistEntryRow, live_entries,
                                             entry_kind == "unavailable"),
                episode_items=repo.count(session, PlaylistEntryRow, live_entries,
                                         entry_kind == "episode"),
                followed_artists=repo.count(session, FollowedArtistRow),
                artists=repo.count(session, ArtistRow),
                last_sync=last_sync.get("at") if isinstance(last_sync, dict) else None,
                last_sync_kind=last_sync.get("kind") if isinstance(last_sync, dict) else None,
                last_error=last_error.get("error") if isinstance(last_error, dict) else None,
                sync_interrupted=running is not None and not self._running.locked(),
                local_files=files,
                matched_files=matched,
                keyring=auth["keyring"],
                audio_features_available=audio.get("available"),
                pending_exports=self._pending_exports(session),
                **self._coverage(session),
                sources_enabled=self.services.settings.enabled_source_names(),
            )

    @staticmethod
    def _coverage(session: Any) -> dict[str, Any]:
        """Where tracks' sound and genres come from, and how many new-artist candidates exist.

        Sound families (clusters) are not genres: they are counted apart, never in genre figures.
        """
        from desktoprec.storage.tables import (
            CandidateEvidenceRow,
            TrackGenreRow,
            TrackSoundFamilyRow,
            TrackSoundRow,
        )

        sound = {name: 0 for name in ("own_file", "preview", "spotify", "none")}
        for source, number in session.execute(
                select(TrackSoundRow.source, func.count()).group_by(TrackSoundRow.source)):
            sound[source] = int(number)
        all_tracks = repo.count(session, TrackRow)
        sound["none"] += max(0, all_tracks - sum(sound.values()))
        genres: dict[str, int] = {}
        for source, number in session.execute(
                select(TrackGenreRow.source, func.count(func.distinct(TrackGenreRow.track_id)))
                .group_by(TrackGenreRow.source)):
            genres[source] = int(number)
        genres["none"] = max(0, all_tracks - sum(genres.values()))
        return {
            "sound_coverage": sound,
            "genre_coverage": genres,
            "distinct_genres": int(session.execute(
                select(func.count(func.distinct(TrackGenreRow.genre)))).scalar() or 0),
            "sound_families": int(session.execute(
                select(func.count(func.distinct(TrackSoundFamilyRow.name)))).scalar() or 0),
            "new_artist_candidates": int(session.execute(
                select(func.count(func.distinct(CandidateEvidenceRow.track_id)))).scalar() or 0),
        }

    @staticmethod
    def _pending_exports(session: Any) -> int:
        from desktoprec.storage.tables import PendingExportRow

        return repo.count(session, PendingExportRow)

    def _auth_facts(self) -> dict[str, Any]:
        """Signed-in state and keyring backend; `status` must answer even when auth cannot."""
        facts: dict[str, Any] = {"signed_in": False, "keyring": None}
        try:
            auth = self.services.auth
        except ModuleNotFoundError:
            return facts
        try:
            facts["signed_in"] = bool(auth.is_signed_in())
        except Exception as exc:  # noqa: BLE001 - reported in the status, never fatal
            log.warning("sign-in state unknown: %s", exc)
        try:
            facts["keyring"] = str(auth.keyring_backend())
        except Exception as exc:  # noqa: BLE001
            log.warning("keyring backend unknown: %s", exc)
            facts["keyring"] = f"unavailable ({type(exc).__name__})"
        return facts
