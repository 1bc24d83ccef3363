"""Reads the tags of audio files with mutagen into plain, length-capped strings, within limits.

Tags are untrusted input: mutagen's ID3 text parser takes quadratic time on a frame of megabytes of
NUL bytes (1 MB: 16 s, 4 MB: 4 minutes, a 256 MB sparse tag: 1.3 GB of memory). So an ID3v2 tag is
first walked frame by frame without parsing (`id3_tag_problem`), and one with oversized text is not
given to mutagen at all; and `read_tags_many` (what the scan uses) reads in worker processes under
a time and memory limit, as analysis does, so any other stall costs one file and Cancel works
while a file is being read.
"""

from __future__ import annotations

import logging
import re
import threading
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

MAX_TAG_CHARS = 300
TAG_TIME_LIMIT_S = 30.0  # per file, in a worker; a sane file takes milliseconds
TAG_MEMORY_LIMIT_MB = 1024
TAG_READER = "desktoprec.library.tags:read_tags_plain"
# An ID3v2 tag is read only when it stays within these (real tags are far below them: titles,
# lyrics and comments are kilobytes; covers a few megabytes).
MAX_ID3_TEXT_FRAME = 64 * 1024
MAX_ID3_TEXT_TOTAL = 256 * 1024
MAX_ID3_FRAME = 16 * 1024 * 1024
MAX_ID3_FRAMES = 2000
AUDIO_SUFFIXES = {
    ".mp3": "mp3", ".flac": "flac", ".ogg": "ogg", ".oga": "ogg", ".opus": "opus",
    ".m4a": "m4a", ".mp4": "m4a", ".aac": "aac", ".wav": "wav", ".wave": "wav",
    ".aif": "aiff", ".aiff": "aiff", ".wma": "wma",
}
_ISRC = re.compile(r"^[A-Z]{2}[A-Z0-9]{3}\d{7}$")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")

# tag field -> keys in each tagging scheme (ID3 frames, Vorbis comments, MP4 atoms, APE, ASF/WMA)
_KEYS: dict[str, tuple[str, ...]] = {
    "artist": ("TPE1", "artist", "\xa9ART", "Artist", "Author", "TPE2", "albumartist", "aART",
               "WM/AlbumArtist"),
    "title": ("TIT2", "title", "\xa9nam", "Title"),
    "album": ("TALB", "album", "\xa9alb", "Album", "WM/AlbumTitle"),
    "isrc": ("TSRC", "isrc", "----:com.apple.iTunes:ISRC", "ISRC", "TXXX:ISRC", "WM/ISRC"),
    "genre": ("TCON", "genre", "\xa9gen", "Genre", "WM/Genre"),
    "date": ("TDRC", "TYER", "date", "year", "\xa9day", "Year", "originaldate", "TDOR",
             "WM/Year", "WM/OriginalReleaseYear"),
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
            value: Any = tags.get(key) if hasattr(tags, "get") else None
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


def _syncsafe(data: bytes) -> int:
    return (data[0] & 0x7F) << 21 | (data[1] & 0x7F) << 14 | (data[2] & 0x7F) << 7 | data[3] & 0x7F


def _mb(size: int) -> str:
    return f"{size / 1e6:.1f} MB" if size >= 100_000 else f"{size / 1000:.0f} kB"


def id3_tag_problem(path: Path) -> str | None:
    """Why the ID3v2 tag at the start of `path` is not safe to parse, or None (also for no tag).

    Walks the frame headers only (a few reads, however large the tag says it is)."""
    try:
        with path.open("rb") as handle:
            header = handle.read(10)
            if len(header) < 10 or header[:3] != b"ID3" or header[3] not in (2, 3, 4):
                return None
            version, flags = header[3], header[5]
            tag_end = 10 + _syncsafe(header[6:10])
            position = 10
            if flags & 0x40 and version >= 3:  # an extended header comes first
                extended = handle.read(4)
                if len(extended) < 4:
                    return None
                size = _syncsafe(extended) if version == 4 else int.from_bytes(extended, "big")
                position += size if version == 4 else size + 4
            head_size = 6 if version == 2 else 10
            text_total = frames = 0
            while position + head_size <= tag_end:
                handle.seek(position)
                head = handle.read(head_size)
                if len(head) < head_size or head[0] == 0:  # padding, or the file ended
                    return None
                if version == 2:
                    frame_id, size = head[:3], int.from_bytes(head[3:6], "big")
                else:
                    frame_id = head[:4]
                    size = _syncsafe(head[4:8]) if version == 4 else int.from_bytes(head[4:8],
                                                                                    "big")
                name = frame_id.decode("latin-1", "replace")
                frames += 1
                if frames > MAX_ID3_FRAMES:
                    return f"its ID3 tag has more than {MAX_ID3_FRAMES} frames"
                if size > MAX_ID3_FRAME:
                    return f"its ID3 frame {name} holds {_mb(size)}"
                if name[:1] in ("T", "W") or name in ("COMM", "USLT", "COM", "ULT", "SYLT"):
                    if size > MAX_ID3_TEXT_FRAME:
                        return (f"its ID3 text frame {name} holds {_mb(size)} (at most "
                                f"{MAX_ID3_TEXT_FRAME // 1024} kB are read)")
                    text_total += size
                    if text_total > MAX_ID3_TEXT_TOTAL:
                        return (f"its ID3 text frames hold more than "
                                f"{MAX_ID3_TEXT_TOTAL // 1024} kB")
                position += head_size + size
    except OSError:
        return None  # mutagen will say what is wrong with the file
    return None


def read_tags(path: Path, *, check_id3: bool = True) -> FileTags:
    """Tags and duration of one file; a file mutagen cannot read gives FileTags(error=...).

    In this process and without a time limit: for many or unknown files use `read_tags_many`."""
    import mutagen

    fmt = AUDIO_SUFFIXES.get(path.suffix.lower())
    problem = id3_tag_problem(path) if check_id3 else None
    if problem is not None:
        log.warning("not reading the tags of %s: %s", path, problem)
        return FileTags(format=fmt, error=f"tags not read: {problem}")
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


def read_tags_plain(path: str) -> dict[str, Any]:
    """`read_tags` as a plain dict, for a worker process to send back."""
    return asdict(read_tags(Path(path)))


def read_tags_many(paths: Iterable[Path], on_tags: Callable[[Path, FileTags], None], *,
                   progress: Callable[[int, int], None] | None = None,
                   cancel: threading.Event | None = None,
                   time_limit_s: float = TAG_TIME_LIMIT_S,
                   memory_limit_mb: int = TAG_MEMORY_LIMIT_MB,
                   workers: int | None = None, reader: str = TAG_READER) -> None:
    """Read many files' tags in worker processes, each file under a time and memory limit.

    `on_tags(path, tags)` gets each file's tags in this process as they arrive; a file that
    crashed, hung or ran out of memory comes back as FileTags(error=...). Raises Cancelled (the
    workers are stopped, also in the middle of a file) when `cancel` is set.
    """
    import os

    from desktoprec.features.pool import FileResult, analyze_many

    jobs = [(str(path), str(path)) for path in paths]
    if not jobs:
        return

    def arrived(result: FileResult) -> None:
        path = Path(result.path)
        if result.ok and isinstance(result.descriptors, dict):
            tags = FileTags(**result.descriptors)
        else:
            tags = FileTags(format=AUDIO_SUFFIXES.get(path.suffix.lower()),
                            error=f"tags not read: {result.error}")
            log.warning("tags of %s not read: %s", path, result.error)
        on_tags(path, tags)

    analyze_many(jobs, arrived, workers=workers or min(4, os.cpu_count() or 1),
                 time_limit_s=time_limit_s, memory_limit_mb=memory_limit_mb, analyzer=reader,
                 progress=(lambda _phase, done, total: progress(done, total)) if progress else None,
                 cancel=cancel, task="reading the tags")
