"""Cover art on disk: fetch an image URL once, keep it in the covers cache (no Qt here)."""

from __future__ import annotations

import hashlib
import logging
import os
from pathlib import Path

import httpx

log = logging.getLogger(__name__)

MAX_COVER_BYTES = 2_000_000


def cover_path(covers_dir: Path, url: str) -> Path:
    return covers_dir / (hashlib.sha1(url.encode("utf-8")).hexdigest() + ".img")


def cached_cover(covers_dir: Path, url: str | None) -> Path | None:
    if not url:
        return None
    path = cover_path(covers_dir, url)
    return path if path.exists() and path.stat().st_size > 0 else None


def fetch_cover(covers_dir: Path, url: str, *, timeout: float = 10.0) -> Path | None:
    """Download `url` into the cache (atomically) unless it is there; None when it cannot be had."""
    cached = cached_cover(covers_dir, url)
    if cached is not None:
        return cached
    if not url.startswith(("http://", "https://")):
        return None
    target = cover_path(covers_dir, url)
    try:
        # Streamed with a cap: a hostile server's endless "image" must not fill the memory.
        content = bytearray()
        with httpx.Client(timeout=timeout, follow_redirects=True) as client, \
                client.stream("GET", url) as response:
            if response.status_code != 200:
                log.info("cover %s not fetched: HTTP %s", url, response.status_code)
                return None
            for chunk in response.iter_bytes():
                content += chunk
                if len(content) > MAX_COVER_BYTES:
                    log.info("cover %s not fetched: larger than %d bytes", url, MAX_COVER_BYTES)
                    return None
        covers_dir.mkdir(parents=True, exist_ok=True)
        tmp = target.with_suffix(f".tmp{os.getpid()}")
        tmp.write_bytes(bytes(content))
        os.replace(tmp, target)
        return target
    except (httpx.HTTPError, OSError) as exc:
        log.info("cover %s not fetched: %s", url, exc)
        return None
