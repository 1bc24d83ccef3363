"""Spotify references in one place: `spotify:KIND:ID` URIs and open.spotify.com links."""

from __future__ import annotations

import re

KINDS = ("track", "album", "artist", "playlist", "episode", "show", "user")
_LINK = re.compile(r"^https?://open\.spotify\.com/(?:intl-[a-z]{2}(?:-[a-z]{2})?/)?"
                   r"(" + "|".join(KINDS) + r")/([^/?#\s]+)(?:[/?#].*)?$")
_URI = re.compile(r"^spotify:(" + "|".join(KINDS) + r"):([^:/?#\s]+)$")


def parse(ref: str) -> tuple[str, str] | None:
    """(kind, id) of a URI or an open.spotify.com link; None for anything else (ids, local:)."""
    text = ref.strip()
    match = _URI.match(text) or _LINK.match(text)
    return (match[1], match[2]) if match else None


def spotify_id(ref: str, kind: str | None = None) -> str:
    """The id in a URI or link (of `kind`, when given); any other text comes back stripped."""
    parsed = parse(ref)
    if parsed is not None and (kind is None or parsed[0] == kind):
        return parsed[1]
    return ref.strip()


def uri(kind: str, spotify_id_: str) -> str:
    return f"spotify:{kind}:{spotify_id_}"


def web_url(ref: str) -> str:
    """`spotify:track:ID` → `https://open.spotify.com/track/ID`; other text is returned as is."""
    parsed = parse(ref)
    return f"https://open.spotify.com/{parsed[0]}/{parsed[1]}" if parsed else ref
