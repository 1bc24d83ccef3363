"""Walks music folders: finds audio files, hashes them, reads tags, and keeps `local_files` current.

Incremental by path + size + mtime: an unchanged file is neither re-hashed nor re-tagged. Files that
have gone are marked `removed`, never deleted, so their analyses and matches come back with them.
Tags of new and changed files are read in worker processes under a time and memory limit
(`tags.read_tags_many`): a crafted file costs itself only, and Cancel stops the scan mid-file.
"""

from __future__ import annotations

import hashlib
import logging
import os
import threading
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path

from sqlalchemy import select

from desktoprec.domain import Progress
from desktoprec.errors import Cancelled
from desktoprec.library.tags import (
    AUDIO_SUFFIXES,
    TAG_READER,
    TAG_TIME_LIMIT_S,
    FileTags,
    read_tags_many,
)
from desktoprec.storage.tables import LocalFileRow
from desktoprec.timeutil import db_now

log = logging.getLogger(__name__)

HASH_CHUNK = 1 << 20  # 1 MiB from the start, the middle and the end
COMMIT_EVERY = 200
MAX_REPORTED_PROBLEMS = 50


@dataclass
class ScanReport:
    folders: list[str] = field(default_factory=list)
    found: int = 0
    new: int = 0
    changed: int = 0
    unchanged: int = 0
    removed: int = 0
    restored: int = 0
    tag_errors: int = 0
    missing_folders: list[str] = field(default_factory=list)
    matched: int = 0
    local_tracks: int = 0
    # files whose tags were not read (crafted, hung, damaged): {"path", "reason"}, the first 50
    tag_problems: list[dict[str, str]] = field(default_factory=list)

    def to_dict(self) -> dict[str, object]:
        return asdict(self)


def content_hash(path: Path, size: int | None = None) -> str:
    """A fast fingerprint of a file's bytes: sha1 of its size and three 1 MiB samples.

    Enough to recognise the same file after a move or rename, and to notice a re-encode; not a
    cryptographic guarantee of identity.
    """
    size = path.stat().st_size if size is None else size
    digest = hashlib.sha1(f"{size}:".encode())
    with path.open("rb") as handle:
        if size <= 3 * HASH_CHUNK:
            digest.update(handle.read())
        else:
            for offset in (0, size // 2 - HASH_CHUNK // 2, size - HASH_CHUNK):
                handle.seek(offset)
                digest.update(handle.read(HASH_CHUNK))
    return digest.hexdigest()


def _utf8_safe(path: str) -> bool:
    """False for names that are not valid UTF-8 (they reach Python as lone surrogates)."""
    try:
        path.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def iter_audio_files(folders: Iterable[Path], cancel: threading.Event | None = None
                     ) -> Iterator[Path]:
    """Audio files under the folders (by suffix), symlinked folders followed once, sorted."""
    seen_dirs: set[tuple[int, int]] = set()
    for folder in folders:
        stack = [folder]
        while stack:
            if cancel is not None and cancel.is_set():
                raise Cancelled()
            current = stack.pop()
            try:
                info = current.stat()
            except OSError:
                continue
            key = (info.st_dev, info.st_ino)
            if key in seen_dirs:
                continue
            seen_dirs.add(key)
            try:
                entries = sorted(os.scandir(current), key=lambda e: e.name)
            except OSError as exc:
                log.warning("cannot list %s: %s", current, exc)
                continue
            for entry in entries:
                if entry.name.startswith("."):
                    continue
                if not _utf8_safe(entry.path):
                    # SQLite stores text as UTF-8: such a name would abort the whole scan.
                    log.warning("skipping %r: its name is not valid UTF-8", entry.path)
                    continue
                try:
                    if entry.is_dir(follow_symlinks=True):
                        stack.append(Path(entry.path))
                    elif entry.is_file(follow_symlinks=True) and \
                            Path(entry.name).suffix.lower() in AUDIO_SUFFIXES:
                        yield Path(entry.path)
                except OSError:
                    continue


def scan_folders(db: object, folders: Iterable[str | os.PathLike[str]],
                 progress: Progress | None = None, cancel: threading.Event | None = None,
                 *, mark_missing_everywhere: bool = False,
                 tag_time_limit_s: float = TAG_TIME_LIMIT_S,
                 tag_reader: str = TAG_READER) -> ScanReport:
    """Bring `local_files` up to date with the folders; returns what changed.

    Files under a scanned folder that were not found are marked removed. Folders that do not exist
    are reported, and their files are left as they were (an unplugged drive is not a deletion).
    """
    report = ScanReport()
    roots = _roots(folders, report)
    if progress:
        progress("scan", 0, 0)
    paths = list(iter_audio_files(roots, cancel))
    report.found = len(paths)
    with db.read() as session:  # type: ignore[attr-defined]
        known = {row.path: (row.size, row.mtime, row.removed)
                 for row in session.scalars(select(LocalFileRow))}
    pending: list[dict[str, object]] = []
    now = db_now()
    to_read = _triage(paths, known, report, pending, cancel)
    settled = len(paths) - len(to_read)
    if progress:
        progress("scan", settled, len(paths))

    def described(path: Path, tags: FileTags) -> None:
        size, mtime, was_known = to_read[path]
        pending.append(_describe(path, size, mtime, now, tags))
        if tags.error:
            report.tag_errors += 1
            if len(report.tag_problems) < MAX_REPORTED_PROBLEMS:
                report.tag_problems.append({"path": str(path), "reason": tags.error})
        if was_known:
            report.changed += 1
        else:
            report.new += 1
        if len(pending) >= COMMIT_EVERY:
            _flush(db, pending)

    try:
        read_tags_many(list(to_read), described, cancel=cancel, time_limit_s=tag_time_limit_s,
                       reader=tag_reader,
                       progress=(lambda done, total: progress("scan", settled + done, len(paths)))
                       if progress else None)
    finally:  # also when cancelled: the files read so far are kept
        _flush(db, pending)
    if cancel is not None and cancel.is_set():
        raise Cancelled()
    report.removed = _mark_gone(db, known, {str(p) for p in paths},
                                None if mark_missing_everywhere else roots)
    return report


def _roots(folders: Iterable[str | os.PathLike[str]], report: ScanReport) -> list[Path]:
    """The folders that exist, resolved; the others are reported missing (not emptied)."""
    roots: list[Path] = []
    for folder in folders:
        root = Path(folder).expanduser()
        try:
            root = root.resolve()
        except OSError:
            pass
        report.folders.append(str(root))
        if root.is_dir():
            roots.append(root)
        else:
            report.missing_folders.append(str(root))
    return roots


def _triage(paths: list[Path], known: dict[str, tuple[int, float, bool]], report: ScanReport,
            pending: list[dict[str, object]], cancel: threading.Event | None
            ) -> dict[Path, tuple[int, float, bool]]:
    """The files whose tags must be read (new or changed): path -> size, mtime, known before.
    Unchanged files are counted; files back after being missing are marked present."""
    to_read: dict[Path, tuple[int, float, bool]] = {}
    for path in paths:
        if cancel is not None and cancel.is_set():
            raise Cancelled()
        text = str(path)
        try:
            info = path.stat()
        except OSError:
            continue
        previous = known.get(text)
        if previous and previous[0] == info.st_size and abs(previous[1] - info.st_mtime) < 1e-3:
            if previous[2]:
                report.restored += 1
                pending.append({"path": text, "removed": False})
            else:
                report.unchanged += 1
        else:
            to_read[path] = (info.st_size, info.st_mtime, previous is not None)
    return to_read


def _mark_gone(db: object, known: dict[str, tuple[int, float, bool]], found: set[str],
               roots: list[Path] | None) -> int:
    """Mark removed the known files not found under the scanned roots (anywhere, when roots is
    None) that are really gone; returns how many."""
    gone = []
    for path_text, (_, _, removed) in known.items():
        if removed or path_text in found:
            continue
        inside = roots is None or any(_is_under(path_text, root) for root in roots)
        if inside and not Path(path_text).exists():
            gone.append(path_text)
    if gone:
        with db.write() as session:  # type: ignore[attr-defined]
            for path_text in gone:
                row = session.get(LocalFileRow, path_text)
                if row is not None:
                    row.removed = True
    return len(gone)


def _is_under(path_text: str, root: Path) -> bool:
    try:
        Path(path_text).relative_to(root)
        return True
    except ValueError:
        return False


def _describe(path: Path, size: int, mtime: float, now: datetime,
              tags: FileTags) -> dict[str, object]:
    try:
        digest: str | None = content_hash(path, size)
    except OSError as exc:
        log.warning("cannot read %s: %s", path, exc)
        digest = None
    return {
        "path": str(path), "size": size, "mtime": mtime, "content_hash": digest,
        "format": tags.format, "title": tags.title, "artist": tags.artist, "album": tags.album,
        "isrc": tags.isrc, "genre": tags.genre, "year": tags.year, "duration_s": tags.duration_s,
        "tag_error": tags.error, "removed": False, "scanned_at": now,
        # a changed file is matched again
        "track_id": None, "match_method": None,
    }


def _flush(db: object, pending: list[dict[str, object]]) -> None:
    if not pending:
        return
    with db.write() as session:  # type: ignore[attr-defined]
        for values in pending:
            row = session.get(LocalFileRow, values["path"])
            if row is None:
                session.add(LocalFileRow(**values))
            else:
                for key, value in values.items():
                    setattr(row, key, value)
    pending.clear()
