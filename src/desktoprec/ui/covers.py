"""Cover art on disk: fetch an image URL once, keep it in the covers cache (no Qt here)."""

from __future__ import annotations

import hashlib
import logging
from pathlib import Path
from urllib.parse import urlsplit

import httpx

from desktoprec.atomicfile import write_atomically
from desktoprec.errors import DesktopRecError
from desktoprec.httpdeadline import RequestDeadline, default_deadline

log = logging.getLogger(__name__)

MAX_COVER_BYTES = 2_000_000


def cover_path(covers_dir: Path, url: str) -> Path:
    return covers_dir / (hashlib.sha1(url.encode("utf-8")).hexdigest() + ".img")


def cached_cover(covers_dir: Path, url: str | None) -> Path | None:
    if not url:
        return None
    path = cover_path(covers_dir, url)
    return path if path.exists() and path.stat().st_size > 0 else None


MAX_COVER_REDIRECTS = 3
COVER_DEADLINE_S = 30.0


def redirect_allowed(current: str, target: str) -> bool:
    """A cover redirect is followed only to https on the same host (and port)."""
    here, there = urlsplit(current), urlsplit(target)
    return (there.scheme == "https" and bool(there.hostname)
            and there.hostname == here.hostname and there.port == here.port
            and not there.username and not there.password)


def fetch_cover(covers_dir: Path, url: str, *, timeout: float = 10.0,
                deadline: float | None = None) -> Path | None:
    """Download `url` into the cache (atomically) unless it is there; None when it cannot be had.

    Streamed with a 2 MB cap and a total deadline; a redirect is followed only to https on the
    same host (never to another host, never down to http)."""
    cached = cached_cover(covers_dir, url)
    if cached is not None:
        return cached
    if not url.startswith(("http://", "https://")):
        return None
    target = cover_path(covers_dir, url)
    seconds = deadline if deadline is not None else default_deadline(COVER_DEADLINE_S)
    try:
        with RequestDeadline(seconds, None, "The cover server") as guard, \
                httpx.Client(timeout=timeout, follow_redirects=False) as client:
            current = url
            for _hop in range(MAX_COVER_REDIRECTS + 1):
                with client.stream("GET", current, extensions={"trace": guard.trace}) as response:
                    if response.is_redirect:
                        location = str(response.next_request.url) if response.next_request \
                            else ""
                        if not location or not redirect_allowed(current, location):
                            log.info("cover %s not fetched: a redirect to %s is not followed",
                                     url, location[:200])
                            return None
                        current = location
                        continue
                    if response.status_code != 200:
                        log.info("cover %s not fetched: HTTP %s", url, response.status_code)
                        return None
                    # Capped: a hostile server's endless "image" must not fill the memory.
                    content = bytearray()
                    for chunk in guard.iter_bytes(response):
                        content += chunk
                        if len(content) > MAX_COVER_BYTES:
                            log.info("cover %s not fetched: larger than %d bytes", url,
                                     MAX_COVER_BYTES)
                            return None
                    break
            else:
                log.info("cover %s not fetched: too many redirects", url)
                return None
        covers_dir.mkdir(parents=True, exist_ok=True)
        write_atomically(target, bytes(content))
        return target
    except (httpx.HTTPError, OSError, DesktopRecError) as exc:
        log.info("cover %s not fetched: %s", url, exc)
        return None
