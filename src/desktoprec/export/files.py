"""Writing a track list as an M3U playlist (local files where the user has them) or a CSV."""

from __future__ import annotations

import csv
import io
import logging
from collections.abc import Sequence
from pathlib import Path

from desktoprec.atomicfile import write_atomically
from desktoprec.domain import Track
from desktoprec.errors import ExportError

log = logging.getLogger(__name__)

CSV_COLUMNS = ("position", "track_id", "uri", "name", "artists", "album", "duration_ms", "isrc",
               "local_path")


def _one_line(text: str | None) -> str:
    """Names from Spotify or tags must not add lines to an M3U."""
    return " ".join((text or "").split())


def render_m3u(tracks: Sequence[Track]) -> str:
    lines = ["#EXTM3U"]
    for track in tracks:
        seconds = round(track.duration_ms / 1000) if track.duration_ms else -1
        title = _one_line(f"{', '.join(track.artists)} - {track.name}" if track.artists
                          else track.name)
        lines.append(f"#EXTINF:{seconds},{title}")
        lines.append(_one_line(track.local_path or track.uri or f"spotify:track:{track.id}"))
    return "\n".join(lines) + "\n"


def _cell(text: str) -> str:
    """Text that a spreadsheet would run as a formula gets a leading quote."""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def render_csv(tracks: Sequence[Track]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(CSV_COLUMNS)
    for position, track in enumerate(tracks, start=1):
        writer.writerow([position, track.id, track.uri or "", _cell(track.name),
                         _cell("; ".join(track.artists)), _cell(track.album or ""),
                         track.duration_ms or "", track.isrc or "", track.local_path or ""])
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
