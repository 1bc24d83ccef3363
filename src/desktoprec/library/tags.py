"""Reads the tags of one audio file with mutagen into plain, length-capped strings."""

from __future__ import annotations

import logging
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

MAX_TAG_CHARS = 300
AUDIO_SUFFIXES = {
    ".mp3": "mp3", ".flac": "flac", ".ogg": "ogg", ".oga": "ogg", ".opus": "opus",
    ".m4a": "m4a", ".mp4": "m4a", ".aac": "aac", ".wav": "wav", ".wave": "wav",
    ".aif": "aiff", ".aiff": "aiff", ".wma": "wma",
}
_ISRC = re.compile(r"^[A-Z]{2}[A-Z0-9]{3}\d{7}$")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")

# tag field -> keys in each tagging scheme (ID3 frames, Vorbis comments, MP4 atoms, APE)
_KEYS: dict[str, tuple[str, ...]] = {
    "artist": ("TPE1", "artist", "\xa9ART", "Artist", "TPE2", "albumartist", "aART"),
    "title": ("TIT2", "title", "\xa9nam", "Title"),
    "album": ("TALB", "album", "\xa9alb", "Album"),
    "isrc": ("TSRC", "isrc", "----:com.apple.iTunes:ISRC", "ISRC", "TXXX:ISRC"),
    "genre": ("TCON", "genre", "\xa9gen", "Genre"),
    "date": ("TDRC", "TYER", "date", "year", "\xa9day", "Year", "originaldate", "TDOR"),
}


@dataclass(frozen=True)
class FileTags:
    """What a file's tags say; every field may be None."""

    format: str | None = None
    artist: str | None = None
    title: str | None = None
    album: str | None = None
    isrc: str | None = None
    genre: str | None = None
    year: int | None = None
    duration_s: float | None = None
    error: str | None = None


def clean_text(value: Any) -> str | None:
    """Untrusted tag text as a plain, single-line, capped string (None when empty)."""
    if value is None:
        return None
    if isinstance(value, bytes):
        value = value.decode("utf-8", "replace")
    text = str(value)
    text = unicodedata.normalize("NFC", _CONTROL.sub(" ", text)).replace("\n", " ")
    text = " ".join(text.split())[:MAX_TAG_CHARS]
    return text or None


def clean_isrc(value: Any) -> str | None:
    text = clean_text(value)
    if not text:
        return None
    compact = re.sub(r"[\s\-]", "", text).upper()
    return compact if _ISRC.match(compact) else None


def _first(tags: Any, keys: tuple[str, ...]) -> Any:
    for key in keys:
        try:
            value = tags.get(key) if hasattr(tags, "get") else None
        except (ValueError, KeyError, TypeError):
            value = None
        if value is None:
            continue
        if hasattr(value, "text"):  # ID3 frames
            value = value.text
        if isinstance(value, (list, tuple)):
            value = next((v for v in value if v not in (None, "", b"")), None)
        if hasattr(value, "value"):  # APE values
            value = value.value
        if value not in (None, "", b""):
            return value
    return None


def _year(value: Any) -> int | None:
    match = re.search(r"\b(1[89]\d\d|20\d\d)\b", clean_text(value) or "")
    return int(match.group(1)) if match else None


def _genre(value: Any) -> str | None:
    if isinstance(value, tuple) and value and isinstance(value[0], int):  # MP4 'gnre' numeric
        return None
    text = clean_text(value)
    if text is None:
        return None
    # ID3v1-style "(17)" references and "(17)Rock" leftovers
    text = re.sub(r"^\(\d+\)\s*", "", text).strip()
    return text or None


def read_tags(path: Path) -> FileTags:
    """Tags and duration of one file; a file mutagen cannot read gives FileTags(error=...)."""
    import mutagen

    fmt = AUDIO_SUFFIXES.get(path.suffix.lower())
    try:
        audio = mutagen.File(str(path))
    except Exception as exc:  # noqa: BLE001 - mutagen raises many types for hostile files
        log.debug("tags of %s unreadable: %s", path, exc)
        return FileTags(format=fmt, error=f"tags unreadable ({type(exc).__name__})")
    if audio is None:
        return FileTags(format=fmt, error="not a recognised audio file")
    tags = audio.tags if audio.tags is not None else {}
    duration = None
    info = getattr(audio, "info", None)
    length = getattr(info, "length", None)
    if isinstance(length, (int, float)) and length > 0 and length < 10 * 24 * 3600:
        duration = round(float(length), 3)
    return FileTags(
        format=fmt,
        artist=clean_text(_first(tags, _KEYS["artist"])),
        title=clean_text(_first(tags, _KEYS["title"])),
        album=clean_text(_first(tags, _KEYS["album"])),
        isrc=clean_isrc(_first(tags, _KEYS["isrc"])),
        genre=_genre(_first(tags, _KEYS["genre"])),
        year=_year(_first(tags, _KEYS["date"])),
        duration_s=duration,
    )
