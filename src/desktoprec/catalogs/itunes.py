"""The iTunes Search API: a second source of 30-second previews, found by artist and title.

`GET /search?term={artist title}&entity=song&limit=5`; a result is used only when its artist and
title match ours after the project's one normaliser (library/match.py) and its length is within
±3 s. `resultCount: 0` is an ordinary "not found". Apple asks for about 20 calls a minute.
"""

from __future__ import annotations

import logging
from typing import Any

from desktoprec.catalogs.http import BadAnswer, Fetcher, Limits

log = logging.getLogger(__name__)

LIMITS = Limits(requests=20, window_s=60.0, budget=300)
CDN_HOSTS = (".mzstatic.com", ".apple.com", ".itunes.apple.com")
DURATION_TOLERANCE_MS = 3000


def _text(value: Any) -> str:
    return " ".join(value.split())[:300] if isinstance(value, str) else ""


def best_match(results: list[Any], artist: str, title: str,
               duration_ms: int | None) -> dict[str, Any] | None:
    """The result that is this recording (artist, title, ±3 s), trimmed; None when none is."""
    from desktoprec.library.match import normalize_artist, normalize_title, split_artists

    want_title = normalize_title(title)
    want_artists = {normalize_artist(a) for a in split_artists(artist)} | {
        normalize_artist(artist)}
    for item in results:
        if not isinstance(item, dict):
            continue
        preview = item.get("previewUrl")
        if not isinstance(preview, str) or not preview.strip() or len(preview) > 2000:
            continue
        if normalize_title(_text(item.get("trackName"))) != want_title or not want_title:
            continue
        theirs = _text(item.get("artistName"))
        their_artists = {normalize_artist(a) for a in split_artists(theirs)} | {
            normalize_artist(theirs)}
        if not (want_artists & their_artists):
            continue
        length = item.get("trackTimeMillis")
        if duration_ms and isinstance(length, int) and not isinstance(length, bool):
            if abs(length - duration_ms) > DURATION_TOLERANCE_MS:
                continue
        elif duration_ms:
            continue  # no length to check: not sure enough it is the same recording
        return {"id": item.get("trackId") if isinstance(item.get("trackId"), int) else None,
                "preview": preview.strip(), "artist": theirs,
                "title": _text(item.get("trackName")),
                "genre": _text(item.get("primaryGenreName"))[:60]}
    return None


class ItunesClient:
    service = "itunes"

    def __init__(self, fetcher: Fetcher) -> None:
        self.fetcher = fetcher

    def find_song(self, artist: str, title: str, duration_ms: int | None) -> dict[str, Any] | None:
        term = f"{artist} {title}".strip()[:200]
        status, data = self.fetcher.get_json(
            "/search", {"term": term, "entity": "song", "limit": 5})
        if status == 404:
            return None
        if status != 200 or not isinstance(data, dict):
            raise BadAnswer(f"iTunes answered {status}")
        results = data.get("results")
        if not isinstance(results, list) or not results:
            return None  # resultCount 0
        return best_match(results, artist, title, duration_ms)
