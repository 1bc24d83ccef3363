"""Typed user settings, stored as TOML with a schema version; env variables override some."""

from __future__ import annotations

import logging
import os
import tomllib
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any

import tomli_w

from desktoprec.errors import StorageError

log = logging.getLogger(__name__)

SCHEMA_VERSION = 1
DEFAULT_API_URL = "https://api.spotify.com/v1"
DEFAULT_ACCOUNTS_URL = "https://accounts.spotify.com"


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
    metadata_service_enabled: bool = False
    include_saved_in_recommendations: bool = False
    discovery_request_budget: int = 60
    demo_mode: bool = False
    # Not saved: why the file could not be read, for the UI to show once.
    load_warning: str | None = field(default=None, compare=False, repr=False)

    def effective_client_id(self) -> str:
        return os.environ.get("DESKTOPREC_CLIENT_ID", "").strip() or self.client_id.strip()

    def effective_api_url(self) -> str:
        return (os.environ.get("DESKTOPREC_SPOTIFY_API_URL") or self.api_url).rstrip("/")

    def effective_accounts_url(self) -> str:
        return (os.environ.get("DESKTOPREC_SPOTIFY_ACCOUNTS_URL") or self.accounts_url).rstrip("/")

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data.pop("load_warning", None)
        return {"schema_version": SCHEMA_VERSION, **data}


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
    settings.diversity = min(1.0, max(0.0, settings.diversity))
    return settings


def load_settings(path: Path) -> Settings:
    """Read settings; a missing file gives defaults, a corrupt one gives defaults and a warning."""
    if not path.exists():
        return Settings()
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        warning = f"The settings file {path} could not be read ({exc}); defaults are used."
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
    tmp = path.with_suffix(".toml.tmp")
    try:
        tmp.write_text(tomli_w.dumps(settings.to_dict()), encoding="utf-8")
        os.replace(tmp, path)
    except OSError as exc:
        raise StorageError(f"The settings could not be saved: {exc.strerror or exc}") from exc
