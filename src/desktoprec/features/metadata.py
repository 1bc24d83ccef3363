"""Genres from a public metadata service (MusicBrainz tags and genres by ISRC), opt-in and polite.

The app's workflow now asks MusicBrainz in the enrich step (catalogs/musicbrainz.py, with the
artist MBIDs ListenBrainz needs); this older lookup is kept for its callers and tests only.

Only used when the `metadata_service_enabled` setting is on (off by default), only for tracks that
have an ISRC and no Spotify or file-tag genres. At most one request per second, a budget of
requests per refresh, and every answer (hits and misses) cached on disk so a recording is asked
about once. The service is musicbrainz.org unless DESKTOPREC_MUSICBRAINZ_URL points elsewhere
(the tests use a local server).
"""

from __future__ import annotations

import json
import logging
import os
import re
import threading
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from desktoprec import __version__
from desktoprec.atomicfile import write_atomically
from desktoprec.httpdeadline import DeadlineExceeded, RequestDeadline, default_deadline

log = logging.getLogger(__name__)

DEFAULT_URL = "https://musicbrainz.org"
URL_ENV = "DESKTOPREC_MUSICBRAINZ_URL"
MIN_INTERVAL_S = 1.0
MAX_RESPONSE_BYTES = 512 * 1024
DEFAULT_BUDGET = 60
_ISRC = re.compile(r"^[A-Z]{2}[A-Z0-9]{3}\d{7}$")


def service_url() -> str:
    return (os.environ.get(URL_ENV) or DEFAULT_URL).rstrip("/")


class MetadataGenres:
    """Looks up genres by ISRC, rate-limited, with an on-disk cache {isrc: [genres]}."""

    def __init__(self, cache_file: Path, *, base_url: str | None = None,
                 min_interval_s: float = MIN_INTERVAL_S,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        self.cache_file = cache_file
        self.base_url = (base_url or service_url()).rstrip("/")
        self.min_interval_s = min_interval_s
        self.sleep = sleep
        self.requests_made = 0
        self._last_request = 0.0
        self._cache: dict[str, list[str]] = self._load()

    def _load(self) -> dict[str, list[str]]:
        try:
            data = json.loads(self.cache_file.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}
        if not isinstance(data, dict):
            return {}
        return {k: [str(g) for g in v if isinstance(g, str)][:10]
                for k, v in data.items() if isinstance(k, str) and isinstance(v, list)}

    def save(self) -> None:
        self.cache_file.parent.mkdir(parents=True, exist_ok=True)
        write_atomically(self.cache_file, json.dumps(self._cache).encode("utf-8"))

    def cached(self, isrc: str) -> list[str] | None:
        return self._cache.get(isrc)

    def lookup(self, isrc: str) -> list[str]:
        """Genres for one recording (cached; [] when unknown or on any error)."""
        isrc = isrc.strip().upper()
        if not _ISRC.match(isrc):
            return []
        if isrc in self._cache:
            return self._cache[isrc]
        wait = self._last_request + self.min_interval_s - time.monotonic()
        if wait > 0:
            self.sleep(wait)
        self._last_request = time.monotonic()
        self.requests_made += 1
        genres = self._fetch(isrc)
        if genres is not None:
            self._cache[isrc] = genres
        return genres or []

    def _fetch(self, isrc: str) -> list[str] | None:
        """None on network trouble (asked again next time), [] when the service knows nothing."""
        import httpx

        url = f"{self.base_url}/ws/2/isrc/{isrc}"
        headers = {"User-Agent": f"desktoprec/{__version__} (desktop music recommender)",
                   "Accept": "application/json"}
        try:
            with RequestDeadline(default_deadline(60.0), None, "The metadata service") as guard, \
                    httpx.Client(timeout=10.0, follow_redirects=False) as client, client.stream(
                    "GET", url, params={"inc": "tags genres", "fmt": "json"},
                    headers=headers, extensions={"trace": guard.trace}) as response:
                if response.status_code == 404:
                    return []
                if response.status_code != 200:
                    log.info("metadata service answered %s for %s", response.status_code, isrc)
                    return None
                body = b""
                for chunk in guard.iter_bytes(response):
                    body += chunk
                    if len(body) > MAX_RESPONSE_BYTES:
                        log.info("metadata answer for %s too large; ignored", isrc)
                        return []
            return parse_genres(json.loads(body))
        except (httpx.HTTPError, ValueError, DeadlineExceeded) as exc:
            log.info("metadata service lookup failed for %s: %s", isrc, exc)
            return None


def parse_genres(data: Any, limit: int = 5) -> list[str]:
    """Genre names from a MusicBrainz ISRC answer, most-voted first (tags used when no genres)."""
    from desktoprec.catalogs.musicbrainz import parse_isrc_answer  # the one parser of the answer

    genres: list[str] = parse_isrc_answer(data, limit)["genres"]
    return genres


def lookup_many(service: MetadataGenres, isrcs: Iterable[tuple[str, str]], *,
                budget: int = DEFAULT_BUDGET, cancel: threading.Event | None = None
                ) -> dict[str, list[str]]:
    """track id -> genres for (track id, ISRC) pairs; network requests stop at the budget."""
    found: dict[str, list[str]] = {}
    try:
        for track_id, isrc in isrcs:
            if cancel is not None and cancel.is_set():
                break
            cached = service.cached(isrc.upper())
            if cached is None and service.requests_made >= budget:
                continue
            genres = cached if cached is not None else service.lookup(isrc)
            if genres:
                found[track_id] = genres
    finally:
        service.save()
    return found
