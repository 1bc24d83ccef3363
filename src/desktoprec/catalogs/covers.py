"""Cover art on disk: download an album image once (https, capped), keep it in the covers cache.

No Qt here: the window decodes the cached file (ui/covers.py) and falls back to its generated
cover whenever this gives None. Downloads go through the catalogue sources' polite fetcher
(catalogs/http.py: a total deadline, a size limit, redirects followed by hand), and only to
https: plain http is refused before anything is sent, except on this machine (the tests' and the
emulators' servers). A redirect is followed only to https on the same host and port. What is
stored must at least begin like an image (PNG, JPEG, GIF or WebP); anything else never reaches
the cache, so a hostile answer costs one log line.
"""

from __future__ import annotations

import hashlib
import logging
from pathlib import Path
from urllib.parse import urlsplit

from desktoprec.atomicfile import write_atomically
from desktoprec.catalogs.http import BadAnswer, BudgetSpent, Fetcher, Limits, SourceDown
from desktoprec.catalogs.urls import is_https, is_loopback_http

log = logging.getLogger(__name__)

MAX_COVER_BYTES = 2_000_000
MAX_COVER_REDIRECTS = 3
COVER_DEADLINE_S = 30.0
# one request and its redirects; no retries (a cover is not worth waiting for)
COVER_LIMITS = Limits(requests=MAX_COVER_REDIRECTS + 1, window_s=1.0,
                      budget=MAX_COVER_REDIRECTS + 1, retries=0)
_IMAGE_STARTS = (b"\x89PNG\r\n\x1a\n", b"\xff\xd8", b"GIF87a", b"GIF89a")


def looks_like_image(data: bytes) -> bool:
    """Does `data` begin like a PNG, JPEG, GIF or WebP file? (The decoder has the last word.)"""
    return data.startswith(_IMAGE_STARTS) or (data[:4] == b"RIFF" and data[8:12] == b"WEBP")


def cover_path(covers_dir: Path, url: str) -> Path:
    """Where `url`'s image is kept: a name from its hash, never from the address itself."""
    return covers_dir / (hashlib.sha1(url.encode("utf-8", "replace")).hexdigest() + ".img")


def cached_cover(covers_dir: Path, url: str | None) -> Path | None:
    """The cached image of `url`, or None (none there, empty, or not an image)."""
    if not url:
        return None
    path = cover_path(covers_dir, url)
    try:
        with path.open("rb") as handle:
            start = handle.read(16)
    except OSError:
        return None
    return path if looks_like_image(start) else None


def cover_url_allowed(url: str) -> bool:
    """https, or http on this machine; never with a user name or password in the address."""
    return is_https(url) or is_loopback_http(url)


def redirect_allowed(current: str, target: str) -> bool:
    """A cover redirect is followed only to https on the same host (and port)."""
    here, there = urlsplit(current), urlsplit(target)
    return (there.scheme == "https" and bool(there.hostname)
            and there.hostname == here.hostname and there.port == here.port
            and not there.username and not there.password)


class _CoverFetcher(Fetcher):
    """The polite fetcher for one cover: its own address, then same-host https redirects."""

    def __init__(self, url: str, deadline_s: float) -> None:
        super().__init__("the cover server", url, COVER_LIMITS, deadline_s=deadline_s,
                         accept="image/*")
        self.first = url

    def url_allowed(self, url: str) -> bool:
        if url == self.first:
            return cover_url_allowed(url)
        return redirect_allowed(self.first, url)


def fetch_cover(covers_dir: Path, url: str, *, deadline: float | None = None) -> Path | None:
    """The cached image of `url`, downloading it first when it is not there; None when it cannot
    be had (not https, unreachable, not 200, over 2 MB, not an image, the disk refused it)."""
    cached = cached_cover(covers_dir, url)
    if cached is not None:
        return cached
    if not cover_url_allowed(url):
        log.info("cover %s not fetched: only https addresses are used", url[:200])
        return None
    fetcher = _CoverFetcher(url, deadline if deadline is not None else COVER_DEADLINE_S)
    try:
        answer = fetcher.get(url, limit=MAX_COVER_BYTES, what="the cover")
    except (SourceDown, BudgetSpent, BadAnswer) as exc:
        log.info("cover %s not fetched: %s", url[:200], exc)
        return None
    finally:
        fetcher.close()
    if answer.status != 200:
        log.info("cover %s not fetched: HTTP %s", url[:200], answer.status)
        return None
    if not looks_like_image(answer.body):
        log.info("cover %s not stored: the answer is not an image", url[:200])
        return None
    target = cover_path(covers_dir, url)
    try:
        covers_dir.mkdir(parents=True, exist_ok=True)
        write_atomically(target, answer.body)
    except OSError as exc:
        log.info("cover %s not stored: %s", url[:200], exc)
        return None
    return target
