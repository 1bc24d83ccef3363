"""Writing a track list as an M3U playlist (local files where the user has them) or a CSV.

Identifiers come from the API and names from tags: an M3U entry is only ever a local path or a
`spotify:` URI, and no CSV cell can start a spreadsheet formula.
"""

from __future__ import annotations

import csv
import io
import logging
import re
from collections.abc import Sequence
from pathlib import Path, PurePosixPath, PureWindowsPath

from desktoprec.atomicfile import write_atomically
from desktoprec.domain import Track
from desktoprec.errors import ExportError
from desktoprec.spotify.parse import ISRC, is_spotify_id

log = logging.getLogger(__name__)

CSV_COLUMNS = ("position", "track_id", "uri", "name", "artists", "album", "duration_ms", "isrc",
               "local_path")


def _one_line(text: str | None) -> str:
    """Names from Spotify or tags must not add lines to an M3U."""
    return " ".join((text or "").split())


_SPOTIFY_URI = re.compile(r"spotify:(?:track|episode):[0-9A-Za-z]{22}")
_LOCAL_URI = re.compile(r"spotify:local:[^\s]*")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\n", "\uff1d", "\uff0b", "\uff0d", "\uff20")


def _is_local_path(text: str) -> bool:
    """An absolute path on this machine (POSIX or Windows), never a URL."""
    if "://" in text or text.startswith("\\\\"):
        return False
    return PurePosixPath(text).is_absolute() or PureWindowsPath(text).is_absolute()


def m3u_location(track: Track) -> str | None:
    """Where an M3U entry points: the user's own file, else the track's Spotify URI; None when
    neither is safe (an M3U player fetches any URL it is given: nothing remote gets in)."""
    local = _one_line(track.local_path)
    if local and _is_local_path(local):
        return local
    if is_spotify_id(track.id):
        return f"spotify:track:{track.id}"
    uri = _one_line(track.uri)
    if _SPOTIFY_URI.fullmatch(uri) or _LOCAL_URI.fullmatch(uri):
        return uri
    return None


def render_m3u(tracks: Sequence[Track]) -> str:
    lines = ["#EXTM3U"]
    for track in tracks:
        location = m3u_location(track)
        if location is None:
            log.warning("M3U export: skipping track %r: no local file and no Spotify URI",
                        (track.id or "")[:40])
            continue
        seconds = round(track.duration_ms / 1000) if track.duration_ms else -1
        title = _one_line(f"{', '.join(track.artists)} - {track.name}" if track.artists
                          else track.name)
        lines.append(f"#EXTINF:{seconds},{title}")
        lines.append(location)
    return "\n".join(lines) + "\n"


def _cell(value: object) -> str:
    """Any value as a CSV cell a spreadsheet shows as text: one that would start a formula
    (=, +, -, @, tab, CR, LF, their full-width forms, also after spaces) gets a leading quote."""
    text = "" if value is None else str(value)
    return "'" + text if text.lstrip(" ")[:1] in _FORMULA_START and text.strip() else text


def render_csv(tracks: Sequence[Track]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for position, track in enumerate(tracks, start=1):
        isrc = track.isrc if track.isrc and ISRC.fullmatch(track.isrc) else ""
        uri = m3u_location(Track(id=track.id, name="", artists=(), uri=track.uri)) or ""
        writer.writerow([_cell(v) for v in (
            position, track.id, uri, track.name, "; ".join(track.artists), track.album or "",
            track.duration_ms or "", isrc, track.local_path or "")])
    return buffer.getvalue()


def write_text_atomically(path: Path, text: str) -> Path:
    path = path.expanduser()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        write_atomically(path, text.encode("utf-8"))
    except OSError as exc:
        raise ExportError(f"The playlist file {path} could not be written: "
                          f"{exc.strerror or exc}") from exc
    return path
