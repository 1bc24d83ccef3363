"""The player routes (Premium and an active device where Spotify wants them): state, devices,
play, pause, skip, queue, volume, shuffle, repeat and transfer.
"""

from __future__ import annotations

import time
from typing import Any

from desktoprec.spotify.emulator.request import ApiError, ApiRequest, RouteTable

routes = RouteTable()


def _device(api: ApiRequest, required: bool = True) -> dict[str, Any] | None:
    wanted = api.query.get("device_id")
    if wanted:
        device = next((d for d in api.account.devices if d["id"] == wanted), None)
        if device is None:
            raise ApiError(404, "Device not found")
        return device
    device = next((d for d in api.account.devices if d.get("is_active")), None)
    if device is None and required:
        raise ApiError(404, "Player command failed: No active device found",
                       reason="NO_ACTIVE_DEVICE")
    return device


def _control(api: ApiRequest) -> dict[str, Any]:
    api.need_scope("user-modify-playback-state")
    if not api.account.premium:
        raise ApiError(403, "Player command failed: Premium required",
                       reason="PREMIUM_REQUIRED")
    device = _device(api)
    assert device is not None
    for other in api.account.devices:
        other["is_active"] = other is device
    return device


@routes.add("GET", "/me/player/currently-playing")
@routes.add("GET", "/me/player")
def player_state(api: ApiRequest) -> Any:
    api.need_scope("user-read-playback-state", "user-read-currently-playing")
    state = api.account.playback
    if not state or not state.get("uris"):
        return None
    device = next((d for d in api.account.devices if d["id"] == state["device_id"]), None)
    item = api.account.resolve_uri(state["uris"][state["index"]])
    context = state.get("context_uri")
    return {
        "device": device, "shuffle_state": bool(state.get("shuffle", False)),
        "repeat_state": state.get("repeat", "off"),
        "timestamp": int(time.time() * 1000),
        "context": {"uri": context, "type": context.split(":")[1]} if context else None,
        "progress_ms": state.get("progress_ms", 0), "is_playing": state["is_playing"],
        "item": item, "currently_playing_type": "track",
        "actions": {"disallows": {}},
    }


@routes.add("GET", "/me/player/devices")
def devices(api: ApiRequest) -> Any:
    api.need_scope("user-read-playback-state")
    return {"devices": api.account.devices}


@routes.add("PUT", "/me/player/play")
def play(api: ApiRequest) -> Any:
    device = _control(api)
    body = api.json_body()
    state = api.account.playback or {}
    uris = body.get("uris")
    context_uri = body.get("context_uri")
    if context_uri:
        uris = _context_uris(api, str(context_uri))
    if uris is not None:
        if not isinstance(uris, list) or not uris:
            raise ApiError(400, "Invalid uris")
        for uri in uris:
            if api.account.resolve_uri(str(uri)) is None:
                raise ApiError(400, f"Unsupported URL / URI: {uri}")
        index = 0
        offset = body.get("offset")
        if isinstance(offset, dict):
            if isinstance(offset.get("position"), int):
                index = offset["position"]
            elif offset.get("uri") in uris:
                index = uris.index(offset["uri"])
        if not 0 <= index < len(uris):
            raise ApiError(400, "Invalid offset")
        state = {"uris": list(uris), "index": index, "context_uri": context_uri,
                 "queue": state.get("queue", []), "shuffle": state.get("shuffle", False),
                 "repeat": state.get("repeat", "off")}
    elif not state.get("uris"):
        raise ApiError(404, "Player command failed: Nothing to resume",
                       reason="NO_ACTIVE_DEVICE")
    state.update(device_id=device["id"], is_playing=True,
                 progress_ms=int(body.get("position_ms", 0) or 0))
    api.account.playback = state
    return None


def _context_uris(api: ApiRequest, context_uri: str) -> list[str]:
    kind, _, item_id = context_uri.removeprefix("spotify:").partition(":")
    if kind == "playlist":
        playlist = api.playlist_or_404(item_id)
        return [e.uri for e in playlist.entries if e.uri]
    if kind == "album":
        return [f"spotify:track:{t}" for t in api.account.album_track_ids(item_id)]
    raise ApiError(400, f"Unsupported context: {context_uri}")


@routes.add("PUT", "/me/player/pause")
def pause(api: ApiRequest) -> Any:
    _control(api)
    if api.account.playback:
        api.account.playback["is_playing"] = False
    return None


def skip(api: ApiRequest, step: int) -> Any:
    _control(api)
    state = api.account.playback
    if not state or not state.get("uris"):
        return None
    if step > 0 and state.get("queue"):
        state["uris"].insert(state["index"] + 1, state["queue"].pop(0))
    state["index"] = max(0, min(len(state["uris"]) - 1, state["index"] + step))
    state["progress_ms"] = 0
    return None


@routes.add("POST", "/me/player/queue")
def queue_add(api: ApiRequest) -> Any:
    _control(api)
    uri = api.query.get("uri", "")
    if api.account.resolve_uri(uri) is None:
        raise ApiError(400, f"Unsupported URL / URI: {uri}")
    state = api.account.playback
    if state is None:
        raise ApiError(404, "Player command failed: No active device found",
                       reason="NO_ACTIVE_DEVICE")
    state.setdefault("queue", []).append(uri)
    return None


@routes.add("PUT", "/me/player/volume")
def volume(api: ApiRequest) -> Any:
    device = _control(api)
    raw = api.query.get("volume_percent", "")
    if not raw.lstrip("-").isdigit() or not 0 <= int(raw) <= 100:
        raise ApiError(400, "volume_percent must be between 0 and 100")
    if not device.get("supports_volume", True):
        raise ApiError(403, "Cannot control device volume", reason="VOLUME_CONTROL_DISALLOW")
    device["volume_percent"] = int(raw)
    return None


def _player_mode(api: ApiRequest, key: str, allowed: tuple[str, ...]) -> Any:
    _control(api)
    value = api.query.get("state", "")
    if value not in allowed:
        raise ApiError(400, f"state must be one of: {', '.join(allowed)}")
    state = api.account.playback
    if state is None:
        raise ApiError(404, "Player command failed: No active device found",
                       reason="NO_ACTIVE_DEVICE")
    state[key] = (value == "true") if key == "shuffle" else value
    return None


@routes.add("GET", "/me/player/queue")
def queue_get(api: ApiRequest) -> Any:
    api.need_scope("user-read-playback-state", "user-read-currently-playing")
    state = api.account.playback or {}
    current = (api.account.resolve_uri(state["uris"][state["index"]])
               if state.get("uris") else None)
    return {"currently_playing": current,
            "queue": [api.account.resolve_uri(u) for u in state.get("queue", [])]}


@routes.add("PUT", "/me/player")
def transfer(api: ApiRequest) -> Any:
    api.need_scope("user-modify-playback-state")
    if not api.account.premium:
        raise ApiError(403, "Player command failed: Premium required",
                       reason="PREMIUM_REQUIRED")
    body = api.json_body()
    ids = body.get("device_ids")
    if not isinstance(ids, list) or len(ids) != 1:
        raise ApiError(400, "Exactly one device id is required")
    device = next((d for d in api.account.devices if d["id"] == ids[0]), None)
    if device is None:
        raise ApiError(404, "Device not found")
    for other in api.account.devices:
        other["is_active"] = other is device
    if api.account.playback:
        api.account.playback["device_id"] = device["id"]
        if body.get("play"):
            api.account.playback["is_playing"] = True
    return None


@routes.add("POST", "/me/player/next")
def next_track(api: ApiRequest) -> Any:
    return skip(api, 1)


@routes.add("POST", "/me/player/previous")
def previous_track(api: ApiRequest) -> Any:
    return skip(api, -1)


@routes.add("PUT", "/me/player/shuffle")
def shuffle(api: ApiRequest) -> Any:
    return _player_mode(api, "shuffle", ("true", "false"))


@routes.add("PUT", "/me/player/repeat")
def repeat(api: ApiRequest) -> Any:
    return _player_mode(api, "repeat", ("off", "context", "track"))
