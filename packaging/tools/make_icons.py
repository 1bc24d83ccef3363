"""Renders resources/desktoprec.svg into the PNG, .ico and .icns icons the installers need.

Run once after changing the SVG; the outputs in resources/ are committed. Qt (QtSvg) does the
rendering, so no image library is needed; the .ico and .icns containers hold PNG images.
"""

from __future__ import annotations

import os
import struct
import sys
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, Qt
from PySide6.QtGui import QGuiApplication, QImage, QPainter
from PySide6.QtSvg import QSvgRenderer

RESOURCES = Path(__file__).resolve().parents[2] / "resources"
PNG_SIZES = (16, 24, 32, 48, 64, 128, 256, 512)
ICO_SIZES = (16, 24, 32, 48, 64, 128, 256)
# icns entry types that hold PNG data, by pixel size
ICNS_TYPES = ((b"icp4", 16), (b"icp5", 32), (b"icp6", 64), (b"ic07", 128), (b"ic08", 256),
              (b"ic09", 512), (b"ic10", 1024))


def render_png(renderer: QSvgRenderer, size: int) -> bytes:
    image = QImage(size, size, QImage.Format.Format_ARGB32)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    renderer.render(painter)
    painter.end()
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    image.save(buffer, "PNG")
    buffer.close()
    return bytes(data.data())


def ico_bytes(pngs: dict[int, bytes]) -> bytes:
    header = struct.pack("<HHH", 0, 1, len(pngs))
    offset = len(header) + 16 * len(pngs)
    entries, blobs = b"", b""
    for size, png in pngs.items():
        side = 0 if size >= 256 else size  # 0 means 256 in the ICO directory
        entries += struct.pack("<BBBBHHII", side, side, 0, 0, 1, 32, len(png), offset)
        blobs += png
        offset += len(png)
    return header + entries + blobs


def icns_bytes(pngs: dict[bytes, bytes]) -> bytes:
    body = b"".join(kind + struct.pack(">I", len(png) + 8) + png for kind, png in pngs.items())
    return b"icns" + struct.pack(">I", len(body) + 8) + body


def main() -> int:
    app = QGuiApplication(sys.argv[:1])  # noqa: F841 - QImage painting needs a GUI application
    renderer = QSvgRenderer(str(RESOURCES / "desktoprec.svg"))
    if not renderer.isValid():
        print("resources/desktoprec.svg is not a valid SVG", file=sys.stderr)
        return 1
    cache: dict[int, bytes] = {}

    def png(size: int) -> bytes:
        if size not in cache:
            cache[size] = render_png(renderer, size)
        return cache[size]

    icons_dir = RESOURCES / "icons"
    icons_dir.mkdir(exist_ok=True)
    for size in PNG_SIZES:
        (icons_dir / f"desktoprec-{size}.png").write_bytes(png(size))
    (RESOURCES / "desktoprec.png").write_bytes(png(256))
    (RESOURCES / "desktoprec.ico").write_bytes(ico_bytes({s: png(s) for s in ICO_SIZES}))
    (RESOURCES / "desktoprec.icns").write_bytes(
        icns_bytes({kind: png(size) for kind, size in ICNS_TYPES}))
    print(f"wrote icons into {RESOURCES}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
