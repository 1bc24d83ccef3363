"""The playlist routes: the listener's playlists, one playlist, its items (read, add, replace,
reorder, remove) and unfollowing.
"""

from __future__ import annotations

import re
import time
from typing import Any

from desktoprec.spotify.emulator.account import EmulatorPlaylist, make_id
from desktoprec.spotify.emulator.request import (
    ID_RE,
    ApiError,
    ApiRequest,
    Response,
    RouteTable,
    json_bytes,
)

routes = RouteTable()
routes.close(404, f"/playlists/{ID_RE}/tracks")  # renamed to /items


@routes.add("GET", "/me/playlists")
def my_playlists(api: ApiRequest) -> Any:
    api.need_scope("playlist-read-private", "playlist-read-collaborative")
    limit, offset = api.limit(), api.offset()
    rows = api.account.playlists[offset: offset + limit]
    items = [api.account.playlist_json(p, api.base) for p in rows]
    return api.paging("/me/playlists", items, len(api.account.playlists), offset, limit)


@routes.add("POST", "/me/playlists")
def create_playlist(api: ApiRequest) -> Any:
    api.need_scope("playlist-modify-public", "playlist-modify-private")
    body = api.json_body()
    name = body.get("name")
    if not isinstance(name, str) or not name.strip():
        raise ApiError(400, "Missing required field: name")
    public = body.get("public", True)
    playlist = api.account.add_playlist(
        name, playlist_id=make_id("created", name, time.time_ns()),
        description=str(body.get("description") or ""),
        public=bool(public), collaborative=bool(body.get("collaborative", False)))
    # the newest playlist is listed first, as Spotify does
    api.account.playlists.remove(playlist)
    api.account.playlists.insert(0, playlist)
    return Response(201, json_bytes(api.account.playlist_json(playlist, api.base,
                                                                full=True)))


@routes.add("GET", f"/playlists/{ID_RE}")
def get_playlist(api: ApiRequest, playlist_id: str) -> Any:
    return api.account.playlist_json(api.playlist_or_404(playlist_id), api.base, full=True)


@routes.add("PUT", f"/playlists/{ID_RE}")
def change_playlist(api: ApiRequest, playlist_id: str) -> Any:
    playlist = api.playlist_or_404(playlist_id)
    if playlist.owner_id != api.account.user_id:
        raise ApiError(403, "Forbidden")
    body = api.json_body()
    if isinstance(body.get("name"), str):
        playlist.name = body["name"]
    if isinstance(body.get("description"), str):
        playlist.description = body["description"]
    if isinstance(body.get("public"), bool):
        playlist.public = body["public"]
    if isinstance(body.get("collaborative"), bool):
        playlist.collaborative = body["collaborative"]
    return Response(200, b"")


@routes.add("GET", f"/playlists/{ID_RE}/items")
def playlist_items(api: ApiRequest, playlist_id: str) -> Any:
    playlist = api.playlist_or_404(playlist_id)
    if not api.account.can_read_items(playlist):
        raise ApiError(403, "Forbidden")
    limit, offset = api.limit(), api.offset()
    rows = playlist.entries[offset: offset + limit]
    items = [api.account.entry_json(playlist, e) for e in rows]
    return api.paging(f"/playlists/{playlist_id}/items", items, len(playlist.entries),
                       offset, limit)


def _uris_from(api: ApiRequest, body: dict[str, Any]) -> list[str]:
    uris: Any = body.get("uris")
    if uris is None and api.query.get("uris"):
        uris = api.query["uris"].split(",")
    if not isinstance(uris, list) or not all(isinstance(u, str) for u in uris):
        raise ApiError(400, "Missing or invalid uris")
    if len(uris) > 100:
        raise ApiError(400, "Too many ids requested")
    for uri in uris:
        if not re.fullmatch(r"spotify:(track|episode):[A-Za-z0-9]{22}", uri):
            raise ApiError(400, f"Unsupported URL / URI: {uri}")
    return uris


def _writable(api: ApiRequest, playlist_id: str) -> EmulatorPlaylist:
    api.need_scope("playlist-modify-public", "playlist-modify-private")
    playlist = api.playlist_or_404(playlist_id)
    if not api.account.can_read_items(playlist):
        raise ApiError(403, "Forbidden")
    return playlist


@routes.add("POST", f"/playlists/{ID_RE}/items")
def add_items(api: ApiRequest, playlist_id: str) -> Any:
    _writable(api, playlist_id)
    body = api.json_body()
    uris = _uris_from(api, body)
    position = body.get("position", api.query.get("position"))
    at = int(position) if position is not None else None
    snapshot = api.account.add_to_playlist(playlist_id, uris, at)
    return Response(201, json_bytes({"snapshot_id": snapshot}))


@routes.add("PUT", f"/playlists/{ID_RE}/items")
def replace_items(api: ApiRequest, playlist_id: str) -> Any:
    playlist = _writable(api, playlist_id)
    body = api.json_body()
    if "range_start" in body:
        start, before = int(body["range_start"]), int(body.get("insert_before", 0))
        length = int(body.get("range_length", 1))
        moving = playlist.entries[start:start + length]
        rest = playlist.entries[:start] + playlist.entries[start + length:]
        at = before if before <= start else before - length
        playlist.entries = rest[:at] + moving + rest[at:]
        playlist.touch()
        return {"snapshot_id": playlist.snapshot_id}
    return {"snapshot_id": api.account.replace_playlist_items(playlist_id,
                                                               _uris_from(api, body))}


@routes.add("DELETE", f"/playlists/{ID_RE}/followers")
def unfollow_playlist(api: ApiRequest, playlist_id: str) -> Any:
    api.need_scope("playlist-modify-public", "playlist-modify-private")
    api.playlist_or_404(playlist_id)
    api.account.unfollow_playlist(playlist_id)
    return None


@routes.add("DELETE", f"/playlists/{ID_RE}/items")
def remove_items(api: ApiRequest, playlist_id: str) -> Any:
    _writable(api, playlist_id)
    body = api.json_body()
    entries = body.get("items", body.get("tracks"))
    if not isinstance(entries, list) or len(entries) > 100:
        raise ApiError(400, "Missing or invalid items")
    uris = [e.get("uri") for e in entries if isinstance(e, dict)]
    return {"snapshot_id": api.account.remove_from_playlist(
        playlist_id, [u for u in uris if isinstance(u, str)])}

