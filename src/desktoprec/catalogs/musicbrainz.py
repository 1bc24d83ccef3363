"""MusicBrainz by ISRC: genres and tags of the recording, and its artists' MBIDs.

`GET /ws/2/isrc/{ISRC}?inc=artist-credits+genres+tags&fmt=json`, at most one request a second
with a User-Agent naming the app, its version and a contact URL (MusicBrainz's rule). 404 is "no
recording with this ISRC"; 503 is MusicBrainz's rate limiting (the fetcher waits and retries,
then gives the source up for the run).
"""

from __future__ import annotations

import re
from typing import Any

from desktoprec.catalogs.http import BadAnswer, Fetcher, Limits

LIMITS = Limits(requests=1, window_s=1.05, budget=900)
_MBID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")


def parse_isrc_answer(data: Any, limit: int = 5) -> dict[str, Any]:
    """{"genres": [...most voted first], "artists": [{"mbid", "name"}]} of an ISRC answer."""
    votes: dict[str, int] = {}
    artists: list[dict[str, str]] = []
    recordings = data.get("recordings") if isinstance(data, dict) else None
    for recording in recordings if isinstance(recordings, list) else []:
        if not isinstance(recording, dict):
            continue
        for field in ("genres", "tags"):
            entries = recording.get(field)
            for entry in entries if isinstance(entries, list) else []:
                if not isinstance(entry, dict) or not isinstance(entry.get("name"), str):
                    continue
                name = " ".join(entry["name"].split()).lower()[:60]
                count = entry.get("count")
                weight = count if isinstance(count, int) and 0 < count < 10**6 else 1
                if name and not name.isdigit():
                    votes[name] = votes.get(name, 0) + weight * (2 if field == "genres" else 1)
        credits = recording.get("artist-credit")
        for credit in credits if isinstance(credits, list) else []:
            artist = credit.get("artist") if isinstance(credit, dict) else None
            mbid = artist.get("id") if isinstance(artist, dict) else None
            if isinstance(artist, dict) and isinstance(mbid, str) and _MBID.match(mbid) and all(
                    a["mbid"] != mbid for a in artists):
                raw = artist.get("name")
                name = raw if isinstance(raw, str) else ""
                artists.append({"mbid": mbid, "name": " ".join(name.split())[:200]})
    genres = [n for n, _ in sorted(votes.items(), key=lambda kv: (-kv[1], kv[0]))][:limit]
    return {"genres": genres, "artists": artists[:10]}


class MusicBrainzClient:
    service = "musicbrainz"

    def __init__(self, fetcher: Fetcher) -> None:
        self.fetcher = fetcher

    def by_isrc(self, isrc: str) -> dict[str, Any] | None:
        """Genres and artists for an ISRC; None when MusicBrainz has no such recording."""
        status, data = self.fetcher.get_json(
            f"/ws/2/isrc/{isrc}?inc=artist-credits+genres+tags&fmt=json")
        if status in (404, 400):
            return None
        if status != 200 or not isinstance(data, dict):
            raise BadAnswer(f"MusicBrainz answered {status}")
        return parse_isrc_answer(data)
