"""Typed user settings, stored as TOML with a schema version; env variables override some."""

from __future__ import annotations

import errno
import logging
import os
import tomllib
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import tomli_w

from desktoprec.atomicfile import write_atomically
from desktoprec.errors import StorageError

log = logging.getLogger(__name__)

SCHEMA_VERSION = 1
DEFAULT_API_URL = "https://api.spotify.com/v1"
DEFAULT_ACCOUNTS_URL = "https://accounts.spotify.com"
DEFAULT_PREVIEW_API_URL = "https://api.deezer.com"
PREVIEW_SOURCE_DESCRIPTION = ("Contacts Deezer (api.deezer.com, previews from *.dzcdn.net) to look "
                              "up 30-second previews by ISRC and analyse their sound")


@dataclass
class Settings:
    """Everything the user can set. Unknown keys in the file are ignored, bad values reset."""

    client_id: str = ""
    api_url: str = DEFAULT_API_URL
    accounts_url: str = DEFAULT_ACCOUNTS_URL
    music_folders: list[str] = field(default_factory=list)
    diversity: float = 0.5
    close_to_tray: bool = True
    theme: str = "system"  # system | light | dark
    preview_source_enabled: bool = False
    preview_api_url: str = DEFAULT_PREVIEW_API_URL
    metadata_service_enabled: bool = False
    include_saved_in_recommendations: bool = False
    discovery_request_budget: int = 60
    demo_mode: bool = False
    # Not saved: why the file could not be read, for the UI to show once.
    load_warning: str | None = field(default=None, compare=False, repr=False)

    def effective_client_id(self) -> str:
        return os.environ.get("DESKTOPREC_CLIENT_ID", "").strip() or self.client_id.strip()

    def effective_api_url(self) -> str:
        chosen = os.environ.get("DESKTOPREC_SPOTIFY_API_URL") or self.api_url
        return _safe_url(chosen, DEFAULT_API_URL).rstrip("/")

    def effective_accounts_url(self) -> str:
        chosen = os.environ.get("DESKTOPREC_SPOTIFY_ACCOUNTS_URL") or self.accounts_url
        return _safe_url(chosen, DEFAULT_ACCOUNTS_URL).rstrip("/")

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data.pop("load_warning", None)
        return {"schema_version": SCHEMA_VERSION, **data}


MAX_SETTINGS_BYTES = 1_000_000
_LOOPBACK_HOSTS = {"127.0.0.1", "::1", "localhost"}


def is_safe_url(url: str) -> bool:
    """True for https URLs, and for plain http only on this machine (the emulator).

    Tokens travel with every API call: a plain-http address elsewhere would send them in clear.
    """
    try:
        parts = urlsplit(url.strip())
        host = (parts.hostname or "").lower()
    except ValueError:
        return False
    if not host or parts.username or parts.password:
        return False
    if parts.scheme == "https":
        return True
    return parts.scheme == "http" and (host in _LOOPBACK_HOSTS or host.startswith("127."))


def _safe_url(url: str, default: str) -> str:
    if is_safe_url(url):
        return url.strip()
    log.warning("ignoring the Spotify address %r: only https (or http on 127.0.0.1) is used",
                url[:200])
    return default


def _coerce(defaults: Settings, raw: dict[str, Any]) -> Settings:
    values: dict[str, Any] = {}
    for f in fields(Settings):
        if f.name == "load_warning" or f.name not in raw:
            continue
        default = getattr(defaults, f.name)
        value = raw[f.name]
        if isinstance(default, bool):
            ok = isinstance(value, bool)
        elif isinstance(default, float):
            ok = isinstance(value, (int, float)) and not isinstance(value, bool)
            value = float(value) if ok else value
        elif isinstance(default, int):
            ok = isinstance(value, int) and not isinstance(value, bool)
        elif isinstance(default, list):
            ok = isinstance(value, list) and all(isinstance(v, str) for v in value)
        else:
            ok = isinstance(value, str)
        if ok:
            values[f.name] = value
        else:
            log.warning("setting %s has an unusable value; using the default", f.name)
    settings = Settings(**values)
    if settings.diversity != settings.diversity:  # NaN
        settings.diversity = defaults.diversity
    settings.diversity = min(1.0, max(0.0, settings.diversity))
    settings.discovery_request_budget = min(10_000, max(0, settings.discovery_request_budget))
    for name, default_url in (("api_url", DEFAULT_API_URL), ("accounts_url", DEFAULT_ACCOUNTS_URL),
                              ("preview_api_url", DEFAULT_PREVIEW_API_URL)):
        if not is_safe_url(getattr(settings, name)):
            log.warning("setting %s is not an https address; using the default", name)
            setattr(settings, name, default_url)
    return settings


def load_settings(path: Path) -> Settings:
    """Read settings; a missing file gives defaults, a corrupt one gives defaults and a warning."""
    if not path.exists():
        return Settings()
    try:
        if path.stat().st_size > MAX_SETTINGS_BYTES:
            raise ValueError(f"it is larger than {MAX_SETTINGS_BYTES // 1000} kB")
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError, RecursionError) as exc:  # TOMLDecodeError: ValueError
        reason = str(exc).splitlines()[0][:200] if str(exc) else type(exc).__name__
        warning = f"The settings file {path} could not be read ({reason}); defaults are used."
        log.warning(warning)
        backup = path.with_suffix(".toml.corrupt")
        try:
            path.replace(backup)
            warning += f" The unreadable file was kept as {backup.name}."
        except OSError:
            pass
        settings = Settings()
        settings.load_warning = warning
        return settings
    return _coerce(Settings(), raw)


def save_settings(settings: Settings, path: Path) -> None:
    """Write settings atomically (a temporary file, then rename)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    data = tomli_w.dumps(settings.to_dict()).encode("utf-8")
    try:
        write_atomically(path, data)
    except OSError as exc:
        reason = exc.strerror or str(exc)
        if exc.errno == errno.ENOSPC:
            reason = "the disk is full"
        raise StorageError(
            f"The settings could not be saved ({reason}); the previous settings are unchanged."
        ) from exc
