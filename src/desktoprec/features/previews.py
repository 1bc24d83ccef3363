"""Sound from 30-second previews looked up by ISRC (Deezer's public API), opt-in, polite, cached.

The app's workflow now fetches previews in the enrich step (catalogs/enrich.py, Deezer then
iTunes, through catalogs/http.py); this module keeps `audio_suffix` (used there) and the older
single-source `PreviewSource`/`fill_preview_sound`, which nothing in the workflow calls any more.

Used only when the `preview_source_enabled` setting is on (off by default), only for tracks that
have an ISRC and no other sound (no analysed own file, no Spotify audio features). For each such
track: `GET {base}/track/isrc:{ISRC}` (JSON, at most 1 MB) names a preview MP3 (at most 2 MB), which
is downloaded into `<cache>/previews/<ISRC>.<ext>`, analysed with the same DSP as own files in
worker processes, and deleted (the analysis is kept, by content hash, until the analyzer changes). At most one request a second, a budget of requests per refresh, "not found"
remembered for 30 days, a rejected answer for 7. A network error (or the service saying it is busy)
stops the preview step for this refresh with one warning; the refresh itself goes on.

The base URL is https://api.deezer.com unless the `preview_api_url` setting or the environment
variable DESKTOPREC_PREVIEW_API_URL points elsewhere (the tests use a local server).
"""

from __future__ import annotations

import json
import logging
import os
import re
import threading
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit

from sqlalchemy import select, update

from desktoprec import __version__
from desktoprec.atomicfile import write_atomically
from desktoprec.errors import Cancelled, MalformedResponse
from desktoprec.httpdeadline import DeadlineExceeded, RequestDeadline, default_deadline
from desktoprec.settings import (
    DEFAULT_PREVIEW_API_URL,
    is_loopback_host,
    is_remote_https,
    is_safe_url,
)

log = logging.getLogger(__name__)

Progress = Callable[[str, int, int], None]

URL_ENV = "DESKTOPREC_PREVIEW_API_URL"
MIN_INTERVAL_S = 1.0
DEFAULT_BUDGET = 120  # HTTP requests per refresh (a lookup and a download per track)
MAX_JSON_BYTES = 1024 * 1024
MAX_AUDIO_BYTES = 2 * 1024 * 1024
NOT_FOUND_RETRY_S = 30 * 24 * 3600.0
REJECTED_RETRY_S = 7 * 24 * 3600.0
MAX_REDIRECTS = 3
TIMEOUT_S = 15.0
INDEX_NAME = "index.json"
# Hosts a preview may come from when the base URL is Deezer's own.
DEEZER_HOST_SUFFIXES = (".dzcdn.net", ".deezer.com")
# Deezer error codes meaning "ask later": quota exceeded, service busy.
_BUSY_ERROR_CODES = {4, 700}
_ISRC = re.compile(r"^[A-Z]{2}[A-Z0-9]{3}\d{7}$")


class ServiceUnavailable(Exception):
    """The preview service cannot be reached or asks us to wait: stop for this refresh."""


class RejectedAnswer(Exception):
    """An answer about one track that cannot be used (malformed, too large, unsafe URL, not audio)."""


def preview_api_url(settings: Any = None) -> str:
    """The lookup service's base URL: env override, then the setting, then Deezer (safe URLs only)."""
    from_env = os.environ.get(URL_ENV, "").strip()
    chosen = from_env or getattr(settings, "preview_api_url", "") or DEFAULT_PREVIEW_API_URL
    # an address on this machine only from the environment (tests), never from the settings file
    if not (is_safe_url(chosen) if from_env else is_remote_https(chosen)):
        log.warning("ignoring the preview service address %r: only https (or http on 127.0.0.1) "
                    "is used", chosen[:200])
        chosen = DEFAULT_PREVIEW_API_URL
    return chosen.strip().rstrip("/")


def audio_suffix(head: bytes) -> str | None:
    """The file suffix for a downloaded preview, from its first bytes (None: not audio we read)."""
    if head.startswith(b"ID3") or (len(head) > 1 and head[0] == 0xFF and head[1] & 0xE0 == 0xE0):
        return ".mp3"
    if head.startswith(b"RIFF") and head[8:12] == b"WAVE":
        return ".wav"
    if head.startswith(b"OggS"):
        return ".ogg"
    if head.startswith(b"fLaC"):
        return ".flac"
    return None


class PreviewSource:
    """Finds, downloads and caches preview clips by ISRC; see the module docstring for the rules."""

    def __init__(self, cache_dir: Path, *, base_url: str | None = None,
                 budget: int = DEFAULT_BUDGET, min_interval_s: float | None = None,
                 sleep: Callable[[float], None] = time.sleep,
                 clock: Callable[[], float] = time.time, keep_files: bool = False) -> None:
        self.cache_dir = Path(cache_dir)
        self.keep_files = keep_files  # False: a clip is deleted once analysed (30 s MP3 ~ 0.5 MB)
        chosen = base_url if base_url and is_safe_url(base_url) else preview_api_url()
        self.base_url = chosen.strip().rstrip("/")
        self.budget = max(0, budget)
        self.min_interval_s = MIN_INTERVAL_S if min_interval_s is None else min_interval_s
        self.sleep = sleep
        self.clock = clock
        self.requests_made = 0
        self.stopped: str | None = None  # why the step stopped early this refresh, if it did
        self._last_request = 0.0
        self._base_is_loopback = is_loopback_host((urlsplit(self.base_url).hostname or "").lower())
        self._base_is_deezer = self.base_url == DEFAULT_PREVIEW_API_URL.rstrip("/")
        self._index: dict[str, dict[str, Any]] = self._load_index()
        self._client: Any = None

    # --- the on-disk index ---------------------------------------------------------------------

    @property
    def index_file(self) -> Path:
        return self.cache_dir / INDEX_NAME

    def _load_index(self) -> dict[str, dict[str, Any]]:
        from desktoprec import netjson

        try:
            data = netjson.loads_object(self.index_file.read_bytes(), source="the preview cache",
                                        max_bytes=64 * 1024 * 1024)
        except (OSError, MalformedResponse) as exc:
            if self.index_file.exists():
                log.warning("the preview cache index could not be read (%s); starting afresh", exc)
            return {}
        index: dict[str, dict[str, Any]] = {}
        for isrc, entry in data.items():
            if (isinstance(isrc, str) and _ISRC.match(isrc) and isinstance(entry, dict)
                    and entry.get("status") in ("found", "not_found", "rejected")
                    and isinstance(entry.get("at"), (int, float))):
                index[isrc] = entry
        return index

    def save(self) -> None:
        self.cache_dir.mkdir(parents=True, exist_ok=True)
        write_atomically(self.index_file, json.dumps(self._index).encode("utf-8"))

    def _remember(self, isrc: str, status: str, reason: str = "", file: str = "") -> None:
        entry: dict[str, Any] = {"status": status, "at": self.clock()}
        if reason:
            entry["reason"] = reason[:300]
        if file:
            entry["file"] = file
        self._index[isrc] = entry

    def cached_file(self, isrc: str) -> Path | None:
        """The downloaded preview for this ISRC, if it is on disk."""
        entry = self._index.get(isrc)
        if not entry or entry.get("status") != "found":
            return None
        name = str(entry.get("file", ""))
        if name != Path(name).name or not name.startswith(isrc):
            return None  # never a path from anywhere but our own naming
        path = self.cache_dir / name
        return path if path.is_file() else None

    def _should_ask(self, isrc: str) -> bool:
        entry = self._index.get(isrc)
        if entry is None:
            return True
        age = self.clock() - float(entry["at"])
        if entry["status"] == "not_found":
            return age >= NOT_FOUND_RETRY_S
        if entry["status"] == "rejected":
            return age >= REJECTED_RETRY_S
        # found, but neither the file nor (as far as the index knows) its analysis is here
        return self.cached_file(isrc) is None

    def analysed_hash(self, isrc: str) -> str | None:
        """The content hash of this ISRC's preview once it has been analysed."""
        entry = self._index.get(isrc)
        digest = entry.get("hash") if entry and entry.get("status") == "found" else None
        return digest if isinstance(digest, str) and digest else None

    def analysed(self, isrc: str, digest: str) -> None:
        """Record the analysed preview's hash; its file goes unless keep_files was asked for."""
        path = self.cached_file(isrc)
        entry = self._index.setdefault(isrc, {"status": "found", "at": self.clock()})
        entry["hash"] = digest
        if path is not None and not self.keep_files:
            path.unlink(missing_ok=True)

    def forget(self, isrc: str, reason: str) -> None:
        """Mark a preview as unusable (e.g. it could not be analysed) and delete its file."""
        path = self.cached_file(isrc)
        if path is not None:
            path.unlink(missing_ok=True)
        self._remember(isrc, "rejected", reason)

    # --- network ---------------------------------------------------------------------------------

    def _http(self) -> Any:
        if self._client is None:
            import httpx

            self._client = httpx.Client(
                timeout=TIMEOUT_S, follow_redirects=False,
                headers={"User-Agent": f"desktoprec/{__version__} (desktop music recommender)"})
        return self._client

    def close(self) -> None:
        if self._client is not None:
            self._client.close()
            self._client = None

    def _wait_turn(self) -> None:
        wait = self._last_request + self.min_interval_s - time.monotonic()
        if wait > 0:
            self.sleep(wait)
        self._last_request = time.monotonic()
        self.requests_made += 1

    def _allowed_download_url(self, url: str) -> bool:
        try:
            parts = urlsplit(url)
            host = (parts.hostname or "").lower()
        except ValueError:
            return False
        if not host or parts.username or parts.password:
            return False
        if parts.scheme == "http":
            return self._base_is_loopback and is_loopback_host(host)
        if parts.scheme != "https":
            return False
        if self._base_is_deezer:
            return host.endswith(DEEZER_HOST_SUFFIXES) or host == "deezer.com"
        return True

    def _get(self, url: str, limit: int, what: str) -> tuple[int, bytes, str]:
        """(status, body, final url) of a GET, redirects checked hop by hop; body capped at limit."""
        import httpx

        for _ in range(MAX_REDIRECTS + 1):
            self._wait_turn()
            guard = RequestDeadline(default_deadline(), None, "The preview service")
            try:
                with guard, self._http().stream("GET", url,
                                            extensions={"trace": guard.trace}) as response:
                    status = response.status_code
                    if status in (301, 302, 303, 307, 308) and response.headers.get("location"):
                        url = urljoin(url, response.headers["location"])
                        if not self._allowed_download_url(url):
                            raise RejectedAnswer(f"{what} redirected to an address that is not "
                                                 "https or not the service's own")
                        continue
                    if status == 429 or status >= 500:
                        raise ServiceUnavailable(f"the preview service answered {status}")
                    declared = response.headers.get("content-length", "")
                    if declared.isdigit() and int(declared) > limit:
                        raise RejectedAnswer(f"{what} is too large ({declared} bytes, the limit "
                                             f"is {limit})")
                    body = bytearray()
                    for chunk in guard.iter_bytes(response):
                        body += chunk
                        if len(body) > limit:
                            raise RejectedAnswer(f"{what} is too large (over {limit} bytes)")
                    return status, bytes(body), url
            except DeadlineExceeded as exc:
                raise ServiceUnavailable(exc.message) from exc
            except httpx.HTTPError as exc:
                if guard.expired:
                    raise ServiceUnavailable("the preview service did not finish answering in "
                                             "time") from exc
                raise ServiceUnavailable(f"the preview service could not be reached "
                                         f"({type(exc).__name__})") from exc
        raise RejectedAnswer(f"{what} redirected too many times")

    def _lookup(self, isrc: str) -> str | None:
        """The preview URL for an ISRC, None when the service has no preview for it."""
        from desktoprec import netjson

        status, body, _ = self._get(f"{self.base_url}/track/isrc:{isrc}", MAX_JSON_BYTES,
                                    "the lookup answer")
        if status == 404:
            return None
        if status != 200:
            raise RejectedAnswer(f"the lookup answered {status}")
        try:
            answer = netjson.loads_object(body, source="the preview service",
                                          max_bytes=MAX_JSON_BYTES)
        except MalformedResponse as exc:
            raise RejectedAnswer(str(exc)) from exc
        error = answer.get("error")
        if error is not None:
            code = error.get("code") if isinstance(error, dict) else None
            if code in _BUSY_ERROR_CODES:
                raise ServiceUnavailable(f"the preview service is busy (error {code})")
            return None  # 800 "no data" and the like: not found
        preview = answer.get("preview")
        if preview in (None, ""):
            return None  # the track exists but has no preview
        if not isinstance(preview, str) or len(preview) > 2000:
            raise RejectedAnswer("the lookup answer's preview is not an address")
        if not self._allowed_download_url(preview):
            raise RejectedAnswer("the preview address is not https (or not the service's own)")
        return preview

    def _download(self, isrc: str, url: str) -> Path:
        status, body, _ = self._get(url, MAX_AUDIO_BYTES, "the preview file")
        if status != 200:
            raise RejectedAnswer(f"the preview download answered {status}")
        suffix = audio_suffix(body[:16])
        if suffix is None:
            raise RejectedAnswer("the preview file is not audio")
        self.cache_dir.mkdir(parents=True, exist_ok=True)
        target = self.cache_dir / f"{isrc}{suffix}"
        write_atomically(target, body)
        return target

    def fetch(self, isrc: str) -> Path | None:
        """The preview file for one ISRC: from the cache, else looked up and downloaded.

        Returns None when there is none (or the answer was unusable, logged with the reason) or
        the budget is spent; raises ServiceUnavailable when the service cannot be used now.
        """
        isrc = isrc.strip().upper()
        if not _ISRC.match(isrc):
            return None
        cached = self.cached_file(isrc)
        if cached is not None:
            return cached
        if not self._should_ask(isrc) or self.requests_made + 2 > self.budget:
            return None
        try:
            url = self._lookup(isrc)
            if url is None:
                self._remember(isrc, "not_found")
                return None
            path = self._download(isrc, url)
        except RejectedAnswer as exc:
            log.info("no preview sound for %s: %s", isrc, exc)
            self._remember(isrc, "rejected", str(exc))
            return None
        self._remember(isrc, "found", file=path.name)
        return path


def fill_preview_sound(db: Any, source: PreviewSource, *, progress: Progress | None = None,
                       cancel: threading.Event | None = None,
                       workers: int | None = None) -> int:
    """Give tracks whose `track_sound` source is "none" and that have an ISRC a preview's sound.

    Returns how many tracks the preview source served. A preview analysed by this analyzer version
    needs neither its file nor the network again: analyses are kept by content hash (in the same
    table as own files' analyses) and the index remembers each ISRC's hash.
    """
    from desktoprec.features.dsp import ANALYZER_VERSION
    from desktoprec.features.sources import sound_from_analysis, sound_vector
    from desktoprec.storage.tables import AnalysisRow, TrackRow, TrackSoundRow

    with db.read() as session:
        candidates: Sequence[tuple[str, str]] = session.execute(
            select(TrackRow.id, TrackRow.isrc)
            .join(TrackSoundRow, TrackSoundRow.track_id == TrackRow.id)
            .where(TrackSoundRow.source == "none", TrackRow.isrc.is_not(None),
                   TrackRow.isrc != "")
            .order_by(TrackRow.id)).all()
    isrcs = {raw.strip().upper() for _, raw in candidates}
    known = {isrc: digest for isrc in isrcs if (digest := source.analysed_hash(isrc))}
    descriptors: dict[str, dict[str, Any]] = {}  # content hash -> analysis
    if known:
        with db.read() as session:
            for row in session.scalars(select(AnalysisRow).where(
                    AnalysisRow.content_hash.in_(set(known.values())),
                    AnalysisRow.analyzer_version == ANALYZER_VERSION, AnalysisRow.ok.is_(True))):
                if row.descriptors:
                    descriptors[row.content_hash] = row.descriptors
    digest_of = {isrc: digest for isrc, digest in known.items() if digest in descriptors}
    files: dict[str, Path] = {}  # isrc -> a newly fetched (or left over) preview file
    total = len(candidates)
    try:
        for done, (_, raw_isrc) in enumerate(candidates, start=1):
            if cancel is not None and cancel.is_set():
                raise Cancelled()
            isrc = raw_isrc.strip().upper()
            if isrc not in digest_of and isrc not in files:
                path = source.cached_file(isrc)
                if path is None and source.stopped is None:
                    try:
                        path = source.fetch(isrc)
                    except ServiceUnavailable as exc:
                        source.stopped = str(exc)
                        log.warning("previews: %s; the preview step stops for this refresh", exc)
                if path is not None:
                    files[isrc] = path
            if progress:
                progress("previews", done, total)
        digest_of.update(_analyse_files(db, source, files, descriptors, workers, progress, cancel))
    finally:
        source.save()
        source.close()

    served = 0
    now = datetime.now(UTC).replace(tzinfo=None)
    with db.write() as session:
        for track_id, raw_isrc in candidates:
            digest = digest_of.get(raw_isrc.strip().upper())
            sound = sound_from_analysis(descriptors.get(digest, {})) if digest else {}
            if not sound:
                continue
            session.execute(update(TrackSoundRow).where(TrackSoundRow.track_id == track_id).values(
                source="preview", descriptors=sound, vector=sound_vector(sound).tobytes(),
                updated_at=now))
            served += 1
    return served


def _analyse_files(db: Any, source: PreviewSource, files: dict[str, Path],
                   descriptors: dict[str, dict[str, Any]], workers: int | None,
                   progress: Progress | None, cancel: threading.Event | None) -> dict[str, str]:
    """Analyse new preview files in worker processes; returns isrc -> content hash of the usable.

    Fills `descriptors` (content hash -> analysis); an unusable preview is forgotten with its reason.
    """
    from desktoprec.features.dsp import ANALYZER_VERSION
    from desktoprec.features.pool import analyze_many
    from desktoprec.library.scan import content_hash
    from desktoprec.storage.tables import AnalysisRow

    if not files:
        return {}
    hashes = {isrc: content_hash(path) for isrc, path in files.items()}
    errors: dict[str, str] = {}
    with db.read() as session:
        for row in session.scalars(select(AnalysisRow).where(
                AnalysisRow.content_hash.in_(set(hashes.values())),
                AnalysisRow.analyzer_version == ANALYZER_VERSION)):
            if row.ok and row.descriptors:
                descriptors[row.content_hash] = row.descriptors
            else:
                errors[row.content_hash] = row.error or "could not be analysed"
    jobs = list({digest: (digest, str(files[isrc])) for isrc, digest in hashes.items()
                 if digest not in descriptors and digest not in errors}.values())
    if jobs:
        results: list[Any] = []
        try:
            analyze_many(jobs, results.append, workers=workers, cancel=cancel,
                         progress=(lambda _p, d, t: progress("analyze previews", d, t))
                         if progress else None)
        finally:
            _store_analyses(db, results, datetime.now(UTC).replace(tzinfo=None), descriptors,
                            errors)
    usable: dict[str, str] = {}
    for isrc, digest in hashes.items():
        if digest in descriptors:
            source.analysed(isrc, digest)
            usable[isrc] = digest
        elif digest in errors:
            log.info("no preview sound for %s: the preview %s", isrc, errors[digest])
            source.forget(isrc, f"the preview {errors[digest]}")
    return usable


def _store_analyses(db: Any, results: Sequence[Any], now: datetime,
                    descriptors: dict[str, dict[str, Any]], errors: dict[str, str]) -> None:
    """Save pool results as analyses (by content hash) and sort them into descriptors / errors."""
    from desktoprec.features.dsp import ANALYZER_VERSION
    from desktoprec.storage.tables import AnalysisRow

    if not results:
        return
    with db.write() as session:
        for result in results:
            session.merge(AnalysisRow(
                content_hash=result.key, analyzer_version=ANALYZER_VERSION, ok=result.ok,
                error=result.error, descriptors=result.descriptors, analyzed_at=now))
            if result.ok and result.descriptors:
                descriptors[result.key] = result.descriptors
            else:
                errors[result.key] = result.error or "could not be analysed"
