"""The listener's library routes: profile, saved tracks, top items, recently played, followed
artists and the 2026 /me/library.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from urllib.parse import urlencode

from desktoprec.spotify.emulator.request import ApiError, ApiRequest, Response, RouteTable

routes = RouteTable()


def _iso_to_ms(stamp: str) -> int:
    return int(datetime.fromisoformat(stamp).timestamp() * 1000)


@routes.add("GET", "/me")
def me(api: ApiRequest) -> Any:
    return api.account.profile()


@routes.add("GET", "/me/tracks")
def saved_tracks(api: ApiRequest) -> Any:
    api.need_scope("user-library-read")
    limit, offset = api.limit(), api.offset()
    rows = api.account.saved[offset: offset + limit]
    items = [{"added_at": added_at, "track": api.account.tracks[track_id]}
             for track_id, added_at in rows if track_id in api.account.tracks]
    return api.paging("/me/tracks", items, len(api.account.saved), offset, limit)


@routes.add("GET", "/me/top/(tracks|artists)")
def top(api: ApiRequest, kind: str) -> Any:
    api.need_scope("user-top-read")
    time_range = api.query.get("time_range", "medium_term")
    if time_range not in ("short_term", "medium_term", "long_term"):
        raise ApiError(400, "Invalid time range")
    limit, offset = api.limit(), api.offset()
    if kind == "tracks":
        ids = api.account.top_tracks.get(time_range, [])
        objects = [api.account.tracks[t] for t in ids if t in api.account.tracks]
    else:
        ids = api.account.top_artists.get(time_range, [])
        objects = [api.account.artists[a] for a in ids if a in api.account.artists]
    return api.paging(f"/me/top/{kind}", objects[offset:offset + limit], len(objects),
                       offset, limit)


@routes.add("GET", "/me/player/recently-played")
def recently_played(api: ApiRequest) -> Any:
    api.need_scope("user-read-recently-played")
    limit = api.limit()
    before = api.int_param("before", 0, 0, None, "Invalid before")
    after = api.int_param("after", 0, 0, None, "Invalid after")
    if before and after:
        raise ApiError(400, "Only one of before and after may be given")
    plays = api.account.recently_played[:50]  # Spotify keeps the 50 most recent
    stamped = [(_iso_to_ms(p.played_at), p) for p in plays]
    if before:
        stamped = [(ms, p) for ms, p in stamped if ms < before]
    elif after:
        stamped = [(ms, p) for ms, p in stamped if ms > after][-limit:]
    page = stamped[:limit]
    items = []
    for _, play in page:
        track = api.account.tracks.get(play.track_id)
        if track is None:
            continue
        context = None
        if play.context_uri:
            kind, _, item_id = play.context_uri.removeprefix("spotify:").partition(":")
            context = {"type": kind, "uri": play.context_uri,
                       "href": f"{api.base}/{kind}s/{item_id}",
                       "external_urls": {"spotify":
                                         f"https://open.spotify.com/{kind}/{item_id}"}}
        items.append({"track": track, "played_at": play.played_at, "context": context})
    cursors = ({"after": str(page[0][0]), "before": str(page[-1][0])} if page else None)
    more = bool(page) and len(stamped) > len(page)
    href = f"{api.base}/me/player/recently-played?{urlencode(api.query)}"
    next_url = (f"{api.base}/me/player/recently-played?"
                f"{urlencode({'before': page[-1][0], 'limit': limit})}" if more else None)
    return {"items": items, "next": next_url, "cursors": cursors, "limit": limit,
            "href": href}


@routes.add("GET", "/me/following")
def following(api: ApiRequest) -> Any:
    api.need_scope("user-follow-read")
    if api.query.get("type") != "artist":
        raise ApiError(400, "Only type=artist is supported")
    limit = api.limit()
    ids = api.account.followed_artists
    start = 0
    if api.query.get("after"):
        try:
            start = ids.index(api.query["after"]) + 1
        except ValueError:
            start = len(ids)
    page_ids = ids[start:start + limit]
    more = start + limit < len(ids)
    last = page_ids[-1] if page_ids else None
    next_url = (f"{api.base}/me/following?"
                f"{urlencode({'type': 'artist', 'after': last, 'limit': limit})}"
                if more and last else None)
    return {"artists": {
        "items": [api.account.artists[a] for a in page_ids if a in api.account.artists],
        "next": next_url, "total": len(ids), "cursors": {"after": last if more else None},
        "limit": limit, "href": f"{api.base}/me/following?{urlencode(api.query)}"}}


def library_change(api: ApiRequest, method: str) -> Any:
    api.need_scope("user-library-modify")
    uris = [u for u in api.query.get("uris", "").split(",") if u]
    if not uris or len(uris) > 40:
        raise ApiError(400, "Between 1 and 40 uris are required")
    for uri in uris:
        if not uri.startswith("spotify:track:"):
            raise ApiError(400, f"Unsupported URL / URI: {uri}")
        track_id = uri.rsplit(":", 1)[1]
        if method == "PUT":
            if track_id in api.account.tracks:
                api.account.save_track(track_id)
        else:
            api.account.unsave_track(track_id)
    return Response(200, b"")


@routes.add("GET", "/me/library/contains")
def library_contains(api: ApiRequest) -> Any:
    api.need_scope("user-library-read")
    uris = [u for u in api.query.get("uris", "").split(",") if u]
    if not uris or len(uris) > 40:
        raise ApiError(400, "Between 1 and 40 uris are required")
    saved = {t for t, _ in api.account.saved}
    return [u.rsplit(":", 1)[1] in saved for u in uris]


@routes.add("PUT", "/me/library")
def save_to_library(api: ApiRequest) -> Any:
    return library_change(api, "PUT")


@routes.add("DELETE", "/me/library")
def remove_from_library(api: ApiRequest) -> Any:
    return library_change(api, "DELETE")
