"""DemoService: prepares the offline demo end to end — audio, emulator, sign-in, sync, analysis, index.

Every step goes through the same services a real user's data goes through (the PKCE sign-in, the
sync, the scan and analysis of a music folder, the index), only against the built-in emulator and
the synthesized demo music, so the demo shows what the app really does.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import threading
import time
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from desktoprec.atomicfile import write_atomically
from desktoprec.demo.account import default_reference_time
from desktoprec.demo.catalog import DEFAULT_TRACKS_PER_STYLE, DemoCatalog, build_catalog
from desktoprec.demo.report import DemoReport
from desktoprec.domain import Progress
from desktoprec.errors import (
    AuthError,
    Cancelled,
    ConfigError,
    DesktopRecError,
    NetworkError,
    StorageError,
)

if TYPE_CHECKING:
    from desktoprec.catalogs.emulator import CatalogEmulator
    from desktoprec.catalogs.enrich import EnrichReport
    from desktoprec.recommend.discovery import DiscoveryReport
    from desktoprec.recommend.results import IndexReport
    from desktoprec.services import Services
    from desktoprec.spotify.emulator import EmulatorAccount, EmulatorServer
    from desktoprec.spotify.service import Profile
    from desktoprec.storage.repo import LibraryStamp

log = logging.getLogger(__name__)

T = TypeVar("T")

DEMO_CLIENT_ID = "desktoprec-demo"
MANIFEST_NAME = "manifest.json"
PREPARED_NAME = "prepared.json"
ACCOUNT_NAME = "account.json"
SIGN_IN_TIMEOUT_S = 30.0
# The demo's catalogue is small and served on this machine: discovery takes all of it on the
# first launch (a real account's budget would take a bit more on each start), so later launches
# find nothing new and the library's numbers stay the same from launch to launch.
DISCOVERY_BUDGET = 5000
MEMOIZED_SERVICES = ("auth", "spotify-api", "sync", "export", "library", "recommend", "player")
LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "::1")
ENVIRONMENT_OVERRIDES = ("DESKTOPREC_CLIENT_ID", "DESKTOPREC_SPOTIFY_API_URL",
                         "DESKTOPREC_SPOTIFY_ACCOUNTS_URL")


class DemoService:
    """The offline demo: one per Services; holds the running emulator between calls."""

    def __init__(self, services: Services) -> None:
        self.services = services
        self._lock = threading.RLock()
        self._preparing = threading.Lock()  # one prepare() at a time
        self.emulator: EmulatorServer | None = None
        self.catalogs: CatalogEmulator | None = None  # the demo's Deezer/iTunes/MusicBrainz/ListenBrainz
        self._catalog: DemoCatalog | None = None
        self._tracks_per_style: int | None = None
        # A demo size for prepare() calls that name none (the window's), from `demo --tracks-per-style`
        self.requested_tracks_per_style: int | None = None

    # --- where things are ------------------------------------------------------------------------

    @property
    def demo_dir(self) -> Path:
        return Path(self.services.paths.demo_dir)

    @property
    def music_dir(self) -> Path:
        return self.demo_dir / "music"

    def catalog(self, tracks_per_style: int | None = None) -> DemoCatalog:
        """The demo catalog at the size asked for, else the size last prepared, else the default."""
        size = (tracks_per_style or self.requested_tracks_per_style or self._prepared_size()
                or DEFAULT_TRACKS_PER_STYLE)
        with self._lock:
            if self._catalog is None or self._tracks_per_style != size:
                self._catalog = build_catalog(tracks_per_style=size)
                self._tracks_per_style = size
            return self._catalog

    def is_preparing(self) -> bool:
        """True while a prepare() runs (a second one would be refused)."""
        return self._preparing.locked()

    def is_prepared(self) -> bool:
        """True once a prepare() finished in this DESKTOPREC_HOME (the emulator may be stopped)."""
        return (self.demo_dir / PREPARED_NAME).is_file()

    # --- the whole path ----------------------------------------------------------------------------

    def prepare(self, progress: Progress | None = None, cancel: threading.Event | None = None,
                *, tracks_per_style: int | None = None,
                enrich: bool = True,
                on_first_index: Callable[[], None] | None = None) -> DemoReport:
        """Everything the demo needs; safe to call again (finished work is reused).

        The listener's account comes first (sign-in, sync, discovery) and a first index is built
        from what that gives (metadata, genres, co-listening); `on_first_index` is called then,
        so a first list can be shown within seconds. The demo music is written and analysed
        after that, and the index rebuilt with its sound.
        """
        if not self._preparing.acquire(blocking=False):
            raise ConfigError("The demo is already being prepared.",
                              hint="wait for it to finish, or cancel it first")
        try:
            return self._prepare(progress, cancel, tracks_per_style, enrich,
                                 on_first_index)
        finally:
            self._preparing.release()

    def _prepare(self, progress: Progress | None, cancel: threading.Event | None,
                 tracks_per_style: int | None, enrich: bool = True,
                 on_first_index: Callable[[], None] | None = None) -> DemoReport:
        self._refuse_real_account()
        # A returning listener's home holds a finished demo: its index is kept unless the steps
        # below change the library (the window showed a list from it before this started).
        stamp = self.library_stamp() if self.is_prepared() else None
        catalog = self.catalog(tracks_per_style)
        timings: dict[str, float] = {}

        def step(name: str, action: Callable[[], T]) -> T:
            _check(cancel)
            started = time.perf_counter()
            result = action()
            timings[name] = round(time.perf_counter() - started, 2)
            log.info("demo: %s took %.2f s", name, timings[name])
            return result

        server = step("emulator", lambda: self.start_emulator(catalog, progress))
        profile = step("sign_in", lambda: self.sign_in(progress, cancel))
        synced = step("sync", lambda: self.services.sync.sync(progress=progress, cancel=cancel))
        first_index = None
        if stamp is None:
            first_index = self._first_index(step, progress, cancel, on_first_index)
        # Discovery while the emulator runs (after the first list, which does not wait for it):
        # unsaved tracks on followed and top artists' albums enter the catalog, so the demo files
        # of those tracks match them by ISRC.
        recommend = self.services.recommend
        discovery: DiscoveryReport | None = None
        discovery_error: str | None = None
        try:
            discovery = step("discovery", lambda: recommend.discover(
                budget=DISCOVERY_BUDGET, progress=progress, cancel=cancel))
        except Cancelled:
            raise
        except DesktopRecError as exc:  # optional: the demo works without it
            log.warning("demo: discovery failed: %s", exc.user_text())
            discovery_error = exc.user_text()
        files_written = step("audio", lambda: self.ensure_audio(catalog, progress, cancel))
        library = self.services.library
        scan = step("scan", lambda: library.scan([self.music_dir], progress=progress,
                                                 cancel=cancel))
        # analyze_library also refreshes the sound and genre sources (own files, tags, clusters)
        analysis = step("analyze", lambda: library.analyze_library(progress=progress,
                                                                   cancel=cancel))
        index = step("index", lambda: self._index_if_changed(stamp, progress, cancel))
        enriched = None
        if enrich:  # the window asks for it apart, after its first list (enrich=False)
            enriched = step("enrich", lambda: self.enrich(progress, cancel))
        self._write_json(self.demo_dir / PREPARED_NAME,
                         {"tracks_per_style": self._tracks_per_style,
                          "tracks": len(catalog.tracks)})
        return DemoReport(
            tracks=len(catalog.tracks), artists=len(catalog.artists),
            music_folder=str(self.music_dir), emulator=server.api_url,
            signed_in_as=(profile or {}).get("display_name"), sync=synced,
            first_index=first_index, discovery=discovery, discovery_error=discovery_error,
            files_written=files_written, scan=scan, analysis=analysis, index=index,
            enrich=enriched, seconds=timings)

    # --- the steps -----------------------------------------------------------------------------

    def _first_index(self, step: Callable[[str, Callable[[], IndexReport]], IndexReport],
                     progress: Progress | None, cancel: threading.Event | None,
                     on_first_index: Callable[[], None] | None) -> IndexReport | None:
        """An index from what the account gave (no audio yet), then `on_first_index`. A failure
        here only delays the first list until the full index exists."""
        try:
            first = step("first_index", lambda: (
                self.services.recommend.rebuild_index(progress=progress, cancel=cancel)))
        except Cancelled:
            raise
        except DesktopRecError as exc:
            log.warning("demo: no first index before the audio: %s", exc.user_text())
            return None
        if on_first_index is not None:
            on_first_index()
        return first

    def ensure_audio(self, catalog: DemoCatalog | None = None, progress: Progress | None = None,
                     cancel: threading.Event | None = None) -> int:
        """Write the demo files that are missing or stale; returns how many were written."""
        from desktoprec.demo import audio

        catalog = catalog or self.catalog()
        jobs = audio.file_jobs(catalog, self.music_dir)
        manifest = self._read_json(self.demo_dir / MANIFEST_NAME) or {}
        known: dict[str, int] = manifest.get("files", {}) if (
            manifest.get("audio_version") == audio.AUDIO_VERSION) else {}
        todo = []
        current: dict[str, int] = {}
        for job in jobs:
            path = Path(job.path)
            relative = str(path.relative_to(self.music_dir))
            if path.is_file() and known.get(relative) == path.stat().st_size:
                current[relative] = known[relative]
            else:
                todo.append(job)
        self._remove_strays({Path(job.path) for job in jobs})

        def written(path: str) -> None:
            current[str(Path(path).relative_to(self.music_dir))] = Path(path).stat().st_size

        try:
            if todo:
                log.info("demo: writing %d of %d audio files", len(todo), len(jobs))
                audio.write_files(todo, progress=progress, cancel=cancel, on_written=written)
            elif progress:
                progress("demo audio", len(jobs), len(jobs))
        finally:
            # also after a cancel or a failure: files finished so far are not written again
            self._write_json(self.demo_dir / MANIFEST_NAME,
                             {"audio_version": audio.AUDIO_VERSION, "files": current})
        return len(todo)

    def start_emulator(self, catalog: DemoCatalog | None = None,
                       progress: Progress | None = None) -> EmulatorServer:
        """Serve the demo account on a fresh port (in a daemon thread) and point settings at it."""
        from desktoprec.demo.account import build_emulator_account
        from desktoprec.spotify.emulator import EmulatorServer

        with self._lock:
            if progress:
                progress("emulator", 0, 1)
            _bypass_proxies_for_loopback()
            if self.emulator is None:
                account = build_emulator_account(catalog or self.catalog(),
                                                 self.reference_time())
                server = EmulatorServer(account=account, port=0, client_id=DEMO_CLIENT_ID)
                try:
                    server.start()
                except OSError as exc:
                    raise NetworkError(
                        f"The demo's local Spotify emulator could not start: {exc}") from exc
                self.emulator = server
                log.info("demo: emulator serving at %s", server.api_url)
                self.start_catalogs(account, catalog or self.catalog())
            self._point_settings_at(self.emulator)
            if progress:
                progress("emulator", 1, 1)
            return self.emulator

    def start_catalogs(self, account: EmulatorAccount, catalog: DemoCatalog) -> CatalogEmulator:
        """Serve the demo's own Deezer, iTunes, MusicBrainz and ListenBrainz (catalogs/emulator.py)
        for `account`, and point this process's enrich step at them (never saved in settings).

        Demo tracks without a file are on "Deezer" with a preview of their own synthesized audio;
        the artists outside the library are related/similar to the library's artists."""
        from desktoprec.catalogs.emulator import CatalogEmulator, world_for_account
        from desktoprec.demo.styles import STYLE_BY_KEY

        with self._lock:
            if self.catalogs is None:
                tracks = {t.id: t for t in catalog.tracks}
                world = world_for_account(
                    account, seed=7, outsiders=0, deezer_share=0.95, preview_share=0.95,
                    genres={a.id: STYLE_BY_KEY[a.style].genre for a in catalog.artists},
                    outsider_ids={a.id for a in catalog.artists if a.outsider},
                    renderer=lambda tid: _preview_renderer(tracks[tid]) if tid in tracks
                    else None)
                self.catalogs = CatalogEmulator(world, clip_seconds=PREVIEW_SECONDS).start()
                log.info("demo: catalogue emulator serving at %s", self.catalogs.base_url)
            self.services.library.catalog_urls = self.catalogs.urls()
            return self.catalogs

    def enrich(self, progress: Progress | None = None,
               cancel: threading.Event | None = None) -> EnrichReport:
        """Sound for the demo tracks without a file (their previews), genres and new artists from
        the demo's own catalogue emulator, then the index again; returns the enrich report."""
        if self.catalogs is None:
            raise ConfigError("The demo's catalogues are not running.",
                              hint="prepare the demo first")
        from desktoprec.catalogs import SOURCE_NAMES

        stamp = self.library_stamp()
        report = self.services.library.enrich(progress=progress, cancel=cancel,
                                              sources=list(SOURCE_NAMES),
                                              urls=self.catalogs.urls())
        self._index_if_changed(stamp, progress, cancel)
        return report

    def library_stamp(self) -> LibraryStamp:
        """The library's stamp now (storage/repo.py): equal stamps, the same index."""
        from desktoprec.storage import repo

        with self.services.db.read() as session:
            return repo.library_stamp(session)

    def _index_if_changed(self, stamp: LibraryStamp | None, progress: Progress | None,
                          cancel: threading.Event | None) -> IndexReport | None:
        """The index rebuilt, unless the library still has `stamp`: then the saved one is kept
        (loaded, or built only if it is missing) and None is returned."""
        recommend = self.services.recommend
        if stamp is not None and self.library_stamp() == stamp:
            recommend.engine(progress=progress, cancel=cancel)
            log.info("demo: the library is unchanged; the saved index is kept")
            return None
        return recommend.rebuild_index(progress=progress, cancel=cancel)

    def sign_in(self, progress: Progress | None = None,
                cancel: threading.Event | None = None) -> Profile:
        """The real PKCE flow against the emulator; a background HTTP client plays the browser."""
        if progress:
            progress("sign-in", 0, 1)
        browser_errors: list[BaseException] = []

        def follow(url: str) -> None:
            def visit() -> None:
                import httpx

                try:
                    # trust_env=False: a proxy from the environment must not see 127.0.0.1 calls
                    httpx.get(url, follow_redirects=True, timeout=SIGN_IN_TIMEOUT_S,
                              trust_env=False)
                except httpx.HTTPError as exc:  # login() then times out; say why
                    log.error("demo: the sign-in page could not be followed: %s", exc)
                    browser_errors.append(exc)

            threading.Thread(target=visit, name="demo-browser", daemon=True).start()

        try:
            profile = self.services.auth.login(open_url=follow, timeout=SIGN_IN_TIMEOUT_S,
                                               cancel=cancel)
        except AuthError as exc:
            if browser_errors:
                raise AuthError(f"Signing in to the demo account failed: {browser_errors[0]}"
                                ) from exc
            raise
        if progress:
            progress("sign-in", 1, 1)
        return profile

    def reference_time(self) -> datetime:
        """When the demo listener's history ends: fixed at the first start in this home, so every
        later start serves the same account and a sync finds nothing new or duplicated."""
        path = self.demo_dir / ACCOUNT_NAME
        stored = (self._read_json(path) or {}).get("reference_time")
        if isinstance(stored, str):
            try:
                return datetime.fromisoformat(stored)
            except ValueError:
                log.warning("demo: unreadable reference time %r; starting a new one", stored)
        moment = default_reference_time()
        self._write_json(path, {"reference_time": moment.isoformat()})
        return moment

    def stop(self) -> None:
        """Stop the emulator (the app calls this on quit)."""
        with self._lock:
            server, self.emulator = self.emulator, None
            # its port is free for anyone once it stops: nothing may keep calling it
            self.services.settings.forget_local_spotify()
            catalogs, self.catalogs = self.catalogs, None
            self.services.library.catalog_urls = {}
        if catalogs is not None:
            try:
                catalogs.stop()
            except Exception:  # stopping must never break quitting
                log.exception("demo: the catalogue emulator did not stop cleanly")
        if server is not None:
            try:
                server.stop()
            except Exception:  # stopping must never break quitting
                log.exception("demo: the emulator did not stop cleanly")

    def leave(self, remove_data: bool = True) -> None:
        """Back to a real setup: the emulator stopped, settings pointed at Spotify again, the demo
        sign-in forgotten and (by default) the demo's library, index and music removed.

        Call with no background work running (the database is closed and recreated).
        """
        from desktoprec.settings import DEFAULT_ACCOUNTS_URL, DEFAULT_API_URL

        self.stop()
        settings = self.services.settings
        if settings.client_id == DEMO_CLIENT_ID or settings.demo_mode:
            try:
                self.services.auth.logout()
            except DesktopRecError as exc:  # the demo's tokens are worthless anyway
                log.warning("demo: signing out of the demo account failed: %s", exc)
        with self.services.change_settings() as settings:
            if settings.client_id == DEMO_CLIENT_ID:
                settings.client_id = ""
            settings.demo_mode = False
            settings.api_url = DEFAULT_API_URL
            settings.accounts_url = DEFAULT_ACCOUNTS_URL
            settings.music_folders = [f for f in settings.music_folders
                                      if f != str(self.music_dir)]
        for key in MEMOIZED_SERVICES:
            self.services.forget(key)
        if remove_data:
            self._remove_demo_data()
        log.info("demo: left the demo (data removed: %s)", remove_data)

    # --- helpers ---------------------------------------------------------------------------------

    def _remove_demo_data(self) -> None:
        paths = self.services.paths
        self.services.close()  # the next use of services.db opens a fresh, empty database
        try:
            for suffix in ("", "-wal", "-shm"):
                Path(f"{paths.database}{suffix}").unlink(missing_ok=True)
            for folder in (paths.index_dir, self.demo_dir):
                if Path(folder).exists():
                    shutil.rmtree(folder)
        except OSError as exc:
            raise StorageError(f"The demo's data could not be removed: {exc}") from exc

    def _refuse_real_account(self) -> None:
        overrides = [name for name in ENVIRONMENT_OVERRIDES if os.environ.get(name)]
        if overrides:
            raise ConfigError(
                f"The demo cannot run while {', '.join(overrides)} is set: it would point "
                "desktoprec away from the demo's own emulator.",
                hint="unset it, or run the demo in a shell without it")
        settings = self.services.settings
        if settings.demo_mode:
            return
        own_hint = ("run the demo in a folder of its own: DESKTOPREC_HOME=/tmp/desktoprec-demo "
                    "desktoprec demo")
        client_id = settings.client_id.strip()
        if client_id and client_id != DEMO_CLIENT_ID:
            raise ConfigError("This profile is set up for your own Spotify account, so the demo "
                              "will not replace it.", hint=own_hint)
        own_folders = [f for f in settings.music_folders if f != str(self.music_dir)]
        if own_folders:
            raise ConfigError("This profile already holds your own music folders, so the demo "
                              "will not mix its generated library into yours.", hint=own_hint)

    def _point_settings_at(self, server: EmulatorServer) -> None:
        """Settings for the demo. The emulator's addresses are the demo's state in this process
        only (`Settings.use_local_spotify`), never saved: once the demo ends, its port is free
        for any local user to listen on, and a later sign-in must not go there."""
        with self.services.change_settings() as settings:  # prepare runs on a worker thread
            settings.demo_mode = True
            settings.client_id = DEMO_CLIENT_ID
            settings.use_local_spotify(server.api_url, server.accounts_url)
            if str(self.music_dir) not in settings.music_folders:
                settings.music_folders = [*settings.music_folders, str(self.music_dir)]
        # Anything holding an API client built for the old address must be rebuilt.
        for key in ("auth", "spotify-api", "sync", "player", "export"):
            self.services.forget(key)

    def _prepared_size(self) -> int | None:
        data = self._read_json(self.demo_dir / PREPARED_NAME) or {}
        size = data.get("tracks_per_style")
        return size if isinstance(size, int) and size > 0 else None

    def _remove_strays(self, wanted: set[Path]) -> None:
        """Delete demo files a different demo size or version left behind (only our .flac)."""
        if not self.music_dir.is_dir():
            return
        for path in self.music_dir.rglob("*"):
            if path.is_file() and path.suffix in (".flac", ".tmp", ".part") and path not in wanted:
                path.unlink(missing_ok=True)

    @staticmethod
    def _read_json(path: Path) -> dict[str, Any] | None:
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        return data if isinstance(data, dict) else None

    @staticmethod
    def _write_json(path: Path, data: dict[str, Any]) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            write_atomically(path, json.dumps(data, indent=1, sort_keys=True).encode("utf-8"))
        except OSError as exc:
            raise StorageError(f"The demo's bookkeeping file {path} could not be written: {exc}"
                               ) from exc


PREVIEW_SECONDS = 8.0  # the demo's previews (real ones are 30 s): quick to make and analyse


def _preview_renderer(track: Any) -> Any:
    """seconds -> MP3 bytes of the demo track's own synthesized audio (libsndfile's encoder)."""

    def render(seconds: float) -> bytes:
        import dataclasses
        import io

        import soundfile

        from desktoprec.demo import audio

        clip = dataclasses.replace(track, duration_ms=int(min(seconds, 30.0) * 1000))
        buffer = io.BytesIO()
        soundfile.write(buffer, audio.synthesize(clip), audio.SAMPLE_RATE, format="MP3")
        return buffer.getvalue()

    return render


def _bypass_proxies_for_loopback() -> None:
    """httpx sends even 127.0.0.1 through an HTTP_PROXY from the environment; the emulator is on
    this machine, so loopback addresses are added to NO_PROXY for this process."""
    for name in ("NO_PROXY", "no_proxy"):
        entries = [e.strip() for e in os.environ.get(name, "").split(",") if e.strip()]
        missing = [host for host in LOOPBACK_HOSTS if host not in entries]
        # the lower-case one is read last and wins even when empty, so it is kept in step too
        if missing and (name == "NO_PROXY" or name in os.environ):
            os.environ[name] = ",".join([*entries, *missing])


def _check(cancel: threading.Event | None) -> None:
    if cancel is not None and cancel.is_set():
        raise Cancelled("Preparing the demo was cancelled; what was finished is kept.")
