"""Playback services: Spotify Connect control (state, devices, transfer, play/pause/next/previous,
queue, volume, shuffle, repeat, premium), the listener's play queue and radio batches."""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from sqlalchemy.exc import SQLAlchemyError

from desktoprec.domain import Track
from desktoprec.errors import (
    DesktopRecError,
    NoActiveDevice,
    NotAvailable,
    PremiumRequired,
    SpotifyError,
    StorageError,
)
from desktoprec.player.queue import REPEAT_MODES, PlayQueue
from desktoprec.timeutil import db_now

if TYPE_CHECKING:
    from desktoprec.services import Services

log = logging.getLogger(__name__)

RADIO_LOW_WATER = 3  # radio asks for more when this few tracks are left up next
RADIO_BATCH = 10
RADIO_SEEDS = 5


def _int_or_none(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


@dataclass(frozen=True, slots=True)
class Device:
    """One of the user's Spotify Connect devices (`GET /me/player/devices`)."""

    id: str
    name: str
    type: str
    is_active: bool
    volume_percent: int | None = None


@dataclass(frozen=True, slots=True)
class PlayingItem:
    """The track Spotify is playing: what the player needs of it."""

    uri: str | None
    name: str
    duration_ms: int | None


@dataclass(frozen=True, slots=True)
class PlayerState:
    """Spotify Connect's playback state (`GET /me/player`)."""

    is_playing: bool
    progress_ms: int | None
    shuffle_state: bool
    repeat_state: str  # off | context | track
    item: PlayingItem | None
    device: Device | None


def _device(data: dict[str, Any]) -> Device:
    return Device(id=str(data.get("id") or ""), name=str(data.get("name") or ""),
                  type=str(data.get("type") or ""), is_active=bool(data.get("is_active")),
                  volume_percent=_int_or_none(data.get("volume_percent")))


def _player_state(data: dict[str, Any]) -> PlayerState:
    item, device = data.get("item"), data.get("device")
    return PlayerState(
        is_playing=bool(data.get("is_playing")),
        progress_ms=_int_or_none(data.get("progress_ms")),
        shuffle_state=bool(data.get("shuffle_state")),
        repeat_state=str(data.get("repeat_state") or "off"),
        item=PlayingItem(uri=item.get("uri"), name=str(item.get("name") or ""),
                         duration_ms=_int_or_none(item.get("duration_ms")))
        if isinstance(item, dict) else None,
        device=_device(device) if isinstance(device, dict) else None)


def _reason_of(exc: SpotifyError) -> str:
    reason = getattr(exc, "reason", None)
    return str(reason or exc).upper()


def translate_player_error(exc: SpotifyError) -> SpotifyError:
    """Map the API's 403 PREMIUM_REQUIRED / 404 NO_ACTIVE_DEVICE onto the errors the UI handles."""
    if isinstance(exc, (PremiumRequired, NoActiveDevice)):
        return exc
    text = _reason_of(exc)
    if "PREMIUM_REQUIRED" in text or (exc.status == 403 and "PREMIUM" in text):
        return PremiumRequired()
    if "NO_ACTIVE_DEVICE" in text or (exc.status == 404 and "DEVICE" in text):
        return NoActiveDevice()
    return exc


class PlayerService:
    """Controls playback on the user's Spotify Connect devices through the shared API client.

    `/me` no longer says whether the account has Premium, so the first player control call decides:
    a PREMIUM_REQUIRED answer stores `premium = False`, a control call that works stores `True`.
    """

    def __init__(self, services: Services) -> None:
        self._services = services
        self._lock = threading.Lock()
        self._premium: bool | None = None
        self._premium_loaded = False
        self.queue_model = PlayQueue()  # the one queue the player window, tray and MPRIS share

    # --- premium -----------------------------------------------------------------------------

    def premium(self) -> bool | None:
        """True / False once learned, None while unknown."""
        with self._lock:
            if not self._premium_loaded:
                self._premium = self._load_premium()
                self._premium_loaded = True
            return self._premium

    def _load_premium(self) -> bool | None:
        from desktoprec.storage.tables import AccountRow

        try:
            with self._services.db.read() as session:
                row = session.query(AccountRow).first()
                return None if row is None else row.premium
        except (StorageError, SQLAlchemyError) as exc:  # a broken database must not stop playback
            log.warning("could not read the premium flag: %s", exc)
            return None

    def _remember_premium(self, value: bool) -> None:
        from desktoprec.storage.tables import AccountRow

        with self._lock:
            changed = self._premium is not value
            self._premium = value
            self._premium_loaded = True
        if not changed:
            return
        try:
            with self._services.db.write() as session:
                for row in session.query(AccountRow).all():
                    row.premium = value
                    row.updated_at = db_now()
        except StorageError as exc:
            log.warning("could not store the premium flag: %s", exc)

    # --- calls -------------------------------------------------------------------------------

    def _request(self, method: str, path: str, *, params: dict[str, Any] | None = None,
                 json: dict[str, Any] | None = None, control: bool = False) -> Any:
        api = self._services.auth.api()
        try:
            result = api.request(method, path, params=params, json=json)
        except SpotifyError as exc:
            mapped = translate_player_error(exc)
            if isinstance(mapped, PremiumRequired):
                self._remember_premium(False)
            elif isinstance(mapped, NoActiveDevice) and control:
                # Only Premium accounts get as far as "which device?".
                self._remember_premium(True)
            if mapped is exc:
                raise
            raise mapped from exc
        if control:
            self._remember_premium(True)
        return result

    def state(self) -> PlayerState | None:
        """The playback state (`GET /me/player`), or None when nothing is playing anywhere."""
        try:
            result = self._request("GET", "/me/player")
        except NoActiveDevice:
            return None
        return _player_state(result) if isinstance(result, dict) and result else None

    def devices(self) -> list[Device]:
        """The user's Spotify Connect devices (those with an id)."""
        result = self._request("GET", "/me/player/devices")
        devices = (result or {}).get("devices") if isinstance(result, dict) else None
        if not isinstance(devices, list):
            return []
        return [_device(d) for d in devices if isinstance(d, dict) and d.get("id")]

    def transfer(self, device_id: str, *, play: bool = True) -> None:
        self._request("PUT", "/me/player", json={"device_ids": [device_id], "play": play},
                      control=True)

    def play(self, uris: list[str] | None = None, *, context_uri: str | None = None,
             offset: int | None = None, device_id: str | None = None,
             position_ms: int | None = None) -> None:
        """Start (or resume, with no arguments) playback of tracks or a context."""
        body: dict[str, Any] = {}
        if uris:
            body["uris"] = [u for u in uris if u and not u.startswith("spotify:local:")]
            if not body["uris"]:
                raise NotAvailable("Local-file tracks cannot be started through Spotify Connect.")
        if context_uri:
            body["context_uri"] = context_uri
        if offset is not None:
            body["offset"] = {"position": int(offset)}
        if position_ms is not None:
            body["position_ms"] = int(position_ms)
        params = {"device_id": device_id} if device_id else None
        self._request("PUT", "/me/player/play", params=params, json=body or None, control=True)

    def pause(self, *, device_id: str | None = None) -> None:
        params = {"device_id": device_id} if device_id else None
        self._request("PUT", "/me/player/pause", params=params, control=True)

    def next(self, *, device_id: str | None = None) -> None:
        params = {"device_id": device_id} if device_id else None
        self._request("POST", "/me/player/next", params=params, control=True)

    def previous(self, *, device_id: str | None = None) -> None:
        params = {"device_id": device_id} if device_id else None
        self._request("POST", "/me/player/previous", params=params, control=True)

    def queue(self, uri: str, *, device_id: str | None = None) -> None:
        params: dict[str, Any] = {"uri": uri}
        if device_id:
            params["device_id"] = device_id
        self._request("POST", "/me/player/queue", params=params, control=True)

    def volume(self, percent: int, *, device_id: str | None = None) -> None:
        """`PUT /me/player/volume?volume_percent=` (0-100)."""
        params: dict[str, Any] = {"volume_percent": max(0, min(100, int(percent)))}
        if device_id:
            params["device_id"] = device_id
        self._request("PUT", "/me/player/volume", params=params, control=True)

    def shuffle(self, on: bool, *, device_id: str | None = None) -> None:
        """`PUT /me/player/shuffle?state=true|false`."""
        params: dict[str, Any] = {"state": "true" if on else "false"}
        if device_id:
            params["device_id"] = device_id
        self._request("PUT", "/me/player/shuffle", params=params, control=True)

    def repeat(self, mode: str, *, device_id: str | None = None) -> None:
        """`PUT /me/player/repeat?state=off|context|track`; takes the queue's off/all/one."""
        if mode not in REPEAT_MODES:
            raise NotAvailable(f"Repeat is one of {', '.join(REPEAT_MODES)}.")
        params: dict[str, Any] = {"state": {"off": "off", "all": "context", "one": "track"}[mode]}
        if device_id:
            params["device_id"] = device_id
        self._request("PUT", "/me/player/repeat", params=params, control=True)

    # --- radio -------------------------------------------------------------------------------

    def radio_needs_more(self, queue: PlayQueue | None = None) -> bool:
        """Radio tops the queue up when this returns True (few tracks left up next)."""
        queue = queue if queue is not None else self.queue_model
        return len(queue.up_next()) < RADIO_LOW_WATER

    def radio_next_batch(self, queue: PlayQueue | None = None,
                         n: int = RADIO_BATCH) -> list[Track]:
        """More tracks like the recent plays, for "keep playing similar".

        Seeds are the last tracks of the queue (what played and what is coming); the recommender
        keeps its novelty memory (recently suggested tracks are left out while others exist), and
        nothing already in the queue comes back. Returns the tracks; the caller adds them.
        """
        queue = queue if queue is not None else self.queue_model
        recommend = self._services.recommend
        played = queue.tracks[: max(queue.index + 1, 0)] or queue.tracks
        seeds = [str(t.id) for t in played[-RADIO_SEEDS:] if not str(t.id).startswith("entry:")]
        seeds += [str(t.id) for t in queue.up_next()[:2]]
        seeds = list(dict.fromkeys(seeds))
        in_queue = set(queue.ids())
        try:
            if seeds:
                result = recommend.recommend(mode="more_like", seeds=tuple(seeds), n=n,
                                             avoid=tuple(in_queue))
            else:
                result = recommend.recommend(mode="for_you", n=n)
        except DesktopRecError as exc:
            log.info("radio from the queue failed (%s); using For you", exc)
            result = recommend.recommend(mode="for_you", n=n)
        batch: list[Track] = []
        for rec in result.items:
            if rec.track.id not in in_queue:
                in_queue.add(rec.track.id)
                batch.append(rec.track)
        return batch
