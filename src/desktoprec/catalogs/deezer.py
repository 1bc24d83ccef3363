"""Deezer's public API (no key): track by ISRC, album genres, related artists, top tracks.

Deezer answers errors with HTTP 200 and `{"error": {"type", "message", "code"}}`: code 4 is the
quota (50 requests per 5 s: wait a window and ask again, a few times), 800 is "no data" (not
found: cached as such). Every answer is trimmed to the fields we use; missing or odd fields are
dropped, never trusted (`bpm` 0 means "unknown", `preview` may be an empty string).
"""

from __future__ import annotations

import logging
import math
from typing import Any

from desktoprec.catalogs.http import BadAnswer, Fetcher, Limits

log = logging.getLogger(__name__)

LIMITS = Limits(requests=50, window_s=5.0, budget=6000)
CDN_HOSTS = (".dzcdn.net", ".deezer.com")
QUOTA_CODES = {4, 700}  # 4: quota exceeded; 700: service busy
NOT_FOUND_CODES = {800, 801}
QUOTA_RETRIES = 3


class NotFound(Exception):
    """Deezer has no such object (error 800, or HTTP 404)."""


def _text(value: Any, limit: int = 300) -> str:
    return " ".join(value.split())[:limit] if isinstance(value, str) else ""


def _int(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, str) and value.isdigit():
        return int(value)
    return None


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        return None
    try:
        number = float(value)
    except ValueError:
        return None
    return number if math.isfinite(number) else None


def _ref(value: Any, name_key: str = "name") -> dict[str, Any] | None:
    if not isinstance(value, dict) or _int(value.get("id")) is None:
        return None
    return {"id": _int(value.get("id")), "name": _text(value.get(name_key))}


def trim_track(data: dict[str, Any]) -> dict[str, Any]:
    """The fields of a Deezer track we keep (absent ones left out)."""
    out: dict[str, Any] = {"id": _int(data.get("id")), "title": _text(data.get("title"))}
    isrc = data.get("isrc")
    if isinstance(isrc, str) and isrc.strip():
        out["isrc"] = isrc.strip().upper()[:12]
    duration = _number(data.get("duration"))
    if duration and 0 < duration < 24 * 3600:
        out["duration_s"] = duration
    preview = data.get("preview")
    out["preview"] = preview.strip() if isinstance(preview, str) and len(preview) < 2000 else ""
    bpm = _number(data.get("bpm"))
    if bpm and 20.0 <= bpm <= 300.0:  # Deezer's 0 means it has no tempo
        out["bpm"] = round(bpm, 2)
    gain = _number(data.get("gain"))
    if gain is not None and -60.0 <= gain <= 20.0:
        out["gain"] = gain
    rank = _int(data.get("rank"))
    if rank is not None:
        out["rank"] = rank
    artist = _ref(data.get("artist"))
    if artist:
        out["artist"] = artist
    album = _ref(data.get("album"), "title")
    if album:
        out["album"] = album
    return out


class DeezerClient:
    """Deezer calls; each returns trimmed values or raises NotFound / BadAnswer / SourceDown."""

    service = "deezer"

    def __init__(self, fetcher: Fetcher) -> None:
        self.fetcher = fetcher

    def _call(self, path: str, params: dict[str, Any] | None = None) -> dict[str, Any]:
        for attempt in range(QUOTA_RETRIES + 1):
            status, data = self.fetcher.get_json(path, params)
            if status == 404:
                raise NotFound(path)
            if status != 200:
                raise BadAnswer(f"Deezer answered {status}")
            if not isinstance(data, dict):
                raise BadAnswer("Deezer's answer was not an object")
            error = data.get("error")
            if error is None:
                return data
            code = _int(error.get("code")) if isinstance(error, dict) else None
            if code in NOT_FOUND_CODES:
                raise NotFound(path)
            if code in QUOTA_CODES:
                if attempt == QUOTA_RETRIES:
                    break
                log.info("deezer: quota reached (error %s); waiting %.0f s", code,
                         self.fetcher.limits.window_s)
                self.fetcher.sleep(self.fetcher.limits.window_s)
                continue
            raise BadAnswer(f"Deezer answered error {code}: "
                            f"{_text(error.get('message') if isinstance(error, dict) else '')}")
        self.fetcher.give_up("Deezer keeps answering 'quota exceeded'")
        raise AssertionError("unreachable")

    def track_by_isrc(self, isrc: str) -> dict[str, Any]:
        return self._track(self._call(f"/track/isrc:{isrc}"))

    def track(self, track_id: int) -> dict[str, Any]:
        return self._track(self._call(f"/track/{int(track_id)}"))

    @staticmethod
    def _track(data: dict[str, Any]) -> dict[str, Any]:
        track = trim_track(data)
        if track.get("id") is None:
            raise BadAnswer("Deezer's track has no id")
        return track

    def album_genres(self, album_id: int) -> list[str]:
        data = self._call(f"/album/{int(album_id)}")
        genres = data.get("genres")
        entries = genres.get("data") if isinstance(genres, dict) else None
        names = []
        for entry in entries if isinstance(entries, list) else []:
            name = _text(entry.get("name"), 60) if isinstance(entry, dict) else ""
            if name and name.lower() not in ("all", "") and name not in names:
                names.append(name)
        return names

    def _list(self, path: str, params: dict[str, Any] | None = None) -> list[dict[str, Any]]:
        data = self._call(path, params)
        items = data.get("data")
        return [i for i in items if isinstance(i, dict)] if isinstance(items, list) else []

    def related(self, artist_id: int, limit: int = 20) -> list[dict[str, Any]]:
        out = []
        for item in self._list(f"/artist/{int(artist_id)}/related", {"limit": limit}):
            ref = _ref(item)
            if ref and ref["name"]:
                out.append(ref)
        return out[:limit]

    def top(self, artist_id: int, limit: int = 5) -> list[dict[str, Any]]:
        tracks = [trim_track(t) for t in self._list(f"/artist/{int(artist_id)}/top",
                                                    {"limit": limit})]
        return [t for t in tracks if t.get("id") is not None][:limit]

    def search_artist(self, name: str) -> list[dict[str, Any]]:
        out = []
        for item in self._list("/search/artist", {"q": name[:200], "limit": 5}):
            ref = _ref(item)
            if ref and ref["name"]:
                out.append(ref)
        return out
