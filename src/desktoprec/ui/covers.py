"""Real covers on screen: album images decoded off the UI thread, else the generated cover.

The download and the cache are catalogs/covers.py (no Qt); this module only decodes and shows.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path

from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QImage, QImageReader

from desktoprec.catalogs.covers import fetch_cover
from desktoprec.ui.context import AppContext
from desktoprec.ui.widgets import CoverLabel

log = logging.getLogger(__name__)

MAX_COVER_SIDE = 4000  # Spotify's largest album image is 640 px; more is a decompression bomb
DECODE_LIMIT_MB = 64


def decode_cover(path: Path, size: int) -> QImage | None:
    """`path` decoded and scaled to fill `size`×`size`, or None when it is not an image Qt can
    read or claims more than 4000 px a side. A QImage, so it can be made in a worker thread."""
    reader = QImageReader(str(path))
    reader.setAllocationLimit(DECODE_LIMIT_MB)
    declared = reader.size()
    if not declared.isValid() or max(declared.width(), declared.height()) > MAX_COVER_SIDE:
        log.info("cover %s not shown: %s", path.name, reader.errorString() if
                 not declared.isValid() else f"{declared.width()}×{declared.height()} px")
        return None
    image = reader.read()
    if image.isNull():
        log.info("cover %s not shown: %s", path.name, reader.errorString())
        return None
    return image.scaled(QSize(size, size), Qt.AspectRatioMode.KeepAspectRatioByExpanding,
                        Qt.TransformationMode.SmoothTransformation)


def load_cover(covers_dir: Path, url: str, size: int) -> QImage | None:
    """Worker: the image of `url` from the cache (downloading it once), decoded; None on any
    failure (offline, refused, not an image)."""
    path = fetch_cover(covers_dir, url)
    return decode_cover(path, size) if path is not None else None


def show_cover(ctx: AppContext, labels: Sequence[CoverLabel], url: str | None) -> None:
    """Put `url`'s real cover on `labels` when it arrives; they keep their generated cover until
    then, and for good when it cannot be had. A label asked for another cover meanwhile (the
    player moved on) or gone (the list was redrawn) is left alone."""
    for label in labels:
        label.wanted_url = url or ""
    if not url or not labels:
        return
    covers_dir = ctx.services.paths.covers_dir
    size = max(label.width() for label in labels)

    def apply(image: QImage | None) -> None:
        if image is None:
            return
        for label in labels:
            try:
                if label.wanted_url == url:
                    label.set_image(image)
            except RuntimeError:  # the label's widget was deleted meanwhile (a new list)
                continue

    ctx.runner.run(lambda: load_cover(covers_dir, url, size), lane="network", name="cover",
                   on_done=apply, on_error=lambda exc: log.info("cover not shown: %s", exc))
