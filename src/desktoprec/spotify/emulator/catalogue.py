"""The catalogue routes: tracks, artists, albums and search, and the endpoints closed to
Development-Mode apps in 2026.
"""

from __future__ import annotations

import re
from typing import Any

from desktoprec.spotify.emulator.request import (
    ID_RE,
    ApiError,
    ApiRequest,
    RouteTable,
)

routes = RouteTable()
routes.close(403, f"/artists/{ID_RE}/top-tracks", verb="GET")
routes.close(404, f"/artists/{ID_RE}/related-artists", verb="GET")
routes.close(403, "/audio-features(?:/.*)?", "/audio-analysis(?:/.*)?", "/browse(?:/.*)?",
             "/markets", "/users/[^/]+(?:/playlists)?")
routes.close(404, "/recommendations(?:/.*)?")


def _simplified_track(track: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in track.items() if k not in ("album", "external_ids")}


@routes.add("GET", f"/tracks/{ID_RE}")
def get_track(api: ApiRequest, track_id: str) -> Any:
    return api.track(track_id)


@routes.add("GET", f"/artists/{ID_RE}")
def get_artist(api: ApiRequest, artist_id: str) -> Any:
    artist = api.account.artists.get(artist_id)
    if artist is None:
        raise ApiError(404, "Resource not found")
    return artist


@routes.add("GET", f"/albums/{ID_RE}")
def get_album(api: ApiRequest, album_id: str) -> Any:
    album = api.account.albums.get(album_id)
    if album is None:
        raise ApiError(404, "Resource not found")
    ids = api.account.album_track_ids(album_id)
    tracks = [_simplified_track(api.account.tracks[t]) for t in ids[:50]]
    return {**album, "copyrights": [], "tracks": api.paging(
        f"/albums/{album_id}/tracks", tracks, len(ids), 0, 50)}


@routes.add("GET", f"/albums/{ID_RE}/tracks")
def album_tracks(api: ApiRequest, album_id: str) -> Any:
    if album_id not in api.account.albums:
        raise ApiError(404, "Resource not found")
    limit, offset = api.limit(), api.offset()
    ids = api.account.album_track_ids(album_id)
    items = [_simplified_track(api.account.tracks[t]) for t in ids[offset:offset + limit]]
    return api.paging(f"/albums/{album_id}/tracks", items, len(ids), offset, limit)


@routes.add("GET", f"/artists/{ID_RE}/albums")
def artist_albums(api: ApiRequest, artist_id: str) -> Any:
    if artist_id not in api.account.artists:
        raise ApiError(404, "Resource not found")
    limit, offset = api.limit(default=5, maximum=10), api.offset()  # since 2026-02
    ids = api.account.artist_album_ids(artist_id)
    groups = api.query.get("include_groups")
    albums = [api.account.albums[a] for a in ids]
    if groups:
        wanted = set(groups.split(","))
        albums = [a for a in albums if a.get("album_type") in wanted
                  or ("single" in wanted and a.get("album_type") == "ep")]
    return api.paging(f"/artists/{artist_id}/albums", albums[offset:offset + limit],
                       len(albums), offset, limit)


@routes.add("GET", "/search")
def search(api: ApiRequest) -> Any:
    query = api.query.get("q", "").strip()
    types = [t for t in api.query.get("type", "").split(",") if t]
    if not query:
        raise ApiError(400, "No search query")
    if not types or any(t not in ("track", "artist", "album", "playlist") for t in types):
        raise ApiError(400, "Missing or bad parameter type")
    limit = api.limit(default=10, maximum=10)
    offset = api.offset()
    filters: dict[str, str] = {}
    words: list[str] = []
    for token in re.findall(r'(\w+:"[^"]*"|\w+:\S+|"[^"]*"|\S+)', query):
        key, colon, value = token.partition(":")
        if colon and key.lower() in ("isrc", "artist", "track", "album", "year", "genre"):
            filters[key.lower()] = value.strip('"').lower()
        else:
            words.append(token.strip('"').lower())
    answer: dict[str, Any] = {}
    for kind in types:
        found = _search_kind(api, kind, filters, words)
        answer[f"{kind}s"] = api.paging("/search", found[offset:offset + limit],
                                         len(found), offset, limit)
    return answer


def _search_kind(api: ApiRequest, kind: str, filters: dict[str, str], words: list[str]) -> list[Any]:
    def has_words(text: str) -> bool:
        low = text.lower()
        return all(w in low for w in words)

    if kind == "track":
        out = []
        for track in api.account.tracks.values():
            artists = " ".join(a.get("name", "") for a in track.get("artists", []))
            if "isrc" in filters and (track.get("external_ids") or {}).get(
                    "isrc", "").lower() != filters["isrc"]:
                continue
            if "artist" in filters and filters["artist"] not in artists.lower():
                continue
            if "track" in filters and filters["track"] not in track["name"].lower():
                continue
            if "album" in filters and filters["album"] not in (
                    track.get("album") or {}).get("name", "").lower():
                continue
            if words and not has_words(f"{track['name']} {artists}"):
                continue
            out.append(track)
        return out
    if kind == "artist":
        return [a for a in api.account.artists.values()
                if has_words(a.get("name", "")) and ("artist" not in filters or
                                                      filters["artist"] in a["name"].lower())]
    if kind == "album":
        return [a for a in api.account.albums.values() if has_words(a.get("name", ""))]
    return []


@routes.add("GET", "/(?:tracks|artists|albums)")
def batch(api: ApiRequest) -> Any:
    if "ids" in api.query:
        raise ApiError(403, "Forbidden")
    raise ApiError(404, "Service not found")

