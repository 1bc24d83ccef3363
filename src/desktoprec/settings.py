"""Typed user settings, stored as TOML with a schema version; env variables override some."""

from __future__ import annotations

import errno
import ipaddress
import logging
import os
import socket
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
API_URL_ENV = "DESKTOPREC_SPOTIFY_API_URL"
ACCOUNTS_URL_ENV = "DESKTOPREC_SPOTIFY_ACCOUNTS_URL"
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
    # Familiar <-> new: the share of a list given to artists the user does not know yet.
    new_artists: float = 0.4
    close_to_tray: bool = True
    theme: str = "system"  # system | light | dark
    preview_source_enabled: bool = False
    preview_api_url: str = DEFAULT_PREVIEW_API_URL
    metadata_service_enabled: bool = False
    # Catalogue sources the user turned on (deezer, itunes, musicbrainz, listenbrainz); see
    # catalogs/__init__.py for what each contacts and sends. All off by default.
    enabled_sources: list[str] = field(default_factory=list)
    sources_asked: bool = False  # the wizard or Settings asked once
    include_saved_in_recommendations: bool = False
    discovery_request_budget: int = 60
    demo_mode: bool = False
    audio_output: str = ""  # the audio output device's id; "" follows the system default
    volume: int = 80  # the in-app player's volume, 0-100
    # the Library table's columns the user hid (by key: "added", "plays", "genre_source", ...)
    library_hidden_columns: list[str] = field(default_factory=list)
    # Not saved: why the file could not be read, for the UI to show once.
    load_warning: str | None = field(default=None, compare=False, repr=False)
    # Not saved: the running demo's emulator (api, accounts) on this machine, for this process
    # only. The demo sets it while its emulator runs; a settings file never holds such an address.
    local_spotify: tuple[str, str] | None = field(default=None, compare=False, repr=False)

    def effective_client_id(self) -> str:
        return os.environ.get("DESKTOPREC_CLIENT_ID", "").strip() or self.client_id.strip()

    def effective_api_url(self) -> str:
        return self._address("api")[0]

    def effective_accounts_url(self) -> str:
        return self._address("accounts")[0]

    def address_origin(self, kind: str) -> str:
        """Where the effective Spotify address of `kind` ("api" | "accounts") comes from:
        "environment", "local" (the running demo), "settings" or "default"."""
        return self._address(kind)[1]

    def use_local_spotify(self, api_url: str, accounts_url: str) -> None:
        """Point this process (never the settings file) at an emulator on this machine."""
        for url in (api_url, accounts_url):
            if not is_safe_url(url) or not is_loopback_host(urlsplit(url).hostname or ""):
                raise ValueError(f"not an address on this machine: {url[:200]!r}")
        self.local_spotify = (api_url.rstrip("/"), accounts_url.rstrip("/"))

    def forget_local_spotify(self) -> None:
        self.local_spotify = None

    def _address(self, kind: str) -> tuple[str, str]:
        env_name, saved, default = (
            (API_URL_ENV, self.api_url, DEFAULT_API_URL) if kind == "api"
            else (ACCOUNTS_URL_ENV, self.accounts_url, DEFAULT_ACCOUNTS_URL))
        from_env = os.environ.get(env_name, "").strip()
        if from_env:
            if is_safe_url(from_env):
                return from_env.rstrip("/"), "environment"
            _warn_once(f"ignoring {env_name}={from_env[:200]!r}: only https, or plain http on "
                       "127.0.0.1, is used")
        if self.local_spotify is not None:
            return self.local_spotify[0 if kind == "api" else 1], "local"
        if saved.strip() and saved.strip().rstrip("/") != default:
            if is_remote_https(saved):
                return saved.strip().rstrip("/"), "settings"
            _warn_once(f"ignoring the Spotify {kind} address {saved[:200]!r} from the settings: "
                       "only an https address of another machine is used from there")
        return default, "default"

    def enabled_source_names(self) -> list[str]:
        """The catalogue sources switched on, in their fixed order (older switches included)."""
        from desktoprec.catalogs import SOURCE_NAMES

        chosen = set(self.enabled_sources)
        if self.preview_source_enabled:
            chosen.add("deezer")
        if self.metadata_service_enabled:
            chosen.add("musicbrainz")
        return [name for name in SOURCE_NAMES if name in chosen]

    def set_source_enabled(self, name: str, enabled: bool) -> None:
        """Switch one catalogue source on or off (unknown names raise ValueError)."""
        from desktoprec.catalogs import SOURCE_NAMES

        if name not in SOURCE_NAMES:
            raise ValueError(f"unknown source {name!r}; known: {', '.join(SOURCE_NAMES)}")
        names = [n for n in self.enabled_source_names() if n != name]
        if enabled:
            names.append(name)
        self.enabled_sources = [n for n in SOURCE_NAMES if n in names]
        self.preview_source_enabled = "deezer" in self.enabled_sources
        self.metadata_service_enabled = "musicbrainz" in self.enabled_sources
        self.sources_asked = True

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data.pop("load_warning", None)
        data.pop("local_spotify", None)
        # an address on this machine is never saved: it would outlive the emulator it named
        for name, default_url in (("api_url", DEFAULT_API_URL),
                                  ("accounts_url", DEFAULT_ACCOUNTS_URL)):
            if not is_remote_https(data[name]):
                data[name] = default_url
        return {"schema_version": SCHEMA_VERSION, **data}


MAX_SETTINGS_BYTES = 1_000_000
_warned: set[str] = set()


def _warn_once(message: str) -> None:
    if message not in _warned:
        _warned.add(message)
        log.warning(message)


def is_loopback_host(host: str) -> bool:
    """True for any spelling of this machine: localhost, 127.x in any notation (127.1, 0x7f.1,
    2130706433), ::1, an IPv4-mapped 127.x, and the unspecified 0.0.0.0 / :: (Linux connects those
    to this machine too)."""
    host = host.strip().strip("[]").rstrip(".").lower()
    if not host:
        return False
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        address = ipaddress.ip_address(host.split("%")[0])
    except ValueError:
        try:  # the forms inet_aton still accepts: 127.1, 0177.0.0.1, 0x7f000001, 2130706433
            address = ipaddress.ip_address(socket.inet_aton(host))
        except (OSError, ValueError):
            return False
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    return address.is_loopback or address.is_unspecified


def _url_parts(url: str) -> tuple[str, str] | None:
    try:
        parts = urlsplit(url.strip())
        host = parts.hostname or ""
    except ValueError:
        return None
    if not host or parts.username or parts.password:
        return None
    return parts.scheme, host


def is_safe_url(url: str) -> bool:
    """True for https URLs, and for plain http only on this machine (the emulator).

    Tokens travel with every API call: a plain-http address elsewhere would send them in clear.
    (Whether an address on this machine may be used at all is decided by where it came from:
    see `is_remote_https`.)
    """
    parts = _url_parts(url)
    if parts is None:
        return False
    scheme, host = parts
    return scheme == "https" or (scheme == "http" and is_loopback_host(host))


def is_remote_https(url: str) -> bool:
    """The only kind of service address a settings file may hold: https, on another machine.

    Any local user can listen on a port of this machine once the program that used it has
    ended, so an address here is honoured only from the environment (tests, the emulator) or
    from the running demo, never from a file that outlives them.
    """
    parts = _url_parts(url)
    return parts is not None and parts[0] == "https" and not is_loopback_host(parts[1])


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
    if settings.new_artists != settings.new_artists:  # NaN
        settings.new_artists = defaults.new_artists
    settings.new_artists = min(1.0, max(0.0, settings.new_artists))
    settings.discovery_request_budget = min(10_000, max(0, settings.discovery_request_budget))
    settings.volume = min(100, max(0, settings.volume))
    from desktoprec.catalogs import SOURCE_NAMES

    settings.enabled_sources = [n for n in SOURCE_NAMES if n in settings.enabled_sources]
    for name, default_url in (("api_url", DEFAULT_API_URL), ("accounts_url", DEFAULT_ACCOUNTS_URL),
                              ("preview_api_url", DEFAULT_PREVIEW_API_URL)):
        if not is_remote_https(getattr(settings, name)):
            log.warning("setting %s is not an https address of another machine (%r); using the "
                        "default", name, str(getattr(settings, name))[:200])
            setattr(settings, name, default_url)
    return settings


def _needs_repair(raw: dict[str, Any], settings: Settings) -> bool:
    """True when the file holds a service address that loading replaced (an older version
    saved the demo's emulator address there), so the file is rewritten without it."""
    return any(isinstance(raw.get(name), str) and raw[name] != getattr(settings, name)
               for name in ("api_url", "accounts_url", "preview_api_url"))


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
    settings = _coerce(Settings(), raw)
    if _needs_repair(raw, settings):
        try:
            save_settings(settings, path)
            log.warning("the settings file %s named a service address that is not used; it was "
                        "rewritten with Spotify's own addresses", path)
        except StorageError as exc:  # read-only profile: the addresses are ignored anyway
            log.warning("the settings file %s could not be repaired: %s", path, exc)
    return settings


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
