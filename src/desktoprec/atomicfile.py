"""Writing a file so that readers see either the old content or the new, never half of it."""

from __future__ import annotations

import contextlib
import glob
import os
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

STALE_TEMPORARY_S = 120.0  # a writer still working on its temporary file touches it sooner


def remove_stale_temporaries(path: Path, older_than_s: float = STALE_TEMPORARY_S) -> int:
    """Delete the `.NAME.xxxx.tmp` files beside `path` that a killed writer left behind (only
    ones untouched for `older_than_s`, so a second writer at work keeps its own); returns how
    many were removed."""
    removed = 0
    now = time.time()
    try:
        candidates = list(path.parent.glob(f".{glob.escape(path.name)}.*.tmp"))
    except OSError:
        return 0
    for candidate in candidates:
        with contextlib.suppress(OSError):
            if now - candidate.lstat().st_mtime >= older_than_s and candidate.is_file():
                candidate.unlink()
                removed += 1
    return removed


@contextlib.contextmanager
def _temporary_beside(path: Path) -> Iterator[tuple[int, Path]]:
    """A new unique `.NAME.xxxx.tmp` beside `path` (open descriptor, path); removed on error."""
    remove_stale_temporaries(path)
    fd, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    tmp = Path(name)
    try:
        yield fd, tmp
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise


def write_atomically(path: Path, data: bytes) -> None:
    """Write to a unique temporary file beside `path`, fsync it, then rename it over `path`.

    A crash, a full disk or a second writer leaves the previous file whole; the temporary file is
    removed on failure, and ones a killed writer left behind are removed by the next write.
    Raises OSError for the caller to turn into a message.
    """
    with _temporary_beside(path) as (fd, tmp):
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)


@contextlib.contextmanager
def replacing(path: Path) -> Iterator[Path]:
    """`write_atomically` for libraries that write a file by name (soundfile, mutagen): the block
    writes the temporary path it is given, which is then fsynced and renamed over `path`."""
    with _temporary_beside(path) as (fd, tmp):
        os.close(fd)
        yield tmp
        with open(tmp, "rb+") as handle:
            os.fsync(handle.fileno())
        os.replace(tmp, path)
