"""The service layer: one method per user action, called by both the command line and the UI.

Each area of the app keeps its logic in its own package; this class wires them to one set of paths,
settings, database and token store, so the CLI and the UI do exactly the same things.
"""

from __future__ import annotations

import contextlib
import logging
import threading
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any, TypeVar, cast

from desktoprec.paths import AppPaths, app_paths
from desktoprec.settings import Settings, load_settings, save_settings
from desktoprec.storage import Database, open_database

if TYPE_CHECKING:  # the areas are imported on first use, so the CLI starts fast
    from desktoprec.browse.service import BrowseService
    from desktoprec.demo.service import DemoService
    from desktoprec.export.service import ExportService
    from desktoprec.library.service import LibraryService
    from desktoprec.player.feedback import FeedbackService
    from desktoprec.player.service import PlayerService
    from desktoprec.recommend.service import RecommendService
    from desktoprec.spotify.service import AuthService
    from desktoprec.sync.service import SyncService

log = logging.getLogger(__name__)

T = TypeVar("T")


class Services:
    """The composition root for non-UI code. Cheap to create; opens things on first use."""

    def __init__(self, paths: AppPaths | None = None, settings: Settings | None = None) -> None:
        self.paths = (paths or app_paths()).ensure()
        self.settings = settings if settings is not None else load_settings(self.paths.settings_file)
        self._db: Database | None = None
        self._lock = threading.RLock()
        self._settings_lock = threading.RLock()
        self._cache: dict[str, Any] = {}
        # One-line warnings for the user from any area (a damaged file that was rebuilt, ...):
        # the CLI prints them once at the end of the command, the UI may show them.
        self.notices: list[str] = []

    # --- basics -----------------------------------------------------------------------------

    @property
    def db(self) -> Database:
        with self._lock:
            if self._db is None:
                self._db = open_database(self.paths.database)
            return self._db

    def recovery_notice(self) -> str | None:
        """Set when the database opened in this run was damaged and moved aside (never opens it)."""
        with self._lock:
            return self._db.recovery_notice() if self._db is not None else None

    def notice(self, text: str) -> None:
        """Tell the user `text` once (repeats are dropped)."""
        with self._lock:
            if text not in self.notices:
                self.notices.append(text)

    def save_settings(self) -> None:
        with self._settings_lock:
            save_settings(self.settings, self.paths.settings_file)

    @contextlib.contextmanager
    def change_settings(self) -> Iterator[Settings]:
        """Change several settings as one step from any thread, saved at the end: other changes
        and saves wait, so no file (and no other writer) sees half of them."""
        with self._settings_lock:
            yield self.settings
            save_settings(self.settings, self.paths.settings_file)

    def close(self) -> None:
        with self._lock:
            if self._db is not None:
                self._db.close()
                self._db = None

    def memo(self, key: str, factory: Callable[[], T]) -> T:
        """One shared instance per key (the areas, the API client); `forget(key)` drops it."""
        with self._lock:
            if key not in self._cache:
                self._cache[key] = factory()
            return cast(T, self._cache[key])

    def forget(self, key: str) -> None:
        with self._lock:
            self._cache.pop(key, None)

    # --- the areas: each lives in its own package and takes this object ------------------------
    # Imports are local so the CLI starts fast and a command loads only what it uses.

    @property
    def auth(self) -> AuthService:
        """Sign-in, tokens and the Spotify API client (spotify/service.py: AuthService)."""
        from desktoprec.spotify.service import AuthService

        return self.memo("auth", lambda: AuthService(self))

    @property
    def sync(self) -> SyncService:
        """Library sync and `status` (sync/service.py: SyncService)."""
        from desktoprec.sync.service import SyncService

        return self.memo("sync", lambda: SyncService(self))

    @property
    def export(self) -> ExportService:
        """Playlists to Spotify, M3U and CSV, and the offline queue (export/service.py)."""
        from desktoprec.export.service import ExportService

        return self.memo("export", lambda: ExportService(self))

    @property
    def library(self) -> LibraryService:
        """Music folders, tags, matching, analysis, sound and genre sources (library/service.py)."""
        from desktoprec.library.service import LibraryService

        return self.memo("library", lambda: LibraryService(self))

    @property
    def recommend(self) -> RecommendService:
        """Vectors, index, recommendations, paths, explanations, feedback (recommend/service.py)."""
        from desktoprec.recommend.service import RecommendService

        return self.memo("recommend", lambda: RecommendService(self))

    @property
    def player(self) -> PlayerService:
        """Spotify Connect playback state and control (player/service.py: PlayerService)."""
        from desktoprec.player.service import PlayerService

        return self.memo("player", lambda: PlayerService(self))

    @property
    def feedback(self) -> FeedbackService:
        """Likes saved to Spotify (queued offline), unlike, the hidden list (player/feedback.py)."""
        from desktoprec.player.feedback import FeedbackService

        return self.memo("feedback", lambda: FeedbackService(self))

    @property
    def demo(self) -> DemoService:
        """The offline demo account, its audio and its emulator (demo/service.py: DemoService)."""
        from desktoprec.demo.service import DemoService

        return self.memo("demo", lambda: DemoService(self))

    @property
    def browse(self) -> BrowseService:
        """Read models of the library for the pages: tables, playlists, search, artist and album
        views, insights (browse/service.py: BrowseService)."""
        from desktoprec.browse.service import BrowseService

        return self.memo("browse", lambda: BrowseService(self))
