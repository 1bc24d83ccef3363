"""Spotify Connect playback: state, devices, transfer, play/pause/next/previous/queue, premium."""

from __future__ import annotations

import logging
import threading
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy.exc import SQLAlchemyError

from desktoprec.errors import (
    NoActiveDevice,
    NotAvailable,
    PremiumRequired,
    SpotifyError,
    StorageError,
)

if TYPE_CHECKING:
    from desktoprec.services import Services

log = logging.getLogger(__name__)


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
                    row.updated_at = datetime.now(UTC).replace(tzinfo=None)
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

    def state(self) -> dict[str, Any] | None:
        """The playback state (`GET /me/player`), or None when nothing is playing anywhere."""
        try:
            result = self._request("GET", "/me/player")
        except NoActiveDevice:
            return None
        return result if isinstance(result, dict) and result else None

    def devices(self) -> list[dict[str, Any]]:
        """The user's Spotify Connect devices: dicts with id, name, type, is_active, volume."""
        result = self._request("GET", "/me/player/devices")
        devices = (result or {}).get("devices") if isinstance(result, dict) else None
        if not isinstance(devices, list):
            return []
        return [d for d in devices if isinstance(d, dict) and d.get("id")]

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
